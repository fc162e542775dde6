//! Scans read little: a one-day query opens only that day's files (partition bounds
//! derived from `Timestamp`), and a one-hour query reads a small part of a day's file
//! (hourly row groups with statistics). Checked with the plan and the scan metrics.

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
    let own = plan.metrics().and_then(|m| m.sum_by_name("bytes_scanned")).map_or(0, |v| v.as_usize());
    own + plan.children().iter().map(|c| bytes_scanned(c)).sum::<usize>()
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
