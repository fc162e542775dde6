//! One cell of a result as JSON ([`cell_json`]) or as text ([`cell_text`]), following the
//! value rules of DESIGN.md §5.

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, DurationMicrosecondArray, DurationMillisecondArray,
    DurationNanosecondArray, DurationSecondArray,
};
use datafusion::arrow::datatypes::{
    DataType, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, TimeUnit,
    UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use serde_json::{Number, Value};

use crate::catalog::KustoType;

/// Nanoseconds per 100 ns Kusto tick.
const TICK_NANOS: i64 = 100;

/// The JSON value of row `row` of `array`. `kusto` is the column's Kusto type when known:
/// a `dynamic` column holds JSON text, and is emitted as the JSON value itself.
pub fn cell_json(array: &ArrayRef, row: usize, kusto: Option<KustoType>) -> Value {
    if array.is_null(row) {
        return Value::Null;
    }
    match array.data_type() {
        DataType::Boolean => Value::Bool(array.as_any().downcast_ref::<BooleanArray>().is_some_and(|a| a.value(row))),
        DataType::Int8 => Value::from(array.as_primitive::<Int8Type>().value(row)),
        DataType::Int16 => Value::from(array.as_primitive::<Int16Type>().value(row)),
        DataType::Int32 => Value::from(array.as_primitive::<Int32Type>().value(row)),
        DataType::Int64 => Value::from(array.as_primitive::<Int64Type>().value(row)),
        DataType::UInt8 => Value::from(array.as_primitive::<UInt8Type>().value(row)),
        DataType::UInt16 => Value::from(array.as_primitive::<UInt16Type>().value(row)),
        DataType::UInt32 => Value::from(array.as_primitive::<UInt32Type>().value(row)),
        DataType::UInt64 => Value::from(array.as_primitive::<UInt64Type>().value(row)),
        DataType::Float32 => float_json(array.as_primitive::<Float32Type>().value(row) as f64),
        DataType::Float64 => float_json(array.as_primitive::<Float64Type>().value(row)),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
            let text = string_value(array, row);
            match kusto {
                // Malformed JSON text in a dynamic column is shown as the string it is.
                Some(KustoType::Dynamic) => {
                    serde_json::from_str(&text).unwrap_or(Value::String(text))
                }
                _ => Value::String(text),
            }
        }
        DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(_, _) | DataType::Struct(_) | DataType::Map(_, _) => {
            nested_json(array, row)
        }
        _ => Value::String(cell_text(array, row, kusto)),
    }
}

/// The text of row `row` of `array`, as CSV and table output show it: strings as they are,
/// datetimes and timespans in Kusto's forms, dynamic values as compact JSON, null as "".
pub fn cell_text(array: &ArrayRef, row: usize, kusto: Option<KustoType>) -> String {
    if array.is_null(row) {
        return String::new();
    }
    match array.data_type() {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => string_value(array, row),
        DataType::Timestamp(unit, _) => {
            let nanos = to_nanos(*unit, timestamp_raw(array, row));
            format_datetime(nanos)
        }
        DataType::Duration(unit) => format_timespan(to_nanos(*unit, duration_raw(array, row))),
        DataType::Float32 | DataType::Float64 | DataType::List(_) | DataType::LargeList(_)
        | DataType::FixedSizeList(_, _) | DataType::Struct(_) | DataType::Map(_, _) => {
            match cell_json(array, row, kusto) {
                Value::String(s) => s,
                v => v.to_string(),
            }
        }
        _ => display(array, row),
    }
}

fn display(array: &ArrayRef, row: usize) -> String {
    match ArrayFormatter::try_new(array.as_ref(), &FormatOptions::default()) {
        Ok(f) => f.value(row).to_string(),
        Err(e) => format!("<{e}>"),
    }
}

fn string_value(array: &ArrayRef, row: usize) -> String {
    match array.data_type() {
        DataType::Utf8 => array.as_string::<i32>().value(row).to_string(),
        DataType::LargeUtf8 => array.as_string::<i64>().value(row).to_string(),
        DataType::Utf8View => array.as_string_view().value(row).to_string(),
        _ => display(array, row),
    }
}

fn float_json(v: f64) -> Value {
    if v.is_nan() {
        Value::String("NaN".into())
    } else if v.is_infinite() {
        Value::String(if v > 0.0 { "Infinity" } else { "-Infinity" }.into())
    } else {
        Number::from_f64(v).map_or(Value::Null, Value::Number)
    }
}

fn nested_json(array: &ArrayRef, row: usize) -> Value {
    match array.data_type() {
        DataType::List(_) => list_json(array.as_list::<i32>().value(row)),
        DataType::LargeList(_) => list_json(array.as_list::<i64>().value(row)),
        DataType::FixedSizeList(_, _) => list_json(array.as_fixed_size_list().value(row)),
        DataType::Struct(fields) => {
            let s = array.as_struct();
            let mut map = serde_json::Map::new();
            for (i, f) in fields.iter().enumerate() {
                map.insert(f.name().clone(), cell_json(s.column(i), row, None));
            }
            Value::Object(map)
        }
        _ => Value::String(display(array, row)),
    }
}

fn list_json(values: ArrayRef) -> Value {
    Value::Array((0..values.len()).map(|i| cell_json(&values, i, None)).collect())
}

fn timestamp_raw(array: &ArrayRef, row: usize) -> i64 {
    use datafusion::arrow::datatypes::{
        TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
        TimestampSecondType,
    };
    match array.data_type() {
        DataType::Timestamp(TimeUnit::Second, _) => array.as_primitive::<TimestampSecondType>().value(row),
        DataType::Timestamp(TimeUnit::Millisecond, _) => array.as_primitive::<TimestampMillisecondType>().value(row),
        DataType::Timestamp(TimeUnit::Microsecond, _) => array.as_primitive::<TimestampMicrosecondType>().value(row),
        _ => array.as_primitive::<TimestampNanosecondType>().value(row),
    }
}

fn duration_raw(array: &ArrayRef, row: usize) -> i64 {
    let any = array.as_any();
    if let Some(a) = any.downcast_ref::<DurationNanosecondArray>() {
        a.value(row)
    } else if let Some(a) = any.downcast_ref::<DurationMicrosecondArray>() {
        a.value(row)
    } else if let Some(a) = any.downcast_ref::<DurationMillisecondArray>() {
        a.value(row)
    } else if let Some(a) = any.downcast_ref::<DurationSecondArray>() {
        a.value(row)
    } else {
        0
    }
}

fn to_nanos(unit: TimeUnit, v: i64) -> i64 {
    match unit {
        TimeUnit::Second => v.saturating_mul(1_000_000_000),
        TimeUnit::Millisecond => v.saturating_mul(1_000_000),
        TimeUnit::Microsecond => v.saturating_mul(1_000),
        TimeUnit::Nanosecond => v,
    }
}

/// A datetime as RFC 3339 UTC with `Z`: no fraction when it is whole seconds, otherwise
/// the significant digits of its 100 ns ticks (at most 7). Kusto keeps ticks, so any
/// nanoseconds below a tick are dropped.
pub fn format_datetime(nanos: i64) -> String {
    let secs = nanos.div_euclid(1_000_000_000);
    let ticks = nanos.rem_euclid(1_000_000_000) / TICK_NANOS;
    let Some(dt) = chrono::DateTime::from_timestamp(secs, 0) else {
        return nanos.to_string();
    };
    let base = dt.format("%Y-%m-%dT%H:%M:%S").to_string();
    if ticks == 0 {
        format!("{base}Z")
    } else {
        let frac = format!("{ticks:07}");
        format!("{base}.{}Z", frac.trim_end_matches('0'))
    }
}

/// A datetime as `tostring()` gives it: RFC 3339 UTC with all 7 tick digits
/// (measured: `tostring(datetime(2020-01-01))` is `2020-01-01T00:00:00.0000000Z`).
pub fn format_datetime_ticks(nanos: i64) -> String {
    let secs = nanos.div_euclid(1_000_000_000);
    let ticks = nanos.rem_euclid(1_000_000_000) / TICK_NANOS;
    match chrono::DateTime::from_timestamp(secs, 0) {
        Some(dt) => format!("{}.{ticks:07}Z", dt.format("%Y-%m-%dT%H:%M:%S")),
        None => nanos.to_string(),
    }
}

/// The Unix nanoseconds of a timestamp cell, whatever its unit.
pub fn timestamp_nanos(array: &ArrayRef, row: usize) -> i64 {
    match array.data_type() {
        DataType::Timestamp(unit, _) => to_nanos(*unit, timestamp_raw(array, row)),
        _ => 0,
    }
}

/// A timespan as Kusto prints it: `[-][d.]hh:mm:ss[.fffffff]`.
pub fn format_timespan(nanos: i64) -> String {
    let sign = if nanos < 0 { "-" } else { "" };
    let n = nanos.unsigned_abs();
    let ticks = (n % 1_000_000_000) / TICK_NANOS as u64;
    let total_secs = n / 1_000_000_000;
    let (days, rem) = (total_secs / 86_400, total_secs % 86_400);
    let (h, m, s) = (rem / 3600, (rem % 3600) / 60, rem % 60);
    let mut out = String::from(sign);
    if days > 0 {
        out.push_str(&format!("{days}."));
    }
    out.push_str(&format!("{h:02}:{m:02}:{s:02}"));
    if ticks > 0 {
        out.push_str(&format!(".{ticks:07}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes_print_rfc3339_with_ticks() {
        // 2026-11-27T10:00:00Z is 1_795_773_600 s after the epoch.
        let base = 1_795_773_600_i64 * 1_000_000_000;
        assert_eq!(format_datetime(base), "2026-11-27T10:00:00Z");
        assert_eq!(format_datetime(base + 123_456_700), "2026-11-27T10:00:00.1234567Z");
        assert_eq!(format_datetime(base + 500_000_000), "2026-11-27T10:00:00.5Z");
        // Below one tick is below Kusto's resolution.
        assert_eq!(format_datetime(base + 99), "2026-11-27T10:00:00Z");
    }

    #[test]
    fn timespans_print_as_kusto_does() {
        // Examples from the Kusto timespan documentation: 1d2h = 1.02:00:00, 1.5s = 00:00:01.5000000.
        assert_eq!(format_timespan(26 * 3_600_000_000_000), "1.02:00:00");
        assert_eq!(format_timespan(1_500_000_000), "00:00:01.5000000");
        assert_eq!(format_timespan(-60_000_000_000), "-00:01:00");
    }
}
