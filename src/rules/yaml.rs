//! The YAML of a Sentinel rule file ([`RawRule`]): the strict reading, which takes each
//! field in whatever shape published rules give it (a list or a single value, a number
//! for an id), and the line-by-line fallback for files that strict YAML rejects, which
//! says what it repaired.

use serde::Deserialize;
use serde_yaml::Value;

/// A rule file's fields, before they become a [`super::Rule`].
#[derive(Debug, Default, Deserialize)]
pub(super) struct RawRule {
    #[serde(default)]
    pub id: Option<Value>,
    #[serde(default)]
    pub name: Option<Value>,
    #[serde(default)]
    pub description: Option<Value>,
    #[serde(default)]
    pub severity: Option<Value>,
    #[serde(default)]
    pub kind: Option<Value>,
    #[serde(default)]
    pub version: Option<Value>,
    #[serde(default)]
    pub tactics: Option<Value>,
    #[serde(default, rename = "relevantTechniques")]
    pub techniques: Option<Value>,
    #[serde(default, rename = "dataTypes")]
    pub data_types: Option<Value>,
    #[serde(default, rename = "requiredDataConnectors")]
    pub connectors: Option<Value>,
    #[serde(default, rename = "entityMappings")]
    pub entity_mappings: Option<Value>,
    #[serde(default)]
    pub query: Option<String>,
}

/// One entry of `requiredDataConnectors`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataConnector {
    /// `connectorId`.
    pub id: String,
    /// `dataTypes`.
    pub data_types: Vec<String>,
}

/// A scalar as text (a number or a bool as written; a one-entry map as its value).
pub(super) fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Mapping(m) => m.values().next().map(text).unwrap_or_default(),
        _ => String::new(),
    }
}

/// A list of scalars as texts; a single scalar is a one-item list, and blanks are
/// dropped.
pub(super) fn texts(v: Option<&Value>) -> Vec<String> {
    let items: Vec<String> = match v {
        Some(Value::Sequence(items)) => items.iter().map(text).collect(),
        Some(other) => vec![text(other)],
        None => Vec::new(),
    };
    items.into_iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
}

/// `requiredDataConnectors` entries; shapes that are not a list of maps give none.
pub(super) fn connectors(v: Option<&Value>) -> Vec<DataConnector> {
    let Some(Value::Sequence(items)) = v else { return Vec::new() };
    items
        .iter()
        .filter_map(|item| {
            let map = item.as_mapping()?;
            let id = map.get("connectorId").map(text).unwrap_or_default();
            Some(DataConnector { id, data_types: texts(map.get("dataTypes")) })
        })
        .collect()
}

/// A YAML value as JSON (for `entityMappings`, which lakehunt carries but does not read).
pub(super) fn to_json(v: &Value) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}

/// Top-level `key: value` fields, `key:` lists of `- item` lines and the `query: |` block,
/// read line by line: for files that strict YAML rejects. `None` when there is no
/// `query:` block to read. The second value names the fields read.
pub(super) fn lenient_fields(text: &str) -> Option<(RawRule, Vec<&'static str>)> {
    let lines: Vec<&str> = text.lines().collect();
    let key = lines.iter().position(|l| l.starts_with("query:"))?;
    let end = (key + 1..lines.len()).find(|&i| is_top_key(lines[i])).unwrap_or(lines.len());
    let body: Vec<String> = lines[key + 1..end].iter().map(|l| l.replace('\t', "    ")).collect();
    let indent = body.iter().filter(|l| !l.trim().is_empty()).map(|l| l.len() - l.trim_start().len()).min().unwrap_or(0);
    let query: Vec<&str> = body.iter().map(|l| if l.len() >= indent { &l[indent..] } else { l.trim_start() }).collect();
    let mut raw = RawRule { query: Some(query.join("\n").trim_end().to_string() + "\n"), ..RawRule::default() };
    let mut read = Vec::new();
    for (name, slot) in [("id", &mut raw.id), ("name", &mut raw.name), ("severity", &mut raw.severity), ("kind", &mut raw.kind), ("version", &mut raw.version)] {
        if let Some(v) = scalar(&lines, name) {
            *slot = Some(Value::String(v));
            read.push(name);
        }
    }
    for (name, slot) in [("tactics", &mut raw.tactics), ("relevantTechniques", &mut raw.techniques)] {
        let items = list(&lines, name);
        if !items.is_empty() {
            *slot = Some(Value::Sequence(items.into_iter().map(Value::String).collect()));
            read.push(name);
        }
    }
    read.push("query");
    Some((raw, read))
}

/// Whether `l` starts a top-level key (`name:` at column 1).
fn is_top_key(l: &str) -> bool {
    let name: String = l.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    !name.is_empty() && l[name.len()..].starts_with(':')
}

/// The value of a top-level `name: value` line, unquoted.
fn scalar(lines: &[&str], name: &str) -> Option<String> {
    let v = lines.iter().find_map(|l| l.strip_prefix(name).and_then(|r| r.strip_prefix(':')))?;
    let v = v.trim().trim_matches(|c| c == '\'' || c == '"').to_string();
    (!v.is_empty()).then_some(v)
}

/// The `- item` lines under a top-level `name:` line.
fn list(lines: &[&str], name: &str) -> Vec<String> {
    let Some(start) = lines.iter().position(|l| l.strip_prefix(name).is_some_and(|r| r.trim() == ":")) else { return Vec::new() };
    lines[start + 1..]
        .iter()
        .take_while(|l| !is_top_key(l))
        .filter_map(|l| l.trim().strip_prefix('-'))
        .map(|v| v.trim().trim_matches(|c| c == '\'' || c == '"').to_string())
        .filter(|v| !v.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_strict_yaml_rejects_still_gives_its_lists_and_query() {
        // The query's lines are not indented under `query: |`, which YAML rejects.
        let file = "id: abc\nname: 'A rule'\nseverity: High\ntactics:\n  - Execution\n  - Persistence\nrelevantTechniques:\n- T1059\nquery: |\nDeviceInfo\n| take 1\nversion: 1.0.1\n";
        assert!(serde_yaml::from_str::<RawRule>(file).is_err());
        let (raw, read) = lenient_fields(file).expect("a query block");
        assert_eq!(texts(raw.tactics.as_ref()), ["Execution", "Persistence"]);
        assert_eq!(texts(raw.techniques.as_ref()), ["T1059"]);
        assert_eq!(raw.name.as_ref().map(text).as_deref(), Some("A rule"));
        assert_eq!(raw.version.as_ref().map(text).as_deref(), Some("1.0.1"));
        assert_eq!(raw.query.as_deref(), Some("DeviceInfo\n| take 1\n"));
        assert_eq!(read, ["id", "name", "severity", "version", "tactics", "relevantTechniques", "query"]);
    }

    #[test]
    fn connectors_carry_their_data_types_and_odd_shapes_are_tolerated() {
        let v: Value = serde_yaml::from_str("- connectorId: MicrosoftThreatProtection\n  dataTypes:\n    - DeviceProcessEvents\n- just text\n").expect("yaml");
        assert_eq!(connectors(Some(&v)), [DataConnector { id: "MicrosoftThreatProtection".into(), data_types: vec!["DeviceProcessEvents".into()] }]);
        assert_eq!(texts(Some(&Value::String("Execution".into()))), ["Execution"]);
    }
}
