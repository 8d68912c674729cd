//! [`EnvVar`]: a variable a provider client's `from_env` reads, so that
//! tools (the `revdns` command line's accounts file) know each provider's
//! settings and which of them are secrets, from the provider itself.

/// One environment variable of a provider's `from_env`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct EnvVar {
    /// Its name, e.g. `IONOS_TOKEN`.
    pub name: &'static str,
    /// Whether it holds a credential, never to be written down or printed.
    pub secret: bool,
}

impl EnvVar {
    /// A setting that is no secret (a URL, a user name, an id).
    pub const fn plain(name: &'static str) -> Self {
        Self {
            name,
            secret: false,
        }
    }

    /// A credential.
    pub const fn secret(name: &'static str) -> Self {
        Self { name, secret: true }
    }
}
