//! The revdns code-generation pipeline, as a library so that its stages can
//! be tested on temporary copies of the spec tree.
//!
//! For each provider: load the spec fragments, merge them (a conflicting key
//! is an error), apply `patch.json` (RFC 6902, guarded by `test` operations),
//! check every `$ref`, run progenitor inside `catch_unwind`, format with
//! prettyplease, and write or `--check` `crates/revdns-<id>/src/generated.rs`.

pub mod generate;
pub mod import;
pub mod providers;
pub mod regenerate;
pub mod spec;
