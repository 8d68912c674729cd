//! What the shared runtime needs to know of ECL answers: which operations
//! may be sent twice, and how its error bodies read (`{"error": {"code",
//! "title", "message": "E2008 Specified recordset is not found."}}`, the
//! `E####` code in front of the message; Keystone's bodies have the same
//! shape without the code).

use revdns_core::ProviderId;
use revdns_core::runtime::{AnswerKind, Described, Dialect};

use crate::api::types::ErrorResponse;

/// NTT Enterprise Cloud 2.0 DNS (and its Keystone) for the runtime.
///
/// Reads, the zone PATCH (it sets fields to given values), the recordset
/// PUT and the deletes by id can be repeated, and so can a login (it only
/// issues another token). The two POSTs create another zone or recordset
/// each time, so they are not listed: a lost create is settled by reading
/// the zone (see `Client::create_ptr`).
pub(crate) static DIALECT: Dialect = Dialect {
    provider: ProviderId::Ecl,
    idempotent: &[
        "create_token",
        "list_zones",
        "show_zone",
        "update_zone",
        "delete_zone",
        "list_zone_nameservers",
        "list_recordsets",
        "show_recordset",
        "update_recordset",
        "delete_recordset",
        "delete_recordsets",
    ],
    confidential: &["create_token"],
    describe,
    classify,
};

fn describe(body: &[u8]) -> Described {
    let Some(message) = serde_json::from_slice::<ErrorResponse>(body)
        .ok()
        .and_then(|b| b.error.message)
    else {
        return Described::default();
    };
    let (code, text) = split_code(&message);
    let text = if text.is_empty() {
        message.trim()
    } else {
        text
    };
    Described::new(code.map(str::to_owned), Some(text.to_owned()))
}

/// The kind an ECL code stands for, whatever the status line says.
fn classify(_operation: &str, _status: u16, d: &Described) -> Option<AnswerKind> {
    let code = d.code.as_deref()?;
    Some(match code {
        "E2001" => AnswerKind::Auth,
        "E2062" | "E2063" => AnswerKind::Forbidden,
        "E2007" | "E2008" => AnswerKind::NotFound,
        c if is_invalid_input(c) => AnswerKind::Rejected,
        _ => return None,
    })
}

/// An ECL error message split into its `E####` code and the text after it:
/// `"E2008 Specified recordset is not found."` gives
/// `(Some("E2008"), "Specified recordset is not found.")`.
pub(crate) fn split_code(message: &str) -> (Option<&str>, &str) {
    let trimmed = message.trim_start();
    let bytes = trimmed.as_bytes();
    let is_code = bytes.len() >= 5
        && bytes[0] == b'E'
        && bytes[1..5].iter().all(u8::is_ascii_digit)
        && bytes.get(5).is_none_or(|b| b.is_ascii_whitespace());
    if is_code {
        (Some(&trimmed[..5]), trimmed[5..].trim_start())
    } else {
        (None, trimmed)
    }
}

/// Codes that say the request's input was invalid (limit, name, records,
/// sort key, body, zone id, description).
fn is_invalid_input(code: &str) -> bool {
    matches!(
        code,
        "E2005"
            | "E2010"
            | "E2011"
            | "E2012"
            | "E2014"
            | "E2015"
            | "E2016"
            | "E2033"
            | "E2040"
            | "E2042"
            | "E2044"
            | "E2054"
    )
}

#[cfg(test)]
mod tests {
    use revdns_core::{Error, ErrorMeta};

    use super::*;

    fn answer(status: u16, message: &str) -> Error {
        let body = format!(r#"{{"error":{{"code":{status},"title":"t","message":"{message}"}}}}"#);
        let meta = ErrorMeta::default()
            .with_operation("show_recordset")
            .with_attempts(1);
        DIALECT.error_for_body(
            "recordset 5.2.0.192.in-addr.arpa.",
            meta,
            status,
            body.as_bytes(),
        )
    }

    #[test]
    fn split_code_table() {
        let cases = [
            (
                "E2008 Specified recordset is not found.",
                Some("E2008"),
                "Specified recordset is not found.",
            ),
            ("E9001", Some("E9001"), ""),
            ("  E2001 Invalid token.", Some("E2001"), "Invalid token."),
            ("E20081 long", None, "E20081 long"),
            ("e2008 lower", None, "e2008 lower"),
            ("Not found", None, "Not found"),
            ("", None, ""),
        ];
        for (input, code, text) in cases {
            assert_eq!(split_code(input), (code, text), "{input:?}");
        }
    }

    #[test]
    fn documented_codes_map_to_kinds_and_keep_the_answer() {
        let e = answer(404, "E2008 Specified recordset is not found.");
        assert_eq!(e.kind(), "not_found");
        assert_eq!(
            e.to_string(),
            "ecl found no recordset 5.2.0.192.in-addr.arpa."
        );
        let meta = e.meta().unwrap();
        assert_eq!(meta.status, Some(404));
        assert_eq!(meta.code.as_deref(), Some("E2008"));
        assert_eq!(
            meta.message.as_deref(),
            Some("Specified recordset is not found.")
        );
        assert_eq!(meta.operation.as_deref(), Some("show_recordset"));
        assert_eq!(
            answer(404, "E2007 Specified zone is not found.").kind(),
            "not_found"
        );
        assert_eq!(answer(401, "E2001 Invalid token.").kind(), "auth");
        let e = answer(403, "E2062 Default NS recordset can't delete.");
        assert_eq!(e.provider_code(), Some("E2062"));
        assert_eq!(e.kind(), "forbidden");
        assert_eq!(
            answer(403, "E2063 Default SOA recordset can't modify.").kind(),
            "forbidden"
        );
        let e = answer(400, "E2016 Can't set multiple values on PTR recordset.");
        assert_eq!(e.kind(), "rejected");
        assert_eq!(e.status(), Some(400));
        assert_eq!(e.provider_code(), Some("E2016"));
        assert_eq!(answer(409, "E2099 duplicate").kind(), "conflict");
    }

    #[test]
    fn unknown_codes_follow_the_status_table_and_keep_the_code() {
        let e = answer(500, "E9001 Internal Server Error. Request failed.");
        assert_eq!(e.kind(), "api");
        assert_eq!(e.status(), Some(500));
        assert_eq!(e.provider_code(), Some("E9001"));
        assert!(e.to_string().contains("Internal Server Error"), "{e}");
        let e = answer(400, "E2004 Recordset count reaches the upper limit.");
        assert_eq!(e.kind(), "rejected");
        assert!(answer(503, "busy").provider_code().is_none());
        assert!(answer(503, "busy").is_retryable());
    }

    #[test]
    fn a_foreign_body_keeps_status_and_excerpt() {
        let meta = ErrorMeta::default().with_operation("list_zones");
        let e = DIALECT.error_for_body("zones", meta, 502, b"<html>bad gateway</html>");
        assert_eq!(e.status(), Some(502));
        assert!(e.to_string().contains("bad gateway"), "{e}");
        let e = DIALECT.error_for_body("zones", ErrorMeta::default(), 401, b"<html>401</html>");
        assert_eq!(e.kind(), "auth");
    }
}
