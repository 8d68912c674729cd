//! Spec stages: load the fragments, merge them, apply the patch, check `$ref`s.
//!
//! Each stage takes values in and gives values out, and every error names the
//! file and the JSON pointer it is about.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde_json::Value;

/// One spec document and where it came from.
#[derive(Debug, Clone)]
pub struct Fragment {
    /// Path shown in messages (relative to the workspace root where possible).
    pub name: String,
    /// The parsed document.
    pub doc: Value,
}

/// The files of a provider's spec directory, in merge order: `upstream/`
/// fragments sorted by name, then the hand-written documents beside them.
/// `patch.json` is not a fragment.
pub fn fragment_paths(spec_dir: &Path) -> Result<Vec<PathBuf>> {
    let mut paths = Vec::new();
    let upstream = spec_dir.join("upstream");
    if upstream.is_dir() {
        paths.extend(spec_files(&upstream)?);
    }
    paths.extend(
        spec_files(spec_dir)?
            .into_iter()
            .filter(|p| p.file_name().is_some_and(|n| n != "patch.json")),
    );
    if paths.is_empty() {
        bail!("{} holds no spec documents", spec_dir.display());
    }
    Ok(paths)
}

fn spec_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        let is_spec = matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml" | "json")
        );
        if path.is_file() && is_spec {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Parses one document, YAML or JSON by extension.
pub fn parse(name: &str, bytes: &[u8]) -> Result<Fragment> {
    let doc: Value = if name.ends_with(".json") {
        serde_json::from_slice(bytes).with_context(|| format!("{name}: invalid JSON"))?
    } else {
        serde_yaml::from_slice(bytes).with_context(|| format!("{name}: invalid YAML"))?
    };
    if !doc.is_object() {
        bail!("{name}: a spec document must be an object");
    }
    Ok(Fragment {
        name: name.to_owned(),
        doc,
    })
}

/// Recursive union of the fragments. Objects merge key by key; any other
/// value must be identical wherever two fragments both set it.
pub fn merge(fragments: &[Fragment]) -> Result<Value> {
    let Some((first, rest)) = fragments.split_first() else {
        bail!("nothing to merge");
    };
    let mut merged = first.doc.clone();
    for (i, fragment) in rest.iter().enumerate() {
        if let Err(pointer) = merge_value(&mut merged, &fragment.doc, &mut String::new()) {
            // Name the earlier fragment that set the value we now disagree with.
            let earlier = fragments[..=i]
                .iter()
                .find(|f| f.doc.pointer(&pointer).is_some())
                .map_or("an earlier fragment", |f| f.name.as_str());
            bail!(
                "merge conflict at {pointer}: {} and {earlier} give different values",
                fragment.name
            );
        }
    }
    Ok(merged)
}

fn merge_value(into: &mut Value, from: &Value, pointer: &mut String) -> Result<(), String> {
    match (into, from) {
        (Value::Object(into), Value::Object(from)) => {
            for (key, value) in from {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
                match into.get_mut(key) {
                    Some(existing) => merge_value(existing, value, pointer)?,
                    None => {
                        into.insert(key.clone(), value.clone());
                    }
                }
                pointer.truncate(len);
            }
            Ok(())
        }
        (into, from) if *into == *from => Ok(()),
        _ => Err(pointer.clone()),
    }
}

/// Applies an RFC 6902 patch. A failed operation (a `test` guard above all)
/// is reported with its index and path, and nothing of the patch is kept.
pub fn apply_patch(doc: &mut Value, patch_name: &str, patch_bytes: &[u8]) -> Result<()> {
    let patch: json_patch::Patch = serde_json::from_slice(patch_bytes)
        .with_context(|| format!("{patch_name}: not an RFC 6902 JSON Patch"))?;
    json_patch::patch(doc, &patch).map_err(|e| {
        anyhow::anyhow!(
            "{patch_name}: operation {} failed at {}: {} (has the upstream spec changed?)",
            e.operation,
            e.path,
            e.kind
        )
    })
}

/// Checks that every `$ref` is local and resolves.
pub fn check_refs(doc: &Value) -> Result<()> {
    let mut dangling = Vec::new();
    collect_dangling(doc, doc, &mut String::new(), &mut dangling);
    if dangling.is_empty() {
        Ok(())
    } else {
        bail!("unresolved $ref: {}", dangling.join("; "))
    }
}

fn collect_dangling(root: &Value, value: &Value, pointer: &mut String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
                if key == "$ref" {
                    let target = child.as_str().unwrap_or_default();
                    let resolves = target
                        .strip_prefix('#')
                        .is_some_and(|p| root.pointer(p).is_some());
                    if !resolves {
                        out.push(format!("{pointer} -> {target}"));
                    }
                } else {
                    collect_dangling(root, child, pointer, out);
                }
                pointer.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let len = pointer.len();
                pointer.push_str(&format!("/{i}"));
                collect_dangling(root, child, pointer, out);
                pointer.truncate(len);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn frag(name: &str, doc: Value) -> Fragment {
        Fragment {
            name: name.into(),
            doc,
        }
    }

    #[test]
    fn merge_unions_paths_and_accepts_identical_values() {
        let a = frag(
            "a.yaml",
            json!({"openapi": "3.0.3", "paths": {"/a": {"get": {}}}}),
        );
        let b = frag(
            "b.yaml",
            json!({"openapi": "3.0.3", "paths": {"/b": {"get": {}}}}),
        );
        let merged = merge(&[a, b]).unwrap();
        assert_eq!(merged["paths"].as_object().unwrap().len(), 2);
    }

    #[test]
    fn merge_conflict_names_both_files_and_the_pointer() {
        let a = frag(
            "a.yaml",
            json!({"components": {"schemas": {"X": {"type": "string"}}}}),
        );
        let b = frag(
            "b.yaml",
            json!({"components": {"schemas": {"X": {"type": "integer"}}}}),
        );
        let err = merge(&[a, b]).unwrap_err().to_string();
        assert!(err.contains("/components/schemas/X/type"), "{err}");
        assert!(err.contains("a.yaml") && err.contains("b.yaml"), "{err}");
    }

    #[test]
    fn merge_conflict_pointer_escapes_slashes_in_keys() {
        let a = frag("a.json", json!({"paths": {"/x/y": {"summary": "one"}}}));
        let b = frag("b.json", json!({"paths": {"/x/y": {"summary": "two"}}}));
        let err = merge(&[a, b]).unwrap_err().to_string();
        assert!(err.contains("/paths/~1x~1y/summary"), "{err}");
    }

    #[test]
    fn failing_test_guard_names_the_path_and_keeps_the_document() {
        let mut doc = json!({"servers": [{"url": "https://a.example.net"}]});
        let before = doc.clone();
        let patch = br#"[
            {"op": "replace", "path": "/servers/0/url", "value": "https://c.example.net"},
            {"op": "test", "path": "/servers/0/description", "value": "x"}
        ]"#;
        let err = apply_patch(&mut doc, "patch.json", patch)
            .unwrap_err()
            .to_string();
        assert!(err.contains("/servers/0/description"), "{err}");
        assert!(err.contains("operation 1"), "{err}");
        assert_eq!(doc, before);
    }

    #[test]
    fn patch_applies_in_order() {
        let mut doc = json!({"a": 1});
        apply_patch(
            &mut doc,
            "p",
            br#"[{"op":"test","path":"/a","value":1},{"op":"add","path":"/b","value":2}]"#,
        )
        .unwrap();
        assert_eq!(doc, json!({"a": 1, "b": 2}));
    }

    #[test]
    fn dangling_ref_is_reported_with_its_location() {
        let doc = json!({
            "components": {"schemas": {"A": {"$ref": "#/components/schemas/B"}}},
            "paths": {}
        });
        let err = check_refs(&doc).unwrap_err().to_string();
        assert!(
            err.contains("/components/schemas/A/$ref -> #/components/schemas/B"),
            "{err}"
        );
    }

    #[test]
    fn resolving_and_escaped_refs_pass() {
        let doc = json!({
            "components": {"schemas": {"A": {"$ref": "#/components/schemas/B~1C"}, "B/C": {}}}
        });
        check_refs(&doc).unwrap();
    }

    #[test]
    fn remote_ref_is_rejected() {
        let doc = json!({"a": {"$ref": "other.yaml#/x"}});
        assert!(check_refs(&doc).is_err());
    }
}
