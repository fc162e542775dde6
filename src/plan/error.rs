//! [`PlanError`]: a query that parses but cannot be planned — an unknown name, a type
//! mismatch, or a construct lakehunt refuses — with its position and a caret excerpt.

use std::fmt;

use crate::kql::span::{Span, excerpt, line_col};

/// Why a query could not be planned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanError {
    /// What kind of failure: scripts and the conformance runner sort by it.
    pub kind: PlanErrorKind,
    /// The byte span at fault.
    pub span: Span,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What went wrong, in a sentence.
    pub message: String,
    /// The source line and a caret under the span.
    pub excerpt: String,
}

/// The kinds of planning failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PlanErrorKind {
    /// A construct lakehunt does not implement (yet): refused, never approximated.
    Unsupported,
    /// The query is wrong: an unknown name, a type error, a bad argument.
    Invalid,
    /// DataFusion rejected the plan we built.
    Internal,
}

impl PlanError {
    /// An error of `kind` at `span` of `src`.
    pub fn new(kind: PlanErrorKind, src: &str, span: Span, message: impl Into<String>) -> Self {
        let (line, column) = line_col(src, span.start.min(src.len()));
        Self { kind, span, line, column, message: message.into(), excerpt: excerpt(src, span) }
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

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}\n{}", self.line, self.column, self.message, self.excerpt)
    }
}

impl std::error::Error for PlanError {}
