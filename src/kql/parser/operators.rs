//! Tabular operators after `|`: one short helper per operator, dispatched by keyword.

use super::Parser;
use crate::kql::ast::{Expr, Ident, MvExpandItem, OpKind, OpParam, Operator, ParsePart, ScanStep, SortKey, TopNestedClause};
use crate::kql::error::ParseError;
use crate::kql::lexer::Tok;

/// Every operator keyword the parser knows (after alias folding), for "did you mean".
pub(crate) const OPERATORS: &[&str] = &[
    "where", "filter", "project", "project-away", "project-keep", "project-rename", "project-reorder",
    "project-by-names", "extend", "summarize", "join", "lookup", "union", "mv-expand", "mv-apply", "parse", "parse-where",
    "parse-kv", "take", "limit", "top", "top-nested", "top-hitters", "sort", "order", "distinct", "count",
    "as", "serialize", "invoke", "evaluate", "make-series", "render", "getschema", "sample",
    "sample-distinct", "facet", "fork", "partition", "scan", "consume", "search", "find", "print", "range",
    "datatable", "externaldata", "mvexpand", "mvapply",
];

/// Operator parameters each operator accepts before its arguments (`hint.*` always).
fn accepts_param(op: &str, name: &str) -> bool {
    if name.starts_with("hint.") {
        return true;
    }
    let names: &[&str] = match op {
        "join" | "lookup" => &["kind"],
        "union" => &["kind", "withsource", "isfuzzy"],
        "mv-expand" | "mv-apply" => &["bagexpansion", "with_itemindex", "kind"],
        "parse" | "parse-where" => &["kind", "flags"],
        "make-series" => &["kind"],
        "search" => &["kind"],
        "find" => &["withsource", "datascope"],
        "scan" => &["with_match_id"],
        _ => &[],
    };
    names.contains(&name)
}

impl Parser<'_> {
    /// Whether the current token begins an operator (a subquery with an implicit input).
    pub(crate) fn operator_starts_here(&self) -> bool {
        let Tok::Ident(w) = self.tok() else { return false };
        let w = w.as_str();
        // A plain keyword (`count`, `sample`) is a name when what follows only makes sense
        // after a name: a call, a member, an assignment or the end of a list. (`where [x]`
        // is an operator: the printer quotes keyword-like names, so it writes `where ["or"]`.)
        OPERATORS.contains(&w)
            && !super::expr::SOURCE_WORDS.contains(&w)
            && (w.contains('-') || !matches!(self.tok_at(1), Tok::LParen | Tok::Dot | Tok::Assign | Tok::Comma | Tok::RParen))
    }

    /// One operator after `|`.
    pub(crate) fn operator(&mut self) -> Result<Operator, ParseError> {
        let start = self.span();
        let Tok::Ident(word) = self.tok().clone() else {
            return Err(self.expected("a tabular operator after `|`"));
        };
        let keyword = match word.as_str() {
            "filter" => "where",
            "limit" => "take",
            "order" => "sort",
            "mvexpand" => "mv-expand",
            "mvapply" => "mv-apply",
            w => w,
        }
        .to_string();
        if !OPERATORS.contains(&keyword.as_str()) {
            return Err(ParseError::new(self.src, start, format!("`{word}` is not a tabular operator")).suggest(&word, OPERATORS));
        }
        if super::expr::SOURCE_WORDS.contains(&keyword.as_str()) {
            return self.source_operator();
        }
        self.bump();
        self.enter()?;
        let kind = self.operator_body(&keyword)?;
        self.leave();
        Ok(Operator { kind, span: start.to(prev_span(self)) })
    }

    fn operator_body(&mut self, keyword: &str) -> Result<OpKind, ParseError> {
        Ok(match keyword {
            "where" => OpKind::Where(self.predicate_argument()?),
            "project" => OpKind::Project(self.comma_list(|p| p.named_expr())?),
            "extend" => OpKind::Extend(self.comma_list(|p| p.named_expr())?),
            "project-away" => OpKind::ProjectAway(self.comma_list(|p| p.name_pattern("a column name"))?),
            "project-keep" => OpKind::ProjectKeep(self.comma_list(|p| p.name_pattern("a column name"))?),
            "project-rename" => OpKind::ProjectRename(self.comma_list(|p| {
                let new = p.ident("the new column name")?;
                p.expect(&Tok::Assign, "`=` and the old column name")?;
                Ok((new, p.ident("the old column name")?))
            })?),
            "project-by-names" => OpKind::ProjectByNames(self.comma_list(|p| p.expr())?),
            "project-reorder" => OpKind::ProjectReorder(self.comma_list(|p| {
                let name = p.name_pattern("a column name")?;
                let order = if p.eat_word("asc") { Some(true) } else if p.eat_word("desc") { Some(false) } else { None };
                Ok((name, order))
            })?),
            "summarize" => self.summarize()?,
            "join" | "lookup" => self.join(keyword)?,
            "mv-expand" => {
                let (params, items, limit) = self.mv_items(keyword)?;
                OpKind::MvExpand { params, items, limit }
            }
            "mv-apply" => {
                let (params, items, limit) = self.mv_items(keyword)?;
                self.expect_word("on")?;
                let on = self.subquery()?;
                OpKind::MvApply { params, items, limit, on }
            }
            "parse" | "parse-where" => self.parse_op(keyword)?,
            "parse-kv" => self.parse_kv()?,
            "take" => OpKind::Take(self.expr()?),
            "top" => {
                let count = self.expr()?;
                self.expect_word("by")?;
                OpKind::Top { count, by: self.comma_list(|p| p.sort_key())? }
            }
            "top-nested" => self.top_nested()?,
            "top-hitters" => {
                let count = self.expr()?;
                self.expect_word("of")?;
                let of = self.expr()?;
                let by = if self.eat_word("by") { Some(self.expr()?) } else { None };
                OpKind::TopHitters { count, of, by }
            }
            "sort" => {
                self.expect_word("by")?;
                OpKind::Sort(self.comma_list(|p| p.sort_key())?)
            }
            "distinct" => OpKind::Distinct(self.comma_list(|p| p.named_expr())?),
            "count" => OpKind::Count,
            "getschema" => OpKind::GetSchema,
            "consume" => OpKind::Consume,
            "as" => {
                let params = self.params("as")?;
                OpKind::As { params, name: self.ident("a name after `as`")? }
            }
            "serialize" => OpKind::Serialize(if self.at_op_end() { Vec::new() } else { self.comma_list(|p| p.named_expr())? }),
            "invoke" => OpKind::Invoke(self.expr()?),
            "make-series" => self.make_series()?,
            "render" => {
                let chart = self.ident("a visualization (timechart, barchart, table, ...)")?;
                let with = if self.eat_word("with") { self.paren_params()? } else { Vec::new() };
                OpKind::Render { chart, with }
            }
            "sample" => OpKind::Sample(self.expr()?),
            "sample-distinct" => {
                let count = self.expr()?;
                self.expect_word("of")?;
                OpKind::SampleDistinct { count, of: self.expr()? }
            }
            "facet" => {
                self.expect_word("by")?;
                let by = self.comma_list(|p| p.ident("a column name"))?;
                let with = if self.eat_word("with") { Some(self.subquery()?) } else { None };
                OpKind::Facet { by, with }
            }
            "fork" => self.fork()?,
            "partition" => {
                let params = self.params("partition")?;
                self.expect_word("by")?;
                let by = self.ident("the partition column")?;
                let body = if self.at(&Tok::LBrace) { self.braced_subquery()? } else { self.subquery()? };
                OpKind::Partition { params, by, body }
            }
            "scan" => self.scan()?,
            other => return Err(ParseError::new(self.src, self.span(), format!("`{other}` is not a tabular operator"))),
        })
    }

    /// `name=value` parameters right after an operator keyword.
    pub(crate) fn params(&mut self, op: &str) -> Result<Vec<OpParam>, ParseError> {
        let mut out = Vec::new();
        loop {
            let save = self.pos;
            let Tok::Ident(first) = self.tok().clone() else { break };
            self.bump();
            let mut name = first;
            while self.at(&Tok::Dot) && matches!(self.tok_at(1), Tok::Ident(_)) {
                self.bump();
                let Tok::Ident(part) = self.bump().kind else { break };
                name.push('.');
                name.push_str(&part);
            }
            if !self.at(&Tok::Assign) || !accepts_param(op, &name) {
                self.pos = save;
                break;
            }
            self.bump();
            let value = self.param_value()?;
            out.push(OpParam { name, value });
        }
        Ok(out)
    }

    /// A parameter value: a name, or a literal (a full expression would swallow what
    /// follows: `kind=inner (T)` is not a call).
    fn param_value(&mut self) -> Result<Expr, ParseError> {
        // A literal without postfix access: in `kind=false [x]…` the bracket belongs to
        // what follows (found by the fuzzer).
        match self.tok() {
            Tok::Ident(w) if matches!(w.as_str(), "true" | "false" | "True" | "False" | "TRUE" | "FALSE") => self.primary(),
            Tok::Ident(_) => Ok(Expr::Name(self.ident("a value")?)),
            Tok::Minus | Tok::Plus => {
                let minus = self.at(&Tok::Minus);
                let start = self.bump().span;
                let expr = self.primary()?;
                let span = start.to(expr.span());
                Ok(Expr::Neg { minus, expr: Box::new(expr), span })
            }
            _ => self.primary(),
        }
    }

    /// `(name = value, ...)`.
    pub(crate) fn paren_params(&mut self) -> Result<Vec<OpParam>, ParseError> {
        self.expect(&Tok::LParen, "`(`")?;
        let mut out = Vec::new();
        if !self.at(&Tok::RParen) {
            out = self.comma_list(|p| {
                let name = p.dotted_name()?;
                p.expect(&Tok::Assign, "`=`")?;
                Ok(OpParam { name, value: p.expr()? })
            })?;
        }
        self.expect(&Tok::RParen, "`)`")?;
        Ok(out)
    }

    pub(crate) fn sort_key(&mut self) -> Result<SortKey, ParseError> {
        let expr = self.expr()?;
        let asc = if self.eat_word("asc") { Some(true) } else if self.eat_word("desc") { Some(false) } else { None };
        let nulls_first = if self.at_word("nulls") && matches!(self.word_at(1), Some("first" | "last")) {
            self.bump();
            Some(self.bump().kind == Tok::Ident("first".into()))
        } else {
            None
        };
        Ok(SortKey { expr, asc, nulls_first })
    }

    fn summarize(&mut self) -> Result<OpKind, ParseError> {
        let params = self.params("summarize")?;
        let aggs = if self.at_word("by") || self.at_op_end() { Vec::new() } else { self.comma_list(|p| p.named_expr())? };
        let by = if self.eat_word("by") { self.comma_list(|p| p.named_expr())? } else { Vec::new() };
        Ok(OpKind::Summarize { params, aggs, by })
    }

    fn join(&mut self, keyword: &str) -> Result<OpKind, ParseError> {
        let params = self.params(keyword)?;
        let right = if self.at(&Tok::LParen) {
            let start = self.bump().span;
            let inner = self.pipeline()?;
            let end = self.expect(&Tok::RParen, "`)` after the right side")?;
            Expr::Paren(Box::new(inner), start.to(end))
        } else {
            self.expr()?
        };
        let on = if self.eat_word("on") { self.comma_list(|p| p.expr())? } else { Vec::new() };
        Ok(if keyword == "join" { OpKind::Join { params, right, on } } else { OpKind::Lookup { params, right, on } })
    }

    fn mv_items(&mut self, keyword: &str) -> Result<(Vec<OpParam>, Vec<MvExpandItem>, Option<Expr>), ParseError> {
        let params = self.params(keyword)?;
        let items = self.comma_list(|p| {
            let item = p.named_expr()?;
            let to_type = if p.at_word("to") && matches!(p.tok_at(1), Tok::Typed { ty, .. } if ty == "typeof") {
                p.bump();
                let Tok::Typed { text, .. } = p.bump().kind else { return Err(p.expected("typeof(…)")) };
                Some(text)
            } else {
                None
            };
            Ok(MvExpandItem { item, to_type })
        })?;
        let limit = if self.eat_word("limit") { Some(self.expr()?) } else { None };
        Ok((params, items, limit))
    }

    fn parse_op(&mut self, keyword: &str) -> Result<OpKind, ParseError> {
        let params = self.params(keyword)?;
        let source = self.expr()?;
        self.expect_word("with")?;
        let mut pattern = Vec::new();
        while !self.at_op_end() {
            match self.tok().clone() {
                Tok::Str(_) => {
                    if let Expr::Literal(crate::kql::ast::Literal::String(s), _) = self.string_literal() {
                        pattern.push(ParsePart::Text(s));
                    }
                }
                Tok::Star => {
                    self.bump();
                    pattern.push(ParsePart::Star);
                }
                Tok::Ident(_) | Tok::LBracket => {
                    if let Tok::Ident(w) = self.tok()
                        && crate::kql::printer::RESERVED.contains(&w.as_str())
                    {
                        // The real engine rejects `from:string` here (measured); brackets quote it.
                        let msg = format!("`{w}` is a keyword; write ['{w}'] to extract a column of that name");
                        return Err(ParseError::new(self.src, self.span(), msg));
                    }
                    let name = self.ident("a column name")?;
                    let ty = if self.eat(&Tok::Colon) { Some(self.type_name()?) } else { None };
                    pattern.push(ParsePart::Column { name, ty });
                }
                _ => return Err(self.expected("a string, `*` or a column in the parse pattern")),
            }
        }
        if pattern.is_empty() {
            return Err(self.expected("a parse pattern after `with`"));
        }
        Ok(OpKind::Parse { filter: keyword == "parse-where", params, source, pattern })
    }

    fn parse_kv(&mut self) -> Result<OpKind, ParseError> {
        let source = self.expr()?;
        self.expect_word("as")?;
        let columns = self.column_list(true)?;
        let with = if self.eat_word("with") { self.paren_params()? } else { Vec::new() };
        Ok(OpKind::ParseKv { source, columns, with })
    }

    /// `(name: type, ...)`.
    pub(crate) fn schema(&mut self) -> Result<Vec<(Ident, Ident)>, ParseError> {
        self.column_list(false)
    }

    /// `(name: type, …)`; with `extracted`, a keyword is refused as a bare name, as the real
    /// engine refuses `parse-kv s as (true: bool, …)` (measured; kusto-oracle
    /// edadc26d433bce97) and `from:string` in a parse pattern.
    fn column_list(&mut self, extracted: bool) -> Result<Vec<(Ident, Ident)>, ParseError> {
        self.expect(&Tok::LParen, "`(` and a column list")?;
        let cols = if self.at(&Tok::RParen) {
            Vec::new()
        } else {
            self.comma_list(|p| {
                if let Tok::Ident(w) = p.tok()
                    && extracted
                    && crate::kql::printer::RESERVED.contains(&w.as_str())
                {
                    let msg = format!("`{w}` is a keyword; write ['{w}'] to extract a column of that name");
                    return Err(ParseError::new(p.src, p.span(), msg));
                }
                let name = p.ident("a column name")?;
                p.expect(&Tok::Colon, "`:` and a type")?;
                Ok((name, p.type_name()?))
            })?
        };
        self.expect(&Tok::RParen, "`)` to close the column list")?;
        Ok(cols)
    }

    fn top_nested(&mut self) -> Result<OpKind, ParseError> {
        let mut clauses = Vec::new();
        loop {
            let count = if self.at_word("of") { None } else { Some(self.expr()?) };
            self.expect_word("of")?;
            let of = self.named_expr()?;
            let others = if self.at_word("with") && self.word_at(1) == Some("others") {
                self.bump();
                self.bump();
                self.expect(&Tok::Assign, "`=`")?;
                Some(self.expr()?)
            } else {
                None
            };
            self.expect_word("by")?;
            let by = self.named_expr()?;
            let asc = if self.eat_word("asc") { Some(true) } else if self.eat_word("desc") { Some(false) } else { None };
            clauses.push(TopNestedClause { count, of, others, by, asc });
            if !(self.at(&Tok::Comma) && self.word_at(1) == Some("top-nested")) {
                break;
            }
            self.bump();
            self.bump();
        }
        Ok(OpKind::TopNested(clauses))
    }

    fn make_series(&mut self) -> Result<OpKind, ParseError> {
        let params = self.params("make-series")?;
        let aggs = self.comma_list(|p| {
            let agg = p.named_expr()?;
            let default = if p.at_word("default") && p.tok_at(1) == &Tok::Assign {
                p.bump();
                p.bump();
                Some(p.expr()?)
            } else {
                None
            };
            Ok((agg, default))
        })?;
        self.expect_word("on")?;
        // The axis is a column; a full expression would read `Timestamp in range(…)` as `in`.
        let on = self.unary()?;
        let mut range = Vec::new();
        for word in ["in", "from", "to", "step"] {
            if self.eat_word(word) {
                range.push((word.to_string(), self.expr()?));
            }
        }
        let by = if self.eat_word("by") { self.comma_list(|p| p.named_expr())? } else { Vec::new() };
        Ok(OpKind::MakeSeries { params, aggs, on, range, by })
    }

    fn fork(&mut self) -> Result<OpKind, ParseError> {
        let mut branches = Vec::new();
        while !self.at_op_end() || self.at(&Tok::LParen) {
            let names = if matches!(self.tok(), Tok::Ident(_)) && self.tok_at(1) == &Tok::Assign {
                let n = self.ident("a branch name")?;
                self.bump();
                vec![n]
            } else {
                Vec::new()
            };
            let expr = self.subquery()?;
            branches.push(crate::kql::ast::NamedExpr { names, expr });
            if !self.at(&Tok::LParen) && !matches!(self.tok(), Tok::Ident(_)) {
                break;
            }
        }
        if branches.is_empty() {
            return Err(self.expected("a `(subquery)` after fork"));
        }
        Ok(OpKind::Fork(branches))
    }

    /// `(operators…)` whose input is the operator's input.
    pub(crate) fn subquery(&mut self) -> Result<Expr, ParseError> {
        let start = self.expect(&Tok::LParen, "`(` and a subquery")?;
        let inner = self.pipeline()?;
        let end = self.expect(&Tok::RParen, "`)` to close the subquery")?;
        Ok(Expr::Paren(Box::new(inner), start.to(end)))
    }

    fn braced_subquery(&mut self) -> Result<Expr, ParseError> {
        self.expect(&Tok::LBrace, "`{`")?;
        let inner = self.pipeline()?;
        self.expect(&Tok::RBrace, "`}`")?;
        Ok(inner)
    }

    fn scan(&mut self) -> Result<OpKind, ParseError> {
        let params = self.params("scan")?;
        let declare = if self.eat_word("declare") {
            self.expect(&Tok::LParen, "`(`")?;
            let d = self.comma_list(|p| p.param())?;
            self.expect(&Tok::RParen, "`)`")?;
            d
        } else {
            Vec::new()
        };
        self.expect_word("with")?;
        self.expect(&Tok::LParen, "`(` and the scan steps")?;
        let mut steps = Vec::new();
        while self.eat_word("step") {
            let name = self.ident("a step name")?;
            let mut step_params = Vec::new();
            if self.eat_word("optional") {
                step_params.push(OpParam { name: "optional".into(), value: Expr::Literal(crate::kql::ast::Literal::Bool(true), self.span()) });
            }
            if self.at_word("output") && self.tok_at(1) == &Tok::Assign {
                self.bump();
                self.bump();
                step_params.push(OpParam { name: "output".into(), value: Expr::Name(self.ident("all, last or none")?) });
            }
            self.expect(&Tok::Colon, "`:` after the step name")?;
            let condition = self.expr()?;
            let assignments = if self.eat(&Tok::Arrow) { self.comma_list(|p| p.named_expr())? } else { Vec::new() };
            self.expect(&Tok::Semi, "`;` after the step")?;
            steps.push(ScanStep { name, params: step_params, condition, assignments });
        }
        self.expect(&Tok::RParen, "`)` after the scan steps")?;
        Ok(OpKind::Scan { params, declare, steps })
    }
}

fn prev_span(p: &Parser<'_>) -> crate::kql::span::Span {
    let end = p.prev_end();
    crate::kql::span::Span::new(end, end)
}
