//! [`Client`]: the high-level ECL client, and the requests its PTR logic
//! is made of (zones with their cache, PTR recordsets by name, writes that
//! wait until they are visible).

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use revdns_core::retry::{RetryAction, RetryState};
use revdns_core::{Error, Hostname, ProviderId};
use tokio::sync::OnceCell;
use uuid::Uuid;

use crate::api;
use crate::api::types::RecordsetIdList;
use crate::auth::Session;
use crate::config::Builder;
use crate::hooks::HookState;
use crate::listing::Listed;
use crate::zones::{self, Placement, ZoneRef, Zones};

const P: ProviderId = ProviderId::Ecl;

/// Items per page when listing: the API's maximum, to save round trips.
pub(crate) const PAGE_SIZE: NonZeroU32 = NonZeroU32::new(500).expect("500 is not zero");

/// First wait between visibility checks; doubles up to [`MAX_POLL`].
pub(crate) const FIRST_POLL: Duration = Duration::from_millis(250);
/// Longest wait between visibility checks (NTT's Terraform provider polls every 3 s).
pub(crate) const MAX_POLL: Duration = Duration::from_secs(3);

/// PTR records on NTT Enterprise Cloud 2.0 DNS.
///
/// Implements [`PtrProvider`](revdns_core::PtrProvider): PTRs live in the
/// account's reverse zones (`in-addr.arpa.`, `ip6.arpa.`, RFC 2317 classless
/// zones included), one recordset per PTR. Build it with
/// [`Client::builder`] or [`Client::from_env`]. Cloning is cheap and clones
/// share the HTTP pool, the token and the zone cache.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    session: Arc<Session>,
    hooks: HookState,
    /// The generated client, made once the DNS endpoint is known (after the
    /// first login, or at once for a ready token).
    api: OnceCell<api::Client>,
    /// Reverse zones of the account, loaded on first use. A plain lock:
    /// it is held only to copy or replace the pointer, never across an
    /// await.
    zones: RwLock<Option<Arc<Zones>>>,
    settings: Settings,
}

/// Behaviour settings, from the [`Builder`].
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) default_ttl: u32,
    pub(crate) consistency_budget: Duration,
    pub(crate) concurrency: usize,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("session", &self.inner.session)
            .field("retry", self.runtime().retry())
            .field("settings", &self.inner.settings)
            .finish_non_exhaustive()
    }
}

const _: () = {
    fn assert_impls<T: Clone + Send + Sync + fmt::Debug + 'static>() {}
    let _ = assert_impls::<Client>;
};

impl Client {
    /// A [`Builder`] with nothing set.
    pub fn builder() -> Builder {
        Builder::new()
    }

    /// A client configured from the environment only: shorthand for
    /// `Client::builder().from_env().build()`.
    ///
    /// # Errors
    ///
    /// As [`Builder::build`]: [`Error::Validation`] naming the missing
    /// variable, e.g. `OS_PASSWORD`.
    pub fn from_env() -> Result<Client, Error> {
        Builder::new().from_env().build()
    }

    pub(crate) fn new(
        http: reqwest::Client,
        session: Arc<Session>,
        runtime: revdns_core::runtime::Runtime,
        settings: Settings,
    ) -> Client {
        let hooks = HookState::with_runtime(runtime).with_session(session.clone());
        Client {
            inner: Arc::new(Inner {
                http,
                session,
                hooks,
                api: OnceCell::new(),
                zones: RwLock::new(None),
                settings,
            }),
        }
    }

    /// The Keystone session (or the ready token) of every DNS request.
    pub(crate) fn session(&self) -> &Session {
        &self.inner.session
    }

    /// The HTTP client every request of this client is sent with.
    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    /// The shared runtime every request of this client passes.
    pub(crate) fn runtime(&self) -> &revdns_core::runtime::Runtime {
        self.inner.hooks.runtime()
    }

    /// The generated client for everything the PTR interface does not
    /// cover, with this client's token, retries and HTTP pool. The first
    /// call logs in, to learn the DNS endpoint from the catalog; each
    /// request then fetches the token as it is sent (renewing an expired
    /// one).
    ///
    /// # Errors
    ///
    /// [`Error::Auth`] when Keystone rejects the credentials,
    /// [`Error::InvalidResponse`] when its catalog has no DNS endpoint,
    /// transport errors.
    pub async fn api(&self) -> Result<&api::Client, Error> {
        // Made once the endpoint is known; the token of each request is the
        // request hook's to fetch (and renew), so it is not fetched here too.
        if let Some(api) = self.inner.api.get() {
            return Ok(api);
        }
        let ticket = self.inner.session.ticket().await?;
        Ok(self
            .inner
            .api
            .get_or_init(|| async move {
                api::Client::new_with_client(
                    &format!("{}/v2", ticket.endpoint),
                    self.inner.http.clone(),
                    self.inner.hooks.clone(),
                )
            })
            .await)
    }

    /// Lists the account's zones again (every page) and returns the names of
    /// the reverse zones, which later calls use to place PTRs.
    ///
    /// The list is otherwise loaded once and reloaded only when an address
    /// has no zone in it.
    ///
    /// # Errors
    ///
    /// Any error of the zone listing.
    pub async fn refresh_zones(&self) -> Result<Vec<String>, Error> {
        let zones = self.zones(true).await?;
        Ok(zones.list.iter().map(|z| z.name.clone()).collect())
    }

    pub(crate) fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// The reverse zones, from the cache unless `reload` or not yet loaded.
    pub(crate) async fn zones(&self, reload: bool) -> Result<Arc<Zones>, Error> {
        if !reload && let Some(z) = self.cached_zones() {
            return Ok(z);
        }
        let loaded = Arc::new(Zones::new(self.load_zones().await?));
        self.set_zones(Some(loaded.clone()));
        Ok(loaded)
    }

    fn cached_zones(&self) -> Option<Arc<Zones>> {
        let cache = self.inner.zones.read();
        cache.unwrap_or_else(PoisonError::into_inner).clone()
    }

    fn set_zones(&self, zones: Option<Arc<Zones>>) {
        let mut cache = self
            .inner
            .zones
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        *cache = zones;
    }

    async fn load_zones(&self) -> Result<Vec<ZoneRef>, Error> {
        let api = self.api().await?;
        let mut zones = Vec::new();
        let mut marker: Option<Uuid> = None;
        let mut seen = HashSet::new();
        loop {
            let page = self
                .runtime()
                .call(
                    "zones",
                    api.list_zones(None, Some(PAGE_SIZE), marker.as_ref(), None, None),
                )
                .await?;
            let last = page.zones.last().map(|z| z.id);
            zones.extend(
                page.zones
                    .iter()
                    .filter(|z| zones::is_reverse(&z.name))
                    .map(|z| ZoneRef::new(z.id, &z.name)),
            );
            match zones::next_marker(page.links.as_ref(), last)? {
                None => return Ok(zones),
                Some(m) if !seen.insert(m) => return Err(repeated_marker("zones", m)),
                Some(_) if seen.len() >= MAX_PAGES => return Err(endless("zones")),
                Some(m) => marker = Some(m),
            }
        }
    }

    /// Where each address's PTR lives, reloading the zones once when some
    /// address has none in the cache (the zone may be new).
    pub(crate) async fn place_all(&self, ips: &[IpAddr]) -> Result<Vec<Option<Placement>>, Error> {
        let placed = self.zones(false).await?.place_each(ips);
        if placed.iter().all(Option::is_some) {
            return Ok(placed);
        }
        Ok(self.zones(true).await?.place_each(ips))
    }

    /// The zone's PTR recordsets by owner name (lower-case, trailing dot).
    /// The API filters by neither name nor type, so every page is read.
    pub(crate) async fn zone_ptrs(
        &self,
        zone: &ZoneRef,
    ) -> Result<BTreeMap<String, Vec<Listed>>, Error> {
        let mut by_name: BTreeMap<String, Vec<Listed>> = BTreeMap::new();
        let mut marker = None;
        let mut seen = HashSet::new();
        loop {
            let page = self.recordset_page(zone, marker).await?;
            let last = page.recordsets.last().map(|r| r.id);
            for rs in page.recordsets {
                if is_ptr(&rs) {
                    by_name
                        .entry(zones::normalise(&rs.name))
                        .or_default()
                        .push(rs);
                }
            }
            match zones::next_marker(page.links.as_ref(), last)? {
                None => return Ok(by_name),
                Some(m) if !seen.insert(m) => {
                    return Err(repeated_marker(&format!("recordsets of {}", zone.name), m));
                }
                Some(_) if seen.len() >= MAX_PAGES => {
                    return Err(endless(&format!("recordsets of {}", zone.name)));
                }
                Some(m) => marker = Some(m),
            }
        }
    }

    /// Creates the PTR recordset.
    ///
    /// A create is never repeated blindly: a second create that reaches the
    /// server makes a second PTR, so the runtime does not retry it after a
    /// 5xx or a lost answer. Instead, when the answer leaves open whether
    /// the create took effect (lost connection, timeout, deadline, 5xx,
    /// whatever the body), the zone is read: if the PTR is there, the create
    /// took effect; if not, the create is sent again, within the client's
    /// [`RetryConfig`](revdns_core::RetryConfig) (attempts, backoff, total
    /// budget). A 409 to a repeated create also leads to a look.
    pub(crate) async fn create_ptr(
        &self,
        placement: &Placement,
        target: &Hostname,
        ttl: u32,
        comment: Option<&str>,
    ) -> Result<(), Error> {
        use api::types::{CreateRecordsetRequest, RecordType, Ttl};
        let body = CreateRecordsetRequest {
            name: record_name(&placement.record_name)?,
            type_: RecordType::Ptr,
            ttl: Ttl(ttl),
            records: vec![target.to_fqdn()],
            description: comment.map(description).transpose()?,
        };
        let api = self.api().await?;
        let about = format!("PTR recordset {}", placement.record_name);
        let mut settle = RetryState::new(*self.runtime().retry());
        let mut repeated = false;
        loop {
            let e = match self
                .runtime()
                .call(&about, api.create_recordset(&placement.zone.id, &body))
                .await
            {
                // Visibility is confirmed for the whole zone at once, after
                // its writes (see `PtrProvider::apply`).
                Ok(_) => return Ok(()),
                Err(e) => self.note_write_error(e).await,
            };
            let uncertain = e.may_have_been_applied();
            // A 409 to a repeated create may be an earlier attempt's doing.
            let conflict_with_earlier = repeated && matches!(e, Error::Conflict { .. });
            if !(uncertain || conflict_with_earlier) {
                return Err(e);
            }
            match self.find_ptr(placement, target).await {
                Ok(true) => {
                    tracing::debug!(
                        name = %placement.record_name,
                        "create answer lost but the PTR exists: it took effect"
                    );
                    return Ok(());
                }
                Ok(false) if uncertain => {}
                Ok(false) | Err(_) => return Err(e),
            }
            let Some(wait) = settle.next_delay(RetryAction::Retry { after: None }) else {
                return Err(e);
            };
            tracing::debug!(
                name = %placement.record_name,
                error = %e,
                "create failed and the PTR is absent; sending it again"
            );
            revdns_core::retry::sleep(wait).await;
            repeated = true;
        }
    }

    /// Whether the zone holds a PTR recordset named as `placement` whose
    /// value is `target` (one listing of the zone).
    async fn find_ptr(&self, placement: &Placement, target: &Hostname) -> Result<bool, Error> {
        let fqdn = target.to_fqdn();
        let ptrs = self.zone_ptrs(&placement.zone).await?;
        Ok(ptrs.get(&placement.record_name).is_some_and(|found| {
            found
                .iter()
                .any(|rs| rs.records.first().is_some_and(|v| same_name(v, &fqdn)))
        }))
    }

    /// Replaces the PTR recordset's value, TTL and (when given) description. Name, TTL and records are
    /// always sent: an update without them fails with E2044.
    pub(crate) async fn update_ptr(
        &self,
        placement: &Placement,
        id: Uuid,
        target: &Hostname,
        ttl: u32,
        comment: Option<&str>,
    ) -> Result<(), Error> {
        use api::types::{Ttl, UpdateRecordsetRequest, UpdateRecordsetRequestDescription};
        let body = UpdateRecordsetRequest {
            name: Some(record_name(&placement.record_name)?),
            ttl: Some(Ttl(ttl)),
            records: Some([target.to_fqdn()]),
            description: comment
                .map(|c| {
                    UpdateRecordsetRequestDescription::try_from(c)
                        .map_err(|e| Error::validation_for(P, "comment", e.to_string()))
                })
                .transpose()?,
        };
        let api = self.api().await?;
        let about = format!("PTR recordset {}", placement.record_name);
        if let Err(e) = self
            .runtime()
            .call(&about, api.update_recordset(&placement.zone.id, &id, &body))
            .await
        {
            return Err(self.note_write_error(e).await);
        }
        Ok(())
    }

    /// Deletes recordsets of one zone in one request.
    pub(crate) async fn delete_many(&self, zone: &ZoneRef, ids: Vec<Uuid>) -> Result<(), Error> {
        let api = self.api().await?;
        let body = RecordsetIdList { id: ids };
        let about = format!("recordset in zone {}", zone.name);
        self.runtime()
            .call(&about, api.delete_recordsets(&zone.id, &body))
            .await
            .map(|_| ())
    }

    /// Deletes one recordset; `Ok(false)` when it was already gone.
    pub(crate) async fn delete_one(&self, zone: &ZoneRef, id: Uuid) -> Result<bool, Error> {
        let api = self.api().await?;
        let about = format!("recordset {id}");
        match self
            .runtime()
            .call(&about, api.delete_recordset(&zone.id, &id))
            .await
        {
            Ok(_) => Ok(true),
            Err(Error::NotFound { .. }) => Ok(false),
            Err(other) => Err(other),
        }
    }

    /// Forgets the zone cache when a write says the zone is gone (E2007),
    /// so the next call reloads it.
    async fn note_write_error(&self, mapped: Error) -> Error {
        if mapped.provider_code() == Some("E2007") {
            // The zone is gone: forget the cache so the next call reloads it.
            self.set_zones(None);
        }
        mapped
    }
}

pub(crate) fn is_ptr(rs: &Listed) -> bool {
    rs.type_.eq_ignore_ascii_case("PTR")
}

/// Whether two DNS names are equal: case-insensitive, trailing dot optional.
pub(crate) fn same_name(a: &str, b: &str) -> bool {
    a.trim_end_matches('.')
        .eq_ignore_ascii_case(b.trim_end_matches('.'))
}

fn record_name(name: &str) -> Result<api::types::RecordsetName, Error> {
    api::types::RecordsetName::try_from(name)
        .map_err(|e| Error::validation_for(P, "name", format!("{name}: {e}")))
}

fn description(comment: &str) -> Result<api::types::CreateRecordsetRequestDescription, Error> {
    api::types::CreateRecordsetRequestDescription::try_from(comment)
        .map_err(|e| Error::validation_for(P, "comment", e.to_string()))
}

/// Most pages one listing reads (500 items each: 500,000 recordsets, far
/// more than a reverse zone holds) before it decides the server pages
/// forever.
pub(crate) const MAX_PAGES: usize = 1_000;

fn endless(what: &str) -> Error {
    Error::invalid_response(
        P,
        format!("listing {what} went on past {MAX_PAGES} pages; stopped instead of looping"),
    )
}

fn repeated_marker(what: &str, marker: Uuid) -> Error {
    Error::invalid_response(
        P,
        format!("listing {what} returned page marker {marker} twice; stopped instead of looping"),
    )
}
