//! Reading `docs.yaml`: documented examples whose cells are display strings. Each expected
//! cell is read by the type of our column of the same name; corrections (`corrected_*`)
//! replace the documented text, and `expected_alternatives` are other valid outputs.

use std::path::Path;

use serde::Deserialize;

use super::cell::Cell;
use super::{CaseResult, Outcome, RowRules, Status, compare_rows, execute, session, tolerance};

/// One case of the file.
#[derive(Debug, Deserialize)]
pub struct DocsCase {
    /// Unique id.
    pub id: String,
    /// Topic.
    pub category: String,
    /// The query as documented.
    pub query: String,
    /// A fixed query, when the documented one is broken.
    #[serde(default)]
    pub corrected_query: Option<String>,
    /// The documented output.
    pub expected: Expected,
    /// Fixed column names.
    #[serde(default)]
    pub corrected_columns: Option<Vec<String>>,
    /// Fixed rows.
    #[serde(default)]
    pub corrected_rows: Option<Vec<Vec<String>>>,
    /// Other outputs the docs call equally valid.
    #[serde(default)]
    pub expected_alternatives: Vec<Vec<Vec<String>>>,
    /// Whether the query defines the row order.
    pub ordered: bool,
    /// Whether only part of the output is documented.
    pub partial: bool,
    /// Whether the documented output is one of several valid ones.
    pub nondeterministic: bool,
}

/// A documented table.
#[derive(Debug, Deserialize)]
pub struct Expected {
    /// Column names.
    pub columns: Vec<String>,
    /// Rows of display strings.
    pub rows: Vec<Vec<String>>,
}

/// Runs every case of `docs.yaml`.
pub async fn run_docs(path: &Path) -> std::io::Result<Vec<CaseResult>> {
    let text = std::fs::read_to_string(path)?;
    let cases: Vec<DocsCase> = serde_yaml::from_str(&text).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()))?;
    let ctx = session();
    let mut out = Vec::new();
    for case in &cases {
        let query = case.corrected_query.as_deref().unwrap_or(&case.query);
        let status = match execute(&ctx, query).await {
            Outcome::Unsupported(m) => Status::Unsupported(m),
            Outcome::Error(m) => Status::Fail(format!("error: {m}")),
            Outcome::Rows { names, types, rows } => docs_status(case, query, &names, &types, &rows),
        };
        out.push(CaseResult { key: format!("docs:{}", case.id), category: case.category.clone(), status });
    }
    Ok(out)
}

fn docs_status(case: &DocsCase, query: &str, names: &[String], types: &[crate::catalog::KustoType], rows: &[Vec<Cell>]) -> Status {
    let columns = case.corrected_columns.as_ref().unwrap_or(&case.expected.columns);
    if names != columns.as_slice() {
        return Status::Fail(format!("columns {names:?}, expected {columns:?}"));
    }
    if case.nondeterministic {
        return if case.partial || rows.len() == case.expected.rows.len() { Status::Pass } else { Status::Fail(format!("{} rows, expected {}", rows.len(), case.expected.rows.len())) };
    }
    let rules = RowRules { ordered: case.ordered, partial: case.partial, tol: docs_tolerance(query) };
    let primary = case.corrected_rows.as_ref().unwrap_or(&case.expected.rows);
    let mut last_err = String::new();
    for table in std::iter::once(primary).chain(case.expected_alternatives.iter()) {
        let expected = match read_table(table, types) {
            Ok(t) => t,
            Err(m) => return Status::Fail(m),
        };
        match compare_rows(rows, &expected, rules) {
            Ok(()) => return Status::Pass,
            Err(m) => last_err = m,
        }
    }
    Status::Fail(last_err)
}

/// Documented reals are rounded to about 14 significant digits.
fn docs_tolerance(query: &str) -> super::cell::Tolerance {
    super::cell::Tolerance { real: 1e-6, ..tolerance(query) }
}

fn read_table(rows: &[Vec<String>], types: &[crate::catalog::KustoType]) -> Result<Vec<Vec<Cell>>, String> {
    rows.iter()
        .map(|r| {
            if r.len() != types.len() {
                return Err(format!("a documented row has {} cells for {} columns", r.len(), types.len()));
            }
            r.iter()
                .zip(types)
                .map(|(text, &ty)| Cell::from_display(text, ty).ok_or_else(|| format!("cannot read {text:?} as {}", ty.name())))
                .collect()
        })
        .collect()
}
