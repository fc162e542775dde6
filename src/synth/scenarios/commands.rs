//! Scenarios that are one command line: the user (or an operator at the user's desk)
//! opens a shell from explorer.exe and runs one program. Attacks and their near-miss
//! decoys differ only in the program and its arguments, so they are data here.

use serde_json::{Map, Value};

use super::{Env, Kind, Scenario, process_record};
use crate::synth::device::{Ctx, MINUTE, SECOND, Spawn};
use crate::synth::rng::Rng;
use crate::synth::world::{self as w, Image};

/// One command run from an interactive shell.
pub struct Command {
    name: &'static str,
    kind: Kind,
    technique: &'static str,
    /// Whether the shell runs elevated (administrator tasks).
    elevated: bool,
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
        let (integrity, elevation) = if self.elevated { ("High", "TokenElevationTypeFull") } else { ("Medium", "TokenElevationTypeLimited") };
        let shell = ctx.spawn(
            at,
            Spawn::new(&w::CMD, "\"C:\\Windows\\system32\\cmd.exe\"").parent(&env.session.explorer).token(integrity, elevation).lifetime(5 * MINUTE),
        );
        let p = ctx.spawn(at + 20 * SECOND, Spawn::new(self.image, self.line).parent(&shell).token(integrity, elevation).lifetime(5 * SECOND));
        process_record(&p, &shell)
    }
}

const fn command(name: &'static str, kind: Kind, technique: &'static str, elevated: bool, image: &'static Image, line: &'static str) -> Command {
    Command { name, kind, technique, elevated, image, line }
}

/// mimikatz dumping logon passwords.
pub static MIMIKATZ: Command = command(
    "mimikatz_logonpasswords",
    Kind::Attack,
    "T1003.001",
    true,
    &w::MIMIKATZ,
    "C:\\Users\\Public\\Libraries\\m64.exe \"privilege::debug\" \"sekurlsa::logonpasswords\" exit",
);
/// Notes about mimikatz opened in Notepad: the word, not the tool.
pub static MIMIKATZ_NOTES: Command = command(
    "decoy_mimikatz_notes",
    Kind::Decoy,
    "T1003.001",
    false,
    &w::NOTEPAD,
    "\"C:\\Windows\\system32\\notepad.exe\" C:\\Users\\Public\\Documents\\mimikatz-detection-notes.txt",
);
/// Shadow copies deleted before encryption.
pub static SHADOW_DELETE: Command = command("shadow_copy_delete", Kind::Attack, "T1490", true, &w::VSSADMIN, "vssadmin.exe  delete shadows /all /quiet");
/// An administrator listing shadow copies.
pub static SHADOW_LIST: Command = command("decoy_shadow_copy_list", Kind::Decoy, "T1490", true, &w::VSSADMIN, "vssadmin.exe  list shadows /for=C:");
/// The Security log cleared.
pub static LOG_CLEAR: Command = command("event_log_clear", Kind::Attack, "T1070.001", true, &w::WEVTUTIL, "wevtutil.exe  cl Security");
/// An administrator reading recent Security events.
pub static LOG_QUERY: Command = command("decoy_event_log_query", Kind::Decoy, "T1070.001", true, &w::WEVTUTIL, "wevtutil.exe  qe Security /c:20 /rd:true /f:text");
/// Defender's real-time protection switched off.
pub static DEFENDER_OFF: Command = command(
    "defender_disable",
    Kind::Attack,
    "T1562.001",
    true,
    &w::POWERSHELL,
    "powershell.exe -NoProfile -Command \"Set-MpPreference -DisableRealtimeMonitoring $true; Add-MpPreference -ExclusionPath C:\\Users\\Public\"",
);
/// An administrator updating Defender's signatures.
pub static DEFENDER_UPDATE: Command = command(
    "decoy_defender_update",
    Kind::Decoy,
    "T1562.001",
    true,
    &w::POWERSHELL,
    "powershell.exe -NoProfile -Command \"Update-MpSignature; Get-MpComputerStatus\"",
);
/// A local account created for a back door.
pub static ACCOUNT_ADD: Command = command("local_account_add", Kind::Attack, "T1136.001", true, &w::NET, "net  user support_388945a0 Winter2026! /add");
/// A user looking up their own domain account.
pub static ACCOUNT_QUERY: Command = command("decoy_account_query", Kind::Decoy, "T1136.001", false, &w::NET, "net  user jdoe /domain");
