//! Decoy: an application registering itself to start at logon. OneDrive sets its Run
//! value to its own program under `C:\Program Files`, as it does on every update.

use serde_json::{Map, Value};

use super::run_key_user_path::run_key_record;
use super::{Env, Kind, Scenario};
use crate::synth::device::{Ctx, SECOND};
use crate::synth::rng::Rng;

/// See the module documentation.
pub struct DecoyRunKeyProgramFiles;

impl Scenario for DecoyRunKeyProgramFiles {
    fn name(&self) -> &'static str {
        "decoy_run_key_program_files"
    }

    fn kind(&self) -> Kind {
        Kind::Decoy
    }

    fn technique(&self) -> &'static str {
        "T1547.001"
    }

    fn run(&self, ctx: &mut Ctx<'_>, env: &Env<'_>, at: i64, _rng: &mut Rng) -> Map<String, Value> {
        let key = format!("HKEY_CURRENT_USER\\{}\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run", env.session.user.sid);
        let data = "\"C:\\Program Files\\Microsoft OneDrive\\OneDrive.exe\" /background";
        let t = at + SECOND;
        ctx.registry(&env.session.onedrive, t, "RegistryValueSet", &key, ("OneDrive", "String", data));
        run_key_record(t, &key, data)
    }
}
