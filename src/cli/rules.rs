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
    /// List rules: id, name, tactics, techniques and the tables each reads.
    List(ListArgs),
    /// ATT&CK coverage: how many rules detect each technique, per tactic.
    Coverage(CoverageArgs),
}

/// Flags of `lakehunt rules list`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    lakehunt rules list rules/\n  \
    lakehunt rules list --format json rules/ | jq -r '.[] | select(.tables | index(\"DeviceLogonEvents\")) | .id'\n\n\
    Tables are those the rule's query reads once planned; a rule that does not plan shows none \
    (run `rules lint` to see why). Files that fail to load are reported on standard error, \
    and the exit status is then 1.")]
pub struct ListArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
    /// Rule files, or directories searched recursively for *.yaml and *.yml.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

/// How `rules list` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    /// Aligned columns.
    Table,
    /// One JSON array of rule objects.
    Json,
}

/// Flags of `lakehunt rules coverage`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    lakehunt rules coverage rules/\n  \
    lakehunt rules coverage rules/ --navigator coverage.json\n\n\
    A Sentinel rule lists tactics and techniques separately, so each technique of a rule counts \
    under each of its tactics. The Navigator layer (ATT&CK Navigator, layer format 4.5) scores \
    each technique by its number of rules; open it in the Navigator with \"Open Existing Layer\".")]
pub struct CoverageArgs {
    /// Also write an ATT&CK Navigator layer (JSON) to FILE.
    #[arg(long, value_name = "FILE")]
    pub navigator: Option<PathBuf>,
    /// Rule files, or directories searched recursively for *.yaml and *.yml.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
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
        RulesCommand::List(args) => list(args),
        RulesCommand::Coverage(args) => coverage(args),
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
        for w in &rule.warnings {
            writeln!(out, "{}: warning: {w}\n", file.display())?;
        }
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

/// Loads a pack for `list` and `coverage`; load errors go to standard error.
fn load(paths: &[PathBuf]) -> anyhow::Result<(Vec<crate::rules::Rule>, bool)> {
    let pack = crate::rules::pack::load_pack(paths).map_err(|e| UsageError(e.to_string()))?;
    for e in &pack.errors {
        eprintln!("error: {e}\n");
    }
    for r in &pack.rules {
        for w in &r.warnings {
            eprintln!("{}: warning: {w}\n", r.path.display());
        }
    }
    Ok((pack.rules, pack.errors.is_empty()))
}

fn list(args: ListArgs) -> anyhow::Result<ExitCode> {
    let (rules, clean) = load(&args.paths)?;
    let cx = PlanContext::in_memory(super::time::now());
    let tables: Vec<Vec<String>> = rules.iter().map(|r| tables_of(r, &cx)).collect();
    let mut out = std::io::stdout().lock();
    match args.format {
        ListFormat::Json => {
            let items: Vec<serde_json::Value> = rules
                .iter()
                .zip(&tables)
                .map(|(r, t)| {
                    serde_json::json!({
                        "id": r.id, "name": r.name, "severity": r.severity, "kind": r.kind, "version": r.version,
                        "tactics": r.tactics, "techniques": r.techniques, "tables": t, "dataTypes": r.data_types,
                        "path": r.path.display().to_string(),
                    })
                })
                .collect();
            writeln!(out, "{}", serde_json::to_string_pretty(&items)?)?;
        }
        ListFormat::Table => {
            let join = |v: &[String]| v.join(",");
            let rows: Vec<[String; 5]> = rules.iter().zip(&tables).map(|(r, t)| [r.id.clone(), r.name.clone(), join(&r.tactics), join(&r.techniques), join(t)]).collect();
            let header = ["id", "name", "tactics", "techniques", "tables"].map(String::from);
            let widths: Vec<usize> = (0..5).map(|i| rows.iter().chain([&header]).map(|r| r[i].chars().count()).max().unwrap_or(0)).collect();
            for row in [&header].into_iter().chain(&rows) {
                let cells: Vec<String> = row.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
                writeln!(out, "{}", cells.join("  ").trim_end())?;
            }
            writeln!(out, "\n{} rules", rules.len())?;
        }
    }
    Ok(if clean { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// The tables a rule reads once planned; none when it does not plan.
fn tables_of(rule: &crate::rules::Rule, cx: &PlanContext) -> Vec<String> {
    let Ok(script) = rule.parse() else { return Vec::new() };
    let Ok(plans) = plan_batch(&rule.query, &script, cx) else { return Vec::new() };
    crate::hunt::tables_read(&plans)
}

fn coverage(args: CoverageArgs) -> anyhow::Result<ExitCode> {
    let (rules, clean) = load(&args.paths)?;
    let coverage = crate::rules::coverage::Coverage::of(&rules);
    print!("{}", coverage.table());
    if let Some(path) = &args.navigator {
        let layer = coverage.navigator_layer("lakehunt coverage");
        let mut file = crate::output::AtomicFile::create(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        writeln!(file, "{}", serde_json::to_string_pretty(&layer)?)?;
        file.commit().map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        eprintln!("wrote the ATT&CK Navigator layer {}", path.display());
    }
    Ok(if clean { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// The rule files named by `paths`, sorted; directories are searched recursively.
fn collect(paths: &[PathBuf]) -> Result<Vec<PathBuf>, UsageError> {
    crate::rules::pack::pack_files(paths).map_err(|e| UsageError(e.to_string()))
}
