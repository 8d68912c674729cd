//! The admin API: the simulator's state, counters and faults over HTTP, for
//! tests in another process or language. Served when
//! [`SimConfig::admin_port`](crate::SimConfig::admin_port) is set (the
//! binary always serves it). Every body is JSON; durations are milliseconds.
//!
//! | request | answer |
//! |---|---|
//! | `GET /state` | `{"edis": {kvm_id: {ip: target}}, "ionos": [record], "ecl": [zone with "recordsets"]}` |
//! | `GET /counters` | `{"requests": {provider: {operation: n}}, "faults": {provider: {"rate_limited": n, …}}}` |
//! | `GET /faults/{provider}` | that provider's faults, as below |
//! | `PUT /faults/{provider}` | replaces them (a field left out is off); `204` |
//! | `POST /preload` | `{"provider", "ip", "target"}`: stores a PTR as a panel would; `204` |
//! | `POST /reset` | back to the start configuration: state, faults, counters; `204` |
//!
//! Faults: `latency_ms`, `jitter_ms`, `rate_limit` (`{"requests", "per_ms"}`),
//! `service_unavailable`, `bad_gateway`, `dropped_connections`,
//! `lost_answers` (shares from 0 to 1), `html_errors`, `endless_pages`,
//! `oversized_bodies` (bytes), `forced_status`, `session_lifetime_ms`,
//! `not_found_after_create_ms` and `zone_activation_ms` (ECL's lags).
//! An error is `{"error": "..."}` with status 400 or 404.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use revdns_core::ProviderId;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::faults::{FaultCounts, FaultEngine, Faults, RateLimit};
use crate::simulator::Shared;

/// The faults of one provider as the admin API reads and writes them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdminFaults {
    /// [`Faults::latency`], in ms.
    pub latency_ms: u64,
    /// [`Faults::jitter`], in ms.
    pub jitter_ms: u64,
    /// [`Faults::rate_limit`].
    pub rate_limit: Option<AdminRateLimit>,
    /// [`Faults::service_unavailable`].
    pub service_unavailable: f64,
    /// [`Faults::bad_gateway`].
    pub bad_gateway: f64,
    /// [`Faults::dropped_connections`].
    pub dropped_connections: f64,
    /// [`Faults::lost_answers`].
    pub lost_answers: f64,
    /// [`Faults::html_errors`].
    pub html_errors: bool,
    /// [`Faults::endless_pages`].
    pub endless_pages: bool,
    /// [`Faults::oversized_bodies`].
    pub oversized_bodies: Option<usize>,
    /// [`Faults::forced_status`].
    pub forced_status: Option<u16>,
    /// [`Faults::session_lifetime`], in ms.
    pub session_lifetime_ms: Option<u64>,
    /// [`Faults::not_found_after_create`], in ms.
    pub not_found_after_create_ms: u64,
    /// [`Faults::zone_activation`], in ms.
    pub zone_activation_ms: u64,
}

/// [`RateLimit`] in the admin API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminRateLimit {
    /// Requests allowed per window.
    pub requests: u32,
    /// The window, in ms.
    pub per_ms: u64,
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl From<Faults> for AdminFaults {
    fn from(f: Faults) -> Self {
        AdminFaults {
            latency_ms: ms(f.latency),
            jitter_ms: ms(f.jitter),
            rate_limit: f.rate_limit.map(|r| AdminRateLimit {
                requests: r.requests,
                per_ms: ms(r.per),
            }),
            service_unavailable: f.service_unavailable,
            bad_gateway: f.bad_gateway,
            dropped_connections: f.dropped_connections,
            lost_answers: f.lost_answers,
            html_errors: f.html_errors,
            endless_pages: f.endless_pages,
            oversized_bodies: f.oversized_bodies,
            forced_status: f.forced_status,
            session_lifetime_ms: f.session_lifetime.map(ms),
            not_found_after_create_ms: ms(f.not_found_after_create),
            zone_activation_ms: ms(f.zone_activation),
        }
    }
}

impl From<AdminFaults> for Faults {
    fn from(a: AdminFaults) -> Self {
        let mut f = Faults::none()
            .latency(Duration::from_millis(a.latency_ms))
            .jitter(Duration::from_millis(a.jitter_ms))
            .service_unavailable(a.service_unavailable)
            .bad_gateway(a.bad_gateway)
            .dropped_connections(a.dropped_connections)
            .lost_answers(a.lost_answers)
            .html_errors(a.html_errors)
            .endless_pages(a.endless_pages)
            .not_found_after_create(Duration::from_millis(a.not_found_after_create_ms))
            .zone_activation(Duration::from_millis(a.zone_activation_ms));
        if let Some(r) = a.rate_limit {
            f = f.rate_limit(RateLimit::new(r.requests, Duration::from_millis(r.per_ms)));
        }
        if let Some(bytes) = a.oversized_bodies {
            f = f.oversized_bodies(bytes);
        }
        if let Some(status) = a.forced_status {
            f = f.forced_status(status);
        }
        if let Some(lifetime) = a.session_lifetime_ms {
            f = f.session_lifetime(Duration::from_millis(lifetime));
        }
        f
    }
}

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/state", get(state))
        .route("/counters", get(counters))
        .route("/faults/{provider}", get(read_faults).put(write_faults))
        .route("/preload", post(preload))
        .route("/reset", post(reset))
        .with_state(shared)
}

fn failure(status: StatusCode, message: impl std::fmt::Display) -> Response {
    (status, axum::Json(json!({"error": message.to_string()}))).into_response()
}

fn engine<'a>(shared: &'a Shared, provider: &str) -> Option<&'a FaultEngine> {
    provider
        .parse::<ProviderId>()
        .ok()
        .and_then(|p| shared.engines.get(p))
}

fn no_provider(provider: &str) -> Response {
    failure(StatusCode::NOT_FOUND, format!("no provider `{provider}`"))
}

async fn state(State(shared): State<Arc<Shared>>) -> Response {
    let ionos: Vec<Value> = shared
        .ionos
        .record_list()
        .into_iter()
        .map(|r| json!({"id": r.id, "ip": r.ip, "name": r.name, "description": r.description}))
        .collect();
    let ecl: Vec<Value> = shared
        .ecl
        .zones()
        .into_iter()
        .map(|z| {
            let recordsets: Vec<Value> = shared
                .ecl
                .recordsets(&z.name)
                .into_iter()
                .filter(|rs| rs.zone_id == z.id)
                .map(|rs| {
                    json!({"id": rs.id, "name": rs.name, "type": rs.record_type,
                           "value": rs.value, "ttl": rs.ttl, "description": rs.description})
                })
                .collect();
            json!({"id": z.id, "name": z.name, "project_id": z.project_id,
                   "status": z.status, "recordsets": recordsets})
        })
        .collect();
    axum::Json(json!({"edis": shared.edis.all_ptrs(), "ionos": ionos, "ecl": ecl})).into_response()
}

async fn counters(State(shared): State<Arc<Shared>>) -> Response {
    let mut requests: BTreeMap<&str, BTreeMap<&str, u64>> = BTreeMap::new();
    for ((provider, op), n) in shared.counters.snapshot() {
        requests.entry(provider.as_str()).or_default().insert(op, n);
    }
    let mut faults: BTreeMap<&str, Value> = BTreeMap::new();
    for provider in [ProviderId::Edis, ProviderId::Ionos, ProviderId::Ecl] {
        let c: FaultCounts = shared
            .engines
            .get(provider)
            .map(FaultEngine::counts)
            .unwrap_or_default();
        faults.insert(
            provider.as_str(),
            json!({"rate_limited": c.rate_limited, "service_unavailable": c.service_unavailable,
                   "bad_gateway": c.bad_gateway, "dropped": c.dropped, "lost": c.lost}),
        );
    }
    axum::Json(json!({"requests": requests, "faults": faults})).into_response()
}

async fn read_faults(State(shared): State<Arc<Shared>>, Path(provider): Path<String>) -> Response {
    match engine(&shared, &provider) {
        Some(engine) => axum::Json(AdminFaults::from(engine.faults())).into_response(),
        None => no_provider(&provider),
    }
}

async fn write_faults(
    State(shared): State<Arc<Shared>>,
    Path(provider): Path<String>,
    body: Bytes,
) -> Response {
    let Some(engine) = engine(&shared, &provider) else {
        return no_provider(&provider);
    };
    match serde_json::from_slice::<AdminFaults>(&body) {
        Ok(faults) => {
            engine.set(faults.into());
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => failure(StatusCode::BAD_REQUEST, e),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Preload {
    provider: String,
    ip: IpAddr,
    target: String,
}

async fn preload(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let wanted: Preload = match serde_json::from_slice(&body) {
        Ok(p) => p,
        Err(e) => return failure(StatusCode::BAD_REQUEST, e),
    };
    let Ok(provider) = wanted.provider.parse::<ProviderId>() else {
        return no_provider(&wanted.provider);
    };
    match shared.preload(provider, wanted.ip, &wanted.target) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => failure(StatusCode::BAD_REQUEST, e),
    }
}

async fn reset(State(shared): State<Arc<Shared>>) -> Response {
    match shared.restore() {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => failure(StatusCode::BAD_REQUEST, e),
    }
}
