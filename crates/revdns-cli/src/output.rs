//! How results are shown: aligned tables for people, the library's
//! serialised types for `--json`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::IpAddr;

use revdns::sync::PlannedUpdate;
use revdns::{ApplyReport, Outcome, Plan, PtrChange, PtrRecord, ReportCounts};

/// Rows of cells as a table with aligned columns (the last one unpadded).
pub(crate) fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let columns = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut text = String::new();
        for (n, cell) in cells.enumerate() {
            if n + 1 == columns {
                text.push_str(cell);
            } else {
                let _ = write!(text, "{cell:<w$}  ", w = widths[n]);
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(&mut header.iter().copied());
    for row in rows {
        line(&mut row.iter().map(String::as_str));
    }
    out
}

fn ttl(record: &PtrRecord) -> String {
    record.ttl.map_or_else(|| "-".to_owned(), |t| t.to_string())
}

fn comment(record: &PtrRecord) -> String {
    record.comment.clone().unwrap_or_else(|| "-".to_owned())
}

/// The table of `get`: every asked address, `-` where it has no PTR.
pub(crate) fn lookups(found: &BTreeMap<IpAddr, Option<PtrRecord>>) -> String {
    let rows: Vec<Vec<String>> = found
        .iter()
        .map(|(ip, record)| match record {
            Some(r) => vec![ip.to_string(), r.target.to_string(), ttl(r), comment(r)],
            None => vec![ip.to_string(), "-".into(), "-".into(), "-".into()],
        })
        .collect();
    table(&["IP", "PTR", "TTL", "COMMENT"], &rows)
}

/// The table of `list`.
pub(crate) fn records(records: &[PtrRecord]) -> String {
    let rows: Vec<Vec<String>> = records
        .iter()
        .map(|r| vec![r.ip.to_string(), r.target.to_string(), ttl(r), comment(r)])
        .collect();
    table(&["IP", "PTR", "TTL", "COMMENT"], &rows)
}

/// One line per change of a plan, then its summary.
pub(crate) fn plan(plan: &Plan) -> String {
    let mut rows: Vec<Vec<String>> = Vec::new();
    for r in &plan.creates {
        rows.push(vec!["+".into(), r.ip.to_string(), describe(r)]);
    }
    for PlannedUpdate { from, to, .. } in &plan.updates {
        rows.push(vec!["~".into(), to.ip.to_string(), difference(from, to)]);
    }
    for r in &plan.deletes {
        rows.push(vec!["-".into(), r.ip.to_string(), describe(r)]);
    }
    let mut out = String::new();
    if !rows.is_empty() {
        let text = table(&["", "IP", "PTR"], &rows);
        // The header of a change list says nothing the signs do not.
        out.push_str(text.split_once('\n').map_or("", |(_, rest)| rest));
    }
    let _ = writeln!(out, "plan: {plan}");
    out
}

/// What an update changes: the target, and the TTL and comment where the
/// desired record sets them (unset ones are kept as they are).
fn difference(from: &PtrRecord, to: &PtrRecord) -> String {
    let mut text = if from.target == to.target {
        from.target.to_string()
    } else {
        format!("{} -> {}", from.target, to.target)
    };
    if let Some(t) = to.ttl.filter(|t| Some(*t) != from.ttl) {
        let old = from
            .ttl
            .map_or_else(|| "none".to_owned(), |t| t.to_string());
        let _ = write!(text, " (ttl {old} -> {t})");
    }
    if let Some(c) = to
        .comment
        .as_ref()
        .filter(|c| Some(*c) != from.comment.as_ref())
    {
        let old = from
            .comment
            .as_ref()
            .map_or_else(|| "none".to_owned(), |c| format!("{c:?}"));
        let _ = write!(text, " (comment {old} -> {c:?})");
    }
    text
}

/// A record as the plan shows it: target, then TTL and comment if any.
fn describe(r: &PtrRecord) -> String {
    let mut text = r.target.to_string();
    if let Some(t) = r.ttl {
        let _ = write!(text, " (ttl {t})");
    }
    if let Some(c) = &r.comment {
        let _ = write!(text, " {c:?}");
    }
    text
}

/// One line per change that did something or failed, then the counts.
/// Unchanged changes are counted, not listed.
pub(crate) fn report(report: &ApplyReport) -> String {
    let rows: Vec<Vec<String>> = report
        .iter()
        .filter(|r| !matches!(r.outcome, Outcome::Unchanged))
        .map(|r| result_row(&r.change, &r.outcome))
        .collect();
    let mut out = String::new();
    if !rows.is_empty() {
        out.push_str(&table(&["RESULT", "IP", "DETAIL"], &rows));
    }
    out.push_str(&counts(&report.counts()));
    out
}

/// A change and its outcome as a table row.
pub(crate) fn result_row(change: &PtrChange, outcome: &Outcome) -> Vec<String> {
    let detail = match (outcome, change.target()) {
        (Outcome::Failed(e), _) => e.to_string(),
        (_, Some(target)) => target.to_string(),
        (_, None) => String::new(),
    };
    vec![outcome.name().to_owned(), change.ip().to_string(), detail]
}

/// The counts line of a report.
pub(crate) fn counts(c: &ReportCounts) -> String {
    format!(
        "{} created, {} updated, {} deleted, {} unchanged, {} failed\n",
        c.created, c.updated, c.deleted, c.unchanged, c.failed
    )
}

/// Pretty JSON of a serialisable value, with a final newline.
pub(crate) fn json<T: serde::Serialize + ?Sized>(value: &T) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_else(|e| {
        // Serialising the library's own types cannot fail; say so if it does.
        format!("{{\"error\": \"cannot serialise the result: {e}\"}}")
    });
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_and_leave_no_trailing_spaces() {
        let text = table(
            &["IP", "PTR", "TTL"],
            &[
                vec!["192.0.2.1".into(), "a.example.net".into(), "-".into()],
                vec!["2001:db8::1".into(), "b.example".into(), "3600".into()],
            ],
        );
        assert_eq!(
            text,
            "IP           PTR            TTL\n\
             192.0.2.1    a.example.net  -\n\
             2001:db8::1  b.example      3600\n"
        );
    }
}
