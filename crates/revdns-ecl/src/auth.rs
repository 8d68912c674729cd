//! Keystone v3: password authentication, the token from `X-Subject-Token`,
//! the DNS endpoint from the service catalog, renewal before `expires_at`
//! and after a 401. Or a ready token and endpoint, which cannot be renewed.
//!
//! Keystone is not part of the DNS spec, so this is hand-written on reqwest
//! and serde. Operation name for logs and retries: `create_token`.

use std::fmt;
use std::time::Duration;

use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderName, HeaderValue};
use revdns_core::runtime::{CredentialCache, Issued, RawAnswer, Runtime};
use revdns_core::{Error, ProviderId};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::config::check_url;
use crate::timestamp;

const P: ProviderId = ProviderId::Ecl;

/// Renew a token this long before it expires, at most (half its lifetime
/// for short-lived tokens).
const RENEW_MARGIN: Duration = Duration::from_secs(300);

/// The header that carries the token on every DNS request.
pub(crate) const TOKEN_HEADER: &str = "x-auth-token";

/// A token and the DNS endpoint (without `/v2`) it is good for.
#[derive(Clone)]
pub(crate) struct Ticket {
    pub(crate) token: SecretString,
    pub(crate) endpoint: String,
}

impl Ticket {
    /// The token as a sensitive header value.
    pub(crate) fn header(&self) -> Result<HeaderValue, Error> {
        let mut value = HeaderValue::from_str(self.token.expose_secret()).map_err(|_| {
            Error::validation_for(P, "token", "the token is not a valid header value")
        })?;
        value.set_sensitive(true);
        Ok(value)
    }
}

impl fmt::Debug for Ticket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ticket")
            .field("token", &"[redacted]")
            .field("endpoint", &self.endpoint)
            .finish()
    }
}

/// Where tokens come from.
pub(crate) enum Session {
    /// Password authentication against Keystone; tokens are renewed.
    Keystone(Box<Keystone>),
    /// A token handed in by the user; it cannot be renewed.
    Static(Ticket),
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Session::Keystone(k) => k.fmt(f),
            Session::Static(t) => f.debug_tuple("Static").field(t).finish(),
        }
    }
}

impl Session {
    /// A valid token: the cached one, or a new one when it is (about to be)
    /// expired.
    pub(crate) async fn ticket(&self) -> Result<Ticket, Error> {
        match self {
            Session::Keystone(k) => k.ticket().await,
            Session::Static(t) => Ok(t.clone()),
        }
    }

    /// Sets the token on a DNS request: the cached one, unless it expired
    /// (then a new one, one login shared by the requests that need it).
    pub(crate) async fn authorize(&self, request: &mut reqwest::Request) -> Result<(), Error> {
        let header = self.token_header().await?;
        set_token(request, header);
        Ok(())
    }

    /// The header value [`authorize`](Session::authorize) sets, for a
    /// request built more than once.
    pub(crate) async fn token_header(&self) -> Result<HeaderValue, Error> {
        self.ticket().await?.header()
    }

    /// `refused` (a DNS request the server answered 401) with a new token
    /// in place of the one it carried, or `None` when the token cannot be
    /// renewed (a ready token, a failed login: the 401 says enough). One
    /// renewal is shared: concurrent requests refused with the same token
    /// get the token the first of them obtained.
    pub(crate) async fn renewed(&self, mut refused: reqwest::Request) -> Option<reqwest::Request> {
        let used = refused
            .headers()
            .get(TOKEN_HEADER)
            .map(|v| v.as_bytes().to_vec())
            .unwrap_or_default();
        let header = self.renew(&used).await.ok()??.header().ok()?;
        set_token(&mut refused, header);
        Some(refused)
    }

    /// A new token after the server rejected `rejected`. When another request
    /// already renewed it, that token is returned without asking Keystone
    /// again. `None` for a ready token, which cannot be renewed.
    pub(crate) async fn renew(&self, rejected: &[u8]) -> Result<Option<Ticket>, Error> {
        match self {
            Session::Keystone(k) => k.renew(rejected).await.map(Some),
            Session::Static(_) => Ok(None),
        }
    }
}

/// `header` as the request's token, in place of any it carried.
pub(crate) fn set_token(request: &mut reqwest::Request, header: HeaderValue) {
    request
        .headers_mut()
        .insert(HeaderName::from_static(TOKEN_HEADER), header);
}

/// Password credentials and the cached token.
pub(crate) struct Keystone {
    http: reqwest::Client,
    /// Keystone base URL, without `/v3`.
    auth_url: String,
    username: String,
    password: SecretString,
    project_id: String,
    region: Option<String>,
    runtime: Runtime,
    tokens: CredentialCache<Ticket>,
}

impl fmt::Debug for Keystone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keystone")
            .field("auth_url", &self.auth_url)
            .field("username", &"[redacted]")
            .field("password", &"[redacted]")
            .field("project_id", &self.project_id)
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

/// What the password login needs.
pub(crate) struct PasswordLogin {
    pub(crate) auth_url: String,
    pub(crate) username: String,
    pub(crate) password: SecretString,
    pub(crate) project_id: String,
    pub(crate) region: Option<String>,
}

impl Keystone {
    pub(crate) fn new(http: reqwest::Client, login: PasswordLogin, runtime: Runtime) -> Self {
        runtime.add_secret(login.password.expose_secret());
        Keystone {
            http,
            auth_url: login.auth_url,
            username: login.username,
            password: login.password,
            project_id: login.project_id,
            region: login.region,
            runtime,
            tokens: CredentialCache::new(RENEW_MARGIN),
        }
    }

    async fn ticket(&self) -> Result<Ticket, Error> {
        let lease = self.tokens.get(|| self.create_token()).await?;
        Ok(Ticket::clone(&lease))
    }

    async fn renew(&self, rejected: &[u8]) -> Result<Ticket, Error> {
        let lease = self
            .tokens
            .renew(
                |current| current.token.expose_secret().as_bytes() == rejected,
                || self.create_token(),
            )
            .await?;
        Ok(Ticket::clone(&lease))
    }

    /// `POST {auth_url}/v3/auth/tokens` (operation `createToken`).
    async fn create_token(&self) -> Result<Issued<Ticket>, Error> {
        let url = format!("{}/v3/auth/tokens", self.auth_url);
        let body = AuthRequest {
            auth: AuthBody {
                identity: Identity {
                    methods: ["password"],
                    password: PasswordMethod {
                        user: User {
                            domain: Domain { id: "default" },
                            name: &self.username,
                            password: self.password.expose_secret(),
                        },
                    },
                },
                scope: Scope {
                    project: Project {
                        id: &self.project_id,
                    },
                },
            },
        };
        let bytes = serde_json::to_vec(&body)
            .map_err(|e| Error::validation_for(P, "credentials", e.to_string()))?;
        let build = || {
            self.http
                .post(&url)
                .header(CONTENT_TYPE, "application/json")
                .header(ACCEPT, "application/json")
                .body(bytes.clone())
                .build()
                .map_err(|e| Error::validation_for(P, "OS_AUTH_URL", e.without_url().to_string()))
        };
        let answer = self
            .runtime
            .call_raw("Keystone token", &self.http, build, "create_token")
            .await?;
        self.read_answer(answer)
    }

    fn read_answer(&self, answer: RawAnswer) -> Result<Issued<Ticket>, Error> {
        let invalid =
            |message: String| Error::invalid_response(P, message).with_meta(answer.meta.clone());
        let token = answer
            .headers
            .get("x-subject-token")
            .and_then(|v| v.to_str().ok())
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| invalid("Keystone answered without an X-Subject-Token header".into()))?;
        self.runtime.add_issued_secret(&token);
        // `create_token` is confidential: a body that does not decode is
        // described by position, its values never quoted.
        let body: TokenAnswer = self.runtime.decode(&answer)?;
        let endpoint =
            dns_endpoint(&body.token.catalog, self.region.as_deref()).ok_or_else(|| {
                let region = self
                    .region
                    .as_deref()
                    .map(|r| format!(" in region {r}"))
                    .unwrap_or_default();
                invalid(format!(
                    "the Keystone catalog has no public `dns` endpoint{region}"
                ))
            })?;
        let endpoint = check_url("dns endpoint (Keystone catalog)", &endpoint)?;
        let lifetime = token_lifetime(
            body.token.issued_at.as_deref(),
            body.token.expires_at.as_deref(),
        );
        // No expiry given: kept until the server rejects it.
        Ok(Issued {
            value: Ticket {
                token: SecretString::from(token),
                endpoint: strip_version(&endpoint),
            },
            lifetime,
        })
    }
}

/// The DNS endpoint without a trailing slash or `/v2` (the catalog should
/// carry none; tolerate one so `/v2` is never doubled).
pub(crate) fn strip_version(endpoint: &str) -> String {
    let trimmed = endpoint.trim_end_matches('/');
    trimmed
        .strip_suffix("/v2")
        .unwrap_or(trimmed)
        .trim_end_matches('/')
        .to_owned()
}

/// How long a token lives: `expires_at - issued_at`, or `expires_at - now`
/// without `issued_at`. Using Keystone's own `issued_at` keeps a skewed local
/// clock out of it. `None` when `expires_at` is missing or unreadable.
fn token_lifetime(issued_at: Option<&str>, expires_at: Option<&str>) -> Option<Duration> {
    let expires = timestamp::unix_nanos(expires_at?)?;
    let issued = issued_at
        .and_then(timestamp::unix_nanos)
        .unwrap_or_else(timestamp::now_unix_nanos);
    let millis = (expires - issued) / 1_000_000;
    Some(Duration::from_millis(u64::try_from(millis).unwrap_or(0)))
}

/// The public `dns` endpoint of the catalog, in `region` when one is given
/// (matched against `region_id` and `region`, case-insensitively).
fn dns_endpoint(catalog: &[CatalogService], region: Option<&str>) -> Option<String> {
    catalog
        .iter()
        .filter(|s| s.kind == "dns")
        .flat_map(|s| &s.endpoints)
        .find(|e| {
            e.interface == "public"
                && region.is_none_or(|r| {
                    [e.region_id.as_deref(), e.region.as_deref()]
                        .into_iter()
                        .flatten()
                        .any(|er| er.eq_ignore_ascii_case(r))
                })
        })
        .map(|e| e.url.clone())
}

// The documented request body, field order included:
// {"auth":{"identity":{"methods":["password"],"password":{"user":{"domain":
// {"id":"default"},"name":…,"password":…}}},"scope":{"project":{"id":…}}}}

#[derive(Serialize)]
struct AuthRequest<'a> {
    auth: AuthBody<'a>,
}

#[derive(Serialize)]
struct AuthBody<'a> {
    identity: Identity<'a>,
    scope: Scope<'a>,
}

#[derive(Serialize)]
struct Identity<'a> {
    methods: [&'static str; 1],
    password: PasswordMethod<'a>,
}

#[derive(Serialize)]
struct PasswordMethod<'a> {
    user: User<'a>,
}

#[derive(Serialize)]
struct User<'a> {
    domain: Domain,
    name: &'a str,
    password: &'a str,
}

#[derive(Serialize)]
struct Domain {
    id: &'static str,
}

#[derive(Serialize)]
struct Scope<'a> {
    project: Project<'a>,
}

#[derive(Serialize)]
struct Project<'a> {
    id: &'a str,
}

#[derive(Deserialize)]
struct TokenAnswer {
    token: TokenInfo,
}

#[derive(Deserialize)]
struct TokenInfo {
    #[serde(default)]
    expires_at: Option<String>,
    #[serde(default)]
    issued_at: Option<String>,
    #[serde(default)]
    catalog: Vec<CatalogService>,
}

#[derive(Deserialize)]
struct CatalogService {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    endpoints: Vec<CatalogEndpoint>,
}

#[derive(Deserialize)]
struct CatalogEndpoint {
    interface: String,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    region_id: Option<String>,
    url: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog(json: &str) -> Vec<CatalogService> {
        serde_json::from_str(json).unwrap()
    }

    const CATALOG: &str = r#"[
        {"type":"identity","endpoints":[{"interface":"public","region":"jp1","url":"https://keystone-jp1-ecl.api.ntt.com/"}]},
        {"type":"dns","name":"designate","endpoints":[
            {"interface":"internal","region":"jp1","region_id":"jp1","url":"https://internal.example.net"},
            {"interface":"public","region":"uk1","region_id":"uk1","url":"https://dns-uk1-ecl.api.ntt.com"},
            {"interface":"public","region":"jp1","region_id":"jp1","url":"https://dns-jp1-ecl.api.ntt.com/"}]}
    ]"#;

    #[test]
    fn dns_endpoint_picks_public_in_region() {
        let c = catalog(CATALOG);
        assert_eq!(
            dns_endpoint(&c, Some("JP1")).as_deref(),
            Some("https://dns-jp1-ecl.api.ntt.com/")
        );
        assert_eq!(
            dns_endpoint(&c, None).as_deref(),
            Some("https://dns-uk1-ecl.api.ntt.com")
        );
        assert_eq!(dns_endpoint(&c, Some("de1")), None);
        assert_eq!(dns_endpoint(&[], None), None);
    }

    #[test]
    fn strip_version_never_doubles_v2() {
        assert_eq!(
            strip_version("https://dns.example.net/"),
            "https://dns.example.net"
        );
        assert_eq!(
            strip_version("https://dns.example.net/v2/"),
            "https://dns.example.net"
        );
        assert_eq!(
            strip_version("http://127.0.0.1:8080"),
            "http://127.0.0.1:8080"
        );
    }

    #[test]
    fn token_lifetime_uses_issued_at() {
        let l = token_lifetime(
            Some("2016-10-11T02:07:49.000000Z"),
            Some("2016-10-12T02:07:49.000000Z"),
        );
        assert_eq!(l, Some(Duration::from_secs(24 * 3600)));
        assert_eq!(token_lifetime(None, None), None);
        assert_eq!(token_lifetime(None, Some("not a date")), None);
        // Offsets count; an unreadable issued_at falls back to now.
        assert_eq!(
            token_lifetime(
                Some("2016-10-11T02:07:49Z"),
                Some("2016-10-11T05:07:49.5+02:00")
            ),
            Some(Duration::from_millis(3_600_500))
        );
        assert!(token_lifetime(Some("?"), Some("2999-01-01T00:00:00Z")).unwrap() > Duration::ZERO);
        // Already expired: zero, so the token is renewed at once.
        assert_eq!(
            token_lifetime(Some("2016-10-12T00:00:00Z"), Some("2016-10-11T00:00:00Z")),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn auth_request_matches_documented_body() {
        let body = AuthRequest {
            auth: AuthBody {
                identity: Identity {
                    methods: ["password"],
                    password: PasswordMethod {
                        user: User {
                            domain: Domain { id: "default" },
                            name: "key",
                            password: "secret",
                        },
                    },
                },
                scope: Scope {
                    project: Project { id: "tenant" },
                },
            },
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"auth":{"identity":{"methods":["password"],"password":{"user":{"domain":{"id":"default"},"name":"key","password":"secret"}}},"scope":{"project":{"id":"tenant"}}}}"#
        );
    }

    #[test]
    fn ticket_debug_hides_token() {
        let t = Ticket {
            token: SecretString::from("tok-FAKE-123".to_owned()),
            endpoint: "https://dns.example.net".into(),
        };
        let s = format!("{:?}", Session::Static(t));
        assert!(!s.contains("tok-FAKE-123"), "{s}");
        assert!(s.contains("dns.example.net"));
    }
}
