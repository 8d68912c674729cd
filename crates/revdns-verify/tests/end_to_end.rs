//! Derive PTRs from a zone file, plan and apply them to the simulator on
//! every provider, then verify them against a loopback DNS server that
//! serves the forward zone as it stands now.

mod support;

use std::collections::BTreeMap;
use std::io::Write;
use std::net::IpAddr;
use std::time::Duration;

use revdns::{
    AnyProvider, Enumeration, IpPrefix, PlanOptions, ProviderId, PtrProvider, apply_plan, plan,
};
use revdns_core::reverse::parse_reverse_name;
use revdns_sim::{SimConfig, Simulator, demo};
use revdns_verify::{
    DeriveOptions, NamePreference, NoAddressReason, Outcome, Verifier, derive, read_zone_file,
};
use support::dns_server::{DnsServer, Zone};

/// The zone as exported when the PTRs were planned.
const ZONE_FILE: &str = "\
$ORIGIN example.test.
$TTL 300
@       IN SOA ns1 hostmaster ( 1 3600 600 86400 60 )
        IN NS  ns1
ns1     A      203.0.113.53     ; outside every demo block
www     A      192.0.2.80
        AAAA   2001:db8::80
web     A      192.0.2.80       ; a second name for .80: the preference picks www
mail    A      198.51.100.25
moved   A      192.0.2.90       ; DNS has since moved it to .190
gone    A      192.0.2.91       ; DNS has since removed it
a       A      192.0.2.92       ; two names, no preference: a conflict
b       A      192.0.2.92
_svc    A      192.0.2.93       ; no PTR target
";

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// What the simulator holds for `provider`, IP to target.
fn held(sim: &Simulator, provider: ProviderId) -> BTreeMap<IpAddr, String> {
    match provider {
        ProviderId::Edis => sim.edis_ptrs(demo::EDIS_KVM_ID),
        ProviderId::Ionos => sim
            .ionos_records()
            .into_iter()
            .map(|(ip, r)| (ip, r.name))
            .collect(),
        ProviderId::Ecl => demo::ECL_ZONES
            .iter()
            .flat_map(|zone| sim.ecl_recordsets(zone))
            .filter(|r| r.record_type == "PTR")
            .map(|r| {
                let ip = parse_reverse_name(&r.name).unwrap();
                (ip, r.value.trim_end_matches('.').to_owned())
            })
            .collect(),
        other => panic!("no simulator view for {other}"),
    }
}

#[tokio::test]
async fn derived_ptrs_applied_on_every_provider_verify_against_forward_dns() {
    // Derive.
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(ZONE_FILE.as_bytes()).unwrap();
    let forward = read_zone_file(file.path(), None).unwrap();
    let scope: Vec<IpPrefix> = demo::BLOCKS.iter().map(|b| b.parse().unwrap()).collect();
    let options = DeriveOptions::new()
        .scope(scope)
        .prefer([NamePreference::exact("www.example.test")]);
    let derived = derive(forward.clone(), &options);
    let want: BTreeMap<IpAddr, String> = [
        ("192.0.2.80", "www.example.test"),
        ("2001:db8::80", "www.example.test"),
        ("198.51.100.25", "mail.example.test"),
        ("192.0.2.90", "moved.example.test"),
        ("192.0.2.91", "gone.example.test"),
    ]
    .into_iter()
    .map(|(a, t)| (ip(a), t.to_owned()))
    .collect();
    let got: BTreeMap<IpAddr, String> = derived
        .records
        .iter()
        .map(|r| (r.ip, r.target.as_str().to_owned()))
        .collect();
    assert_eq!(got, want);
    assert_eq!(derived.records.len(), want.len());
    assert_eq!(derived.conflicts.len(), 1);
    assert_eq!(derived.conflicts[0].ip, ip("192.0.2.92"));
    assert_eq!(derived.skipped.len(), 1);
    assert_eq!(derived.skipped[0].record.name, "_svc.example.test");
    assert_eq!(derived.out_of_scope, 1);

    // Forward DNS now: .90's name moved to .190, .91's name is gone.
    let mut zone = Zone::new("example.test.");
    for record in &forward {
        match record.name.as_str() {
            "gone.example.test" => {}
            "moved.example.test" => zone = zone.a("moved.example.test.", "192.0.2.190"),
            name => zone = zone.a(&format!("{name}."), &record.ip.to_string()),
        }
    }
    let dns = DnsServer::start(vec![zone], Vec::new()).await;
    let verifier = Verifier::builder()
        .nameservers([dns.addr])
        .timeout(Duration::from_secs(1))
        .build()
        .unwrap();

    let sim = Simulator::start(SimConfig::demo()).await.unwrap();
    let env: BTreeMap<&str, String> = sim.env_exports().into_iter().collect();
    // The IPs to check: the derived ones, then the conflict's (no PTR set).
    let mut ips: Vec<IpAddr> = derived.records.iter().map(|r| r.ip).collect();
    ips.push(ip("192.0.2.92"));
    let order = [
        "192.0.2.80",
        "2001:db8::80",
        "198.51.100.25",
        "192.0.2.90",
        "192.0.2.91",
        "192.0.2.92",
    ]
    .map(ip);
    assert_eq!(ips, order, "derive keeps the file's address order");
    let expected = [
        Outcome::Confirmed,
        Outcome::Confirmed,
        Outcome::Confirmed,
        Outcome::Mismatch {
            addresses: vec![ip("192.0.2.190")],
        },
        Outcome::NoAddress {
            reason: NoAddressReason::NxDomain,
        },
        Outcome::NoPtr,
    ];

    let mut listed_on = Vec::new();
    for provider in [ProviderId::Edis, ProviderId::Ionos, ProviderId::Ecl] {
        let client = AnyProvider::from_env_with(provider, |name| env.get(name).cloned()).unwrap();
        let options = PlanOptions::new();
        let planned = plan(&client, &derived.records, &options).await.unwrap();
        assert_eq!(planned.creates.len(), want.len(), "{provider}: {planned}");
        let report = apply_plan(&client, &planned, &options).await.unwrap();
        let counts = report.counts();
        assert_eq!(
            (counts.created, counts.failed),
            (want.len(), 0),
            "{provider}: {report:?}"
        );
        assert_eq!(
            held(&sim, provider),
            want,
            "{provider}: the simulator's records"
        );
        // Applied once, nothing is left to do.
        let again = plan(&client, &derived.records, &options).await.unwrap();
        assert!(again.is_empty(), "{provider}: {again}");

        let result = verifier.verify_provider(&client, &ips).await.unwrap();
        let outcomes: Vec<Outcome> = result.verdicts.iter().map(|v| v.outcome.clone()).collect();
        assert_eq!(outcomes, expected, "{provider}");
        let verdict_ips: Vec<IpAddr> = result.verdicts.iter().map(|v| v.ip).collect();
        assert_eq!(verdict_ips, ips, "{provider}");
        assert_eq!(
            result.verdicts[0].target.as_ref().map(|t| t.as_str()),
            Some("www.example.test")
        );

        // The same from the provider's own listing, all blocks; a provider
        // that cannot list says so.
        let listed = verifier.verify_listed(&client, &[]).await;
        if client.capabilities().enumeration == Enumeration::None {
            assert!(
                matches!(listed, Err(revdns::Error::Unsupported { .. })),
                "{provider}: {listed:?}"
            );
            continue;
        }
        let summary = listed.unwrap().summary();
        assert_eq!(
            (
                summary.total,
                summary.confirmed,
                summary.mismatch,
                summary.no_address
            ),
            (5, 3, 1, 1),
            "{provider}: {summary}"
        );
        listed_on.push(provider);
    }
    assert_eq!(listed_on, [ProviderId::Ionos, ProviderId::Ecl]);
}
