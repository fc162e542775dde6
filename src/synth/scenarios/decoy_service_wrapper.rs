//! Decoy: a service whose binary is a batch wrapper. services.exe starts
//! `cmd.exe /c "C:\Program Files\Contoso\AssetScan\service.cmd"` as SYSTEM: a shell under
//! services.exe, as with smbexec, but no echo into a batch file and no share.

use serde_json::{Map, Value};

use super::{Env, Kind, Scenario, process_record};
use crate::synth::device::{Ctx, MINUTE, Spawn};
use crate::synth::rng::Rng;
use crate::synth::world as w;

/// See the module documentation.
pub struct DecoyServiceWrapper;

impl Scenario for DecoyServiceWrapper {
    fn name(&self) -> &'static str {
        "decoy_service_wrapper"
    }

    fn kind(&self) -> Kind {
        Kind::Decoy
    }

    fn technique(&self) -> &'static str {
        "T1569.002"
    }

    fn run(&self, ctx: &mut Ctx<'_>, env: &Env<'_>, at: i64, _rng: &mut Rng) -> Map<String, Value> {
        let line = "cmd.exe /c \"C:\\Program Files\\Contoso\\AssetScan\\service.cmd\"";
        let cmd = ctx.spawn(at, Spawn::new(&w::CMD, line).parent(&env.svc.services).lifetime(10 * MINUTE));
        process_record(&cmd, &env.svc.services)
    }
}
