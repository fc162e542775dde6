//! The functions of serialized rows: `row_number()`, `row_cumsum()`, `prev()` and
//! `next()`, as window functions ordered by the sort that made the rows serial.
//!
//! Kusto numbers rows in the order they arrive after `sort`, `top` or `serialize`. A plan
//! has no such order of its own, so the window is ordered by the keys of the nearest sort
//! below; when those keys no longer exist (projected away or computed), the function is
//! refused rather than numbered in some other order. Rows that `serialize` or `range` made
//! serial without a sort are numbered in the order they come; rows nothing serialized
//! are refused, as Kusto refuses them.

use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{Column, ScalarValue};
use datafusion::logical_expr::{Expr, ExprFunctionExt, LogicalPlan, LogicalPlanBuilder, SortExpr, lit};

use super::{PlanError, Planner};
use crate::catalog::KustoType;
use crate::kql::Span;

/// The order a window function numbers rows in: the sort keys (none: serialized in no
/// particular order), or why there is none.
pub(crate) type SerialOrder = Result<Vec<SortExpr>, OrderGap>;

/// Why rows have no order to number them in.
#[derive(Debug, Clone)]
pub(crate) enum OrderGap {
    /// Nothing serialized them (Kusto rejects the query).
    NotSerialized,
    /// They were sorted, by keys that are gone (lakehunt cannot follow that order).
    KeysLost(String),
}

/// The alias that marks a plan's rows as serialized (`serialize`, `range`).
pub(crate) const SERIAL_MARK: &str = "__serial";

impl Planner<'_> {
    /// The order of `input`'s rows, for the window functions of the next operator: found
    /// below the operators that keep rows serialized (serialize-operator.md lists them).
    pub(crate) fn serial_order(input: &LogicalPlan) -> SerialOrder {
        let mut plan = input;
        let mut serial = false;
        let mut projections = Vec::new();
        loop {
            match plan {
                LogicalPlan::Sort(sort) => return keys_in(&sort.expr, &projections),
                LogicalPlan::SubqueryAlias(a) if a.alias.table().starts_with(SERIAL_MARK) => {
                    // Serialized; a sort below still decides the order.
                    serial = true;
                    plan = &a.input;
                }
                LogicalPlan::Projection(p) => {
                    projections.push(p);
                    plan = &p.input;
                }
                LogicalPlan::SubqueryAlias(a) => plan = &a.input,
                LogicalPlan::Filter(f) => plan = &f.input,
                LogicalPlan::Limit(l) => plan = &l.input,
                LogicalPlan::Window(w) => plan = &w.input,
                // A table, a join, a summarize, a union: not serialized unless marked so.
                _ if serial => return Ok(Vec::new()),
                _ => return Err(OrderGap::NotSerialized),
            }
        }
    }

    /// `plan`'s rows marked as serialized, in the order they come.
    pub(crate) fn serialized(&self, plan: LogicalPlan, span: Span) -> Result<LogicalPlan, PlanError> {
        self.aliased(plan, SERIAL_MARK, span)
    }

    /// `row_number([start])`, `row_cumsum(x)`, `prev(x[, offset[, default]])`, `next(…)`
    /// over the serial order in force.
    pub(crate) fn window_call(&mut self, name: &str, mut a: Vec<Expr>, types: &[KustoType], span: Span) -> Result<Expr, PlanError> {
        let order = match &self.window_order {
            None => return Err(self.invalid(span, format!("{name}() needs serialized rows: use it in extend, project or serialize"))),
            Some(Err(OrderGap::NotSerialized)) => {
                return Err(self.invalid(span, format!("{name}() needs serialized rows: sort or serialize them first")));
            }
            Some(Err(OrderGap::KeysLost(why))) => return Err(self.unsupported(span, format!("{name}() here ({why})"))),
            Some(Ok(keys)) => keys.clone(),
        };
        let build = |e: Expr| if order.is_empty() { Ok(e) } else { e.order_by(order.clone()).build().map_err(self.df(span)) };
        match name {
            "row_number" => {
                if a.len() > 2 {
                    return Err(self.invalid(span, "row_number() takes a start and a restart condition"));
                }
                // A long, as Kusto's row_number() is (DataFusion counts in an unsigned type).
                let long = |e: Expr| Expr::Cast(datafusion::logical_expr::Cast::new(Box::new(e), datafusion::arrow::datatypes::DataType::Int64));
                let restart = if a.len() == 2 { a.pop() } else { None };
                let n = match restart {
                    // Numbering that starts again: a running count of ones.
                    Some(restart) => build(self.cx.registry.window("kql_restart_sum", vec![lit(1i64), restart]).map_err(self.df(span))?)?,
                    None => long(build(datafusion::functions_window::expr_fn::row_number())?),
                };
                Ok(match a.pop() {
                    Some(start) => n + long(start) - lit(1i64),
                    None => n,
                })
            }
            "row_cumsum" => {
                if a.is_empty() || a.len() > 2 {
                    return Err(self.invalid(span, "row_cumsum() takes a value and a restart condition"));
                }
                if let Some(restart) = a.get(1)
                    && !matches!(restart, Expr::Literal(ScalarValue::Boolean(Some(false)), _))
                {
                    let restart = restart.clone();
                    return build(self.cx.registry.window("kql_restart_sum", vec![a.swap_remove(0), restart]).map_err(self.df(span))?);
                }
                // Rows, not a range: rows that tie on the sort keys still add up one by one.
                let frame = datafusion::logical_expr::WindowFrame::new_bounds(
                    datafusion::logical_expr::WindowFrameUnits::Rows,
                    datafusion::logical_expr::WindowFrameBound::Preceding(ScalarValue::UInt64(None)),
                    datafusion::logical_expr::WindowFrameBound::CurrentRow,
                );
                let sum = Expr::from(datafusion::logical_expr::expr::WindowFunction::new(
                    datafusion::logical_expr::expr::WindowFunctionDefinition::AggregateUDF(datafusion::functions_aggregate::sum::sum_udaf()),
                    vec![a.swap_remove(0)],
                ));
                let framed = if order.is_empty() { sum.window_frame(frame) } else { sum.order_by(order.clone()).window_frame(frame) };
                framed.build().map_err(self.df(span))
            }
            _ => {
                if a.is_empty() || a.len() > 3 {
                    return Err(self.invalid(span, format!("{name}() takes a column, an offset and a default")));
                }
                let offset = match a.get(1).map(constant) {
                    None => 1,
                    Some(Some(ScalarValue::Int64(Some(n)))) => n,
                    Some(Some(ScalarValue::Int32(Some(n)))) => i64::from(n),
                    Some(_) => return Err(self.unsupported(span, format!("{name}() with a non-constant offset"))),
                };
                let default = match a.get(2).map(constant) {
                    None => None,
                    Some(Some(v)) => Some(v),
                    Some(None) => return Err(self.unsupported(span, format!("{name}() with a non-constant default"))),
                };
                let x = a.swap_remove(0);
                let is_string = types.first() == Some(&KustoType::String);
                let f = if name == "prev" { datafusion::functions_window::expr_fn::lag } else { datafusion::functions_window::expr_fn::lead };
                let shifted = build(f(x, Some(offset), default))?;
                // Strings are never null: past either end a string column reads "".
                Ok(if is_string { datafusion::functions::core::expr_fn::coalesce(vec![shifted, lit("")]) } else { shifted })
            }
        }
    }

    /// Puts the window functions of `exprs` in window nodes over `input`, and has `exprs`
    /// read their results as columns. A window function inside another's arguments
    /// (`row_cumsum(x, g != prev(g))`) is computed in a node below the outer one.
    pub(crate) fn with_windows(&self, input: LogicalPlan, mut exprs: Vec<Expr>, span: Span) -> Result<(LogicalPlan, Vec<Expr>), PlanError> {
        let mut plan = input;
        loop {
            let windows = innermost_windows(&exprs);
            if windows.is_empty() {
                return Ok((plan, exprs));
            }
            let first = plan.schema().fields().len();
            // Inner functions, whose results feed the arguments of outer ones.
            let top = datafusion::logical_expr::utils::find_window_exprs(&exprs);
            // Nested when a window function waits for these (`row_cumsum(v, g != prev(g))`),
            // even if one of them is also used on its own.
            let nested = windows.iter().any(|w| !top.contains(w)) || top.iter().any(|t| !windows.contains(t));
            plan = LogicalPlanBuilder::from(plan).window(windows.clone()).and_then(|b| b.build()).map_err(self.df(span))?;
            // The window node appends one column per function, in order; their names are the
            // node's own spelling of the function, so they are read by position.
            let mut results: Vec<Expr> = (0..windows.len()).map(|i| Expr::Column(Column::from(plan.schema().qualified_field(first + i)))).collect();
            if nested {
                // Results that feed another window function get plain names first: the
                // optimizer's common-subexpression pass loses columns named like a window.
                let (named, columns) = self.plain_window_columns(plan, first, span)?;
                plan = named;
                results = columns;
            }
            exprs = exprs
                .into_iter()
                .map(|e| {
                    e.transform_down(|node| {
                        Ok(match windows.iter().position(|w| *w == node) {
                            Some(i) => Transformed::yes(results[i].clone()),
                            None => Transformed::no(node),
                        })
                    })
                    .map(|t| t.data)
                })
                .collect::<datafusion::common::Result<Vec<_>>>()
                .map_err(self.df(span))?;
            if nested {
                // The inner node is now a derived table with a new qualifier; KQL column
                // names are unique, so a bare name finds each column in it.
                exprs = exprs.into_iter().map(unqualified).collect::<datafusion::common::Result<Vec<_>>>().map_err(self.df(span))?;
            }
        }
    }
}

/// `e` with every column reference by bare name.
fn unqualified(e: Expr) -> datafusion::common::Result<Expr> {
    e.transform_up(|node| {
        Ok(match node {
            Expr::Column(c) if c.relation.is_some() => Transformed::yes(Expr::Column(Column::from_name(c.name))),
            other => Transformed::no(other),
        })
    })
    .map(|t| t.data)
}

impl Planner<'_> {
    /// `plan` (a window node over `first` input columns) with its window columns renamed
    /// `__win<n>`, and those columns.
    fn plain_window_columns(&self, plan: LogicalPlan, first: usize, span: Span) -> Result<(LogicalPlan, Vec<Expr>), PlanError> {
        let mut exprs = Vec::new();
        let mut columns = Vec::new();
        for (i, (q, f)) in plan.schema().iter().enumerate() {
            let c = Expr::Column(Column::new(q.cloned(), f.name()));
            if i < first {
                exprs.push(c);
                continue;
            }
            let n = self.boxes.get() + 1;
            self.boxes.set(n);
            let name = format!("__win{n}");
            exprs.push(c.alias(name.clone()));
            columns.push(Expr::Column(Column::from_name(name)));
        }
        let plan = LogicalPlanBuilder::from(plan).project(exprs).and_then(|b| b.build()).map_err(self.df(span))?;
        // A derived table of its own, so that SQL printed from the plan puts the outer
        // window in a SELECT over this one rather than losing it.
        Ok((self.boxed(plan, span)?, columns))
    }
}

/// The window functions of `exprs` that no other window function's result feeds.
fn innermost_windows(exprs: &[Expr]) -> Vec<Expr> {
    let mut out: Vec<Expr> = Vec::new();
    for w in datafusion::logical_expr::utils::find_window_exprs(exprs) {
        let inputs = window_inputs(&w);
        let inner = innermost_windows(&inputs);
        let found = if inner.is_empty() { vec![w] } else { inner };
        for f in found {
            if !out.contains(&f) {
                out.push(f);
            }
        }
    }
    out
}

/// What a window function reads: its arguments, partition keys and sort keys.
fn window_inputs(w: &Expr) -> Vec<Expr> {
    let Expr::WindowFunction(f) = w else { return Vec::new() };
    let p = &f.params;
    p.args.iter().chain(&p.partition_by).cloned().chain(p.order_by.iter().map(|s| s.expr.clone())).collect()
}

/// The value of a constant argument: a literal, or a negated numeric one (`-1`).
fn constant(e: &Expr) -> Option<ScalarValue> {
    match e {
        Expr::Literal(v, _) => Some(v.clone()),
        Expr::Negative(inner) => match inner.as_ref() {
            Expr::Literal(v, _) => v.arithmetic_negate().ok(),
            _ => None,
        },
        _ => None,
    }
}

/// The sort keys as columns after `projections` (outermost first); an error names a key
/// that a projection dropped or replaced.
fn keys_in(keys: &[SortExpr], projections: &[&datafusion::logical_expr::Projection]) -> SerialOrder {
    keys.iter()
        .map(|k| {
            let Expr::Column(c) = &k.expr else { return Err(OrderGap::KeysLost("the rows were sorted by a computed key".to_string())) };
            for p in projections {
                let kept = p.expr.iter().zip(p.schema.fields()).any(|(e, f)| f.name() == &c.name && passes(e, &c.name));
                if !kept {
                    return Err(OrderGap::KeysLost(format!("the rows were sorted by `{}`, which is no longer that column", c.name)));
                }
            }
            Ok(SortExpr { expr: Expr::Column(Column::from_name(c.name.clone())), asc: k.asc, nulls_first: k.nulls_first })
        })
        .collect()
}

/// Whether a projection's `e` hands the column `name` on unchanged.
fn passes(e: &Expr, name: &str) -> bool {
    match e {
        Expr::Column(c) => c.name == name,
        Expr::Alias(a) => passes(&a.expr, name),
        _ => false,
    }
}
