//! `hunt`: runs a rule pack over the lake within a window. Rules are planned one by one
//! (an error stops only its rule), a rule whose tables hold no data is skipped, and the
//! others run concurrently. Each rule's findings come back in a fixed order, so that a
//! hunt's output is identical from run to run.

pub mod findings;
pub mod summary;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::logical_expr::LogicalPlan;
use datafusion::physical_plan::{ExecutionPlan, collect};
use datafusion::prelude::SessionContext;
use futures::StreamExt;

use crate::catalog::{new_session, register_lake};
use crate::functions::Registry;
use crate::plan::{PlanContext, plan_batch};
use crate::rules::Rule;

/// What a hunt runs over.
#[derive(Debug, Clone)]
pub struct HuntConfig {
    /// The lake directory.
    pub lake: std::path::PathBuf,
    /// `now()` for every rule, Unix nanoseconds.
    pub now: i64,
    /// `[from, to)` in Unix nanoseconds: every table scan reads only these rows.
    pub window: Option<(i64, i64)>,
    /// Most rules running at once.
    pub jobs: usize,
}

/// One result set of a rule, its rows in the hunt's fixed order.
#[derive(Debug, Clone)]
pub struct ResultSet {
    /// The columns.
    pub schema: SchemaRef,
    /// The rows.
    pub batch: RecordBatch,
}

/// How a rule fared.
#[derive(Debug, Clone)]
pub enum Status {
    /// It ran; one result set per tabular statement.
    Ran {
        /// The findings.
        results: Vec<ResultSet>,
        /// Tables it reads that hold no data in the lake.
        empty_tables: Vec<String>,
    },
    /// It did not run, for `reason`.
    Skipped(String),
    /// It failed: parse, plan or run error, positioned in the rule file where possible.
    Failed(String),
}

/// One rule's outcome.
#[derive(Debug, Clone)]
pub struct RuleReport {
    /// The rule.
    pub rule: Rule,
    /// What happened.
    pub status: Status,
    /// Rows the rule's scans read from the lake.
    pub rows_scanned: usize,
    /// Time to plan and run it.
    pub elapsed: Duration,
}

impl RuleReport {
    /// The number of findings (0 unless it ran).
    pub fn findings(&self) -> usize {
        match &self.status {
            Status::Ran { results, .. } => results.iter().map(|r| r.batch.num_rows()).sum(),
            _ => 0,
        }
    }
}

/// Runs `rules` over the lake. `on_done` hears of each rule as it finishes (for
/// progress); the reports come back in the order of `rules`. Fails only when the lake
/// itself cannot be opened.
pub async fn hunt(cfg: &HuntConfig, rules: Vec<Rule>, on_done: &mut (dyn FnMut(&RuleReport) + Send)) -> anyhow::Result<Vec<RuleReport>> {
    // Held until every rule has run: no ingest or compact puts files in place meanwhile.
    let _reading = crate::ingest::publish::ReadGuard::acquire(&cfg.lake)?;
    let ctx = new_session();
    let lake = register_lake(&ctx, &cfg.lake)?;
    Registry::new().register(&ctx);
    let mut cx = PlanContext::from_session(&ctx, cfg.now).await?;
    cx.window = cfg.window;
    let with_data: BTreeSet<&str> = lake.tables.iter().filter(|t| t.files > 0).map(|t| t.name).collect();

    let mut reports: Vec<Option<RuleReport>> = vec![None; rules.len()];
    let mut runnable = Vec::new();
    for (i, rule) in rules.into_iter().enumerate() {
        let started = Instant::now();
        match plan_rule(&rule, &cx) {
            Err(message) => reports[i] = Some(report(rule, Status::Failed(message), started)),
            Ok(plans) => {
                let tables = tables_read(&plans);
                let empty: Vec<String> = tables.iter().filter(|t| !with_data.contains(t.as_str())).cloned().collect();
                if !tables.is_empty() && empty.len() == tables.len() {
                    let reason = format!("no data in the lake for {}", empty.join(", "));
                    reports[i] = Some(report(rule, Status::Skipped(reason), started));
                } else {
                    runnable.push((i, rule, plans, empty, started.elapsed()));
                }
            }
        }
    }
    for r in reports.iter().flatten() {
        on_done(r);
    }

    let mut running = futures::stream::iter(runnable.into_iter().map(|(i, rule, plans, empty, planning)| {
        let ctx = ctx.clone();
        async move {
            // Timed from here, not from planning: a rule may wait for a free job first.
            let started = Instant::now();
            // A task of its own, so that a panic in the engine fails this rule only.
            let outcome = tokio::spawn(async move { execute(&ctx, plans).await }).await;
            let (status, scanned) = match outcome {
                Ok(Ok((results, scanned))) => (Status::Ran { results, empty_tables: empty }, scanned),
                Ok(Err(e)) => (Status::Failed(format!("{}: {e}", rule.path.display())), 0),
                Err(e) => (Status::Failed(format!("{}: internal error: {e}", rule.path.display())), 0),
            };
            let r = RuleReport { rule, status, rows_scanned: scanned, elapsed: planning + started.elapsed() };
            (i, r)
        }
    }))
    .buffer_unordered(cfg.jobs.max(1));
    while let Some((i, r)) = running.next().await {
        on_done(&r);
        reports[i] = Some(r);
    }
    // Every index was filled: by planning, or by its task above.
    Ok(reports.into_iter().flatten().collect())
}

fn report(rule: Rule, status: Status, started: Instant) -> RuleReport {
    RuleReport { rule, status, rows_scanned: 0, elapsed: started.elapsed() }
}

/// Parses and plans a rule; the error text names the file, line and column.
fn plan_rule(rule: &Rule, cx: &PlanContext) -> Result<Vec<LogicalPlan>, String> {
    let script = rule.parse().map_err(|e| e.to_string())?;
    plan_batch(&rule.query, &script, cx).map_err(|e| {
        let (line, column) = rule.file_position((e.line, e.column));
        format!("{}:{line}:{column}: {}\n{}", rule.path.display(), e.message, e.excerpt)
    })
}

/// The lake tables the plans scan, sorted.
pub fn tables_read(plans: &[LogicalPlan]) -> Vec<String> {
    let mut tables = BTreeSet::new();
    for plan in plans {
        let _ = plan.apply_with_subqueries(|p| {
            if let LogicalPlan::TableScan(scan) = p {
                tables.insert(scan.table_name.table().to_string());
            }
            Ok(datafusion::common::tree_node::TreeNodeRecursion::Continue)
        });
    }
    tables.into_iter().collect()
}

/// Runs the plans; their result sets in the hunt's order, and the rows scanned.
async fn execute(ctx: &SessionContext, plans: Vec<LogicalPlan>) -> datafusion::common::Result<(Vec<ResultSet>, usize)> {
    let mut results = Vec::with_capacity(plans.len());
    let mut scanned = 0;
    for plan in plans {
        let physical = ctx.state().create_physical_plan(&plan).await?;
        let schema = physical.schema();
        let batches = collect(Arc::clone(&physical), ctx.task_ctx()).await?;
        scanned += rows_scanned(&physical);
        results.push(findings::in_order(schema, &batches)?);
    }
    Ok((results, scanned))
}

/// The rows the plan's leaves (the lake scans) read after pruning by partition, row-group
/// statistics and page index: those they produced and those their pushed-down filters
/// dropped.
fn rows_scanned(plan: &Arc<dyn ExecutionPlan>) -> usize {
    if plan.children().is_empty() {
        let Some(m) = plan.metrics() else { return 0 };
        let dropped = m.sum_by_name("pushdown_rows_pruned").map_or(0, |v| v.as_usize());
        return m.output_rows().unwrap_or(0) + dropped;
    }
    plan.children().iter().map(|c| rows_scanned(c)).sum()
}
