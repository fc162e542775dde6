//! [`Cell`]: one value of a result, typed, so that expected values written as text (by the
//! real engine or by the documentation) compare with ours by meaning, not by rendering.

use datafusion::arrow::array::{ArrayRef, RecordBatch};
use serde_json::Value;

use crate::catalog::KustoType;
use crate::output::value::cell_json;
use crate::plan::literal::{parse_datetime, parse_timespan};
use crate::plan::types::field_type;

/// A typed value.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Null.
    Null,
    /// A string or guid.
    Str(String),
    /// An int or long.
    Int(i128),
    /// A real.
    Real(f64),
    /// A bool.
    Bool(bool),
    /// A datetime, in Unix nanoseconds.
    Time(i64),
    /// A timespan, in nanoseconds.
    Span(i64),
    /// A dynamic value.
    Dyn(Value),
}

/// How loosely two cells may agree.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tolerance {
    /// Relative tolerance for reals (renderings round them).
    pub real: f64,
    /// Arrays compare as multisets (make_set, set_*, bag_keys results).
    pub unordered_arrays: bool,
}

impl Cell {
    /// Whether `self` (ours) agrees with `expected`.
    pub fn matches(&self, expected: &Cell, tol: Tolerance) -> bool {
        match (self, expected) {
            (Cell::Real(a), Cell::Real(b)) => reals_match(*a, *b, tol.real),
            (Cell::Int(a), Cell::Real(b)) | (Cell::Real(b), Cell::Int(a)) => reals_match(*a as f64, *b, tol.real),
            (Cell::Dyn(a), Cell::Dyn(b)) => json_match(a, b, tol),
            // Strings are never null in Kusto: renderings show an empty string as null.
            (Cell::Str(s), Cell::Null) | (Cell::Null, Cell::Str(s)) => s.is_empty(),
            (a, b) => a == b,
        }
    }

    /// The cell from its text in a column of type `ty`, as the documentation prints it.
    pub fn from_display(text: &str, ty: KustoType) -> Option<Cell> {
        let t = text.trim();
        if matches!(t, "" | "null" | "(null)") {
            return Some(if ty == KustoType::String { Cell::Str(String::new()) } else { Cell::Null });
        }
        Some(match ty {
            KustoType::String | KustoType::Guid => Cell::Str(text.to_string()),
            KustoType::Int | KustoType::Long => Cell::Int(t.replace(',', "").parse().ok()?),
            KustoType::Real => Cell::Real(parse_real(&t.replace(',', ""))?),
            KustoType::Bool => match t.to_ascii_lowercase().as_str() {
                "true" | "1" => Cell::Bool(true),
                "false" | "0" => Cell::Bool(false),
                _ => return None,
            },
            KustoType::DateTime => Cell::Time(parse_datetime(t)?),
            KustoType::TimeSpan => Cell::Span(parse_timespan(t)?),
            KustoType::Dynamic => Cell::Dyn(loose_json(t)),
        })
    }
}

/// A real as .NET renders it (`NaN`, `Infinity`, `1.5E+18`).
pub fn parse_real(t: &str) -> Option<f64> {
    match t {
        "NaN" | "nan" => Some(f64::NAN),
        "Infinity" | "inf" | "∞" => Some(f64::INFINITY),
        "-Infinity" | "-inf" | "-∞" => Some(f64::NEG_INFINITY),
        _ => t.parse().ok(),
    }
}

/// JSON as documentation prints it: strict JSON, else with single quotes turned double,
/// else the text as a string.
fn loose_json(t: &str) -> Value {
    serde_json::from_str(t)
        .or_else(|_| serde_json::from_str(&t.replace('\'', "\"")))
        .unwrap_or_else(|_| Value::String(t.to_string()))
}

fn reals_match(a: f64, b: f64, rel: f64) -> bool {
    if a.is_nan() || b.is_nan() {
        return a.is_nan() && b.is_nan();
    }
    if a == b {
        return true;
    }
    (a - b).abs() <= rel * a.abs().max(b.abs()).max(1e-300)
}

fn json_match(a: &Value, b: &Value, tol: Tolerance) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => reals_match(x, y, tol.real),
            _ => x == y,
        },
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            if !tol.unordered_arrays {
                return x.iter().zip(y).all(|(p, q)| json_match(p, q, tol));
            }
            let mut unused: Vec<&Value> = y.iter().collect();
            x.iter().all(|p| match unused.iter().position(|q| json_match(p, q, tol)) {
                Some(i) => {
                    unused.remove(i);
                    true
                }
                None => false,
            })
        }
        (Value::Object(x), Value::Object(y)) => x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| json_match(v, w, tol))),
        _ => a == b,
    }
}

/// Our result as rows of cells, with each column's Kusto type.
pub fn batches_to_cells(batches: &[RecordBatch]) -> (Vec<KustoType>, Vec<Vec<Cell>>) {
    let Some(first) = batches.first() else { return (Vec::new(), Vec::new()) };
    let types: Vec<KustoType> = first.schema().fields().iter().map(|f| field_type(f)).collect();
    let mut rows = Vec::new();
    for b in batches {
        for r in 0..b.num_rows() {
            rows.push(b.columns().iter().zip(&types).map(|(c, &t)| our_cell(c, r, t)).collect());
        }
    }
    (types, rows)
}

fn our_cell(array: &ArrayRef, row: usize, ty: KustoType) -> Cell {
    let v = cell_json(array, row, Some(ty));
    if v.is_null() {
        return Cell::Null;
    }
    match ty {
        KustoType::String | KustoType::Guid => Cell::Str(v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())),
        KustoType::Int | KustoType::Long => v.as_i64().map_or(Cell::Null, |i| Cell::Int(i128::from(i))),
        KustoType::Real => match &v {
            Value::Number(n) => Cell::Real(n.as_f64().unwrap_or(f64::NAN)),
            Value::String(s) => parse_real(s).map_or(Cell::Null, Cell::Real),
            _ => Cell::Null,
        },
        KustoType::Bool => Cell::Bool(v.as_bool().unwrap_or(false)),
        KustoType::DateTime => v.as_str().and_then(parse_datetime).map_or(Cell::Null, Cell::Time),
        KustoType::TimeSpan => v.as_str().and_then(parse_timespan).map_or(Cell::Null, Cell::Span),
        KustoType::Dynamic => Cell::Dyn(v),
    }
}
