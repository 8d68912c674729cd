//! How an application tests code that uses a provider's own client against
//! the typed mock generated from the same spec (the `mock` feature): the
//! mock takes the generated request and answer types, so the test cannot
//! drift from what the client sends.
//!
//! `cargo test -p revdns-sim --example typed_mock_test` runs the test.

use std::net::IpAddr;

/// The application's code: the description stored for an address, if any.
pub async fn description_of(
    client: &revdns_ionos::Client,
    ip: IpAddr,
) -> Result<Option<String>, revdns_ionos::Error> {
    Ok(client
        .find(&[ip])
        .await?
        .remove(&ip)
        .and_then(|r| r.description))
}

fn main() {}

#[cfg(test)]
mod tests {
    use httpmock::MockServer;
    use revdns_ionos::api::types;
    use revdns_ionos::mock::MockServerExt;

    use super::*;

    fn list(items: serde_json::Value) -> types::ReverseRecordsReadList {
        serde_json::from_value(serde_json::json!({
            "id": "7b7a8a4e-0000-4000-8000-000000000001", "type": "collection",
            "href": "/reverserecords", "offset": 0, "limit": 1000, "_links": {},
            "items": items
        }))
        .unwrap()
    }

    #[tokio::test]
    async fn reads_the_description_and_none_for_an_unknown_address() {
        let server = MockServer::start_async().await;
        let known = server.reverserecords_get(|when, then| {
            when.filter_record_ip(&vec!["192.0.2.25".to_owned()]);
            then.ok(&list(serde_json::json!([{
                "id": "7b7a8a4e-0000-4000-8000-000000000002", "type": "reverserecord",
                "href": "/reverserecords/7b7a8a4e-0000-4000-8000-000000000002", "metadata": {},
                "properties": {"name": "mail.example.net", "ip": "192.0.2.25",
                               "description": "mail relay"}
            }])));
        });
        let unknown = server.reverserecords_get(|when, then| {
            when.filter_record_ip(&vec!["192.0.2.26".to_owned()]);
            then.ok(&list(serde_json::json!([])));
        });
        let client = revdns_ionos::Client::builder()
            .base_url(server.base_url())
            .token("test-token")
            .build()
            .unwrap();
        let known_ip = "192.0.2.25".parse().unwrap();
        let unknown_ip = "192.0.2.26".parse().unwrap();
        assert_eq!(
            description_of(&client, known_ip).await.unwrap().as_deref(),
            Some("mail relay")
        );
        assert_eq!(description_of(&client, unknown_ip).await.unwrap(), None);
        known.assert_calls(1);
        unknown.assert_calls(1);
    }
}
