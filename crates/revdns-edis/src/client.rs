//! The high-level [`Client`]: PTR get, set and delete by IP, in chunks, with
//! the session handled for the caller.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::net::IpAddr;
use std::sync::Arc;

use revdns_core::record::{canonical_ip, lookup_set, validate_writes};
use revdns_core::{Error, Hostname, ProviderId, PtrChange};

use revdns_core::runtime::Lease;

use crate::auth::{Session, SessionManager};
use crate::config::Builder;
use crate::error::{self, Operation};
use crate::generated::types;

const P: ProviderId = ProviderId::Edis;

/// A client for the PTR records of one EDIS Global VPS.
///
/// Cheap to clone (clones share the HTTP connection pool and the session).
/// Build it with [`Client::builder`] or [`Client::from_env`]; it implements
/// [`PtrProvider`](revdns_core::PtrProvider).
///
/// ```no_run
/// use std::collections::BTreeMap;
/// use revdns_edis::{Client, Hostname};
///
/// # async fn run() -> Result<(), revdns_edis::Error> {
/// let client = Client::from_env()?; // EDIS_EMAIL, EDIS_PASSWORD, EDIS_KVM_ID
/// let ip = "192.0.2.10".parse().unwrap();
///
/// let mut ptrs = BTreeMap::new();
/// ptrs.insert(ip, Hostname::new("mail.example.net")?);
/// client.set_ptrs(&ptrs).await?;
///
/// let found = client.get_ptrs(&[ip]).await?;
/// assert_eq!(found[&ip].as_ref().map(Hostname::as_str), Some("mail.example.net"));
///
/// client.delete_ptrs(&[ip]).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) sessions: SessionManager,
    pub(crate) chunk_size: usize,
    pub(crate) read_back: bool,
}

const _: () = {
    const fn assert_impls<T: Clone + Send + Sync + fmt::Debug + 'static>() {}
    assert_impls::<Client>();
};

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("sessions", &self.inner.sessions)
            .field("chunk_size", &self.inner.chunk_size)
            .field("read_back", &self.inner.read_back)
            .finish()
    }
}

impl Client {
    pub(crate) fn from_inner(inner: Arc<Inner>) -> Self {
        Client { inner }
    }

    /// A [`Builder`] that reads nothing from the environment.
    pub fn builder() -> Builder {
        Builder::new()
    }

    /// `Client::builder().from_env().build()`: credentials from
    /// `EDIS_EMAIL`, `EDIS_PASSWORD` and, optionally, `EDIS_KVM_ID`.
    ///
    /// # Errors
    ///
    /// As [`Builder::build`]: [`Error::Validation`] naming the missing variable.
    pub fn from_env() -> Result<Client, Error> {
        Builder::new().from_env().build()
    }

    /// IPs sent per PTR request.
    pub fn chunk_size(&self) -> usize {
        self.inner.chunk_size
    }

    /// Whether an apply reads every written IP back
    /// ([`Builder::read_back`]), not only those whose answer was lost.
    pub fn reads_back(&self) -> bool {
        self.inner.read_back
    }

    /// The VPS whose session is used, when one was configured.
    pub fn kvm_id(&self) -> Option<&str> {
        self.inner.sessions.kvm_id()
    }

    /// Where sessions are created.
    pub fn auth_base_url(&self) -> &str {
        self.inner.sessions.auth_base_url()
    }

    /// The PTR base URL set with [`Builder::ptr_base_url`]; `None` means
    /// `https://` + the session's `api_rdns`.
    pub fn ptr_base_url(&self) -> Option<&str> {
        self.inner.sessions.ptr_base_url()
    }

    /// Looks up the PTRs of `ips`, [`chunk_size`](Client::chunk_size) IPs per
    /// request. Every asked IP is a key of the answer; `None` means EDIS
    /// returned no PTR for it. Duplicates are asked once.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] before any request when `ips` is empty or holds
    /// an address that can carry no PTR (field `ip`);
    /// [`Error::Auth`] when no session can be had or EDIS rejects it twice;
    /// [`Error::Validation`] naming `EDIS_KVM_ID` when the account has several
    /// VPS and none was chosen; [`Error::Rejected`] for a refused request,
    /// [`Error::Api`] for other error answers (also HTTP 200 with `status`
    /// other than `success`); [`Error::InvalidResponse`] for an answer that
    /// does not decode or holds a PTR target that is not a host name;
    /// [`Error::Transport`], [`Error::Timeout`], [`Error::Deadline`],
    /// [`Error::RateLimited`].
    pub async fn get_ptrs(
        &self,
        ips: &[IpAddr],
    ) -> Result<BTreeMap<IpAddr, Option<Hostname>>, Error> {
        let mut found = BTreeMap::new();
        for chunk in lookup_set(ips)?.chunks(self.inner.chunk_size) {
            found.extend(self.get_chunk(chunk).await?);
        }
        Ok(found)
    }

    /// Creates or replaces the PTRs in `ptrs`, [`chunk_size`](Client::chunk_size)
    /// per request, in IP order; stops at the first failed request.
    ///
    /// EDIS answers a batch with one status, so success here means EDIS
    /// accepted every request, not that each IP changed; use
    /// [`PtrProvider::apply`](revdns_core::PtrProvider::apply) for a checked,
    /// per-IP report.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] before any request when `ptrs` is empty (field
    /// `ptrs`), or breaks a rule of
    /// [`validate_writes`](revdns_core::record::validate_writes): an address
    /// that can carry no PTR, an address and its IPv4-mapped twin, a target
    /// read from a provider that revdns would not write. Else as
    /// [`get_ptrs`](Client::get_ptrs). Chunks before a failed one were sent.
    pub async fn set_ptrs(&self, ptrs: &BTreeMap<IpAddr, Hostname>) -> Result<(), Error> {
        if ptrs.is_empty() {
            return Err(Error::validation_for(P, "ptrs", "the batch is empty"));
        }
        let changes: Vec<PtrChange> = ptrs
            .iter()
            .map(|(ip, h)| PtrChange::upsert(*ip, h.clone()))
            .collect();
        validate_writes(&changes)?;
        let entries: Vec<(IpAddr, Hostname)> = ptrs
            .iter()
            .map(|(ip, h)| (canonical_ip(*ip), h.clone()))
            .collect();
        for chunk in entries.chunks(self.inner.chunk_size) {
            self.set_chunk(chunk).await?;
        }
        Ok(())
    }

    /// Removes the PTRs of `ips`, [`chunk_size`](Client::chunk_size) per
    /// request; stops at the first failed request. Duplicates are sent once.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] before any request when `ips` is empty; else as
    /// [`get_ptrs`](Client::get_ptrs). Chunks before a failed one were sent.
    pub async fn delete_ptrs(&self, ips: &[IpAddr]) -> Result<(), Error> {
        for chunk in lookup_set(ips)?.chunks(self.inner.chunk_size) {
            self.delete_chunk(chunk).await?;
        }
        Ok(())
    }

    /// One get request (plus a renewal and retry if the session is refused).
    pub(crate) async fn get_chunk(
        &self,
        ips: &[IpAddr],
    ) -> Result<BTreeMap<IpAddr, Option<Hostname>>, Error> {
        let records = self
            .with_session(|s| async move { s.lookup(ips).await })
            .await?;
        match_records(ips, records)
    }

    /// One get request for one IP: its PTR target, `None` without one.
    pub(crate) async fn get_one(&self, ip: IpAddr) -> Result<Option<Hostname>, Error> {
        let records = self
            .with_session(|s| async move { s.lookup(&[ip]).await })
            .await?;
        let mut found = None;
        for record in records {
            if let Some((listed, target)) = read_record(record)?
                && listed == ip
            {
                found = target;
            }
        }
        Ok(found)
    }

    /// One set request.
    pub(crate) async fn set_chunk(&self, ptrs: &[(IpAddr, Hostname)]) -> Result<(), Error> {
        self.with_session(|s| async move {
            let body = s.set_body(ptrs.iter().cloned().collect());
            error::checked_call(s.runtime(), Operation::SetPtr, s.ptr.set_ptr(&body))
                .await
                .map(drop)
        })
        .await
    }

    /// One delete request.
    pub(crate) async fn delete_chunk(&self, ips: &[IpAddr]) -> Result<(), Error> {
        self.with_session(|s| async move {
            let body = s.delete_body(ips);
            error::checked_call(s.runtime(), Operation::DeletePtr, s.ptr.delete_ptr(&body))
                .await
                .map(drop)
        })
        .await
    }

    /// Runs `call` with the current session; when EDIS rejects the session
    /// (401, or an error saying it expired), renews it and runs `call` once
    /// more. A second rejection is returned as [`Error::Auth`].
    async fn with_session<T, F, Fut>(&self, call: F) -> Result<T, Error>
    where
        F: Fn(Lease<Session>) -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        let sessions = &self.inner.sessions;
        let session = sessions.session().await?;
        match call(session.clone()).await {
            Err(Error::Auth { .. }) => {
                tracing::debug!(provider = "edis", "session rejected; renewing once");
                let fresh = sessions.renew(&session).await?;
                call(fresh).await
            }
            other => other,
        }
    }
}

/// Pairs the asked IPs with the records EDIS returned, comparing parsed
/// addresses (EDIS may write IPv6 differently). An asked IP without a
/// record, or with an empty `ptr_record`, has no PTR; records for IPs not
/// asked are ignored.
fn match_records(
    asked: &[IpAddr],
    records: Vec<types::PtrRecordEntry>,
) -> Result<BTreeMap<IpAddr, Option<Hostname>>, Error> {
    let mut found: BTreeMap<IpAddr, Option<Hostname>> =
        asked.iter().map(|ip| (*ip, None)).collect();
    for record in records {
        let Some((ip, target)) = read_record(record)? else {
            continue;
        };
        let Some(slot) = found.get_mut(&ip) else {
            tracing::debug!(provider = "edis", %ip, "ignoring a record for an IP not asked");
            continue;
        };
        *slot = target;
    }
    Ok(found)
}

/// A record of a get answer: its address (parsed: EDIS may write IPv6
/// differently) and its target, `None` when empty; `None` for a record
/// without an address.
fn read_record(record: types::PtrRecordEntry) -> Result<Option<(IpAddr, Option<Hostname>)>, Error> {
    let Some(text) = record.ip.as_deref().map(str::trim) else {
        return Ok(None);
    };
    let ip: IpAddr = text.parse().map_err(|_| {
        Error::invalid_response(
            P,
            "the get PTR answer holds a record whose `ip` is not an IP address",
        )
    })?;
    let target = record
        .ptr_record
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        // Read as stored: a name set elsewhere that revdns would not write
        // still reads, so that it can be compared and replaced.
        .and_then(Hostname::from_stored);
    Ok(Some((ip, target)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn rec(ip: &str, ptr: Option<&str>) -> types::PtrRecordEntry {
        types::PtrRecordEntry {
            ip: Some(ip.into()),
            ptr_record: ptr.map(Into::into),
        }
    }

    #[test]
    fn records_match_by_parsed_ip_and_missing_ips_are_none() {
        let asked = [ip("192.0.2.1"), ip("2001:db8:abcd:12::1"), ip("192.0.2.2")];
        let found = match_records(
            &asked,
            vec![
                rec("2001:db8:abcd:0012::1", Some("v6.example.net.")),
                rec("192.0.2.1", Some("Host.Example.NET")),
                rec("198.51.100.7", Some("other.example.net")),
            ],
        )
        .unwrap();
        assert_eq!(found.len(), 3);
        assert_eq!(
            found[&ip("192.0.2.1")].as_ref().unwrap().as_str(),
            "host.example.net"
        );
        assert_eq!(
            found[&ip("2001:db8:abcd:12::1")].as_ref().unwrap().as_str(),
            "v6.example.net"
        );
        assert_eq!(found[&ip("192.0.2.2")], None);
    }

    #[test]
    fn empty_or_null_ptr_record_is_no_ptr() {
        let asked = [ip("192.0.2.1"), ip("192.0.2.2")];
        let found = match_records(
            &asked,
            vec![rec("192.0.2.1", Some("")), rec("192.0.2.2", None)],
        )
        .unwrap();
        assert!(found.values().all(Option::is_none));
    }

    #[test]
    fn odd_targets_read_as_stored_and_a_bad_ip_is_an_invalid_response() {
        let asked = [ip("192.0.2.1")];
        let found =
            match_records(&asked, vec![rec("192.0.2.1", Some("Host_1.example.net."))]).unwrap();
        let target = found[&asked[0]].as_ref().unwrap();
        assert_eq!(target.as_str(), "host_1.example.net");
        assert!(!target.is_writable());
        let err = match_records(&asked, vec![rec("not-an-ip", Some("a.example.net"))]).unwrap_err();
        assert_eq!(err.kind(), "invalid_response", "{err:?}");
    }
}
