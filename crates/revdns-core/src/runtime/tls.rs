//! The TLS backend of every client, chosen by revdns-core's features:
//! `rustls-ring` (default) builds a rustls configuration with the ring
//! provider and the platform's certificate verifier; `rustls-aws-lc` and
//! `native-tls` leave it to reqwest. When more than one is on, reqwest's own
//! backends win.
//!
//! With `rustls-ring` alone, reqwest has no crypto provider of its own, and
//! any other reqwest client in the program would panic when built. So the
//! first revdns client installs ring as the process's default rustls
//! provider, unless the program installed one already; a program that
//! builds reqwest clients of its own before that calls
//! [`install_tls_provider`] first.

use reqwest::ClientBuilder;

/// Lets `reqwest` clients built outside revdns work under the `rustls-ring`
/// backend: installs ring as the process's default rustls provider, unless
/// one is installed already. Does nothing under the other backends, or
/// when more than one is on.
///
/// With `rustls-ring` alone, reqwest has no crypto provider of its own (its
/// `rustls-no-provider` feature), so a client that does not come from
/// revdns, even one for plain `http://`, panics in `build()` until a
/// provider is installed. Every revdns client installs one when it is
/// built; a program that builds its own reqwest clients before any revdns
/// client (and has no provider of its own) calls this first. Calling it
/// again is harmless.
///
/// ```
/// revdns_core::runtime::install_tls_provider();
/// assert!(reqwest::Client::builder().build().is_ok());
/// ```
pub fn install_tls_provider() {
    #[cfg(all(
        feature = "rustls-ring",
        not(feature = "rustls-aws-lc"),
        not(feature = "native-tls")
    ))]
    {
        // Err: a provider is installed already, which is what is wanted.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

/// Installs the chosen backend on `builder`.
#[cfg(all(
    feature = "rustls-ring",
    not(feature = "rustls-aws-lc"),
    not(feature = "native-tls")
))]
pub(super) fn configure(builder: ClientBuilder) -> ClientBuilder {
    install_tls_provider();
    match ring_config() {
        Ok(config) => builder.use_preconfigured_tls(config),
        // reqwest then fails `build()` for want of a TLS provider, which
        // the provider's builder reports as a transport error.
        Err(e) => {
            tracing::warn!(error = %e, "no TLS configuration; https will not work");
            builder
        }
    }
}

#[cfg(all(
    feature = "rustls-ring",
    not(feature = "rustls-aws-lc"),
    not(feature = "native-tls")
))]
fn ring_config() -> Result<rustls::ClientConfig, rustls::Error> {
    use rustls_platform_verifier::BuilderVerifierExt;
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_platform_verifier()?
        .with_no_client_auth();
    // reqwest negotiates HTTP/2 or 1.1 only on a configuration it built.
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// reqwest's own backend (aws-lc-rs or the platform's), or none.
#[cfg(not(all(
    feature = "rustls-ring",
    not(feature = "rustls-aws-lc"),
    not(feature = "native-tls")
)))]
pub(super) fn configure(builder: ClientBuilder) -> ClientBuilder {
    builder
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_with_the_chosen_backend_builds() {
        let client = configure(reqwest::Client::builder()).build();
        assert!(client.is_ok(), "{client:?}");
    }

    /// With `rustls-ring` alone, a reqwest client built outside revdns
    /// would panic for want of a provider, unless revdns installed one.
    #[test]
    fn after_a_revdns_client_other_reqwest_clients_build_too() {
        let _ = configure(reqwest::Client::builder()).build();
        assert!(reqwest::Client::builder().build().is_ok());
    }

    #[test]
    fn after_install_tls_provider_other_reqwest_clients_build_too() {
        install_tls_provider();
        install_tls_provider();
        assert!(reqwest::Client::builder().build().is_ok());
    }
}
