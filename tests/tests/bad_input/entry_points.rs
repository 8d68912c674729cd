//! Inputs through the trait, the sync functions and each provider's own
//! methods, against the simulator: typed errors, and no request counted.

use std::collections::BTreeMap;
use std::net::IpAddr;

use revdns_conformance::{Subject, World, host, ip};
use revdns_core::{
    Capabilities, Hostname, PlanOptions, PtrChange, PtrRecord, ensure, plan, remove,
};

use crate::tables::{
    ADDRESSES, COMMENT_CHARACTERS, HOSTNAMES, TTLS, long_comments, long_hostnames,
};
use crate::{refused, refused_change, unsupported_change};

/// An address every demo account owns.
const OK_IP: &str = "192.0.2.90";

fn with_comment(comment: &str) -> PtrChange {
    PtrChange::from(PtrRecord::new(ip(OK_IP), host("ok.example.net")).with_comment(comment))
}

fn all_hostnames() -> Vec<String> {
    HOSTNAMES
        .iter()
        .map(|h| (*h).to_owned())
        .chain(long_hostnames())
        .collect()
}

fn assert_nothing_sent<P: Subject>(w: &World<P>, what: &str) {
    assert!(
        w.sim.request_counts().is_empty(),
        "{what}: requests were sent: {:?}",
        w.sim.request_counts()
    );
}

/// Batches refused whole: (what, changes, field).
fn batches() -> Vec<(&'static str, Vec<PtrChange>, &'static str)> {
    let a = ip("192.0.2.91");
    vec![
        ("empty", vec![], "changes"),
        (
            "one IP twice",
            vec![PtrChange::delete(a), PtrChange::delete(a)],
            "changes",
        ),
        (
            "upsert and delete of one IP",
            vec![
                PtrChange::upsert(a, host("a.example.net")),
                PtrChange::delete(a),
            ],
            "changes",
        ),
        (
            "an IPv4 address and its mapped twin",
            vec![
                PtrChange::delete(a),
                PtrChange::delete(ip("::ffff:192.0.2.91")),
            ],
            "changes",
        ),
        (
            "an IPv4 address and its compatible twin",
            vec![
                PtrChange::upsert(a, host("a.example.net")),
                PtrChange::delete(ip("::192.0.2.91")),
            ],
            "changes",
        ),
        (
            "one IPv6 address written two ways",
            vec![
                PtrChange::delete(ip("2001:db8::91")),
                PtrChange::delete(ip("2001:0db8:0000::0091")),
            ],
            "changes",
        ),
        (
            "a good change and a loopback one",
            vec![PtrChange::delete(a), PtrChange::delete(ip("127.0.0.1"))],
            "ip",
        ),
        (
            "a good change and a bad comment",
            vec![PtrChange::delete(a), with_comment("a\u{2028}b")],
            "comment",
        ),
    ]
}

/// Refused batches in [`batches`].
pub(crate) const BATCHES: usize = 8;

pub(crate) async fn batches_are_refused_whole<P: Subject>(w: World<P>) {
    let p = &w.provider;
    let cases = batches();
    assert_eq!(cases.len(), BATCHES);
    for (what, changes, field) in cases {
        refused(what, field, p.apply(&changes).await);
        let desired: Vec<PtrRecord> = changes.iter().filter_map(PtrChange::desired).collect();
        if desired.len() == changes.len() && !desired.is_empty() {
            refused(what, field, ensure(p, &desired).await);
            refused(what, field, plan(p, &desired, &PlanOptions::new()).await);
        }
        if changes.iter().all(PtrChange::is_delete) {
            let ips: Vec<IpAddr> = changes.iter().map(PtrChange::ip).collect();
            refused(what, field, remove(p, &ips).await);
        }
    }
    refused("get of nothing", "ips", p.get(&[]).await);
    assert_nothing_sent(&w, "batches");
}

pub(crate) async fn special_addresses_are_refused_everywhere<P: Subject>(w: World<P>) {
    let p = &w.provider;
    for addr in ADDRESSES {
        let bad = ip(addr);
        let what = |entry: &str| format!("{addr} through {entry}");
        refused(
            &what("apply upsert"),
            "ip",
            p.apply(&[PtrChange::upsert(bad, host("a.example.net"))])
                .await,
        );
        refused(
            &what("apply delete"),
            "ip",
            p.apply(&[PtrChange::delete(bad)]).await,
        );
        refused(&what("get"), "ip", p.get(&[ip(OK_IP), bad]).await);
        let record = PtrRecord::new(bad, host("a.example.net"));
        refused(
            &what("ensure"),
            "ip",
            ensure(p, std::slice::from_ref(&record)).await,
        );
        refused(
            &what("plan"),
            "ip",
            plan(p, &[record], &PlanOptions::new()).await,
        );
        refused(&what("remove"), "ip", remove(p, &[bad]).await);
    }
    assert_nothing_sent(&w, "addresses");
}

pub(crate) async fn unwritable_targets_fail_their_change<P: Subject>(w: World<P>) {
    let p = &w.provider;
    for name in all_hostnames() {
        let shown = name.escape_debug().to_string();
        let shown: String = shown.chars().take(80).collect();
        refused(
            &format!("Hostname::new({shown})"),
            "hostname",
            Hostname::new(&name),
        );
        refused(
            &format!("parse({shown})"),
            "hostname",
            name.parse::<Hostname>(),
        );
        // What a provider could hand back, given to a write.
        let Some(stored) = Hostname::from_stored(&name).filter(|h| !h.is_writable()) else {
            continue;
        };
        let change = PtrChange::upsert(ip(OK_IP), stored.clone());
        refused_change(
            &format!("apply {shown}"),
            "hostname",
            p.apply(&[change]).await,
        );
        let record = PtrRecord::new(ip(OK_IP), stored);
        refused_change(
            &format!("ensure {shown}"),
            "hostname",
            ensure(p, &[record]).await,
        );
    }
    assert_nothing_sent(&w, "hostnames");
}

pub(crate) async fn comments_and_ttls_are_checked<P: Subject>(w: World<P>) {
    let p = &w.provider;
    let caps: Capabilities = p.capabilities();
    for text in COMMENT_CHARACTERS {
        let what = format!("comment {}", text.escape_debug());
        refused(&what, "comment", p.apply(&[with_comment(text)]).await);
        let record = PtrRecord::new(ip(OK_IP), host("ok.example.net")).with_comment(*text);
        refused(
            &what,
            "comment",
            ensure(p, std::slice::from_ref(&record)).await,
        );
        refused(
            &what,
            "comment",
            plan(p, &[record], &PlanOptions::new()).await,
        );
    }
    for text in long_comments() {
        let what = format!("comment of {} characters", text.chars().count());
        let report = p.apply(&[with_comment(&text)]).await;
        if caps.comment {
            refused_change(&what, "comment", report);
        } else {
            unsupported_change(&what, report);
        }
    }
    for ttl in TTLS {
        let change =
            PtrChange::from(PtrRecord::new(ip(OK_IP), host("ok.example.net")).with_ttl(*ttl));
        let what = format!("TTL {ttl}");
        let report = p.apply(&[change]).await;
        if caps.ttl {
            refused_change(&what, "ttl", report);
        } else {
            unsupported_change(&what, report);
        }
    }
    assert_nothing_sent(&w, "comments and TTLs");
}

// --- each provider's own methods ---

pub(crate) async fn ionos_own_methods_check_the_same(w: World<revdns_ionos::Client>) {
    let c = &w.provider;
    for addr in ADDRESSES {
        let bad = ip(addr);
        refused(addr, "ip", c.find(&[bad]).await);
        refused(
            addr,
            "ip",
            c.ensure_record(bad, "a.example.net", None).await,
        );
        refused(addr, "ip", c.delete(bad).await);
        refused(addr, "ip", c.delete_many(&[ip(OK_IP), bad]).await);
    }
    for name in all_hostnames() {
        refused(
            &name,
            "hostname",
            c.ensure_record(ip(OK_IP), &name, None).await,
        );
    }
    for text in COMMENT_CHARACTERS
        .iter()
        .map(|t| (*t).to_owned())
        .chain(long_comments())
    {
        refused(
            &text,
            "comment",
            c.ensure_record(ip(OK_IP), "a.example.net", Some(&text))
                .await,
        );
    }
    refused("find of nothing", "ips", c.find(&[]).await);
    refused("delete_many of nothing", "ips", c.delete_many(&[]).await);
    assert_nothing_sent(&w, "IONOS methods");
}

pub(crate) async fn edis_own_methods_check_the_same(w: World<revdns_edis::Client>) {
    let c = &w.provider;
    for addr in ADDRESSES {
        let bad = ip(addr);
        refused(addr, "ip", c.get_ptrs(&[bad]).await);
        refused(addr, "ip", c.delete_ptrs(&[ip(OK_IP), bad]).await);
        let map: BTreeMap<IpAddr, Hostname> = [(bad, host("a.example.net"))].into();
        refused(addr, "ip", c.set_ptrs(&map).await);
    }
    for name in all_hostnames() {
        if let Some(stored) = Hostname::from_stored(&name).filter(|h| !h.is_writable()) {
            let map: BTreeMap<IpAddr, Hostname> = [(ip(OK_IP), stored)].into();
            refused(&name, "hostname", c.set_ptrs(&map).await);
        }
    }
    let twins: BTreeMap<IpAddr, Hostname> = [
        (ip("192.0.2.91"), host("a.example.net")),
        (ip("::ffff:192.0.2.91"), host("b.example.net")),
    ]
    .into();
    refused("set_ptrs with twins", "changes", c.set_ptrs(&twins).await);
    refused(
        "set_ptrs of nothing",
        "ptrs",
        c.set_ptrs(&BTreeMap::new()).await,
    );
    refused("get_ptrs of nothing", "ips", c.get_ptrs(&[]).await);
    refused("delete_ptrs of nothing", "ips", c.delete_ptrs(&[]).await);
    assert_nothing_sent(&w, "EDIS methods");
}
