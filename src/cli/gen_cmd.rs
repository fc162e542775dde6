//! `lakehunt gen`: raw flags → [`GenConfig`] → [`generate`], with progress on stderr and
//! a summary on stdout.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::UsageError;
use super::time::{parse_time, start_of_today};
use crate::output::format_datetime;
use crate::synth::{GenConfig, GenProgress, generate};

/// Flags of `lakehunt gen`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    lakehunt gen --lake /tmp/lake\n  \
    lakehunt gen --lake /tmp/lake --devices 50 --days 30 --end 2026-11-01T00:00:00Z --seed 7\n\n\
    The same flags (with --end given) always produce byte-identical files. The planted attacks \
    are listed in <lake>/_truth/planted.jsonl and the decoys a correct hunt must not report in \
    <lake>/_truth/decoys.jsonl. gen writes only into a new or empty directory, or one it made \
    before (whose generated tables it replaces).")]
pub struct GenArgs {
    /// Lake directory to write.
    #[arg(long, value_name = "DIR")]
    pub lake: PathBuf,
    /// Number of devices; every fifth is a server, the rest are workstations.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub devices: usize,
    /// Number of days of telemetry, ending at --end.
    #[arg(long, default_value_t = 7, value_name = "D")]
    pub days: u32,
    /// End of the window (exclusive), RFC 3339 UTC [default: start of today, UTC].
    #[arg(long, value_name = "TS")]
    pub end: Option<String>,
    /// Random seed; another seed gives another estate and other attack times.
    #[arg(long, default_value_t = 1, value_name = "S")]
    pub seed: u64,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

fn config(args: &GenArgs) -> Result<GenConfig, UsageError> {
    if args.devices == 0 || args.devices > 100_000 {
        return Err(UsageError(format!("--devices {}: give 1 to 100000 devices", args.devices)));
    }
    if args.days == 0 || args.days > 3660 {
        return Err(UsageError(format!("--days {}: give 1 to 3660 days", args.days)));
    }
    let end = match &args.end {
        Some(text) => parse_time("--end", text)?,
        None => start_of_today(),
    };
    // The window must start after 1970 and end before 2262 (nanosecond timestamps).
    let span = i64::from(args.days) * crate::synth::DAY_NANOS;
    if end.checked_sub(span).is_none_or(|start| start < 0) || end > i64::MAX - crate::synth::DAY_NANOS {
        return Err(UsageError(format!("--end with --days {}: the window must lie between 1970 and 2262", args.days)));
    }
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    Ok(GenConfig { lake: args.lake.clone(), devices: args.devices, days: args.days, end, seed: args.seed, threads })
}

/// Runs `gen`.
pub fn run(args: GenArgs) -> anyhow::Result<ExitCode> {
    let cfg = config(&args)?;
    let show_progress = !args.quiet && std::io::stderr().is_terminal();
    let mut progress = |p: GenProgress| {
        if show_progress {
            eprint!("\rgen: day {}/{}, {} rows, {:.1}s ", p.days_done, p.days, p.rows, p.elapsed.as_secs_f64());
            let _ = std::io::stderr().flush();
        }
    };
    let started = std::time::Instant::now();
    let summary = generate(&cfg, &mut progress)?;
    let secs = started.elapsed().as_secs_f64();
    if show_progress {
        eprintln!();
    }
    if args.quiet {
        return Ok(ExitCode::SUCCESS);
    }
    let start = cfg.end - i64::from(cfg.days) * crate::synth::DAY_NANOS;
    let mut out = std::io::stdout().lock();
    writeln!(out, "lake {} : {} devices, {} .. {}", cfg.lake.display(), cfg.devices, format_datetime(start), format_datetime(cfg.end))?;
    for (table, rows) in &summary.rows {
        writeln!(out, "  {table:<24} {rows:>12} rows")?;
    }
    let total = summary.total_rows();
    writeln!(
        out,
        "{total} rows in {} files ({:.1} MB) in {secs:.1}s ({:.0} rows/s); {} planted attacks (_truth/planted.jsonl), {} decoys (_truth/decoys.jsonl)",
        summary.files,
        summary.bytes as f64 / 1e6,
        total as f64 / secs.max(1e-9),
        summary.planted,
        summary.decoys
    )?;
    writeln!(
        out,
        "worker time: {:.1}s simulating, {:.1}s sorting and encoding Parquet",
        summary.simulate.as_secs_f64(),
        summary.write.as_secs_f64()
    )?;
    Ok(ExitCode::SUCCESS)
}
