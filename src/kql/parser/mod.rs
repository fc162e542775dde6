//! The hand-written KQL parser ([`parse`]): statements here, expressions in [`expr`]
//! (Pratt, with KQL's precedence), tabular operators in [`operators`].

mod expr;
mod operators;
mod sources;

use super::ast::{Expr, Function, Ident, LetValue, Param, ParamType, Script, Statement};

use super::error::ParseError;
use super::lexer::{Tok, Token, tokenize};
use super::span::Span;

/// How deeply expressions and subqueries may nest before the parser gives up with an
/// error instead of exhausting the stack.
pub const MAX_DEPTH: usize = 64;

/// How strictly to read a query text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ParseOptions {
    /// Read a blank line between two statements as a `;`. Kusto's editors (the Defender
    /// portal, Kusto Explorer) treat blank-line-separated blocks as separate queries, and
    /// published rule files rely on it; the engine itself does not.
    pub blank_line_separates: bool,
}

/// Parses a whole query text as the engine does.
pub fn parse(src: &str) -> Result<Script, ParseError> {
    parse_with(src, ParseOptions::default())
}

/// Parses a whole query text with options.
pub fn parse_with(src: &str, options: ParseOptions) -> Result<Script, ParseError> {
    let tokens = tokenize(src).map_err(|e| ParseError::new(src, e.span, e.message))?;
    let mut p = Parser { src, tokens, pos: 0, depth: 0, options, in_search: false };
    p.script()
}

pub(crate) struct Parser<'a> {
    pub(crate) src: &'a str,
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
    options: ParseOptions,
    /// Inside a `search`/`find` predicate, where `Column:"term"` is an operator.
    in_search: bool,
}

impl<'a> Parser<'a> {
    // ----- token access -------------------------------------------------------------

    fn tok(&self) -> &Tok {
        &self.tokens[self.pos.min(self.tokens.len() - 1)].kind
    }

    fn tok_at(&self, n: usize) -> &Tok {
        &self.tokens[(self.pos + n).min(self.tokens.len() - 1)].kind
    }

    fn span(&self) -> Span {
        self.tokens[self.pos.min(self.tokens.len() - 1)].span
    }

    fn span_at(&self, n: usize) -> Span {
        self.tokens[(self.pos + n).min(self.tokens.len() - 1)].span
    }

    /// End of the previous token.
    fn prev_end(&self) -> usize {
        if self.pos == 0 { 0 } else { self.tokens[self.pos - 1].span.end }
    }

    fn bump(&mut self) -> Token {
        let t = self.tokens[self.pos.min(self.tokens.len() - 1)].clone();
        if self.pos < self.tokens.len() - 1 {
            self.pos += 1;
        }
        t
    }

    fn at(&self, t: &Tok) -> bool {
        self.tok() == t
    }

    fn eat(&mut self, t: &Tok) -> bool {
        if self.at(t) {
            self.bump();
            true
        } else {
            false
        }
    }

    fn at_word(&self, w: &str) -> bool {
        matches!(self.tok(), Tok::Ident(s) if s == w)
    }

    fn word_at(&self, n: usize) -> Option<&str> {
        match self.tok_at(n) {
            Tok::Ident(s) => Some(s),
            _ => None,
        }
    }

    fn eat_word(&mut self, w: &str) -> bool {
        if self.at_word(w) {
            self.bump();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, t: &Tok, what: &str) -> Result<Span, ParseError> {
        if self.at(t) { Ok(self.bump().span) } else { Err(self.expected(what)) }
    }

    fn expect_word(&mut self, w: &str) -> Result<Span, ParseError> {
        if self.at_word(w) { Ok(self.bump().span) } else { Err(self.expected(&format!("`{w}`"))) }
    }

    /// An error at the current token: "expected X, found Y".
    fn expected(&self, what: &str) -> ParseError {
        // At the end, point just after the last token rather than past trailing blank lines.
        let span = if self.at(&Tok::Eof) { Span::new(self.prev_end(), self.prev_end()) } else { self.span() };
        ParseError::expected(self.src, span, what, &describe(self.tok()))
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ParseError::new(self.src, self.span(), format!("the query nests deeper than {MAX_DEPTH} levels")));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// True at a token that ends the current operator's arguments.
    fn at_op_end(&self) -> bool {
        matches!(self.tok(), Tok::Pipe | Tok::Semi | Tok::RParen | Tok::RBrace | Tok::Eof)
    }

    /// A plain or bracket-quoted name: `Name`, `['a b']`, `["a b"]`.
    fn ident(&mut self, what: &str) -> Result<Ident, ParseError> {
        match self.tok().clone() {
            Tok::Ident(name) if !name.starts_with('!') => {
                let span = self.bump().span;
                Ok(Ident::new(name, span))
            }
            Tok::LBracket if matches!(self.tok_at(1), Tok::Str(_)) && self.tok_at(2) == &Tok::RBracket => {
                let start = self.bump().span;
                let Tok::Str(name) = self.bump().kind else { return Err(self.expected(what)) };
                let end = self.bump().span;
                Ok(Ident::new(name, start.to(end)))
            }
            _ => Err(self.expected(what)),
        }
    }

    /// A name that may contain `*` wildcards, written without spaces: `Device*`, `*Id`.
    fn name_pattern(&mut self, what: &str) -> Result<Ident, ParseError> {
        if self.at(&Tok::LBracket) {
            return self.ident(what);
        }
        let start = self.span();
        let mut name = String::new();
        let mut end = start;
        loop {
            let adjacent = name.is_empty() || self.span().start == end.end;
            match self.tok().clone() {
                Tok::Ident(s) if adjacent && !s.starts_with('!') => name.push_str(&s),
                Tok::Star if adjacent => name.push('*'),
                Tok::Long(n) if adjacent && !name.is_empty() => name.push_str(&n.to_string()),
                _ => break,
            }
            end = self.bump().span;
        }
        if name.is_empty() {
            return Err(self.expected(what));
        }
        Ok(Ident::new(name, start.to(end)))
    }

    /// A comma-separated list, at least one item.
    fn comma_list<T>(&mut self, mut item: impl FnMut(&mut Self) -> Result<T, ParseError>) -> Result<Vec<T>, ParseError> {
        let mut out = vec![item(self)?];
        while self.eat(&Tok::Comma) {
            out.push(item(self)?);
        }
        Ok(out)
    }

    // ----- statements ---------------------------------------------------------------

    fn script(&mut self) -> Result<Script, ParseError> {
        let start = self.span();
        let statements = self.statements(&Tok::Eof)?;
        if statements.is_empty() {
            return Err(ParseError::new(self.src, self.span(), "the query is empty".to_string()));
        }
        if !self.at(&Tok::Eof) {
            return Err(self.expected("`;` or the end of the query"));
        }
        Ok(Script { statements, span: start.to(self.span()) })
    }

    /// Statements separated by `;`, up to `end` (not consumed).
    fn statements(&mut self, end: &Tok) -> Result<Vec<Statement>, ParseError> {
        let mut out = Vec::new();
        loop {
            while self.eat(&Tok::Semi) {}
            if self.at(end) || self.at(&Tok::Eof) {
                return Ok(out);
            }
            out.push(self.statement()?);
            if !self.at(&Tok::Semi) && !(self.options.blank_line_separates && self.after_blank_line()) {
                return Ok(out);
            }
        }
    }

    /// Whether a blank line separates the current token from the previous one. Lines
    /// holding only a comment are not blank.
    fn after_blank_line(&self) -> bool {
        let gap = &self.src[self.prev_end().min(self.span().start)..self.span().start];
        let lines: Vec<&str> = gap.split('\n').collect();
        lines.len() > 2 && lines[1..lines.len() - 1].iter().any(|l| l.trim().is_empty())
    }

    fn statement(&mut self) -> Result<Statement, ParseError> {
        let start = self.span();
        if self.at_word("let") && matches!(self.tok_at(1), Tok::Ident(_) | Tok::LBracket) {
            self.bump();
            let name = self.ident("a name after `let`")?;
            self.expect(&Tok::Assign, "`=` after the name")?;
            let value = self.let_value()?;
            let span = start.to(Span::new(self.prev_end(), self.prev_end()));
            return Ok(Statement::Let { name, value, span });
        }
        if self.at_word("set") && matches!(self.tok_at(1), Tok::Ident(_)) {
            self.bump();
            let name = self.dotted_name()?;
            let value = if self.eat(&Tok::Assign) { Some(self.expr()?) } else { None };
            return Ok(Statement::Set { name, value, span: start.to(Span::new(self.prev_end(), self.prev_end())) });
        }
        if self.at_word("declare") && self.word_at(1) == Some("query_parameters") {
            self.bump();
            self.bump();
            self.expect(&Tok::LParen, "`(`")?;
            let params = if self.at(&Tok::RParen) { Vec::new() } else { self.comma_list(|p| p.param())? };
            self.expect(&Tok::RParen, "`)`")?;
            return Ok(Statement::DeclareQueryParameters { params, span: start.to(Span::new(self.prev_end(), self.prev_end())) });
        }
        Ok(Statement::Query(self.pipeline()?))
    }

    fn dotted_name(&mut self) -> Result<String, ParseError> {
        let mut name = self.ident("a name")?.name;
        while self.at(&Tok::Dot) && matches!(self.tok_at(1), Tok::Ident(_)) {
            self.bump();
            name.push('.');
            name.push_str(&self.ident("a name")?.name);
        }
        Ok(name)
    }

    fn let_value(&mut self) -> Result<LetValue, ParseError> {
        // `view () { … }` is a function; `view(…)` alone may be a call.
        if self.at_word("view") && self.tok_at(1) == &Tok::LParen {
            let save = self.pos;
            self.bump();
            if !self.function_ahead() {
                self.pos = save;
            }
        }
        if self.at(&Tok::LParen) && self.function_ahead() {
            return Ok(LetValue::Function(self.function()?));
        }
        Ok(LetValue::Expr(self.pipeline()?))
    }

    /// After `(`: `)` then `{`, or a name then `:`.
    fn function_ahead(&self) -> bool {
        match self.tok_at(1) {
            Tok::RParen => self.tok_at(2) == &Tok::LBrace,
            Tok::Ident(_) => self.tok_at(2) == &Tok::Colon,
            Tok::LBracket => self.tok_at(4) == &Tok::Colon,
            _ => false,
        }
    }

    fn function(&mut self) -> Result<Function, ParseError> {
        let start = self.expect(&Tok::LParen, "`(`")?;
        let params = if self.at(&Tok::RParen) { Vec::new() } else { self.comma_list(|p| p.param())? };
        self.expect(&Tok::RParen, "`)` after the parameters")?;
        self.expect(&Tok::LBrace, "`{` to open the function body")?;
        self.enter()?;
        let body = self.statements(&Tok::RBrace)?;
        self.leave();
        let end = self.expect(&Tok::RBrace, "`}` to close the function body")?;
        if body.is_empty() {
            return Err(ParseError::new(self.src, end, "the function body is empty".to_string()));
        }
        Ok(Function { params, body, span: start.to(end) })
    }

    fn param(&mut self) -> Result<Param, ParseError> {
        let name = self.ident("a parameter name")?;
        self.expect(&Tok::Colon, "`:` and a type")?;
        let ty = if self.at(&Tok::LParen) { self.row_schema()? } else { ParamType::Scalar(self.type_name()?) };
        let default = if self.eat(&Tok::Assign) { Some(self.expr()?) } else { None };
        Ok(Param { name, ty, default })
    }

    /// `(col: type, ...)` with an optional `*` for "and any other columns": a tabular
    /// parameter's schema, or an `evaluate` plugin's declared output.
    pub(crate) fn row_schema(&mut self) -> Result<ParamType, ParseError> {
        self.expect(&Tok::LParen, "`(` and the columns")?;
        let mut columns = Vec::new();
        let mut star = false;
        loop {
            if self.eat(&Tok::Star) {
                star = true;
            } else {
                let c = self.ident("a column name")?;
                self.expect(&Tok::Colon, "`:` and a type")?;
                columns.push((c, self.type_name()?));
            }
            if !self.eat(&Tok::Comma) {
                break;
            }
        }
        self.expect(&Tok::RParen, "`)` after the columns")?;
        Ok(ParamType::Tabular { columns, star })
    }

    /// A scalar type name: `string`, `long`, `datetime`, ...
    pub(crate) fn type_name(&mut self) -> Result<Ident, ParseError> {
        self.ident("a type name (string, long, int, real, bool, datetime, timespan, dynamic, guid)")
    }

    /// A tabular expression: an expression followed by `| operator` steps.
    pub(crate) fn pipeline(&mut self) -> Result<Expr, ParseError> {
        self.enter()?;
        let first = if self.operator_starts_here() { Expr::Input(Span::new(self.span().start, self.span().start)) } else { self.expr()? };
        let mut expr = if matches!(first, Expr::Input(_)) { self.apply_operator(first)? } else { first };
        while self.eat(&Tok::Pipe) {
            expr = self.apply_operator(expr)?;
        }
        self.leave();
        Ok(expr)
    }

    fn apply_operator(&mut self, input: Expr) -> Result<Expr, ParseError> {
        let op = self.operator()?;
        let span = input.span().to(op.span);
        Ok(Expr::Pipe { input: Box::new(input), op: Box::new(op), span })
    }
}

/// How a token reads in "found …".
fn describe(t: &Tok) -> String {
    match t {
        Tok::Ident(s) => format!("`{s}`"),
        Tok::Long(n) => format!("the number {n}"),
        Tok::Real(s) => format!("the number {s}"),
        Tok::Timespan(_) => "a timespan".to_string(),
        Tok::Str(s) => format!("the string {s:?}"),
        Tok::Typed { ty, .. } => format!("a {ty}(…) literal"),
        Tok::Eof => "the end of the query".to_string(),
        other => format!("`{}`", punct_text(other)),
    }
}

/// The text of a punctuation token.
pub(crate) fn punct_text(t: &Tok) -> &'static str {
    match t {
        Tok::Pipe => "|",
        Tok::Semi => ";",
        Tok::Comma => ",",
        Tok::LParen => "(",
        Tok::RParen => ")",
        Tok::LBracket => "[",
        Tok::RBracket => "]",
        Tok::LBrace => "{",
        Tok::RBrace => "}",
        Tok::Dot => ".",
        Tok::DotDot => "..",
        Tok::Colon => ":",
        Tok::Assign => "=",
        Tok::EqEq => "==",
        Tok::NotEq => "!=",
        Tok::EqTilde => "=~",
        Tok::BangTilde => "!~",
        Tok::Lt => "<",
        Tok::Le => "<=",
        Tok::Gt => ">",
        Tok::Ge => ">=",
        Tok::Plus => "+",
        Tok::Minus => "-",
        Tok::Star => "*",
        Tok::Slash => "/",
        Tok::Percent => "%",
        Tok::Arrow => "=>",
        Tok::Question => "?",
        _ => "?",
    }
}

/// Whether `word` is an operator keyword or another word with a meaning of its own, so
/// that a name spelled like it must be bracket-quoted when printed.
pub fn is_keyword(word: &str) -> bool {
    operators::OPERATORS.contains(&word) || expr::STRING_OPS.contains(&word) || expr::SOURCE_WORDS.contains(&word)
}

#[cfg(test)]
mod tests;
