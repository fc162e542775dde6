//! Scenarios that are one command line: a program started by a shell the user (or an
//! operator at the user's desk) opens from explorer.exe, or directly by explorer.exe, the
//! management agent, services.exe or the Task Scheduler. Attacks and their near-miss
//! decoys differ only in the program, its arguments and its parent, so they are data here.

use serde_json::{Map, Value};

use super::{Env, Kind, Scenario, process_record};
use crate::synth::device::{Ctx, MINUTE, SECOND, Spawn};
use crate::synth::rng::Rng;
use crate::synth::world::{self as w, Image};

/// What starts the program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parent {
    /// A cmd.exe the user opens from explorer.exe, elevated or not.
    Shell {
        /// Whether the shell runs as administrator.
        elevated: bool,
    },
    /// explorer.exe (the user double-clicks).
    Explorer,
    /// The configuration-management agent (CcmExec.exe).
    Agent,
    /// services.exe (a service's binary).
    Services,
    /// The Task Scheduler service (`svchost.exe -k netsvcs`).
    Scheduler,
}

/// One program started by one parent.
pub struct Command {
    name: &'static str,
    kind: Kind,
    technique: &'static str,
    parent: Parent,
    image: &'static Image,
    line: &'static str,
}

impl Scenario for Command {
    fn name(&self) -> &'static str {
        self.name
    }

    fn kind(&self) -> Kind {
        self.kind
    }

    fn technique(&self) -> &'static str {
        self.technique
    }

    fn run(&self, ctx: &mut Ctx<'_>, env: &Env<'_>, at: i64, _rng: &mut Rng) -> Map<String, Value> {
        let (parent, start, token) = match self.parent {
            Parent::Shell { elevated } => {
                let token = if elevated { ("High", "TokenElevationTypeFull") } else { ("Medium", "TokenElevationTypeLimited") };
                let shell = Spawn::new(&w::CMD, "\"C:\\Windows\\system32\\cmd.exe\"").parent(&env.session.explorer).token(token.0, token.1).lifetime(5 * MINUTE);
                (ctx.spawn(at, shell), at + 20 * SECOND, Some(token))
            }
            Parent::Explorer => (env.session.explorer.clone(), at, None),
            Parent::Agent => (env.svc.ccmexec.clone(), at, None),
            Parent::Services => (env.svc.services.clone(), at, None),
            Parent::Scheduler => (env.svc.netsvcs.clone(), at, None),
        };
        let mut spec = Spawn::new(self.image, self.line).parent(&parent).lifetime(5 * SECOND);
        if let Some((integrity, elevation)) = token {
            spec = spec.token(integrity, elevation);
        }
        let p = ctx.spawn(start, spec);
        process_record(&p, &parent)
    }
}

const fn command(name: &'static str, kind: Kind, technique: &'static str, parent: Parent, image: &'static Image, line: &'static str) -> Command {
    Command { name, kind, technique, parent, image, line }
}

const USER_SHELL: Parent = Parent::Shell { elevated: false };
const ADMIN_SHELL: Parent = Parent::Shell { elevated: true };

/// mimikatz dumping logon passwords.
pub static MIMIKATZ: Command = command(
    "mimikatz_logonpasswords",
    Kind::Attack,
    "T1003.001",
    ADMIN_SHELL,
    &w::MIMIKATZ,
    "C:\\Users\\Public\\Libraries\\m64.exe \"privilege::debug\" \"sekurlsa::logonpasswords\" exit",
);
/// Notes about mimikatz opened in Notepad: the word, not the tool.
pub static MIMIKATZ_NOTES: Command = command(
    "decoy_mimikatz_notes",
    Kind::Decoy,
    "T1003.001",
    USER_SHELL,
    &w::NOTEPAD,
    "\"C:\\Windows\\system32\\notepad.exe\" C:\\Users\\Public\\Documents\\mimikatz-detection-notes.txt",
);
/// Shadow copies deleted before encryption.
pub static SHADOW_DELETE: Command = command("shadow_copy_delete", Kind::Attack, "T1490", ADMIN_SHELL, &w::VSSADMIN, "vssadmin.exe  delete shadows /all /quiet");
/// An administrator listing shadow copies.
pub static SHADOW_LIST: Command = command("decoy_shadow_copy_list", Kind::Decoy, "T1490", ADMIN_SHELL, &w::VSSADMIN, "vssadmin.exe  list shadows /for=C:");
/// The Security log cleared.
pub static LOG_CLEAR: Command = command("event_log_clear", Kind::Attack, "T1070.001", ADMIN_SHELL, &w::WEVTUTIL, "wevtutil.exe  cl Security");
/// An administrator reading recent Security events.
pub static LOG_QUERY: Command = command("decoy_event_log_query", Kind::Decoy, "T1070.001", ADMIN_SHELL, &w::WEVTUTIL, "wevtutil.exe  qe Security /c:20 /rd:true /f:text");
/// Defender's real-time protection switched off.
pub static DEFENDER_OFF: Command = command(
    "defender_disable",
    Kind::Attack,
    "T1562.001",
    ADMIN_SHELL,
    &w::POWERSHELL,
    "powershell.exe -NoProfile -Command \"Set-MpPreference -DisableRealtimeMonitoring $true; Add-MpPreference -ExclusionPath C:\\Users\\Public\"",
);
/// An administrator updating Defender's signatures.
pub static DEFENDER_UPDATE: Command = command(
    "decoy_defender_update",
    Kind::Decoy,
    "T1562.001",
    ADMIN_SHELL,
    &w::POWERSHELL,
    "powershell.exe -NoProfile -Command \"Update-MpSignature; Get-MpComputerStatus\"",
);
/// A local account created for a back door.
pub static ACCOUNT_ADD: Command = command("local_account_add", Kind::Attack, "T1136.001", ADMIN_SHELL, &w::NET, "net  user support_388945a0 Winter2026! /add");
/// A user looking up their own domain account.
pub static ACCOUNT_QUERY: Command = command("decoy_account_query", Kind::Decoy, "T1136.001", USER_SHELL, &w::NET, "net  user jdoe /domain");
/// An installer registering a COM server: regsvr32 silent, but a local DLL.
pub static REGSVR32_INSTALL: Command = command(
    "decoy_regsvr32_install",
    Kind::Decoy,
    "T1218.010",
    Parent::Agent,
    &w::REGSVR32,
    "regsvr32.exe /s \"C:\\Program Files\\Contoso\\AssetScan\\scanext.dll\"",
);
/// rundll32 opening a Control Panel applet: no comsvcs.dll, no MiniDump.
pub static RUNDLL32_CONTROL_PANEL: Command = command(
    "decoy_rundll32_control_panel",
    Kind::Decoy,
    "T1003.001",
    Parent::Explorer,
    &w::RUNDLL32,
    "\"C:\\Windows\\system32\\rundll32.exe\" C:\\Windows\\system32\\shell32.dll,Control_RunDLL desk.cpl",
);
/// A service whose binary is a batch wrapper: a shell under services.exe, but no echo
/// into a batch file and no share.
pub static SERVICE_WRAPPER: Command = command(
    "decoy_service_wrapper",
    Kind::Decoy,
    "T1569.002",
    Parent::Services,
    &w::CMD,
    "cmd.exe /c \"C:\\Program Files\\Contoso\\AssetScan\\service.cmd\"",
);
/// A nightly clean-up task's shell: no output redirected to a .tmp file.
pub static TASK_CLEANUP: Command = command(
    "decoy_task_cleanup",
    Kind::Decoy,
    "T1053.005",
    Parent::Scheduler,
    &w::CMD,
    "cmd.exe /c del /q C:\\Windows\\Temp\\AssetScan\\*.log",
);
/// A line-of-business HTML application: mshta, but a local file under Program Files.
pub static MSHTA_LOCAL: Command = command(
    "decoy_mshta_local",
    Kind::Decoy,
    "T1218.005",
    Parent::Explorer,
    &w::MSHTA,
    "\"C:\\Windows\\system32\\mshta.exe\" \"C:\\Program Files\\Contoso\\Timesheet\\timesheet.hta\"",
);
/// An installer's scheduled task for a program under Program Files.
pub static SCHTASKS_INSTALLER: Command = command(
    "decoy_schtasks_installer",
    Kind::Decoy,
    "T1053.005",
    Parent::Agent,
    &w::SCHTASKS,
    "schtasks.exe /create /sc daily /st 03:00 /tn \"Contoso\\AssetScan\" /tr \"\\\"C:\\Program Files\\Contoso\\AssetScan\\scan.exe\\\" /quiet\" /ru SYSTEM /f",
);
