//! Start-up of a device ([`boot`]: the System → smss → wininit → services → svchost tree)
//! and of a user's interactive session ([`log_on`]: winlogon → userinit → explorer and
//! the user's first applications).

use std::sync::Arc;

use super::device::{Ctx, DeviceKind, Logon, MINUTE, SECOND, Spawn};
use super::rng::Rng;
use super::world::{self as w, Account, Proc, case_variant};

/// The long-lived system processes of a booted device.
pub struct Services {
    /// System, pid 4.
    pub system: Arc<Proc>,
    /// winlogon.exe.
    pub winlogon: Arc<Proc>,
    /// lsass.exe.
    pub lsass: Arc<Proc>,
    /// services.exe.
    pub services: Arc<Proc>,
    /// `svchost.exe -k DcomLaunch -p`.
    pub dcom_launch: Arc<Proc>,
    /// `svchost.exe -k RPCSS -p`.
    pub rpcss: Arc<Proc>,
    /// `svchost.exe -k netsvcs -p` (Schedule and friends).
    pub netsvcs: Arc<Proc>,
    /// `svchost.exe -k NetworkService -p` (Dnscache).
    pub dns: Arc<Proc>,
    /// `svchost.exe -k LocalServiceNetworkRestricted -p`.
    pub local_service: Arc<Proc>,
    /// `svchost.exe -k termsvcs`.
    pub termsvcs: Arc<Proc>,
    /// MsMpEng.exe.
    pub defender: Arc<Proc>,
    /// CcmExec.exe, the configuration-management agent.
    pub ccmexec: Arc<Proc>,
    /// sqlservr.exe on servers.
    pub sql: Option<Arc<Proc>>,
}

/// A user's interactive session on a workstation for one day.
pub struct Session {
    /// The user.
    pub user: Arc<Account>,
    /// Logon session id.
    pub logon_id: i64,
    /// Logon time.
    pub start: i64,
    /// Shutdown time.
    pub end: i64,
    /// explorer.exe of the session.
    pub explorer: Arc<Proc>,
    /// The browser's main process.
    pub edge: Arc<Proc>,
    /// The browser's network-service process, which makes its connections.
    pub edge_net: Arc<Proc>,
    /// ms-teams.exe.
    pub teams: Arc<Proc>,
    /// OUTLOOK.EXE.
    pub outlook: Arc<Proc>,
    /// OneDrive.exe.
    pub onedrive: Arc<Proc>,
}

/// Boots the device at `t`, recording the start-up process tree.
pub fn boot(ctx: &mut Ctx<'_>, t: i64) -> Services {
    let system_acct = ctx.dev.system.clone();
    let net_acct = ctx.dev.network_service.clone();
    let local_acct = ctx.dev.local_service.clone();
    let system = ctx.spawn(t, Spawn::new(&w::SYSTEM, "").pid(4).long_lived().account(&system_acct));
    let smss = ctx.spawn(t + 2 * SECOND, Spawn::new(&w::SMSS, "\\SystemRoot\\System32\\smss.exe").parent(&system).long_lived());
    let _csrss = ctx.spawn(t + 3 * SECOND, Spawn::new(&w::CSRSS, "%SystemRoot%\\system32\\csrss.exe ObjectDirectory=\\Windows SharedSection=1024,20480,768 Windows=On SubSystemType=Windows ServerDll=basesrv,1 ServerDll=winsrv:UserServerDllInitialization,3 ServerDll=sxssrv,4 ProfileControl=Off MaxRequestThreads=16").parent(&smss).long_lived());
    let wininit = ctx.spawn(t + 3 * SECOND + 200_000_000, Spawn::new(&w::WININIT, "wininit.exe").parent(&smss).long_lived());
    let winlogon = ctx.spawn(t + 3 * SECOND + 400_000_000, Spawn::new(&w::WINLOGON, "winlogon.exe").parent(&smss).long_lived());
    let services = ctx.spawn(t + 4 * SECOND, Spawn::new(&w::SERVICES, "C:\\Windows\\system32\\services.exe").parent(&wininit).long_lived());
    let lsass = ctx.spawn(t + 4 * SECOND + 100_000_000, Spawn::new(&w::LSASS, "C:\\Windows\\system32\\lsass.exe").parent(&wininit).long_lived());
    let svchost = |ctx: &mut Ctx<'_>, offset: i64, group: &str, acct: &Arc<Account>| {
        ctx.spawn(
            t + offset,
            Spawn::new(&w::SVCHOST, format!("C:\\Windows\\system32\\svchost.exe -k {group}"))
                .parent(&services)
                .account(acct)
                .long_lived(),
        )
    };
    let dcom_launch = svchost(ctx, 5 * SECOND, "DcomLaunch -p", &system_acct);
    let rpcss = svchost(ctx, 5 * SECOND + 300_000_000, "RPCSS -p", &net_acct);
    let netsvcs = svchost(ctx, 6 * SECOND, "netsvcs -p", &system_acct);
    let dns = svchost(ctx, 6 * SECOND + 500_000_000, "NetworkService -p", &net_acct);
    let local_service = svchost(ctx, 7 * SECOND, "LocalServiceNetworkRestricted -p", &local_acct);
    let termsvcs = svchost(ctx, 8 * SECOND, "termsvcs", &net_acct);
    let defender = ctx.spawn(
        t + 9 * SECOND,
        Spawn::new(&w::MSMPENG, format!("\"{}\\MsMpEng.exe\"", w::MSMPENG.dir)).parent(&services).long_lived(),
    );
    let ccmexec = ctx.spawn(t + 12 * SECOND, Spawn::new(&w::CCMEXEC, "C:\\Windows\\CCM\\CcmExec.exe").parent(&services).long_lived());
    let sql = (ctx.dev.kind == DeviceKind::Server).then(|| {
        ctx.spawn(
            t + 20 * SECOND,
            Spawn::new(&w::SQLSERVR, format!("\"{}\\sqlservr.exe\" -sMSSQLSERVER", w::SQLSERVR.dir))
                .parent(&services)
                .account(&net_acct)
                .long_lived(),
        )
    });
    Services { system, winlogon, lsass, services, dcom_launch, rpcss, netsvcs, dns, local_service, termsvcs, defender, ccmexec, sql }
}

/// Logs the device's user on at `t` and starts the usual applications. The session ends
/// at `end`. With `odd_case`, this session's explorer.exe reports its name in another
/// letter case (as some real sensors do).
pub fn log_on(ctx: &mut Ctx<'_>, svc: &Services, user: &Arc<Account>, t: i64, end: i64, odd_case: bool, rng: &mut Rng) -> Session {
    let logon_id = ctx.dev.logon_id();
    ctx.logon(
        &svc.lsass,
        t,
        &Logon {
            action: "LogonSuccess",
            logon_type: "Interactive",
            account: user,
            protocol: "Negotiate",
            failure: "",
            logon_id,
            remote_device: "",
            remote_ip: "",
            remote_port: 0,
        },
    );
    let life = end - t;
    let userinit = ctx.spawn(
        t + 2 * SECOND,
        Spawn::new(&w::USERINIT, "C:\\Windows\\system32\\userinit.exe")
            .parent(&svc.winlogon)
            .account(user)
            .logon(logon_id)
            .session(1)
            .lifetime(40 * SECOND),
    );
    let spelled = if odd_case { case_variant(w::EXPLORER.name, rng) } else { w::EXPLORER.name.to_string() };
    let explorer = ctx.spawn(
        t + 3 * SECOND,
        Spawn::new(&w::EXPLORER, "C:\\Windows\\Explorer.EXE").parent(&userinit).spelled(spelled).lifetime(life),
    );
    let app = |ctx: &mut Ctx<'_>, at: i64, image: &'static w::Image, cmd: String| {
        ctx.spawn(at, Spawn::new(image, cmd).parent(&explorer).lifetime(end - at))
    };
    let onedrive = app(ctx, t + 20 * SECOND, &w::ONEDRIVE, format!("\"{}\\OneDrive.exe\" /background", w::ONEDRIVE.dir));
    let teams = app(ctx, t + 25 * SECOND, &w::TEAMS, format!("\"{}\\ms-teams.exe\" msteams:system-initiated", w::TEAMS.dir));
    let edge_at = t + rng.range(1, 10) * MINUTE;
    let edge = app(ctx, edge_at, &w::MSEDGE, format!("\"{}\\msedge.exe\"", w::MSEDGE.dir));
    let edge_net = ctx.spawn(
        edge_at + 300_000_000,
        Spawn::new(
            &w::MSEDGE,
            format!(
                "\"{}\\msedge.exe\" --type=utility --utility-sub-type=network.mojom.NetworkService --lang=en-US --service-sandbox-type=none --mojo-platform-channel-handle=2116",
                w::MSEDGE.dir
            ),
        )
        .parent(&edge)
        .lifetime(end - edge_at),
    );
    let outlook_at = t + rng.range(2, 15) * MINUTE;
    let outlook = app(ctx, outlook_at, &w::OUTLOOK, format!("\"{}\\OUTLOOK.EXE\"", w::OUTLOOK.dir));
    Session { user: user.clone(), logon_id, start: t, end, explorer, edge, edge_net, teams, outlook, onedrive }
}
