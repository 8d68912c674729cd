//! Every request of the generated client passes the shared runtime
//! ([`revdns_core::runtime::Runtime`]); EDIS's dialect is in [`crate::error`].

/// The generated client's inner type: the shared runtime.
pub type HookState = revdns_core::runtime::Runtime;

revdns_core::runtime_hooks!(crate::generated::Client);
