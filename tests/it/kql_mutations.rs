//! A property test: corpus queries mutated at random (deletions, insertions of the
//! characters that matter to the lexer and parser, truncations, duplications) always
//! parse to Ok or Err, never a panic. The seed is fixed so a failure reproduces.

use std::panic::{AssertUnwindSafe, catch_unwind};

use lakehunt::kql::parse;

use super::common::{files_under, shared};

/// A small deterministic generator (SplitMix64), so the mutations are the same every run.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
}

const SNIPPETS: &[&str] = &[
    "(", ")", "[", "]", "{", "}", "|", ";", ",", ".", "..", ":", "=", "==", "=~", "!", "!~", "~", "\"", "'", "@\"", "h'",
    "```", "//", "\\", "$left.", "datetime(", "dynamic(", "typeof(", "1d", "0x", "1e", "-", "*", "é", "\u{1F600}", "\u{0}",
    "\n\n", " in~ (", " between (", " has_any ", " matches regex ", "let x = ", "| where ", "| join (", "| mv-apply x on (",
];

fn char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn mutate(src: &str, g: &mut Gen) -> String {
    let mut s = src.to_string();
    for _ in 0..1 + g.below(3) {
        let at = char_boundary(&s, g.below(s.len() + 1));
        match g.below(5) {
            0 => {
                let end = char_boundary(&s, (at + 1 + g.below(20)).min(s.len()));
                s.replace_range(at..end.max(at), "");
            }
            1 | 2 => s.insert_str(at, SNIPPETS[g.below(SNIPPETS.len())]),
            3 => s.truncate(at),
            _ => {
                let end = char_boundary(&s, (at + g.below(40)).min(s.len()));
                let copy = s[at..end.max(at)].to_string();
                s.insert_str(end.max(at), &copy);
            }
        }
    }
    s
}

#[test]
fn mutated_corpus_queries_never_panic_the_parser() {
    let mut g = Gen(0x1A4E_4D75);
    let files: Vec<_> = files_under(&shared().join("corpus")).into_iter().filter(|p| p.extension().is_some_and(|e| e == "yaml")).collect();
    let mut parsed = 0;
    for file in &files {
        let Ok(rule) = lakehunt::rules::load_rule(file) else { continue };
        for _ in 0..8 {
            let input = mutate(&rule.query, &mut g);
            let outcome = catch_unwind(AssertUnwindSafe(|| parse(&input).map(|s| s.to_string())));
            match outcome {
                Ok(_) => parsed += 1,
                Err(_) => panic!("the parser panicked on a mutation of {}:\n{input:?}", file.display()),
            }
        }
    }
    assert!(parsed > 5000, "{parsed}");
}
