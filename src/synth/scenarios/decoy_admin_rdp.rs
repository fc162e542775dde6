//! Decoy: an administrator's legitimate remote session. The jump host connects to RDP,
//! the admin logs on (RemoteInteractive), a second explorer.exe starts in session 2, and
//! the admin opens Computer Management and a shell from it. No connection reaches
//! explorer.exe itself.

use serde_json::{Map, Value, json};

use super::{Env, Kind, Scenario};
use crate::output::format_datetime;
use crate::synth::content as c;
use crate::synth::device::{Conn, Ctx, Logon, MINUTE, SECOND, Spawn, tick};
use crate::synth::rng::Rng;
use crate::synth::world::{self as w, Account};

/// See the module documentation.
pub struct DecoyAdminRdp;

impl Scenario for DecoyAdminRdp {
    fn name(&self) -> &'static str {
        "decoy_admin_rdp"
    }

    fn kind(&self) -> Kind {
        Kind::Decoy
    }

    fn technique(&self) -> &'static str {
        "T1021.001"
    }

    fn run(&self, ctx: &mut Ctx<'_>, env: &Env<'_>, at: i64, rng: &mut Rng) -> Map<String, Value> {
        let svc = env.svc;
        let admin = Account::domain_user(rng, "adm-jsmith", 1500, true);
        let conn = Conn {
            action: "InboundConnectionAccepted",
            remote_ip: c::JUMP_HOST_IP,
            remote_port: rng.range(49_152, 65_535) as i32,
            remote_url: "",
            local_ip: "",
            local_port: 3389,
            protocol: "Tcp",
        };
        ctx.connect(&svc.termsvcs, at, &conn);
        let logon_id = ctx.dev.logon_id();
        let logon = Logon {
            action: "LogonSuccess",
            logon_type: "RemoteInteractive",
            account: &admin,
            protocol: "Kerberos",
            failure: "",
            logon_id,
            remote_device: c::JUMP_HOST_NAME,
            remote_ip: c::JUMP_HOST_IP,
            remote_port: 0,
        };
        ctx.logon(&svc.lsass, at + 3 * SECOND, &logon);
        let session = |s: Spawn<'static>| s.account(&admin).logon(logon_id).session(2);
        let userinit = ctx.spawn(at + 5 * SECOND, session(Spawn::new(&w::USERINIT, "C:\\Windows\\system32\\userinit.exe")).parent(&svc.winlogon).lifetime(40 * SECOND));
        let explorer = ctx.spawn(at + 6 * SECOND, session(Spawn::new(&w::EXPLORER, "C:\\Windows\\Explorer.EXE")).parent(&userinit).lifetime(30 * MINUTE));
        ctx.spawn(at + 7 * SECOND, session(Spawn::new(&w::RDPCLIP, "rdpclip")).parent(&svc.termsvcs).lifetime(30 * MINUTE));
        let mmc = ctx.spawn(
            at + 40 * SECOND,
            session(Spawn::new(&w::MMC, "\"C:\\Windows\\system32\\mmc.exe\" \"C:\\Windows\\system32\\compmgmt.msc\" /s")).parent(&explorer).token("High", "TokenElevationTypeFull").lifetime(10 * MINUTE),
        );
        let cmd = ctx.spawn(at + 55 * SECOND, session(Spawn::new(&w::CMD, "\"C:\\Windows\\system32\\cmd.exe\"")).parent(&explorer).token("High", "TokenElevationTypeFull").lifetime(10 * MINUTE));
        ctx.spawn(at + 55 * SECOND + 10_000_000, session(Spawn::new(&w::CONHOST, "\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1")).parent(&cmd).lifetime(10 * MINUTE));
        ctx.spawn(at + 70 * SECOND, session(Spawn::new(&w::GPUPDATE, "gpupdate  /force")).parent(&cmd).lifetime(20 * SECOND));
        let mut m = Map::new();
        m.insert("RemoteIP".into(), json!(c::JUMP_HOST_IP));
        m.insert("AccountName".into(), json!(admin.name));
        m.insert("LogonTime".into(), json!(format_datetime(tick(at + 3 * SECOND))));
        m.insert("ExplorerProcessId".into(), json!(explorer.pid));
        m.insert("ChildProcessIds".into(), json!([mmc.pid, cmd.pid]));
        m
    }
}
