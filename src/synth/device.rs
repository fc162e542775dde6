//! A simulated [`Device`] and the [`Ctx`] through which background activity and scenarios
//! emit its telemetry: process creation, connections, file, registry, logon, image-load
//! and miscellaneous events, each row carrying consistent process identities.

use std::sync::Arc;

use super::rng::Rng;
use super::row::{F, Row, Sink};
use super::world::{Account, Image, Proc, image_hashes};

/// One nanosecond-based second.
pub const SECOND: i64 = 1_000_000_000;
/// One minute.
pub const MINUTE: i64 = 60 * SECOND;
/// One hour.
pub const HOUR: i64 = 60 * MINUTE;
/// One day.
pub const DAY: i64 = 24 * HOUR;

/// Rounds down to Kusto's 100 ns tick.
pub fn tick(t: i64) -> i64 {
    t - t.rem_euclid(100)
}

/// Workstation or server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceKind {
    /// A user's desktop: boots each morning, one interactive user.
    Workstation,
    /// A server: up the whole window, no interactive user.
    Server,
}

/// The per-table sinks of one generation chunk.
pub struct Sinks {
    /// DeviceProcessEvents.
    pub process: Sink,
    /// DeviceNetworkEvents.
    pub network: Sink,
    /// DeviceFileEvents.
    pub file: Sink,
    /// DeviceRegistryEvents.
    pub registry: Sink,
    /// DeviceLogonEvents.
    pub logon: Sink,
    /// DeviceImageLoadEvents.
    pub image_load: Sink,
    /// DeviceEvents.
    pub events: Sink,
    /// DeviceInfo.
    pub info: Sink,
}

impl Sinks {
    /// The sinks, each paired with its table, in a fixed order.
    pub fn all_mut(&mut self) -> [&mut Sink; 8] {
        [
            &mut self.process,
            &mut self.network,
            &mut self.file,
            &mut self.registry,
            &mut self.logon,
            &mut self.image_load,
            &mut self.events,
            &mut self.info,
        ]
    }
}

/// A simulated machine and its running state.
pub struct Device {
    /// Position in the estate (0-based).
    pub index: usize,
    /// Lower-case FQDN.
    pub name: String,
    /// 40 hex digits.
    pub id: String,
    /// Workstation or server.
    pub kind: DeviceKind,
    /// Internal IPv4 address.
    pub ip: String,
    /// Public address seen for it.
    pub public_ip: String,
    /// The interactive user (workstations).
    pub user: Option<Arc<Account>>,
    /// This device's random stream.
    pub rng: Rng,
    /// `nt authority\system`.
    pub system: Arc<Account>,
    /// `nt authority\local service`.
    pub local_service: Arc<Account>,
    /// `nt authority\network service`.
    pub network_service: Arc<Account>,
    /// Long-lived processes that outlive one day (a server's services).
    pub services: Option<super::boot::Services>,
    next_pid: i64,
    next_report: i64,
    next_logon: i64,
    next_unique: i64,
}

impl Device {
    /// A device with its identity drawn from `rng`.
    pub fn new(index: usize, kind: DeviceKind, name: String, ip: String, user: Option<Arc<Account>>, mut rng: Rng) -> Self {
        let id = rng.hex(40);
        let public_ip = format!("203.0.113.{}", 10 + (index % 200));
        let next_report = rng.range(1_000, 90_000);
        Self {
            index,
            name,
            id,
            kind,
            ip,
            public_ip,
            user,
            rng,
            system: Account::system(),
            local_service: Account::local_service(),
            network_service: Account::network_service(),
            services: None,
            next_pid: 4,
            next_report,
            next_logon: 0x3E7 + 0x1000,
            next_unique: 1,
        }
    }

    fn pid(&mut self) -> i64 {
        self.next_pid += 4 * self.rng.range(1, 40);
        if self.next_pid > 60_000 {
            self.next_pid = 100 + 4 * self.rng.range(0, 100);
        }
        self.next_pid
    }

    /// A fresh logon session id.
    pub fn logon_id(&mut self) -> i64 {
        self.next_logon += self.rng.range(1, 5000);
        self.next_logon
    }

    fn report_id(&mut self) -> i64 {
        self.next_report += 1;
        self.next_report
    }

    fn unique_id(&mut self) -> i64 {
        self.next_unique += 1;
        self.next_unique
    }
}

/// How to start a process.
pub struct Spawn<'a> {
    image: &'static Image,
    command_line: String,
    account: Option<Arc<Account>>,
    spelled: Option<String>,
    lifetime: i64,
    integrity: &'static str,
    elevation: &'static str,
    logon_id: Option<i64>,
    session_id: Option<i64>,
    parent: Option<&'a Proc>,
    pid: Option<i64>,
}

impl<'a> Spawn<'a> {
    /// A process of `image` with the given command line, running for 30 s by default.
    pub fn new(image: &'static Image, command_line: impl Into<String>) -> Self {
        Self {
            image,
            command_line: command_line.into(),
            account: None,
            spelled: None,
            lifetime: 30 * SECOND,
            integrity: "",
            elevation: "",
            logon_id: None,
            session_id: None,
            parent: None,
            pid: None,
        }
    }

    /// A fixed process id (pid 4 is always System).
    pub fn pid(mut self, pid: i64) -> Self {
        self.pid = Some(pid);
        self
    }

    /// Runs as `account` (default: the parent's account).
    pub fn account(mut self, account: &Arc<Account>) -> Self {
        self.account = Some(account.clone());
        self
    }

    /// Reports its file name spelled as `name`.
    pub fn spelled(mut self, name: String) -> Self {
        self.spelled = Some(name);
        self
    }

    /// Runs for `nanos`.
    pub fn lifetime(mut self, nanos: i64) -> Self {
        self.lifetime = nanos;
        self
    }

    /// Runs until the end of the simulation.
    pub fn long_lived(mut self) -> Self {
        self.lifetime = i64::MAX;
        self
    }

    /// Integrity level and token elevation.
    pub fn token(mut self, integrity: &'static str, elevation: &'static str) -> Self {
        self.integrity = integrity;
        self.elevation = elevation;
        self
    }

    /// Logon session (default: the parent's).
    pub fn logon(mut self, logon_id: i64) -> Self {
        self.logon_id = Some(logon_id);
        self
    }

    /// Terminal session (default: the parent's).
    pub fn session(mut self, session_id: i64) -> Self {
        self.session_id = Some(session_id);
        self
    }

    /// Started by `parent`.
    pub fn parent(mut self, parent: &'a Proc) -> Self {
        self.parent = Some(parent);
        self
    }
}

/// The emitting side of one device: its state plus the sinks its rows go to.
pub struct Ctx<'a> {
    /// The device.
    pub dev: &'a mut Device,
    /// Where rows go.
    pub sinks: &'a mut Sinks,
}

/// A network connection to record.
pub struct Conn<'a> {
    /// ActionType (`ConnectionSuccess`, `InboundConnectionAccepted`, ...).
    pub action: &'a str,
    /// The far end.
    pub remote_ip: &'a str,
    /// The far port.
    pub remote_port: i32,
    /// The far URL, or "".
    pub remote_url: &'a str,
    /// The local address; "" means the device's own.
    pub local_ip: &'a str,
    /// The local port.
    pub local_port: i32,
    /// `Tcp` or `Udp`.
    pub protocol: &'a str,
}

impl Ctx<'_> {
    /// Starts a process at `t` and records its `ProcessCreated` row. Without a parent it
    /// is a root with no row (System, pid 4).
    pub fn spawn(&mut self, t: i64, spec: Spawn<'_>) -> Arc<Proc> {
        let t = tick(t);
        let (sha1, sha256, md5) = image_hashes(spec.image);
        let parent = spec.parent;
        let account = spec
            .account
            .or_else(|| parent.map(|p| p.account.clone()))
            .unwrap_or_else(|| self.dev.system.clone());
        let system_like = account.domain == "nt authority";
        let integrity = match (spec.integrity, system_like) {
            ("", true) => "System",
            ("", false) => "Medium",
            (i, _) => i,
        };
        let elevation = match (spec.elevation, system_like) {
            ("", true) => "TokenElevationTypeDefault",
            ("", false) => "TokenElevationTypeLimited",
            (e, _) => e,
        };
        let file_name = spec.spelled.unwrap_or_else(|| spec.image.name.to_string());
        let proc = Arc::new(Proc {
            pid: match spec.pid {
                Some(pid) => pid,
                None => self.dev.pid(),
            },
            created: t,
            ended: t.saturating_add(spec.lifetime.max(SECOND)),
            image: spec.image,
            folder_path: if spec.image.dir.is_empty() {
                String::new()
            } else {
                format!("{}\\{}", spec.image.dir, file_name)
            },
            file_name,
            command_line: spec.command_line,
            sha1,
            sha256,
            md5,
            account,
            integrity,
            elevation,
            logon_id: spec.logon_id.or(parent.map(|p| p.logon_id)).unwrap_or(0x3E7),
            session_id: spec.session_id.or(parent.map(|p| p.session_id)).unwrap_or(0),
            unique_id: self.dev.unique_id().to_string(),
            parent: parent.map(Proc::as_parent),
        });
        if let Some(parent) = parent {
            self.process_created(parent, &proc);
        }
        proc
    }

    fn process_created(&mut self, parent: &Proc, child: &Proc) {
        let report = self.dev.report_id();
        let mut row = Row::new();
        header(&mut row, self.dev, child.created, "ProcessCreated", report);
        actor(&mut row, parent);
        row.set(F::FileName, &child.file_name)
            .set(F::FolderPath, &child.folder_path)
            .set(F::SHA1, &child.sha1)
            .set(F::SHA256, &child.sha256)
            .set(F::MD5, &child.md5)
            .set(F::FileSize, child.image.size)
            .set(F::ProcessVersionInfoCompanyName, child.image.company)
            .set(F::ProcessVersionInfoProductName, child.image.product)
            .set(F::ProcessVersionInfoProductVersion, child.image.version)
            .set(F::ProcessVersionInfoInternalFileName, child.image.name)
            .set(F::ProcessVersionInfoOriginalFileName, child.image.name)
            .set(F::ProcessVersionInfoFileDescription, child.image.description)
            .set(F::ProcessId, child.pid)
            .set(F::ProcessCommandLine, &child.command_line)
            .set(F::ProcessIntegrityLevel, child.integrity)
            .set(F::ProcessTokenElevation, child.elevation)
            .time(F::ProcessCreationTime, child.created)
            .set(F::AccountDomain, &child.account.domain)
            .set(F::AccountName, &child.account.name)
            .set(F::AccountSid, &child.account.sid)
            .set(F::AccountUpn, &child.account.upn)
            .set(F::AccountObjectId, &child.account.object_id)
            .set(F::LogonId, child.logon_id)
            .set(F::CreatedProcessSessionId, child.session_id)
            .set(F::IsProcessRemoteSession, false)
            .set(F::ProcessUniqueId, &child.unique_id);
        self.sinks.process.push(&row);
    }

    /// Records a connection made or accepted by `proc` at `t`.
    pub fn connect(&mut self, proc: &Proc, t: i64, c: &Conn<'_>) {
        let report = self.dev.report_id();
        let local_ip = if c.local_ip.is_empty() { self.dev.ip.clone() } else { c.local_ip.to_string() };
        let mut row = Row::new();
        header(&mut row, self.dev, tick(t), c.action, report);
        actor(&mut row, proc);
        row.set(F::RemoteIP, c.remote_ip)
            .set(F::RemotePort, c.remote_port)
            .set(F::RemoteUrl, c.remote_url)
            .set(F::LocalIP, local_ip.as_str())
            .set(F::LocalPort, c.local_port)
            .set(F::Protocol, c.protocol)
            .set(F::LocalIPType, ip_type(&local_ip))
            .set(F::RemoteIPType, ip_type(c.remote_ip));
        self.sinks.network.push(&row);
    }

    /// Records a file event by `proc`; `extra` adds table-specific fields.
    pub fn file_event(&mut self, proc: &Proc, t: i64, action: &str, path: &str, size: i64, extra: &[(F, &str)]) {
        let report = self.dev.report_id();
        let name = path.rsplit_once('\\').map_or(path, |(_, n)| n);
        let digest = super::rng::hash_str(path);
        let sha1 = format!("{digest:016x}{:016x}{:08x}", digest.rotate_left(17), digest as u32);
        let sha256 = format!("{sha1}{:016x}{:08x}", digest.rotate_left(31), (digest >> 7) as u32);
        let md5 = sha256[..32].to_string();
        let mut row = Row::new();
        header(&mut row, self.dev, tick(t), action, report);
        actor(&mut row, proc);
        row.set(F::FileName, name)
            .set(F::FolderPath, path)
            .set(F::SHA1, sha1.as_str())
            .set(F::SHA256, sha256.as_str())
            .set(F::MD5, md5.as_str())
            .set(F::FileSize, size);
        for (f, v) in extra {
            row.set(*f, *v);
        }
        self.sinks.file.push(&row);
    }

    /// Records a registry event by `proc`.
    pub fn registry(&mut self, proc: &Proc, t: i64, action: &str, key: &str, value: (&str, &str, &str)) {
        let report = self.dev.report_id();
        let (name, ty, data) = value;
        let mut row = Row::new();
        header(&mut row, self.dev, tick(t), action, report);
        actor(&mut row, proc);
        row.set(F::RegistryKey, key)
            .set(F::RegistryValueName, name)
            .set(F::RegistryValueType, ty)
            .set(F::RegistryValueData, data);
        self.sinks.registry.push(&row);
    }

    /// Records a logon event on this device, reported by `proc` (lsass, winlogon, System).
    pub fn logon(&mut self, proc: &Proc, t: i64, l: &Logon<'_>) {
        let report = self.dev.report_id();
        let mut row = Row::new();
        header(&mut row, self.dev, tick(t), l.action, report);
        actor(&mut row, proc);
        row.set(F::LogonType, l.logon_type)
            .set(F::AccountDomain, &l.account.domain)
            .set(F::AccountName, &l.account.name)
            .set(F::AccountSid, &l.account.sid)
            .set(F::Protocol, l.protocol)
            .set(F::FailureReason, l.failure)
            .set(F::IsLocalAdmin, l.account.is_admin)
            .set(F::LogonId, l.logon_id)
            .set(F::RemoteDeviceName, l.remote_device)
            .set(F::RemoteIP, l.remote_ip)
            .set(F::RemoteIPType, if l.remote_ip.is_empty() { "" } else { ip_type(l.remote_ip) })
            .set(F::RemotePort, l.remote_port);
        self.sinks.logon.push(&row);
    }

    /// Records `proc` loading the DLL at `path`.
    pub fn image_load(&mut self, proc: &Proc, t: i64, path: &str) {
        let report = self.dev.report_id();
        let name = path.rsplit_once('\\').map_or(path, |(_, n)| n);
        let digest = super::rng::hash_str(path);
        let sha1 = format!("{digest:016x}{:016x}{:08x}", digest.rotate_left(13), digest as u32);
        let mut row = Row::new();
        header(&mut row, self.dev, tick(t), "ImageLoaded", report);
        actor(&mut row, proc);
        row.set(F::FileName, name)
            .set(F::FolderPath, path)
            .set(F::SHA1, sha1.as_str())
            .set(F::FileSize, (digest % 2_000_000) as i64 + 20_000);
        self.sinks.image_load.push(&row);
    }

    /// Records a DeviceEvents row by `proc` with extra fields.
    pub fn device_event(&mut self, proc: &Proc, t: i64, action: &str, extra: &[(F, &str)]) {
        let report = self.dev.report_id();
        let mut row = Row::new();
        header(&mut row, self.dev, tick(t), action, report);
        actor(&mut row, proc);
        for (f, v) in extra {
            row.set(*f, *v);
        }
        self.sinks.events.push(&row);
    }

    /// Records a DeviceInfo snapshot at `t`.
    pub fn device_info(&mut self, t: i64, logged_on: &str) {
        let report = self.dev.report_id();
        let (os, build, version, kind) = match self.dev.kind {
            DeviceKind::Workstation => ("Windows11", 22631_i64, "23H2", "Workstation"),
            DeviceKind::Server => ("WindowsServer2022", 20348, "21H2", "Server"),
        };
        let d = &*self.dev;
        let mut row = Row::new();
        row.time(F::Timestamp, tick(t))
            .set(F::DeviceId, d.id.as_str())
            .set(F::DeviceName, d.name.as_str())
            .set(F::ReportId, report)
            .set(F::ClientVersion, "10.8760.22621.1011")
            .set(F::PublicIP, d.public_ip.as_str())
            .set(F::OSArchitecture, "64-bit")
            .set(F::OSPlatform, os)
            .set(F::OSBuild, build)
            .set(F::IsAzureADJoined, true)
            .set(F::JoinType, "Hybrid Azure AD Join")
            .set(F::LoggedOnUsers, logged_on)
            .set(F::OSVersion, "10.0")
            .set(F::OnboardingStatus, "Onboarded")
            .set(F::DeviceCategory, "Endpoint")
            .set(F::DeviceType, kind)
            .set(F::OSDistribution, "")
            .set(F::OSVersionInfo, version)
            .set(F::SensorHealthState, "Active")
            .set(F::ExposureLevel, "Low")
            .set(F::Model, "Latitude 7440")
            .set(F::Vendor, "Dell Inc.")
            .set(F::IsInternetFacing, false);
        self.sinks.info.push(&row);
    }
}

/// A logon to record.
pub struct Logon<'a> {
    /// `LogonSuccess`, `LogonFailed`, ...
    pub action: &'a str,
    /// `Interactive`, `Network`, `RemoteInteractive`, `Unlock`, ...
    pub logon_type: &'a str,
    /// The account that logged on.
    pub account: &'a Account,
    /// `NTLM`, `Kerberos`, `Negotiate`, or "".
    pub protocol: &'a str,
    /// Why a logon failed, or "".
    pub failure: &'a str,
    /// The new session's id.
    pub logon_id: i64,
    /// The remote device, or "".
    pub remote_device: &'a str,
    /// The remote address, or "".
    pub remote_ip: &'a str,
    /// The remote port, or 0.
    pub remote_port: i32,
}

fn header<'a>(row: &mut Row<'a>, dev: &'a Device, t: i64, action: &'a str, report: i64) {
    row.time(F::Timestamp, t)
        .set(F::DeviceId, dev.id.as_str())
        .set(F::DeviceName, dev.name.as_str())
        .set(F::ActionType, action)
        .set(F::ReportId, report);
}

/// The `InitiatingProcess*` block: the acting process and its parent.
fn actor<'a>(row: &mut Row<'a>, p: &'a Proc) {
    let img = p.image;
    row.set(F::InitiatingProcessAccountDomain, &p.account.domain)
        .set(F::InitiatingProcessAccountName, &p.account.name)
        .set(F::InitiatingProcessAccountSid, &p.account.sid)
        .set(F::InitiatingProcessAccountUpn, &p.account.upn)
        .set(F::InitiatingProcessAccountObjectId, &p.account.object_id)
        .set(F::InitiatingProcessLogonId, p.logon_id)
        .set(F::InitiatingProcessIntegrityLevel, p.integrity)
        .set(F::InitiatingProcessTokenElevation, p.elevation)
        .set(F::InitiatingProcessSHA1, &p.sha1)
        .set(F::InitiatingProcessSHA256, &p.sha256)
        .set(F::InitiatingProcessMD5, &p.md5)
        .set(F::InitiatingProcessFileName, &p.file_name)
        .set(F::InitiatingProcessFileSize, img.size)
        .set(F::InitiatingProcessVersionInfoCompanyName, img.company)
        .set(F::InitiatingProcessVersionInfoProductName, img.product)
        .set(F::InitiatingProcessVersionInfoProductVersion, img.version)
        .set(F::InitiatingProcessVersionInfoInternalFileName, img.name)
        .set(F::InitiatingProcessVersionInfoOriginalFileName, img.name)
        .set(F::InitiatingProcessVersionInfoFileDescription, img.description)
        .set(F::InitiatingProcessId, p.pid)
        .set(F::InitiatingProcessCommandLine, &p.command_line)
        .time(F::InitiatingProcessCreationTime, p.created)
        .set(F::InitiatingProcessFolderPath, &p.folder_path)
        .set(F::InitiatingProcessSignerType, "OsVendor")
        .set(F::InitiatingProcessSignatureStatus, "Valid")
        .set(F::InitiatingProcessSessionId, p.session_id)
        .set(F::IsInitiatingProcessRemoteSession, false)
        .set(F::InitiatingProcessUniqueId, &p.unique_id);
    if let Some(parent) = &p.parent {
        row.set(F::InitiatingProcessParentId, parent.pid)
            .set(F::InitiatingProcessParentFileName, &parent.file_name)
            .time(F::InitiatingProcessParentCreationTime, parent.created);
    }
}

/// `Private`, `Loopback` or `Public`, as MDE classifies an address.
pub fn ip_type(ip: &str) -> &'static str {
    if ip.starts_with("127.") || ip == "::1" {
        "Loopback"
    } else if ip.starts_with("10.") || ip.starts_with("192.168.") || is_172_private(ip) {
        "Private"
    } else if ip.is_empty() {
        ""
    } else {
        "Public"
    }
}

fn is_172_private(ip: &str) -> bool {
    let mut parts = ip.split('.');
    parts.next() == Some("172") && parts.next().and_then(|p| p.parse::<u8>().ok()).is_some_and(|b| (16..=31).contains(&b))
}
