//! IONOS Cloud DNS: `/reverserecords`, one reverse record per IP, behind
//! bearer tokens.
//!
//! All tokens belong to one contract. Every token sees every record; writes
//! (create, update, delete) are refused with 403 for an address outside the
//! token's IP blocks. Lists are in creation order.

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::net::IpAddr;
use std::sync::{Arc, OnceLock, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::SystemTime;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::clock::ionos_timestamp;
use crate::config::IonosToken;
use crate::counters::Op;
use crate::faults::Refusal;
use crate::server::Conn;
use crate::simulator::Shared;
use crate::views::IonosRecord;
use crate::wire::{empty, json, plausible_hostname, with_retry_after};
use revdns_core::IpPrefix;

const DEFAULT_LIMIT: u64 = 100;
const MAX_LIMIT: u64 = 1000;

#[derive(Debug)]
struct TokenInfo {
    blocks: Vec<IpPrefix>,
    expired: bool,
    /// Shown as `createdBy` / `lastModifiedBy`.
    user: String,
    user_id: String,
}

#[derive(Debug, Clone)]
struct Rec {
    /// The record's JSON as lists and reads show it: made by the write that
    /// stored the record (its answer is the same JSON), else on first use.
    rendered: Rendered,
    seq: u64,
    ip: IpAddr,
    name: String,
    description: Option<String>,
    created: String,
    created_by: String,
    created_by_id: String,
    modified: String,
    modified_by: String,
    modified_by_id: String,
}

/// A record's rendering, kept so that listing a page of a thousand records
/// copies their JSON instead of serialising it again. A clone starts empty:
/// records are changed by cloning, editing and putting the copy back.
#[derive(Debug, Default)]
struct Rendered(OnceLock<Box<RawValue>>);

impl Clone for Rendered {
    fn clone(&self) -> Self {
        Rendered::default()
    }
}

impl Rec {
    /// The record as a list item (see [`record_out`]).
    fn list_item(&self, base: &str, id: Uuid) -> &RawValue {
        self.rendered.0.get_or_init(|| {
            let text =
                serde_json::to_string(&record_out(base, id, self)).expect("a record serialises");
            RawValue::from_string(text).expect("serde_json writes valid JSON")
        })
    }
}

#[derive(Debug, Default)]
struct IonosData {
    tokens: HashMap<String, TokenInfo>,
    records: HashMap<Uuid, Rec>,
    by_ip: HashMap<IpAddr, Uuid>,
    order: BTreeMap<u64, Uuid>,
    next_seq: u64,
}

impl IonosData {
    fn insert(&mut self, id: Uuid, mut rec: Rec) {
        rec.seq = self.next_seq;
        self.next_seq += 1;
        self.order.insert(rec.seq, id);
        self.by_ip.insert(rec.ip, id);
        self.records.insert(id, rec);
    }

    fn remove(&mut self, id: Uuid) -> Option<Rec> {
        let rec = self.records.remove(&id)?;
        self.order.remove(&rec.seq);
        self.by_ip.remove(&rec.ip);
        Some(rec)
    }
}

/// All IONOS state behind one lock; no lock is held across an `.await`.
#[derive(Debug)]
pub(crate) struct IonosState {
    data: RwLock<IonosData>,
    base_url: String,
}

fn invalid_config(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

impl IonosState {
    pub(crate) fn new(
        tokens: &[IonosToken],
        records: &[(String, String)],
        base_url: String,
        mut new_id: impl FnMut() -> Uuid,
    ) -> io::Result<Self> {
        let mut data = IonosData::default();
        for (n, token) in tokens.iter().enumerate() {
            let blocks = token
                .blocks
                .iter()
                .map(|b| b.parse::<IpPrefix>())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| invalid_config(format!("IONOS token #{}: {e}", n + 1)))?;
            let info = TokenInfo {
                blocks,
                expired: false,
                user: format!("user{}@example.net", n + 1),
                user_id: new_id().to_string(),
            };
            if data.tokens.insert(token.token.clone(), info).is_some() {
                return Err(invalid_config(format!(
                    "IONOS token #{} is configured twice",
                    n + 1
                )));
            }
        }
        let now = ionos_timestamp(SystemTime::now());
        for (ip, name) in records {
            let ip: IpAddr = ip
                .parse()
                .map_err(|_| invalid_config(format!("IONOS record: `{ip}` is not an IP")))?;
            if data.by_ip.contains_key(&ip) {
                return Err(invalid_config(format!(
                    "IONOS record for {ip} is configured twice"
                )));
            }
            let rec = Rec {
                rendered: Rendered::default(),
                seq: 0,
                ip,
                name: name.clone(),
                description: None,
                created: now.clone(),
                created_by: "seed@example.net".to_owned(),
                created_by_id: Uuid::nil().to_string(),
                modified: now.clone(),
                modified_by: "seed@example.net".to_owned(),
                modified_by_id: Uuid::nil().to_string(),
            };
            data.insert(new_id(), rec);
        }
        Ok(IonosState {
            data: RwLock::new(data),
            base_url,
        })
    }

    fn read(&self) -> RwLockReadGuard<'_, IonosData> {
        self.data.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, IonosData> {
        self.data.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Every record of the contract, keyed by IP.
    pub(crate) fn records(&self) -> BTreeMap<IpAddr, IonosRecord> {
        self.read()
            .records
            .iter()
            .map(|(id, r)| {
                (
                    r.ip,
                    IonosRecord {
                        id: *id,
                        ip: r.ip,
                        name: r.name.clone(),
                        description: r.description.clone(),
                    },
                )
            })
            .collect()
    }

    /// Every record of the contract, in creation order.
    pub(crate) fn record_list(&self) -> Vec<IonosRecord> {
        let data = self.read();
        data.order
            .values()
            .map(|id| {
                let r = &data.records[id];
                IonosRecord {
                    id: *id,
                    ip: r.ip,
                    name: r.name.clone(),
                    description: r.description.clone(),
                }
            })
            .collect()
    }

    /// Marks `token` expired (401) or valid again; `false` for an unknown token.
    /// Takes the state of `fresh` (a reset to the start configuration).
    pub(crate) fn replace_with(&self, fresh: IonosState) {
        *self.write() = fresh
            .data
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
    }

    /// The base URL record links are made from.
    pub(crate) fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Stores a reverse record for `ip` (replacing one it has), as the
    /// IONOS panel would: no check beyond plausibility and ownership.
    pub(crate) fn preload(&self, id: Uuid, ip: IpAddr, name: &str) -> io::Result<()> {
        if !plausible_hostname(name) {
            return Err(invalid_config(format!(
                "IONOS record name `{name}` is no name"
            )));
        }
        let mut data = self.write();
        if !data
            .tokens
            .values()
            .any(|t| t.blocks.iter().any(|b| b.contains(ip)))
        {
            return Err(invalid_config(format!("no IONOS token owns {ip}")));
        }
        if let Some(old) = data.by_ip.get(&ip).copied() {
            data.remove(old);
        }
        let now = ionos_timestamp(SystemTime::now());
        let rec = Rec {
            rendered: Rendered::default(),
            seq: 0,
            ip,
            name: name.to_owned(),
            description: None,
            created: now.clone(),
            created_by: "preload@example.net".to_owned(),
            created_by_id: Uuid::nil().to_string(),
            modified: now,
            modified_by: "preload@example.net".to_owned(),
            modified_by_id: Uuid::nil().to_string(),
        };
        data.insert(id, rec);
        Ok(())
    }

    pub(crate) fn set_token_expired(&self, token: &str, expired: bool) -> bool {
        match self.write().tokens.get_mut(token) {
            Some(info) => {
                info.expired = expired;
                true
            }
            None => false,
        }
    }
}

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/reverserecords", get(list).post(create))
        .route(
            "/reverserecords/{reverserecordId}",
            get(find).put(put).delete(delete),
        )
        .with_state(shared)
}

// ---------------------------------------------------------------- errors

/// Error codes are not documented for DNS; these follow the `paas-*` style
/// of other IONOS Cloud APIs and are the simulator's choice.
fn error(status: StatusCode, message: &str) -> Response {
    let code = match status {
        StatusCode::BAD_REQUEST => "paas-validation-1",
        StatusCode::UNAUTHORIZED => "paas-auth-1",
        StatusCode::FORBIDDEN => "paas-access-1",
        StatusCode::NOT_FOUND => "paas-resource-1",
        StatusCode::CONFLICT => "paas-conflict-1",
        StatusCode::TOO_MANY_REQUESTS => "paas-ratelimit-1",
        StatusCode::BAD_GATEWAY | StatusCode::SERVICE_UNAVAILABLE => "paas-unavailable-1",
        _ => "paas-internal-1",
    };
    json(
        status,
        &json!({
            "httpStatus": status.as_u16(),
            "messages": [{"errorCode": code, "message": message}],
        }),
    )
}

fn refusal_response(refusal: &Refusal) -> Response {
    match refusal {
        Refusal::RateLimited(after) => with_retry_after(
            error(
                StatusCode::TOO_MANY_REQUESTS,
                "Request rate limit exceeded.",
            ),
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

type Failure = (StatusCode, String);

fn fail(status: StatusCode, message: impl Into<String>) -> Failure {
    (status, message.into())
}

fn finish(result: Result<Response, Failure>) -> Response {
    result.unwrap_or_else(|(status, message)| error(status, &message))
}

/// The bearer token of a request (empty when there is none).
fn bearer(headers: &HeaderMap) -> &str {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .unwrap_or("")
}

fn unauthorized() -> Failure {
    fail(
        StatusCode::UNAUTHORIZED,
        "Unauthorized: the bearer token is missing, invalid or expired.",
    )
}

fn authorize<'a>(data: &'a IonosData, token: &str) -> Result<&'a TokenInfo, Failure> {
    match data.tokens.get(token) {
        Some(info) if !info.expired && !token.is_empty() => Ok(info),
        _ => Err(unauthorized()),
    }
}

fn refuse_unowned(info: &TokenInfo, ip: IpAddr) -> Result<(), Failure> {
    if info.blocks.iter().any(|b| b.contains(ip)) {
        Ok(())
    } else {
        Err(fail(
            StatusCode::FORBIDDEN,
            format!("IP {ip} is not in an IP block this token may manage."),
        ))
    }
}

fn parse_id(raw: &str) -> Result<Uuid, Failure> {
    Uuid::parse_str(raw).map_err(|_| {
        fail(
            StatusCode::BAD_REQUEST,
            format!("reverserecordId must be a UUID, got `{}`.", shorten(raw)),
        )
    })
}

fn shorten(s: &str) -> &str {
    match s.char_indices().nth(40) {
        Some((at, _)) => &s[..at],
        None => s,
    }
}

// ---------------------------------------------------------------- bodies

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MetadataOut<'a> {
    created_date: &'a str,
    created_by: &'a str,
    created_by_user_id: &'a str,
    last_modified_date: &'a str,
    last_modified_by: &'a str,
    last_modified_by_user_id: &'a str,
    #[serde(rename = "resourceURN")]
    resource_urn: Urn,
}

#[derive(Serialize)]
struct PropertiesOut<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    ip: Shown<IpAddr>,
}

#[derive(Serialize)]
struct RecordOut<'a> {
    id: Uuid,
    #[serde(rename = "type")]
    kind: &'static str,
    href: Href<'a>,
    metadata: MetadataOut<'a>,
    properties: PropertiesOut<'a>,
}

// Pages of a thousand records are built on every list: the composed
// strings are written straight into the answer instead of allocated first.

/// A value serialised as its `Display` text.
struct Shown<T>(T);

impl<T: std::fmt::Display> Serialize for Shown<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

/// `{base}/reverserecords/{id}`.
struct Href<'a> {
    base: &'a str,
    id: Uuid,
}

impl Serialize for Href<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&format_args!("{}/reverserecords/{}", self.base, self.id))
    }
}

/// `ionos:dns:reverserecord:{id}`.
struct Urn(Uuid);

impl Serialize for Urn {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&format_args!("ionos:dns:reverserecord:{}", self.0))
    }
}

fn record_out<'a>(base: &'a str, id: Uuid, rec: &'a Rec) -> RecordOut<'a> {
    RecordOut {
        id,
        kind: "reverserecord",
        href: Href { base, id },
        metadata: MetadataOut {
            created_date: &rec.created,
            created_by: &rec.created_by,
            created_by_user_id: &rec.created_by_id,
            last_modified_date: &rec.modified,
            last_modified_by: &rec.modified_by,
            last_modified_by_user_id: &rec.modified_by_id,
            resource_urn: Urn(id),
        },
        properties: PropertiesOut {
            name: &rec.name,
            description: rec.description.as_deref(),
            ip: Shown(rec.ip),
        },
    }
}

#[derive(Serialize)]
struct ListOut<'a> {
    id: Uuid,
    #[serde(rename = "type")]
    kind: &'static str,
    href: String,
    items: Vec<&'a RawValue>,
    offset: u64,
    limit: u64,
    #[serde(rename = "_links")]
    links: BTreeMap<&'static str, String>,
}

/// `{"properties": {"name", "ip", "description"?}}`, the body of POST and PUT.
#[derive(Debug)]
struct Wanted {
    ip: IpAddr,
    name: String,
    description: Option<String>,
}

fn parse_body(body: &[u8]) -> Result<Wanted, Failure> {
    let bad = |m: &str| fail(StatusCode::BAD_REQUEST, m);
    let value: Value =
        serde_json::from_slice(body).map_err(|_| bad("The request body is not valid JSON."))?;
    let props = value
        .get("properties")
        .and_then(Value::as_object)
        .ok_or_else(|| bad("[properties] is required and must be an object."))?;
    let name = match props.get("name") {
        Some(Value::String(n)) if plausible_hostname(n) => n.clone(),
        Some(Value::String(_)) => return Err(bad("[properties.name] is not a valid host name.")),
        _ => return Err(bad("[properties.name] is required and must be a string.")),
    };
    let ip = match props.get("ip") {
        Some(Value::String(ip)) => ip
            .parse::<IpAddr>()
            .map_err(|_| bad("[properties.ip] must be an IPv4 or IPv6 address."))?,
        _ => return Err(bad("[properties.ip] is required and must be a string.")),
    };
    let description = match props.get("description") {
        None | Some(Value::Null) => None,
        Some(Value::String(d)) => Some(d.clone()),
        Some(_) => return Err(bad("[properties.description] must be a string.")),
    };
    Ok(Wanted {
        ip,
        name,
        description,
    })
}

// ---------------------------------------------------------------- handlers

async fn list(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(conn): ConnectInfo<Conn>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let token = bearer(&headers);
    if let Some(r) = shared.admit(Op::IonosList, token, &conn).await {
        return refusal_response(&r);
    }
    finish(list_records(&shared, token, query.as_deref().unwrap_or("")))
}

/// The first address [`Faults::endless_pages`](crate::Faults::endless_pages)
/// makes up records for when the list has no filter (2001:db8:ffff:ffff::).
const MADE_UP_BASE: u128 = 0x2001_0db8_ffff_ffff_u128 << 64;

/// `count` records that do not exist, for the page at `offset`: on the
/// filter's addresses in turn, or on made-up addresses, with fresh ids.
fn made_up_records(
    shared: &Shared,
    filter: &[IpAddr],
    offset: u64,
    count: usize,
) -> Vec<(Uuid, Rec)> {
    let now = ionos_timestamp(SystemTime::now());
    (0..count)
        .map(|i| {
            let n = offset.saturating_add(i as u64);
            let ip = if filter.is_empty() {
                IpAddr::V6(std::net::Ipv6Addr::from(MADE_UP_BASE | u128::from(n)))
            } else {
                filter[usize::try_from(n).unwrap_or(0) % filter.len()]
            };
            let rec = Rec {
                rendered: Rendered::default(),
                seq: 0,
                ip,
                name: format!("endless-{n}.example.net"),
                description: None,
                created: now.clone(),
                created_by: "endless@example.net".to_owned(),
                created_by_id: Uuid::nil().to_string(),
                modified: now.clone(),
                modified_by: "endless@example.net".to_owned(),
                modified_by_id: Uuid::nil().to_string(),
            };
            (shared.new_id(Op::IonosList), rec)
        })
        .collect()
}

fn list_records(shared: &Shared, token: &str, query: &str) -> Result<Response, Failure> {
    let state = &shared.ionos;
    let endless = shared.engines.ionos.faults().endless_pages;
    let bad = |m: String| fail(StatusCode::BAD_REQUEST, m);
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)
        .map_err(|_| bad("The query string is malformed.".to_owned()))?;
    let mut filter: Vec<IpAddr> = Vec::new();
    let mut offset = 0u64;
    let mut limit = DEFAULT_LIMIT;
    for (key, value) in &pairs {
        match key.as_str() {
            "filter.recordIp" => filter.push(value.parse().map_err(|_| {
                bad(format!(
                    "[filter.recordIp] `{}` is not an IP address.",
                    shorten(value)
                ))
            })?),
            "offset" => {
                offset = value
                    .parse()
                    .map_err(|_| bad("[offset] must be an integer of at least 0.".to_owned()))?;
            }
            "limit" => {
                limit = value
                    .parse()
                    .ok()
                    .filter(|l| (1..=MAX_LIMIT).contains(l))
                    .ok_or_else(|| {
                        bad(format!("[limit] must be an integer from 1 to {MAX_LIMIT}."))
                    })?;
            }
            _ => {}
        }
    }

    let data = state.read();
    authorize(&data, token)?;
    let base = &state.base_url;
    let skip = usize::try_from(offset).unwrap_or(usize::MAX);
    let take = usize::try_from(limit).unwrap_or(usize::MAX);
    let made_up;
    let (mut items, total): (Vec<&RawValue>, usize) =
        if pairs.iter().any(|(k, _)| k == "filter.recordIp") {
            let mut hits: Vec<(u64, Uuid)> = filter
                .iter()
                .filter_map(|ip| data.by_ip.get(ip))
                .map(|id| (data.records[id].seq, *id))
                .collect();
            hits.sort_unstable();
            hits.dedup();
            let total = hits.len();
            let items = hits
                .into_iter()
                .skip(skip)
                .take(take)
                .map(|(_, id)| data.records[&id].list_item(base, id))
                .collect();
            (items, total)
        } else {
            let items = data
                .order
                .values()
                .skip(skip)
                .take(take)
                .map(|id| data.records[id].list_item(base, *id))
                .collect();
            (items, data.order.len())
        };
    if endless {
        // A broken server: every page is full, and there is always a next.
        made_up = made_up_records(shared, &filter, offset, take.saturating_sub(items.len()));
        items.extend(made_up.iter().map(|(id, rec)| rec.list_item(base, *id)));
    }

    let filter_query: String = filter
        .iter()
        .map(|ip| format!("filter.recordIp={ip}&"))
        .collect();
    let page =
        |offset: u64| format!("{base}/reverserecords?{filter_query}offset={offset}&limit={limit}");
    let mut links = BTreeMap::new();
    links.insert("self", page(offset));
    if offset > 0 {
        links.insert("prev", page(offset.saturating_sub(limit)));
    }
    if endless || offset.saturating_add(limit) < total as u64 {
        links.insert("next", page(offset + limit));
    }
    let id = shared_list_id(&data);
    let body = ListOut {
        id,
        kind: "collection",
        href: format!("{base}/reverserecords"),
        items,
        offset,
        limit,
        links,
    };
    Ok(json(StatusCode::OK, &body))
}

/// The list's own id ("created to identify this action"): derived from the
/// contract's sequence so that lists need no RNG and no write lock.
fn shared_list_id(data: &IonosData) -> Uuid {
    Uuid::from_u64_pair(0x5eed_0000_0000_4000, 0x8000_0000_0000_0000 | data.next_seq)
}

async fn create(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(conn): ConnectInfo<Conn>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let token = bearer(&headers);
    if let Some(r) = shared.admit(Op::IonosPost, token, &conn).await {
        return refusal_response(&r);
    }
    let id = shared.new_id(Op::IonosPost);
    finish(upsert(&shared.ionos, token, &body, id, false))
}

async fn put(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(conn): ConnectInfo<Conn>,
    Path(raw_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let token = bearer(&headers);
    if let Some(r) = shared.admit(Op::IonosPut, token, &conn).await {
        return refusal_response(&r);
    }
    finish(parse_id(&raw_id).and_then(|id| upsert(&shared.ionos, token, &body, id, true)))
}

/// POST (`by_id` false: always a new record, 201) and PUT (`by_id` true:
/// create or replace the record `id`, 200 either way, as the spec
/// documents only 200).
fn upsert(
    state: &IonosState,
    token: &str,
    body: &[u8],
    id: Uuid,
    by_id: bool,
) -> Result<Response, Failure> {
    let mut data = state.write();
    let info = authorize(&data, token)?;
    let wanted = parse_body(body)?;
    refuse_unowned(info, wanted.ip)?;
    if let Some(existing) = data.records.get(&id) {
        refuse_unowned(info, existing.ip)?;
    }
    if let Some(holder) = data.by_ip.get(&wanted.ip)
        && *holder != id
    {
        return Err(fail(
            StatusCode::CONFLICT,
            format!(
                "This IP is not available to create a reverse DNS record: {} already has one ({holder}).",
                wanted.ip
            ),
        ));
    }
    let now = ionos_timestamp(SystemTime::now());
    let (user, user_id) = (info.user.clone(), info.user_id.clone());
    let status = if by_id {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    match data.records.get(&id).cloned() {
        Some(mut rec) => {
            if rec.ip != wanted.ip {
                data.by_ip.remove(&rec.ip);
                data.by_ip.insert(wanted.ip, id);
            }
            rec.ip = wanted.ip;
            rec.name = wanted.name;
            rec.description = wanted.description;
            rec.modified = now;
            rec.modified_by = user;
            rec.modified_by_id = user_id;
            // Rendered here, for the answer and every later list, so that a
            // list after a bulk write does not pay for it.
            let out = json(status, &rec.list_item(&state.base_url, id));
            data.records.insert(id, rec);
            Ok(out)
        }
        None => {
            let rec = Rec {
                rendered: Rendered::default(),
                seq: 0,
                ip: wanted.ip,
                name: wanted.name,
                description: wanted.description,
                created: now.clone(),
                created_by: user.clone(),
                created_by_id: user_id.clone(),
                modified: now,
                modified_by: user,
                modified_by_id: user_id,
            };
            let out = json(status, &rec.list_item(&state.base_url, id));
            data.insert(id, rec);
            Ok(out)
        }
    }
}

async fn find(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(conn): ConnectInfo<Conn>,
    Path(raw_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let token = bearer(&headers);
    if let Some(r) = shared.admit(Op::IonosFind, token, &conn).await {
        return refusal_response(&r);
    }
    let state = &shared.ionos;
    finish((|| {
        let data = state.read();
        authorize(&data, token)?;
        let id = parse_id(&raw_id)?;
        let rec = data.records.get(&id).ok_or_else(|| not_found(id))?;
        Ok(json(StatusCode::OK, &rec.list_item(&state.base_url, id)))
    })())
}

fn not_found(id: Uuid) -> Failure {
    fail(
        StatusCode::NOT_FOUND,
        format!("The reverse record {id} could not be found."),
    )
}

async fn delete(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(conn): ConnectInfo<Conn>,
    Path(raw_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let token = bearer(&headers);
    if let Some(r) = shared.admit(Op::IonosDelete, token, &conn).await {
        return refusal_response(&r);
    }
    let state = &shared.ionos;
    finish((|| {
        let mut data = state.write();
        let info = authorize(&data, token)?;
        let id = parse_id(&raw_id)?;
        let rec = data.records.get(&id).ok_or_else(|| not_found(id))?;
        refuse_unowned(info, rec.ip)?;
        data.remove(id);
        Ok(empty(StatusCode::ACCEPTED))
    })())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_takes_the_token_after_the_scheme() {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, "Bearer abc.def".parse().unwrap());
        assert_eq!(bearer(&h), "abc.def");
        h.insert(header::AUTHORIZATION, "bearer  xyz ".parse().unwrap());
        assert_eq!(bearer(&h), "xyz");
        h.insert(header::AUTHORIZATION, "Basic dXNlcjpwdw==".parse().unwrap());
        assert_eq!(bearer(&h), "");
        assert_eq!(bearer(&HeaderMap::new()), "");
    }

    #[test]
    fn parse_body_requires_name_and_ip() {
        assert!(parse_body(br#"{"properties":{"name":"a.example.net","ip":"192.0.2.1"}}"#).is_ok());
        for body in [
            &br#"{"properties":{"ip":"192.0.2.1"}}"#[..],
            br#"{"properties":{"name":"a.example.net"}}"#,
            br#"{"properties":{"name":"a.example.net","ip":"192.0.2.300"}}"#,
            br#"{"properties":{"name":"a b","ip":"192.0.2.1"}}"#,
            br#"{"name":"a.example.net","ip":"192.0.2.1"}"#,
            b"not json",
        ] {
            let err = parse_body(body).unwrap_err();
            assert_eq!(err.0, StatusCode::BAD_REQUEST);
        }
    }

    #[test]
    fn parse_body_canonicalises_ipv6() {
        let w = parse_body(br#"{"properties":{"name":"a.example.net","ip":"2001:0db8::0001"}}"#)
            .unwrap();
        assert_eq!(w.ip.to_string(), "2001:db8::1");
    }
}
