//! Sentinel rule files ([`Rule`], [`load_rule`]): the YAML fields a hunt needs, the KQL
//! `query` with its position in the file (so that KQL errors point into the YAML), and
//! the real-world quirks of published rules (fenced `kusto` blocks, CRLF, tabs,
//! `{{placeholders}}`).

pub mod lint;
pub mod coverage;
pub mod pack;

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::kql::span::{Span, excerpt, line_col};
use crate::kql::ast::Script;
use crate::kql::{ParseError, ParseOptions, parse_with};

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
    /// `dataTypes`.
    pub data_types: Vec<String>,
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

#[derive(Deserialize)]
struct RawRule {
    #[serde(default)]
    id: Option<serde_yaml::Value>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    tactics: Option<Vec<String>>,
    #[serde(default, rename = "relevantTechniques")]
    techniques: Option<Vec<String>>,
    #[serde(default, rename = "dataTypes")]
    data_types: Option<Vec<serde_yaml::Value>>,
    #[serde(default)]
    query: Option<String>,
}

impl RawRule {
    fn empty() -> Self {
        Self { id: None, name: None, description: None, tactics: None, techniques: None, data_types: None, query: None }
    }
}

/// Top-level `key: value` fields and the `query: |` block, read line by line: for files
/// that strict YAML rejects. `None` when there is no `query:` block to read.
fn lenient_fields(text: &str) -> Option<RawRule> {
    let lines: Vec<&str> = text.lines().collect();
    let key = lines.iter().position(|l| l.starts_with("query:"))?;
    let is_top_key = |l: &str| {
        let name: String = l.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        !name.is_empty() && l[name.len()..].starts_with(':')
    };
    let end = (key + 1..lines.len()).find(|&i| is_top_key(lines[i])).unwrap_or(lines.len());
    let body: Vec<String> = lines[key + 1..end].iter().map(|l| l.replace('\t', "    ")).collect();
    let indent = body.iter().filter(|l| !l.trim().is_empty()).map(|l| l.len() - l.trim_start().len()).min().unwrap_or(0);
    let query: Vec<&str> = body.iter().map(|l| if l.len() >= indent { &l[indent..] } else { l.trim_start() }).collect();
    let scalar = |name: &str| {
        lines.iter().find_map(|l| l.strip_prefix(name).and_then(|r| r.strip_prefix(':'))).map(|v| v.trim().trim_matches(|c| c == '\'' || c == '"').to_string())
    };
    let mut raw = RawRule::empty();
    raw.id = scalar("id").map(serde_yaml::Value::String);
    raw.name = scalar("name");
    raw.query = Some(query.join("\n").trim_end().to_string() + "\n");
    Some(raw)
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
    let raw: RawRule = match serde_yaml::from_str::<RawRule>(&text) {
        Ok(r) => r,
        // Published rules are often YAML that strict parsers reject (tabs, a query whose
        // lines are not indented); their fields can still be read line by line.
        Err(e) => match lenient_fields(&text) {
            Some(r) => r,
            None => return Err(yaml_error(path, &text, &e)),
        },
    };
    let Some(query) = raw.query else {
        return Err(RuleError::NoQuery { path: path.to_path_buf() });
    };
    let mut origin = query_origin(&text);
    let query = strip_fence(&query, &mut origin);
    let rule = Rule {
        path: path.to_path_buf(),
        id: raw.id.map(|v| scalar_text(&v)).unwrap_or_default(),
        name: raw.name.unwrap_or_default(),
        description: raw.description.unwrap_or_default(),
        tactics: raw.tactics.unwrap_or_default(),
        techniques: raw.techniques.unwrap_or_default(),
        data_types: raw.data_types.unwrap_or_default().iter().map(scalar_text).collect(),
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

fn scalar_text(v: &serde_yaml::Value) -> String {
    match v {
        serde_yaml::Value::String(s) => s.clone(),
        serde_yaml::Value::Number(n) => n.to_string(),
        serde_yaml::Value::Bool(b) => b.to_string(),
        serde_yaml::Value::Mapping(m) => m.values().next().map(scalar_text).unwrap_or_default(),
        _ => String::new(),
    }
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
