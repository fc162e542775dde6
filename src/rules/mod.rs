//! Sentinel rule files ([`Rule`], [`load_rule`]): the YAML fields a hunt needs, the KQL
//! `query` with its position in the file (so that KQL errors point into the YAML), and
//! the real-world quirks of published rules (fenced `kusto` blocks, CRLF, tabs,
//! `{{placeholders}}`).

pub mod lint;
pub mod coverage;
pub mod pack;
mod yaml;

pub use yaml::DataConnector;

use std::path::{Path, PathBuf};

use crate::kql::span::{Span, excerpt, line_col};
use crate::kql::ast::Script;
use crate::kql::{ParseError, ParseOptions, parse_with};
use yaml::RawRule;

/// One rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// The file it came from.
    pub path: PathBuf,
    /// `id`.
    pub id: String,
    /// `name`.
    pub name: String,
    /// `description`.
    pub description: String,
    /// `tactics`.
    pub tactics: Vec<String>,
    /// `relevantTechniques`.
    pub techniques: Vec<String>,
    /// `dataTypes`, top-level and those of `requiredDataConnectors`, without repeats.
    pub data_types: Vec<String>,
    /// `requiredDataConnectors`.
    pub connectors: Vec<DataConnector>,
    /// `severity`, or "".
    pub severity: String,
    /// `kind` (Scheduled, NRT, …), or "".
    pub kind: String,
    /// `version`, or "".
    pub version: String,
    /// `entityMappings` as JSON, or null: carried for tools downstream, not read.
    pub entity_mappings: serde_json::Value,
    /// What loading had to repair, for the user to fix in the file.
    pub warnings: Vec<String>,
    /// The KQL text, fences removed.
    pub query: String,
    /// Where the query text starts in the file.
    pub origin: QueryOrigin,
}

/// Where a rule's query sits in its file: the 1-based line of its first line and the
/// indentation stripped from every line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QueryOrigin {
    /// 1-based file line of the query's first line.
    pub line: usize,
    /// Columns of indentation removed from each line.
    pub indent: usize,
}

/// Why a rule could not be loaded or parsed. Every variant names the file, and the line
/// and column where that makes sense.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// The YAML does not parse.
    #[error("{path}:{line}:{column}: invalid YAML: {message}\n{excerpt}")]
    Yaml {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The YAML parser's message.
        message: String,
        /// The line and a caret.
        excerpt: String,
    },
    /// No `query` field.
    #[error("{path}: the rule has no `query` field")]
    NoQuery {
        /// The file.
        path: PathBuf,
    },
    /// The query holds a template placeholder that was never filled in.
    #[error("{path}:{line}:{column}: the query holds the template placeholder {placeholder}; fill it in before running the rule\n{excerpt}")]
    Placeholder {
        /// The file.
        path: PathBuf,
        /// 1-based line in the file.
        line: usize,
        /// 1-based column in the file.
        column: usize,
        /// The placeholder text, `{{…}}`.
        placeholder: String,
        /// The line and a caret.
        excerpt: String,
    },
    /// Two files of one pack give the same id.
    #[error("{second}: the rule id {id} is already taken by {first}; rule ids must be unique within a pack")]
    DuplicateId {
        /// The id.
        id: String,
        /// The file that has it first (kept).
        first: PathBuf,
        /// The file that repeats it (not loaded).
        second: PathBuf,
    },
    /// The KQL does not parse; line and column are the file's.
    #[error("{path}:{error}")]
    Kql {
        /// The file.
        path: PathBuf,
        /// The parse error, positioned in the file.
        error: ParseError,
    },
}

fn yaml_error(path: &Path, text: &str, e: &serde_yaml::Error) -> RuleError {
    let (line, column) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
    let offset = text.lines().take(line.saturating_sub(1)).map(|l| l.len() + 1).sum::<usize>() + column.saturating_sub(1);
    RuleError::Yaml { path: path.to_path_buf(), line, column, message: e.to_string(), excerpt: excerpt(text, Span::new(offset, offset + 1)) }
}

/// The rule files (`.yaml`, `.yml`) under `dir`, recursively, sorted.
pub fn rule_files_under(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            if path.is_dir() {
                walk(&path, out)?;
            } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                out.push(path);
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, &mut out)?;
    out.sort();
    Ok(out)
}

/// Reads a rule file.
pub fn load_rule(path: &Path) -> Result<Rule, RuleError> {
    let bytes = std::fs::read(path).map_err(|source| RuleError::Io { path: path.to_path_buf(), source })?;
    let text = String::from_utf8_lossy(&bytes).replace("\r\n", "\n");
    let mut warnings = Vec::new();
    let raw: RawRule = match serde_yaml::from_str::<RawRule>(&text) {
        Ok(r) => r,
        // Published rules are often YAML that strict parsers reject (tabs, a query whose
        // lines are not indented); their fields can still be read line by line.
        Err(e) => match yaml::lenient_fields(&text) {
            Some((r, read)) => {
                let at = e.location().map_or(String::new(), |l| format!(" at line {}, column {}", l.line(), l.column()));
                warnings.push(format!("strict YAML rejects this file{at} ({e}); read {} line by line, and nothing else", read.join(", ")));
                r
            }
            None => return Err(yaml_error(path, &text, &e)),
        },
    };
    let Some(query) = raw.query else {
        return Err(RuleError::NoQuery { path: path.to_path_buf() });
    };
    let mut origin = query_origin(&text);
    let query = strip_fence(&query, &mut origin);
    let connectors = yaml::connectors(raw.connectors.as_ref());
    let mut data_types = yaml::texts(raw.data_types.as_ref());
    for t in connectors.iter().flat_map(|c| &c.data_types) {
        if !data_types.contains(t) {
            data_types.push(t.clone());
        }
    }
    let scalar = |v: Option<&serde_yaml::Value>| v.map(yaml::text).unwrap_or_default().trim().to_string();
    let rule = Rule {
        path: path.to_path_buf(),
        id: scalar(raw.id.as_ref()),
        name: scalar(raw.name.as_ref()),
        description: scalar(raw.description.as_ref()),
        tactics: yaml::texts(raw.tactics.as_ref()),
        techniques: yaml::texts(raw.techniques.as_ref()),
        data_types,
        connectors,
        severity: scalar(raw.severity.as_ref()),
        kind: scalar(raw.kind.as_ref()),
        version: scalar(raw.version.as_ref()),
        entity_mappings: raw.entity_mappings.as_ref().map_or(serde_json::Value::Null, yaml::to_json),
        warnings,
        query,
        origin,
    };
    if let Some((start, end)) = find_placeholder(&rule.query) {
        let (line, column) = rule.file_position(line_col(&rule.query, start));
        return Err(RuleError::Placeholder {
            path: path.to_path_buf(),
            line,
            column,
            placeholder: rule.query[start..end].to_string(),
            excerpt: excerpt(&rule.query, Span::new(start, end)),
        });
    }
    Ok(rule)
}

impl Rule {
    /// Parses the rule's query; errors carry the file's line and column.
    pub fn parse(&self) -> Result<Script, RuleError> {
        // Rule files are written in the portal's editor, where a blank line ends a query.
        parse_with(&self.query, ParseOptions { blank_line_separates: true }).map_err(|e| {
            let (line, column) = self.file_position((e.line, e.column));
            let mut error = e;
            error.line = line;
            error.column = column;
            RuleError::Kql { path: self.path.clone(), error }
        })
    }

    /// A (line, column) within the query as a (line, column) within the file.
    pub fn file_position(&self, (line, column): (usize, usize)) -> (usize, usize) {
        (self.origin.line + line - 1, column + self.origin.indent)
    }
}

/// The first `{{Name}}` template placeholder (a name between double braces; `{{` alone,
/// as in a string that contains it, is not one).
fn find_placeholder(query: &str) -> Option<(usize, usize)> {
    let mut from = 0;
    while let Some(i) = query[from..].find("{{") {
        let start = from + i;
        let rest = &query[start + 2..];
        let close = rest.find("}}")?;
        let name = rest[..close].trim();
        if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.') {
            return Some((start, start + 2 + close + 2));
        }
        from = start + 2;
    }
    None
}

/// Where the `query:` block's text starts: the line after a top-level `query: |`, with
/// that line's indentation.
fn query_origin(text: &str) -> QueryOrigin {
    let lines: Vec<&str> = text.lines().collect();
    let Some(key) = lines.iter().position(|l| l.starts_with("query:")) else {
        return QueryOrigin { line: 1, indent: 0 };
    };
    let inline = lines[key]["query:".len()..].trim();
    if !inline.is_empty() && !inline.starts_with('|') && !inline.starts_with('>') {
        return QueryOrigin { line: key + 1, indent: lines[key].find(inline).unwrap_or(0) };
    }
    let first = (key + 1..lines.len()).find(|&i| !lines[i].trim().is_empty()).unwrap_or(key + 1);
    let indent = lines.get(first).map_or(0, |l| l.len() - l.trim_start().len());
    QueryOrigin { line: first + 1, indent }
}

/// Removes a Markdown fence (```` ```kusto ````…```` ``` ````) around the query.
fn strip_fence(query: &str, origin: &mut QueryOrigin) -> String {
    let trimmed = query.trim_start();
    if !trimmed.starts_with("```") {
        return query.to_string();
    }
    let skipped_lines = query[..query.len() - trimmed.len()].matches('\n').count();
    let body = match trimmed.find('\n') {
        Some(i) => &trimmed[i + 1..],
        None => "",
    };
    let body = body.trim_end();
    let body = body.strip_suffix("```").unwrap_or(body);
    origin.line += skipped_lines + 1;
    body.to_string()
}
