//! Runs the `.slt` files under `tests/slt`: sqllogictest records with KQL in them.
//!
//! ```text
//! # a comment
//! query TI rowsort
//! datatable(a:string, n:long)["x", 1] | extend m = n + 1
//! ----
//! x 1 2
//!
//! statement error unknown column
//! datatable(a:string)["x"] | project b
//! ```
//!
//! `query` checks the column count against its type letters and compares rows as text:
//! cells joined by one space, `NULL` for null, `(empty)` for an empty string, datetimes
//! and timespans as Kusto prints them, dynamic values as compact JSON, bools as
//! `true`/`false`. `rowsort` sorts both sides first; otherwise order counts. `statement
//! error TEXT` requires planning or running to fail with a message containing TEXT;
//! `statement ok` requires success.

use std::path::{Path, PathBuf};

use datafusion::arrow::array::RecordBatch;
use lakehunt::conformance::session;
use lakehunt::output::value::cell_text;
use lakehunt::plan::{PlanContext, plan_kql};

/// `now()` in every file: 2026-11-27T00:00:00Z.
const NOW: i64 = 1_795_737_600_000_000_000;

#[derive(Debug)]
enum Record {
    Query { line: usize, types: String, rowsort: bool, kql: String, expected: Vec<String> },
    Error { line: usize, needle: String, kql: String },
    Ok { line: usize, kql: String },
}

fn parse_file(text: &str) -> Vec<Record> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim_end();
        let start = i + 1;
        i += 1;
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut body = Vec::new();
        while i < lines.len() && !lines[i].trim().is_empty() && lines[i].trim_end() != "----" {
            body.push(lines[i]);
            i += 1;
        }
        let kql = body.join("\n");
        if let Some(rest) = line.strip_prefix("query ") {
            let mut words = rest.split_whitespace();
            let types = words.next().unwrap_or_default().to_string();
            let rowsort = words.next() == Some("rowsort");
            let mut expected = Vec::new();
            if i < lines.len() && lines[i].trim_end() == "----" {
                i += 1;
                while i < lines.len() && !lines[i].trim().is_empty() {
                    expected.push(lines[i].trim_end().to_string());
                    i += 1;
                }
            }
            out.push(Record::Query { line: start, types, rowsort, kql, expected });
        } else if let Some(needle) = line.strip_prefix("statement error") {
            out.push(Record::Error { line: start, needle: needle.trim().to_string(), kql });
        } else if line == "statement ok" {
            out.push(Record::Ok { line: start, kql });
        } else {
            panic!("line {start}: unknown record `{line}`");
        }
    }
    out
}

async fn run(kql: &str) -> Result<(usize, Vec<String>), String> {
    let ctx = session();
    let cx = PlanContext::in_memory(NOW);
    let plan = plan_kql(kql, &cx).map_err(|e| e.to_string())?;
    let width = plan.schema().fields().len();
    let batches: Vec<RecordBatch> = ctx
        .execute_logical_plan(plan)
        .await
        .map_err(|e| e.strip_backtrace())?
        .collect()
        .await
        .map_err(|e| e.strip_backtrace())?;
    let mut rows = Vec::new();
    for b in &batches {
        let kinds: Vec<_> = b.schema().fields().iter().map(|f| Some(lakehunt::catalog::field_type(f))).collect();
        for r in 0..b.num_rows() {
            let cells: Vec<String> = b
                .columns()
                .iter()
                .zip(&kinds)
                .map(|(c, k)| {
                    use datafusion::arrow::array::Array;
                    if c.is_null(r) {
                        return "NULL".to_string();
                    }
                    let t = cell_text(c, r, *k);
                    if t.is_empty() { "(empty)".to_string() } else { t }
                })
                .collect();
            rows.push(cells.join(" "));
        }
    }
    Ok((width, rows))
}

async fn check(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).expect("read slt");
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut failures = Vec::new();
    for record in parse_file(&text) {
        match record {
            Record::Query { line, types, rowsort, kql, mut expected } => match run(&kql).await {
                Err(e) => failures.push(format!("{name}:{line}: {e}")),
                Ok((width, mut rows)) => {
                    if width != types.len() {
                        failures.push(format!("{name}:{line}: {width} columns, the record says {}", types.len()));
                    }
                    if rowsort {
                        rows.sort();
                        expected.sort();
                    }
                    if rows != expected {
                        failures.push(format!("{name}:{line}: got\n{}\nexpected\n{}", rows.join("\n"), expected.join("\n")));
                    }
                }
            },
            Record::Error { line, needle, kql } => match run(&kql).await {
                Ok(_) => failures.push(format!("{name}:{line}: expected an error containing {needle:?}, got rows")),
                Err(e) if !e.contains(&needle) => failures.push(format!("{name}:{line}: error {e:?} lacks {needle:?}")),
                Err(_) => {}
            },
            Record::Ok { line, kql } => {
                if let Err(e) = run(&kql).await {
                    failures.push(format!("{name}:{line}: {e}"));
                }
            }
        }
    }
    failures
}

fn slt_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/slt");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/slt")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "slt"))
        .collect();
    files.sort();
    files
}

#[tokio::test]
async fn slt_files_pass() {
    let files = slt_files();
    assert!(files.len() >= 10, "the trap files are there");
    let mut failures = Vec::new();
    let mut records = 0;
    for f in &files {
        records += parse_file(&std::fs::read_to_string(f).expect("read")).len();
        failures.extend(check(f).await);
    }
    assert!(records > 50, "{records} records");
    assert!(failures.is_empty(), "{} failing records:\n\n{}", failures.len(), failures.join("\n\n"));
}
