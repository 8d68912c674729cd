//! Recordsets: one value each. `POST` with N values creates N recordsets and
//! answers the list wrapper; `PUT` takes exactly one value and answers
//! `records` as a bare string; `DELETE` on the collection deletes by id list.

use std::collections::HashSet;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::Arc;
use std::time::SystemTime;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use revdns_core::reverse::zone_contains;
use serde::Serialize;
use serde_json::{Map, Value, json};
use tokio::time::Instant;
use uuid::Uuid;

use super::zones::valid_domain;
use super::{
    Builtin, EclState, Failure, Rs, Zone, fail, finish, gate, input_required, list_links, page_of,
    parse_paging, parse_uuid, project_of, recordset_not_found, unknown_marker, zone_in,
    zone_in_mut,
};
use crate::clock::ecl_timestamp;
use crate::counters::Op;
use crate::server::Conn;
use crate::simulator::Shared;
use crate::wire::{empty, json, plausible_hostname};

/// The record types ECL accepts (no SOA: the zone's own SOA is built in).
const TYPES: [&str; 9] = ["A", "AAAA", "MX", "CNAME", "SRV", "SPF", "TXT", "PTR", "NS"];
const MAX_TTL: u64 = 86_400;
const MAX_DESCRIPTION: usize = 255;

fn invalid_format() -> Failure {
    fail(StatusCode::BAD_REQUEST, "E2011 Invalid recordset format.")
}

fn multiple_ptr_values() -> Failure {
    fail(
        StatusCode::BAD_REQUEST,
        "E2016 Can't set multiple values on PTR recordset.",
    )
}

fn duplicate(name: &str, rtype: &str, value: &str) -> Failure {
    fail(
        StatusCode::CONFLICT,
        format!("E2902 Recordset {name} {rtype} {value} already exists."),
    )
}

/// Name (lower case, inside the zone) and type (upper case) of a recordset,
/// with its TTL and value checked: E2010, E2015 or E2011.
pub(super) fn check_new(
    zone: &Zone,
    name: &str,
    rtype: &str,
    ttl: u32,
    value: &str,
) -> Result<(String, String), Failure> {
    let name = check_name(zone, name)?;
    let rtype = rtype.to_ascii_uppercase();
    if !TYPES.contains(&rtype.as_str()) || u64::from(ttl) > MAX_TTL {
        return Err(invalid_format());
    }
    check_value(&rtype, value)?;
    Ok((name, rtype))
}

/// A recordset name, absolute (NTT's own functional tests create names
/// without the trailing dot, and ECL takes them as absolute), E2010 or E2015.
fn check_name(zone: &Zone, name: &str) -> Result<String, Failure> {
    let absolute;
    let name = if name.ends_with('.') {
        name
    } else {
        absolute = format!("{name}.");
        absolute.as_str()
    };
    if !valid_domain(name) {
        return Err(fail(
            StatusCode::BAD_REQUEST,
            "E2010 Invalid domain name format.",
        ));
    }
    if !zone_contains(&zone.name, name) {
        return Err(fail(
            StatusCode::BAD_REQUEST,
            "E2015 Can't set domain name not end with zone name.",
        ));
    }
    Ok(name.to_ascii_lowercase())
}

/// What "should conform to the DNS spec for the record type" means here.
fn check_value(rtype: &str, value: &str) -> Result<(), Failure> {
    let ok = match rtype {
        "A" => value.parse::<Ipv4Addr>().is_ok(),
        "AAAA" => value.parse::<Ipv6Addr>().is_ok(),
        "PTR" | "CNAME" | "NS" => plausible_hostname(value),
        _ => !value.trim().is_empty(),
    };
    if ok { Ok(()) } else { Err(invalid_format()) }
}

fn check_ttl(value: Option<&Value>) -> Result<Option<u32>, Failure> {
    match value {
        None => Ok(None),
        Some(v) => v
            .as_u64()
            .filter(|t| *t <= MAX_TTL)
            .and_then(|t| u32::try_from(t).ok())
            .map(Some)
            .ok_or_else(invalid_format),
    }
}

fn check_records(value: Option<&Value>) -> Result<Option<Vec<String>>, Failure> {
    match value {
        None => Ok(None),
        Some(Value::Array(items)) if !items.is_empty() => items
            .iter()
            .map(|v| v.as_str().map(str::to_owned).ok_or_else(invalid_format))
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(invalid_format()),
    }
}

fn check_description(value: Option<&Value>) -> Result<Option<Option<String>>, Failure> {
    match value {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(d)) if d.chars().count() <= MAX_DESCRIPTION => Ok(Some(Some(d.clone()))),
        Some(Value::String(_)) => Err(fail(
            StatusCode::BAD_REQUEST,
            "E2054 Description must be less than or equal to 255.",
        )),
        Some(_) => Err(invalid_format()),
    }
}

fn object(body: &[u8]) -> Result<Map<String, Value>, Failure> {
    match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(input_required()),
    }
}

// ---------------------------------------------------------------- bodies

#[derive(Serialize)]
#[serde(untagged)]
enum Records<'a> {
    List([&'a str; 1]),
    /// Update answers carry the value as a bare string.
    Bare(&'a str),
}

#[derive(Serialize)]
struct Links {
    #[serde(rename = "self")]
    this: String,
}

/// The three shapes a recordset takes: in GET and lists (`Full`, plus
/// `action` in lists), in the create wrapper, and in the update answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Full { in_list: bool },
    Created,
    Updated,
}

#[derive(Serialize)]
struct RsOut<'a> {
    id: Uuid,
    zone_id: Uuid,
    name: &'a str,
    #[serde(rename = "type")]
    rtype: &'a str,
    records: Records<'a>,
    ttl: u32,
    description: Option<&'a str>,
    version: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    action: Option<&'static str>,
    created_at: Option<&'a str>,
    updated_at: Option<&'a str>,
    links: Links,
}

fn rs_url(state: &EclState, zone_id: Uuid, id: Uuid) -> String {
    format!("{}/v2/zones/{zone_id}/recordsets/{id}", state.base_url)
}

fn rs_out<'a>(state: &EclState, zone: &Zone, rs: &'a Rs, shape: Shape) -> RsOut<'a> {
    let (records, status, action, created_at, updated_at) = match shape {
        Shape::Full { in_list } => (
            Records::List([rs.value.as_str()]),
            Some("ACTIVE"),
            in_list.then_some(""),
            Some(rs.created_at.as_str()),
            rs.updated_at.as_deref(),
        ),
        Shape::Created => (
            Records::List([rs.value.as_str()]),
            None,
            None,
            Some(""),
            None,
        ),
        Shape::Updated => (Records::Bare(rs.value.as_str()), None, None, None, None),
    };
    RsOut {
        id: rs.id,
        zone_id: zone.id,
        name: &rs.name,
        rtype: &rs.rtype,
        records,
        ttl: rs.ttl,
        description: rs.description.as_deref(),
        version: 1,
        status,
        action,
        created_at,
        updated_at,
        links: Links {
            this: rs_url(state, zone.id, rs.id),
        },
    }
}

// ---------------------------------------------------------------- handlers

pub(super) async fn list(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(conn): ConnectInfo<Conn>,
    Path(zone_id): Path<String>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let token = match gate(&shared, &conn, &headers, Op::EclListRecordsets).await {
        Ok(t) => t,
        Err(r) => return r,
    };
    let state = &shared.ecl;
    let query = query.unwrap_or_default();
    let endless = shared.engines.ecl.faults().endless_pages;
    finish((|| {
        let data = state.read();
        let project = project_of(&data, token)?;
        let zone = zone_in(&data, project, &zone_id)?;
        let paging = parse_paging(&query)?;
        let (ids, more) = match paging.marker {
            None => page_of(&zone.order, None, &paging),
            Some(id) => match zone.recordsets.get(&id) {
                Some(rs) => page_of(&zone.order, Some((rs.name.clone(), id)), &paging),
                // A made-up marker of an endless list: past the real items.
                None if endless => (Vec::new(), false),
                None => return Err(unknown_marker()),
            },
        };
        let made_up = if endless {
            made_up_recordsets(&shared, zone, paging.limit.saturating_sub(ids.len()))
        } else {
            Vec::new()
        };
        let items: Vec<RsOut<'_>> = ids
            .iter()
            .map(|id| &zone.recordsets[id])
            .chain(&made_up)
            .map(|rs| rs_out(state, zone, rs, Shape::Full { in_list: true }))
            .collect();
        let last = made_up.last().map(|rs| rs.id).or(ids.last().copied());
        let path = format!("/v2/zones/{}/recordsets", zone.id);
        let links = list_links(
            &state.base_url,
            &path,
            &query,
            &paging,
            last,
            more || endless,
        );
        Ok(json(
            StatusCode::OK,
            &json!({"recordsets": items, "links": links, "metadata": {"total_count": items.len()}}),
        ))
    })())
}

/// `count` `TXT` recordsets that do not exist, with fresh ids, for
/// [`Faults::endless_pages`](crate::Faults::endless_pages).
fn made_up_recordsets(shared: &Shared, zone: &Zone, count: usize) -> Vec<Rs> {
    let now = Instant::now();
    let stamp = ecl_timestamp(SystemTime::now());
    (0..count)
        .map(|_| {
            let id = shared.new_id(Op::EclListRecordsets);
            Rs {
                id,
                name: format!("endless-{}.{}", id.simple(), zone.name),
                rtype: "TXT".to_owned(),
                value: "\"endless page\"".to_owned(),
                ttl: 3600,
                description: None,
                created_at: stamp.clone(),
                updated_at: None,
                visible_at: now,
                builtin: Builtin::No,
            }
        })
        .collect()
}

pub(super) async fn create(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(conn): ConnectInfo<Conn>,
    Path(zone_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let token = match gate(&shared, &conn, &headers, Op::EclCreateRecordset).await {
        Ok(t) => t,
        Err(r) => return r,
    };
    let hidden_for = shared.engines.ecl.faults().not_found_after_create;
    let state = &shared.ecl;
    finish((|| {
        let mut data = state.write();
        let project = project_of(&data, token)?.to_owned();
        let zone = zone_in_mut(&mut data, &project, &zone_id)?;
        let request = object(&body)?;
        let (Some(Value::String(name)), Some(Value::String(rtype))) =
            (request.get("name"), request.get("type"))
        else {
            return Err(input_required());
        };
        let ttl = check_ttl(request.get("ttl"))?.ok_or_else(input_required)?;
        let values = check_records(request.get("records"))?.ok_or_else(input_required)?;
        let description = check_description(request.get("description"))?.flatten();
        let name = check_name(zone, name)?;
        let rtype = rtype.to_ascii_uppercase();
        if rtype == "PTR" && values.len() > 1 {
            return Err(multiple_ptr_values());
        }
        let mut seen = HashSet::new();
        for value in &values {
            check_new(zone, &name, &rtype, ttl, value)?;
            if !seen.insert(value.as_str()) || zone.content_holder(&name, &rtype, value).is_some() {
                return Err(duplicate(&name, &rtype, value));
            }
        }
        let stamp = ecl_timestamp(SystemTime::now());
        let visible_at = Instant::now() + hidden_for;
        let mut created = Vec::with_capacity(values.len());
        for value in values {
            let rs = Rs {
                id: shared.new_id(Op::EclCreateRecordset),
                name: name.clone(),
                rtype: rtype.clone(),
                value,
                ttl,
                description: description.clone(),
                created_at: stamp.clone(),
                updated_at: None,
                visible_at,
                builtin: Builtin::No,
            };
            created.push(rs.id);
            zone.insert(rs);
        }
        let items: Vec<RsOut<'_>> = created
            .iter()
            .map(|id| rs_out(state, zone, &zone.recordsets[id], Shape::Created))
            .collect();
        let this = format!("{}/v2/zones/{}/recordsets", state.base_url, zone.id);
        Ok(json(
            StatusCode::ACCEPTED,
            &json!({
                "recordsets": items,
                "links": {"self": this},
                "metadata": {"total_count": created.len()},
            }),
        ))
    })())
}

pub(super) async fn show(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(conn): ConnectInfo<Conn>,
    Path((zone_id, rs_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let token = match gate(&shared, &conn, &headers, Op::EclShowRecordset).await {
        Ok(t) => t,
        Err(r) => return r,
    };
    let state = &shared.ecl;
    finish((|| {
        let data = state.read();
        let project = project_of(&data, token)?;
        let zone = zone_in(&data, project, &zone_id)?;
        let id = parse_uuid(&rs_id, recordset_not_found)?;
        let rs = zone
            .recordsets
            .get(&id)
            .filter(|rs| Instant::now() >= rs.visible_at)
            .ok_or_else(recordset_not_found)?;
        Ok(json(
            StatusCode::OK,
            &rs_out(state, zone, rs, Shape::Full { in_list: false }),
        ))
    })())
}

pub(super) async fn update(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(conn): ConnectInfo<Conn>,
    Path((zone_id, rs_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let token = match gate(&shared, &conn, &headers, Op::EclUpdateRecordset).await {
        Ok(t) => t,
        Err(r) => return r,
    };
    let state = &shared.ecl;
    finish((|| {
        let mut data = state.write();
        let project = project_of(&data, token)?.to_owned();
        let zone = zone_in_mut(&mut data, &project, &zone_id)?;
        let id = parse_uuid(&rs_id, recordset_not_found)?;
        let current = zone
            .recordsets
            .get(&id)
            .cloned()
            .ok_or_else(recordset_not_found)?;
        let request = object(&body)?;
        if request.is_empty() {
            return Err(input_required());
        }
        let name = match request.get("name") {
            None => None,
            Some(Value::String(n)) => Some(check_name(zone, n)?),
            Some(_) => return Err(invalid_format()),
        };
        let ttl = check_ttl(request.get("ttl"))?;
        let records = check_records(request.get("records"))?;
        let description = check_description(request.get("description"))?;
        if name.is_none() && ttl.is_none() && records.is_none() {
            return Err(fail(
                StatusCode::BAD_REQUEST,
                "E2044 At least domain name or TTL or recordset value is required.",
            ));
        }
        if current.builtin == Builtin::Soa {
            return Err(fail(
                StatusCode::FORBIDDEN,
                "E2063 Default SOA recordset can't modify.",
            ));
        }
        let value = match records {
            None => current.value.clone(),
            Some(values) if values.len() == 1 => values.into_iter().next().unwrap_or_default(),
            Some(_) if current.rtype == "PTR" => return Err(multiple_ptr_values()),
            Some(_) => return Err(invalid_format()),
        };
        check_value(&current.rtype, &value)?;
        let name = name.unwrap_or_else(|| current.name.clone());
        if let Some(holder) = zone.content_holder(&name, &current.rtype, &value)
            && holder != id
        {
            return Err(duplicate(&name, &current.rtype, &value));
        }
        let mut updated = current;
        zone.remove(id);
        updated.name = name;
        updated.value = value;
        if let Some(ttl) = ttl {
            updated.ttl = ttl;
        }
        if let Some(description) = description {
            updated.description = description;
        }
        updated.updated_at = Some(ecl_timestamp(SystemTime::now()));
        zone.insert(updated);
        Ok(json(
            StatusCode::ACCEPTED,
            &rs_out(state, zone, &zone.recordsets[&id], Shape::Updated),
        ))
    })())
}

fn refuse_builtin(rs: &Rs) -> Result<(), Failure> {
    match rs.builtin {
        Builtin::No => Ok(()),
        Builtin::Ns => Err(fail(
            StatusCode::FORBIDDEN,
            "E2062 Default NS recordset can't delete.",
        )),
        Builtin::Soa => Err(fail(
            StatusCode::FORBIDDEN,
            "E2063 Default SOA recordset can't modify.",
        )),
    }
}

pub(super) async fn delete(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(conn): ConnectInfo<Conn>,
    Path((zone_id, rs_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let token = match gate(&shared, &conn, &headers, Op::EclDeleteRecordset).await {
        Ok(t) => t,
        Err(r) => return r,
    };
    let state = &shared.ecl;
    finish((|| {
        let mut data = state.write();
        let project = project_of(&data, token)?.to_owned();
        let zone = zone_in_mut(&mut data, &project, &zone_id)?;
        let id = parse_uuid(&rs_id, recordset_not_found)?;
        let rs = zone.recordsets.get(&id).ok_or_else(recordset_not_found)?;
        refuse_builtin(rs)?;
        zone.remove(id);
        Ok(empty(StatusCode::NO_CONTENT))
    })())
}

/// `DELETE /v2/zones/{zone_id}/recordsets` with `{"id": [...]}`. All or
/// nothing: one unknown or built-in id refuses the whole request (NTT does
/// not document atomicity; this is the simulator's choice).
pub(super) async fn delete_many(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(conn): ConnectInfo<Conn>,
    Path(zone_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let token = match gate(&shared, &conn, &headers, Op::EclDeleteRecordsets).await {
        Ok(t) => t,
        Err(r) => return r,
    };
    let state = &shared.ecl;
    finish((|| {
        let mut data = state.write();
        let project = project_of(&data, token)?.to_owned();
        let zone = zone_in_mut(&mut data, &project, &zone_id)?;
        let request = object(&body)?;
        let ids = match request.get("id") {
            Some(Value::Array(ids)) if !ids.is_empty() => ids,
            _ => return Err(input_required()),
        };
        let mut parsed = Vec::with_capacity(ids.len());
        for raw in ids {
            let id = parse_uuid(raw.as_str().unwrap_or(""), recordset_not_found)?;
            let rs = zone.recordsets.get(&id).ok_or_else(recordset_not_found)?;
            refuse_builtin(rs)?;
            parsed.push(id);
        }
        for id in parsed {
            zone.remove(id);
        }
        Ok(empty(StatusCode::NO_CONTENT))
    })())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone() -> Zone {
        Zone {
            id: Uuid::from_u128(1),
            project_id: "p".into(),
            name: "2.0.192.in-addr.arpa.".into(),
            description: String::new(),
            created_at: String::new(),
            updated_at: None,
            active_at: Instant::now(),
            recordsets: Default::default(),
            order: Default::default(),
            contents: Default::default(),
        }
    }

    #[test]
    fn names_outside_the_zone_are_e2015() {
        let err = check_new(
            &zone(),
            "1.12.0.192.in-addr.arpa.",
            "PTR",
            60,
            "h.example.net.",
        )
        .unwrap_err();
        assert!(err.1.starts_with("E2015 "), "{}", err.1);
    }

    #[test]
    fn names_without_dot_are_taken_as_absolute() {
        let (name, _) = check_new(
            &zone(),
            "1.2.0.192.in-addr.arpa",
            "PTR",
            60,
            "h.example.net.",
        )
        .unwrap();
        assert_eq!(name, "1.2.0.192.in-addr.arpa.");
        let err = check_new(
            &zone(),
            "a b.2.0.192.in-addr.arpa",
            "PTR",
            60,
            "h.example.net.",
        )
        .unwrap_err();
        assert!(err.1.starts_with("E2010 "), "{}", err.1);
    }

    #[test]
    fn values_must_fit_the_type() {
        let z = zone();
        let name = "1.2.0.192.in-addr.arpa.";
        assert!(check_new(&z, name, "ptr", 60, "h.example.net.").is_ok());
        assert!(check_new(&z, name, "A", 60, "192.0.2.1").is_ok());
        for (rtype, value, ttl) in [
            ("A", "2001:db8::1", 60),
            ("AAAA", "192.0.2.1", 60),
            ("PTR", "bad host", 60),
            ("SOA", "x", 60),
            ("CAA", "0 issue x", 60),
            ("PTR", "h.example.net.", 86_401),
        ] {
            let err = check_new(&z, name, rtype, ttl, value).unwrap_err();
            assert!(err.1.starts_with("E2011 "), "{rtype} {value}: {}", err.1);
        }
    }
}
