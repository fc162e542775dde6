//! Scans read little: a one-day query opens only that day's files (partition bounds
//! derived from `Timestamp`), and a one-hour query reads a small part of a day's file
//! (row groups cut at hours, and the page index within them). Checked with the plan and
//! the scan metrics.

use std::path::Path;
use std::sync::Arc;

use datafusion::physical_plan::{ExecutionPlan, collect, displayable};
use lakehunt::catalog::{new_session, register_lake};

use super::common::shared_lake;

/// Executes `query` and returns the physical plan's text and the bytes the Parquet scans
/// read.
async fn scan(lake: &Path, query: &str) -> (String, usize) {
    let ctx = new_session();
    register_lake(&ctx, lake).expect("register");
    let df = ctx.sql(query).await.expect("plan");
    let plan = df.create_physical_plan().await.expect("physical plan");
    collect(plan.clone(), ctx.task_ctx()).await.expect("run");
    let text = displayable(plan.as_ref()).indent(true).to_string();
    (text, bytes_scanned(&plan))
}

fn bytes_scanned(plan: &Arc<dyn ExecutionPlan>) -> usize {
    bytes_scanned_by(plan, "")
}

/// The bytes read by the scans whose one-line description holds `needle` (a table's
/// `<Table>/date=` names the scans of its files).
fn bytes_scanned_by(plan: &Arc<dyn ExecutionPlan>, needle: &str) -> usize {
    let own = match plan.metrics().and_then(|m| m.sum_by_name("bytes_scanned")) {
        Some(v) if displayable(plan.as_ref()).one_line().to_string().contains(needle) => v.as_usize(),
        _ => 0,
    };
    own + plan.children().iter().map(|c| bytes_scanned_by(c, needle)).sum::<usize>()
}

fn file_bytes(lake: &Path, table: &str, day: &str) -> u64 {
    let dir = lake.join(table).join(format!("date={day}"));
    std::fs::read_dir(&dir).expect("partition").flatten().map(|e| e.metadata().map_or(0, |m| m.len())).sum()
}

#[tokio::test]
async fn a_one_day_query_opens_only_that_days_files() {
    let lake = shared_lake();
    let (plan, bytes) = scan(
        lake,
        "SELECT count(*) FROM DeviceProcessEvents \
         WHERE Timestamp >= TIMESTAMP '2026-11-26T00:00:00Z' AND Timestamp < TIMESTAMP '2026-11-27T00:00:00Z'",
    )
    .await;
    assert!(plan.contains("date=2026-11-26"), "{plan}");
    assert!(!plan.contains("date=2026-11-25"), "the other day's files are not opened:\n{plan}");
    assert!(bytes > 0);
}

#[tokio::test]
async fn a_one_hour_query_reads_a_small_part_of_the_day() {
    let lake = shared_lake();
    let (_, bytes) = scan(
        lake,
        "SELECT * FROM DeviceNetworkEvents \
         WHERE Timestamp >= TIMESTAMP '2026-11-26T12:00:00Z' AND Timestamp < TIMESTAMP '2026-11-26T13:00:00Z'",
    )
    .await;
    let day = file_bytes(lake, "DeviceNetworkEvents", "2026-11-26");
    assert!(bytes > 0, "the hour has rows");
    assert!((bytes as u64) * 4 < day, "read {bytes} of {day} bytes: more than a quarter");
}

#[tokio::test]
async fn a_hunt_window_bounds_both_sides_of_a_join_and_prunes_days_and_row_groups() {
    // A hunt's --from/--to: every table the rule reads is limited to the window, so a rule
    // with a join over two tables opens only the window's day of each, and within a day
    // that spans several row groups, only the window's part of it.
    let lake = shared_lake();
    let ctx = new_session();
    register_lake(&ctx, lake).expect("register");
    lakehunt::functions::Registry::new().register(&ctx);
    let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).expect("time").timestamp_nanos_opt().expect("in range");
    let mut cx = lakehunt::plan::PlanContext::from_session(&ctx, at("2026-11-27T00:00:00Z")).await.expect("tables");
    cx.window = Some((at("2026-11-26T12:00:00Z"), at("2026-11-26T13:00:00Z")));
    let kql = "DeviceProcessEvents | join kind=inner (DeviceNetworkEvents) on DeviceId | count";
    let plan = lakehunt::plan::plan_kql_batch(kql, &cx, Default::default()).expect("plans").remove(0);
    let physical = ctx.state().create_physical_plan(&plan).await.expect("physical plan");
    collect(physical.clone(), ctx.task_ctx()).await.expect("run");
    let text = displayable(physical.as_ref()).indent(true).to_string();
    for table in ["DeviceProcessEvents", "DeviceNetworkEvents"] {
        assert!(text.contains(&format!("{table}/date=2026-11-26")), "{table}: the window's day is read:\n{text}");
        assert!(!text.contains(&format!("{table}/date=2026-11-25")), "{table}: the other day is not opened:\n{text}");
    }
    // The test lake's DeviceProcessEvents day (about 8,000 rows) is a single row group of
    // two pages, and the window's hour falls across both: at most that day is read. Its
    // DeviceNetworkEvents day (about 20,000 rows) spans two row groups of several pages.
    let processes = bytes_scanned_by(&physical, "DeviceProcessEvents/date=") as u64;
    let process_day = file_bytes(lake, "DeviceProcessEvents", "2026-11-26");
    assert!(processes > 0 && processes <= process_day, "read {processes} of the day's {process_day} bytes");
    let network = bytes_scanned_by(&physical, "DeviceNetworkEvents/date=") as u64;
    let network_day = file_bytes(lake, "DeviceNetworkEvents", "2026-11-26");
    assert!(network > 0 && network * 4 < network_day, "the day's parts outside the hour are skipped: read {network} of {network_day} bytes");
}
