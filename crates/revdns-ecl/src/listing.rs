//! One page of `GET /v2/zones/{zone_id}/recordsets`: the request, and the
//! answer read into only what the client uses.
//!
//! Every lookup and every ensure lists whole zones (the API filters by
//! neither name nor type), so this is the request the client sends most.
//! The generated `list_recordsets` reads each recordset into thirteen
//! fields (two UUIDs, seven strings, a link object), and rebuilds the
//! answer into a `reqwest::Response` for its decoder; together that was
//! about 9% of a lookup's CPU. So the page is sent with
//! [`Runtime::call_raw_renewing`], the same request `list_recordsets`
//! builds (the wire tests match it with the generated mock), with the
//! token the request hook would set and the same one resend after a 401,
//! and read into [`Listed`], which skips what it does not name. It also
//! reads more tolerantly: a recordset without `zone_id`, `status` or
//! `links` still reads.
//!
//! [`Runtime::call_raw_renewing`]: revdns_core::runtime::Runtime::call_raw_renewing

use progenitor_client::ClientInfo;
use reqwest::header::{ACCEPT, HeaderValue};
use revdns_core::Error;
use serde::Deserialize;
use uuid::Uuid;

use crate::api::types::Links;
use crate::auth;
use crate::client::{Client, PAGE_SIZE};
use crate::records::RecordValues;
use crate::zones::ZoneRef;

/// The operation, as the generated client names it: the runtime's retry
/// rule and the error's `operation` are the same either way.
const OPERATION: &str = "list_recordsets";

/// A `RecordsetList`, as far as the client reads it.
#[derive(Debug, Deserialize)]
pub(crate) struct RecordsetPage {
    #[serde(default)]
    pub(crate) links: Option<Links>,
    pub(crate) recordsets: Vec<Listed>,
}

/// A listed `Recordset`: what the client compares and keeps.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Listed {
    pub(crate) id: Uuid,
    pub(crate) name: String,
    #[serde(rename = "type")]
    pub(crate) type_: String,
    /// Absent, none (the recordset is then skipped as having no value).
    #[serde(default)]
    pub(crate) records: RecordValues,
    #[serde(default)]
    pub(crate) ttl: Option<i64>,
    #[serde(default)]
    pub(crate) description: Option<String>,
}

impl Client {
    /// One page of the recordsets of `zone`, after `marker` (500 per page,
    /// the API's largest).
    pub(crate) async fn recordset_page(
        &self,
        zone: &ZoneRef,
        marker: Option<Uuid>,
    ) -> Result<RecordsetPage, Error> {
        // The generated client's base URL: the endpoint and `/v2` (the
        // first call logs in to learn the endpoint).
        let base = ClientInfo::baseurl(self.api().await?);
        let http = self.http();
        let mut query = vec![("limit", PAGE_SIZE.to_string())];
        if let Some(marker) = marker {
            query.push(("marker", marker.to_string()));
        }
        let runtime = self.runtime();
        let url = format!("{base}/zones/{}/recordsets", zone.id);
        // The token as the request hook sets it; after a 401 the request is
        // built again and resent with a new one.
        let session = self.session();
        let token = session.token_header().await?;
        let build = || {
            let mut request = runtime.build(
                http.get(&url)
                    .header(ACCEPT, HeaderValue::from_static("application/json"))
                    .query(&query),
            )?;
            auth::set_token(&mut request, token.clone());
            Ok(request)
        };
        let renew = |refused| session.renewed(refused);
        let about = format!("recordsets of zone {}", zone.name);
        let answer = runtime
            .call_raw_renewing(&about, http, build, OPERATION, renew)
            .await?;
        runtime.decode_page(answer).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shape of the ListRecordsets answer in the docs.
    const DOCUMENTED: &str = r#"{"links":{"self":"https://dns.example/v2/zones/z/recordsets?limit=500",
            "next":"https://dns.example/v2/zones/z/recordsets?limit=500&marker=0b3a1e7c-5c7b-4b8e-9e43-6ad1a1c0c001"},
            "metadata":{"total_count":2},"recordsets":[{"id":"0b3a1e7c-5c7b-4b8e-9e43-6ad1a1c0c001",
            "zone_id":"2150b1bf-dee2-4221-9d85-11f7886fb15f","name":"5.2.0.192.in-addr.arpa.",
            "type":"PTR","records":["mail.example.net."],"ttl":3600,"description":"mx",
            "status":"ACTIVE","action":"NONE","version":1,"created_at":"2026-01-01T00:00:00.000000",
            "updated_at":null,"links":{"self":"https://dns.example/v2/zones/z/recordsets/0b3a"}}]}"#;

    #[test]
    fn a_documented_page_reads_what_the_client_uses() {
        let page: RecordsetPage = serde_json::from_str(DOCUMENTED).unwrap();
        let next = page.links.and_then(|l| l.next).unwrap();
        assert!(next.ends_with("marker=0b3a1e7c-5c7b-4b8e-9e43-6ad1a1c0c001"));
        let [rs] = page.recordsets.as_slice() else {
            panic!("one recordset expected");
        };
        assert_eq!(rs.name, "5.2.0.192.in-addr.arpa.");
        assert_eq!(rs.type_, "PTR");
        assert_eq!(rs.records.first(), Some("mail.example.net."));
        assert_eq!(
            (rs.ttl, rs.description.as_deref()),
            (Some(3600), Some("mx"))
        );
    }

    /// The lean type reads what the generated one does: should the spec
    /// rename or retype a field, the generated type changes with it and
    /// this fails until `Listed` follows.
    #[test]
    fn the_lean_page_reads_as_the_generated_type_does() {
        let generated: crate::api::types::RecordsetList = serde_json::from_str(DOCUMENTED).unwrap();
        let lean: RecordsetPage = serde_json::from_str(DOCUMENTED).unwrap();
        let next = |links: Option<&Links>| links.and_then(|l| l.next.clone());
        assert_eq!(next(lean.links.as_ref()), next(generated.links.as_ref()));
        assert_eq!(lean.recordsets.len(), generated.recordsets.len());
        for (lean, generated) in lean.recordsets.iter().zip(&generated.recordsets) {
            assert_eq!(
                (lean.id, &lean.name, &lean.type_, &lean.records),
                (
                    generated.id,
                    &generated.name,
                    &generated.type_,
                    &generated.records
                )
            );
            assert_eq!(
                (lean.ttl, &lean.description),
                (generated.ttl, &generated.description)
            );
        }
    }

    #[test]
    fn a_recordset_without_what_the_client_does_not_read_still_reads() {
        // An update's answer shape: `records` as a bare string, no metadata.
        let body = r#"{"recordsets":[{"id":"0b3a1e7c-5c7b-4b8e-9e43-6ad1a1c0c001",
            "name":"5.2.0.192.in-addr.arpa.","type":"PTR","records":"mail.example.net."}]}"#;
        let page: RecordsetPage = serde_json::from_str(body).unwrap();
        assert!(page.links.is_none());
        assert_eq!(
            page.recordsets[0].records.first(),
            Some("mail.example.net.")
        );
        assert_eq!(page.recordsets[0].ttl, None);
    }

    #[test]
    fn a_recordset_without_an_id_name_or_type_does_not_read() {
        for body in [
            r#"{"recordsets":[{"name":"5.2.0.192.in-addr.arpa.","type":"PTR","records":[]}]}"#,
            r#"{"recordsets":[{"id":"0b3a1e7c-5c7b-4b8e-9e43-6ad1a1c0c001","type":"PTR","records":[]}]}"#,
            r#"{"recordsets":[{"id":"0b3a1e7c-5c7b-4b8e-9e43-6ad1a1c0c001","name":"x."}]}"#,
            r#"{"recordsets":[{"id":"not a uuid","name":"x.","type":"PTR","records":[]}]}"#,
        ] {
            assert!(
                serde_json::from_str::<RecordsetPage>(body).is_err(),
                "{body}"
            );
        }
    }
}
