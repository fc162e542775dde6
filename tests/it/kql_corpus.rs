//! Every public hunting rule in ../shared/corpus parses, and printing round-trips.

use std::path::PathBuf;

use lakehunt::kql::parse;
use lakehunt::rules::load_rule;

use super::common::shared;

fn corpus_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = super::common::files_under(&shared().join("corpus"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

#[test]
fn corpus_parse_report() {
    let files = corpus_files();
    assert!(files.len() > 900, "{}", files.len());
    let mut failed = Vec::new();
    let mut roundtrip_failed = Vec::new();
    for f in &files {
        let rule = match load_rule(f) {
            Ok(r) => r,
            Err(e) => {
                failed.push(e.to_string());
                continue;
            }
        };
        match rule.parse() {
            Ok(script) => {
                let printed = script.to_string();
                match parse(&printed) {
                    Ok(again) if again == script => {}
                    Ok(_) => roundtrip_failed.push(format!("{}: reparse differs\n{printed}", f.display())),
                    Err(e) => roundtrip_failed.push(format!("{}: printed text does not parse: {e}\n{printed}", f.display())),
                }
            }
            Err(e) => failed.push(e.to_string()),
        }
    }
    let report = failed.iter().map(|s| s.lines().take(3).collect::<Vec<_>>().join("\n")).collect::<Vec<_>>().join("\n\n");
    std::fs::write(std::env::temp_dir().join("lakehunt-corpus-failures.txt"), &report).ok();
    std::fs::write(std::env::temp_dir().join("lakehunt-roundtrip-failures.txt"), roundtrip_failed.join("\n\n")).ok();
    eprintln!("corpus: {} parsed, {} failed, {} round-trip failures", files.len() - failed.len(), failed.len(), roundtrip_failed.len());
}
