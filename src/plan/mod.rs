//! KQL AST → DataFusion [`LogicalPlan`]. Planning is schema-aware (it knows the catalog)
//! but never touches files: tables arrive as [`TableSource`]s in a [`PlanContext`].
//!
//! One file per tabular operator family, one for scalar expressions and one for function
//! calls; the naming rules live in [`names`].

mod array_calls;
mod calls;
mod error;
mod expr;
mod join;
mod mv_expand;
pub mod literal;
pub mod names;
mod parse_kv;
mod parse_op;
mod project;
mod source;
mod summarize;
mod tabular;
mod to_sql;
mod window;
pub mod types;

use std::collections::BTreeMap;
use std::sync::Arc;

use datafusion::catalog::TableProvider;
use datafusion::datasource::{MemTable, provider_as_source};
use datafusion::logical_expr::{Expr, LogicalPlan, TableSource};
use datafusion::prelude::SessionContext;

pub use error::{PlanError, PlanErrorKind};
pub use to_sql::to_sql;

use crate::catalog::Catalog;
use crate::functions::Registry;
use crate::kql::ast::{Function, LetValue, Script, Statement};
use crate::kql::{ParseError, ParseOptions, Span};

/// Nesting depth past which planning refuses (user functions can recurse).
const MAX_DEPTH: usize = 64;

/// What planning needs besides the query: the tables, the functions, and the pinned `now`.
#[derive(Clone)]
pub struct PlanContext {
    tables: BTreeMap<String, Arc<dyn TableSource>>,
    /// The KQL functions.
    pub registry: Registry,
    /// `now()` for the whole query, in Unix nanoseconds.
    pub now: i64,
    /// When set, every table reads only the rows whose `Timestamp` is in `[from, to)`
    /// (Unix nanoseconds): a hunt's window.
    pub window: Option<(i64, i64)>,
}

impl PlanContext {
    /// Every catalog table as an empty in-memory table: planning without a lake.
    pub fn in_memory(now: i64) -> Self {
        let mut tables = BTreeMap::new();
        for t in Catalog.tables() {
            // MemTable::try_new only fails on a schema mismatch with its batches; it has none.
            if let Ok(mem) = MemTable::try_new(t.table_schema(), vec![vec![]]) {
                tables.insert(t.name.to_string(), provider_as_source(Arc::new(mem) as Arc<dyn TableProvider>));
            }
        }
        Self { tables, registry: Registry::new(), now, window: None }
    }

    /// The catalog tables as registered in `ctx` (by `register_lake`).
    pub async fn from_session(ctx: &SessionContext, now: i64) -> datafusion::common::Result<Self> {
        let mut tables = BTreeMap::new();
        for t in Catalog.tables() {
            let provider = ctx.table_provider(datafusion::common::TableReference::bare(t.name)).await?;
            tables.insert(t.name.to_string(), provider_as_source(provider));
        }
        Ok(Self { tables, registry: Registry::new(), now, window: None })
    }

    /// The table `name`, if the catalog has it.
    pub fn table(&self, name: &str) -> Option<Arc<dyn TableSource>> {
        self.tables.get(name).cloned()
    }

    /// Table names, sorted.
    pub fn table_names(&self) -> impl Iterator<Item = &str> {
        self.tables.keys().map(String::as_str)
    }
}

impl std::fmt::Debug for PlanContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlanContext").field("tables", &self.tables.keys().collect::<Vec<_>>()).field("now", &self.now).finish()
    }
}

/// A query that could not be turned into a plan.
#[derive(Debug, Clone, thiserror::Error)]
pub enum QueryError {
    /// It does not parse.
    #[error("{0}")]
    Parse(#[from] ParseError),
    /// It parses but cannot be planned.
    #[error("{0}")]
    Plan(#[from] PlanError),
}

impl QueryError {
    /// 1-based line and column of the fault.
    pub fn line_col(&self) -> (usize, usize) {
        match self {
            QueryError::Parse(e) => (e.line, e.column),
            QueryError::Plan(e) => (e.line, e.column),
        }
    }
}

/// Parses and plans a KQL query.
pub fn plan_kql(src: &str, cx: &PlanContext) -> Result<LogicalPlan, QueryError> {
    plan_kql_with(src, cx, ParseOptions::default())
}

/// Parses (with `options`) and plans a KQL query.
pub fn plan_kql_with(src: &str, cx: &PlanContext, options: ParseOptions) -> Result<LogicalPlan, QueryError> {
    let script = crate::kql::parse_with(src, options)?;
    Ok(plan_script(src, &script, cx)?)
}

/// Plans a parsed script that has exactly one tabular statement (see [`plan_batch`] for
/// scripts with several).
pub fn plan_script(src: &str, script: &Script, cx: &PlanContext) -> Result<LogicalPlan, PlanError> {
    let mut plans = plan_batch(src, script, cx)?;
    if plans.len() > 1 {
        let second = script.statements.iter().filter_map(|s| if let Statement::Query(e) = s { Some(e.span()) } else { None }).nth(1);
        let planner = Planner::new(src, cx);
        return Err(planner.unsupported(second.unwrap_or(script.span), "a second tabular statement here (this command takes one result)"));
    }
    // plan_batch returns at least one plan or an error.
    Ok(plans.remove(0))
}

/// Plans a parsed script: its statements in order, one plan per tabular statement. A
/// script with several is a Kusto batch, which returns one result set per statement;
/// each `let` is visible to the statements after it (batches.md).
pub fn plan_batch(src: &str, script: &Script, cx: &PlanContext) -> Result<Vec<LogicalPlan>, PlanError> {
    let mut planner = Planner::new(src, cx);
    let mut plans = Vec::new();
    for statement in &script.statements {
        match statement {
            Statement::Let { name, value, .. } => planner.bind(&name.name, value)?,
            Statement::Set { .. } => {}
            Statement::DeclareQueryParameters { span, .. } => {
                return Err(planner.unsupported(*span, "`declare query_parameters`"));
            }
            Statement::Query(e) => {
                let plan = planner.tabular(e)?;
                plans.push(planner.finish(plan)?);
            }
        }
    }
    if plans.is_empty() {
        return Err(planner.invalid(script.span, "the query has no tabular statement to run"));
    }
    Ok(plans)
}

/// Parses and plans a KQL query that may be a batch of several tabular statements.
pub fn plan_kql_batch(src: &str, cx: &PlanContext, options: ParseOptions) -> Result<Vec<LogicalPlan>, QueryError> {
    let script = crate::kql::parse_with(src, options)?;
    Ok(plan_batch(src, &script, cx)?)
}

/// A `let` binding.
#[derive(Debug, Clone)]
enum Binding {
    /// A scalar value (already lowered; constant in practice).
    Scalar(Expr),
    /// A tabular expression, planned.
    Table(LogicalPlan),
    /// A user function, expanded at each call.
    Function(Function),
}

/// Planning state: the source text (for error positions), the context and the `let` scopes.
pub(crate) struct Planner<'a> {
    src: &'a str,
    cx: &'a PlanContext,
    scopes: Vec<BTreeMap<String, Binding>>,
    depth: usize,
    /// Numbers the derived tables that [`Planner::boxed`] makes.
    boxes: std::cell::Cell<usize>,
    /// The row order that `row_number()`, `row_cumsum()`, `prev()` and `next()` follow,
    /// while an operator that allows them plans its items.
    window_order: Option<window::SerialOrder>,
    /// The sort keys that order `make_list`'s elements: those of the summarize input's
    /// serial order, when it has one (make-list-aggregation-function.md: the list follows
    /// the input's order when the input is sorted).
    list_order: Vec<datafusion::logical_expr::SortExpr>,
}

impl<'a> Planner<'a> {
    fn new(src: &'a str, cx: &'a PlanContext) -> Self {
        Self { src, cx, scopes: vec![BTreeMap::new()], depth: 0, boxes: std::cell::Cell::new(0), window_order: None, list_order: Vec::new() }
    }

    fn bind(&mut self, name: &str, value: &LetValue) -> Result<(), PlanError> {
        let binding = match value {
            LetValue::Function(f) => Binding::Function(f.clone()),
            LetValue::Expr(e) if self.is_tabular(e) => Binding::Table(self.tabular(e)?),
            LetValue::Expr(e) => Binding::Scalar(self.constant(e)?),
        };
        if let Some(scope) = self.scopes.last_mut() {
            scope.insert(name.to_string(), binding);
        }
        Ok(())
    }

    fn lookup(&self, name: &str) -> Option<&Binding> {
        self.scopes.iter().rev().find_map(|s| s.get(name))
    }

    fn enter(&mut self, span: Span) -> Result<(), PlanError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.invalid(span, format!("the query nests deeper than {MAX_DEPTH} levels (a recursive function?)")));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// `plan` as a derived table of its own. A projection that names columns is boxed so
    /// that the SQL `translate` prints nests a subquery there: DataFusion's unparser
    /// otherwise folds projections together and loses the names the next step reads.
    pub(crate) fn boxed(&self, plan: LogicalPlan, span: Span) -> Result<LogicalPlan, PlanError> {
        self.aliased(plan, "__t", span)
    }

    /// `plan` under a fresh alias `<prefix><n>`.
    pub(crate) fn aliased(&self, plan: LogicalPlan, prefix: &str, span: Span) -> Result<LogicalPlan, PlanError> {
        let n = self.boxes.get() + 1;
        self.boxes.set(n);
        datafusion::logical_expr::LogicalPlanBuilder::from(plan).alias(format!("{prefix}{n}")).and_then(|b| b.build()).map_err(self.df(span))
    }

    pub(crate) fn unsupported(&self, span: Span, what: impl std::fmt::Display) -> PlanError {
        PlanError::new(PlanErrorKind::Unsupported, self.src, span, format!("{what} is not supported"))
    }

    pub(crate) fn invalid(&self, span: Span, message: impl Into<String>) -> PlanError {
        PlanError::new(PlanErrorKind::Invalid, self.src, span, message)
    }

    pub(crate) fn df(&self, span: Span) -> impl Fn(datafusion::error::DataFusionError) -> PlanError + '_ {
        move |e| PlanError::new(PlanErrorKind::Internal, self.src, span, format!("planning failed: {}", e.strip_backtrace()))
    }
}
