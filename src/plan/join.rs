//! `join` and `lookup`: every join kind (a bare `join` is `innerunique`), `on Col` and
//! `$left.A == $right.B` keys, null keys that match each other, Kusto's output names
//! (`DeviceName1`), and `""` for the string cells of unmatched rows.

use datafusion::common::{Column, JoinType, NullEquality, TableReference};
use datafusion::logical_expr::{Expr, ExprFunctionExt, LogicalPlan, LogicalPlanBuilder, lit};

use super::names::dedup_join_names;
use super::{PlanError, Planner};
use crate::catalog::KustoType;
use crate::kql::Span;
use crate::kql::ast::{BinOp, Expr as Ast, OpParam};

const LEFT: &str = "__left";
const RIGHT: &str = "__right";

/// Which side's rows and columns a join kind keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Kind {
    join: JoinType,
    /// `innerunique`: the left side keeps one row per key first.
    unique_left: bool,
}

impl Planner<'_> {
    pub(crate) fn join(&mut self, left: LogicalPlan, params: &[OpParam], right: &Ast, on: &[Ast], span: Span) -> Result<LogicalPlan, PlanError> {
        let kind = self.join_kind(params, span)?;
        let right_plan = self.tabular(right)?;
        let keys = self.join_keys(on, &left, &right_plan, span)?;
        let left = if kind.unique_left { self.one_row_per_key(left, &keys, span)? } else { left };
        let joined = self.join_plans(left.clone(), right_plan.clone(), kind.join, &keys, span)?;
        let left_cols = columns(&left);
        let right_cols = columns(&right_plan);
        let (mut names, mut exprs) = (Vec::new(), Vec::new());
        let keeps_left = !matches!(kind.join, JoinType::RightSemi | JoinType::RightAnti);
        let keeps_right = !matches!(kind.join, JoinType::LeftSemi | JoinType::LeftAnti);
        if keeps_left {
            let pad = matches!(kind.join, JoinType::Right | JoinType::Full);
            for (n, ty) in &left_cols {
                names.push(n.clone());
                exprs.push(padded(side_col(LEFT, n), *ty, pad));
            }
        }
        if keeps_right {
            let pad = matches!(kind.join, JoinType::Left | JoinType::Full);
            for (n, ty) in &right_cols {
                names.push(n.clone());
                exprs.push(padded(side_col(RIGHT, n), *ty, pad));
            }
        }
        self.rename_all(joined, exprs, names, span)
    }

    pub(crate) fn lookup_op(&mut self, left: LogicalPlan, params: &[OpParam], right: &Ast, on: &[Ast], span: Span) -> Result<LogicalPlan, PlanError> {
        let join = match self.param_word(params, "kind")?.as_deref() {
            None | Some("leftouter") => JoinType::Left,
            Some("inner") => JoinType::Inner,
            Some(other) => return Err(self.invalid(span, format!("lookup kind must be leftouter or inner, not `{other}`"))),
        };
        let right_plan = self.tabular(right)?;
        let keys = self.join_keys(on, &left, &right_plan, span)?;
        let joined = self.join_plans(left.clone(), right_plan.clone(), join, &keys, span)?;
        let (mut names, mut exprs) = (Vec::new(), Vec::new());
        for (n, _) in columns(&left) {
            names.push(n.clone());
            exprs.push(side_col(LEFT, &n));
        }
        // The right side's keys are not repeated: the left's stand for both.
        for (n, ty) in columns(&right_plan) {
            if keys.iter().any(|(_, r)| *r == n) {
                continue;
            }
            names.push(n.clone());
            exprs.push(padded(side_col(RIGHT, &n), ty, join == JoinType::Left));
        }
        self.rename_all(joined, exprs, names, span)
    }

    fn rename_all(&self, joined: LogicalPlan, exprs: Vec<Expr>, names: Vec<String>, span: Span) -> Result<LogicalPlan, PlanError> {
        let unique = dedup_join_names(&names);
        let exprs: Vec<Expr> = exprs.into_iter().zip(unique).map(|(e, n)| e.alias(n)).collect();
        let plan = LogicalPlanBuilder::from(joined).project(exprs).and_then(|b| b.build()).map_err(self.df(span))?;
        self.boxed(plan, span)
    }

    fn join_plans(&self, left: LogicalPlan, right: LogicalPlan, join: JoinType, keys: &[(String, String)], span: Span) -> Result<LogicalPlan, PlanError> {
        // Null keys match each other, as measured on the real engine (reference notes §2.5):
        // `IS NOT DISTINCT FROM`, which the optimizer turns into hash-join keys that let
        // nulls meet, and which the SQL that `translate` prints keeps.
        let on = keys
            .iter()
            .map(|(l, r)| {
                let (l, r) = (side_col(LEFT, l), side_col(RIGHT, r));
                Expr::BinaryExpr(datafusion::logical_expr::BinaryExpr::new(Box::new(l), datafusion::logical_expr::Operator::IsNotDistinctFrom, Box::new(r)))
            })
            .reduce(Expr::and);
        let right = LogicalPlanBuilder::from(unboxed(right)).alias(RIGHT).and_then(|b| b.build()).map_err(self.df(span))?;
        let none: (Vec<Column>, Vec<Column>) = (Vec::new(), Vec::new());
        LogicalPlanBuilder::from(unboxed(left))
            .alias(LEFT)
            .and_then(|b| b.join_detailed(right, join, none, on, NullEquality::NullEqualsNull))
            .and_then(|b| b.build())
            .map_err(self.df(span))
    }

    /// `innerunique`: one left row per distinct key (which one is unspecified in Kusto;
    /// here the first in input order).
    fn one_row_per_key(&self, left: LogicalPlan, keys: &[(String, String)], span: Span) -> Result<LogicalPlan, PlanError> {
        let partition: Vec<Expr> = keys.iter().filter_map(|(l, _)| super::expr::find_column(left.schema(), l)).collect();
        let rn = datafusion::functions_window::expr_fn::row_number()
            .partition_by(partition)
            .build()
            .map_err(self.df(span))?
            .alias("__rn");
        let cols: Vec<Expr> = left.schema().iter().map(|(q, f)| Expr::Column(Column::new(q.cloned(), f.name()))).collect();
        LogicalPlanBuilder::from(left)
            .window(vec![rn])
            .and_then(|b| b.filter(datafusion::prelude::col("__rn").eq(lit(1u64))))
            .and_then(|b| b.project(cols))
            .and_then(|b| b.build())
            .map_err(self.df(span))
    }

    fn join_kind(&self, params: &[OpParam], span: Span) -> Result<Kind, PlanError> {
        let plain = |join| Kind { join, unique_left: false };
        Ok(match self.param_word(params, "kind")?.as_deref() {
            None | Some("innerunique") => Kind { join: JoinType::Inner, unique_left: true },
            Some("inner") => plain(JoinType::Inner),
            Some("leftouter") => plain(JoinType::Left),
            Some("rightouter") => plain(JoinType::Right),
            Some("fullouter") => plain(JoinType::Full),
            Some("leftsemi") => plain(JoinType::LeftSemi),
            Some("rightsemi") => plain(JoinType::RightSemi),
            Some("leftanti" | "anti" | "leftantisemi") => plain(JoinType::LeftAnti),
            Some("rightanti" | "rightantisemi") => plain(JoinType::RightAnti),
            Some(other) => return Err(self.invalid(span, format!("unknown join kind `{other}`"))),
        })
    }

    /// The word value of parameter `name` (`kind=inner` → `inner`); hints are ignored.
    pub(crate) fn param_word(&self, params: &[OpParam], name: &str) -> Result<Option<String>, PlanError> {
        match params.iter().find(|p| p.name == name) {
            None => Ok(None),
            Some(OpParam { value: Ast::Name(id), .. }) => Ok(Some(id.name.clone())),
            Some(OpParam { value: Ast::Literal(crate::kql::ast::Literal::String(s), _), .. }) => Ok(Some(s.clone())),
            Some(OpParam { value: Ast::Literal(crate::kql::ast::Literal::Bool(b), _), .. }) => Ok(Some(b.to_string())),
            Some(p) => Err(self.invalid(p.value.span(), format!("`{name}=` takes a name"))),
        }
    }

    /// Key pairs (left column, right column) from `on`.
    fn join_keys(&self, on: &[Ast], left: &LogicalPlan, right: &LogicalPlan, span: Span) -> Result<Vec<(String, String)>, PlanError> {
        let mut keys = Vec::new();
        for cond in on {
            self.collect_keys(cond, &mut keys)?;
        }
        if keys.is_empty() {
            return Err(self.invalid(span, "a join needs at least one key in `on`"));
        }
        for (l, r) in &keys {
            self.check_key(left, l, "left", span)?;
            self.check_key(right, r, "right", span)?;
        }
        Ok(keys)
    }

    fn check_key(&self, plan: &LogicalPlan, name: &str, side: &str, span: Span) -> Result<(), PlanError> {
        match plan.schema().fields().iter().find(|f| f.name() == name) {
            None => Err(self.invalid(span, format!("the join key `{name}` is not a column of the {side} side"))),
            Some(f) if super::types::field_type(f) == KustoType::Dynamic => {
                Err(self.invalid(span, format!("the join key `{name}` is dynamic: convert it with tostring()")))
            }
            Some(_) => Ok(()),
        }
    }

    fn collect_keys(&self, cond: &Ast, keys: &mut Vec<(String, String)>) -> Result<(), PlanError> {
        match cond {
            Ast::Name(id) => keys.push((id.name.clone(), id.name.clone())),
            Ast::Paren(inner, _) => self.collect_keys(inner, keys)?,
            Ast::Binary { op: BinOp::And, left, right, .. } => {
                self.collect_keys(left, keys)?;
                self.collect_keys(right, keys)?;
            }
            Ast::Binary { op: BinOp::Eq, left, right, span } => match (side_member(left), side_member(right)) {
                (Some(("$left", l)), Some(("$right", r))) | (Some(("$right", r)), Some(("$left", l))) => keys.push((l, r)),
                _ => return Err(self.unsupported(*span, "a join condition other than `$left.A == $right.B`")),
            },
            other => return Err(self.unsupported(other.span(), "this join condition (only equality keys)")),
        }
        Ok(())
    }
}

/// A join side, ready for its own alias. The unparser loses track of two aliases stacked
/// on one input, so a boxed projection gives up its box; and it folds a filter over an
/// aliased input into the query that reads the side, where the inner alias is out of
/// scope, so anything else is wrapped in a projection that becomes the side's subquery.
fn unboxed(plan: LogicalPlan) -> LogicalPlan {
    match plan {
        LogicalPlan::SubqueryAlias(alias) => alias.input.as_ref().clone(),
        plan @ (LogicalPlan::Projection(_) | LogicalPlan::TableScan(_)) => plan,
        other => {
            let columns: Vec<Expr> = other.schema().columns().into_iter().map(Expr::Column).collect();
            // A projection of the input's own columns always plans; keep the input if not.
            LogicalPlanBuilder::from(other.clone()).project(columns).and_then(|b| b.build()).unwrap_or(other)
        }
    }
}

/// `$left.A` → ("$left", "A").
fn side_member(e: &Ast) -> Option<(&'static str, String)> {
    let Ast::Member { target, member, .. } = e else { return None };
    let Ast::Name(side) = target.as_ref() else { return None };
    match side.name.as_str() {
        "$left" => Some(("$left", member.name.clone())),
        "$right" => Some(("$right", member.name.clone())),
        _ => None,
    }
}

fn columns(plan: &LogicalPlan) -> Vec<(String, KustoType)> {
    plan.schema().fields().iter().map(|f| (f.name().clone(), super::types::field_type(f))).collect()
}

fn side_col(side: &str, name: &str) -> Expr {
    Expr::Column(Column::new(Some(TableReference::bare(side)), name))
}

/// A string column of the side an outer join may leave unmatched: `""` rather than null.
fn padded(e: Expr, ty: KustoType, pad: bool) -> Expr {
    if pad && ty == KustoType::String { datafusion::functions::core::expr_fn::coalesce(vec![e, lit("")]) } else { e }
}
