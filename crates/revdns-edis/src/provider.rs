//! `impl PtrProvider for Client`.
//!
//! EDIS answers a whole batch with one `status`, so [`apply`] reads the
//! IPs before writing (to skip what is already right and to tell created
//! from updated) and after writing (to report each IP's own result). For
//! `n` changes that all need writing, with chunk size `c`, that is one
//! session request plus `3 × ⌈n / c⌉` PTR requests.
//!
//! [`apply`]: revdns_core::PtrProvider::apply

use std::collections::BTreeMap;
use std::error::Error as _;
use std::net::IpAddr;

use futures::stream::{self, BoxStream, StreamExt};
use revdns_core::record::validate_changes;
use revdns_core::{
    ApplyReport, Capabilities, Enumeration, Error, Hostname, Outcome, ProviderId, PtrChange,
    PtrProvider, PtrRecord,
};

use crate::client::Client;

const P: ProviderId = ProviderId::Edis;

impl PtrProvider for Client {
    fn id(&self) -> ProviderId {
        P
    }

    /// IPv4 and IPv6; no TTL, no comment; batches of
    /// [`chunk_size`](Client::chunk_size); batch answers are not per item;
    /// no enumeration.
    fn capabilities(&self) -> Capabilities {
        Capabilities::new()
            .with_ipv4(true)
            .with_ipv6(true)
            .with_ttl(false)
            .with_comment(false)
            .with_max_batch(Some(self.chunk_size()))
            .with_batch_reports_per_item(false)
            .with_enumeration(Enumeration::None)
    }

    async fn get(&self, ips: &[IpAddr]) -> Result<BTreeMap<IpAddr, Option<PtrRecord>>, Error> {
        let found = self.get_ptrs(ips).await?;
        Ok(found
            .into_iter()
            .map(|(ip, target)| (ip, target.map(|t| PtrRecord::new(ip, t))))
            .collect())
    }

    /// EDIS cannot list the PTRs of a VPS: one [`Error::Unsupported`].
    fn list(&self) -> BoxStream<'_, Result<PtrRecord, Error>> {
        stream::iter([Err(Error::unsupported(P, "listing PTR records"))]).boxed()
    }

    /// Applies `changes` with a read before and a read-back after the writes.
    ///
    /// - A change with a TTL or comment fails with [`Error::Unsupported`]
    ///   and is not sent; the others go ahead.
    /// - An upsert to the current target, or a delete of an IP without a
    ///   PTR, is [`Outcome::Unchanged`] and is not sent.
    /// - After the writes, each written IP is read back: it is created,
    ///   updated or deleted if it now reads as intended, else it fails with
    ///   [`Error::Api`] (status 0) saying what it reads as.
    /// - A failed request fails every change in its chunk; after an
    ///   authentication, transport, timeout or rate-limit failure the rest
    ///   are not sent and fail with a copy of that error.
    ///
    /// Dropping the future between requests may leave chunks written but
    /// not reported.
    async fn apply(&self, changes: &[PtrChange]) -> Result<ApplyReport, Error> {
        validate_changes(changes)?;
        let mut outcomes: Vec<Option<Outcome>> = changes.iter().map(unsupported).collect();
        let pending: Vec<usize> = (0..changes.len())
            .filter(|&i| outcomes[i].is_none())
            .collect();

        // Read before writing.
        let ips: Vec<IpAddr> = pending.iter().map(|&i| changes[i].ip()).collect();
        let mut before = self.read_each(&ips).await;
        let mut sets: Vec<usize> = Vec::new();
        let mut deletes: Vec<usize> = Vec::new();
        let mut existed: BTreeMap<IpAddr, bool> = BTreeMap::new();
        for &i in &pending {
            let ip = changes[i].ip();
            let current = match before.remove(&ip).expect("every pending IP was read") {
                Ok(c) => c,
                Err(e) => {
                    outcomes[i] = Some(Outcome::Failed(e));
                    continue;
                }
            };
            existed.insert(ip, current.is_some());
            match &changes[i] {
                PtrChange::Upsert { target, .. } if current.as_ref() == Some(target) => {
                    outcomes[i] = Some(Outcome::Unchanged);
                }
                PtrChange::Delete { .. } if current.is_none() => {
                    outcomes[i] = Some(Outcome::Unchanged);
                }
                PtrChange::Upsert { .. } => sets.push(i),
                PtrChange::Delete { .. } => deletes.push(i),
            }
        }

        // Write.
        let mut written: Vec<usize> = Vec::new();
        let mut fatal: Option<Error> = None;
        for chunk in sets.chunks(self.chunk_size()) {
            let result = match &fatal {
                Some(e) => Err(copy_error(e)),
                None => {
                    let ptrs: Vec<(IpAddr, Hostname)> = chunk
                        .iter()
                        .filter_map(|&i| match &changes[i] {
                            PtrChange::Upsert { ip, target, .. } => Some((*ip, target.clone())),
                            PtrChange::Delete { .. } => None,
                        })
                        .collect();
                    self.set_chunk(&ptrs).await
                }
            };
            settle(chunk, result, &mut outcomes, &mut written, &mut fatal);
        }
        for chunk in deletes.chunks(self.chunk_size()) {
            let result = match &fatal {
                Some(e) => Err(copy_error(e)),
                None => {
                    let ips: Vec<IpAddr> = chunk.iter().map(|&i| changes[i].ip()).collect();
                    self.delete_chunk(&ips).await
                }
            };
            settle(chunk, result, &mut outcomes, &mut written, &mut fatal);
        }

        // Read back what was written.
        written.sort_unstable();
        let ips: Vec<IpAddr> = written.iter().map(|&i| changes[i].ip()).collect();
        let mut after = self.read_each(&ips).await;
        for &i in &written {
            let ip = changes[i].ip();
            let now = after.remove(&ip).expect("every written IP was read back");
            outcomes[i] = Some(match now {
                Err(e) => Outcome::Failed(e),
                Ok(now) => verify(&changes[i], existed[&ip], now),
            });
        }

        let mut report = ApplyReport::with_capacity(changes.len());
        for (change, outcome) in changes.iter().zip(outcomes) {
            let outcome = outcome.expect("every change has an outcome");
            report.push(change.clone(), outcome);
        }
        Ok(report)
    }
}

impl Client {
    /// Reads `ips` chunk by chunk; each IP gets its own result. After a
    /// failure that would repeat (see [`is_fatal`]) the rest is not sent.
    async fn read_each(&self, ips: &[IpAddr]) -> BTreeMap<IpAddr, Result<Option<Hostname>, Error>> {
        let mut out = BTreeMap::new();
        let mut fatal: Option<Error> = None;
        for chunk in ips.chunks(self.chunk_size()) {
            let result = match &fatal {
                Some(e) => Err(copy_error(e)),
                None => self.get_chunk(chunk).await,
            };
            match result {
                Ok(found) => out.extend(found.into_iter().map(|(ip, t)| (ip, Ok(t)))),
                Err(e) => {
                    for ip in chunk {
                        out.insert(*ip, Err(copy_error(&e)));
                    }
                    if fatal.is_none() && is_fatal(&e) {
                        fatal = Some(e);
                    }
                }
            }
        }
        out
    }
}

/// TTLs and comments cannot be stored on EDIS: such a change fails alone.
fn unsupported(change: &PtrChange) -> Option<Outcome> {
    match change {
        PtrChange::Upsert { ttl: Some(_), .. } => Some(Outcome::Failed(Error::unsupported(
            P,
            "TTLs on PTR records",
        ))),
        PtrChange::Upsert {
            comment: Some(_), ..
        } => Some(Outcome::Failed(Error::unsupported(
            P,
            "comments on PTR records",
        ))),
        _ => None,
    }
}

/// Records the result of one write request for the changes in `chunk`.
fn settle(
    chunk: &[usize],
    result: Result<(), Error>,
    outcomes: &mut [Option<Outcome>],
    written: &mut Vec<usize>,
    fatal: &mut Option<Error>,
) {
    match result {
        Ok(()) => written.extend_from_slice(chunk),
        Err(e) => {
            for &i in chunk {
                outcomes[i] = Some(Outcome::Failed(copy_error(&e)));
            }
            if fatal.is_none() && is_fatal(&e) {
                *fatal = Some(e);
            }
        }
    }
}

/// What a written change reads back as.
fn verify(change: &PtrChange, existed: bool, now: Option<Hostname>) -> Outcome {
    match change {
        PtrChange::Upsert { ip, target, .. } => {
            if now.as_ref() == Some(target) {
                if existed {
                    Outcome::Updated
                } else {
                    Outcome::Created
                }
            } else {
                Outcome::Failed(not_applied(*ip, now.as_ref()))
            }
        }
        PtrChange::Delete { ip } => match &now {
            None => Outcome::Deleted,
            Some(_) => Outcome::Failed(not_applied(*ip, now.as_ref())),
        },
    }
}

fn not_applied(ip: IpAddr, now: Option<&Hostname>) -> Error {
    let reads = match now {
        Some(t) => format!("still points to {t}"),
        None => "has no PTR".to_owned(),
    };
    Error::api(
        P,
        0,
        format!("EDIS accepted the batch but {ip} {reads} when read back"),
    )
}

/// Failures that the next request would meet too: a refused session, the
/// service unreachable or throttling.
fn is_fatal(e: &Error) -> bool {
    matches!(
        e,
        Error::Auth { .. }
            | Error::Transport { .. }
            | Error::Timeout { .. }
            | Error::RateLimited { .. }
            | Error::Validation { .. }
    ) && !matches!(e, Error::Validation { field, .. } if field == "request")
}

/// The same error for another change of a failed request ([`Error`] is not
/// `Clone`); a source is kept as its text.
fn copy_error(e: &Error) -> Error {
    let copy = match e {
        Error::Auth {
            provider, message, ..
        } => Error::auth(*provider, message.clone()),
        Error::Forbidden {
            provider,
            code,
            message,
            ..
        } => Error::forbidden(*provider, code.clone(), message.clone()),
        Error::RateLimited {
            provider,
            retry_after,
            ..
        } => Error::rate_limited(*provider, *retry_after),
        Error::NotFound { provider, what, .. } => Error::not_found(*provider, what.clone()),
        Error::Conflict {
            provider, message, ..
        } => Error::conflict(*provider, message.clone()),
        Error::Validation {
            provider: Some(p),
            field,
            reason,
            ..
        } => Error::validation_for(*p, field.clone(), reason.clone()),
        Error::Validation { field, reason, .. } => Error::validation(field.clone(), reason.clone()),
        Error::Unsupported {
            provider,
            capability,
            ..
        } => Error::unsupported(*provider, capability.clone()),
        Error::ZoneNotFound { provider, name, .. } => {
            Error::zone_not_found(*provider, name.clone())
        }
        Error::Transport {
            provider, source, ..
        } => {
            return Error::transport(*provider, source.to_string());
        }
        Error::Timeout { provider, .. } => Error::timeout(*provider),
        Error::Api {
            provider,
            status,
            code,
            message,
            request_id,
            ..
        } => {
            let mut c = Error::api(*provider, *status, message.clone());
            if let Some(code) = code {
                c = c.with_code(code.clone());
            }
            if let Some(id) = request_id {
                c = c.with_request_id(id.clone());
            }
            c
        }
        other => Error::api(P, 0, other.to_string()),
    };
    match e.source() {
        Some(source) => copy.with_source(source.to_string()),
        None => copy,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_error_keeps_kind_fields_and_source_text() {
        let e = Error::api(P, 500, "boom")
            .with_code("E1")
            .with_source("inner cause");
        let c = copy_error(&e);
        assert_eq!(c.to_string(), e.to_string());
        assert_eq!(c.provider_code(), Some("E1"));
        assert_eq!(c.source().unwrap().to_string(), "inner cause");
        let t = copy_error(&Error::transport(P, "connection reset"));
        assert!(matches!(t, Error::Transport { .. }));
        assert_eq!(t.source().unwrap().to_string(), "connection reset");
    }

    #[test]
    fn fatal_errors_are_session_and_service_wide() {
        assert!(is_fatal(&Error::auth(P, "x")));
        assert!(is_fatal(&Error::timeout(P)));
        assert!(is_fatal(&Error::validation_for(P, "EDIS_KVM_ID", "x")));
        assert!(!is_fatal(&Error::validation_for(P, "request", "bad ip")));
        assert!(!is_fatal(&Error::api(P, 500, "x")));
    }

    #[test]
    fn ttl_or_comment_is_unsupported() {
        let host = Hostname::new("a.example.net").unwrap();
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let with_ttl = PtrChange::from(PtrRecord::new(ip, host.clone()).with_ttl(60));
        let with_comment = PtrChange::from(PtrRecord::new(ip, host.clone()).with_comment("c"));
        for c in [with_ttl, with_comment] {
            assert!(matches!(
                unsupported(&c),
                Some(Outcome::Failed(Error::Unsupported { .. }))
            ));
        }
        assert!(unsupported(&PtrChange::upsert(ip, host)).is_none());
    }

    #[test]
    fn verify_table() {
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let a = Hostname::new("a.example.net").unwrap();
        let b = Hostname::new("b.example.net").unwrap();
        let up = PtrChange::upsert(ip, a.clone());
        let del = PtrChange::delete(ip);
        assert!(matches!(
            verify(&up, false, Some(a.clone())),
            Outcome::Created
        ));
        assert!(matches!(
            verify(&up, true, Some(a.clone())),
            Outcome::Updated
        ));
        assert!(matches!(
            verify(&up, true, Some(b.clone())),
            Outcome::Failed(_)
        ));
        assert!(matches!(verify(&up, false, None), Outcome::Failed(_)));
        assert!(matches!(verify(&del, true, None), Outcome::Deleted));
        let Outcome::Failed(e) = verify(&del, true, Some(b)) else {
            panic!("expected a failure");
        };
        assert!(
            e.to_string().contains("still points to b.example.net"),
            "{e}"
        );
    }
}
