//! [`ParseError`]: where a query stops making sense, what was expected there, what was
//! found, and an excerpt with a caret — plus a "did you mean" for misspelt names.

use std::fmt;

use super::span::{Span, excerpt, line_col};

/// A KQL syntax error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// The byte span at fault.
    pub span: Span,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What went wrong, in a sentence.
    pub message: String,
    /// What the parser expected, when that is the story.
    pub expected: Option<String>,
    /// What it found instead.
    pub found: Option<String>,
    /// A likely intended name.
    pub suggestion: Option<String>,
    /// The source line and a caret under the span.
    pub excerpt: String,
}

impl ParseError {
    /// An error with a free-form message.
    pub fn new(src: &str, span: Span, message: String) -> Self {
        let (line, column) = line_col(src, span.start);
        Self { span, line, column, message, expected: None, found: None, suggestion: None, excerpt: excerpt(src, span) }
    }

    /// "expected X, found Y".
    pub fn expected(src: &str, span: Span, expected: &str, found: &str) -> Self {
        let mut e = Self::new(src, span, format!("expected {expected}, found {found}"));
        e.expected = Some(expected.to_string());
        e.found = Some(found.to_string());
        e
    }

    /// Adds a suggestion when one of `candidates` is close to `name`.
    pub fn suggest(mut self, name: &str, candidates: &[&str]) -> Self {
        if let Some(best) = did_you_mean(name, candidates) {
            self.message.push_str(&format!(" (did you mean `{best}`?)"));
            self.suggestion = Some(best.to_string());
        }
        self
    }

    /// The same error, with lines and columns counted from `line_offset` lines and
    /// `col_offset` columns further (a query embedded in a YAML file).
    pub fn shifted(mut self, line_offset: usize, col_offset: usize) -> Self {
        if self.line == 1 {
            self.column += col_offset;
        }
        self.line += line_offset;
        self
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}\n{}", self.line, self.column, self.message, self.excerpt)
    }
}

impl std::error::Error for ParseError {}

/// The closest candidate within an edit distance that scales with the name's length.
pub fn did_you_mean<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let lower = name.to_lowercase();
    let limit = (name.chars().count() / 3).clamp(1, 3);
    candidates
        .iter()
        .map(|c| (edit_distance(&lower, &c.to_lowercase()), *c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_are_close_names_only() {
        assert_eq!(did_you_mean("summarise", &["summarize", "sort"]), Some("summarize"));
        assert_eq!(did_you_mean("projct", &["project", "project-away"]), Some("project"));
        assert_eq!(did_you_mean("xyzzy", &["where"]), None);
    }
}
