//! Checks beyond parsing ([`lint_script`]): calls to names that are neither built-in nor
//! bound in the query, close to a built-in name — a likely misspelling.

use std::collections::HashSet;

use crate::kql::ast::{Expr, LetValue, Script, Statement};
use crate::kql::builtins::FUNCTIONS;
use crate::kql::error::did_you_mean;
use crate::kql::span::Span;
use crate::kql::visit::walk_script;

/// A lint finding: where, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The span in the query text.
    pub span: Span,
    /// The message, with its suggestion.
    pub message: String,
}

/// Calls that look like misspelt built-in functions.
pub fn lint_script(script: &Script) -> Vec<Finding> {
    let mut bound = HashSet::new();
    collect_bound(&script.statements, &mut bound);
    let mut out = Vec::new();
    walk_script(script, &mut |e| {
        if let Expr::Call { name, .. } = e {
            let n = name.name.as_str();
            if !bound.contains(n) && FUNCTIONS.binary_search(&n).is_err() {
                if let Some(best) = did_you_mean(n, FUNCTIONS) {
                    out.push(Finding { span: name.span, message: format!("unknown function `{n}` (did you mean `{best}`?)") });
                }
            }
        }
    });
    out
}

fn collect_bound(statements: &[Statement], bound: &mut HashSet<String>) {
    for s in statements {
        if let Statement::Let { name, value, .. } = s {
            bound.insert(name.name.clone());
            if let LetValue::Function(f) = value {
                bound.extend(f.params.iter().map(|p| p.name.name.clone()));
                collect_bound(&f.body, bound);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kql::parse;

    #[test]
    fn builtins_are_sorted_for_binary_search() {
        assert!(FUNCTIONS.windows(2).all(|w| w[0] < w[1]), "FUNCTIONS must stay sorted");
    }

    #[test]
    fn misspelt_calls_get_a_suggestion_and_bound_names_do_not() {
        let script = parse("let tolowr2 = (s: string) { s };\nT | extend a = tolowr(x), b = tolowr2(y), c = FileProfile(z)").expect("parses");
        let findings = lint_script(&script);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(findings[0].message, "unknown function `tolowr` (did you mean `tolower`?)");
    }
}
