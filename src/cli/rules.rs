//! `lakehunt rules lint`: checks rule files (YAML and KQL) and reports each failure with
//! its file, line, column and an excerpt.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::UsageError;
use crate::kql::span::{excerpt, line_col};
use crate::rules::lint::lint_script;
use crate::plan::{PlanContext, PlanErrorKind, plan_batch};
use crate::rules::load_rule;

/// Subcommands of `lakehunt rules`.
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Check that rule files load, their KQL parses, and it plans against the catalog.
    Lint(LintArgs),
}

/// Flags of `lakehunt rules lint`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    lakehunt rules lint rules/\n  \
    lakehunt rules lint ../shared/corpus my-rule.yaml\n\n\
    Each finding prints as `file:line:col: message` with the line and a caret: a YAML or KQL \
    error, a warning (a likely misspelt function), `unsupported:` for a construct lakehunt \
    does not run yet (named), or `error:` for a query that cannot plan against the Defender \
    tables (an unknown table or column). The last line counts each outcome; the exit status \
    is 1 when a rule failed to load, parse or plan, and 0 when the only findings are \
    warnings and unsupported constructs.")]
pub struct LintArgs {
    /// Rule files, or directories searched recursively for *.yaml and *.yml.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

/// Runs `rules`.
pub fn run(cmd: RulesCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        RulesCommand::Lint(args) => lint(args),
    }
}

fn lint(args: LintArgs) -> anyhow::Result<ExitCode> {
    let files = collect(&args.paths)?;
    let mut out = std::io::stdout().lock();
    let mut failed = 0;
    let (mut unsupported, mut unplanned) = (0, 0);
    // Planning needs only the catalog's schemas; `now` only shifts constants.
    let cx = PlanContext::in_memory(super::time::now());
    for file in &files {
        let rule = match load_rule(file) {
            Ok(rule) => rule,
            Err(e) => {
                failed += 1;
                writeln!(out, "{e}\n")?;
                continue;
            }
        };
        match rule.parse() {
            Ok(script) => {
                for finding in lint_script(&script) {
                    let (line, column) = rule.file_position(line_col(&rule.query, finding.span.start));
                    writeln!(out, "{}:{line}:{column}: warning: {}\n{}\n", file.display(), finding.message, excerpt(&rule.query, finding.span))?;
                }
                if let Err(e) = plan_batch(&rule.query, &script, &cx) {
                    let (line, column) = rule.file_position((e.line, e.column));
                    let label = if e.kind == PlanErrorKind::Unsupported { "unsupported" } else { "error" };
                    writeln!(out, "{}:{line}:{column}: {label}: {}\n{}\n", file.display(), e.message, e.excerpt)?;
                    match e.kind {
                        PlanErrorKind::Unsupported => unsupported += 1,
                        _ => unplanned += 1,
                    }
                }
            }
            Err(e) => {
                failed += 1;
                writeln!(out, "{e}\n")?;
            }
        }
    }
    let parsed = files.len() - failed;
    let planned = parsed - unsupported - unplanned;
    writeln!(out, "{parsed} parsed, {planned} planned, {unsupported} unsupported, {unplanned} did not plan, {failed} failed to load or parse")?;
    Ok(if failed + unplanned == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// The rule files named by `paths`, sorted; directories are searched recursively.
fn collect(paths: &[PathBuf]) -> Result<Vec<PathBuf>, UsageError> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            files.extend(crate::rules::rule_files_under(path).map_err(|e| UsageError(format!("{}: {e}", path.display())))?);
        } else if path.is_file() {
            files.push(path.clone());
        } else {
            return Err(UsageError(format!("{}: no such file or directory", path.display())));
        }
    }
    files.sort();
    files.dedup();
    Ok(files)
}
