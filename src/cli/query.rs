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
use crate::plan::{PlanContext, plan_kql};

/// A KQL query that does not parse or plan; the message holds its position and excerpt.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct QueryTextError(pub String);
use crate::output::{AtomicFile, OutputFormat, write_results};

/// Flags of `lakehunt query`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    lakehunt query \"DeviceProcessEvents | where FileName =~ 'cmd.exe' | summarize count() by DeviceName\"\n  \
    lakehunt query --now 2026-11-27T00:00:00Z \"DeviceNetworkEvents | where Timestamp > ago(1h) | take 10\"\n  \
    lakehunt query --sql \"SELECT DeviceName, count(*) AS n FROM DeviceProcessEvents GROUP BY DeviceName ORDER BY n DESC\"\n  \
    lakehunt query --sql --format jsonl --out rows.jsonl \"SELECT * FROM DeviceNetworkEvents LIMIT 10\"\n  \
    echo \"SELECT count(*) FROM DeviceInfo\" | lakehunt query --sql -\n\n\
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
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let (schema, batches) = runtime.block_on(async {
        let ctx = new_session();
        register_lake(&ctx, &cfg.lake)?;
        let registry = Registry::new();
        registry.register(&ctx);
        let df = if cfg.sql {
            ctx.sql(&cfg.text).await?
        } else {
            let cx = PlanContext::from_session(&ctx, cfg.now).await?;
            let plan = plan_kql(&cfg.text, &cx).map_err(|e| QueryTextError(format!("query:{e}")))?;
            ctx.execute_logical_plan(plan).await?
        };
        let schema: SchemaRef = Arc::new(df.schema().as_arrow().clone());
        let batches = df.collect().await?;
        anyhow::Ok((schema, batches))
    })?;
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    match &cfg.out {
        Some(path) => {
            let mut file = AtomicFile::create(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            write_results(cfg.format, &schema, &batches, &mut file)?;
            file.commit().map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        }
        None => {
            let stdout = std::io::stdout();
            write_results(cfg.format, &schema, &batches, stdout.lock())?;
            stdout.lock().flush()?;
        }
    }
    if cfg.format == OutputFormat::Table || std::io::stderr().is_terminal() {
        eprintln!("({rows} row{})", if rows == 1 { "" } else { "s" });
    }
    Ok(ExitCode::SUCCESS)
}
