//! The payloads NTT's docs and SDK fixtures show parse into the generated
//! types (reference: shared/reference/ecl-dns.md §8).

use revdns_ecl::api::types::{
    ErrorResponse, NameserverList, Recordset, RecordsetList, UpdateZoneResponse, Zone, ZoneList,
    ZoneSerial,
};

/// eclcloud recordsets fixture: create answer, a list wrapper.
const CREATE_RECORDSET: &str = r#"{"recordsets":[{"id":"f1dcc528-6b94-47aa-9b13-b62a356ed44f","zone_id":"4eb5c333-7031-48ff-a247-0eeccc57472e",
   "records":["10.1.0.0"],"ttl":3000,"name":"rs1.zone1.com.","description":"a record set 1","type":"A",
   "version":1,"created_at":"","updated_at":null,"links":{"self":"dummylink"}}],
 "links":{"self":"dummylink"},"metadata":{"total_count":1}}"#;

/// eclcloud recordsets fixture: update answer, `records` a bare string.
const UPDATE_RECORDSET: &str = r#"{"id":"f1dcc528-6b94-47aa-9b13-b62a356ed44f","name":"rs1update.zone1.com.","ttl":3600,
 "description":"a record set 1-updated","records":"10.1.0.1","type":"A","version":1,
 "created_at":null,"updated_at":null,"zone_id":"4eb5c333-7031-48ff-a247-0eeccc57472e","links":{"self":"dummylink"}}"#;

/// eclcloud recordsets fixture: list with paging links.
const LIST_RECORDSETS: &str = r#"{"recordsets":[{"id":"f1dcc528-6b94-47aa-9b13-b62a356ed44f","action":"","name":"rs1.zone1.com.","ttl":3000,
   "description":"a record set 1","records":["10.1.0.0"],"type":"A","version":1,"status":"ACTIVE",
   "created_at":"2019-02-05T23:41:57","updated_at":"2019-02-05T23:42:13",
   "zone_id":"4eb5c333-7031-48ff-a247-0eeccc57472e","links":{"self":"dummylink"}}],
 "links":{"self":"http://127.0.0.1:9001/v2/zones/2150b1bf-dee2-4221-9d85-11f7886fb15f/recordsets?limit=1",
          "next":"http://127.0.0.1:9001/v2/zones/2150b1bf-dee2-4221-9d85-11f7886fb15f/recordsets?limit=1&marker=f7b10e9b-0cae-4a91-b162-562bc6096648"},
 "metadata":{"total_count":2}}"#;

/// NTT lab answer (eclsdk recordset.py): `description` null, `created_at` "".
const LAB_RECORDSETS: &str = r#"{"recordsets":[
  {"id":"fcb86eb9-8f8d-4cfd-8309-9052236d75df","zone_id":"d4f0ea0e-edb6-4bbb-aefd-2944457be234",
   "records":["203.0.143.22"],"ttl":3600,"name":"ns3.base.co.jp.","description":null,"type":"A","version":1,
   "created_at":"","updated_at":null,
   "links":{"self":"https://dns-lab3ec-ecl.lab.api.ntt.com/v2/zones/d4f0ea0e-edb6-4bbb-aefd-2944457be234/recordsets/fcb86eb9-8f8d-4cfd-8309-9052236d75df"}}],
 "links":{"self":"https://dns-lab3ec-ecl.lab.api.ntt.com/v2/zones/d4f0ea0e-edb6-4bbb-aefd-2944457be234/recordsets"},
 "metadata":{"total_count":1}}"#;

/// NTT Get-Started tutorial: create-zone answer (placeholders made concrete).
const CREATE_ZONE: &str = r#"{"id":"7f0e3541-9fc6-410d-b338-087909f04ebc","pool_id":"","project_id":"9b8f16df551e42f3b905859f28a33d55","name":"example.uk.","email":"","ttl":100,
 "serial":0,"status":"CREATING","description":"This is a test zone.","masters":[],"type":"",
 "transferred_at":null,"version":1,"created_at":"2016-10-11T02:07:49","updated_at":null,
 "links":{"self":"https://dns-jp1-ecl.api.ntt.com/v2/zones/7f0e3541-9fc6-410d-b338-087909f04ebc"}}"#;

/// eclcloud zones fixture list, with `api_result`, `action`, `attributes`.
const LIST_ZONES: &str = r#"{"api_result":"success",
 "zones":[{"id":"dcbd3d17-26ce-461d-b77c-a8774cafee75","description":"this is my zone",
   "project_id":"9b8f16df551e42f3b905859f28a33d55","created_at":"2019-02-05T06:09:41","updated_at":"2019-02-05T06:09:45",
   "name":"myzone.com.","pool_id":"","email":"","ttl":0,"serial":0,"status":"ACTIVE","masters":[],"type":"",
   "transferred_at":null,"version":1,"links":{"self":"dummylink"},"action":"","attributes":[]}],
 "links":{"self":"dummylink"},"metadata":{"total_count":1}}"#;

#[test]
fn create_recordset_answer_is_a_list_wrapper() {
    let list: RecordsetList = serde_json::from_str(CREATE_RECORDSET).unwrap();
    assert_eq!(list.recordsets.len(), 1);
    let rs = &list.recordsets[0];
    assert_eq!(rs.records.as_slice(), ["10.1.0.0"]);
    assert_eq!(rs.created_at.as_deref(), Some(""));
    assert_eq!(rs.updated_at, None);
    assert_eq!(rs.status, None);
    assert_eq!(list.metadata.unwrap().total_count, Some(1));
}

#[test]
fn update_recordset_answer_with_string_records_parses() {
    let rs: Recordset = serde_json::from_str(UPDATE_RECORDSET).unwrap();
    assert_eq!(rs.records.first(), Some("10.1.0.1"));
    assert_eq!(rs.records.len(), 1);
    assert_eq!(rs.created_at, None);
    assert_eq!(rs.ttl, Some(3600));
}

#[test]
fn list_recordsets_answer_has_next_link_with_marker() {
    let list: RecordsetList = serde_json::from_str(LIST_RECORDSETS).unwrap();
    let next = list.links.unwrap().next.unwrap();
    assert!(next.ends_with("marker=f7b10e9b-0cae-4a91-b162-562bc6096648"));
    assert_eq!(list.recordsets[0].status.as_deref(), Some("ACTIVE"));
    assert_eq!(list.recordsets[0].action.as_deref(), Some(""));
}

#[test]
fn lab_answer_with_null_description_parses() {
    let list: RecordsetList = serde_json::from_str(LAB_RECORDSETS).unwrap();
    assert_eq!(list.recordsets[0].description, None);
}

#[test]
fn zone_serial_and_timestamps_may_be_empty_strings() {
    let zone: Zone = serde_json::from_str(
        &CREATE_ZONE
            .replace(r#""serial":0"#, r#""serial":"""#)
            .replace(
                r#""created_at":"2016-10-11T02:07:49""#,
                r#""created_at":"""#,
            ),
    )
    .unwrap();
    assert!(matches!(zone.serial, Some(ZoneSerial::String(ref s)) if s.is_empty()));
    assert_eq!(zone.created_at.as_deref(), Some(""));
    let zone: Zone = serde_json::from_str(CREATE_ZONE).unwrap();
    assert!(matches!(zone.serial, Some(ZoneSerial::Int64(0))));
    assert_eq!(zone.status.as_deref(), Some("CREATING"));
    assert_eq!(zone.updated_at, None);
}

#[test]
fn zone_list_with_api_result_parses() {
    let list: ZoneList = serde_json::from_str(LIST_ZONES).unwrap();
    assert_eq!(list.api_result.as_deref(), Some("success"));
    assert_eq!(list.zones[0].name, "myzone.com.");
    assert!(list.zones[0].attributes.is_empty());
}

#[test]
fn update_zone_answer_is_bare_or_wrapped() {
    let bare: UpdateZoneResponse = serde_json::from_str(CREATE_ZONE).unwrap();
    assert!(matches!(bare, UpdateZoneResponse::Variant0(_)));
    let wrapped: UpdateZoneResponse = serde_json::from_str(LIST_ZONES).unwrap();
    assert!(matches!(wrapped, UpdateZoneResponse::Variant1(_)));
}

#[test]
fn nameservers_and_error_body_parse() {
    let ns: NameserverList = serde_json::from_str(
        r#"{"nameservers":[{"hostname":"ns-01.dns.jp-e1.cloudn-service.com","priority":1}]}"#,
    )
    .unwrap();
    assert_eq!(ns.nameservers.len(), 1);
    let err: ErrorResponse = serde_json::from_str(
        r#"{"error":{"code":404,"title":"Not Found","message":"E2008 Specified recordset is not found."}}"#,
    )
    .unwrap();
    assert_eq!(err.error.code, Some(404));
}

#[test]
fn request_names_must_end_with_a_period() {
    use revdns_ecl::api::types::{RecordsetName, ZoneName};
    assert!(RecordsetName::try_from("5.2.0.192.in-addr.arpa.").is_ok());
    assert!(RecordsetName::try_from("5.2.0.192.in-addr.arpa").is_err());
    assert!(RecordsetName::try_from("a..b.").is_err());
    assert!(RecordsetName::try_from("a b.").is_err());
    assert!(ZoneName::try_from("0/25.2.0.192.in-addr.arpa.").is_ok());
    assert!(ZoneName::try_from("example.uk").is_err());
}
