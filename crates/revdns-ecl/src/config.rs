//! [`Builder`]: credentials (Keystone password login, or a ready token and
//! endpoint), the environment, and client settings.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use revdns_core::{Error, ProviderId, RetryConfig, input};
use secrecy::{ExposeSecret, SecretString};

use crate::auth::{Keystone, PasswordLogin, Session, Ticket, strip_version};
use crate::client::{Client, Settings};

const P: ProviderId = ProviderId::Ecl;

/// Default timeout of every request, Keystone included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// TTL of a new PTR when the change gives none, in seconds.
pub const DEFAULT_TTL: u32 = 3600;
/// Largest TTL ECL accepts, in seconds.
pub const MAX_TTL: u32 = 86_400;
/// Default time a write waits for the record to become visible to GET.
///
/// ECL answers 404 to a GET of a just-created recordset, and the old values
/// after an update, for a while; NTT's Terraform provider waits up to 10 × 3 s.
pub const DEFAULT_CONSISTENCY_BUDGET: Duration = Duration::from_secs(30);
/// Default number of PTR writes in flight at once within a zone.
pub const DEFAULT_CONCURRENCY: usize = 4;

/// Environment variables, by role.
mod var {
    pub(super) const AUTH_URL: &str = "OS_AUTH_URL";
    pub(super) const USERNAME: &str = "OS_USERNAME";
    pub(super) const PASSWORD: &str = "OS_PASSWORD";
    pub(super) const PROJECT_ID: &str = "OS_PROJECT_ID";
    pub(super) const REGION: &str = "OS_REGION_NAME";
    pub(super) const TOKEN: &str = "OS_TOKEN";
    pub(super) const ENDPOINT: &str = "OS_ENDPOINT";
}

/// Every variable [`Builder::from_env`] reads.
pub const ENV_VARS: &[revdns_core::EnvVar] = &[
    revdns_core::EnvVar::plain(var::AUTH_URL),
    revdns_core::EnvVar::plain(var::USERNAME),
    revdns_core::EnvVar::secret(var::PASSWORD),
    revdns_core::EnvVar::plain(var::PROJECT_ID),
    revdns_core::EnvVar::plain(var::REGION),
    revdns_core::EnvVar::secret(var::TOKEN),
    revdns_core::EnvVar::plain(var::ENDPOINT),
];

/// Configures and builds a [`Client`].
///
/// Two ways to authenticate:
///
/// - a Keystone password login: [`auth_url`](Builder::auth_url) (without
///   `/v3`), [`username`](Builder::username) (the API key),
///   [`password`](Builder::password) (the API secret),
///   [`project_id`](Builder::project_id) (the tenant id) and optionally
///   [`region`](Builder::region), which picks the DNS endpoint from the
///   token's catalog; tokens are renewed before they expire and once after
///   a 401;
/// - a ready [`token`](Builder::token) and DNS [`endpoint`](Builder::endpoint)
///   (without `/v2`); it cannot be renewed.
///
/// [`from_env`](Builder::from_env) fills what was not set explicitly from
/// `OS_AUTH_URL` (a trailing `/v3` is dropped), `OS_USERNAME`, `OS_PASSWORD`,
/// `OS_PROJECT_ID`, `OS_REGION_NAME`, or `OS_TOKEN` and `OS_ENDPOINT`.
/// Explicit values win whatever the call order. A token or endpoint set
/// explicitly selects the token mode; any password-login value set
/// explicitly selects the login; otherwise the environment decides (a token
/// without a password).
///
/// ```no_run
/// use std::time::Duration;
///
/// let ecl = revdns_ecl::Client::builder()
///     .from_env()
///     .region("jp1")
///     .timeout(Duration::from_secs(10))
///     .build()?;
/// # Ok::<(), revdns_ecl::Error>(())
/// ```
#[must_use]
#[derive(Clone, Default)]
pub struct Builder {
    auth_url: Option<String>,
    username: Option<String>,
    password: Option<SecretString>,
    project_id: Option<String>,
    region: Option<String>,
    token: Option<SecretString>,
    endpoint: Option<String>,
    retry: Option<RetryConfig>,
    timeout: Option<Duration>,
    deadline: Option<Option<Duration>>,
    consistency_budget: Option<Duration>,
    default_ttl: Option<u32>,
    concurrency: Option<usize>,
    env: Option<Env>,
}

/// A snapshot of the environment variables, taken by `from_env`.
#[derive(Clone, Default)]
struct Env {
    auth_url: Option<String>,
    username: Option<String>,
    password: Option<SecretString>,
    project_id: Option<String>,
    region: Option<String>,
    token: Option<SecretString>,
    endpoint: Option<String>,
}

impl Env {
    fn read(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        Env {
            auth_url: get(var::AUTH_URL),
            username: get(var::USERNAME),
            password: get(var::PASSWORD).map(SecretString::from),
            project_id: get(var::PROJECT_ID),
            region: get(var::REGION),
            token: get(var::TOKEN).map(SecretString::from),
            endpoint: get(var::ENDPOINT),
        }
    }
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("auth_url", &self.auth_url)
            .field("username", &self.username.as_ref().map(|_| "[redacted]"))
            .field("password", &self.password.as_ref().map(|_| "[redacted]"))
            .field("project_id", &self.project_id)
            .field("region", &self.region)
            .field("token", &self.token.as_ref().map(|_| "[redacted]"))
            .field("endpoint", &self.endpoint)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .field("consistency_budget", &self.consistency_budget)
            .field("default_ttl", &self.default_ttl)
            .field("concurrency", &self.concurrency)
            .field("from_env", &self.env.is_some())
            .finish()
    }
}

impl Builder {
    /// A builder with nothing set; reads no environment variables.
    pub fn new() -> Self {
        Builder::default()
    }

    /// Fills every value not set explicitly from the environment (read now).
    pub fn from_env(self) -> Self {
        self.from_env_with(|name| std::env::var(name).ok())
    }

    /// [`from_env`](Builder::from_env) with the variables looked up by
    /// `lookup` instead of the process environment: for tests, and for
    /// variables kept elsewhere (a file, a secret store). `lookup` returns
    /// `None` for an unset variable.
    pub fn from_env_with(mut self, lookup: impl Fn(&str) -> Option<String>) -> Self {
        self.env = Some(Env::read(lookup));
        self
    }

    /// Keystone base URL without `/v3`, e.g.
    /// `https://keystone-jp1-ecl.api.ntt.com` (a trailing `/v3` is dropped).
    pub fn auth_url(mut self, url: impl Into<String>) -> Self {
        self.auth_url = Some(url.into());
        self
    }

    /// Keystone user name: the ECL API key.
    pub fn username(mut self, username: impl Into<String>) -> Self {
        self.username = Some(username.into());
        self
    }

    /// Keystone password: the ECL API secret key.
    pub fn password(mut self, password: impl Into<String>) -> Self {
        self.password = Some(SecretString::from(password.into()));
        self
    }

    /// The project (tenant) id the token is scoped to.
    pub fn project_id(mut self, project_id: impl Into<String>) -> Self {
        self.project_id = Some(project_id.into());
        self
    }

    /// Region whose DNS endpoint to take from the catalog (e.g. `jp1`); the
    /// first public `dns` endpoint when unset.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// A ready Keystone token; requires [`endpoint`](Builder::endpoint).
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(SecretString::from(token.into()));
        self
    }

    /// The DNS endpoint without `/v2`, e.g. `https://dns-jp1-ecl.api.ntt.com`,
    /// used with [`token`](Builder::token); the client appends `/v2`.
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }

    /// Retry policy (default [`RetryConfig::default`]).
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = Some(retry);
        self
    }

    /// Timeout of each HTTP request (default [`DEFAULT_TIMEOUT`]).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Deadline of one API operation, retries and their waits included,
    /// default [`DEFAULT_DEADLINE`](revdns_core::runtime::DEFAULT_DEADLINE)
    /// (120 s); `None` for none beyond the retry budget. Past it the
    /// operation fails with [`Error::Deadline`].
    pub fn deadline(mut self, deadline: Option<Duration>) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// How long a write waits for its record to become visible to GET
    /// (default [`DEFAULT_CONSISTENCY_BUDGET`]); zero disables the wait.
    pub fn consistency_budget(mut self, budget: Duration) -> Self {
        self.consistency_budget = Some(budget);
        self
    }

    /// TTL of a new PTR when a change gives none (default [`DEFAULT_TTL`]).
    pub fn default_ttl(mut self, seconds: u32) -> Self {
        self.default_ttl = Some(seconds);
        self
    }

    /// PTR writes in flight at once within a zone (default
    /// [`DEFAULT_CONCURRENCY`]).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = Some(n);
        self
    }

    /// Checks the configuration and builds the client. Sends nothing: the
    /// Keystone login happens on the first request.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] when a required value is missing (the field
    /// names the environment variable, e.g. `OS_PASSWORD`), a URL is not
    /// `https://` (plain `http://` is allowed only to loopback hosts), the
    /// default TTL is above 86400, the concurrency or timeout is zero, or a
    /// credential breaks its shape (checked by [`revdns_core::input`]): a
    /// blank or control-character password, a user name that is blank or
    /// padded with whitespace, a project id or region holding whitespace, a
    /// static token that is not visible ASCII;
    /// [`Error::Transport`] when the HTTP client cannot be created.
    pub fn build(self) -> Result<Client, Error> {
        let env = self.env.clone().unwrap_or_default();
        let timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
        input::check_positive(P, "timeout", timeout)?;
        let retry = self.retry.unwrap_or_default();
        let default_ttl = self.default_ttl.unwrap_or(DEFAULT_TTL);
        if default_ttl > MAX_TTL {
            return Err(Error::validation_for(
                P,
                "default_ttl",
                format!("{default_ttl} is above the maximum of {MAX_TTL} seconds"),
            ));
        }
        let concurrency = self.concurrency.unwrap_or(DEFAULT_CONCURRENCY);
        if concurrency == 0 {
            return Err(Error::validation_for(
                P,
                "concurrency",
                "must be at least 1",
            ));
        }
        let http = revdns_core::runtime::client_builder(timeout)
            .build()
            .map_err(|e| Error::transport(P, e))?;
        let runtime = revdns_core::runtime::Runtime::new(
            &crate::error::DIALECT,
            revdns_core::runtime::RuntimeConfig::default()
                .with_retry(retry)
                .with_deadline(
                    self.deadline
                        .unwrap_or(Some(revdns_core::runtime::DEFAULT_DEADLINE)),
                )
                .with_attempt_timeout(Some(timeout)),
        );

        let explicit_token = self.token.is_some() || self.endpoint.is_some();
        let explicit_login = self.auth_url.is_some()
            || self.username.is_some()
            || self.password.is_some()
            || self.project_id.is_some();
        let token_mode =
            explicit_token || (!explicit_login && env.token.is_some() && env.password.is_none());

        let session = if token_mode {
            let token = required(self.token.or(env.token), var::TOKEN, "token")?;
            input::check_header_token(P, var::TOKEN, token.expose_secret())?;
            runtime.add_secret(token.expose_secret());
            let endpoint = required(self.endpoint.or(env.endpoint), var::ENDPOINT, "endpoint")?;
            let endpoint = strip_version(&check_url(var::ENDPOINT, &endpoint)?);
            Session::Static(Ticket { token, endpoint })
        } else {
            let auth_url = required(self.auth_url.or(env.auth_url), var::AUTH_URL, "auth_url")?;
            let auth_url = strip_v3(&check_url(var::AUTH_URL, &auth_url)?);
            let login = PasswordLogin {
                auth_url,
                username: required(self.username.or(env.username), var::USERNAME, "username")?,
                password: required(self.password.or(env.password), var::PASSWORD, "password")?,
                project_id: required(
                    self.project_id.or(env.project_id),
                    var::PROJECT_ID,
                    "project_id",
                )?,
                region: self.region.or(env.region),
            };
            input::check_name(P, var::USERNAME, &login.username)?;
            input::check_secret(P, var::PASSWORD, login.password.expose_secret())?;
            input::check_identifier(P, var::PROJECT_ID, &login.project_id)?;
            if let Some(region) = &login.region {
                input::check_identifier(P, var::REGION, region)?;
            }
            Session::Keystone(Box::new(Keystone::new(
                http.clone(),
                login,
                runtime.clone(),
            )))
        };
        Ok(Client::new(
            http,
            Arc::new(session),
            runtime,
            Settings {
                default_ttl,
                consistency_budget: self
                    .consistency_budget
                    .unwrap_or(DEFAULT_CONSISTENCY_BUDGET),
                concurrency,
            },
        ))
    }
}

fn required<T>(value: Option<T>, variable: &str, setter: &str) -> Result<T, Error> {
    value.ok_or_else(|| {
        Error::validation_for(
            P,
            variable,
            format!("missing: set {variable} or call Builder::{setter}"),
        )
    })
}

/// `OS_AUTH_URL` usually ends with `/v3`; the client adds it itself.
fn strip_v3(url: &str) -> String {
    let trimmed = url.trim_end_matches('/');
    trimmed
        .strip_suffix("/v3")
        .unwrap_or(trimmed)
        .trim_end_matches('/')
        .to_owned()
}

/// Checks that `url` is `https://`, or `http://` to a loopback host, and
/// returns it without a trailing slash.
pub(crate) fn check_url(field: &str, url: &str) -> Result<String, Error> {
    revdns_core::endpoint::check_base_url(P, field, url)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    fn field(err: Error) -> String {
        match err {
            Error::Validation { field, .. } => field,
            other => panic!("unexpected {other:?}"),
        }
    }

    const LOGIN_ENV: &[(&str, &str)] = &[
        ("OS_AUTH_URL", "https://keystone-jp1-ecl.api.ntt.com/v3/"),
        ("OS_USERNAME", "key-FAKE"),
        ("OS_PASSWORD", "secret-FAKE-pw"),
        ("OS_PROJECT_ID", "0123456789abcdef0123456789abcdef"),
        ("OS_REGION_NAME", "jp1"),
    ];

    #[test]
    fn build_from_env_strips_v3_and_keeps_region() {
        let client = Builder::new()
            .from_env_with(env(LOGIN_ENV))
            .build()
            .unwrap();
        let debug = format!("{client:?}");
        assert!(
            debug.contains("\"https://keystone-jp1-ecl.api.ntt.com\""),
            "{debug}"
        );
        assert!(debug.contains("jp1"));
        assert!(
            !debug.contains("secret-FAKE-pw") && !debug.contains("key-FAKE"),
            "{debug}"
        );
    }

    #[test]
    fn build_missing_password_names_the_variable() {
        let partial: Vec<_> = LOGIN_ENV
            .iter()
            .copied()
            .filter(|(k, _)| *k != "OS_PASSWORD")
            .collect();
        let err = Builder::new()
            .from_env_with(env(&partial))
            .build()
            .unwrap_err();
        assert_eq!(field(err), "OS_PASSWORD");
        assert_eq!(field(Builder::new().build().unwrap_err()), "OS_AUTH_URL");
    }

    #[test]
    fn explicit_values_win_over_env_whatever_the_order() {
        let client = Builder::new()
            .auth_url("http://127.0.0.1:5000")
            .from_env_with(env(LOGIN_ENV))
            .build()
            .unwrap();
        assert!(format!("{client:?}").contains("http://127.0.0.1:5000"));
    }

    #[test]
    fn token_mode_needs_endpoint() {
        let err = Builder::new().token("tok-FAKE").build().unwrap_err();
        assert_eq!(field(err), "OS_ENDPOINT");
        let client = Builder::new()
            .token("tok-FAKE")
            .endpoint("http://[::1]:8080/v2/")
            .build()
            .unwrap();
        let debug = format!("{client:?}");
        assert!(debug.contains("http://[::1]:8080\""), "{debug}");
        assert!(!debug.contains("tok-FAKE"), "{debug}");
    }

    #[test]
    fn env_token_without_password_selects_token_mode() {
        let client = Builder::new()
            .from_env_with(env(&[
                ("OS_TOKEN", "tok-FAKE"),
                ("OS_ENDPOINT", "https://dns.example.net"),
            ]))
            .build()
            .unwrap();
        assert!(format!("{client:?}").contains("Static"));
    }

    #[test]
    fn plain_http_only_to_loopback() {
        for ok in [
            "https://dns.example.net",
            "http://127.0.0.1:1",
            "http://127.8.9.10",
            "http://localhost:8080/",
            "http://[::1]:9",
        ] {
            assert!(check_url("f", ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://dns.example.net",
            "http://192.0.2.1",
            "ftp://127.0.0.1",
            "not a url",
            "https://dns.example.net/?x=1",
        ] {
            assert!(check_url("f", bad).is_err(), "{bad}");
        }
        let err = Builder::new()
            .token("t")
            .endpoint("http://dns.example.net")
            .build()
            .unwrap_err();
        assert_eq!(field(err), "OS_ENDPOINT");
    }

    #[test]
    fn bad_settings_are_rejected() {
        let b = Builder::new()
            .token("t")
            .endpoint("https://dns.example.net");
        assert_eq!(
            field(b.clone().default_ttl(86_401).build().unwrap_err()),
            "default_ttl"
        );
        assert_eq!(field(b.concurrency(0).build().unwrap_err()), "concurrency");
    }

    #[test]
    fn builder_debug_hides_secrets() {
        let b = Builder::new()
            .username("key-FAKE")
            .password("secret-FAKE-pw")
            .token("tok-FAKE");
        let debug = format!("{b:?}");
        for secret in ["key-FAKE", "secret-FAKE-pw", "tok-FAKE"] {
            assert!(!debug.contains(secret), "{debug}");
        }
    }

    #[test]
    fn strip_v3_table() {
        assert_eq!(
            strip_v3("https://k.example.net/v3"),
            "https://k.example.net"
        );
        assert_eq!(
            strip_v3("https://k.example.net/v3/"),
            "https://k.example.net"
        );
        assert_eq!(strip_v3("https://k.example.net"), "https://k.example.net");
        assert_eq!(strip_v3("http://127.0.0.1:5000/"), "http://127.0.0.1:5000");
    }
}
