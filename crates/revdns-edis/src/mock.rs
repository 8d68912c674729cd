//! Typed [`httpmock`] helpers for the EDIS API (feature `mock`), generated
//! from the same patched spec as the client: one method per operation on
//! [`MockServerExt`], whose `When` takes the generated body types and whose
//! `Then` takes the generated answer types. Bodies are forms, so a `body`
//! matcher compares decoded values: field by field, and the JSON text
//! inside a field (`ip`) as JSON, whatever its spacing or key order.
//!
//! Enable it for tests only:
//!
//! ```toml
//! [dev-dependencies]
//! revdns-edis = { version = "*", features = ["mock"] }
//! ```
//!
//! A user's function, tested against the typed mock:
//!
//! ```
//! use httpmock::MockServer;
//! use revdns_edis::api::types;
//! use revdns_edis::form::{EpochSeconds, JsonIpList};
//! use revdns_edis::mock::MockServerExt;
//! use revdns_edis::{Client, Credentials, Hostname};
//!
//! // The code under test: is the mail server's PTR in place?
//! async fn mail_ptr_ok(client: &Client) -> Result<bool, revdns_edis::Error> {
//!     let ip = "192.0.2.25".parse().expect("an IP");
//!     let found = client.get_ptrs(&[ip]).await?;
//!     Ok(found[&ip] == Some(Hostname::new("mail.example.net")?))
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let server = MockServer::start_async().await;
//! let session: types::AuthResponse = serde_json::from_value(serde_json::json!({
//!     "status": "success",
//!     "data": {"kvm_1": {"api_host": "vps.example.net", "kvm_id": "kvm_1",
//!                        "valid_until": 4102444800u64, "signature": "sig"}}
//! }))?;
//! server.create_auth_session(|when, then| {
//!     when.body(&types::AuthRequest {
//!         email: "ops@example.net".into(),
//!         kvm_id: Some("kvm_1".into()),
//!         pw: "pw".into(),
//!     });
//!     then.ok(&session);
//! });
//! let ip = "192.0.2.25".parse()?;
//! let records: types::GetPtrResponse = serde_json::from_value(serde_json::json!({
//!     "status": "success",
//!     "records": [{"ip": "192.0.2.25", "ptr_record": "mail.example.net"}]
//! }))?;
//! let lookup = server.get_ptr(|when, then| {
//!     when.body(&types::GetPtrBody {
//!         api_host: "vps.example.net".into(),
//!         ip: JsonIpList(vec![ip]),
//!         kvm_id: "kvm_1".into(),
//!         signature: "sig".into(),
//!         valid_until: EpochSeconds(4102444800),
//!     });
//!     then.ok(&records);
//! });
//!
//! let client = Client::builder()
//!     .credentials(Credentials::new("ops@example.net", "pw").with_kvm_id("kvm_1"))
//!     .auth_base_url(server.base_url())
//!     .ptr_base_url(server.base_url())
//!     .build()?;
//! assert!(mail_ptr_ok(&client).await?);
//! lookup.assert_calls(1);
//! # Ok(())
//! # }
//! ```

use httpmock::prelude::HttpMockRequest;
use serde::Serialize;

#[rustfmt::skip]
#[allow(missing_docs, missing_debug_implementations, unreachable_pub, unused_qualifications, clippy::all, clippy::pedantic, rustdoc::all)]
#[path = "generated_mock.rs"]
mod generated;

pub use generated::{MockServerExt, operations};

/// A matcher for a form body equal to `expected` serialised as the client
/// sends it, comparing decoded values; JSON inside a field compares as JSON.
pub(crate) fn form_body<T: Serialize>(
    expected: &T,
) -> impl Fn(&HttpMockRequest) -> bool + Send + Sync + 'static {
    let want = serde_urlencoded::to_string(expected)
        .map(|text| decoded(text.as_bytes()))
        .unwrap_or_default();
    move |request| decoded(request.body_ref()) == want
}

/// Form fields sorted by name; a value that is JSON text becomes its
/// compact form, so that spacing and key order do not matter.
fn decoded(body: &[u8]) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = url::form_urlencoded::parse(body)
        .map(|(k, v)| {
            let value = match serde_json::from_str::<serde_json::Value>(&v) {
                Ok(json @ (serde_json::Value::Array(_) | serde_json::Value::Object(_))) => {
                    json.to_string()
                }
                _ => v.into_owned(),
            };
            (k.into_owned(), value)
        })
        .collect();
    fields.sort();
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoded_forms_compare_json_fields_as_json() {
        let a = decoded(br#"kvm_id=k&ip=%7B%22b%22%3A%22x%22%2C%22a%22%3A%22y%22%7D"#);
        let b = decoded(br#"ip=%7B+%22a%22%3A+%22y%22%2C+%22b%22%3A+%22x%22+%7D&kvm_id=k"#);
        assert_eq!(a, b);
        assert_ne!(a, decoded(b"kvm_id=other&ip=%7B%7D"));
    }
}
