//! `lakehunt translate`: prints the DataFusion SQL of a rule's or a query's plan, unparsed
//! from the unoptimized logical plan, so that an analyst can read (and run with `query
//! --sql`) what the engine will do.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::UsageError;
use super::query::QueryTextError;
use crate::kql::ParseOptions;
use crate::plan::{PlanContext, plan_batch, plan_kql_batch};
use crate::rules::load_rule;

/// Flags of `lakehunt translate`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    lakehunt translate my-rule.yaml\n  \
    lakehunt translate --kql \"DeviceProcessEvents | where FileName =~ 'cmd.exe' | take 5\"\n  \
    lakehunt query --sql \"$(lakehunt translate --kql 'DeviceInfo | count')\"\n\n\
    Planning uses the catalog's table schemas, so no lake is needed. KQL functions that SQL \
    lacks appear as kql_* functions, which `query --sql` knows. A query or rule with several \
    tabular statements (a batch) prints one SQL statement per result set, separated by `;`.")]
pub struct TranslateArgs {
    /// Lake directory (accepted for symmetry with `query`; planning needs only the catalog).
    #[arg(long, default_value = "data/lake", value_name = "DIR")]
    pub lake: PathBuf,
    /// The instant that now() and ago() read, RFC 3339 UTC (default: the current time).
    #[arg(long, value_name = "TS")]
    pub now: Option<String>,
    /// Translate this KQL query instead of a rule file.
    #[arg(long, value_name = "QUERY", conflicts_with = "rule")]
    pub kql: Option<String>,
    /// A Sentinel rule file (YAML) whose `query` to translate.
    #[arg(value_name = "RULE.yaml", required_unless_present = "kql")]
    pub rule: Option<PathBuf>,
}

/// Runs `translate`.
pub fn run(args: TranslateArgs) -> anyhow::Result<ExitCode> {
    let now = match &args.now {
        Some(text) => super::time::parse_time("--now", text)?,
        None => super::time::now(),
    };
    let cx = PlanContext::in_memory(now);
    let plans = match (&args.kql, &args.rule) {
        (Some(text), _) => plan_kql_batch(text, &cx, ParseOptions::default()).map_err(|e| QueryTextError(format!("query:{e}")))?,
        (None, Some(path)) => {
            let rule = load_rule(path).map_err(|e| QueryTextError(e.to_string()))?;
            let script = rule.parse().map_err(|e| QueryTextError(e.to_string()))?;
            plan_batch(&rule.query, &script, &cx).map_err(|e| {
                let (line, column) = rule.file_position((e.line, e.column));
                QueryTextError(format!("{}:{line}:{column}: {}\n{}", path.display(), e.message, e.excerpt))
            })?
        }
        (None, None) => return Err(UsageError("give a rule file or --kql QUERY".into()).into()),
    };
    // A batch prints one statement per result set, separated by `;`, which `query --sql`
    // runs as a batch again.
    let sql = plans.iter().map(crate::plan::to_sql).collect::<Result<Vec<_>, _>>()?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", sql.join(";\n\n"))?;
    Ok(ExitCode::SUCCESS)
}
