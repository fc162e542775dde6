//! The `lakehunt` binary: parse arguments, run, map the outcome to an exit status.

use std::process::ExitCode;

use clap::Parser;
use lakehunt::cli::{Cli, UsageError, run};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            // A closed pipe (`lakehunt query … | head`) is the reader's choice, not a failure.
            if err.chain().any(|e| e.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)) {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {}", describe(&err));
            if err.downcast_ref::<UsageError>().is_some() { ExitCode::from(2) } else { ExitCode::from(1) }
        }
    }
}

/// The error and its causes, skipping a cause whose text the message before it already
/// carries (DataFusion errors often repeat their source).
fn describe(err: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if !out.contains(&text) {
            if !out.is_empty() {
                out.push_str(": ");
            }
            out.push_str(&text);
        }
    }
    out
}
