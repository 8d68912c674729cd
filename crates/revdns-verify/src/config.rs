//! [`VerifierBuilder`]: where to send queries and how long to wait.

use std::net::SocketAddr;
use std::time::Duration;

use hickory_resolver::Resolver;
use hickory_resolver::config::{
    ConnectionConfig, NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts,
};
use hickory_resolver::net::runtime::TokioRuntimeProvider;

use crate::Verifier;

/// A configuration the builder refuses.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// `concurrency(0)` would never send a query.
    #[error("concurrency must be at least 1")]
    ZeroConcurrency,
    /// A zero timeout would fail every lookup before it is sent.
    #[error("the lookup timeout must be longer than zero")]
    ZeroTimeout,
    /// `attempts(0)` would never send a query.
    #[error("attempts must be at least 1")]
    ZeroAttempts,
    /// No nameserver to ask: an empty explicit list, or a system
    /// configuration that names none.
    #[error("no nameserver configured")]
    NoNameservers,
    /// The system configuration (`/etc/resolv.conf`) could not be read.
    #[error("cannot read the system resolver configuration: {0}")]
    SystemConfig(String),
    /// The resolver refused the configuration.
    #[error("cannot build the resolver: {0}")]
    Resolver(String),
}

/// Where queries go.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Nameservers {
    /// `/etc/resolv.conf` (the registry on Windows).
    System,
    /// These servers, UDP first with TCP as fallback.
    Explicit(Vec<SocketAddr>),
}

/// Builds a [`Verifier`]; see [`Verifier::builder`].
///
/// Defaults: the system resolver, a 2 s timeout per attempt, 2 attempts,
/// 32 lookups in flight, no cache, `/etc/hosts` not consulted (forward
/// confirmation is about what the world resolves, not this host).
#[derive(Debug, Clone)]
#[must_use]
pub struct VerifierBuilder {
    nameservers: Nameservers,
    timeout: Duration,
    attempts: usize,
    concurrency: usize,
    cache: bool,
}

impl Default for VerifierBuilder {
    fn default() -> Self {
        Self {
            nameservers: Nameservers::System,
            timeout: Duration::from_secs(2),
            attempts: 2,
            concurrency: 32,
            cache: false,
        }
    }
}

impl VerifierBuilder {
    /// Ask these nameservers (UDP, falling back to TCP on error or a
    /// truncated answer) instead of the system's.
    pub fn nameservers(mut self, servers: impl IntoIterator<Item = SocketAddr>) -> Self {
        self.nameservers = Nameservers::Explicit(servers.into_iter().collect());
        self
    }

    /// Ask the nameservers of the system configuration (the default).
    pub fn system_resolver(mut self) -> Self {
        self.nameservers = Nameservers::System;
        self
    }

    /// How long one attempt waits for an answer. A lookup that gets none
    /// ends as [`FailureKind::Timeout`](crate::FailureKind::Timeout) after
    /// at most `timeout × attempts`.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How many times a lookup is tried before it fails (at least 1).
    pub fn attempts(mut self, attempts: usize) -> Self {
        self.attempts = attempts;
        self
    }

    /// How many distinct lookups may be in flight at once (at least 1).
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency;
        self
    }

    /// Keep answers in the resolver's cache between verifies of the same
    /// [`Verifier`]. Off by default, so every verify asks DNS again and sees
    /// a change as soon as the servers serve it.
    pub fn cache(mut self, cache: bool) -> Self {
        self.cache = cache;
        self
    }

    /// Checks the configuration and builds the verifier.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] for a zero concurrency, timeout or attempts count,
    /// no nameserver, or an unreadable system configuration.
    pub fn build(self) -> Result<Verifier, ConfigError> {
        if self.concurrency == 0 {
            return Err(ConfigError::ZeroConcurrency);
        }
        if self.timeout.is_zero() {
            return Err(ConfigError::ZeroTimeout);
        }
        if self.attempts == 0 {
            return Err(ConfigError::ZeroAttempts);
        }
        let (config, mut opts) = match &self.nameservers {
            Nameservers::System => {
                let (config, opts) = hickory_resolver::system_conf::read_system_conf()
                    .map_err(|e| ConfigError::SystemConfig(e.to_string()))?;
                if config.name_servers().is_empty() {
                    return Err(ConfigError::NoNameservers);
                }
                (config, opts)
            }
            Nameservers::Explicit(servers) => {
                if servers.is_empty() {
                    return Err(ConfigError::NoNameservers);
                }
                let config = ResolverConfig::from_name_servers(
                    servers.iter().map(|s| udp_then_tcp(*s)).collect(),
                );
                (config, ResolverOpts::default())
            }
        };
        apply_options(&mut opts, &self);
        let resolver = Resolver::builder_with_config(config, TokioRuntimeProvider::default())
            .with_options(opts)
            .build()
            .map_err(|e| ConfigError::Resolver(e.to_string()))?;
        Ok(Verifier::new(
            resolver,
            self.concurrency,
            // The resolver's own timers end a lookup; this outer deadline is
            // a guard so that no lookup can outlive its budget, whatever the
            // resolver's retry logic does.
            self.timeout * u32::try_from(self.attempts).unwrap_or(u32::MAX),
        ))
    }
}

fn udp_then_tcp(server: SocketAddr) -> NameServerConfig {
    let mut udp = ConnectionConfig::udp();
    udp.port = server.port();
    let mut tcp = ConnectionConfig::tcp();
    tcp.port = server.port();
    NameServerConfig::new(server.ip(), true, vec![udp, tcp])
}

fn apply_options(opts: &mut ResolverOpts, config: &VerifierBuilder) {
    opts.timeout = config.timeout;
    opts.attempts = config.attempts;
    opts.cache_size = if config.cache { 4096 } else { 0 };
    opts.use_hosts_file = ResolveHosts::Never;
    opts.try_tcp_on_error = true;
    // Names are queried fully qualified; no search list applies.
    opts.ndots = 0;
    // Each connection multiplexes at most this many queries; below the
    // concurrency, queries past it would fail as "busy".
    opts.max_active_requests = opts.max_active_requests.max(config.concurrency);
}
