//! What impacket's `dcomexec.py` leaves on its target (../shared/reference/dcomexec.md):
//! the SMB and RPC connections, the network logon, the DCOM object's inbound connection,
//! and one `cmd.exe /Q /c … 1> \\127.0.0.1\ADMIN$\__<n> 2>&1` per operator command.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::Env;
use crate::output::format_datetime;
use crate::synth::content as c;
use crate::synth::device::{Conn, Ctx, Logon, SECOND, Spawn};
use crate::synth::rng::Rng;
use crate::synth::row::F;
use crate::synth::world::{self as w, Account, Proc};

/// The attacking host and the account it authenticates with.
pub struct Attacker {
    /// Source address (an internal host the attacker controls).
    pub ip: String,
    /// The account used (NTLM).
    pub account: Arc<Account>,
}

impl Attacker {
    /// A compromised service account on an internal host.
    pub fn draw(rng: &mut Rng) -> Self {
        let ip = format!("10.20.66.{}", rng.range(10, 250));
        let account = Account::domain_user(rng, "svc-backup", 1602, true);
        Self { ip, account }
    }
}

/// The connections and logon that precede DCOM activation: SMB (for the output share),
/// the network logon, and the RPC endpoint mapper. Returns the logon session id.
pub fn connect_and_log_on(ctx: &mut Ctx<'_>, env: &Env<'_>, a: &Attacker, t: i64, rng: &mut Rng) -> i64 {
    let svc = env.svc;
    let inbound = |port: i32, rng: &mut Rng| Conn {
        action: "InboundConnectionAccepted",
        remote_ip: "",
        remote_port: rng.range(32_768, 60_999) as i32,
        remote_url: "",
        local_ip: "",
        local_port: port,
        protocol: "Tcp",
    };
    ctx.connect(&svc.system, t, &Conn { remote_ip: &a.ip, ..inbound(445, rng) });
    let logon_id = ctx.dev.logon_id();
    let logon = Logon {
        action: "LogonSuccess",
        logon_type: "Network",
        account: &a.account,
        protocol: "NTLM",
        failure: "",
        logon_id,
        remote_device: "",
        remote_ip: &a.ip,
        remote_port: 0,
    };
    ctx.logon(&svc.system, t + 50_000_000, &logon);
    ctx.connect(&svc.rpcss, t + 200_000_000, &Conn { remote_ip: &a.ip, ..inbound(135, rng) });
    logon_id
}

/// The DCOM object's process accepting the attacker's connection on a dynamic port.
pub fn dcom_inbound(ctx: &mut Ctx<'_>, host: &Proc, a: &Attacker, t: i64, rng: &mut Rng) {
    let conn = Conn {
        action: "InboundConnectionAccepted",
        remote_ip: &a.ip,
        remote_port: rng.range(32_768, 60_999) as i32,
        remote_url: "",
        local_ip: "",
        local_port: rng.range(49_152, 65_535) as i32,
        protocol: "Tcp",
    };
    ctx.connect(host, t, &conn);
}

/// The operator's commands: impacket first runs `cd \` and `cd ` itself.
const COMMANDS: &[&str] = &["cd \\", "cd ", "whoami /all", "net group \"domain admins\" /domain", "nltest /dclist:contoso"];

/// Runs the operator's commands through `host` starting at `t`, as `account`. Returns one
/// JSON object per `cmd.exe` started.
pub fn run_commands(ctx: &mut Ctx<'_>, env: &Env<'_>, host: &Proc, account: &Arc<Account>, a: &Attacker, t: i64, rng: &mut Rng) -> Vec<Value> {
    // impacket >= 0.9.20 names the output file after the first five digits of the time.
    let digits: String = (t / SECOND).to_string().chars().take(5).collect();
    let output = format!("__{digits}");
    let mut at = t;
    let mut started = Vec::new();
    for (i, command) in COMMANDS.iter().enumerate() {
        let cmdline = format!("\"C:\\Windows\\System32\\cmd.exe\" /Q /c {command} 1> \\\\127.0.0.1\\ADMIN$\\{output} 2>&1");
        let cmd = ctx.spawn(at, Spawn::new(&w::CMD, cmdline).parent(host).account(account).lifetime(SECOND));
        ctx.spawn(at + 10_000_000, Spawn::new(&w::CONHOST, "\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1").parent(&cmd).lifetime(SECOND));
        let action = if i == 0 { "FileCreated" } else { "FileModified" };
        ctx.file_event(&env.svc.system, at + 100_000_000, action, &format!("C:\\Windows\\{output}"), 120 + 40 * i as i64, &[
            (F::RequestProtocol, "SMB"),
            (F::ShareName, "ADMIN$"),
            (F::RequestSourceIP, "127.0.0.1"),
        ]);
        payload(ctx, &cmd, command, at + 15_000_000, rng);
        started.push(json!({
            "ProcessId": cmd.pid,
            "ProcessCreationTime": format_datetime(cmd.created),
            "ProcessCommandLine": cmd.command_line,
        }));
        at += rng.range(80, 1100) * 1_000_000;
    }
    ctx.file_event(&env.svc.system, at + SECOND, "FileDeleted", &format!("C:\\Windows\\{output}"), 0, &[
        (F::RequestProtocol, "SMB"),
        (F::ShareName, "ADMIN$"),
        (F::RequestSourceIP, &a.ip),
    ]);
    started
}

/// The program a command runs, and the connections it makes to the domain controller.
fn payload(ctx: &mut Ctx<'_>, cmd: &Proc, command: &str, t: i64, rng: &mut Rng) {
    let (image, line, port): (&'static w::Image, &str, i32) = match command.split(' ').next() {
        Some("whoami") => (&w::WHOAMI, "whoami  /all", 0),
        Some("net") => (&w::NET, "net  group \"domain admins\" /domain", 445),
        Some("nltest") => (&w::NLTEST, "nltest  /dclist:contoso", 389),
        _ => return,
    };
    let child = ctx.spawn(t, Spawn::new(image, line).parent(cmd).lifetime(SECOND));
    if port != 0 {
        let conn = Conn {
            action: "ConnectionSuccess",
            remote_ip: c::DC_IP,
            remote_port: port,
            remote_url: "",
            local_ip: "",
            local_port: rng.range(49_152, 65_535) as i32,
            protocol: "Tcp",
        };
        ctx.connect(&child, t + 30_000_000, &conn);
    }
}

/// The truth record of one dcomexec run.
pub fn record(object: &str, a: &Attacker, host: &Proc, inbound: i64, commands: Vec<Value>) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("object".into(), json!(object));
    m.insert("AttackerIP".into(), json!(a.ip));
    m.insert("AccountName".into(), json!(a.account.name));
    m.insert("InboundConnectionTime".into(), json!(format_datetime(inbound)));
    m.insert("HostFileName".into(), json!(host.file_name));
    m.insert("HostProcessId".into(), json!(host.pid));
    m.insert("HostCreationTime".into(), json!(format_datetime(host.created)));
    m.insert("Commands".into(), Value::Array(commands));
    m
}
