//! [`Client`]: the high-level ECL client, and the requests its PTR logic
//! is made of (zones with their cache, PTR recordsets by name, writes that
//! wait until they are visible).

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use revdns_core::retry::{RetryAction, RetryState};
use revdns_core::{Error, Hostname, ProviderId, RetryConfig};
use tokio::sync::{OnceCell, RwLock};
use uuid::Uuid;

use crate::api;
use crate::api::types::{Recordset, RecordsetIdList, RecordsetList};
use crate::auth::Session;
use crate::config::Builder;
use crate::error::{self, ApiError};
use crate::hooks::HookState;
use crate::zones::{self, Placement, ZoneRef};

const P: ProviderId = ProviderId::Ecl;

/// Items per page when listing: the API's maximum, to save round trips.
const PAGE_SIZE: NonZeroU32 = NonZeroU32::new(500).expect("500 is not zero");

/// First wait between visibility checks; doubles up to [`MAX_POLL`].
const FIRST_POLL: Duration = Duration::from_millis(250);
/// Longest wait between visibility checks (NTT's Terraform provider polls every 3 s).
const MAX_POLL: Duration = Duration::from_secs(3);

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
    /// Reverse zones of the account, loaded on first use.
    zones: RwLock<Option<Arc<Vec<ZoneRef>>>>,
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
            .field("retry", self.inner.hooks.retry())
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
        retry: RetryConfig,
        settings: Settings,
    ) -> Client {
        let hooks = HookState::new(retry).with_session(session.clone());
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

    /// The generated client for everything the PTR interface does not
    /// cover, with this client's token, retries and HTTP pool. Logs in first
    /// if no token is held yet.
    ///
    /// # Errors
    ///
    /// [`Error::Auth`] when Keystone rejects the credentials, [`Error::Api`]
    /// when its catalog has no DNS endpoint, transport errors.
    pub async fn api(&self) -> Result<&api::Client, Error> {
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
        Ok(zones.iter().map(|z| z.name.clone()).collect())
    }

    pub(crate) fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// The reverse zones, from the cache unless `reload` or not yet loaded.
    pub(crate) async fn zones(&self, reload: bool) -> Result<Arc<Vec<ZoneRef>>, Error> {
        if !reload && let Some(z) = self.inner.zones.read().await.as_ref() {
            return Ok(z.clone());
        }
        let loaded = Arc::new(self.load_zones().await?);
        *self.inner.zones.write().await = Some(loaded.clone());
        Ok(loaded)
    }

    async fn load_zones(&self) -> Result<Vec<ZoneRef>, Error> {
        let api = self.api().await?;
        let mut zones = Vec::new();
        let mut marker: Option<Uuid> = None;
        let mut seen = HashSet::new();
        loop {
            let page = api
                .list_zones(None, Some(PAGE_SIZE), marker.as_ref(), None, None)
                .await;
            let page = match page {
                Ok(p) => p.into_inner(),
                Err(e) => return Err(error::map(e, "zones").await),
            };
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
                Some(m) => marker = Some(m),
            }
        }
    }

    /// Where each address's PTR lives, reloading the zones once when some
    /// address has none in the cache (the zone may be new).
    pub(crate) async fn place_all(&self, ips: &[IpAddr]) -> Result<Vec<Option<Placement>>, Error> {
        let zones = self.zones(false).await?;
        let placed: Vec<_> = ips.iter().map(|ip| zones::place(&zones, *ip)).collect();
        if placed.iter().all(Option::is_some) {
            return Ok(placed);
        }
        let zones = self.zones(true).await?;
        Ok(ips.iter().map(|ip| zones::place(&zones, *ip)).collect())
    }

    /// One page of a zone's recordsets.
    pub(crate) async fn recordset_page(
        &self,
        zone: &ZoneRef,
        marker: Option<Uuid>,
    ) -> Result<RecordsetList, Error> {
        let api = self.api().await?;
        match api
            .list_recordsets(&zone.id, None, Some(PAGE_SIZE), marker.as_ref(), None, None)
            .await
        {
            Ok(p) => Ok(p.into_inner()),
            Err(e) => Err(error::map(e, &format!("recordsets of zone {}", zone.name)).await),
        }
    }

    /// The zone's PTR recordsets by owner name (lower-case, trailing dot).
    /// The API filters by neither name nor type, so every page is read.
    pub(crate) async fn zone_ptrs(
        &self,
        zone: &ZoneRef,
    ) -> Result<BTreeMap<String, Vec<Recordset>>, Error> {
        let mut by_name: BTreeMap<String, Vec<Recordset>> = BTreeMap::new();
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
                Some(m) => marker = Some(m),
            }
        }
    }

    /// Creates the PTR recordset and waits until GET shows it.
    ///
    /// A create is not repeated blindly after a failure that may have
    /// reached the server (502/503/504, a lost connection, a timeout): a
    /// second create would make a second PTR. Instead the zone is listed,
    /// and if the PTR is there the create took effect; if not, the create
    /// is sent again, within the client's [`RetryConfig`] (attempts and
    /// budget, with backoff). A 409 to such a repeated create also leads to
    /// a look. Each uncertain failure costs one zone listing.
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
        let mut retry = RetryState::new(*self.inner.hooks.retry());
        let mut repeated = false;
        let created = loop {
            let e = match api.create_recordset(&placement.zone.id, &body).await {
                Ok(r) => break r.into_inner(),
                Err(e) => self.write_error(e, placement).await,
            };
            let uncertain = may_have_been_applied(&e);
            // A 409 to a repeated create may be our own earlier attempt.
            let conflict_with_earlier = repeated && matches!(e, Error::Conflict { .. });
            if !(uncertain || conflict_with_earlier) {
                return Err(e);
            }
            // Did an earlier attempt create it after all?
            match self.find_ptr(placement, target).await {
                Ok(true) => {
                    tracing::debug!(
                        name = %placement.record_name,
                        "create failed in transit but the PTR exists: it took effect"
                    );
                    return Ok(());
                }
                Ok(false) if uncertain => {}
                Ok(false) | Err(_) => return Err(e),
            }
            let Some(wait) = retry.next_delay(RetryAction::Retry { after: None }) else {
                return Err(e);
            };
            tracing::debug!(
                name = %placement.record_name,
                error = %e,
                "create failed and the PTR is absent; sending it again"
            );
            tokio::time::sleep(wait).await;
            repeated = true;
        };
        if let Some(rs) = created.recordsets.first() {
            let fqdn = target.to_fqdn();
            self.await_visible(&placement.zone, rs.id, |seen| {
                seen.records.first().is_some_and(|v| same_name(v, &fqdn))
            })
            .await;
        }
        Ok(())
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

    /// Replaces the PTR recordset's value, TTL and (when given) description,
    /// and waits until GET shows the new value. Name, TTL and records are
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
        if let Err(e) = api.update_recordset(&placement.zone.id, &id, &body).await {
            return Err(self.write_error(e, placement).await);
        }
        let fqdn = target.to_fqdn();
        self.await_visible(&placement.zone, id, |seen| {
            seen.records.first().is_some_and(|v| same_name(v, &fqdn))
                && seen.ttl == Some(i64::from(ttl))
        })
        .await;
        Ok(())
    }

    /// Deletes recordsets of one zone in one request.
    pub(crate) async fn delete_many(&self, zone: &ZoneRef, ids: Vec<Uuid>) -> Result<(), Error> {
        let api = self.api().await?;
        let body = RecordsetIdList { id: ids };
        match api.delete_recordsets(&zone.id, &body).await {
            Ok(_) => Ok(()),
            Err(e) => Err(error::map(e, &format!("recordset in zone {}", zone.name)).await),
        }
    }

    /// Deletes one recordset; `Ok(false)` when it was already gone.
    pub(crate) async fn delete_one(&self, zone: &ZoneRef, id: Uuid) -> Result<bool, Error> {
        let api = self.api().await?;
        match api.delete_recordset(&zone.id, &id).await {
            Ok(_) => Ok(true),
            Err(e) => match error::map(e, &format!("recordset {id}")).await {
                Error::NotFound { .. } => Ok(false),
                other => Err(other),
            },
        }
    }

    async fn write_error(&self, e: ApiError, placement: &Placement) -> Error {
        let mapped = error::map(e, &format!("PTR recordset {}", placement.record_name)).await;
        if let Error::NotFound { what, .. } = &mapped
            && what.contains("E2007")
        {
            // The zone is gone: forget the cache so the next call reloads it.
            *self.inner.zones.write().await = None;
        }
        mapped
    }

    /// ECL answers 404 to a GET of a new recordset, and old values after an
    /// update, for a while. Polls until `visible` holds or the budget is
    /// spent. The write itself was accepted either way, so running out of
    /// budget is logged, not reported as a failure (which would invite a
    /// retry, and a retried create makes a second PTR).
    async fn await_visible(&self, zone: &ZoneRef, id: Uuid, visible: impl Fn(&Recordset) -> bool) {
        let budget = self.inner.settings.consistency_budget;
        if budget.is_zero() {
            return;
        }
        let Ok(api) = self.api().await else { return };
        let deadline = tokio::time::Instant::now() + budget;
        // Tiny budgets (tests) poll more often than the default 250 ms.
        let mut wait = FIRST_POLL.min(budget / 8);
        loop {
            match api.show_recordset(&zone.id, &id).await {
                Ok(rs) if visible(&rs) => return,
                Ok(_) => {}
                Err(progenitor_client::Error::ErrorResponse(rv)) if rv.status() == 404 => {}
                Err(e) => {
                    let e = error::map(e, &format!("recordset {id}")).await;
                    tracing::warn!(error = %e, %id, "could not confirm the write");
                    return;
                }
            }
            if tokio::time::Instant::now() + wait > deadline {
                tracing::warn!(
                    %id,
                    budget_ms = budget.as_millis() as u64,
                    "write accepted but not yet visible within the consistency budget"
                );
                return;
            }
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(MAX_POLL);
        }
    }
}

/// Whether a failed write may still have been applied by the server: the
/// answer was lost (transport, timeout) or was a gateway or availability
/// error (502, 503, 504) that does not say whether the request reached the
/// application, as opposed to a refusal (4xx) sent after deciding.
fn may_have_been_applied(e: &Error) -> bool {
    match e {
        Error::Transport { .. } | Error::Timeout { .. } => true,
        Error::Api { status, .. } => matches!(status, 502..=504),
        _ => false,
    }
}

pub(crate) fn is_ptr(rs: &Recordset) -> bool {
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

fn repeated_marker(what: &str, marker: Uuid) -> Error {
    Error::api(
        P,
        200,
        format!("listing {what} returned page marker {marker} twice; stopped instead of looping"),
    )
}
