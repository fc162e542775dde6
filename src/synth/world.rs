//! The simulated estate: executable images, accounts, devices and processes ([`Proc`]),
//! with the identity rules that hold across tables (a child's `InitiatingProcess*` is its
//! parent's own identity).

use std::sync::Arc;

use super::rng::{Rng, hash_str};

/// An executable on disk.
#[derive(Debug)]
pub struct Image {
    /// File name in its usual spelling.
    pub name: &'static str,
    /// Folder, without the trailing separator.
    pub dir: &'static str,
    /// Version-info company.
    pub company: &'static str,
    /// Version-info product.
    pub product: &'static str,
    /// Version-info product version.
    pub version: &'static str,
    /// Version-info description.
    pub description: &'static str,
    /// File size in bytes.
    pub size: i64,
}

const WIN: &str = "Microsoft Corporation";
const WINP: &str = "Microsoft® Windows® Operating System";
const WINV: &str = "10.0.22621.4317";

macro_rules! image {
    ($id:ident, $name:expr, $dir:expr, $desc:expr, $size:expr) => {
        #[allow(missing_docs)]
        pub static $id: Image = Image { name: $name, dir: $dir, company: WIN, product: WINP, version: WINV, description: $desc, size: $size };
    };
    ($id:ident, $name:expr, $dir:expr, $company:expr, $product:expr, $version:expr, $desc:expr, $size:expr) => {
        #[allow(missing_docs)]
        pub static $id: Image = Image { name: $name, dir: $dir, company: $company, product: $product, version: $version, description: $desc, size: $size };
    };
}

const SYS32: &str = "C:\\Windows\\System32";
image!(SMSS, "smss.exe", SYS32, "Windows Session Manager", 155_136);
image!(CSRSS, "csrss.exe", SYS32, "Client Server Runtime Process", 17_488);
image!(WININIT, "wininit.exe", SYS32, "Windows Start-Up Application", 450_560);
image!(SERVICES, "services.exe", SYS32, "Services and Controller app", 720_896);
image!(LSASS, "lsass.exe", SYS32, "Local Security Authority Process", 84_584);
image!(SVCHOST, "svchost.exe", SYS32, "Host Process for Windows Services", 57_360);
image!(WINLOGON, "winlogon.exe", SYS32, "Windows Logon Application", 925_696);
image!(USERINIT, "userinit.exe", SYS32, "Userinit Logon Application", 34_304);
image!(EXPLORER, "explorer.exe", "C:\\Windows", "Windows Explorer", 5_382_904);
image!(CMD, "cmd.exe", SYS32, "Windows Command Processor", 323_584);
image!(CONHOST, "conhost.exe", SYS32, "Console Window Host", 1_040_384);
image!(POWERSHELL, "powershell.exe", "C:\\Windows\\System32\\WindowsPowerShell\\v1.0", "Windows PowerShell", 455_680);
image!(TASKHOSTW, "taskhostw.exe", SYS32, "Host Process for Windows Tasks", 102_912);
image!(BACKGROUNDTASKHOST, "backgroundTaskHost.exe", SYS32, "Background Task Host", 35_840);
image!(RUNTIMEBROKER, "RuntimeBroker.exe", SYS32, "Runtime Broker", 147_456);
image!(DLLHOST, "dllhost.exe", SYS32, "COM Surrogate", 21_312);
image!(WMIPRVSE, "WmiPrvSE.exe", "C:\\Windows\\System32\\wbem", "WMI Provider Host", 520_192);
image!(SEARCHPROTOCOLHOST, "SearchProtocolHost.exe", SYS32, "Microsoft Windows Search Protocol Host", 432_128);
image!(WHOAMI, "whoami.exe", SYS32, "whoami - displays logged on user information", 73_728);
image!(NET, "net.exe", SYS32, "Net Command", 57_344);
image!(NLTEST, "nltest.exe", SYS32, "Microsoft® Logon Server Test Utility", 536_576);
image!(IPCONFIG, "ipconfig.exe", SYS32, "IP Configuration Utility", 36_864);
image!(PING, "PING.EXE", SYS32, "TCP/IP Ping Command", 22_016);
image!(TASKLIST, "tasklist.exe", SYS32, "Lists the current running tasks", 86_016);
image!(NOTEPAD, "notepad.exe", SYS32, "Notepad", 201_216);
image!(MMC, "mmc.exe", SYS32, "Microsoft Management Console", 2_001_920);
image!(CERTUTIL, "certutil.exe", SYS32, "CertUtil.exe", 1_490_944);
image!(RUNDLL32, "rundll32.exe", SYS32, "Windows host process (Rundll32)", 71_680);
image!(REGSVR32, "regsvr32.exe", SYS32, "Microsoft(C) Register Server", 25_600);
image!(MSHTA, "mshta.exe", SYS32, "Microsoft (R) HTML Application host", 45_056);
// Programs that live in user-writable folders: a dropped implant and a user's own tool.
image!(PUBLIC_UPDATE, "update.exe", "C:\\Users\\Public\\Libraries", "", "", "", "", 73_216);
image!(USER_SYNC_TOOL, "synctool.exe", "C:\\Users\\Public\\Tools", "Contoso IT", "SyncTool", "2.4.1.0", "File share sync tool", 1_245_184);
image!(VSSADMIN, "vssadmin.exe", SYS32, "Command Line Interface for Microsoft® Volume Shadow Copy Service", 131_072);
image!(WEVTUTIL, "wevtutil.exe", SYS32, "Eventing Command Line Utility", 237_568);
image!(MIMIKATZ, "m64.exe", "C:\\Users\\Public\\Libraries", "gentilkiwi (Benjamin DELPY)", "mimikatz", "2.2.0.0", "mimikatz for Windows", 1_355_680);
image!(TASKMGR, "Taskmgr.exe", SYS32, "Task Manager", 1_463_296);
image!(SC, "sc.exe", SYS32, "Service Control Manager Configuration Tool", 69_632);
image!(REG, "reg.exe", SYS32, "Registry Console Tool", 77_824);
image!(SYSTEMINFO, "systeminfo.exe", SYS32, "Displays system information", 98_304);
image!(PROCDUMP_RENAMED, "pd.exe", "C:\\Users\\Public\\Libraries", "Sysinternals - www.sysinternals.com", "Sysinternals ProcDump", "11.0.0.0", "Sysinternals process dump utility", 432_016);
image!(SCHTASKS, "schtasks.exe", SYS32, "Task Scheduler Configuration Tool", 235_008);
image!(RDPCLIP, "rdpclip.exe", SYS32, "RDP Clipboard Monitor", 360_448);
image!(GPUPDATE, "gpupdate.exe", SYS32, "Microsoft® Windows Group Policy Update Utility", 29_184);
image!(MSMPENG, "MsMpEng.exe", "C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24090.11-0", WIN, "Microsoft® Windows® Operating System", "4.18.24090.11", "Antimalware Service Executable", 133_048);
image!(MPCMDRUN, "MpCmdRun.exe", "C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24090.11-0", WIN, "Microsoft® Windows® Operating System", "4.18.24090.11", "Microsoft Malware Protection Command Line Utility", 1_587_064);
image!(MSEDGE, "msedge.exe", "C:\\Program Files (x86)\\Microsoft\\Edge\\Application", WIN, "Microsoft Edge", "130.0.2849.80", "Microsoft Edge", 4_187_464);
image!(CHROME, "chrome.exe", "C:\\Program Files\\Google\\Chrome\\Application", "Google LLC", "Google Chrome", "131.0.6778.86", "Google Chrome", 2_838_528);
image!(OUTLOOK, "OUTLOOK.EXE", "C:\\Program Files\\Microsoft Office\\root\\Office16", WIN, "Microsoft Outlook", "16.0.18129.20116", "Microsoft Outlook", 42_471_224);
image!(WINWORD, "WINWORD.EXE", "C:\\Program Files\\Microsoft Office\\root\\Office16", WIN, "Microsoft Office", "16.0.18129.20116", "Microsoft Word", 1_633_088);
image!(EXCEL, "EXCEL.EXE", "C:\\Program Files\\Microsoft Office\\root\\Office16", WIN, "Microsoft Office", "16.0.18129.20116", "Microsoft Excel", 67_433_784);
image!(TEAMS, "ms-teams.exe", "C:\\Program Files\\WindowsApps\\MSTeams_24295.605.3225.8804_x64__8wekyb3d8bbwe", WIN, "Microsoft Teams", "24295.605.3225.8804", "Microsoft Teams", 1_208_632);
image!(WEBVIEW, "msedgewebview2.exe", "C:\\Program Files (x86)\\Microsoft\\EdgeWebView\\Application\\130.0.2849.80", WIN, "Microsoft Edge WebView2", "130.0.2849.80", "Microsoft Edge WebView2", 3_781_448);
image!(ONEDRIVE, "OneDrive.exe", "C:\\Program Files\\Microsoft OneDrive", WIN, "Microsoft OneDrive", "24.211.1020.0002", "Microsoft OneDrive", 3_481_944);
image!(CCMEXEC, "CcmExec.exe", "C:\\Windows\\CCM", WIN, "System Center Configuration Manager", "5.0.9128.1024", "Host Process for Microsoft Configuration Manager", 3_086_216);
image!(GIT, "git.exe", "C:\\Program Files\\Git\\cmd", "The Git Development Community", "Git", "2.47.1.windows.1", "Git for Windows", 47_000);
image!(SQLSERVR, "sqlservr.exe", "C:\\Program Files\\Microsoft SQL Server\\MSSQL16.MSSQLSERVER\\MSSQL\\Binn", WIN, "Microsoft SQL Server", "2022.160.4145.4", "SQL Server Windows NT - 64 Bit", 469_688);

/// An account that processes run as.
#[derive(Debug)]
pub struct Account {
    /// Domain (lower case, as MDE reports it).
    pub domain: String,
    /// Account name (lower case).
    pub name: String,
    /// SID.
    pub sid: String,
    /// UPN, empty for local and system accounts.
    pub upn: String,
    /// Entra object id, empty for local and system accounts.
    pub object_id: String,
    /// Whether it is a local administrator on workstations.
    pub is_admin: bool,
}

impl Account {
    /// `nt authority\system`.
    pub fn system() -> Arc<Account> {
        Arc::new(Account::builtin("system", "S-1-5-18"))
    }

    /// `nt authority\local service`.
    pub fn local_service() -> Arc<Account> {
        Arc::new(Account::builtin("local service", "S-1-5-19"))
    }

    /// `nt authority\network service`.
    pub fn network_service() -> Arc<Account> {
        Arc::new(Account::builtin("network service", "S-1-5-20"))
    }

    fn builtin(name: &str, sid: &str) -> Account {
        Account {
            domain: "nt authority".into(),
            name: name.into(),
            sid: sid.into(),
            upn: String::new(),
            object_id: String::new(),
            is_admin: true,
        }
    }

    /// A domain user of the simulated organisation.
    pub fn domain_user(rng: &mut Rng, name: &str, rid: u32, is_admin: bool) -> Arc<Account> {
        Arc::new(Account {
            domain: "contoso".into(),
            name: name.into(),
            sid: format!("S-1-5-21-1004336348-1177238915-682003330-{rid}"),
            upn: format!("{name}@contoso.com"),
            object_id: rng.guid(),
            is_admin,
        })
    }
}

/// What a running process looks like to its children and in every table it acts in.
#[derive(Debug)]
pub struct Proc {
    /// Process id (unique on its device while it runs).
    pub pid: i64,
    /// Creation time, ns.
    pub created: i64,
    /// Exit time, ns (`i64::MAX` while it outlives the simulation).
    pub ended: i64,
    /// The image.
    pub image: &'static Image,
    /// File name as this instance reports it (the same image is sometimes spelled in other
    /// letter cases, as in real data).
    pub file_name: String,
    /// Full path, including the file name.
    pub folder_path: String,
    /// Command line.
    pub command_line: String,
    /// SHA-1 of the image.
    pub sha1: String,
    /// SHA-256 of the image.
    pub sha256: String,
    /// MD5 of the image.
    pub md5: String,
    /// Account it runs as.
    pub account: Arc<Account>,
    /// Integrity level.
    pub integrity: &'static str,
    /// Token elevation.
    pub elevation: &'static str,
    /// Logon session id.
    pub logon_id: i64,
    /// Terminal session id.
    pub session_id: i64,
    /// Device-unique process id (MDE's ProcessUniqueId, a string column).
    pub unique_id: String,
    /// Parent's pid, name and creation time, if it has a parent.
    pub parent: Option<ParentInfo>,
}

/// What a process's children report about their grandparent.
#[derive(Debug, Clone)]
pub struct ParentInfo {
    /// Parent pid.
    pub pid: i64,
    /// Parent file name as spelled by the parent instance.
    pub file_name: String,
    /// Parent creation time, ns.
    pub created: i64,
}

impl Proc {
    /// This process as its children see their parent.
    pub fn as_parent(&self) -> ParentInfo {
        ParentInfo { pid: self.pid, file_name: self.file_name.clone(), created: self.created }
    }

    /// Whether the process runs at `t`.
    pub fn alive_at(&self, t: i64) -> bool {
        self.created <= t && t < self.ended
    }
}

/// Hex digests that follow from an image path, so one image has one hash everywhere.
pub fn image_hashes(image: &Image) -> (String, String, String) {
    let key = format!("{}\\{}|{}", image.dir, image.name, image.version);
    let mut parts = [0u64; 4];
    for (i, p) in parts.iter_mut().enumerate() {
        *p = hash_str(&format!("{key}#{i}"));
    }
    let hex: String = parts.iter().map(|p| format!("{p:016x}")).collect();
    (hex[..40].to_string(), hex.clone(), hex[..32].to_string())
}

/// A spelling of `name` in another letter case, as real telemetry sometimes reports:
/// `EXPLORER.EXE` or `Explorer.EXE`.
pub fn case_variant(name: &str, rng: &mut Rng) -> String {
    if rng.chance(0.5) {
        name.to_uppercase()
    } else {
        let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
        let mut chars = stem.chars();
        let first: String = chars.next().map(|c| c.to_uppercase().collect()).unwrap_or_default();
        format!("{first}{}.{}", chars.as_str(), ext.to_uppercase())
    }
}

image!(SYSTEM, "System", "", "NT Kernel & System", 0);
