//! `lakehunt ingest` and `compact`: the real samples, a round trip through both export
//! formats, malformed input, idempotence, interrupted runs and compaction.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use lakehunt::catalog::Catalog;
use lakehunt::ingest::Format;
use lakehunt::ingest::export::export_table;

use super::common::{END_TEXT, files_under, gen_lake, run, shared};

fn samples() -> PathBuf {
    shared().join("reference/samples")
}

fn lake_arg(lake: &Path) -> String {
    lake.display().to_string()
}

/// Runs `ingest --lake LAKE ARGS...`, returning (exit code, stdout, stderr).
fn ingest(lake: &Path, args: &[&str]) -> (i32, String, String) {
    let lake = lake_arg(lake);
    let mut all = vec!["ingest", "--lake", lake.as_str()];
    all.extend_from_slice(args);
    let out = run(&all);
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// The rows of a KQL query over `lake` as JSON lines, sorted (for order-free comparison).
fn rows(lake: &Path, kql: &str) -> Vec<String> {
    let lake = lake_arg(lake);
    let out = run(&["query", "--lake", lake.as_str(), "--now", END_TEXT, "--format", "jsonl", kql]);
    assert!(out.status.success(), "{kql}: {}", String::from_utf8_lossy(&out.stderr));
    let mut lines: Vec<String> = String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect();
    lines.sort();
    lines
}

fn count(lake: &Path, table: &str) -> usize {
    let r = rows(lake, &format!("{table} | count"));
    let v: serde_json::Value = serde_json::from_str(&r[0]).expect("json");
    v["Count"].as_u64().expect("count") as usize
}

/// The quarantine entries of a lake, in file order.
fn quarantined(lake: &Path) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    for f in files_under(&lake.join("_quarantine")) {
        let text = std::fs::read_to_string(&f).expect("read quarantine");
        out.extend(text.lines().map(|l| serde_json::from_str::<serde_json::Value>(l).expect("quarantine line is JSON")));
    }
    out
}

fn reasons(entries: &[serde_json::Value]) -> Vec<String> {
    let mut r: Vec<String> = entries.iter().map(|e| e["reason"].as_str().unwrap_or_default().to_string()).collect();
    r.sort();
    r
}

fn visible_parquet(lake: &Path) -> Vec<PathBuf> {
    files_under(lake).into_iter().filter(|p| p.extension().is_some_and(|e| e == "parquet") && !p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.'))).collect()
}

#[test]
fn the_real_samples_ingest_with_the_counts_they_hold() {
    let dir = tempfile::tempdir().expect("temp dir");
    let lake = dir.path().join("lake");
    let samples = samples();
    let (code, stdout, stderr) = ingest(&lake, &[samples.to_str().expect("utf-8 path")]);
    // The CSV sample is a lookup table, not one Defender table: without --table it fails,
    // and that makes the exit status 1. SOURCES.md is not an export file name.
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stderr.contains("splunk_ta_m365d_actiontype_vendor_description.csv: csv input names no table"), "{stderr}");
    assert!(stdout.contains("SOURCES.md  skipped: not an export file name"), "{stdout}");
    // One record in each JSON sample; the EmailEvents one has a trailing comma (SOURCES.md).
    assert_eq!(count(&lake, "DeviceProcessEvents"), 1);
    assert_eq!(count(&lake, "AlertInfo"), 1);
    assert_eq!(count(&lake, "AlertEvidence"), 1);
    assert_eq!(count(&lake, "EmailEvents"), 0);
    let q = quarantined(&lake);
    assert_eq!(reasons(&q), ["invalid JSON"]);
    assert!(q[0]["file"].as_str().is_some_and(|f| f.ends_with("streaming_EmailEvents_splunkTA.json")));
    assert_eq!(q[0]["line"], 1);
    assert!(q[0]["detail"].as_str().is_some_and(|d| d.contains("trailing comma before `}` at line 40 column 4")), "{}", q[0]);
    assert!(q[0]["record"].as_str().is_some_and(|r| r.contains("Need dogfood ASAP?") && r.ends_with("\"2021-06-21T18:39:44.2979096Z\"\n}")), "the whole record is kept");
    // Values as the sample file spells them.
    let dpe = rows(&lake, "DeviceProcessEvents | project Timestamp, ReportId, ProcessId, LogonId, FileSize, AppGuardContainerId, AccountUpn, ProcessCreationTime, InitiatingProcessParentFileName, date");
    assert_eq!(
        dpe,
        [r#"{"Timestamp":"2021-04-14T18:49:17.7849324Z","ReportId":30779,"ProcessId":40288,"LogonId":999,"FileSize":71168,"AppGuardContainerId":"","AccountUpn":"","ProcessCreationTime":"2021-04-14T18:49:17.528333Z","InitiatingProcessParentFileName":"AgentExecutor.exe","date":"2021-04-14"}"#]
    );
    let evidence = rows(&lake, "AlertEvidence | project Host = tostring(parse_json(AdditionalFields).HostName), EntityType, SHA1");
    assert_eq!(evidence, [r#"{"Host":"win-dspitz","EntityType":"Machine","SHA1":""}"#]);
    // The null MachineGroup says nothing, so no _extra column was needed.
    assert!(!stdout.contains("unknown columns"), "{stdout}");

    // The EmailEvents record with its trailing comma removed ingests, objects and all.
    let fixed = dir.path().join("email.json");
    let text = std::fs::read_to_string(samples.join("streaming_EmailEvents_splunkTA.json")).expect("read sample");
    std::fs::write(&fixed, text.replace("\"UserLevelPolicy\": null,", "\"UserLevelPolicy\": null")).expect("write");
    let (code, stdout, _) = ingest(&lake, &[fixed.to_str().expect("utf-8")]);
    assert_eq!(code, 0, "{stdout}");
    let email = rows(&lake, "EmailEvents | project Timestamp, ReportId, EmailClusterId, Phish = tostring(parse_json(ConfidenceLevel).Phish), ThreatTypes");
    assert_eq!(email, [r#"{"Timestamp":"2021-06-21T18:34:06Z","ReportId":"1ecd7b63-c817-437f-a571-2615776a3eb9-14781866014961308009-1","EmailClusterId":2887796428,"Phish":"Normal","ThreatTypes":"Phish, Spam"}"#]);

    // The lookup CSV as DeviceEvents: 263 rows, none with a Timestamp.
    let other = dir.path().join("other");
    let csv = samples.join("splunk_ta_m365d_actiontype_vendor_description.csv");
    let (code, stdout, _) = ingest(&other, &["--table", "DeviceEvents", csv.to_str().expect("utf-8")]);
    assert_eq!(code, 3, "{stdout}");
    let q = quarantined(&other);
    assert_eq!(q.len(), 263);
    assert!(q.iter().all(|e| e["reason"] == "missing Timestamp" && e["table"] == "DeviceEvents"));
    assert_eq!(q[0]["line"], 2);
    // The record as the file has it.
    let second_line = std::fs::read_to_string(&csv).expect("read sample").lines().nth(1).map(str::to_string);
    assert_eq!(q[0]["record"].as_str().map(str::to_string), second_line);
    assert!(q[0]["record"].as_str().is_some_and(|r| r.starts_with("\"AccountCheckedForBlankPassword\",")), "{}", q[0]["record"]);
}

/// Exports every table of `lake` into `dir`, one file per table, as `format`.
fn export_all(lake: &Path, dir: &Path, format: Format, ext: &str) -> Vec<(String, PathBuf, usize)> {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let mut out = Vec::new();
    for table in Catalog.tables() {
        let path = dir.join(format!("{}.{ext}", table.name));
        let mut file = std::fs::File::create(&path).expect("create export");
        let n = rt.block_on(export_table(lake, table.name, format, &mut file)).expect("export");
        file.flush().expect("flush");
        if n > 0 {
            out.push((table.name.to_string(), path, n));
        } else {
            std::fs::remove_file(&path).expect("remove empty export");
        }
    }
    out
}

#[test]
fn a_generated_lake_survives_a_round_trip_through_both_export_formats() {
    let dir = tempfile::tempdir().expect("temp dir");
    let original = dir.path().join("original");
    gen_lake(&original, 2, 1, 3);
    let exports = dir.path().join("exports");
    std::fs::create_dir_all(exports.join("stream")).expect("mkdir");
    std::fs::create_dir_all(exports.join("csv")).expect("mkdir");
    let stream = export_all(&original, &exports.join("stream"), Format::Stream, "json");
    let csv = export_all(&original, &exports.join("csv"), Format::Csv, "csv");
    assert!(stream.len() >= 7, "every event table has rows: {stream:?}");

    // All streaming files in one run, gzip'd and plain mixed: each record names its table.
    let gz = &stream[0].1;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(&std::fs::read(gz).expect("read")).expect("gzip");
    std::fs::write(gz.with_extension("json.gz"), enc.finish().expect("gzip")).expect("write");
    std::fs::remove_file(gz).expect("remove plain");
    let from_stream = dir.path().join("from-stream");
    let (code, stdout, stderr) = ingest(&from_stream, &[exports.join("stream").to_str().expect("utf-8")]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("detected: Streaming API records, gzip"), "{stdout}");

    // CSV names no table: one run per file.
    let from_csv = dir.path().join("from-csv");
    for (table, path, _) in &csv {
        let (code, stdout, stderr) = ingest(&from_csv, &["--table", table, path.to_str().expect("utf-8")]);
        assert_eq!(code, 0, "{stdout}{stderr}");
        assert!(stdout.contains("csv (detected: CSV with a header row)"), "{stdout}");
    }

    // All records in one file in reverse order: every table's rows arrive out of time order,
    // are reordered at each flush of a few hundred rows, and must come out the same (the
    // unit tests of `ingest::columns` cover the cut into days).
    let mut lines: Vec<String> = Vec::new();
    // (The first export's plain file became its gzip copy above.)
    for (_, path, _) in &stream[1..] {
        lines.extend(std::fs::read_to_string(path).expect("read").lines().map(str::to_string));
    }
    lines.reverse();
    let reversed = dir.path().join("reversed.json");
    std::fs::write(&reversed, lines.join("\n") + "\n").expect("write");
    let from_reversed = dir.path().join("from-reversed");
    let (code, stdout, stderr) = ingest(&from_reversed, &["--batch-rows", "300", reversed.to_str().expect("utf-8")]);
    assert_eq!(code, 0, "{stdout}{stderr}");

    for (k, (table, _, n)) in stream.iter().enumerate() {
        let all = format!("{table}");
        let want = rows(&original, &all);
        assert_eq!(want.len(), *n);
        assert_eq!(rows(&from_stream, &all), want, "{table} through streaming JSON");
        assert_eq!(rows(&from_csv, &all), want, "{table} through CSV");
        if k > 0 {
            assert_eq!(rows(&from_reversed, &all), want, "{table} through reversed streaming JSON");
        }
    }
    // The same findings, too.
    let hunt = |lake: &Path| {
        let lake = lake_arg(lake);
        let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
        let out = run(&["hunt", "--lake", lake.as_str(), "--rules", rules.to_str().expect("utf-8"), "--now", END_TEXT, "--format", "jsonl", "-q"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let findings = hunt(&original);
    assert!(findings.lines().count() > 0, "the generated lake has planted attacks");
    assert_eq!(hunt(&from_stream), findings);
}

/// One JSON line of a streaming record of DeviceProcessEvents.
fn process_record(time: &str, report: i64, extra: &str) -> String {
    format!(
        r#"{{"time":"{time}","tenantId":"t","category":"AdvancedHunting-DeviceProcessEvents","properties":{{"Timestamp":"{time}","DeviceName":"wks-1","ReportId":{report},"FileName":"cmd.exe"{extra}}}}}"#
    )
}

fn malformed_corpus() -> (Vec<u8>, usize) {
    let mut text = String::new();
    let mut good = 0;
    let mut line = |s: &str, is_good: bool| {
        text.push_str(s);
        text.push('\n');
        good += usize::from(is_good);
    };
    line(&process_record("2026-11-20T10:00:00Z", 1, ""), true);
    line(&process_record("2026-11-20T10:00:01Z", 2, "")[..90], false); // truncated
    line(&process_record("2026-11-20T10:00:02Z", 3, r#","ProcessId":"four""#), false); // wrong type
    line(&process_record("2026-11-20T10:00:03Z", 4, r#","ProcessId":"4","IsNewColumn":true"#), true);
    line(r#"{"category":"AdvancedHunting-DeviceProcessEvents","properties":{"DeviceName":"no-time"}}"#, false);
    line(r#"{"category":"AdvancedHunting-SomethingNew","properties":{"Timestamp":"2026-11-20T10:00:05Z"}}"#, false);
    line("42", false);
    line(&process_record("2026-11-20T10:00:06.1234567Z", 301_234_567_890_123_456, ""), true);
    line("\u{1}\u{2}garbage\u{7f} not json at all", false);
    line("{", true); // a pretty-printed record over several lines
    line(r#"  "category": "AdvancedHunting-DeviceProcessEvents","#, false);
    line(r#"  "properties": {"Timestamp": "2026-11-20T10:00:07Z", "ReportId": "7"}"#, false);
    line("}", false);
    let huge = format!(r#"{{"category":"AdvancedHunting-DeviceProcessEvents","properties":{{"Timestamp":"2026-11-20T10:00:08Z","ProcessCommandLine":"{}"}}}}"#, "A".repeat(17 << 20));
    line(&huge, false);
    line(&process_record("2026-11-20T10:00:09Z", 9, ""), true);
    let mut bytes = text.into_bytes();
    // Binary garbage that is not UTF-8 at all.
    bytes.extend_from_slice(&[0xff, 0xfe, 0x00, 0x9c, b'\n']);
    bytes.extend_from_slice(process_record("2026-11-20T10:00:10Z", 10, "").as_bytes());
    bytes.push(b'\n');
    (bytes, good + 1)
}

#[test]
fn malformed_records_are_quarantined_with_their_reasons_and_the_rest_survives() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (bytes, good) = malformed_corpus();
    let input = dir.path().join("bad.json");
    std::fs::write(&input, &bytes).expect("write");
    let lake = dir.path().join("lake");
    let (code, stdout, stderr) = ingest(&lake, &[input.to_str().expect("utf-8")]);
    assert_eq!(code, 3, "quarantine gives exit status 3: {stdout}{stderr}");
    assert_eq!(count(&lake, "DeviceProcessEvents"), good);
    let reports = rows(&lake, "DeviceProcessEvents | project ReportId");
    assert!(reports.contains(&r#"{"ReportId":301234567890123456}"#.to_string()), "18-digit ReportId exact: {reports:?}");
    assert!(reports.contains(&r#"{"ReportId":7}"#.to_string()), "the pretty-printed record, ReportId from a string");
    let extra = rows(&lake, "DeviceProcessEvents | where isnotnull(_extra) | project ReportId, _extra");
    assert_eq!(extra, [r#"{"ReportId":4,"_extra":{"IsNewColumn":true}}"#]);
    assert!(stdout.contains("DeviceProcessEvents.IsNewColumn  1 row"), "{stdout}");

    let q = quarantined(&lake);
    assert_eq!(reasons(&q), ["invalid JSON", "invalid JSON", "missing Timestamp", "not a record", "record too long", "truncated record", "unknown category", "wrong type"]);
    let by_reason = |r: &str| q.iter().find(|e| e["reason"] == r).expect("an entry");
    assert_eq!(by_reason("truncated record")["line"], 2);
    assert_eq!(by_reason("wrong type")["line"], 3);
    assert!(by_reason("wrong type")["detail"].as_str().is_some_and(|d| d.contains("ProcessId is long, but found text \"four\"")));
    assert_eq!(by_reason("missing Timestamp")["line"], 5);
    assert_eq!(by_reason("unknown category")["line"], 6);
    assert_eq!(by_reason("not a record")["line"], 7);
    assert_eq!(by_reason("record too long")["line"], 14);
    assert_eq!(by_reason("record too long")["record"].as_str().map(str::len), Some(64 << 10));
    let lines: Vec<u64> = q.iter().filter(|e| e["reason"] == "invalid JSON").filter_map(|e| e["line"].as_u64()).collect();
    assert_eq!(lines, [9, 16]);
    assert!(q.iter().all(|e| e["file"].as_str().is_some_and(|f| f.ends_with("bad.json"))));
    assert!(stdout.contains("wrong type"), "the summary counts per reason: {stdout}");

    // The same bytes gzip'd give the same rows and reasons; a truncated gzip keeps the rows
    // before the cut and quarantines the rest as unreadable.
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(&bytes).expect("gzip");
    let gz = enc.finish().expect("gzip");
    let gz_path = dir.path().join("bad.json.gz");
    std::fs::write(&gz_path, &gz).expect("write");
    let lake2 = dir.path().join("lake2");
    let (code, _, _) = ingest(&lake2, &[gz_path.to_str().expect("utf-8")]);
    assert_eq!(code, 3);
    assert_eq!(count(&lake2, "DeviceProcessEvents"), good);
    assert_eq!(reasons(&quarantined(&lake2)), reasons(&q));
    let cut_path = dir.path().join("cut.json.gz");
    std::fs::write(&cut_path, &gz[..gz.len() / 2]).expect("write");
    let lake3 = dir.path().join("lake3");
    let (code, _, _) = ingest(&lake3, &[cut_path.to_str().expect("utf-8")]);
    assert_eq!(code, 3);
    let q3 = quarantined(&lake3);
    assert!(q3.iter().any(|e| e["reason"] == "unreadable input"), "{q3:?}");
    assert!(count(&lake3, "DeviceProcessEvents") >= 1);

    // A binary file is not an export; it fails alone.
    let bin = dir.path().join("blob.json");
    std::fs::write(&bin, [0u8, 159, 146, 150, 0, 1, 2]).expect("write");
    let (code, _, stderr) = ingest(&dir.path().join("lake4"), &[bin.to_str().expect("utf-8"), input.to_str().expect("utf-8")]);
    assert_eq!(code, 1);
    assert!(stderr.contains("blob.json: binary data"), "{stderr}");
    assert_eq!(count(&dir.path().join("lake4"), "DeviceProcessEvents"), good);
}

#[test]
fn csv_cells_convert_by_column_type() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("export.csv");
    let csv = "\u{feff}Timestamp,DeviceName,ReportId,IsLocalAdmin,AdditionalFields,Vendor\n\
        2026-11-20T10:00:00.5Z,wks-1,301234567890123456,True,\"{\"\"IsLocalLogon\"\":true}\",acme\n\
        2026-11-20T10:00:01Z,,,,,\n\
        2026-11-20T10:00:02Z,wks-2,12,maybe,,\n\
        2026-11-20T10:00:03Z,wks-3\n";
    std::fs::write(&input, csv).expect("write");
    let lake = dir.path().join("lake");
    let (code, stdout, _) = ingest(&lake, &["--table", "DeviceLogonEvents", input.to_str().expect("utf-8")]);
    assert_eq!(code, 3, "{stdout}");
    let got = rows(&lake, "DeviceLogonEvents | project Timestamp, DeviceName, ReportId, IsLocalAdmin, AdditionalFields, _extra");
    assert_eq!(
        got,
        [
            r#"{"Timestamp":"2026-11-20T10:00:00.5Z","DeviceName":"wks-1","ReportId":301234567890123456,"IsLocalAdmin":true,"AdditionalFields":"{\"IsLocalLogon\":true}","_extra":{"Vendor":"acme"}}"#,
            r#"{"Timestamp":"2026-11-20T10:00:01Z","DeviceName":"","ReportId":null,"IsLocalAdmin":null,"AdditionalFields":"","_extra":null}"#,
        ]
    );
    assert_eq!(reasons(&quarantined(&lake)), ["wrong number of CSV fields", "wrong type"]);
}

#[test]
fn a_csv_quote_that_does_not_close_costs_only_its_line_and_crlf_lines_are_placed_right() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("logons.csv");
    // CRLF line ends; a field over two lines, with a quote in it; a quote that never closes.
    let lines = [
        "Timestamp,DeviceName,AdditionalFields",
        "2026-11-20T10:00:00Z,wks-1,\"two\r\nlines, \"\"quoted\"\"\"",
        "2026-11-20T10:00:01Z,\"unclosed",
        "2026-11-20T10:00:02Z,wks-2,",
        "not,a,row,at all",
        "2026-11-20T10:00:03Z,wks-3,",
    ];
    let text = lines.join("\r\n") + "\r\n";
    std::fs::write(&input, &text).expect("write");
    let lake = dir.path().join("lake");
    let (code, stdout, _) = ingest(&lake, &["--table", "DeviceLogonEvents", input.to_str().expect("utf-8")]);
    assert_eq!(code, 3, "{stdout}");
    let got = rows(&lake, "DeviceLogonEvents | project DeviceName, AdditionalFields");
    assert_eq!(
        got,
        [
            r#"{"DeviceName":"wks-1","AdditionalFields":"two\r\nlines, \"quoted\""}"#,
            r#"{"DeviceName":"wks-2","AdditionalFields":""}"#,
            r#"{"DeviceName":"wks-3","AdditionalFields":""}"#,
        ]
    );
    let entries = quarantined(&lake);
    let at = |needle: &str| {
        let start = text.find(needle).expect("in the file");
        (Some(text[..start].matches('\n').count() as u64 + 1), Some(start as u64))
    };
    let placed: Vec<(String, Option<u64>, Option<u64>)> = entries.iter().map(|e| (e["reason"].as_str().unwrap_or_default().to_string(), e["line"].as_u64(), e["offset"].as_u64())).collect();
    let (unclosed, not_a_row) = (at("2026-11-20T10:00:01Z"), at("not,a,row"));
    assert_eq!(placed, [("unclosed quote".to_string(), unclosed.0, unclosed.1), ("wrong number of CSV fields".to_string(), not_a_row.0, not_a_row.1)]);
    assert_eq!(entries[0]["record"], "2026-11-20T10:00:01Z,\"unclosed");
}

#[test]
fn a_csv_carriage_return_alone_ends_no_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let lake = dir.path().join("lake");
    // Inside a row: text, so the row has a field too many and is quarantined, not cut.
    let inside = dir.path().join("inside.csv");
    std::fs::write(&inside, "Timestamp,DeviceName\n2026-11-20T10:00:00Z,a\r2026-11-20T10:00:01Z,b\n2026-11-20T10:00:02Z,c\n").expect("write");
    let (code, stdout, _) = ingest(&lake, &["--table", "DeviceLogonEvents", inside.to_str().expect("utf-8")]);
    assert_eq!(code, 3, "{stdout}");
    assert_eq!(rows(&lake, "DeviceLogonEvents | project DeviceName"), [r#"{"DeviceName":"c"}"#]);
    assert_eq!(reasons(&quarantined(&lake)), ["wrong number of CSV fields"]);
    // Lines that all end in CR alone: the file is refused, not read as one header.
    let mac = dir.path().join("mac.csv");
    std::fs::write(&mac, "Timestamp,DeviceName\r2026-11-20T10:00:03Z,d\r").expect("write");
    let (code, stdout, _) = ingest(&lake, &["--table", "DeviceLogonEvents", mac.to_str().expect("utf-8")]);
    assert_eq!(code, 3, "{stdout}");
    let entries = quarantined(&lake);
    assert!(entries.iter().any(|e| e["detail"].as_str().is_some_and(|d| d.contains("carriage return"))), "{entries:?}");
}

#[test]
fn a_csv_time_generated_that_is_no_datetime_is_kept_in_extra() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("logons.csv");
    std::fs::write(&input, "Timestamp,TimeGenerated,DeviceName\n2026-11-20T10:00:00Z,soon,wks-1\n").expect("write");
    let lake = dir.path().join("lake");
    let (code, stdout, _) = ingest(&lake, &["--table", "DeviceLogonEvents", input.to_str().expect("utf-8")]);
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(rows(&lake, "DeviceLogonEvents | project DeviceName, _extra"), [r#"{"DeviceName":"wks-1","_extra":{"TimeGenerated":"soon"}}"#]);
}

/// `<dir>/a.json`: one process record on each of two days.
fn two_days(dir: &Path) -> PathBuf {
    let a = dir.join("a.json");
    std::fs::write(&a, format!("{}\n{}\n", process_record("2026-11-20T10:00:00Z", 1, ""), process_record("2026-11-21T10:00:00Z", 2, ""))).expect("write");
    a
}

#[test]
fn ingesting_the_same_bytes_again_adds_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let a = two_days(dir.path());
    let copy = dir.path().join("copy-of-a.json");
    std::fs::copy(&a, &copy).expect("copy");
    let lake = dir.path().join("lake");
    let (code, stdout, _) = ingest(&lake, &[a.to_str().expect("utf-8"), copy.to_str().expect("utf-8")]);
    assert_eq!(code, 0);
    assert!(stdout.contains("copy-of-a.json  skipped: same bytes as"), "{stdout}");
    assert_eq!(count(&lake, "DeviceProcessEvents"), 2);
    let (code, stdout, _) = ingest(&lake, &[dir.path().join("*.json").to_str().expect("utf-8")]);
    assert_eq!(code, 0);
    assert!(stdout.contains("ingest (nothing new): 0 files read, 2 skipped"), "{stdout}");
    assert_eq!(count(&lake, "DeviceProcessEvents"), 2);
    assert_eq!(visible_parquet(&lake).len(), 2, "one file per day partition");
}

/// A streaming export big enough that an ingest of it takes a while: the event tables of a
/// generated lake, in one file.
fn big_export(dir: &Path) -> (PathBuf, usize) {
    let lake = dir.join("source");
    gen_lake(&lake, 4, 1, 5);
    let parts = dir.join("parts");
    std::fs::create_dir_all(&parts).expect("mkdir");
    let exported = export_all(&lake, &parts, Format::Stream, "json");
    let path = dir.join("big.json");
    let mut out = std::fs::File::create(&path).expect("create");
    let mut total = 0;
    for (_, p, n) in &exported {
        out.write_all(&std::fs::read(p).expect("read")).expect("write");
        total += n;
    }
    (path, total)
}

fn total_rows(lake: &Path) -> usize {
    Catalog.tables().iter().map(|t| count(lake, t.name)).sum()
}

#[test]
fn an_ingest_killed_with_sigkill_leaves_the_lake_whole_and_a_rerun_completes_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (input, total) = big_export(dir.path());
    let mut killed_midway = 0;
    for (i, delay_ms) in [150u64, 600, 1500].into_iter().enumerate() {
        let lake = dir.path().join(format!("lake{i}"));
        let lake_s = lake_arg(&lake);
        let mut child = super::common::bin()
            .args(["ingest", "--lake", lake_s.as_str(), "--batch-rows", "2000", "-q", input.to_str().expect("utf-8")])
            .spawn()
            .expect("spawn ingest");
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        // Child::kill is SIGKILL on Unix: no destructor, no cleanup runs.
        let _ = child.kill();
        let status = child.wait().expect("wait");
        killed_midway += usize::from(status.code().is_none());
        let pending = files_under(&lake).iter().filter(|p| p.to_string_lossy().ends_with(".pending")).count();
        eprintln!("killed at {delay_ms} ms: {status}, {pending} pending files");
        if lake.exists() {
            let n = total_rows(&lake);
            assert!(n == 0 || n == total, "after the kill at {delay_ms} ms ({status}), the lake holds all rows or none: {n} of {total}");
        }
        let (code, stdout, stderr) = ingest(&lake, &[input.to_str().expect("utf-8")]);
        assert_eq!(code, 0, "{stdout}{stderr}");
        assert_eq!(total_rows(&lake), total, "after the rerun (killed at {delay_ms} ms)");
        let leftovers: Vec<PathBuf> = files_under(&lake).into_iter().filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.ends_with(".pending") || n.ends_with(".tmp"))).collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }
    assert!(killed_midway > 0, "no kill landed while the ingest ran");
}

#[test]
fn a_run_interrupted_before_or_after_its_commit_point_is_undone_or_finished() {
    let dir = tempfile::tempdir().expect("temp dir");
    let a = two_days(dir.path());
    let lake = dir.path().join("lake");
    assert_eq!(ingest(&lake, &["--batch-rows", "1", a.to_str().expect("utf-8")]).0, 0);
    let files = visible_parquet(&lake);
    assert_eq!(files.len(), 2);
    let marker = lake.join("_ingest/publishing");
    // Put the lake back as a crash between the log record and the renames leaves it: the
    // files pending, and the marker of a publish in progress in place.
    let crash = || {
        for f in &files {
            let name = f.file_name().and_then(|n| n.to_str()).expect("name");
            std::fs::rename(f, f.with_file_name(format!(".{name}.pending"))).expect("rename");
        }
        std::fs::write(&marker, "").expect("marker");
    };
    // A query finishes the publish before it reads.
    crash();
    assert_eq!(count(&lake, "DeviceProcessEvents"), 2, "the committed run was finished by the reader");
    assert!(!marker.exists());
    assert_eq!(visible_parquet(&lake), files);
    // So does the next ingest.
    crash();
    let (code, stdout, _) = ingest(&lake, &[a.to_str().expect("utf-8")]);
    assert_eq!(code, 0);
    assert!(stdout.contains("skipped: already ingested"), "{stdout}");
    assert_eq!(visible_parquet(&lake), files, "the committed run was finished by the writer");

    // And as a crash before the log record: the run never happened.
    crash();
    for record in files_under(&lake.join("_ingest/log")) {
        std::fs::remove_file(record).expect("remove log record");
    }
    assert_eq!(count(&lake, "DeviceProcessEvents"), 0, "the reader removed the files no run committed");
    let pending: Vec<PathBuf> = files_under(&lake).into_iter().filter(|p| p.to_string_lossy().ends_with(".pending")).collect();
    assert!(pending.is_empty(), "{pending:?}");
    let (code, _, _) = ingest(&lake, &[a.to_str().expect("utf-8")]);
    assert_eq!(code, 0);
    assert_eq!(count(&lake, "DeviceProcessEvents"), 2, "the file was read again");
    assert_eq!(visible_parquet(&lake).len(), 2);
}

#[test]
fn a_run_puts_its_files_in_place_only_while_no_reader_reads() {
    use lakehunt::ingest::publish::ReadGuard;
    use lakehunt::ingest::{FLUSH_ROWS, IngestConfig};
    let dir = tempfile::tempdir().expect("temp dir");
    let lake = dir.path().join("lake");
    let first = dir.path().join("first.json");
    std::fs::write(&first, format!("{}\n", process_record("2026-11-20T10:00:00Z", 1, ""))).expect("write");
    assert_eq!(ingest(&lake, &[first.to_str().expect("utf-8")]).0, 0);
    let log_records = || files_under(&lake.join("_ingest/log")).len();
    assert_eq!(log_records(), 1);

    let reading = ReadGuard::acquire(&lake).expect("read guard");
    let second = dir.path().join("second.json");
    std::fs::write(&second, format!("{}\n", process_record("2026-11-21T10:00:00Z", 2, ""))).expect("write");
    let cfg = IngestConfig { lake: lake.clone(), format: None, table: None, paths: vec![second], flush_rows: FLUSH_ROWS };
    let writer = std::thread::spawn(move || lakehunt::ingest::ingest(&cfg, &mut |_| {}).map(|r| r.rows()));
    // The run writes its files (pending), then waits to publish them.
    let pending = || files_under(&lake).into_iter().any(|p| p.to_string_lossy().ends_with(".parquet.pending"));
    let started = std::time::Instant::now();
    while !pending() && !writer.is_finished() && started.elapsed() < std::time::Duration::from_secs(120) {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(!writer.is_finished(), "the run finished while a reader read");
    assert_eq!((log_records(), visible_parquet(&lake).len()), (1, 1), "nothing published while a reader reads");
    drop(reading);
    assert_eq!(writer.join().expect("the writer thread").expect("ingest"), 1);
    assert_eq!((log_records(), visible_parquet(&lake).len()), (2, 2));
}

#[test]
fn compact_merges_small_files_into_one_sorted_file_per_partition() {
    let dir = tempfile::tempdir().expect("temp dir");
    let lake = dir.path().join("lake");
    let mut expected = Vec::new();
    for i in 0..3 {
        let f = dir.path().join(format!("{i}.json"));
        // Later files hold earlier times, so only a sort puts them in order.
        let lines: Vec<String> = (0..3).map(|j| process_record(&format!("2026-11-20T1{}:00:0{j}Z", 2 - i), i * 10 + j, if i == 1 { r#","Drift":1"# } else { "" })).collect();
        expected.extend(lines.iter().cloned());
        std::fs::write(&f, lines.join("\n")).expect("write");
        assert_eq!(ingest(&lake, &[f.to_str().expect("utf-8")]).0, 0);
    }
    std::fs::write(dir.path().join("other.json"), process_record("2026-11-21T00:00:00Z", 99, "")).expect("write");
    assert_eq!(ingest(&lake, &[dir.path().join("other.json").to_str().expect("utf-8")]).0, 0);
    assert_eq!(visible_parquet(&lake).len(), 4);
    let before = rows(&lake, "DeviceProcessEvents");
    let lake_s = lake_arg(&lake);
    let out = run(&["compact", "--lake", lake_s.as_str()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("DeviceProcessEvents date=2026-11-20: 3 files -> 1 (9 rows)"), "{stdout}");
    assert_eq!(visible_parquet(&lake).len(), 2, "the lone file of 2026-11-21 is left alone");
    assert_eq!(rows(&lake, "DeviceProcessEvents"), before);
    let times = run(&["query", "--lake", lake_s.as_str(), "--sql", "--format", "csv", "SELECT \"Timestamp\" FROM \"DeviceProcessEvents\" WHERE date = '2026-11-20'"]);
    let text = String::from_utf8_lossy(&times.stdout).into_owned();
    let listed: Vec<&str> = text.lines().skip(1).collect();
    let mut sorted = listed.clone();
    sorted.sort();
    assert_eq!(listed, sorted, "the merged file is in Timestamp order");
    let again = run(&["compact", "--lake", lake_s.as_str(), "--table", "DeviceProcessEvents", "--date", "2026-11-20"]);
    assert!(String::from_utf8_lossy(&again.stdout).contains("nothing to do"));
    assert_eq!(run(&["compact", "--lake", lake_s.as_str(), "--table", "Nope"]).status.code(), Some(2));
}

#[test]
fn compact_leaves_the_files_of_a_group_with_other_columns_and_goes_on() {
    use datafusion::arrow::array::{ArrayRef, Int64Array, RecordBatch, TimestampNanosecondArray};
    use datafusion::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
    let dir = tempfile::tempdir().expect("temp dir");
    let lake = dir.path().join("lake");
    let f = dir.path().join("a.json");
    std::fs::write(&f, process_record("2026-11-20T12:00:00Z", 1, "")).expect("write");
    assert_eq!(ingest(&lake, &[f.to_str().expect("utf-8")]).0, 0);
    // A second file in the partition, written under another catalog: DeviceName a number.
    let schema = Arc::new(Schema::new(vec![
        Field::new("Timestamp", DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into())), true),
        Field::new("DeviceName", DataType::Int64, true),
    ]));
    let columns: Vec<ArrayRef> = vec![Arc::new(TimestampNanosecondArray::from(vec![1_795_694_400_000_000_000]).with_timezone("UTC")), Arc::new(Int64Array::from(vec![7]))];
    let batch = RecordBatch::try_new(Arc::clone(&schema), columns).expect("batch");
    let foreign = lake.join("DeviceProcessEvents/date=2026-11-20/part-foreign.parquet");
    let mut writer = datafusion::parquet::arrow::ArrowWriter::try_new(std::fs::File::create(&foreign).expect("create"), schema, None).expect("writer");
    writer.write(&batch).expect("write");
    writer.close().expect("close");
    // And a partition of two ordinary files, which is compacted all the same.
    for i in 0..2 {
        let g = dir.path().join(format!("b{i}.json"));
        std::fs::write(&g, process_record(&format!("2026-11-21T12:00:0{i}Z"), 10 + i, "")).expect("write");
        assert_eq!(ingest(&lake, &[g.to_str().expect("utf-8")]).0, 0);
    }
    let before: Vec<PathBuf> = visible_parquet(&lake).into_iter().filter(|p| p.to_string_lossy().contains("2026-11-20")).collect();
    let out = run(&["compact", "--lake", lake_arg(&lake).as_str()]);
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("part-foreign.parquet: column DeviceName is Int64, but the table's is Utf8; its files are left as they are"), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("DeviceProcessEvents date=2026-11-21: 2 files -> 1 (2 rows)"));
    let after: Vec<PathBuf> = visible_parquet(&lake).into_iter().filter(|p| p.to_string_lossy().contains("2026-11-20")).collect();
    assert_eq!(after, before);
}

#[test]
fn usage_errors_exit_with_status_two() {
    let dir = tempfile::tempdir().expect("temp dir");
    let lake = dir.path().join("lake");
    for args in [
        vec!["--format", "csv", "x.csv"],
        vec!["--table", "NoSuchTable", "x.json"],
        vec!["--format", "mde-stream", "--table", "DeviceInfo", "x.json"],
        vec!["--batch-rows", "0", "x.json"],
        vec!["--batch-rows", "10000001", "x.json"],
    ] {
        let (code, _, stderr) = ingest(&lake, &args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
    }
    let (code, _, stderr) = ingest(&lake, &[dir.path().join("missing.json").to_str().expect("utf-8")]);
    assert_eq!(code, 1);
    assert!(stderr.contains("missing.json: no such file or directory"), "{stderr}");
}

#[test]
fn event_hub_batches_and_plain_rows_are_detected_and_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    // An Event Hub message body, pretty-printed, with properties before category in one record.
    let batch = format!(
        "{{\n  \"records\": [\n    {},\n    {{\"properties\": {{\"Timestamp\": \"2026-11-20T11:00:00Z\", \"DeviceName\": \"srv-1\"}}, \"category\": \"AdvancedHunting-DeviceInfo\"}}\n  ]\n}}\n",
        process_record("2026-11-20T10:00:00Z", 1, "")
    );
    std::fs::write(dir.path().join("batch.json"), batch).expect("write");
    let rows_file = dir.path().join("logons.jsonl");
    std::fs::write(&rows_file, "{\"Timestamp\":\"2026-11-20T12:00:00Z\",\"AccountName\":\"alice\",\"LogonType\":\"Network\"}\n").expect("write");
    let lake = dir.path().join("lake");
    let (code, stdout, _) = ingest(&lake, &["--table", "DeviceLogonEvents", dir.path().join("batch.json").to_str().expect("utf-8"), rows_file.to_str().expect("utf-8")]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("batch.json  mde-stream (detected: Event Hub batches"), "{stdout}");
    assert!(stdout.contains("logons.jsonl  jsonl (detected: JSON rows without a category): 1 row"), "{stdout}");
    assert_eq!(rows(&lake, "DeviceInfo | project DeviceName"), [r#"{"DeviceName":"srv-1"}"#]);
    assert_eq!(rows(&lake, "DeviceProcessEvents | project ReportId"), [r#"{"ReportId":1}"#]);
    assert_eq!(rows(&lake, "DeviceLogonEvents | project AccountName, LogonType"), [r#"{"AccountName":"alice","LogonType":"Network"}"#]);
}

#[test]
fn a_pipe_counts_as_the_same_bytes_in_a_file_whichever_comes_first() {
    let sample = samples().join("streaming_DeviceProcessEvents_splunkTA.json");
    let sample = sample.display().to_string();
    // `<(cat file)` hands lakehunt a pipe, which can be read once and not reopened.
    let piped = |lake: &Path, times: usize| {
        let pipes = vec![r#"<(cat "$2")"#; times].join(" ");
        let script = format!(r#"exec "$0" ingest --lake "$1" {pipes}"#);
        let out = std::process::Command::new("bash").args(["-c", &script, env!("CARGO_BIN_EXE_lakehunt"), &lake_arg(lake), &sample]).output().expect("run bash");
        (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let dir = tempfile::tempdir().expect("temp dir");
    // Pipe, then file.
    let lake = dir.path().join("pipe-first");
    let (code, stdout, stderr) = piped(&lake, 1);
    assert!(matches!(code, Some(0 | 3)), "{stdout}{stderr}");
    let rows = count(&lake, "DeviceProcessEvents");
    assert!(rows > 0);
    let (code, stdout, stderr) = ingest(&lake, &[&sample]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("skipped: already ingested"), "{stdout}");
    assert_eq!(count(&lake, "DeviceProcessEvents"), rows);
    // File, then pipe; and two pipes of the same bytes in one run.
    let lake = dir.path().join("file-first");
    assert!(matches!(ingest(&lake, &[&sample]).0, 0 | 3));
    let (code, stdout, stderr) = piped(&lake, 1);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("skipped: already ingested"), "{stdout}");
    let lake = dir.path().join("two-pipes");
    let (_, stdout, _) = piped(&lake, 2);
    assert!(stdout.contains("skipped: same bytes as"), "{stdout}");
    for lake in ["file-first", "two-pipes"] {
        assert_eq!(count(&dir.path().join(lake), "DeviceProcessEvents"), rows, "{lake}");
    }
    // The copies of the pipes are gone.
    let left: Vec<PathBuf> = files_under(&dir.path().join("two-pipes/_ingest")).into_iter().filter(|p| p.to_string_lossy().contains(".spool-")).collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_file_that_gave_no_rows_can_be_read_again_as_another_format() {
    let dir = tempfile::tempdir().expect("temp dir");
    let lake = dir.path().join("lake");
    // Plain rows with the word "records" in a value and a "category" key of their own:
    // detected as Streaming API records, every one is quarantined.
    let f = dir.path().join("logons.json");
    std::fs::write(&f, r#"{"Timestamp":"2026-11-20T12:00:00Z","AccountName":"records","category":"x","properties":{}}"#).expect("write");
    let path = f.to_str().expect("utf-8");
    let (code, stdout, _) = ingest(&lake, &[path]);
    assert_eq!(code, 3, "{stdout}");
    assert!(stdout.contains("0 rows"), "{stdout}");
    let (code, stdout, stderr) = ingest(&lake, &["--format", "jsonl", "--table", "DeviceLogonEvents", path]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(count(&lake, "DeviceLogonEvents"), 1);
    let (_, stdout, _) = ingest(&lake, &["--format", "jsonl", "--table", "DeviceLogonEvents", path]);
    assert!(stdout.contains("skipped: already ingested"), "{stdout}");
    assert_eq!(count(&lake, "DeviceLogonEvents"), 1);
}

#[test]
fn a_csv_header_that_names_a_column_twice_is_refused_whole() {
    let dir = tempfile::tempdir().expect("temp dir");
    let lake = dir.path().join("lake");
    let f = dir.path().join("logons.csv");
    std::fs::write(&f, "Timestamp,AccountName,AccountName\n2026-11-20T12:00:00Z,a,b\n").expect("write");
    let (code, stdout, stderr) = ingest(&lake, &["--table", "DeviceLogonEvents", f.to_str().expect("utf-8")]);
    assert_eq!(code, 3, "{stdout}{stderr}");
    assert_eq!(count(&lake, "DeviceLogonEvents"), 0);
    let entries = quarantined(&lake);
    assert_eq!(entries.len(), 1);
    assert!(entries[0]["detail"].as_str().is_some_and(|d| d.contains("the header names the column \"AccountName\" twice")), "{:?}", entries[0]);
}

#[test]
fn a_file_that_grew_is_read_on_from_where_the_last_run_stopped() {
    let dir = tempfile::tempdir().expect("temp dir");
    let lake = dir.path().join("lake");
    // A storage account appends to an hour's file as events arrive; a sync can copy it
    // in the middle of a line.
    let f = dir.path().join("PT1H.json");
    let path = f.to_str().expect("utf-8");
    let record = |n: i64| process_record(&format!("2026-11-20T10:00:{n:02}Z"), n, "");
    let append = |text: &str| std::fs::OpenOptions::new().append(true).open(&f).and_then(|mut w| w.write_all(text.as_bytes())).expect("append");
    let two = format!("{}\n{}\n", record(1), record(2));
    let third = record(3);
    let (head, tail) = third.split_at(40);
    std::fs::write(&f, format!("{two}{head}")).expect("write");
    // A file of the same size ingested before makes this one be hashed before it is read,
    // which must not lose the point where its cut record starts.
    let other = dir.path().join("other.json");
    let info = r#"{"category":"AdvancedHunting-DeviceInfo","properties":{"Timestamp":"2026-11-20T09:00:00Z","DeviceName":"x"}}"#;
    std::fs::write(&other, format!("{info}{}", "\n".repeat(two.len() + head.len() - info.len()))).expect("write");
    assert_eq!(ingest(&lake, &[other.to_str().expect("utf-8")]).0, 0);
    let (code, stdout, _) = ingest(&lake, &[path]);
    assert_eq!(code, 3, "the cut record is quarantined: {stdout}");
    assert_eq!(reasons(&quarantined(&lake)), ["truncated record"]);
    assert_eq!(count(&lake, "DeviceProcessEvents"), 2);

    // The rest of the record arrives, and another: the cut record is read whole, from
    // where it starts, and nothing is read twice.
    append(&format!("{tail}\n{}\n", record(4)));
    let (code, stdout, stderr) = ingest(&lake, &[path]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains(&format!("read on from byte {}): 2 rows", two.len())), "{stdout}");
    let ids = |lake: &Path| rows(lake, "DeviceProcessEvents | project ReportId");
    let expected = |n: i64| (1..=n).map(|i| format!("{{\"ReportId\":{i}}}")).collect::<Vec<_>>();
    assert_eq!(ids(&lake), expected(4));
    let (_, stdout, _) = ingest(&lake, &[path]);
    assert!(stdout.contains("skipped: already ingested"), "{stdout}");

    // A bad line in what was added is quarantined with its place in the whole file; the
    // file is known by another spelling of its path.
    let before = std::fs::metadata(&f).expect("size").len();
    append(&format!("not json\n{}\n", record(5)));
    let spelt = dir.path().join(".").join("PT1H.json");
    let (code, stdout, _) = ingest(&lake, &[spelt.to_str().expect("utf-8")]);
    assert!(stdout.contains("grown since run"), "{stdout}");
    assert_eq!(code, 3, "{stdout}");
    assert_eq!(ids(&lake), expected(5));
    let entries = quarantined(&lake);
    let bad = entries.iter().find(|e| e["reason"] == "invalid JSON").expect("the bad line is quarantined");
    assert_eq!((bad["line"].as_u64(), bad["offset"].as_u64()), (Some(5), Some(before)), "{bad:?}");

    // A file rewritten, not added to, is read whole.
    std::fs::write(&f, format!("{}\n{two}", record(6))).expect("rewrite");
    let (code, stdout, _) = ingest(&lake, &[path]);
    assert_eq!(code, 0, "{stdout}");
    assert!(!stdout.contains("grown since"), "{stdout}");
    assert_eq!(count(&lake, "DeviceProcessEvents"), 5 + 3);
}

#[test]
fn a_file_logged_without_a_read_point_is_read_whole_when_it_grows() {
    let dir = tempfile::tempdir().expect("temp dir");
    let lake = dir.path().join("lake");
    let f = dir.path().join("PT1H.json");
    let path = f.to_str().expect("utf-8");
    let record = process_record("2026-11-20T10:00:01Z", 1, "");
    std::fs::write(&f, format!("{record}\n{}", &record[..40])).expect("write");
    assert_eq!(ingest(&lake, &[path]).0, 3);
    // As an earlier version logged it: no `from`, no `resume`. Its end may cut a record
    // anywhere, so reading on from it could take half a record.
    for log in files_under(&lake.join("_ingest/log")) {
        let mut run: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&log).expect("read")).expect("json");
        for source in run["sources"].as_array_mut().expect("sources") {
            let source = source.as_object_mut().expect("object");
            assert!(source.remove("from").is_some() && source.remove("resume").is_some(), "{source:?}");
        }
        std::fs::write(&log, run.to_string()).expect("write");
    }
    std::fs::write(&f, format!("{record}\n{record}\n")).expect("write");
    let (code, stdout, _) = ingest(&lake, &[path]);
    assert_eq!(code, 0, "{stdout}");
    assert!(!stdout.contains("grown since"), "{stdout}");
    assert_eq!(count(&lake, "DeviceProcessEvents"), 1 + 2);
}

#[test]
fn a_gzip_file_cut_short_and_then_whole_or_added_to_is_read_on_in_its_text() {
    use flate2::{Compression, write::GzEncoder};
    let gzip = |from: i64, to: i64| {
        let mut enc = GzEncoder::new(Vec::new(), Compression::default());
        for n in from..to {
            let record = process_record(&format!("2026-11-20T10:{:02}:{:02}Z", n / 60 % 60, n % 60), n, "");
            enc.write_all(format!("{record}\n").as_bytes()).expect("compress");
        }
        enc.finish().expect("compress")
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let lake = dir.path().join("lake");
    let f = dir.path().join("export.json.gz");
    let path = f.to_str().expect("utf-8");
    let whole = gzip(1, 2001);
    // A download cut short: its text ends inside a record, and the stream is unreadable there.
    std::fs::write(&f, &whole[..whole.len() / 2]).expect("write");
    let (code, stdout, _) = ingest(&lake, &[path]);
    assert_eq!(code, 3, "{stdout}");
    assert_eq!(reasons(&quarantined(&lake)), ["unreadable input"]);
    let first = count(&lake, "DeviceProcessEvents");
    assert!((1..2000).contains(&first), "{first} rows before the cut");
    // The whole download: the rest, and nothing twice.
    std::fs::write(&f, &whole).expect("write");
    let (code, stdout, stderr) = ingest(&lake, &[path]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("of its text): "), "{stdout}");
    let ids = |lake: &Path| rows(lake, "DeviceProcessEvents | project ReportId");
    let expected = |n: i64| {
        let mut ids: Vec<String> = (1..=n).map(|i| format!("{{\"ReportId\":{i}}}")).collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(&lake), expected(2000));
    // Another gzip member appended (as `cat a.gz b.gz` makes).
    std::fs::write(&f, [whole, gzip(2001, 2011)].concat()).expect("write");
    let (code, stdout, _) = ingest(&lake, &[path]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("of its text): 10 rows"), "{stdout}");
    assert_eq!(ids(&lake), expected(2010));
}

#[test]
fn an_empty_file_is_skipped_not_failed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let empty = dir.path().join("PT1H.json");
    std::fs::write(&empty, "\u{feff}\n  \n").expect("write");
    let (code, stdout, stderr) = ingest(&dir.path().join("lake"), &[empty.to_str().expect("utf-8")]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("0 files read, 1 skipped, 0 failed") && stdout.contains("PT1H.json  skipped: empty"), "{stdout}");
}
