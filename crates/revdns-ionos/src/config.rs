//! [`Builder`]: configuration of a [`Client`], from explicit values and the
//! environment.

use std::time::Duration;

use reqwest::header::{AUTHORIZATION, HeaderMap};
use revdns_core::endpoint::check_base_url;
use revdns_core::runtime::{DEFAULT_DEADLINE, RuntimeConfig};
use revdns_core::{Error, ProviderId, RetryConfig};

use crate::Client;
use crate::auth::Token;
use crate::hooks::HookState;

/// Environment variable holding the API token (the name the official IONOS
/// SDKs, Terraform provider and `ionosctl` use).
pub const ENV_TOKEN: &str = "IONOS_TOKEN";

/// Environment variable overriding the DNS API base URL.
///
/// Deliberately not `IONOS_API_URL`: that variable is global to every IONOS
/// tool and usually points at the compute API (`api.ionos.com`), which would
/// send DNS requests to the wrong host.
pub const ENV_BASE_URL: &str = "IONOS_DNS_API_URL";

/// Every variable [`Builder::from_env`] reads.
pub const ENV_VARS: &[revdns_core::EnvVar] = &[
    revdns_core::EnvVar::secret(ENV_TOKEN),
    revdns_core::EnvVar::plain(ENV_BASE_URL),
];

/// Requests in flight at once for many-record operations, unless configured.
pub const DEFAULT_CONCURRENCY: usize = 8;

/// Time limit of one HTTP request (connect, send, read the answer), unless configured.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Builds a [`Client`].
///
/// Every field is taken from an explicit setter first, then (after
/// [`from_env`](Builder::from_env)) from the environment, then from the
/// default; the order of the calls does not matter. Nothing is checked until
/// [`build`](Builder::build), so the chain itself never fails.
///
/// ```
/// use std::time::Duration;
///
/// let client = revdns_ionos::Client::builder()
///     .token("fake-token-for-docs")
///     .base_url("http://127.0.0.1:8080")
///     .concurrency(4)
///     .timeout(Duration::from_secs(10))
///     .build()?;
/// assert_eq!(client.base_url(), "http://127.0.0.1:8080");
/// # Ok::<(), revdns_ionos::Error>(())
/// ```
#[must_use]
#[derive(Debug, Clone, Default)]
pub struct Builder {
    base_url: Option<String>,
    token: Option<Token>,
    concurrency: Option<usize>,
    retry: Option<RetryConfig>,
    timeout: Option<Duration>,
    deadline: Option<Option<Duration>>,
    env_base_url: Option<String>,
    env_token: Option<Token>,
}

impl Builder {
    /// A builder that reads nothing from the environment.
    pub fn new() -> Self {
        Builder::default()
    }

    /// Falls back to the environment for values not set explicitly:
    /// [`IONOS_TOKEN`](ENV_TOKEN) and [`IONOS_DNS_API_URL`](ENV_BASE_URL).
    /// Empty variables count as unset.
    pub fn from_env(self) -> Self {
        self.from_env_with(|name| std::env::var(name).ok())
    }

    /// [`from_env`](Builder::from_env) with the variables looked up by
    /// `lookup` instead of the process environment: for tests, and for
    /// variables kept elsewhere (a file, a secret store). `lookup` returns
    /// `None` for an unset variable.
    pub fn from_env_with(mut self, lookup: impl Fn(&str) -> Option<String>) -> Self {
        let get = |name| lookup(name).filter(|v| !v.trim().is_empty());
        self.env_base_url = get(ENV_BASE_URL);
        self.env_token = get(ENV_TOKEN).map(Token::new);
        self
    }

    /// The API base URL, default [`api::DEFAULT_BASE_URL`](crate::api::DEFAULT_BASE_URL)
    /// (`https://dns.de-fra.ionos.com`).
    ///
    /// `https://` is required, except for loopback hosts (`127.0.0.0/8`, `::1`,
    /// `localhost`), which may use `http://` (tests, the simulator). A value
    /// without a scheme gets `https://`, as in the IONOS SDKs.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The API token, sent as `Authorization: Bearer <token>`.
    pub fn token(mut self, token: impl Into<Token>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Most requests in flight at once when many records are looked up,
    /// written or deleted. Default [`DEFAULT_CONCURRENCY`] (8); must be at least 1.
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = Some(n);
        self
    }

    /// The retry policy, default [`RetryConfig::default`]: 429 is retried for
    /// every request honouring `Retry-After`; 502/503/504 and transport
    /// failures only for GET, PUT and DELETE.
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = Some(retry);
        self
    }

    /// Time limit of each HTTP request, default [`DEFAULT_TIMEOUT`] (30 s);
    /// must not be zero. Retries get a fresh limit each.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Deadline of one API operation, retries and their waits included,
    /// default [`DEFAULT_DEADLINE`] (120 s); `None` for none beyond the
    /// retry budget. Past it the operation fails with
    /// [`Error::Deadline`].
    pub fn deadline(mut self, deadline: Option<Duration>) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Checks the configuration and builds the client (one pooled HTTP
    /// client). Sends nothing.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] naming the field or variable: no token (field
    /// `IONOS_TOKEN`), an empty or malformed token, a base URL that is not
    /// `https://` (or `http://` to a loopback host), zero concurrency or a
    /// zero timeout. [`Error::Transport`] if the HTTP client cannot be
    /// created (TLS initialisation).
    pub fn build(self) -> Result<Client, Error> {
        let (url, url_field) = match (self.base_url, self.env_base_url) {
            (Some(url), _) => (url, "base_url"),
            (None, Some(url)) => (url, ENV_BASE_URL),
            (None, None) => (crate::api::DEFAULT_BASE_URL.to_owned(), "base_url"),
        };
        let base_url = normalise_base_url(&url, url_field)?;

        let (token, token_field) = match (self.token, self.env_token) {
            (Some(token), _) => (token, "token"),
            (None, Some(token)) => (token, ENV_TOKEN),
            (None, None) => {
                return Err(Error::validation(
                    ENV_TOKEN,
                    "no IONOS token given: call Builder::token or set IONOS_TOKEN",
                ));
            }
        };
        let authorization = token.header_value(token_field)?;

        let concurrency = self.concurrency.unwrap_or(DEFAULT_CONCURRENCY);
        if concurrency == 0 {
            return Err(Error::validation("concurrency", "must be at least 1"));
        }
        let timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
        if timeout.is_zero() {
            return Err(Error::validation("timeout", "must be longer than zero"));
        }
        let retry = self.retry.unwrap_or_default();

        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, authorization);
        let http = revdns_core::runtime::client_builder(timeout)
            .default_headers(headers)
            .build()
            .map_err(|e| Error::transport(ProviderId::Ionos, e))?;
        let runtime = HookState::new(
            &crate::hooks::DIALECT,
            RuntimeConfig::default()
                .with_retry(retry)
                .with_deadline(self.deadline.unwrap_or(Some(DEFAULT_DEADLINE)))
                .with_attempt_timeout(Some(timeout)),
        );
        runtime.add_secret(token.bare());
        let api = crate::api::Client::new_with_client(&base_url, http, runtime);
        Ok(Client::from_parts(api, concurrency))
    }
}

/// Checks a base URL and returns it without a trailing slash (the generated
/// client appends `/reverserecords`). A value without a scheme gets
/// `https://`, as in the IONOS SDKs.
fn normalise_base_url(raw: &str, field: &str) -> Result<String, Error> {
    let raw = raw.trim();
    if raw.contains("://") {
        check_base_url(ProviderId::Ionos, field, raw)
    } else {
        check_base_url(ProviderId::Ionos, field, &format!("https://{raw}"))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| vars.get(name).cloned()
    }

    fn field_of(err: Error) -> String {
        match err {
            Error::Validation { field, .. } => field,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn builder_defaults_to_the_frankfurt_endpoint() {
        let client = Builder::new().token("t").build().unwrap();
        assert_eq!(client.base_url(), "https://dns.de-fra.ionos.com");
        assert_eq!(client.concurrency(), DEFAULT_CONCURRENCY);
    }

    #[test]
    fn builder_without_token_names_the_variable() {
        let err = Builder::new().from_env_with(env(&[])).build().unwrap_err();
        assert_eq!(field_of(err), "IONOS_TOKEN");
    }

    #[test]
    fn builder_reads_token_and_url_from_env() {
        let client = Builder::new()
            .from_env_with(env(&[
                ("IONOS_TOKEN", "t"),
                ("IONOS_DNS_API_URL", "http://127.0.0.1:9/"),
            ]))
            .build()
            .unwrap();
        assert_eq!(client.base_url(), "http://127.0.0.1:9");
    }

    #[test]
    fn builder_ignores_the_global_ionos_api_url() {
        let client = Builder::new()
            .from_env_with(env(&[
                ("IONOS_TOKEN", "t"),
                ("IONOS_API_URL", "https://api.ionos.com"),
            ]))
            .build()
            .unwrap();
        assert_eq!(client.base_url(), crate::api::DEFAULT_BASE_URL);
    }

    #[test]
    fn builder_explicit_values_win_over_env_in_any_order() {
        let lookup = || {
            env(&[
                ("IONOS_TOKEN", ""),
                ("IONOS_DNS_API_URL", "https://env.example.net"),
            ])
        };
        let before = Builder::new()
            .base_url("https://explicit.example.net")
            .from_env_with(lookup())
            .token("t")
            .build()
            .unwrap();
        let after = Builder::new()
            .from_env_with(lookup())
            .token("t")
            .base_url("https://explicit.example.net")
            .build()
            .unwrap();
        assert_eq!(before.base_url(), "https://explicit.example.net");
        assert_eq!(after.base_url(), "https://explicit.example.net");
    }

    #[test]
    fn builder_empty_env_token_counts_as_unset() {
        let err = Builder::new()
            .from_env_with(env(&[("IONOS_TOKEN", "  ")]))
            .build()
            .unwrap_err();
        assert_eq!(field_of(err), "IONOS_TOKEN");
    }

    #[test]
    fn builder_bad_env_url_names_the_variable() {
        let err = Builder::new()
            .token("t")
            .from_env_with(env(&[("IONOS_DNS_API_URL", "http://dns.example.net")]))
            .build()
            .unwrap_err();
        assert_eq!(field_of(err), "IONOS_DNS_API_URL");
    }

    #[test]
    fn base_url_http_only_to_loopback() {
        let ok = [
            (
                "https://dns.de-fra.ionos.com/",
                "https://dns.de-fra.ionos.com",
            ),
            ("dns.de-fra.ionos.com", "https://dns.de-fra.ionos.com"),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
            ("http://127.1.2.3:1", "http://127.1.2.3:1"),
            ("http://[::1]:8080/", "http://[::1]:8080"),
            ("http://LOCALHOST:80/sim/", "http://localhost/sim"),
            ("https://192.0.2.1/prefix", "https://192.0.2.1/prefix"),
        ];
        for (raw, want) in ok {
            assert_eq!(normalise_base_url(raw, "base_url").unwrap(), want, "{raw}");
        }
        let bad = [
            "http://dns.de-fra.ionos.com",
            "http://192.0.2.1",
            "http://[2001:db8::1]",
            "http://localhost.example.net",
            "ftp://127.0.0.1",
            "https://user:pw@dns.example.net",
            "https://dns.example.net/?x=1",
            "https://",
            "",
        ];
        for raw in bad {
            let err = normalise_base_url(raw, "base_url").unwrap_err();
            assert_eq!(field_of(err), "base_url", "{raw}");
        }
    }

    #[test]
    fn builder_rejects_zero_concurrency_and_timeout() {
        let err = Builder::new()
            .token("t")
            .concurrency(0)
            .build()
            .unwrap_err();
        assert_eq!(field_of(err), "concurrency");
        let err = Builder::new()
            .token("t")
            .timeout(Duration::ZERO)
            .build()
            .unwrap_err();
        assert_eq!(field_of(err), "timeout");
    }

    #[test]
    fn builder_debug_hides_the_token() {
        let builder = Builder::new()
            .token("very-secret-token")
            .from_env_with(env(&[("IONOS_TOKEN", "other-secret-token")]));
        let shown = format!("{builder:?}");
        assert!(!shown.contains("secret-token"), "{shown}");
        let client = builder.build().unwrap();
        let shown = format!("{client:?}");
        assert!(!shown.contains("secret-token"), "{shown}");
    }
}
