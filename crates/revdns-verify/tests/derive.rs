//! Reading forward records from zone files and plain lists, and deriving
//! PTRs from them.

use std::io::Write;
use std::net::IpAddr;
use std::path::Path;

use revdns_core::IpPrefix;
use revdns_verify::derive::{parse_plain_list, parse_zone};
use revdns_verify::{
    DeriveError, DeriveOptions, ForwardRecord, NamePreference, SkipReason, derive, read_plain_list,
    read_zone_file,
};

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn pairs(records: &[ForwardRecord]) -> Vec<(&str, IpAddr)> {
    records.iter().map(|r| (r.name.as_str(), r.ip)).collect()
}

const ZONE: &str = r#"; the example zone
$ORIGIN example.test.
$TTL 3600
@       IN  SOA ns1 hostmaster (
                2026120101 ; serial
                3600 600 86400 60 )
        IN  NS  ns1
@           A     192.0.2.1
ns1     300 IN A  192.0.2.53
www         A     192.0.2.80      ; first address of www
            A     192.0.2.81      ; owner carried over
            AAAA  2001:db8::80
mail.example.test.  IN A 192.0.2.25
note        TXT   "a ; inside quotes is text"
alias       CNAME www
mx-host     MX    10 mail
split   IN 300 (  A
                  192.0.2.77 ) ; data on the next line
UPPER.Example.TEST.  A 192.0.2.78
$ORIGIN sub.example.test.
deep        A     198.51.100.7
"#;

#[test]
fn a_zone_file_yields_its_a_and_aaaa_records_with_names_made_absolute() {
    let records = parse_zone(ZONE.as_bytes(), Path::new("example.zone"), None).unwrap();
    assert_eq!(
        pairs(&records),
        [
            ("example.test", ip("192.0.2.1")),
            ("ns1.example.test", ip("192.0.2.53")),
            ("www.example.test", ip("192.0.2.80")),
            ("www.example.test", ip("192.0.2.81")),
            ("www.example.test", ip("2001:db8::80")),
            ("mail.example.test", ip("192.0.2.25")),
            ("split.example.test", ip("192.0.2.77")),
            ("upper.example.test", ip("192.0.2.78")),
            ("deep.sub.example.test", ip("198.51.100.7")),
        ]
    );
    // Where each was read: the line of its address.
    let lines: Vec<Option<usize>> = records.iter().map(|r| r.line).collect();
    assert_eq!(lines, [8, 9, 10, 11, 12, 13, 18, 19, 21].map(Some));
}

#[test]
fn zone_errors_inside_parentheses_and_unclosed_ones_name_their_lines() {
    let text = "$ORIGIN example.test.\nok A 192.0.2.1\nsplit ( A\n 192.0.2.1 192.0.2.2 )\n";
    let err = parse_zone(text.as_bytes(), Path::new("z"), None).unwrap_err();
    assert!(matches!(err, DeriveError::Syntax { line: 3, .. }), "{err}");
    let text = "$ORIGIN example.test.\nok A 192.0.2.1\nsoa SOA ns hm ( 1 2\n 3 4\n";
    let err = parse_zone(text.as_bytes(), Path::new("z"), None).unwrap_err();
    assert!(matches!(err, DeriveError::Syntax { line: 3, .. }), "{err}");
    let text = "$ORIGIN example.test.\n\nv6 AAAA 192.0.2.1\n";
    let err = parse_zone(text.as_bytes(), Path::new("z"), None).unwrap_err();
    assert!(matches!(err, DeriveError::Syntax { line: 3, .. }), "{err}");
}

#[test]
fn a_given_origin_places_relative_names_until_the_file_sets_its_own() {
    let text = "host A 192.0.2.5\n$ORIGIN other.test.\nhost A 192.0.2.6\n";
    let records = parse_zone(text.as_bytes(), Path::new("z"), Some("Given.Test")).unwrap();
    assert_eq!(
        pairs(&records),
        [
            ("host.given.test", ip("192.0.2.5")),
            ("host.other.test", ip("192.0.2.6")),
        ]
    );
    // Without an origin a relative name cannot be placed.
    let err = parse_zone(text.as_bytes(), Path::new("z"), None).unwrap_err();
    assert!(matches!(err, DeriveError::Syntax { line: 1, .. }), "{err}");
}

#[test]
fn a_zone_syntax_error_names_the_file_and_the_line() {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    write!(
        file,
        "$ORIGIN example.test.\n; comment\nwww A 192.0.2.80\nbad A 192.0.2.999\nok A 192.0.2.1\n"
    )
    .unwrap();
    let err = read_zone_file(file.path(), None).unwrap_err();
    match &err {
        DeriveError::Syntax {
            path,
            line,
            message,
        } => {
            assert_eq!(path, file.path());
            assert_eq!(*line, 4, "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        err.to_string()
            .starts_with(&format!("{}:4:", file.path().display())),
        "{err}"
    );
}

#[test]
fn a_zone_include_is_refused_not_followed() {
    let text = "$ORIGIN example.test.\n$INCLUDE /etc/passwd\n";
    let err = parse_zone(text.as_bytes(), Path::new("z"), None).unwrap_err();
    assert!(
        matches!(&err, DeriveError::Include { included, .. } if included == "/etc/passwd"),
        "{err:?}"
    );
}

#[test]
fn a_missing_file_is_an_io_error_naming_it() {
    let err = read_zone_file(Path::new("/nonexistent/zone"), None).unwrap_err();
    assert!(matches!(&err, DeriveError::Io { path, .. } if path == Path::new("/nonexistent/zone")));
    let err = read_plain_list(Path::new("/nonexistent/list")).unwrap_err();
    assert!(matches!(err, DeriveError::Io { .. }));
}

#[test]
fn a_plain_list_reads_name_address_pairs_and_skips_comments() {
    let text =
        "# hosts\n\nWWW.Example.Test. 192.0.2.80   # web\n  mail.example.test 2001:db8::25\n";
    let records = parse_plain_list(text.as_bytes(), Path::new("list")).unwrap();
    assert_eq!(
        pairs(&records),
        [
            ("www.example.test", ip("192.0.2.80")),
            ("mail.example.test", ip("2001:db8::25")),
        ]
    );
    assert_eq!(records[0].line, Some(3));
    assert_eq!(records[1].line, Some(4));
}

#[test]
fn a_plain_list_error_names_the_file_and_the_line() {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    write!(file, "a.example.test 192.0.2.1\nb.example.test\n").unwrap();
    let err = read_plain_list(file.path()).unwrap_err();
    assert!(
        matches!(&err, DeriveError::Syntax { path, line: 2, .. } if path == file.path()),
        "{err:?}"
    );
    let bad = "a.example.test not-an-ip\n";
    let err = parse_plain_list(bad.as_bytes(), Path::new("l")).unwrap_err();
    assert!(
        matches!(err, DeriveError::Syntax { line: 1, .. }),
        "{err:?}"
    );
}

fn forward(pairs: &[(&str, &str)]) -> Vec<ForwardRecord> {
    pairs
        .iter()
        .map(|(name, address)| ForwardRecord::new(name, ip(address)))
        .collect()
}

fn targets(derived: &revdns_verify::Derived) -> Vec<(IpAddr, &str)> {
    derived
        .records
        .iter()
        .map(|r| (r.ip, r.target.as_str()))
        .collect()
}

#[test]
fn several_names_on_one_address_are_a_conflict_without_a_preference() {
    let input = forward(&[
        ("www.example.test", "192.0.2.80"),
        ("web.example.test", "192.0.2.80"),
        ("www.example.test", "192.0.2.80"),
        ("mail.example.test", "192.0.2.25"),
        ("mail.example.test", "192.0.2.25"),
    ]);
    let derived = derive(input, &DeriveOptions::new());
    assert_eq!(targets(&derived), [(ip("192.0.2.25"), "mail.example.test")]);
    assert_eq!(derived.conflicts.len(), 1);
    let conflict = &derived.conflicts[0];
    assert_eq!(conflict.ip, ip("192.0.2.80"));
    let names: Vec<&str> = conflict.names.iter().map(|n| n.as_str()).collect();
    assert_eq!(names, ["www.example.test", "web.example.test"]);
}

#[test]
fn the_first_preference_matching_one_name_picks_it() {
    let input = forward(&[
        ("www.example.test", "192.0.2.80"),
        ("web.prod.example.test", "192.0.2.80"),
        ("a.lab.example.test", "192.0.2.90"),
        ("b.lab.example.test", "192.0.2.90"),
        ("x.example.test", "192.0.2.91"),
        ("y.example.test", "192.0.2.91"),
    ]);
    let prefer: Vec<NamePreference> = [
        "nothing.example.test",
        ".prod.example.test",
        ".lab.example.test",
        "y.example.test",
    ]
    .iter()
    .map(|s| s.parse().unwrap())
    .collect();
    let derived = derive(input, &DeriveOptions::new().prefer(prefer));
    assert_eq!(
        targets(&derived),
        [
            (ip("192.0.2.80"), "web.prod.example.test"),
            (ip("192.0.2.91"), "y.example.test"),
        ]
    );
    // `.lab.example.test` matches both names of .90: no tie-break by order.
    assert_eq!(derived.conflicts.len(), 1);
    assert_eq!(derived.conflicts[0].ip, ip("192.0.2.90"));
}

#[test]
fn a_suffix_preference_matches_on_label_boundaries_only() {
    let suffix = NamePreference::suffix("example.net");
    assert!(suffix.matches("mail.example.net"));
    assert!(suffix.matches("example.net"));
    assert!(!suffix.matches("badexample.net"));
    assert!(NamePreference::exact("Mail.Example.NET.").matches("mail.example.net"));
}

#[test]
fn only_addresses_in_scope_are_kept_and_an_empty_scope_keeps_all() {
    let input = forward(&[
        ("a.example.test", "192.0.2.1"),
        ("b.example.test", "203.0.113.9"),
        ("c.example.test", "2001:db8::c"),
        ("d.example.test", "::ffff:192.0.2.4"),
    ]);
    let scope: Vec<IpPrefix> = vec![
        "192.0.2.0/24".parse().unwrap(),
        "2001:db8::/64".parse().unwrap(),
    ];
    let derived = derive(input.clone(), &DeriveOptions::new().scope(scope));
    assert_eq!(
        targets(&derived),
        [
            (ip("192.0.2.1"), "a.example.test"),
            (ip("2001:db8::c"), "c.example.test"),
            (ip("192.0.2.4"), "d.example.test"),
        ]
    );
    assert_eq!(derived.out_of_scope, 1);
    let all = derive(input, &DeriveOptions::new());
    assert_eq!(all.records.len(), 4);
    assert_eq!(all.out_of_scope, 0);
}

#[test]
fn names_no_ptr_can_carry_are_reported_not_dropped() {
    let input = forward(&[
        ("*.example.test", "192.0.2.1"),
        ("_sip.example.test", "192.0.2.2"),
        ("ok.example.test", "192.0.2.2"),
        ("lo.example.test", "127.0.0.1"),
    ]);
    let derived = derive(input, &DeriveOptions::new());
    // The unwritable name takes no part in the choice: .2 has one candidate.
    assert_eq!(targets(&derived), [(ip("192.0.2.2"), "ok.example.test")]);
    let skipped: Vec<(&str, bool)> = derived
        .skipped
        .iter()
        .map(|s| {
            (
                s.record.name.as_str(),
                matches!(s.reason, SkipReason::NotWritable(_)),
            )
        })
        .collect();
    assert_eq!(
        skipped,
        [
            ("*.example.test", true),
            ("_sip.example.test", true),
            ("lo.example.test", false),
        ]
    );
}
