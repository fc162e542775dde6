//! Planted: a script dropped in the user's Startup folder. PowerShell writes
//! `…\Start Menu\Programs\Startup\update.vbs`, which Windows runs at every logon. The
//! decoy is OneDrive adding a shortcut (.lnk) there, as applications do.

use serde_json::{Map, Value, json};

use super::{Env, Kind, Scenario};
use crate::output::format_datetime;
use crate::synth::device::{Ctx, MINUTE, SECOND, Spawn, tick};
use crate::synth::rng::Rng;
use crate::synth::world as w;

/// The attack or the decoy.
pub struct StartupFolder {
    kind: Kind,
}

/// See the module documentation.
pub static SCRIPT: StartupFolder = StartupFolder { kind: Kind::Attack };
/// See the module documentation.
pub static SHORTCUT: StartupFolder = StartupFolder { kind: Kind::Decoy };

impl Scenario for StartupFolder {
    fn name(&self) -> &'static str {
        if self.kind == Kind::Attack { "startup_folder_script" } else { "decoy_startup_shortcut" }
    }

    fn kind(&self) -> Kind {
        self.kind
    }

    fn technique(&self) -> &'static str {
        "T1547.001"
    }

    fn run(&self, ctx: &mut Ctx<'_>, env: &Env<'_>, at: i64, _rng: &mut Rng) -> Map<String, Value> {
        let folder = format!("C:\\Users\\{}\\AppData\\Roaming\\Microsoft\\Windows\\Start Menu\\Programs\\Startup", env.session.user.name);
        let t = at + 5 * SECOND;
        let path = match self.kind {
            Kind::Attack => {
                let ps = ctx.spawn(at, Spawn::new(&w::POWERSHELL, "\"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe\"").parent(&env.session.explorer).lifetime(2 * MINUTE));
                let path = format!("{folder}\\update.vbs");
                ctx.file_event(&ps, t, "FileCreated", &path, 1_024, &[]);
                path
            }
            Kind::Decoy => {
                let path = format!("{folder}\\OneDrive.lnk");
                ctx.file_event(&env.session.onedrive, t, "FileCreated", &path, 2_310, &[]);
                path
            }
        };
        let mut m = Map::new();
        m.insert("Timestamp".into(), json!(format_datetime(tick(t))));
        m.insert("FolderPath".into(), json!(path));
        m
    }
}
