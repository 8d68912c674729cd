//! A and AAAA records from an RFC 1035 zone file (section 5).
//!
//! The file is streamed line by line and never held whole: memory is one
//! line (one entry inside parentheses) plus the A/AAAA pairs kept. Handled:
//! `$ORIGIN`, `$TTL`, `@`, relative names, owners carried over by leading
//! blanks, TTL and class in either order, parentheses across lines, quoted
//! strings, `;` comments. Records of other types are tokenised and dropped
//! without reading their data, so a type this reader does not know is no
//! error. `$INCLUDE` is refused (see [`DeriveError::Include`]).

use std::fs::File;
use std::io::{BufRead, BufReader, ErrorKind};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::Path;

use super::{DeriveError, ForwardRecord, normalise_name};

/// Reads the A and AAAA records of the zone file at `path`.
///
/// `origin` is the origin for relative names until the file's own
/// `$ORIGIN` (a trailing dot is optional); without either, a relative name
/// is a syntax error.
///
/// # Errors
///
/// [`DeriveError::Io`] when the file cannot be read,
/// [`DeriveError::Syntax`] with the line of the first error,
/// [`DeriveError::Include`] for an `$INCLUDE`.
pub fn read_zone_file(
    path: &Path,
    origin: Option<&str>,
) -> Result<Vec<ForwardRecord>, DeriveError> {
    let file = File::open(path).map_err(|source| DeriveError::Io {
        path: path.to_owned(),
        source,
    })?;
    parse_zone(BufReader::new(file), path, origin)
}

/// [`read_zone_file`] from any buffered reader; `path` names the source in
/// errors.
///
/// # Errors
///
/// As [`read_zone_file`].
pub fn parse_zone(
    reader: impl BufRead,
    path: &Path,
    origin: Option<&str>,
) -> Result<Vec<ForwardRecord>, DeriveError> {
    let mut scanner = Scanner {
        path,
        origin: origin.map(normalise_name),
        last_owner: None,
        records: Vec::new(),
    };
    let mut entries = Entries::new(reader, path);
    while let Some(entry) = entries.next_entry()? {
        scanner.entry(entry)?;
    }
    Ok(scanner.records)
}

/// One token of an entry and the line it stands on.
#[derive(Debug)]
struct Token {
    text: String,
    quoted: bool,
    line: usize,
}

/// One logical entry: the tokens of a line, or of several lines joined by
/// parentheses.
#[derive(Debug, Default)]
struct Entry {
    /// The entry began with a blank: it has the previous entry's owner.
    indented: bool,
    line: usize,
    tokens: Vec<Token>,
}

/// Splits the input into entries, reading one line at a time.
struct Entries<'p, R> {
    reader: R,
    path: &'p Path,
    buf: String,
    line: usize,
}

impl<'p, R: BufRead> Entries<'p, R> {
    fn new(reader: R, path: &'p Path) -> Self {
        Self {
            reader,
            path,
            buf: String::new(),
            line: 0,
        }
    }

    fn syntax(&self, line: usize, message: impl Into<String>) -> DeriveError {
        DeriveError::Syntax {
            path: self.path.to_owned(),
            line,
            message: message.into(),
        }
    }

    /// Reads the next line into `buf`; `false` at the end of the input.
    fn read_line(&mut self) -> Result<bool, DeriveError> {
        self.buf.clear();
        self.line += 1;
        match self.reader.read_line(&mut self.buf) {
            Ok(0) => Ok(false),
            Ok(_) => Ok(true),
            Err(e) if e.kind() == ErrorKind::InvalidData => {
                Err(self.syntax(self.line, "the line is not UTF-8 text"))
            }
            Err(source) => Err(DeriveError::Io {
                path: self.path.to_owned(),
                source,
            }),
        }
    }

    fn next_entry(&mut self) -> Result<Option<Entry>, DeriveError> {
        let mut entry = Entry::default();
        let mut depth = 0usize;
        let mut open_line = 0;
        loop {
            if !self.read_line()? {
                if depth > 0 {
                    return Err(self.syntax(open_line, "unclosed parenthesis"));
                }
                return Ok(None);
            }
            let line = self.line;
            if entry.tokens.is_empty() && depth == 0 {
                entry.indented = self.buf.starts_with([' ', '\t']);
                entry.line = line;
            }
            let entry = &mut entry;
            let mut chars = self.buf.trim_end_matches(['\n', '\r']).chars().peekable();
            let mut current: Option<String> = None;
            let flush = |current: &mut Option<String>, tokens: &mut Vec<Token>| {
                if let Some(text) = current.take() {
                    tokens.push(Token {
                        text,
                        quoted: false,
                        line,
                    });
                }
            };
            while let Some(c) = chars.next() {
                match c {
                    ';' => break,
                    ' ' | '\t' => flush(&mut current, &mut entry.tokens),
                    '(' => {
                        flush(&mut current, &mut entry.tokens);
                        if depth == 0 {
                            open_line = line;
                        }
                        depth += 1;
                    }
                    ')' => {
                        flush(&mut current, &mut entry.tokens);
                        depth = depth.checked_sub(1).ok_or_else(|| {
                            self.syntax(line, "closing parenthesis without an opening one")
                        })?;
                    }
                    '"' => {
                        flush(&mut current, &mut entry.tokens);
                        let mut text = String::new();
                        loop {
                            match chars.next() {
                                Some('"') => break,
                                Some('\\') => {
                                    text.push('\\');
                                    text.extend(chars.next());
                                }
                                Some(c) => text.push(c),
                                None => {
                                    return Err(self.syntax(line, "unterminated quoted string"));
                                }
                            }
                        }
                        entry.tokens.push(Token {
                            text,
                            quoted: true,
                            line,
                        });
                    }
                    '\\' => {
                        // An escape keeps the next character in the token.
                        let text = current.get_or_insert_with(String::new);
                        text.push('\\');
                        text.extend(chars.next());
                    }
                    c => current.get_or_insert_with(String::new).push(c),
                }
            }
            flush(&mut current, &mut entry.tokens);
            if depth == 0 {
                if entry.tokens.is_empty() {
                    // A blank or comment-only line: no entry.
                    continue;
                }
                return Ok(Some(std::mem::take(entry)));
            }
        }
    }
}

/// Turns entries into forward records.
struct Scanner<'p> {
    path: &'p Path,
    /// The current origin, absolute, lower case, without the final dot
    /// (empty for the root).
    origin: Option<String>,
    last_owner: Option<String>,
    records: Vec<ForwardRecord>,
}

impl Scanner<'_> {
    fn syntax(&self, line: usize, message: impl Into<String>) -> DeriveError {
        DeriveError::Syntax {
            path: self.path.to_owned(),
            line,
            message: message.into(),
        }
    }

    fn entry(&mut self, entry: Entry) -> Result<(), DeriveError> {
        let mut tokens = entry.tokens.into_iter().peekable();
        let first = match tokens.peek() {
            Some(first) if !entry.indented => first,
            _ => return self.record(entry.line, None, tokens),
        };
        if first.quoted || !first.text.starts_with('$') {
            let owner = tokens.next().expect("peeked");
            return self.record(entry.line, Some(owner), tokens);
        }
        let directive = tokens.next().expect("peeked");
        let argument = tokens.next();
        match directive.text.to_ascii_uppercase().as_str() {
            "$ORIGIN" => {
                let name = argument
                    .ok_or_else(|| self.syntax(directive.line, "$ORIGIN without a name"))?;
                let origin = self.name(&name)?;
                self.origin = Some(origin);
            }
            "$TTL" => {
                let ttl =
                    argument.ok_or_else(|| self.syntax(directive.line, "$TTL without a value"))?;
                if !is_ttl(&ttl.text) {
                    return Err(self.syntax(ttl.line, format!("{:?} is not a TTL", ttl.text)));
                }
            }
            "$INCLUDE" => {
                return Err(DeriveError::Include {
                    path: self.path.to_owned(),
                    included: argument.map(|a| a.text).unwrap_or_default(),
                });
            }
            other => {
                return Err(self.syntax(directive.line, format!("unsupported directive {other}")));
            }
        }
        Ok(())
    }

    fn record(
        &mut self,
        line: usize,
        owner: Option<Token>,
        mut rest: impl Iterator<Item = Token>,
    ) -> Result<(), DeriveError> {
        let owner = match owner {
            Some(token) => {
                let name = self.name(&token)?;
                self.last_owner = Some(name.clone());
                name
            }
            None => self
                .last_owner
                .clone()
                .ok_or_else(|| self.syntax(line, "a record without an owner name"))?,
        };
        // [TTL] [class] type, TTL and class in either order (RFC 1035 §5.1).
        let mut record_type = None;
        for token in rest.by_ref().take(3) {
            if is_ttl(&token.text) || is_class(&token.text) {
                continue;
            }
            record_type = Some(token);
            break;
        }
        let record_type =
            record_type.ok_or_else(|| self.syntax(line, format!("no record type for {owner}")))?;
        let kind = record_type.text.to_ascii_uppercase();
        if kind != "A" && kind != "AAAA" {
            return Ok(());
        }
        let data: Vec<Token> = rest.collect();
        let [address] = data.as_slice() else {
            return Err(self.syntax(
                record_type.line,
                format!(
                    "{kind} record for {owner} needs one address, found {} values",
                    data.len()
                ),
            ));
        };
        let ip = if kind == "A" {
            address.text.parse::<Ipv4Addr>().map(Into::into).ok()
        } else {
            address.text.parse::<Ipv6Addr>().map(Into::into).ok()
        };
        let ip = ip.ok_or_else(|| {
            self.syntax(
                address.line,
                format!(
                    "{:?} is not an {} address",
                    address.text,
                    if kind == "A" { "IPv4" } else { "IPv6" }
                ),
            )
        })?;
        self.records.push(ForwardRecord {
            name: owner,
            ip,
            line: Some(address.line),
        });
        Ok(())
    }

    /// A name made absolute: `@` is the origin, a name without a final dot
    /// is relative to it. Lower case, without the final dot.
    fn name(&self, token: &Token) -> Result<String, DeriveError> {
        if token.quoted {
            return Err(self.syntax(token.line, "a name cannot be a quoted string"));
        }
        let text = token.text.as_str();
        if text == "@" {
            return self
                .origin
                .clone()
                .ok_or_else(|| self.syntax(token.line, "@ without an origin ($ORIGIN)"));
        }
        if text.ends_with('.') && !text.ends_with("\\.") {
            return Ok(normalise_name(text));
        }
        let origin = self.origin.as_ref().ok_or_else(|| {
            self.syntax(
                token.line,
                format!("relative name {text:?} without an origin ($ORIGIN)"),
            )
        })?;
        let name = if origin.is_empty() {
            text.to_owned()
        } else {
            format!("{text}.{origin}")
        };
        Ok(name.to_ascii_lowercase())
    }
}

/// A TTL: seconds, or BIND's units (`1h30m`, `2d`).
fn is_ttl(text: &str) -> bool {
    text.starts_with(|c: char| c.is_ascii_digit())
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || "smhdwSMHDW".contains(c))
}

fn is_class(text: &str) -> bool {
    let upper = text.to_ascii_uppercase();
    matches!(upper.as_str(), "IN" | "CH" | "HS" | "CS" | "ANY")
        || upper
            .strip_prefix("CLASS")
            .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}
