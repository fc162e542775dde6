//! Planted: a dropped program calls home. `update.exe`, started from
//! `C:\Users\Public\Libraries` by a shell, connects to an internet address on 443 within
//! seconds of starting, and again a minute later.

use serde_json::{Map, Value};

use super::{Env, Kind, Scenario, outbound, process_record};
use crate::synth::content as c;
use crate::synth::device::{Ctx, MINUTE, SECOND, Spawn};
use crate::synth::rng::Rng;
use crate::synth::world as w;

/// See the module documentation.
pub struct UserFolderBeacon;

impl Scenario for UserFolderBeacon {
    fn name(&self) -> &'static str {
        "user_folder_beacon"
    }

    fn kind(&self) -> Kind {
        Kind::Attack
    }

    fn technique(&self) -> &'static str {
        "T1071.001"
    }

    fn run(&self, ctx: &mut Ctx<'_>, env: &Env<'_>, at: i64, rng: &mut Rng) -> Map<String, Value> {
        let shell = ctx.spawn(at, Spawn::new(&w::CMD, "\"C:\\Windows\\system32\\cmd.exe\"").parent(&env.session.explorer).lifetime(5 * MINUTE));
        let implant = ctx.spawn(at + 10 * SECOND, Spawn::new(&w::PUBLIC_UPDATE, "C:\\Users\\Public\\Libraries\\update.exe").parent(&shell).lifetime(30 * MINUTE));
        for delay in [13 * SECOND, 73 * SECOND] {
            let conn = outbound(c::STAGING_IP, 443, rng);
            ctx.connect(&implant, at + delay, &conn);
        }
        process_record(&implant, &shell)
    }
}
