//! The lake writer: sorted rows, hourly row groups, page statistics, atomic files, and a
//! real `gen` killed mid-write leaving no partial file visible.

use std::sync::Arc;
use std::time::{Duration, Instant};

use datafusion::arrow::array::{Array, Int64Array, RecordBatch, StringArray, TimestampNanosecondArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use datafusion::parquet::arrow::arrow_reader::{ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
use datafusion::parquet::file::metadata::PageIndexPolicy;
use lakehunt::catalog::{new_session, register_lake};
use lakehunt::catalog::{WriteError, write_sorted_file};

use super::common::{END_TEXT, bin, files_under};

const HOUR: i64 = 3_600_000_000_000;

fn batch(times: Vec<i64>) -> RecordBatch {
    let ids: Vec<i64> = (0..times.len() as i64).collect();
    let schema = Arc::new(Schema::new(vec![
        Field::new("Timestamp", DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into())), true),
        Field::new("ReportId", DataType::Int64, true),
    ]));
    RecordBatch::try_new(
        schema,
        vec![Arc::new(TimestampNanosecondArray::from(times).with_timezone("UTC")), Arc::new(Int64Array::from(ids))],
    )
    .expect("batch")
}

#[test]
fn rows_are_sorted_stably_with_zstd_and_a_page_index() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("part-0.parquet");
    // Out of order; the two rows at 1h+5 keep their input order (ids 2 then 4).
    let times = vec![2 * HOUR + 1, 5, HOUR + 5, 7, HOUR + 5, 2 * HOUR];
    let stats = write_sorted_file(&path, &batch(times)).expect("write");
    assert_eq!(stats.rows, 6);
    let file = std::fs::File::open(&path).expect("open");
    let builder = ParquetRecordBatchReaderBuilder::try_new_with_options(file, ArrowReaderOptions::new().with_page_index_policy(PageIndexPolicy::Required)).expect("reader");
    let meta = builder.metadata().clone();
    assert!(meta.column_index().is_some() && meta.offset_index().is_some(), "page index written");
    let sorting = meta.row_group(0).sorting_columns().expect("sorting columns recorded");
    assert_eq!(sorting[0].column_idx, 0);
    assert!(!sorting[0].descending);
    let rows: Vec<RecordBatch> = builder.build().expect("reader").collect::<Result<_, _>>().expect("read");
    let mut got = Vec::new();
    for b in &rows {
        let t = b.column(0).as_any().downcast_ref::<TimestampNanosecondArray>().expect("times");
        let id = b.column(1).as_any().downcast_ref::<Int64Array>().expect("ids");
        got.extend((0..b.num_rows()).map(|i| (t.value(i), id.value(i))));
    }
    assert_eq!(got, vec![(5, 1), (7, 3), (HOUR + 5, 2), (HOUR + 5, 4), (2 * HOUR, 5), (2 * HOUR + 1, 0)]);
    let compression = meta.row_group(0).column(1).compression();
    assert!(matches!(compression, datafusion::parquet::basic::Compression::ZSTD(_)), "{compression:?}");
}

#[test]
fn text_columns_take_a_dictionary_only_when_they_hold_text() {
    let dir = tempfile::tempdir().expect("temp dir");
    let times = batch(vec![3, 1, 2]);
    let schema = Arc::new(Schema::new(vec![
        times.schema().field(0).clone(),
        Field::new("FileName", DataType::Utf8, true),
        Field::new("AccountUpn", DataType::Utf8, true),
    ]));
    let names = StringArray::from(vec!["c.exe", "a.exe", "a.exe"]);
    let upns = StringArray::from(vec![Some("u@contoso.com"), None, Some("")]);
    let batch = RecordBatch::try_new(schema, vec![times.column(0).clone(), Arc::new(names), Arc::new(upns)]).expect("batch");
    // Which columns of a written file have a dictionary page.
    let dictionaries = |name: &str, batch: &RecordBatch| {
        let path = dir.path().join(name);
        write_sorted_file(&path, batch).expect("write");
        let builder = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&path).expect("open")).expect("reader");
        let group = builder.metadata().row_group(0).clone();
        let rows = builder.build().expect("reader").next().expect("a batch").expect("read");
        ((1..3).map(|c| group.column(c).dictionary_page_offset().is_some()).collect::<Vec<_>>(), rows)
    };
    let (with_text, _) = dictionaries("all.parquet", &batch);
    assert_eq!(with_text, [true, true]);
    // A day's batch is a slice of a larger one: what decides is the text of the slice's
    // rows, not of the rows around it.
    let (without_text, rows) = dictionaries("slice.parquet", &batch.slice(1, 2));
    assert_eq!(without_text, [true, false]);
    let upn = rows.column(2).as_any().downcast_ref::<StringArray>().expect("text");
    assert_eq!((upn.is_null(0), upn.value(1)), (true, ""));
    let names = rows.column(1).as_any().downcast_ref::<StringArray>().expect("text");
    assert_eq!((names.value(0), names.value(1)), ("a.exe", "a.exe"));
}

#[test]
fn row_groups_end_at_hour_boundaries_once_they_are_big_enough() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("part-0.parquet");
    // Hours 0 and 1 hold 20,000 rows each, hours 2 to 4 hold 3,000 each. A group may end
    // only at an hour boundary and only after 16,384 rows: {0}, {1}, {2, 3, 4}.
    let mut times = Vec::new();
    for (hour, n) in [(0, 20_000), (1, 20_000), (2, 3000), (3, 3000), (4, 3000)] {
        times.extend((0..n).map(|i| hour * HOUR + i));
    }
    let stats = write_sorted_file(&path, &batch(times)).expect("write");
    assert_eq!((stats.rows, stats.row_groups), (49_000, 3));
    let file = std::fs::File::open(&path).expect("open");
    let meta = ParquetRecordBatchReaderBuilder::try_new(file).expect("reader").metadata().clone();
    let sizes: Vec<i64> = meta.row_groups().iter().map(|g| g.num_rows()).collect();
    assert_eq!(sizes, vec![20_000, 20_000, 9000]);
}

#[test]
fn a_failed_write_leaves_nothing_behind() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("part-0.parquet");
    let schema = Arc::new(Schema::new(vec![Field::new("Timestamp", DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into())), true)]));
    let with_null = RecordBatch::try_new(schema, vec![Arc::new(TimestampNanosecondArray::from(vec![Some(1), None]).with_timezone("UTC"))]).expect("batch");
    let err = write_sorted_file(&path, &with_null).expect_err("null timestamp");
    assert!(matches!(err, WriteError::NullTimestamp { row: 1, .. }), "{err:?}");
    assert!(files_under(dir.path()).is_empty(), "{:?}", files_under(dir.path()));
}

#[test]
fn killing_gen_mid_write_leaves_only_complete_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    let lake = dir.path().join("lake");
    let lake_arg = lake.to_str().expect("utf-8 path");
    let args = ["gen", "--lake", lake_arg, "--devices", "8", "--days", "6", "--end", END_TEXT, "--quiet"];
    let mut child = bin().args(args).spawn().expect("spawn gen");
    // Wait until a file is being written (its hidden temporary exists), then kill -9.
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut caught_mid_write = false;
    while Instant::now() < deadline {
        if files_under(&lake).iter().any(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(".part-"))) {
            caught_mid_write = true;
            break;
        }
        if child.try_wait().expect("poll").is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    child.kill().expect("kill");
    let _ = child.wait();
    assert!(caught_mid_write, "gen was killed while writing a file");
    // Every visible file is complete Parquet; the half-written one is not visible.
    let visible: Vec<_> = files_under(&lake).into_iter().filter(|p| p.extension().is_some_and(|e| e == "parquet")).collect();
    for f in &visible {
        let file = std::fs::File::open(f).expect("open");
        ParquetRecordBatchReaderBuilder::try_new(file).unwrap_or_else(|e| panic!("{} is not complete: {e}", f.display()));
    }
    register_lake(&new_session(), &lake).expect("the interrupted lake still registers");
    // Running gen again over its own interrupted output succeeds and leaves no temporaries.
    let out = bin().args(args).output().expect("rerun gen");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let leftovers: Vec<_> = files_under(&lake).into_iter().filter(|p| p.to_string_lossy().ends_with(".tmp")).collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
