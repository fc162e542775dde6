//! Planted: impacket atexec. The attacker registers a scheduled task over RPC that runs
//! `cmd.exe /C <command> > %windir%\Temp\<8 letters>.tmp 2>&1` as SYSTEM, starts it and
//! reads the output file over SMB. The Task Scheduler service (svchost -k netsvcs)
//! starts the shell.

use serde_json::{Map, Value};

use super::impacket::{self, Attacker};
use super::{Env, Kind, Scenario, process_record};
use crate::synth::device::{Ctx, SECOND, Spawn};
use crate::synth::rng::Rng;
use crate::synth::world as w;

/// See the module documentation.
pub struct Atexec;

impl Scenario for Atexec {
    fn name(&self) -> &'static str {
        "atexec"
    }

    fn kind(&self) -> Kind {
        Kind::Attack
    }

    fn technique(&self) -> &'static str {
        "T1053.005"
    }

    fn run(&self, ctx: &mut Ctx<'_>, env: &Env<'_>, at: i64, rng: &mut Rng) -> Map<String, Value> {
        let attacker = Attacker::draw(rng);
        impacket::connect_and_log_on(ctx, env, &attacker, at, rng);
        let name: String = (0..8).map(|_| char::from(b'a' + rng.below(26) as u8)).collect();
        let line = format!("cmd.exe /C whoami /all > C:\\Windows\\Temp\\{name}.tmp 2>&1");
        let cmd = ctx.spawn(at + 3 * SECOND, Spawn::new(&w::CMD, line).parent(&env.svc.netsvcs).lifetime(SECOND));
        ctx.file_event(&cmd, at + 3 * SECOND + 80_000_000, "FileCreated", &format!("C:\\Windows\\Temp\\{name}.tmp"), 2_314, &[]);
        process_record(&cmd, &env.svc.netsvcs)
    }
}
