//! End-to-end tests of the `revdns` binary against the simulator, on all
//! three providers: the exact output (tables and JSON), the exit codes, and
//! the end state read from the simulator's own records.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
#[path = "../../revdns-verify/tests/support/dns_server.rs"]
mod dns_server;
use revdns::reverse::reverse_name;
use revdns_sim::{ProviderId, SimConfig, Simulator, demo};

const PROVIDERS: [ProviderId; 3] = [ProviderId::Edis, ProviderId::Ionos, ProviderId::Ecl];

/// Operations that change state, by the simulator's names.
const WRITES: [&str; 9] = [
    "setPTR",
    "deletePTR",
    "reverserecordsPost",
    "reverserecordsPut",
    "reverserecordsDelete",
    "createRecordset",
    "updateRecordset",
    "deleteRecordset",
    "deleteRecordsets",
];

/// A simulator on its own runtime, so the test thread can block on the
/// binary while the simulator serves.
struct Sim {
    sim: Simulator,
    runtime: tokio::runtime::Runtime,
    dir: tempfile::TempDir,
}

impl Sim {
    fn start() -> Self {
        Self::with(SimConfig::demo())
    }

    fn with(config: SimConfig) -> Self {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let sim = runtime.block_on(Simulator::start(config)).unwrap();
        Self {
            sim,
            runtime,
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// `revdns` with the simulator's variables and nothing of the caller's
    /// environment that could pick another account.
    fn revdns(&self) -> Command {
        let mut cmd = Command::cargo_bin("revdns").unwrap();
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            // No accounts file from the machine running the tests.
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.dir.path());
        for (name, value) in self.sim.env_exports() {
            cmd.env(name, value);
        }
        cmd
    }

    /// `revdns --provider P ARGS...`, with the output collected.
    fn run(&self, provider: ProviderId, args: &[&str]) -> Output {
        self.revdns()
            .arg("--provider")
            .arg(provider.as_str())
            .args(args)
            .output()
            .unwrap()
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    /// The PTR the simulator holds for `ip`, read from its own state.
    fn ptr(&self, provider: ProviderId, ip: &str) -> Option<String> {
        let ip: IpAddr = ip.parse().unwrap();
        match provider {
            ProviderId::Edis => self.sim.edis_ptrs(demo::EDIS_KVM_ID).get(&ip).cloned(),
            ProviderId::Ionos => self.sim.ionos_records().get(&ip).map(|r| r.name.clone()),
            ProviderId::Ecl => {
                let name = reverse_name(ip);
                demo::ECL_ZONES
                    .iter()
                    .flat_map(|z| self.sim.ecl_recordsets(z))
                    .find(|r| r.record_type == "PTR" && r.name == name)
                    .map(|r| r.value.trim_end_matches('.').to_owned())
            }
            _ => unreachable!(),
        }
    }

    /// How many of `ips` have a PTR in the simulator's own state.
    fn held(&self, provider: ProviderId, ips: &[IpAddr]) -> usize {
        match provider {
            ProviderId::Edis => {
                let ptrs = self.sim.edis_ptrs(demo::EDIS_KVM_ID);
                ips.iter().filter(|ip| ptrs.contains_key(ip)).count()
            }
            ProviderId::Ionos => {
                let records = self.sim.ionos_records();
                ips.iter().filter(|ip| records.contains_key(ip)).count()
            }
            ProviderId::Ecl => {
                let names: std::collections::HashSet<String> = demo::ECL_ZONES
                    .iter()
                    .flat_map(|z| self.sim.ecl_recordsets(z))
                    .filter(|r| r.record_type == "PTR")
                    .map(|r| r.name)
                    .collect();
                ips.iter()
                    .filter(|ip| names.contains(&reverse_name(**ip)))
                    .count()
            }
            _ => unreachable!(),
        }
    }

    fn requests(&self, provider: ProviderId) -> u64 {
        self.sim
            .request_counts()
            .iter()
            .filter(|((p, _), _)| *p == provider)
            .map(|(_, n)| n)
            .sum()
    }

    fn writes(&self, provider: ProviderId) -> u64 {
        WRITES
            .iter()
            .map(|op| self.sim.request_count(provider, op))
            .sum()
    }
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

/// Asserts the exit code, showing both streams when it differs.
fn assert_code(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        stdout(out),
        stderr(out)
    );
}

const DESIRED: &str = "\
scope:
  - 192.0.2.0/24
records:
  - ip: 192.0.2.10
    target: mail.example.net
  - ip: 192.0.2.11
    target: www.example.net
  - { ip: 192.0.2.12, target: ns1.example.net }
";

#[test]
fn get_set_delete_show_each_address_and_change_the_simulator() {
    for p in PROVIDERS {
        let sim = Sim::start();
        let out = sim.run(p, &["get", "192.0.2.10", "192.0.2.11"]);
        assert_code(&out, 0);
        assert_eq!(
            stdout(&out),
            "IP          PTR  TTL  COMMENT\n192.0.2.10  -    -    -\n192.0.2.11  -    -    -\n",
            "{p}"
        );

        let out = sim.run(p, &["set", "192.0.2.10", "mail.example.net."]);
        assert_code(&out, 0);
        assert_eq!(
            stdout(&out),
            "RESULT   IP          DETAIL\n\
             created  192.0.2.10  mail.example.net\n\
             1 created, 0 updated, 0 deleted, 0 unchanged, 0 failed\n",
            "{p}"
        );
        assert_eq!(
            sim.ptr(p, "192.0.2.10").as_deref(),
            Some("mail.example.net"),
            "{p}"
        );

        let out = sim.run(p, &["get", "192.0.2.10", "192.0.2.11"]);
        assert_code(&out, 0);
        // ECL stores a TTL (its default, 3600); EDIS and IONOS have none.
        let expected = if p == ProviderId::Ecl {
            "IP          PTR               TTL   COMMENT\n\
             192.0.2.10  mail.example.net  3600  -\n\
             192.0.2.11  -                 -     -\n"
        } else {
            "IP          PTR               TTL  COMMENT\n\
             192.0.2.10  mail.example.net  -    -\n\
             192.0.2.11  -                 -    -\n"
        };
        assert_eq!(stdout(&out), expected, "{p}");

        // The same set again sends no write.
        let writes = sim.writes(p);
        let out = sim.run(p, &["set", "192.0.2.10", "mail.example.net"]);
        assert_code(&out, 0);
        assert_eq!(
            stdout(&out),
            "0 created, 0 updated, 0 deleted, 1 unchanged, 0 failed\n",
            "{p}"
        );
        assert_eq!(sim.writes(p), writes, "{p}");

        let out = sim.run(p, &["delete", "192.0.2.10", "192.0.2.11"]);
        assert_code(&out, 0);
        assert_eq!(
            stdout(&out),
            "RESULT   IP          DETAIL\n\
             deleted  192.0.2.10\n\
             0 created, 0 updated, 1 deleted, 1 unchanged, 0 failed\n",
            "{p}"
        );
        assert_eq!(sim.ptr(p, "192.0.2.10"), None, "{p}");
    }
}

#[test]
fn get_prints_the_librarys_map_as_json() {
    for p in PROVIDERS {
        let sim = Sim::start();
        sim.sim
            .preload_ptr(p, "2001:db8::5".parse().unwrap(), "v6.example.net")
            .unwrap();
        let out = sim.run(p, &["--json", "get", "2001:db8::5", "192.0.2.99"]);
        assert_code(&out, 0);
        let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        let ttl = if p == ProviderId::Ecl {
            serde_json::json!(3600)
        } else {
            serde_json::Value::Null
        };
        assert_eq!(
            json,
            serde_json::json!({
                "192.0.2.99": null,
                "2001:db8::5": {"ip": "2001:db8::5", "target": "v6.example.net", "ttl": ttl, "comment": null},
            }),
            "{p}"
        );
    }
}

#[test]
fn plan_then_apply_a_file_then_nothing_left_to_do() {
    for p in PROVIDERS {
        let sim = Sim::start();
        sim.sim
            .preload_ptr(p, "192.0.2.11".parse().unwrap(), "old.example.net")
            .unwrap();
        let file = sim.file("desired.yaml", DESIRED);
        let file = file.to_str().unwrap();

        let before = sim.requests(p);
        let out = sim.run(p, &["plan", "-f", file]);
        assert_code(&out, 0);
        assert_eq!(
            stdout(&out),
            "+  192.0.2.10  mail.example.net\n\
             +  192.0.2.12  ns1.example.net\n\
             ~  192.0.2.11  old.example.net -> www.example.net\n\
             plan: 2 to create, 1 to update, 0 to delete, 0 unchanged (1 existing in scope)\n",
            "{p}"
        );
        assert_eq!(sim.writes(p), 0, "{p}: plan wrote");
        assert!(sim.requests(p) > before, "{p}: plan read nothing");

        let out = sim.run(p, &["apply", "-f", file, "--yes"]);
        assert_code(&out, 0);
        assert_eq!(
            stdout(&out),
            "+  192.0.2.10  mail.example.net\n\
             +  192.0.2.12  ns1.example.net\n\
             ~  192.0.2.11  old.example.net -> www.example.net\n\
             plan: 2 to create, 1 to update, 0 to delete, 0 unchanged (1 existing in scope)\n\
             RESULT   IP          DETAIL\n\
             created  192.0.2.10  mail.example.net\n\
             updated  192.0.2.11  www.example.net\n\
             created  192.0.2.12  ns1.example.net\n\
             2 created, 1 updated, 0 deleted, 0 unchanged, 0 failed\n",
            "{p}"
        );
        for (ip, name) in [
            ("192.0.2.10", "mail.example.net"),
            ("192.0.2.11", "www.example.net"),
            ("192.0.2.12", "ns1.example.net"),
        ] {
            assert_eq!(sim.ptr(p, ip).as_deref(), Some(name), "{p} {ip}");
        }

        let writes = sim.writes(p);
        let out = sim.run(p, &["apply", "-f", file, "--yes"]);
        assert_code(&out, 0);
        assert_eq!(
            stdout(&out),
            "plan: 0 to create, 0 to update, 0 to delete, 3 unchanged (3 existing in scope)\n\
             0 created, 0 updated, 0 deleted, 3 unchanged, 0 failed\n",
            "{p}"
        );
        assert_eq!(sim.writes(p), writes, "{p}: a no-op apply wrote");
    }
}

#[test]
fn apply_json_is_the_plan_and_the_librarys_report() {
    for p in PROVIDERS {
        let sim = Sim::start();
        let file = sim.file(
            "one.toml",
            "[[records]]\nip = \"198.51.100.7\"\ntarget = \"seven.example.net\"\n",
        );
        let out = sim.run(
            p,
            &["--json", "apply", "-f", file.to_str().unwrap(), "--yes"],
        );
        assert_code(&out, 0);
        let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        let record = serde_json::json!({"ip": "198.51.100.7", "target": "seven.example.net", "ttl": null, "comment": null});
        assert_eq!(
            json,
            serde_json::json!({
                "plan": {"creates": [record], "updates": [], "deletes": [], "unchanged": [], "existing": 0},
                "applied": true,
                "interrupted": false,
                "report": {
                    "results": [{
                        "change": {"op": "upsert", "ip": "198.51.100.7", "target": "seven.example.net", "ttl": null, "comment": null},
                        "outcome": {"result": "created"},
                    }],
                    "counts": {"created": 1, "updated": 0, "deleted": 0, "unchanged": 0, "failed": 0},
                },
            }),
            "{p}"
        );
        assert_eq!(
            sim.ptr(p, "198.51.100.7").as_deref(),
            Some("seven.example.net")
        );
    }
}

#[test]
fn purge_deletes_unlisted_ptrs_inside_the_scope_only() {
    // EDIS cannot list, so it cannot purge: the documented Unsupported.
    for p in [ProviderId::Ionos, ProviderId::Ecl] {
        let sim = Sim::start();
        for (ip, name) in [
            ("192.0.2.50", "stale.example.net"),
            ("198.51.100.50", "elsewhere.example.net"),
        ] {
            sim.sim.preload_ptr(p, ip.parse().unwrap(), name).unwrap();
        }
        let file = sim.file("desired.yaml", DESIRED);
        let out = sim.run(
            p,
            &["apply", "-f", file.to_str().unwrap(), "--yes", "--purge"],
        );
        assert_code(&out, 0);
        assert!(
            stdout(&out).contains("-  192.0.2.50  stale.example.net"),
            "{}",
            stdout(&out)
        );
        assert!(stdout(&out).ends_with("3 created, 0 updated, 1 deleted, 0 unchanged, 0 failed\n"));
        assert_eq!(sim.ptr(p, "192.0.2.50"), None, "{p}");
        assert_eq!(
            sim.ptr(p, "198.51.100.50").as_deref(),
            Some("elsewhere.example.net"),
            "{p}: outside the scope"
        );
    }
    let sim = Sim::start();
    let file = sim.file("desired.yaml", DESIRED);
    let out = sim.run(
        ProviderId::Edis,
        &["apply", "-f", file.to_str().unwrap(), "--yes", "--purge"],
    );
    assert_code(&out, 2);
    assert!(
        stderr(&out).contains("does not support listing"),
        "{}",
        stderr(&out)
    );
    assert_eq!(sim.writes(ProviderId::Edis), 0);
}

#[test]
fn list_and_dump_give_what_exists_and_the_dump_plans_as_unchanged() {
    for p in [ProviderId::Ionos, ProviderId::Ecl] {
        let sim = Sim::start();
        for (ip, name) in [
            ("192.0.2.20", "b.example.net"),
            ("192.0.2.3", "a.example.net"),
            ("192.0.2.30", "host_1.example.net"),
            ("198.51.100.1", "other.example.net"),
        ] {
            sim.sim.preload_ptr(p, ip.parse().unwrap(), name).unwrap();
        }
        let out = sim.run(p, &["list", "--prefix", "192.0.2.0/24"]);
        assert_code(&out, 0);
        let expected = if p == ProviderId::Ecl {
            "IP          PTR                 TTL   COMMENT\n\
             192.0.2.3   a.example.net       3600  -\n\
             192.0.2.20  b.example.net       3600  -\n\
             192.0.2.30  host_1.example.net  3600  -\n"
        } else {
            "IP          PTR                 TTL  COMMENT\n\
             192.0.2.3   a.example.net       -    -\n\
             192.0.2.20  b.example.net       -    -\n\
             192.0.2.30  host_1.example.net  -    -\n"
        };
        assert_eq!(stdout(&out), expected, "{p}");

        let out = sim.run(p, &["dump", "--prefix", "192.0.2.0/24"]);
        assert_code(&out, 0);
        let ttl_line = if p == ProviderId::Ecl {
            "  ttl: 3600\n"
        } else {
            ""
        };
        assert_eq!(
            stdout(&out),
            format!(
                "scope:\n- 192.0.2.0/24\nrecords:\n\
                 - ip: \"192.0.2.3\"\n  target: a.example.net\n{ttl_line}\
                 - ip: \"192.0.2.20\"\n  target: b.example.net\n{ttl_line}\
                 # Left out: these PTRs exist, but their names cannot be written back as they are.\n\
                 # With purge on, applying this file would delete them.\n\
                 #   192.0.2.30 -> host_1.example.net\n"
            ),
            "{p}"
        );
        assert!(
            stderr(&out).contains("1 PTR(s) left out"),
            "{}",
            stderr(&out)
        );

        // The dump, planned back, changes nothing.
        let dumped = sim.file("dump.yaml", &stdout(&out));
        let out = sim.run(p, &["plan", "-f", dumped.to_str().unwrap()]);
        assert_code(&out, 0);
        assert_eq!(
            stdout(&out),
            "plan: 0 to create, 0 to update, 0 to delete, 2 unchanged (2 existing in scope)\n",
            "{p}"
        );

        let out = sim.run(
            p,
            &["dump", "--prefix", "198.51.100.0/24", "--format", "toml"],
        );
        assert_code(&out, 0);
        let ttl_line = if p == ProviderId::Ecl {
            "ttl = 3600\n"
        } else {
            ""
        };
        assert_eq!(
            stdout(&out),
            format!(
                "scope = [\"198.51.100.0/24\"]\n\n[[records]]\nip = \"198.51.100.1\"\ntarget = \"other.example.net\"\n{ttl_line}"
            ),
            "{p}"
        );
    }
    let sim = Sim::start();
    for cmd in ["list", "dump"] {
        let out = sim.run(ProviderId::Edis, &[cmd]);
        assert_code(&out, 2);
        assert_eq!(
            stderr(&out),
            "error: edis does not support listing PTR records\n"
        );
    }
}

#[test]
fn a_file_with_errors_names_file_line_and_column_and_sends_nothing() {
    for p in PROVIDERS {
        let sim = Sim::start();
        let file = sim.file(
            "bad.yaml",
            "scope: [192.0.2.0/24]\n\
             records:\n\
             \x20 - ip: 192.0.2.10\n\
             \x20   target: mail.example.net\n\
             \x20 - ip: 192.0.2.10\n\
             \x20   target: again.example.net\n\
             \x20 - ip: 198.51.100.1\n\
             \x20   target: outside.example.net\n\
             \x20 - ip: 192.0.2.12\n\
             \x20   target: host_1.example.net\n\
             \x20 - ip: 192.0.2.255.1\n\
             \x20   target: x.example.net\n",
        );
        let path = file.display().to_string();
        let out = sim.run(p, &["apply", "-f", &path, "--yes"]);
        assert_code(&out, 2);
        assert_eq!(
            stderr(&out),
            format!(
                "error: {path}:5:9: ip: 192.0.2.10 is listed twice (first at line 3)\n\
                 error: {path}:7:9: ip: 198.51.100.1 lies outside the scope (192.0.2.0/24)\n\
                 error: {path}:10:13: target: label `host_1` contains `_`; only letters, digits and hyphens are allowed\n\
                 error: {path}:11:9: ip: \"192.0.2.255.1\" is not an IP address\n\
                 nothing was sent: fix the file and run again\n"
            ),
            "{p}"
        );
        let unknown = sim.file(
            "unknown.toml",
            "[[records]]\nip = \"192.0.2.1\"\ntarget = \"a.example.net\"\ncolour = \"red\"\n",
        );
        let upath = unknown.display().to_string();
        let out = sim.run(p, &["plan", "-f", &upath]);
        assert_code(&out, 2);
        assert_eq!(
            stderr(&out),
            format!(
                "error: {upath}:4:1: unknown field `colour`, expected one of `ip`, `target`, `ttl`, `comment`\n\
                 nothing was sent: fix the file and run again\n"
            )
        );
        assert_eq!(sim.requests(p), 0, "{p}: something was sent");
    }
}

/// Twenty PTRs exist; a file that repoints ten of them is over the 30 %
/// threshold.
fn over_threshold(sim: &Sim, p: ProviderId) -> PathBuf {
    let mut text = String::from("records:\n");
    for n in 1..=20 {
        let ip = format!("192.0.2.{n}");
        sim.sim
            .preload_ptr(p, ip.parse().unwrap(), &format!("h{n}.example.net"))
            .unwrap();
        let target = if n <= 10 {
            format!("new{n}.example.net")
        } else {
            format!("h{n}.example.net")
        };
        text.push_str(&format!("  - {{ ip: {ip}, target: {target} }}\n"));
    }
    sim.file("many.yaml", &text)
}

#[test]
fn the_safety_threshold_refuses_with_code_3_unless_forced() {
    for p in PROVIDERS {
        let sim = Sim::start();
        let file = over_threshold(&sim, p);
        let file = file.to_str().unwrap();
        let out = sim.run(p, &["apply", "-f", file, "--yes"]);
        assert_code(&out, 3);
        assert!(
            stderr(&out).starts_with("error: ") && stderr(&out).contains("10"),
            "{}",
            stderr(&out)
        );
        assert_eq!(sim.writes(p), 0, "{p}");
        assert_eq!(sim.ptr(p, "192.0.2.1").as_deref(), Some("h1.example.net"));

        let out = sim.run(p, &["plan", "-f", file]);
        assert_code(&out, 0);
        assert!(
            stdout(&out).contains("note: `revdns apply` will refuse this plan without --force")
        );

        let out = sim.run(p, &["apply", "-f", file, "--yes", "--force"]);
        assert_code(&out, 0);
        assert!(
            stdout(&out).ends_with("0 created, 10 updated, 0 deleted, 10 unchanged, 0 failed\n")
        );
        assert_eq!(sim.ptr(p, "192.0.2.1").as_deref(), Some("new1.example.net"));
    }
}

#[test]
fn apply_asks_first_and_a_no_sends_nothing() {
    for p in PROVIDERS {
        let sim = Sim::start();
        let file = sim.file("desired.yaml", DESIRED);
        let answer = |text: &str| {
            sim.revdns()
                .args(["--provider", p.as_str(), "apply", "-f"])
                .arg(&file)
                .write_stdin(text)
                .output()
                .unwrap()
        };
        let out = answer("n\n");
        assert_code(&out, 1);
        assert_eq!(
            stderr(&out),
            format!("apply 3 change(s) to {p}? [y/N] \nnot applied: nothing was sent\n")
        );
        assert_eq!(sim.writes(p), 0, "{p}");

        let out = answer("yes\n");
        assert_code(&out, 0);
        assert_eq!(sim.ptr(p, "192.0.2.12").as_deref(), Some("ns1.example.net"));
    }
}

#[test]
fn refused_credentials_exit_4_and_are_never_printed() {
    let wrong = "wrong-secret-value-8c1f";
    for (p, var) in [
        (ProviderId::Edis, "EDIS_PASSWORD"),
        (ProviderId::Ionos, "IONOS_TOKEN"),
        (ProviderId::Ecl, "OS_PASSWORD"),
    ] {
        let sim = Sim::start();
        let out = sim
            .revdns()
            .env(var, wrong)
            .args(["-v", "--provider", p.as_str(), "get", "192.0.2.1"])
            .output()
            .unwrap();
        assert_code(&out, 4);
        assert!(stderr(&out).starts_with("error: "), "{}", stderr(&out));
        assert!(!stderr(&out).contains(wrong) && !stdout(&out).contains(wrong));

        // A write whose every change fails on the credentials also exits 4.
        let out = sim
            .revdns()
            .env(var, wrong)
            .args([
                "--provider",
                p.as_str(),
                "set",
                "192.0.2.1",
                "a.example.net",
            ])
            .output()
            .unwrap();
        assert!(
            matches!(out.status.code(), Some(4)),
            "{p}: {}{}",
            stdout(&out),
            stderr(&out)
        );
        assert!(!stderr(&out).contains(wrong) && !stdout(&out).contains(wrong));
    }
}

#[test]
fn a_change_the_provider_cannot_carry_fails_alone_with_code_1() {
    // EDIS stores no comments: that change fails, the other one lands.
    let sim = Sim::start();
    let file = sim.file(
        "mixed.yaml",
        "records:\n  - { ip: 192.0.2.1, target: a.example.net, comment: note }\n  - { ip: 192.0.2.2, target: b.example.net }\n",
    );
    let out = sim.run(
        ProviderId::Edis,
        &["apply", "-f", file.to_str().unwrap(), "--yes"],
    );
    assert_code(&out, 1);
    let text = stdout(&out);
    assert!(text.contains("failed   192.0.2.1  "), "{text}");
    assert!(
        text.contains("created  192.0.2.2  b.example.net\n"),
        "{text}"
    );
    assert!(text.ends_with("1 created, 0 updated, 0 deleted, 0 unchanged, 1 failed\n"));
    assert_eq!(sim.ptr(ProviderId::Edis, "192.0.2.1"), None);
    assert_eq!(
        sim.ptr(ProviderId::Edis, "192.0.2.2").as_deref(),
        Some("b.example.net")
    );
}

#[test]
fn accounts_come_from_the_config_file_with_secrets_from_env_or_file() {
    let sim = Sim::start();
    let exports: BTreeMap<&str, String> = sim.sim.env_exports().into_iter().collect();
    let secret_file = sim.file("ecl-secret", &format!("{}\n", demo::ECL_PASSWORD));
    let config = sim.file(
        "config.toml",
        &format!(
            "[accounts.office]\nprovider = \"ionos\"\nIONOS_DNS_API_URL = {:?}\nIONOS_TOKEN = {{ env = \"OFFICE_TOKEN\" }}\n\n\
             [accounts.tokyo]\nprovider = \"ecl\"\nOS_AUTH_URL = {:?}\nOS_USERNAME = {:?}\nOS_PASSWORD = {{ file = {:?} }}\nOS_PROJECT_ID = {:?}\nOS_REGION_NAME = \"jp1\"\n",
            exports["IONOS_DNS_API_URL"],
            exports["OS_AUTH_URL"],
            demo::ECL_USERNAME,
            secret_file.display().to_string(),
            demo::ECL_PROJECT_ID,
        ),
    );
    let run = |args: &[&str]| {
        Command::cargo_bin("revdns")
            .unwrap()
            .env_clear()
            .env("OFFICE_TOKEN", demo::IONOS_TOKEN)
            .arg("--config")
            .arg(&config)
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&[
        "--account",
        "office",
        "set",
        "192.0.2.5",
        "office.example.net",
    ]);
    assert_code(&out, 0);
    assert_eq!(
        sim.ptr(ProviderId::Ionos, "192.0.2.5").as_deref(),
        Some("office.example.net")
    );
    let out = run(&["-a", "tokyo", "set", "192.0.2.5", "tokyo.example.net"]);
    assert_code(&out, 0);
    assert_eq!(
        sim.ptr(ProviderId::Ecl, "192.0.2.5").as_deref(),
        Some("tokyo.example.net")
    );

    // A file for one account is refused under another, before any request.
    let file = sim.file("for-office.yaml", "account: office\nrecords: []\n");
    let before = sim.requests(ProviderId::Ecl);
    let out = run(&["-a", "tokyo", "plan", "-f", file.to_str().unwrap()]);
    assert_code(&out, 2);
    assert_eq!(
        stderr(&out),
        "error: the file is for account `office`, not `tokyo`\n"
    );
    assert_eq!(sim.requests(ProviderId::Ecl), before);

    // Two accounts and none chosen: a usage error naming the ways to choose.
    let out = run(&["get", "192.0.2.5"]);
    assert_code(&out, 2);
    assert!(stderr(&out).contains("--account NAME"), "{}", stderr(&out));
    let out = run(&["-a", "nowhere", "get", "192.0.2.5"]);
    assert_code(&out, 2);
    assert!(
        stderr(&out).contains("no account `nowhere`"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("office, tokyo"), "{}", stderr(&out));
}

#[test]
fn bad_arguments_are_usage_errors_before_any_request() {
    let sim = Sim::start();
    for args in [
        &["get"][..],
        &["get", "not-an-ip"],
        &["set", "192.0.2.1", "host_1.example.net"],
        &["set", "127.0.0.1", "lo.example.net"],
        &["list", "--prefix", "192.0.2.0/33"],
        &["frobnicate"],
    ] {
        for p in PROVIDERS {
            let out = sim.run(p, args);
            assert_code(&out, 2);
            assert!(!stderr(&out).is_empty(), "{args:?}");
        }
    }
    for p in PROVIDERS {
        assert_eq!(sim.requests(p), 0, "{p}");
    }
}

#[test]
fn schema_and_completions_print() {
    let sim = Sim::start();
    let out = sim.revdns().arg("schema").output().unwrap();
    assert_code(&out, 0);
    let schema: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(schema["title"], "revdns desired state");
    assert_eq!(schema["additionalProperties"], false);
    for shell in ["bash", "zsh", "fish"] {
        let out = sim.revdns().args(["completions", shell]).output().unwrap();
        assert_code(&out, 0);
        assert!(stdout(&out).contains("revdns"), "{shell}");
        assert!(stdout(&out).contains("apply"), "{shell}");
    }
}

/// Example files next to this test: `files/valid/*` load and plan,
/// `files/invalid/*` are refused, by the schema and by `revdns` alike.
#[test]
fn the_schema_agrees_with_the_loader_on_the_example_files() {
    let sim = Sim::start();
    let out = sim.revdns().arg("schema").output().unwrap();
    let schema: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/files");
    let mut seen = 0;
    for (kind, valid) in [("valid", true), ("invalid", false)] {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir.join(kind))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        paths.sort();
        for path in paths {
            let text = std::fs::read_to_string(&path).unwrap();
            let value: serde_json::Value = if path.extension().is_some_and(|e| e == "toml") {
                toml::from_str(&text).unwrap()
            } else {
                serde_saphyr::from_str(&text).unwrap()
            };
            assert_eq!(
                validator.is_valid(&value),
                valid,
                "{}: {:?}",
                path.display(),
                validator
                    .iter_errors(&value)
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
            );
            let out = sim.run(ProviderId::Ionos, &["plan", "-f", path.to_str().unwrap()]);
            assert_code(&out, if valid { 0 } else { 2 });
            seen += 1;
        }
    }
    assert!(seen >= 8, "only {seen} example files");
}

#[test]
fn ctrl_c_stops_between_requests_and_prints_what_was_settled() {
    use std::time::{Duration, Instant};

    use revdns_sim::Faults;

    const N: usize = 400;
    for p in PROVIDERS {
        let slow = Faults::none().latency(Duration::from_millis(40));
        let sim = Sim::with(SimConfig::demo().faults(p, slow));
        let mut text = String::from("records:\n");
        for n in 0..N {
            text.push_str(&format!(
                "  - {{ ip: \"2001:db8::{n:x}\", target: h{n}.example.net }}\n"
            ));
        }
        let file = sim.file("big.yaml", &text);
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("revdns"));
        cmd.env_clear()
            .env("HOME", sim.dir.path())
            .env("XDG_CONFIG_HOME", sim.dir.path());
        for (name, value) in sim.sim.env_exports() {
            cmd.env(name, value);
        }
        let child = cmd
            .args(["--provider", p.as_str(), "apply", "--yes", "-f"])
            .arg(&file)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Interrupt once a write has landed at the provider (not merely
        // arrived), and a few round trips later so that some answers are
        // in, well before the end.
        let ips: Vec<IpAddr> = (0..N)
            .map(|n| format!("2001:db8::{n:x}").parse().unwrap())
            .collect();
        let started = Instant::now();
        while sim.held(p, &ips) == 0 {
            assert!(started.elapsed() < Duration::from_secs(30), "{p}: no write");
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(Duration::from_millis(120));
        let status = std::process::Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let out = child.wait_with_output().unwrap();
        assert_code(&out, 130);
        let text = stdout(&out);
        let last = text.lines().last().unwrap();
        let settled: usize = last
            .strip_suffix(&format!(" of {N} changes settled before the interrupt"))
            .unwrap_or_else(|| panic!("{p}: {last}"))
            .parse()
            .unwrap();
        assert!(settled < N, "{p}: the interrupt came too late to test");
        assert!(stderr(&out).contains("interrupted:"), "{}", stderr(&out));
        // Every change reported created is at the provider.
        let created: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("created  "))
            .map(|l| l.split_whitespace().next().unwrap())
            .collect();
        assert_eq!(created.len(), settled, "{p}");
        for ip in &created {
            assert!(
                sim.ptr(p, ip).is_some(),
                "{p}: {ip} reported created, not there"
            );
        }

        // The same apply again finishes the work, with progress lines.
        let out = sim.run(
            p,
            &[
                "--progress",
                "always",
                "apply",
                "--yes",
                "-f",
                file.to_str().unwrap(),
            ],
        );
        assert_code(&out, 0);
        // Writes in flight at the interrupt may have landed: the plan says
        // how many are left, and the progress lines count up to it.
        let left: usize = stdout(&out)
            .lines()
            .find_map(|l| l.strip_prefix("plan: "))
            .and_then(|l| l.split(' ').next())
            .unwrap()
            .parse()
            .unwrap();
        // What had landed at the interrupt is not planned again.
        assert!(
            left >= (N - settled).saturating_sub(64) && left < N && left <= N - settled,
            "{p}: {left}"
        );
        assert!(
            stderr(&out).ends_with(&format!("progress: {left}/{left} changes\n")),
            "{p}: {}",
            stderr(&out)
        );
        for n in [0, N / 2, N - 1] {
            assert_eq!(
                sim.ptr(p, &format!("2001:db8::{n:x}")),
                Some(format!("h{n}.example.net")),
                "{p}"
            );
        }
    }
}

const FORWARD_ZONE: &str = "\
$ORIGIN example.net.
$TTL 3600
@     IN SOA ns hostmaster 1 3600 600 86400 300
mail  IN A     192.0.2.10
www   IN A     192.0.2.11
web   IN A     192.0.2.11
v6    IN AAAA  2001:db8::10
_svc  IN A     192.0.2.12
far   IN A     203.0.113.5
";

#[test]
fn derive_from_a_zone_file_apply_then_verify_against_dns() {
    use dns_server::{DnsServer, Zone};

    for p in PROVIDERS {
        let sim = Sim::start();
        let zone = sim.file("example.net.zone", FORWARD_ZONE);
        let zone = zone.to_str().unwrap();
        let from_zone = [
            "--from-zone",
            zone,
            "--scope",
            "192.0.2.0/24",
            "--scope",
            "2001:db8::/64",
            "--prefer",
            "www.example.net",
        ];
        let out = sim.run(p, &[&["plan"][..], &from_zone].concat());
        assert_code(&out, 0);
        assert_eq!(
            stdout(&out),
            "+  192.0.2.10    mail.example.net\n\
             +  192.0.2.11    www.example.net\n\
             +  2001:db8::10  v6.example.net\n\
             plan: 3 to create, 0 to update, 0 to delete, 0 unchanged (0 existing in scope)\n",
            "{p}"
        );
        assert!(
            stderr(&out).contains("192.0.2.12 -> _svc.example.net (line 8) skipped:"),
            "{}",
            stderr(&out)
        );
        let out = sim.run(p, &[&["apply", "--yes"][..], &from_zone].concat());
        assert_code(&out, 0);
        assert_eq!(sim.ptr(p, "192.0.2.11").as_deref(), Some("www.example.net"));
        assert!(sim.writes(p) > 0);

        // The forward zone has moved on since: www now points elsewhere.
        let dns = sim.runtime.block_on(DnsServer::start(
            vec![
                Zone::new("example.net.")
                    .a("mail.example.net.", "192.0.2.10")
                    .a("www.example.net.", "192.0.2.99")
                    .a("v6.example.net.", "2001:db8::10"),
            ],
            vec![],
        ));
        let ns = dns.addr.to_string();
        let out = sim.run(
            p,
            &[
                "verify",
                "--nameserver",
                &ns,
                "192.0.2.10",
                "192.0.2.11",
                "2001:db8::10",
                "192.0.2.50",
            ],
        );
        assert_code(&out, 1);
        assert_eq!(
            stdout(&out),
            "IP            PTR               RESULT     DETAIL\n\
             192.0.2.10    mail.example.net  confirmed\n\
             192.0.2.11    www.example.net   mismatch   resolves to 192.0.2.99\n\
             2001:db8::10  v6.example.net    confirmed\n\
             192.0.2.50    -                 no-ptr     the provider holds no PTR\n\
             4 checked: 2 confirmed, 1 mismatch, 0 no address, 0 lookup failed, 1 no PTR\n",
            "{p}"
        );
        let out = sim.run(p, &["--json", "verify", "--nameserver", &ns, "192.0.2.10"]);
        assert_code(&out, 0);
        let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(json["verdicts"][0]["outcome"], "confirmed", "{json}");

        // Listing what the account holds: EDIS cannot.
        let out = sim.run(
            p,
            &["verify", "--nameserver", &ns, "--prefix", "192.0.2.0/24"],
        );
        if p == ProviderId::Edis {
            assert_code(&out, 2);
        } else {
            assert_code(&out, 1);
            assert!(
                stdout(&out).ends_with(
                    "2 checked: 1 confirmed, 1 mismatch, 0 no address, 0 lookup failed, 0 no PTR\n"
                ),
                "{}",
                stdout(&out)
            );
        }
    }
}

#[test]
fn a_zone_file_syntax_error_names_file_and_line_and_sends_nothing() {
    let sim = Sim::start();
    let zone = sim.file("bad.zone", "$ORIGIN example.net.\nmail IN A 192.0.2.300\n");
    for p in PROVIDERS {
        let out = sim.run(p, &["plan", "--from-zone", zone.to_str().unwrap()]);
        assert_code(&out, 2);
        assert!(
            stderr(&out).starts_with(&format!("error: {}:2: ", zone.display())),
            "{}",
            stderr(&out)
        );
        assert_eq!(sim.requests(p), 0);
    }
}

#[test]
fn apply_costs_the_requests_of_the_librarys_ensure() {
    let mut text = String::from("records:\n");
    let mut records = Vec::new();
    for n in 0..120 {
        let (ip, target) = (
            format!("2001:db8::{:x}", 0x100 + n),
            format!("h{n}.example.net"),
        );
        text.push_str(&format!("  - {{ ip: \"{ip}\", target: {target} }}\n"));
        records.push(revdns::PtrRecord::new(
            ip.parse().unwrap(),
            target.parse().unwrap(),
        ));
    }
    for p in PROVIDERS {
        // The library's ensure, twice (all new, then all unchanged), each
        // with a new client, as each run of the binary has...
        let lib = Sim::start();
        let exports: BTreeMap<&str, String> = lib.sim.env_exports().into_iter().collect();
        let mut library = Vec::new();
        for _ in 0..2 {
            let client =
                revdns::AnyProvider::from_env_with(p, |k| exports.get(k).cloned()).unwrap();
            let before = lib.requests(p);
            let report = lib
                .runtime
                .block_on(revdns::ensure(&client, &records))
                .unwrap();
            assert!(report.is_success());
            library.push(lib.requests(p) - before);
        }
        // ...and `revdns apply` of the same records, twice.
        let cli = Sim::start();
        let file = cli.file("ptrs.yaml", &text);
        let mut command = Vec::new();
        for _ in 0..2 {
            let before = cli.requests(p);
            let out = cli.run(p, &["apply", "--yes", "-f", file.to_str().unwrap()]);
            assert_code(&out, 0);
            command.push(cli.requests(p) - before);
        }
        assert_eq!(
            command, library,
            "{p}: apply vs ensure requests (new, unchanged)"
        );
    }
}
