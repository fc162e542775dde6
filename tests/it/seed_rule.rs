//! The seed rule (detect-impacket-dcomexec, from the corpus) on a generated lake with
//! `now` at the lake's end: exactly the planted ShellWindows attacks (the EXPLORER.EXE
//! case variant included), none of the decoys, and not the MMC20 variant, which the rule
//! does not cover.

use std::collections::BTreeSet;

use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::Int64Type;
use lakehunt::catalog::{new_session, register_lake};
use lakehunt::plan::{PlanContext, plan_script};
use lakehunt::rules::load_rule;

use super::common::{END, shared, shared_lake, truth};

#[tokio::test]
async fn seed_rule_finds_exactly_the_planted_shellwindows_attacks() {
    let path = shared().join("corpus/azure-sentinel/HQ-M365D__Execution__detect-impacket-dcomexec.yaml");
    let rule = load_rule(&path).expect("the seed rule loads");
    let script = rule.parse().expect("the seed rule parses");
    let lake = shared_lake();
    let ctx = new_session();
    register_lake(&ctx, lake).expect("register");
    lakehunt::functions::Registry::new().register(&ctx);
    let cx = PlanContext::from_session(&ctx, END).await.expect("tables");
    let plan = plan_script(&rule.query, &script, &cx).expect("the seed rule plans");
    let batches = ctx.execute_logical_plan(plan).await.expect("plan").collect().await.expect("run");

    let mut found = BTreeSet::new();
    for b in &batches {
        let device = b.column_by_name("DeviceName").expect("DeviceName").as_string::<i32>();
        let pid = b.column_by_name("StartedProcessId").expect("StartedProcessId").as_primitive::<Int64Type>();
        for i in 0..b.num_rows() {
            assert!(!pid.is_null(i), "every finding names the started process");
            found.insert((device.value(i).to_string(), pid.value(i)));
        }
    }

    // Expected: the commands of every planted attack through ShellWindows (the rule's
    // explorer.exe parent, in any letter case), from the generator's truth file.
    let planted = truth(lake, "planted.jsonl");
    let shellwindows: Vec<_> = planted.iter().filter(|a| a["object"] == "ShellWindows").collect();
    assert!(shellwindows.iter().any(|a| a["HostFileName"] == "EXPLORER.EXE"), "the lake has the case variant");
    assert!(planted.iter().any(|a| a["object"] != "ShellWindows"), "the lake has the MMC20 variant too");
    let mut expected = BTreeSet::new();
    for a in &shellwindows {
        let device = a["DeviceName"].as_str().expect("DeviceName").to_string();
        for c in a["Commands"].as_array().expect("Commands") {
            expected.insert((device.clone(), c["ProcessId"].as_i64().expect("ProcessId")));
        }
    }
    assert!(!expected.is_empty());
    assert_eq!(found, expected, "findings against the planted ShellWindows commands");
    assert!(!truth(lake, "decoys.jsonl").is_empty(), "the lake has decoys for the rule to skip");
}
