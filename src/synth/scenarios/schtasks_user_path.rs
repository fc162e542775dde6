//! Planted: persistence through a scheduled task. From a shell the operator runs
//! `schtasks.exe /create /sc minute /mo 30 /tn "<name>" /tr "C:\Users\Public\<x>.exe" /f`:
//! a task that starts a program from a folder every user can write to.

use serde_json::{Map, Value};

use super::{Env, Kind, Scenario, process_record};
use crate::synth::device::{Ctx, MINUTE, SECOND, Spawn};
use crate::synth::rng::Rng;
use crate::synth::world as w;

/// See the module documentation.
pub struct SchtasksUserPath;

impl Scenario for SchtasksUserPath {
    fn name(&self) -> &'static str {
        "schtasks_user_path"
    }

    fn kind(&self) -> Kind {
        Kind::Attack
    }

    fn technique(&self) -> &'static str {
        "T1053.005"
    }

    fn run(&self, ctx: &mut Ctx<'_>, env: &Env<'_>, at: i64, rng: &mut Rng) -> Map<String, Value> {
        let shell = ctx.spawn(at, Spawn::new(&w::CMD, "\"C:\\Windows\\system32\\cmd.exe\"").parent(&env.session.explorer).lifetime(5 * MINUTE));
        let name = *rng.pick(&["OneDrive Standalone Update", "GoogleUpdateTaskMachine", "MicrosoftEdgeUpdateCore"]);
        let line = format!("schtasks  /create /sc minute /mo 30 /tn \"{name}\" /tr \"C:\\Users\\Public\\Libraries\\svchost.exe\" /f");
        let task = ctx.spawn(at + 20 * SECOND, Spawn::new(&w::SCHTASKS, line).parent(&shell).lifetime(SECOND));
        process_record(&task, &shell)
    }
}
