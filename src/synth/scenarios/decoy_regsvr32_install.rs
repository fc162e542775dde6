//! Decoy: an installer registering a COM server. The configuration-management agent runs
//! `regsvr32.exe /s "C:\Program Files\Contoso\AssetScan\scanext.dll"`: regsvr32 silent,
//! but a local DLL and no scriptlet.

use serde_json::{Map, Value};

use super::{Env, Kind, Scenario, process_record};
use crate::synth::device::{Ctx, SECOND, Spawn};
use crate::synth::rng::Rng;
use crate::synth::world as w;

/// See the module documentation.
pub struct DecoyRegsvr32Install;

impl Scenario for DecoyRegsvr32Install {
    fn name(&self) -> &'static str {
        "decoy_regsvr32_install"
    }

    fn kind(&self) -> Kind {
        Kind::Decoy
    }

    fn technique(&self) -> &'static str {
        "T1218.010"
    }

    fn run(&self, ctx: &mut Ctx<'_>, env: &Env<'_>, at: i64, _rng: &mut Rng) -> Map<String, Value> {
        let line = "regsvr32.exe /s \"C:\\Program Files\\Contoso\\AssetScan\\scanext.dll\"";
        let regsvr = ctx.spawn(at, Spawn::new(&w::REGSVR32, line).parent(&env.svc.ccmexec).lifetime(2 * SECOND));
        process_record(&regsvr, &env.svc.ccmexec)
    }
}
