//! `lakehunt hunt`: runs a rule pack over the lake within a window and writes the
//! findings; a progress bar on a terminal, and a summary on standard error at the end.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::UsageError;
use crate::hunt::findings::write_findings;
use crate::hunt::summary::summary;
use crate::hunt::{HuntConfig, RuleReport, hunt};
use crate::output::OutputFormat;
use crate::rules::pack::{RuleFilter, load_pack};

/// Flags of `lakehunt hunt`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    lakehunt hunt\n  \
    lakehunt hunt --now 2026-11-27T00:00:00Z --from 2026-11-20T00:00:00Z --to 2026-11-27T00:00:00Z\n  \
    lakehunt hunt --rules rules/ --rules ../shared/corpus --tactic LateralMovement --format jsonl --out findings.jsonl\n  \
    lakehunt hunt --technique T1021 --format table\n\n\
    Every rule's query runs with now() and ago() pinned to --now. With --from and --to, each \
    table a rule reads (both sides of a join included) holds only the rows with Timestamp in \
    [from, to), and days outside the window are not opened. A rule that fails to load, parse, \
    plan or run is reported and the others go on; a rule whose tables hold no data in the lake \
    is skipped. Findings come in rule-file order, and within a rule in a fixed row order, so \
    two hunts over the same lake print the same output. jsonl writes one object per finding: \
    {\"rule_id\", \"rule_name\", \"tactics\", \"techniques\", \"finding\": {column: value}}; csv and \
    parquet hold the same fields, the finding as JSON text. A summary (per rule: rows scanned, \
    time, findings) goes to standard error. Exit status: 0 when every rule ran or was skipped \
    (with or without findings), 1 when a rule failed, 2 on a usage error.")]
pub struct HuntArgs {
    /// Lake directory to read.
    #[arg(long, default_value = "data/lake", value_name = "DIR")]
    pub lake: PathBuf,
    /// Rule files, or directories searched recursively for *.yaml and *.yml. Repeatable.
    #[arg(long = "rules", default_value = "rules", value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// The instant that now() and ago() read, RFC 3339 UTC (default: --to if given, else
    /// the current time).
    #[arg(long, value_name = "TS")]
    pub now: Option<String>,
    /// Start of the window (inclusive), RFC 3339 UTC.
    #[arg(long, value_name = "TS", requires = "to")]
    pub from: Option<String>,
    /// End of the window (exclusive), RFC 3339 UTC.
    #[arg(long, value_name = "TS", requires = "from")]
    pub to: Option<String>,
    /// Run only the rule with this id. Repeatable.
    #[arg(long = "rule", value_name = "ID")]
    pub rule: Vec<String>,
    /// Run only rules with this ATT&CK tactic (e.g. LateralMovement). Repeatable.
    #[arg(long, value_name = "NAME")]
    pub tactic: Vec<String>,
    /// Run only rules with this ATT&CK technique; T1021 includes T1021.003. Repeatable.
    #[arg(long, value_name = "ID")]
    pub technique: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    /// Write the findings to FILE (atomically) instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Most rules to run at once (default: the number of cores).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

struct Config {
    hunt: HuntConfig,
    rules: Vec<PathBuf>,
    filter: RuleFilter,
    format: OutputFormat,
    out: Option<PathBuf>,
    progress: bool,
}

fn config(args: HuntArgs) -> Result<Config, UsageError> {
    let window = match (&args.from, &args.to) {
        (Some(from), Some(to)) => {
            let (from, to) = (super::time::parse_time("--from", from)?, super::time::parse_time("--to", to)?);
            if from >= to {
                return Err(UsageError("--from must be before --to".into()));
            }
            Some((from, to))
        }
        _ => None,
    };
    let now = match (&args.now, window) {
        (Some(text), _) => super::time::parse_time("--now", text)?,
        (None, Some((_, to))) => to,
        (None, None) => super::time::now(),
    };
    if args.format == OutputFormat::Parquet && args.out.is_none() {
        return Err(UsageError("--format parquet writes a file: give --out FILE".into()));
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let jobs = args.jobs.map_or(cores, usize::from);
    let progress = !args.quiet && std::io::stdout().is_terminal() && std::io::stderr().is_terminal();
    Ok(Config {
        hunt: HuntConfig { lake: args.lake, now, window, jobs },
        rules: args.rules,
        filter: RuleFilter { ids: args.rule, tactics: args.tactic, techniques: args.technique },
        format: args.format,
        out: args.out,
        progress,
    })
}

/// Runs `hunt`.
pub fn run(args: HuntArgs) -> anyhow::Result<ExitCode> {
    let cfg = config(args)?;
    let pack = load_pack(&cfg.rules).map_err(|e| UsageError(e.to_string()))?;
    let pack_errors: Vec<String> = pack.errors.iter().map(ToString::to_string).collect();
    let rules: Vec<_> = pack.rules.into_iter().filter(|r| cfg.filter.accepts(r)).collect();
    if rules.is_empty() && pack_errors.is_empty() {
        return Err(UsageError(format!("no rule in {} matches the filters", paths(&cfg.rules))).into());
    }
    let bar = progress_bar(cfg.progress, rules.len());
    let mut scanned = 0usize;
    let mut on_done = |r: &RuleReport| {
        scanned += r.rows_scanned;
        bar.set_message(format!("{scanned} rows scanned"));
        bar.inc(1);
    };
    let runtime = super::query::engine_runtime()?;
    let reports = runtime.block_on(hunt(&cfg.hunt, rules, &mut on_done))?;
    bar.finish_and_clear();
    super::write_output(cfg.out.as_deref(), |w| Ok(write_findings(cfg.format, &reports, w)?))?;
    eprint!("{}", summary(&reports, &pack_errors));
    let failed = !pack_errors.is_empty() || reports.iter().any(|r| matches!(r.status, crate::hunt::Status::Failed(_)));
    Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn paths(paths: &[PathBuf]) -> String {
    paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
}

/// A bar of rules done, with rows scanned and elapsed time; hidden when `show` is false.
fn progress_bar(show: bool, rules: usize) -> indicatif::ProgressBar {
    if !show {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(rules as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} rules  {msg}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}
