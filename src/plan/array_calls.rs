//! Calls of the array, text-rewriting and IPv4-matching built-ins that run as row UDFs
//! (`functions::arrays`, `functions::text_edit`, `functions::text`), and `make_timespan`.
//! Each arm checks the arity and converts the arguments to what the UDF reads.

use datafusion::arrow::datatypes::DataType;
use datafusion::logical_expr::{Cast, Expr, lit};

use super::types::nanos_to_timespan;
use super::{PlanError, Planner};
use crate::catalog::KustoType;
use crate::kql::Span;

/// Nanoseconds in a day, an hour, a minute and a second: `make_timespan`'s units.
const UNIT_NANOS: [f64; 4] = [86_400e9, 3_600e9, 60e9, 1e9];

impl Planner<'_> {
    /// The call of `name` if it is one of this module's functions, else `None`.
    pub(crate) fn array_call(&mut self, name: &str, a: &mut Vec<Expr>, types: &[KustoType], span: Span) -> Result<Option<Expr>, PlanError> {
        let args = std::mem::take(a);
        let call = match name {
            "array_sort_asc" | "array_sort_desc" => self.sort_call(name, args, types, span)?,
            "array_slice" | "array_reverse" | "array_sum" | "array_index_of" | "array_iff" | "range" => {
                let (min, max) = match name {
                    "array_slice" | "array_iff" => (3, 3),
                    "array_index_of" => (2, 5),
                    "range" => (2, 3),
                    _ => (1, 1),
                };
                self.arity(name, &args, min, max, span)?;
                let args = self.dynamic_args(args, types, span)?;
                self.cx.registry.call(&format!("kql_{name}"), args).map_err(self.df(span))?
            }
            "translate" | "reverse" | "strrep" | "url_encode" | "url_encode_component" | "url_decode" | "indexof_regex" => {
                let (min, max) = match name {
                    "translate" => (3, 3),
                    "strrep" => (2, 3),
                    "indexof_regex" => (2, 5),
                    _ => (1, 1),
                };
                self.arity(name, &args, min, max, span)?;
                let args = self.text_of_dynamic(args, types, span)?;
                self.cx.registry.call(&format!("kql_{name}"), args).map_err(self.df(span))?
            }
            "extract_json" | "extractjson" => {
                self.arity(name, &args, 2, 2, span)?;
                let args = self.text_of_dynamic(args, types, span)?;
                let found = self.cx.registry.call("kql_extract_json", args).map_err(self.df(span))?;
                // Without a target type the value comes back as text (extract-json-function.md).
                self.as_string(found, KustoType::Dynamic, span)?
            }
            "ipv4_is_match" | "ipv4_is_in_any_range" => {
                let max = if name == "ipv4_is_match" { 3 } else { usize::MAX };
                self.arity(name, &args, 2, max, span)?;
                // Arrays of ranges arrive as their JSON text, which the UDF expands.
                let args = self.text_of_dynamic(args, types, span)?;
                let udf = if name == "ipv4_is_match" { "kql_ipv4_is_match" } else { "kql_ipv4_is_in_any_range" };
                self.cx.registry.call(udf, args).map_err(self.df(span))?
            }
            "make_timespan" => self.make_timespan(args, types, span)?,
            _ => {
                *a = args;
                return Ok(None);
            }
        };
        Ok(Some(call))
    }

    /// Dynamic arguments as the text `tostring()` gives (a string without its quotes), for
    /// the functions that read text; the others as they are.
    pub(crate) fn text_of_dynamic(&self, args: Vec<Expr>, types: &[KustoType], span: Span) -> Result<Vec<Expr>, PlanError> {
        args.into_iter().zip(types).map(|(e, t)| if *t == KustoType::Dynamic { self.as_string(e, *t, span) } else { Ok(e) }).collect()
    }

    /// `array_sort_*(array1[, …, arrayN][, nulls_last])`: the UDF takes `nulls_last` first.
    /// Several arrays give several results, which Kusto spreads over columns; lakehunt
    /// supports that form only where it is indexed (`array_sort_asc(t, c)[1]`), which
    /// [`Planner::indexed_sort`] handles.
    fn sort_call(&mut self, name: &str, args: Vec<Expr>, types: &[KustoType], span: Span) -> Result<Expr, PlanError> {
        let (arrays, nulls_last) = self.sort_args(name, args, types, span)?;
        if arrays.len() > 1 {
            return Err(self.unsupported(span, format!("{name}() of several arrays, except as `{name}(…)[i]`")));
        }
        self.sort_udf(name, arrays, nulls_last, span)
    }

    /// `array_sort_*(a1, a2, …)[i]`: the arrays sorted together, as one array of arrays to
    /// index.
    pub(crate) fn indexed_sort(&mut self, name: &str, args: Vec<Expr>, types: &[KustoType], span: Span) -> Result<Expr, PlanError> {
        let (arrays, nulls_last) = self.sort_args(name, args, types, span)?;
        self.sort_udf(name, arrays, nulls_last, span)
    }

    fn sort_args(&self, name: &str, mut args: Vec<Expr>, types: &[KustoType], span: Span) -> Result<(Vec<Expr>, Expr), PlanError> {
        self.arity(name, &args, 1, usize::MAX, span)?;
        let mut types = types.to_vec();
        let nulls_last = match types.last() {
            Some(KustoType::Bool) if args.len() > 1 => {
                types.pop();
                args.pop().unwrap_or_else(|| lit(true))
            }
            _ => lit(true),
        };
        if let Some(t) = types.iter().find(|t| **t != KustoType::Dynamic) {
            return Err(self.invalid(span, format!("{name}() sorts dynamic arrays, not {}", t.name())));
        }
        Ok((args, nulls_last))
    }

    fn sort_udf(&self, name: &str, arrays: Vec<Expr>, nulls_last: Expr, span: Span) -> Result<Expr, PlanError> {
        let mut args = vec![nulls_last];
        args.extend(arrays);
        self.cx.registry.call(&format!("kql_{name}"), args).map_err(self.df(span))
    }

    /// `make_timespan(h, m)`, `(h, m, s)` or `(d, h, m, s)`; seconds may have a fraction.
    fn make_timespan(&self, args: Vec<Expr>, types: &[KustoType], span: Span) -> Result<Expr, PlanError> {
        self.arity("make_timespan", &args, 2, 4, span)?;
        if let Some(t) = types.iter().find(|t| !matches!(t, KustoType::Int | KustoType::Long | KustoType::Real)) {
            return Err(self.invalid(span, format!("make_timespan() takes numbers, not {}", t.name())));
        }
        // (h, m) and (h, m, s) start at hours; (d, h, m, s) at days.
        let units = if args.len() == 4 { &UNIT_NANOS[..] } else { &UNIT_NANOS[1..] };
        let mut total: Option<Expr> = None;
        for (v, unit) in args.into_iter().zip(units) {
            let v = Expr::Cast(Cast::new(Box::new(v), DataType::Float64)) * lit(*unit);
            total = Some(match total {
                Some(t) => t + v,
                None => v,
            });
        }
        let total = total.ok_or_else(|| self.invalid(span, "make_timespan() needs arguments"))?;
        Ok(nanos_to_timespan(Expr::Cast(Cast::new(Box::new(datafusion::functions::expr_fn::round(vec![total])), DataType::Int64))))
    }
}
