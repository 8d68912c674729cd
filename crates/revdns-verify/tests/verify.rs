//! The verifier against a real authoritative DNS server on loopback.

mod support;

use std::net::IpAddr;
use std::time::{Duration, Instant};

use hickory_server::proto::rr::RData;
use hickory_server::proto::rr::rdata::A;
use revdns_core::{Hostname, PtrRecord};
use revdns_verify::{ConfigError, FailureKind, NoAddressReason, Outcome, Published, Verifier};
use support::dns_server::{DnsServer, Unreachable, Zone};

const ZONE: &str = "fcrdns.test.";
const REVERSE: &str = "2.0.192.in-addr.arpa.";

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn ptr(address: &str, target: &str) -> PtrRecord {
    PtrRecord::new(ip(address), Hostname::new(target).unwrap())
}

fn forward_zone() -> Zone {
    Zone::new(ZONE)
        .a("ok.fcrdns.test.", "192.0.2.10")
        .a("ok.fcrdns.test.", "2001:db8::10")
        .a("multi.fcrdns.test.", "192.0.2.99")
        .a("multi.fcrdns.test.", "192.0.2.11")
        .a("other.fcrdns.test.", "192.0.2.200")
        .a("other.fcrdns.test.", "192.0.2.201")
        .txt("txtonly.fcrdns.test.", "no address here")
        .a("v4only.fcrdns.test.", "192.0.2.13")
        .a("slow.fcrdns.test.", "192.0.2.14")
        .cname("alias.fcrdns.test.", "ok.fcrdns.test.")
}

fn reverse_zone() -> Zone {
    Zone::new(REVERSE)
        .ptr("10.2.0.192.in-addr.arpa.", "ok.fcrdns.test.")
        .ptr("12.2.0.192.in-addr.arpa.", "stale.fcrdns.test.")
}

async fn server() -> DnsServer {
    DnsServer::start(
        vec![forward_zone(), reverse_zone()],
        vec![("slow.fcrdns.test.", Duration::from_secs(3))],
    )
    .await
}

fn verifier(server: &DnsServer) -> Verifier {
    Verifier::builder()
        .nameservers([server.addr])
        .timeout(Duration::from_millis(400))
        .attempts(1)
        .build()
        .unwrap()
}

#[tokio::test]
async fn each_ip_gets_the_outcome_of_its_forward_lookup_in_input_order() {
    let dns = server().await;
    let records = [
        ptr("192.0.2.10", "ok.fcrdns.test"),
        ptr("2001:db8::10", "ok.fcrdns.test"),
        ptr("192.0.2.11", "multi.fcrdns.test"),
        ptr("192.0.2.12", "other.fcrdns.test"),
        ptr("192.0.2.15", "gone.fcrdns.test"),
        ptr("192.0.2.16", "txtonly.fcrdns.test"),
        ptr("2001:db8::13", "v4only.fcrdns.test"),
        ptr("::ffff:192.0.2.10", "ok.fcrdns.test"),
        ptr("192.0.2.10", "alias.fcrdns.test"),
        ptr("192.0.2.17", "host.not-served.example"),
    ];
    let result = verifier(&dns).verify(&records).await;
    let got: Vec<(IpAddr, Outcome)> = result
        .verdicts
        .iter()
        .map(|v| (v.ip, v.outcome.clone()))
        .collect();
    let refused = match &got[9].1 {
        Outcome::LookupFailed { kind, message } => {
            assert!(!message.is_empty());
            *kind
        }
        other => panic!("a name outside every zone: {other:?}"),
    };
    assert_eq!(refused, FailureKind::Refused);
    let want = vec![
        (ip("192.0.2.10"), Outcome::Confirmed),
        (ip("2001:db8::10"), Outcome::Confirmed),
        (ip("192.0.2.11"), Outcome::Confirmed),
        (
            ip("192.0.2.12"),
            Outcome::Mismatch {
                addresses: vec![ip("192.0.2.200"), ip("192.0.2.201")],
            },
        ),
        (
            ip("192.0.2.15"),
            Outcome::NoAddress {
                reason: NoAddressReason::NxDomain,
            },
        ),
        (
            ip("192.0.2.16"),
            Outcome::NoAddress {
                reason: NoAddressReason::NoData,
            },
        ),
        (
            ip("2001:db8::13"),
            Outcome::NoAddress {
                reason: NoAddressReason::NoData,
            },
        ),
        (ip("::ffff:192.0.2.10"), Outcome::Confirmed),
        (ip("192.0.2.10"), Outcome::Confirmed),
    ];
    assert_eq!(got[..9], want[..]);
    let targets: Vec<&str> = result
        .verdicts
        .iter()
        .map(|v| v.target.as_ref().unwrap().as_str())
        .collect();
    assert_eq!(targets[3], "other.fcrdns.test");
    let summary = result.summary();
    assert_eq!(
        (
            summary.total,
            summary.confirmed,
            summary.mismatch,
            summary.no_address,
            summary.lookup_failed,
            summary.no_ptr
        ),
        (10, 5, 1, 3, 1, 0)
    );
    assert!(!summary.all_confirmed());
}

#[tokio::test]
async fn ips_sharing_a_target_and_family_share_one_query() {
    let dns = server().await;
    let records = [
        ptr("192.0.2.10", "ok.fcrdns.test"),
        ptr("192.0.2.11", "ok.fcrdns.test"),
        ptr("::ffff:192.0.2.12", "ok.fcrdns.test"),
        ptr("2001:db8::10", "ok.fcrdns.test"),
    ];
    let result = verifier(&dns).verify(&records).await;
    assert_eq!(result.lookups, 2, "one A and one AAAA query");
    assert_eq!(dns.queries(), 2);
    let confirmed: Vec<bool> = result
        .verdicts
        .iter()
        .map(|v| v.outcome.is_confirmed())
        .collect();
    assert_eq!(confirmed, [true, false, false, true]);
}

#[tokio::test]
async fn a_slow_name_times_out_within_the_budget_and_holds_up_no_other() {
    let dns = server().await;
    let records = [
        ptr("192.0.2.14", "slow.fcrdns.test"),
        ptr("192.0.2.10", "ok.fcrdns.test"),
    ];
    let started = Instant::now();
    let result = verifier(&dns).verify(&records).await;
    let elapsed = started.elapsed();
    assert!(
        matches!(
            result.verdicts[0].outcome,
            Outcome::LookupFailed {
                kind: FailureKind::Timeout,
                ..
            }
        ),
        "{:?}",
        result.verdicts[0]
    );
    assert_eq!(result.verdicts[1].outcome, Outcome::Confirmed);
    // 400 ms × 1 attempt, with room for a loaded machine; the server would
    // answer after 3 s.
    assert!(elapsed < Duration::from_millis(2000), "{elapsed:?}");
}

#[tokio::test]
async fn an_unreachable_nameserver_fails_each_ip_with_a_timeout_never_a_hang() {
    let silent = Unreachable::bind().await;
    let verifier = Verifier::builder()
        .nameservers([silent.addr])
        .timeout(Duration::from_millis(300))
        .attempts(2)
        .build()
        .unwrap();
    let records = [
        ptr("192.0.2.10", "ok.fcrdns.test"),
        ptr("192.0.2.11", "multi.fcrdns.test"),
        ptr("2001:db8::10", "ok.fcrdns.test"),
    ];
    let started = Instant::now();
    let result = verifier.verify(&records).await;
    let elapsed = started.elapsed();
    for verdict in &result.verdicts {
        assert!(
            matches!(
                verdict.outcome,
                Outcome::LookupFailed {
                    kind: FailureKind::Timeout,
                    ..
                }
            ),
            "{verdict:?}"
        );
    }
    assert_eq!(result.summary().lookup_failed, 3);
    // Budget: 300 ms × 2 attempts, the lookups running side by side.
    assert!(elapsed >= Duration::from_millis(250), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(2500), "{elapsed:?}");
}

#[tokio::test]
async fn the_concurrency_limit_bounds_queries_in_flight() {
    let names: Vec<String> = (0..6).map(|i| format!("h{i}.fcrdns.test.")).collect();
    let mut zone = forward_zone();
    for (i, name) in names.iter().enumerate() {
        zone = zone.a(name, &format!("192.0.2.{}", 100 + i));
    }
    let delays = names
        .iter()
        .map(|n| (n.as_str(), Duration::from_millis(150)))
        .collect();
    let dns = DnsServer::start(vec![zone], delays).await;
    let verifier = Verifier::builder()
        .nameservers([dns.addr])
        .timeout(Duration::from_secs(2))
        .concurrency(2)
        .build()
        .unwrap();
    let records: Vec<PtrRecord> = names
        .iter()
        .enumerate()
        .map(|(i, n)| ptr(&format!("192.0.2.{}", 100 + i), n.trim_end_matches('.')))
        .collect();
    let started = Instant::now();
    let result = verifier.verify(&records).await;
    assert!(result.summary().all_confirmed(), "{result:?}");
    assert_eq!(dns.max_in_flight(), 2);
    // Six 150 ms answers, two at a time.
    assert!(started.elapsed() >= Duration::from_millis(440));
}

#[tokio::test]
async fn without_a_cache_a_second_verify_sees_the_changed_zone() {
    let dns = server().await;
    let records = [ptr("192.0.2.12", "other.fcrdns.test")];
    let verifier = verifier(&dns);
    let first = verifier.verify(&records).await;
    assert!(matches!(
        first.verdicts[0].outcome,
        Outcome::Mismatch { .. }
    ));
    dns.upsert(
        ZONE,
        "other.fcrdns.test.",
        RData::A(A("192.0.2.12".parse().unwrap())),
    )
    .await;
    let second = verifier.verify(&records).await;
    assert_eq!(second.verdicts[0].outcome, Outcome::Confirmed);
}

#[tokio::test]
async fn published_ptrs_show_what_dns_serves_against_the_provider() {
    let dns = server().await;
    let records = [
        ptr("192.0.2.10", "ok.fcrdns.test"),
        ptr("192.0.2.12", "new.fcrdns.test"),
        ptr("192.0.2.20", "fresh.fcrdns.test"),
    ];
    let reports = verifier(&dns).check_published(&records).await;
    let states: Vec<Published> = reports.into_iter().map(|r| r.state).collect();
    assert_eq!(
        states,
        [
            Published::InSync,
            Published::Lagging {
                published: vec!["stale.fcrdns.test".to_owned()]
            },
            Published::Lagging { published: vec![] },
        ]
    );
}

#[tokio::test]
async fn outcomes_serialise_with_snake_case_tags() {
    let dns = server().await;
    let result = verifier(&dns)
        .verify(&[
            ptr("192.0.2.12", "other.fcrdns.test"),
            ptr("192.0.2.15", "gone.fcrdns.test"),
        ])
        .await;
    let json = serde_json::to_value(&result.verdicts).unwrap();
    assert_eq!(
        json,
        serde_json::json!([
            {"ip": "192.0.2.12", "target": "other.fcrdns.test", "outcome": "mismatch",
             "addresses": ["192.0.2.200", "192.0.2.201"]},
            {"ip": "192.0.2.15", "target": "gone.fcrdns.test", "outcome": "no_address",
             "reason": "nx_domain"},
        ])
    );
}

#[test]
fn bad_configuration_is_a_typed_error() {
    let ns = "127.0.0.1:5353".parse().unwrap();
    let err = |b: revdns_verify::VerifierBuilder| b.build().unwrap_err();
    assert!(matches!(
        err(Verifier::builder().nameservers([ns]).concurrency(0)),
        ConfigError::ZeroConcurrency
    ));
    assert!(matches!(
        err(Verifier::builder()
            .nameservers([ns])
            .timeout(Duration::ZERO)),
        ConfigError::ZeroTimeout
    ));
    assert!(matches!(
        err(Verifier::builder().nameservers([ns]).attempts(0)),
        ConfigError::ZeroAttempts
    ));
    assert!(matches!(
        err(Verifier::builder().nameservers([])),
        ConfigError::NoNameservers
    ));
}
