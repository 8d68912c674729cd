//! `cargo xtask import` against the provider pages the specs were vendored from.
//!
//! The pages live in the shared folder beside the repository (`../shared/seeds`,
//! or `REVDNS_SEEDS`); they are the provider's documentation, not ours to
//! commit.
#![allow(clippy::print_stderr)]

use std::fs;
use std::path::{Path, PathBuf};

use xtask::import::extract_blocks;

fn seeds() -> Option<PathBuf> {
    let dir = std::env::var_os("REVDNS_SEEDS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/seeds"));
    dir.is_dir().then_some(dir)
}

fn page(dir: &Path, prefix: &str) -> String {
    let entry = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix))
        .unwrap_or_else(|| panic!("no seed page {prefix}_*"));
    fs::read_to_string(entry).unwrap()
}

#[test]
fn seed_pages_yield_the_vendored_upstream_files_byte_for_byte() {
    let Some(dir) = seeds() else {
        eprintln!("skipped: no seed pages beside the repository (set REVDNS_SEEDS)");
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let cases = [
        ("000", "edis", &["post-del-ptr.yaml"][..]),
        ("001", "edis", &["post-set-ptr.yaml"][..]),
        ("002", "edis", &["post-get-ptr.yaml"][..]),
        (
            "003",
            "ionos-dns",
            &[
                "get-reverserecords.json",
                "post-reverserecords.json",
                "get-reverserecords-reverserecordid.json",
                "put-reverserecords-reverserecordid.json",
                "delete-reverserecords-reverserecordid.json",
            ][..],
        ),
    ];
    for (prefix, spec_dir, names) in cases {
        let blocks = extract_blocks(&page(&dir, prefix)).unwrap();
        let got: Vec<_> = blocks.iter().map(|b| b.file_name.as_str()).collect();
        assert_eq!(got, names, "page {prefix}");
        for block in &blocks {
            let vendored = root
                .join("specs")
                .join(spec_dir)
                .join("upstream")
                .join(&block.file_name);
            assert_eq!(
                fs::read_to_string(vendored).unwrap(),
                block.text,
                "{}",
                block.file_name
            );
        }
    }
}

#[test]
fn prose_page_without_openapi_yields_nothing() {
    let Some(dir) = seeds() else {
        eprintln!("skipped: no seed pages beside the repository (set REVDNS_SEEDS)");
        return;
    };
    // The ECL page documents the API in prose only: that is why we write its spec.
    assert!(extract_blocks(&page(&dir, "004")).unwrap().is_empty());
}
