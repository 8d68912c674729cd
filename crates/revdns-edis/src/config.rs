//! [`Builder`] and [`Credentials`]: how a [`Client`] is
//! configured, from explicit values first and the environment second.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use revdns_core::{Error, ProviderId, RetryConfig, input};
use secrecy::{ExposeSecret, SecretString};

use crate::auth::SessionManager;
use crate::client::{Client, Inner};
use crate::hooks::HookState;
use revdns_core::runtime::{DEFAULT_DEADLINE, RuntimeConfig};

/// Environment variable holding the client-area login email.
pub const ENV_EMAIL: &str = "EDIS_EMAIL";
/// Environment variable holding the client-area password.
pub const ENV_PASSWORD: &str = "EDIS_PASSWORD";
/// Environment variable choosing the VPS (`kvm_…`) whose session is used.
pub const ENV_KVM_ID: &str = "EDIS_KVM_ID";
/// Environment variable overriding where sessions are created (see
/// [`Builder::auth_base_url`]); the simulator prints it.
pub const ENV_AUTH_URL: &str = "EDIS_AUTH_URL";
/// Environment variable overriding where PTR calls go (see
/// [`Builder::ptr_base_url`]); the simulator prints it.
pub const ENV_PTR_URL: &str = "EDIS_PTR_URL";

/// Every variable [`Builder::from_env`] reads.
pub const ENV_VARS: &[revdns_core::EnvVar] = &[
    revdns_core::EnvVar::plain(ENV_EMAIL),
    revdns_core::EnvVar::secret(ENV_PASSWORD),
    revdns_core::EnvVar::plain(ENV_KVM_ID),
    revdns_core::EnvVar::plain(ENV_AUTH_URL),
    revdns_core::EnvVar::plain(ENV_PTR_URL),
];

/// Where AUTH sessions are created (`POST {this}/kvm/v2/get/auth`).
pub const DEFAULT_AUTH_BASE_URL: &str = "https://session.edisglobal.com";
/// PTR host used when a session names no `api_rdns`.
pub const DEFAULT_PTR_HOST: &str = "dns-api.edisglobal.com";
/// Timeout of each HTTP request unless [`Builder::timeout`] says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long before `valid_until` a session is renewed, unless
/// [`Builder::refresh_margin`] says otherwise.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(60);
/// IPs per PTR request unless [`Builder::chunk_size`] says otherwise.
///
/// EDIS documents no limit and none could be measured against the live
/// API, so revdns takes 50, the largest batch its reference advises until
/// the real one is known, as *the* limit: `revdns-sim` refuses larger
/// batches with HTTP 400 as EDIS would refuse a bad one. A larger
/// [`Builder::chunk_size`] still works against such a limit, at a cost: a
/// refused batch is split in halves (see the crate docs).
pub const DEFAULT_CHUNK_SIZE: usize = 50;

const P: ProviderId = ProviderId::Edis;

/// The EDIS client-area (WHMCS) login, and optionally the VPS to work on.
///
/// The password is kept in a [`SecretString`]: `Debug` prints
/// `[redacted]`, and there is no `Display` or `Serialize`.
///
/// ```
/// use revdns_edis::Credentials;
///
/// let creds = Credentials::new("ops@example.net", "not-a-real-password");
/// assert!(!format!("{creds:?}").contains("not-a-real-password"));
/// ```
#[derive(Clone)]
pub struct Credentials {
    email: String,
    password: SecretString,
    kvm_id: Option<String>,
}

impl Credentials {
    /// The client-area email and password.
    pub fn new(email: impl Into<String>, password: impl Into<String>) -> Self {
        Credentials {
            email: email.into(),
            password: SecretString::from(password.into()),
            kvm_id: None,
        }
    }

    /// Uses the session of this VPS (`kvm_…`); needed when the account has
    /// more than one VPS. [`Builder::kvm_id`] overrides it.
    #[must_use]
    pub fn with_kvm_id(mut self, kvm_id: impl Into<String>) -> Self {
        self.kvm_id = Some(kvm_id.into());
        self
    }

    /// The login email.
    pub fn email(&self) -> &str {
        &self.email
    }

    /// The VPS chosen with [`with_kvm_id`](Credentials::with_kvm_id), if any.
    pub fn kvm_id(&self) -> Option<&str> {
        self.kvm_id.as_deref()
    }

    pub(crate) fn password(&self) -> &str {
        self.password.expose_secret()
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("email", &self.email)
            .field("password", &"[redacted]")
            .field("kvm_id", &self.kvm_id)
            .finish()
    }
}

/// Values read from the environment by [`Builder::from_env`].
#[derive(Clone, Default)]
struct EnvValues {
    email: Option<String>,
    password: Option<SecretString>,
    kvm_id: Option<String>,
    auth_url: Option<String>,
    ptr_url: Option<String>,
}

impl fmt::Debug for EnvValues {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnvValues")
            .field("email", &self.email)
            .field("password", &self.password.as_ref().map(|_| "[redacted]"))
            .field("kvm_id", &self.kvm_id)
            .field("auth_url", &self.auth_url)
            .field("ptr_url", &self.ptr_url)
            .finish()
    }
}

/// Builds a [`Client`]. Setters never fail; [`build`](Builder::build) checks
/// everything before any request is sent.
///
/// An explicit value always wins over the environment, field by field and
/// whatever the call order: with `.from_env().kvm_id("kvm_1_2")` the VPS is
/// `kvm_1_2` even when `EDIS_KVM_ID` is set.
///
/// ```no_run
/// use std::time::Duration;
/// use revdns_edis::{Client, Credentials};
///
/// let client = Client::builder()
///     .credentials(Credentials::new("ops@example.net", "example-password"))
///     .kvm_id("kvm_123456_789012")
///     .timeout(Duration::from_secs(10))
///     .build()?;
/// # Ok::<(), revdns_edis::Error>(())
/// ```
#[must_use]
#[derive(Debug, Clone, Default)]
pub struct Builder {
    credentials: Option<Credentials>,
    kvm_id: Option<String>,
    env: Option<EnvValues>,
    auth_base_url: Option<String>,
    ptr_base_url: Option<String>,
    timeout: Option<Duration>,
    deadline: Option<Option<Duration>>,
    refresh_margin: Option<Duration>,
    chunk_size: Option<usize>,
    read_back: bool,
    retry: Option<RetryConfig>,
}

impl Builder {
    /// A builder that reads nothing from the environment.
    pub fn new() -> Self {
        Builder::default()
    }

    /// Falls back on `EDIS_EMAIL`, `EDIS_PASSWORD`, `EDIS_KVM_ID`,
    /// `EDIS_AUTH_URL` and `EDIS_PTR_URL` for values not set explicitly.
    /// Empty variables count as unset.
    pub fn from_env(self) -> Self {
        self.from_env_with(|name| std::env::var(name).ok())
    }

    /// [`from_env`](Builder::from_env) with the variables looked up by
    /// `lookup` instead of the process environment: for tests, and for
    /// variables kept elsewhere (a file, a secret store). `lookup` returns
    /// `None` for an unset variable.
    pub fn from_env_with(mut self, lookup: impl Fn(&str) -> Option<String>) -> Self {
        let read = |name| lookup(name).filter(|v: &String| !v.trim().is_empty());
        self.env = Some(EnvValues {
            email: read(ENV_EMAIL),
            password: read(ENV_PASSWORD).map(SecretString::from),
            kvm_id: read(ENV_KVM_ID),
            auth_url: read(ENV_AUTH_URL),
            ptr_url: read(ENV_PTR_URL),
        });
        self
    }

    /// The login to create sessions with.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Uses the session of this VPS (`kvm_…`). Required when the account has
    /// more than one VPS with API access; see the crate docs.
    pub fn kvm_id(mut self, kvm_id: impl Into<String>) -> Self {
        self.kvm_id = Some(kvm_id.into());
        self
    }

    /// Where sessions are created; default
    /// [`DEFAULT_AUTH_BASE_URL`]. The client posts to
    /// `{url}/kvm/v2/get/auth`.
    pub fn auth_base_url(mut self, url: impl Into<String>) -> Self {
        self.auth_base_url = Some(url.into());
        self
    }

    /// Sends PTR calls to `{url}/get/ptr` (and `/set/ptr`, `/del/ptr`)
    /// instead of `https://` + the session's `api_rdns`.
    pub fn ptr_base_url(mut self, url: impl Into<String>) -> Self {
        self.ptr_base_url = Some(url.into());
        self
    }

    /// Timeout of each HTTP request; default [`DEFAULT_TIMEOUT`].
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Deadline of one API operation, retries and their waits included,
    /// default [`DEFAULT_DEADLINE`] (120 s); `None` for none beyond the
    /// retry budget. Past it the operation fails with [`Error::Deadline`].
    pub fn deadline(mut self, deadline: Option<Duration>) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Renews a session this long before its `valid_until`; default
    /// [`DEFAULT_REFRESH_MARGIN`].
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = Some(margin);
        self
    }

    /// IPs per PTR request; default [`DEFAULT_CHUNK_SIZE`].
    pub fn chunk_size(mut self, ips: usize) -> Self {
        self.chunk_size = Some(ips);
        self
    }

    /// Reads every written IP back after an apply's writes, and reports
    /// each from what it then reads as; default off.
    ///
    /// EDIS answers a batch with one `status`. By default a `success` is
    /// taken to cover every IP of the batch, and only a batch whose answer
    /// left open whether it landed (a lost connection, a timeout, a 5xx) is
    /// read back. Whether EDIS can answer `success` while leaving an IP as
    /// it was is undocumented; with `read_back(true)` such an IP fails with
    /// [`Error::InvalidResponse`] saying what it reads as, for one more
    /// `getPTR` per chunk written.
    pub fn read_back(mut self, every_write: bool) -> Self {
        self.read_back = every_write;
        self
    }

    /// Retry policy for rate limits and server failures; default
    /// [`RetryConfig::default`].
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = Some(retry);
        self
    }

    /// Checks the configuration and builds the client. Sends nothing.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] when the email or password is missing (the
    /// field names `EDIS_EMAIL` or `EDIS_PASSWORD`), the email or VPS id
    /// (`EDIS_KVM_ID`) is blank or holds whitespace or a control character,
    /// the password is blank or holds a control character, the chunk size or
    /// timeout is zero, or a base URL is
    /// not `https://` (plain `http://` is accepted for loopback hosts only);
    /// [`Error::Transport`] when the HTTP client cannot be set up.
    pub fn build(self) -> Result<Client, Error> {
        let env = self.env.unwrap_or_default();
        let explicit = self.credentials;
        let email = explicit
            .as_ref()
            .map(|c| c.email.clone())
            .or(env.email)
            .ok_or_else(|| {
                missing(
                    ENV_EMAIL,
                    "no login email: set EDIS_EMAIL or pass Credentials",
                )
            })?;
        let password = explicit
            .as_ref()
            .map(|c| c.password.clone())
            .or(env.password)
            .ok_or_else(|| {
                missing(
                    ENV_PASSWORD,
                    "no password: set EDIS_PASSWORD or pass Credentials",
                )
            })?;
        input::check_identifier(P, ENV_EMAIL, &email)?;
        input::check_secret(P, ENV_PASSWORD, password.expose_secret())?;
        let kvm_id = self
            .kvm_id
            .or_else(|| explicit.as_ref().and_then(|c| c.kvm_id.clone()))
            .or(env.kvm_id);
        if let Some(id) = &kvm_id {
            input::check_identifier(P, ENV_KVM_ID, id)?;
        }
        let chunk_size = self.chunk_size.unwrap_or(DEFAULT_CHUNK_SIZE);
        if chunk_size == 0 {
            return Err(Error::validation_for(P, "chunk_size", "must be at least 1"));
        }
        let timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
        input::check_positive(P, "timeout", timeout)?;
        let auth_base_url = match (self.auth_base_url, env.auth_url) {
            (Some(url), _) => check_base_url("auth_base_url", &url)?,
            (None, Some(url)) => check_base_url(ENV_AUTH_URL, &url)?,
            (None, None) => DEFAULT_AUTH_BASE_URL.to_owned(),
        };
        let ptr_base_url = match (self.ptr_base_url, env.ptr_url) {
            (Some(url), _) => Some(check_base_url("ptr_base_url", &url)?),
            (None, Some(url)) => Some(check_base_url(ENV_PTR_URL, &url)?),
            (None, None) => None,
        };
        let http = revdns_core::runtime::client_builder(timeout)
            // Every EDIS request is a form carrying the password or the
            // signature, which a 307/308 would resend: no redirects at all.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::transport(P, e))?;
        let credentials = Credentials {
            email,
            password,
            kvm_id: kvm_id.clone(),
        };
        let sessions = SessionManager::new(
            http,
            auth_base_url,
            ptr_base_url,
            credentials,
            self.refresh_margin.unwrap_or(DEFAULT_REFRESH_MARGIN),
            HookState::new(
                &crate::error::DIALECT,
                RuntimeConfig::default()
                    .with_retry(self.retry.unwrap_or_default())
                    .with_deadline(self.deadline.unwrap_or(Some(DEFAULT_DEADLINE)))
                    .with_attempt_timeout(Some(timeout)),
            ),
        );
        Ok(Client::from_inner(Arc::new(Inner {
            sessions,
            chunk_size,
            read_back: self.read_back,
        })))
    }
}

fn missing(variable: &str, reason: &str) -> Error {
    Error::validation_for(P, variable, reason)
}

/// Accepts `https://…`, and `http://…` to loopback hosts; returns the URL
/// without a trailing slash.
pub(crate) fn check_base_url(field: &str, raw: &str) -> Result<String, Error> {
    revdns_core::endpoint::check_base_url(P, field, raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(err: Error) -> String {
        match err {
            Error::Validation { field, .. } => field,
            other => panic!("unexpected {other:?}"),
        }
    }

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn build_without_email_names_edis_email() {
        let err = Builder::new().from_env_with(env(&[])).build().unwrap_err();
        assert_eq!(field_of(err), "EDIS_EMAIL");
    }

    #[test]
    fn build_without_password_names_edis_password() {
        let err = Builder::new()
            .from_env_with(env(&[("EDIS_EMAIL", "ops@example.net")]))
            .build()
            .unwrap_err();
        assert_eq!(field_of(err), "EDIS_PASSWORD");
    }

    #[test]
    fn build_with_empty_env_values_treats_them_as_unset() {
        let err = Builder::new()
            .from_env_with(env(&[("EDIS_EMAIL", "  "), ("EDIS_PASSWORD", "x")]))
            .build()
            .unwrap_err();
        assert_eq!(field_of(err), "EDIS_EMAIL");
    }

    #[test]
    fn build_from_env_reads_all_three_variables() {
        let client = Builder::new()
            .from_env_with(env(&[
                ("EDIS_EMAIL", "ops@example.net"),
                ("EDIS_PASSWORD", "example-password"),
                ("EDIS_KVM_ID", "kvm_1_2"),
            ]))
            .build()
            .unwrap();
        assert_eq!(client.kvm_id(), Some("kvm_1_2"));
    }

    #[test]
    fn explicit_values_win_over_env_whatever_the_order() {
        let vars = [
            ("EDIS_EMAIL", "env@example.net"),
            ("EDIS_PASSWORD", "env-password"),
            ("EDIS_KVM_ID", "kvm_env_1"),
        ];
        let before = Builder::new()
            .kvm_id("kvm_explicit_1")
            .from_env_with(env(&vars))
            .build()
            .unwrap();
        let after = Builder::new()
            .from_env_with(env(&vars))
            .kvm_id("kvm_explicit_1")
            .build()
            .unwrap();
        assert_eq!(before.kvm_id(), Some("kvm_explicit_1"));
        assert_eq!(after.kvm_id(), Some("kvm_explicit_1"));
    }

    #[test]
    fn builder_kvm_id_wins_over_credentials_kvm_id() {
        let client = Builder::new()
            .credentials(Credentials::new("a@example.net", "pw").with_kvm_id("kvm_c_1"))
            .kvm_id("kvm_b_1")
            .build()
            .unwrap();
        assert_eq!(client.kvm_id(), Some("kvm_b_1"));
        let client = Builder::new()
            .credentials(Credentials::new("a@example.net", "pw").with_kvm_id("kvm_c_1"))
            .from_env_with(env(&[("EDIS_KVM_ID", "kvm_env_1")]))
            .build()
            .unwrap();
        assert_eq!(client.kvm_id(), Some("kvm_c_1"));
    }

    #[test]
    fn empty_kvm_id_is_rejected() {
        let err = Builder::new()
            .credentials(Credentials::new("a@example.net", "pw"))
            .kvm_id("")
            .build()
            .unwrap_err();
        assert_eq!(field_of(err), "EDIS_KVM_ID");
    }

    #[test]
    fn zero_chunk_size_and_zero_timeout_are_rejected() {
        let base = || Builder::new().credentials(Credentials::new("a@example.net", "pw"));
        assert_eq!(
            field_of(base().chunk_size(0).build().unwrap_err()),
            "chunk_size"
        );
        assert_eq!(
            field_of(base().timeout(Duration::ZERO).build().unwrap_err()),
            "timeout"
        );
    }

    #[test]
    fn base_url_rules_table() {
        let cases = [
            (
                "https://session.edisglobal.com",
                Some("https://session.edisglobal.com"),
            ),
            (
                "https://session.edisglobal.com/",
                Some("https://session.edisglobal.com"),
            ),
            ("http://127.0.0.1:8080", Some("http://127.0.0.1:8080")),
            ("http://127.1.2.3:8080/", Some("http://127.1.2.3:8080")),
            ("http://[::1]:8080", Some("http://[::1]:8080")),
            (
                "http://localhost:8080/edis",
                Some("http://localhost:8080/edis"),
            ),
            ("http://192.0.2.1:8080", None),
            ("http://example.net", None),
            ("ftp://example.net", None),
            ("https://user:secret@example.net", None),
            ("https://example.net/?x=1", None),
            ("not a url", None),
        ];
        for (raw, want) in cases {
            let got = check_base_url("auth_base_url", raw);
            match want {
                Some(w) => assert_eq!(got.unwrap(), w, "{raw}"),
                None => {
                    let err = got.unwrap_err();
                    assert!(!err.to_string().contains("secret"), "{err}");
                    assert_eq!(field_of(err), "auth_base_url", "{raw}");
                }
            }
        }
    }

    #[test]
    fn plain_http_base_is_rejected_at_build() {
        let err = Builder::new()
            .credentials(Credentials::new("a@example.net", "pw"))
            .ptr_base_url("http://dns-api.example.net")
            .build()
            .unwrap_err();
        assert_eq!(field_of(err), "ptr_base_url");
    }

    #[test]
    fn debug_output_hides_passwords() {
        let builder = Builder::new()
            .credentials(Credentials::new("a@example.net", "hunter2-explicit"))
            .from_env_with(env(&[("EDIS_PASSWORD", "hunter2-from-env")]));
        let shown = format!("{builder:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        let client = builder.build().unwrap();
        let shown = format!("{client:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("a@example.net"), "{shown}");
    }
}
