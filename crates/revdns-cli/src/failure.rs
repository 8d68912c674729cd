//! Why a command stopped, and the exit code each reason gives.

use std::fmt;
use std::process::ExitCode;

use crate::accounts::{ClientError, ConfigError};
use crate::state_file::FileError;

/// The documented exit codes.
pub(crate) mod code {
    /// Everything asked was done.
    pub(crate) const OK: u8 = 0;
    /// Some changes failed, or the apply was declined at its prompt.
    pub(crate) const FAILED: u8 = 1;
    /// Usage or input error: bad arguments, a bad file or account, an
    /// operation the provider cannot do. Nothing was sent.
    pub(crate) const USAGE: u8 = 2;
    /// The plan is over the safety threshold and `--force` was not given.
    /// Nothing was sent.
    pub(crate) const THRESHOLD: u8 = 3;
    /// The provider refused the credentials.
    pub(crate) const AUTH: u8 = 4;
    /// Stopped by Ctrl-C; what was done so far was printed.
    pub(crate) const INTERRUPTED: u8 = 130;
}

/// Why a command stopped before finishing its work.
#[derive(Debug)]
pub(crate) enum Failure {
    /// Arguments that do not fit together.
    Usage(String),
    /// A desired-state file with errors.
    File(FileError),
    /// A bad accounts file or an unreadable secret.
    Config(ConfigError),
    /// What the library said.
    Sdk(revdns::Error),
    /// Writing the output failed (a closed pipe, a full disk).
    Output(std::io::Error),
    /// The user answered no at the apply prompt.
    Declined,
    /// Ctrl-C during an apply.
    Interrupted,
    /// The simulator could not start.
    #[cfg(feature = "sim")]
    Sim(String),
}

impl From<revdns::Error> for Failure {
    fn from(e: revdns::Error) -> Self {
        Self::Sdk(e)
    }
}

impl From<FileError> for Failure {
    fn from(e: FileError) -> Self {
        Self::File(e)
    }
}

impl From<ConfigError> for Failure {
    fn from(e: ConfigError) -> Self {
        Self::Config(e)
    }
}

impl From<ClientError> for Failure {
    fn from(e: ClientError) -> Self {
        match e {
            ClientError::Config(e) => Self::Config(e),
            ClientError::Sdk(e) => Self::Sdk(e),
        }
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Self::Output(e)
    }
}

/// The exit code of a library error.
pub(crate) fn sdk_code(e: &revdns::Error) -> u8 {
    use revdns::Error as E;
    match e {
        E::Auth { .. } | E::Forbidden { .. } => code::AUTH,
        E::Validation { .. } | E::Unsupported { .. } => code::USAGE,
        E::TooManyChanges { .. } => code::THRESHOLD,
        _ => code::FAILED,
    }
}

impl Failure {
    pub(crate) fn exit_code(&self) -> ExitCode {
        ExitCode::from(match self {
            Self::Usage(_) | Self::File(_) | Self::Config(_) => code::USAGE,
            Self::Sdk(e) => sdk_code(e),
            Self::Output(_) | Self::Declined => code::FAILED,
            Self::Interrupted => code::INTERRUPTED,
            #[cfg(feature = "sim")]
            Self::Sim(_) => code::FAILED,
        })
    }

    /// The lines to print on stderr: one per problem, then with `verbose`
    /// the cause chain.
    pub(crate) fn render(&self, verbose: bool) -> String {
        let mut out = String::new();
        match self {
            Self::File(e) => {
                for line in e.to_string().lines() {
                    out.push_str(&format!("error: {line}\n"));
                }
                out.push_str("nothing was sent: fix the file and run again\n");
            }
            Self::Sdk(e) => {
                out.push_str(&format!("error: {e}\n"));
                if verbose {
                    let mut source = std::error::Error::source(e);
                    while let Some(cause) = source {
                        out.push_str(&format!("  caused by: {cause}\n"));
                        source = cause.source();
                    }
                }
            }
            Self::Declined => out.push_str("not applied: nothing was sent\n"),
            Self::Interrupted => {
                out.push_str("interrupted: the changes above are all that was settled; run the same apply again to finish\n");
            }
            other => out.push_str(&format!("error: {other}\n")),
        }
        out
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Usage(m) => f.write_str(m),
            Self::File(e) => e.fmt(f),
            Self::Config(e) => e.fmt(f),
            Self::Sdk(e) => e.fmt(f),
            Self::Output(e) => write!(f, "cannot write the output: {e}"),
            Self::Declined => f.write_str("declined"),
            Self::Interrupted => f.write_str("interrupted"),
            #[cfg(feature = "sim")]
            Self::Sim(m) => write!(f, "the simulator: {m}"),
        }
    }
}
