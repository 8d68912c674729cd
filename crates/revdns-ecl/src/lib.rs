#![doc = include_str!("../README.md")]

mod auth;
mod client;
mod config;
mod error;
mod hooks;
mod listing;
mod names;
mod provider;
pub mod records;
mod timestamp;
mod zones;

#[cfg(feature = "mock")]
pub mod mock;

#[rustfmt::skip]
#[allow(missing_docs, missing_debug_implementations, unreachable_pub, unused_qualifications, clippy::all, clippy::pedantic, rustdoc::all)]
mod generated;

/// The NTT Enterprise Cloud 2.0 DNS API as described by the hand-written
/// spec (`specs/ecl-dns/openapi.yaml`): the generated client and its types.
/// Most users want the high-level [`Client`] instead; this is the escape
/// hatch for what it does not cover (zones, other record types). Get one
/// with the token and endpoint attached from [`Client::api`].
pub mod api {
    pub use crate::generated::{Client, DEFAULT_BASE_URL, Error, ResponseValue};
    pub use crate::hooks::HookState;

    /// The types of the spec's schemas, all generated but the two names
    /// checked by hand ([`RecordsetName`](types::RecordsetName) and
    /// [`ZoneName`](types::ZoneName)) and
    /// [`RecordValues`](crate::records::RecordValues).
    pub mod types {
        pub use crate::generated::types::*;
        pub use crate::names::{NameError, RecordsetName, ZoneName};
    }
}

pub use client::Client;
pub use config::{
    Builder, DEFAULT_CONCURRENCY, DEFAULT_CONSISTENCY_BUDGET, DEFAULT_TIMEOUT, DEFAULT_TTL,
    ENV_VARS, MAX_TTL,
};
pub use provider::ZONES_IN_FLIGHT;
pub use revdns_core::{
    ApplyReport, Capabilities, Enumeration, Error, Hostname, Outcome, ProviderId, PtrChange,
    PtrProvider, PtrRecord, RetryConfig,
};
