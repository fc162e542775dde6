//! KQL's string operators as one UDF family: `has` (term matching), `contains`,
//! `startswith`, `endswith`, `=~`, in case-sensitive and case-insensitive forms.
//!
//! The operators are total: a null operand gives `false` (the planner negates the result
//! for `!has` and friends, which then gives `true`, as the real engine does).

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, BooleanArray, StringArray};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::{ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility};

/// What a [`StrMatch`] tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MatchKind {
    /// The needle is a whole term (or a term-bounded run of terms).
    Has,
    /// The needle is a prefix of a term.
    HasPrefix,
    /// The needle is a suffix of a term.
    HasSuffix,
    /// Substring.
    Contains,
    /// Prefix of the whole value.
    StartsWith,
    /// Suffix of the whole value.
    EndsWith,
    /// Equality.
    Equals,
}

/// A KQL string operator as a DataFusion function `kql_<op>[_cs](haystack, needle)`.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct StrMatch {
    name: String,
    kind: MatchKind,
    case_sensitive: bool,
    signature: Signature,
}

impl StrMatch {
    /// The function for `kind`, case-sensitive or not.
    pub fn new(kind: MatchKind, case_sensitive: bool) -> Self {
        let base = match kind {
            MatchKind::Has => "has",
            MatchKind::HasPrefix => "hasprefix",
            MatchKind::HasSuffix => "hassuffix",
            MatchKind::Contains => "contains",
            MatchKind::StartsWith => "startswith",
            MatchKind::EndsWith => "endswith",
            MatchKind::Equals => "equals",
        };
        let name = format!("kql_{base}{}", if case_sensitive { "_cs" } else { "" });
        let signature = Signature::uniform(2, vec![DataType::Utf8], Volatility::Immutable);
        Self { name, kind, case_sensitive, signature }
    }

    /// Every member of the family.
    pub fn all() -> Vec<StrMatch> {
        let kinds = [
            MatchKind::Has,
            MatchKind::HasPrefix,
            MatchKind::HasSuffix,
            MatchKind::Contains,
            MatchKind::StartsWith,
            MatchKind::EndsWith,
            MatchKind::Equals,
        ];
        kinds.iter().flat_map(|&k| [StrMatch::new(k, false), StrMatch::new(k, true)]).collect()
    }
}

impl ScalarUDFImpl for StrMatch {
    fn name(&self) -> &str {
        &self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Boolean)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [hay, needle] = args.args.as_slice() else {
            return exec_err!("{} takes two arguments", self.name);
        };
        let n = args.number_rows;
        // The common case is a column against a constant: fold the needle once.
        if let ColumnarValue::Scalar(s) = needle {
            let needle = scalar_str(s)?;
            let matcher = needle.map(|s| Matcher::new(self.kind, self.case_sensitive, s));
            return Ok(match hay {
                ColumnarValue::Scalar(h) => {
                    let r = match (scalar_str(h)?, &matcher) {
                        (Some(h), Some(m)) => m.test(h),
                        _ => false,
                    };
                    ColumnarValue::Scalar(ScalarValue::Boolean(Some(r)))
                }
                ColumnarValue::Array(a) => {
                    let hay = strings(a)?;
                    let out: BooleanArray = (0..hay.len())
                        .map(|i| Some(matcher.as_ref().is_some_and(|m| !hay.is_null(i) && m.test(hay.value(i)))))
                        .collect();
                    ColumnarValue::Array(Arc::new(out))
                }
            });
        }
        let hay = hay.to_array(n)?;
        let needle = needle.to_array(n)?;
        let (hay, needle) = (strings(&hay)?, strings(&needle)?);
        let out: BooleanArray = (0..n)
            .map(|i| {
                Some(
                    !hay.is_null(i)
                        && !needle.is_null(i)
                        && Matcher::new(self.kind, self.case_sensitive, needle.value(i)).test(hay.value(i)),
                )
            })
            .collect();
        Ok(ColumnarValue::Array(Arc::new(out)))
    }
}

fn scalar_str(s: &ScalarValue) -> Result<Option<&str>> {
    match s {
        ScalarValue::Utf8(v) | ScalarValue::Utf8View(v) | ScalarValue::LargeUtf8(v) => Ok(v.as_deref()),
        ScalarValue::Null => Ok(None),
        other => exec_err!("string operator applied to {}", other.data_type()),
    }
}

fn strings(a: &ArrayRef) -> Result<&StringArray> {
    match a.as_any().downcast_ref::<StringArray>() {
        Some(s) => Ok(s),
        None => exec_err!("string operator applied to {}", a.data_type()),
    }
}

/// A needle prepared for repeated tests.
#[derive(Debug, Clone)]
pub struct Matcher {
    kind: MatchKind,
    case_sensitive: bool,
    needle: String,
    starts_alnum: bool,
    ends_alnum: bool,
}

impl Matcher {
    /// Prepares `needle` (folded once when the test is case-insensitive).
    pub fn new(kind: MatchKind, case_sensitive: bool, needle: &str) -> Self {
        let needle = if case_sensitive { needle.to_string() } else { fold(needle) };
        let starts_alnum = needle.chars().next().is_some_and(is_term_char);
        let ends_alnum = needle.chars().next_back().is_some_and(is_term_char);
        Self { kind, case_sensitive, needle, starts_alnum, ends_alnum }
    }

    /// Whether `hay` passes.
    pub fn test(&self, hay: &str) -> bool {
        if self.case_sensitive || (hay.is_ascii() && self.needle.is_ascii()) {
            self.test_folded(hay, !self.case_sensitive)
        } else {
            self.test_folded(&fold(hay), false)
        }
    }

    /// `ascii_ci`: compare ASCII letters without regard to case (the needle is already
    /// lower case); otherwise compare bytes.
    fn test_folded(&self, hay: &str, ascii_ci: bool) -> bool {
        let n = self.needle.as_bytes();
        let h = hay.as_bytes();
        let eq = |a: &[u8]| if ascii_ci { a.eq_ignore_ascii_case(n) } else { a == n };
        match self.kind {
            MatchKind::Equals => h.len() == n.len() && eq(h),
            MatchKind::StartsWith => h.len() >= n.len() && eq(&h[..n.len()]),
            MatchKind::EndsWith => h.len() >= n.len() && eq(&h[h.len() - n.len()..]),
            MatchKind::Contains => occurrences(h, n, ascii_ci).next().is_some(),
            MatchKind::Has | MatchKind::HasPrefix | MatchKind::HasSuffix => {
                if n.is_empty() {
                    // Measured on the real engine: `has ""` is true for every value.
                    return true;
                }
                let check_start = self.starts_alnum && self.kind != MatchKind::HasSuffix;
                let check_end = self.ends_alnum && self.kind != MatchKind::HasPrefix;
                occurrences(h, n, ascii_ci).any(|i| {
                    (!check_start || !term_char_before(hay, i)) && (!check_end || !term_char_at(hay, i + n.len()))
                })
            }
        }
    }
}

/// Start offsets of `needle` in `hay`, on character boundaries.
fn occurrences<'a>(hay: &'a [u8], needle: &'a [u8], ascii_ci: bool) -> impl Iterator<Item = usize> + 'a {
    let last = hay.len().checked_sub(needle.len());
    (0..=last.unwrap_or(0)).filter(move |&i| {
        last.is_some() && {
            let w = &hay[i..i + needle.len()];
            if ascii_ci { w.eq_ignore_ascii_case(needle) } else { w == needle }
        }
    })
}

/// Terms are maximal runs of Unicode letters and digits; `_` and everything else end one
/// (measured on the real engine, reference notes §4.2).
fn is_term_char(c: char) -> bool {
    c.is_alphanumeric()
}

fn term_char_before(hay: &str, i: usize) -> bool {
    hay.get(..i).and_then(|s| s.chars().next_back()).is_some_and(is_term_char)
}

fn term_char_at(hay: &str, i: usize) -> bool {
    hay.get(i..).and_then(|s| s.chars().next()).is_some_and(is_term_char)
}

/// Case folding for the case-insensitive operators: Unicode lower case (the real engine
/// folds `É` and Cyrillic letters too).
pub fn fold(s: &str) -> String {
    if s.is_ascii() { s.to_ascii_lowercase() } else { s.to_lowercase() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(kind: MatchKind, cs: bool, hay: &str, needle: &str) -> bool {
        Matcher::new(kind, cs, needle).test(hay)
    }

    #[test]
    fn documented_string_operator_examples() {
        // The "true" examples of the Kusto string-operator table (reference notes §4.1).
        assert!(t(MatchKind::Equals, false, "abc", "ABC"));
        assert!(t(MatchKind::Contains, false, "FabriKam", "BRik"));
        assert!(!t(MatchKind::Contains, true, "Fabrikam", "Kam"));
        assert!(t(MatchKind::StartsWith, false, "Fabrikam", "fab"));
        assert!(!t(MatchKind::StartsWith, true, "Fabrikam", "fab"));
        assert!(t(MatchKind::EndsWith, false, "Fabrikam", "Kam"));
        assert!(t(MatchKind::Has, false, "North America", "america"));
        assert!(!t(MatchKind::Has, false, "North America", "amer"));
        assert!(t(MatchKind::HasPrefix, false, "North America", "ame"));
        assert!(!t(MatchKind::HasPrefix, false, "North America", "mer"));
        assert!(t(MatchKind::HasSuffix, true, "North America", "ica"));
        assert!(!t(MatchKind::HasSuffix, true, "North America", "icA"));
        assert!(!t(MatchKind::Has, false, "KustoExplorerQueryRun", "Explorer"));
    }

    #[test]
    fn has_with_punctuation_and_underscores() {
        // Reported real-engine results (dataexplorer-docs#1005) and measured `_` behaviour.
        let url = "https://x/subscriptions/1/resourcegroups/test.rg000001?api=1";
        assert!(t(MatchKind::Has, false, url, "resourcegroups/test.rg000001"));
        assert!(t(MatchKind::Has, false, url, "/resourcegroups/test.rg000001?"));
        assert!(t(MatchKind::Has, false, "cmd_exe", "cmd"));
        assert!(t(MatchKind::Has, false, "C:\\Windows\\cmd.exe /c", "cmd.exe"));
        assert!(!t(MatchKind::Has, false, "xcmd.exe", "cmd.exe"));
        assert!(t(MatchKind::Has, false, "", ""));
    }

    #[test]
    fn non_ascii_folding() {
        assert!(t(MatchKind::Equals, false, "CAFÉ", "café"));
        assert!(t(MatchKind::Has, false, "МИР да", "мир"));
        assert!(!t(MatchKind::Has, false, "éa", "a"));
    }
}
