//! `cargo xtask regenerate [--check]`: every stage for every provider.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};

use crate::generate::{Generated, generate};
use crate::providers::Provider;
use crate::spec::{apply_patch, check_refs, fragment_paths, merge, parse};

/// What happened to one provider's generated file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// The committed file already had these bytes.
    Unchanged,
    /// The file was (re)written.
    Written,
    /// `--check`: the committed file differs; the diff says how.
    Stale {
        /// Unified diff, committed -> regenerated, capped.
        diff: String,
    },
}

/// One line of the report.
#[derive(Debug, Clone)]
pub struct Report {
    /// Provider id.
    pub provider: &'static str,
    /// Lines of generated code.
    pub lines: usize,
    /// Wall time of load + patch + generate + format.
    pub millis: u128,
    /// Outcome for the file.
    pub status: Status,
}

/// Runs the pipeline on the spec directory of `provider` under `root` and
/// returns the generated source, without writing anything.
pub fn build(root: &Path, provider: &Provider) -> Result<Generated> {
    let spec_dir = root.join(provider.spec_dir);
    let mut fragments = Vec::new();
    for path in fragment_paths(&spec_dir)? {
        let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let name = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .display()
            .to_string();
        fragments.push(parse(&name, &bytes)?);
    }
    let mut spec = merge(&fragments).with_context(|| provider.id)?;
    let patch_path = spec_dir.join("patch.json");
    if patch_path.exists() {
        let bytes = std::fs::read(&patch_path)?;
        let name = format!("{}/patch.json", provider.spec_dir);
        apply_patch(&mut spec, &name, &bytes).with_context(|| provider.id)?;
    }
    check_refs(&spec).with_context(|| format!("{}: {}", provider.id, provider.spec_dir))?;
    generate(provider, &spec)
}

/// Regenerates one provider; under `check` compares instead of writing.
pub fn regenerate(root: &Path, provider: &'static Provider, check: bool) -> Result<Report> {
    let started = Instant::now();
    let generated = build(root, provider)?;
    let millis = started.elapsed().as_millis();
    let files = [
        (provider.output, &generated.client),
        (provider.mock_output, &generated.mock),
    ];
    let mut diffs = String::new();
    let mut written = false;
    for (path, text) in files {
        let output = root.join(path);
        let committed = std::fs::read_to_string(&output).unwrap_or_default();
        if committed == *text {
            continue;
        }
        if check {
            diffs.push_str(&capped_diff(&committed, text, path, 60));
        } else {
            std::fs::write(&output, text)
                .with_context(|| format!("writing {}", output.display()))?;
            written = true;
        }
    }
    let status = if !diffs.is_empty() {
        Status::Stale { diff: diffs }
    } else if written {
        Status::Written
    } else {
        Status::Unchanged
    };
    Ok(Report {
        provider: provider.id,
        lines: generated.client.lines().count() + generated.mock.lines().count(),
        millis,
        status,
    })
}

fn capped_diff(old: &str, new: &str, name: &str, max_lines: usize) -> String {
    let diff = similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(2)
        .header(
            &format!("{name} (committed)"),
            &format!("{name} (regenerated)"),
        )
        .to_string();
    let total = diff.lines().count();
    let mut out: String = diff
        .lines()
        .take(max_lines)
        .flat_map(|l| [l, "\n"])
        .collect();
    if total > max_lines {
        out.push_str(&format!("... {} more diff lines\n", total - max_lines));
    }
    out
}
