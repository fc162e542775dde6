//! Kusto's column-naming rules in one place: names for unnamed expressions (`Column1`,
//! `strlen_x`, the first argument's name), aggregate names (`count_`, `set_x`), `print_0`,
//! and the smallest-free-suffix rule that keeps output names unique (`DeviceName1`).

use std::collections::BTreeSet;

use crate::kql::ast::Expr;

/// The name an expression's value takes when the query gives none, or `None` when Kusto
/// would number it (`Column1`, …).
pub fn result_name(e: &Expr) -> Option<String> {
    match e {
        Expr::Name(id) => Some(id.name.clone()),
        Expr::Paren(inner, _) => result_name(inner),
        Expr::Member { target, member, .. } => Some(format!("{}_{}", result_name(target)?, member.name)),
        Expr::Index { target, index, .. } => {
            let key = match index.as_ref() {
                Expr::Literal(crate::kql::ast::Literal::String(s), _) => s.clone(),
                Expr::Literal(crate::kql::ast::Literal::Long(n), _) => n.to_string(),
                _ => return None,
            };
            Some(format!("{}_{key}", result_name(target)?))
        }
        Expr::Call { name, args, .. } => call_name(&name.name, args),
        _ => None,
    }
}

/// Functions whose unnamed result takes the first argument's name (reference notes §6.5).
const FIRST_ARG: &[&str] = &[
    "tostring", "toint", "tolong", "toreal", "todouble", "todatetime", "totimespan", "tobool", "toboolean", "todecimal",
    "toguid", "todynamic", "toobject", "parse_json", "parse_csv", "parse_xml", "split", "format_datetime", "format_timespan",
    "startofday", "startofweek", "startofmonth", "startofyear", "endofday", "endofweek", "endofmonth", "endofyear", "bin",
    "floor", "bin_at", "bin_auto", "round", "ceiling", "abs", "pow", "sqrt", "log", "log2", "log10", "exp", "exp2", "exp10",
    "sin", "cos", "tan", "asin", "acos", "atan", "binary_not", "bitset_count_ones", "sign",
];

fn call_name(f: &str, args: &[Expr]) -> Option<String> {
    let first = args.first().and_then(result_name);
    match f {
        f if FIRST_ARG.contains(&f) => first,
        "strlen" | "string_size" | "dcount_hll" | "percentile_tdigest" => first.map(|n| format!("{f}_{n}")),
        "gettype" => first.map(|n| format!("type_{n}")),
        "treepath" => first.map(|n| format!("tree_{n}")),
        "repeat" => first.map(|n| format!("repeat_{n}")),
        "make_datetime" | "make_timespan" if args.len() == 1 => first,
        _ => None,
    }
}

/// The default name of an aggregate call `f(args)` (reference notes §3.2); `None` for a
/// function that is not an aggregate this table knows.
pub fn aggregate_name(f: &str, args: &[Expr]) -> Option<String> {
    let arg = || args.first().and_then(result_name).unwrap_or_default();
    Some(match f {
        "count" if args.is_empty() => "count_".to_string(),
        "count" => format!("count_{}", arg()),
        // Measured: `countif(b)` of a column is `countif_b`; of an expression, `countif_`.
        "countif" => format!("countif_{}", arg()),
        "make_set" | "make_set_if" | "makeset" => format!("set_{}", arg()),
        "make_list" | "make_list_if" | "makelist" | "make_list_with_nulls" => format!("list_{}", arg()),
        "make_bag" | "make_bag_if" => format!("bag_{}", arg()),
        // `percentile(x, 99.9)` is `percentile_x_99_9` (reference notes §3.2).
        "percentile" => format!("percentile_{}_{}", arg(), args.get(1).map(|p| p.to_string().replace('.', "_")).unwrap_or_default()),
        "take_any" | "take_anyif" => args.first().and_then(result_name).unwrap_or_else(|| "any_arg0".into()),
        "any" => format!("any_{}", arg()),
        "dcount" | "dcountif" | "count_distinct" | "count_distinctif" | "sum" | "sumif" | "avg" | "avgif" | "min" | "minif"
        | "max" | "maxif" | "stdev" | "stdevif" | "stdevp" | "variance" | "varianceif" | "variancep" | "hll" | "tdigest" => {
            format!("{f}_{}", arg())
        }
        _ => return None,
    })
}

/// Every aggregation function the official parser knows (reference notes §3.4), so that
/// one lakehunt lacks is refused as unsupported rather than misread as a scalar call.
pub const KUSTO_AGGREGATES: &[&str] = &[
    "any", "anyif", "arg_max", "arg_min", "argmax", "argmin", "avg", "avgif", "binary_all_and", "binary_all_or", "binary_all_xor",
    "buildschema", "cnt", "count", "count_distinct", "count_distinctif", "countif", "covariance", "covarianceif", "covariancep",
    "covariancepif", "dcount", "dcountif", "hll", "hll_if", "hll_merge", "make_bag", "make_bag_if", "make_dictionary", "make_list",
    "make_list_if", "make_list_with_nulls", "make_set", "make_set_if", "makelist", "makeset", "max", "maxif", "merge_tdigest", "min",
    "minif", "percentile", "percentiles", "percentiles_array", "percentilew", "percentilesw", "percentilesw_array", "stdev", "stdevif",
    "stdevp", "sum", "sumif", "take_any", "take_anyif", "tdigest", "tdigest_merge", "variance", "varianceif", "variancep",
    "variancepif",
];

/// Hands out unique names: the first use of a name keeps it, later ones get the smallest
/// free numeric suffix (the binder's `MakeColumnNamesUnique`, reference notes §2.4).
#[derive(Debug, Default)]
pub struct UniqueNames {
    used: BTreeSet<String>,
    column_counter: usize,
}

impl UniqueNames {
    /// A table with `reserved` names already taken.
    pub fn with_reserved<'a>(reserved: impl IntoIterator<Item = &'a str>) -> Self {
        Self { used: reserved.into_iter().map(str::to_string).collect(), column_counter: 0 }
    }

    /// `name` if free, else `name1`, `name2`, …; the result is marked used.
    pub fn unique(&mut self, name: &str) -> String {
        if self.used.insert(name.to_string()) {
            return name.to_string();
        }
        let mut k = 1;
        loop {
            let candidate = format!("{name}{k}");
            if self.used.insert(candidate.clone()) {
                return candidate;
            }
            k += 1;
        }
    }

    /// The next free `ColumnN` (the counter skips names in use).
    pub fn column(&mut self) -> String {
        loop {
            self.column_counter += 1;
            let candidate = format!("Column{}", self.column_counter);
            if self.used.insert(candidate.clone()) {
                return candidate;
            }
        }
    }

    /// Marks `name` used.
    pub fn reserve(&mut self, name: &str) {
        self.used.insert(name.to_string());
    }
}

/// Makes a list of names unique by the join rule: every first occurrence keeps its name
/// (all of them reserved up front), later duplicates get the smallest free suffix.
pub fn dedup_join_names(names: &[String]) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let firsts: Vec<bool> = names.iter().map(|n| seen.insert(n.clone())).collect();
    let mut table = UniqueNames::with_reserved(names.iter().map(String::as_str));
    names
        .iter()
        .zip(firsts)
        .map(|(n, first)| if first { n.clone() } else { table.unique(n) })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_names_take_the_smallest_free_suffix() {
        // docs.yaml case join_naming_third_collision: (K, V, V1) ⋈ (K, V, V1).
        let names: Vec<String> = ["K", "V", "V1", "K", "V", "V1"].iter().map(|s| s.to_string()).collect();
        assert_eq!(dedup_join_names(&names), ["K", "V", "V1", "K1", "V2", "V11"]);
        let names: Vec<String> = ["c", "c", "c1"].iter().map(|s| s.to_string()).collect();
        assert_eq!(dedup_join_names(&names), ["c", "c2", "c1"]);
    }
}
