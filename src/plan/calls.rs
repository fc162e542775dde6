//! Scalar function calls: KQL built-ins mapped to DataFusion functions or to our UDFs,
//! `toscalar()`, and user functions (`let f = (a: long) { … }`), expanded at each call.

use datafusion::arrow::datatypes::DataType;
use datafusion::common::{DFSchema, ScalarValue};
use datafusion::functions::core::expr_fn as core;
use datafusion::functions::expr_fn as f;
use datafusion::logical_expr::{Expr, ExprSchemable, Operator, lit, when};

use super::types::{null_of, typed_lit};
use super::{Binding, PlanError, Planner};
use crate::catalog::KustoType;
use crate::kql::Span;
use crate::kql::ast::{BinOp, Expr as Ast, Literal, Statement};

/// Unix nanoseconds of 0001-01-01, the origin Kusto counts `bin()` multiples from; as
/// i128 because it is below the range of i64 nanoseconds.
const TICKS_ORIGIN_NANOS: i128 = -62_135_596_800_000_000_000;

impl Planner<'_> {
    pub(crate) fn call(&mut self, name: &str, args: &[Ast], span: Span, schema: &DFSchema) -> Result<Expr, PlanError> {
        if let Some(Binding::Function(func)) = self.lookup(name).cloned() {
            return self.user_call(name, &func, args, span, schema);
        }
        if name == "toscalar" {
            return self.to_scalar(args, span, schema);
        }
        if name == "column_ifexists" {
            return self.column_ifexists(args, span, schema);
        }
        if let ("extract" | "extract_json" | "extractjson", [rest @ .., Ast::Literal(Literal::Typed { ty, text }, tspan)]) = (name, args)
            && ty == "typeof"
            && rest.len() == if name == "extract" { 3 } else { 2 }
        {
            // `extract(re, g, s, typeof(T))` and `extract_json(path, json, typeof(T))`: the
            // value found, converted; null when it does not convert.
            let target = KustoType::from_name(text.trim()).ok_or_else(|| self.invalid(*tspan, format!("`{}` is not a type", text.trim())))?;
            let found = self.call(name, rest, span, schema)?;
            return self.convert_to(found, KustoType::String, target, span);
        }
        let (values, types) = self.typed_args(args, schema)?;
        self.builtin(name, values, &types, span, schema)
    }

    /// Call arguments lowered, with their Kusto types.
    pub(crate) fn typed_args(&mut self, args: &[Ast], schema: &DFSchema) -> Result<(Vec<Expr>, Vec<KustoType>), PlanError> {
        let mut values = Vec::with_capacity(args.len());
        let mut types = Vec::with_capacity(args.len());
        for a in args {
            let v = self.scalar(a, schema)?;
            types.push(self.type_of(&v, schema, a.span())?);
            values.push(v);
        }
        Ok((values, types))
    }

    /// Checks that `name` has `min..=max` arguments (`usize::MAX`: no upper bound).
    pub(crate) fn arity(&self, name: &str, args: &[Expr], min: usize, max: usize, span: Span) -> Result<(), PlanError> {
        if args.len() < min || args.len() > max {
            let want = match (min, max) {
                (min, max) if min == max => min.to_string(),
                (min, usize::MAX) => format!("at least {min}"),
                (min, max) => format!("{min} to {max}"),
            };
            return Err(self.invalid(span, format!("{name}() takes {want} argument(s), not {}", args.len())));
        }
        Ok(())
    }

    fn udf(&self, name: &str, args: Vec<Expr>, span: Span) -> Result<Expr, PlanError> {
        self.cx.registry.call(name, args).map_err(self.df(span))
    }

    fn strings(&self, args: Vec<Expr>, types: &[KustoType], span: Span) -> Result<Vec<Expr>, PlanError> {
        args.into_iter().zip(types).map(|(a, &t)| self.as_string(a, t, span)).collect()
    }

    fn builtin(&mut self, name: &str, mut a: Vec<Expr>, types: &[KustoType], span: Span, schema: &DFSchema) -> Result<Expr, PlanError> {
        let first_type = types.first().copied();
        if let Some(call) = self.array_call(name, &mut a, types, span)? {
            return Ok(call);
        }
        Ok(match name {
            "now" => {
                self.arity(name, &a, 0, 1, span)?;
                let now = lit(ScalarValue::TimestampNanosecond(Some(self.cx.now), Some("UTC".into())));
                match a.pop() {
                    Some(offset) => self.arithmetic(BinOp::Add, now, offset, span, schema)?,
                    None => now,
                }
            }
            "ago" => {
                self.arity(name, &a, 1, 1, span)?;
                let now = lit(ScalarValue::TimestampNanosecond(Some(self.cx.now), Some("UTC".into())));
                self.arithmetic(BinOp::Sub, now, a.remove(0), span, schema)?
            }
            "tolower" | "toupper" => {
                self.arity(name, &a, 1, 1, span)?;
                let s = self.strings(a, types, span)?.remove(0);
                if name == "tolower" { f::lower(s) } else { f::upper(s) }
            }
            "strcat" => {
                if a.is_empty() {
                    return Err(self.invalid(span, "strcat() needs at least one argument"));
                }
                f::concat(self.strings(a, types, span)?)
            }
            "strcat_delim" => {
                self.arity(name, &a, 2, 64, span)?;
                let mut s = self.strings(a, types, span)?;
                let delim = s.remove(0);
                f::concat_ws(delim, s)
            }
            "strlen" => {
                self.arity(name, &a, 1, 1, span)?;
                Expr::Cast(datafusion::logical_expr::Cast::new(Box::new(f::character_length(self.strings(a, types, span)?.remove(0))), DataType::Int64))
            }
            "substring" => {
                self.arity(name, &a, 2, 3, span)?;
                let s = self.as_string(a.remove(0), types[0], span)?;
                let start = a.remove(0).cast_to(&DataType::Int64, schema).map_err(self.df(span))?;
                // A negative start counts from the end (measured: substring("abc", -1, 2) is
                // "c"); Kusto counts from 0, SQL's substr from 1.
                let len = Expr::Cast(datafusion::logical_expr::Cast::new(Box::new(f::character_length(s.clone())), DataType::Int64));
                let from_end = len + start.clone();
                let from_end = when(from_end.clone().lt(lit(0i64)), lit(0i64)).otherwise(from_end).map_err(self.df(span))?;
                let start = when(start.clone().lt(lit(0i64)), from_end).otherwise(start).map_err(self.df(span))? + lit(1i64);
                match a.pop() {
                    Some(len) => f::substring(s, start, len.cast_to(&DataType::Int64, schema).map_err(self.df(span))?),
                    None => f::substr(s, start),
                }
            }
            "indexof" if a.len() > 2 => {
                self.arity(name, &a, 2, 5, span)?;
                let mut args = self.strings(a.drain(..2).collect(), &types[..2], span)?;
                let int = |e: Expr| Expr::Cast(datafusion::logical_expr::Cast::new(Box::new(e), DataType::Int64));
                args.extend(a.into_iter().map(int));
                // Defaults: no length limit, the first occurrence.
                args.extend([lit(-1i64), lit(1i64)].into_iter().skip(args.len() - 3));
                self.udf("kql_indexof", args, span)?
            }
            "indexof" => {
                self.arity(name, &a, 2, 2, span)?;
                let s = self.strings(a, types, span)?;
                Expr::Cast(datafusion::logical_expr::Cast::new(Box::new(f::strpos(s[0].clone(), s[1].clone())), DataType::Int64)) - lit(1i64)
            }
            "replace_string" => {
                self.arity(name, &a, 3, 3, span)?;
                let s = self.strings(a, types, span)?;
                f::replace(s[0].clone(), s[1].clone(), s[2].clone())
            }
            "replace_regex" | "replace" => {
                self.arity(name, &a, 3, 3, span)?;
                let s = self.strings(a, types, span)?;
                f::regexp_replace(s[0].clone(), s[1].clone(), rust_replacement(s[2].clone()), Some(lit("g")))
            }
            "trim" | "trim_start" | "trim_end" => {
                self.arity(name, &a, 2, 2, span)?;
                let s = self.strings(a, types, span)?;
                let pattern = match name {
                    "trim" => f::concat(vec![lit("^("), s[0].clone(), lit(")+|("), s[0].clone(), lit(")+$")]),
                    "trim_start" => f::concat(vec![lit("^("), s[0].clone(), lit(")+")]),
                    _ => f::concat(vec![lit("("), s[0].clone(), lit(")+$")]),
                };
                f::regexp_replace(s[1].clone(), pattern, lit(""), Some(lit("g")))
            }
            "extract" => {
                self.arity(name, &a, 3, 4, span)?;
                if a.len() == 4 {
                    return Err(self.unsupported(span, "extract() with a target type"));
                }
                let group = match &a[1] {
                    Expr::Literal(ScalarValue::Int64(Some(g)), _) => *g,
                    _ => return Err(self.unsupported(span, "extract() with a non-constant capture group")),
                };
                let s = self.as_string(a.remove(2), types[2], span)?;
                let pattern = a.remove(0);
                // regexp_match lists the capture groups only; wrapped in one more group,
                // the whole match is group 1 and Kusto's group g is g + 1.
                let wrapped = f::concat(vec![lit("("), pattern, lit(")")]);
                let groups = f::regexp_match(s, wrapped, None);
                let item = datafusion::functions_nested::expr_fn::array_element(groups, lit(group + 1));
                core::coalesce(vec![item, lit("")])
            }
            "tostring" => {
                self.arity(name, &a, 1, 1, span)?;
                match first_type {
                    Some(KustoType::String | KustoType::Guid) => core::coalesce(vec![a.remove(0), lit("")]),
                    _ => self.udf("kql_tostring", a, span)?,
                }
            }
            "toint" | "tolong" | "todouble" | "toreal" | "todecimal" | "tobool" | "toboolean" | "todatetime" | "totimespan" | "toguid" => {
                self.arity(name, &a, 1, 1, span)?;
                self.convert(name, a.remove(0), types[0], span)?
            }
            "parse_json" | "parsejson" | "todynamic" | "toobject" => {
                self.arity(name, &a, 1, 1, span)?;
                if types[0] == KustoType::Dynamic { a.remove(0) } else { self.udf("kql_parse_json", a, span)? }
            }
            "array_length" | "pack_array" | "bag_keys" | "set_union" | "set_intersect" | "set_difference" | "array_concat"
            | "strcat_array" => {
                let udf = format!("kql_{name}");
                let args = self.dynamic_args(a, types, span)?;
                self.udf(&udf, args, span)?
            }
            "pack" | "bag_pack" => {
                if a.len() % 2 != 0 {
                    return Err(self.invalid(span, format!("{name}() takes key/value pairs")));
                }
                let args = self.dynamic_args(a, types, span)?;
                self.udf("kql_bag_pack", args, span)?
            }
            "gettype" => {
                self.arity(name, &a, 1, 1, span)?;
                match types[0] {
                    KustoType::Dynamic => self.udf("kql_gettype", a, span)?,
                    other => lit(other.name()),
                }
            }
            "iff" | "iif" => {
                self.arity(name, &a, 3, 3, span)?;
                let (c, t, e) = (a.remove(0), a.remove(0), a.remove(0));
                when(c, t).otherwise(e).map_err(self.df(span))?
            }
            "case" => {
                if a.len() < 3 || a.len() % 2 == 0 {
                    return Err(self.invalid(span, "case() takes condition/value pairs and a final else value"));
                }
                let otherwise = a.pop().unwrap_or_else(|| lit(ScalarValue::Null));
                let mut pairs = a.chunks(2);
                let Some([c0, v0]) = pairs.next() else { return Err(self.invalid(span, "case() needs a condition")) };
                let mut b = when(c0.clone(), v0.clone());
                for pair in pairs {
                    if let [c, v] = pair {
                        b = b.when(c.clone(), v.clone());
                    }
                }
                b.otherwise(otherwise).map_err(self.df(span))?
            }
            // For strings the first non-empty value: strings are never null in Kusto, so
            // coalesce("", "x") is "x" (measured).
            "coalesce" if !types.is_empty() && types.iter().all(|t| *t == KustoType::String) => {
                let otherwise = a.pop().unwrap_or_else(|| lit(""));
                let mut b: Option<datafusion::logical_expr::conditional_expressions::CaseBuilder> = None;
                for v in a {
                    let cond = v.clone().is_not_null().and(v.clone().not_eq(lit("")));
                    b = Some(match b {
                        None => when(cond, v),
                        Some(mut b) => b.when(cond, v),
                    });
                }
                match b {
                    Some(mut b) => b.otherwise(otherwise).map_err(self.df(span))?,
                    None => otherwise,
                }
            }
            "coalesce" => core::coalesce(a),
            "isnull" => {
                self.arity(name, &a, 1, 1, span)?;
                a.remove(0).is_null()
            }
            "isnotnull" => {
                self.arity(name, &a, 1, 1, span)?;
                a.remove(0).is_not_null()
            }
            "isempty" | "isnotempty" => {
                self.arity(name, &a, 1, 1, span)?;
                let v = a.remove(0);
                let empty = match types[0] {
                    KustoType::String | KustoType::Guid | KustoType::Dynamic => v.clone().is_null().or(v.eq(lit(""))),
                    _ => v.is_null(),
                };
                if name == "isempty" { empty } else { !empty }
            }
            "bin" | "floor" => {
                self.arity(name, &a, 2, 2, span)?;
                let (v, size) = (a.remove(0), a.remove(0));
                self.bin(v, types[0], size, span, schema)?
            }
            "startofday" | "startofweek" | "startofmonth" | "startofyear" | "endofday" | "endofweek" | "endofmonth" | "endofyear" => {
                self.arity(name, &a, 1, 2, span)?;
                if types[0] != KustoType::DateTime {
                    return Err(self.invalid(span, format!("{name}() takes a datetime")));
                }
                if a.len() == 2 && !matches!(types[1], KustoType::Int | KustoType::Long) {
                    return Err(self.invalid(span, format!("{name}()'s offset is a whole number of periods")));
                }
                let v = a.remove(0);
                let offset = a.pop();
                self.period_edge(name, v, offset, span, schema)?
            }
            "dayofweek" => {
                self.arity(name, &a, 1, 1, span)?;
                let dow = f::date_part(lit("dow"), a.remove(0));
                let days = Expr::Cast(datafusion::logical_expr::Cast::new(Box::new(dow), DataType::Int64));
                super::types::nanos_to_timespan(days * lit(86_400_000_000_000i64))
            }
            "hourofday" | "getyear" | "getmonth" | "monthofyear" | "dayofmonth" | "dayofyear" => {
                self.arity(name, &a, 1, 1, span)?;
                let part = match name {
                    "hourofday" => "hour",
                    "getyear" => "year",
                    "getmonth" | "monthofyear" => "month",
                    "dayofmonth" => "day",
                    _ => "doy",
                };
                Expr::Cast(datafusion::logical_expr::Cast::new(Box::new(f::date_part(lit(part), a.remove(0))), DataType::Int32))
            }
            "row_number" | "row_cumsum" | "prev" | "next" => self.window_call(name, a, types, span)?,
            "abs" => {
                self.arity(name, &a, 1, 1, span)?;
                match types[0] {
                    // The magnitude of a timespan, as rules use it for "how far apart".
                    KustoType::TimeSpan => {
                        let nanos = Expr::Cast(datafusion::logical_expr::Cast::new(Box::new(a.remove(0)), DataType::Int64));
                        super::types::nanos_to_timespan(f::abs(nanos))
                    }
                    _ => f::abs(a.remove(0)),
                }
            }
            "isnan" => {
                self.arity(name, &a, 1, 1, span)?;
                f::isnan(cast_f64(a.remove(0)))
            }
            "isascii" => {
                self.arity(name, &a, 1, 1, span)?;
                // Text is ASCII exactly when each character is one byte.
                let s = self.as_string(a.remove(0), types[0], span)?;
                f::octet_length(s.clone()).eq(f::character_length(s))
            }
            "string_size" => {
                self.arity(name, &a, 1, 1, span)?;
                let s = self.as_string(a.remove(0), types[0], span)?;
                Expr::Cast(datafusion::logical_expr::Cast::new(Box::new(f::octet_length(s)), DataType::Int64))
            }
            "extract_all" => {
                self.arity(name, &a, 2, 3, span)?;
                if a.len() == 3 {
                    return Err(self.unsupported(span, "extract_all() with a list of capture groups"));
                }
                if let Expr::Literal(ScalarValue::Utf8(Some(re)), _) = &a[0]
                    && regex::Regex::new(re).is_ok_and(|r| r.captures_len() == 1)
                {
                    // The real engine rejects a regex without a group here (measured).
                    return Err(self.invalid(span, "extract_all() needs a regex with at least one capture group"));
                }
                let s = self.strings(a, types, span)?;
                self.udf("kql_extract_all", s, span)?
            }
            "round" => {
                self.arity(name, &a, 1, 2, span)?;
                f::round(a)
            }
            "sqrt" => f::sqrt(a.remove(0)),
            "log" => f::ln(a.remove(0)),
            "log10" => f::log10(a.remove(0)),
            "binary_and" | "binary_or" | "binary_xor" | "binary_shift_left" | "binary_shift_right" => {
                self.arity(name, &a, 2, 2, span)?;
                let op = match name {
                    "binary_and" => Operator::BitwiseAnd,
                    "binary_or" => Operator::BitwiseOr,
                    "binary_xor" => Operator::BitwiseXor,
                    "binary_shift_left" => Operator::BitwiseShiftLeft,
                    _ => Operator::BitwiseShiftRight,
                };
                let (x, y) = (cast_i64(a.remove(0)), cast_i64(a.remove(0)));
                Expr::BinaryExpr(datafusion::logical_expr::BinaryExpr::new(Box::new(x), op, Box::new(y)))
            }
            // Two's complement: ~x is -x - 1.
            "binary_not" => {
                self.arity(name, &a, 1, 1, span)?;
                Expr::Negative(Box::new(cast_i64(a.remove(0)))) - lit(1i64)
            }
            "exp" => f::exp(a.remove(0)),
            "pow" => {
                self.arity(name, &a, 2, 2, span)?;
                f::power(cast_f64(a.remove(0)), cast_f64(a.remove(0)))
            }
            "hash_sha256" => f::encode(f::sha256(self.strings(a, types, span)?.remove(0)), lit("hex")),
            "hash_md5" => f::md5(self.strings(a, types, span)?.remove(0)),
            "base64_encode_tostring" | "base64_encodestring" => f::encode(self.strings(a, types, span)?.remove(0), lit("base64pad")),
            "base64_decode_tostring" | "base64_decodestring" => {
                self.arity(name, &a, 1, 1, span)?;
                let s = self.strings(a, types, span)?;
                self.udf("kql_base64_decode_tostring", s, span)?
            }
            "not" => {
                self.arity(name, &a, 1, 1, span)?;
                if types[0] != KustoType::Bool {
                    return Err(self.invalid(span, "not() takes a bool"));
                }
                !a.remove(0)
            }
            "split" | "countof" | "parse_path" | "parse_url" | "parse_command_line" | "ipv4_is_private" | "ipv4_is_in_range"
            | "parse_ipv4" | "ipv4_compare" | "datetime_diff" | "datetime_add" | "format_datetime" | "format_timespan" | "make_datetime" => {
                let (min, max) = match name {
                    "split" | "countof" => (2, 3),
                    "parse_command_line" | "ipv4_is_in_range" => (2, 2),
                    "ipv4_compare" => (2, 3),
                    "datetime_diff" | "datetime_add" => (3, 3),
                    "format_datetime" | "format_timespan" => (2, 2),
                    "make_datetime" => (3, 7),
                    _ => (1, 1),
                };
                self.arity(name, &a, min, max, span)?;
                if name == "format_datetime" {
                    self.check_datetime_format(&a[1], span)?;
                }
                if name == "format_timespan" {
                    if types[0] != KustoType::TimeSpan {
                        return Err(self.invalid(span, "format_timespan() takes a timespan"));
                    }
                    self.check_format(name, &a[1], "dhHmsfF /-:,._[]", span)?;
                }
                if name == "parse_command_line" && !matches!(&a[1], Expr::Literal(ScalarValue::Utf8(Some(k)), _) if k.eq_ignore_ascii_case("windows")) {
                    return Err(self.unsupported(span, "parse_command_line() with a parser other than \"windows\""));
                }
                let args = self.text_of_dynamic(a, types, span)?;
                self.udf(&format!("kql_{name}"), args, span)?
            }
            "materialize" => return Err(self.invalid(span, "materialize() takes a tabular expression, here a scalar")),
            "externaldata" | "cluster" | "database" | "workspace" | "app" | "adx" => {
                return Err(self.unsupported(span, format!("`{name}()` (lakehunt reads only the lake)")));
            }
            _ if crate::kql::builtins::FUNCTIONS.binary_search(&name).is_err() => {
                let mut msg = format!("unknown function `{name}()`");
                if let Some(best) = crate::kql::error::did_you_mean(name, crate::kql::builtins::FUNCTIONS) {
                    msg.push_str(&format!(" (did you mean `{best}`?)"));
                }
                return Err(self.invalid(span, msg));
            }
            _ => {
                return Err(self.unsupported(span, format!("the function `{name}()`")));
            }
        })
    }

    /// Arguments for a function that reads text as JSON: strings become JSON strings.
    pub(crate) fn dynamic_args(&self, args: Vec<Expr>, types: &[KustoType], span: Span) -> Result<Vec<Expr>, PlanError> {
        args.into_iter().zip(types).map(|(a, t)| self.dynamic_arg(a, *t, span)).collect()
    }

    /// One argument as dynamic (see [`Self::dynamic_args`]).
    pub(crate) fn dynamic_arg(&self, a: Expr, ty: KustoType, span: Span) -> Result<Expr, PlanError> {
        match (ty, a) {
            (KustoType::String | KustoType::Guid, Expr::Literal(ScalarValue::Utf8(Some(s)), _)) => {
                Ok(typed_lit(ScalarValue::Utf8(Some(serde_json::Value::String(s).to_string())), KustoType::Dynamic))
            }
            (KustoType::String | KustoType::Guid, a) => self.udf("kql_to_json", vec![a], span),
            (_, a) => Ok(a),
        }
    }

    /// format_datetime's format: a constant of the documented specifiers and delimiters
    /// (the real engine rejects others, such as `zzz` and `K`).
    fn check_datetime_format(&self, format: &Expr, span: Span) -> Result<(), PlanError> {
        self.check_format("format_datetime", format, "yMdHhmsfFt /-:,._[]", span)
    }

    /// A format of `name`: a constant made of `allowed` characters (the real engine rejects
    /// others: `zzz` in format_datetime, `c`/`g` and `\` escapes in format_timespan).
    fn check_format(&self, name: &str, format: &Expr, allowed: &str, span: Span) -> Result<(), PlanError> {
        let Expr::Literal(ScalarValue::Utf8(Some(f)), _) = format else {
            return Err(self.unsupported(span, format!("{name}() with a non-constant format")));
        };
        match f.chars().find(|c| !allowed.contains(*c)) {
            Some(c) => Err(self.invalid(span, format!("{name}(): `{c}` is not a format specifier or delimiter"))),
            None => Ok(()),
        }
    }

    /// `v` (of type `from`) as a value of type `to`, as the `to…()` functions convert.
    pub(crate) fn convert_to(&self, v: Expr, from: KustoType, to: KustoType, span: Span) -> Result<Expr, PlanError> {
        let name = match to {
            KustoType::String => return self.as_string(v, from, span),
            KustoType::Dynamic => return self.udf("kql_parse_json", vec![v], span),
            KustoType::Int => "toint",
            KustoType::Long => "tolong",
            KustoType::Real => "toreal",
            KustoType::Bool => "tobool",
            KustoType::DateTime => "todatetime",
            KustoType::TimeSpan => "totimespan",
            KustoType::Guid => "toguid",
        };
        self.convert(name, v, from, span)
    }

    pub(crate) fn convert(&self, name: &str, v: Expr, from: KustoType, span: Span) -> Result<Expr, PlanError> {
        let to = match name {
            "toint" => KustoType::Int,
            "tolong" => KustoType::Long,
            "todouble" | "toreal" | "todecimal" => KustoType::Real,
            "tobool" | "toboolean" => KustoType::Bool,
            "todatetime" => KustoType::DateTime,
            "totimespan" => KustoType::TimeSpan,
            _ => KustoType::Guid,
        };
        if from == to {
            return Ok(v);
        }
        let v = if from == KustoType::Dynamic { self.udf("kql_tostring", vec![v], span)? } else { v };
        Ok(match to {
            KustoType::Guid => self.udf("kql_toguid", vec![v], span)?,
            // Kusto's text forms (`12-02-2022`, RFC 822, …), which Arrow's parser lacks.
            KustoType::DateTime if matches!(from, KustoType::String | KustoType::Dynamic) => self.udf("kql_todatetime", vec![v], span)?,
            KustoType::TimeSpan if matches!(from, KustoType::String | KustoType::Dynamic) => self.udf("kql_totimespan", vec![v], span)?,
            // Kusto's integer text (hex included), which Arrow's cast does not read.
            KustoType::Int if from == KustoType::String => self.udf("kql_toint_text", vec![v], span)?,
            KustoType::Long if from == KustoType::String => self.udf("kql_tolong_text", vec![v], span)?,
            KustoType::Int | KustoType::Long if from == KustoType::Real => {
                Expr::TryCast(datafusion::logical_expr::TryCast::new(Box::new(f::trunc(vec![v])), to.arrow_type()))
            }
            _ => Expr::TryCast(datafusion::logical_expr::TryCast::new(Box::new(v), to.arrow_type())),
        })
    }

    /// `bin(v, size)`: numbers round down to a multiple of `size`; datetimes count their
    /// multiples from 0001-01-01 (reference notes §5.3), which for a constant size is a
    /// constant offset over Unix nanoseconds.
    fn bin(&mut self, v: Expr, ty: KustoType, size: Expr, span: Span, schema: &DFSchema) -> Result<Expr, PlanError> {
        match ty {
            KustoType::DateTime | KustoType::TimeSpan => {
                let Expr::Literal(ScalarValue::DurationNanosecond(Some(step)), _) = size else {
                    return Err(self.unsupported(span, "bin() of a datetime with a non-constant or non-timespan size"));
                };
                if step <= 0 {
                    return Ok(lit(null_of(ty)));
                }
                let offset = if ty == KustoType::DateTime { TICKS_ORIGIN_NANOS.rem_euclid(step as i128) as i64 } else { 0 };
                let n = v.cast_to(&DataType::Int64, schema).map_err(self.df(span))?;
                let shifted = n.clone() - lit(offset);
                // Floor modulo, so that instants before the origin round down too.
                let rem = ((shifted % lit(step)) + lit(step)) % lit(step);
                let floored = n - rem;
                Ok(if ty == KustoType::DateTime { nanos_ts(floored) } else {
                    super::types::nanos_to_timespan(floored)
                })
            }
            KustoType::Long | KustoType::Int => {
                let v = Expr::Cast(datafusion::logical_expr::Cast::new(Box::new(v), DataType::Int64));
                let s = Expr::Cast(datafusion::logical_expr::Cast::new(Box::new(size), DataType::Int64));
                Ok(v.clone() - (((v % s.clone()) + s.clone()) % s))
            }
            KustoType::Real => Ok(f::floor(cast_f64(v) / cast_f64(size.clone())) * cast_f64(size)),
            other => Err(self.invalid(span, format!("bin() cannot round a {}", other.name()))),
        }
    }

    /// `startofday(v[, offset])` and its kin: the start of `v`'s period, moved `offset`
    /// periods; `endof…` is one tick before the start of the next period.
    fn period_edge(&mut self, name: &str, v: Expr, offset: Option<Expr>, span: Span, schema: &DFSchema) -> Result<Expr, PlanError> {
        let (end, unit) = match name.strip_prefix("endof") {
            Some(unit) => (true, unit),
            None => (false, &name["startof".len()..]),
        };
        let start = if unit == "week" {
            // date_trunc's weeks start on Monday; Kusto's on Sunday.
            let day = |n: i64| typed_lit(ScalarValue::DurationNanosecond(Some(n * 86_400_000_000_000)), KustoType::TimeSpan);
            let next = self.arithmetic(BinOp::Add, v, day(1), span, schema)?;
            self.arithmetic(BinOp::Add, f::date_trunc(lit("week"), next), day(-1), span, schema)?
        } else {
            f::date_trunc(lit(unit), v)
        };
        let periods = match (offset, end) {
            (None, false) => return Ok(start),
            (Some(n), false) => Expr::Cast(datafusion::logical_expr::Cast::new(Box::new(n), DataType::Int64)),
            (None, true) => lit(1i64),
            (Some(n), true) => Expr::Cast(datafusion::logical_expr::Cast::new(Box::new(n), DataType::Int64)) + lit(1i64),
        };
        let moved = self.udf("kql_datetime_add", vec![lit(unit), periods, start], span)?;
        if !end {
            return Ok(moved);
        }
        let tick = typed_lit(ScalarValue::DurationNanosecond(Some(-100)), KustoType::TimeSpan);
        self.arithmetic(BinOp::Add, moved, tick, span, schema)
    }

    fn to_scalar(&mut self, args: &[Ast], span: Span, schema: &DFSchema) -> Result<Expr, PlanError> {
        let [arg] = args else { return Err(self.invalid(span, "toscalar() takes one argument")) };
        if !self.is_tabular(arg) {
            // toscalar() of a scalar is that value (toscalar-function.md: "an expression
            // to evaluate"); rules write `toscalar(array_length(list))`.
            return self.scalar(arg, schema);
        }
        let plan = self.tabular(arg)?;
        let first = plan.schema().field(0).name().clone();
        let plan = datafusion::logical_expr::LogicalPlanBuilder::from(plan)
            .project(vec![datafusion::prelude::col(datafusion::common::Column::from_name(first))])
            .and_then(|b| b.limit(0, Some(1)))
            .and_then(|b| b.build())
            .map_err(self.df(span))?;
        Ok(Expr::ScalarSubquery(datafusion::logical_expr::Subquery {
            subquery: std::sync::Arc::new(plan),
            outer_ref_columns: vec![],
            spans: Default::default(),
        }))
    }

    /// `column_ifexists(name, default)`: the column when the input has it, else the
    /// default (column-ifexists-function.md).
    fn column_ifexists(&mut self, args: &[Ast], span: Span, schema: &DFSchema) -> Result<Expr, PlanError> {
        let [Ast::Literal(Literal::String(column), _), default] = args else {
            return Err(self.invalid(span, "column_ifexists() takes a column name (a string constant) and a default value"));
        };
        match super::expr::find_column(schema, column) {
            Some(c) => Ok(c),
            None => self.scalar(default, schema),
        }
    }

    /// A call of a `let`-bound function: its parameters become scalar bindings in a new
    /// scope, and the body's last statement is the value.
    fn user_call(&mut self, name: &str, func: &crate::kql::ast::Function, args: &[Ast], span: Span, schema: &DFSchema) -> Result<Expr, PlanError> {
        if args.len() > func.params.len() {
            return Err(self.invalid(span, format!("{name}() takes at most {} argument(s)", func.params.len())));
        }
        let mut scope = std::collections::BTreeMap::new();
        for (i, p) in func.params.iter().enumerate() {
            let value = match (args.get(i), &p.default) {
                (Some(a), _) => self.scalar(a, schema)?,
                (None, Some(d)) => self.constant(d)?,
                (None, None) => return Err(self.invalid(span, format!("{name}() needs its parameter `{}`", p.name.name))),
            };
            scope.insert(p.name.name.clone(), Binding::Scalar(value));
        }
        self.enter(span)?;
        self.scopes.push(scope);
        let result = self.function_body_scalar(func, schema);
        self.scopes.pop();
        self.leave();
        result
    }

    fn function_body_scalar(&mut self, func: &crate::kql::ast::Function, schema: &DFSchema) -> Result<Expr, PlanError> {
        let mut out = None;
        for st in &func.body {
            match st {
                Statement::Let { name, value, .. } => self.bind(&name.name, value)?,
                Statement::Query(e) => out = Some(self.scalar(e, schema)?),
                _ => {}
            }
        }
        out.ok_or_else(|| self.invalid(func.span, "the function has no result expression"))
    }
}

fn nanos_ts(e: Expr) -> Expr {
    super::types::nanos_to_datetime(e)
}

/// `e` as a long (the type of KQL's binary_* functions).
fn cast_i64(e: Expr) -> Expr {
    Expr::Cast(datafusion::logical_expr::Cast::new(Box::new(e), DataType::Int64))
}

fn cast_f64(e: Expr) -> Expr {
    Expr::Cast(datafusion::logical_expr::Cast::new(Box::new(e), DataType::Float64))
}

/// KQL replacements name groups `\1`; the regex crate wants `${1}`.
fn rust_replacement(e: Expr) -> Expr {
    match e {
        Expr::Literal(ScalarValue::Utf8(Some(s)), m) => {
            let mut out = String::new();
            let mut chars = s.chars().peekable();
            while let Some(c) = chars.next() {
                match (c, chars.peek()) {
                    ('\\', Some(d)) if d.is_ascii_digit() => {
                        out.push_str(&format!("${{{d}}}"));
                        chars.next();
                    }
                    ('$', _) => out.push_str("$$"),
                    _ => out.push(c),
                }
            }
            Expr::Literal(ScalarValue::Utf8(Some(out)), m)
        }
        other => other,
    }
}

