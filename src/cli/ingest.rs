//! `lakehunt ingest` and `lakehunt compact`: raw flags → [`IngestConfig`] /
//! [`CompactConfig`], a progress bar while files are read, and a summary on stdout.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use super::UsageError;
use crate::catalog::{Catalog, TableDef};
use crate::ingest::compact::{CompactConfig, CompactReport, compact};
use crate::ingest::{FileOutcome, Format, IngestConfig, IngestReport, Progress, ingest};

/// Up to this many input files, the summary lists each; past it, only those with problems.
const LIST_ALL_FILES: usize = 20;

/// Exit status when everything was read but some records were quarantined.
pub const EXIT_QUARANTINED: u8 = 3;

/// `--format` of ingest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Detect each file's format from its first bytes.
    Auto,
    /// Streaming API records (Event Hub batches or Storage JSON lines).
    MdeStream,
    /// Advanced Hunting CSV export (needs --table).
    Csv,
    /// JSON lines of one table's rows (needs --table).
    Jsonl,
}

/// Flags of `lakehunt ingest`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    lakehunt ingest --lake /data/lake exports/\n  \
    lakehunt ingest --lake /data/lake 'insights-logs-advancedhunting-*/**/PT1H.json'\n  \
    lakehunt ingest --lake /data/lake --table DeviceProcessEvents portal-export.csv.gz\n\n\
    Streaming API records name their table in `category`; CSV and plain JSON rows need --table. \
    gzip is recognised by its content. A bad record goes to <lake>/_quarantine/<run>.jsonl with \
    its file, line and reason, and the rest of the file is still read. Keys the catalog does not \
    know are kept in the `_extra` column. A file whose bytes were ingested before is skipped, so \
    running the same ingest twice adds nothing; a JSON file that grew since (an hour's \
    PT1H.json, a download completed) is read on from where an earlier run stopped. An interrupted ingest adds nothing until run again.\n\n\
    Exit status: 0 all records ingested, 3 some records quarantined, 1 a file could not be read \
    or the lake could not be written, 2 usage error.")]
pub struct IngestArgs {
    /// Lake directory to add to (created if missing).
    #[arg(long, value_name = "DIR")]
    pub lake: PathBuf,
    /// Format of the input files.
    #[arg(long, value_enum, default_value_t = FormatArg::Auto)]
    pub format: FormatArg,
    /// Table of CSV and plain JSON rows, e.g. DeviceProcessEvents.
    #[arg(long, value_name = "NAME")]
    pub table: Option<String>,
    /// Rows held in memory before they are written out (1 to 10,000,000); they are also
    /// written out whenever their text reaches 1 GiB. Fewer rows use less memory and make
    /// more, smaller files (merge them with `lakehunt compact`).
    #[arg(long, value_name = "N", default_value_t = crate::ingest::FLUSH_ROWS)]
    pub batch_rows: usize,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
    /// Files, directories (read recursively) or globs.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

/// Flags of `lakehunt compact`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    lakehunt compact --lake /data/lake\n  \
    lakehunt compact --lake /data/lake --table DeviceProcessEvents --date 2026-11-27\n\n\
    Every ingest adds files to the day partitions it touches. compact merges a partition's \
    files smaller than 32 MiB into files sorted by Timestamp; the new files replace the old \
    ones in one step, and an interrupted compact leaves the lake as it was.\n\n\
    Exit status: 0 done, 3 some files left as they are (their columns are not the table's, \
    so compacting them would lose data; stderr names them), 1 an error (the lake is unchanged).")]
pub struct CompactArgs {
    /// Lake directory.
    #[arg(long, value_name = "DIR")]
    pub lake: PathBuf,
    /// Only this table.
    #[arg(long, value_name = "NAME")]
    pub table: Option<String>,
    /// Only this day, YYYY-MM-DD.
    #[arg(long, value_name = "DATE")]
    pub date: Option<String>,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

fn table_arg(name: &Option<String>) -> Result<Option<&'static TableDef>, UsageError> {
    let Some(name) = name else { return Ok(None) };
    Catalog.table(name).map(Some).ok_or_else(|| {
        let known: Vec<&str> = Catalog.tables().iter().map(|t| t.name).collect();
        UsageError(format!("--table {name}: not a Defender table lakehunt knows; one of {}", known.join(", ")))
    })
}

fn ingest_config(args: &IngestArgs) -> Result<IngestConfig, UsageError> {
    let table = table_arg(&args.table)?;
    let format = match args.format {
        FormatArg::Auto => None,
        FormatArg::MdeStream => Some(Format::Stream),
        FormatArg::Csv => Some(Format::Csv),
        FormatArg::Jsonl => Some(Format::JsonLines),
    };
    if matches!(format, Some(Format::Csv | Format::JsonLines)) && table.is_none() {
        return Err(UsageError(format!("--format {}: these rows name no table; give --table NAME", format.map_or("", Format::name))));
    }
    if format == Some(Format::Stream) && table.is_some() {
        return Err(UsageError("--table with --format mde-stream: streaming records name their own table".into()));
    }
    if !(1..=crate::ingest::MAX_FLUSH_ROWS).contains(&args.batch_rows) {
        return Err(UsageError(format!("--batch-rows {}: give 1 to {}", args.batch_rows, crate::ingest::MAX_FLUSH_ROWS)));
    }
    Ok(IngestConfig { lake: args.lake.clone(), format, table, paths: args.paths.clone(), flush_rows: args.batch_rows })
}

/// Runs `ingest`.
pub fn run_ingest(args: IngestArgs) -> anyhow::Result<ExitCode> {
    let cfg = ingest_config(&args)?;
    crate::ingest::memory::keep_freed_memory();
    let bar = if !args.quiet && std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(0);
        if let Ok(style) = indicatif::ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {bytes}/{total_bytes}  {msg}") {
            bar.set_style(style.progress_chars("=> "));
        }
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let started = std::time::Instant::now();
    let mut progress = |p: Progress| {
        bar.set_length(p.total);
        bar.set_position(p.bytes);
        bar.set_message(format!("{} rows", p.rows));
    };
    let report = ingest(&cfg, &mut progress)?;
    bar.finish_and_clear();
    if !args.quiet {
        print!("{}", ingest_summary(&report, started.elapsed().as_secs_f64()));
    }
    for f in &report.files {
        if let FileOutcome::Failed(message) = &f.outcome {
            eprintln!("error: {}: {message}", f.path.display());
        }
    }
    Ok(if report.failed() > 0 {
        ExitCode::FAILURE
    } else if report.quarantined_total() > 0 {
        ExitCode::from(EXIT_QUARANTINED)
    } else {
        ExitCode::SUCCESS
    })
}

/// The summary of an ingest: files, rows per table, quarantine per reason, unknown columns.
pub fn ingest_summary(report: &IngestReport, secs: f64) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let files = |pred: fn(&FileOutcome) -> bool| report.files.iter().filter(|f| pred(&f.outcome)).count();
    let read = files(|o| matches!(o, FileOutcome::Ingested { .. }));
    let skipped = files(|o| matches!(o, FileOutcome::AlreadyIngested(_) | FileOutcome::Duplicate(_) | FileOutcome::NotAnExport | FileOutcome::Empty));
    let _ = writeln!(out, "ingest {}: {read} files read, {skipped} skipped, {} failed", report.run.as_deref().map_or("(nothing new)".to_string(), |r| format!("run {r}")), report.failed());
    // A long run lists only the files that need a look; clean ones are counted.
    let list_all = report.files.len() <= LIST_ALL_FILES;
    let mut clean = 0;
    for f in &report.files {
        if !list_all && matches!(f.outcome, FileOutcome::Ingested { quarantined: 0, .. }) {
            clean += 1;
            continue;
        }
        let how = f.format.as_ref().map_or(String::new(), |(fmt, how)| format!("{} ({how})", fmt.name()));
        let what = match &f.outcome {
            FileOutcome::Ingested { rows, quarantined: 0 } => format!("{how}: {}", count(*rows, "row")),
            FileOutcome::Ingested { rows, quarantined } => format!("{how}: {}, {quarantined} quarantined", count(*rows, "row")),
            FileOutcome::AlreadyIngested(run) => format!("skipped: already ingested by run {run}"),
            FileOutcome::Duplicate(first) => format!("skipped: same bytes as {}", first.display()),
            FileOutcome::Failed(message) => format!("failed: {message}"),
            FileOutcome::NotAnExport => "skipped: not an export file name (.json, .jsonl, .ndjson, .csv, .gz)".into(),
            FileOutcome::Empty => "skipped: empty".into(),
        };
        let _ = writeln!(out, "  {}  {what}", f.path.display());
    }
    if clean > 0 {
        let _ = writeln!(out, "  and {clean} more files, every record ingested");
    }
    if !report.tables.is_empty() {
        let width = report.tables.keys().map(|t| t.len()).max().unwrap_or(5).max(5);
        let _ = writeln!(out, "\n{:width$}  {:>10}  {:>5}  {:>5}", "table", "rows", "days", "files");
        for (table, c) in &report.tables {
            let _ = writeln!(out, "{table:width$}  {:>10}  {:>5}  {:>5}", c.rows, c.days.len(), c.files);
        }
        let _ = writeln!(out, "{:width$}  {:>10}", "total", report.rows());
    }
    if let Some(file) = &report.quarantine_file {
        let _ = writeln!(out, "\nquarantined {}, in {}:", count(report.quarantined_total(), "record"), file.display());
        for (reason, n) in &report.quarantined {
            let _ = writeln!(out, "  {reason:28} {n:>8}");
        }
    }
    if !report.extra.is_empty() {
        let _ = writeln!(out, "\nunknown columns, kept in _extra:");
        for (table, columns) in &report.extra {
            for (column, n) in columns {
                let _ = writeln!(out, "  {table}.{column}  {}", count(*n, "row"));
            }
        }
    }
    let rate = if secs > 0.0 { report.rows() as f64 / secs } else { 0.0 };
    let _ = writeln!(out, "\n{} in {secs:.1}s ({rate:.0} rows/s)", count(report.rows(), "row"));
    out
}

/// Runs `compact`.
pub fn run_compact(args: CompactArgs) -> anyhow::Result<ExitCode> {
    let table = table_arg(&args.table)?;
    if let Some(date) = &args.date
        && chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_err()
    {
        return Err(UsageError(format!("--date {date}: give a day as YYYY-MM-DD")).into());
    }
    if !args.lake.is_dir() {
        return Err(anyhow::anyhow!("lake {}: no such directory", args.lake.display()));
    }
    crate::ingest::memory::keep_freed_memory();
    let report = compact(&CompactConfig { lake: args.lake.clone(), table, date: args.date.clone() })?;
    if !args.quiet {
        print!("{}", compact_summary(&report));
    }
    for (path, detail) in &report.left {
        eprintln!("compact: {}: {detail}; its files are left as they are, as compacting them would lose that column", path.display());
    }
    // As ingest does when it sets records aside.
    Ok(if report.left.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(EXIT_QUARANTINED) })
}

/// `1 row`, `2 rows`.
fn count(n: u64, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
}

fn compact_summary(report: &CompactReport) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let Some(run) = &report.run else {
        return "compact: nothing to do (no partition has two or more files under 32 MiB)\n".into();
    };
    let _ = writeln!(out, "compact run {run}: {} partitions rewritten", report.partitions.len());
    for p in &report.partitions {
        let _ = writeln!(out, "  {} date={}: {} files -> {} ({})", p.table, p.date, p.files_before, p.files_after, count(p.rows as u64, "row"));
    }
    out
}
