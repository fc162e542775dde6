//! Decoy: certutil used as the administrator's Base64 tool. `certutil -encode` writes a
//! `.b64` text file next to the report it encodes: certutil writes a file, but not a
//! program, and fetches nothing.

use serde_json::{Map, Value};

use super::{Env, Kind, Scenario, process_record};
use crate::synth::device::{Ctx, MINUTE, SECOND, Spawn};
use crate::synth::rng::Rng;
use crate::synth::world as w;

/// See the module documentation.
pub struct DecoyCertutilEncode;

impl Scenario for DecoyCertutilEncode {
    fn name(&self) -> &'static str {
        "decoy_certutil_encode"
    }

    fn kind(&self) -> Kind {
        Kind::Decoy
    }

    fn technique(&self) -> &'static str {
        "T1105"
    }

    fn run(&self, ctx: &mut Ctx<'_>, env: &Env<'_>, at: i64, _rng: &mut Rng) -> Map<String, Value> {
        let user = &env.session.user.name;
        let shell = ctx.spawn(at, Spawn::new(&w::CMD, "\"C:\\Windows\\system32\\cmd.exe\"").parent(&env.session.explorer).lifetime(5 * MINUTE));
        let source = format!("C:\\Users\\{user}\\Documents\\report.pdf");
        let target = format!("C:\\Users\\{user}\\Documents\\report.b64");
        let certutil = ctx.spawn(at + 30 * SECOND, Spawn::new(&w::CERTUTIL, format!("certutil  -encode \"{source}\" \"{target}\"")).parent(&shell).lifetime(2 * SECOND));
        ctx.file_event(&certutil, at + 31 * SECOND, "FileCreated", &target, 412_880, &[]);
        process_record(&certutil, &shell)
    }
}
