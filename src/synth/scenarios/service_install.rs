//! Planted: a service installed from a user-writable folder. The operator runs
//! `sc.exe create <name> binPath= C:\ProgramData\<x>.exe start= auto`, and services.exe
//! reports the new service. The decoy is an installer's service under Program Files.

use serde_json::{Map, Value, json};

use super::{Env, Kind, Scenario};
use crate::output::format_datetime;
use crate::synth::device::{Ctx, SECOND, Spawn, tick};
use crate::synth::rng::Rng;
use crate::synth::row::F;
use crate::synth::world as w;

/// The attack or the decoy.
pub struct ServiceInstall {
    kind: Kind,
}

/// See the module documentation.
pub static USER_PATH: ServiceInstall = ServiceInstall { kind: Kind::Attack };
/// See the module documentation.
pub static PROGRAM_FILES: ServiceInstall = ServiceInstall { kind: Kind::Decoy };

impl Scenario for ServiceInstall {
    fn name(&self) -> &'static str {
        if self.kind == Kind::Attack { "service_install_user_path" } else { "decoy_service_install_program_files" }
    }

    fn kind(&self) -> Kind {
        self.kind
    }

    fn technique(&self) -> &'static str {
        "T1543.003"
    }

    fn run(&self, ctx: &mut Ctx<'_>, env: &Env<'_>, at: i64, _rng: &mut Rng) -> Map<String, Value> {
        let (service, path, parent) = match self.kind {
            Kind::Attack => ("WinSvcHelper", "C:\\ProgramData\\svchelper.exe", &env.session.explorer),
            Kind::Decoy => ("ContosoAssetScan", "C:\\Program Files\\Contoso\\AssetScan\\scansvc.exe", &env.svc.ccmexec),
        };
        let line = format!("sc.exe  create {service} binPath= \"{path}\" start= auto");
        ctx.spawn(at, Spawn::new(&w::SC, line).parent(parent).token("High", "TokenElevationTypeFull").lifetime(SECOND));
        let name = path.rsplit_once('\\').map_or(path, |(_, n)| n);
        let fields = format!("{{\"ServiceName\":\"{service}\",\"ServiceType\":\"Service\",\"ServiceStartType\":\"Auto\",\"ServiceAccount\":\"LocalSystem\"}}");
        let t = at + SECOND;
        ctx.device_event(&env.svc.services, t, "ServiceInstalled", &[(F::FileName, name), (F::FolderPath, path), (F::AdditionalFields, &fields)]);
        let mut m = Map::new();
        m.insert("Timestamp".into(), json!(format_datetime(tick(t))));
        m.insert("ServiceName".into(), json!(service));
        m.insert("FolderPath".into(), json!(path));
        m
    }
}
