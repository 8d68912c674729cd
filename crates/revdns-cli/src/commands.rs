//! The commands that need no desired-state file: get, set, delete, list,
//! dump, schema, completions.

use std::io::Write;
use std::net::IpAddr;

use clap::CommandFactory;
use revdns::sync::list_in;
use revdns::{ApplyReport, Hostname, IpPrefix, Outcome, PtrChange, PtrProvider, PtrRecord, remove};

use crate::args::{Cli, DumpFormat, Global};
use crate::failure::{Failure, code, sdk_code};
use crate::output;
use crate::select;
use crate::state_file;

/// Writes `text` to stdout.
pub(crate) fn emit(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// Prints `value` as JSON under `--json`, else its table (unless `--quiet`).
pub(crate) fn show<T: serde::Serialize + ?Sized>(
    global: &Global,
    value: &T,
    table: impl FnOnce(&T) -> String,
) -> Result<(), Failure> {
    if global.json {
        emit(&output::json(value))
    } else if global.quiet {
        Ok(())
    } else {
        emit(&table(value))
    }
}

pub(crate) async fn get(global: &Global, ips: &[IpAddr]) -> Result<u8, Failure> {
    let target = select::client(global, None)?;
    let found = target.client.get(ips).await?;
    show(global, &found, output::lookups)?;
    Ok(code::OK)
}

pub(crate) async fn set(
    global: &Global,
    ip: IpAddr,
    host: &str,
    ttl: Option<u32>,
    comment: Option<String>,
) -> Result<u8, Failure> {
    // The name is checked before any account is touched.
    let mut record = PtrRecord::new(ip, Hostname::new(host)?);
    if let Some(ttl) = ttl {
        record = record.with_ttl(ttl);
    }
    if let Some(comment) = comment {
        record = record.with_comment(comment);
    }
    let target = select::client(global, None)?;
    let report = target.client.apply(&[PtrChange::from(record)]).await?;
    print_report(global, &report)
}

pub(crate) async fn delete(global: &Global, ips: &[IpAddr]) -> Result<u8, Failure> {
    let target = select::client(global, None)?;
    let report = remove(&target.client, ips).await?;
    print_report(global, &report)
}

/// Prints a report and gives its exit code.
pub(crate) fn print_report(global: &Global, report: &ApplyReport) -> Result<u8, Failure> {
    show(global, report, output::report)?;
    Ok(report_code(report))
}

/// 0 when nothing failed; 4 when every failure was the credentials; else 1.
pub(crate) fn report_code(report: &ApplyReport) -> u8 {
    let codes: Vec<u8> = report
        .failures()
        .filter_map(|r| match &r.outcome {
            Outcome::Failed(e) => Some(sdk_code(e)),
            _ => None,
        })
        .collect();
    if codes.is_empty() {
        code::OK
    } else if codes.iter().all(|&c| c == code::AUTH) {
        code::AUTH
    } else {
        code::FAILED
    }
}

pub(crate) async fn list(global: &Global, prefixes: &[IpPrefix]) -> Result<u8, Failure> {
    let target = select::client(global, None)?;
    let records = list_in(&target.client, prefixes).await?;
    show(global, records.as_slice(), output::records)?;
    Ok(code::OK)
}

pub(crate) async fn dump(
    global: &Global,
    prefixes: &[IpPrefix],
    format: DumpFormat,
) -> Result<u8, Failure> {
    let target = select::client(global, None)?;
    let records = list_in(&target.client, prefixes).await?;
    // A stored name the write rule refuses (`host_1.example.net`) would make
    // the file fail to load; it is left out, and said so in the file.
    let (writable, skipped): (Vec<PtrRecord>, Vec<PtrRecord>) =
        records.into_iter().partition(|r| r.target.is_writable());
    let file = state_file::from_records(target.account.as_deref(), prefixes, &writable);
    let mut text = match format {
        DumpFormat::Yaml => serde_saphyr::to_string(&file)
            .map_err(|e| Failure::Usage(format!("cannot write YAML: {e}")))?,
        DumpFormat::Toml => {
            toml::to_string(&file).map_err(|e| Failure::Usage(format!("cannot write TOML: {e}")))?
        }
    };
    if !skipped.is_empty() {
        text.push_str(
            "# Left out: these PTRs exist, but their names cannot be written back as they are.\n\
             # With purge on, applying this file would delete them.\n",
        );
        for r in &skipped {
            text.push_str(&format!("#   {} -> {}\n", r.ip, r.target.as_str()));
        }
        if !global.quiet {
            eprintln!(
                "warning: {} PTR(s) left out of the file: their names cannot be written back (listed at its end)",
                skipped.len()
            );
        }
    }
    emit(&text)?;
    Ok(code::OK)
}

pub(crate) fn schema() -> Result<u8, Failure> {
    emit(&output::json(&state_file::schema()))?;
    Ok(code::OK)
}

pub(crate) fn completions(shell: clap_complete::Shell) -> Result<u8, Failure> {
    let mut buffer = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "revdns", &mut buffer);
    std::io::stdout().lock().write_all(&buffer)?;
    Ok(code::OK)
}
