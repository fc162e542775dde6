//! Planted: impacket smbexec. Each command becomes a service whose binary path is a shell
//! line: services.exe starts `cmd.exe /Q /c echo <command> ^> \\127.0.0.1\C$\__output 2^>^&1
//! > %SYSTEMROOT%\TEMP\execute.bat & %COMSPEC% /Q /c %SYSTEMROOT%\TEMP\execute.bat & del …`
//! as SYSTEM, and the batch file's output lands on the C$ share.

use serde_json::{Map, Value};

use super::impacket::{self, Attacker};
use super::{Env, Kind, Scenario, process_record};
use crate::synth::device::{Ctx, SECOND, Spawn};
use crate::synth::rng::Rng;
use crate::synth::world as w;

/// See the module documentation.
pub struct Smbexec;

impl Scenario for Smbexec {
    fn name(&self) -> &'static str {
        "smbexec"
    }

    fn kind(&self) -> Kind {
        Kind::Attack
    }

    fn technique(&self) -> &'static str {
        "T1569.002"
    }

    fn run(&self, ctx: &mut Ctx<'_>, env: &Env<'_>, at: i64, rng: &mut Rng) -> Map<String, Value> {
        let attacker = Attacker::draw(rng);
        impacket::connect_and_log_on(ctx, env, &attacker, at, rng);
        let line = "C:\\Windows\\system32\\cmd.exe /Q /c echo whoami ^> \\\\127.0.0.1\\C$\\__output 2^>^&1 > C:\\Windows\\TEMP\\execute.bat & C:\\Windows\\system32\\cmd.exe /Q /c C:\\Windows\\TEMP\\execute.bat & del C:\\Windows\\TEMP\\execute.bat";
        let cmd = ctx.spawn(at + 2 * SECOND, Spawn::new(&w::CMD, line).parent(&env.svc.services).lifetime(SECOND));
        ctx.file_event(&cmd, at + 2 * SECOND + 50_000_000, "FileCreated", "C:\\Windows\\Temp\\execute.bat", 64, &[]);
        process_record(&cmd, &env.svc.services)
    }
}
