//! NTT Enterprise Cloud 2.0: Keystone v3 tokens and the Designate-like DNS
//! API under `/v2` (zones, recordsets with one value each, bulk delete).
//!
//! Errors are `{"error":{"code","title","message"}}` with the E-code at the
//! start of `message`. Where NTT documents no code, the simulator uses its
//! own 29xx codes: E2901 (409, zone exists), E2902 (409, recordset with the
//! same name, type and value exists), E2903 (400, unknown paging marker).

mod keystone;
mod recordsets;
mod zones;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io;
use std::net::IpAddr;
use std::ops::Bound;
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::SystemTime;

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::json;
use tokio::time::Instant;
use uuid::Uuid;

use crate::clock::ecl_timestamp;
use crate::config::EclUser;
use crate::counters::Op;
use crate::faults::Refusal;
use crate::server::Conn;
use crate::simulator::Shared;
use crate::views::{EclRecordset, EclZoneInfo};
use crate::wire::{json, reason, with_retry_after};

/// Default token lifetime (Keystone's usual default).
const DEFAULT_TOKEN_LIFETIME_SECS: u64 = 3600;
/// Name servers every zone gets, as default NS recordsets.
const NAMESERVERS: [&str; 2] = ["ns1.sim.example.net.", "ns2.sim.example.net."];
/// Tokens kept before expired ones are swept.
const TOKEN_SWEEP_AT: usize = 4096;

#[derive(Debug)]
struct User {
    password: String,
    project_id: String,
    user_id: String,
}

#[derive(Debug)]
struct Token {
    user: String,
    project_id: String,
    expires: SystemTime,
    revoked: bool,
}

impl Token {
    fn is_live(&self, now: SystemTime) -> bool {
        !self.revoked && now < self.expires
    }
}

/// Which recordsets a zone is born with; they refuse deletion (E2062/E2063).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Builtin {
    No,
    Soa,
    Ns,
}

#[derive(Debug, Clone)]
struct Rs {
    id: Uuid,
    name: String,
    rtype: String,
    value: String,
    ttl: u32,
    description: Option<String>,
    created_at: String,
    updated_at: Option<String>,
    /// Before this instant `showRecordset` answers 404.
    visible_at: Instant,
    builtin: Builtin,
}

#[derive(Debug)]
struct Zone {
    id: Uuid,
    project_id: String,
    name: String,
    description: String,
    created_at: String,
    updated_at: Option<String>,
    active_at: Instant,
    recordsets: HashMap<Uuid, Rs>,
    /// (name, id): the listing order (`sort_key=domain_name`).
    order: BTreeSet<(String, Uuid)>,
    /// (name, type, value) -> id: duplicate detection.
    contents: HashMap<(String, String, String), Uuid>,
}

impl Zone {
    fn status(&self, now: Instant) -> &'static str {
        if now < self.active_at {
            "CREATING"
        } else {
            "ACTIVE"
        }
    }

    fn insert(&mut self, rs: Rs) {
        self.order.insert((rs.name.clone(), rs.id));
        self.contents
            .insert((rs.name.clone(), rs.rtype.clone(), rs.value.clone()), rs.id);
        self.recordsets.insert(rs.id, rs);
    }

    fn remove(&mut self, id: Uuid) -> Option<Rs> {
        let rs = self.recordsets.remove(&id)?;
        self.order.remove(&(rs.name.clone(), id));
        self.contents
            .remove(&(rs.name.clone(), rs.rtype.clone(), rs.value.clone()));
        Some(rs)
    }

    fn content_holder(&self, name: &str, rtype: &str, value: &str) -> Option<Uuid> {
        self.contents
            .get(&(name.to_owned(), rtype.to_owned(), value.to_owned()))
            .copied()
    }
}

#[derive(Debug, Default)]
struct EclData {
    users: HashMap<String, User>,
    tokens: HashMap<String, Token>,
    /// project id -> (zone name, zone id), the zone listing order.
    projects: HashMap<String, BTreeSet<(String, Uuid)>>,
    zones: HashMap<Uuid, Zone>,
}

/// All ECL state behind one lock; no lock is held across an `.await`.
#[derive(Debug)]
pub(crate) struct EclState {
    data: RwLock<EclData>,
    base_url: String,
    region: String,
}

fn invalid_config(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

impl EclState {
    pub(crate) fn new(
        users: &[EclUser],
        base_url: String,
        region: String,
        mut new_id: impl FnMut() -> Uuid,
    ) -> io::Result<Self> {
        let mut data = EclData::default();
        let now = Instant::now();
        let stamp = ecl_timestamp(SystemTime::now());
        for user in users {
            let user_id = new_id().simple().to_string();
            let known = data.users.insert(
                user.username.clone(),
                User {
                    password: user.password.clone(),
                    project_id: user.project_id.clone(),
                    user_id,
                },
            );
            if known.is_some() {
                return Err(invalid_config(format!(
                    "ECL user {} is configured twice",
                    user.username
                )));
            }
            data.projects.entry(user.project_id.clone()).or_default();
            for seed in &user.zones {
                let name = zones::check_zone_name(&seed.name)
                    .map_err(|(_, m)| invalid_config(format!("ECL zone `{}`: {m}", seed.name)))?;
                let mut zone = zones::new_zone(
                    new_id(),
                    &user.project_id,
                    name,
                    seed.description.clone(),
                    &stamp,
                    now,
                    &mut new_id,
                );
                for (rs_name, rtype, value, ttl) in &seed.recordsets {
                    let fields = recordsets::check_new(&zone, rs_name, rtype, *ttl, value)
                        .map_err(|(_, m)| {
                            invalid_config(format!(
                                "ECL zone {}: recordset {rs_name}: {m}",
                                zone.name
                            ))
                        })?;
                    zone.insert(Rs {
                        id: new_id(),
                        name: fields.0,
                        rtype: fields.1,
                        value: value.clone(),
                        ttl: *ttl,
                        description: None,
                        created_at: stamp.clone(),
                        updated_at: None,
                        visible_at: now,
                        builtin: Builtin::No,
                    });
                }
                let order = data.projects.entry(user.project_id.clone()).or_default();
                if order.iter().any(|(n, _)| *n == zone.name) {
                    return Err(invalid_config(format!(
                        "ECL zone {} is configured twice in project {}",
                        zone.name, user.project_id
                    )));
                }
                order.insert((zone.name.clone(), zone.id));
                data.zones.insert(zone.id, zone);
            }
        }
        Ok(EclState {
            data: RwLock::new(data),
            base_url,
            region,
        })
    }

    fn read(&self) -> RwLockReadGuard<'_, EclData> {
        self.data.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, EclData> {
        self.data.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Every zone of every project.
    pub(crate) fn zones(&self) -> Vec<EclZoneInfo> {
        let now = Instant::now();
        let data = self.read();
        let mut out: Vec<EclZoneInfo> = data
            .zones
            .values()
            .map(|z| EclZoneInfo {
                id: z.id,
                name: z.name.clone(),
                project_id: z.project_id.clone(),
                status: z.status(now).to_owned(),
            })
            .collect();
        out.sort_by(|a, b| (&a.project_id, &a.name).cmp(&(&b.project_id, &b.name)));
        out
    }

    /// The recordsets of every zone named `zone_name` (any project), by name.
    pub(crate) fn recordsets(&self, zone_name: &str) -> Vec<EclRecordset> {
        let wanted = zone_name.trim_end_matches('.').to_ascii_lowercase() + ".";
        let data = self.read();
        let mut out = Vec::new();
        for zone in data.zones.values().filter(|z| z.name == wanted) {
            for (_, id) in &zone.order {
                let rs = &zone.recordsets[id];
                out.push(EclRecordset {
                    id: rs.id,
                    zone_id: zone.id,
                    name: rs.name.clone(),
                    record_type: rs.rtype.clone(),
                    value: rs.value.clone(),
                    ttl: rs.ttl,
                    description: rs.description.clone(),
                });
            }
        }
        out
    }

    /// Ends every token now; the next DNS call answers 401 E2001.
    /// Takes the state of `fresh` (a reset to the start configuration).
    pub(crate) fn replace_with(&self, fresh: EclState) {
        *self.write() = fresh
            .data
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
    }

    /// The base URL (Keystone and DNS) and the region of the catalog.
    pub(crate) fn base_url_and_region(&self) -> (String, String) {
        (self.base_url.clone(), self.region.clone())
    }

    /// Adds a PTR recordset for `ip` to the zone (of any tenant) holding its
    /// reverse name, with the checks a create gets.
    pub(crate) fn preload(&self, id: Uuid, ip: IpAddr, value: &str, ttl: u32) -> io::Result<()> {
        let name = revdns_core::reverse::reverse_name(ip);
        let mut data = self.write();
        let zone = data
            .zones
            .values_mut()
            .filter(|z| revdns_core::reverse::zone_contains(&z.name, &name))
            .max_by_key(|z| z.name.len())
            .ok_or_else(|| invalid_config(format!("no ECL zone holds {name}")))?;
        let fields = recordsets::check_new(zone, &name, "PTR", ttl, value)
            .map_err(|(_, m)| invalid_config(format!("ECL recordset {name}: {m}")))?;
        zone.insert(Rs {
            id,
            name: fields.0,
            rtype: fields.1,
            value: value.to_owned(),
            ttl,
            description: None,
            created_at: ecl_timestamp(SystemTime::now()),
            updated_at: None,
            visible_at: Instant::now(),
            builtin: Builtin::No,
        });
        Ok(())
    }

    pub(crate) fn expire_tokens(&self) {
        for token in self.write().tokens.values_mut() {
            token.revoked = true;
        }
    }

    /// The rate-limit key of a DNS call: the user behind the token.
    fn owner_of(&self, token: &str) -> String {
        self.read()
            .tokens
            .get(token)
            .map_or_else(|| token.to_owned(), |t| t.user.clone())
    }

    fn zone_url(&self, zone_id: Uuid) -> String {
        format!("{}/v2/zones/{zone_id}", self.base_url)
    }
}

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/", get(keystone::discover_root))
        .route("/v3", get(keystone::discover_v3))
        .route("/v3/", get(keystone::discover_v3))
        .route("/v3/auth/tokens", post(keystone::create_token))
        .route("/v2/zones", get(zones::list).post(zones::create))
        .route(
            "/v2/zones/{zone_id}",
            get(zones::show).patch(zones::update).delete(zones::delete),
        )
        .route("/v2/zones/{zone_id}/nameservers", get(zones::nameservers))
        .route(
            "/v2/zones/{zone_id}/recordsets",
            get(recordsets::list)
                .post(recordsets::create)
                .delete(recordsets::delete_many),
        )
        .route(
            "/v2/zones/{zone_id}/recordsets/{recordset_id}",
            get(recordsets::show)
                .put(recordsets::update)
                .delete(recordsets::delete),
        )
        .with_state(shared)
}

// ---------------------------------------------------------------- errors

/// A failed call: status and the full `message` (E-code first).
type Failure = (StatusCode, String);

fn fail(status: StatusCode, message: impl Into<String>) -> Failure {
    (status, message.into())
}

fn error(status: StatusCode, message: &str) -> Response {
    json(
        status,
        &json!({"error": {"code": status.as_u16(), "title": reason(status), "message": message}}),
    )
}

fn finish(result: Result<Response, Failure>) -> Response {
    result.unwrap_or_else(|(status, message)| error(status, &message))
}

/// Fault answers come from in front of the DNS application, so they carry
/// no E-code.
fn refusal_response(refusal: &Refusal) -> Response {
    match refusal {
        Refusal::RateLimited(after) => with_retry_after(
            error(StatusCode::TOO_MANY_REQUESTS, "Too many requests."),
            after,
        ),
        Refusal::ServiceUnavailable => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "The service is temporarily unavailable.",
        ),
        Refusal::BadGateway | Refusal::Dropped => error(StatusCode::BAD_GATEWAY, "Bad gateway."),
        Refusal::Status(code) => {
            let (status, message) = Refusal::forced(*code);
            error(status, message)
        }
    }
}

fn invalid_token() -> Failure {
    fail(StatusCode::UNAUTHORIZED, "E2001 Invalid token.")
}

fn zone_not_found() -> Failure {
    fail(StatusCode::NOT_FOUND, "E2007 Specified zone is not found.")
}

fn recordset_not_found() -> Failure {
    fail(
        StatusCode::NOT_FOUND,
        "E2008 Specified recordset is not found.",
    )
}

fn input_required() -> Failure {
    fail(
        StatusCode::BAD_REQUEST,
        "E2040 Input parameters are required.",
    )
}

// ---------------------------------------------------------------- auth

fn token_header(headers: &HeaderMap) -> &str {
    headers
        .get("x-auth-token")
        .and_then(|v| v.to_str().ok())
        .map_or("", str::trim)
}

/// Counts and fault-checks a DNS call; `Err` is the fault's answer.
async fn gate<'h>(
    shared: &Shared,
    conn: &Conn,
    headers: &'h HeaderMap,
    op: Op,
) -> Result<&'h str, Response> {
    let token = token_header(headers);
    let key = shared.ecl.owner_of(token);
    match shared.admit(op, &key, conn).await {
        Some(refusal) => Err(refusal_response(&refusal)),
        None => Ok(token),
    }
}

/// The project a live token is scoped to.
fn project_of<'a>(data: &'a EclData, token: &str) -> Result<&'a str, Failure> {
    match data.tokens.get(token) {
        Some(t) if t.is_live(SystemTime::now()) => Ok(&t.project_id),
        _ => Err(invalid_token()),
    }
}

fn parse_uuid(raw: &str, not_found: fn() -> Failure) -> Result<Uuid, Failure> {
    Uuid::parse_str(raw).map_err(|_| not_found())
}

fn zone_in<'a>(data: &'a EclData, project: &str, raw_id: &str) -> Result<&'a Zone, Failure> {
    let id = parse_uuid(raw_id, zone_not_found)?;
    data.zones
        .get(&id)
        .filter(|z| z.project_id == project)
        .ok_or_else(zone_not_found)
}

fn zone_in_mut<'a>(
    data: &'a mut EclData,
    project: &str,
    raw_id: &str,
) -> Result<&'a mut Zone, Failure> {
    let id = parse_uuid(raw_id, zone_not_found)?;
    data.zones
        .get_mut(&id)
        .filter(|z| z.project_id == project)
        .ok_or_else(zone_not_found)
}

// ---------------------------------------------------------------- paging

/// `limit`, `marker`, `sort_key`, `sort_dir` and `domain_name` of a list.
#[derive(Debug)]
struct Paging {
    limit: usize,
    marker: Option<Uuid>,
    descending: bool,
    /// Lower-case partial match on the name.
    name_filter: Option<String>,
    /// The parameters repeated in `links.next` besides limit and marker.
    carried: String,
}

const DEFAULT_PAGE: usize = 100;
const MAX_PAGE: usize = 500;

fn parse_paging(query: &str) -> Result<Paging, Failure> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(query).map_err(|_| input_required())?;
    let mut paging = Paging {
        limit: DEFAULT_PAGE,
        marker: None,
        descending: false,
        name_filter: None,
        carried: String::new(),
    };
    let mut carried = Vec::new();
    for (key, value) in &pairs {
        match key.as_str() {
            "limit" => {
                paging.limit = value
                    .parse()
                    .ok()
                    .filter(|l| (1..=MAX_PAGE).contains(l))
                    .ok_or_else(|| {
                        fail(
                            StatusCode::BAD_REQUEST,
                            format!("E2005 Limit must less than or equal to {MAX_PAGE}."),
                        )
                    })?;
            }
            "marker" => {
                paging.marker = Some(Uuid::parse_str(value).map_err(|_| unknown_marker())?);
            }
            "sort_key" => {
                if value != "domain_name" {
                    return Err(bad_sort());
                }
                carried.push((key.as_str(), value.as_str()));
            }
            "sort_dir" => {
                paging.descending = match value.as_str() {
                    "asc" => false,
                    "desc" => true,
                    _ => return Err(bad_sort()),
                };
                carried.push((key.as_str(), value.as_str()));
            }
            "domain_name" => {
                paging.name_filter = Some(value.to_ascii_lowercase());
                carried.push((key.as_str(), value.as_str()));
            }
            _ => {}
        }
    }
    paging.carried = serde_urlencoded::to_string(&carried).unwrap_or_default();
    Ok(paging)
}

fn bad_sort() -> Failure {
    fail(
        StatusCode::BAD_REQUEST,
        "E2033 Sort key must be 'domain_name' and sort dir 'asc' or 'desc'.",
    )
}

fn unknown_marker() -> Failure {
    fail(
        StatusCode::BAD_REQUEST,
        "E2903 Specified marker is not found.",
    )
}

/// One page of `order` after the item `marker_key`, plus whether more follow
/// and how many items match in all.
fn page_of(
    order: &BTreeSet<(String, Uuid)>,
    marker_key: Option<(String, Uuid)>,
    paging: &Paging,
) -> (Vec<Uuid>, bool) {
    let matches = |name: &str| {
        paging
            .name_filter
            .as_deref()
            .is_none_or(|f| name.contains(f))
    };
    let range: Box<dyn Iterator<Item = &(String, Uuid)>> = match (marker_key, paging.descending) {
        (None, false) => Box::new(order.iter()),
        (None, true) => Box::new(order.iter().rev()),
        (Some(k), false) => Box::new(order.range((Bound::Excluded(k), Bound::Unbounded))),
        (Some(k), true) => Box::new(order.range((Bound::Unbounded, Bound::Excluded(k))).rev()),
    };
    let mut ids: Vec<Uuid> = range
        .filter(|(n, _)| matches(n))
        .take(paging.limit + 1)
        .map(|(_, id)| *id)
        .collect();
    let more = ids.len() > paging.limit;
    ids.truncate(paging.limit);
    (ids, more)
}

/// `links` of a list: `self` as asked, `next` when more items follow.
fn list_links(
    base: &str,
    path: &str,
    query: &str,
    paging: &Paging,
    last: Option<Uuid>,
    more: bool,
) -> BTreeMap<&'static str, String> {
    let mut links = BTreeMap::new();
    let this = if query.is_empty() {
        format!("{base}{path}")
    } else {
        format!("{base}{path}?{query}")
    };
    links.insert("self", this);
    if more && let Some(last) = last {
        let carried = if paging.carried.is_empty() {
            String::new()
        } else {
            format!("{}&", paging.carried)
        };
        links.insert(
            "next",
            format!("{base}{path}?{carried}limit={}&marker={last}", paging.limit),
        );
    }
    links
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(names: &[&str]) -> (BTreeSet<(String, Uuid)>, Vec<Uuid>) {
        let mut set = BTreeSet::new();
        let mut ids = Vec::new();
        for (i, n) in names.iter().enumerate() {
            let id = Uuid::from_u128(i as u128 + 1);
            set.insert(((*n).to_owned(), id));
            ids.push(id);
        }
        (set, ids)
    }

    #[test]
    fn paging_defaults_and_limits() {
        let p = parse_paging("").unwrap();
        assert_eq!((p.limit, p.marker, p.descending), (100, None, false));
        assert_eq!(parse_paging("limit=500").unwrap().limit, 500);
        for bad in [
            "limit=0",
            "limit=501",
            "limit=x",
            "sort_key=name",
            "sort_dir=up",
            "marker=x",
        ] {
            assert_eq!(
                parse_paging(bad).unwrap_err().0,
                StatusCode::BAD_REQUEST,
                "{bad}"
            );
        }
    }

    #[test]
    fn page_of_walks_by_name_after_the_marker() {
        let (set, ids) = order(&["a.", "b.", "c."]);
        let paging = parse_paging("limit=2").unwrap();
        let (page, more) = page_of(&set, None, &paging);
        assert_eq!((page, more), (vec![ids[0], ids[1]], true));
        let (page, more) = page_of(&set, Some(("b.".into(), ids[1])), &paging);
        assert_eq!((page, more), (vec![ids[2]], false));
    }

    #[test]
    fn page_of_descending_and_filtered() {
        let (set, ids) = order(&["a.x.", "b.y.", "c.x."]);
        let paging = parse_paging("sort_dir=desc&domain_name=X").unwrap();
        let (page, more) = page_of(&set, None, &paging);
        assert_eq!((page, more), (vec![ids[2], ids[0]], false));
    }

    #[test]
    fn list_links_next_repeats_filters_and_carries_marker() {
        let paging = parse_paging("domain_name=x&limit=1").unwrap();
        let last = Uuid::from_u128(7);
        let links = list_links(
            "http://h",
            "/v2/zones",
            "domain_name=x&limit=1",
            &paging,
            Some(last),
            true,
        );
        assert_eq!(links["self"], "http://h/v2/zones?domain_name=x&limit=1");
        assert_eq!(
            links["next"],
            format!("http://h/v2/zones?domain_name=x&limit=1&marker={last}")
        );
        let links = list_links("http://h", "/v2/zones", "", &paging, Some(last), false);
        assert!(!links.contains_key("next"));
    }
}
