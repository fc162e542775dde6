//! The text forms of Kusto datetimes and timespans, read by literals (`datetime(…)`),
//! `todatetime()` and the conformance runner.

/// Nanoseconds per 100 ns tick.
pub const TICK: i64 = 100;

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
