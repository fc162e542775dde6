//! Decoy: explorer.exe accepts an inbound connection (a remote-assistance probe) and
//! starts nothing afterwards. A correct dcomexec hunt needs a process start within the
//! minute that follows, so it reports nothing here.

use serde_json::{Map, Value, json};

use super::{Env, Kind, Scenario};
use crate::output::format_datetime;
use crate::synth::device::{Conn, Ctx, tick};
use crate::synth::rng::Rng;

/// See the module documentation.
pub struct DecoyExplorerInboundOnly;

impl Scenario for DecoyExplorerInboundOnly {
    fn name(&self) -> &'static str {
        "decoy_explorer_inbound_only"
    }

    fn kind(&self) -> Kind {
        Kind::Decoy
    }

    fn technique(&self) -> &'static str {
        "T1021.003"
    }

    fn run(&self, ctx: &mut Ctx<'_>, env: &Env<'_>, at: i64, rng: &mut Rng) -> Map<String, Value> {
        let remote = format!("10.20.{}.{}", rng.range(10, 20), rng.range(2, 250));
        explorer_inbound(ctx, env, at, &remote, rng)
    }
}

/// An inbound connection accepted by the session's explorer.exe; shared with the
/// late-child decoy.
pub(super) fn explorer_inbound(ctx: &mut Ctx<'_>, env: &Env<'_>, at: i64, remote: &str, rng: &mut Rng) -> Map<String, Value> {
    let conn = Conn {
        action: "InboundConnectionAccepted",
        remote_ip: remote,
        remote_port: rng.range(49_152, 65_535) as i32,
        remote_url: "",
        local_ip: "",
        local_port: rng.range(49_152, 65_535) as i32,
        protocol: "Tcp",
    };
    ctx.connect(&env.session.explorer, at, &conn);
    let mut m = Map::new();
    m.insert("RemoteIP".into(), json!(remote));
    m.insert("InboundConnectionTime".into(), json!(format_datetime(tick(at))));
    m.insert("HostFileName".into(), json!(env.session.explorer.file_name));
    m.insert("HostProcessId".into(), json!(env.session.explorer.pid));
    m
}
