//! Planted: impacket wmiexec. The attacker logs on over the network and creates
//! `Win32_Process` through WMI: WmiPrvSE.exe starts `cmd.exe /Q /c <command> 1>
//! \\127.0.0.1\ADMIN$\__<epoch seconds> 2>&1` once per operator command.

use serde_json::{Map, Value};

use super::impacket::{self, Attacker};
use super::{Env, Kind, Scenario, process_record};
use crate::synth::device::{Ctx, MINUTE, SECOND, Spawn};
use crate::synth::rng::Rng;
use crate::synth::world as w;

/// See the module documentation.
pub struct Wmiexec;

impl Scenario for Wmiexec {
    fn name(&self) -> &'static str {
        "wmiexec"
    }

    fn kind(&self) -> Kind {
        Kind::Attack
    }

    fn technique(&self) -> &'static str {
        "T1047"
    }

    fn run(&self, ctx: &mut Ctx<'_>, env: &Env<'_>, at: i64, rng: &mut Rng) -> Map<String, Value> {
        let attacker = Attacker::draw(rng);
        let logon_id = impacket::connect_and_log_on(ctx, env, &attacker, at, rng);
        let wmi = ctx.spawn(
            at + 300_000_000,
            Spawn::new(&w::WMIPRVSE, "C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding").parent(&env.svc.dcom_launch).lifetime(10 * MINUTE),
        );
        // wmiexec names its output file after the time, with fractional seconds.
        let output = format!("__{}.{}", at / SECOND, rng.range(1_000_000, 9_999_999));
        let line = format!("cmd.exe /Q /c whoami /all 1> \\\\127.0.0.1\\ADMIN$\\{output} 2>&1");
        let cmd = ctx.spawn(at + 2 * SECOND, Spawn::new(&w::CMD, line).parent(&wmi).account(&attacker.account).logon(logon_id).lifetime(SECOND));
        ctx.spawn(at + 2 * SECOND + 15_000_000, Spawn::new(&w::WHOAMI, "whoami  /all").parent(&cmd).lifetime(SECOND));
        process_record(&cmd, &wmi)
    }
}
