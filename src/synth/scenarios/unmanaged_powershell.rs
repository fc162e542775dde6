//! Planted: PowerShell without powershell.exe. rundll32 runs a dropped DLL that hosts the
//! PowerShell engine, so `System.Management.Automation.dll` loads into rundll32.exe. The
//! decoy is powershell.exe itself loading its engine.

use serde_json::{Map, Value};

use super::{Env, Kind, Scenario, process_record};
use crate::synth::device::{Ctx, MINUTE, SECOND, Spawn};
use crate::synth::rng::Rng;
use crate::synth::world as w;

/// Where the engine's assembly lives in the global assembly cache.
const SMA: &str = "C:\\Windows\\Microsoft.Net\\assembly\\GAC_MSIL\\System.Management.Automation\\v4.0_3.0.0.0__31bf3856ad364e35\\System.Management.Automation.dll";

/// The attack (rundll32 hosting the engine) or the decoy (powershell.exe).
pub struct EngineLoad {
    kind: Kind,
}

/// See the module documentation.
pub static RUNDLL32_HOST: EngineLoad = EngineLoad { kind: Kind::Attack };
/// See the module documentation.
pub static POWERSHELL_HOST: EngineLoad = EngineLoad { kind: Kind::Decoy };

impl Scenario for EngineLoad {
    fn name(&self) -> &'static str {
        if self.kind == Kind::Attack { "unmanaged_powershell" } else { "decoy_powershell_engine" }
    }

    fn kind(&self) -> Kind {
        self.kind
    }

    fn technique(&self) -> &'static str {
        "T1059.001"
    }

    fn run(&self, ctx: &mut Ctx<'_>, env: &Env<'_>, at: i64, _rng: &mut Rng) -> Map<String, Value> {
        let (image, line) = match self.kind {
            Kind::Attack => (&w::RUNDLL32, "rundll32.exe  C:\\Users\\Public\\Libraries\\ps.dll,Start"),
            Kind::Decoy => (&w::POWERSHELL, "\"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe\""),
        };
        let host = ctx.spawn(at, Spawn::new(image, line).parent(&env.session.explorer).lifetime(10 * MINUTE));
        ctx.image_load(&host, at + SECOND, "C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\clr.dll");
        ctx.image_load(&host, at + SECOND + 200_000_000, SMA);
        process_record(&host, &env.session.explorer)
    }
}
