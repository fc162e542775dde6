//! The DataFusion SQL of a plan (what `translate` prints): the plan is first rewritten
//! into shapes DataFusion's unparser prints faithfully, and the few constructs it cannot
//! print (VALUES lists, an aggregate's ORDER BY) go through marked stand-ins that are
//! replaced in the SQL syntax tree afterwards.

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{Column, Result, ScalarValue, not_impl_err, plan_datafusion_err};
use datafusion::logical_expr::expr::{AggregateFunction, AggregateFunctionParams};
use datafusion::logical_expr::function::AccumulatorArgs;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Cast, Expr, LogicalPlan, LogicalPlanBuilder, LogicalTableSource, Signature, Volatility, lit,
};
use datafusion::sql::sqlparser::ast::{self, VisitMut, VisitorMut};
use datafusion::sql::sqlparser::dialect::GenericDialect;
use datafusion::sql::sqlparser::parser::Parser;
use datafusion::sql::unparser::Unparser;

use super::types;

/// Names the stand-in tables of VALUES lists: `__lakehunt_values<n>`.
const VALUES_PREFIX: &str = "__lakehunt_values";
/// Names the stand-in aggregates: `__lakehunt_ordered_<flags>__<name>`.
const ORDERED_PREFIX: &str = "__lakehunt_ordered_";

/// The DataFusion SQL of `plan`.
pub fn to_sql(plan: &LogicalPlan) -> Result<String> {
    let plan = spell_for_sql(plan.clone())?;
    let mut tables = HashMap::new();
    let plan = values_as_scans(plan, &mut tables)?;
    let mut statement = datafusion::sql::unparser::plan_to_sql(&plan)?;
    if let ControlFlow::Break(e) = statement.visit(&mut Restore { tables }) {
        return Err(e);
    }
    Ok(statement.to_string())
}

/// A VALUES list's rows and column names, as SQL text.
struct ValuesTable {
    rows: String,
    columns: String,
}

/// Each VALUES list becomes a scan of a stand-in table (the unparser has no spelling for
/// VALUES); `tables` receives each stand-in's rows and columns. A
/// spelling as one-row SELECTs joined by `UNION ALL` would also print, but DataFusion 55
/// then trips its own sort checks (apache/datafusion#23590).
fn values_as_scans(plan: LogicalPlan, tables: &mut HashMap<String, ValuesTable>) -> Result<LogicalPlan> {
    let unparser = Unparser::default();
    plan.transform_up_with_subqueries(|p| {
        let LogicalPlan::Values(values) = &p else { return Ok(Transformed::no(p)) };
        if values.values.is_empty() {
            return Ok(Transformed::no(p));
        }
        let mut rows = Vec::new();
        for row in &values.values {
            let cells = row.iter().map(|e| unparser.expr_to_sql(e).map(|a| a.to_string())).collect::<Result<Vec<_>>>()?;
            rows.push(format!("({})", cells.join(", ")));
        }
        let name = format!("{VALUES_PREFIX}{}", tables.len() + 1);
        let columns: Vec<String> = values.schema.fields().iter().map(|f| ast::Ident::with_quote('"', f.name()).to_string()).collect();
        tables.insert(name.clone(), ValuesTable { rows: rows.join(", "), columns: columns.join(", ") });
        let source = Arc::new(LogicalTableSource::new(Arc::new(values.schema.as_arrow().clone())));
        Ok(Transformed::yes(LogicalPlanBuilder::scan(name, source, None)?.build()?))
    })
    .map(|t| t.data)
}

/// Puts back what the stand-ins stand for, in the printed syntax tree; stops at the first
/// stand-in it cannot put back.
struct Restore {
    tables: HashMap<String, ValuesTable>,
}

impl VisitorMut for Restore {
    type Break = datafusion::error::DataFusionError;

    fn post_visit_table_factor(&mut self, factor: &mut ast::TableFactor) -> ControlFlow<Self::Break> {
        let ast::TableFactor::Table { name, alias, .. } = factor else { return ControlFlow::Continue(()) };
        let stand_in = name.to_string().replace('"', "");
        let Some(values) = self.tables.get(&stand_in) else { return ControlFlow::Continue(()) };
        // The scan's alias, if the unparser gave it one, is what the query refers to.
        let alias = alias.as_ref().map_or(stand_in.clone(), |a| a.name.to_string());
        match parse_table_factor(&format!("(VALUES {}) AS {alias} ({})", values.rows, values.columns)) {
            Ok(f) => {
                *factor = f;
                ControlFlow::Continue(())
            }
            Err(e) => ControlFlow::Break(e),
        }
    }

    fn post_visit_expr(&mut self, expr: &mut ast::Expr) -> ControlFlow<Self::Break> {
        if let ast::Expr::Function(f) = expr
            && let Some(rest) = f.name.to_string().strip_prefix(ORDERED_PREFIX)
            && let Err(e) = restore_order(f, rest)
        {
            return ControlFlow::Break(e);
        }
        ControlFlow::Continue(())
    }
}

/// The table factor of `(VALUES …) AS name (columns)`.
fn parse_table_factor(text: &str) -> Result<ast::TableFactor> {
    let sql = format!("SELECT * FROM {text}");
    let statement = Parser::parse_sql(&GenericDialect {}, &sql).map_err(|e| plan_datafusion_err!("{e}"))?;
    let factor = match statement.into_iter().next() {
        Some(ast::Statement::Query(q)) => match *q.body {
            ast::SetExpr::Select(s) => s.from.into_iter().next().map(|t| t.relation),
            _ => None,
        },
        _ => None,
    };
    factor.ok_or_else(|| plan_datafusion_err!("no table in {sql}"))
}

/// Turns a stand-in call `__lakehunt_ordered_<flags>__f(args…, keys…)` back into
/// `f(args… ORDER BY keys…)`.
fn restore_order(f: &mut ast::Function, rest: &str) -> Result<()> {
    let Some((flags, name)) = rest.split_once("__") else { return Err(plan_datafusion_err!("bad ordered aggregate {rest}")) };
    let ast::FunctionArguments::List(list) = &mut f.args else { return Err(plan_datafusion_err!("ordered aggregate {name} without arguments")) };
    let keys = flags.len() / 2;
    let Some(first_key) = list.args.len().checked_sub(keys) else { return Err(plan_datafusion_err!("ordered aggregate {name} lacks its keys")) };
    let mut order = Vec::new();
    for (arg, flag) in list.args.drain(first_key..).zip(flags.as_bytes().chunks(2)) {
        let ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(expr)) = arg else { return Err(plan_datafusion_err!("ordered aggregate {name}: a key is not an expression")) };
        let options = ast::OrderByOptions { asc: Some(flag[0] == b'a'), nulls_first: Some(flag.get(1) == Some(&b'f')) };
        order.push(ast::OrderByExpr { expr, options, with_fill: None });
    }
    list.clauses.push(ast::FunctionArgumentClause::OrderBy(order));
    f.name = ast::ObjectName::from(vec![ast::Ident::new(name)]);
    Ok(())
}

/// The flags of sort keys: per key `a`/`d` (ascending, descending) and `f`/`l` (nulls
/// first, last).
fn order_flags(keys: &[datafusion::logical_expr::SortExpr]) -> String {
    keys.iter().map(|k| format!("{}{}", if k.asc { 'a' } else { 'd' }, if k.nulls_first { 'f' } else { 'l' })).collect()
}

/// An aggregate with ORDER BY, as its stand-in: the unparser prints ORDER BY only for
/// WITHIN GROUP aggregates, so the keys travel as extra arguments.
fn ordered_stand_in(agg: &AggregateFunction) -> Result<Expr> {
    let p = &agg.params;
    let stand_in = OrderedStandIn {
        name: format!("{ORDERED_PREFIX}{}__{}", order_flags(&p.order_by), agg.func.name()),
        inner: Arc::clone(&agg.func),
        arity: p.args.len(),
        signature: Signature::variadic_any(Volatility::Immutable),
    };
    let mut args = p.args.clone();
    args.extend(p.order_by.iter().map(|k| k.expr.clone()));
    Ok(Expr::AggregateFunction(AggregateFunction {
        func: Arc::new(AggregateUDF::new_from_impl(stand_in)),
        params: AggregateFunctionParams { args, distinct: p.distinct, filter: p.filter.clone(), order_by: Vec::new(), null_treatment: p.null_treatment },
    }))
}

/// Stands in for an aggregate with ORDER BY while the plan is printed; never run.
#[derive(Debug, PartialEq, Eq, Hash)]
struct OrderedStandIn {
    name: String,
    inner: Arc<AggregateUDF>,
    arity: usize,
    signature: Signature,
}

impl AggregateUDFImpl for OrderedStandIn {
    fn name(&self) -> &str {
        &self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        self.inner.return_type(&arg_types[..self.arity.min(arg_types.len())])
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        not_impl_err!("{} only stands in while SQL is printed", self.name)
    }
}

/// Rewrites what SQL has no syntax for: a timespan literal becomes `arrow_cast` of its
/// nanoseconds, NaN and the infinities become casts of their names, a typed null a cast,
/// and an aggregate's ORDER BY moves into a stand-in. A window node's output columns are
/// named after its expressions, so a rewrite inside one renames its columns; the
/// references above it follow, and schemas are recomputed from there up.
fn spell_for_sql(plan: LogicalPlan) -> Result<LogicalPlan> {
    let mut renamed: HashMap<String, String> = HashMap::new();
    plan.transform_up_with_subqueries(|p| {
        // Only window and aggregate nodes name columns after their expressions.
        let names_after_exprs = matches!(p, LogicalPlan::Window(_) | LogicalPlan::Aggregate(_));
        let before: Vec<String> = if names_after_exprs { p.schema().fields().iter().map(|f| f.name().clone()).collect() } else { Vec::new() };
        let follow = |e: Expr| -> Result<Transformed<Expr>> {
            Ok(match &e {
                Expr::Column(c) => match renamed.get(&c.name) {
                    Some(new) => Transformed::yes(Expr::Column(Column::new(c.relation.clone(), new))),
                    None => Transformed::no(e),
                },
                _ => spell(e)?,
            })
        };
        let changed = p.map_expressions(|e| e.transform_up(follow))?;
        let must_recompute = changed.transformed || !renamed.is_empty();
        let p = if must_recompute { changed.data.recompute_schema()? } else { changed.data };
        if names_after_exprs {
            for (old, new) in before.iter().zip(p.schema().fields().iter().map(|f| f.name())) {
                if old != new {
                    renamed.insert(old.clone(), new.clone());
                }
            }
        }
        Ok(Transformed::yes(p))
    })
    .map(|t| t.data)
}

/// One expression node in a form SQL can spell (see [`spell_for_sql`]).
fn spell(e: Expr) -> Result<Transformed<Expr>> {
    Ok(match &e {
        Expr::Literal(ScalarValue::DurationNanosecond(Some(n)), _) => Transformed::yes(types::nanos_to_timespan(lit(*n))),
        Expr::Literal(ScalarValue::Float64(Some(f)), _) if !f.is_finite() => {
            let name = if f.is_nan() { "NaN" } else if *f > 0.0 { "Infinity" } else { "-Infinity" };
            Transformed::yes(Expr::Cast(Cast::new(Box::new(lit(name)), DataType::Float64)))
        }
        // The SQL printer takes a doubled quote for one it already escaped, so `a''b`
        // would come back as `a'b`; split between the quotes, each part prints right.
        Expr::Literal(ScalarValue::Utf8(Some(text)), _) if text.contains("''") => {
            let mut parts = Vec::new();
            let mut rest = text.as_str();
            while let Some(i) = rest.find("''") {
                parts.push(lit(&rest[..=i]));
                rest = &rest[i + 1..];
            }
            parts.push(lit(rest));
            Transformed::yes(datafusion::functions::string::expr_fn::concat(parts))
        }
        // A typed null keeps its type through SQL as a cast.
        Expr::Literal(v, _) if v.is_null() && !matches!(v, ScalarValue::Null) => {
            let dt = v.data_type();
            let null = lit(ScalarValue::Null);
            Transformed::yes(match dt {
                DataType::Duration(_) | DataType::Timestamp(_, _) => datafusion::functions::expr_fn::arrow_cast(null, lit(dt.to_string())),
                _ => Expr::Cast(Cast::new(Box::new(null), dt)),
            })
        }
        Expr::AggregateFunction(agg) if !agg.params.order_by.is_empty() => Transformed::yes(ordered_stand_in(agg)?),
        _ => Transformed::no(e),
    })
}
