//! Planted: LSASS opened for reading by a dumping tool. A renamed ProcDump
//! (`C:\Users\Public\Libraries\pd.exe -accepteula -ma lsass.exe`) opens lsass.exe with
//! PROCESS_VM_READ | PROCESS_QUERY_INFORMATION (0x1410), which Defender reports as an
//! OpenProcessApiCall. The decoy is Task Manager, which opens lsass.exe only with
//! PROCESS_QUERY_LIMITED_INFORMATION (0x1000); Defender's own scans of lsass (also 0x1000)
//! are in the background.

use serde_json::{Map, Value};

use super::{Env, Kind, Scenario, process_record};
use crate::synth::device::{Ctx, MINUTE, SECOND, Spawn};
use crate::synth::rng::Rng;
use crate::synth::row::F;
use crate::synth::world as w;

/// The attack (a dumping tool) or the decoy (Task Manager).
pub struct LsassAccess {
    kind: Kind,
}

/// See the module documentation.
pub static DUMPER: LsassAccess = LsassAccess { kind: Kind::Attack };
/// See the module documentation.
pub static TASK_MANAGER: LsassAccess = LsassAccess { kind: Kind::Decoy };

impl Scenario for LsassAccess {
    fn name(&self) -> &'static str {
        if self.kind == Kind::Attack { "lsass_read_access" } else { "decoy_task_manager_lsass" }
    }

    fn kind(&self) -> Kind {
        self.kind
    }

    fn technique(&self) -> &'static str {
        "T1003.001"
    }

    fn run(&self, ctx: &mut Ctx<'_>, env: &Env<'_>, at: i64, _rng: &mut Rng) -> Map<String, Value> {
        let (image, line, access) = match self.kind {
            Kind::Attack => (&w::PROCDUMP_RENAMED, "C:\\Users\\Public\\Libraries\\pd.exe -accepteula -ma lsass.exe C:\\Users\\Public\\l.dmp", 5136),
            Kind::Decoy => (&w::TASKMGR, "\"C:\\Windows\\system32\\taskmgr.exe\" /4", 4096),
        };
        let tool = ctx.spawn(at, Spawn::new(image, line).parent(&env.session.explorer).token("High", "TokenElevationTypeFull").lifetime(MINUTE));
        let fields = format!("{{\"DesiredAccess\":{access},\"ProcessId\":{}}}", env.svc.lsass.pid);
        ctx.device_event(&tool, at + 2 * SECOND, "OpenProcessApiCall", &[
            (F::FileName, "lsass.exe"),
            (F::FolderPath, "C:\\Windows\\System32\\lsass.exe"),
            (F::AdditionalFields, &fields),
        ]);
        process_record(&tool, &env.session.explorer)
    }
}
