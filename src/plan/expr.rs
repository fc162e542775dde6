//! Scalar expressions: names, literals, arithmetic with Kusto's types, comparisons with
//! Kusto's null rules, the string operators, `in`, `between`, and dynamic access.

use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Column, DFSchema, ScalarValue};
use datafusion::functions::expr_fn as f;
use datafusion::logical_expr::{Expr, ExprFunctionExt, ExprSchemable, Operator, binary_expr, lit};

use super::types::{expr_type, typed_lit};
use super::{Binding, PlanError, Planner};
use crate::catalog::KustoType;
use crate::kql::Span;
use crate::kql::ast::{BinOp, Expr as Ast, ListOp, Literal};

/// Where a boolean is consumed. In a positive filter position (a `where` predicate, through
/// `and`/`or` but not `not`) "false" and "null" drop the row alike, so the cheaper SQL
/// comparison is exact; elsewhere Kusto's total comparisons are spelt out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ctx {
    /// A positive filter position.
    Filter,
    /// A value.
    Value,
}

impl Planner<'_> {
    /// Lowers a scalar expression over `schema`.
    pub(crate) fn scalar(&mut self, e: &Ast, schema: &DFSchema) -> Result<Expr, PlanError> {
        self.scalar_in(e, schema, Ctx::Value)
    }

    /// Lowers a `where` predicate.
    pub(crate) fn predicate(&mut self, e: &Ast, schema: &DFSchema) -> Result<Expr, PlanError> {
        let p = self.scalar_in(e, schema, Ctx::Filter)?;
        let ty = self.type_of(&p, schema, e.span())?;
        if ty != KustoType::Bool {
            return Err(self.invalid(e.span(), format!("a filter must be a bool, not a {}", ty.name())));
        }
        Ok(p)
    }

    /// Lowers an expression that needs no columns (a `let` value, a parameter).
    pub(crate) fn constant(&mut self, e: &Ast) -> Result<Expr, PlanError> {
        self.scalar(e, &DFSchema::empty())
    }

    pub(crate) fn type_of(&self, e: &Expr, schema: &DFSchema, span: Span) -> Result<KustoType, PlanError> {
        expr_type(e, schema).map_err(self.df(span))
    }

    pub(crate) fn scalar_in(&mut self, e: &Ast, schema: &DFSchema, ctx: Ctx) -> Result<Expr, PlanError> {
        self.enter(e.span())?;
        let out = self.scalar_inner(e, schema, ctx);
        self.leave();
        out
    }

    fn scalar_inner(&mut self, e: &Ast, schema: &DFSchema, ctx: Ctx) -> Result<Expr, PlanError> {
        match e {
            Ast::Literal(l, span) => self.literal(l, *span),
            Ast::Name(id) => self.name(&id.name, id.span, schema),
            Ast::Paren(inner, _) => self.scalar_in(inner, schema, ctx),
            Ast::Neg { minus: false, expr, .. } => self.scalar(expr, schema),
            Ast::Neg { minus: true, expr, .. } => {
                let v = self.scalar(expr, schema)?;
                // Arrow negates numbers only: a timespan is negated as its nanoseconds (a
                // literal one at once, so that `-1h` stays a literal, as datatable needs).
                let ty = self.type_of(&v, schema, expr.span())?;
                Ok(match (v, ty) {
                    (Expr::Literal(ScalarValue::DurationNanosecond(Some(n)), m), _) if n != i64::MIN => Expr::Literal(ScalarValue::DurationNanosecond(Some(-n)), m),
                    (v, KustoType::TimeSpan) => super::types::nanos_to_timespan(Expr::Negative(Box::new(cast(v, DataType::Int64)))),
                    (v, _) => Expr::Negative(Box::new(v)),
                })
            }
            Ast::Binary { op, left, right, span } => self.binary(*op, left, right, *span, schema, ctx),
            Ast::StrBinary { op, left, right, span } => self.string_op(&op.name, left, right, *span, schema),
            Ast::InList { op, left, list, span } => self.in_list(*op, left, list, *span, schema, ctx),
            Ast::Between { negated, expr, low, high, span } => self.between(*negated, expr, low, high, *span, schema),
            Ast::Member { target, member, span } => {
                let t = self.dynamic_target(target, *span, schema)?;
                let key = self.dynamic_arg(lit(member.name.clone()), KustoType::String, *span)?;
                self.cx.registry.call("kql_dyn_get", vec![t, key]).map_err(self.df(*span))
            }
            Ast::Index { target, index, span } => {
                let t = match target.as_ref() {
                    Ast::Call { name, args, span: cspan } if matches!(name.name.as_str(), "array_sort_asc" | "array_sort_desc") => {
                        self.indexed_sort_target(&name.name, args, *cspan, schema)?
                    }
                    _ => self.dynamic_target(target, *span, schema)?,
                };
                let i = self.scalar(index, schema)?;
                let ti = self.type_of(&i, schema, index.span())?;
                let i = self.dynamic_arg(i, ti, index.span())?;
                self.cx.registry.call("kql_dyn_get", vec![t, i]).map_err(self.df(*span))
            }
            Ast::Call { name, args, span } => self.call(&name.name, args, *span, schema),
            Ast::Array(_, span) | Ast::Bag(_, span) => {
                let json = super::literal::json(e).map_err(|m| self.invalid(*span, m))?;
                Ok(typed_lit(ScalarValue::Utf8(Some(json.to_string())), KustoType::Dynamic))
            }
            Ast::Star(span) => Err(self.unsupported(*span, "`*` as a value")),
            Ast::NamedArg { span, .. } => Err(self.invalid(*span, "`name = value` is not an expression here (did you mean `==`?)")),
            Ast::Pipe { span, .. } | Ast::Input(span) => Err(self.invalid(*span, "a tabular expression where a scalar value is expected (wrap it in toscalar())")),
            Ast::Source(op) => Err(self.invalid(op.span, "a tabular expression where a scalar value is expected (wrap it in toscalar())")),
            Ast::MethodCall { span, .. } => Err(self.unsupported(*span, "cross-cluster and cross-workspace references")),
        }
    }

    fn literal(&self, l: &Literal, span: Span) -> Result<Expr, PlanError> {
        let (value, ty) = super::literal::literal(l).map_err(|m| self.invalid(span, m))?;
        Ok(typed_lit(value, ty))
    }

    fn name(&self, name: &str, span: Span, schema: &DFSchema) -> Result<Expr, PlanError> {
        if let Some(c) = find_column(schema, name) {
            return Ok(c);
        }
        match self.lookup(name) {
            Some(Binding::Scalar(e)) => Ok(e.clone()),
            Some(Binding::Table(_)) => Err(self.invalid(span, format!("`{name}` is a table, not a scalar value (use toscalar())"))),
            Some(Binding::Function(_)) => Err(self.invalid(span, format!("`{name}` is a function: call it as `{name}()`"))),
            None => {
                let columns: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
                let mut msg = format!("unknown column or name `{name}`");
                if let Some(best) = crate::kql::error::did_you_mean(name, &columns) {
                    msg.push_str(&format!(" (did you mean `{best}`?)"));
                }
                Err(self.invalid(span, msg))
            }
        }
    }

    /// `array_sort_*(a1, …)` as the target of `[i]`: the sorted arrays as one array.
    fn indexed_sort_target(&mut self, name: &str, args: &[Ast], span: Span, schema: &DFSchema) -> Result<Expr, PlanError> {
        let (values, types) = self.typed_args(args, schema)?;
        self.indexed_sort(name, values, &types, span)
    }

    /// The object of `x.y` / `x[i]`: a dynamic value.
    fn dynamic_target(&mut self, target: &Ast, span: Span, schema: &DFSchema) -> Result<Expr, PlanError> {
        if let Ast::Name(id) = target
            && id.name.starts_with('$')
        {
            return Err(self.invalid(span, "`$left`/`$right` only appear in a join's `on` clause"));
        }
        let t = self.scalar(target, schema)?;
        match self.type_of(&t, schema, span)? {
            KustoType::Dynamic => Ok(t),
            // A string holding JSON is read as dynamic, as Kusto's implicit conversion does.
            KustoType::String => self.cx.registry.call("kql_parse_json", vec![t]).map_err(self.df(span)),
            other => Err(self.invalid(span, format!("member access needs a dynamic value, not a {}", other.name()))),
        }
    }

    fn binary(&mut self, op: BinOp, l: &Ast, r: &Ast, span: Span, schema: &DFSchema, ctx: Ctx) -> Result<Expr, PlanError> {
        match op {
            BinOp::And | BinOp::Or => {
                // A rule's `a or b or c …` list is one level of nesting, however long: lowering
                // the chain as a list keeps the depth limit for real nesting (a rule in the
                // corpus lists 90 alternatives).
                let mut out: Option<Expr> = None;
                for operand in chain_operands(op, l).into_iter().chain(chain_operands(op, r)) {
                    let v = self.bool_operand(operand, schema, ctx)?;
                    out = Some(match out {
                        None => v,
                        Some(acc) if op == BinOp::And => acc.and(v),
                        Some(acc) => acc.or(v),
                    });
                }
                out.ok_or_else(|| self.invalid(span, "an empty `and`/`or` chain"))
            }
            BinOp::Eq | BinOp::NotEq | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                let (a, b) = self.comparable(l, r, schema)?;
                Ok(compare(op, a, b, ctx))
            }
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod => {
                let a = self.scalar(l, schema)?;
                let b = self.scalar(r, schema)?;
                self.arithmetic(op, a, b, span, schema)
            }
        }
    }

    fn bool_operand(&mut self, e: &Ast, schema: &DFSchema, ctx: Ctx) -> Result<Expr, PlanError> {
        let v = self.scalar_in(e, schema, ctx)?;
        match self.type_of(&v, schema, e.span())? {
            KustoType::Bool => Ok(v),
            other => Err(self.invalid(e.span(), format!("`and`/`or` need bool operands, not {}", other.name()))),
        }
    }

    /// Both sides of a comparison, with a dynamic side converted to the other side's type.
    fn comparable(&mut self, l: &Ast, r: &Ast, schema: &DFSchema) -> Result<(Expr, Expr), PlanError> {
        let a = self.scalar(l, schema)?;
        let b = self.scalar(r, schema)?;
        let ta = self.type_of(&a, schema, l.span())?;
        let tb = self.type_of(&b, schema, r.span())?;
        if ta == KustoType::Dynamic && tb == KustoType::Dynamic {
            // The real engine rejects comparing two dynamic values (measured: an array
            // `== array_sort_asc(…)` of it fails; kusto-oracle 3eef8b208328049f).
            let span = l.span().to(r.span());
            return Err(self.invalid(span, "cannot compare two dynamic values; convert one side first (tostring(), tolong(), …)"));
        }
        let a = self.coerce_dynamic(a, ta, tb, l.span())?;
        let b = self.coerce_dynamic(b, tb, ta, r.span())?;
        if let (Some(ka), Some(kb)) = (comparison_kind(ta), comparison_kind(tb))
            && ka != kb
        {
            // What the real engine does here is not documented (an error, a silent false,
            // or a conversion) and the oracle has no case; DataFusion would convert and then
            // fail the whole query at the first row that does not parse. So it is refused,
            // with the fix, rather than guessed.
            let span = l.span().to(r.span());
            return Err(self.unsupported(span, format!("comparing {} with {} (convert one side first: tostring(), tolong(), todatetime(), …)", ta.name(), tb.name())));
        }
        // A bool is true (1) or false (0) (the bool type's docs); rules compare flags with
        // numbers (`IsLocalAdmin == 1`), so the bool side is read as that number.
        let (a, ta) = bool_as_number(a, ta, tb);
        let (b, tb) = bool_as_number(b, tb, ta);
        Ok((widen_int(a, ta), widen_int(b, tb)))
    }

    fn coerce_dynamic(&self, e: Expr, from: KustoType, to: KustoType, span: Span) -> Result<Expr, PlanError> {
        if from != KustoType::Dynamic || to == KustoType::Dynamic {
            return Ok(e);
        }
        let text = self.cx.registry.call("kql_tostring", vec![e]).map_err(self.df(span))?;
        Ok(match to {
            KustoType::String | KustoType::Guid => text,
            other => Expr::TryCast(datafusion::logical_expr::TryCast::new(Box::new(text), other.arrow_type())),
        })
    }

    pub(crate) fn arithmetic(&mut self, op: BinOp, a: Expr, b: Expr, span: Span, schema: &DFSchema) -> Result<Expr, PlanError> {
        use KustoType::{DateTime, Int, Long, Real, TimeSpan};
        let ta = self.type_of(&a, schema, span)?;
        let tb = self.type_of(&b, schema, span)?;
        // Literal operands fold to plain longs, so that the plan (and the SQL `translate`
        // prints) needs no duration literals, which SQL cannot spell.
        let nanos = |e: Expr| match e {
            Expr::Literal(ScalarValue::DurationNanosecond(Some(n)), _) => Ok(lit(n)),
            Expr::Literal(ScalarValue::TimestampNanosecond(Some(n), _), _) => Ok(lit(n)),
            other => other.cast_to(&DataType::Int64, schema),
        };
        if let Some(folded) = fold_time(op, &a, &b) {
            return Ok(folded);
        }
        let bad = || self.invalid(span, format!("`{}` cannot combine {} and {}", op_text(op), ta.name(), tb.name()));
        let out = match (op, ta, tb) {
            (BinOp::Add, DateTime, TimeSpan) | (BinOp::Sub, DateTime, TimeSpan) | (BinOp::Add, TimeSpan, DateTime) => {
                let (t, d) = if ta == DateTime { (a, b) } else { (b, a) };
                let total = binary_expr(nanos(t).map_err(self.df(span))?, sql_op(op), nanos(d).map_err(self.df(span))?);
                super::types::nanos_to_datetime(total)
            }
            (BinOp::Sub, DateTime, DateTime) | (BinOp::Add | BinOp::Sub, TimeSpan, TimeSpan) => {
                let total = binary_expr(nanos(a).map_err(self.df(span))?, sql_op(op), nanos(b).map_err(self.df(span))?);
                to_timespan(total)
            }
            (BinOp::Mul, TimeSpan, Int | Long | Real) | (BinOp::Mul, Int | Long | Real, TimeSpan) | (BinOp::Div, TimeSpan, Int | Long | Real) => {
                let (d, n) = if ta == TimeSpan { (a, b) } else { (b, a) };
                let d = nanos(d).map_err(self.df(span))?;
                let total = if tb == Real || ta == Real || op == BinOp::Div {
                    let v = binary_expr(cast(d, DataType::Float64), sql_op(op), cast(n, DataType::Float64));
                    cast(f::round(vec![v]), DataType::Int64)
                } else {
                    binary_expr(d, Operator::Multiply, cast(n, DataType::Int64))
                };
                to_timespan(total)
            }
            (BinOp::Div, TimeSpan, TimeSpan) => binary_expr(
                cast(nanos(a).map_err(self.df(span))?, DataType::Float64),
                Operator::Divide,
                cast(nanos(b).map_err(self.df(span))?, DataType::Float64),
            ),
            (_, Int | Long | Real, Int | Long | Real) => numeric(op, widen_int(a, ta), widen_int(b, tb), ta == Real || tb == Real),
            _ => return Err(bad()),
        };
        Ok(out)
    }

    fn between(&mut self, negated: bool, x: &Ast, low: &Ast, high: &Ast, span: Span, schema: &DFSchema) -> Result<Expr, PlanError> {
        let v = self.scalar(x, schema)?;
        let lo = self.scalar(low, schema)?;
        let mut hi = self.scalar(high, schema)?;
        let tv = self.type_of(&v, schema, span)?;
        let th = self.type_of(&hi, schema, span)?;
        if tv == KustoType::DateTime && th == KustoType::TimeSpan {
            // `datetime .. timespan`: the upper bound is the lower bound plus the span.
            hi = self.arithmetic(BinOp::Add, lo.clone(), hi, span, schema)?;
        }
        let tv2 = self.type_of(&v, schema, span)?;
        let (v, lo, hi) = (widen_int(v, tv2), widen_int(lo.clone(), self.type_of(&lo, schema, span)?), widen_int(hi.clone(), self.type_of(&hi, schema, span)?));
        Ok(if negated { v.clone().lt(lo).or(v.gt(hi)) } else { v.clone().gt_eq(lo).and(v.lt_eq(hi)) })
    }

    fn in_list(&mut self, op: ListOp, left: &Ast, list: &[Ast], span: Span, schema: &DFSchema, ctx: Ctx) -> Result<Expr, PlanError> {
        if let [only] = list
            && self.is_tabular(only)
        {
            return self.in_subquery(op, left, only, span, schema, ctx);
        }
        let v = self.scalar(left, schema)?;
        let tv = self.type_of(&v, schema, left.span())?;
        let mut items = Vec::new();
        for item in list {
            let e = self.scalar(item, schema)?;
            let ty = self.type_of(&e, schema, item.span())?;
            match (&e, ty) {
                (Expr::Literal(ScalarValue::Utf8(Some(text)), _), KustoType::Dynamic) => {
                    let json: serde_json::Value = serde_json::from_str(text).unwrap_or(serde_json::Value::Null);
                    flatten_json(&json, &mut items);
                }
                (_, KustoType::Dynamic) if list.len() == 1 => return self.in_runtime_array(op, v, tv, e, span),
                (_, KustoType::Dynamic) => return Err(self.unsupported(item.span(), "a non-constant dynamic array in this list")),
                _ => items.push(e),
            }
        }
        let negated = matches!(op, ListOp::NotIn | ListOp::NotInCi);
        if items.is_empty() && !matches!(op, ListOp::HasAny | ListOp::HasAll) {
            // No value is in an empty list, null included; SQL has no spelling for `IN ()`.
            return Ok(lit(negated));
        }
        match op {
            ListOp::In | ListOp::NotIn => {
                let v = widen_int(v, tv);
                // DataFusion coerces the list to the value's type.
                let e = v.clone().in_list(items, negated);
                Ok(total_bool(e, v, negated, ctx))
            }
            ListOp::InCi | ListOp::NotInCi => {
                let v = self.as_string(v, tv, left.span())?;
                let folded = items.into_iter().map(fold_expr).collect();
                let e = f::lower(v.clone()).in_list(folded, negated);
                Ok(total_bool(e, v, negated, ctx))
            }
            ListOp::HasAny | ListOp::HasAll => {
                let v = self.as_string(v, tv, left.span())?;
                let mut tests = Vec::new();
                for i in items {
                    tests.push(self.cx.registry.call("kql_has", vec![v.clone(), i]).map_err(self.df(span))?);
                }
                let any = op == ListOp::HasAny;
                Ok(tests.into_iter().reduce(|a, b| if any { a.or(b) } else { a.and(b) }).unwrap_or(lit(!any)))
            }
        }
    }

    /// `x in (arr)`, `x has_any (arr)`, … where `arr` is a dynamic array known only at run
    /// time.
    fn in_runtime_array(&mut self, op: ListOp, v: Expr, tv: KustoType, arr: Expr, span: Span) -> Result<Expr, PlanError> {
        let value = match op {
            ListOp::HasAny | ListOp::HasAll => {
                let text = self.as_string(v, tv, span)?;
                self.dynamic_arg(text, KustoType::String, span)?
            }
            _ => self.dynamic_arg(v, tv, span)?,
        };
        let function = match op {
            ListOp::In | ListOp::NotIn => "kql_in_array",
            ListOp::InCi | ListOp::NotInCi => "kql_in_array_ci",
            ListOp::HasAny => "kql_has_any_array",
            ListOp::HasAll => "kql_has_all_array",
        };
        let test = self.cx.registry.call(function, vec![value, arr]).map_err(self.df(span))?;
        // The functions are total (a null value is in nothing), so the negation is too.
        Ok(if matches!(op, ListOp::NotIn | ListOp::NotInCi) { !test } else { test })
    }

    fn in_subquery(&mut self, op: ListOp, left: &Ast, table: &Ast, span: Span, schema: &DFSchema, ctx: Ctx) -> Result<Expr, PlanError> {
        let negated = match op {
            ListOp::In => false,
            ListOp::NotIn => true,
            _ => {
                let v = self.scalar(left, schema)?;
                let tv = self.type_of(&v, schema, left.span())?;
                let arr = self.column_array(table)?;
                return self.in_runtime_array(op, v, tv, arr, span);
            }
        };
        let v = self.scalar(left, schema)?;
        let plan = self.tabular(table)?;
        let first = plan.schema().field(0).name().clone();
        let plan = datafusion::logical_expr::LogicalPlanBuilder::from(plan)
            // A name of its own, so that the outer query's columns stay unambiguous.
            .project(vec![datafusion::prelude::col(Column::from_name(first)).alias("__in_value")])
            .and_then(|b| b.build())
            .map_err(self.df(table.span()))?;
        let sub = datafusion::logical_expr::Subquery { subquery: std::sync::Arc::new(plan), outer_ref_columns: vec![], spans: Default::default() };
        let e = Expr::InSubquery(datafusion::logical_expr::expr::InSubquery::new(Box::new(v.clone()), sub, negated));
        Ok(total_bool(e, v, negated, ctx))
    }

    /// The first column of the table `table` as one dynamic array (nulls skipped): a scalar
    /// subquery for the list operators that compare element by element.
    fn column_array(&mut self, table: &Ast) -> Result<Expr, PlanError> {
        let span = table.span();
        let plan = self.tabular(table)?;
        let first = Expr::Column(Column::from_name(plan.schema().field(0).name().clone()));
        let ty = self.type_of(&first, plan.schema(), span)?;
        let item = if ty == KustoType::Dynamic { self.cx.registry.call("kql_tostring", vec![first]).map_err(self.df(span))? } else { first };
        let list = datafusion::functions_aggregate::expr_fn::array_agg(item.clone())
            .filter(item.is_not_null())
            .build()
            .map_err(self.df(span))?;
        let plan = datafusion::logical_expr::LogicalPlanBuilder::from(plan)
            .aggregate(Vec::<Expr>::new(), vec![list.alias("__in_list")])
            .and_then(|b| b.build())
            .map_err(self.df(span))?;
        let array = self.cx.registry.call("kql_to_dynamic", vec![Expr::Column(Column::from_name("__in_list"))]).map_err(self.df(span))?;
        let plan = datafusion::logical_expr::LogicalPlanBuilder::from(plan)
            .project(vec![array.alias("__in_array")])
            .and_then(|b| b.build())
            .map_err(self.df(span))?;
        let sub = datafusion::logical_expr::Subquery { subquery: std::sync::Arc::new(plan), outer_ref_columns: vec![], spans: Default::default() };
        Ok(Expr::ScalarSubquery(sub))
    }

    /// `e` as a string for the string operators: dynamic and other types through `tostring`.
    pub(crate) fn as_string(&self, e: Expr, ty: KustoType, span: Span) -> Result<Expr, PlanError> {
        match ty {
            KustoType::String | KustoType::Guid => Ok(e),
            _ => self.cx.registry.call("kql_tostring", vec![e]).map_err(self.df(span)),
        }
    }

    fn string_op(&mut self, op: &str, l: &Ast, r: &Ast, span: Span, schema: &DFSchema) -> Result<Expr, PlanError> {
        let a = self.scalar(l, schema)?;
        let b = self.scalar(r, schema)?;
        let (ta, tb) = (self.type_of(&a, schema, l.span())?, self.type_of(&b, schema, r.span())?);
        let a = self.as_string(a, ta, l.span())?;
        let b = self.as_string(b, tb, r.span())?;
        let (negated, base) = match op.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, op),
        };
        let udf = match base {
            "=~" => "kql_equals",
            "~" => "kql_equals", // `!~`
            "matches regex" => {
                let m = f::regexp_like(a.clone(), b, None);
                // Total, like the other string operators: a null value does not match.
                return Ok(datafusion::functions::core::expr_fn::coalesce(vec![m, lit(false)]));
            }
            "containscs" => "kql_contains_cs",
            "notcontains" => return Ok(Expr::Not(Box::new(self.cx.registry.call("kql_contains", vec![a, b]).map_err(self.df(span))?))),
            "notcontainscs" => return Ok(Expr::Not(Box::new(self.cx.registry.call("kql_contains_cs", vec![a, b]).map_err(self.df(span))?))),
            "has" | "has_cs" | "hasprefix" | "hasprefix_cs" | "hassuffix" | "hassuffix_cs" | "contains" | "contains_cs" | "startswith"
            | "startswith_cs" | "endswith" | "endswith_cs" => return self.str_udf(&format!("kql_{base}"), a, b, negated, span),
            other => return Err(self.unsupported(span, format!("the string operator `{other}`"))),
        };
        self.str_udf(udf, a, b, negated, span)
    }

    fn str_udf(&self, name: &str, a: Expr, b: Expr, negated: bool, span: Span) -> Result<Expr, PlanError> {
        let call = self.cx.registry.call(name, vec![a, b]).map_err(self.df(span))?;
        Ok(if negated { Expr::Not(Box::new(call)) } else { call })
    }
}

/// The column `name` of `schema`, qualified as the schema has it.
pub(crate) fn find_column(schema: &DFSchema, name: &str) -> Option<Expr> {
    schema
        .iter()
        .find(|(_, f)| f.name() == name)
        .map(|(q, f)| Expr::Column(Column::new(q.cloned(), f.name())))
}

/// `datetime ± timespan` and `timespan ± timespan` of two literals, computed now.
fn fold_time(op: BinOp, a: &Expr, b: &Expr) -> Option<Expr> {
    let (Expr::Literal(x, _), Expr::Literal(y, _)) = (a, b) else { return None };
    let sign = match op {
        BinOp::Add => 1,
        BinOp::Sub => -1,
        _ => return None,
    };
    match (x, y) {
        (ScalarValue::TimestampNanosecond(Some(t), tz), ScalarValue::DurationNanosecond(Some(d))) => {
            let v = t.checked_add(d.checked_mul(sign)?)?;
            Some(lit(ScalarValue::TimestampNanosecond(Some(v), tz.clone())))
        }
        (ScalarValue::DurationNanosecond(Some(p)), ScalarValue::DurationNanosecond(Some(q))) => {
            Some(lit(ScalarValue::DurationNanosecond(Some(p.checked_add(q.checked_mul(sign)?)?))))
        }
        _ => None,
    }
}

fn cast(e: Expr, to: DataType) -> Expr {
    Expr::Cast(datafusion::logical_expr::Cast::new(Box::new(e), to))
}

fn to_timespan(nanos: Expr) -> Expr {
    super::types::nanos_to_timespan(nanos)
}

/// `e` (of type `ty`) as 1 or 0 when it is a bool compared with a number `other`.
fn bool_as_number(e: Expr, ty: KustoType, other: KustoType) -> (Expr, KustoType) {
    match (ty, other) {
        (KustoType::Bool, KustoType::Int | KustoType::Long) => (cast(e, DataType::Int64), KustoType::Long),
        (KustoType::Bool, KustoType::Real) => (cast(e, DataType::Float64), KustoType::Real),
        _ => (e, ty),
    }
}

/// Kusto computes with `long`: `int` operands widen.
fn widen_int(e: Expr, ty: KustoType) -> Expr {
    if ty == KustoType::Int { cast(e, DataType::Int64) } else { e }
}

fn numeric(op: BinOp, a: Expr, b: Expr, real: bool) -> Expr {
    // An integer divided by zero is null in Kusto (measured), where Arrow would fail the
    // query; reals give infinities and NaN as they are.
    let b = if !real && matches!(op, BinOp::Div | BinOp::Mod) { f::nullif(b, lit(0i64)) } else { b };
    match op {
        // Kusto's `%` is never negative, whatever the signs (measured: -5 % 3 == 1 and
        // 5 % -3 == 2): a Euclidean remainder, for reals too.
        BinOp::Mod => {
            let m = binary_expr(a, Operator::Modulo, b.clone());
            let abs_b = f::abs(b);
            binary_expr(binary_expr(m, Operator::Plus, abs_b.clone()), Operator::Modulo, abs_b)
        }
        _ => binary_expr(a, sql_op(op), b),
    }
}

fn sql_op(op: BinOp) -> Operator {
    match op {
        BinOp::Add => Operator::Plus,
        BinOp::Sub => Operator::Minus,
        BinOp::Mul => Operator::Multiply,
        BinOp::Div => Operator::Divide,
        BinOp::Mod => Operator::Modulo,
        BinOp::Lt => Operator::Lt,
        BinOp::Le => Operator::LtEq,
        BinOp::Gt => Operator::Gt,
        BinOp::Ge => Operator::GtEq,
        BinOp::Eq => Operator::Eq,
        BinOp::NotEq => Operator::NotEq,
        BinOp::And => Operator::And,
        BinOp::Or => Operator::Or,
    }
}

fn op_text(op: BinOp) -> &'static str {
    match op {
        BinOp::Add => "+",
        BinOp::Sub => "-",
        BinOp::Mul => "*",
        BinOp::Div => "/",
        BinOp::Mod => "%",
        _ => "operator",
    }
}

/// `==` and `!=` with Kusto's null rules: null against a value is `false` for `==` and
/// `true` for `!=`; two nulls give null (reference notes §5.2).
/// Which types compare with which: numbers (bools read as 1/0), texts, datetimes and
/// timespans each among themselves; `None` for dynamic, which converts to the other side.
fn comparison_kind(t: KustoType) -> Option<u8> {
    match t {
        KustoType::Int | KustoType::Long | KustoType::Real | KustoType::Bool => Some(0),
        KustoType::String | KustoType::Guid => Some(1),
        KustoType::DateTime => Some(2),
        KustoType::TimeSpan => Some(3),
        _ => None,
    }
}

fn compare(op: BinOp, a: Expr, b: Expr, ctx: Ctx) -> Expr {
    let plain = binary_expr(a.clone(), sql_op(op), b.clone());
    let b_is_value = matches!(&b, Expr::Literal(v, _) if !v.is_null());
    match op {
        BinOp::Eq if ctx == Ctx::Filter => plain,
        BinOp::Eq if b_is_value => datafusion::functions::core::expr_fn::coalesce(vec![plain, lit(false)]),
        BinOp::NotEq if b_is_value => a.is_null().or(plain),
        BinOp::Eq | BinOp::NotEq => {
            let both_null = a.clone().is_null().and(b.clone().is_null());
            // Checked after `both_null`, so this is "exactly one".
            let one_null = a.is_null().or(b.is_null());
            datafusion::logical_expr::when(both_null, lit(ScalarValue::Boolean(None)))
                .when(one_null, lit(op == BinOp::NotEq))
                .otherwise(plain)
                .unwrap_or_else(|_| lit(ScalarValue::Boolean(None)))
        }
        _ => plain,
    }
}

/// `in` / `!in` made total: a null value is not in any list, and is in every `!in`.
fn total_bool(e: Expr, value: Expr, negated: bool, ctx: Ctx) -> Expr {
    match (negated, ctx) {
        (false, Ctx::Filter) => e,
        (false, Ctx::Value) => datafusion::functions::core::expr_fn::coalesce(vec![e, lit(false)]),
        (true, _) => value.is_null().or(e),
    }
}

fn fold_expr(e: Expr) -> Expr {
    match e {
        Expr::Literal(ScalarValue::Utf8(Some(s)), m) => Expr::Literal(ScalarValue::Utf8(Some(crate::functions::strings::fold(&s))), m),
        other => f::lower(other),
    }
}

/// `in (dynamic([1, [2, 3]]))` lists 1, 2 and 3: arrays flatten, nested ones too.
fn flatten_json(v: &serde_json::Value, out: &mut Vec<Expr>) {
    match v {
        serde_json::Value::Array(items) => items.iter().for_each(|i| flatten_json(i, out)),
        serde_json::Value::String(s) => out.push(lit(s.clone())),
        serde_json::Value::Bool(b) => out.push(lit(*b)),
        serde_json::Value::Number(n) => out.push(n.as_i64().map(lit).unwrap_or_else(|| lit(n.as_f64().unwrap_or(f64::NAN)))),
        serde_json::Value::Null => out.push(lit(ScalarValue::Null)),
        serde_json::Value::Object(_) => out.push(lit(v.to_string())),
    }
}

/// The operands of a chain of one associative operator (`a or b or c`), left to right.
/// Iterative, so a chain of any length uses no stack.
fn chain_operands(op: BinOp, e: &Ast) -> Vec<&Ast> {
    let mut out = Vec::new();
    let mut pending = vec![e];
    while let Some(e) = pending.pop() {
        match e {
            Ast::Binary { op: o, left, right, .. } if *o == op => {
                pending.push(right);
                pending.push(left);
            }
            other => out.push(other),
        }
    }
    out
}
