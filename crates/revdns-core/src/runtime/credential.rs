//! [`CredentialCache`]: the session or token a provider client logs in
//! for, kept until shortly before it ends, renewed once for everyone when
//! the server rejects it.

use std::fmt;
use std::future::Future;
use std::ops::Deref;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use tokio::sync::{Mutex, MutexGuard};
use tokio::time::Instant;

use crate::Error;

/// A credential as a login gives it: the value and how long it lives
/// (`None`: until the server rejects it).
#[derive(Debug)]
pub struct Issued<T> {
    /// The session or token.
    pub value: T,
    /// Its lifetime from now, if the login said.
    pub lifetime: Option<Duration>,
}

/// A shared handle on the cached credential; derefs to it.
pub struct Lease<T>(Arc<T>);

impl<T> Clone for Lease<T> {
    fn clone(&self) -> Self {
        Lease(Arc::clone(&self.0))
    }
}

impl<T> Deref for Lease<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: fmt::Debug> fmt::Debug for Lease<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

struct Cached<T> {
    lease: Lease<T>,
    renew_at: Option<Instant>,
}

impl<T> Clone for Cached<T> {
    fn clone(&self) -> Self {
        Cached {
            lease: self.lease.clone(),
            renew_at: self.renew_at,
        }
    }
}

impl<T> Cached<T> {
    /// The lease, while it is not yet due for renewal.
    fn fresh(&self) -> Option<Lease<T>> {
        self.renew_at
            .is_none_or(|at| Instant::now() < at)
            .then(|| self.lease.clone())
    }
}

/// One client's credential: obtained on first use, reused until it is
/// within `margin` of its end, and renewed when it is rejected. A lock is
/// held while logging in, so concurrent callers that find it stale, or
/// rejected with the same credential, share one login.
///
/// The margin is at most half the credential's lifetime, so one that lives
/// shorter than the margin is still used for its first half instead of
/// being renewed for every call.
///
/// ```
/// # let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
/// # rt.block_on(async {
/// use std::time::Duration;
/// use revdns_core::runtime::{CredentialCache, Issued};
///
/// let cache = CredentialCache::new(Duration::from_secs(60));
/// let login = || async {
///     Ok(Issued { value: "token-1".to_owned(), lifetime: Some(Duration::from_secs(30)) })
/// };
/// let first = cache.get(login).await?;
/// let again = cache.get(login).await?;
/// assert_eq!(*first, "token-1");
/// assert!(std::ptr::eq(&*first, &*again), "reused for half its 30 s life");
/// # Ok::<(), revdns_core::Error>(())
/// # }).unwrap();
/// ```
pub struct CredentialCache<T> {
    margin: Duration,
    /// The credential, read without waiting: a plain lock, held only to
    /// copy or replace it, never across an await.
    current: RwLock<Option<Cached<T>>>,
    /// Held while deciding whether to log in and while logging in, so that
    /// callers finding the credential stale, or rejected, share one login.
    login: Mutex<()>,
}

impl<T> fmt::Debug for CredentialCache<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialCache")
            .field("margin", &self.margin)
            .finish_non_exhaustive()
    }
}

impl<T> CredentialCache<T> {
    /// An empty cache renewing credentials `margin` before they end.
    pub fn new(margin: Duration) -> Self {
        CredentialCache {
            margin,
            current: RwLock::new(None),
            login: Mutex::new(()),
        }
    }

    /// The renewal margin.
    pub fn margin(&self) -> Duration {
        self.margin
    }

    /// The cached credential, or a new one from `login` when there is none
    /// or it is within the margin of its end.
    ///
    /// # Errors
    ///
    /// Whatever `login` returns.
    pub async fn get<F, Fut>(&self, login: F) -> Result<Lease<T>, Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Issued<T>, Error>>,
    {
        if let Some(lease) = self.cached().as_ref().and_then(Cached::fresh) {
            return Ok(lease);
        }
        let _login = self.lock().await?;
        // Another caller may have logged in while this one waited.
        if let Some(lease) = self.cached().as_ref().and_then(Cached::fresh) {
            return Ok(lease);
        }
        self.replace(login).await
    }

    /// A credential to replace one the server rejected: `rejected` tells
    /// whether the cached one is that credential. When another caller has
    /// already renewed it, its credential is returned without a login.
    ///
    /// # Errors
    ///
    /// Whatever `login` returns.
    pub async fn renew<F, Fut>(
        &self,
        rejected: impl FnOnce(&T) -> bool,
        login: F,
    ) -> Result<Lease<T>, Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Issued<T>, Error>>,
    {
        let _login = self.lock().await?;
        if let Some(cached) = self.cached()
            && !rejected(&cached.lease)
            && let Some(lease) = cached.fresh()
        {
            return Ok(lease);
        }
        // Not handed out again, should the login fail.
        self.store(None);
        self.replace(login).await
    }

    fn cached(&self) -> Option<Cached<T>> {
        let current = self.current.read().unwrap_or_else(PoisonError::into_inner);
        current.clone()
    }

    fn store(&self, value: Option<Cached<T>>) {
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = value;
    }

    /// The login lock. While another caller logs in, the wait ends with the
    /// current call's deadline.
    async fn lock(&self) -> Result<MutexGuard<'_, ()>, Error> {
        match self.login.try_lock() {
            Ok(guard) => Ok(guard),
            Err(_) => super::context::within_deadline(self.login.lock()).await,
        }
    }

    /// Logs in and caches what `login` issued; the login lock is held.
    async fn replace<F, Fut>(&self, login: F) -> Result<Lease<T>, Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Issued<T>, Error>>,
    {
        let issued = login().await?;
        let renew_at = issued
            .lifetime
            .map(|life| Instant::now() + life.saturating_sub(self.margin.min(life / 2)));
        let lease = Lease(Arc::new(issued.value));
        self.store(Some(Cached {
            lease: lease.clone(),
            renew_at,
        }));
        Ok(lease)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    async fn counting(logins: &AtomicUsize, life: u64) -> Result<Issued<usize>, Error> {
        let n = logins.fetch_add(1, Ordering::SeqCst);
        Ok(Issued {
            value: n,
            lifetime: Some(Duration::from_secs(life)),
        })
    }

    #[tokio::test(start_paused = true)]
    async fn renewed_within_the_margin_and_used_for_half_a_short_life() {
        let logins = AtomicUsize::new(0);
        let cache = CredentialCache::new(Duration::from_secs(60));
        // 1000 s of life: used until 940 s.
        assert_eq!(*cache.get(|| counting(&logins, 1000)).await.unwrap(), 0);
        tokio::time::advance(Duration::from_secs(939)).await;
        assert_eq!(*cache.get(|| counting(&logins, 30)).await.unwrap(), 0);
        tokio::time::advance(Duration::from_secs(2)).await;
        // A new one of 30 s, shorter than the margin: used for 15 s.
        assert_eq!(*cache.get(|| counting(&logins, 30)).await.unwrap(), 1);
        tokio::time::advance(Duration::from_secs(14)).await;
        assert_eq!(*cache.get(|| counting(&logins, 30)).await.unwrap(), 1);
        tokio::time::advance(Duration::from_secs(2)).await;
        assert_eq!(*cache.get(|| counting(&logins, 30)).await.unwrap(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_rejection_already_renewed_by_another_caller_is_not_renewed_again() {
        let logins = AtomicUsize::new(0);
        let cache = CredentialCache::new(Duration::from_secs(60));
        let first = cache.get(|| counting(&logins, 3600)).await.unwrap();
        let seen = *first;
        let renewed = cache
            .renew(|c| *c == seen, || counting(&logins, 3600))
            .await
            .unwrap();
        assert_eq!(*renewed, 1);
        // A second caller rejected with the same (old) credential.
        let again = cache
            .renew(|c| *c == seen, || counting(&logins, 3600))
            .await
            .unwrap();
        assert_eq!(*again, 1);
        assert_eq!(logins.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_rejected_credential_whose_renewal_failed_is_not_handed_out_again() {
        let logins = AtomicUsize::new(0);
        let cache = CredentialCache::new(Duration::from_secs(60));
        let seen = *cache.get(|| counting(&logins, 3600)).await.unwrap();
        let failed = cache
            .renew(
                |c| *c == seen,
                || async { Err(Error::auth(crate::ProviderId::Ecl, "no")) },
            )
            .await;
        assert_eq!(failed.unwrap_err().kind(), "auth");
        // The next caller logs in instead of reusing the rejected one.
        assert_eq!(*cache.get(|| counting(&logins, 3600)).await.unwrap(), 1);
    }

    #[tokio::test]
    async fn a_failed_login_is_returned_and_nothing_is_cached() {
        let cache: CredentialCache<u8> = CredentialCache::new(Duration::from_secs(1));
        let err = cache
            .get(|| async { Err(Error::auth(crate::ProviderId::Ecl, "no")) })
            .await
            .unwrap_err();
        assert_eq!(err.kind(), "auth");
        let ok = cache
            .get(|| async {
                Ok(Issued {
                    value: 7,
                    lifetime: None,
                })
            })
            .await
            .unwrap();
        assert_eq!(*ok, 7);
    }
}
