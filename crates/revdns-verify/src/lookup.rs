//! One DNS query and what its answer (or error) means for verification.

use std::net::IpAddr;
use std::time::Duration;

use hickory_resolver::TokioResolver;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{RData, RecordType};

use crate::outcome::{FailureKind, NoAddressReason};

/// The answer to one query, reduced to what verification compares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Answer<T> {
    /// The records of the asked type, in answer order (CNAMEs followed).
    Records(Vec<T>),
    /// No record of the asked type.
    Empty(NoAddressReason),
    /// No usable answer.
    Failed(FailureKind, String),
}

/// Looks up the `record_type` records of `fqdn` and keeps those `pick`
/// turns into values, bounded by `deadline` whatever the resolver does.
pub(crate) async fn query<T>(
    resolver: &TokioResolver,
    fqdn: &str,
    record_type: RecordType,
    deadline: Duration,
    pick: impl Fn(&RData) -> Option<T>,
) -> Answer<T> {
    let lookup = tokio::time::timeout(deadline, resolver.lookup(fqdn, record_type)).await;
    match lookup {
        Err(_) => Answer::Failed(
            FailureKind::Timeout,
            format!("no answer for {fqdn} {record_type} within {deadline:?}"),
        ),
        Ok(Ok(lookup)) => {
            let records: Vec<T> = lookup
                .answers()
                .iter()
                .filter_map(|r| pick(&r.data))
                .collect();
            if records.is_empty() {
                // An answer of CNAMEs only, with no record of the type.
                Answer::Empty(NoAddressReason::NoData)
            } else {
                Answer::Records(records)
            }
        }
        Ok(Err(err)) => classify(&err),
    }
}

/// The address records of an A or AAAA answer.
pub(crate) fn address_of(data: &RData) -> Option<IpAddr> {
    match data {
        RData::A(a) => Some(IpAddr::V4(a.0)),
        RData::AAAA(aaaa) => Some(IpAddr::V6(aaaa.0)),
        _ => None,
    }
}

fn classify<T>(err: &NetError) -> Answer<T> {
    let message = err.to_string();
    match err {
        NetError::Timeout => Answer::Failed(FailureKind::Timeout, message),
        NetError::Dns(DnsError::NoRecordsFound(none)) => match none.response_code {
            ResponseCode::NXDomain => Answer::Empty(NoAddressReason::NxDomain),
            ResponseCode::NoError => Answer::Empty(NoAddressReason::NoData),
            code => Answer::Failed(kind_of(code), message),
        },
        NetError::Dns(DnsError::ResponseCode(code)) => Answer::Failed(kind_of(*code), message),
        _ => Answer::Failed(FailureKind::Other, message),
    }
}

fn kind_of(code: ResponseCode) -> FailureKind {
    match code {
        ResponseCode::ServFail => FailureKind::ServFail,
        ResponseCode::Refused => FailureKind::Refused,
        _ => FailureKind::Other,
    }
}
