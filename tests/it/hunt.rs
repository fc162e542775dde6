//! `lakehunt hunt` end to end: our rule pack finds exactly the planted attacks of a
//! generated lake and none of its decoys; a broken rule, a duplicate id or a rule without
//! data does not stop the others; filters and the window select what runs and what is
//! read; the output over data/lake equals its golden file.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::common::{END, run, shared_lake, truth};

fn rules_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("rules")
}

fn path_arg(p: &Path) -> String {
    p.to_str().expect("utf-8 path").to_string()
}

/// `END` as RFC 3339.
fn end() -> String {
    lakehunt::output::format_datetime(END)
}

fn findings(out: &std::process::Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("a finding is JSON")).collect()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The scenarios of the generator that each rule of rules/ must report, by rule id, with
/// the finding column that holds the attack's key time and the truth field it equals.
const DETECTS: &[(&str, &[&str], &str, &str)] = &[
    (
        "6f1d7a52-0c3e-4a7e-9b1f-3d2c8e5a9101",
        &["dcomexec_shellwindows", "dcomexec_mmc20", "dcomexec_case_variant"],
        "InboundTime",
        "InboundConnectionTime",
    ),
    ("2b7e4c1a-5d3f-4e8b-a6c2-7f1e9d0b3a42", &["office_encoded_powershell"], "ProcessCreationTime", "ProcessCreationTime"),
    ("9c3a5e71-8b2d-4f60-b1e4-2a7d6c8f0e13", &["certutil_download"], "ProcessCreationTime", "ProcessCreationTime"),
    ("4d8f2a6b-1c7e-4b3a-9e5d-8a0c6f2b7d31", &["wmiexec"], "ProcessCreationTime", "ProcessCreationTime"),
    ("7a1c9e34-6f2b-4d85-b0a3-5e8d1c4f9a27", &["schtasks_user_path"], "ProcessCreationTime", "ProcessCreationTime"),
    ("3e6b8d20-9a4f-4c17-8d2e-1f7a5b3c6e94", &["run_key_user_path"], "Timestamp", "Timestamp"),
    ("5b2e7f91-3a6c-4d08-a4f1-9c2d8e6b0a75", &["lsass_comsvcs_minidump"], "ProcessCreationTime", "ProcessCreationTime"),
    ("8e4a1d63-7b9f-4e2c-85a0-6d3f2b9c1e48", &["regsvr32_squiblydoo"], "ProcessCreationTime", "ProcessCreationTime"),
    ("1f9c4b72-8d3e-4a60-b5e1-7c2a9d4f8b06", &["smbexec"], "ProcessCreationTime", "ProcessCreationTime"),
    ("6c0d3e85-2f7a-4b19-9a6c-4e8b1d5f2c37", &["atexec"], "ProcessCreationTime", "ProcessCreationTime"),
    ("0a7d5c39-4e1b-4f86-a2d9-3b6e8f1c5d64", &["password_spray_success"], "SuccessTime", "LogonTime"),
    ("2d5f8a14-6c3b-4e97-b1d0-9e4a7c2f5b83", &["mshta_remote"], "ProcessCreationTime", "ProcessCreationTime"),
    ("9f2c6e58-1b4d-4a73-8e0f-5d7b3a9c1e26", &["user_folder_beacon"], "ProcessCreationTime", "ProcessCreationTime"),
    ("c4e1a7b3-9d2f-4b68-8a15-2e6f0c9d3b71", &["mimikatz_logonpasswords"], "ProcessCreationTime", "ProcessCreationTime"),
    ("e7b3c5d1-2a8f-4c69-b4e0-8d1f6a3c9e52", &["shadow_copy_delete"], "ProcessCreationTime", "ProcessCreationTime"),
    ("3a9f6d24-7c1e-4e85-9b3a-0f5d8c2e7a16", &["event_log_clear"], "ProcessCreationTime", "ProcessCreationTime"),
    ("5d0e8b46-3f7a-4a92-8c1d-6b9e2f4a0c38", &["defender_disable"], "ProcessCreationTime", "ProcessCreationTime"),
    ("8b6f2d93-1e4c-4f07-a5b8-7c3e9a1d6f40", &["local_account_add"], "ProcessCreationTime", "ProcessCreationTime"),
    ("f1a3c8e5-6b2d-4e79-9c04-3d8b5f1e7a62", &["lsass_read_access"], "ProcessCreationTime", "ProcessCreationTime"),
    ("0c7e2b59-8d4a-4f13-a6e8-1b9d3f5c7e04", &["unmanaged_powershell"], "ProcessCreationTime", "ProcessCreationTime"),
    ("6e9b1f37-4c8a-4d25-b3e7-9a0c2d6f4b18", &["service_install_user_path"], "Timestamp", "Timestamp"),
    ("2f4d6a81-9e3c-4b50-8d7f-5c1a3e9b2d67", &["startup_folder_script"], "Timestamp", "Timestamp"),
    ("a8c2e4f6-1d3b-4a95-b7e0-6f2c8d4a1b39", &["ifeo_debugger"], "Timestamp", "Timestamp"),
    ("4b7d9f13-2e6c-4a80-9f5b-8c3e1a7d5f92", &["rdp_from_internet"], "LogonTime", "LogonTime"),
    ("7c5e3a91-0f8d-4b26-a1c4-9e7b5d3f1a08", &["discovery_burst"], "ShellCreationTime", "ShellCreationTime"),
];

#[test]
fn the_rule_pack_finds_exactly_the_planted_attacks_and_no_decoy() {
    let lake = shared_lake();
    let out = run(&["hunt", "--lake", &path_arg(lake), "--rules", &path_arg(&rules_dir()), "--now", &end(), "--format", "jsonl"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let found = findings(&out);
    let planted = truth(lake, "planted.jsonl");
    let decoys = truth(lake, "decoys.jsonl");
    let mut explained = 0;
    for (rule_id, scenarios, time_column, truth_field) in DETECTS {
        let got: BTreeSet<(String, String)> = found
            .iter()
            .filter(|f| f["rule_id"] == *rule_id)
            .map(|f| (f["finding"]["DeviceName"].as_str().unwrap_or("").to_string(), f["finding"][*time_column].as_str().unwrap_or("").to_string()))
            .collect();
        let want: BTreeSet<(String, String)> = planted
            .iter()
            .filter(|p| scenarios.contains(&p["scenario"].as_str().unwrap_or("")))
            .map(|p| (p["DeviceName"].as_str().unwrap_or("").to_string(), p[*truth_field].as_str().unwrap_or("").to_string()))
            .collect();
        assert!(!want.is_empty(), "the lake has planted {scenarios:?}");
        assert_eq!(got, want, "rule {rule_id} against the planted {scenarios:?}");
        for d in &decoys {
            let key = (d["DeviceName"].as_str().unwrap_or("").to_string(), d[*truth_field].as_str().unwrap_or("").to_string());
            assert!(key.1.is_empty() || !got.contains(&key), "rule {rule_id} reports the decoy {}", d["scenario"]);
        }
        explained += found.iter().filter(|f| f["rule_id"] == *rule_id).count();
        assert!(found.iter().filter(|f| f["rule_id"] == *rule_id).all(|f| f["tactics"].as_array().is_some_and(|t| !t.is_empty())));
    }
    assert_eq!(explained, found.len(), "every finding comes from a rule whose planted attacks are checked");
}

#[test]
fn the_hunt_over_the_sample_lake_equals_its_golden_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let golden = root.join("tests/golden/hunt-data-lake.jsonl");
    // data/lake/_truth/gen.json: the sample lake ends at 2026-11-27T00:00:00Z.
    let out = run(&[
        "hunt", "--lake", &path_arg(&root.join("data/lake")), "--rules", &path_arg(&rules_dir()), "--now", "2026-11-27T00:00:00Z", "--format", "jsonl", "--quiet",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    if std::env::var_os("LAKEHUNT_UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden, &text).expect("write golden");
    }
    let want = std::fs::read_to_string(&golden).expect("tests/golden/hunt-data-lake.jsonl (LAKEHUNT_UPDATE_GOLDEN=1 writes it; review the change)");
    assert!(!want.is_empty());
    assert_eq!(text, want, "hunt output changed; if that is intended, rerun with LAKEHUNT_UPDATE_GOLDEN=1 and review the diff");
}

/// A pack in a temporary directory: a good rule, one with a KQL error, one whose id
/// repeats, and one over a table with no data in the lake.
fn mixed_pack() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let rule = |id: &str, tactic: &str, technique: &str, query: &str| {
        format!("id: {id}\nname: rule {id}\ntactics:\n  - {tactic}\nrelevantTechniques:\n  - {technique}\nquery: |\n  {query}\n")
    };
    let write = |name: &str, text: String| std::fs::write(dir.path().join(name), text).expect("write rule");
    write("a-good.yaml", rule("good", "Discovery", "T1087", "DeviceInfo | summarize n = count() by DeviceName"));
    write("b-broken.yaml", rule("broken", "Execution", "T1059", "DeviceProcessEvents | where FileName =="));
    write("c-dup.yaml", rule("good", "Execution", "T1059", "DeviceInfo | take 1"));
    write("d-nodata.yaml", rule("nodata", "Persistence", "T1543.003", "DeviceFileCertificateInfo | take 1"));
    dir
}

#[test]
fn one_broken_rule_does_not_stop_the_others() {
    let pack = mixed_pack();
    let out = run(&["hunt", "--lake", &path_arg(shared_lake()), "--rules", &path_arg(pack.path()), "--now", &end(), "--format", "jsonl"]);
    assert_eq!(out.status.code(), Some(1), "a failed rule makes the exit status 1");
    let found = findings(&out);
    let devices = found.iter().filter(|f| f["rule_id"] == "good").count();
    assert_eq!(devices, 5, "the good rule still reports one row per device of the lake");
    assert!(found.iter().all(|f| f["rule_id"] == "good"));
    let err = stderr(&out);
    assert!(err.contains("b-broken.yaml:8:"), "the broken rule's error names its file and line:\n{err}");
    assert!(err.contains("c-dup.yaml") && err.contains("a-good.yaml") && err.contains("already taken"), "the duplicate id names both files:\n{err}");
    assert!(err.contains("skipped: no data in the lake for DeviceFileCertificateInfo"), "{err}");
    assert!(err.contains("1 rule ran, 1 skipped, 2 failed; 5 findings"), "{err}");
}

#[test]
fn filters_select_rules_by_id_tactic_and_technique() {
    let pack = mixed_pack();
    let lake = path_arg(shared_lake());
    let hunt = |extra: &[&str]| {
        let mut args = vec!["hunt", "--lake", &lake, "--rules", pack.path().to_str().expect("utf-8"), "--format", "jsonl"];
        args.extend_from_slice(extra);
        run(&args)
    };
    // Only the no-data rule matches T1543 (a parent of T1543.003): skipped, exit 0.
    let out = hunt(&["--technique", "T1543"]);
    assert!(stderr(&out).contains("0 rules ran, 1 skipped, 1 failed"), "{}", stderr(&out));
    let out = hunt(&["--tactic", "discovery"]);
    assert_eq!(findings(&out).len(), 5, "{}", stderr(&out));
    let out = hunt(&["--rule", "nosuchrule"]);
    assert!(stderr(&out).contains("0 rules ran, 0 skipped, 1 failed"), "the pack's duplicate id is still reported: {}", stderr(&out));
}

#[test]
fn a_window_bounds_every_scan_and_what_is_found() {
    let lake = shared_lake();
    // The dcomexec attacks: the pack's rule for them reports one finding each.
    let planted: Vec<Value> = truth(lake, "planted.jsonl").into_iter().filter(|p| p["InboundConnectionTime"].is_string()).collect();
    let day_of = |p: &Value| p["InboundConnectionTime"].as_str().unwrap_or("")[..10].to_string();
    let days: BTreeSet<String> = planted.iter().map(day_of).collect();
    let first = days.iter().next().expect("a planted attack").clone();
    let from = format!("{first}T00:00:00Z");
    let to = format!("{first}T23:59:59.999Z");
    let rules = path_arg(&rules_dir());
    let dcomexec = DETECTS[0].0;
    let all = run(&["hunt", "--lake", &path_arg(lake), "--rules", &rules, "--rule", dcomexec, "--format", "jsonl"]);
    let one_day = run(&["hunt", "--lake", &path_arg(lake), "--rules", &rules, "--rule", dcomexec, "--format", "jsonl", "--from", &from, "--to", &to]);
    assert!(one_day.status.success(), "{}", stderr(&one_day));
    let in_day: usize = planted.iter().filter(|p| day_of(p) == first).count();
    assert_eq!(findings(&one_day).len(), in_day, "only the attacks of {first}");
    assert!(findings(&all).len() > in_day || days.len() == 1);
    let scanned = |out: &std::process::Output| -> u64 {
        let err = stderr(out);
        let line = err.lines().last().unwrap_or("").to_string();
        let n = line.split("; ").find(|p| p.ends_with("rows scanned")).and_then(|p| p.split(' ').next()).and_then(|n| n.parse().ok());
        n.unwrap_or_else(|| panic!("no rows scanned in the summary: {err}"))
    };
    assert!(scanned(&one_day) * 3 < scanned(&all) * 2, "a one-day window over a two-day lake reads clearly fewer rows: {} vs {}", scanned(&one_day), scanned(&all));
}

#[test]
fn the_readme_quick_start_hunt_prints_the_planted_attacks_and_a_summary() {
    // README: the quick start's first command is `cargo run -q -- hunt`, run from the
    // checkout: data/lake with rules/, both defaults. Every planted attack of data/lake is
    // one finding of the pack.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README");
    let first = readme.lines().skip_while(|l| !l.starts_with("```sh")).nth(1).expect("a command after ```sh");
    assert_eq!(first, "cargo run -q -- hunt");
    let out = super::common::bin().arg("hunt").current_dir(root).output().expect("run lakehunt");
    assert!(out.status.success(), "{}", stderr(&out));
    let table = String::from_utf8_lossy(&out.stdout);
    let planted = truth(&root.join("data/lake"), "planted.jsonl");
    for p in &planted {
        let device = p["DeviceName"].as_str().expect("DeviceName");
        assert!(table.contains(device), "{device} among the findings:\n{table}");
    }
    let err = stderr(&out);
    let last = err.lines().last().unwrap_or("");
    assert!(last.starts_with(&format!("{} rules ran, 0 skipped, 0 failed; {} findings;", DETECTS.len(), planted.len())), "{err}");
    assert!(last.ends_with("rows scanned"), "{err}");
}

#[test]
fn rules_list_and_coverage_describe_the_pack() {
    let rules = path_arg(&rules_dir());
    let out = run(&["rules", "list", "--format", "json", &rules]);
    assert!(out.status.success(), "{}", stderr(&out));
    let listed: Vec<Value> = serde_json::from_slice(&out.stdout).expect("a JSON array");
    let ids: BTreeSet<&str> = listed.iter().filter_map(|r| r["id"].as_str()).collect();
    let want: BTreeSet<&str> = DETECTS.iter().map(|d| d.0).collect();
    assert_eq!(ids, want, "every rule of the pack is listed, and checked by the planted-attack test");
    let dcomexec = listed.iter().find(|r| r["id"] == DETECTS[0].0).expect("the dcomexec rule");
    assert_eq!(dcomexec["tables"], serde_json::json!(["DeviceNetworkEvents", "DeviceProcessEvents"]));

    let dir = tempfile::tempdir().expect("temp dir");
    let layer_path = dir.path().join("layer.json");
    let out = run(&["rules", "coverage", &rules, "--navigator", &path_arg(&layer_path)]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("LateralMovement        T1021.003        1"), "{}", String::from_utf8_lossy(&out.stdout));
    let layer: Value = serde_json::from_str(&std::fs::read_to_string(&layer_path).expect("layer written")).expect("layer is JSON");
    assert_eq!(layer["domain"], "enterprise-attack");
    let entry = layer["techniques"].as_array().expect("techniques").iter().find(|t| t["techniqueID"] == "T1021.003" && t["tactic"] == "lateral-movement").cloned();
    assert_eq!(entry.map(|e| e["score"].clone()), Some(serde_json::json!(1)));
}

#[test]
fn csv_and_parquet_findings_go_to_out_and_hold_the_rule_fields() {
    let dir = tempfile::tempdir().expect("temp dir");
    let lake = path_arg(shared_lake());
    let rules = path_arg(&rules_dir());
    let csv_path = dir.path().join("findings.csv");
    let out = run(&["hunt", "--lake", &lake, "--rules", &rules, "--rule", DETECTS[0].0, "--format", "csv", "--out", &path_arg(&csv_path)]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stdout.is_empty(), "--out takes the findings off standard output");
    let mut reader = csv::Reader::from_path(&csv_path).expect("CSV written");
    let header: Vec<String> = reader.headers().expect("header").iter().map(String::from).collect();
    assert_eq!(header, ["rule_id", "rule_name", "tactics", "techniques", "finding"]);
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    let planted = truth(shared_lake(), "planted.jsonl").iter().filter(|p| DETECTS[0].1.contains(&p["scenario"].as_str().unwrap_or(""))).count();
    assert_eq!(rows.len(), planted);
    for row in &rows {
        assert_eq!(&row[0], DETECTS[0].0);
        assert_eq!(&row[2], "LateralMovement,Execution");
        let finding: Value = serde_json::from_str(&row[4]).expect("the finding is JSON text");
        assert!(finding["InboundTime"].is_string());
    }
    let parquet = run(&["hunt", "--lake", &lake, "--rules", &rules, "--format", "parquet"]);
    assert_eq!(parquet.status.code(), Some(2), "parquet needs --out");
}
