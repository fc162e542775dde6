//! Decoy: rundll32 doing what it does all day. The user opens a Control Panel applet,
//! `rundll32.exe shell32.dll,Control_RunDLL desk.cpl`: rundll32 from a shell-like parent,
//! but no comsvcs.dll and no MiniDump.

use serde_json::{Map, Value};

use super::{Env, Kind, Scenario, process_record};
use crate::synth::device::{Ctx, MINUTE, Spawn};
use crate::synth::rng::Rng;
use crate::synth::world as w;

/// See the module documentation.
pub struct DecoyRundll32ControlPanel;

impl Scenario for DecoyRundll32ControlPanel {
    fn name(&self) -> &'static str {
        "decoy_rundll32_control_panel"
    }

    fn kind(&self) -> Kind {
        Kind::Decoy
    }

    fn technique(&self) -> &'static str {
        "T1003.001"
    }

    fn run(&self, ctx: &mut Ctx<'_>, env: &Env<'_>, at: i64, _rng: &mut Rng) -> Map<String, Value> {
        let line = "\"C:\\Windows\\system32\\rundll32.exe\" C:\\Windows\\system32\\shell32.dll,Control_RunDLL desk.cpl";
        let rundll = ctx.spawn(at, Spawn::new(&w::RUNDLL32, line).parent(&env.session.explorer).lifetime(2 * MINUTE));
        process_record(&rundll, &env.session.explorer)
    }
}
