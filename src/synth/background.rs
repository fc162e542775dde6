//! Benign background activity for one device-day ([`fill_day`]): process trees under
//! services, the browser, Teams and the user's shell, plus the connections, file,
//! registry, image-load, logon and miscellaneous events of the running processes.

use std::sync::Arc;

use super::boot::{Services, Session};
use super::content as c;
use super::device::{Conn, Ctx, DeviceKind, Logon, MINUTE, SECOND, Spawn};
use super::rng::Rng;
use super::row::F;
use super::world::{self as w, Account, Proc};

/// Rows per device and day, by table (issue: about 1,500 process and 4,000 network events).
#[derive(Debug, Clone, Copy)]
pub struct Volume {
    /// DeviceProcessEvents.
    pub process: u32,
    /// DeviceNetworkEvents.
    pub network: u32,
    /// DeviceFileEvents.
    pub file: u32,
    /// DeviceRegistryEvents.
    pub registry: u32,
    /// DeviceImageLoadEvents.
    pub image_load: u32,
    /// DeviceEvents.
    pub events: u32,
}

impl Default for Volume {
    fn default() -> Self {
        Self { process: 1500, network: 4000, file: 1200, registry: 800, image_load: 1000, events: 300 }
    }
}

/// The day's setting: who runs, and when activity happens.
pub struct Day<'a> {
    /// The device's services.
    pub svc: &'a Services,
    /// The interactive session, on workstations.
    pub session: Option<&'a Session>,
    /// Start of activity.
    pub from: i64,
    /// End of activity.
    pub to: i64,
    /// Spans in which the user starts nothing from explorer.exe, kept clear for scenarios.
    pub quiet: &'a [(i64, i64)],
    /// Other users of the estate, for logons on servers.
    pub users: &'a [Arc<Account>],
    /// Workstation addresses, for connections to servers.
    pub peers: &'a [String],
}

impl Day<'_> {
    fn is_quiet(&self, t: i64) -> bool {
        self.quiet.iter().any(|&(a, b)| a <= t && t <= b)
    }
}

/// Emits the background rows of one device-day.
pub fn fill_day(ctx: &mut Ctx<'_>, day: &Day<'_>, vol: &Volume, rng: &mut Rng) {
    let jitter = |rng: &mut Rng, n: u32| (f64::from(n) * (0.9 + 0.2 * rng.unit())) as u32;
    let procs = jitter(rng, vol.process);
    let mut spawned = 0;
    let mut guard = 0;
    while spawned < procs && guard < procs * 4 {
        guard += 1;
        spawned += spawn_one(ctx, day, rng);
    }
    for _ in 0..jitter(rng, vol.network) {
        connect_one(ctx, day, rng);
    }
    for _ in 0..jitter(rng, vol.file) {
        file_one(ctx, day, rng);
    }
    for _ in 0..jitter(rng, vol.registry) {
        registry_one(ctx, day, rng);
    }
    for _ in 0..jitter(rng, vol.image_load) {
        let (p, t) = any_actor(day, rng);
        ctx.image_load(&p, t, *rng.pick(c::DLLS));
    }
    for _ in 0..jitter(rng, vol.events) {
        device_event_one(ctx, day, rng);
    }
    logons(ctx, day, rng);
    let mut t = day.from + rng.range(0, 59) * MINUTE;
    let logged_on = day.session.map_or_else(
        || "[]".to_string(),
        |s| format!("[{{\"UserName\":\"{}\",\"DomainName\":\"CONTOSO\",\"Sid\":\"{}\"}}]", s.user.name, s.user.sid),
    );
    while t < day.to {
        ctx.device_info(t, &logged_on);
        t += 60 * MINUTE;
    }
}

fn time_in(day: &Day<'_>, rng: &mut Rng) -> i64 {
    day.from + rng.range(0, (day.to - day.from - MINUTE).max(0))
}

/// Starts one background process (and its console host, when it has one). Returns how
/// many process rows it wrote.
fn spawn_one(ctx: &mut Ctx<'_>, day: &Day<'_>, rng: &mut Rng) -> u32 {
    let t = time_in(day, rng);
    let svc = day.svc;
    // Weights: browser renderers and Teams web views dominate a workstation's process
    // starts; service hosts dominate a server's.
    let choice = match day.session {
        Some(_) => rng.weighted(&[34, 12, 10, 8, 6, 5, 4, 3, 2, 8]),
        None => rng.weighted(&[0, 0, 30, 25, 15, 12, 10, 8, 0, 0]),
    };
    let rid = rng.range(1, 400);
    let (parent, image, cmd): (&Arc<Proc>, &'static w::Image, String) = match (choice, day.session) {
        (0, Some(s)) => (&s.edge, &w::MSEDGE, format!("\"{}\\msedge.exe\" --type=renderer --lang=en-US --renderer-client-id={rid} --time-ticks-at-unix-epoch=-1732696000000000", w::MSEDGE.dir)),
        (1, Some(s)) => (&s.teams, &w::WEBVIEW, format!("\"{}\\msedgewebview2.exe\" --embedded-browser-webview=1 --webview-exe-name=ms-teams.exe --type=renderer --renderer-client-id={rid}", w::WEBVIEW.dir)),
        (2, _) => (&svc.netsvcs, &w::TASKHOSTW, format!("taskhostw.exe {{{}}}", rng.guid().to_uppercase())),
        (3, _) => (&svc.dcom_launch, &w::BACKGROUNDTASKHOST, "\"C:\\Windows\\system32\\backgroundTaskHost.exe\" -ServerName:BackgroundTaskHost.WebAccountProvider".to_string()),
        (4, _) => (&svc.dcom_launch, &w::RUNTIMEBROKER, "C:\\Windows\\System32\\RuntimeBroker.exe -Embedding".to_string()),
        (5, _) => (&svc.dcom_launch, &w::DLLHOST, "C:\\Windows\\system32\\DllHost.exe /Processid:{3EB3C877-1F16-487C-9050-104DBCD66683}".to_string()),
        (6, _) => (&svc.local_service, &w::SEARCHPROTOCOLHOST, "\"C:\\Windows\\system32\\SearchProtocolHost.exe\" Global\\UsGthrFltPipeMssGthrPipe1_ Global\\UsGthrCtrlFltPipeMssGthrPipe1 1 -2147483646 \"Software\\Microsoft\\Windows Search\" \"Mozilla/4.0 (compatible; MSIE 6.0; Windows NT; MS Search 4.0 Robot)\"".to_string()),
        (7, _) => (&svc.defender, &w::MPCMDRUN, format!("\"{}\\MpCmdRun.exe\" SignaturesUpdateService -ScheduleJob -UnmanagedUpdate", w::MPCMDRUN.dir)),
        (8, _) => (&svc.dcom_launch, &w::WMIPRVSE, "C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding".to_string()),
        (_, Some(s)) => return user_launch(ctx, day, s, t, rng),
        _ => return 0,
    };
    if !parent.alive_at(t) {
        return 0;
    }
    let life = rng.range(2, 600) * SECOND;
    let child = ctx.spawn(t, spelled(Spawn::new(image, cmd), image, rng).parent(parent).lifetime(life));
    if rng.chance(0.3) {
        ctx.image_load(&child, t + 50_000_000, *rng.pick(c::DLLS));
    }
    1
}

/// Now and then a process reports its image name in another letter case, as real
/// sensors do (`CMD.EXE`, `Notepad.EXE`).
fn spelled<'a>(spawn: Spawn<'a>, image: &w::Image, rng: &mut Rng) -> Spawn<'a> {
    if rng.chance(0.02) { spawn.spelled(w::case_variant(image.name, rng)) } else { spawn }
}

/// The user starts something from explorer.exe, unless a scenario keeps the time clear.
fn user_launch(ctx: &mut Ctx<'_>, day: &Day<'_>, s: &Session, t: i64, rng: &mut Rng) -> u32 {
    if day.is_quiet(t) || !s.explorer.alive_at(t) {
        return 0;
    }
    let user = &s.user.name;
    let doc = rng.pick(c::DOCUMENTS);
    let (image, cmd): (&'static w::Image, String) = match rng.below(6) {
        0 => (&w::NOTEPAD, format!("\"C:\\Windows\\system32\\NOTEPAD.EXE\" C:\\Users\\{user}\\Documents\\notes.txt")),
        1 => (&w::WINWORD, format!("\"{}\\WINWORD.EXE\" /n \"C:\\Users\\{user}\\OneDrive - Contoso\\Documents\\{doc}\"", w::WINWORD.dir)),
        2 => (&w::EXCEL, format!("\"{}\\EXCEL.EXE\" \"C:\\Users\\{user}\\OneDrive - Contoso\\Documents\\{doc}\"", w::EXCEL.dir)),
        3 => (&w::CHROME, format!("\"{}\\chrome.exe\"", w::CHROME.dir)),
        4 => (&w::CMD, "\"C:\\Windows\\system32\\cmd.exe\"".to_string()),
        _ => (&w::POWERSHELL, format!("\"{}\\powershell.exe\"", w::POWERSHELL.dir)),
    };
    let console = matches!(image.name, "cmd.exe" | "powershell.exe");
    let life = rng.range(1, 60) * MINUTE;
    let app = ctx.spawn(t, spelled(Spawn::new(image, cmd), image, rng).parent(&s.explorer).lifetime(life));
    let mut rows = 1;
    if console {
        ctx.spawn(t + 15_000_000, Spawn::new(&w::CONHOST, "\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1").parent(&app).lifetime(life));
        rows += 1;
        let mut at = t;
        for _ in 0..rng.below(4) {
            at += rng.range(5, 120) * SECOND;
            let (img, cmd) = match rng.below(4) {
                0 => (&w::IPCONFIG, "ipconfig  /all".to_string()),
                1 => (&w::PING, format!("ping  -n 4 {}", c::FILE_SERVER_IP)),
                2 => (&w::GIT, "git  status".to_string()),
                _ => (&w::TASKLIST, "tasklist".to_string()),
            };
            let tool = ctx.spawn(at, Spawn::new(img, cmd).parent(&app).lifetime(2 * SECOND));
            rows += 1;
            if img.name == "PING.EXE" {
                let conn = Conn { action: "ConnectionSuccess", remote_ip: c::FILE_SERVER_IP, remote_port: 0, remote_url: "", local_ip: "", local_port: 0, protocol: "Icmp" };
                ctx.connect(&tool, at + 100_000_000, &conn);
            }
        }
    }
    rows
}

/// A long-lived process and a time within the day at which it runs.
fn any_actor(day: &Day<'_>, rng: &mut Rng) -> (Arc<Proc>, i64) {
    let svc = day.svc;
    let t = time_in(day, rng);
    let mut pool: Vec<&Arc<Proc>> = vec![&svc.netsvcs, &svc.dcom_launch, &svc.defender, &svc.dns, &svc.services];
    if let Some(s) = day.session {
        pool.extend([&s.explorer, &s.edge, &s.teams, &s.outlook, &s.onedrive]);
    }
    let p = (*rng.pick(&pool)).clone();
    let t = if p.alive_at(t) { t } else { p.created + SECOND };
    (p, t)
}

fn connect_one(ctx: &mut Ctx<'_>, day: &Day<'_>, rng: &mut Rng) {
    let t = time_in(day, rng);
    let svc = day.svc;
    let local_port = rng.range(49_152, 65_535) as i32;
    let failed = rng.chance(0.04);
    let action = if failed { "ConnectionFailed" } else { "ConnectionSuccess" };
    let outbound = |p: &Arc<Proc>, dest: &[(&str, &str)], rng: &mut Rng| {
        let (url, ip) = *rng.pick(dest);
        (p.clone(), ip.to_string(), 443, url.to_string())
    };
    let (proc, remote_ip, remote_port, url) = match (day.session, rng.below(20)) {
        (Some(s), 0..=9) => outbound(&s.edge_net, c::WEB, rng),
        (Some(s), 10..=11) => outbound(&s.teams, c::TEAMS, rng),
        (Some(s), 12..=13) => outbound(&s.outlook, c::OUTLOOK, rng),
        (Some(s), 14) => outbound(&s.onedrive, c::ONEDRIVE, rng),
        (None, 0..=7) => return inbound_to_server(ctx, day, t, rng),
        (None, 8..=11) => {
            let sql = svc.sql.as_ref().unwrap_or(&svc.services);
            (sql.clone(), c::DC_IP.to_string(), 88, String::new())
        }
        (_, 15..=16) | (None, 12..=14) => outbound(&svc.netsvcs, c::WINDOWS, rng),
        (_, 17) => outbound(&svc.defender, c::DEFENDER, rng),
        (_, 18) => (svc.system.clone(), c::FILE_SERVER_IP.to_string(), 445, String::new()),
        _ => {
            let conn = Conn { action, remote_ip: c::DC_IP, remote_port: 53, remote_url: "", local_ip: "", local_port, protocol: "Udp" };
            ctx.connect(&svc.dns, t, &conn);
            return;
        }
    };
    let conn = Conn { action, remote_ip: &remote_ip, remote_port, remote_url: &url, local_ip: "", local_port, protocol: "Tcp" };
    let t = if proc.alive_at(t) { t } else { proc.created + SECOND };
    ctx.connect(&proc, t, &conn);
}

fn inbound_to_server(ctx: &mut Ctx<'_>, day: &Day<'_>, t: i64, rng: &mut Rng) {
    let svc = day.svc;
    let peer = if day.peers.is_empty() { c::FILE_SERVER_IP.to_string() } else { rng.pick(day.peers).clone() };
    let (proc, port) = match rng.below(10) {
        0..=4 => (&svc.system, 445),
        5..=7 => (svc.sql.as_ref().unwrap_or(&svc.system), 1433),
        8 => (&svc.rpcss, 135),
        _ => (&svc.termsvcs, 3389),
    };
    let conn = Conn {
        action: "InboundConnectionAccepted",
        remote_ip: &peer,
        remote_port: rng.range(49_152, 65_535) as i32,
        remote_url: "",
        local_ip: "",
        local_port: port,
        protocol: "Tcp",
    };
    ctx.connect(proc, t, &conn);
}

fn file_one(ctx: &mut Ctx<'_>, day: &Day<'_>, rng: &mut Rng) {
    let (proc, t) = any_actor(day, rng);
    let user = day.session.map_or("svc-sql", |s| s.user.name.as_str());
    let n = rng.range(1000, 99_999);
    let size = rng.range(1_000, 5_000_000);
    match proc.image.name {
        "msedge.exe" => {
            let (url, ip) = *rng.pick(c::WEB);
            let path = format!("C:\\Users\\{user}\\Downloads\\download-{n}.pdf");
            let origin = format!("https://{url}/files/{n}.pdf");
            ctx.file_event(&proc, t, "FileCreated", &path, size, &[(F::FileOriginUrl, &origin), (F::FileOriginIP, ip)]);
        }
        "OUTLOOK.EXE" => {
            let path = format!("C:\\Users\\{user}\\AppData\\Local\\Microsoft\\Windows\\INetCache\\Content.Outlook\\K{n}\\{}", rng.pick(c::DOCUMENTS));
            ctx.file_event(&proc, t, "FileCreated", &path, size, &[]);
        }
        "OneDrive.exe" | "explorer.exe" => {
            let path = format!("C:\\Users\\{user}\\OneDrive - Contoso\\Documents\\{}", rng.pick(c::DOCUMENTS));
            ctx.file_event(&proc, t, "FileModified", &path, size, &[]);
        }
        "ms-teams.exe" => {
            let path = format!("C:\\Users\\{user}\\AppData\\Local\\Packages\\MSTeams_8wekyb3d8bbwe\\LocalCache\\Microsoft\\MSTeams\\EBWebView\\Default\\Cache\\f_{n:06x}");
            ctx.file_event(&proc, t, "FileCreated", &path, size, &[]);
        }
        "MsMpEng.exe" => {
            let path = format!("C:\\ProgramData\\Microsoft\\Windows Defender\\Scans\\History\\Service\\DetectionHistory\\{n:04X}.bin");
            ctx.file_event(&proc, t, "FileDeleted", &path, size, &[]);
        }
        _ => {
            let path = format!("C:\\Windows\\Prefetch\\TASKHOSTW.EXE-{n:08X}.pf");
            ctx.file_event(&proc, t, "FileModified", &path, size, &[]);
        }
    }
}

fn registry_one(ctx: &mut Ctx<'_>, day: &Day<'_>, rng: &mut Rng) {
    let (proc, t) = any_actor(day, rng);
    let n = rng.range(1, 9999).to_string();
    if proc.account.domain == "nt authority" {
        let (key, name, ty) = *rng.pick(c::MACHINE_KEYS);
        ctx.registry(&proc, t, "RegistryValueSet", key, (name, ty, &n));
    } else {
        let (sub, name, ty) = *rng.pick(c::USER_KEYS);
        let key = format!("HKEY_CURRENT_USER\\{}\\{sub}", proc.account.sid);
        ctx.registry(&proc, t, "RegistryValueSet", &key, (name, ty, &n));
    }
}

fn device_event_one(ctx: &mut Ctx<'_>, day: &Day<'_>, rng: &mut Rng) {
    let svc = day.svc;
    let t = time_in(day, rng);
    match rng.below(4) {
        0 => {
            let (host, ip) = *rng.pick(c::WEB);
            let extra = format!("{{\"DnsQueryString\":\"{host}\",\"DnsQueryResult\":[{{\"DnsQueryType\":1,\"DnsQueryResult\":\"{ip}\"}}]}}");
            ctx.device_event(&svc.dns, t, "DnsQueryResponse", &[(F::AdditionalFields, &extra)]);
        }
        1 => {
            let extra = "{\"PipeName\":\"\\\\Device\\\\NamedPipe\\\\srvsvc\",\"FileOperation\":\"File opened\",\"NamedPipeEnd\":\"Client\"}";
            ctx.device_event(&svc.netsvcs, t, "NamedPipeEvent", &[(F::AdditionalFields, extra)]);
        }
        2 => {
            let lsass = svc.lsass.as_ref();
            let pid = lsass.pid.to_string();
            ctx.device_event(&svc.defender, t, "OpenProcessApiCall", &[
                (F::FileName, "lsass.exe"),
                (F::FolderPath, "C:\\Windows\\System32\\lsass.exe"),
                (F::AdditionalFields, &format!("{{\"DesiredAccess\":4096,\"ProcessId\":{pid}}}")),
            ]);
        }
        _ => {
            let task = format!("{{\"TaskName\":\"\\\\Microsoft\\\\Windows\\\\UpdateOrchestrator\\\\Schedule Scan\",\"Revision\":{}}}", rng.range(1, 50));
            ctx.device_event(&svc.netsvcs, t, "ScheduledTaskUpdated", &[(F::AdditionalFields, &task)]);
        }
    }
}

fn logons(ctx: &mut Ctx<'_>, day: &Day<'_>, rng: &mut Rng) {
    let svc = day.svc;
    match (ctx.dev.kind, day.session) {
        (DeviceKind::Workstation, Some(s)) => {
            for _ in 0..rng.range(2, 6) {
                let t = time_in(day, rng);
                let l = Logon { action: "LogonSuccess", logon_type: "Unlock", account: &s.user, protocol: "Negotiate", failure: "", logon_id: s.logon_id, remote_device: "", remote_ip: "", remote_port: 0 };
                ctx.logon(&svc.lsass, t, &l);
            }
            if rng.chance(0.3) {
                let t = time_in(day, rng);
                let l = Logon { action: "LogonFailed", logon_type: "Unlock", account: &s.user, protocol: "Negotiate", failure: "InvalidUserNameOrPassword", logon_id: 0, remote_device: "", remote_ip: "", remote_port: 0 };
                ctx.logon(&svc.lsass, t, &l);
            }
        }
        _ => {
            for _ in 0..rng.range(15, 40) {
                let t = time_in(day, rng);
                let Some(user) = (!day.users.is_empty()).then(|| rng.pick(day.users).clone()) else { break };
                let ip = if day.peers.is_empty() { c::FILE_SERVER_IP.to_string() } else { rng.pick(day.peers).clone() };
                let logon_id = ctx.dev.logon_id();
                let l = Logon { action: "LogonSuccess", logon_type: "Network", account: &user, protocol: "Kerberos", failure: "", logon_id, remote_device: "", remote_ip: &ip, remote_port: 0 };
                ctx.logon(&svc.system, t, &l);
            }
        }
    }
}
