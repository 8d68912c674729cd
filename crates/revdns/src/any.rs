//! [`AnyProvider`]: one of the compiled-in providers, chosen at run time.

use std::collections::BTreeMap;
use std::net::IpAddr;

use revdns_core::apply::Progress;
use revdns_core::gate::{Gate, Gated};
use revdns_core::{BoxStream, Capabilities, Error, ProviderId, PtrChange, PtrProvider, PtrRecord};

/// A provider client of any kind compiled into this build, chosen at run time
/// (from configuration or the environment) and used through [`PtrProvider`].
///
/// An enum that delegates, not a trait object: the trait's futures stay
/// `Send` and nothing is boxed but `list`'s stream.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum AnyProvider {
    /// EDIS Global.
    #[cfg(feature = "edis")]
    Edis(revdns_edis::Client),
    /// IONOS Cloud DNS.
    #[cfg(feature = "ionos")]
    Ionos(revdns_ionos::Client),
    /// NTT Enterprise Cloud 2.0 DNS.
    #[cfg(feature = "ecl")]
    Ecl(revdns_ecl::Client),
}

/// Calls the same expression on whichever client `self` holds.
macro_rules! delegate {
    ($self:expr, $client:ident => $call:expr) => {
        // `*self` and `ref`: with no provider feature the enum is empty, and
        // only a match on the value (not a reference) may have no arms.
        match *$self {
            #[cfg(feature = "edis")]
            AnyProvider::Edis(ref $client) => $call,
            #[cfg(feature = "ionos")]
            AnyProvider::Ionos(ref $client) => $call,
            #[cfg(feature = "ecl")]
            AnyProvider::Ecl(ref $client) => $call,
        }
    };
}

impl AnyProvider {
    /// Builds the client of `provider` from its environment variables (see
    /// each provider crate's README: `EDIS_*`, `IONOS_*`, `OS_*`).
    ///
    /// # Errors
    ///
    /// [`Error::Unsupported`] when the provider's feature is not compiled in;
    /// otherwise the provider's own `from_env` error, such as
    /// [`Error::Validation`] naming a missing variable.
    pub fn from_env(provider: ProviderId) -> Result<Self, Error> {
        Self::from_env_with(provider, |name| std::env::var(name).ok())
    }

    /// [`from_env`](AnyProvider::from_env) with the variables looked up by
    /// `lookup` (`None` for an unset one) instead of the process environment,
    /// e.g. the pairs `revdns_sim::Simulator::env_exports` gives.
    ///
    /// # Errors
    ///
    /// As [`from_env`](AnyProvider::from_env).
    #[cfg_attr(
        not(any(feature = "edis", feature = "ionos", feature = "ecl")),
        allow(unused_variables)
    )]
    pub fn from_env_with(
        provider: ProviderId,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, Error> {
        match provider {
            #[cfg(feature = "edis")]
            ProviderId::Edis => revdns_edis::Builder::new()
                .from_env_with(lookup)
                .build()
                .map(Self::Edis),
            #[cfg(feature = "ionos")]
            ProviderId::Ionos => revdns_ionos::Builder::new()
                .from_env_with(lookup)
                .build()
                .map(Self::Ionos),
            #[cfg(feature = "ecl")]
            ProviderId::Ecl => revdns_ecl::Builder::new()
                .from_env_with(lookup)
                .build()
                .map(Self::Ecl),
            #[allow(unreachable_patterns)]
            other => Err(Error::unsupported(
                other,
                format!("the `{other}` feature of the revdns crate (not compiled in)"),
            )),
        }
    }
}

/// The environment variables `provider`'s `from_env` reads, with which are
/// secrets; empty for a provider not compiled in.
pub fn env_vars(provider: ProviderId) -> &'static [revdns_core::EnvVar] {
    match provider {
        #[cfg(feature = "edis")]
        ProviderId::Edis => revdns_edis::ENV_VARS,
        #[cfg(feature = "ionos")]
        ProviderId::Ionos => revdns_ionos::ENV_VARS,
        #[cfg(feature = "ecl")]
        ProviderId::Ecl => revdns_ecl::ENV_VARS,
        #[allow(unreachable_patterns)]
        _ => &[],
    }
}

/// Builds the client of the provider named `name` (`edis`, `ionos`, `ecl`)
/// from the environment. Shorthand for [`AnyProvider::from_env`].
///
/// # Errors
///
/// [`Error::Validation`] for an unknown name; see [`AnyProvider::from_env`].
pub fn from_env(name: &str) -> Result<AnyProvider, Error> {
    AnyProvider::from_env(name.parse()?)
}

#[cfg(feature = "edis")]
impl From<revdns_edis::Client> for AnyProvider {
    fn from(client: revdns_edis::Client) -> Self {
        Self::Edis(client)
    }
}

#[cfg(feature = "ionos")]
impl From<revdns_ionos::Client> for AnyProvider {
    fn from(client: revdns_ionos::Client) -> Self {
        Self::Ionos(client)
    }
}

#[cfg(feature = "ecl")]
impl From<revdns_ecl::Client> for AnyProvider {
    fn from(client: revdns_ecl::Client) -> Self {
        Self::Ecl(client)
    }
}

// With no provider feature compiled in, the arguments have no arm to reach.
#[cfg_attr(
    not(any(feature = "edis", feature = "ionos", feature = "ecl")),
    allow(unused_variables)
)]
impl PtrProvider for AnyProvider {
    fn id(&self) -> ProviderId {
        delegate!(self, c => PtrProvider::id(c))
    }

    fn capabilities(&self) -> Capabilities {
        delegate!(self, c => PtrProvider::capabilities(c))
    }

    async fn get(&self, ips: &[IpAddr]) -> Result<BTreeMap<IpAddr, Option<PtrRecord>>, Error> {
        delegate!(self, c => PtrProvider::get(c, ips).await)
    }

    fn list(&self) -> BoxStream<'_, Result<PtrRecord, Error>> {
        delegate!(self, c => PtrProvider::list(c))
    }

    async fn apply_with_gate(
        &self,
        changes: &[PtrChange],
        gate: Option<&Gate<'_>>,
        progress: &Progress<'_>,
    ) -> Result<Gated, Error> {
        delegate!(self, c => PtrProvider::apply_with_gate(c, changes, gate, progress).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync + Clone + std::fmt::Debug>() {}

    #[test]
    fn any_provider_is_send_sync_clone_debug() {
        assert_send_sync::<AnyProvider>();
    }

    #[test]
    fn unknown_provider_name_is_a_validation_error() {
        let err = from_env("route53").unwrap_err();
        assert!(matches!(err, Error::Validation { .. }), "{err}");
    }
}
