//! Decoy: a legacy line-of-business HTML application. The user starts
//! `mshta.exe "C:\Program Files\Contoso\Timesheet\timesheet.hta"`: mshta, but a local
//! file under Program Files.

use serde_json::{Map, Value};

use super::{Env, Kind, Scenario, process_record};
use crate::synth::device::{Ctx, MINUTE, Spawn};
use crate::synth::rng::Rng;
use crate::synth::world as w;

/// See the module documentation.
pub struct DecoyMshtaLocal;

impl Scenario for DecoyMshtaLocal {
    fn name(&self) -> &'static str {
        "decoy_mshta_local"
    }

    fn kind(&self) -> Kind {
        Kind::Decoy
    }

    fn technique(&self) -> &'static str {
        "T1218.005"
    }

    fn run(&self, ctx: &mut Ctx<'_>, env: &Env<'_>, at: i64, _rng: &mut Rng) -> Map<String, Value> {
        let line = "\"C:\\Windows\\system32\\mshta.exe\" \"C:\\Program Files\\Contoso\\Timesheet\\timesheet.hta\"";
        let mshta = ctx.spawn(at, Spawn::new(&w::MSHTA, line).parent(&env.session.explorer).lifetime(15 * MINUTE));
        process_record(&mshta, &env.session.explorer)
    }
}
