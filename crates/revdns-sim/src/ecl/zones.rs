//! Zones: `/v2/zones` and `/v2/zones/{zone_id}` (+ `/nameservers`).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::SystemTime;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};
use tokio::time::Instant;
use uuid::Uuid;

use super::{
    Builtin, EclState, Failure, NAMESERVERS, Rs, Zone, fail, finish, gate, input_required,
    list_links, page_of, parse_paging, project_of, unknown_marker, zone_in, zone_in_mut,
};
use crate::clock::ecl_timestamp;
use crate::counters::Op;
use crate::server::Conn;
use crate::simulator::Shared;
use crate::wire::{empty, json};

const MAX_ZONE_NAME: usize = 128;
const MAX_DESCRIPTION: usize = 255;

/// Whether `name` is a domain name with the trailing dot (labels of letters,
/// digits, `-`, `_`, `*` and `/` for RFC 2317 classless zones).
pub(super) fn valid_domain(name: &str) -> bool {
    let Some(bare) = name.strip_suffix('.') else {
        return false;
    };
    !bare.is_empty()
        && bare.len() <= 253
        && bare.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && label
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '*' | '/'))
        })
}

/// A zone name as stored (lower case), or E2012 (no trailing dot) / E2010.
pub(super) fn check_zone_name(name: &str) -> Result<String, Failure> {
    if !name.ends_with('.') {
        return Err(fail(
            StatusCode::BAD_REQUEST,
            "E2012 Invalid zone name. (Must end with a period.)",
        ));
    }
    if name.len() > MAX_ZONE_NAME || !valid_domain(name) {
        return Err(fail(
            StatusCode::BAD_REQUEST,
            "E2010 Invalid domain name format.",
        ));
    }
    Ok(name.to_ascii_lowercase())
}

fn check_description(value: Option<&Value>) -> Result<Option<String>, Failure> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(d)) if d.chars().count() <= MAX_DESCRIPTION => Ok(Some(d.clone())),
        Some(Value::String(_)) => Err(fail(
            StatusCode::BAD_REQUEST,
            "E2054 Description must be less than or equal to 255.",
        )),
        Some(_) => Err(input_required()),
    }
}

/// A zone with its default SOA and NS recordsets.
pub(super) fn new_zone(
    id: Uuid,
    project_id: &str,
    name: String,
    description: String,
    stamp: &str,
    active_at: Instant,
    new_id: &mut impl FnMut() -> Uuid,
) -> Zone {
    let mut zone = Zone {
        id,
        project_id: project_id.to_owned(),
        name: name.clone(),
        description,
        created_at: stamp.to_owned(),
        updated_at: None,
        active_at,
        recordsets: HashMap::new(),
        order: Default::default(),
        contents: HashMap::new(),
    };
    let builtin = |id, rtype: &str, value: String, kind| Rs {
        id,
        name: name.clone(),
        rtype: rtype.to_owned(),
        value,
        ttl: 3600,
        description: None,
        created_at: stamp.to_owned(),
        updated_at: None,
        visible_at: Instant::now(),
        builtin: kind,
    };
    zone.insert(builtin(
        new_id(),
        "SOA",
        format!(
            "{} hostmaster.example.net. 1 3600 600 86400 3600",
            NAMESERVERS[0]
        ),
        Builtin::Soa,
    ));
    for ns in NAMESERVERS {
        zone.insert(builtin(new_id(), "NS", ns.to_owned(), Builtin::Ns));
    }
    zone
}

/// The zone object of every answer; `status` overrides the computed one
/// (create always answers `CREATING`); `in_list` adds the list-only fields.
fn zone_json(state: &EclState, zone: &Zone, status: &str, in_list: bool) -> Value {
    let mut v = json!({
        "id": zone.id,
        "pool_id": "",
        "project_id": zone.project_id,
        "name": zone.name,
        "email": "",
        "ttl": 0,
        "serial": 0,
        "status": status,
        "description": zone.description,
        "masters": [],
        "type": "",
        "transferred_at": null,
        "version": 1,
        "created_at": zone.created_at,
        "updated_at": zone.updated_at,
        "links": {"self": state.zone_url(zone.id)},
    });
    if in_list {
        v["action"] = json!("");
        v["attributes"] = json!([]);
    }
    v
}

pub(super) async fn list(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(conn): ConnectInfo<Conn>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let token = match gate(&shared, &conn, &headers, Op::EclListZones).await {
        Ok(t) => t,
        Err(r) => return r,
    };
    let state = &shared.ecl;
    let query = query.unwrap_or_default();
    finish((|| {
        let data = state.read();
        let project = project_of(&data, token)?;
        let paging = parse_paging(&query)?;
        let none = Default::default();
        let order = data.projects.get(project).unwrap_or(&none);
        let marker_key = match paging.marker {
            None => None,
            Some(id) => {
                let zone = data
                    .zones
                    .get(&id)
                    .filter(|z| z.project_id == project)
                    .ok_or_else(unknown_marker)?;
                Some((zone.name.clone(), id))
            }
        };
        let (ids, more) = page_of(order, marker_key, &paging);
        let now = Instant::now();
        let zones: Vec<Value> = ids
            .iter()
            .map(|id| {
                let z = &data.zones[id];
                zone_json(state, z, z.status(now), true)
            })
            .collect();
        let links = list_links(
            &state.base_url,
            "/v2/zones",
            &query,
            &paging,
            ids.last().copied(),
            more,
        );
        Ok(json(
            StatusCode::OK,
            &json!({"zones": zones, "links": links, "metadata": {"total_count": zones.len()}}),
        ))
    })())
}

pub(super) async fn create(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(conn): ConnectInfo<Conn>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let token = match gate(&shared, &conn, &headers, Op::EclCreateZone).await {
        Ok(t) => t,
        Err(r) => return r,
    };
    let activation = shared.engines.ecl.faults().zone_activation;
    // Ids come from the seeded RNG before the lock: a zone and its SOA and NS.
    let mut ids: Vec<Uuid> = (0..1 + 1 + NAMESERVERS.len())
        .map(|_| shared.new_id(Op::EclCreateZone))
        .collect();
    let state = &shared.ecl;
    finish((|| {
        let mut data = state.write();
        let project = project_of(&data, token)?.to_owned();
        let request: Value = serde_json::from_slice(&body).map_err(|_| input_required())?;
        let name = match request.get("name") {
            Some(Value::String(n)) => check_zone_name(n)?,
            _ => return Err(input_required()),
        };
        let description = check_description(request.get("description"))?.unwrap_or_default();
        let order = data.projects.entry(project.clone()).or_default();
        if order.iter().any(|(n, _)| *n == name) {
            return Err(fail(
                StatusCode::CONFLICT,
                format!("E2901 Zone {name} already exists."),
            ));
        }
        let stamp = ecl_timestamp(SystemTime::now());
        let zone_id = ids.remove(0);
        let mut next = ids.into_iter();
        let mut new_id = || next.next().unwrap_or_else(Uuid::new_v4);
        let zone = new_zone(
            zone_id,
            &project,
            name,
            description,
            &stamp,
            Instant::now() + activation,
            &mut new_id,
        );
        order.insert((zone.name.clone(), zone.id));
        let out = zone_json(state, &zone, "CREATING", false);
        data.zones.insert(zone.id, zone);
        Ok(json(StatusCode::ACCEPTED, &out))
    })())
}

pub(super) async fn show(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(conn): ConnectInfo<Conn>,
    Path(zone_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let token = match gate(&shared, &conn, &headers, Op::EclShowZone).await {
        Ok(t) => t,
        Err(r) => return r,
    };
    let state = &shared.ecl;
    finish((|| {
        let data = state.read();
        let project = project_of(&data, token)?;
        let zone = zone_in(&data, project, &zone_id)?;
        Ok(json(
            StatusCode::OK,
            &zone_json(state, zone, zone.status(Instant::now()), false),
        ))
    })())
}

/// PATCH: only `description` is honoured; `email`, `ttl` and `masters` are
/// accepted and ignored, as NTT documents. Answers the bare zone.
pub(super) async fn update(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(conn): ConnectInfo<Conn>,
    Path(zone_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let token = match gate(&shared, &conn, &headers, Op::EclUpdateZone).await {
        Ok(t) => t,
        Err(r) => return r,
    };
    let state = &shared.ecl;
    finish((|| {
        let mut data = state.write();
        let project = project_of(&data, token)?.to_owned();
        let zone = zone_in_mut(&mut data, &project, &zone_id)?;
        let request: Value = serde_json::from_slice(&body).map_err(|_| input_required())?;
        if !request.is_object() {
            return Err(input_required());
        }
        if let Some(description) = check_description(request.get("description"))? {
            zone.description = description;
        }
        zone.updated_at = Some(ecl_timestamp(SystemTime::now()));
        Ok(json(
            StatusCode::OK,
            &zone_json(state, zone, zone.status(Instant::now()), false),
        ))
    })())
}

pub(super) async fn delete(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(conn): ConnectInfo<Conn>,
    Path(zone_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let token = match gate(&shared, &conn, &headers, Op::EclDeleteZone).await {
        Ok(t) => t,
        Err(r) => return r,
    };
    let state = &shared.ecl;
    finish((|| {
        let mut data = state.write();
        let project = project_of(&data, token)?.to_owned();
        let zone = zone_in(&data, &project, &zone_id)?;
        let (id, name) = (zone.id, zone.name.clone());
        data.zones.remove(&id);
        if let Some(order) = data.projects.get_mut(&project) {
            order.remove(&(name, id));
        }
        Ok(empty(StatusCode::ACCEPTED))
    })())
}

pub(super) async fn nameservers(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(conn): ConnectInfo<Conn>,
    Path(zone_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let token = match gate(&shared, &conn, &headers, Op::EclNameservers).await {
        Ok(t) => t,
        Err(r) => return r,
    };
    let state = &shared.ecl;
    finish((|| {
        let data = state.read();
        let project = project_of(&data, token)?;
        zone_in(&data, project, &zone_id)?;
        let servers: Vec<Value> = NAMESERVERS
            .iter()
            .zip(1..)
            .map(|(host, priority)| json!({"hostname": host, "priority": priority}))
            .collect();
        Ok(json(StatusCode::OK, &json!({"nameservers": servers})))
    })())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_names_need_the_trailing_dot() {
        let err = check_zone_name("2.0.192.in-addr.arpa").unwrap_err();
        assert!(err.1.starts_with("E2012 "), "{}", err.1);
        assert_eq!(
            check_zone_name("2.0.192.IN-ADDR.ARPA.").unwrap(),
            "2.0.192.in-addr.arpa."
        );
    }

    #[test]
    fn zone_names_with_bad_labels_are_e2010() {
        for name in ["a..b.", ".", "a b.", &format!("{}.", "a".repeat(64))] {
            let err = check_zone_name(name).unwrap_err();
            assert!(err.1.starts_with("E2010 "), "{name}: {}", err.1);
        }
        assert!(check_zone_name("0/26.2.0.192.in-addr.arpa.").is_ok());
    }

    #[test]
    fn new_zone_has_soa_and_two_ns() {
        let mut n = 0u128;
        let mut next = || {
            n += 1;
            Uuid::from_u128(n)
        };
        let zone = new_zone(
            Uuid::from_u128(100),
            "p",
            "example.net.".into(),
            String::new(),
            "2016-10-11T02:07:49",
            Instant::now(),
            &mut next,
        );
        let types: Vec<&str> = zone
            .order
            .iter()
            .map(|(_, id)| zone.recordsets[id].rtype.as_str())
            .collect();
        assert_eq!(types.iter().filter(|t| **t == "NS").count(), 2);
        assert_eq!(types.iter().filter(|t| **t == "SOA").count(), 1);
    }
}
