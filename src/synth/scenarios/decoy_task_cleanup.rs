//! Decoy: a maintenance task's shell. The Task Scheduler service starts
//! `cmd.exe /c del /q C:\Windows\Temp\AssetScan\*.log` for a nightly clean-up: a shell
//! under the scheduler, as with atexec, but no output redirected to a .tmp file.

use serde_json::{Map, Value};

use super::{Env, Kind, Scenario, process_record};
use crate::synth::device::{Ctx, SECOND, Spawn};
use crate::synth::rng::Rng;
use crate::synth::world as w;

/// See the module documentation.
pub struct DecoyTaskCleanup;

impl Scenario for DecoyTaskCleanup {
    fn name(&self) -> &'static str {
        "decoy_task_cleanup"
    }

    fn kind(&self) -> Kind {
        Kind::Decoy
    }

    fn technique(&self) -> &'static str {
        "T1053.005"
    }

    fn run(&self, ctx: &mut Ctx<'_>, env: &Env<'_>, at: i64, _rng: &mut Rng) -> Map<String, Value> {
        let line = "cmd.exe /c del /q C:\\Windows\\Temp\\AssetScan\\*.log";
        let cmd = ctx.spawn(at, Spawn::new(&w::CMD, line).parent(&env.svc.netsvcs).lifetime(2 * SECOND));
        process_record(&cmd, &env.svc.netsvcs)
    }
}
