//! [`ReverseRecord`], IONOS's view of one PTR, and [`Ensured`], what
//! [`Client::ensure_record`](crate::Client::ensure_record) did.

use std::net::IpAddr;

use revdns_core::{Hostname, Outcome, PtrRecord};
use uuid::Uuid;

use crate::api::types;

/// One IONOS reverse record: the PTR of `ip`, stored under a record id.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReverseRecord {
    /// The record id (a UUID), needed to update or delete the record.
    pub id: Uuid,
    /// The address the PTR is for.
    pub ip: IpAddr,
    /// The PTR target as IONOS stores it (no trailing dot, normally).
    pub name: String,
    /// The free-text description; an empty one is `None`.
    pub description: Option<String>,
}

impl ReverseRecord {
    /// Whether the record already says `name` and `description`: names
    /// compare case-insensitively and without a trailing dot (DNS names are
    /// case-insensitive), descriptions exactly, with an empty one equal to none.
    pub fn matches(&self, name: &Hostname, description: Option<&str>) -> bool {
        self.name
            .trim_end_matches('.')
            .eq_ignore_ascii_case(name.as_str())
            && self.description.as_deref() == description.filter(|d| !d.is_empty())
    }

    /// The provider-neutral form; `description` becomes the comment. The
    /// name is read as IONOS holds it ([`Hostname::from_stored`]), so a name
    /// set elsewhere that revdns would not write (`host_1.example.net`,
    /// `router`) still reads, compares and can be overwritten. `None` for a
    /// record with an empty name, which points nowhere.
    pub fn to_ptr_record(&self) -> Option<PtrRecord> {
        let target = Hostname::from_stored(&self.name)?;
        let mut record = PtrRecord::new(self.ip, target);
        record.comment = self.description.clone();
        Some(record)
    }
}

impl ReverseRecord {
    /// A record as IONOS answers it; an empty description is none.
    pub(crate) fn read(id: Uuid, ip: IpAddr, name: String, description: Option<String>) -> Self {
        ReverseRecord {
            id,
            ip,
            name,
            description: description.filter(|d| !d.is_empty()),
        }
    }
}

impl From<types::ReverseRecordRead> for ReverseRecord {
    fn from(read: types::ReverseRecordRead) -> Self {
        let p = read.properties;
        ReverseRecord::read(read.id, p.ip, p.name, p.description)
    }
}

/// What [`Client::ensure_record`](crate::Client::ensure_record) did, with the record as it
/// now is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ensured {
    /// There was no record for the IP; one was created.
    Created(ReverseRecord),
    /// The IP's record said something else; it was replaced.
    Updated(ReverseRecord),
    /// The IP's record already said this; nothing was written.
    Unchanged(ReverseRecord),
}

impl Ensured {
    /// The record as it now is.
    pub fn record(&self) -> &ReverseRecord {
        match self {
            Ensured::Created(r) | Ensured::Updated(r) | Ensured::Unchanged(r) => r,
        }
    }

    /// The record as it now is, by value.
    pub fn into_record(self) -> ReverseRecord {
        match self {
            Ensured::Created(r) | Ensured::Updated(r) | Ensured::Unchanged(r) => r,
        }
    }

    /// The matching [`Outcome`] for an [`ApplyReport`](revdns_core::ApplyReport).
    pub fn outcome(&self) -> Outcome {
        match self {
            Ensured::Created(_) => Outcome::Created,
            Ensured::Updated(_) => Outcome::Updated,
            Ensured::Unchanged(_) => Outcome::Unchanged,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(name: &str, description: Option<&str>) -> ReverseRecord {
        ReverseRecord {
            id: Uuid::nil(),
            ip: "192.0.2.1".parse().unwrap(),
            name: name.to_owned(),
            description: description.map(str::to_owned),
        }
    }

    fn host(s: &str) -> Hostname {
        Hostname::new(s).unwrap()
    }

    #[test]
    fn matches_ignores_case_and_trailing_dot() {
        let r = record("Mail.Example.NET.", None);
        assert!(r.matches(&host("mail.example.net"), None));
        assert!(r.matches(&host("mail.example.net"), Some("")));
        assert!(!r.matches(&host("mx.example.net"), None));
        assert!(!r.matches(&host("mail.example.net"), Some("web")));
    }

    #[test]
    fn matches_compares_descriptions_exactly() {
        let r = record("mail.example.net", Some("Web"));
        assert!(r.matches(&host("mail.example.net"), Some("Web")));
        assert!(!r.matches(&host("mail.example.net"), Some("web")));
        assert!(!r.matches(&host("mail.example.net"), None));
    }

    #[test]
    fn to_ptr_record_maps_description_to_comment() {
        let p = record("Mail.Example.NET", Some("web"))
            .to_ptr_record()
            .unwrap();

        assert_eq!(p.target.as_str(), "mail.example.net");
        assert_eq!(p.comment.as_deref(), Some("web"));
        assert_eq!(p.ttl, None);
    }

    #[test]
    fn to_ptr_record_reads_names_revdns_would_not_write() {
        for name in [
            "host_1.example.net",
            "_gateway.example.net",
            "router",
            "host.123",
        ] {
            let p = record(name, None).to_ptr_record().unwrap();
            assert_eq!(p.target.as_str(), name);
            assert!(!p.target.is_writable());
        }
        assert!(record("", None).to_ptr_record().is_none());
    }
}
