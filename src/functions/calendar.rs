//! Calendar functions: `datetime_diff` (period boundaries crossed), `datetime_add`
//! (calendar arithmetic, clamping to the month's end), `format_datetime` and
//! `format_timespan` (.NET-style specifiers) and `make_datetime`.

use chrono::{DateTime, Datelike, Months, NaiveDate, Timelike, Utc};
use datafusion::common::ScalarValue;

use super::rowwise::{Arg, RowFn};
use crate::catalog::KustoType;

/// The row functions of this module.
pub fn functions() -> Vec<RowFn> {
    let s = KustoType::String;
    vec![
        RowFn::new("kql_datetime_diff", KustoType::Long, s, datetime_diff),
        RowFn::new("kql_datetime_add", KustoType::DateTime, s, datetime_add),
        RowFn::new("kql_format_datetime", KustoType::String, s, format_datetime),
        RowFn::new("kql_make_datetime", KustoType::DateTime, s, make_datetime),
        RowFn::new("kql_format_timespan", KustoType::String, s, format_timespan),
    ]
}

fn nanos(a: Option<&Arg<'_>>) -> Option<i64> {
    let a = a?;
    if a.is_null() || a.kusto != Some(KustoType::DateTime) {
        return None;
    }
    Some(crate::output::value::timestamp_nanos(a.array, a.row))
}

fn datetime(n: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_nanos(n)
}

fn ts(v: Option<i64>) -> ScalarValue {
    ScalarValue::TimestampNanosecond(v, Some("UTC".into()))
}

fn long_arg(a: Option<&Arg<'_>>) -> Option<i64> {
    a.filter(|a| !a.is_null()).and_then(|a| a.json().as_i64().or_else(|| a.json().as_f64().map(|f| f as i64)))
}

/// `datetime_diff(period, d1, d2)`: `d1 - d2` counted in period boundaries (weeks start
/// on Sunday).
fn datetime_diff(args: &[Arg<'_>]) -> ScalarValue {
    let (Some(period), Some(a), Some(b)) = (args.first().and_then(|a| a.text()), nanos(args.get(1)), nanos(args.get(2))) else {
        return ScalarValue::Int64(None);
    };
    let (x, y) = (datetime(a), datetime(b));
    let floor_div = |v: i64, unit: i64| v.div_euclid(unit);
    let months = |d: &DateTime<Utc>| i64::from(d.year()) * 12 + i64::from(d.month0());
    const DAY: i64 = 86_400_000_000_000;
    let r = match period.to_ascii_lowercase().as_str() {
        "year" => i64::from(x.year() - y.year()),
        "quarter" => (months(&x) / 3) - (months(&y) / 3),
        "month" => months(&x) - months(&y),
        // 1970-01-04 was a Sunday: shift so that weeks start there.
        "week" => floor_div(a - 3 * DAY, 7 * DAY) - floor_div(b - 3 * DAY, 7 * DAY),
        "day" => floor_div(a, DAY) - floor_div(b, DAY),
        "hour" => floor_div(a, 3_600_000_000_000) - floor_div(b, 3_600_000_000_000),
        "minute" => floor_div(a, 60_000_000_000) - floor_div(b, 60_000_000_000),
        "second" => floor_div(a, 1_000_000_000) - floor_div(b, 1_000_000_000),
        "millisecond" => floor_div(a, 1_000_000) - floor_div(b, 1_000_000),
        "microsecond" => floor_div(a, 1_000) - floor_div(b, 1_000),
        "nanosecond" => a - b,
        _ => return ScalarValue::Int64(None),
    };
    ScalarValue::Int64(Some(r))
}

/// `datetime_add(period, amount, d)`: months and years clamp to the last day of the month
/// (measured: 2020-01-31 plus a month is 2020-02-29).
fn datetime_add(args: &[Arg<'_>]) -> ScalarValue {
    let (Some(period), Some(amount), Some(d)) = (args.first().and_then(|a| a.text()), long_arg(args.get(1)), nanos(args.get(2))) else {
        return ts(None);
    };
    let dt = datetime(d);
    let months = |m: i64| -> Option<DateTime<Utc>> {
        let m32 = u32::try_from(m.unsigned_abs()).ok()?;
        if m >= 0 { dt.checked_add_months(Months::new(m32)) } else { dt.checked_sub_months(Months::new(m32)) }
    };
    let unit = |n: i64| d.checked_add(amount.checked_mul(n)?);
    let r = match period.to_ascii_lowercase().as_str() {
        "year" => amount.checked_mul(12).and_then(months).and_then(|t| t.timestamp_nanos_opt()),
        "quarter" => amount.checked_mul(3).and_then(months).and_then(|t| t.timestamp_nanos_opt()),
        "month" => months(amount).and_then(|t| t.timestamp_nanos_opt()),
        "week" => unit(7 * 86_400_000_000_000),
        "day" => unit(86_400_000_000_000),
        "hour" => unit(3_600_000_000_000),
        "minute" => unit(60_000_000_000),
        "second" => unit(1_000_000_000),
        "millisecond" => unit(1_000_000),
        "microsecond" => unit(1_000),
        "nanosecond" => unit(1),
        _ => None,
    };
    ts(r)
}

/// `format_datetime(d, format)` with the .NET specifiers Kusto documents: `yyyy yy MM M dd
/// d HH H hh h mm m ss s f…fffffff F…FFFFFFF tt`; other characters are copied.
fn format_datetime(args: &[Arg<'_>]) -> ScalarValue {
    let (Some(d), Some(fmt)) = (nanos(args.first()), args.get(1).and_then(|a| a.text())) else {
        return ScalarValue::Utf8(Some(String::new()));
    };
    let dt = datetime(d);
    let ticks = d.rem_euclid(1_000_000_000) / 100;
    let chars: Vec<char> = fmt.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let run = chars[i..].iter().take_while(|&&x| x == c).count();
        i += run;
        let hour12 = match dt.hour() % 12 {
            0 => 12,
            h => h,
        };
        match c {
            'y' if run >= 4 => out.push_str(&format!("{:04}", dt.year())),
            'y' => out.push_str(&format!("{:02}", dt.year() % 100)),
            'M' => out.push_str(&pad(dt.month(), run)),
            'd' => out.push_str(&pad(dt.day(), run)),
            'H' => out.push_str(&pad(dt.hour(), run)),
            'h' => out.push_str(&pad(hour12, run)),
            'm' => out.push_str(&pad(dt.minute(), run)),
            's' => out.push_str(&pad(dt.second(), run)),
            'f' | 'F' => {
                let digits = format!("{ticks:07}");
                let part = &digits[..run.min(7)];
                if c == 'F' {
                    out.push_str(part.trim_end_matches('0'));
                } else {
                    out.push_str(part);
                }
            }
            't' => out.push_str(if dt.hour() < 12 { "AM" } else { "PM" }),
            other => out.extend(std::iter::repeat_n(other, run)),
        }
    }
    ScalarValue::Utf8(Some(out))
}

/// `format_timespan(span, format)`: `d` days (at least as many digits as the run), `h`/`H`
/// hours of the day, `m` minutes, `s` seconds, `f`/`F` fractions of a second; a negative
/// span is prefixed with `-` (measured: `format_timespan(-90s, 'mm:ss')` is `-01:30`).
fn format_timespan(args: &[Arg<'_>]) -> ScalarValue {
    let span = args.first().filter(|a| !a.is_null()).and_then(|a| {
        use datafusion::arrow::array::AsArray;
        a.array.as_primitive_opt::<datafusion::arrow::datatypes::DurationNanosecondType>().map(|d| d.value(a.row))
    });
    let (Some(n), Some(fmt)) = (span, args.get(1).and_then(|a| a.text())) else {
        return ScalarValue::Utf8(Some(String::new()));
    };
    let ticks = n.unsigned_abs() / 100;
    let (days, hours, minutes, seconds, fraction) = (ticks / 864_000_000_000, ticks / 36_000_000_000 % 24, ticks / 600_000_000 % 60, ticks / 10_000_000 % 60, ticks % 10_000_000);
    let chars: Vec<char> = fmt.chars().collect();
    let mut out = String::from(if n < 0 { "-" } else { "" });
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let run = chars[i..].iter().take_while(|&&x| x == c).count();
        i += run;
        match c {
            'd' => out.push_str(&format!("{days:0run$}")),
            'h' | 'H' => out.push_str(&pad(hours as u32, run)),
            'm' => out.push_str(&pad(minutes as u32, run)),
            's' => out.push_str(&pad(seconds as u32, run)),
            'f' | 'F' => {
                let digits = format!("{fraction:07}");
                let part = &digits[..run.min(7)];
                out.push_str(if c == 'F' { part.trim_end_matches('0') } else { part });
            }
            other => out.extend(std::iter::repeat_n(other, run)),
        }
    }
    ScalarValue::Utf8(Some(out))
}

fn pad(v: u32, run: usize) -> String {
    if run >= 2 { format!("{v:02}") } else { v.to_string() }
}

/// `make_datetime(year, month, day[, hour, minute[, second]])`: null when invalid.
fn make_datetime(args: &[Arg<'_>]) -> ScalarValue {
    let part = |i: usize| args.get(i).map_or(Some(0.0), |a| a.json().as_f64());
    let (Some(y), Some(mo), Some(d), Some(h), Some(mi), Some(s)) = (part(0), part(1), part(2), part(3), part(4), part(5)) else {
        return ts(None);
    };
    let whole = s.trunc();
    let frac_nanos = ((s - whole) * 1e9).round() as i64;
    let r = NaiveDate::from_ymd_opt(y as i32, mo as u32, d as u32)
        .and_then(|date| date.and_hms_opt(h as u32, mi as u32, whole as u32))
        .and_then(|t| t.and_utc().timestamp_nanos_opt())
        .and_then(|n| n.checked_add(frac_nanos));
    ts(r)
}
