#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod any;

pub use any::{AnyProvider, env_vars, from_env};
// The common interface, its types and the sync functions; the runtime
// plumbing (`runtime`, `endpoint`, `retry`) stays in revdns-core for
// provider crates.
pub use revdns_core::apply::Progress;
/// Gated applies: confirm the plan of a provider's own read before it writes.
pub use revdns_core::gate::{self, Gate, Gated};
/// Reverse-name maths: the reverse name of an address and back, and the
/// zone that holds a name.
pub use revdns_core::reverse;
/// Under the default `rustls-ring` backend, lets the program's own reqwest
/// clients build before any revdns client (see the README's Features).
pub use revdns_core::runtime::install_tls_provider;
/// [`ensure`], [`remove`], [`plan`] and [`apply_plan`], and
/// [`satisfies`](sync::satisfies).
pub use revdns_core::sync;
pub use revdns_core::{
    ApplyReport, BoxStream, Capabilities, ChangeResult, Enumeration, EnvVar, Error, ErrorMeta,
    Hostname, IpPrefix, Outcome, Plan, PlanOptions, ProviderId, PtrChange, PtrProvider, PtrRecord,
    ReportCounts, Result, RetryConfig, ZoneMatch, apply_plan, apply_plan_with_progress, ensure,
    plan, remove,
};

/// EDIS Global (`revdns-edis`).
#[cfg(feature = "edis")]
pub use revdns_edis as edis;

/// IONOS Cloud DNS (`revdns-ionos`).
#[cfg(feature = "ionos")]
pub use revdns_ionos as ionos;

/// NTT Enterprise Cloud 2.0 DNS (`revdns-ecl`).
#[cfg(feature = "ecl")]
pub use revdns_ecl as ecl;
