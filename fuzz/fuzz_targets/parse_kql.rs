//! Fuzzes the KQL parser: any input parses to Ok or Err without panicking, and whatever
//! parses prints back to text that parses to the same tree.
#![no_main]

#[allow(dead_code, missing_docs)]
#[path = "../../src/kql/mod.rs"]
mod kql;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(script) = kql::parse(text) {
        let printed = script.to_string();
        match kql::parse(&printed) {
            Ok(again) => assert!(again == script, "round trip changed the tree:\n{text}\n=>\n{printed}"),
            Err(e) => panic!("printed text does not parse:\n{text}\n=>\n{printed}\n{e}"),
        }
    }
});
