//! [`Client`]: reverse records by IP address on top of the generated API.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::num::NonZeroU32;

use futures_util::future;
use futures_util::stream::{self, BoxStream, FuturesOrdered, StreamExt, TryStreamExt};
use progenitor_client::ClientInfo;
use revdns_core::address::check_address;
use revdns_core::input::check_comment;
use revdns_core::ip_map::IpMap;
use revdns_core::record::lookup_set;
use revdns_core::runtime::{InFlight, spawn_call};
use revdns_core::{Error, Hostname, ProviderId};
use uuid::Uuid;

use crate::api::{self, types};
use crate::config::Builder;
use crate::hooks::HookState;
use crate::page::Pager;
use crate::record::{Ensured, ReverseRecord};

const P: ProviderId = ProviderId::Ionos;

/// Records per page when listing: the API's maximum.
pub(crate) const PAGE_LIMIT: NonZeroU32 = NonZeroU32::new(1000).unwrap();

/// Most records a listing reads before it decides the server pages forever
/// (a contract holds far fewer reverse records).
pub(crate) const MAX_LISTED: u32 = 5_000_000;

/// IPs per `filter.recordIp` lookup. Each adds `filter.recordIp=<ip>&`
/// (at most 70 bytes for an encoded IPv6 address), so 50 keep a URL under
/// 4 KiB, well inside common 8 KiB server limits.
pub(crate) const FILTER_CHUNK: usize = 50;

/// IONOS Cloud DNS reverse records, keyed by IP address.
///
/// Built with [`Client::builder`] or [`Client::from_env`]. Cheap to clone
/// (clones share one connection pool). Reads and writes go one record per
/// request, with at most [`concurrency`](Builder::concurrency) in flight.
///
/// Besides these methods, the client implements
/// [`PtrProvider`](revdns_core::PtrProvider), the interface shared with the
/// other providers.
#[derive(Clone)]
pub struct Client {
    api: api::Client,
    concurrency: usize,
}

const _: () = {
    fn assert_impls<T: Clone + Send + Sync + fmt::Debug + 'static>() {}
    let _ = assert_impls::<Client>;
};

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The generated client's Debug shows the HTTP client's default
        // headers; they are marked sensitive, but nothing of them is needed here.
        f.debug_struct("Client")
            .field("base_url", &self.base_url())
            .field("concurrency", &self.concurrency)
            .field("retry", ClientInfo::inner(&self.api).retry())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A [`Builder`] that reads nothing from the environment until told to.
    pub fn builder() -> Builder {
        Builder::new()
    }

    /// Shorthand for `Client::builder().from_env().build()`: token from
    /// `IONOS_TOKEN`, base URL from `IONOS_DNS_API_URL` or the default.
    ///
    /// # Errors
    ///
    /// As [`Builder::build`]; without a token, [`Error::Validation`] naming
    /// `IONOS_TOKEN`.
    pub fn from_env() -> Result<Client, Error> {
        Builder::new().from_env().build()
    }

    pub(crate) fn from_parts(api: api::Client, concurrency: usize) -> Self {
        Client { api, concurrency }
    }

    /// The generated client, for operations this type does not wrap. It
    /// shares the connection pool, token and retry policy.
    pub fn api(&self) -> &api::Client {
        &self.api
    }

    /// The API base URL in use, without a trailing slash.
    pub fn base_url(&self) -> &str {
        ClientInfo::baseurl(&self.api)
    }

    /// Most requests in flight at once for many-record operations.
    pub fn concurrency(&self) -> usize {
        self.concurrency
    }

    /// Streams every reverse record of the contract.
    ///
    /// Pages through `GET /reverserecords` with `limit=1000` until a short
    /// page (the spec says `_links` only ever describes one page), holding
    /// one page in memory at a time. Nothing is sent until the stream is
    /// polled. The first error ends the stream; so does a server that
    /// ignores the offset and repeats a page, or pages past 5,000,000
    /// records, rather than looping forever.
    pub fn list_records(&self) -> BoxStream<'_, Result<ReverseRecord, Error>> {
        stream::try_unfold(Pager::start(), move |pager| async move {
            if pager.done {
                return Ok(None);
            }
            if pager.offset >= MAX_LISTED {
                return Err(Error::invalid_response(
                    P,
                    format!("the listing went on past {MAX_LISTED} records; stopped"),
                ));
            }
            let (page, next) = self.page(None, pager).await?;
            Ok(Some((stream::iter(page.into_iter().map(Ok)), next)))
        })
        .try_flatten()
        .boxed()
    }

    /// The reverse records of `ips`, keyed by IP; IPs without a record are
    /// absent from the map.
    ///
    /// Looks them up with `filter.recordIp` (repeated keys), 50 IPs per
    /// request, with at most [`concurrency`](Client::concurrency) requests
    /// in flight. Duplicated IPs are looked up once. Should IONOS hold two
    /// records for one IP, the first is returned.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] for an empty `ips` or an address that can carry
    /// no PTR, before any request; otherwise the first failed lookup (all or
    /// nothing).
    pub async fn find(&self, ips: &[IpAddr]) -> Result<BTreeMap<IpAddr, ReverseRecord>, Error> {
        let found = self.lookup(&lookup_set(ips)?).await.all()?;
        Ok(found
            .into_iter()
            .filter_map(|(ip, records)| Some((ip, records.into_iter().next()?)))
            .collect())
    }

    /// The record of `ip`, looked up alone (the first, should the server
    /// hold several).
    pub(crate) async fn find_one(&self, ip: IpAddr) -> Result<Option<ReverseRecord>, Error> {
        let records = self.lookup_chunk(&[ip]).await?;
        Ok(records.into_iter().next())
    }

    /// Makes the PTR of `ip` point to `name`, with `description` (`None`
    /// or empty: no description).
    ///
    /// Reads first and writes only when something differs: an existing
    /// record is replaced with `PUT /reverserecords/{its id}`; a missing one
    /// is created with `PUT` to a new random id (unlike `POST`, a `PUT` can
    /// be retried without creating a duplicate). If the create answers 409
    /// because a record for the IP appeared meanwhile, that record is looked
    /// up and updated instead. `name` is normalised by [`Hostname`] (lower
    /// case, no trailing dot).
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] before any request, with the same rules as
    /// [`apply`](revdns_core::PtrProvider::apply): an address that can carry
    /// no PTR (field `ip`), a `name` that is not a valid host name (field
    /// `hostname`), a description with hidden formatting or longer than
    /// [`MAX_DESCRIPTION_CHARS`](crate::MAX_DESCRIPTION_CHARS) (field
    /// `comment`). Otherwise the error of the failed request (e.g.
    /// [`Error::Conflict`] when IONOS refuses the IP, [`Error::Forbidden`]).
    pub async fn ensure_record(
        &self,
        ip: IpAddr,
        name: &str,
        description: Option<&str>,
    ) -> Result<Ensured, Error> {
        let ip = check_address(ip)?;
        let name = Hostname::new(name)?;
        if let Some(text) = description {
            check_comment(Some(P), ip, text, Some(crate::MAX_DESCRIPTION_CHARS))?;
        }
        let existing = self.lookup_one(ip).await?;
        self.ensure_with(ip, &name, description, existing).await
    }

    /// Deletes the PTR of `ip`. Deleting a PTR that does not exist succeeds:
    /// the result is `true` if a record was deleted, `false` if there was none.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] (field `ip`) for an address that can carry no
    /// PTR, before any request; otherwise the error of the failed lookup or
    /// `DELETE`. A 404 on `DELETE` (the record vanished meanwhile) is not an
    /// error.
    pub async fn delete(&self, ip: IpAddr) -> Result<bool, Error> {
        let ip = check_address(ip)?;
        let existing = self.lookup_all_for(ip).await?;
        self.delete_records(&existing).await
    }

    /// Deletes the PTRs of many IPs, with at most
    /// [`concurrency`](Client::concurrency) requests in flight. Each IP gets
    /// its own result, as in [`delete`](Client::delete): `Ok(true)` deleted,
    /// `Ok(false)` there was none, `Err` that IP failed.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] for an empty `ips` or an address that can carry
    /// no PTR, or the error of the lookup
    /// that precedes the deletes; in both cases nothing was deleted.
    pub async fn delete_many(
        &self,
        ips: &[IpAddr],
    ) -> Result<BTreeMap<IpAddr, Result<bool, Error>>, Error> {
        let ips = lookup_set(ips)?;
        let mut existing = self.lookup(&ips).await.all()?;
        let results = stream::iter(ips)
            .map(|ip| {
                let records = existing.remove(&ip).unwrap_or_default();
                async move { (ip, self.delete_records(&records).await) }
            })
            .buffer_unordered(self.concurrency)
            .collect()
            .await;
        Ok(results)
    }

    // --- building blocks shared with the PtrProvider impl ---

    /// Looks up `ips` (no duplicates) in chunks of [`FILTER_CHUNK`], at most
    /// `concurrency` at once. Each chunk fails on its own, so a caller
    /// can fail only the IPs whose lookup failed. Records are kept for the
    /// asked IPs only, compared as addresses, in case the server's filter
    /// matches differently.
    ///
    /// When that takes more than one lookup, listing the whole contract may
    /// be cheaper. The API gives no total, so the listing is tried for at
    /// most half as many pages as there would be lookups (so at worst it
    /// costs half again) and used if it ends by then; otherwise, or if a
    /// page fails, the IPs are looked up as above. Its pages are fetched
    /// a window at a time (see [`Client::list_within`]).
    pub(crate) async fn lookup(&self, ips: &[IpAddr]) -> Found {
        let lookups = ips.len().div_ceil(FILTER_CHUNK);
        if lookups > 1 {
            // Should the contract hold every asked IP, the listing ends on
            // the page after them: no point fetching further ahead.
            let expected = ips.len() / PAGE_LIMIT.get() as usize + 1;
            match self.list_within((lookups / 2).max(1), expected, ips).await {
                Ok(Some(records)) => {
                    return Found {
                        records,
                        failed: Vec::new(),
                    };
                }
                // Refused credentials: every lookup would be refused too.
                Err(e) => {
                    return Found {
                        records: ByIp::default(),
                        failed: vec![(ips.to_vec(), e)],
                    };
                }
                Ok(None) => {}
            }
        }
        let mut found = Found::default();
        if lookups == 1 {
            // One lookup (most single calls): no stream to drive it.
            let result = self.lookup_chunk(ips).await;
            found.settle(ips, result);
            return found;
        }
        let chunks: Vec<Vec<IpAddr>> = ips.chunks(FILTER_CHUNK).map(<[_]>::to_vec).collect();
        let mut answers = stream::iter(chunks)
            .map(|chunk| async move {
                let result = self.lookup_chunk(&chunk).await;
                (chunk, result)
            })
            .buffer_unordered(self.concurrency);
        while let Some((chunk, result)) = answers.next().await {
            found.settle(&chunk, result);
        }
        found
    }

    /// The records of `ips` (an entry for each, empty for an IP without
    /// one), from a listing of the whole contract, if it takes at most
    /// `budget` pages; `None` when there are more, or a page failed for a
    /// reason a lookup may not meet. A refusal of the credentials (401,
    /// 403) is returned: every lookup would meet it too.
    ///
    /// The API says neither how many records there are nor, reliably,
    /// whether another page follows (`_links` "always" describes one
    /// page), so a client that fetched one page after another would pay
    /// one round trip per page. Instead the first `expected` pages (the
    /// pages a contract holding every asked IP would take, the short one
    /// that shows the end included) are sent at once, at offsets 1000
    /// apart, `concurrency` at a time; the first short page ends the
    /// listing, and should all of them be full the rest follows one page
    /// at a time. Pages past the end cost a request each, not time.
    /// Should the server cap the page below 1000, the pages fetched ahead
    /// are dropped and the listing goes on one page at a time from what
    /// was read.
    async fn list_within(
        &self,
        budget: usize,
        expected: usize,
        ips: &[IpAddr],
    ) -> Result<Option<ByIp>, Error> {
        let ahead_pages = expected.clamp(1, budget.max(1));
        let page_size = PAGE_LIMIT.get() as usize;
        // Each page is a task of its own, all started at once, with at
        // most `concurrency` requests out: a task gives up its slot when
        // its answer is in, before reading the page (which takes longer
        // than waiting for it), so the next request need not wait for any
        // page to be read. Pages are read in parallel, off the runtime's
        // worker threads.
        let in_flight = InFlight::new(self.concurrency);
        let mut ahead: FuturesOrdered<_> = (0..ahead_pages)
            .map(|i| {
                let (client, slots) = (self.clone(), in_flight.clone());
                spawn_call(async move { slots.scope(client.fetch(None, i * page_size)).await })
            })
            .collect();
        // The map of the asked IPs is made while the first pages are on
        // their way, with room for the one record IONOS holds per address,
        // and each page is sorted into it as soon as it is read, so what is
        // left after the last page is that page alone.
        let (mut next, mut wanted) = future::join(ahead.next(), async {
            ips.iter()
                .map(|&ip| (ip, Vec::with_capacity(1)))
                .collect::<ByIp>()
        })
        .await;
        let mut listed = 0;
        let mut previous_first = None;
        // Pages come in order: `read` of them so far.
        let mut read = 0;
        while let Some(answer) = next {
            read += 1;
            let page = match answer {
                Ok(page) => page,
                Err(e) => return list_failed(e),
            };
            if let Err(e) = page.follows(previous_first, listed) {
                return list_failed(e);
            }
            previous_first = page.first;
            let (count, capped) = (page.records.len(), page.page_size < page_size);
            listed += count;
            sort_into(&mut wanted, page.records);
            if count < page.page_size {
                return Ok(Some(wanted));
            }
            if capped {
                // The offsets fetched ahead assumed 1000 per page.
                break;
            }
            next = ahead.next().await;
        }
        drop(ahead);
        self.list_on(wanted, listed, previous_first, budget.saturating_sub(read))
            .await
    }

    /// Goes on listing one page at a time after the first `listed` records,
    /// for at most `budget` more pages, sorting them into `wanted`:
    /// [`Client::list_within`] on a server that pages below 1000.
    async fn list_on(
        &self,
        mut wanted: ByIp,
        listed: usize,
        previous_first: Option<Uuid>,
        budget: usize,
    ) -> Result<Option<ByIp>, Error> {
        let mut pager = Pager::at(u32::try_from(listed).unwrap_or(u32::MAX), previous_first);
        for _ in 0..budget {
            match self.page(None, pager).await {
                Ok((page, next)) => {
                    sort_into(&mut wanted, page);
                    if next.done {
                        return Ok(Some(wanted));
                    }
                    pager = next;
                }
                Err(e) => return list_failed(e),
            }
        }
        tracing::debug!(
            provider = "ionos",
            "the contract is larger than the listing budget; looking up instead"
        );
        Ok(None)
    }

    async fn lookup_chunk(&self, ips: &[IpAddr]) -> Result<Vec<ReverseRecord>, Error> {
        let filter: Vec<String> = ips.iter().map(IpAddr::to_string).collect();
        let mut pager = Pager::start();
        // IONOS holds one record per address: a lookup of `ips` needs one
        // page, two should the answer cross a page boundary. A server that
        // keeps paging past that is broken; stop rather than fill memory.
        let most = ips.len().div_ceil(PAGE_LIMIT.get() as usize) + 1;
        let mut records = Vec::new();
        let mut pages = 0;
        while !pager.done {
            if pages == most {
                return Err(Error::invalid_response(
                    P,
                    format!(
                        "the lookup of {} addresses is still paging after {pages} pages",
                        ips.len()
                    ),
                ));
            }
            let (page, next) = self.page(Some(&filter), pager).await?;
            records.extend(page.into_iter().filter(|r| ips.contains(&r.ip)));
            pager = next;
            pages += 1;
        }
        Ok(records)
    }

    async fn lookup_all_for(&self, ip: IpAddr) -> Result<Vec<ReverseRecord>, Error> {
        self.lookup_chunk(&[ip]).await
    }

    async fn lookup_one(&self, ip: IpAddr) -> Result<Option<ReverseRecord>, Error> {
        Ok(self.lookup_all_for(ip).await?.into_iter().next())
    }

    /// Brings the record of `ip` to `name`/`description`, given what a
    /// lookup found.
    pub(crate) async fn ensure_with(
        &self,
        ip: IpAddr,
        name: &Hostname,
        description: Option<&str>,
        existing: Option<ReverseRecord>,
    ) -> Result<Ensured, Error> {
        let description = description.filter(|d| !d.is_empty());
        match existing {
            Some(record) if record.matches(name, description) => Ok(Ensured::Unchanged(record)),
            Some(record) => {
                let updated = self
                    .put(record.id, ip, name, description, Some(&record))
                    .await?;
                Ok(Ensured::Updated(updated))
            }
            None => match self.put(Uuid::new_v4(), ip, name, description, None).await {
                Ok(created) => Ok(Ensured::Created(created)),
                Err(conflict @ Error::Conflict { .. }) => {
                    // Someone created a record for the IP meanwhile (or it
                    // exists under an id the lookup missed): adopt it.
                    match self.lookup_one(ip).await? {
                        Some(record) if record.matches(name, description) => {
                            Ok(Ensured::Unchanged(record))
                        }
                        Some(record) => {
                            let updated = self
                                .put(record.id, ip, name, description, Some(&record))
                                .await?;
                            Ok(Ensured::Updated(updated))
                        }
                        None => Err(conflict),
                    }
                }
                Err(e) => Err(e),
            },
        }
    }

    /// `PUT /reverserecords/{id}` with the full desired state, settled by
    /// reading when the answer leaves open whether it took effect (lost, or
    /// a 5xx after the retries): the record as it now reads, if it says
    /// what was written.
    async fn put(
        &self,
        id: Uuid,
        ip: IpAddr,
        name: &Hostname,
        description: Option<&str>,
        previous: Option<&ReverseRecord>,
    ) -> Result<ReverseRecord, Error> {
        // PUT replaces the record. To clear a description, say so with an
        // empty one rather than relying on an omitted field being cleared.
        let description = match description {
            Some(d) => Some(d.to_owned()),
            None if previous.is_some_and(|r| r.description.is_some()) => Some(String::new()),
            None => None,
        };
        let body = types::ReverseRecordEnsure {
            properties: types::ReverseRecord {
                description,
                ip,
                name: name.as_str().to_owned(),
            },
        };
        let about = format!("reverse record {id}");
        let answer = match self
            .runtime()
            .call(&about, self.api.reverserecords_put(&id, &body))
            .await
        {
            Err(e) if e.may_have_been_applied() => {
                return match self.lookup_one(ip).await {
                    Ok(Some(now)) if now.matches(name, body.properties.description.as_deref()) => {
                        tracing::debug!(%ip, error = %e, "the answer was lost but the write landed");
                        Ok(now)
                    }
                    _ => Err(e),
                };
            }
            answer => answer?,
        };
        Ok(answer.into())
    }

    /// Deletes `records` (normally zero or one); `true` if one was deleted.
    pub(crate) async fn delete_records(&self, records: &[ReverseRecord]) -> Result<bool, Error> {
        let mut deleted = false;
        for record in records {
            let about = format!("reverse record {}", record.id);
            let answer = self
                .runtime()
                .call(&about, self.api.reverserecords_delete(&record.id))
                .await;
            match answer {
                Ok(_) => deleted = true,
                // Already gone: the goal is reached.
                Err(Error::NotFound { .. }) => {}
                // The answer was lost: settled by reading.
                Err(e) if e.may_have_been_applied() => {
                    let now = self.lookup_all_for(record.ip).await;
                    match now {
                        Ok(now) if now.iter().all(|r| r.id != record.id) => deleted = true,
                        _ => return Err(e),
                    }
                }
                Err(other) => return Err(other),
            }
        }
        Ok(deleted)
    }

    pub(crate) fn runtime(&self) -> &HookState {
        ClientInfo::inner(&self.api)
    }
}

/// Records by IP, in listing order for each.
pub(crate) type ByIp = IpMap<Vec<ReverseRecord>>;

/// What [`Client::lookup`] found.
#[derive(Default)]
pub(crate) struct Found {
    /// The records of the asked IPs whose lookup answered.
    pub(crate) records: ByIp,
    /// The IPs whose lookup failed, with its error.
    pub(crate) failed: Vec<(Vec<IpAddr>, Error)>,
}

impl Found {
    /// Adds the answer of the lookup of `ips`.
    fn settle(&mut self, ips: &[IpAddr], result: Result<Vec<ReverseRecord>, Error>) {
        match result {
            Ok(records) => {
                for record in records {
                    self.records.entry(record.ip).or_default().push(record);
                }
            }
            Err(e) => self.failed.push((ips.to_vec(), e)),
        }
    }

    /// The records, or the first failure: all or nothing.
    pub(crate) fn all(self) -> Result<ByIp, Error> {
        match self.failed.into_iter().next() {
            Some((_, e)) => Err(e),
            None => Ok(self.records),
        }
    }
}

/// Adds the records of `page` whose IPs `wanted` has an entry for.
fn sort_into(wanted: &mut ByIp, page: Vec<ReverseRecord>) {
    for record in page {
        if let Some(records) = wanted.get_mut(&record.ip) {
            records.push(record);
        }
    }
}

/// What [`Client::list_within`] makes of a failed page: a refusal of the
/// credentials is returned (every lookup would meet it too); anything else
/// means "look the IPs up instead".
fn list_failed(e: Error) -> Result<Option<ByIp>, Error> {
    match e {
        Error::Auth { .. } | Error::Forbidden { .. } => Err(e),
        e => {
            tracing::debug!(provider = "ionos", error = %e, "listing failed; looking up instead");
            Ok(None)
        }
    }
}
