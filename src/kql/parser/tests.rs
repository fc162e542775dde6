//! Parser unit tests: precedence, round trips and errors. Expected trees follow the
//! precedence table of kql-semantics.md §7.3.

use crate::kql::ast::{BinOp, Expr, Statement};
use crate::kql::parse;

/// Parses, prints, parses again, and requires the same tree.
fn round_trip(src: &str) -> String {
    let script = parse(src).unwrap_or_else(|e| panic!("{src}\n{e}"));
    let printed = script.to_string();
    let again = parse(&printed).unwrap_or_else(|e| panic!("printed text does not parse:\n{printed}\n{e}"));
    assert_eq!(again, script, "printed:\n{printed}");
    printed
}

fn query_expr(src: &str) -> Expr {
    match parse(src).map(|s| s.statements.into_iter().last()) {
        Ok(Some(Statement::Query(e))) => e,
        other => panic!("{other:?}"),
    }
}

#[test]
fn views_and_wildcard_unions_round_trip() {
    round_trip("let View_1 = view () { print x=1 };\nunion isfuzzy=true View*, SomeView*\n| count");
}

/// The expression of `print <expr>`.
fn printed_expr(src: &str) -> Expr {
    let Expr::Source(op) = query_expr(src) else { panic!("{src}: not a print") };
    let crate::kql::ast::OpKind::Print(mut items) = op.kind else { panic!("{src}: not a print") };
    items.remove(0).expr
}

#[test]
fn string_operators_bind_tighter_than_arithmetic() {
    // `a + b has "x"` is `a + (b has "x")` (kql-semantics.md §7.3).
    let Expr::Binary { op: BinOp::Add, right, .. } = printed_expr("print a + b has \"x\"") else { panic!() };
    assert!(matches!(*right, Expr::StrBinary { .. }), "{right:?}");
    // `=~` sits at the string level, tighter than `==`.
    let Expr::Binary { op: BinOp::Eq, left, .. } = printed_expr("print a =~ b == c") else { panic!() };
    assert!(matches!(*left, Expr::StrBinary { .. }));
}

#[test]
fn and_binds_tighter_than_or() {
    let Expr::Binary { op: BinOp::Or, right, .. } = printed_expr("print x == \"a\" or y =~ \"b\" and z") else { panic!() };
    assert!(matches!(*right, Expr::Binary { op: BinOp::And, .. }));
}

#[test]
fn comparisons_do_not_chain() {
    for src in ["print a < b < c", "print a == b == c", "print a has b has c"] {
        let e = parse(src).expect_err(src);
        assert!(e.message.contains("do not chain"), "{e}");
    }
}

#[test]
fn errors_point_at_the_token_and_suggest_operators() {
    let e = parse("T\n| summarise count()").expect_err("misspelt operator");
    assert_eq!((e.line, e.column), (2, 3));
    assert_eq!(e.suggestion.as_deref(), Some("summarize"));
    assert!(e.to_string().starts_with("2:3: `summarise` is not a tabular operator (did you mean `summarize`?)\n| summarise count()\n  ^^^^^^^^^"), "{e}");
    let e = parse("T | where x ==").expect_err("missing operand");
    assert_eq!(e.expected.as_deref(), Some("an expression"));
    assert_eq!(e.found.as_deref(), Some("the end of the query"));
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = format!("print {}1{}", "(".repeat(10_000), ")".repeat(10_000));
    let e = parse(&deep).expect_err("too deep");
    assert!(e.message.contains("nests deeper"), "{e}");
    let deep_neg = format!("print {}1", "-".repeat(10_000));
    assert!(parse(&deep_neg).is_err());
}

#[test]
fn literal_forms_round_trip() {
    round_trip("print a = 1d, b = 1.5s, c = 100ms, d = 10tick, e = time(1.02:00:00), f = datetime(2020-01-01 10:00)");
    round_trip("print @'C:\\\\x', h'secret', \"a\\\"b\", ```multi\nline```, dynamic({\"a\": [1, \"x\", null], \"b\": {}}), guid(74be27de-1e4e-49d9-b579-fe0b331d3642), int(null), real(-inf), decimal(1.5), true, False");
    round_trip("print x = 0x1F, y = 1e5, z = 1., w = -5");
}

#[test]
fn operators_round_trip() {
    let queries = [
        "T | where a !in~ (\"x\", \"y\") and b has_any (L) and c !between (1 .. 5) and d matches regex \"a.*\"",
        "T | project-away a*, *b | project-rename x = y | project-reorder c asc | project-keep d",
        "T | summarize c = count(), dcount(x) by bin(Timestamp, 1h), k = tolower(y)",
        "T | join kind=leftouter hint.strategy=shuffle (U | where x) on $left.a == $right.b, c",
        "T | mv-expand bagexpansion=array with_itemindex=i x = y to typeof(string) limit 5",
        "T | mv-apply x on (where x > 1 | summarize count())",
        "T | parse kind=regex flags=i Line with * \"a\" Col: string \"b\" Rest",
        "T | parse-kv Text as (a: string, b: long) with (pair_delimiter=\",\", kv_delimiter=\"=\")",
        "T | top 5 by x desc nulls last | sort by y asc, z | take 10 | distinct a, b | count",
        "T | top-nested 2 of cat by Tot = sum(v) desc, top-nested of id with others = 0 by max(1)",
        "T | make-series kind=nonempty n = count() default = 0 on Timestamp from ago(1d) to now() step 1h by k",
        "T | evaluate bag_unpack(d, columnsConflict = \"keep_source\") : (*, a: string)",
        "T | render timechart with (title=\"x\") | as hint.materialized=true X | getschema",
        "T | fork (where a) (summarize count()) | facet by a, b with (take 1)",
        "T | partition hint.strategy=native by k (top 3 by v) | sample 5 | sample-distinct 3 of k",
        "T | scan declare (s: string) with ( step a: x > 1 => s = y; step b optional output=none: x < 1; )",
        "T | serialize rn = row_number() | invoke f(1) | lookup kind=leftouter (U) on k",
        "union withsource=Src kind=outer isfuzzy=true T, (U | where x), Device*",
        "datatable(a: string, b: long) [\"x\", 1, \"y\", 2]",
        "range i from 1 to 10 step 1 | extend s = i * 2",
        "search kind=case_sensitive in (T, U) \"x\"",
        "find withsource=S in (T) where x has \"y\" project a, b",
        "externaldata(a: string) [\"https://example.com/x.csv\"] with (format=\"csv\")",
        "let f = (a: string, t: (x: long, *), n: long = 1) { let y = a; t | where x > n };\nf(\"q\", T)",
        "declare query_parameters(p: string = \"x\");\nset querytrace;\nT | where c == p",
        "cluster(\"c\").database(\"d\").T | where x.y[0].['a b'] == 1 | extend z = toscalar(U | count)",
    ];
    for q in queries {
        round_trip(q);
    }
}

#[test]
fn a_tighter_operator_cannot_follow_a_closed_list() {
    // Found by the fuzzer: `x in~ (y) has "z"` must not become `(x in~ (y)) has "z"`,
    // a tree that prints back with parentheses the text never had.
    assert!(parse("T | where x in~ (y) has \"z\"").is_err());
    assert!(parse("T | where x in~ y").is_err(), "in takes a parenthesised list");
    round_trip("T | where x in~ (y) and z has \"w\"");
}

#[test]
fn a_dashed_operator_starts_a_subquery_even_before_a_bracket() {
    // Found by the fuzzer: `project-by-names ['a'] - b` printed back became an index.
    round_trip("T;\nproject-by-names project-ProcendL");
    round_trip("T | mv-apply x on (project-away ['a b'])");
    // Also found by the fuzzer: `where or` printed as `where ["or"]` read back as an index.
    round_trip("where\n\nor");
    // And: a union's operands are names, not expressions (`union ["a$"] <= b`).
    round_trip("x * union a**$b <= c");
    // Timespans past 2^53 ticks stay exact, and `view(…)` that is not a function stays a call.
    round_trip("print 922337203685477580tick, 106751d");
    round_trip("let v = view(1);\nv");
}

#[test]
fn digit_led_names_print_as_written() {
    // Found by the fuzzer: names inside dynamic(...) printed as `["1hhh"]` came back as
    // arrays. Kusto allows only constants there, so a name is refused where it stands.
    round_trip("print 5Minutebin = 1");
    for text in ["print dynamic({\"a\": 1hhh})", "print dynamic([\".ico\", project-rename])"] {
        let e = parse(text).expect_err("a name inside dynamic()");
        assert!(e.message.contains("not a constant"), "{e}");
    }
    round_trip("print dynamic([true, false, null, -1.5, datetime(2024-01-01), 1h, \"x\"])");
    round_trip("print 5 .x, 1. .y, 2 .f(3)");
}

#[test]
fn fuzz_regressions_round_trip() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.file_name().is_some_and(|n| n.to_string_lossy().starts_with("crash-")) {
            let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap_or_default()).into_owned();
            if parse(&text).is_ok() {
                round_trip(&text);
            }
        }
    }
}

#[test]
fn a_pipe_after_a_where_predicate_ends_the_where() {
    // `T | where a | count` is count(where(T, a)), not where(T, a | count).
    let Expr::Pipe { input, op, .. } = query_expr("T | where a | count") else { panic!("not a pipe") };
    assert!(matches!(op.kind, crate::kql::ast::OpKind::Count), "{op:?}");
    let Expr::Pipe { op: inner, .. } = *input else { panic!("no where") };
    assert!(matches!(inner.kind, crate::kql::ast::OpKind::Where(Expr::Name(_))), "{inner:?}");
}


#[test]
fn a_source_operator_takes_no_member_access() {
    assert!(parse("union a*b.n").is_err());
    round_trip("union [\"a*b$c\"]");
}
