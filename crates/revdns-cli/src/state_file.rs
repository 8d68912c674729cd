//! The desired-state file: which addresses a file manages and the PTR each
//! one should have, in YAML or TOML. The same types give the JSON Schema
//! (`revdns schema`), so the schema cannot drift from what is read.
//!
//! Loading checks everything that can be checked without a provider, and
//! names the file, line and column of each problem; a file with any error
//! is refused as a whole, so nothing is sent for it.

use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use revdns::{Hostname, IpPrefix, PtrRecord};
use revdns_core::address::{canonical_ip, check_address};
use revdns_core::input::check_comment;
use revdns_core::ip_map::IpMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::located::{Format, Located, Position, position_of, with_format};

/// The PTRs a set of addresses should have.
///
/// `records` lists the wanted PTRs. Addresses in `scope` that are not
/// listed are left alone unless `purge` is on.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "revdns desired state")]
pub(crate) struct StateFile {
    /// The account (in the config file) this file is for. When given,
    /// `--account` must name the same one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) account: Option<Located<String>>,
    /// Address blocks this file manages, like `192.0.2.0/24`. Every record
    /// must lie inside one of them; `purge` deletes the unlisted PTRs inside
    /// them. Empty: no check, and no purge.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "Vec<String>")]
    pub(crate) scope: Vec<Located<String>>,
    /// Delete the PTRs inside `scope` that `records` does not list
    /// (default: off).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) purge: Option<Located<bool>>,
    /// The wanted PTRs, one per address.
    #[serde(default)]
    pub(crate) records: Vec<Located<RecordEntry>>,
}

/// One wanted PTR.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RecordEntry {
    /// The address, IPv4 or IPv6.
    #[schemars(schema_with = "ip_schema")]
    pub(crate) ip: Located<String>,
    /// The host name the PTR points at, like `mail.example.net` (a trailing
    /// dot is optional).
    #[schemars(
        with = "String",
        regex(
            pattern = r"^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?$"
        ),
        length(min = 1, max = 254)
    )]
    pub(crate) target: Located<String>,
    /// Time to live in seconds, where the provider supports it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<u32>", range(min = 1))]
    pub(crate) ttl: Option<Located<u32>>,
    /// A note stored with the record, where the provider supports it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub(crate) comment: Option<Located<String>>,
}

/// A checked file: the records to plan, its scope and purge setting.
#[derive(Debug, Clone)]
pub(crate) struct DesiredState {
    pub(crate) scope: Vec<IpPrefix>,
    pub(crate) purge: bool,
    pub(crate) records: Vec<PtrRecord>,
}

/// One problem in a file, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileIssue {
    pub(crate) at: Position,
    pub(crate) message: String,
}

/// Why a file was refused: it could not be read, or every problem found.
#[derive(Debug)]
pub(crate) struct FileError {
    pub(crate) path: PathBuf,
    pub(crate) issues: Vec<FileIssue>,
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path.display();
        for (n, issue) in self.issues.iter().enumerate() {
            if n > 0 {
                f.write_str("\n")?;
            }
            if issue.at.line == 0 {
                write!(f, "{path}: {}", issue.message)?;
            } else {
                write!(f, "{path}:{}: {}", issue.at, issue.message)?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for FileError {}

impl FileError {
    fn one(path: &Path, at: Position, message: impl Into<String>) -> Self {
        Self {
            path: path.to_owned(),
            issues: vec![FileIssue {
                at,
                message: message.into(),
            }],
        }
    }
}

/// The format of `path`, from its extension (YAML unless `.toml`).
pub(crate) fn format_of(path: &Path) -> Format {
    match path.extension().and_then(|e| e.to_str()) {
        Some(ext) if ext.eq_ignore_ascii_case("toml") => Format::Toml,
        _ => Format::Yaml,
    }
}

/// Reads the file at `path` and parses it (syntax and keys only; see
/// [`check`] for the rest).
pub(crate) fn read(path: &Path) -> Result<StateFile, FileError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| FileError::one(path, Position::default(), format!("cannot read it: {e}")))?;
    parse_syntax(path, &text)
}

pub(crate) fn parse_syntax(path: &Path, text: &str) -> Result<StateFile, FileError> {
    match format_of(path) {
        Format::Yaml => with_format(Format::Yaml, text, || {
            // An empty document is an empty file, not an error.
            if text.trim().is_empty() {
                return Ok(StateFile::default());
            }
            serde_saphyr::from_str::<StateFile>(text).map_err(|e| {
                let at = e
                    .location()
                    .map(|l| Position {
                        line: usize::try_from(l.line()).unwrap_or(0),
                        column: usize::try_from(l.column()).unwrap_or(0),
                    })
                    .unwrap_or_default();
                FileError::one(path, at, first_line(&yaml_message(&e)))
            })
        }),
        Format::Toml => with_format(Format::Toml, text, || {
            toml::from_str::<StateFile>(text).map_err(|e| {
                let at = e
                    .span()
                    .map(|s| {
                        let (line, column) = position_of(text, s.start);
                        Position { line, column }
                    })
                    .unwrap_or_default();
                FileError::one(path, at, first_line(e.message()))
            })
        }),
    }
}

/// The message of a YAML error without the rendered source snippet.
fn yaml_message(e: &serde_saphyr::Error) -> String {
    let text = e.to_string();
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("invalid YAML");
    // The rendering starts with "error: line 3 column 5: "; the position is
    // given separately, so keep the message itself.
    let line = line.strip_prefix("error: ").unwrap_or(line);
    match line.split_once(": ") {
        Some((head, rest)) if head.starts_with("line ") && head.contains(" column ") => {
            rest.to_owned()
        }
        _ => line.to_owned(),
    }
}

fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or(message).trim().to_owned()
}

/// Checks a parsed file: addresses, duplicates, scope, names, TTLs and
/// comments (against `max_comment_chars`, the provider's limit when known).
/// Every problem is reported, each with its position.
pub(crate) fn check(
    path: &Path,
    file: StateFile,
    max_comment_chars: Option<usize>,
) -> Result<DesiredState, FileError> {
    let mut issues = Vec::new();
    let mut issue = |at: Position, message: String| issues.push(FileIssue { at, message });

    let mut scope = Vec::new();
    for entry in &file.scope {
        match entry.value.parse::<IpPrefix>() {
            Ok(prefix) => scope.push(prefix),
            Err(_) => issue(
                entry.at,
                format!(
                    "scope: {:?} is not an address block like 192.0.2.0/24",
                    entry.value
                ),
            ),
        }
    }
    let purge = file.purge.as_ref().is_some_and(|p| p.value);
    if let Some(p) = file.purge.as_ref().filter(|p| p.value)
        && file.scope.is_empty()
    {
        issue(
            p.at,
            "purge: needs a scope, the address blocks whose unlisted PTRs may be deleted".into(),
        );
    }

    let mut seen: IpMap<Position> = IpMap::default();
    let mut records = Vec::with_capacity(file.records.len());
    for entry in &file.records {
        let r = &entry.value;
        let ip = match r.ip.value.trim().parse::<IpAddr>() {
            Ok(ip) => ip,
            Err(_) => {
                issue(
                    r.ip.at,
                    format!("ip: {:?} is not an IP address", r.ip.value),
                );
                continue;
            }
        };
        if let Err(e) = check_address(ip) {
            issue(r.ip.at, format!("ip: {}", reason(&e)));
            continue;
        }
        let key = canonical_ip(ip);
        if let Some(first) = seen.get(&key) {
            issue(
                r.ip.at,
                format!("ip: {ip} is listed twice (first at line {})", first.line),
            );
            continue;
        }
        seen.insert(key, r.ip.at);
        if !revdns_core::prefix::in_scope(&scope, key) {
            issue(
                r.ip.at,
                format!("ip: {ip} lies outside the scope ({})", join(&scope)),
            );
        }
        let target = match Hostname::new(r.target.value.as_str()) {
            Ok(t) => t,
            Err(e) => {
                issue(r.target.at, format!("target: {}", reason(&e)));
                continue;
            }
        };
        let mut record = PtrRecord::new(ip, target);
        if let Some(ttl) = &r.ttl {
            if ttl.value == 0 {
                issue(ttl.at, "ttl: must be at least 1 second".into());
            }
            record = record.with_ttl(ttl.value);
        }
        if let Some(comment) = &r.comment {
            if let Err(e) = check_comment(None, ip, &comment.value, max_comment_chars) {
                issue(comment.at, format!("comment: {}", reason(&e)));
            }
            record = record.with_comment(comment.value.clone());
        }
        records.push(record);
    }
    if !issues.is_empty() {
        return Err(FileError {
            path: path.to_owned(),
            issues,
        });
    }
    Ok(DesiredState {
        scope,
        purge,
        records,
    })
}

/// The reason of a validation error, without the kind prefix.
fn reason(e: &revdns::Error) -> String {
    match e {
        revdns::Error::Validation { reason, .. } => reason.clone(),
        other => other.to_string(),
    }
}

fn join(scope: &[IpPrefix]) -> String {
    scope
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The file that describes `records` as they are: what `revdns dump` writes.
pub(crate) fn from_records(
    account: Option<&str>,
    scope: &[IpPrefix],
    records: &[PtrRecord],
) -> StateFile {
    StateFile {
        account: account.map(|a| Located::new(a.to_owned())),
        scope: scope.iter().map(|p| Located::new(p.to_string())).collect(),
        purge: None,
        records: records
            .iter()
            .map(|r| {
                Located::new(RecordEntry {
                    ip: Located::new(r.ip.to_string()),
                    target: Located::new(r.target.to_string()),
                    ttl: r.ttl.map(Located::new),
                    comment: r.comment.clone().map(Located::new),
                })
            })
            .collect(),
    }
}

/// An IPv4 or IPv6 address, in the formats JSON Schema validators know.
fn ip_schema(_: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
    serde_json::from_value(serde_json::json!({
        "type": "string",
        "anyOf": [{"format": "ipv4"}, {"format": "ipv6"}],
    }))
    .unwrap_or(schemars::schema::Schema::Bool(true))
}

/// The JSON Schema of the file, as `revdns schema` prints it.
pub(crate) fn schema() -> serde_json::Value {
    let generator = schemars::r#gen::SchemaSettings::draft07().into_generator();
    let schema = generator.into_root_schema_for::<StateFile>();
    serde_json::to_value(schema).unwrap_or_default()
}
