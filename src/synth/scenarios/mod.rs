//! Planted attacks and near-miss decoys. Each [`Scenario`] lives in its own module and
//! writes its rows through the same [`Ctx`] as the background, then returns the facts a
//! hunt must (or must not) report, which `gen` writes to `_truth/`.

mod atexec;
mod certutil_download;
mod commands;
mod decoy_admin_rdp;
mod discovery_burst;
mod decoy_agent_encoded_powershell;
mod decoy_certutil_encode;
mod decoy_explorer_inbound_only;
mod decoy_explorer_late_child;
mod decoy_mistyped_password;
mod decoy_other_parent;
mod decoy_run_key_program_files;
mod decoy_user_folder_tool;
mod decoy_wmi_inventory;
mod dcomexec_case_variant;
mod dcomexec_mmc20;
mod dcomexec_shellwindows;
mod ifeo_debugger;
mod impacket;
mod lsass_access;
mod lsass_comsvcs_minidump;
mod mshta_remote;
mod office_encoded_powershell;
mod password_spray_success;
mod rdp_from_internet;
mod regsvr32_squiblydoo;
mod run_key_user_path;
mod schtasks_user_path;
mod service_install;
mod smbexec;
mod startup_folder;
mod unmanaged_powershell;
mod user_folder_beacon;
mod wmiexec;

use serde_json::{Map, Value};

use super::boot::{Services, Session};
use super::device::{Ctx, MINUTE};
use super::rng::Rng;

/// Whether a scenario is an attack a hunt must report or a decoy it must not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Written to `_truth/planted.jsonl`.
    Attack,
    /// Written to `_truth/decoys.jsonl`.
    Decoy,
}

/// What a scenario may act on: the device's services and the user's session.
pub struct Env<'a> {
    /// The device's long-lived system processes.
    pub svc: &'a Services,
    /// The interactive session the scenario happens in.
    pub session: &'a Session,
}

/// One kind of planted activity.
pub trait Scenario: Sync {
    /// Stable name, written to the truth file (`dcomexec_shellwindows`, ...).
    fn name(&self) -> &'static str;
    /// Attack or decoy.
    fn kind(&self) -> Kind;
    /// The ATT&CK technique it carries out (or, for a decoy, imitates).
    fn technique(&self) -> &'static str;
    /// Whether the session's explorer.exe must report its name in another letter case.
    fn odd_case_explorer(&self) -> bool {
        false
    }
    /// Emits the scenario's rows starting at `at`; returns its key facts.
    fn run(&self, ctx: &mut Ctx<'_>, env: &Env<'_>, at: i64, rng: &mut Rng) -> Map<String, Value>;
}

/// Every scenario, in a fixed order.
pub static SCENARIOS: &[&dyn Scenario] = &[
    &dcomexec_shellwindows::DcomexecShellWindows,
    &dcomexec_mmc20::DcomexecMmc20,
    &dcomexec_case_variant::DcomexecCaseVariant,
    &decoy_explorer_inbound_only::DecoyExplorerInboundOnly,
    &decoy_explorer_late_child::DecoyExplorerLateChild,
    &decoy_other_parent::DecoyOtherParent,
    &decoy_admin_rdp::DecoyAdminRdp,
    &office_encoded_powershell::OfficeEncodedPowershell,
    &decoy_agent_encoded_powershell::DecoyAgentEncodedPowershell,
    &certutil_download::CertutilDownload,
    &decoy_certutil_encode::DecoyCertutilEncode,
    &wmiexec::Wmiexec,
    &decoy_wmi_inventory::DecoyWmiInventory,
    &schtasks_user_path::SchtasksUserPath,
    &commands::SCHTASKS_INSTALLER,
    &run_key_user_path::RunKeyUserPath,
    &decoy_run_key_program_files::DecoyRunKeyProgramFiles,
    &lsass_comsvcs_minidump::LsassComsvcsMinidump,
    &commands::RUNDLL32_CONTROL_PANEL,
    &regsvr32_squiblydoo::Regsvr32Squiblydoo,
    &commands::REGSVR32_INSTALL,
    &smbexec::Smbexec,
    &commands::SERVICE_WRAPPER,
    &atexec::Atexec,
    &commands::TASK_CLEANUP,
    &password_spray_success::PasswordSpraySuccess,
    &decoy_mistyped_password::DecoyMistypedPassword,
    &mshta_remote::MshtaRemote,
    &commands::MSHTA_LOCAL,
    &user_folder_beacon::UserFolderBeacon,
    &decoy_user_folder_tool::DecoyUserFolderTool,
    &commands::MIMIKATZ,
    &commands::MIMIKATZ_NOTES,
    &commands::SHADOW_DELETE,
    &commands::SHADOW_LIST,
    &commands::LOG_CLEAR,
    &commands::LOG_QUERY,
    &commands::DEFENDER_OFF,
    &commands::DEFENDER_UPDATE,
    &commands::ACCOUNT_ADD,
    &commands::ACCOUNT_QUERY,
    &lsass_access::DUMPER,
    &lsass_access::TASK_MANAGER,
    &unmanaged_powershell::RUNDLL32_HOST,
    &unmanaged_powershell::POWERSHELL_HOST,
    &service_install::USER_PATH,
    &service_install::PROGRAM_FILES,
    &startup_folder::SCRIPT,
    &startup_folder::SHORTCUT,
    &ifeo_debugger::STICKY_KEYS,
    &ifeo_debugger::MITIGATION,
    &rdp_from_internet::RdpFromInternet,
    &discovery_burst::OPERATOR,
    &discovery_burst::USER,
];

/// A successful outbound TCP connection to `remote_ip:remote_port` from an ephemeral port.
fn outbound<'a>(remote_ip: &'a str, remote_port: i32, rng: &mut Rng) -> super::device::Conn<'a> {
    super::device::Conn {
        action: "ConnectionSuccess",
        remote_ip,
        remote_port,
        remote_url: "",
        local_ip: "",
        local_port: rng.range(49_152, 65_535) as i32,
        protocol: "Tcp",
    }
}

/// The truth record of a scenario whose key is one process: its id and creation time
/// (what a rule's finding reports as `ProcessId` and `ProcessCreationTime`) and its
/// parent's name.
fn process_record(p: &crate::synth::world::Proc, parent: &crate::synth::world::Proc) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("ProcessId".into(), Value::from(p.pid));
    m.insert("ProcessCreationTime".into(), Value::from(crate::output::format_datetime(p.created)));
    m.insert("FileName".into(), Value::from(p.file_name.clone()));
    m.insert("ProcessCommandLine".into(), Value::from(p.command_line.clone()));
    m.insert("InitiatingProcessFileName".into(), Value::from(parent.file_name.clone()));
    m
}

/// Around a scenario's start, the user launches nothing from explorer.exe, so that what a
/// hunt sees there is the scenario alone (a decoy's "nothing within a minute" holds).
pub const QUIET_BEFORE: i64 = 2 * MINUTE;
/// See [`QUIET_BEFORE`].
pub const QUIET_AFTER: i64 = 5 * MINUTE;

/// Where and when one scenario instance happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    /// Index into [`SCENARIOS`].
    pub scenario: usize,
    /// Device index.
    pub device: usize,
    /// Day index within the window.
    pub day: u32,
    /// Minutes after the session's logon.
    pub offset_minutes: i64,
}

/// Half-hour slots after logon that scenarios may take (from 1 h to 7 h after logon).
const SLOTS: u64 = 13;

/// Places every scenario on workstation-days: at least one instance each, one more per
/// 40 workstation-days, never two in the same half-hour slot of one device-day.
pub fn plan(seed: u64, workstations: &[usize], days: u32) -> Vec<Placement> {
    let mut rng = Rng::fork(seed, "plan", 0);
    let mut used: Vec<(usize, u32, u64)> = Vec::new();
    let mut out = Vec::new();
    if workstations.is_empty() || days == 0 {
        return out;
    }
    let capacity = workstations.len() as u64 * u64::from(days) * SLOTS;
    let per_scenario = 1 + (workstations.len() as u64 * u64::from(days)) / 40;
    for (scenario, _) in SCENARIOS.iter().enumerate() {
        for _ in 0..per_scenario {
            if used.len() as u64 >= capacity {
                return out;
            }
            let (device, day, slot) = loop {
                let d = *rng.pick(workstations);
                let day = rng.below(u64::from(days)) as u32;
                let slot = rng.below(SLOTS);
                if !used.contains(&(d, day, slot)) {
                    break (d, day, slot);
                }
            };
            used.push((device, day, slot));
            let offset_minutes = 60 + 30 * slot as i64 + rng.range(0, 10);
            out.push(Placement { scenario, device, day, offset_minutes });
        }
    }
    out
}
