//! Decoy: a tool the IT department put in a user-writable folder. `synctool.exe` starts
//! from `C:\Users\Public\Tools` and connects at once, but only to the internal file
//! server.

use serde_json::{Map, Value};

use super::{Env, Kind, Scenario, outbound, process_record};
use crate::synth::content as c;
use crate::synth::device::{Ctx, MINUTE, SECOND, Spawn};
use crate::synth::rng::Rng;
use crate::synth::world as w;

/// See the module documentation.
pub struct DecoyUserFolderTool;

impl Scenario for DecoyUserFolderTool {
    fn name(&self) -> &'static str {
        "decoy_user_folder_tool"
    }

    fn kind(&self) -> Kind {
        Kind::Decoy
    }

    fn technique(&self) -> &'static str {
        "T1071.001"
    }

    fn run(&self, ctx: &mut Ctx<'_>, env: &Env<'_>, at: i64, rng: &mut Rng) -> Map<String, Value> {
        let tool = ctx.spawn(at, Spawn::new(&w::USER_SYNC_TOOL, "\"C:\\Users\\Public\\Tools\\synctool.exe\" /sync").parent(&env.session.explorer).lifetime(10 * MINUTE));
        let conn = outbound(c::FILE_SERVER_IP, 445, rng);
        ctx.connect(&tool, at + 2 * SECOND, &conn);
        process_record(&tool, &env.session.explorer)
    }
}
