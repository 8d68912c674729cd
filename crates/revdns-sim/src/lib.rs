#![doc = include_str!("../README.md")]

pub mod admin;
pub mod cli;
mod clock;
mod config;
mod counters;
mod delivery;
mod ecl;
mod edis;
mod faults;
mod ionos;
mod server;
mod simulator;
mod views;
mod wire;

pub use config::{
    EDIS_MAX_BATCH, EclUser, EclZone, EdisAccount, EdisKvm, IonosToken, SimConfig, demo,
};
pub use faults::{FaultCounts, Faults, RateLimit};
pub use revdns_core::IpPrefix;
pub use revdns_core::ProviderId;
pub use simulator::{Simulator, env_exports_for};
pub use views::{EclRecordset, EclZoneInfo, IonosRecord};
