//! `parse-kv text as (k: type, …) with (pair_delimiter=…, kv_delimiter=…[, quote=…])`:
//! `kql_parse_kv` reads the pairs (see `functions::kv_pairs`), and each column takes its
//! key's value converted to its type: `""` for a missing string, null for the others.
//! Only the specified-delimiters mode is supported (with `quote=` and `greedy=`); without
//! delimiters, or with `regex=` or `escape=`, the operator is refused by name.

use datafusion::logical_expr::{Expr, LogicalPlan, lit};

use super::parse_op::parse_type;
use super::types::metadata;
use super::{PlanError, Planner};
use crate::catalog::KustoType;
use crate::kql::Span;
use crate::kql::ast::{Expr as Ast, Ident, OpParam};

impl Planner<'_> {
    pub(crate) fn parse_kv(&mut self, input: LogicalPlan, source: &Ast, columns: &[(Ident, Ident)], with: &[OpParam], span: Span) -> Result<LogicalPlan, PlanError> {
        if let Some(p) = with.iter().find(|p| !matches!(p.name.as_str(), "pair_delimiter" | "kv_delimiter" | "quote" | "greedy")) {
            return Err(self.unsupported(p.value.span(), format!("parse-kv with `{}=`", p.name)));
        }
        let (Some(pair), Some(kv)) = (self.param_word(with, "pair_delimiter")?, self.param_word(with, "kv_delimiter")?) else {
            return Err(self.unsupported(span, "parse-kv without `pair_delimiter=` and `kv_delimiter=`"));
        };
        if pair.is_empty() || kv.is_empty() {
            return Err(self.invalid(span, "parse-kv: the delimiters cannot be empty"));
        }
        if with.iter().filter(|p| p.name == "quote").count() > 1 {
            return Err(self.unsupported(span, "parse-kv with several `quote=`"));
        }
        // One character quotes both ends; two would be an opening and a closing quote.
        let quote = self.param_word(with, "quote")?.unwrap_or_default();
        if quote.chars().count() > 1 {
            return Err(self.unsupported(span, "parse-kv with different opening and closing quotes"));
        }
        let greedy = match self.param_word(with, "greedy")?.as_deref() {
            None | Some("false") => false,
            Some("true") => true,
            Some(other) => return Err(self.invalid(span, format!("parse-kv: `greedy={other}` is not true or false"))),
        };
        let schema = input.schema().clone();
        let text = self.scalar(source, &schema)?;
        let ty = self.type_of(&text, &schema, source.span())?;
        let text = self.as_string(text, ty, source.span())?;
        let mut args = vec![text, lit(pair), lit(kv), lit(quote), lit(greedy)];
        args.extend(columns.iter().map(|(name, _)| lit(name.name.clone())));
        let bag = self.cx.registry.call("kql_parse_kv", args).map_err(self.df(span))?;
        let mut new = Vec::with_capacity(columns.len());
        for (name, type_name) in columns {
            let ty = parse_type(&type_name.name).ok_or_else(|| self.invalid(type_name.span, format!("parse-kv: `{}` is not a type", type_name.name)))?;
            let key = self.dynamic_arg(lit(name.name.clone()), KustoType::String, name.span)?;
            let found = self.cx.registry.call("kql_dyn_get", vec![bag.clone(), key]).map_err(self.df(span))?;
            let found = self.as_string(found, KustoType::Dynamic, span)?;
            let value = match ty {
                KustoType::String => found,
                // An absent key reads as "", which converts to null.
                _ => self.convert_to(found, KustoType::String, ty, span)?,
            };
            let meta = matches!(ty, KustoType::Dynamic | KustoType::Guid).then(|| metadata(ty));
            new.push((name.name.clone(), Expr::alias_with_metadata(value, name.name.clone(), meta)));
        }
        self.extend_with(input, new, span)
    }
}
