#![doc = include_str!("../README.md")]

mod auth;
mod client;
pub mod config;
mod error;
pub mod form;
mod hooks;
mod lookup;
mod provider;

#[cfg(feature = "mock")]
pub mod mock;

#[rustfmt::skip]
#[allow(missing_docs, missing_debug_implementations, unreachable_pub, unused_qualifications, clippy::all, clippy::pedantic, rustdoc::all)]
mod generated;

pub use client::Client;
pub use config::{Builder, Credentials, ENV_VARS};
pub use revdns_core::{
    ApplyReport, Capabilities, ChangeResult, Enumeration, Error, Hostname, Outcome, ProviderId,
    PtrChange, PtrProvider, PtrRecord, RetryConfig,
};

/// The EDIS Global API as described by the vendored spec and its patches: the
/// generated client and its types. Most users want [`Client`] instead; this
/// is the escape hatch for what it does not cover.
pub mod api {
    pub use crate::generated::{
        Client, DEFAULT_BASE_URL, Error, PATH_SERVERS, ResponseValue, types,
    };
    pub use crate::hooks::HookState;
}
