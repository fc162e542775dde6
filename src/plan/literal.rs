//! Literals: numbers, strings, timespans, and the typed forms `datetime(…)`, `timespan(…)`,
//! `int(…)`, `real(…)`, `guid(…)`, `dynamic(…)`, including the text formats Kusto accepts
//! for datetimes and timespans (also used by `todatetime()` and `totimespan()`).

use datafusion::common::ScalarValue;
use serde_json::Value;

use super::types::null_of;
use crate::catalog::KustoType;
use crate::kql::ast::{Expr as Ast, Literal};

/// Nanoseconds per 100 ns tick.
pub const TICK: i64 = 100;

/// A literal's value and Kusto type; `Err` holds why its text is not a valid value.
pub fn literal(lit: &Literal) -> Result<(ScalarValue, KustoType), String> {
    Ok(match lit {
        Literal::Bool(b) => (ScalarValue::Boolean(Some(*b)), KustoType::Bool),
        Literal::Long(n) => (ScalarValue::Int64(Some(*n)), KustoType::Long),
        Literal::Real(text) => (ScalarValue::Float64(Some(parse_real(text)?)), KustoType::Real),
        Literal::String(s) => (ScalarValue::Utf8(Some(s.clone())), KustoType::String),
        Literal::Timespan(ticks) => (duration(ticks.checked_mul(TICK))?, KustoType::TimeSpan),
        Literal::Typed { ty, text } => typed(ty, text)?,
        // dynamic(null) is a null, not the JSON text "null".
        Literal::Dynamic(tree) => (ScalarValue::Utf8(Some(json(tree)?).filter(|v| !v.is_null()).map(|v| v.to_string())), KustoType::Dynamic),
        Literal::Null => (ScalarValue::Utf8(None), KustoType::Dynamic),
    })
}

fn duration(nanos: Option<i64>) -> Result<ScalarValue, String> {
    nanos.map(|n| ScalarValue::DurationNanosecond(Some(n))).ok_or_else(|| "timespan out of range".to_string())
}

fn parse_real(text: &str) -> Result<f64, String> {
    match text.trim() {
        "nan" | "NaN" => Ok(f64::NAN),
        "inf" | "+inf" => Ok(f64::INFINITY),
        "-inf" => Ok(f64::NEG_INFINITY),
        t => t.parse().map_err(|_| format!("`{t}` is not a real number")),
    }
}

fn typed(ty: &str, text: &str) -> Result<(ScalarValue, KustoType), String> {
    let t = text.trim();
    let kind = match ty {
        "datetime" | "date" => KustoType::DateTime,
        "timespan" | "time" => KustoType::TimeSpan,
        "int" => KustoType::Int,
        "long" => KustoType::Long,
        "real" | "double" | "decimal" => KustoType::Real,
        "bool" | "boolean" => KustoType::Bool,
        "guid" | "uuid" | "uniqueid" => KustoType::Guid,
        "string" => KustoType::String,
        "dynamic" => KustoType::Dynamic,
        other => return Err(format!("`{other}(…)` literals are not supported")),
    };
    if t == "null" {
        return Ok((null_of(kind), kind));
    }
    let value = match kind {
        KustoType::DateTime => {
            let nanos = parse_datetime(t).ok_or_else(|| format!("`{t}` is not a datetime lakehunt can read"))?;
            ScalarValue::TimestampNanosecond(Some(nanos), Some("UTC".into()))
        }
        KustoType::TimeSpan => duration(parse_timespan(t))?,
        KustoType::Int => ScalarValue::Int32(Some(t.parse().map_err(|_| format!("`{t}` is not an int"))?)),
        KustoType::Long => ScalarValue::Int64(Some(t.parse().map_err(|_| format!("`{t}` is not a long"))?)),
        KustoType::Real => ScalarValue::Float64(Some(parse_real(t)?)),
        KustoType::Bool => ScalarValue::Boolean(Some(match t.to_ascii_lowercase().as_str() {
            "true" | "1" => true,
            "false" | "0" => false,
            _ => return Err(format!("`{t}` is not a bool")),
        })),
        KustoType::Guid | KustoType::String | KustoType::Dynamic => ScalarValue::Utf8(Some(t.to_string())),
    };
    Ok((value, kind))
}

/// A `dynamic(…)` literal tree as JSON.
pub fn json(tree: &Ast) -> Result<Value, String> {
    Ok(match tree {
        Ast::Literal(Literal::Null, _) => Value::Null,
        Ast::Literal(Literal::Bool(b), _) => Value::Bool(*b),
        Ast::Literal(Literal::Long(n), _) => Value::from(*n),
        Ast::Literal(Literal::Real(t), _) => serde_json::Number::from_f64(parse_real(t)?).map_or(Value::Null, Value::Number),
        Ast::Literal(Literal::String(s), _) => Value::String(s.clone()),
        Ast::Literal(Literal::Dynamic(inner), _) => json(inner)?,
        Ast::Literal(lit @ (Literal::Timespan(_) | Literal::Typed { .. }), _) => {
            let (v, ty) = literal(lit)?;
            let array = v.to_array().map_err(|e| e.to_string())?;
            let text = crate::output::value::cell_text(&array, 0, Some(ty));
            match ty {
                KustoType::Long | KustoType::Int | KustoType::Real | KustoType::Bool => serde_json::from_str(&text).unwrap_or(Value::String(text)),
                _ => Value::String(text),
            }
        }
        Ast::Neg { minus, expr, .. } => match json(expr)? {
            Value::Number(n) if *minus => n
                .as_i64()
                .map(|i| Value::from(-i))
                .or_else(|| n.as_f64().and_then(|f| serde_json::Number::from_f64(-f)).map(Value::Number))
                .unwrap_or(Value::Null),
            v => v,
        },
        Ast::Array(items, _) => Value::Array(items.iter().map(json).collect::<Result<_, _>>()?),
        Ast::Bag(pairs, _) => Value::Object(pairs.iter().map(|(k, v)| Ok((k.clone(), json(v)?))).collect::<Result<_, String>>()?),
        Ast::Paren(inner, _) => json(inner)?,
        _ => return Err("a dynamic literal holds only literals, arrays and property bags".into()),
    })
}

/// Parses the datetime text forms Kusto accepts (ISO 8601 with `T` or a space, optional
/// seconds, fraction and `Z` or offset; a bare date; RFC 822) into Unix nanoseconds.
pub fn parse_datetime(text: &str) -> Option<i64> {
    use chrono::{DateTime, NaiveDate, NaiveDateTime};
    let t = text.trim().trim_matches(|c| c == '\'' || c == '"');
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return dt.timestamp_nanos_opt();
    }
    if let Ok(dt) = DateTime::parse_from_rfc2822(t) {
        return dt.timestamp_nanos_opt();
    }
    let bare = t.strip_suffix('Z').or_else(|| t.strip_suffix(" GMT")).or_else(|| t.strip_suffix(" UTC")).unwrap_or(t);
    const FORMATS: [&str; 6] =
        ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S%.f", "%m/%d/%Y %H:%M:%S%.f"];
    for f in FORMATS {
        if let Ok(dt) = NaiveDateTime::parse_from_str(bare, f) {
            return dt.and_utc().timestamp_nanos_opt();
        }
    }
    for f in ["%Y-%m-%d", "%Y/%m/%d", "%m/%d/%Y", "%m-%d-%Y"] {
        if let Ok(d) = NaiveDate::parse_from_str(bare, f) {
            return d.and_hms_opt(0, 0, 0)?.and_utc().timestamp_nanos_opt();
        }
    }
    None
}

/// Parses a timespan's text: `[-][d.]hh:mm[:ss[.fffffff]]` or a number with a unit
/// (`2d`, `1.5h`), into nanoseconds.
pub fn parse_timespan(text: &str) -> Option<i64> {
    let t = text.trim();
    let (neg, body) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let ticks = if body.contains(':') { clock_ticks(body)? } else { unit_ticks(body)? };
    let nanos = ticks.checked_mul(TICK)?;
    Some(if neg { -nanos } else { nanos })
}

fn clock_ticks(body: &str) -> Option<i64> {
    let (days, clock) = match body.split_once(':') {
        Some((head, _)) if head.contains('.') => {
            let (d, _) = head.split_once('.')?;
            (d.parse::<i64>().ok()?, &body[d.len() + 1..])
        }
        _ => (0, body),
    };
    let parts: Vec<&str> = clock.split(':').collect();
    let (h, m, s) = match parts.as_slice() {
        [h, m] => (*h, *m, "0"),
        [h, m, s] => (*h, *m, *s),
        _ => return None,
    };
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    let frac_ticks: i64 = if frac.is_empty() {
        0
    } else {
        let digits: String = frac.chars().chain(std::iter::repeat('0')).take(7).collect();
        digits.parse().ok()?
    };
    let secs = days * 86_400 + h.parse::<i64>().ok()? * 3600 + m.parse::<i64>().ok()? * 60 + whole.parse::<i64>().ok()?;
    secs.checked_mul(10_000_000)?.checked_add(frac_ticks)
}

fn unit_ticks(body: &str) -> Option<i64> {
    let split = body.find(|c: char| c.is_ascii_alphabetic())?;
    let (num, unit) = body.split_at(split);
    let per = crate::kql::lexer::timespan_unit(unit)?;
    let value: f64 = num.parse().ok()?;
    let total = (value * per).round();
    (total.is_finite() && total.abs() < i64::MAX as f64).then_some(total as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetime_text_forms() {
        let day = 1_577_836_800_000_000_000; // 2020-01-01T00:00:00Z
        for t in ["2020-01-01", "2020-01-01T00:00:00Z", "2020-01-01 00:00", "2020-01-01T00:00:00.0000000Z", "Wed, 1 Jan 2020 00:00:00 GMT"] {
            assert_eq!(parse_datetime(t), Some(day), "{t}");
        }
        assert_eq!(parse_datetime("2020-01-01T00:00:00.1234567Z"), Some(day + 123_456_700));
        assert_eq!(parse_datetime("yesterday"), None);
    }

    #[test]
    fn timespan_text_forms() {
        assert_eq!(parse_timespan("1.02:00:00"), Some(26 * 3_600_000_000_000));
        assert_eq!(parse_timespan("00:00:00.1"), Some(100_000_000));
        assert_eq!(parse_timespan("-12:00:00"), Some(-12 * 3_600_000_000_000));
        assert_eq!(parse_timespan("2d"), Some(2 * 86_400_000_000_000));
        assert_eq!(parse_timespan("x"), None);
    }
}
