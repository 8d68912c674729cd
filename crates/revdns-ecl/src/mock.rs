//! Typed [`httpmock`] helpers for the NTT ECL DNS API (feature `mock`),
//! generated from the same patched spec as the client: one method per
//! operation on [`MockServerExt`], whose `When` takes the generated
//! parameter and body types and whose `Then` takes the generated answer
//! types, so a mock cannot drift from what the client sends and reads.
//!
//! Enable it for tests only:
//!
//! ```toml
//! [dev-dependencies]
//! revdns-ecl = { version = "*", features = ["mock"] }
//! ```
//!
//! A user's function, tested against the typed mock:
//!
//! ```
//! use httpmock::MockServer;
//! use revdns_ecl::mock::MockServerExt;
//! use revdns_ecl::{Client, PtrProvider};
//! use serde_json::json;
//!
//! // The code under test: the PTR target of `ip`, if any.
//! async fn ptr_target(client: &Client, ip: std::net::IpAddr) -> Result<Option<String>, revdns_ecl::Error> {
//!     let found = client.get(&[ip]).await?;
//!     Ok(found[&ip].as_ref().map(|r| r.target.to_string()))
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let server = MockServer::start_async().await;
//! let zone_id = "a86dba58-0043-4cc6-a1bb-69d5e86f3ca3";
//! let zone = json!({"id": zone_id, "pool_id": "", "project_id": "p", "name": "2.0.192.in-addr.arpa.",
//!     "email": "", "ttl": 0, "serial": 0, "status": "ACTIVE", "description": null, "masters": [],
//!     "type": "", "transferred_at": null, "version": 1, "created_at": "2019-02-05T06:09:41",
//!     "updated_at": null, "links": {"self": "l"}});
//! server.list_zones(|when, then| {
//!     when.into_inner().query_param_exists("limit");
//!     then.ok(&serde_json::from_value(json!({"zones": [zone], "links": {"self": "l"},
//!         "metadata": {"total_count": 1}})).unwrap());
//! });
//! let recordset = json!({"id": "f0f5e6d8-5b9a-4c1e-9d3a-2b7c8e1f0a11", "zone_id": zone_id,
//!     "name": "25.2.0.192.in-addr.arpa.", "type": "PTR", "records": ["mail.example.net."],
//!     "ttl": 3600, "description": "", "version": 1, "status": "ACTIVE", "action": "",
//!     "created_at": "2019-02-05T23:41:57", "updated_at": null, "links": {"self": "l"}});
//! let listing = server.list_recordsets(|when, then| {
//!     when.zone_id(&zone_id.parse().unwrap());
//!     then.ok(&serde_json::from_value(json!({"recordsets": [recordset], "links": {"self": "l"},
//!         "metadata": {"total_count": 1}})).unwrap());
//! });
//!
//! let client = Client::builder().token("test-token").endpoint(server.base_url()).build()?;
//! let ip = "192.0.2.25".parse()?;
//! assert_eq!(ptr_target(&client, ip).await?.as_deref(), Some("mail.example.net"));
//! listing.assert_calls(1);
//! # Ok(())
//! # }
//! ```

#[rustfmt::skip]
#[allow(missing_docs, missing_debug_implementations, unreachable_pub, unused_qualifications, clippy::all, clippy::pedantic, rustdoc::all)]
#[path = "generated_mock.rs"]
mod generated;

pub use generated::{MockServerExt, operations};
