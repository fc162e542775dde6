//! String functions that rewrite or search text: `translate`, `reverse`, `strrep`,
//! `url_encode`/`url_encode_component`/`url_decode`, `base64_decode_tostring`,
//! `indexof_regex` and `extract_json`.

use datafusion::common::ScalarValue;
use serde_json::Value;

use super::rowwise::{Arg, RowFn, text};
use crate::catalog::KustoType;

/// Most repetitions `strrep` makes (strrep-function.md: larger multipliers are capped).
const STRREP_MAX: usize = 1024;

/// The row functions of this module.
pub fn functions() -> Vec<RowFn> {
    let s = KustoType::String;
    vec![
        RowFn::new("kql_translate", s, s, translate),
        RowFn::new("kql_reverse", s, s, reverse),
        RowFn::new("kql_strrep", s, s, strrep),
        RowFn::new("kql_url_encode", s, s, url_encode),
        RowFn::new("kql_url_encode_component", s, s, url_encode_component),
        RowFn::new("kql_url_decode", s, s, url_decode),
        RowFn::new("kql_base64_decode_tostring", s, s, base64_decode_tostring),
        RowFn::new("kql_indexof_regex", KustoType::Long, s, indexof_regex),
        RowFn::new("kql_extract_json", KustoType::Dynamic, s, extract_json),
    ]
}

fn long(args: &[Arg<'_>], i: usize) -> Option<i64> {
    args.get(i).filter(|a| !a.is_null()).and_then(|a| a.json().as_i64())
}

/// `translate(search, replace, text)`: each character of `text` found in `search` at
/// position i becomes `replace`'s i-th character, or its last when `replace` is shorter;
/// an empty `replace` deletes the characters found (translate-function.md).
fn translate(args: &[Arg<'_>]) -> ScalarValue {
    let (Some(search), Some(replace), Some(s)) = (text(args, 0), text(args, 1), text(args, 2)) else {
        return ScalarValue::Utf8(Some(String::new()));
    };
    let search: Vec<char> = search.chars().collect();
    let replace: Vec<char> = replace.chars().collect();
    let out = s
        .chars()
        .filter_map(|c| match search.iter().position(|&x| x == c) {
            None => Some(c),
            Some(_) if replace.is_empty() => None,
            Some(i) => replace.get(i).or(replace.last()).copied(),
        })
        .collect();
    ScalarValue::Utf8(Some(out))
}

fn reverse(args: &[Arg<'_>]) -> ScalarValue {
    ScalarValue::Utf8(Some(text(args, 0).map(|s| s.chars().rev().collect()).unwrap_or_default()))
}

/// `strrep(value, n[, delimiter])`: the value's text `n` times (at most [`STRREP_MAX`]),
/// joined by the delimiter.
fn strrep(args: &[Arg<'_>]) -> ScalarValue {
    let (Some(s), Some(n)) = (text(args, 0), long(args, 1)) else { return ScalarValue::Utf8(Some(String::new())) };
    let n = usize::try_from(n).unwrap_or(0).min(STRREP_MAX);
    let delim = text(args, 2).unwrap_or_default();
    ScalarValue::Utf8(Some(vec![s; n].join(&delim)))
}

/// Percent-encoding as .NET's `HttpUtility.UrlEncode` does it, which the docs' examples
/// show: letters, digits and `-_.!*()` stay, other bytes become lower-case `%xx`, and a
/// space is `+` (or `%20` for the component form).
fn percent_encode(s: &str, space: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b' ' => out.push_str(space),
            b if b.is_ascii_alphanumeric() || b"-_.!*()".contains(&b) => out.push(char::from(b)),
            b => out.push_str(&format!("%{b:02x}")),
        }
    }
    out
}

fn url_encode(args: &[Arg<'_>]) -> ScalarValue {
    ScalarValue::Utf8(Some(percent_encode(&text(args, 0).unwrap_or_default(), "+")))
}

fn url_encode_component(args: &[Arg<'_>]) -> ScalarValue {
    ScalarValue::Utf8(Some(percent_encode(&text(args, 0).unwrap_or_default(), "%20")))
}

/// `base64_decode_tostring(s)`: the UTF-8 text that standard Base64 (padding optional)
/// encodes; null when the bytes are not UTF-8 (base64-decode-tostring-function.md) and,
/// per row rather than failing the query, when `s` is not Base64.
fn base64_decode_tostring(args: &[Arg<'_>]) -> ScalarValue {
    let Some(s) = text(args, 0) else { return ScalarValue::Utf8(None) };
    ScalarValue::Utf8(base64_decode(s.trim_end_matches('=')).and_then(|b| String::from_utf8(b).ok()))
}

/// The bytes of unpadded standard Base64, or `None` if `s` is not that.
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        Some(u32::from(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        }))
    };
    if s.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    for chunk in s.as_bytes().chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= value(c)? << (18 - 6 * i);
        }
        // A chunk of k characters carries k - 1 whole bytes.
        out.extend_from_slice(&n.to_be_bytes()[1..chunk.len()]);
    }
    Some(out)
}

/// `url_decode(s)`: `%xx` escapes decoded (either letter case); a malformed escape stays
/// as written, and bytes that are not UTF-8 are replaced.
fn url_decode(args: &[Arg<'_>]) -> ScalarValue {
    let s = text(args, 0).unwrap_or_default();
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    ScalarValue::Utf8(Some(String::from_utf8_lossy(&out).into_owned()))
}

/// `indexof_regex(s, re[, start[, length[, occurrence]]])`: the character index of the
/// `occurrence`-th non-overlapping match that lies within `length` characters from
/// `start`; -1 when there is none; null for a negative start (indexof-regex-function.md).
fn indexof_regex(args: &[Arg<'_>]) -> ScalarValue {
    let (Some(s), Some(pattern)) = (text(args, 0), text(args, 1)) else { return ScalarValue::Int64(None) };
    let start = long(args, 2).unwrap_or(0);
    let length = long(args, 3).unwrap_or(-1);
    let occurrence = long(args, 4).unwrap_or(1);
    let Ok(re) = regex::Regex::new(&pattern) else { return ScalarValue::Int64(None) };
    if start < 0 || occurrence < 1 || length < -1 {
        return ScalarValue::Int64(None);
    }
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    // The byte offset of character `start`; the end of the text when it is one past.
    let from = match chars.get(start as usize) {
        Some(&(b, _)) => b,
        None if start as usize == chars.len() => s.len(),
        None => return ScalarValue::Int64(Some(-1)),
    };
    let to = match usize::try_from(length) {
        Ok(len) => chars.get(start as usize + len).map_or(s.len(), |&(b, _)| b),
        Err(_) => s.len(),
    };
    let hay = &s[from..to];
    let found = re.find_iter(hay).nth(occurrence as usize - 1).map(|m| (start as usize + hay[..m.start()].chars().count()) as i64);
    ScalarValue::Int64(Some(found.unwrap_or(-1)))
}

/// One step of a JSONPath: a member name or an array index.
enum Step {
    Key(String),
    Index(i64),
}

/// The JSONPath subset Kusto documents: `$`, `.name`, `['name']` and `[i]`.
fn json_path(path: &str) -> Option<Vec<Step>> {
    let mut rest = path.trim().strip_prefix('$')?;
    let mut steps = Vec::new();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            steps.push(Step::Key(r[..end].to_string()));
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']')?;
            let inner = r[..end].trim();
            let quoted = inner.strip_prefix('\'').and_then(|i| i.strip_suffix('\'')).or_else(|| inner.strip_prefix('"').and_then(|i| i.strip_suffix('"')));
            steps.push(match quoted {
                Some(key) => Step::Key(key.to_string()),
                None => Step::Index(inner.parse().ok()?),
            });
            rest = &r[end + 1..];
        } else {
            return None;
        }
    }
    Some(steps)
}

/// `extract_json(path, json)`: the value at a JSONPath, null when absent. A string found
/// is returned as the string itself (the planner converts it to the requested type).
fn extract_json(args: &[Arg<'_>]) -> ScalarValue {
    let (Some(path), Some(source)) = (text(args, 0), text(args, 1)) else { return ScalarValue::Utf8(None) };
    let (Some(steps), Ok(mut v)) = (json_path(&path), serde_json::from_str::<Value>(&source)) else { return ScalarValue::Utf8(None) };
    for step in steps {
        let next = match (&v, step) {
            (Value::Object(map), Step::Key(k)) => map.get(&k).cloned(),
            (Value::Array(items), Step::Index(i)) => {
                let i = if i < 0 { items.len() as i64 + i } else { i };
                usize::try_from(i).ok().and_then(|i| items.get(i).cloned())
            }
            _ => None,
        };
        match next {
            Some(n) => v = n,
            None => return ScalarValue::Utf8(None),
        }
    }
    ScalarValue::Utf8(Some(v).filter(|v| !v.is_null()).map(|v| v.to_string()))
}
