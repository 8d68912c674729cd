//! What the shared runtime needs to know of IONOS Cloud DNS: which
//! operations may be sent twice and how its error bodies read. Every
//! request passes [`revdns_core::runtime::Runtime`].

use revdns_core::ProviderId;
use revdns_core::runtime::{Described, Dialect, status_table_only};

use crate::generated::types::ErrorBody;

/// The generated client's inner type: the shared runtime.
pub type HookState = revdns_core::runtime::Runtime;

revdns_core::runtime_hooks!(crate::generated::Client);

/// IONOS Cloud DNS for the runtime.
///
/// POST creates a second record if the first attempt did reach the server;
/// PUT to a chosen id and DELETE by id can be repeated. progenitor passes
/// the operation id in snake case (`reverserecords_get` for the spec's
/// `reverserecordsGet`), so that is the form listed.
pub(crate) static DIALECT: Dialect = Dialect {
    provider: ProviderId::Ionos,
    idempotent: &[
        "reverserecords_get",
        "reverserecords_find_by_id",
        "reverserecords_put",
        "reverserecords_delete",
    ],
    confidential: &[],
    describe,
    classify: status_table_only,
};

/// `{"httpStatus", "messages": [{"errorCode", "message"}]}`: every code
/// (joined with `,`) and every message (joined with `; `).
fn describe(body: &[u8]) -> Described {
    let Ok(body) = serde_json::from_slice::<ErrorBody>(body) else {
        return Described::default();
    };
    let join = |items: Vec<&str>, sep: &str| (!items.is_empty()).then(|| items.join(sep));
    let codes = body
        .messages
        .iter()
        .filter_map(|m| m.error_code.as_deref())
        .filter(|c| !c.is_empty())
        .collect();
    let texts = body
        .messages
        .iter()
        .filter_map(|m| m.message.as_deref())
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .collect();
    Described::new(join(codes, ","), join(texts, "; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idempotent_ids_name_generated_operations_and_exclude_post() {
        let generated = include_str!("generated.rs");
        for id in DIALECT.idempotent {
            assert!(
                generated.contains(&format!("operation_id: \"{id}\"")),
                "{id} is not an operation id of the generated client"
            );
        }
        assert!(generated.contains("operation_id: \"reverserecords_post\""));
        assert!(!DIALECT.is_idempotent("reverserecords_post"));
    }

    #[test]
    fn describe_keeps_every_code_and_message() {
        let body = br#"{"httpStatus":400,"messages":[{"errorCode":"dns-1","message":"first"},{"errorCode":"dns-2","message":" second "}],"traceId":"t"}"#;
        assert_eq!(
            describe(body),
            Described::new(Some("dns-1,dns-2".into()), Some("first; second".into()))
        );
    }

    #[test]
    fn describe_of_a_foreign_body_is_empty() {
        assert_eq!(
            describe(b"<html>502 Bad Gateway</html>"),
            Described::default()
        );
        assert_eq!(describe(br#"{"error":"x"}"#), Described::default());
        assert_eq!(describe(b""), Described::default());
    }
}
