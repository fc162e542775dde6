//! Conversion of exported values into lake cells ([`Cell`]) by the column's Kusto type:
//! lenient datetimes, numbers and booleans given as text, and the wrong-type errors that
//! send a record to quarantine.

use crate::catalog::KustoType;

/// One converted value, before it reaches a column. Text converted from another kind of
/// value lives in a text arena ([`TextArena`]), so converting allocates nothing in the
/// steady state. (Text kept as it came goes into its column without becoming a cell.)
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell {
    /// Null or absent.
    Null,
    /// `long` or `int`.
    Long(i64),
    /// `real`.
    Real(f64),
    /// `bool`.
    Bool(bool),
    /// `datetime`, in Unix nanoseconds.
    Time(i64),
    /// `string`, `dynamic` or `guid`: a byte range of the arena.
    Text(u32, u32),
}

/// The text of converted cells, appended one after another.
#[derive(Debug, Default, Clone)]
pub struct TextArena(String);

impl TextArena {
    /// Appends `s` and returns its cell.
    pub fn push(&mut self, s: &str) -> Cell {
        let start = self.0.len() as u32;
        self.0.push_str(s);
        Cell::Text(start, self.0.len() as u32)
    }

    /// The text of a [`Cell::Text`].
    pub fn get(&self, start: u32, end: u32) -> &str {
        self.0.get(start as usize..end as usize).unwrap_or("")
    }

    /// Forgets all text (the buffer is kept).
    pub fn clear(&mut self) {
        self.0.clear();
    }
}

/// A value that does not fit its column's type.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeError {
    /// The type the column has.
    pub expected: KustoType,
    /// What came instead, with a short excerpt of the value.
    pub found: String,
}

impl TypeError {
    fn new(expected: KustoType, kind: &str, value: &str) -> Self {
        let excerpt: String = value.chars().take(40).collect();
        let more = if excerpt.len() < value.len() { "…" } else { "" };
        TypeError { expected, found: format!("{kind} {excerpt:?}{more}") }
    }
}

/// Converts text (a JSON string, or a CSV cell) for a column of type `ty`. An empty text is
/// null for every type but string, which keeps `""` as Kusto strings are never null.
pub fn from_text(ty: KustoType, s: &str, arena: &mut TextArena) -> Result<Cell, TypeError> {
    match ty {
        _ if kept_as_text(ty, s) => Ok(arena.push(s)),
        KustoType::Dynamic | KustoType::Guid => Ok(Cell::Null),
        _ => match s.trim() {
            "" => Ok(Cell::Null),
            _ if ty == KustoType::TimeSpan => Err(TypeError::new(ty, "text (timespan text is not read by ingest)", s)),
            t => scalar_text(ty, t).ok_or_else(|| TypeError::new(ty, "text", s)),
        },
    }
}

/// Whether [`from_text`] keeps `s` as it is, as the value of a text column.
pub fn kept_as_text(ty: KustoType, s: &str) -> bool {
    match ty {
        KustoType::String => true,
        KustoType::Dynamic | KustoType::Guid => !s.is_empty(),
        _ => false,
    }
}

/// A trimmed, non-empty text as a number, bool or datetime of type `ty`.
fn scalar_text(ty: KustoType, t: &str) -> Option<Cell> {
    let integer = || t.parse::<i64>().ok().map(Cell::Long).or_else(|| integral_float(t));
    match ty {
        KustoType::Long => integer(),
        KustoType::Int => integer().and_then(int_range),
        KustoType::Real => parse_real(t).map(Cell::Real),
        KustoType::Bool => parse_bool(t).map(Cell::Bool),
        KustoType::DateTime => parse_datetime(t).map(Cell::Time),
        _ => None,
    }
}

/// Converts a JSON integer. Always inline: its call, with the result's copy through the
/// stack, cost more than the conversion of the usual `long`.
#[inline(always)]
pub fn from_i64(ty: KustoType, v: i64, arena: &mut TextArena) -> Result<Cell, TypeError> {
    match ty {
        KustoType::Long => Ok(Cell::Long(v)),
        KustoType::Int => int_range(Cell::Long(v)).ok_or_else(|| TypeError::new(ty, "number", &v.to_string())),
        KustoType::Real => Ok(Cell::Real(v as f64)),
        KustoType::String | KustoType::Dynamic | KustoType::Guid => Ok(arena.push(&v.to_string())),
        _ => Err(TypeError::new(ty, "number", &v.to_string())),
    }
}

/// Converts a JSON integer above `i64::MAX`.
pub fn from_u64(ty: KustoType, v: u64, arena: &mut TextArena) -> Result<Cell, TypeError> {
    match i64::try_from(v) {
        Ok(v) => from_i64(ty, v, arena),
        Err(_) => match ty {
            KustoType::Real => Ok(Cell::Real(v as f64)),
            KustoType::String | KustoType::Dynamic => Ok(arena.push(&v.to_string())),
            _ => Err(TypeError::new(ty, "number", &v.to_string())),
        },
    }
}

/// Converts a JSON number with a fraction or exponent. An integral value fits a long column
/// (`1.0`); any other is a wrong type there.
pub fn from_f64(ty: KustoType, v: f64, arena: &mut TextArena) -> Result<Cell, TypeError> {
    match ty {
        KustoType::Real => Ok(Cell::Real(v)),
        KustoType::Long | KustoType::Int => {
            let cell = whole(v).ok_or_else(|| TypeError::new(ty, "number", &v.to_string()))?;
            if ty == KustoType::Int { int_range(cell).ok_or_else(|| TypeError::new(ty, "number", &v.to_string())) } else { Ok(cell) }
        }
        KustoType::String | KustoType::Dynamic => Ok(arena.push(&v.to_string())),
        _ => Err(TypeError::new(ty, "number", &v.to_string())),
    }
}

/// Converts a JSON integer beyond i64 and u64, given as the nearest f64: a wrong type in a
/// long or int column, however near the f64 is to a long (rounding made it so).
pub fn from_huge(ty: KustoType, v: f64, arena: &mut TextArena) -> Result<Cell, TypeError> {
    match ty {
        KustoType::Long | KustoType::Int => Err(TypeError::new(ty, "number", &v.to_string())),
        _ => from_f64(ty, v, arena),
    }
}

/// Converts a JSON boolean.
pub fn from_bool(ty: KustoType, v: bool, arena: &mut TextArena) -> Result<Cell, TypeError> {
    match ty {
        KustoType::Bool => Ok(Cell::Bool(v)),
        KustoType::String | KustoType::Dynamic => Ok(arena.push(if v { "true" } else { "false" })),
        _ => Err(TypeError::new(ty, "bool", if v { "true" } else { "false" })),
    }
}

/// Converts a JSON object or array, given as compact JSON text: kept for dynamic and string
/// columns (Identity tables send AdditionalFields as an object), a wrong type elsewhere.
pub fn from_json(ty: KustoType, json: &str, arena: &mut TextArena) -> Result<Cell, TypeError> {
    match ty {
        KustoType::String | KustoType::Dynamic => Ok(arena.push(json)),
        _ => Err(TypeError::new(ty, "JSON value", json)),
    }
}

fn integral_float(t: &str) -> Option<Cell> {
    // Digits alone that are no i64 are beyond one; as a float they could round into range.
    if t.strip_prefix(['-', '+']).unwrap_or(t).bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    whole(t.parse::<f64>().ok()?)
}

fn whole(v: f64) -> Option<Cell> {
    // The bounds are exact powers of two, so the comparison itself does not round.
    (v.fract() == 0.0 && (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&v)).then_some(Cell::Long(v as i64))
}

fn int_range(cell: Cell) -> Option<Cell> {
    match cell {
        Cell::Long(v) if i32::try_from(v).is_ok() => Some(cell),
        _ => None,
    }
}

fn parse_real(t: &str) -> Option<f64> {
    match t {
        "NaN" => Some(f64::NAN),
        "Infinity" | "inf" => Some(f64::INFINITY),
        "-Infinity" | "-inf" => Some(f64::NEG_INFINITY),
        _ => t.parse::<f64>().ok().filter(|v| v.is_finite()),
    }
}

/// `true`/`false` in any case, or `1`/`0` (CSV exports of some tools).
pub fn parse_bool(t: &str) -> Option<bool> {
    if t.eq_ignore_ascii_case("true") || t == "1" {
        Some(true)
    } else if t.eq_ignore_ascii_case("false") || t == "0" {
        Some(false)
    } else {
        None
    }
}

/// Parses an ISO 8601 datetime as exports write it: `YYYY-MM-DD`, then `T` or a space and
/// `hh:mm[:ss[.f…]]`, then `Z`, a `±hh:mm` offset or nothing (UTC). Any number of
/// fractional digits is read; digits below a nanosecond are dropped. Hand-written because it
/// runs once per row: chrono's parser allocates and wants a fixed format.
pub fn parse_datetime(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let year = digits(b, 0, 4)?;
    let (month, day) = (after(b, 4, b'-', 2)?, after(b, 7, b'-', 2)?);
    let mut pos = 10;
    let (mut hour, mut minute, mut second, mut nanos) = (0, 0, 0, 0i64);
    if pos < b.len() && (b[pos] == b'T' || b[pos] == b't' || b[pos] == b' ') {
        hour = digits(b, pos + 1, 2)?;
        minute = after(b, pos + 3, b':', 2)?;
        pos += 6;
        if b.get(pos) == Some(&b':') {
            second = digits(b, pos + 1, 2)?;
            pos += 3;
            if b.get(pos) == Some(&b'.') {
                pos += 1;
                let start = pos;
                let mut scale = 100_000_000i64;
                while let Some(d) = b.get(pos).filter(|c| c.is_ascii_digit()) {
                    nanos += i64::from(d - b'0') * scale;
                    scale /= 10;
                    pos += 1;
                }
                if pos == start {
                    return None;
                }
            }
        }
    }
    let offset_secs = match b.get(pos) {
        None => 0,
        Some(b'Z' | b'z') if pos + 1 == b.len() => 0,
        Some(&sign @ (b'+' | b'-')) => {
            let h = digits(b, pos + 1, 2)?;
            let m = if b.get(pos + 3) == Some(&b':') { digits(b, pos + 4, 2)? } else { digits(b, pos + 3, 2)? };
            let len = if b.get(pos + 3) == Some(&b':') { 6 } else { 5 };
            if pos + len != b.len() || h > 23 || m > 59 {
                return None;
            }
            let secs = i64::from(h * 3600 + m * 60);
            if sign == b'+' { secs } else { -secs }
        }
        _ => return None,
    };
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let days = days_from_civil(i64::from(year), month, day);
    let secs = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second) - offset_secs;
    secs.checked_mul(1_000_000_000)?.checked_add(nanos)
}

fn digits(b: &[u8], at: usize, n: usize) -> Option<u32> {
    let part = b.get(at..at + n)?;
    part.iter().try_fold(0u32, |acc, &c| c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0')))
}

/// `n` digits after the separator `sep` at `at`.
fn after(b: &[u8], at: usize, sep: u8, n: usize) -> Option<u32> {
    (b.get(at) == Some(&sep)).then_some(())?;
    digits(b, at + 1, n)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Nanoseconds in a day.
pub const DAY_NANOS: i64 = 86_400_000_000_000;

/// The `YYYY-MM-DD` of a partition, from a day number (days since 1970-01-01).
pub fn day_name(day: i64) -> String {
    let secs = day.saturating_mul(86_400);
    chrono::DateTime::from_timestamp(secs, 0).map_or_else(|| "unknown".to_string(), |d| d.format("%Y-%m-%d").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(s: &str) -> Option<i64> {
        parse_datetime(s)
    }

    #[test]
    fn datetimes_with_zero_to_seven_fraction_digits() {
        // 2022-11-07T17:07:42Z is 1667840862 s after the epoch.
        let base = 1_667_840_862_000_000_000;
        assert_eq!(dt("2022-11-07T17:07:42Z"), Some(base));
        assert_eq!(dt("2022-11-07T17:07:42.6Z"), Some(base + 600_000_000));
        assert_eq!(dt("2022-11-07T17:07:42.0259186Z"), Some(base + 25_918_600));
        assert_eq!(dt("2022-11-07T17:07:42.0259186"), Some(base + 25_918_600));
        assert_eq!(dt("2022-11-07 17:07:42.698868"), Some(base + 698_868_000));
        assert_eq!(dt("2022-11-07T19:07:42+02:00"), Some(base));
        assert_eq!(dt("2022-11-07T17:07:42.123456789123Z"), Some(base + 123_456_789));
        assert_eq!(dt("2022-11-07"), Some(base - (17 * 3600 + 7 * 60 + 42) * 1_000_000_000));
        assert_eq!(dt("1969-12-31T23:59:59Z"), Some(-1_000_000_000));
        // Seconds without a zone, lower-case separators, and times without seconds.
        assert_eq!(dt("2022-11-07T17:07:42"), Some(base));
        assert_eq!(dt("2022-11-07t17:07:42z"), Some(base));
        assert_eq!(dt("2022-11-07T17:07Z"), Some(base - 42_000_000_000));
        assert_eq!(dt("2022-11-07 17:07"), Some(base - 42_000_000_000));
    }

    #[test]
    fn bad_datetimes_are_refused() {
        for s in ["", "2022-13-01T00:00:00Z", "2022-02-29T00:00:00Z", "2022-11-07T24:00:00Z", "2022-11-07T17:07:42.Z", "2022-11-07T17:07:42Zjunk", "yesterday", "2022-11-07T17"] {
            assert_eq!(dt(s), None, "{s}");
        }
        // A wrong character at any place of the usual layout, or a cut-off time.
        let good = "2022-11-07T17:07:42Z";
        for at in 0..19 {
            let mut bad = good.as_bytes().to_vec();
            bad[at] = if bad[at].is_ascii_digit() { b'x' } else { b'0' };
            let s = String::from_utf8(bad).expect("ASCII");
            assert_eq!(dt(&s), None, "{s}");
        }
        for s in ["2022-11-07T17:07:4", "2022-11-07T17:07:", "2022-11-07T17:07:42.5x"] {
            assert_eq!(dt(s), None, "{s}");
        }
        assert_eq!(dt("2024-02-29T00:00:00Z").map(|n| n % 86_400_000_000_000), Some(0));
    }

    #[test]
    fn texts_convert_by_column_type() {
        let mut a = TextArena::default();
        assert_eq!(from_text(KustoType::Long, "301234567890123456", &mut a), Ok(Cell::Long(301_234_567_890_123_456)));
        assert_eq!(from_text(KustoType::Long, " 42 ", &mut a), Ok(Cell::Long(42)));
        assert_eq!(from_text(KustoType::Long, "", &mut a), Ok(Cell::Null));
        assert_eq!(from_text(KustoType::Int, "4294967296", &mut a).map_err(|e| e.expected), Err(KustoType::Int));
        assert_eq!(from_text(KustoType::Bool, "True", &mut a), Ok(Cell::Bool(true)));
        assert_eq!(from_text(KustoType::Bool, "0", &mut a), Ok(Cell::Bool(false)));
        assert!(from_text(KustoType::Bool, "yes", &mut a).is_err());
        assert!(from_text(KustoType::Long, "12ab", &mut a).is_err());
        // One past i64::MIN is no long, though its nearest f64 is i64::MIN; `1e3` is 1000.
        assert!(from_text(KustoType::Long, "-9223372036854775809", &mut a).is_err());
        assert_eq!(from_text(KustoType::Long, "1e3", &mut a), Ok(Cell::Long(1000)));
        let cell = from_text(KustoType::String, "", &mut a).expect("string");
        assert!(matches!(cell, Cell::Text(s, e) if s == e), "empty string stays a string");
        assert_eq!(from_text(KustoType::Dynamic, "", &mut a), Ok(Cell::Null));
    }

    #[test]
    fn json_numbers_convert_exactly() {
        let mut a = TextArena::default();
        assert_eq!(from_u64(KustoType::Long, 999_999_999_999_999_999, &mut a), Ok(Cell::Long(999_999_999_999_999_999)));
        assert_eq!(from_f64(KustoType::Long, 3.0, &mut a), Ok(Cell::Long(3)));
        assert!(from_f64(KustoType::Long, 3.5, &mut a).is_err());
        assert!(from_bool(KustoType::Long, true, &mut a).is_err());
        assert!(from_huge(KustoType::Long, -9.223_372_036_854_775_808e18, &mut a).is_err());
        assert_eq!(from_huge(KustoType::Real, 1e19, &mut a), Ok(Cell::Real(1e19)));
        let Ok(Cell::Text(s, e)) = from_i64(KustoType::String, 7, &mut a) else { panic!("number into a string column") };
        assert_eq!(a.get(s, e), "7");
    }

    #[test]
    fn partition_days() {
        assert_eq!(day_name(1_667_840_862_000_000_000_i64.div_euclid(DAY_NANOS)), "2022-11-07");
        assert_eq!(day_name((-1_i64).div_euclid(DAY_NANOS)), "1969-12-31");
    }
}
