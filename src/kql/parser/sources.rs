//! Operators that start a pipeline by themselves: `print`, `range`, `datatable`,
//! `externaldata`, `union`, `search`, `find` and `evaluate` (the last two may also follow
//! a pipe).

use super::Parser;
use crate::kql::ast::{Expr, OpKind, Operator};
use crate::kql::error::ParseError;
use crate::kql::lexer::Tok;

impl Parser<'_> {
    /// A source operator at the current keyword.
    pub(crate) fn source_operator(&mut self) -> Result<Operator, ParseError> {
        let start = self.span();
        let Tok::Ident(word) = self.bump().kind else { return Err(self.expected("an operator")) };
        self.enter()?;
        let kind = match word.as_str() {
            "print" => OpKind::Print(self.comma_list(|p| p.named_expr())?),
            "range" => self.range()?,
            "datatable" => {
                let columns = self.schema()?;
                let values = self.bracket_values()?;
                OpKind::Datatable { columns, values }
            }
            "externaldata" | "external_data" => {
                let columns = self.schema()?;
                let urls = self.bracket_values()?;
                let with = if self.eat_word("with") { self.paren_params()? } else { Vec::new() };
                OpKind::ExternalData { columns, urls, with }
            }
            "union" => {
                let params = self.params("union")?;
                let tables = self.comma_list(|p| p.union_table())?;
                OpKind::Union { params, tables }
            }
            "search" => {
                let params = self.params("search")?;
                let tables = self.in_tables()?;
                let predicate = self.search_predicate()?;
                OpKind::Search { params, tables, predicate }
            }
            "find" => {
                let params = self.params("find")?;
                let tables = self.in_tables()?;
                self.expect_word("where")?;
                let predicate = self.search_predicate()?;
                let project = if self.eat_word("project") || self.eat_word("project-smart") { self.comma_list(|p| p.expr())? } else { Vec::new() };
                OpKind::Find { params, tables, predicate, project }
            }
            "evaluate" => {
                let params = self.params("evaluate")?;
                let call = self.expr()?;
                let output = if self.eat(&Tok::Colon) { Some(self.row_schema()?) } else { None };
                OpKind::Evaluate { params, call, output }
            }
            other => return Err(ParseError::new(self.src, start, format!("`{other}` cannot start a query"))),
        };
        self.leave();
        let end = self.prev_end();
        Ok(Operator { kind, span: start.to(crate::kql::span::Span::new(end, end)) })
    }

    /// A predicate in which `Column:"term"` is allowed.
    fn search_predicate(&mut self) -> Result<Expr, ParseError> {
        let outer = std::mem::replace(&mut self.in_search, true);
        let result = self.expr();
        self.in_search = outer;
        result
    }

    fn range(&mut self) -> Result<OpKind, ParseError> {
        let column = self.ident("the column name after range")?;
        self.expect_word("from")?;
        let from = self.expr()?;
        self.expect_word("to")?;
        let to = self.expr()?;
        self.expect_word("step")?;
        let step = self.expr()?;
        Ok(OpKind::Range { column, from, to, step })
    }

    /// `[v, v, ...]` for datatable rows and externaldata URLs. A comma may follow the
    /// last value (the documentation's own examples end rows that way).
    fn bracket_values(&mut self) -> Result<Vec<Expr>, ParseError> {
        self.expect(&Tok::LBracket, "`[` and the values")?;
        let mut values = Vec::new();
        while !self.at(&Tok::RBracket) {
            values.push(self.expr()?);
            if !self.eat(&Tok::Comma) {
                break;
            }
        }
        self.expect(&Tok::RBracket, "`]` after the values")?;
        Ok(values)
    }

    /// A table of `union`: a name with wildcards (`Device*`), or a parenthesised pipeline.
    fn union_table(&mut self) -> Result<Expr, ParseError> {
        if self.at(&Tok::LParen) {
            return self.subquery();
        }
        if matches!(self.tok(), Tok::Star) || (matches!(self.tok(), Tok::Ident(_)) && self.tok_at(1) == &Tok::Star && self.span_at(1).start == self.span().end) {
            return Ok(Expr::Name(self.name_pattern("a table name")?));
        }
        // A name, call or member access; not a whole expression, which would take in
        // whatever operator follows the union.
        self.unary()
    }

    /// `in (T1, T2)` of search and find.
    fn in_tables(&mut self) -> Result<Vec<Expr>, ParseError> {
        if !(self.at_word("in") && self.tok_at(1) == &Tok::LParen) {
            return Ok(Vec::new());
        }
        self.bump();
        self.bump();
        let tables = self.comma_list(|p| p.union_table())?;
        self.expect(&Tok::RParen, "`)` after the tables")?;
        Ok(tables)
    }
}
