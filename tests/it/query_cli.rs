//! `lakehunt query --sql` end to end: formats (DESIGN.md §5), `--out`, exit statuses, and
//! the quick-start query over a generated lake.

use super::common::{run, shared_lake, truth};

fn lake_arg() -> String {
    shared_lake().to_str().expect("utf-8 path").to_string()
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn sql_counts_the_planted_dcomexec_commands() {
    // The number of cmd.exe processes of the dcomexec attacks the truth file lists (wmiexec
    // also writes to ADMIN$, but from WmiPrvSE.exe).
    let expected: usize = truth(shared_lake(), "planted.jsonl").iter().map(|p| p["Commands"].as_array().map_or(0, Vec::len)).sum();
    let out = run(&[
        "query", "--lake", &lake_arg(), "--sql", "--format", "csv",
        "SELECT count(*) AS n FROM DeviceProcessEvents WHERE FileName = 'cmd.exe' AND ProcessCommandLine LIKE '%ADMIN$%' \
         AND lower(InitiatingProcessFileName) IN ('explorer.exe', 'mmc.exe')",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(stdout(&out), format!("n\n{expected}\n"));
}

#[test]
fn jsonl_follows_the_value_rules() {
    // DESIGN.md §5: keys in column order, every column present; datetime as RFC 3339 with Z;
    // long as a number; null as null; NaN and infinities as strings; strings as strings.
    let out = run(&[
        "query", "--lake", &lake_arg(), "--sql", "--format", "jsonl",
        "SELECT 'b' AS z, CAST(7 AS BIGINT) AS a, CAST(NULL AS BIGINT) AS n, \
         TIMESTAMP '2026-11-27T10:00:00.1234567Z' AS t, CAST('NaN' AS DOUBLE) AS x, \
         CAST('-inf' AS DOUBLE) AS y, 1.5 AS r, true AS b",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        stdout(&out),
        "{\"z\":\"b\",\"a\":7,\"n\":null,\"t\":\"2026-11-27T10:00:00.1234567Z\",\"x\":\"NaN\",\"y\":\"-Infinity\",\"r\":1.5,\"b\":true}\n"
    );
}

#[test]
fn csv_and_table_print_the_same_cells() {
    let query = "SELECT 'a,b' AS s, TIMESTAMP '2026-11-27T10:00:00Z' AS t, CAST(NULL AS VARCHAR) AS e";
    let csv = run(&["query", "--lake", &lake_arg(), "--sql", "--format", "csv", query]);
    assert_eq!(stdout(&csv), "s,t,e\n\"a,b\",2026-11-27T10:00:00Z,\n");
    let table = run(&["query", "--lake", &lake_arg(), "--sql", query]);
    assert_eq!(stdout(&table), "s    t                     e\n---  --------------------  -\na,b  2026-11-27T10:00:00Z  \n");
    assert!(String::from_utf8_lossy(&table.stderr).contains("(1 row)"));
}

#[test]
fn out_writes_the_file_atomically_and_parquet_needs_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("rows.parquet");
    let out = run(&[
        "query", "--lake", &lake_arg(), "--sql", "--format", "parquet", "--out", file.to_str().expect("utf-8"),
        "SELECT DeviceName FROM DeviceInfo",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let reader = datafusion::parquet::file::reader::SerializedFileReader::new(std::fs::File::open(&file).expect("open")).expect("parquet");
    use datafusion::parquet::file::reader::FileReader;
    assert!(reader.metadata().file_metadata().num_rows() > 0);
    let names: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").flatten().map(|e| e.file_name()).collect();
    assert_eq!(names, vec![std::ffi::OsString::from("rows.parquet")], "no temporary left");

    let out = run(&["query", "--lake", &lake_arg(), "--sql", "--format", "parquet", "SELECT 1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--out"));
}

#[test]
fn exit_statuses_tell_usage_from_runtime_errors() {
    let missing = run(&["query", "--lake", "/nonexistent/lake", "--sql", "SELECT 1"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent/lake"));
    let bad_sql = run(&["query", "--lake", &lake_arg(), "--sql", "SELECT nope FROM DeviceInfo"]);
    assert_eq!(bad_sql.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad_sql.stderr).contains("nope"));
    let kql = run(&["query", "--lake", &lake_arg(), "DeviceInfo | take 1"]);
    assert_eq!(kql.status.code(), Some(0), "{}", String::from_utf8_lossy(&kql.stderr));
    // A query that does not plan is a runtime error that names the place.
    let bad_kql = run(&["query", "--lake", &lake_arg(), "DeviceInfo\n| where nope == 1"]);
    assert_eq!(bad_kql.status.code(), Some(1));
    let err = String::from_utf8_lossy(&bad_kql.stderr);
    assert!(err.contains("query:2:9: unknown column or name `nope`"), "{err}");
    assert!(err.contains("| where nope == 1\n        ^^^^"), "{err}");
    let bad_now = run(&["query", "--lake", &lake_arg(), "--now", "yesterday", "DeviceInfo"]);
    assert_eq!(bad_now.status.code(), Some(2));
    let unknown_flag = run(&["query", "--frobnicate"]);
    assert_eq!(unknown_flag.status.code(), Some(2));
}

#[test]
fn help_teaches_every_command() {
    let top = run(&["--help"]);
    assert!(top.status.success());
    let text = stdout(&top);
    for needle in ["gen", "query", "Examples:", "Exit status"] {
        assert!(text.contains(needle), "{needle} in --help");
    }
    for cmd in ["gen", "query", "translate"] {
        let help = stdout(&run(&[cmd, "--help"]));
        assert!(help.contains("Examples:"), "{cmd} --help has examples");
        // Every flag has a description: on its own line, or on the next when clap lays
        // the help out long.
        let lines: Vec<&str> = help.lines().collect();
        for (i, line) in lines.iter().enumerate().filter(|(_, l)| l.trim_start().starts_with("--")) {
            let same_line = line.split_whitespace().count() > 2;
            let next = lines.get(i + 1).map_or("", |n| n.trim());
            assert!(same_line || (!next.is_empty() && !next.starts_with('-')), "{cmd}: undocumented flag: {line}");
        }
    }
}

#[test]
fn the_readme_query_example_finds_the_planted_commands() {
    // The quick start's query example, run as written on data/lake, counts per device the
    // impacket cmd.exe processes that _truth/planted.jsonl lists.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README");
    let line = readme.lines().find(|l| l.starts_with("cargo run -q -- query ")).expect("quick start command");
    let query = line.trim_start_matches("cargo run -q -- query ").trim_matches('"');
    let lake = root.join("data/lake");
    let out = run(&["query", "--lake", lake.to_str().expect("utf-8"), "--format", "csv", query]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut expected: std::collections::BTreeMap<String, usize> = Default::default();
    for p in truth(&lake, "planted.jsonl") {
        if let Some(commands) = p["Commands"].as_array() {
            *expected.entry(p["DeviceName"].as_str().unwrap_or_default().to_string()).or_default() += commands.len();
        }
    }
    let mut text = String::from("DeviceName,dcomexec_commands\n");
    for (device, n) in expected {
        text.push_str(&format!("{device},{n}\n"));
    }
    assert_eq!(stdout(&out), text);
}

#[test]
fn a_batch_returns_one_result_set_per_tabular_statement() {
    // batches.md: each tabular statement of a batch is a result set, in order, and a `let`
    // is visible to every statement after it.
    let kql = "let n = 2; print a = n; print b = n * 10, c = 'x'";
    let jsonl = run(&["query", "--lake", &lake_arg(), "--format", "jsonl", kql]);
    assert!(jsonl.status.success(), "{}", String::from_utf8_lossy(&jsonl.stderr));
    assert_eq!(stdout(&jsonl), "{\"a\":2}\n{\"b\":20,\"c\":\"x\"}\n");
    let table = run(&["query", "--lake", &lake_arg(), kql]);
    assert_eq!(stdout(&table), "a\n-\n2\n\nb   c\n--  -\n20  x\n");
    assert!(String::from_utf8_lossy(&table.stderr).contains("(2 result sets: 1 row, 1 row)"));
    // csv holds one result set: a usage error, not two headers in one file.
    let csv = run(&["query", "--lake", &lake_arg(), "--format", "csv", kql]);
    assert_eq!(csv.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&csv.stderr).contains("2 result sets"), "{}", String::from_utf8_lossy(&csv.stderr));
}

#[test]
fn translate_prints_a_batch_that_query_sql_runs_again() {
    let sql = run(&["translate", "--kql", "print a = 1; print b = 'two'"]);
    assert!(sql.status.success(), "{}", String::from_utf8_lossy(&sql.stderr));
    let text = stdout(&sql);
    assert_eq!(text.matches("SELECT").count(), 2, "{text}");
    let rows = run(&["query", "--lake", &lake_arg(), "--sql", "--format", "jsonl", &text]);
    assert!(rows.status.success(), "{}", String::from_utf8_lossy(&rows.stderr));
    assert_eq!(stdout(&rows), "{\"a\":1}\n{\"b\":\"two\"}\n");
}

#[test]
fn translate_survives_a_deeply_nested_rule() {
    // This corpus rule's plan nests about forty subqueries; unparsing it overflowed the
    // 8 MiB main-thread stack before commands ran on a thread of their own.
    let rule = super::common::shared().join("corpus/ms-m365d-hunting/Ransomware__Check_for_multiple_signs_of_ransomware_activity.yaml");
    let out = run(&["translate", "--now", "2026-11-28T00:00:00Z", rule.to_str().expect("utf-8")]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout(&out).matches("SELECT").count() > 30);
}
