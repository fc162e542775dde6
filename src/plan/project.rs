//! `project`, `extend` and the `project-*` family: which columns leave an operator, under
//! which names, in which order.

use datafusion::common::DFSchema;
use datafusion::logical_expr::{Expr, LogicalPlan, LogicalPlanBuilder};

use super::names::{UniqueNames, result_name};
use super::{PlanError, Planner};
use crate::kql::Span;
use crate::kql::ast::{Expr as Ast, Ident, NamedExpr};

impl Planner<'_> {
    /// The output name of each item: given, derived (`result_name`) or `ColumnN`.
    pub(crate) fn item_names(&self, items: &[NamedExpr], schema: &DFSchema) -> Result<Vec<String>, PlanError> {
        let mut table = UniqueNames::with_reserved(schema.fields().iter().map(|f| f.name().as_str()));
        for item in items {
            if let [name] = item.names.as_slice() {
                table.reserve(&name.name);
            }
        }
        items
            .iter()
            .map(|item| match item.names.as_slice() {
                [name] => Ok(name.name.clone()),
                [] => Ok(result_name(&item.expr).unwrap_or_else(|| table.column())),
                [first, ..] => Err(self.unsupported(first.span, "assigning one expression to several columns `(A, B) = …`")),
            })
            .collect()
    }

    pub(crate) fn project(&mut self, input: LogicalPlan, items: &[NamedExpr], span: Span) -> Result<LogicalPlan, PlanError> {
        let schema = input.schema().clone();
        let names = self.item_names(items, &schema)?;
        let mut exprs = Vec::with_capacity(items.len());
        let mut seen = std::collections::BTreeSet::new();
        for (item, name) in items.iter().zip(&names) {
            if matches!(item.expr, Ast::Star(_)) {
                return Err(self.unsupported(item.expr.span(), "`project *`"));
            }
            if !seen.insert(name.clone()) {
                return Err(self.invalid(item.expr.span(), format!("the column `{name}` is projected twice")));
            }
            let e = self.serial_scalar(&input, &item.expr, &schema)?;
            exprs.push(named(e, name));
        }
        let (input, exprs) = self.with_windows(input, exprs, span)?;
        build_projection(self, input, exprs, span)
    }

    /// Plans an item of `project`/`extend`, where the functions of serialized rows
    /// (`row_number()`, `prev()`, `next()`) follow `input`'s order.
    fn serial_scalar(&mut self, input: &LogicalPlan, e: &Ast, schema: &DFSchema) -> Result<Expr, PlanError> {
        let saved = self.window_order.replace(Self::serial_order(input));
        let out = self.scalar(e, schema);
        self.window_order = saved;
        out
    }

    pub(crate) fn extend(&mut self, input: LogicalPlan, items: &[NamedExpr], span: Span) -> Result<LogicalPlan, PlanError> {
        let schema = input.schema().clone();
        let names = self.item_names(items, &schema)?;
        let mut new: Vec<(String, Expr)> = Vec::new();
        for (item, name) in items.iter().zip(names) {
            // Every item reads the operator's input (reference notes §1, item 28).
            let e = self.serial_scalar(&input, &item.expr, &schema)?;
            match new.iter_mut().find(|(n, _)| *n == name) {
                Some(slot) => slot.1 = e,
                None => new.push((name, e)),
            }
        }
        self.extend_with(input, new, span)
    }

    /// Adds the columns `new` after the input's, except that one with an existing name
    /// replaces that column where it stands.
    pub(crate) fn extend_with(&self, input: LogicalPlan, new: Vec<(String, Expr)>, span: Span) -> Result<LogicalPlan, PlanError> {
        // The input's columns, not the window results `with_windows` adds after them.
        let schema = input.schema().clone();
        let (names, exprs): (Vec<String>, Vec<Expr>) = new.into_iter().unzip();
        let (input, exprs) = self.with_windows(input, exprs, span)?;
        let mut new: Vec<(String, Expr)> = names.into_iter().zip(exprs).collect();
        let mut exprs = Vec::new();
        for (q, f) in schema.iter() {
            // An existing name is replaced where it stands.
            match new.iter().position(|(n, _)| n == f.name()) {
                Some(i) => {
                    let (n, e) = new.remove(i);
                    exprs.push(named(e, &n));
                }
                None => {
                    // Nested windows put the input under a new qualifier (window.rs).
                    let c = datafusion::common::Column::new(q.cloned(), f.name());
                    let c = if input.schema().has_column(&c) { c } else { datafusion::common::Column::from_name(f.name()) };
                    exprs.push(Expr::Column(c));
                }
            }
        }
        exprs.extend(new.into_iter().map(|(n, e)| named(e, &n)));
        build_projection(self, input, exprs, span)
    }

    pub(crate) fn project_away(&mut self, input: LogicalPlan, patterns: &[Ident], span: Span) -> Result<LogicalPlan, PlanError> {
        self.check_patterns(&input, patterns)?;
        let keep = columns_where(&input, |name| !patterns.iter().any(|p| glob(&p.name, name)));
        build_projection(self, input, keep, span)
    }

    pub(crate) fn project_keep(&mut self, input: LogicalPlan, patterns: &[Ident], span: Span) -> Result<LogicalPlan, PlanError> {
        self.check_patterns(&input, patterns)?;
        let keep = columns_where(&input, |name| patterns.iter().any(|p| glob(&p.name, name)));
        build_projection(self, input, keep, span)
    }

    pub(crate) fn project_rename(&mut self, input: LogicalPlan, pairs: &[(Ident, Ident)], span: Span) -> Result<LogicalPlan, PlanError> {
        for (_, old) in pairs {
            if !input.schema().fields().iter().any(|f| f.name() == &old.name) {
                return Err(self.invalid(old.span, format!("project-rename: no column `{}`", old.name)));
            }
        }
        let exprs = input
            .schema()
            .iter()
            .map(|(q, f)| {
                let c = Expr::Column(datafusion::common::Column::new(q.cloned(), f.name()));
                match pairs.iter().find(|(_, old)| &old.name == f.name()) {
                    Some((new, _)) => c.alias(new.name.clone()),
                    None => c,
                }
            })
            .collect();
        build_projection(self, input, exprs, span)
    }

    pub(crate) fn project_reorder(&mut self, input: LogicalPlan, items: &[(Ident, Option<bool>)], span: Span) -> Result<LogicalPlan, PlanError> {
        let patterns: Vec<Ident> = items.iter().map(|(p, _)| p.clone()).collect();
        self.check_patterns(&input, &patterns)?;
        let names: Vec<String> = input.schema().fields().iter().map(|f| f.name().clone()).collect();
        let mut order: Vec<String> = Vec::new();
        for (p, dir) in items {
            let mut matched: Vec<String> = names.iter().filter(|n| glob(&p.name, n) && !order.contains(n)).cloned().collect();
            match dir {
                Some(true) => matched.sort(),
                Some(false) => matched.sort_by(|a, b| b.cmp(a)),
                None => {}
            }
            order.extend(matched);
        }
        order.extend(names.iter().filter(|n| !order.contains(n)).cloned().collect::<Vec<_>>());
        let exprs = order.iter().filter_map(|n| super::expr::find_column(input.schema(), n)).collect();
        build_projection(self, input, exprs, span)
    }

    /// A name without a wildcard must be a column.
    fn check_patterns(&self, input: &LogicalPlan, patterns: &[Ident]) -> Result<(), PlanError> {
        for p in patterns {
            if !p.name.contains('*') && !input.schema().fields().iter().any(|f| f.name() == &p.name) {
                return Err(self.invalid(p.span, format!("no column `{}`", p.name)));
            }
        }
        Ok(())
    }
}

/// `e` under the output name `name` (a column that already has the name stays as it is).
pub(crate) fn named(e: Expr, name: &str) -> Expr {
    match &e {
        Expr::Column(c) if c.name == name => e,
        Expr::Alias(a) if a.name == name => e,
        _ => e.alias(name),
    }
}

pub(crate) fn build_projection(p: &Planner<'_>, input: LogicalPlan, exprs: Vec<Expr>, span: Span) -> Result<LogicalPlan, PlanError> {
    let plan = LogicalPlanBuilder::from(input).project(exprs).and_then(|b| b.build()).map_err(p.df(span))?;
    p.boxed(plan, span)
}

fn columns_where(input: &LogicalPlan, keep: impl Fn(&str) -> bool) -> Vec<Expr> {
    input
        .schema()
        .iter()
        .filter(|(_, f)| keep(f.name()))
        .map(|(q, f)| Expr::Column(datafusion::common::Column::new(q.cloned(), f.name())))
        .collect()
}

/// Kusto's column wildcards: `*` matches any run of characters.
pub(crate) fn glob(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == name;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !name.starts_with(first) || name.len() < first.len() + last.len() || !name.ends_with(last) {
        return false;
    }
    let mut rest = &name[first.len()..name.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn wildcards() {
        assert!(glob("Device*", "DeviceName"));
        assert!(glob("*Name", "DeviceName"));
        assert!(glob("*ice*", "DeviceName"));
        assert!(!glob("Device*", "Timestamp"));
        assert!(glob("a*b*c", "aXbYc"));
        assert!(!glob("ab*ba", "aba"));
    }
}
