#![doc = include_str!("../README.md")]

mod config;
pub mod derive;
mod lookup;
mod outcome;
mod verifier;

pub use config::{ConfigError, VerifierBuilder};
pub use derive::{
    Conflict, DeriveError, DeriveOptions, Derived, ForwardRecord, NamePreference, SkipReason,
    Skipped, derive, parse_plain_list, parse_zone, read_plain_list, read_zone_file,
};
pub use outcome::{
    FailureKind, IpVerdict, NoAddressReason, Outcome, Published, PublishedReport, Summary,
    Verification,
};
pub use verifier::Verifier;
