//! EDIS Global: the AUTH session and the three form-encoded PTR operations.
//!
//! Every request is a form POST. The PTR operations carry the session
//! (`signature`, `kvm_id`, `valid_until`, `api_host`) and `ip`, JSON text in
//! one form field, decoded the way the PHP back end would: the last plain
//! `ip` wins, a bracket key (`ip[]=`) turns the field into an array, and the
//! value must be a JSON list (get, delete) or object (set).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io;
use std::net::IpAddr;
use std::sync::{Arc, PoisonError, RwLock};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;
use rand::Rng;
use serde_json::{Value, json};

use crate::clock::{ceil_secs, epoch_now};
use crate::config::EdisAccount;
use crate::counters::Op;
use crate::faults::Refusal;
use crate::server::Conn;
use crate::simulator::Shared;
use crate::wire::{json, plausible_hostname, reason, with_retry_after};
use revdns_core::IpPrefix;

/// Default session lifetime; EDIS does not document one.
const DEFAULT_LIFETIME_SECS: i64 = 3600;
/// Sessions kept before expired ones are swept.
const SESSION_SWEEP_AT: usize = 4096;

#[derive(Debug)]
struct Account {
    password: String,
    kvm_ids: Vec<String>,
}

#[derive(Debug)]
struct Kvm {
    email: String,
    api_host: String,
    description: String,
    prefixes: Vec<IpPrefix>,
    ptrs: BTreeMap<IpAddr, String>,
}

impl Kvm {
    fn owns(&self, ip: IpAddr) -> bool {
        self.prefixes.iter().any(|p| p.contains(ip))
    }
}

#[derive(Debug)]
struct Session {
    kvm_id: String,
    email: String,
    api_host: String,
    valid_until: i64,
    revoked: bool,
}

impl Session {
    fn is_live(&self, now: i64) -> bool {
        !self.revoked && now < self.valid_until
    }
}

#[derive(Debug, Default)]
struct EdisData {
    accounts: HashMap<String, Account>,
    kvms: HashMap<String, Kvm>,
    sessions: HashMap<String, Session>,
}

/// All EDIS state behind one lock; no lock is held across an `.await`.
#[derive(Debug)]
pub(crate) struct EdisState {
    data: RwLock<EdisData>,
    /// `host:port` handed out as `api_rdns`.
    rdns: String,
    /// Most IPs one PTR request may carry.
    max_batch: usize,
}

fn invalid_config(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

/// `kvm_100001_200001` -> `100001.vps.example.net`.
fn default_api_host(kvm_id: &str) -> String {
    let digits: String = kvm_id
        .trim_start_matches("kvm_")
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    let label = if digits.is_empty() { "vps" } else { &digits };
    format!("{}.vps.example.net", label.to_ascii_lowercase())
}

impl EdisState {
    pub(crate) fn new(
        accounts: &[EdisAccount],
        rdns: String,
        max_batch: usize,
    ) -> io::Result<Self> {
        if max_batch == 0 {
            return Err(invalid_config(
                "the EDIS batch limit must be at least 1".to_owned(),
            ));
        }
        let mut data = EdisData::default();
        for account in accounts {
            if data.accounts.contains_key(&account.email) {
                return Err(invalid_config(format!(
                    "EDIS account {} is configured twice",
                    account.email
                )));
            }
            let mut kvm_ids = Vec::new();
            for kvm in &account.kvms {
                if data.kvms.contains_key(&kvm.id) {
                    return Err(invalid_config(format!(
                        "EDIS kvm_id {} is configured twice",
                        kvm.id
                    )));
                }
                let prefixes = kvm
                    .prefixes
                    .iter()
                    .map(|p| p.parse::<IpPrefix>())
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| invalid_config(format!("EDIS kvm {}: {e}", kvm.id)))?;
                let mut state = Kvm {
                    email: account.email.clone(),
                    api_host: kvm
                        .api_host
                        .clone()
                        .unwrap_or_else(|| default_api_host(&kvm.id)),
                    description: kvm.description.clone(),
                    prefixes,
                    ptrs: BTreeMap::new(),
                };
                for (ip, host) in &kvm.ptrs {
                    let ip: IpAddr = ip.parse().map_err(|_| {
                        invalid_config(format!("EDIS kvm {}: `{ip}` is not an IP", kvm.id))
                    })?;
                    if !state.owns(ip) {
                        return Err(invalid_config(format!(
                            "EDIS kvm {}: seeded PTR for {ip}, which it does not own",
                            kvm.id
                        )));
                    }
                    state.ptrs.insert(ip, host.clone());
                }
                kvm_ids.push(kvm.id.clone());
                data.kvms.insert(kvm.id.clone(), state);
            }
            data.accounts.insert(
                account.email.clone(),
                Account {
                    password: account.password.clone(),
                    kvm_ids,
                },
            );
        }
        Ok(EdisState {
            data: RwLock::new(data),
            rdns,
            max_batch,
        })
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, EdisData> {
        self.data.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, EdisData> {
        self.data.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// The PTRs of one VPS (empty for an unknown id).
    pub(crate) fn ptrs(&self, kvm_id: &str) -> BTreeMap<IpAddr, String> {
        self.read()
            .kvms
            .get(kvm_id)
            .map(|k| k.ptrs.clone())
            .unwrap_or_default()
    }

    /// The PTRs of every VPS, by `kvm_id`.
    pub(crate) fn all_ptrs(&self) -> BTreeMap<String, BTreeMap<IpAddr, String>> {
        self.read()
            .kvms
            .iter()
            .map(|(id, k)| (id.clone(), k.ptrs.clone()))
            .collect()
    }

    /// Takes the state of `fresh` (a reset to the start configuration).
    pub(crate) fn replace_with(&self, fresh: EdisState) {
        *self.write() = fresh
            .data
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
    }

    /// The `host:port` handed out as `api_rdns`.
    pub(crate) fn max_batch(&self) -> usize {
        self.max_batch
    }

    pub(crate) fn rdns(&self) -> &str {
        &self.rdns
    }

    /// Ends every session now; the next PTR call answers 401.
    /// Stores `target` as the PTR of `ip` in the VPS that owns it, as the
    /// EDIS panel would: no check beyond plausibility.
    pub(crate) fn preload(&self, ip: IpAddr, target: &str) -> io::Result<()> {
        if !plausible_hostname(target) {
            return Err(invalid_config(format!("EDIS PTR `{target}` is no name")));
        }
        let mut data = self.write();
        let kvm = data
            .kvms
            .values_mut()
            .find(|k| k.owns(ip))
            .ok_or_else(|| invalid_config(format!("no EDIS VPS owns {ip}")))?;
        kvm.ptrs.insert(ip, target.to_owned());
        Ok(())
    }

    pub(crate) fn expire_sessions(&self) {
        for session in self.write().sessions.values_mut() {
            session.revoked = true;
        }
    }

    /// The rate-limit key of a PTR call: the account behind the session.
    fn owner_of(&self, signature: &str) -> String {
        self.read()
            .sessions
            .get(signature)
            .map_or_else(|| signature.to_owned(), |s| s.email.clone())
    }
}

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/kvm/v2/get/auth", post(auth))
        .route("/get/ptr", post(get_ptr))
        .route("/set/ptr", post(set_ptr))
        .route("/del/ptr", post(del_ptr))
        .with_state(shared)
}

/// A form field as PHP's `$_POST` would hold it.
#[derive(Debug, PartialEq, Eq)]
enum PhpField {
    Text(String),
    /// `name[]=…` or `name[key]=…`: PHP builds an array, which no string
    /// function (and no `json_decode`) accepts.
    Array,
}

/// Decodes a form body the way PHP fills `$_POST`: the last value of a key
/// wins, bracket keys make arrays. `None` for a body that is not a form.
fn php_post(body: &[u8]) -> Option<HashMap<String, PhpField>> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).ok()?;
    let mut fields = HashMap::with_capacity(pairs.len());
    for (key, value) in pairs {
        match key.find('[') {
            Some(at) if at > 0 && key.ends_with(']') => {
                fields.insert(key[..at].to_owned(), PhpField::Array);
            }
            _ => {
                fields.insert(key, PhpField::Text(value));
            }
        }
    }
    Some(fields)
}

fn text<'a>(fields: &'a HashMap<String, PhpField>, key: &str) -> Option<&'a str> {
    match fields.get(key) {
        Some(PhpField::Text(v)) => Some(v),
        _ => None,
    }
}

// ---------------------------------------------------------------- auth

fn auth_error(status: StatusCode, message: &str) -> Response {
    json(
        status,
        &json!({"error": reason(status), "code": status.as_u16(), "message": message}),
    )
}

fn auth_refusal(refusal: &Refusal) -> Response {
    match refusal {
        Refusal::RateLimited(after) => with_retry_after(
            auth_error(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many requests. Please retry later.",
            ),
            after,
        ),
        Refusal::ServiceUnavailable => auth_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "The service is temporarily unavailable.",
        ),
        Refusal::BadGateway | Refusal::Dropped => {
            auth_error(StatusCode::BAD_GATEWAY, "Bad gateway.")
        }
        Refusal::Status(code) => {
            let (status, message) = Refusal::forced(*code);
            auth_error(status, message)
        }
    }
}

async fn auth(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(conn): ConnectInfo<Conn>,
    body: Bytes,
) -> Response {
    let fields = php_post(&body);
    let email = fields.as_ref().and_then(|f| text(f, "email")).unwrap_or("");
    if let Some(refusal) = shared.admit(Op::EdisAuth, email, &conn).await {
        return auth_refusal(&refusal);
    }
    let missing = || {
        auth_error(
            StatusCode::BAD_REQUEST,
            "Invalid credentials or missing parameters.",
        )
    };
    let Some(fields) = fields else {
        return missing();
    };
    let (Some(email), Some(pw)) = (text(&fields, "email"), text(&fields, "pw")) else {
        return missing();
    };
    let only_kvm = match fields.get("kvm_id") {
        None => None,
        Some(PhpField::Text(id)) if id.is_empty() => None,
        Some(PhpField::Text(id)) => Some(id.as_str()),
        Some(PhpField::Array) => return missing(),
    };

    let lifetime = shared
        .engines
        .edis
        .faults()
        .session_lifetime
        .map_or(DEFAULT_LIFETIME_SECS, ceil_secs);
    let now = epoch_now();
    let valid_until = now.saturating_add(lifetime);

    let mut data = shared.edis.write();
    let kvm_ids = match data.accounts.get(email) {
        Some(account) if account.password == pw => account.kvm_ids.clone(),
        _ => {
            return auth_error(
                StatusCode::UNAUTHORIZED,
                "Invalid WHMCS credentials. Please provide correct credentials.",
            );
        }
    };
    let chosen: Vec<String> = match only_kvm {
        Some(id) if kvm_ids.iter().any(|k| k == id) => vec![id.to_owned()],
        Some(_) => {
            return auth_error(
                StatusCode::BAD_REQUEST,
                "Invalid credentials or missing parameters: unknown kvm_id for this account.",
            );
        }
        None => kvm_ids,
    };
    if chosen.is_empty() {
        return auth_error(StatusCode::BAD_REQUEST, "No active VPS on this account.");
    }
    if data.sessions.len() >= SESSION_SWEEP_AT {
        data.sessions.retain(|_, s| s.is_live(now));
    }

    let mut out = serde_json::Map::new();
    for kvm_id in chosen {
        let signature: String = shared.engines.edis.with_rng(|r| {
            (0..50)
                .map(|_| char::from(b'0' + r.random_range(0..10u8)))
                .collect()
        });
        let Some(kvm) = data.kvms.get(&kvm_id) else {
            continue;
        };
        out.insert(
            kvm_id.clone(),
            json!({
                "api_host": kvm.api_host,
                "api_rdns": shared.edis.rdns,
                "kvm_id": kvm_id,
                "valid_until": valid_until,
                "signature": signature,
                "suspended": "n",
                "description": kvm.description,
                "lps": "DE",
                "lps_ispremium": false,
            }),
        );
        let session = Session {
            kvm_id,
            email: kvm.email.clone(),
            api_host: kvm.api_host.clone(),
            valid_until,
            revoked: false,
        };
        data.sessions.insert(signature, session);
    }
    drop(data);
    json(
        StatusCode::OK,
        &json!({"status": "success", "data": Value::Object(out)}),
    )
}

// ---------------------------------------------------------------- PTR

/// Get and set answer errors in `error`, delete in `message` (as documented).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Error,
    Message,
}

fn ptr_error(style: Style, status: StatusCode, text: &str) -> Response {
    let key = match style {
        Style::Error => "error",
        Style::Message => "message",
    };
    json(status, &json!({"status": "error", key: text}))
}

fn ptr_refusal(style: Style, refusal: &Refusal) -> Response {
    match refusal {
        Refusal::RateLimited(after) => with_retry_after(
            ptr_error(
                style,
                StatusCode::TOO_MANY_REQUESTS,
                "Too many requests. Please retry later.",
            ),
            after,
        ),
        Refusal::ServiceUnavailable => ptr_error(
            style,
            StatusCode::SERVICE_UNAVAILABLE,
            "The service is temporarily unavailable.",
        ),
        Refusal::BadGateway | Refusal::Dropped => {
            ptr_error(style, StatusCode::BAD_GATEWAY, "Bad gateway.")
        }
        Refusal::Status(code) => {
            let (status, message) = Refusal::forced(*code);
            ptr_error(style, status, message)
        }
    }
}

/// A failed PTR call: status and text for the operation's error body.
type Failure = (StatusCode, String);

fn bad(text: impl Into<String>) -> Failure {
    (StatusCode::BAD_REQUEST, text.into())
}

async fn get_ptr(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(conn): ConnectInfo<Conn>,
    body: Bytes,
) -> Response {
    ptr_call(&shared, &conn, Op::EdisGet, &body).await
}

async fn set_ptr(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(conn): ConnectInfo<Conn>,
    body: Bytes,
) -> Response {
    ptr_call(&shared, &conn, Op::EdisSet, &body).await
}

async fn del_ptr(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(conn): ConnectInfo<Conn>,
    body: Bytes,
) -> Response {
    ptr_call(&shared, &conn, Op::EdisDelete, &body).await
}

async fn ptr_call(shared: &Shared, conn: &Conn, op: Op, body: &[u8]) -> Response {
    let style = if op == Op::EdisDelete {
        Style::Message
    } else {
        Style::Error
    };
    let fields = php_post(body);
    let key = fields
        .as_ref()
        .and_then(|f| text(f, "signature"))
        .map(|sig| shared.edis.owner_of(sig))
        .unwrap_or_default();
    if let Some(refusal) = shared.admit(op, &key, conn).await {
        return ptr_refusal(style, &refusal);
    }
    let result = match fields {
        None => Err(bad("Malformed request body.")),
        Some(fields) => serve_ptr(shared, op, style, &fields),
    };
    match result {
        Ok(body) => json(StatusCode::OK, &body),
        Err((status, text)) => ptr_error(style, status, &text),
    }
}

/// The checks, in order: fields present, session valid (401), `api_host`
/// matches, `ip` decodes, every IP owned (else the whole batch is refused),
/// hostnames plausible; then the change.
fn serve_ptr(
    shared: &Shared,
    op: Op,
    style: Style,
    fields: &HashMap<String, PhpField>,
) -> Result<Value, Failure> {
    let mut values = [""; 5];
    for (slot, name) in
        values
            .iter_mut()
            .zip(["signature", "kvm_id", "valid_until", "api_host", "ip"])
    {
        match fields.get(name) {
            Some(PhpField::Text(v)) => *slot = v,
            Some(PhpField::Array) => {
                return Err(bad(format!(
                    "Invalid input: '{name}' must be a single form field holding JSON text."
                )));
            }
            None => {
                return Err(bad(match style {
                    Style::Error => format!("Required field '{name}' is missing."),
                    Style::Message => format!("Invalid input: '{name}' field is missing."),
                }));
            }
        }
    }
    let [signature, kvm_id, valid_until, api_host, ip] = values;
    let expired = || {
        (
            StatusCode::UNAUTHORIZED,
            match style {
                Style::Error => "Session expired.".to_owned(),
                Style::Message => "Session expired. Please re-authenticate.".to_owned(),
            },
        )
    };

    let max_batch = shared.edis.max_batch;
    let decoded = decode_ip(op, ip).and_then(|d| {
        let n = d.ips().count();
        if n > max_batch {
            Err(bad(format!(
                "Too many IP addresses: {n} given, at most {max_batch} per request."
            )))
        } else {
            Ok(d)
        }
    });
    let now = epoch_now();
    let check = |data: &EdisData| -> Result<(), Failure> {
        let session = data.sessions.get(signature).ok_or_else(expired)?;
        let until_matches = valid_until.trim().parse::<i64>().ok() == Some(session.valid_until);
        if session.kvm_id != kvm_id || !until_matches || !session.is_live(now) {
            return Err(expired());
        }
        if session.api_host != api_host {
            return Err(bad(
                "Invalid api_host: it must be the api_host of the session.",
            ));
        }
        Ok(())
    };
    let refuse_unowned =
        |kvm: &Kvm, decoded: &Decoded| match decoded.ips().find(|ip| !kvm.owns(*ip)) {
            Some(ip) => Err(bad(format!("IP address {ip} is not assigned to {kvm_id}."))),
            None => Ok(()),
        };

    if op == Op::EdisGet {
        let data = shared.edis.read();
        check(&data)?;
        let kvm = data.kvms.get(kvm_id).ok_or_else(expired)?;
        let decoded = decoded?;
        refuse_unowned(kvm, &decoded)?;
        let mut seen = HashSet::new();
        let records: Vec<Value> = decoded
            .ips()
            .filter(|ip| seen.insert(*ip))
            .filter_map(|ip| {
                kvm.ptrs
                    .get(&ip)
                    .map(|ptr| json!({"ip": ip.to_string(), "ptr_record": ptr}))
            })
            .collect();
        return Ok(json!({"status": "success", "records": records}));
    }

    let mut data = shared.edis.write();
    check(&data)?;
    let kvm = data.kvms.get_mut(kvm_id).ok_or_else(expired)?;
    let decoded = decoded?;
    refuse_unowned(kvm, &decoded)?;
    Ok(match decoded {
        Decoded::List(ips) => {
            for ip in ips {
                kvm.ptrs.remove(&ip);
            }
            json!({"status": "success"})
        }
        Decoded::Map(pairs) => {
            for (ip, host) in pairs {
                kvm.ptrs.insert(ip, host);
            }
            json!({"status": "success", "message": "PTR records set successfully."})
        }
    })
}

/// The `ip` field after `json_decode` and address parsing.
#[derive(Debug, PartialEq, Eq)]
enum Decoded {
    List(Vec<IpAddr>),
    Map(Vec<(IpAddr, String)>),
}

impl Decoded {
    fn ips(&self) -> Box<dyn Iterator<Item = IpAddr> + '_> {
        match self {
            Decoded::List(ips) => Box::new(ips.iter().copied()),
            Decoded::Map(pairs) => Box::new(pairs.iter().map(|(ip, _)| *ip)),
        }
    }
}

/// Decodes `ip` for `op` like `json_decode` plus address parsing: a list
/// of strings for get and delete, an object of strings for set, not empty.
fn decode_ip(op: Op, raw: &str) -> Result<Decoded, Failure> {
    let parse_ip = |s: &str| {
        s.trim()
            .parse::<IpAddr>()
            .map_err(|_| bad("Invalid IP address format."))
    };
    let wrong_shape = || {
        bad(if op == Op::EdisSet {
            "Field 'ip' must be a JSON-encoded object of IP address to hostname."
        } else {
            "Field 'ip' must be a JSON-encoded list of IP addresses."
        })
    };
    let value: Value = serde_json::from_str(raw).map_err(|_| wrong_shape())?;
    let decoded = match (op, value) {
        (Op::EdisSet, Value::Object(map)) => {
            let mut pairs = Vec::with_capacity(map.len());
            for (ip, host) in map {
                let ip = parse_ip(&ip)?;
                match host {
                    Value::String(h) if plausible_hostname(&h) => pairs.push((ip, h)),
                    _ => return Err(bad(format!("Invalid hostname format for {ip}."))),
                }
            }
            Decoded::Map(pairs)
        }
        (Op::EdisGet | Op::EdisDelete, Value::Array(items)) => {
            let mut ips = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Value::String(s) => ips.push(parse_ip(&s)?),
                    _ => return Err(bad("Invalid IP address format.")),
                }
            }
            Decoded::List(ips)
        }
        _ => return Err(wrong_shape()),
    };
    if decoded.ips().next().is_none() {
        return Err(bad("No IP address given."));
    }
    Ok(decoded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn php_post_last_plain_value_wins() {
        let f = php_post(b"ip=a&ip=b").unwrap();
        assert_eq!(f["ip"], PhpField::Text("b".into()));
    }

    #[test]
    fn php_post_bracket_keys_make_arrays() {
        let f = php_post(b"ip%5B%5D=192.0.2.1&kvm_id=x").unwrap();
        assert_eq!(f["ip"], PhpField::Array);
        assert_eq!(f["kvm_id"], PhpField::Text("x".into()));
        let f = php_post(b"ip[192.0.2.1]=host.example.net").unwrap();
        assert_eq!(f["ip"], PhpField::Array);
    }

    #[test]
    fn php_post_raw_json_characters_survive() {
        let f = php_post(br#"ip=["192.0.2.1","2001:db8::1"]"#).unwrap();
        assert_eq!(
            f["ip"],
            PhpField::Text(r#"["192.0.2.1","2001:db8::1"]"#.into())
        );
    }

    #[test]
    fn decode_ip_list_for_get_and_delete() {
        let d = decode_ip(Op::EdisDelete, r#"["192.0.2.1", "2001:db8:0:0::1"]"#).unwrap();
        assert_eq!(
            d,
            Decoded::List(vec![
                "192.0.2.1".parse().unwrap(),
                "2001:db8::1".parse().unwrap()
            ])
        );
    }

    #[test]
    fn decode_ip_rejects_what_json_decode_rejects() {
        for raw in ["192.0.2.1", "192.0.2.1,192.0.2.2", "", "[192.0.2.1]", "{}"] {
            assert!(
                decode_ip(Op::EdisGet, raw).is_err(),
                "{raw} must be refused"
            );
        }
        assert!(decode_ip(Op::EdisSet, r#"["192.0.2.1"]"#).is_err());
        assert!(decode_ip(Op::EdisSet, r#"{"192.0.2.1": 5}"#).is_err());
        assert!(decode_ip(Op::EdisSet, r#"{"192.0.2.1": "bad host"}"#).is_err());
    }

    #[test]
    fn decode_ip_object_for_set() {
        let d = decode_ip(Op::EdisSet, r#"{"192.0.2.1":"a.example.net"}"#).unwrap();
        assert_eq!(
            d,
            Decoded::Map(vec![("192.0.2.1".parse().unwrap(), "a.example.net".into())])
        );
    }

    #[test]
    fn default_api_host_uses_first_digit_group() {
        assert_eq!(
            default_api_host("kvm_847362_918273"),
            "847362.vps.example.net"
        );
        assert_eq!(default_api_host(""), "vps.vps.example.net");
    }
}
