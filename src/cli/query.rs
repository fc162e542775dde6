//! `lakehunt query`: runs a query over the lake and writes its rows in the chosen format.

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;
use datafusion::arrow::datatypes::SchemaRef;

use super::UsageError;
use crate::catalog::{new_session, register_lake};
use crate::functions::Registry;
use crate::kql::ParseOptions;
use crate::plan::{PlanContext, plan_kql_batch};

/// The stack of the query engine's worker threads.
const WORKER_STACK: usize = 32 << 20;
/// Most threads the engine's blocking pool (file reads) may start.
const BLOCKING_THREADS: usize = 64;

/// A KQL query that does not parse or plan; the message holds its position and excerpt.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct QueryTextError(pub String);
use crate::output::{OutputFormat, write_results};

/// Flags of `lakehunt query`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    lakehunt query \"DeviceProcessEvents | where FileName =~ 'cmd.exe' | summarize count() by DeviceName\"\n  \
    lakehunt query --now 2026-11-27T00:00:00Z \"DeviceNetworkEvents | where Timestamp > ago(1h) | take 10\"\n  \
    lakehunt query --sql \"SELECT DeviceName, count(*) AS n FROM DeviceProcessEvents GROUP BY DeviceName ORDER BY n DESC\"\n  \
    lakehunt query --sql --format jsonl --out rows.jsonl \"SELECT * FROM DeviceNetworkEvents LIMIT 10\"\n  \
    echo \"SELECT count(*) FROM DeviceInfo\" | lakehunt query --sql -\n\n\
    A query with several tabular statements (`T1 | …; T2 | …`) is a batch with one result set \
    per statement: table prints them one after another, jsonl writes their rows in statement \
    order, and csv and parquet, which hold one result set, refuse it. \
    Table and column names are case-sensitive, as in KQL. Each table has a `date` column \
    (YYYY-MM-DD, UTC) from its partition; filters on `date` or on `Timestamp` skip whole days.")]
pub struct QueryArgs {
    /// Lake directory to read.
    #[arg(long, default_value = "data/lake", value_name = "DIR")]
    pub lake: PathBuf,
    /// The query is DataFusion SQL rather than KQL.
    #[arg(long)]
    pub sql: bool,
    /// The instant that now() and ago() read, RFC 3339 UTC (default: the current time).
    /// Pin it to make a query over past data repeatable.
    #[arg(long, value_name = "TS")]
    pub now: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    /// Write to FILE (atomically) instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// The query text, or - to read it from standard input.
    #[arg(value_name = "QUERY|-")]
    pub query: String,
}

struct QueryConfig {
    lake: PathBuf,
    sql: bool,
    now: i64,
    format: OutputFormat,
    out: Option<PathBuf>,
    text: String,
}

fn config(args: QueryArgs) -> Result<QueryConfig, UsageError> {
    let now = match &args.now {
        Some(text) => super::time::parse_time("--now", text)?,
        None => super::time::now(),
    };
    if args.format == OutputFormat::Parquet && args.out.is_none() {
        return Err(UsageError("--format parquet writes a file: give --out FILE".into()));
    }
    let text = if args.query == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| UsageError(format!("reading the query from standard input: {e}")))?;
        s
    } else {
        args.query
    };
    if text.trim().is_empty() {
        return Err(UsageError("the query is empty".into()));
    }
    Ok(QueryConfig { lake: args.lake, sql: args.sql, now, format: args.format, out: args.out, text })
}

/// Runs `query`.
pub fn run(args: QueryArgs) -> anyhow::Result<ExitCode> {
    let cfg = config(args)?;
    // Held until the results are in memory: no ingest or compact puts files in place
    // meanwhile, and none waits for the output to be written.
    let reading = crate::ingest::publish::ReadGuard::acquire(&cfg.lake)?;
    // Planning runs on the command's thread (block_on); the workers execute plans, which
    // recurse less. The blocking pool (file reads) is capped so that its stacks stay small.
    let runtime = engine_runtime()?;
    let results = runtime.block_on(async {
        let ctx = new_session();
        register_lake(&ctx, &cfg.lake)?;
        let registry = Registry::new();
        registry.register(&ctx);
        let frames = if cfg.sql {
            sql_frames(&ctx, &cfg.text).await?
        } else {
            let cx = PlanContext::from_session(&ctx, cfg.now).await?;
            let plans = plan_kql_batch(&cfg.text, &cx, ParseOptions::default()).map_err(|e| QueryTextError(format!("query:{e}")))?;
            let mut frames = Vec::with_capacity(plans.len());
            for plan in plans {
                frames.push(ctx.execute_logical_plan(plan).await?);
            }
            frames
        };
        if frames.len() > 1 && matches!(cfg.format, OutputFormat::Csv | OutputFormat::Parquet) {
            let msg = format!(
                "the query has {} tabular statements, so {} result sets, and --format {} holds one: use table or jsonl, or run the statements one at a time",
                frames.len(),
                frames.len(),
                if cfg.format == OutputFormat::Csv { "csv" } else { "parquet" }
            );
            return Err(UsageError(msg).into());
        }
        let mut results = Vec::with_capacity(frames.len());
        for df in frames {
            let schema: SchemaRef = Arc::new(df.schema().as_arrow().clone());
            results.push((schema, df.collect().await?));
        }
        anyhow::Ok(results)
    })?;
    drop(reading);
    super::write_output(cfg.out.as_deref(), |mut w| Ok(write_all(cfg.format, &results, &mut w)?))?;
    if cfg.format == OutputFormat::Table || std::io::stderr().is_terminal() {
        eprintln!("{}", row_summary(&results));
    }
    Ok(ExitCode::SUCCESS)
}

/// The runtime that executes plans: workers with [`WORKER_STACK`], and a blocking pool
/// capped at [`BLOCKING_THREADS`].
pub(crate) fn engine_runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().thread_stack_size(WORKER_STACK).max_blocking_threads(BLOCKING_THREADS).enable_all().build()
}

type ResultSet = (SchemaRef, Vec<datafusion::arrow::array::RecordBatch>);

/// Each result set in turn: tables separated by a blank line, JSON lines one after another.
fn write_all<W: Write>(format: OutputFormat, results: &[ResultSet], out: &mut W) -> anyhow::Result<()> {
    for (i, (schema, batches)) in results.iter().enumerate() {
        if i > 0 && format == OutputFormat::Table {
            writeln!(out)?;
        }
        write_results(format, schema, batches, &mut *out)?;
    }
    Ok(())
}

/// `(3 rows)`, or for a batch `(2 result sets: 3 rows, 1 row)`.
fn row_summary(results: &[ResultSet]) -> String {
    let rows = |(_, batches): &ResultSet| {
        let n: usize = batches.iter().map(|b| b.num_rows()).sum();
        format!("{n} row{}", if n == 1 { "" } else { "s" })
    };
    match results {
        [one] => format!("({})", rows(one)),
        many => format!("({} result sets: {})", many.len(), many.iter().map(rows).collect::<Vec<_>>().join(", ")),
    }
}

/// The SQL text's statements as data frames: one statement as DataFusion runs it, several
/// (a batch, as `translate` prints for a KQL batch) one after another.
async fn sql_frames(ctx: &datafusion::prelude::SessionContext, text: &str) -> anyhow::Result<Vec<datafusion::prelude::DataFrame>> {
    let limit = ctx.state().config().options().sql_parser.recursion_limit.get();
    let statements = datafusion::sql::parser::DFParserBuilder::new(text).with_recursion_limit(limit).build()?.parse_statements()?;
    if statements.len() <= 1 {
        return Ok(vec![ctx.sql(text).await?]);
    }
    let mut frames = Vec::with_capacity(statements.len());
    for statement in statements {
        let plan = ctx.state().statement_to_plan(statement).await?;
        frames.push(ctx.execute_logical_plan(plan).await?);
    }
    Ok(frames)
}
