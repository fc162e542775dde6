//! Helpers shared by the integration tests: small generated lakes, SQL over a lake, and
//! running the real binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use datafusion::arrow::array::RecordBatch;
use lakehunt::catalog::{new_session, register_lake};
use lakehunt::synth::{GenConfig, generate};

/// 2026-11-27T00:00:00Z, the end of every test lake's window.
pub const END: i64 = 1_795_737_600_000_000_000;
/// The same instant as text.
pub const END_TEXT: &str = "2026-11-27T00:00:00Z";

/// The built `lakehunt` binary.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_lakehunt"))
}

/// Runs the binary with `args`.
pub fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("run lakehunt")
}

/// `../shared` beside the checkout.
pub fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared")
}

/// A generation config for a test lake in `dir`.
pub fn config(dir: &Path, devices: usize, days: u32, seed: u64) -> GenConfig {
    GenConfig { lake: dir.to_path_buf(), devices, days, end: END, seed, threads: 2 }
}

/// Generates a lake through the library.
pub fn gen_lake(dir: &Path, devices: usize, days: u32, seed: u64) {
    generate(&config(dir, devices, days, seed), &mut |_| {}).expect("gen");
}

/// A lake of 5 devices (4 workstations, 1 server) over 2 days, made once and shared by
/// the read-only tests.
pub fn shared_lake() -> &'static Path {
    static LAKE: OnceLock<tempfile::TempDir> = OnceLock::new();
    LAKE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        gen_lake(dir.path(), 5, 2, 1);
        dir
    })
    .path()
}

/// Runs SQL over a lake through the library.
pub async fn sql(lake: &Path, query: &str) -> Vec<RecordBatch> {
    let ctx = new_session();
    register_lake(&ctx, lake).expect("register lake");
    ctx.sql(query).await.expect("plan").collect().await.expect("run")
}

/// The single Int64 value of a one-row, one-column result.
pub async fn sql_count(lake: &Path, query: &str) -> i64 {
    let batches = sql(lake, query).await;
    let batch = batches.iter().find(|b| b.num_rows() > 0).expect("a row");
    batch
        .column(0)
        .as_any()
        .downcast_ref::<datafusion::arrow::array::Int64Array>()
        .expect("an Int64 column")
        .value(0)
}

/// Every file under `dir`, recursively, sorted.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The JSON lines of a truth file.
pub fn truth(lake: &Path, file: &str) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(lake.join("_truth").join(file)).expect("truth file");
    text.lines().map(|l| serde_json::from_str(l).expect("truth line is JSON")).collect()
}
