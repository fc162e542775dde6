//! The closing summary of a hunt: one line per rule (status, findings, rows scanned,
//! time), the failures in full, and the totals.

use std::fmt::Write;

use super::{RuleReport, Status};

/// The summary text (for standard error).
pub fn summary(reports: &[RuleReport], pack_errors: &[String]) -> String {
    let mut out = String::new();
    let id_width = reports.iter().map(|r| r.rule.id.chars().count()).max().unwrap_or(0).clamp(4, 40);
    for r in reports {
        let what = match &r.status {
            Status::Ran { empty_tables, .. } if empty_tables.is_empty() => count(r.findings(), "finding"),
            Status::Ran { empty_tables, .. } => format!("{} (no data for {})", count(r.findings(), "finding"), empty_tables.join(", ")),
            Status::Skipped(reason) => format!("skipped: {reason}"),
            Status::Failed(_) => "FAILED (below)".to_string(),
        };
        let _ = writeln!(
            out,
            "{:<id_width$}  {:>10} rows  {:>8.1} ms  {}  {what}",
            r.rule.id,
            r.rows_scanned,
            r.elapsed.as_secs_f64() * 1000.0,
            short(&r.rule.name, 48),
        );
    }
    let failures: Vec<&str> = reports.iter().filter_map(|r| if let Status::Failed(m) = &r.status { Some(m.as_str()) } else { None }).collect();
    for r in reports {
        for w in &r.rule.warnings {
            let _ = writeln!(out, "\nwarning: {}: {w}", r.rule.path.display());
        }
    }
    for message in pack_errors.iter().map(String::as_str).chain(failures.iter().copied()) {
        let _ = writeln!(out, "\nerror: {message}");
    }
    let ran = reports.iter().filter(|r| matches!(r.status, Status::Ran { .. })).count();
    let skipped = reports.iter().filter(|r| matches!(r.status, Status::Skipped(_))).count();
    let failed = failures.len() + pack_errors.len();
    let findings: usize = reports.iter().map(RuleReport::findings).sum();
    let scanned: usize = reports.iter().map(|r| r.rows_scanned).sum();
    let _ = writeln!(out, "\n{} ran, {skipped} skipped, {failed} failed; {}; {} scanned", count(ran, "rule"), count(findings, "finding"), count(scanned, "row"));
    out
}

/// `1 finding`, `2 findings`.
fn count(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// `text` cut to `width` characters, with an ellipsis when cut, padded to `width`.
fn short(text: &str, width: usize) -> String {
    let mut s: String = text.chars().take(width).collect();
    if text.chars().count() > width {
        s.pop();
        s.push('…');
    }
    format!("{s:<width$}")
}
