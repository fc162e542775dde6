//! Parsing the RFC 3339 UTC times that flags take (`--end`, `--now`, `--from`, `--to`).

use super::UsageError;

/// Parses an RFC 3339 time (`2026-11-27T00:00:00Z`, an offset, or a bare date taken as
/// UTC midnight) into nanoseconds since the epoch.
pub fn parse_time(flag: &str, text: &str) -> Result<i64, UsageError> {
    let parsed = chrono::DateTime::parse_from_rfc3339(text)
        .map(|dt| dt.with_timezone(&chrono::Utc))
        .or_else(|_| {
            chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
        });
    let dt = parsed.map_err(|_| {
        UsageError(format!("{flag} {text:?}: not an RFC 3339 time; write e.g. 2026-11-27T00:00:00Z or 2026-11-27"))
    })?;
    dt.timestamp_nanos_opt()
        .ok_or_else(|| UsageError(format!("{flag} {text:?}: outside the years 1677 to 2262")))
}

/// The current time, in nanoseconds.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
}

/// The start of the current UTC day, in nanoseconds.
pub fn start_of_today() -> i64 {
    let now = chrono::Utc::now().timestamp();
    now.div_euclid(86_400) * 86_400 * 1_000_000_000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rfc3339_and_dates() {
        assert_eq!(parse_time("--end", "1970-01-01T00:00:01Z").ok(), Some(1_000_000_000));
        assert_eq!(parse_time("--end", "1970-01-02").ok(), Some(86_400_000_000_000));
        assert_eq!(parse_time("--end", "1970-01-01T01:00:00+01:00").ok(), Some(0));
        let err = parse_time("--end", "yesterday").unwrap_err();
        assert!(err.0.contains("--end \"yesterday\""), "{}", err.0);
    }
}
