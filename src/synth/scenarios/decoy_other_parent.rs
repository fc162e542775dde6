//! Decoy: the same shape under another parent. The configuration-management agent
//! (CcmExec.exe) accepts a connection from its server and, seconds later, starts
//! `cmd.exe /c install.cmd` to deploy software. Only explorer.exe or mmc.exe as the
//! DCOM host makes it dcomexec.

use serde_json::{Map, Value, json};

use super::{Env, Kind, Scenario};
use crate::output::format_datetime;
use crate::synth::content as c;
use crate::synth::device::{Conn, Ctx, MINUTE, SECOND, Spawn, tick};
use crate::synth::rng::Rng;
use crate::synth::world as w;

/// See the module documentation.
pub struct DecoyOtherParent;

impl Scenario for DecoyOtherParent {
    fn name(&self) -> &'static str {
        "decoy_other_parent"
    }

    fn kind(&self) -> Kind {
        Kind::Decoy
    }

    fn technique(&self) -> &'static str {
        "T1021.003"
    }

    fn run(&self, ctx: &mut Ctx<'_>, env: &Env<'_>, at: i64, rng: &mut Rng) -> Map<String, Value> {
        let agent = &env.svc.ccmexec;
        let conn = Conn {
            action: "InboundConnectionAccepted",
            remote_ip: c::SCCM_IP,
            remote_port: rng.range(49_152, 65_535) as i32,
            remote_url: "",
            local_ip: "",
            local_port: 10_123,
            protocol: "Tcp",
        };
        ctx.connect(agent, at, &conn);
        let package = format!("{:X}", rng.range(16, 255));
        let cmd = ctx.spawn(
            at + 2 * SECOND,
            Spawn::new(&w::CMD, format!("\"C:\\Windows\\system32\\cmd.exe\" /c \"C:\\Windows\\ccmcache\\{package}\\install.cmd\""))
                .parent(agent)
                .lifetime(3 * MINUTE),
        );
        ctx.spawn(at + 2 * SECOND + 10_000_000, Spawn::new(&w::CONHOST, "\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1").parent(&cmd).lifetime(3 * MINUTE));
        let mut m = Map::new();
        m.insert("RemoteIP".into(), json!(c::SCCM_IP));
        m.insert("InboundConnectionTime".into(), json!(format_datetime(tick(at))));
        m.insert("HostFileName".into(), json!(agent.file_name));
        m.insert("ChildProcessId".into(), json!(cmd.pid));
        m.insert("ChildCreationTime".into(), json!(format_datetime(cmd.created)));
        m
    }
}
