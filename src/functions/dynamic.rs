//! Functions over `dynamic` values, which the lake keeps as JSON text: member and index
//! access, `parse_json`, `tostring`, packing, arrays and sets.

use datafusion::common::ScalarValue;
use serde_json::Value;

use super::rowwise::{Arg, RowFn, dynamic};
use crate::catalog::KustoType;

/// The row functions of this module.
pub fn functions() -> Vec<RowFn> {
    vec![
        RowFn::new("kql_dyn_get", KustoType::Dynamic, KustoType::Dynamic, dyn_get),
        RowFn::new("kql_tostring", KustoType::String, KustoType::Dynamic, to_string),
        RowFn::new("kql_parse_json", KustoType::Dynamic, KustoType::String, parse_json),
        RowFn::new("kql_array_length", KustoType::Long, KustoType::Dynamic, array_length),
        RowFn::new("kql_pack_array", KustoType::Dynamic, KustoType::Dynamic, pack_array),
        RowFn::new("kql_bag_pack", KustoType::Dynamic, KustoType::Dynamic, bag_pack),
        RowFn::new("kql_bag_keys", KustoType::Dynamic, KustoType::Dynamic, bag_keys),
        RowFn::new("kql_to_dynamic", KustoType::Dynamic, KustoType::Dynamic, to_dynamic),
        RowFn::new("kql_set_union", KustoType::Dynamic, KustoType::Dynamic, set_union),
        RowFn::new("kql_set_intersect", KustoType::Dynamic, KustoType::Dynamic, set_intersect),
        RowFn::new("kql_set_difference", KustoType::Dynamic, KustoType::Dynamic, set_difference),
        RowFn::new("kql_array_concat", KustoType::Dynamic, KustoType::Dynamic, array_concat),
        RowFn::new("kql_strcat_array", KustoType::String, KustoType::Dynamic, strcat_array),
        RowFn::new("kql_gettype", KustoType::String, KustoType::Dynamic, gettype),
        RowFn::new("kql_to_json", KustoType::Dynamic, KustoType::String, to_json),
        RowFn::new("kql_in_array", KustoType::Bool, KustoType::Dynamic, in_array),
        RowFn::new("kql_in_array_ci", KustoType::Bool, KustoType::Dynamic, in_array_ci),
        RowFn::new("kql_todatetime", KustoType::DateTime, KustoType::String, to_datetime),
        RowFn::new("kql_toguid", KustoType::Guid, KustoType::String, to_guid),
        RowFn::new("kql_totimespan", KustoType::TimeSpan, KustoType::String, to_timespan),
        RowFn::new("kql_toint_text", KustoType::Int, KustoType::String, to_int_text),
        RowFn::new("kql_tolong_text", KustoType::Long, KustoType::String, to_long_text),
        RowFn::new("kql_has_any_array", KustoType::Bool, KustoType::Dynamic, has_any_array),
        RowFn::new("kql_has_all_array", KustoType::Bool, KustoType::Dynamic, has_all_array),
    ]
}

/// The argument as a dynamic value: JSON text of a dynamic column parsed, other values
/// converted; `None` for null.
fn value(a: &Arg<'_>) -> Option<Value> {
    if a.is_null() {
        return None;
    }
    Some(a.json())
}

fn dyn_get(args: &[Arg<'_>]) -> ScalarValue {
    let (Some(target), Some(key)) = (args.first().and_then(value), args.get(1).and_then(value)) else {
        return dynamic(None);
    };
    let found = match (&target, &key) {
        (Value::Object(map), Value::String(k)) => map.get(k).cloned(),
        (Value::Array(items), Value::Number(i)) => i.as_i64().and_then(|i| {
            // A negative index counts from the end, as in Kusto.
            let idx = if i < 0 { items.len() as i64 + i } else { i };
            usize::try_from(idx).ok().and_then(|i| items.get(i).cloned())
        }),
        _ => None,
    };
    dynamic(found.filter(|v| !v.is_null()))
}

fn to_string(args: &[Arg<'_>]) -> ScalarValue {
    // Strings are never null in Kusto: tostring(null) is "".
    ScalarValue::Utf8(Some(args.first().and_then(|a| a.text()).unwrap_or_default()))
}

/// `parse_json(text)`: the JSON value, or the text itself as a string when it is not JSON.
fn parse_json(args: &[Arg<'_>]) -> ScalarValue {
    let Some(a) = args.first() else { return dynamic(None) };
    if a.is_null() {
        return dynamic(None);
    }
    match a.json() {
        // parse_json("") is null (documented: isnull(parse_json("")) is true).
        Value::String(s) if s.trim().is_empty() => dynamic(None),
        Value::String(s) => dynamic(Some(serde_json::from_str(&s).unwrap_or(Value::String(s)))),
        v => dynamic(Some(v)),
    }
}

/// `todatetime(text)`: Kusto's datetime text forms; null when the text is none of them.
fn to_datetime(args: &[Arg<'_>]) -> ScalarValue {
    let nanos = args.first().and_then(|a| a.text()).and_then(|t| super::time_text::parse_datetime(&t));
    ScalarValue::TimestampNanosecond(nanos, Some("UTC".into()))
}

/// `totimespan(text)`: `[-][d.]hh:mm:ss[.f]` or a timespan literal (`2d`); null otherwise.
fn to_timespan(args: &[Arg<'_>]) -> ScalarValue {
    let nanos = args.first().and_then(|a| a.text()).and_then(|t| super::time_text::parse_timespan(&t));
    ScalarValue::DurationNanosecond(nanos)
}

/// `toint(text)`: decimal digits with an optional sign, or `0x` hex (measured: "0x1F" is
/// 31, "0xFFFFFFFF" is -1, "3.14" and "1e3" are null); surrounding blanks are ignored.
fn to_int_text(args: &[Arg<'_>]) -> ScalarValue {
    ScalarValue::Int32(args.first().and_then(|a| a.text()).and_then(|t| integer_text(&t, 32)).map(|v| v as i32))
}

/// `tolong(text)`: as [`to_int_text`], 64 bits wide ("0xFFFFFFFFFFFFFFFF" is -1).
fn to_long_text(args: &[Arg<'_>]) -> ScalarValue {
    ScalarValue::Int64(args.first().and_then(|a| a.text()).and_then(|t| integer_text(&t, 64)))
}

/// Integer text of `bits` (32 or 64) bits: hex is read as unsigned and wraps into the
/// signed type, as .NET reads it.
fn integer_text(text: &str, bits: u32) -> Option<i64> {
    let t = text.trim();
    match (t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")), bits) {
        (Some(hex), 32) => u32::from_str_radix(hex, 16).ok().map(|u| i64::from(u as i32)),
        (Some(hex), _) => u64::from_str_radix(hex, 16).ok().map(|u| u as i64),
        (None, 32) => t.parse::<i32>().ok().map(i64::from),
        (None, _) => t.parse::<i64>().ok(),
    }
}

/// `toguid(text)`: 32 hex digits, with or without dashes and braces, in the canonical
/// lower-case 8-4-4-4-12 form; null otherwise.
fn to_guid(args: &[Arg<'_>]) -> ScalarValue {
    let guid = args.first().and_then(|a| a.text()).and_then(|t| {
        let hex: String = t.trim().trim_start_matches('{').trim_end_matches('}').chars().filter(|c| *c != '-').collect();
        (hex.len() == 32 && hex.chars().all(|c| c.is_ascii_hexdigit())).then(|| {
            let h = hex.to_ascii_lowercase();
            format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
        })
    });
    ScalarValue::Utf8(guid)
}

/// Any value as dynamic: a string becomes a JSON string, a number a JSON number.
fn to_json(args: &[Arg<'_>]) -> ScalarValue {
    dynamic(args.first().and_then(value))
}

/// `value in (array)` for an array known only at run time: the flattened elements, compared
/// by value (numbers numerically). A null value is in nothing.
fn in_array(args: &[Arg<'_>]) -> ScalarValue {
    ScalarValue::Boolean(Some(array_contains(args, false)))
}

/// `value in~ (array)`: as [`in_array`], strings compared case-insensitively.
fn in_array_ci(args: &[Arg<'_>]) -> ScalarValue {
    ScalarValue::Boolean(Some(array_contains(args, true)))
}

/// `text has_any (array)` with the array known only at run time: some element is a term
/// of the text (case-insensitive, as `has`). An element that is not a string is matched
/// by its text.
fn has_any_array(args: &[Arg<'_>]) -> ScalarValue {
    ScalarValue::Boolean(Some(has_terms(args, false)))
}

/// `text has_all (array)`: every element is a term of the text.
fn has_all_array(args: &[Arg<'_>]) -> ScalarValue {
    ScalarValue::Boolean(Some(has_terms(args, true)))
}

fn has_terms(args: &[Arg<'_>], all: bool) -> bool {
    let (Some(text), Some(arr)) = (args.first().and_then(|a| a.text()), args.get(1).and_then(value)) else { return false };
    let mut items = Vec::new();
    flatten(arr, &mut items);
    let has = |item: &Value| {
        let needle = match item {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        super::strings::Matcher::new(super::strings::MatchKind::Has, false, &needle).test(&text)
    };
    if all { items.iter().all(has) } else { items.iter().any(has) }
}

fn array_contains(args: &[Arg<'_>], fold: bool) -> bool {
    let (Some(v), Some(arr)) = (args.first().and_then(value), args.get(1).and_then(value)) else { return false };
    let mut items = Vec::new();
    flatten(arr, &mut items);
    let same = |a: &Value, b: &Value| match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::String(x), Value::String(y)) if fold => super::strings::fold(x) == super::strings::fold(y),
        _ => a == b,
    };
    items.iter().any(|i| same(&v, i))
}

fn flatten(v: Value, out: &mut Vec<Value>) {
    match v {
        Value::Array(items) => items.into_iter().for_each(|i| flatten(i, out)),
        other => out.push(other),
    }
}

fn array_length(args: &[Arg<'_>]) -> ScalarValue {
    let n = match args.first().and_then(value) {
        Some(Value::Array(items)) => Some(items.len() as i64),
        _ => None,
    };
    ScalarValue::Int64(n)
}

fn pack_array(args: &[Arg<'_>]) -> ScalarValue {
    dynamic(Some(Value::Array(args.iter().map(|a| value(a).unwrap_or(Value::Null)).collect())))
}

fn bag_pack(args: &[Arg<'_>]) -> ScalarValue {
    let mut map = serde_json::Map::new();
    for pair in args.chunks(2) {
        if let [k, v] = pair
            && let Some(key) = k.text()
        {
            map.insert(key, value(v).unwrap_or(Value::Null));
        }
    }
    dynamic(Some(Value::Object(map)))
}

fn bag_keys(args: &[Arg<'_>]) -> ScalarValue {
    match args.first().and_then(value) {
        Some(Value::Object(map)) => dynamic(Some(Value::Array(map.keys().cloned().map(Value::String).collect()))),
        _ => dynamic(None),
    }
}

/// A list (from an aggregate) or any other value, as dynamic.
fn to_dynamic(args: &[Arg<'_>]) -> ScalarValue {
    match args.first() {
        // make_set/make_list on empty input give [] (reference notes §1, item 11).
        Some(a) if a.is_null() => dynamic(Some(Value::Array(Vec::new()))),
        Some(a) => dynamic(value(a)),
        None => dynamic(None),
    }
}

fn arrays(args: &[Arg<'_>]) -> Option<Vec<Vec<Value>>> {
    args.iter()
        .map(|a| match value(a) {
            Some(Value::Array(items)) => Some(items),
            _ => None,
        })
        .collect()
}

fn distinct(items: impl IntoIterator<Item = Value>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for v in items {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

fn set_union(args: &[Arg<'_>]) -> ScalarValue {
    dynamic(arrays(args).map(|a| Value::Array(distinct(a.into_iter().flatten()))))
}

fn set_intersect(args: &[Arg<'_>]) -> ScalarValue {
    dynamic(arrays(args).map(|a| {
        let mut iter = a.into_iter();
        let first = distinct(iter.next().unwrap_or_default());
        let rest: Vec<Vec<Value>> = iter.collect();
        Value::Array(first.into_iter().filter(|v| rest.iter().all(|r| r.contains(v))).collect())
    }))
}

fn set_difference(args: &[Arg<'_>]) -> ScalarValue {
    dynamic(arrays(args).map(|a| {
        let mut iter = a.into_iter();
        let first = distinct(iter.next().unwrap_or_default());
        let rest: Vec<Vec<Value>> = iter.collect();
        Value::Array(first.into_iter().filter(|v| rest.iter().all(|r| !r.contains(v))).collect())
    }))
}

fn array_concat(args: &[Arg<'_>]) -> ScalarValue {
    dynamic(arrays(args).map(|a| Value::Array(a.into_iter().flatten().collect())))
}

fn strcat_array(args: &[Arg<'_>]) -> ScalarValue {
    let (Some(Value::Array(items)), Some(sep)) = (args.first().and_then(value), args.get(1).and_then(|a| a.text())) else {
        return ScalarValue::Utf8(Some(String::new()));
    };
    let parts: Vec<String> = items
        .into_iter()
        .map(|v| match v {
            Value::String(s) => s,
            Value::Null => String::new(),
            v => v.to_string(),
        })
        .collect();
    ScalarValue::Utf8(Some(parts.join(&sep)))
}

fn gettype(args: &[Arg<'_>]) -> ScalarValue {
    let name = match args.first() {
        Some(a) if a.kusto == Some(KustoType::Dynamic) => match value(a) {
            None | Some(Value::Null) => "null",
            Some(Value::Bool(_)) => "bool",
            Some(Value::Number(n)) if n.is_i64() => "long",
            Some(Value::Number(_)) => "real",
            Some(Value::String(_)) => "string",
            Some(Value::Array(_)) => "array",
            Some(Value::Object(_)) => "dictionary",
        },
        Some(a) => a.kusto.map_or("string", |k| k.name()),
        None => "null",
    };
    ScalarValue::Utf8(Some(name.to_string()))
}
