//! The one list of providers the pipeline knows about.

/// How one provider's spec becomes one generated module.
#[derive(Debug, Clone, Copy)]
pub struct Provider {
    /// Short id: crate suffix, facade feature and CLI value (`edis`, `ionos`, `ecl`).
    pub id: &'static str,
    /// Spec directory relative to the workspace root.
    pub spec_dir: &'static str,
    /// Generated client relative to the workspace root.
    pub output: &'static str,
    /// Generated typed `httpmock` helpers relative to the workspace root.
    pub mock_output: &'static str,
    /// Request bodies are forms (matched on decoded values by the mocks).
    pub form_bodies: bool,
    /// Type that the generated `Client` carries for its hooks (`with_inner_type`).
    pub inner_type: &'static str,
    /// Schemas replaced by hand-written types: (schema name, Rust path).
    pub replacements: &'static [(&'static str, &'static str)],
    /// Generated types renamed: (schema name, Rust type name).
    pub renames: &'static [(&'static str, &'static str)],
}

/// Every provider, in the order they are generated and reported.
pub const PROVIDERS: &[Provider] = &[
    Provider {
        id: "edis",
        spec_dir: "specs/edis",
        output: "crates/revdns-edis/src/generated.rs",
        mock_output: "crates/revdns-edis/src/generated_mock.rs",
        form_bodies: true,
        inner_type: "crate::hooks::HookState",
        // EDIS wants JSON text inside one form field; serde_urlencoded cannot
        // write a list or map, so these types serialise themselves as a string.
        replacements: &[
            ("PtrIpList", "crate::form::JsonIpList"),
            ("PtrHostMap", "crate::form::JsonPtrMap"),
            // Numbers (or numeric text) in answers, decimal text in forms.
            ("EpochSeconds", "crate::form::EpochSeconds"),
        ],
        renames: &[],
    },
    Provider {
        id: "ionos",
        spec_dir: "specs/ionos-dns",
        output: "crates/revdns-ionos/src/generated.rs",
        mock_output: "crates/revdns-ionos/src/generated_mock.rs",
        form_bodies: false,
        inner_type: "crate::hooks::HookState",
        replacements: &[],
        // `types::Error` would sit beside progenitor's `Error` in every signature.
        renames: &[("Error", "ErrorBody")],
    },
    Provider {
        id: "ecl",
        spec_dir: "specs/ecl-dns",
        output: "crates/revdns-ecl/src/generated.rs",
        mock_output: "crates/revdns-ecl/src/generated_mock.rs",
        form_bodies: false,
        inner_type: "crate::hooks::HookState",
        // `records` in answers is a list, or a bare string after an update;
        // the hand-written type reads both and always writes a list.
        replacements: &[
            ("RecordValues", "crate::records::RecordValues"),
            // Checked by hand: the spec's only `pattern`s, so the crate needs
            // no regular expression engine (typify's code for a pattern
            // uses regress, which no crate depends on any more).
            ("RecordsetName", "crate::names::RecordsetName"),
            ("ZoneName", "crate::names::ZoneName"),
        ],
        renames: &[],
    },
];

/// Looks a provider up by id or by spec directory name.
pub fn find(name: &str) -> Option<&'static Provider> {
    PROVIDERS
        .iter()
        .find(|p| p.id == name || p.spec_dir.rsplit('/').next() == Some(name))
}
