#![doc = include_str!("../README.md")]

mod auth;
mod client;
mod config;
mod hooks;
mod page;
mod provider;
mod record;

#[cfg(feature = "mock")]
pub mod mock;

#[rustfmt::skip]
#[allow(missing_docs, missing_debug_implementations, unreachable_pub, unused_qualifications, clippy::all, clippy::pedantic, rustdoc::all)]
mod generated;

/// The IONOS Cloud DNS API as described by the vendored spec and its patches: the
/// generated client and its types. Most users want the high-level client
/// instead; this is the escape hatch for what it does not cover.
///
/// Requests made through it share the [`Client`]'s token, retries and error-body
/// handling (see [`Client::api`]).
pub mod api {
    pub use crate::generated::{Client, DEFAULT_BASE_URL, Error, ResponseValue, types};
    pub use crate::hooks::HookState;
}

pub use auth::Token;
pub use client::Client;
pub use config::{
    Builder, DEFAULT_CONCURRENCY, DEFAULT_TIMEOUT, ENV_BASE_URL, ENV_TOKEN, ENV_VARS,
};
pub use provider::MAX_DESCRIPTION_CHARS;
pub use record::{Ensured, ReverseRecord};
pub use revdns_core::{
    ApplyReport, BoxStream, Capabilities, Enumeration, Error, Hostname, Outcome, ProviderId,
    PtrChange, PtrProvider, PtrRecord, RetryConfig,
};
