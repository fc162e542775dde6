//! Planted: persistence through the user's Run key. A process the user started
//! (`powershell.exe` from explorer.exe) sets
//! `HKCU\…\CurrentVersion\Run\<name>` to a program under the user's AppData.

use serde_json::{Map, Value, json};

use super::{Env, Kind, Scenario};
use crate::output::format_datetime;
use crate::synth::device::{Ctx, MINUTE, SECOND, Spawn, tick};
use crate::synth::rng::Rng;
use crate::synth::world as w;

/// See the module documentation.
pub struct RunKeyUserPath;

impl Scenario for RunKeyUserPath {
    fn name(&self) -> &'static str {
        "run_key_user_path"
    }

    fn kind(&self) -> Kind {
        Kind::Attack
    }

    fn technique(&self) -> &'static str {
        "T1547.001"
    }

    fn run(&self, ctx: &mut Ctx<'_>, env: &Env<'_>, at: i64, _rng: &mut Rng) -> Map<String, Value> {
        let user = env.session.user.clone();
        let ps = ctx.spawn(at, Spawn::new(&w::POWERSHELL, "\"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe\"").parent(&env.session.explorer).lifetime(5 * MINUTE));
        let key = format!("HKEY_CURRENT_USER\\{}\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run", user.sid);
        let data = format!("\"C:\\Users\\{}\\AppData\\Roaming\\Microsoft\\Teams\\update.exe\" --silent", user.name);
        let t = at + 40 * SECOND;
        ctx.registry(&ps, t, "RegistryValueSet", &key, ("TeamsUpdate", "String", &data));
        run_key_record(t, &key, &data)
    }
}

/// The truth record of a Run-key write.
pub fn run_key_record(t: i64, key: &str, data: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("Timestamp".into(), json!(format_datetime(tick(t))));
    m.insert("RegistryKey".into(), json!(key));
    m.insert("RegistryValueData".into(), json!(data));
    m
}
