//! Forward records from a plain list: one `name address` pair per line.
//!
//! Blank lines and `#` comments (whole lines or line ends) are skipped.
//! The list is read line by line, never whole.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::net::IpAddr;
use std::path::Path;

use super::{DeriveError, ForwardRecord, normalise_name};

/// Reads the `name address` pairs of the list at `path`.
///
/// # Errors
///
/// [`DeriveError::Io`] when the file cannot be read, [`DeriveError::Syntax`]
/// naming the line of the first line that is not a name and an address.
pub fn read_plain_list(path: &Path) -> Result<Vec<ForwardRecord>, DeriveError> {
    let file = File::open(path).map_err(|source| DeriveError::Io {
        path: path.to_owned(),
        source,
    })?;
    parse_plain_list(BufReader::new(file), path)
}

/// [`read_plain_list`] from any buffered reader; `path` names the source in
/// errors.
///
/// # Errors
///
/// As [`read_plain_list`].
pub fn parse_plain_list(
    reader: impl BufRead,
    path: &Path,
) -> Result<Vec<ForwardRecord>, DeriveError> {
    let mut records = Vec::new();
    for (index, line) in reader.lines().enumerate() {
        let number = index + 1;
        let line = line.map_err(|source| DeriveError::Io {
            path: path.to_owned(),
            source,
        })?;
        let syntax = |message: String| DeriveError::Syntax {
            path: path.to_owned(),
            line: number,
            message,
        };
        let content = line.split_once('#').map_or(line.as_str(), |(c, _)| c);
        let fields: Vec<&str> = content.split_whitespace().collect();
        match fields.as_slice() {
            [] => {}
            [name, address] => {
                let ip: IpAddr = address
                    .parse()
                    .map_err(|_| syntax(format!("{address:?} is not an IP address")))?;
                records.push(ForwardRecord {
                    name: normalise_name(name),
                    ip,
                    line: Some(number),
                });
            }
            _ => {
                return Err(syntax(format!(
                    "expected `name address`, found {} fields",
                    fields.len()
                )));
            }
        }
    }
    Ok(records)
}
