#![doc = include_str!("../README.md")]

pub mod address;
pub mod apply;
pub mod capabilities;
pub mod endpoint;
pub mod env_var;
pub mod error;
pub mod gate;
pub mod hostname;
pub mod input;
pub mod ip_map;
pub mod prefix;
pub mod provider;
pub mod provider_id;
pub mod record;
pub mod report;
pub mod retry;
pub mod reverse;
pub mod runtime;
pub mod secret;
pub mod sync;

pub use capabilities::{Capabilities, Enumeration};
pub use env_var::EnvVar;
pub use error::{BoxError, Error, ErrorMeta};
pub use futures_util::stream::BoxStream;
pub use gate::{Gate, Gated};
pub use hostname::Hostname;
pub use prefix::IpPrefix;
pub use provider::PtrProvider;
pub use provider_id::ProviderId;
pub use record::{PtrChange, PtrRecord};
pub use report::{ApplyReport, ChangeResult, Outcome, ReportCounts};
pub use retry::RetryConfig;
pub use reverse::ZoneMatch;
pub use sync::{Plan, PlanOptions, apply_plan, apply_plan_with_progress, ensure, plan, remove};

/// `Result` with [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
