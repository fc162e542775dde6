//! Reading `kusto-oracle.jsonl`: the real engine's columns (`name:Type`) and its rows,
//! written as `(v1, v2, …)` with unescaped strings. Rows are split by the column types,
//! backtracking over the places a string may end; a row that does not split is reported,
//! never passed.

use serde::Deserialize;
use serde_json::Value;

use super::cell::{Cell, parse_real};
use crate::catalog::KustoType;

/// One line of the file (the fields that are ground truth, and the verdict we skip on).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OracleCase {
    /// kql-to-sql's id (not unique).
    pub id: String,
    /// The topic.
    pub family: String,
    /// The query.
    pub kql: String,
    /// kql-to-sql's verdict; `SkippedNondeterministic` marks several valid answers.
    pub outcome: String,
    /// What the real engine returned.
    pub kusto: OracleResult,
}

/// The real engine's result.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OracleResult {
    /// `name:Type` per column.
    #[serde(default)]
    pub columns: Vec<String>,
    /// How many rows it returned.
    #[serde(default)]
    pub row_count: usize,
    /// The rows (at most the first 8 for large results).
    #[serde(default)]
    pub sample_rows: Vec<String>,
    /// Present when the engine rejected the query.
    #[serde(default)]
    pub error: Option<Value>,
}

/// The client type name (`Int`, `Real`, …) as the type we compare by.
pub fn client_type(name: &str) -> Option<KustoType> {
    Some(match name {
        "Int" | "Long" => KustoType::Long,
        "Real" | "Decimal" => KustoType::Real,
        "String" => KustoType::String,
        "Bool" => KustoType::Bool,
        "DateTime" => KustoType::DateTime,
        "TimeSpan" => KustoType::TimeSpan,
        "Guid" => KustoType::Guid,
        "Dynamic" => KustoType::Dynamic,
        _ => return None,
    })
}

/// Our type as the client names it.
pub fn client_name(t: KustoType) -> &'static str {
    match t {
        KustoType::Int | KustoType::Long => "Int",
        KustoType::Real => "Real",
        KustoType::String => "String",
        KustoType::Bool => "Bool",
        KustoType::DateTime => "DateTime",
        KustoType::TimeSpan => "TimeSpan",
        KustoType::Guid => "Guid",
        KustoType::Dynamic => "Dynamic",
    }
}

/// Splits one row by the column types; `None` when it cannot be split.
pub fn parse_row(text: &str, types: &[KustoType]) -> Option<Vec<Cell>> {
    let inner = text.strip_prefix('(')?.strip_suffix(')')?;
    let mut out = Vec::with_capacity(types.len());
    if split(inner, types, &mut out) { Some(out) } else { None }
}

fn split(rest: &str, types: &[KustoType], out: &mut Vec<Cell>) -> bool {
    let Some((&ty, more)) = types.split_first() else { return rest.is_empty() };
    for (cell, len) in candidates(rest, ty) {
        let after = &rest[len..];
        let next = if more.is_empty() {
            (after.is_empty()).then_some(after)
        } else {
            after.strip_prefix(", ")
        };
        if let Some(next) = next {
            out.push(cell);
            if split(next, more, out) {
                return true;
            }
            out.pop();
        }
    }
    false
}

/// The ways a value of type `ty` can start `s`: (cell, bytes used). Strings offer every
/// closing quote; other types have one reading.
fn candidates(s: &str, ty: KustoType) -> Vec<(Cell, usize)> {
    if s.starts_with("null") {
        return vec![(Cell::Null, 4)];
    }
    match ty {
        KustoType::String | KustoType::Guid => {
            let Some(body) = s.strip_prefix('\'') else { return Vec::new() };
            body.match_indices('\'').map(|(i, _)| (Cell::Str(body[..i].to_string()), i + 2)).collect()
        }
        KustoType::Dynamic => {
            let mut stream = serde_json::Deserializer::from_str(s).into_iter::<Value>();
            match stream.next() {
                Some(Ok(v)) => vec![(Cell::Dyn(v), stream.byte_offset())],
                _ => Vec::new(),
            }
        }
        _ => {
            let end = s.find(", ").unwrap_or(s.len());
            let token = &s[..end];
            let cell = match ty {
                KustoType::Int | KustoType::Long => token.parse().ok().map(Cell::Int),
                KustoType::Real => parse_real(token).map(Cell::Real),
                KustoType::Bool => match token {
                    "True" => Some(Cell::Bool(true)),
                    "False" => Some(Cell::Bool(false)),
                    _ => None,
                },
                KustoType::DateTime => crate::plan::literal::parse_datetime(token).map(Cell::Time),
                KustoType::TimeSpan => crate::plan::literal::parse_timespan(token).map(Cell::Span),
                _ => None,
            };
            cell.map(|c| vec![(c, end)]).unwrap_or_default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_split_by_type_even_with_quotes_inside_strings() {
        let types = [KustoType::Long, KustoType::String, KustoType::Dynamic, KustoType::String];
        let row = parse_row("(2, 'O'Brien, 'x', [\n  1\n], '')", &types).expect("splits");
        assert_eq!(row[0], Cell::Int(2));
        assert_eq!(row[1], Cell::Str("O'Brien, 'x".into()));
        assert_eq!(row[2], Cell::Dyn(serde_json::json!([1])));
        assert_eq!(row[3], Cell::Str(String::new()));
        assert!(parse_row("(1, 2)", &[KustoType::Long]).is_none());
    }
}
