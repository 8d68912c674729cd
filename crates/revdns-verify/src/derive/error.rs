//! [`DeriveError`]: why a forward-record source could not be read.

use std::io;
use std::path::PathBuf;

/// A zone file or plain list that could not be read.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum DeriveError {
    /// The file could not be opened or read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// The text breaks the format; nothing from the file is used.
    #[error("{}:{line}: {message}", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// The line of the error, counting from 1.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A zone file with an `$INCLUDE`: included files are not followed (a
    /// zone from elsewhere must not make revdns read arbitrary paths);
    /// derive from each file on its own.
    #[error("{}: $INCLUDE {included} is not followed; derive from that file separately", path.display())]
    Include {
        /// The zone file.
        path: PathBuf,
        /// The path its `$INCLUDE` names.
        included: String,
    },
}
