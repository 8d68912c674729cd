//! [`Verifier`]: checks PTR targets against forward DNS.

use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use futures::{StreamExt, stream};
use hickory_resolver::TokioResolver;
use hickory_resolver::proto::rr::{RData, RecordType};
use revdns_core::record::canonical_ip;
use revdns_core::reverse::reverse_name;
use revdns_core::{Hostname, IpPrefix, PtrProvider, PtrRecord};

use crate::config::VerifierBuilder;
use crate::lookup::{Answer, address_of, query};
use crate::outcome::{IpVerdict, Outcome, Published, PublishedReport, Verification};

/// Forward-confirms PTRs: looks up each target's A (IPv4) or AAAA (IPv6)
/// records and checks that they hold the PTR's address.
///
/// Build one with [`Verifier::builder`]; it is cheap to share (`&Verifier`)
/// across tasks. Every method reports per IP and never fails as a whole
/// because of DNS: a lookup that goes wrong is that IP's
/// [`Outcome::LookupFailed`].
#[derive(Clone)]
pub struct Verifier {
    resolver: TokioResolver,
    concurrency: usize,
    deadline: Duration,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("concurrency", &self.concurrency)
            .field("deadline", &self.deadline)
            .finish_non_exhaustive()
    }
}

impl Verifier {
    /// A builder with the defaults of [`VerifierBuilder`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use revdns_verify::{ConfigError, Verifier};
    ///
    /// let err = Verifier::builder()
    ///     .nameservers(["127.0.0.1:53".parse().unwrap()])
    ///     .timeout(Duration::from_secs(1))
    ///     .concurrency(0)
    ///     .build()
    ///     .unwrap_err();
    /// assert!(matches!(err, ConfigError::ZeroConcurrency));
    /// ```
    pub fn builder() -> VerifierBuilder {
        VerifierBuilder::default()
    }

    pub(crate) fn new(resolver: TokioResolver, concurrency: usize, deadline: Duration) -> Self {
        Self {
            resolver,
            concurrency,
            deadline,
        }
    }

    /// Verifies `records`, one verdict per record in the same order.
    ///
    /// IPs whose targets are the same name and family share one query.
    pub async fn verify(&self, records: &[PtrRecord]) -> Verification {
        let entries = records
            .iter()
            .map(|r| (r.ip, Some(r.target.clone())))
            .collect();
        self.verify_entries(entries).await
    }

    /// Reads the PTRs of `ips` from `provider` and verifies them; an IP
    /// without a PTR is [`Outcome::NoPtr`]. Verdicts follow the order of
    /// `ips`; no IPs give an empty verification without asking the provider.
    ///
    /// # Errors
    ///
    /// The provider's error when its lookup fails (it is all or nothing).
    pub async fn verify_provider<P: PtrProvider>(
        &self,
        provider: &P,
        ips: &[IpAddr],
    ) -> Result<Verification, revdns_core::Error> {
        if ips.is_empty() {
            return Ok(self.verify_entries(Vec::new()).await);
        }
        let current = provider.get(ips).await?;
        let entries = ips
            .iter()
            .map(|ip| {
                // Providers key an IPv4-mapped address by its IPv4 form.
                let record = current
                    .get(ip)
                    .or_else(|| current.get(&canonical_ip(*ip)))
                    .and_then(Option::as_ref);
                (*ip, record.map(|r| r.target.clone()))
            })
            .collect();
        Ok(self.verify_entries(entries).await)
    }

    /// Lists every PTR of `provider` inside `scope` (an empty scope means
    /// every PTR) and verifies them, ordered by address.
    ///
    /// # Errors
    ///
    /// The provider's error when listing fails, including
    /// [`Error::Unsupported`](revdns_core::Error::Unsupported) from a
    /// provider that cannot enumerate.
    pub async fn verify_listed<P: PtrProvider>(
        &self,
        provider: &P,
        scope: &[IpPrefix],
    ) -> Result<Verification, revdns_core::Error> {
        let records = revdns_core::sync::list_in(provider, scope).await?;
        Ok(self.verify(&records).await)
    }

    /// Queries the PTR that DNS publishes for each record's reverse name and
    /// compares it with the record's target: [`Published::Lagging`] shows a
    /// change the provider holds but DNS does not serve yet.
    pub async fn check_published(&self, records: &[PtrRecord]) -> Vec<PublishedReport> {
        stream::iter(records)
            .map(|record| async move {
                let name = reverse_name(canonical_ip(record.ip));
                let answer = query(
                    &self.resolver,
                    &name,
                    RecordType::PTR,
                    self.deadline,
                    ptr_target,
                )
                .await;
                let state = match answer {
                    Answer::Records(published)
                        if published.iter().any(|p| p == record.target.as_str()) =>
                    {
                        Published::InSync
                    }
                    Answer::Records(published) => Published::Lagging { published },
                    Answer::Empty(_) => Published::Lagging {
                        published: Vec::new(),
                    },
                    Answer::Failed(kind, message) => Published::LookupFailed { kind, message },
                };
                PublishedReport {
                    ip: record.ip,
                    target: record.target.clone(),
                    state,
                }
            })
            .buffered(self.concurrency)
            .collect()
            .await
    }

    async fn verify_entries(&self, entries: Vec<(IpAddr, Option<Hostname>)>) -> Verification {
        // One query per distinct (name, type), in first-seen order.
        let mut index: HashMap<(String, RecordType), usize> = HashMap::new();
        let mut keys: Vec<(String, RecordType)> = Vec::new();
        let slots: Vec<Option<usize>> = entries
            .iter()
            .map(|(ip, target)| {
                let target = target.as_ref()?;
                let key = (target.to_fqdn(), record_type_for(*ip));
                Some(*index.entry(key.clone()).or_insert_with(|| {
                    keys.push(key);
                    keys.len() - 1
                }))
            })
            .collect();
        drop(index);
        let lookups = keys.len();
        // `buffered` keeps at most `concurrency` queries in flight and yields
        // the answers in key order, so no reordering is needed.
        let answers: Vec<Answer<IpAddr>> = stream::iter(&keys)
            .map(|(name, record_type)| {
                query(
                    &self.resolver,
                    name,
                    *record_type,
                    self.deadline,
                    address_of,
                )
            })
            .buffered(self.concurrency)
            .collect()
            .await;
        let verdicts = entries
            .into_iter()
            .zip(slots)
            .map(|((ip, target), slot)| {
                let outcome = match slot {
                    None => Outcome::NoPtr,
                    Some(slot) => judge(ip, &answers[slot]),
                };
                if let Outcome::LookupFailed { kind, message } = &outcome {
                    tracing::debug!(%ip, ?kind, %message, "forward lookup failed");
                }
                IpVerdict {
                    ip,
                    target,
                    outcome,
                }
            })
            .collect();
        Verification { verdicts, lookups }
    }
}

/// A for an IPv4 address (an IPv4-mapped IPv6 one included), else AAAA.
fn record_type_for(ip: IpAddr) -> RecordType {
    match canonical_ip(ip) {
        IpAddr::V4(_) => RecordType::A,
        IpAddr::V6(_) => RecordType::AAAA,
    }
}

fn judge(ip: IpAddr, answer: &Answer<IpAddr>) -> Outcome {
    match answer {
        Answer::Records(addresses) => {
            let ip = canonical_ip(ip);
            if addresses.iter().any(|a| canonical_ip(*a) == ip) {
                Outcome::Confirmed
            } else {
                Outcome::Mismatch {
                    addresses: addresses.clone(),
                }
            }
        }
        Answer::Empty(reason) => Outcome::NoAddress { reason: *reason },
        Answer::Failed(kind, message) => Outcome::LookupFailed {
            kind: *kind,
            message: message.clone(),
        },
    }
}

/// A PTR answer's target, as [`Hostname`] stores names: lower case, no
/// trailing dot.
fn ptr_target(data: &RData) -> Option<String> {
    match data {
        RData::PTR(ptr) => {
            let name = ptr.0.to_ascii();
            Some(name.trim_end_matches('.').to_ascii_lowercase())
        }
        _ => None,
    }
}
