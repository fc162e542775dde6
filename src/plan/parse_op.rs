//! `parse` and `parse-where`: the pattern becomes one anchored regex whose column groups
//! `kql_parse_groups` extracts; each column is then converted to its type.
//!
//! The translation follows the documented modes, pinned by the real engine's results in
//! the oracle: in `simple` and `relaxed` the text parts are literal and a string column
//! takes as little as it can (`(.*?)`); in `regex` the text parts are regexes and a string
//! column takes as much as it can (`(.*)`); `*` skips as little as it can. A number column
//! takes digits; in `relaxed` it may instead skip text that is not a number. A text that
//! does not match gives `""` for string columns and null for the others; in `simple` and
//! `regex` a value that does not convert fails the whole match, in `relaxed` only its own
//! column.

use datafusion::logical_expr::{Expr, LogicalPlan, LogicalPlanBuilder, lit};

use super::types::{metadata, null_of, typed_lit};
use super::{PlanError, Planner};
use crate::catalog::KustoType;
use crate::functions::parse_groups::GROUP_PREFIX;
use crate::kql::Span;
use crate::kql::ast::{Expr as Ast, Ident, OpParam, ParsePart};

/// How the pattern is read (`kind=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Simple,
    Regex,
    Relaxed,
}

/// One extracted column.
struct Target<'a> {
    name: &'a Ident,
    ty: KustoType,
}

impl Planner<'_> {
    pub(crate) fn parse_op(&mut self, input: LogicalPlan, filter: bool, params: &[OpParam], source: &Ast, pattern: &[ParsePart], span: Span) -> Result<LogicalPlan, PlanError> {
        let mode = match self.param_word(params, "kind")?.as_deref() {
            None | Some("simple") => Mode::Simple,
            Some("regex") => Mode::Regex,
            Some("relaxed") => Mode::Relaxed,
            Some(other) => return Err(self.invalid(span, format!("parse: `kind={other}` is not simple, regex or relaxed"))),
        };
        let flags = self.param_word(params, "flags")?.unwrap_or_default();
        if !flags.is_empty() && mode != Mode::Regex {
            return Err(self.invalid(span, "parse: `flags=` applies only to `kind=regex`"));
        }
        if let Some(c) = flags.chars().find(|c| !"imsUx".contains(*c)) {
            return Err(self.unsupported(span, format!("parse: the regex flag `{c}`")));
        }
        if let Some(p) = params.iter().find(|p| p.name != "kind" && p.name != "flags") {
            return Err(self.unsupported(p.value.span(), format!("parse: the parameter `{}`", p.name)));
        }
        let (regex, targets) = self.pattern_regex(mode, &flags, pattern, span)?;
        if let Err(e) = regex::Regex::new(&regex) {
            return Err(self.invalid(span, format!("parse: the pattern is not a valid regex: {e}")));
        }
        let schema = input.schema().clone();
        let text = self.scalar(source, &schema)?;
        let ty = self.type_of(&text, &schema, source.span())?;
        let text = self.as_string(text, ty, source.span())?;
        let groups = self.cx.registry.call("kql_parse_groups", vec![text, lit(regex)]).map_err(self.df(span))?;
        let matched = groups.clone().is_not_null();
        let mut converted = Vec::new();
        for (i, t) in targets.iter().enumerate() {
            let raw = datafusion::functions_nested::expr_fn::array_element(groups.clone(), lit(i as i64 + 1));
            // The captured text as a value of the column's type; null when it does not convert.
            converted.push(self.convert_to(raw, KustoType::String, t.ty, span)?);
        }
        // In simple and regex modes a value that does not convert fails the match.
        let ok = match mode {
            Mode::Relaxed => matched,
            _ => converted.iter().zip(&targets).filter(|(_, t)| t.ty != KustoType::String).fold(matched, |ok, (v, _)| ok.and(v.clone().is_not_null())),
        };
        let mut new = Vec::new();
        for (value, t) in converted.into_iter().zip(&targets) {
            let missing = if t.ty == KustoType::String { lit("") } else { typed_lit(null_of(t.ty), t.ty) };
            let e = Expr::Case(datafusion::logical_expr::expr::Case::new(None, vec![(Box::new(ok.clone()), Box::new(value))], Some(Box::new(missing))));
            // Guid and dynamic are text underneath; the metadata keeps their Kusto type.
            let meta = matches!(t.ty, KustoType::Dynamic | KustoType::Guid).then(|| metadata(t.ty));
            new.push((t.name.name.clone(), e.alias_with_metadata(t.name.name.clone(), meta)));
        }
        let plan = if filter {
            LogicalPlanBuilder::from(input).filter(ok).and_then(|b| b.build()).map_err(self.df(span))?
        } else {
            input
        };
        self.extend_with(plan, new, span)
    }

    /// The regex for `pattern` and the columns it extracts, in order.
    fn pattern_regex<'a>(&self, mode: Mode, flags: &str, pattern: &'a [ParsePart], span: Span) -> Result<(String, Vec<Target<'a>>), PlanError> {
        let mut re = String::new();
        if !flags.is_empty() {
            re.push_str(&format!("(?{flags})"));
        } else if mode != Mode::Regex {
            // Literal text: a skipped run or a column may span lines.
            re.push_str("(?s)");
        }
        re.push('^');
        let mut targets = Vec::new();
        let mut after_string = false;
        let mut previous: Option<&ParsePart> = None;
        for part in pattern {
            match part {
                ParsePart::Text(t) if mode == Mode::Regex => re.push_str(&format!("(?:{t})")),
                ParsePart::Text(t) => re.push_str(&regex::escape(t)),
                ParsePart::Star => {
                    if after_string {
                        return Err(self.invalid(span, "parse: `*` cannot follow a string column (the column would take nothing)"));
                    }
                    re.push_str(".*?");
                }
                ParsePart::Column { name, ty } => {
                    if matches!(previous, Some(ParsePart::Column { .. })) {
                        // The real engine rejects this (measured): nothing says where one ends.
                        return Err(self.invalid(name.span, format!("parse: `{}` directly follows another column; put text or `*` between them", name.name)));
                    }
                    let ty = match ty {
                        None => KustoType::String,
                        Some(t) => parse_type(&t.name).ok_or_else(|| self.invalid(t.span, format!("parse: `{}` is not a type", t.name)))?,
                    };
                    let group = format!("(?P<{GROUP_PREFIX}{}>{})", targets.len(), column_regex(mode, ty));
                    if mode == Mode::Relaxed && matches!(ty, KustoType::Int | KustoType::Long | KustoType::Real) {
                        // A number if there is one, else skip the junk and leave the column
                        // null: `totalSlices=nonValidLongValue, …` still matches (documented).
                        re.push_str(&format!("(?:{group}|.*?)"));
                    } else {
                        re.push_str(&group);
                    }
                    targets.push(Target { name, ty });
                }
            }
            after_string = matches!(part, ParsePart::Column { ty: None, .. })
                || matches!(part, ParsePart::Column { ty: Some(t), .. } if parse_type(&t.name) == Some(KustoType::String));
            previous = Some(part);
        }
        re.push('$');
        if targets.is_empty() {
            return Err(self.invalid(span, "parse: the pattern names no column to extract"));
        }
        Ok((re, targets))
    }
}

/// What a column of type `ty` may match.
fn column_regex(mode: Mode, ty: KustoType) -> &'static str {
    match (mode, ty) {
        (Mode::Regex, KustoType::String) => ".*",
        (_, KustoType::String) => ".*?",
        (_, KustoType::Int | KustoType::Long) => r"-?\d+",
        (_, KustoType::Real) => r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?",
        _ => ".*?",
    }
}

/// A type name in a parse pattern, with the aliases Kusto accepts there.
pub(crate) fn parse_type(name: &str) -> Option<KustoType> {
    match name {
        "date" => Some(KustoType::DateTime),
        "time" => Some(KustoType::TimeSpan),
        "double" => Some(KustoType::Real),
        "boolean" => Some(KustoType::Bool),
        "uuid" | "uniqueid" => Some(KustoType::Guid),
        other => KustoType::from_name(other),
    }
}
