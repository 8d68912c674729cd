#![doc = include_str!("../README.md")]

mod hooks;

#[rustfmt::skip]
#[allow(missing_docs, missing_debug_implementations, unreachable_pub, unused_qualifications, clippy::all, clippy::pedantic, rustdoc::all)]
mod generated;

/// The IONOS Cloud DNS API as described by the vendored spec and its patches: the
/// generated client and its types. Most users want the high-level client
/// instead; this is the escape hatch for what it does not cover.
pub mod api {
    pub use crate::generated::{Client, DEFAULT_BASE_URL, Error, ResponseValue, types};
    pub use crate::hooks::HookState;
}
