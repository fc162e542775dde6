//! `lakehunt rules lint` and the rule loader: positions in the YAML file, fenced queries,
//! CRLF and tabs, placeholders, and the exit status.

use std::path::Path;

use lakehunt::rules::{RuleError, load_rule};

use super::common::run;

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write rule");
    path
}

const GOOD: &str = "id: 1\nname: good\ntactics:\n- Execution\nrelevantTechniques:\n- T1059\nquery: |\n  DeviceProcessEvents\n  | where FileName =~ \"cmd.exe\"\n";

#[test]
fn a_kql_error_is_reported_at_its_line_and_column_in_the_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Line 9 of the file is `  | summarise count()`; `summarise` starts in column 5.
    let path = write(dir.path(), "bad.yaml", "id: 2\nname: bad\ndescription: |\n  x\ntactics: []\nquery: |\n  DeviceProcessEvents\n  | where x == 1\n  | summarise count()\n");
    let rule = load_rule(&path).expect("YAML loads");
    let Err(RuleError::Kql { error, .. }) = rule.parse() else { panic!("the KQL is bad") };
    assert_eq!((error.line, error.column), (9, 5), "{error}");
    assert_eq!(error.suggestion.as_deref(), Some("summarize"));
}

#[test]
fn fences_crlf_and_tabs_are_handled() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fenced = write(dir.path(), "fenced.yaml", "id: 3\nname: fenced\nquery: |\n  ```kusto\n  DeviceInfo\n  | take 1\n  ```\n");
    let rule = load_rule(&fenced).expect("loads");
    assert_eq!(rule.query.trim(), "DeviceInfo\n| take 1");
    assert_eq!(rule.origin.line, 5, "the query starts after the fence line");
    rule.parse().expect("parses");
    let crlf = write(dir.path(), "crlf.yaml", &GOOD.replace('\n', "\r\n"));
    load_rule(&crlf).and_then(|r| r.parse()).expect("CRLF rule parses");
    // A tab-indented query is not valid YAML; the lenient reader still finds the query.
    let tabs = write(dir.path(), "tabs.yaml", "id: 4\nname: tabs\nquery: |\n  DeviceInfo\n\t| take 1\n");
    let rule = load_rule(&tabs).expect("lenient load");
    assert_eq!(rule.name, "tabs");
    rule.parse().expect("parses");
}

#[test]
fn placeholders_are_named_with_their_position() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write(dir.path(), "tpl.yaml", "id: 5\nname: tpl\nquery: |\n  let start = todatetime('{{StartTimeISO}}');\n  DeviceInfo\n");
    let err = load_rule(&path).expect_err("placeholder");
    let text = err.to_string();
    assert!(matches!(err, RuleError::Placeholder { line: 4, column: 27, .. }), "{text}");
    assert!(text.contains("{{StartTimeISO}}"), "{text}");
    // `{{` inside a string is not a placeholder.
    let ok = write(dir.path(), "braces.yaml", "id: 6\nname: b\nquery: |\n  DeviceProcessEvents | where ProcessCommandLine startswith \"-s {{\"\n");
    load_rule(&ok).expect("no placeholder").parse().expect("parses");
}

#[test]
fn lint_prints_failures_and_a_summary_and_sets_the_exit_status() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "a_good.yaml", GOOD);
    let out = run(&["rules", "lint", dir.path().to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "1 parsed, 1 planned, 0 unsupported, 0 did not plan, 0 failed to load or parse\n");
    write(dir.path(), "b_bad.yaml", "id: 7\nname: bad\nquery: |\n  DeviceInfo | where x ==\n");
    let out = run(&["rules", "lint", dir.path().to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("b_bad.yaml:4:26: expected an expression, found the end of the query"), "{text}");
    assert!(text.ends_with("1 parsed, 1 planned, 0 unsupported, 0 did not plan, 1 failed to load or parse\n"), "{text}");
    // A rule that parses but names a column the table lacks does not plan: exit 1.
    std::fs::remove_file(dir.path().join("b_bad.yaml")).expect("remove");
    write(dir.path(), "c_col.yaml", "id: 10\nname: col\nquery: |\n  DeviceInfo\n  | where DeviceNme == 'x'\n");
    let out = run(&["rules", "lint", dir.path().to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("c_col.yaml:5:11: error: unknown column or name `DeviceNme` (did you mean `DeviceName`?)"), "{text}");
    // An unsupported construct is named, with its place, and is not a failure.
    std::fs::remove_file(dir.path().join("c_col.yaml")).expect("remove");
    write(dir.path(), "d_ext.yaml", "id: 11\nname: ext\nquery: |\n  externaldata(x:string)[@'https://example.com/x.csv']\n");
    let out = run(&["rules", "lint", dir.path().to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("d_ext.yaml:4:3: unsupported: `externaldata` (lakehunt reads only the lake) is not supported"), "{text}");
    assert!(text.ends_with("2 parsed, 1 planned, 1 unsupported, 0 did not plan, 0 failed to load or parse\n"), "{text}");
    let missing = run(&["rules", "lint", "/nonexistent/rules"]);
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn broken_yaml_without_a_query_block_is_reported_at_its_position() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write(dir.path(), "broken.yaml", "id: 8\nname: [unclosed\ntactics: x\n");
    let err = load_rule(&path).expect_err("broken YAML");
    // The flow sequence opened at 2:7 is never closed; the parser finds out at 3:8, where
    // a `]` or `,` should be, and its message names where the sequence began.
    assert!(matches!(err, RuleError::Yaml { line: 3, column: 8, .. }), "{err}");
    let text = err.to_string();
    assert!(text.starts_with(&format!("{}:3:8: invalid YAML", path.display())), "{err}");
    assert!(text.contains("flow sequence at line 2 column 7"), "{err}");
}

#[test]
fn lint_warns_about_misspelt_functions_and_the_plan_fails() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "typo.yaml", "id: 9\nname: typo\nquery: |\n  DeviceProcessEvents\n  | extend f = tolowr(FileName)\n");
    let out = run(&["rules", "lint", dir.path().to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("typo.yaml:5:16: warning: unknown function `tolowr` (did you mean `tolower`?)"), "{text}");
    assert!(text.contains("typo.yaml:5:16: error: unknown function `tolowr()` (did you mean `tolower`?)"), "{text}");
    assert!(text.ends_with("1 parsed, 0 planned, 0 unsupported, 1 did not plan, 0 failed to load or parse\n"), "{text}");
}

#[test]
fn lint_plans_every_query_of_a_rule_with_several() {
    // Published rules often hold several queries separated by blank lines (Kusto's editors
    // run them as separate queries); each one is planned, so a fault in the second is found.
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "two.yaml", "id: 12\nname: two\nquery: |\n  DeviceInfo\n  | take 1\n\n  DeviceInfo\n  | where DeviceNme == 'x'\n");
    let out = run(&["rules", "lint", dir.path().to_str().expect("utf-8")]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("two.yaml:8:11: error: unknown column or name `DeviceNme`"), "{text}");
    assert_eq!(out.status.code(), Some(1));
    write(dir.path(), "two.yaml", "id: 12\nname: two\nquery: |\n  DeviceInfo\n  | take 1\n\n  DeviceInfo\n  | where DeviceName == 'x'\n");
    let out = run(&["rules", "lint", dir.path().to_str().expect("utf-8")]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "1 parsed, 1 planned, 0 unsupported, 0 did not plan, 0 failed to load or parse\n");
}

#[test]
fn a_repaired_file_loads_with_a_warning_that_says_what_was_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    // The query's lines are not indented under `query: |`: strict YAML rejects the file.
    let path = write(dir.path(), "loose.yaml", "id: 12\nname: loose\ntactics:\n  - Discovery\nquery: |\nDeviceInfo\n| take 1\n");
    let rule = load_rule(&path).expect("the fallback reads it");
    assert_eq!(rule.tactics, ["Discovery"]);
    assert_eq!(rule.warnings.len(), 1, "{:?}", rule.warnings);
    assert!(rule.warnings[0].contains("read id, name, tactics, query line by line"), "{:?}", rule.warnings);
    let out = run(&["rules", "lint", path.to_str().expect("utf-8")]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("loose.yaml: warning: strict YAML rejects this file at line 7, column 1"), "{text}");
    assert_eq!(out.status.code(), Some(0), "a repaired file that plans is not a failure");
}

#[test]
fn sentinel_fields_are_read_whatever_their_shape() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = "id: 13\nname: full\nseverity: Medium\nkind: Scheduled\nversion: 1.0.2\ntactics: Execution\nrelevantTechniques:\n  - T1059\n\
                requiredDataConnectors:\n  - connectorId: MicrosoftThreatProtection\n    dataTypes:\n      - DeviceProcessEvents\n\
                entityMappings:\n  - entityType: Host\n    fieldMappings:\n      - identifier: HostName\n        columnName: DeviceName\n\
                query: |\n  DeviceProcessEvents | take 1\n";
    let rule = load_rule(&write(dir.path(), "full.yaml", text)).expect("loads");
    assert!(rule.warnings.is_empty(), "{:?}", rule.warnings);
    assert_eq!((rule.severity.as_str(), rule.kind.as_str(), rule.version.as_str()), ("Medium", "Scheduled", "1.0.2"));
    assert_eq!(rule.tactics, ["Execution"], "a single tactic given as a scalar");
    assert_eq!(rule.data_types, ["DeviceProcessEvents"]);
    assert_eq!(rule.connectors[0].id, "MicrosoftThreatProtection");
    assert_eq!(rule.entity_mappings[0]["fieldMappings"][0]["columnName"], "DeviceName");
}
