//! Typed [`httpmock`] helpers for the IONOS Cloud DNS API (feature `mock`),
//! generated from the same patched spec as the client: one method per
//! operation on [`MockServerExt`], whose `When` takes the generated
//! parameter and body types and whose `Then` takes the generated answer
//! types, so a mock cannot drift from what the client sends and reads.
//!
//! Enable it for tests only:
//!
//! ```toml
//! [dev-dependencies]
//! revdns-ionos = { version = "*", features = ["mock"] }
//! ```
//!
//! A user's function, tested against the typed mock:
//!
//! ```
//! use httpmock::MockServer;
//! use revdns_ionos::api::types;
//! use revdns_ionos::mock::MockServerExt;
//! use revdns_ionos::Client;
//!
//! // The code under test: the name the PTR of `ip` points to, if any.
//! async fn ptr_name(client: &Client, ip: std::net::IpAddr) -> Result<Option<String>, revdns_ionos::Error> {
//!     Ok(client.find(&[ip]).await?.remove(&ip).map(|record| record.name))
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let server = MockServer::start_async().await;
//! let answer: types::ReverseRecordsReadList = serde_json::from_value(serde_json::json!({
//!     "id": "7b7a8a4e-0000-4000-8000-000000000001", "type": "collection", "href": "/reverserecords",
//!     "offset": 0, "limit": 1000, "_links": {},
//!     "items": [{
//!         "id": "7b7a8a4e-0000-4000-8000-000000000002", "type": "reverserecord",
//!         "href": "/reverserecords/7b7a8a4e-0000-4000-8000-000000000002", "metadata": {},
//!         "properties": {"name": "mail.example.net", "ip": "192.0.2.25"}
//!     }]
//! }))?;
//! let lookup = server.reverserecords_get(|when, then| {
//!     when.filter_record_ip(&vec!["192.0.2.25".to_owned()]);
//!     then.ok(&answer);
//! });
//!
//! let client = Client::builder().base_url(server.base_url()).token("test-token").build()?;
//! let ip = "192.0.2.25".parse()?;
//! assert_eq!(ptr_name(&client, ip).await?.as_deref(), Some("mail.example.net"));
//! lookup.assert_calls(1);
//! # Ok(())
//! # }
//! ```

#[rustfmt::skip]
#[allow(missing_docs, missing_debug_implementations, unreachable_pub, unused_qualifications, clippy::all, clippy::pedantic, rustdoc::all)]
#[path = "generated_mock.rs"]
mod generated;

pub use generated::{MockServerExt, operations};
