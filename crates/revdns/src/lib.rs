#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod any;

pub use any::{AnyProvider, from_env};
pub use revdns_core::*;

/// EDIS Global (`revdns-edis`).
#[cfg(feature = "edis")]
pub use revdns_edis as edis;

/// IONOS Cloud DNS (`revdns-ionos`).
#[cfg(feature = "ionos")]
pub use revdns_ionos as ionos;

/// NTT Enterprise Cloud 2.0 DNS (`revdns-ecl`).
#[cfg(feature = "ecl")]
pub use revdns_ecl as ecl;
