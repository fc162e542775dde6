//! Planted: hands-on-keyboard reconnaissance. From one shell, within a minute, the
//! operator runs whoami, `net localgroup administrators`, `nltest /domain_trusts` and
//! systeminfo. The decoy is a user's shell running whoami, ipconfig and tasklist: three
//! programs, but one of them reconnaissance.

use serde_json::{Map, Value, json};

use super::{Env, Kind, Scenario};
use crate::output::format_datetime;
use crate::synth::device::{Ctx, MINUTE, SECOND, Spawn};
use crate::synth::rng::Rng;
use crate::synth::world::{self as w, Image};

/// The attack or the decoy.
pub struct DiscoveryBurst {
    kind: Kind,
}

/// See the module documentation.
pub static OPERATOR: DiscoveryBurst = DiscoveryBurst { kind: Kind::Attack };
/// See the module documentation.
pub static USER: DiscoveryBurst = DiscoveryBurst { kind: Kind::Decoy };

impl Scenario for DiscoveryBurst {
    fn name(&self) -> &'static str {
        if self.kind == Kind::Attack { "discovery_burst" } else { "decoy_user_troubleshooting" }
    }

    fn kind(&self) -> Kind {
        self.kind
    }

    fn technique(&self) -> &'static str {
        "T1087.002"
    }

    fn run(&self, ctx: &mut Ctx<'_>, env: &Env<'_>, at: i64, rng: &mut Rng) -> Map<String, Value> {
        let tools: &[(&'static Image, &str)] = match self.kind {
            Kind::Attack => &[
                (&w::WHOAMI, "whoami  /groups"),
                (&w::NET, "net  localgroup administrators"),
                (&w::NLTEST, "nltest  /domain_trusts"),
                (&w::SYSTEMINFO, "systeminfo"),
            ],
            Kind::Decoy => &[(&w::WHOAMI, "whoami"), (&w::IPCONFIG, "ipconfig  /all"), (&w::TASKLIST, "tasklist")],
        };
        let shell = ctx.spawn(at, Spawn::new(&w::CMD, "\"C:\\Windows\\system32\\cmd.exe\"").parent(&env.session.explorer).lifetime(10 * MINUTE));
        let mut t = at + 5 * SECOND;
        for (image, line) in tools {
            ctx.spawn(t, Spawn::new(image, *line).parent(&shell).lifetime(2 * SECOND));
            t += rng.range(4, 15) * SECOND;
        }
        let mut m = Map::new();
        m.insert("ShellProcessId".into(), json!(shell.pid));
        m.insert("ShellCreationTime".into(), json!(format_datetime(shell.created)));
        m
    }
}
