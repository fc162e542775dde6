//! Functions over dynamic arrays: `array_sort_asc`/`_desc`, `array_slice`,
//! `array_reverse`, `array_sum`, `array_index_of`, `array_iff`, and the scalar `range()`.
//! Each follows its page in the Kusto docs; the examples there are conformance cases.

use std::cmp::Ordering;

use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::{DataType, DurationNanosecondType, TimestampNanosecondType};
use datafusion::common::ScalarValue;
use serde_json::Value;

use super::rowwise::{Arg, RowFn, dynamic};
use crate::catalog::KustoType;

/// Most elements `range()` makes (range-function.md: "the maximum number of elements is
/// 1,048,576").
const RANGE_MAX: usize = 1_048_576;

/// The row functions of this module.
pub fn functions() -> Vec<RowFn> {
    let d = KustoType::Dynamic;
    vec![
        RowFn::new("kql_array_sort_asc", d, d, sort_asc),
        RowFn::new("kql_array_sort_desc", d, d, sort_desc),
        RowFn::new("kql_array_slice", d, d, slice),
        RowFn::new("kql_array_reverse", d, d, reverse),
        RowFn::new("kql_array_sum", KustoType::Real, d, sum),
        RowFn::new("kql_array_index_of", KustoType::Long, d, index_of),
        RowFn::new("kql_array_iff", d, d, iff),
        RowFn::new("kql_range", d, d, range),
    ]
}

fn array(a: Option<&Arg<'_>>) -> Option<Vec<Value>> {
    match a.filter(|a| !a.is_null())?.json() {
        Value::Array(items) => Some(items),
        _ => None,
    }
}

fn long(a: Option<&Arg<'_>>) -> Option<i64> {
    let v = a.filter(|a| !a.is_null())?.json();
    v.as_i64().or_else(|| v.as_f64().map(|f| f as i64))
}

/// The kind rank of an element in a sort: numbers, then strings (datetimes and timespans
/// are text inside dynamic values, and their text sorts as they do), then the rest.
fn rank(v: &Value) -> u8 {
    match v {
        Value::Number(_) => 0,
        Value::String(_) => 1,
        _ => 2,
    }
}

fn compare(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64().partial_cmp(&y.as_f64()).unwrap_or(Ordering::Equal),
        (Value::String(x), Value::String(y)) => x.cmp(y),
        _ => rank(a).cmp(&rank(b)),
    }
}

/// `kql_array_sort_*(nulls_last, array1, …)`: the first array sorted and the others put
/// in the same order; one array gives the sorted array, several give an array of them
/// (an array whose length differs from the first becomes null, as the docs say).
fn sort(args: &[Arg<'_>], descending: bool) -> ScalarValue {
    let nulls_last = args.first().is_none_or(|a| a.is_null() || a.json().as_bool().unwrap_or(true));
    let arrays: Vec<Option<Vec<Value>>> = args.iter().skip(1).map(|a| array(Some(a))).collect();
    let Some(Some(first)) = arrays.first() else { return dynamic(None) };
    let mut order: Vec<usize> = (0..first.len()).collect();
    order.sort_by(|&i, &j| {
        let (a, b) = (&first[i], &first[j]);
        match (a.is_null(), b.is_null()) {
            (true, true) => Ordering::Equal,
            (true, false) => if nulls_last { Ordering::Greater } else { Ordering::Less },
            (false, true) => if nulls_last { Ordering::Less } else { Ordering::Greater },
            (false, false) if descending && rank(a) == rank(b) => compare(b, a),
            (false, false) => compare(a, b),
        }
    });
    let reorder = |items: &Option<Vec<Value>>| match items {
        Some(items) if items.len() == first.len() => Value::Array(order.iter().map(|&i| items[i].clone()).collect()),
        _ => Value::Null,
    };
    if arrays.len() == 1 {
        return dynamic(Some(reorder(&arrays[0])));
    }
    dynamic(Some(Value::Array(arrays.iter().map(reorder).collect())))
}

fn sort_asc(args: &[Arg<'_>]) -> ScalarValue {
    sort(args, false)
}

fn sort_desc(args: &[Arg<'_>]) -> ScalarValue {
    sort(args, true)
}

/// An index that may count from the end (`-1` is the last element).
fn from_end(i: i64, len: usize) -> i64 {
    if i < 0 { len as i64 + i } else { i }
}

/// `array_slice(arr, start, end)`: elements `start..=end`, either end counted from the
/// back when negative; an empty array when the range is empty.
fn slice(args: &[Arg<'_>]) -> ScalarValue {
    let (Some(items), Some(start), Some(end)) = (array(args.first()), long(args.get(1)), long(args.get(2))) else {
        return dynamic(None);
    };
    let len = items.len();
    let start = from_end(start, len).max(0);
    let end = from_end(end, len).min(len as i64 - 1);
    let picked = if start > end { Vec::new() } else { items[start as usize..=end as usize].to_vec() };
    dynamic(Some(Value::Array(picked)))
}

fn reverse(args: &[Arg<'_>]) -> ScalarValue {
    dynamic(array(args.first()).map(|mut items| {
        items.reverse();
        Value::Array(items)
    }))
}

/// `array_sum(arr)`: the sum of the numeric elements as a real; null when an element is
/// not a number (array-sum-function.md: "null if the array contains non-numeric values").
fn sum(args: &[Arg<'_>]) -> ScalarValue {
    let total = array(args.first()).and_then(|items| items.iter().map(Value::as_f64).sum::<Option<f64>>());
    ScalarValue::Float64(total)
}

/// `array_index_of(arr, lookup[, start[, length[, occurrence]]])`: the index of the
/// `occurrence`-th element equal to `lookup` among `length` elements from `start`, or -1.
fn index_of(args: &[Arg<'_>]) -> ScalarValue {
    let (Some(items), Some(lookup)) = (array(args.first()), args.get(1).filter(|a| !a.is_null()).map(Arg::json)) else {
        return ScalarValue::Int64(None);
    };
    let len = items.len();
    let start = from_end(long(args.get(2)).unwrap_or(0), len);
    let length = long(args.get(3)).unwrap_or(-1);
    let occurrence = long(args.get(4)).unwrap_or(1);
    // "null for irrelevant inputs (occurrence < 0 or length < -1)" (array-index-of-function.md).
    if occurrence < 0 || length < -1 {
        return ScalarValue::Int64(None);
    }
    let (Ok(start), Ok(nth)) = (usize::try_from(start), usize::try_from(occurrence - 1)) else {
        return ScalarValue::Int64(Some(-1));
    };
    let end = match usize::try_from(length) {
        Ok(n) => start.saturating_add(n).min(len),
        Err(_) => len,
    };
    let found = (start..end).filter(|&i| items.get(i) == Some(&lookup)).nth(nth);
    ScalarValue::Int64(Some(found.map_or(-1, |i| i as i64)))
}

/// `array_iff(conditions, if_true, if_false)`: per element of `conditions`, the matching
/// element (or the scalar) of `if_true` or `if_false`. Numbers count as conditions
/// (non-zero is true); any other element, or a missing one, gives null.
fn iff(args: &[Arg<'_>]) -> ScalarValue {
    let Some(conditions) = array(args.first()) else { return dynamic(None) };
    let pick = |a: Option<&Arg<'_>>, i: usize| match a.filter(|a| !a.is_null()).map(Arg::json) {
        Some(Value::Array(items)) => items.get(i).cloned().unwrap_or(Value::Null),
        Some(v) => v,
        None => Value::Null,
    };
    let out = conditions
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let truth = match c {
                Value::Bool(b) => Some(*b),
                Value::Number(n) => n.as_f64().map(|f| f != 0.0),
                _ => None,
            };
            match truth {
                Some(true) => pick(args.get(1), i),
                Some(false) => pick(args.get(2), i),
                None => Value::Null,
            }
        })
        .collect();
    dynamic(Some(Value::Array(out)))
}

/// The value of a `range()` argument: nanoseconds for datetimes and timespans.
enum Point {
    Long(i64),
    Real(f64),
    Time(i64),
    Span(i64),
}

fn point(a: &Arg<'_>) -> Option<Point> {
    if a.is_null() {
        return None;
    }
    Some(match a.array.data_type() {
        DataType::Timestamp(..) => Point::Time(a.array.as_primitive_opt::<TimestampNanosecondType>()?.value(a.row)),
        DataType::Duration(_) => Point::Span(a.array.as_primitive_opt::<DurationNanosecondType>()?.value(a.row)),
        DataType::Float64 | DataType::Float32 => Point::Real(a.json().as_f64()?),
        _ => Point::Long(a.json().as_i64()?),
    })
}

/// `range(start, stop[, step])`: the arithmetic series from `start` to `stop` inclusive,
/// at most [`RANGE_MAX`] elements; the step defaults to 1 (or 1h for datetimes and
/// timespans) and must move towards `stop`.
fn range(args: &[Arg<'_>]) -> ScalarValue {
    let (Some(start), Some(stop)) = (args.first().and_then(point), args.get(1).and_then(point)) else { return dynamic(None) };
    let step = args.get(2).and_then(point);
    let items: Option<Vec<Value>> = match (start, stop, step) {
        (Point::Long(a), Point::Long(b), None) => Some(series_long(a, b, 1)),
        (Point::Long(a), Point::Long(b), Some(Point::Long(s))) => Some(series_long(a, b, s)),
        (Point::Time(a), Point::Time(b), step) => span_step(step).map(|s| series_long(a, b, s).iter().map(|v| time_json(v, true)).collect()),
        (Point::Span(a), Point::Span(b), step) => span_step(step).map(|s| series_long(a, b, s).iter().map(|v| time_json(v, false)).collect()),
        (a, b, step) => {
            let real = |p: Point| match p {
                Point::Long(v) => Some(v as f64),
                Point::Real(v) => Some(v),
                _ => None,
            };
            let s = match step {
                None => Some(1.0),
                Some(p) => real(p),
            };
            match (real(a), real(b), s) {
                (Some(a), Some(b), Some(s)) => Some(series_real(a, b, s)),
                _ => None,
            }
        }
    };
    dynamic(items.map(Value::Array))
}

fn span_step(step: Option<Point>) -> Option<i64> {
    match step {
        None => Some(3_600_000_000_000),
        Some(Point::Span(s)) => Some(s),
        _ => None,
    }
}

fn series_long(a: i64, b: i64, step: i64) -> Vec<Value> {
    let mut out = Vec::new();
    let mut v = a;
    while step != 0 && ((step > 0 && v <= b) || (step < 0 && v >= b)) && out.len() < RANGE_MAX {
        out.push(Value::from(v));
        let Some(next) = v.checked_add(step) else { break };
        v = next;
    }
    out
}

fn series_real(a: f64, b: f64, step: f64) -> Vec<Value> {
    let mut out = Vec::new();
    let mut i = 0.0;
    while step != 0.0 && out.len() < RANGE_MAX {
        let v = a + i * step;
        if (step > 0.0 && v > b) || (step < 0.0 && v < b) {
            break;
        }
        out.push(Value::from(v));
        i += 1.0;
    }
    out
}

fn time_json(v: &Value, datetime: bool) -> Value {
    let nanos = v.as_i64().unwrap_or_default();
    let text = if datetime { crate::output::value::format_datetime(nanos) } else { crate::output::value::format_timespan(nanos) };
    Value::String(text)
}
