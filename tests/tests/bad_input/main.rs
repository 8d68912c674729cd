//! The bad-input suite: more than 200 inputs over hostnames, addresses,
//! batches, TTLs, comments, base URLs, credentials and settings, each through
//! every provider and every public entry point that takes it. Each must give
//! a typed error naming the field (or, where a provider lacks the feature,
//! the documented `Unsupported`), and the simulator must count no request.

mod builders;
mod entry_points;
mod tables;

use revdns_core::{Error, Outcome};

/// Asserts `result` is `Error::Validation` naming `field`.
#[track_caller]
pub(crate) fn refused<T: std::fmt::Debug>(what: &str, field: &str, result: Result<T, Error>) {
    match result {
        Err(Error::Validation { field: f, .. }) if f == field => {}
        other => panic!("{what}: expected Validation of `{field}`, got {other:?}"),
    }
}

/// Asserts a one-change report failed with `Error::Validation` naming `field`.
#[track_caller]
pub(crate) fn refused_change(
    what: &str,
    field: &str,
    report: Result<revdns_core::ApplyReport, Error>,
) {
    let report = report.unwrap_or_else(|e| panic!("{what}: expected a report, got {e:?}"));
    match &report.results()[0].outcome {
        Outcome::Failed(Error::Validation { field: f, .. }) if f == field => {}
        other => panic!("{what}: expected a change failed on `{field}`, got {other:?}"),
    }
}

/// Asserts a one-change report failed with `Error::Unsupported`.
#[track_caller]
pub(crate) fn unsupported_change(what: &str, report: Result<revdns_core::ApplyReport, Error>) {
    let report = report.unwrap_or_else(|e| panic!("{what}: expected a report, got {e:?}"));
    match &report.results()[0].outcome {
        Outcome::Failed(Error::Unsupported { .. }) => {}
        other => panic!("{what}: expected Unsupported, got {other:?}"),
    }
}

/// How many inputs the suite covers, printed so that a run shows it.
#[test]
#[allow(clippy::print_stderr)]
fn the_suite_covers_at_least_200_inputs() {
    use tables::*;
    let inputs = HOSTNAMES.len()
        + long_hostnames().len()
        + ADDRESSES.len()
        + entry_points::BATCHES
        + COMMENT_CHARACTERS.len()
        + long_comments().len()
        + TTLS.len()
        + BASE_URLS.len()
        + PASSWORDS.len()
        + IDENTIFIERS.len()
        + TOKENS.len()
        + USERNAMES.len()
        + builders::SETTINGS;
    eprintln!("bad-input suite: {inputs} inputs");
    assert!(inputs >= 200, "only {inputs} inputs");
}

/// Runs `case` against a fresh demo simulator and a client of `P`.
async fn run<P, F, Fut>(case: F)
where
    P: revdns_conformance::Subject,
    F: FnOnce(revdns_conformance::World<P>) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    case(revdns_conformance::World::<P>::start().await).await;
}

macro_rules! per_provider {
    ($($case:ident),* $(,)?) => {
        mod edis { $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() { super::run::<revdns_edis::Client, _, _>(super::entry_points::$case).await; }
        )* }
        mod ionos { $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() { super::run::<revdns_ionos::Client, _, _>(super::entry_points::$case).await; }
        )* }
        mod ecl { $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() { super::run::<revdns_ecl::Client, _, _>(super::entry_points::$case).await; }
        )* }
    };
}

per_provider!(
    batches_are_refused_whole,
    special_addresses_are_refused_everywhere,
    unwritable_targets_fail_their_change,
    comments_and_ttls_are_checked,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ionos_own_methods_check_the_same() {
    run(entry_points::ionos_own_methods_check_the_same).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edis_own_methods_check_the_same() {
    run(entry_points::edis_own_methods_check_the_same).await;
}
