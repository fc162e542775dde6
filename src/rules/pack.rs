//! A rule pack: the rule files under some paths, loaded in a fixed order, with duplicate
//! ids refused, and the filters a hunt selects rules by (id, tactic, technique).

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::{Rule, RuleError, load_rule, rule_files_under};

/// The rules of a pack that loaded, and the files that did not.
#[derive(Debug, Default)]
pub struct Pack {
    /// Loaded rules, in file order.
    pub rules: Vec<Rule>,
    /// Files that could not be loaded, and second files claiming an id already taken.
    pub errors: Vec<RuleError>,
}

/// A path given for a pack that does not exist or cannot be listed.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct PackPathError {
    /// The path.
    pub path: PathBuf,
    /// What is wrong with it.
    pub message: String,
}

/// The rule files named by `paths` (files, or directories searched recursively for
/// `.yaml`/`.yml`), sorted and without repeats.
pub fn pack_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, PackPathError> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            files.extend(rule_files_under(path).map_err(|e| PackPathError { path: path.clone(), message: e.to_string() })?);
        } else if path.is_file() {
            files.push(path.clone());
        } else {
            return Err(PackPathError { path: path.clone(), message: "no such file or directory".into() });
        }
    }
    files.sort();
    files.dedup();
    Ok(files)
}

/// Loads every rule file of `paths`. A file that fails to load is reported in
/// [`Pack::errors`] and the others still load; of two files with one id, the first (in
/// path order) is kept and the second reported with both names.
pub fn load_pack(paths: &[PathBuf]) -> Result<Pack, PackPathError> {
    let mut pack = Pack::default();
    let mut seen: BTreeMap<String, PathBuf> = BTreeMap::new();
    for file in pack_files(paths)? {
        match load_rule(&file) {
            Ok(rule) => {
                let key = rule.id.trim().to_ascii_lowercase();
                if let Some(first) = seen.get(&key).filter(|_| !key.is_empty()) {
                    pack.errors.push(RuleError::DuplicateId { id: rule.id.clone(), first: first.clone(), second: file.clone() });
                    continue;
                }
                seen.insert(key, file.clone());
                pack.rules.push(rule);
            }
            Err(e) => pack.errors.push(e),
        }
    }
    Ok(pack)
}

/// Which rules of a pack a hunt runs: a rule passes when each non-empty list has a match.
#[derive(Debug, Clone, Default)]
pub struct RuleFilter {
    /// Rule ids (case-insensitive).
    pub ids: Vec<String>,
    /// Tactic names (case-insensitive; `Lateral Movement` matches `LateralMovement`).
    pub tactics: Vec<String>,
    /// Technique ids; `T1021` also matches its sub-techniques (`T1021.003`).
    pub techniques: Vec<String>,
}

impl RuleFilter {
    /// Whether `rule` passes.
    pub fn accepts(&self, rule: &Rule) -> bool {
        let id_ok = self.ids.is_empty() || self.ids.iter().any(|i| i.eq_ignore_ascii_case(rule.id.trim()));
        let tactic_ok = self.tactics.is_empty() || self.tactics.iter().any(|t| rule.tactics.iter().any(|r| same_tactic(t, r)));
        let technique_ok = self.techniques.is_empty() || self.techniques.iter().any(|t| rule.techniques.iter().any(|r| covers(t, r)));
        id_ok && tactic_ok && technique_ok
    }
}

/// Tactic names compared without case, spaces, hyphens or underscores.
fn same_tactic(a: &str, b: &str) -> bool {
    let norm = |s: &str| s.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect::<String>();
    norm(a) == norm(b)
}

/// Whether technique filter `filter` covers the rule's technique `technique`.
fn covers(filter: &str, technique: &str) -> bool {
    let (f, t) = (filter.trim().to_ascii_uppercase(), technique.trim().to_ascii_uppercase());
    t == f || t.strip_prefix(&f).is_some_and(|rest| rest.starts_with('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parent_technique_covers_its_sub_techniques_and_not_its_neighbours() {
        assert!(covers("T1021", "T1021.003"));
        assert!(covers("t1021.003", "T1021.003"));
        assert!(!covers("T1021", "T10210"));
        assert!(!covers("T1021.003", "T1021"));
    }

    #[test]
    fn tactic_names_match_across_spellings() {
        assert!(same_tactic("Lateral Movement", "LateralMovement"));
        assert!(same_tactic("lateral-movement", "LateralMovement"));
        assert!(!same_tactic("Execution", "LateralMovement"));
    }
}
