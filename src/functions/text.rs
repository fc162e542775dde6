//! String functions that return or read structure: `split`, `countof`, `parse_path`,
//! `parse_url`, `parse_command_line`, and the IPv4 family.

use datafusion::common::ScalarValue;
use serde_json::{Map, Value};

use super::rowwise::{Arg, RowFn, dynamic, text};
use crate::catalog::KustoType;

/// The row functions of this module.
pub fn functions() -> Vec<RowFn> {
    let s = KustoType::String;
    vec![
        RowFn::new("kql_split", KustoType::Dynamic, s, split),
        RowFn::new("kql_countof", KustoType::Long, s, countof),
        RowFn::new("kql_indexof", KustoType::Long, s, indexof),
        RowFn::new("kql_extract_all", KustoType::Dynamic, s, extract_all),
        RowFn::new("kql_parse_path", KustoType::Dynamic, s, parse_path),
        RowFn::new("kql_parse_url", KustoType::Dynamic, s, parse_url),
        RowFn::new("kql_parse_command_line", KustoType::Dynamic, s, parse_command_line),
        RowFn::new("kql_ipv4_is_private", KustoType::Bool, s, ipv4_is_private),
        RowFn::new("kql_ipv4_is_in_range", KustoType::Bool, s, ipv4_is_in_range),
        RowFn::new("kql_parse_ipv4", KustoType::Long, s, parse_ipv4),
        RowFn::new("kql_ipv4_compare", KustoType::Long, s, ipv4_compare),
        RowFn::new("kql_ipv4_is_match", KustoType::Bool, s, ipv4_is_match),
        RowFn::new("kql_ipv4_is_in_any_range", KustoType::Bool, s, ipv4_is_in_any_range),
    ]
}

/// `split(s, delimiter[, index])`: the parts as an array, or the part at `index` as a
/// one-element array (null past the end).
fn split(args: &[Arg<'_>]) -> ScalarValue {
    let (Some(s), Some(d)) = (text(args, 0), text(args, 1)) else { return dynamic(None) };
    let parts: Vec<Value> = if d.is_empty() { vec![Value::String(s)] } else { s.split(d.as_str()).map(|p| Value::String(p.to_string())).collect() };
    match args.get(2) {
        None => dynamic(Some(Value::Array(parts))),
        Some(i) => {
            let idx = i.json().as_i64();
            let item = idx.and_then(|i| usize::try_from(i).ok()).and_then(|i| parts.get(i).cloned());
            dynamic(item.map(|v| Value::Array(vec![v])))
        }
    }
}

/// `countof(s, search[, kind])`: non-overlapping occurrences (`normal`) or regex matches.
fn countof(args: &[Arg<'_>]) -> ScalarValue {
    let (Some(s), Some(search)) = (text(args, 0), text(args, 1)) else { return ScalarValue::Int64(None) };
    let regex = text(args, 2).is_some_and(|k| k == "regex");
    let n = if regex {
        match regex::Regex::new(&search) {
            Ok(re) => re.find_iter(&s).count(),
            Err(_) => return ScalarValue::Int64(None),
        }
    } else if search.is_empty() {
        0
    } else {
        s.matches(search.as_str()).count()
    };
    ScalarValue::Int64(Some(n as i64))
}

/// `indexof(s, lookup, start, length, occurrence)` in characters: each search looks for the
/// whole lookup within `length` characters (-1: no limit) from where it starts, and the
/// next occurrence's search starts just after the previous match (so the documented
/// `indexof("abcdefgabcdefg", "cde", 1, 10, 2)` is 9). A negative start counts from the
/// end. -1 when not found; null for `length < -1` or `occurrence < 0`.
fn indexof(args: &[Arg<'_>]) -> ScalarValue {
    let int = |i: usize| args.get(i).and_then(|a| a.json().as_i64());
    let (Some(s), Some(lookup), Some(start), Some(length), Some(occurrence)) = (text(args, 0), text(args, 1), int(2), int(3), int(4)) else {
        return ScalarValue::Int64(None);
    };
    if length < -1 || occurrence < 0 {
        return ScalarValue::Int64(None);
    }
    let chars: Vec<char> = s.chars().collect();
    let needle: Vec<char> = lookup.chars().collect();
    let n = chars.len() as i64;
    let mut from = if start < 0 { (n + start).max(0) } else { start };
    let mut found = -1;
    for _ in 0..occurrence.max(1) {
        let end = if length == -1 { n } else { (from + length).min(n) };
        let hit = (from..=end - needle.len() as i64).find(|&i| chars[i as usize..i as usize + needle.len()] == needle[..]);
        match hit {
            Some(i) => {
                found = i;
                from = i + 1;
            }
            None => return ScalarValue::Int64(Some(-1)),
        }
    }
    ScalarValue::Int64(Some(found))
}

/// `extract_all(regex, s)`: every match, as an array of its one capture group's text or,
/// with several groups, of arrays of their texts. No match gives null; a bad regex (or one
/// without a group, which the planner refuses when it is a constant) gives null.
fn extract_all(args: &[Arg<'_>]) -> ScalarValue {
    let (Some(pattern), Some(s)) = (text(args, 0), text(args, 1)) else { return dynamic(None) };
    let Ok(re) = regex::Regex::new(&pattern) else { return dynamic(None) };
    let groups = re.captures_len() - 1;
    let text_of = |m: Option<regex::Match<'_>>| Value::String(m.map_or("", |m| m.as_str()).to_string());
    let found: Vec<Value> = re
        .captures_iter(&s)
        .map(|c| match groups {
            0 | 1 => text_of(c.get(groups)),
            _ => Value::Array((1..=groups).map(|g| text_of(c.get(g))).collect()),
        })
        .collect();
    dynamic((!found.is_empty()).then_some(Value::Array(found)))
}

/// `parse_path(p)`: Scheme, RootPath, DirectoryPath, DirectoryName, Filename, Extension and
/// AlternateDataStreamName, as in the documented examples.
fn parse_path(args: &[Arg<'_>]) -> ScalarValue {
    let Some(p) = text(args, 0) else { return dynamic(None) };
    let (scheme, rest) = match p.split_once("://") {
        Some((s, r)) if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric()) => (s.to_string(), r.to_string()),
        _ => (String::new(), p.clone()),
    };
    let sep = |c: char| c == '\\' || c == '/';
    let (dir, file) = match rest.rfind(sep) {
        Some(i) => (rest[..i].to_string(), rest[i + 1..].to_string()),
        None => (String::new(), rest.clone()),
    };
    let root = match dir.split(sep).next() {
        Some(first) if first.len() == 2 && first.ends_with(':') => first.to_string(),
        _ => String::new(),
    };
    let (file, stream) = match file.split_once(':') {
        Some((f, s)) => (f.to_string(), s.to_string()),
        None => (file, String::new()),
    };
    let ext = file.rsplit_once('.').map(|(_, e)| e.to_string()).unwrap_or_default();
    let dir_name = dir.rsplit(sep).next().unwrap_or_default().to_string();
    let mut m = Map::new();
    m.insert("Scheme".into(), Value::String(scheme));
    m.insert("RootPath".into(), Value::String(root));
    m.insert("DirectoryPath".into(), Value::String(dir));
    m.insert("DirectoryName".into(), Value::String(dir_name));
    m.insert("Filename".into(), Value::String(file));
    m.insert("Extension".into(), Value::String(ext));
    m.insert("AlternateDataStreamName".into(), Value::String(stream));
    dynamic(Some(Value::Object(m)))
}

/// `parse_url(u)`: Scheme, Host, Port, Path, Username, Password, Query Parameters and
/// Fragment; an empty bag for text that is not an absolute URL.
fn parse_url(args: &[Arg<'_>]) -> ScalarValue {
    let Some(u) = text(args, 0) else { return dynamic(None) };
    let Some((scheme, rest)) = u.split_once("://") else { return dynamic(Some(Value::Object(Map::new()))) };
    let (rest, fragment) = rest.split_once('#').map_or((rest, ""), |(a, b)| (a, b));
    let (rest, query) = rest.split_once('?').map_or((rest, ""), |(a, b)| (a, b));
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let (userinfo, hostport) = authority.rsplit_once('@').map_or(("", authority), |(a, b)| (a, b));
    let (user, password) = userinfo.split_once(':').map_or((userinfo, ""), |(a, b)| (a, b));
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) if p.chars().all(|c| c.is_ascii_digit()) => (h, p),
        _ => (hostport, ""),
    };
    let mut params = Map::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        params.insert(k.to_string(), Value::String(v.to_string()));
    }
    let mut m = Map::new();
    for (k, v) in [("Scheme", scheme), ("Host", host), ("Port", port), ("Path", path), ("Username", user), ("Password", password)] {
        m.insert(k.into(), Value::String(v.to_string()));
    }
    m.insert("Query Parameters".into(), Value::Object(params));
    m.insert("Fragment".into(), Value::String(fragment.to_string()));
    dynamic(Some(Value::Object(m)))
}

/// `parse_command_line(cmd, "windows")`: the arguments as Windows splits them
/// (CommandLineToArgvW: `\"` is a quote, 2n backslashes before a quote are n).
fn parse_command_line(args: &[Arg<'_>]) -> ScalarValue {
    let Some(cmd) = text(args, 0) else { return dynamic(None) };
    let mut out = Vec::new();
    let mut cur = String::new();
    let (mut in_quotes, mut has_arg, mut backslashes) = (false, false, 0usize);
    for c in cmd.chars() {
        match c {
            '\\' => {
                backslashes += 1;
                has_arg = true;
            }
            '"' => {
                cur.extend(std::iter::repeat_n('\\', backslashes / 2));
                if backslashes % 2 == 1 {
                    cur.push('"');
                } else {
                    in_quotes = !in_quotes;
                }
                backslashes = 0;
                has_arg = true;
            }
            c if c.is_whitespace() && !in_quotes => {
                cur.extend(std::iter::repeat_n('\\', backslashes));
                backslashes = 0;
                if has_arg {
                    out.push(Value::String(std::mem::take(&mut cur)));
                    has_arg = false;
                }
            }
            c => {
                cur.extend(std::iter::repeat_n('\\', backslashes));
                backslashes = 0;
                cur.push(c);
                has_arg = true;
            }
        }
    }
    cur.extend(std::iter::repeat_n('\\', backslashes));
    if has_arg {
        out.push(Value::String(cur));
    }
    dynamic(Some(Value::Array(out)))
}

/// An IPv4 address with an optional `/prefix`, as (address, prefix length).
fn ipv4(text: &str) -> Option<(u32, u32)> {
    let (addr, prefix) = match text.trim().split_once('/') {
        Some((a, p)) => (a, p.parse::<u32>().ok().filter(|p| *p <= 32)?),
        None => (text.trim(), 32),
    };
    let ip: std::net::Ipv4Addr = addr.parse().ok()?;
    Some((u32::from(ip), prefix))
}

fn mask(prefix: u32) -> u32 {
    if prefix == 0 { 0 } else { u32::MAX << (32 - prefix) }
}

fn ipv4_is_private(args: &[Arg<'_>]) -> ScalarValue {
    let r = text(args, 0).and_then(|t| ipv4(&t)).map(|(ip, _)| {
        let ip = std::net::Ipv4Addr::from(ip);
        ip.is_private()
    });
    ScalarValue::Boolean(r)
}

fn ipv4_is_in_range(args: &[Arg<'_>]) -> ScalarValue {
    let (Some((ip, _)), Some((net, prefix))) = (text(args, 0).and_then(|t| ipv4(&t)), text(args, 1).and_then(|t| ipv4(&t))) else {
        return ScalarValue::Boolean(None);
    };
    ScalarValue::Boolean(Some(ip & mask(prefix) == net & mask(prefix)))
}

fn parse_ipv4(args: &[Arg<'_>]) -> ScalarValue {
    ScalarValue::Int64(text(args, 0).and_then(|t| ipv4(&t)).map(|(ip, p)| i64::from(ip & mask(p))))
}

/// `ipv4_is_match(a, b[, prefix])`: whether `ipv4_compare` finds them equal.
fn ipv4_is_match(args: &[Arg<'_>]) -> ScalarValue {
    match ipv4_compare(args) {
        ScalarValue::Int64(Some(c)) => ScalarValue::Boolean(Some(c == 0)),
        _ => ScalarValue::Boolean(None),
    }
}

/// `ipv4_is_in_any_range(ip, range, …)`: the ranges are strings, or one dynamic array of
/// them (its JSON text, which no address or range starts with `[`). Null when an address
/// or a range is not valid (ipv4-is-in-any-range-function.md).
fn ipv4_is_in_any_range(args: &[Arg<'_>]) -> ScalarValue {
    let Some((ip, _)) = text(args, 0).and_then(|t| ipv4(&t)) else { return ScalarValue::Boolean(None) };
    let mut ranges = Vec::new();
    for i in 1..args.len() {
        let Some(t) = text(args, i) else { continue };
        match serde_json::from_str::<Value>(&t) {
            Ok(Value::Array(items)) if t.trim_start().starts_with('[') => ranges.extend(items.iter().filter_map(|v| v.as_str().map(str::to_string))),
            _ => ranges.push(t),
        }
    }
    // A range that is not an address makes the answer unknown, as an invalid address does.
    let Some(nets) = ranges.iter().map(|r| ipv4(r)).collect::<Option<Vec<_>>>() else { return ScalarValue::Boolean(None) };
    ScalarValue::Boolean(Some(nets.iter().any(|(net, prefix)| ip & mask(*prefix) == net & mask(*prefix))))
}

fn ipv4_compare(args: &[Arg<'_>]) -> ScalarValue {
    let (Some((a, pa)), Some((b, pb))) = (text(args, 0).and_then(|t| ipv4(&t)), text(args, 1).and_then(|t| ipv4(&t))) else {
        return ScalarValue::Int64(None);
    };
    let explicit = args.get(2).and_then(|a| a.json().as_i64()).and_then(|p| u32::try_from(p).ok()).filter(|p| *p <= 32);
    // The shortest prefix decides, a given one included (ipv4-is-match-function.md:
    // `'192.168.1.1/24'` against `'192.168.1.255'` with 31 compares 24 bits).
    let prefix = explicit.map_or(pa.min(pb), |p| p.min(pa).min(pb));
    let (a, b) = (a & mask(prefix), b & mask(prefix));
    ScalarValue::Int64(Some(match a.cmp(&b) {
        std::cmp::Ordering::Less => -1,
        std::cmp::Ordering::Equal => 0,
        std::cmp::Ordering::Greater => 1,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_forms() {
        assert_eq!(ipv4("127.0.0.1"), Some((2_130_706_433, 32)));
        assert_eq!(ipv4("10.1.2.3/8").map(|(ip, p)| ip & mask(p)), Some(167_772_160));
        assert_eq!(ipv4("300.1.1.1"), None);
    }
}
