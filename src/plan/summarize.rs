//! `summarize`: group keys with Kusto's names, aggregates with Kusto's names and results
//! on empty input (`count` and `sum` give 0, `make_set` gives `[]`, `avg` NaN), `arg_max`
//! and `arg_min` with `*`.
//!
//! Aggregates are computed under internal names, then a projection gives each its Kusto
//! name and its empty-input value.

use datafusion::common::{DFSchema, ScalarValue};
use datafusion::functions_aggregate::expr_fn as agg;
use datafusion::logical_expr::{Expr, ExprFunctionExt, LogicalPlan, LogicalPlanBuilder, lit, when};
use datafusion::prelude::col;

use super::names::{UniqueNames, aggregate_name, result_name};
use super::{PlanError, Planner};
use crate::catalog::KustoType;
use crate::kql::Span;
use crate::kql::ast::{Expr as Ast, NamedExpr};

/// The most values `make_list`/`make_set` collect: their default and largest maximum size
/// (make-set-aggregation-function.md).
const MAX_COLLECTED: i64 = 1_048_576;

/// One aggregate: computed under the internal name `__agg<i>`, then finished into the
/// Kusto value.
struct Output {
    aggregate: Expr,
    finish: Finish,
}

/// One output column after the by-columns, in order.
enum Final {
    /// Aggregate `i` under a name.
    Agg(usize, String),
    /// An expression over aggregates (`strcat_array(make_list(x), ",")`), its aggregate
    /// calls replaced by their internal names.
    Expr(String, Ast),
}

/// What the aggregations of one summarize collect: the aggregate outputs, the final
/// columns that read them, and the names those columns took.
struct Collected {
    names: UniqueNames,
    outputs: Vec<Output>,
    finals: Vec<Final>,
}

impl Collected {
    /// A final column `name` (made unique) reading a new aggregate output.
    fn column(&mut self, name: &str, aggregate: Expr, finish: Finish) {
        self.outputs.push(Output { aggregate, finish });
        let name = self.names.unique(name);
        self.finals.push(Final::Agg(self.outputs.len() - 1, name));
    }
}

/// What turns an aggregate's raw value into Kusto's.
#[derive(Debug, Clone, Copy)]
enum Finish {
    /// The value as it is.
    Keep,
    /// No values give 0 (a long).
    ZeroLong,
    /// No values give 0.0.
    ZeroReal,
    /// No values give NaN (`avg`).
    Nan,
    /// JSON text becomes a dynamic value.
    Json,
    /// A list becomes a dynamic array of at most so many elements (when given); no values
    /// give `[]`.
    Dynamic(Option<i64>),
}

impl Planner<'_> {
    pub(crate) fn summarize(&mut self, input: LogicalPlan, aggs: &[NamedExpr], by: &[NamedExpr], span: Span) -> Result<LogicalPlan, PlanError> {
        let schema = input.schema().clone();
        let by_names = self.item_names(by, &schema)?;
        let mut group = Vec::new();
        for (item, name) in by.iter().zip(&by_names) {
            let e = self.scalar(&item.expr, &schema)?;
            if self.type_of(&e, &schema, item.expr.span())? == KustoType::Dynamic {
                return Err(self.invalid(item.expr.span(), "a summarize key cannot be dynamic: convert it with tostring()"));
            }
            group.push(e.alias(name.clone()));
        }
        let names = UniqueNames::with_reserved(by_names.iter().map(String::as_str));
        let mut c = Collected { names, outputs: Vec::new(), finals: Vec::new() };
        let saved = std::mem::replace(&mut self.list_order, Self::serial_order(&input).unwrap_or_default());
        let items = aggs.iter().try_for_each(|item| self.aggregate_item(item, &schema, &by_names, &mut c));
        self.list_order = saved;
        items?;
        let Collected { outputs, finals, .. } = c;
        let aggregates: Vec<Expr> = outputs.iter().enumerate().map(|(i, o)| o.aggregate.clone().alias(format!("__agg{i}"))).collect();
        let grouped = LogicalPlanBuilder::from(input).aggregate(group, aggregates).and_then(|b| b.build()).map_err(self.df(span))?;
        let by_cols = || by_names.iter().map(|n| col(datafusion::common::Column::from_name(n.clone())));
        let mut finished: Vec<Expr> = by_cols().collect();
        for (i, o) in outputs.iter().enumerate() {
            let raw = col(datafusion::common::Column::from_name(format!("__agg{i}")));
            finished.push(self.finish_value(o.finish, raw, span)?.alias(format!("__agg{i}")));
        }
        let finished = LogicalPlanBuilder::from(grouped).project(finished).and_then(|b| b.build()).map_err(self.df(span))?;
        let finished = self.boxed(finished, span)?;
        let mut out: Vec<Expr> = by_cols().collect();
        for f in finals {
            out.push(match f {
                Final::Agg(i, name) => col(datafusion::common::Column::from_name(format!("__agg{i}"))).alias(name),
                Final::Expr(name, ast) => self.scalar(&ast, &finished.schema().clone())?.alias(name),
            });
        }
        let plan = LogicalPlanBuilder::from(finished).project(out).and_then(|b| b.build()).map_err(self.df(span))?;
        self.boxed(plan, span)
    }

    /// Replaces each aggregate call inside `e` by the name of a new aggregate output.
    fn extract_aggregates(&mut self, e: &Ast, schema: &DFSchema, outputs: &mut Vec<Output>) -> Result<Ast, PlanError> {
        let mut rec = |p: &mut Self, x: &Ast| p.extract_aggregates(x, schema, outputs);
        Ok(match e {
            Ast::Call { name, args, span } if aggregate_name(&name.name, &[]).is_some() => {
                let i = self.push_aggregate(&name.name, args, *span, schema, outputs)?;
                Ast::Name(crate::kql::ast::Ident::new(format!("__agg{i}"), *span))
            }
            Ast::Call { name, span, .. } if super::names::KUSTO_AGGREGATES.contains(&name.name.as_str()) => {
                return Err(self.unsupported(*span, format!("the aggregation `{}()` here", name.name)));
            }
            Ast::Call { name, args, span } => {
                let mut new = Vec::new();
                for a in args {
                    new.push(rec(self, a)?);
                }
                Ast::Call { name: name.clone(), args: new, span: *span }
            }
            Ast::Binary { op, left, right, span } => Ast::Binary { op: *op, left: Box::new(rec(self, left)?), right: Box::new(rec(self, right)?), span: *span },
            Ast::StrBinary { op, left, right, span } => {
                Ast::StrBinary { op: op.clone(), left: Box::new(rec(self, left)?), right: Box::new(rec(self, right)?), span: *span }
            }
            Ast::Paren(inner, span) => Ast::Paren(Box::new(rec(self, inner)?), *span),
            Ast::Neg { minus, expr, span } => Ast::Neg { minus: *minus, expr: Box::new(rec(self, expr)?), span: *span },
            Ast::Member { target, member, span } => Ast::Member { target: Box::new(rec(self, target)?), member: member.clone(), span: *span },
            Ast::Index { target, index, span } => Ast::Index { target: Box::new(rec(self, target)?), index: Box::new(rec(self, index)?), span: *span },
            other => other.clone(),
        })
    }

    fn aggregate_item(&mut self, item: &NamedExpr, schema: &DFSchema, by_names: &[String], c: &mut Collected) -> Result<(), PlanError> {
        let call = match strip(&item.expr) {
            Ast::Call { name, args, span } if aggregate_name(&name.name, &[]).is_some() || matches!(name.name.as_str(), "arg_max" | "arg_min" | "argmax" | "argmin" | "percentiles") => {
                Some((name.name.as_str(), args, *span))
            }
            _ => None,
        };
        let Some((f, args, span)) = call else {
            let name = match (item.names.as_slice(), wrapped_aggregate_name(&item.expr)) {
                ([n], _) => c.names.unique(&n.name),
                // An aggregate wrapped in a scalar takes the aggregate's name
                // (`round(sum(y), 2)` is `sum_y`; reference notes, auto-names).
                ([], Some(agg)) => c.names.unique(&agg),
                // column() hands out a free name and marks it used.
                _ => c.names.column(),
            };
            let before = c.outputs.len();
            let ast = self.extract_aggregates(&item.expr, schema, &mut c.outputs)?;
            if c.outputs.len() == before {
                return Err(self.invalid(item.expr.span(), "summarize needs an aggregation here (count(), sum(x), make_set(x), …)"));
            }
            c.finals.push(Final::Expr(name, ast));
            return Ok(());
        };
        let span = &span;
        if matches!(f, "arg_max" | "arg_min") {
            return self.arg_extreme(f == "arg_max", item, args, *span, schema, by_names, c);
        }
        if matches!(f, "argmax" | "argmin") {
            // The deprecated spellings pick the same row, but name their outputs in a
            // scheme of their own; with every output named, the names do not matter.
            if item.names.len() != args.len() {
                return Err(self.unsupported(*span, format!("{f}() without a name for each output (write `(a, b) = {f}(…)` or use arg_{}())", &f[3..])));
            }
            return self.arg_extreme(f == "argmax", item, args, *span, schema, by_names, c);
        }
        if f == "percentiles" {
            return self.percentiles(item, args, *span, schema, c);
        }
        if matches!(f, "take_any" | "any") && (args.len() > 1 || matches!(args.first(), Some(Ast::Star(_)))) {
            return self.take_any_row(f, item, args, *span, schema, by_names, c);
        }
        let name = match item.names.as_slice() {
            [n] => n.name.clone(),
            [] => aggregate_name(f, args).ok_or_else(|| self.unsupported(*span, format!("the aggregation `{f}()`")))?,
            [n, ..] => return Err(self.unsupported(n.span, "several names for one aggregate")),
        };
        let (aggregate, finish) = self.lower_aggregate(f, args, *span, schema)?;
        c.column(&name, aggregate, finish);
        Ok(())
    }

    /// Lowers the aggregate call `f(args)` into a new output; its index.
    fn push_aggregate(&mut self, f: &str, args: &[Ast], span: Span, schema: &DFSchema, outputs: &mut Vec<Output>) -> Result<usize, PlanError> {
        let (aggregate, finish) = self.lower_aggregate(f, args, span, schema)?;
        outputs.push(Output { aggregate, finish });
        Ok(outputs.len() - 1)
    }

    /// The aggregate call `f(args)` as an aggregate expression and its finish.
    fn lower_aggregate(&mut self, f: &str, args: &[Ast], span: Span, schema: &DFSchema) -> Result<(Expr, Finish), PlanError> {
        let mut a = Vec::with_capacity(args.len());
        for arg in args {
            a.push(self.scalar(arg, schema)?);
        }
        self.aggregate(f, a, args, span, schema)
    }

    /// Checks `dcount`-style arguments: `values` of them, then an optional accuracy level
    /// (a constant 0 to 4), which is dropped: lakehunt counts distinct values exactly, so
    /// the level, which trades the estimate's error for speed, changes nothing.
    fn accuracy(&self, f: &str, a: &mut Vec<Expr>, values: usize, span: Span) -> Result<(), PlanError> {
        match a.len() {
            n if n == values => Ok(()),
            n if n == values + 1 => match a.pop() {
                Some(Expr::Literal(ScalarValue::Int64(Some(0..=4)) | ScalarValue::Int32(Some(0..=4)), _)) => Ok(()),
                _ => Err(self.invalid(span, format!("{f}(): the accuracy level must be a constant from 0 to 4"))),
            },
            n => Err(self.invalid(span, format!("{f}() takes {values} or {} argument(s), not {n}", values + 1))),
        }
    }

    fn aggregate(&mut self, f: &str, mut a: Vec<Expr>, asts: &[Ast], span: Span, schema: &DFSchema) -> Result<(Expr, Finish), PlanError> {
        let arity = |n: usize| -> Result<(), PlanError> {
            if a.len() != n {
                return Err(self.invalid(span, format!("{f}() takes {n} argument(s), not {}", a.len())));
            }
            Ok(())
        };
        let build = |b: datafusion::logical_expr::expr_fn::ExprFuncBuilder| b.build().map_err(self.df(span));
        Ok(match f {
            // count(x) counts rows even where x is null (reference notes §1, item 12).
            "count" => (agg::count(lit(1i64)), Finish::Keep),
            "countif" => {
                arity(1)?;
                (agg::sum(when(a.remove(0), lit(1i64)).otherwise(lit(0i64)).map_err(self.df(span))?), Finish::ZeroLong)
            }
            "dcount" | "count_distinct" => {
                self.accuracy(f, &mut a, 1, span)?;
                (agg::count_distinct(a.remove(0)), Finish::Keep)
            }
            "dcountif" | "count_distinctif" => {
                self.accuracy(f, &mut a, 2, span)?;
                let (x, p) = (a.remove(0), a.remove(0));
                (agg::count_distinct(when(p, x).end().map_err(self.df(span))?), Finish::Keep)
            }
            "sum" => {
                arity(1)?;
                let t = self.type_of(&a[0], schema, span)?;
                (agg::sum(a.remove(0)), if t == KustoType::Real { Finish::ZeroReal } else { Finish::ZeroLong })
            }
            "sumif" => {
                arity(2)?;
                let t = self.type_of(&a[0], schema, span)?;
                let (x, p) = (a.remove(0), a.remove(0));
                (agg::sum(when(p, x).end().map_err(self.df(span))?), if t == KustoType::Real { Finish::ZeroReal } else { Finish::ZeroLong })
            }
            "avg" => {
                arity(1)?;
                (agg::avg(a.remove(0)), Finish::Nan)
            }
            "avgif" => {
                arity(2)?;
                let (x, p) = (a.remove(0), a.remove(0));
                (agg::avg(when(p, x).end().map_err(self.df(span))?), Finish::Nan)
            }
            "min" | "max" => {
                arity(1)?;
                let x = a.remove(0);
                (if f == "min" { agg::min(x) } else { agg::max(x) }, Finish::Keep)
            }
            "minif" | "maxif" => {
                arity(2)?;
                let (x, p) = (a.remove(0), a.remove(0));
                let v = when(p, x).end().map_err(self.df(span))?;
                (if f == "minif" { agg::min(v) } else { agg::max(v) }, Finish::Keep)
            }
            "stdev" | "stdevp" | "variance" | "variancep" => {
                arity(1)?;
                let x = a.remove(0);
                let e = match f {
                    "stdev" => agg::stddev(x),
                    "stdevp" => agg::stddev_pop(x),
                    "variance" => agg::var_sample(x),
                    _ => agg::var_pop(x),
                };
                (e, Finish::ZeroReal)
            }
            "make_set" | "make_list" | "make_set_if" | "make_list_if" | "makeset" | "makelist" => {
                let conditional = f.ends_with("_if");
                if a.is_empty() || a.len() > 2 + usize::from(conditional) {
                    return Err(self.invalid(span, format!("{f}() takes a value{}", if conditional { " and a condition" } else { "" })));
                }
                let max = if a.len() == 2 + usize::from(conditional) {
                    match a.pop() {
                        Some(Expr::Literal(ScalarValue::Int64(Some(n)), _)) if n > 0 => Some(n),
                        Some(Expr::Literal(ScalarValue::Int32(Some(n)), _)) if n > 0 => Some(i64::from(n)),
                        _ => return Err(self.invalid(span, format!("{f}()'s maximum size is a positive constant"))),
                    }
                } else {
                    None
                };
                let x = a.remove(0);
                let set = f.starts_with("make_set") || f == "makeset";
                if self.type_of(&x, schema, asts[0].span())? == KustoType::Dynamic {
                    let condition = conditional.then(|| a.remove(0));
                    return Ok((self.make_dynamic(set, x, max, condition, span)?, Finish::Json));
                }
                let mut keep_row = x.clone().is_not_null();
                if conditional {
                    keep_row = keep_row.and(a.remove(0));
                }
                let b = agg::array_agg(x);
                let e = match (set, self.list_order.is_empty()) {
                    (true, _) => build(b.distinct().filter(keep_row))?,
                    (false, true) => build(b.filter(keep_row))?,
                    (false, false) => build(b.filter(keep_row).order_by(self.list_order.clone()))?,
                };
                (e, Finish::Dynamic(max))
            }
            "make_bag" | "make_bag_if" => {
                arity(if f == "make_bag" { 1 } else { 2 })?;
                let x = a.remove(0);
                if self.type_of(&x, schema, span)? != KustoType::Dynamic {
                    return Err(self.invalid(span, format!("{f}() takes a dynamic property bag")));
                }
                let x = match a.pop() {
                    Some(keep) => when(keep, x).end().map_err(self.df(span))?,
                    None => x,
                };
                (self.cx.registry.aggregate("kql_make_bag", vec![x]).map_err(self.df(span))?, Finish::Json)
            }
            "percentile" => {
                arity(2)?;
                let (x, p) = (a.remove(0), a.remove(0));
                self.percentile(x, p, span, schema)?
            }
            "take_any" | "any" => {
                arity(1)?;
                (agg::first_value(a.remove(0), vec![]), Finish::Keep)
            }
            other => return Err(self.unsupported(span, format!("the aggregation `{other}()`"))),
        })
    }

    /// `make_set`/`make_list` of a dynamic value (see `functions::make_dynamic`). A
    /// `_if` condition filters rows before the accumulator, which keeps dynamic nulls.
    fn make_dynamic(&self, set: bool, x: Expr, max: Option<i64>, condition: Option<Expr>, span: Span) -> Result<Expr, PlanError> {
        let max = lit(max.unwrap_or(MAX_COLLECTED));
        if !set && !self.list_order.is_empty() {
            // Sorted input: an ordered array_agg keeps the order (see make_dynamic.rs).
            let b = agg::array_agg(x).order_by(self.list_order.clone());
            let list = match condition {
                Some(keep) => b.filter(keep).build(),
                None => b.build(),
            }
            .map_err(self.df(span))?;
            return self.cx.registry.call("kql_json_list", vec![list, max]).map_err(self.df(span));
        }
        let name = if set { "kql_make_set_dynamic" } else { "kql_make_list_dynamic" };
        let call = self.cx.registry.aggregate(name, vec![x, max]).map_err(self.df(span))?;
        match condition {
            Some(keep) => call.filter(keep).build().map_err(self.df(span)),
            None => Ok(call),
        }
    }

    fn finish_value(&self, finish: Finish, raw: Expr, span: Span) -> Result<Expr, PlanError> {
        let coalesce = |v: Expr| datafusion::functions::core::expr_fn::coalesce(vec![raw.clone(), v]);
        Ok(match finish {
            Finish::Keep => raw,
            Finish::ZeroLong => coalesce(lit(0i64)),
            Finish::ZeroReal => coalesce(lit(0f64)),
            Finish::Nan => coalesce(lit(f64::NAN)),
            Finish::Json => self.cx.registry.call("kql_parse_json", vec![raw]).map_err(self.df(span))?,
            Finish::Dynamic(max) => {
                let list = match max {
                    Some(n) => datafusion::functions_nested::expr_fn::array_slice(raw, lit(1i64), lit(n), None),
                    None => raw,
                };
                self.cx.registry.call("kql_to_dynamic", vec![list]).map_err(self.df(span))?
            }
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn arg_extreme(&mut self, max: bool, item: &NamedExpr, args: &[Ast], span: Span, schema: &DFSchema, by_names: &[String], c: &mut Collected) -> Result<(), PlanError> {
        let Some((target, rest)) = args.split_first() else {
            return Err(self.invalid(span, "arg_max()/arg_min() need the expression to maximise"));
        };
        let t = self.scalar(target, schema)?;
        let function = if max { "kql_arg_max" } else { "kql_arg_min" };
        let cx = self.cx;
        let pick = |v: Expr| cx.registry.aggregate(function, vec![t.clone(), v]);
        let prefix = if max { "max_" } else { "min_" };
        // `(A, B, …) = arg_max(t, x, …)` names the results in order (summarize-operator.md).
        let given = item.names.as_slice();
        if given.len() > 1 && (given.len() > args.len() || rest.iter().any(|a| matches!(a, Ast::Star(_)))) {
            return Err(self.invalid(given[0].span, "the names before `=` must match arg_max()/arg_min()'s results one for one"));
        }
        let target_name = match given.first() {
            Some(n) => n.name.clone(),
            None => result_name(target).unwrap_or_else(|| prefix.to_string()),
        };
        let mut taken = vec![target_name.clone()];
        c.column(&target_name, pick(t.clone()).map_err(self.df(span))?, Finish::Keep);
        for (i, a) in rest.iter().enumerate() {
            if matches!(a, Ast::Star(_)) {
                for (q, field) in schema.iter() {
                    let n = field.name();
                    if by_names.contains(n) || taken.contains(n) {
                        continue;
                    }
                    taken.push(n.clone());
                    let column = Expr::Column(datafusion::common::Column::new(q.cloned(), n));
                    c.column(n, pick(column).map_err(self.df(span))?, Finish::Keep);
                }
                continue;
            }
            let (name, value) = match (a, given.get(i + 1)) {
                (Ast::NamedArg { value, .. }, Some(n)) => (n.name.clone(), value.as_ref()),
                (Ast::NamedArg { name, value, .. }, None) => (name.name.clone(), value.as_ref()),
                (other, Some(n)) => (n.name.clone(), other),
                (other, None) => (result_name(other).unwrap_or_else(|| format!("{prefix}{target_name}_arg{}", i + 1)), other),
            };
            let v = self.scalar(value, schema)?;
            taken.push(name.clone());
            c.column(&name, pick(v).map_err(self.df(span))?, Finish::Keep);
        }
        Ok(())
    }
}

impl Planner<'_> {
    /// `take_any(a, b, …)` and `take_any(*)`: the values of one row, each under its own name
    /// (`any_a` … for the deprecated `any()`). Every column reads the first row its
    /// aggregate sees, and all of them see the rows in the same order, so they agree.
    #[allow(clippy::too_many_arguments)]
    fn take_any_row(&mut self, f: &str, item: &NamedExpr, args: &[Ast], span: Span, schema: &DFSchema, by_names: &[String], c: &mut Collected) -> Result<(), PlanError> {
        if !item.names.is_empty() {
            return Err(self.unsupported(span, format!("names before `=` for {f}() of several columns")));
        }
        let prefix = if f == "any" { "any_" } else { "" };
        let mut columns: Vec<(String, Expr)> = Vec::new();
        for a in args {
            if matches!(a, Ast::Star(_)) {
                for (q, field) in schema.iter() {
                    if !by_names.contains(field.name()) && !columns.iter().any(|(n, _)| n == field.name()) {
                        columns.push((field.name().clone(), Expr::Column(datafusion::common::Column::new(q.cloned(), field.name()))));
                    }
                }
                continue;
            }
            let Some(name) = result_name(a) else {
                return Err(self.unsupported(a.span(), format!("{f}() of an expression among several arguments")));
            };
            columns.push((name, self.scalar(a, schema)?));
        }
        for (name, value) in columns {
            c.column(&format!("{prefix}{name}"), agg::first_value(value, vec![]), Finish::Keep);
        }
        Ok(())
    }

    /// `percentile(x, p)`: the nearest-rank percentile; an int comes back as a long.
    fn percentile(&self, x: Expr, p: Expr, span: Span, schema: &DFSchema) -> Result<(Expr, Finish), PlanError> {
        let ty = self.type_of(&x, schema, span)?;
        let x = match ty {
            KustoType::Int => Expr::Cast(datafusion::logical_expr::Cast::new(Box::new(x), datafusion::arrow::datatypes::DataType::Int64)),
            KustoType::Long | KustoType::Real | KustoType::DateTime | KustoType::TimeSpan => x,
            other => return Err(self.invalid(span, format!("percentile() of a {} value", other.name()))),
        };
        if !matches!(&p, Expr::Literal(v, _) if !v.is_null() && (v.data_type().is_numeric())) {
            return Err(self.unsupported(span, "a percentile that is not a constant number"));
        }
        let p = Expr::Cast(datafusion::logical_expr::Cast::new(Box::new(p), datafusion::arrow::datatypes::DataType::Float64));
        Ok((self.cx.registry.aggregate("kql_percentile", vec![x, p]).map_err(self.df(span))?, Finish::Keep))
    }

    /// `percentiles(x, p1, p2, …)`: one column per percentage, `percentile_x_p` or the
    /// names given as `(A, B) = …`.
    fn percentiles(&mut self, item: &NamedExpr, args: &[Ast], span: Span, schema: &DFSchema, c: &mut Collected) -> Result<(), PlanError> {
        let Some((x, ps)) = args.split_first().filter(|(_, ps)| !ps.is_empty()) else {
            return Err(self.invalid(span, "percentiles() takes a value and at least one percentage"));
        };
        if item.names.len() > ps.len() || item.names.len() == 1 && ps.len() > 1 {
            return Err(self.invalid(span, "percentiles(): give one name per percentage, as (A, B) = …"));
        }
        for (i, p) in ps.iter().enumerate() {
            let name = match item.names.get(i) {
                Some(n) => n.name.clone(),
                None => aggregate_name("percentile", &[x.clone(), p.clone()]).unwrap_or_default(),
            };
            let (aggregate, finish) = self.lower_aggregate("percentile", &[x.clone(), p.clone()], span, schema)?;
            c.column(&name, aggregate, finish);
        }
        Ok(())
    }
}

fn strip(e: &Ast) -> &Ast {
    match e {
        Ast::Paren(inner, _) => strip(inner),
        other => other,
    }
}


/// The default name of an aggregate that `e` wraps in scalar function calls only
/// (`round(sum(y), 2)`, `tostring(makeset(x))`); an operator on the way (`sum(x) * 2`)
/// makes the expression an ordinary unnamed one.
fn wrapped_aggregate_name(e: &Ast) -> Option<String> {
    let Ast::Call { name, args, .. } = e else { return None };
    if let Some(n) = aggregate_name(&name.name, args) {
        return Some(n);
    }
    // The first argument is the value a conversion or rounding function works on.
    wrapped_aggregate_name(args.first()?)
}
