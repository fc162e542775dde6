//! Planted: a remote desktop logon from the internet. An exposed RDP port accepts a
//! connection from a public address, and an account logs on (RemoteInteractive) from it
//! seconds later. The administrators' RDP sessions from the jump host (an internal
//! address) are a decoy of their own (`decoy_admin_rdp`).

use serde_json::{Map, Value};

use super::password_spray_success::logon_record;
use super::{Env, Kind, Scenario};
use crate::synth::device::{Conn, Ctx, Logon, SECOND};
use crate::synth::rng::Rng;

/// See the module documentation.
pub struct RdpFromInternet;

/// The remote address (TEST-NET-2, never routed).
const REMOTE: &str = "198.51.100.23";

impl Scenario for RdpFromInternet {
    fn name(&self) -> &'static str {
        "rdp_from_internet"
    }

    fn kind(&self) -> Kind {
        Kind::Attack
    }

    fn technique(&self) -> &'static str {
        "T1133"
    }

    fn run(&self, ctx: &mut Ctx<'_>, env: &Env<'_>, at: i64, rng: &mut Rng) -> Map<String, Value> {
        let conn = Conn {
            action: "InboundConnectionAccepted",
            remote_ip: REMOTE,
            remote_port: rng.range(49_152, 65_535) as i32,
            remote_url: "",
            local_ip: "",
            local_port: 3389,
            protocol: "Tcp",
        };
        ctx.connect(&env.svc.termsvcs, at, &conn);
        let user = env.session.user.clone();
        let logon_id = ctx.dev.logon_id();
        let logon = Logon {
            action: "LogonSuccess",
            logon_type: "RemoteInteractive",
            account: &user,
            protocol: "Negotiate",
            failure: "",
            logon_id,
            remote_device: "",
            remote_ip: REMOTE,
            remote_port: 0,
        };
        let t = at + 4 * SECOND;
        ctx.logon(&env.svc.lsass, t, &logon);
        logon_record(REMOTE, &user.name, t)
    }
}
