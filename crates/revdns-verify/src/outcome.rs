//! What a verify reports: one [`IpVerdict`] per IP, its [`Outcome`], and a
//! [`Summary`] of counts.

use std::net::IpAddr;

use revdns_core::Hostname;
use serde::Serialize;

/// The forward-confirmation result of one IP.
///
/// Serialises with an `outcome` tag in snake case, e.g.
/// `{"outcome":"mismatch","addresses":["192.0.2.9"]}`.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// The PTR target resolves (A for IPv4, AAAA for IPv6) to this address,
    /// possibly among others: forward-confirmed.
    Confirmed,
    /// The target resolves, but not to this address.
    Mismatch {
        /// What the target resolves to, in the order the server gave them.
        addresses: Vec<IpAddr>,
    },
    /// The target has no address of this family.
    NoAddress {
        /// Why there is none.
        reason: NoAddressReason,
    },
    /// The lookup gave no answer to judge by.
    LookupFailed {
        /// What went wrong.
        kind: FailureKind,
        /// The resolver's own message.
        message: String,
    },
    /// The provider holds no PTR for this IP, so there is nothing to confirm.
    NoPtr,
}

impl Outcome {
    /// Whether this is [`Outcome::Confirmed`].
    pub fn is_confirmed(&self) -> bool {
        matches!(self, Outcome::Confirmed)
    }
}

/// Why a target has no address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoAddressReason {
    /// The name does not exist (NXDOMAIN).
    NxDomain,
    /// The name exists but has no record of the asked type (NOERROR, empty
    /// answer).
    NoData,
}

/// Why a lookup failed.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// No answer within the configured timeout and attempts.
    Timeout,
    /// The server answered SERVFAIL.
    ServFail,
    /// The server answered REFUSED.
    Refused,
    /// Anything else (transport, malformed answer, other response codes).
    Other,
}

/// One IP's result, in the order the IPs were given.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IpVerdict {
    /// The address as it was given (an IPv4-mapped IPv6 address stays
    /// mapped here; it is compared in its IPv4 form).
    pub ip: IpAddr,
    /// The PTR target that was checked; `None` for [`Outcome::NoPtr`].
    pub target: Option<Hostname>,
    /// The result.
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// The results of one verify, one per IP, in input order.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    /// One verdict per IP.
    pub verdicts: Vec<IpVerdict>,
    /// Distinct DNS queries sent (IPs sharing a target and family share one).
    pub lookups: usize,
}

impl Verification {
    /// Counts of each outcome.
    pub fn summary(&self) -> Summary {
        Summary::of(self.verdicts.iter().map(|v| &v.outcome))
    }
}

/// How many IPs ended in each outcome.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// IPs checked.
    pub total: usize,
    /// [`Outcome::Confirmed`].
    pub confirmed: usize,
    /// [`Outcome::Mismatch`].
    pub mismatch: usize,
    /// [`Outcome::NoAddress`].
    pub no_address: usize,
    /// [`Outcome::LookupFailed`].
    pub lookup_failed: usize,
    /// [`Outcome::NoPtr`].
    pub no_ptr: usize,
}

impl Summary {
    /// Counts `outcomes`.
    pub fn of<'a>(outcomes: impl IntoIterator<Item = &'a Outcome>) -> Self {
        let mut s = Summary::default();
        for outcome in outcomes {
            s.total += 1;
            match outcome {
                Outcome::Confirmed => s.confirmed += 1,
                Outcome::Mismatch { .. } => s.mismatch += 1,
                Outcome::NoAddress { .. } => s.no_address += 1,
                Outcome::LookupFailed { .. } => s.lookup_failed += 1,
                Outcome::NoPtr => s.no_ptr += 1,
            }
        }
        s
    }

    /// Whether every IP was confirmed (true for an empty verify).
    pub fn all_confirmed(&self) -> bool {
        self.confirmed == self.total
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} checked: {} confirmed, {} mismatch, {} no address, {} lookup failed, {} no PTR",
            self.total,
            self.confirmed,
            self.mismatch,
            self.no_address,
            self.lookup_failed,
            self.no_ptr
        )
    }
}

/// Whether the PTR published in DNS matches the provider's target.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Published {
    /// DNS serves the provider's target for the reverse name.
    InSync,
    /// DNS serves something else, or nothing yet: the change has not
    /// propagated (or was overwritten elsewhere).
    Lagging {
        /// The PTR targets DNS serves now, lower case without the trailing
        /// dot; empty when the reverse name has none (NXDOMAIN or NODATA).
        published: Vec<String>,
    },
    /// The PTR lookup gave no answer to judge by.
    LookupFailed {
        /// What went wrong.
        kind: FailureKind,
        /// The resolver's own message.
        message: String,
    },
}

/// One record's [`Published`] state.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublishedReport {
    /// The address.
    pub ip: IpAddr,
    /// The provider's target.
    pub target: Hostname,
    /// What DNS serves compared with it.
    #[serde(flatten)]
    pub state: Published,
}
