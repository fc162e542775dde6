//! Planted: LSASS memory dumped with comsvcs.dll. From an elevated shell the operator runs
//! `rundll32.exe C:\Windows\System32\comsvcs.dll, MiniDump <lsass pid> <file> full`, which
//! writes the dump file seconds later.

use serde_json::{Map, Value};

use super::{Env, Kind, Scenario, process_record};
use crate::synth::device::{Ctx, MINUTE, SECOND, Spawn};
use crate::synth::rng::Rng;
use crate::synth::world as w;

/// See the module documentation.
pub struct LsassComsvcsMinidump;

impl Scenario for LsassComsvcsMinidump {
    fn name(&self) -> &'static str {
        "lsass_comsvcs_minidump"
    }

    fn kind(&self) -> Kind {
        Kind::Attack
    }

    fn technique(&self) -> &'static str {
        "T1003.001"
    }

    fn run(&self, ctx: &mut Ctx<'_>, env: &Env<'_>, at: i64, _rng: &mut Rng) -> Map<String, Value> {
        let shell = ctx.spawn(
            at,
            Spawn::new(&w::CMD, "\"C:\\Windows\\system32\\cmd.exe\"").parent(&env.session.explorer).token("High", "TokenElevationTypeFull").lifetime(5 * MINUTE),
        );
        let dump = "C:\\Windows\\Temp\\dbg.bin";
        let line = format!("rundll32.exe  C:\\Windows\\System32\\comsvcs.dll, MiniDump {} {dump} full", env.svc.lsass.pid);
        let rundll = ctx.spawn(at + 25 * SECOND, Spawn::new(&w::RUNDLL32, line).parent(&shell).token("High", "TokenElevationTypeFull").lifetime(4 * SECOND));
        ctx.file_event(&rundll, at + 28 * SECOND, "FileCreated", dump, 52_428_800, &[]);
        process_record(&rundll, &shell)
    }
}
