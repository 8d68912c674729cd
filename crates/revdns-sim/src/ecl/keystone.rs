//! Keystone v3 `POST /v3/auth/tokens` (password method, project scope).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use rand::Rng;
use serde_json::{Value, json};

use super::{DEFAULT_TOKEN_LIFETIME_SECS, TOKEN_SWEEP_AT, Token, error, refusal_response};
use crate::clock::keystone_timestamp;
use crate::counters::Op;
use crate::server::Conn;
use crate::simulator::Shared;
use crate::wire::json;

/// What the password method carries.
#[derive(Debug, PartialEq, Eq)]
struct PasswordAuth<'a> {
    name: &'a str,
    password: &'a str,
    domain_ok: bool,
    project: Option<ProjectScope<'a>>,
}

/// How `auth.scope.project` names the project: by id, or by name within a
/// domain (as keystoneauth's `OS_PROJECT_NAME` + `OS_PROJECT_DOMAIN_*` do).
#[derive(Debug, PartialEq, Eq)]
enum ProjectScope<'a> {
    Id(&'a str),
    Name { name: &'a str, domain_ok: bool },
}

/// Whether a `domain` object names the default domain (by id or name).
fn is_default_domain(domain: Option<&Value>) -> bool {
    domain.is_some_and(|d| {
        d.get("id").and_then(Value::as_str) == Some("default")
            || d.get("name").and_then(Value::as_str) == Some("Default")
    })
}

/// Reads `auth.identity.password.user` and `auth.scope.project.id`;
/// `None` for a body Keystone would call malformed.
fn parse(body: &Value) -> Option<PasswordAuth<'_>> {
    let auth = body.get("auth")?;
    let identity = auth.get("identity")?;
    let methods = identity.get("methods")?.as_array()?;
    if !methods.iter().any(|m| m == "password") {
        return None;
    }
    let user = identity.get("password")?.get("user")?;
    let domain_ok = is_default_domain(user.get("domain"));
    let project = match auth.get("scope") {
        None => None,
        Some(scope) => {
            let project = scope.get("project")?;
            match (project.get("id"), project.get("name")) {
                (Some(id), _) => Some(ProjectScope::Id(id.as_str()?)),
                // A name means nothing without its domain: malformed.
                (None, Some(name)) => Some(ProjectScope::Name {
                    name: name.as_str()?,
                    domain_ok: is_default_domain(Some(project.get("domain")?)),
                }),
                (None, None) => return None,
            }
        }
    };
    Some(PasswordAuth {
        name: user.get("name")?.as_str()?,
        password: user.get("password")?.as_str()?,
        domain_ok,
        project,
    })
}

fn unauthorized() -> Response {
    error(
        StatusCode::UNAUTHORIZED,
        "The request you have made requires authentication.",
    )
}

/// Issues a token scoped to the user's project (the project named in
/// `scope` must be it; without `scope` the user's project is used, as
/// Keystone does with a default project).
pub(super) async fn create_token(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(conn): ConnectInfo<Conn>,
    body: Bytes,
) -> Response {
    let value: Option<Value> = serde_json::from_slice(&body).ok();
    let auth = value.as_ref().and_then(parse);
    let key = auth.as_ref().map_or("", |a| a.name);
    if let Some(refusal) = shared.admit(Op::EclToken, key, &conn).await {
        return refusal_response(&refusal);
    }
    let Some(auth) = auth else {
        return error(
            StatusCode::BAD_REQUEST,
            "Expecting to find password identity with user name, password and domain in auth.",
        );
    };
    let lifetime = shared
        .engines
        .ecl
        .faults()
        .session_lifetime
        .unwrap_or(Duration::from_secs(DEFAULT_TOKEN_LIFETIME_SECS));
    let issued = SystemTime::now();
    let expires = issued + lifetime;
    let token: String = shared
        .engines
        .ecl
        .with_rng(|r| format!("{:032x}", r.random::<u128>()));
    let audit: String = shared
        .engines
        .ecl
        .with_rng(|r| format!("{:016x}", r.random::<u64>()));

    let state = &shared.ecl;
    let mut data = state.write();
    let (user_id, project_id) = match data.users.get(auth.name) {
        Some(user)
            if user.password == auth.password
                && auth.domain_ok
                && auth.project.as_ref().is_none_or(|p| match p {
                    ProjectScope::Id(id) => *id == user.project_id,
                    // The simulator names each project by its id.
                    ProjectScope::Name { name, domain_ok } => {
                        *domain_ok && *name == user.project_id
                    }
                }) =>
        {
            (user.user_id.clone(), user.project_id.clone())
        }
        _ => return unauthorized(),
    };
    if data.tokens.len() >= TOKEN_SWEEP_AT {
        data.tokens.retain(|_, t| t.is_live(issued));
    }
    data.tokens.insert(
        token.clone(),
        Token {
            user: auth.name.to_owned(),
            project_id: project_id.clone(),
            expires,
            revoked: false,
        },
    );
    drop(data);

    let domain = json!({"id": "default", "name": "Default"});
    let body = json!({
        "token": {
            "methods": ["password"],
            "expires_at": keystone_timestamp(expires),
            "issued_at": keystone_timestamp(issued),
            "audit_ids": [audit],
            "user": {
                "id": user_id,
                "name": auth.name,
                "domain": domain,
                "password_expires_at": null,
            },
            "project": {"id": project_id, "name": project_id, "domain": domain},
            "roles": [{"id": "9fe2ff9ee4384b1894a90878d3e92bab", "name": "_member_"}],
            "catalog": [
                {
                    "type": "dns",
                    "name": "dns",
                    "id": "4f5e6d7c8b9a4f5e6d7c8b9a4f5e6d7c",
                    "endpoints": [{
                        "id": "0a1b2c3d4e5f40a1b2c3d4e5f60a1b2c",
                        "interface": "public",
                        "region": state.region,
                        "region_id": state.region,
                        "url": state.base_url,
                    }],
                },
                {
                    "type": "identity",
                    "name": "keystone",
                    "id": "7c8b9a4f5e6d4c7b8a9f4e5d6c7b8a9f",
                    "endpoints": [{
                        "id": "1b2c3d4e5f6a41b2c3d4e5f6a71b2c3d",
                        "interface": "public",
                        "region": state.region,
                        "region_id": state.region,
                        "url": format!("{}/v3", state.base_url),
                    }],
                },
            ],
        }
    });
    let mut response = json(StatusCode::CREATED, &body);
    if let Ok(v) = HeaderValue::from_str(&token) {
        response.headers_mut().insert("x-subject-token", v);
    }
    response
}

/// The v3 version document, as Keystone serves it at `/v3`.
fn version_v3(base_url: &str) -> Value {
    json!({
        "id": "v3.14",
        "status": "stable",
        "updated": "2020-04-07T00:00:00Z",
        "links": [{"rel": "self", "href": format!("{base_url}/v3/")}],
        "media-types": [{
            "base": "application/json",
            "type": "application/vnd.openstack.identity-v3+json"
        }]
    })
}

/// `GET /v3`: the version document, so that discovery (keystoneauth, the
/// OpenStack SDKs) finds the v3 API under `OS_AUTH_URL`.
pub(super) async fn discover_v3(State(shared): State<Arc<Shared>>) -> Response {
    json(
        StatusCode::OK,
        &json!({"version": version_v3(&shared.ecl.base_url)}),
    )
}

/// `GET /`: the versions Keystone serves, as its `300 Multiple Choices`.
pub(super) async fn discover_root(State(shared): State<Arc<Shared>>) -> Response {
    json(
        StatusCode::MULTIPLE_CHOICES,
        &json!({"versions": {"values": [version_v3(&shared.ecl.base_url)]}}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(scope: Value) -> Value {
        let mut auth = json!({
            "identity": {"methods": ["password"], "password": {"user": {
                "domain": {"id": "default"}, "name": "key", "password": "secret"}}}
        });
        if !scope.is_null() {
            auth["scope"] = scope;
        }
        json!({ "auth": auth })
    }

    #[test]
    fn parse_reads_user_and_project_scope() {
        let b = body(json!({"project": {"id": "p1"}}));
        assert_eq!(
            parse(&b),
            Some(PasswordAuth {
                name: "key",
                password: "secret",
                domain_ok: true,
                project: Some(ProjectScope::Id("p1")),
            })
        );
        assert_eq!(parse(&body(Value::Null)).unwrap().project, None);
        let by_name = body(json!({"project": {"name": "p1", "domain": {"name": "Default"}}}));
        assert_eq!(
            parse(&by_name).unwrap().project,
            Some(ProjectScope::Name {
                name: "p1",
                domain_ok: true
            })
        );
        // A project name without its domain is malformed.
        assert_eq!(parse(&body(json!({"project": {"name": "p1"}}))), None);
    }

    #[test]
    fn parse_refuses_other_methods_and_broken_scope() {
        let mut b = body(Value::Null);
        b["auth"]["identity"]["methods"] = json!(["token"]);
        assert_eq!(parse(&b), None);
        assert_eq!(parse(&body(json!({"domain": {"id": "default"}}))), None);
        assert_eq!(parse(&json!({})), None);
    }

    #[test]
    fn parse_flags_a_foreign_domain() {
        let mut b = body(Value::Null);
        b["auth"]["identity"]["password"]["user"]["domain"] = json!({"id": "other"});
        assert!(!parse(&b).unwrap().domain_ok);
    }
}
