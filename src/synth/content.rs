//! Static material the background draws from: web destinations, DLLs, registry keys,
//! user names. Plausible values, chosen so that hunting rules have realistic data to read.

/// An attacker's staging server on the internet (TEST-NET-3, never routed).
pub const STAGING_IP: &str = "203.0.113.50";

/// `text` as PowerShell's `-EncodedCommand` takes it: Base64 of its UTF-16LE bytes.
pub fn powershell_encoded(text: &str) -> String {
    let bytes: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    base64(&bytes)
}

/// Standard Base64 with padding.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Web destinations: (host, address).
pub const WEB: &[(&str, &str)] = &[
    ("www.bing.com", "13.107.21.200"),
    ("login.microsoftonline.com", "20.190.160.20"),
    ("www.google.com", "142.250.185.68"),
    ("github.com", "140.82.121.3"),
    ("api.github.com", "140.82.121.6"),
    ("contoso.sharepoint.com", "13.107.136.10"),
    ("www.wikipedia.org", "185.15.59.224"),
    ("cdn.jsdelivr.net", "151.101.1.229"),
    ("edge.microsoft.com", "13.107.246.64"),
    ("www.linkedin.com", "13.107.42.14"),
    ("stackoverflow.com", "198.252.206.16"),
    ("learn.microsoft.com", "23.45.230.89"),
    ("www.youtube.com", "142.250.74.110"),
    ("fonts.gstatic.com", "142.250.74.99"),
    ("ntp.msn.com", "204.79.197.203"),
    ("assets.msn.com", "23.212.250.162"),
];

/// Microsoft service endpoints for Office, Teams, OneDrive, Defender and Windows Update.
pub const TEAMS: &[(&str, &str)] = &[("teams.microsoft.com", "52.112.120.204"), ("teams.events.data.microsoft.com", "52.113.194.132")];
/// Outlook endpoints.
pub const OUTLOOK: &[(&str, &str)] = &[("outlook.office365.com", "52.96.165.18"), ("outlook.office.com", "52.97.146.178")];
/// OneDrive endpoints.
pub const ONEDRIVE: &[(&str, &str)] = &[("contoso-my.sharepoint.com", "13.107.136.11"), ("g.live.com", "13.107.42.13")];
/// Defender cloud endpoints.
pub const DEFENDER: &[(&str, &str)] = &[("wdcp.microsoft.com", "20.42.65.90"), ("winatp-gw-neu.microsoft.com", "20.50.201.195")];
/// Windows Update and telemetry endpoints.
pub const WINDOWS: &[(&str, &str)] = &[
    ("settings-win.data.microsoft.com", "20.42.73.27"),
    ("fe3cr.delivery.mp.microsoft.com", "20.12.23.50"),
    ("v10.events.data.microsoft.com", "20.189.173.3"),
];

/// The domain controller / DNS server.
pub const DC_IP: &str = "10.20.0.10";
/// The file server.
pub const FILE_SERVER_IP: &str = "10.20.0.20";
/// The configuration-management server that pushes software.
pub const SCCM_IP: &str = "10.20.0.30";
/// The administrators' jump host.
pub const JUMP_HOST_IP: &str = "10.20.1.250";
/// The jump host's name.
pub const JUMP_HOST_NAME: &str = "adm-jump01.contoso.local";

/// DLLs that processes are seen loading.
pub const DLLS: &[&str] = &[
    "C:\\Windows\\System32\\amsi.dll",
    "C:\\Windows\\System32\\wininet.dll",
    "C:\\Windows\\System32\\winhttp.dll",
    "C:\\Windows\\System32\\samlib.dll",
    "C:\\Windows\\System32\\vaultcli.dll",
    "C:\\Windows\\System32\\dbghelp.dll",
    "C:\\Windows\\System32\\wldp.dll",
    "C:\\Windows\\System32\\taskschd.dll",
    "C:\\Windows\\System32\\wbem\\wmiutils.dll",
    "C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\clr.dll",
    "C:\\Windows\\System32\\mscoree.dll",
    "C:\\Windows\\System32\\cryptdll.dll",
];

/// Registry keys under the user's hive (after `HKEY_CURRENT_USER\<SID>`).
pub const USER_KEYS: &[(&str, &str, &str)] = &[
    ("Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\RecentDocs", "MRUListEx", "Binary"),
    ("Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\UserAssist\\{CEBFF5CD-ACE2-4F4F-9178-9926F41749EA}\\Count", "HRZR_PGYFRFFVBA", "Binary"),
    ("Software\\Microsoft\\Edge\\BLBeacon", "state", "Dword"),
    ("Software\\Microsoft\\Office\\16.0\\Common\\Roaming\\Identities", "LastSwitchedTime", "String"),
];

/// Machine registry keys services touch.
pub const MACHINE_KEYS: &[(&str, &str, &str)] = &[
    ("HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Schedule\\TaskCache\\Tree\\Microsoft\\Windows\\UpdateOrchestrator\\Schedule Scan", "Index", "Dword"),
    ("HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows Defender\\Signature Updates", "SignaturesLastUpdated", "Binary"),
    ("HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services\\bam\\State\\UserSettings", "SequenceNumber", "Dword"),
    ("HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Auto Update", "LastOnlineScanTimeForAppCategory", "String"),
];

/// Users of the organisation (lower-case account names).
pub const USERS: &[&str] = &[
    "jdoe", "asmith", "mgarcia", "lchen", "pnovak", "kobrien", "tnguyen", "rpatel", "ekowalski", "hmuller",
    "sfischer", "ajohnson", "bwilliams", "cmartin", "dlee", "fdubois", "gsilva", "iivanova", "jkim", "mrossi",
];

/// Documents users work on.
pub const DOCUMENTS: &[&str] = &[
    "Q3 Budget.xlsx", "Board update.docx", "Roadmap 2027.docx", "Invoices.xlsx", "Meeting notes.docx",
    "Travel policy.pdf", "Architecture.vsdx", "Customer list.xlsx",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_test_vectors() {
        // RFC 4648 §10.
        for (plain, encoded) in [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")] {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
    }

    #[test]
    fn powershell_encoding_is_utf16le() {
        // "a" is 0x61 0x00 in UTF-16LE.
        assert_eq!(powershell_encoded("a"), "YQA=");
    }
}
