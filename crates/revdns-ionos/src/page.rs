//! One page of `GET /reverserecords`: the request, and the answer read
//! into only what the client uses.
//!
//! A listing of 10,000 records is 6 MB of JSON, and the generated types
//! allocate eight strings of `href` and `metadata` per record that
//! nothing reads; parsing them was most of an unchanged ensure's CPU. So
//! the page is sent with [`Runtime::call_raw`](revdns_core::runtime::Runtime::call_raw),
//! the same request the generated `reverserecords_get` builds (the wire
//! tests pin it), and read into [`Listed`], which skips what it does not
//! name. Reading is also more tolerant: a page that lacks `href`,
//! `metadata` or `type` still reads.

use std::net::IpAddr;

use progenitor_client::ClientInfo;
use reqwest::header::{ACCEPT, HeaderValue};
use revdns_core::{Error, ProviderId};
use serde::Deserialize;
use uuid::Uuid;

use crate::client::{Client, PAGE_LIMIT};
use crate::record::ReverseRecord;

const P: ProviderId = ProviderId::Ionos;

/// The operation, as the generated client names it: the runtime's retry
/// rule and the error's `operation` are the same either way.
const OPERATION: &str = "reverserecords_get";

/// Where a page walk stands.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pager {
    pub(crate) offset: u32,
    pub(crate) done: bool,
    /// Id of the first record of the previous page, to catch a server that
    /// ignores `offset`.
    pub(crate) previous_first: Option<Uuid>,
}

impl Pager {
    /// The first page.
    pub(crate) fn start() -> Self {
        Self::at(0, None)
    }

    /// The page at `offset`, after a page that began with `previous_first`.
    pub(crate) fn at(offset: u32, previous_first: Option<Uuid>) -> Self {
        Pager {
            offset,
            done: false,
            previous_first,
        }
    }
}

/// One answered page of a listing.
pub(crate) struct Page {
    pub(crate) records: Vec<ReverseRecord>,
    /// Id of its first record.
    pub(crate) first: Option<Uuid>,
    /// Records a full page holds: 1000, or the server's lower cap.
    pub(crate) page_size: usize,
}

impl Page {
    /// Refuses a page at `offset` that repeats the one before it (whose
    /// first record was `previous_first`): a server ignoring the offset.
    pub(crate) fn follows(&self, previous_first: Option<Uuid>, offset: usize) -> Result<(), Error> {
        if self.first.is_some() && self.first == previous_first {
            return Err(Error::invalid_response(
                P,
                format!(
                    "the page at offset {offset} repeats the previous page; stopping instead of looping"
                ),
            ));
        }
        Ok(())
    }
}

/// A `ReverseRecordsReadList`, as far as the client reads it.
#[derive(Deserialize)]
struct Listed {
    items: Vec<ListedRecord>,
    /// The page size the server used; absent, the one asked.
    #[serde(default)]
    limit: Option<f64>,
}

/// A `ReverseRecordRead`: its id and properties.
#[derive(Deserialize)]
struct ListedRecord {
    id: Uuid,
    properties: ListedProperties,
}

#[derive(Deserialize)]
struct ListedProperties {
    ip: IpAddr,
    name: String,
    #[serde(default)]
    description: Option<String>,
}

impl From<ListedRecord> for ReverseRecord {
    fn from(read: ListedRecord) -> Self {
        let p = read.properties;
        ReverseRecord::read(read.id, p.ip, p.name, p.description)
    }
}

impl Client {
    /// One page of `GET /reverserecords` at `pager.offset`, and the pager
    /// for the next one.
    pub(crate) async fn page(
        &self,
        filter: Option<&[String]>,
        pager: Pager,
    ) -> Result<(Vec<ReverseRecord>, Pager), Error> {
        let page = self.fetch(filter, pager.offset as usize).await?;
        page.follows(pager.previous_first, pager.offset as usize)?;
        let count = page.records.len();
        let next = Pager {
            offset: pager.offset.saturating_add(count as u32),
            done: count == 0 || count < page.page_size,
            previous_first: page.first,
        };
        Ok((page.records, next))
    }

    /// `GET /reverserecords` with `limit=1000` at `offset`, and
    /// `filter.recordIp` repeated for each of `filter`.
    pub(crate) async fn fetch(
        &self,
        filter: Option<&[String]>,
        offset: usize,
    ) -> Result<Page, Error> {
        let offset = i32::try_from(offset).map_err(|_| {
            Error::invalid_response(P, "listing went past the largest offset the API accepts")
        })?;
        let api = self.api();
        let http = ClientInfo::client(api);
        let (limit, offset) = (PAGE_LIMIT.to_string(), offset.to_string());
        let query = filter
            .unwrap_or_default()
            .iter()
            .map(|ip| ("filter.recordIp", ip.as_str()))
            .chain([("limit", limit.as_str()), ("offset", offset.as_str())])
            .collect::<Vec<_>>();
        let runtime = self.runtime();
        let url = format!("{}/reverserecords", ClientInfo::baseurl(api));
        let build = || {
            runtime.build(
                http.get(&url)
                    .header(ACCEPT, HeaderValue::from_static("application/json"))
                    .query(&query),
            )
        };
        let answer = runtime
            .call_raw("reverse record list", http, build, OPERATION)
            .await?;
        let list: Listed = runtime.decode_page(answer).await?;
        // A server may cap `limit` below what was asked; it echoes the cap.
        let page_size = match list.limit {
            Some(echoed)
                if echoed.is_finite() && echoed >= 1.0 && echoed < f64::from(PAGE_LIMIT.get()) =>
            {
                echoed as usize
            }
            _ => PAGE_LIMIT.get() as usize,
        };
        Ok(Page {
            first: list.items.first().map(|r| r.id),
            records: list.items.into_iter().map(ReverseRecord::from).collect(),
            page_size,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(body: &str) -> (Vec<ReverseRecord>, Option<f64>) {
        let list: Listed = serde_json::from_str(body).unwrap();
        let limit = list.limit;
        (list.items.into_iter().map(Into::into).collect(), limit)
    }

    /// The documented page of the tests below.
    const DOCUMENTED: &str = r#"{"id":"f7e1c5a0-0000-4000-8000-000000000000","type":"collection",
            "href":"https://dns.example/reverserecords","offset":0,"limit":1000,
            "_links":{},"items":[{"id":"a1b2c3d4-0000-4000-8000-000000000001",
            "type":"reverserecord","href":"https://dns.example/reverserecords/a1b2c3d4-0000-4000-8000-000000000001",
            "metadata":{"createdDate":"2026-01-01T00:00:00Z","createdBy":"ops@example.net",
            "createdByUserId":"u","lastModifiedDate":"2026-01-01T00:00:00Z",
            "lastModifiedBy":"ops@example.net","lastModifiedByUserId":"u",
            "resourceURN":"ionos:dns:reverserecord:a1b2c3d4-0000-4000-8000-000000000001"},
            "properties":{"name":"mail.example.net","description":"","ip":"192.0.2.1"}}]}"#;

    #[test]
    fn a_documented_page_reads_its_ids_and_properties() {
        let (read, limit) = records(DOCUMENTED);
        assert_eq!(limit, Some(1000.0));
        assert_eq!(
            read,
            [ReverseRecord {
                id: "a1b2c3d4-0000-4000-8000-000000000001".parse().unwrap(),
                ip: "192.0.2.1".parse().unwrap(),
                name: "mail.example.net".into(),
                // An empty description is none.
                description: None,
            }]
        );
    }

    /// The lean type reads what the generated one does: should the spec
    /// rename or retype a field, the generated type changes with it and
    /// this fails until `Listed` follows.
    #[test]
    fn the_lean_page_reads_as_the_generated_type_does() {
        let generated: crate::generated::types::ReverseRecordsReadList =
            serde_json::from_str(DOCUMENTED).unwrap();
        let (lean, limit) = records(DOCUMENTED);
        assert_eq!(lean.len(), generated.items.len());
        for (lean, generated) in lean.iter().zip(&generated.items) {
            let p = &generated.properties;
            assert_eq!(
                (lean.id, lean.ip, &lean.name),
                (generated.id, p.ip, &p.name)
            );
            let description = p.description.clone().filter(|d| !d.is_empty());
            assert_eq!(lean.description, description);
        }
        assert_eq!(limit, Some(generated.limit.0));
    }

    #[test]
    fn a_page_without_what_the_client_does_not_read_still_reads() {
        let body = r#"{"items":[{"id":"a1b2c3d4-0000-4000-8000-000000000001",
            "properties":{"name":"mail.example.net","ip":"2001:db8::1","description":"mx"}}]}"#;
        let (read, limit) = records(body);
        assert_eq!(limit, None);
        assert_eq!(read[0].ip, "2001:db8::1".parse::<IpAddr>().unwrap());
        assert_eq!(read[0].description.as_deref(), Some("mx"));
    }

    #[test]
    fn a_record_without_an_address_or_name_does_not_read() {
        for body in [
            r#"{"items":[{"id":"a1b2c3d4-0000-4000-8000-000000000001","properties":{"name":"x.example"}}]}"#,
            r#"{"items":[{"id":"a1b2c3d4-0000-4000-8000-000000000001","properties":{"ip":"192.0.2.1"}}]}"#,
            r#"{"items":[{"properties":{"name":"x.example","ip":"192.0.2.1"}}]}"#,
            r#"{"items":[{"id":"a1b2c3d4-0000-4000-8000-000000000001","properties":{"name":"x.example","ip":"not an address"}}]}"#,
        ] {
            assert!(serde_json::from_str::<Listed>(body).is_err(), "{body}");
        }
    }
}
