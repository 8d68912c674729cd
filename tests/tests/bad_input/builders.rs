//! Base URLs, credentials and settings, refused by `build()` with the field
//! named: nothing is built, so nothing can be sent.

use std::collections::HashMap;
use std::time::Duration;

use revdns_conformance::demo;
use revdns_core::Error;

use crate::refused;
use crate::tables::{BASE_URLS, IDENTIFIERS, PASSWORDS, TOKENS, USERNAMES};

/// Settings refused: zero timeouts (three providers), zero chunk size and
/// concurrencies, a default TTL over ECL's maximum.
pub(crate) const SETTINGS: usize = 7;

/// A lookup over `pairs`, as the environment.
fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| map.get(name).cloned()
}

fn edis() -> revdns_edis::Builder {
    revdns_edis::Client::builder()
        .credentials(revdns_edis::Credentials::new(
            demo::EDIS_EMAIL,
            demo::EDIS_PASSWORD,
        ))
        .auth_base_url("http://127.0.0.1:9")
        .ptr_base_url("http://127.0.0.1:9")
}

fn ionos() -> revdns_ionos::Builder {
    revdns_ionos::Client::builder()
        .token(demo::IONOS_TOKEN)
        .base_url("http://127.0.0.1:9")
}

fn ecl_login() -> revdns_ecl::Builder {
    revdns_ecl::Client::builder()
        .auth_url("http://127.0.0.1:9")
        .username(demo::ECL_USERNAME)
        .password(demo::ECL_PASSWORD)
        .project_id(demo::ECL_PROJECT_ID)
}

fn ecl_token() -> revdns_ecl::Builder {
    revdns_ecl::Client::builder()
        .token("tok")
        .endpoint("http://127.0.0.1:9")
}

fn built<T>(result: Result<T, Error>) -> Result<(), Error> {
    result.map(drop)
}

#[test]
fn base_urls_are_refused_by_every_builder_and_variable() {
    for url in BASE_URLS {
        refused(
            url,
            "auth_base_url",
            built(edis().auth_base_url(*url).build()),
        );
        refused(
            url,
            "ptr_base_url",
            built(edis().ptr_base_url(*url).build()),
        );
        let from_env = |var: &str| {
            revdns_edis::Builder::new()
                .credentials(revdns_edis::Credentials::new(
                    demo::EDIS_EMAIL,
                    demo::EDIS_PASSWORD,
                ))
                .from_env_with(env(&[(var, url)]))
                .build()
        };
        refused(url, "EDIS_AUTH_URL", built(from_env("EDIS_AUTH_URL")));
        refused(url, "EDIS_PTR_URL", built(from_env("EDIS_PTR_URL")));

        refused(url, "base_url", built(ionos().base_url(*url).build()));
        let ionos_env = revdns_ionos::Builder::new()
            .token(demo::IONOS_TOKEN)
            .from_env_with(env(&[("IONOS_DNS_API_URL", url)]))
            .build();
        refused(url, "IONOS_DNS_API_URL", built(ionos_env));

        refused(
            url,
            "OS_AUTH_URL",
            built(ecl_login().auth_url(*url).build()),
        );
        refused(
            url,
            "OS_ENDPOINT",
            built(ecl_token().endpoint(*url).build()),
        );
        let ecl_env = revdns_ecl::Builder::new()
            .from_env_with(env(&[
                ("OS_AUTH_URL", url),
                ("OS_USERNAME", demo::ECL_USERNAME),
                ("OS_PASSWORD", demo::ECL_PASSWORD),
                ("OS_PROJECT_ID", demo::ECL_PROJECT_ID),
            ]))
            .build();
        refused(url, "OS_AUTH_URL", built(ecl_env));
    }
}

#[test]
fn credentials_are_refused_by_shape_without_echoing_them() {
    let creds = |email: &str, password: &str| revdns_edis::Credentials::new(email, password);
    for password in PASSWORDS {
        let err = edis()
            .credentials(creds(demo::EDIS_EMAIL, password))
            .build()
            .map(drop);
        refused(password, "EDIS_PASSWORD", err);
        let env_err = revdns_edis::Builder::new()
            .from_env_with(env(&[
                ("EDIS_EMAIL", demo::EDIS_EMAIL),
                ("EDIS_PASSWORD", password),
            ]))
            .auth_base_url("http://127.0.0.1:9")
            .build()
            .map(drop);
        // Blank variables count as unset: still refused, as missing.
        refused(password, "EDIS_PASSWORD", env_err);
        refused(
            password,
            "OS_PASSWORD",
            built(ecl_login().password(*password).build()),
        );
    }
    for id in IDENTIFIERS {
        refused(
            id,
            "EDIS_EMAIL",
            built(edis().credentials(creds(id, "pw")).build()),
        );
        refused(id, "EDIS_KVM_ID", built(edis().kvm_id(*id).build()));
        refused(
            id,
            "OS_PROJECT_ID",
            built(ecl_login().project_id(*id).build()),
        );
        refused(id, "OS_REGION_NAME", built(ecl_login().region(*id).build()));
    }
    for token in TOKENS {
        refused(token, "token", built(ionos().token(*token).build()));
        let from_env = revdns_ionos::Builder::new()
            .base_url("http://127.0.0.1:9")
            .from_env_with(env(&[("IONOS_TOKEN", token)]))
            .build();
        refused(token, "IONOS_TOKEN", built(from_env));
        refused(token, "OS_TOKEN", built(ecl_token().token(*token).build()));
    }
    for name in USERNAMES {
        refused(
            name,
            "OS_USERNAME",
            built(ecl_login().username(*name).build()),
        );
    }
    // None of the refusals quotes the value.
    let err = ionos().token("tok-\u{feff}-SECRET").build().unwrap_err();
    assert!(!err.to_string().contains("SECRET"), "{err}");
    let err = edis()
        .credentials(creds(demo::EDIS_EMAIL, "SECRET\n"))
        .build()
        .unwrap_err();
    assert!(!err.to_string().contains("SECRET"), "{err}");
}

#[test]
fn settings_are_refused() {
    let zero = Duration::ZERO;
    let cases: Vec<(&str, &str, Result<(), Error>)> = vec![
        (
            "EDIS timeout 0",
            "timeout",
            built(edis().timeout(zero).build()),
        ),
        (
            "IONOS timeout 0",
            "timeout",
            built(ionos().timeout(zero).build()),
        ),
        (
            "ECL timeout 0",
            "timeout",
            built(ecl_login().timeout(zero).build()),
        ),
        (
            "EDIS chunk size 0",
            "chunk_size",
            built(edis().chunk_size(0).build()),
        ),
        (
            "IONOS concurrency 0",
            "concurrency",
            built(ionos().concurrency(0).build()),
        ),
        (
            "ECL concurrency 0",
            "concurrency",
            built(ecl_login().concurrency(0).build()),
        ),
        (
            "ECL default TTL 86401",
            "default_ttl",
            built(ecl_login().default_ttl(86_401).build()),
        ),
    ];
    assert_eq!(cases.len(), SETTINGS);
    for (what, field, result) in cases {
        refused(what, field, result);
    }
}
