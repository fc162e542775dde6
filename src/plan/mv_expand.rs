//! `mv-expand`: one row per element of a dynamic array (or entry of a property bag),
//! several columns expanded in parallel and padded with null; a null value gives one row
//! with null, an empty array none (reference notes §6.3). `to typeof(T)` converts the
//! elements; `limit n` keeps the first n of each row's.

use datafusion::common::{Column, NullHandling, UnnestOptions};
use datafusion::logical_expr::{Expr, LogicalPlan, LogicalPlanBuilder, lit};
use datafusion::prelude::col;

use super::names::result_name;
use super::types::metadata;
use super::{PlanError, Planner};
use crate::catalog::KustoType;
use crate::kql::Span;
use crate::kql::ast::{MvExpandItem, OpParam};

impl Planner<'_> {
    pub(crate) fn mv_expand(&mut self, input: LogicalPlan, params: &[OpParam], items: &[MvExpandItem], limit: Option<&crate::kql::ast::Expr>, span: Span) -> Result<LogicalPlan, PlanError> {
        if let Some(p) = params.iter().find(|p| !matches!(p.name.as_str(), "bagexpansion" | "with_itemindex")) {
            return Err(self.unsupported(span, format!("mv-expand with `{}=`", p.name)));
        }
        let bags_as_arrays = match self.param_word(params, "bagexpansion")?.as_deref() {
            None | Some("bag") => false,
            Some("array") => true,
            Some(other) => return Err(self.invalid(span, format!("mv-expand: `bagexpansion={other}` is not bag or array"))),
        };
        let index_name = self.param_word(params, "with_itemindex")?;
        let limit = match limit {
            Some(e) => Some(self.count_arg(e)? as i64),
            None => None,
        };
        let limit_arg = lit(datafusion::common::ScalarValue::Int64(limit));
        let mut values = Vec::new();
        let schema = input.schema().clone();
        let mut targets: Vec<(String, Expr, Option<KustoType>)> = Vec::new();
        for item in items {
            let name = match item.item.names.as_slice() {
                [n] => n.name.clone(),
                [] => result_name(&item.item.expr).ok_or_else(|| self.invalid(item.item.expr.span(), "mv-expand needs a column or `Name = expression`"))?,
                [n, ..] => return Err(self.unsupported(n.span, "several names for one expanded value")),
            };
            let v = self.scalar(&item.item.expr, &schema)?;
            let v = match self.type_of(&v, &schema, item.item.expr.span())? {
                KustoType::Dynamic => v,
                KustoType::String => self.cx.registry.call("kql_parse_json", vec![v]).map_err(self.df(span))?,
                other => return Err(self.invalid(item.item.expr.span(), format!("mv-expand needs a dynamic value, not a {}", other.name()))),
            };
            values.push(v.clone());
            let mut args = vec![v];
            if limit.is_some() || bags_as_arrays {
                args.push(limit_arg.clone());
            }
            if bags_as_arrays {
                args.push(lit(true));
            }
            let list = self.cx.registry.call("kql_mv_items", args).map_err(self.df(span))?;
            let to = match &item.to_type {
                Some(t) => Some(self.column_type(&crate::kql::ast::Ident::new(t.clone(), span))?),
                None => None,
            };
            targets.push((name, list, to));
        }
        if let Some(name) = &index_name {
            // with_itemindex: the item's position, expanded in step with the values.
            let mut args = vec![limit_arg.clone(), lit(bags_as_arrays)];
            args.extend(values);
            let list = self.cx.registry.call("kql_mv_index", args).map_err(self.df(span))?;
            targets.push((name.clone(), list, Some(KustoType::Long)));
        }
        // The lists, in place of the columns they expand (new names go last).
        let mut exprs = Vec::new();
        for (q, f) in schema.iter() {
            match targets.iter().find(|(n, _, _)| n == f.name()) {
                Some((n, list, _)) => exprs.push(list.clone().alias(n.clone())),
                None => exprs.push(Expr::Column(Column::new(q.cloned(), f.name()))),
            }
        }
        for (n, list, _) in &targets {
            if !schema.fields().iter().any(|f| f.name() == n) {
                exprs.push(list.clone().alias(n.clone()));
            }
        }
        let columns: Vec<Column> = targets.iter().map(|(n, _, _)| Column::from_name(n.clone())).collect();
        let options = UnnestOptions::new().with_null_handling(NullHandling::Preserve);
        let unnested = LogicalPlanBuilder::from(input)
            .project(exprs)
            .and_then(|b| b.unnest_columns_with_options(columns, options))
            .and_then(|b| b.build())
            .map_err(self.df(span))?;
        // The elements are JSON text: dynamic, or converted by `to typeof(…)`.
        let mut out = Vec::new();
        for f in unnested.schema().fields() {
            let c = col(Column::from_name(f.name().clone()));
            match targets.iter().find(|(n, _, _)| n == f.name()) {
                None => out.push(c),
                Some((n, _, None)) => out.push(c.alias_with_metadata(n.clone(), Some(metadata(KustoType::Dynamic)))),
                Some((n, _, Some(t))) => {
                    let text = self.cx.registry.call("kql_tostring", vec![c]).map_err(self.df(span))?;
                    let converted = match t {
                        KustoType::String => text,
                        KustoType::Dynamic => col(Column::from_name(n.clone())),
                        other => Expr::TryCast(datafusion::logical_expr::TryCast::new(Box::new(text), other.arrow_type())),
                    };
                    out.push(converted.alias(n.clone()));
                }
            }
        }
        let plan = LogicalPlanBuilder::from(unnested).project(out).and_then(|b| b.build()).map_err(self.df(span))?;
        self.boxed(plan, span)
    }
}
