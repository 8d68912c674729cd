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
//! Faults are [`Faults`] as JSON: `latency_ms`, `jitter_ms`, `rate_limit`
//! (`{"requests", "per_ms", "retry_after_ms", "http_date"}`),
//! `service_unavailable`, `bad_gateway`, `dropped_connections`,
//! `lost_answers` (shares from 0 to 1), `html_errors`, `endless_pages`,
//! `oversized_bodies` (bytes), `forced_status`, `session_lifetime_ms`,
//! `not_found_after_create_ms` and `zone_activation_ms` (ECL's lags).
//! An error is `{"error": "..."}` with status 400 or 404.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use revdns_core::ProviderId;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::faults::{FaultCounts, FaultEngine, Faults};
use crate::simulator::Shared;

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
        Some(engine) => axum::Json(engine.faults()).into_response(),
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
    match serde_json::from_slice::<Faults>(&body) {
        Ok(faults) => {
            engine.set(faults);
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
