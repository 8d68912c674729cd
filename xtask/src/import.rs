//! `cargo xtask import`: the fenced OpenAPI blocks of a documentation page
//! become the files of `specs/<dir>/upstream/`, byte for byte.

use anyhow::{Result, bail};
use regex::Regex;
use serde_json::Value;

/// One fenced block of a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// File name derived from the block's first operation, e.g. `post-del-ptr.yaml`.
    pub file_name: String,
    /// The text between the fences, exactly as on the page.
    pub text: String,
}

/// Extracts every ```` ```yaml ```` / ```` ```json ```` block that holds an
/// OpenAPI document. A fence closes with a line of at least as many backticks
/// as opened it (CommonMark), so four-backtick EDIS blocks and three-backtick
/// IONOS blocks both work.
pub fn extract_blocks(page: &str) -> Result<Vec<Block>> {
    let opener = Regex::new(r"^(`{3,})(yaml|yml|json)\b").expect("static regex");
    let lines: Vec<&str> = page.split_inclusive('\n').collect();
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some(caps) = opener.captures(lines[i]) else {
            i += 1;
            continue;
        };
        let ticks = caps[1].len();
        let ext = if &caps[2] == "json" { "json" } else { "yaml" };
        let start = i + 1;
        let mut end = start;
        while end < lines.len() && !is_closing_fence(lines[end], ticks) {
            end += 1;
        }
        if end == lines.len() {
            bail!("line {}: fenced block is never closed", i + 1);
        }
        let text: String = lines[start..end].concat();
        if let Some(file_name) = block_file_name(&text, ext)? {
            blocks.push(Block { file_name, text });
        }
        i = end + 1;
    }
    dedupe_names(&mut blocks);
    Ok(blocks)
}

fn is_closing_fence(line: &str, ticks: usize) -> bool {
    let trimmed = line.trim_end();
    trimmed.len() >= ticks && trimmed.chars().all(|c| c == '`')
}

/// Names a block after its first path and method; `None` for a block that is
/// not an OpenAPI document (pages also fence plain examples).
fn block_file_name(text: &str, ext: &str) -> Result<Option<String>> {
    let doc: Value = if ext == "json" {
        serde_json::from_str(text)?
    } else {
        serde_yaml::from_str(text)?
    };
    if doc.get("openapi").is_none() {
        return Ok(None);
    }
    let Some((path, item)) = doc
        .get("paths")
        .and_then(Value::as_object)
        .and_then(|p| p.iter().next())
    else {
        bail!("an OpenAPI block without paths");
    };
    let method = ["get", "put", "post", "delete", "patch", "head", "options"]
        .into_iter()
        .find(|m| item.get(*m).is_some())
        .unwrap_or("path");
    let slug: String = path
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect::<String>()
        .split('-')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    Ok(Some(format!("{method}-{slug}.{ext}")))
}

fn dedupe_names(blocks: &mut [Block]) {
    let mut seen = std::collections::BTreeMap::<String, usize>::new();
    for block in blocks {
        let n = seen.entry(block.file_name.clone()).or_default();
        *n += 1;
        if *n > 1 {
            let (stem, ext) = block
                .file_name
                .rsplit_once('.')
                .expect("name has an extension");
            block.file_name = format!("{stem}-{n}.{ext}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_backtick_yaml_block_is_extracted_verbatim() {
        let page = "# Page\n\n````yaml post /del/ptr\nopenapi: 3.0.0\npaths:\n  /del/ptr:\n    post: {}\n````\ntrailing prose\n";
        let blocks = extract_blocks(page).unwrap();
        assert_eq!(blocks.len(), 1);
        assert_eq!(blocks[0].file_name, "post-del-ptr.yaml");
        assert_eq!(
            blocks[0].text,
            "openapi: 3.0.0\npaths:\n  /del/ptr:\n    post: {}\n"
        );
    }

    #[test]
    fn json_blocks_are_named_by_method_and_path() {
        let page = "```json\n{\"openapi\":\"3.0.3\",\"paths\":{\"/reverserecords/{id}\":{\"put\":{}}}}\n```\n\n```json\n{\"openapi\":\"3.0.3\",\"paths\":{\"/reverserecords\":{\"get\":{}}}}\n```\n";
        let names: Vec<_> = extract_blocks(page)
            .unwrap()
            .into_iter()
            .map(|b| b.file_name)
            .collect();
        assert_eq!(
            names,
            ["put-reverserecords-id.json", "get-reverserecords.json"]
        );
    }

    #[test]
    fn fenced_non_openapi_example_is_skipped() {
        let page = "```json\n{\"status\":\"success\"}\n```\n";
        assert!(extract_blocks(page).unwrap().is_empty());
    }

    #[test]
    fn unclosed_fence_is_an_error() {
        assert!(extract_blocks("```yaml\nopenapi: 3.0.0\n").is_err());
    }
}
