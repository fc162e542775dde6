//! ATT&CK coverage of a rule pack: which techniques, under which tactics, how many rules
//! detect, as a text table and as an ATT&CK Navigator layer. A Sentinel rule lists its
//! tactics and techniques separately, so each of its techniques counts under each of its
//! tactics.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use serde_json::{Value, json};

use super::Rule;

/// The Enterprise tactics in kill-chain order: Sentinel's names and Navigator's short
/// names.
const TACTICS: &[(&str, &str)] = &[
    ("Reconnaissance", "reconnaissance"),
    ("ResourceDevelopment", "resource-development"),
    ("InitialAccess", "initial-access"),
    ("Execution", "execution"),
    ("Persistence", "persistence"),
    ("PrivilegeEscalation", "privilege-escalation"),
    ("DefenseEvasion", "defense-evasion"),
    ("CredentialAccess", "credential-access"),
    ("Discovery", "discovery"),
    ("LateralMovement", "lateral-movement"),
    ("Collection", "collection"),
    ("CommandAndControl", "command-and-control"),
    ("Exfiltration", "exfiltration"),
    ("Impact", "impact"),
];

/// Rule ids per technique per tactic.
#[derive(Debug, Default)]
pub struct Coverage {
    /// (kill-chain position, tactic) → technique → rule ids.
    cells: BTreeMap<(usize, String), BTreeMap<String, BTreeSet<String>>>,
    /// Rules that name no technique.
    untagged: BTreeSet<String>,
}

impl Coverage {
    /// The coverage of `rules`.
    pub fn of(rules: &[Rule]) -> Self {
        let mut c = Coverage::default();
        for rule in rules {
            let techniques: Vec<String> = rule.techniques.iter().map(|t| t.trim().to_ascii_uppercase()).filter(|t| !t.is_empty()).collect();
            if techniques.is_empty() {
                c.untagged.insert(rule.id.clone());
                continue;
            }
            let tactics: Vec<(usize, String)> = if rule.tactics.is_empty() { vec![(TACTICS.len(), "(no tactic)".to_string())] } else { rule.tactics.iter().map(|t| tactic_key(t)).collect() };
            for tactic in tactics {
                let row = c.cells.entry(tactic).or_default();
                for t in &techniques {
                    row.entry(t.clone()).or_default().insert(rule.id.clone());
                }
            }
        }
        c
    }

    /// A table: tactic, technique, number of rules and their ids; then the rules without
    /// a technique.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "{:<22} {:<12} {:>5}  rule ids", "tactic", "technique", "rules");
        for ((_, tactic), techniques) in &self.cells {
            for (technique, ids) in techniques {
                let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
                let _ = writeln!(out, "{tactic:<22} {technique:<12} {:>5}  {}", ids.len(), ids.join(", "));
            }
        }
        let techniques: BTreeSet<&String> = self.cells.values().flat_map(|t| t.keys()).collect();
        let _ = writeln!(out, "\n{} tactics, {} techniques covered", self.cells.len(), techniques.len());
        if !self.untagged.is_empty() {
            let _ = writeln!(out, "rules naming no technique: {}", self.untagged.iter().cloned().collect::<Vec<_>>().join(", "));
        }
        out
    }

    /// An ATT&CK Navigator layer (format 4.5): each technique under each of its tactics,
    /// scored by its number of rules, with their ids as the comment.
    pub fn navigator_layer(&self, name: &str) -> Value {
        let mut techniques = Vec::new();
        let mut max = 0;
        for ((position, tactic), row) in &self.cells {
            let short = TACTICS.get(*position).map(|(_, s)| *s);
            for (technique, ids) in row {
                max = max.max(ids.len());
                let listed = ids.iter().cloned().collect::<Vec<_>>().join(", ");
                let mut entry = json!({ "techniqueID": technique, "score": ids.len(), "comment": listed, "enabled": true });
                // A tactic outside the Enterprise list has no Navigator column: named in the comment.
                match short {
                    Some(short) => entry["tactic"] = Value::from(short),
                    None => entry["comment"] = Value::from(format!("{tactic}: {listed}")),
                }
                techniques.push(entry);
            }
        }
        json!({
            "name": name,
            "versions": { "attack": "16", "navigator": "5.1.0", "layer": "4.5" },
            "domain": "enterprise-attack",
            "description": "Techniques detected by a lakehunt rule pack, scored by number of rules.",
            "sorting": 3,
            "hideDisabled": false,
            "techniques": techniques,
            "gradient": { "colors": ["#ffffff", "#66b1ff"], "minValue": 0, "maxValue": max.max(1) },
            "legendItems": [],
            "showTacticRowBackground": false,
            "selectTechniquesAcrossTactics": false,
        })
    }
}

/// A tactic's kill-chain position and Sentinel name; names outside the list sort last.
fn tactic_key(name: &str) -> (usize, String) {
    let norm = |s: &str| s.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect::<String>();
    let n = norm(name);
    match TACTICS.iter().position(|(t, _)| norm(t) == n) {
        Some(i) => (i, TACTICS[i].0.to_string()),
        None => (TACTICS.len(), name.trim().to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(id: &str, tactics: &[&str], techniques: &[&str]) -> Rule {
        Rule {
            path: format!("{id}.yaml").into(),
            id: id.into(),
            name: id.into(),
            description: String::new(),
            tactics: tactics.iter().map(|s| s.to_string()).collect(),
            techniques: techniques.iter().map(|s| s.to_string()).collect(),
            data_types: Vec::new(),
            connectors: Vec::new(),
            severity: String::new(),
            kind: String::new(),
            version: String::new(),
            entity_mappings: serde_json::Value::Null,
            warnings: Vec::new(),
            query: String::new(),
            origin: Default::default(),
        }
    }

    #[test]
    fn each_technique_counts_under_each_tactic_of_its_rule() {
        let c = Coverage::of(&[rule("a", &["LateralMovement", "Execution"], &["T1021.003"]), rule("b", &["Lateral Movement"], &["t1021.003", "T1047"])]);
        let layer = c.navigator_layer("x");
        let entries = layer["techniques"].as_array().expect("techniques");
        let find = |t: &str, tactic: &str| entries.iter().find(|e| e["techniqueID"] == t && e["tactic"] == tactic).map(|e| e["score"].clone());
        assert_eq!(find("T1021.003", "lateral-movement"), Some(json!(2)));
        assert_eq!(find("T1021.003", "execution"), Some(json!(1)));
        assert_eq!(find("T1047", "lateral-movement"), Some(json!(1)));
        assert_eq!(find("T1047", "execution"), None);
        // Execution comes before LateralMovement in the kill chain.
        let table = c.table();
        assert!(table.find("Execution").expect("execution row") < table.find("LateralMovement").expect("lateral row"), "{table}");
    }
}
