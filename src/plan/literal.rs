//! Literals: numbers, strings, timespans, and the typed forms `datetime(…)`, `timespan(…)`,
//! `int(…)`, `real(…)`, `guid(…)`, `dynamic(…)`, including the text formats Kusto accepts
//! for datetimes and timespans (see [`crate::functions::time_text`]).

use datafusion::common::ScalarValue;
use serde_json::Value;

use super::types::null_of;
pub use crate::functions::time_text::{parse_datetime, parse_timespan};
use crate::catalog::KustoType;
use crate::kql::ast::{Expr as Ast, Literal};

pub use crate::functions::time_text::TICK;

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

