//! Read-only copies of the records the simulator holds, for assertions.

use std::net::IpAddr;

use uuid::Uuid;

/// An IONOS reverse record (see [`Simulator::ionos_records`](crate::Simulator::ionos_records)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IonosRecord {
    /// The record id.
    pub id: Uuid,
    /// The address.
    pub ip: IpAddr,
    /// The PTR target (`properties.name`).
    pub name: String,
    /// `properties.description`, when set.
    pub description: Option<String>,
}

/// An ECL recordset (see [`Simulator::ecl_recordsets`](crate::Simulator::ecl_recordsets)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EclRecordset {
    /// The recordset id.
    pub id: Uuid,
    /// The zone it belongs to.
    pub zone_id: Uuid,
    /// Owner name, lower case with the trailing dot.
    pub name: String,
    /// `PTR`, `A`, `NS`, `SOA`, …
    pub record_type: String,
    /// The one value (ECL keeps one value per recordset).
    pub value: String,
    /// TTL in seconds.
    pub ttl: u32,
    /// The description, when set.
    pub description: Option<String>,
}

/// An ECL zone (see [`Simulator::ecl_zones`](crate::Simulator::ecl_zones)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EclZoneInfo {
    /// The zone id.
    pub id: Uuid,
    /// Name, lower case with the trailing dot.
    pub name: String,
    /// The tenant that owns it.
    pub project_id: String,
    /// `CREATING` or `ACTIVE`, as a GET would answer now.
    pub status: String,
}
