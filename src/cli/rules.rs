//! `lakehunt rules lint`: checks rule files (YAML and KQL) and reports each failure with
//! its file, line, column and an excerpt.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::UsageError;
use crate::kql::span::{excerpt, line_col};
use crate::rules::lint::lint_script;
use crate::rules::load_rule;

/// Subcommands of `lakehunt rules`.
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Check that rule files load and their KQL parses.
    Lint(LintArgs),
}

/// Flags of `lakehunt rules lint`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    lakehunt rules lint rules/\n  \
    lakehunt rules lint ../shared/corpus my-rule.yaml\n\n\
    Each failure prints as `file:line:col: message` with the line and a caret. The last line \
    is `N parsed, M failed`; the exit status is 1 when any rule failed.")]
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
            }
            Err(e) => {
                failed += 1;
                writeln!(out, "{e}\n")?;
            }
        }
    }
    writeln!(out, "{} parsed, {failed} failed", files.len() - failed)?;
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// The rule files named by `paths`, sorted; directories are searched recursively.
fn collect(paths: &[PathBuf]) -> Result<Vec<PathBuf>, UsageError> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            walk(path, &mut files).map_err(|e| UsageError(format!("{}: {e}", path.display())))?;
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

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
    Ok(())
}
