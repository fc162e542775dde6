//! Decoy: encoded PowerShell from the configuration-management agent. CcmExec.exe runs
//! its inventory script as `powershell.exe -NoLogo -NonInteractive -EncodedCommand …`,
//! as management agents do; only an Office parent makes it a macro's work.

use serde_json::{Map, Value};

use super::{Env, Kind, Scenario, process_record};
use crate::synth::content as c;
use crate::synth::device::{Ctx, SECOND, Spawn};
use crate::synth::rng::Rng;
use crate::synth::world as w;

/// See the module documentation.
pub struct DecoyAgentEncodedPowershell;

impl Scenario for DecoyAgentEncodedPowershell {
    fn name(&self) -> &'static str {
        "decoy_agent_encoded_powershell"
    }

    fn kind(&self) -> Kind {
        Kind::Decoy
    }

    fn technique(&self) -> &'static str {
        "T1059.001"
    }

    fn run(&self, ctx: &mut Ctx<'_>, env: &Env<'_>, at: i64, _rng: &mut Rng) -> Map<String, Value> {
        let agent = &env.svc.ccmexec;
        let script = "Get-CimInstance Win32_OperatingSystem | Select-Object Caption, Version, LastBootUpTime";
        let line = format!("powershell.exe -NoLogo -NonInteractive -ExecutionPolicy Bypass -EncodedCommand {}", c::powershell_encoded(script));
        let ps = ctx.spawn(at, Spawn::new(&w::POWERSHELL, line).parent(agent).lifetime(20 * SECOND));
        process_record(&ps, agent)
    }
}
