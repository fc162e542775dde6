//! The command line: clap definitions ([`Cli`]), one file per subcommand that validates
//! raw arguments into a config before any work, and [`run`].

mod gen_cmd;
mod hunt;
mod ingest;
pub mod query;
mod rules;
mod translate;
pub mod time;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// An error in how the tool was called (exit status 2), as opposed to a failure while
/// working (exit status 1).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Hunt for attackers with KQL over a Parquet lake of Microsoft Defender telemetry.
#[derive(Debug, Parser)]
#[command(
    name = "lakehunt",
    version,
    about,
    long_about = "Hunt for attackers with KQL over a Parquet lake of Microsoft Defender telemetry.\n\n\
        A lake is a directory of Parquet files, <lake>/<Table>/date=YYYY-MM-DD/*.parquet, holding \
        the Defender Advanced Hunting tables (DeviceProcessEvents, DeviceNetworkEvents, ...).",
    after_help = "Examples:\n  \
        lakehunt gen --lake /tmp/lake --devices 5 --days 3\n  \
        lakehunt ingest --lake /tmp/lake exports/\n  \
        lakehunt hunt --rules rules/ --format jsonl\n  \
        lakehunt query --sql \"SELECT count(*) FROM DeviceProcessEvents\"\n  \
        lakehunt rules lint rules/\n\n\
        Exit status: 0 success, 1 runtime error, 2 usage error."
)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate synthetic telemetry with planted attacks into a lake.
    Gen(gen_cmd::GenArgs),
    /// Read Defender exports (Streaming API JSON, Advanced Hunting CSV, JSON lines) into a lake.
    Ingest(ingest::IngestArgs),
    /// Merge the small files of the lake's day partitions into larger sorted ones.
    Compact(ingest::CompactArgs),
    /// Run a query over the lake and print the rows.
    Query(query::QueryArgs),
    /// Print the DataFusion SQL that a KQL query or rule becomes.
    Translate(translate::TranslateArgs),
    /// Run a rule pack over the lake and print the findings.
    Hunt(hunt::HuntArgs),
    /// Check rule files.
    #[command(subcommand)]
    Rules(rules::RulesCommand),
}

/// Runs `write` on `out` (written atomically, see [`crate::output::AtomicFile`]) or, when
/// there is none, on standard output.
pub(crate) fn write_output(out: Option<&std::path::Path>, write: impl FnOnce(&mut dyn std::io::Write) -> anyhow::Result<()>) -> anyhow::Result<()> {
    match out {
        Some(path) => {
            let mut file = crate::output::AtomicFile::create(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            write(&mut file)?;
            file.commit().map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
        }
        None => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            write(&mut lock)?;
            Ok(std::io::Write::flush(&mut lock)?)
        }
    }
}

/// The stack of the thread a command runs on. Parsing,
/// planning, SQL unparsing and DataFusion's optimizer recurse once per operator, and a long
/// rule's plan nests hundreds of levels deep: a corpus rule overflowed the 8 MiB main stack
/// in `translate`. Pages are touched only as deep a query goes.
pub const COMMAND_STACK: usize = 256 << 20;

/// Runs a parsed command line on a thread with a [`COMMAND_STACK`]-sized stack.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let worker = std::thread::Builder::new().name("lakehunt".into()).stack_size(COMMAND_STACK).spawn(move || dispatch(cli))?;
    // A panic is a bug; its message is already printed, and the exit status says failure.
    worker.join().unwrap_or_else(|_| Err(anyhow::anyhow!("internal error: the command stopped unexpectedly")))
}

fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Gen(args) => gen_cmd::run(args),
        Command::Ingest(args) => ingest::run_ingest(args),
        Command::Compact(args) => ingest::run_compact(args),
        Command::Query(args) => query::run(args),
        Command::Translate(args) => translate::run(args),
        Command::Hunt(args) => hunt::run(args),
        Command::Rules(cmd) => rules::run(cmd),
    }
}
