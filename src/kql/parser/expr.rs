//! Expressions, by precedence climbing with KQL's levels (kql-semantics.md §7.3): string
//! operators bind tighter than arithmetic, and comparisons do not chain.

use super::Parser;
use crate::kql::ast::{BinOp, Expr, Ident, ListOp, Literal, NamedExpr, StrOp};
use crate::kql::error::ParseError;
use crate::kql::lexer::Tok;
use crate::kql::span::Span;

/// Binding levels, loosest first.
const OR: u8 = 1;
const AND: u8 = 2;
const EQUALITY: u8 = 3;
const RELATION: u8 = 4;
const ADDITIVE: u8 = 5;
const MULTIPLICATIVE: u8 = 6;
const STRING: u8 = 7;

/// The string operators, canonical spelling (with their `!` forms).
pub(crate) const STRING_OPS: &[&str] = &[
    "has", "!has", "has_cs", "!has_cs", "hasprefix", "!hasprefix", "hasprefix_cs", "!hasprefix_cs",
    "hassuffix", "!hassuffix", "hassuffix_cs", "!hassuffix_cs", "contains", "!contains", "contains_cs",
    "!contains_cs", "startswith", "!startswith", "startswith_cs", "!startswith_cs", "endswith",
    "!endswith", "endswith_cs", "!endswith_cs",
];

/// Undocumented spellings the official parser still accepts.
fn legacy_string_op(name: &str) -> Option<&'static str> {
    Some(match name {
        "notcontains" => "!contains",
        "containscs" => "contains_cs",
        "notcontainscs" => "!contains_cs",
        _ => return None,
    })
}

/// Names that begin a source operator rather than a name.
pub(crate) const SOURCE_WORDS: &[&str] = &["print", "range", "datatable", "externaldata", "external_data", "union", "search", "find", "evaluate"];

enum Infix {
    Bin(BinOp),
    Str(String),
    List(ListOp),
    Between(bool),
}

fn non_associative(level: u8) -> bool {
    matches!(level, EQUALITY | RELATION | STRING)
}

impl Parser<'_> {
    /// A scalar (or name-level tabular) expression, without pipes.
    pub(crate) fn expr(&mut self) -> Result<Expr, ParseError> {
        self.expr_bp(OR)
    }

    fn expr_bp(&mut self, min: u8) -> Result<Expr, ParseError> {
        self.enter()?;
        let mut lhs = self.unary()?;
        let mut chained: Option<u8> = None;
        // The level of the operator that built `lhs`. An operator that binds tighter can
        // only follow one whose right operand is closed (`in (…)`, `between (…)`); it
        // cannot apply to the whole left side, so it ends this expression.
        let mut built: Option<u8> = None;
        while let Some((level, infix, width)) = self.infix() {
            if level < min || built.is_some_and(|b| level > b) {
                break;
            }
            if non_associative(level) && chained == Some(level) {
                return Err(ParseError::new(
                    self.src,
                    self.span(),
                    "comparisons and string operators do not chain in KQL; combine them with `and`, or add parentheses".to_string(),
                ));
            }
            for _ in 0..width {
                self.bump();
            }
            lhs = match infix {
                Infix::Bin(op) => {
                    let rhs = self.expr_bp(level + 1)?;
                    let span = lhs.span().to(rhs.span());
                    Expr::Binary { op, left: Box::new(lhs), right: Box::new(rhs), span }
                }
                Infix::Str(name) => {
                    let rhs = self.expr_bp(level + 1)?;
                    let span = lhs.span().to(rhs.span());
                    Expr::StrBinary { op: StrOp { name }, left: Box::new(lhs), right: Box::new(rhs), span }
                }
                Infix::List(op) => {
                    let (list, end) = self.list_operand()?;
                    let span = lhs.span().to(end);
                    Expr::InList { op, left: Box::new(lhs), list, span }
                }
                Infix::Between(negated) => {
                    self.expect(&Tok::LParen, "`(` after between")?;
                    let low = self.expr()?;
                    self.expect(&Tok::DotDot, "`..` between the bounds")?;
                    let high = self.expr()?;
                    let end = self.expect(&Tok::RParen, "`)` after the bounds")?;
                    let span = lhs.span().to(end);
                    Expr::Between { negated, expr: Box::new(lhs), low: Box::new(low), high: Box::new(high), span }
                }
            };
            chained = non_associative(level).then_some(level);
            built = Some(level);
        }
        self.leave();
        Ok(lhs)
    }

    /// The infix operator at the current token: its level, kind and token count.
    fn infix(&self) -> Option<(u8, Infix, usize)> {
        let bin = |level, op| Some((level, Infix::Bin(op), 1));
        match self.tok() {
            Tok::EqEq => bin(EQUALITY, BinOp::Eq),
            Tok::NotEq => bin(EQUALITY, BinOp::NotEq),
            Tok::Lt => bin(RELATION, BinOp::Lt),
            Tok::Le => bin(RELATION, BinOp::Le),
            Tok::Gt => bin(RELATION, BinOp::Gt),
            Tok::Ge => bin(RELATION, BinOp::Ge),
            Tok::Plus => bin(ADDITIVE, BinOp::Add),
            Tok::Minus => bin(ADDITIVE, BinOp::Sub),
            Tok::Star => bin(MULTIPLICATIVE, BinOp::Mul),
            Tok::Slash => bin(MULTIPLICATIVE, BinOp::Div),
            Tok::Percent => bin(MULTIPLICATIVE, BinOp::Mod),
            Tok::EqTilde => Some((STRING, Infix::Str("=~".into()), 1)),
            Tok::BangTilde => Some((STRING, Infix::Str("!~".into()), 1)),
            Tok::Colon if self.in_search => Some((STRING, Infix::Str(":".into()), 1)),
            Tok::Ident(w) => match w.as_str() {
                "or" => bin(OR, BinOp::Or),
                "and" => bin(AND, BinOp::And),
                "in" => Some((EQUALITY, Infix::List(ListOp::In), 1)),
                "!in" => Some((EQUALITY, Infix::List(ListOp::NotIn), 1)),
                "in~" => Some((EQUALITY, Infix::List(ListOp::InCi), 1)),
                "!in~" => Some((EQUALITY, Infix::List(ListOp::NotInCi), 1)),
                "has_any" => Some((EQUALITY, Infix::List(ListOp::HasAny), 1)),
                "has_all" => Some((EQUALITY, Infix::List(ListOp::HasAll), 1)),
                "between" => Some((EQUALITY, Infix::Between(false), 1)),
                "!between" => Some((EQUALITY, Infix::Between(true), 1)),
                "matches" if self.word_at(1) == Some("regex") => Some((STRING, Infix::Str("matches regex".into()), 2)),
                w if STRING_OPS.contains(&w) => Some((STRING, Infix::Str(w.to_string()), 1)),
                w => legacy_string_op(w).map(|canon| (STRING, Infix::Str(canon.to_string()), 1)),
            },
            _ => None,
        }
    }

    /// The operand of `in`, `has_any`, ...: a parenthesised list whose elements may be
    /// tabular expressions.
    fn list_operand(&mut self) -> Result<(Vec<Expr>, Span), ParseError> {
        self.expect(&Tok::LParen, "`(` and a list")?;
        let list = if self.at(&Tok::RParen) { Vec::new() } else { self.comma_list(|p| p.pipeline())? };
        let end = self.expect(&Tok::RParen, "`)` to close the list")?;
        Ok((list, end))
    }

    pub(crate) fn unary(&mut self) -> Result<Expr, ParseError> {
        if matches!(self.tok(), Tok::Minus | Tok::Plus) {
            let minus = self.at(&Tok::Minus);
            let start = self.bump().span;
            self.enter()?;
            let expr = self.unary()?;
            self.leave();
            let span = start.to(expr.span());
            return Ok(Expr::Neg { minus, expr: Box::new(expr), span });
        }
        let primary = self.primary()?;
        // A source operator (`union a*b`) ends with its arguments: `.n` after it is not a
        // member of the table (found by the fuzzer).
        if matches!(primary, Expr::Source(_)) {
            return Ok(primary);
        }
        self.postfix(primary)
    }

    fn postfix(&mut self, mut expr: Expr) -> Result<Expr, ParseError> {
        loop {
            match self.tok() {
                Tok::Dot if self.member_ahead() => {
                    self.bump();
                    let member = self.ident("a member name after `.`")?;
                    // `x.63z` has no spelling that reads back the same after a number
                    // (`1.5 .63z` lexes `.63` as a number; found by the fuzzer): write x['63z'].
                    if member.name.starts_with(|c: char| c.is_ascii_digit()) {
                        let msg = format!("a member name cannot start with a digit: write ['{}']", member.name);
                        return Err(ParseError::new(self.src, member.span, msg));
                    }
                    if self.at(&Tok::LParen) && self.span().start == member.span.end {
                        let (args, end) = self.call_args()?;
                        let span = expr.span().to(end);
                        expr = Expr::MethodCall { target: Box::new(expr), name: member, args, span };
                    } else {
                        let span = expr.span().to(member.span);
                        expr = Expr::Member { target: Box::new(expr), member, span };
                    }
                }
                // `x.[0]` is an index, as the official parser reads it.
                Tok::Dot if self.tok_at(1) == &Tok::LBracket => {
                    self.bump();
                }
                Tok::LBracket => {
                    self.bump();
                    self.enter()?;
                    let index = self.expr()?;
                    self.leave();
                    let end = self.expect(&Tok::RBracket, "`]` to close the index")?;
                    let span = expr.span().to(end);
                    expr = Expr::Index { target: Box::new(expr), index: Box::new(index), span };
                }
                _ => return Ok(expr),
            }
        }
    }

    /// After `.`: a name, or a quoted name `['a b']`.
    fn member_ahead(&self) -> bool {
        match self.tok_at(1) {
            Tok::Ident(w) => !w.starts_with('!'),
            Tok::LBracket => matches!(self.tok_at(2), Tok::Str(_)) && self.tok_at(3) == &Tok::RBracket,
            _ => false,
        }
    }

    pub(crate) fn primary(&mut self) -> Result<Expr, ParseError> {
        let span = self.span();
        match self.tok().clone() {
            Tok::Long(v) => {
                self.bump();
                Ok(Expr::Literal(Literal::Long(v), span))
            }
            Tok::Real(v) => {
                self.bump();
                Ok(Expr::Literal(Literal::Real(v), span))
            }
            Tok::Timespan(v) => {
                self.bump();
                Ok(Expr::Literal(Literal::Timespan(v), span))
            }
            Tok::Typed { ty, text } => {
                self.bump();
                Ok(Expr::Literal(Literal::Typed { ty, text }, span))
            }
            Tok::Str(_) => Ok(self.string_literal()),
            Tok::Star => {
                self.bump();
                Ok(Expr::Star(span))
            }
            Tok::LParen => {
                self.bump();
                let inner = self.pipeline()?;
                let end = self.expect(&Tok::RParen, "`)`")?;
                Ok(Expr::Paren(Box::new(inner), span.to(end)))
            }
            Tok::LBracket => Ok(Expr::Name(self.ident("a name, or a quoted name ['…']")?)),
            Tok::Ident(w) => self.word_primary(w, span),
            _ => Err(self.expected("an expression")),
        }
    }

    /// Adjacent string literals are one literal: `"a" 'b'` is `"ab"`.
    pub(crate) fn string_literal(&mut self) -> Expr {
        let start = self.span();
        let mut value = String::new();
        let mut end = start;
        while let Tok::Str(s) = self.tok() {
            value.push_str(s);
            end = self.bump().span;
        }
        Expr::Literal(Literal::String(value), start.to(end))
    }

    fn word_primary(&mut self, w: String, span: Span) -> Result<Expr, ParseError> {
        match w.as_str() {
            "true" | "True" | "TRUE" => {
                self.bump();
                return Ok(Expr::Literal(Literal::Bool(true), span));
            }
            "false" | "False" | "FALSE" => {
                self.bump();
                return Ok(Expr::Literal(Literal::Bool(false), span));
            }
            "dynamic" if self.tok_at(1) == &Tok::LParen => return self.dynamic_literal(),
            "range" if self.tok_at(1) == &Tok::LParen => {}
            w if SOURCE_WORDS.contains(&w) => {
                let op = self.source_operator()?;
                return Ok(Expr::Source(Box::new(op)));
            }
            w if w.starts_with('!') => {
                return Err(ParseError::new(self.src, span, format!("`{w}` is not an operator here; KQL negates with not(…)")));
            }
            _ => {}
        }
        let name = self.ident("a name")?;
        if self.at(&Tok::LParen) {
            let (args, end) = self.call_args()?;
            let span = name.span.to(end);
            return Ok(Expr::Call { name, args, span });
        }
        Ok(Expr::Name(name))
    }

    /// `(args)`: each argument may be a tabular expression (`toscalar(T | count)`).
    pub(crate) fn call_args(&mut self) -> Result<(Vec<Expr>, Span), ParseError> {
        self.expect(&Tok::LParen, "`(`")?;
        let args = if self.at(&Tok::RParen) { Vec::new() } else { self.comma_list(|p| p.argument())? };
        let end = self.expect(&Tok::RParen, "`)` to close the arguments")?;
        Ok((args, end))
    }

    /// One argument: a (tabular) expression, or `name = value`.
    pub(crate) fn argument(&mut self) -> Result<Expr, ParseError> {
        self.argument_with(true)
    }

    /// A `where` predicate: like a function argument (`Name = value` included), but a `|`
    /// after it ends the operator rather than piping the predicate.
    pub(crate) fn predicate_argument(&mut self) -> Result<Expr, ParseError> {
        self.argument_with(false)
    }

    fn argument_with(&mut self, pipes: bool) -> Result<Expr, ParseError> {
        let named = match self.tok() {
            Tok::Ident(w) => !w.starts_with('!') && self.tok_at(1) == &Tok::Assign,
            Tok::LBracket => matches!(self.tok_at(1), Tok::Str(_)) && self.tok_at(2) == &Tok::RBracket && self.tok_at(3) == &Tok::Assign,
            _ => false,
        };
        if named {
            let name = self.ident("a parameter name")?;
            self.bump();
            let value = if pipes { self.pipeline()? } else { self.expr()? };
            let span = name.span.to(value.span());
            return Ok(Expr::NamedArg { name, value: Box::new(value), span });
        }
        if pipes { self.pipeline() } else { self.expr() }
    }

    fn dynamic_literal(&mut self) -> Result<Expr, ParseError> {
        let start = self.bump().span;
        self.expect(&Tok::LParen, "`(` after dynamic")?;
        let value = if self.at(&Tok::RParen) { Expr::Literal(Literal::Null, self.span()) } else { self.dynamic_value()? };
        let end = self.expect(&Tok::RParen, "`)` to close dynamic(…)")?;
        Ok(Expr::Literal(Literal::Dynamic(Box::new(value)), start.to(end)))
    }

    fn dynamic_value(&mut self) -> Result<Expr, ParseError> {
        self.enter()?;
        let start = self.span();
        let value = match self.tok().clone() {
            Tok::LBracket => {
                self.bump();
                let items = if self.at(&Tok::RBracket) { Vec::new() } else { self.comma_list(|p| p.dynamic_value())? };
                let end = self.expect(&Tok::RBracket, "`]` to close the array")?;
                Expr::Array(items, start.to(end))
            }
            Tok::LBrace => {
                self.bump();
                let mut pairs = Vec::new();
                if !self.at(&Tok::RBrace) {
                    loop {
                        let key = match self.tok().clone() {
                            Tok::Str(s) => s,
                            Tok::Ident(s) => s,
                            _ => return Err(self.expected("a property name")),
                        };
                        self.bump();
                        self.expect(&Tok::Colon, "`:` after the property name")?;
                        pairs.push((key, self.dynamic_value()?));
                        if !self.eat(&Tok::Comma) {
                            break;
                        }
                    }
                }
                let end = self.expect(&Tok::RBrace, "`}` to close the property bag")?;
                Expr::Bag(pairs, start.to(end))
            }
            Tok::Ident(w) if w == "null" => {
                self.bump();
                Expr::Literal(Literal::Null, start)
            }
            Tok::Minus => {
                self.bump();
                let inner = self.dynamic_value()?;
                let span = start.to(inner.span());
                Expr::Neg { minus: true, expr: Box::new(inner), span }
            }
            _ => {
                let value = self.primary()?;
                if let Expr::Name(name) = &value {
                    // A dynamic literal holds constants; Kusto rejects a column name there.
                    let msg = format!("`{}` is not a constant; dynamic(…) holds only literals", name.name);
                    return Err(ParseError::new(self.src, name.span, msg));
                }
                value
            }
        };
        self.leave();
        Ok(value)
    }

    /// `expr`, `Name = expr` or `(A, B) = expr`.
    pub(crate) fn named_expr(&mut self) -> Result<NamedExpr, ParseError> {
        if let Some(names) = self.assigned_names()? {
            let expr = self.expr()?;
            return Ok(NamedExpr { names, expr });
        }
        Ok(NamedExpr { names: Vec::new(), expr: self.expr()? })
    }

    /// The `Name =` or `(A, B) =` prefix of a named expression, if there is one.
    fn assigned_names(&mut self) -> Result<Option<Vec<Ident>>, ParseError> {
        let single = match (self.tok(), self.tok_at(1), self.tok_at(3)) {
            (Tok::Ident(w), Tok::Assign, _) => !w.starts_with('!'),
            (Tok::LBracket, Tok::Str(_), Tok::Assign) => self.tok_at(2) == &Tok::RBracket,
            _ => false,
        };
        if single {
            if let Tok::Ident(w) = self.tok()
                && matches!(w.as_str(), "first" | "last" | "asc" | "desc")
            {
                // Sort keywords (`asc nulls first`): the real engine rejects `first = …` and
                // `extend asc = …, desc = …` (measured; kusto-oracle c0b93fc0389ba74c).
                let msg = format!("`{w}` is a keyword; write ['{w}'] to name a column so");
                return Err(ParseError::new(self.src, self.span(), msg));
            }
            let name = self.ident("a column name")?;
            self.bump();
            return Ok(Some(vec![name]));
        }
        if self.at(&Tok::LParen) {
            let save = self.pos;
            self.bump();
            let mut names = Vec::new();
            while let Ok(name) = self.ident("a column name") {
                names.push(name);
                if !self.eat(&Tok::Comma) {
                    break;
                }
            }
            if !names.is_empty() && self.eat(&Tok::RParen) && self.eat(&Tok::Assign) {
                return Ok(Some(names));
            }
            self.pos = save;
        }
        Ok(None)
    }
}
