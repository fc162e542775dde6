//! Operators that start a pipeline: `print`, `range`, `datatable`, `union` (also after a
//! pipe), and the refusals: `externaldata`, `search`, `find`, `evaluate` as a source.

use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Column, ScalarValue};
use datafusion::logical_expr::{Expr, LogicalPlan, LogicalPlanBuilder, lit};
use datafusion::prelude::col;

use super::project::glob;
use super::types::{field_type, metadata, null_of};
use super::{Binding, PlanError, Planner};
use crate::catalog::KustoType;
use crate::kql::Span;
use crate::kql::ast::{Expr as Ast, Ident, NamedExpr, OpKind, OpParam, Operator};

impl Planner<'_> {
    pub(crate) fn source(&mut self, op: &Operator) -> Result<LogicalPlan, PlanError> {
        let span = op.span;
        match &op.kind {
            OpKind::Print(items) => self.print(items, span),
            OpKind::Range { column, from, to, step } => {
                let rows = self.range(column, from, to, step, span)?;
                self.serialized(rows, span)
            }
            OpKind::Datatable { columns, values } => self.datatable(columns, values, span),
            OpKind::Union { params, tables } => self.union(None, params, tables, span),
            OpKind::ExternalData { .. } => Err(self.unsupported(span, "`externaldata` (lakehunt reads only the lake)")),
            other => Err(self.unsupported(span, format!("the `{}` operator", super::tabular::operator_name(other)))),
        }
    }

    fn print(&mut self, items: &[NamedExpr], span: Span) -> Result<LogicalPlan, PlanError> {
        let one_row = LogicalPlanBuilder::empty(true).build().map_err(self.df(span))?;
        let schema = one_row.schema().clone();
        let mut exprs = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let name = match item.names.as_slice() {
                [n] => n.name.clone(),
                [] => format!("print_{i}"),
                [n, ..] => return Err(self.unsupported(n.span, "several names for one expression")),
            };
            exprs.push(self.scalar(&item.expr, &schema)?.alias(name));
        }
        LogicalPlanBuilder::from(one_row).project(exprs).and_then(|b| b.build()).map_err(self.df(span))
    }

    /// `range x from a to b step s`: a series over Unix nanoseconds or numbers, unnested.
    fn range(&mut self, column: &Ident, from: &Ast, to: &Ast, step: &Ast, span: Span) -> Result<LogicalPlan, PlanError> {
        let (a, b, s) = (self.constant(from)?, self.constant(to)?, self.constant(step)?);
        let ty = self.type_of(&a, &datafusion::common::DFSchema::empty(), span)?;
        let as_long = |e: Expr| Expr::Cast(datafusion::logical_expr::Cast::new(Box::new(e), DataType::Int64));
        let (a, b, s) = match ty {
            KustoType::Long | KustoType::Int | KustoType::DateTime | KustoType::TimeSpan => (as_long(a), as_long(b), as_long(s)),
            other => return Err(self.unsupported(span, format!("range over {} values", other.name()))),
        };
        let name = column.name.clone();
        let series = datafusion::functions_nested::expr_fn::gen_series(a, b, s).alias(name.clone());
        let unnested = LogicalPlanBuilder::empty(true)
            .project(vec![series])
            .and_then(|p| p.unnest_column(Column::from_name(name.clone())))
            .and_then(|p| p.build())
            .map_err(self.df(span))?;
        let value = col(Column::from_name(name.clone()));
        // Back from nanoseconds with arrow_cast: a SQL CAST of a number to a timestamp
        // would read seconds in the SQL that `translate` prints.
        let value = match ty {
            KustoType::DateTime => super::types::nanos_to_datetime(value),
            KustoType::TimeSpan => super::types::nanos_to_timespan(value),
            _ => value,
        };
        LogicalPlanBuilder::from(unnested).project(vec![value.alias(name)]).and_then(|p| p.build()).map_err(self.df(span))
    }

    fn datatable(&mut self, columns: &[(Ident, Ident)], values: &[Ast], span: Span) -> Result<LogicalPlan, PlanError> {
        let mut types = Vec::new();
        for (_, ty) in columns {
            types.push(self.column_type(ty)?);
        }
        if columns.is_empty() || values.len() % columns.len() != 0 {
            return Err(self.invalid(span, format!("datatable has {} columns but {} values", columns.len(), values.len())));
        }
        let mut rows = Vec::new();
        for chunk in values.chunks(columns.len()) {
            let mut row = Vec::new();
            for (cell, &ty) in chunk.iter().zip(&types) {
                row.push(self.cell(cell, ty)?);
            }
            rows.push(row);
        }
        let names: Vec<String> = columns.iter().map(|(n, _)| n.name.clone()).collect();
        self.rows_plan(&names, &types, rows, span)
    }

    /// A table of constant rows, in order (a VALUES list; `to_sql` spells it as one-row
    /// selects for the unparser), or an empty relation with the columns when there are no
    /// rows. Boxed: the unparser drops a filter written straight over it.
    pub(crate) fn rows_plan(&self, names: &[String], types: &[KustoType], rows: Vec<Vec<ScalarValue>>, span: Span) -> Result<LogicalPlan, PlanError> {
        let named = |i: usize, e: Expr| {
            let ty = types[i];
            let meta = matches!(ty, KustoType::Dynamic | KustoType::Guid).then(|| metadata(ty));
            e.alias_with_metadata(names[i].clone(), meta)
        };
        let plan = if rows.is_empty() {
            let nulls = types.iter().enumerate().map(|(i, &t)| named(i, lit(null_of(t)))).collect::<Vec<_>>();
            // `LIMIT 0` keeps the SQL that `translate` prints empty too: it spells an empty
            // relation as a one-row SELECT (and a `WHERE false` could be hoisted past a join).
            LogicalPlanBuilder::empty(false).project(nulls).and_then(|b| b.limit(0, Some(0)))
        } else {
            let values = rows.into_iter().map(|r| r.into_iter().map(|v| Expr::Literal(v, None)).collect()).collect();
            let columns = (0..names.len()).map(|i| named(i, col(Column::from_name(format!("column{}", i + 1))))).collect::<Vec<_>>();
            LogicalPlanBuilder::values(values).and_then(|b| b.project(columns))
        }
        .and_then(|b| b.build())
        .map_err(self.df(span))?;
        self.boxed(plan, span)
    }

    pub(crate) fn column_type(&self, ty: &Ident) -> Result<KustoType, PlanError> {
        let name = match ty.name.as_str() {
            "boolean" => "bool",
            "double" => "real",
            "date" => "datetime",
            "time" => "timespan",
            "decimal" => "real",
            n => n,
        };
        KustoType::from_name(name).ok_or_else(|| self.unsupported(ty.span, format!("the column type `{}`", ty.name)))
    }

    /// One datatable value of column type `ty`, as a constant.
    fn cell(&mut self, cell: &Ast, ty: KustoType) -> Result<ScalarValue, PlanError> {
        if ty == KustoType::Dynamic {
            let json = super::literal::json(cell).map_err(|m| self.invalid(cell.span(), m))?;
            return Ok(if json.is_null() { ScalarValue::Utf8(None) } else { ScalarValue::Utf8(Some(json.to_string())) });
        }
        let e = self.constant(cell)?;
        let Expr::Literal(v, _) = strip_negative(e) else {
            return Err(self.invalid(cell.span(), "a datatable value must be a literal"));
        };
        if v.is_null() {
            return Ok(null_of(ty));
        }
        if ty == KustoType::Bool && !matches!(v, ScalarValue::Boolean(_)) {
            return Err(self.invalid(cell.span(), format!("`{v}` is not a bool")));
        }
        v.cast_to(&ty.arrow_type()).map_err(|_| self.invalid(cell.span(), format!("`{v}` is not a {}", ty.name())))
    }

    /// `union`: legs in order (the piped input first), columns by name in order of first
    /// appearance, missing cells null; `kind=inner` keeps only the common columns.
    pub(crate) fn union(&mut self, input: Option<LogicalPlan>, params: &[OpParam], tables: &[Ast], span: Span) -> Result<LogicalPlan, PlanError> {
        let inner = match self.param_word(params, "kind")?.as_deref() {
            None | Some("outer") => false,
            Some("inner") => true,
            Some(other) => return Err(self.invalid(span, format!("union kind must be inner or outer, not `{other}`"))),
        };
        let source_col = self.param_word(params, "withsource")?;
        let mut legs: Vec<(String, LogicalPlan)> = Vec::new();
        if let Some(p) = input {
            legs.push(("union_arg0".to_string(), p));
        }
        let fuzzy = self.param_word(params, "isfuzzy")?.as_deref() == Some("true");
        for t in tables {
            match self.union_leg(t, &mut legs) {
                // isfuzzy=true: a leg that does not resolve is left out.
                Err(e) if fuzzy && e.kind == super::PlanErrorKind::Invalid => {}
                other => other?,
            }
        }
        if legs.is_empty() {
            return Err(self.invalid(span, "union matched no tables"));
        }
        // Columns unify by name and type, in order of first appearance (reference notes §6.6).
        let mut columns: Vec<(String, KustoType)> = Vec::new();
        for (_, plan) in &legs {
            for f in plan.schema().fields() {
                let key = (f.name().clone(), field_type(f));
                if !columns.contains(&key) {
                    columns.push(key);
                }
            }
        }
        if inner {
            columns.retain(|(n, t)| legs.iter().all(|(_, p)| p.schema().fields().iter().any(|f| f.name() == n && field_type(f) == *t)));
        }
        let outputs = union_names(&columns, source_col.as_deref());
        let mut out: Option<LogicalPlanBuilder> = None;
        for (leg_name, plan) in legs {
            let mut exprs = Vec::new();
            if let Some(c) = &source_col {
                exprs.push(lit(leg_name.clone()).alias(c.clone()));
            }
            for ((n, ty), out_name) in columns.iter().zip(&outputs) {
                // A leg without the column gives null there; for strings that is "" (strings
                // are never null in Kusto).
                let missing = if *ty == KustoType::String { lit("") } else { lit(null_of(*ty)) };
                let own = plan.schema().fields().iter().any(|f| f.name() == n && field_type(f) == *ty);
                let e = if own { super::expr::find_column(plan.schema(), n).unwrap_or(missing) } else { missing };
                let meta = matches!(ty, KustoType::Dynamic | KustoType::Guid).then(|| metadata(*ty));
                exprs.push(e.alias_with_metadata(out_name.clone(), meta));
            }
            let projected = LogicalPlanBuilder::from(plan).project(exprs).and_then(|b| b.build()).map_err(self.df(span))?;
            out = Some(match out {
                None => LogicalPlanBuilder::from(projected),
                Some(b) => b.union(projected).map_err(self.df(span))?,
            });
        }
        let Some(b) = out else { return Err(self.invalid(span, "union matched no tables")) };
        let plan = b.build().map_err(self.df(span))?;
        // Boxed: the unparser drops a filter written directly over a union.
        if matches!(plan, LogicalPlan::Union(_)) { self.boxed(plan, span) } else { Ok(plan) }
    }

    fn union_leg(&mut self, t: &Ast, legs: &mut Vec<(String, LogicalPlan)>) -> Result<(), PlanError> {
        let position = legs.len();
        match t {
            Ast::Name(id) if id.name.contains('*') => {
                // Tables and `view` lets (functions without parameters) whose names match.
                let views = self.scopes.iter().flat_map(|s| s.iter()).filter_map(|(n, b)| match b {
                    Binding::Function(f) if f.params.is_empty() => Some(n.clone()),
                    _ => None,
                });
                let mut names: Vec<String> = self.cx.table_names().map(str::to_string).chain(views).filter(|n| glob(&id.name, n)).collect();
                names.sort();
                names.dedup();
                for n in names {
                    let plan = self.tabular(&Ast::Name(Ident::new(n.clone(), id.span)))?;
                    legs.push((n, plan));
                }
            }
            Ast::Name(id) => {
                let plan = self.tabular(t)?;
                // A table keeps its name; a plain `let` name reads as its position.
                let name = match self.lookup(&id.name) {
                    Some(Binding::Table(_)) => format!("union_arg{position}"),
                    _ => id.name.clone(),
                };
                legs.push((name, plan));
            }
            other => {
                let name = as_name(other).unwrap_or_else(|| format!("union_arg{position}"));
                legs.push((name, self.tabular(other)?));
            }
        }
        Ok(())
    }
}

/// A leg ending in `| as Name` is named `Name`.
fn as_name(e: &Ast) -> Option<String> {
    match e {
        Ast::Paren(inner, _) => as_name(inner),
        Ast::Pipe { op, .. } => match &op.kind {
            OpKind::As { name, .. } => Some(name.name.clone()),
            _ => None,
        },
        _ => None,
    }
}

fn strip_negative(e: Expr) -> Expr {
    match e {
        Expr::Negative(inner) => match *inner {
            Expr::Literal(ScalarValue::DurationNanosecond(Some(n)), m) => Expr::Literal(ScalarValue::DurationNanosecond(n.checked_neg()), m),
            Expr::Literal(v, m) => match v.arithmetic_negate() {
                Ok(n) => Expr::Literal(n, m),
                Err(_) => Expr::Negative(Box::new(Expr::Literal(v, m))),
            },
            other => Expr::Negative(Box::new(other)),
        },
        other => other,
    }
}

/// The output name of each unified union column: its own name, or `name_type` when the
/// name comes with several types (`x_long`, `x_string`), made unique with a numeric suffix
/// if that is taken.
fn union_names(columns: &[(String, KustoType)], source_col: Option<&str>) -> Vec<String> {
    let split = |n: &str| columns.iter().filter(|(m, _)| m == n).count() > 1;
    let plain = columns.iter().filter(|(n, _)| !split(n)).map(|(n, _)| n.as_str());
    let mut names = super::names::UniqueNames::with_reserved(plain.chain(source_col));
    columns.iter().map(|(n, t)| if split(n) { names.unique(&format!("{n}_{}", t.name())) } else { n.clone() }).collect()
}
