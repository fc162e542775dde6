//! `kql_parse_kv(text, pair_delimiter, kv_delimiter, quotes, greedy, key…)`: the key/value pairs
//! of `parse-kv` with given delimiters, as a property bag of the requested keys' values
//! (text). The first occurrence of a key wins.
//!
//! The reading follows the real engine's results (kusto-oracle, family parse-search):
//! blanks around keys and values are trimmed, so `" kv1 = 11 ; kv2 = 22 "` gives 11 and 22
//! and a blank pair delimiter still reads `"  key  =  value  "`; a key is the text before
//! the key/value delimiter after the last pair delimiter in it; a value runs to the next
//! pair delimiter, unless it starts with a quote, when it runs to the closing quote.

use datafusion::common::ScalarValue;
use serde_json::{Map, Value};

use super::rowwise::{Arg, RowFn, text};
use crate::catalog::KustoType;

/// The row function of this module.
pub fn function() -> RowFn {
    RowFn::new("kql_parse_kv", KustoType::Dynamic, KustoType::String, parse_kv)
}

fn parse_kv(args: &[Arg<'_>]) -> ScalarValue {
    let (Some(s), Some(pair), Some(kv)) = (text(args, 0), text(args, 1), text(args, 2)) else { return ScalarValue::Utf8(None) };
    let quotes = text(args, 3).unwrap_or_default();
    let greedy = args.get(4).is_some_and(|a| a.json().as_bool() == Some(true));
    let wanted: Vec<String> = (5..args.len()).filter_map(|i| text(args, i)).collect();
    let mut bag = Map::new();
    if !pair.is_empty() && !kv.is_empty() {
        for (key, value) in pairs(&s, &pair, &kv, &quotes, greedy) {
            if wanted.contains(&key) && !bag.contains_key(&key) {
                bag.insert(key, Value::String(value));
            }
        }
    }
    ScalarValue::Utf8(Some(Value::Object(bag).to_string()))
}

/// The (key, value) pairs of `text`, in order. With `greedy`, a value runs to the last
/// pair delimiter before the next key/value delimiter, so it may hold pair delimiters
/// (parse-kv-operator.md: `name=John Doe phone=555 5555` gives `John Doe`).
pub(crate) fn pairs(text: &str, pair: &str, kv: &str, quotes: &str, greedy: bool) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = text;
    loop {
        rest = rest.trim_start();
        let Some((key, after_kv)) = next_key(rest, pair, kv, quotes) else { break };
        rest = after_kv.trim_start();
        let quote = rest.chars().next().filter(|c| quotes.contains(*c));
        let value = match quote {
            Some(q) => {
                let (value, after) = quoted(&rest[q.len_utf8()..], q);
                rest = after.find(pair).map_or("", |p| &after[p + pair.len()..]);
                value.to_string()
            }
            None => {
                let end = value_end(rest, pair, kv, greedy);
                let value = rest[..end].trim().to_string();
                rest = rest.get(end + pair.len()..).unwrap_or("");
                value
            }
        };
        out.push((key, value));
    }
    out
}

/// The next key and the text after its key/value delimiter. A quoted key runs to its
/// closing quote; a bare one is the text before the delimiter, after the last pair
/// delimiter in it (text before that belongs to a pair without a value).
fn next_key<'a>(mut rest: &'a str, pair: &str, kv: &str, quotes: &str) -> Option<(String, &'a str)> {
    loop {
        let Some(q) = rest.chars().next().filter(|c| quotes.contains(*c)) else { break };
        let (key, after) = quoted(&rest[q.len_utf8()..], q);
        if let Some(after_kv) = after.trim_start().strip_prefix(kv) {
            return Some((key.to_string(), after_kv));
        }
        // A quoted word without a delimiter: skip it and read on.
        rest = after.find(pair).map(|p| &after[p + pair.len()..])?.trim_start();
    }
    let at = rest.find(kv)?;
    let before = rest[..at].trim();
    let key = before.rsplit_once(pair).map_or(before, |(_, k)| k).trim();
    Some((key.to_string(), &rest[at + kv.len()..]))
}

/// The text up to the closing `q`, and what follows it (the rest of the text when the
/// quote is not closed).
fn quoted(body: &str, q: char) -> (&str, &str) {
    match body.find(q) {
        Some(end) => (&body[..end], &body[end + q.len_utf8()..]),
        None => (body, ""),
    }
}

/// Where a bare value ends: at the next pair delimiter, or when greedy at the last one
/// before the next key/value delimiter (the end of the text when there is none).
fn value_end(rest: &str, pair: &str, kv: &str, greedy: bool) -> usize {
    let next = rest.find(pair).unwrap_or(rest.len());
    if !greedy {
        return next;
    }
    match rest.find(kv) {
        Some(next_kv) => rest[..next_kv].rfind(pair).unwrap_or(next),
        None => rest.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::pairs;

    fn p(text: &str, pair: &str, kv: &str, quotes: &str) -> Vec<(String, String)> {
        pairs(text, pair, kv, quotes, false)
    }

    fn kv(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn reads_the_pairs_the_real_engine_reads() {
        // Cases and results from the kusto-oracle parse-kv family.
        assert_eq!(p(" kv1 = 11 ; kv2 = 22 ", ";", "=", ""), kv(&[("kv1", "11"), ("kv2", "22")]));
        assert_eq!(p("  key  =  value  ", " ", "=", ""), kv(&[("key", "value")]));
        assert_eq!(p("[k1=v1][k2=v2]", "][", "=", ""), kv(&[("[k1", "v1"), ("k2", "v2]")]));
        assert_eq!(p("no delimiters here", ";", "=", ""), kv(&[]));
        assert_eq!(p("key='quoted value';other='nested ;semicolon'", ";", "=", "'"), kv(&[("key", "quoted value"), ("other", "nested ;semicolon")]));
        assert_eq!(p("a=1, b=2, c=3", ",", "=", ""), kv(&[("a", "1"), ("b", "2"), ("c", "3")]));
    }

    #[test]
    fn quoted_keys_and_greedy_values_follow_the_docs() {
        // parse-kv-operator.md's examples.
        let text = r#"src=10.1.1.123 dst=10.1.1.124 failure="connection aborted" "event time"=2021-01-01T10:00:54"#;
        assert_eq!(p(text, " ", "=", "\""), kv(&[("src", "10.1.1.123"), ("dst", "10.1.1.124"), ("failure", "connection aborted"), ("event time", "2021-01-01T10:00:54")]));
        let text = "name=John Doe phone=555 5555 city=New York";
        assert_eq!(pairs(text, " ", "=", "", true), kv(&[("name", "John Doe"), ("phone", "555 5555"), ("city", "New York")]));
        assert_eq!(p(text, " ", "=", ""), kv(&[("name", "John"), ("phone", "555"), ("city", "New")]));
    }
}
