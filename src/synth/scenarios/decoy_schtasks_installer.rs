//! Decoy: an installer's scheduled task. The configuration-management agent's installer
//! creates a daily task for a program under `C:\Program Files`, which only administrators
//! can write to.

use serde_json::{Map, Value};

use super::{Env, Kind, Scenario, process_record};
use crate::synth::device::{Ctx, SECOND, Spawn};
use crate::synth::rng::Rng;
use crate::synth::world as w;

/// See the module documentation.
pub struct DecoySchtasksInstaller;

impl Scenario for DecoySchtasksInstaller {
    fn name(&self) -> &'static str {
        "decoy_schtasks_installer"
    }

    fn kind(&self) -> Kind {
        Kind::Decoy
    }

    fn technique(&self) -> &'static str {
        "T1053.005"
    }

    fn run(&self, ctx: &mut Ctx<'_>, env: &Env<'_>, at: i64, _rng: &mut Rng) -> Map<String, Value> {
        let line = "schtasks.exe /create /sc daily /st 03:00 /tn \"Contoso\\AssetScan\" /tr \"\\\"C:\\Program Files\\Contoso\\AssetScan\\scan.exe\\\" /quiet\" /ru SYSTEM /f";
        let task = ctx.spawn(at, Spawn::new(&w::SCHTASKS, line).parent(&env.svc.ccmexec).lifetime(SECOND));
        process_record(&task, &env.svc.ccmexec)
    }
}
