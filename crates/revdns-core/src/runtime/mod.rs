//! The provider runtime: what every provider client does the same way,
//! written once. A provider crate supplies a [`Dialect`] (its idempotent
//! operations and how to read its error bodies) and calls:
//!
//! - [`Runtime::exec`] from its generated client's request hook: the one
//!   place every request passes. It logs a `request` span, sends, reads the
//!   answer within a size limit, and retries what is safe to retry: a
//!   refused connection always; a 502/503/504, a reset or a dropped
//!   connection only for idempotent operations; a 429 after its
//!   `Retry-After` without using up the failure attempts; every retry after
//!   a failure draws on the client's shared [`RetryBudget`].
//! - [`Runtime::call`] around each call of the generated client: it gives
//!   the call a deadline and maps whatever went wrong to one [`Error`] with
//!   the answer's metadata ([`ErrorMeta`]: status as received, provider
//!   code and message, request id, operation, attempts), whatever the body
//!   looked like.
//!
//! A write whose answer was lost is not resent by the runtime unless the
//! operation is idempotent; the provider settles it by reading (see each
//! provider's `apply`).

mod answer;
mod body;
mod budget;
mod context;
mod credential;
mod http;
mod secrets;
mod task;
mod tls;

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use progenitor_client::ResponseValue;
use tracing::Instrument;

use crate::error::ErrorMeta;
use crate::retry::{self, RetryAction, RetryConfig, RetryState};
use crate::{Error, ProviderId};

pub use answer::{AnswerKind, Described, Dialect, status_table_only};
pub use budget::{RETRY_BUDGET_CAPACITY, RETRY_COST, RETRY_COST_TRANSPORT, RetryBudget};
pub use credential::{CredentialCache, Issued, Lease};
pub use http::{MAX_REDIRECTS, POOL_IDLE_TIMEOUT, client_builder, same_origin_redirects};
pub use secrets::REDACTED;
pub use task::{InFlight, Spawned, spawn_call};
pub use tls::install_tls_provider;

use context::{Answer, CallContext};

/// Default deadline of one operation, retries and waits included.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(120);
/// Default limit of a successful answer's body.
pub const DEFAULT_MAX_BODY: usize = 32 * 1024 * 1024;
/// Largest answer [`Runtime::decode_page`] reads on the calling thread
/// (about 100 records of a listing); a larger one is read on tokio's
/// blocking pool.
pub const DECODE_INLINE_MAX: usize = 64 * 1024;
/// Most bytes of an error answer's body that are read (the rest is dropped).
pub const MAX_ERROR_BODY: usize = 64 * 1024;

/// Request ids are looked for in these headers, in order.
static REQUEST_ID_HEADERS: [::http::HeaderName; 6] = [
    ::http::HeaderName::from_static("x-request-id"),
    ::http::HeaderName::from_static("x-openstack-request-id"),
    ::http::HeaderName::from_static("x-compute-request-id"),
    ::http::HeaderName::from_static("x-requestid"),
    ::http::HeaderName::from_static("x-correlation-id"),
    ::http::HeaderName::from_static("request-id"),
];

/// Where the request of an attempt after the first comes from.
#[derive(Clone, Copy)]
enum Resend<'a> {
    /// A copy made before each attempt: the generated client's hook hands
    /// over a built request and nothing to build it with again.
    Copy,
    /// The caller's recipe, run only for a request that is sent again.
    Rebuild(&'a (dyn Fn() -> Option<reqwest::Request> + Sync)),
}

impl Resend<'_> {
    /// A new request from the recipe; `None` for copies (each attempt's
    /// copy is made before it is sent).
    fn rebuild(self) -> Option<reqwest::Request> {
        match self {
            Resend::Copy => None,
            Resend::Rebuild(build) => build(),
        }
    }
}

/// The header progenitor adds to every request, which no provider defines.
static API_VERSION: ::http::HeaderName = ::http::HeaderName::from_static("api-version");

/// How a [`Runtime`] retries and how long and how much it waits for.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuntimeConfig {
    /// Retries of one request.
    pub retry: RetryConfig,
    /// Deadline of one operation, retries included; `None`: none beyond
    /// the retry budget and the per-attempt timeout.
    pub deadline: Option<Duration>,
    /// The timeout the `reqwest::Client` passed to [`Runtime::exec`] gives
    /// each attempt ([`client_builder`]'s); `None`: none, or not known.
    /// The runtime cuts an attempt's timeout to the time left before the
    /// deadline where that is shorter; knowing this one, it sets none
    /// where the client's own ends first.
    pub attempt_timeout: Option<Duration>,
    /// Largest successful answer read, in bytes.
    pub max_body: usize,
    /// Tokens of the client's [`RetryBudget`].
    pub retry_budget: u32,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        RuntimeConfig {
            retry: RetryConfig::default(),
            deadline: Some(DEFAULT_DEADLINE),
            attempt_timeout: None,
            max_body: DEFAULT_MAX_BODY,
            retry_budget: RETRY_BUDGET_CAPACITY,
        }
    }
}

impl RuntimeConfig {
    /// Sets [`retry`](RuntimeConfig::retry).
    #[must_use]
    pub fn with_retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// Sets [`deadline`](RuntimeConfig::deadline).
    #[must_use]
    pub fn with_deadline(mut self, deadline: Option<Duration>) -> Self {
        self.deadline = deadline;
        self
    }

    /// Sets [`attempt_timeout`](RuntimeConfig::attempt_timeout).
    #[must_use]
    pub fn with_attempt_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.attempt_timeout = timeout;
        self
    }

    /// Sets [`max_body`](RuntimeConfig::max_body).
    #[must_use]
    pub fn with_max_body(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// Sets [`retry_budget`](RuntimeConfig::retry_budget).
    #[must_use]
    pub fn with_retry_budget(mut self, tokens: u32) -> Self {
        self.retry_budget = tokens;
        self
    }
}

/// The shared runtime of one provider client (see the [module docs](self)).
/// Cheap to clone; clones share the retry budget.
#[derive(Debug, Clone)]
pub struct Runtime {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    dialect: &'static Dialect,
    config: RuntimeConfig,
    budget: RetryBudget,
    secrets: secrets::Secrets,
}

impl Runtime {
    /// A runtime for the provider `dialect` describes.
    pub fn new(dialect: &'static Dialect, config: RuntimeConfig) -> Self {
        Runtime {
            inner: Arc::new(Inner {
                dialect,
                config,
                budget: RetryBudget::new(config.retry_budget),
                secrets: secrets::Secrets::default(),
            }),
        }
    }

    /// The provider.
    pub fn provider(&self) -> ProviderId {
        self.inner.dialect.provider
    }

    /// The provider's dialect.
    pub fn dialect(&self) -> &'static Dialect {
        self.inner.dialect
    }

    /// The configuration in use.
    pub fn config(&self) -> &RuntimeConfig {
        &self.inner.config
    }

    /// The retry policy of every request.
    pub fn retry(&self) -> &RetryConfig {
        &self.inner.config.retry
    }

    /// The retry budget shared by this client's requests.
    pub fn budget(&self) -> &RetryBudget {
        &self.inner.budget
    }

    /// Remembers a credential of this client (a password, a static token):
    /// from now on every error the runtime returns has it, and its form- and
    /// JSON-encoded forms, replaced by [`REDACTED`]. Clones share it.
    pub fn add_secret(&self, secret: &str) {
        self.inner.secrets.add_fixed(secret);
    }

    /// Remembers a secret issued to this client (a session signature, a
    /// token), as [`add_secret`](Runtime::add_secret) does; only the last
    /// few issued are kept, since older ones are no longer sent.
    pub fn add_issued_secret(&self, secret: &str) {
        self.inner.secrets.add_issued(secret);
    }

    /// `err` with this client's secrets taken out of every text that may
    /// quote the provider ([`Error::redact_with`]). Every `call` method
    /// does this to what it returns, the errors of a
    /// [`call_checked`](Runtime::call_checked) check included.
    fn redact_error(&self, err: Error) -> Error {
        err.redact_with(|text| self.inner.secrets.redact(text))
    }

    /// Removes what progenitor adds that none of the providers defines
    /// (`api-version`); the request hooks' `pre` calls this.
    pub fn prepare(&self, request: &mut reqwest::Request) {
        request.headers_mut().remove(&API_VERSION);
    }

    /// `builder`'s request, or a validation error naming what could not be
    /// built, before anything is sent: for a provider that builds a request
    /// by hand for [`call_raw`](Runtime::call_raw).
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] (field `request`).
    pub fn build(&self, builder: reqwest::RequestBuilder) -> Result<reqwest::Request, Error> {
        builder.build().map_err(|e| {
            Error::validation_for(self.provider(), "request", e.without_url().to_string())
        })
    }

    /// Sends one request of `operation` and retries it as the module docs
    /// say. The generated client's `exec` hook calls this.
    ///
    /// # Errors
    ///
    /// The transport error of the last attempt.
    pub async fn exec(
        &self,
        client: &reqwest::Client,
        request: reqwest::Request,
        operation: &'static str,
    ) -> reqwest::Result<reqwest::Response> {
        let keep = |_| std::future::ready(None);
        self.exec_renewing(client, request, operation, keep).await
    }

    /// [`exec`](Runtime::exec) for a provider whose credential the server
    /// may refuse before it expires: after a 401, `renew` is given the copy
    /// of the request the runtime kept for a retry and may return it with
    /// a renewed credential, which is sent once more within the same call
    /// (its deadline, its attempts). `None` leaves the 401 as the answer,
    /// as does a body that could not be copied.
    ///
    /// # Errors
    ///
    /// As [`exec`](Runtime::exec).
    pub async fn exec_renewing<R, Fut>(
        &self,
        client: &reqwest::Client,
        request: reqwest::Request,
        operation: &'static str,
        renew: R,
    ) -> reqwest::Result<reqwest::Response>
    where
        R: FnOnce(reqwest::Request) -> Fut,
        Fut: Future<Output = Option<reqwest::Request>>,
    {
        let ctx = CallContext::current();
        // Boxed: call futures nest (a token fetched inside a request hook),
        // and unboxed they grow past a thread's stack in debug builds.
        let sent = Box::pin(self.send_renewing(
            ctx.as_ref(),
            client,
            request,
            Resend::Copy,
            operation,
            renew,
        ));
        sent.await.map(body::ReadAnswer::into_response)
    }

    /// The read answer to `request`, sent once more as `renew` makes it
    /// after a 401 (see [`exec_renewing`](Runtime::exec_renewing)).
    async fn send_renewing<R, Fut>(
        &self,
        ctx: Option<&CallContext>,
        client: &reqwest::Client,
        request: reqwest::Request,
        resend: Resend<'_>,
        operation: &'static str,
        renew: R,
    ) -> reqwest::Result<body::ReadAnswer>
    where
        R: FnOnce(reqwest::Request) -> Fut,
        Fut: Future<Output = Option<reqwest::Request>>,
    {
        let (read, spare) = self
            .exec_read(ctx, client, request, resend, operation)
            .await;
        let refused = read
            .as_ref()
            .is_ok_and(|r| r.status == ::http::StatusCode::UNAUTHORIZED);
        if !refused {
            return read;
        }
        let Some(spare) = spare.or_else(|| resend.rebuild()) else {
            return read;
        };
        // A login the renewal makes is a call inside this one: it ends by
        // this call's deadline.
        let again = match ctx {
            Some(ctx) => ctx.scope(renew(spare)).await,
            None => renew(spare).await,
        };
        let Some(again) = again else {
            return read;
        };
        tracing::debug!("credential refused; sending once more with a renewed one");
        drop(read);
        self.exec_read(ctx, client, again, resend, operation)
            .await
            .0
    }

    /// Sends `request` with retries, up to the read answer, as part of the
    /// call `ctx` (if any), each retry with a request `resend` gives; also
    /// returns the copy kept for a retry it did not make (`None` for a
    /// body that cannot be copied, and for a request `resend` rebuilds,
    /// which is not copied beforehand). A caller that
    /// takes the answer apart itself ([`call_raw`](Runtime::call_raw)) has
    /// no use for it rebuilt into a `reqwest::Response`. Not boxed: each
    /// entry point boxes what it sends once.
    async fn exec_read(
        &self,
        ctx: Option<&CallContext>,
        client: &reqwest::Client,
        request: reqwest::Request,
        resend: Resend<'_>,
        operation: &'static str,
    ) -> (reqwest::Result<body::ReadAnswer>, Option<reqwest::Request>) {
        let span = tracing::debug_span!(
            "request",
            provider = self.provider().as_str(),
            operation,
            method = %request.method(),
            path = request.url().path(),
        );
        self.send(ctx, client, request, resend, operation)
            .instrument(span)
            .await
    }

    #[expect(
        clippy::manual_async_fn,
        reason = "an async fn keeps its argument in the future beside the loop's copy \
                  of the request (264 bytes each); the block uses the one it captures"
    )]
    fn send<'a>(
        &'a self,
        ctx: Option<&'a CallContext>,
        client: &'a reqwest::Client,
        mut request: reqwest::Request,
        resend: Resend<'a>,
        operation: &'static str,
    ) -> impl Future<Output = (reqwest::Result<body::ReadAnswer>, Option<reqwest::Request>)> + 'a
    {
        async move {
            let deadline = ctx.and_then(CallContext::deadline);
            let idempotent = self.dialect().is_idempotent(operation);
            let mut state = RetryState::new(self.inner.config.retry);
            let mut spent = 0;
            loop {
                if let Some(ctx) = ctx {
                    ctx.start_attempt(operation);
                }
                // The deadline bounds the attempt where it ends first.
                let mut cut = None;
                if let Some(d) = deadline {
                    let left = d.remaining();
                    if self.inner.config.attempt_timeout.is_none_or(|t| left < t) {
                        *request.timeout_mut() = Some(left);
                        cut = Some(d);
                    }
                }
                let spare = match resend {
                    Resend::Copy => request.try_clone(),
                    Resend::Rebuild(_) => None,
                };
                let resendable = spare.is_some() || matches!(resend, Resend::Rebuild(_));
                // Within a bulk read's `InFlight` scope: one of its slots,
                // for this attempt only.
                let slot = InFlight::slot().await;
                let started = Instant::now();
                let result = match client.execute(request).await {
                    Ok(response) => {
                        let limit = if response.status().is_success() {
                            self.inner.config.max_body
                        } else {
                            MAX_ERROR_BODY
                        };
                        body::read(response, limit).await
                    }
                    Err(e) => Err(e),
                };
                drop(slot);
                let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
                if let Some(d) = cut
                    && result.as_ref().is_err_and(reqwest::Error::is_timeout)
                {
                    return (self.past_deadline(ctx, &d, result, spent), spare);
                }
                let (action, cost) = match &result {
                    Ok(read) => {
                        tracing::debug!(status = read.status.as_u16(), duration_ms, "response");
                        let action = retry::classify(
                            read.status,
                            &read.headers,
                            idempotent,
                            SystemTime::now(),
                        );
                        (action, budget::RETRY_COST)
                    }
                    Err(e) => {
                        tracing::debug!(
                            timeout = e.is_timeout(),
                            connect = e.is_connect(),
                            duration_ms,
                            "transport error"
                        );
                        let sent = !e.is_connect() && !refused_unprocessed(e);
                        let action = retry::classify_transport(idempotent, sent);
                        (action, budget::RETRY_COST_TRANSPORT)
                    }
                };
                let cost = if matches!(action, RetryAction::Retry { .. }) {
                    cost
                } else {
                    0
                };
                let delay = if !resendable {
                    None
                } else if cost > 0 && !self.inner.budget.try_take(cost) {
                    tracing::debug!("retry budget exhausted; not retrying");
                    None
                } else if let Some(d) = state.next_delay(action) {
                    spent += cost;
                    Some(d)
                } else {
                    self.inner.budget.refund(cost);
                    None
                };
                let Some(delay) = delay else {
                    return (self.finish(ctx, result, spent), spare);
                };
                let Some(next) = spare.or_else(|| resend.rebuild()) else {
                    // A recipe that built the first request fails to build
                    // it again: the attempt's result stands.
                    self.inner.budget.refund(cost);
                    return (self.finish(ctx, result, spent - cost), None);
                };
                // A wait that would end past the deadline is not begun.
                if let Some(d) = deadline.filter(|d| delay >= d.remaining()) {
                    self.inner.budget.refund(cost);
                    let out = self.past_deadline(ctx, &d, result, spent - cost);
                    return (out, Some(next));
                }
                tracing::debug!(
                    attempt = state.attempt(),
                    delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                    "retrying"
                );
                // Drop what is not going to be read before sleeping.
                drop(result);
                retry::sleep(delay).await;
                request = next;
            }
        }
    }

    /// The last attempt's result, with the deadline's error recorded as the
    /// call's fault, which the call returns in place of what the generated
    /// client makes of the result.
    fn past_deadline(
        &self,
        ctx: Option<&CallContext>,
        deadline: &context::CallDeadline,
        result: reqwest::Result<body::ReadAnswer>,
        spent: u32,
    ) -> reqwest::Result<body::ReadAnswer> {
        tracing::debug!("deadline reached");
        if let Some(ctx) = ctx {
            ctx.set_fault(deadline.error());
        }
        self.finish(ctx, result, spent)
    }

    /// The last attempt's answer, as the caller will read it; what it
    /// cannot carry goes into the call's context.
    fn finish(
        &self,
        ctx: Option<&CallContext>,
        result: reqwest::Result<body::ReadAnswer>,
        spent: u32,
    ) -> reqwest::Result<body::ReadAnswer> {
        let mut read = result?;
        if read.status.is_success() {
            self.inner.budget.on_success(spent);
        }
        if let Some(ctx) = ctx {
            ctx.record_answer(Answer {
                status: read.status.as_u16(),
                request_id: request_id(&read.headers),
                retry_after: read
                    .headers
                    .get(::http::header::RETRY_AFTER)
                    .and_then(|v| retry::parse_retry_after(v, SystemTime::now())),
                body: if read.status.is_success() {
                    Bytes::new()
                } else {
                    read.body.clone()
                },
            });
            if read.over_limit && read.status.is_success() {
                ctx.set_fault(Error::invalid_response(
                    self.provider(),
                    format!(
                        "the answer is larger than the limit of {} bytes",
                        self.inner.config.max_body
                    ),
                ));
                read.body = Bytes::new();
            }
        }
        Ok(read)
    }

    /// Runs one call of the generated client with the deadline, and maps
    /// its failure to an [`Error`] carrying the answer's metadata. `about`
    /// names the addressed object for [`Error::NotFound`] (`recordset
    /// 1.2.0.192.in-addr.arpa.`).
    ///
    /// # Errors
    ///
    /// Whatever the exchange gave, as the behaviour table says.
    pub fn call<T, E, F>(&self, about: &str, fut: F) -> impl Future<Output = Result<T, Error>>
    where
        F: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<E>>>,
    {
        self.call_checked(about, fut, |_, _| Ok(()))
    }

    /// [`call`](Runtime::call) for providers that find errors inside
    /// successful answers: `check` sees the answer and its metadata
    /// (status, request id, operation, attempts) and may turn it into an
    /// error, which is redacted like every other error of the runtime.
    ///
    /// # Errors
    ///
    /// As [`call`](Runtime::call), or `check`'s error.
    pub fn call_checked<T, E, F>(
        &self,
        about: &str,
        fut: F,
        check: impl FnOnce(&T, ErrorMeta) -> Result<(), Error>,
    ) -> impl Future<Output = Result<T, Error>>
    where
        F: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<E>>>,
    {
        // Boxed before anything holds it: moved by value through the
        // layers below, a generated call's future (kilobytes) would be
        // copied at each of them.
        let fut = Box::pin(fut);
        async move {
            self.exchange(about, fut)
                .await
                .and_then(|(value, meta)| check(&value, meta).map(|()| value))
                .map_err(|e| self.redact_error(e))
        }
    }

    async fn exchange<T, E, F>(&self, about: &str, fut: F) -> Result<(T, ErrorMeta), Error>
    where
        F: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<E>>>,
    {
        let ctx = self.call_context();
        let (outcome, mut meta) = self.scoped(&ctx, fut).await;
        match outcome {
            Ok(value) => {
                let settled = ctx.settle();
                meta.status = Some(value.status().as_u16());
                meta.request_id = settled
                    .request_id
                    .unwrap_or_else(|| request_id(value.headers()));
                // A fault outranks what the generated client made of the
                // answer it was left with.
                match settled.fault {
                    Some(fault) => Err(fault.with_meta(meta)),
                    None => Ok((value.into_inner(), meta)),
                }
            }
            Err(e) => Err(self.map_error(e, about, &ctx, meta)),
        }
    }

    /// Sends a request built by hand (an API the generated client does not
    /// cover, such as a Keystone login, or a listing read into a leaner type
    /// than the generated one) as [`exec`](Runtime::exec) sends one, with
    /// the deadline. An error status becomes the [`Error`] the behaviour
    /// table gives it; a success is returned with its status, headers and
    /// body (at most [`RuntimeConfig::max_body`] bytes).
    ///
    /// `build` makes the request (with [`build`](Runtime::build)); it runs
    /// once before anything is sent, and again only for a request that is
    /// sent again. So a call that is not retried copies no request, which
    /// `exec` must do before every attempt since it cannot build one.
    ///
    /// # Errors
    ///
    /// `build`'s error, before anything is sent; otherwise as
    /// [`call`](Runtime::call).
    pub async fn call_raw<B>(
        &self,
        about: &str,
        client: &reqwest::Client,
        build: B,
        operation: &'static str,
    ) -> Result<RawAnswer, Error>
    where
        B: Fn() -> Result<reqwest::Request, Error> + Sync,
    {
        let keep = |_| std::future::ready(None);
        self.call_raw_renewing(about, client, build, operation, keep)
            .await
    }

    /// [`call_raw`](Runtime::call_raw), sending the request once more with
    /// a renewed credential after a 401 as
    /// [`exec_renewing`](Runtime::exec_renewing) does.
    ///
    /// # Errors
    ///
    /// As [`call`](Runtime::call).
    pub async fn call_raw_renewing<B, R, Fut>(
        &self,
        about: &str,
        client: &reqwest::Client,
        build: B,
        operation: &'static str,
        renew: R,
    ) -> Result<RawAnswer, Error>
    where
        B: Fn() -> Result<reqwest::Request, Error> + Sync,
        R: FnOnce(reqwest::Request) -> Fut,
        Fut: Future<Output = Option<reqwest::Request>>,
    {
        let request = build()?;
        let rebuild = || build().ok();
        let resend = Resend::Rebuild(&rebuild);
        let exchange = async {
            let ctx = self.call_context();
            // Boxed where it is made, as `call` boxes a generated call: what
            // holds it below moves a pointer, not the future. The context
            // is passed down, not set as the task's: nothing runs inside
            // this call but the renewal, which `send_renewing` scopes.
            let sent =
                Box::pin(self.send_renewing(Some(&ctx), client, request, resend, operation, renew));
            let outcome = sent
                .await
                .map(|read| (read.status.as_u16(), read.headers, read.body));
            let mut meta = call_meta(&ctx);
            let (status, headers, body) = match outcome {
                Err(e) => {
                    return Err(self.map_error(
                        progenitor_client::Error::<()>::CommunicationError(e),
                        about,
                        &ctx,
                        meta,
                    ));
                }
                Ok(parts) => parts,
            };
            let settled = ctx.settle();
            meta.status = Some(status);
            meta.request_id = settled.request_id.unwrap_or_else(|| request_id(&headers));
            if let Some(fault) = settled.fault {
                return Err(fault.with_meta(meta));
            }
            if let Some(answer) = settled.failed {
                return Err(answer::answer_error(self.dialect(), about, meta, &answer));
            }
            Ok(RawAnswer {
                headers,
                body,
                meta,
            })
        };
        exchange.await.map_err(|e| self.redact_error(e))
    }

    /// The context of a call starting now, with this runtime's deadline.
    fn call_context(&self) -> CallContext {
        CallContext::for_call(self.inner.config.deadline, self.provider())
    }

    /// Runs `fut` with `ctx` as the call's context (whose deadline the
    /// hook keeps, see [`context`]); also returns the operation and
    /// attempts the hook recorded.
    async fn scoped<F: Future>(&self, ctx: &CallContext, fut: F) -> (F::Output, ErrorMeta) {
        let outcome = ctx.scope(fut).await;
        (outcome, call_meta(ctx))
    }

    fn map_error<E>(
        &self,
        err: progenitor_client::Error<E>,
        about: &str,
        ctx: &CallContext,
        meta: ErrorMeta,
    ) -> Error {
        use progenitor_client::Error as G;
        let p = self.provider();
        let answer = ctx.answer();
        let mut meta = meta;
        if let Some(a) = &answer {
            meta.status = Some(a.status);
            meta.request_id.clone_from(&a.request_id);
        }
        if let Some(fault) = ctx.take_fault() {
            return fault.with_meta(meta);
        }
        let failed_answer = answer.as_ref().filter(|a| a.status >= 300);
        match err {
            G::ErrorResponse(_) | G::UnexpectedResponse(_) | G::InvalidResponsePayload(..)
                if failed_answer.is_some() =>
            {
                let a = failed_answer.expect("checked above");
                answer::answer_error(self.dialect(), about, meta, a)
            }
            G::ErrorResponse(v) => {
                Error::api(p, v.status().as_u16(), "error answer").with_meta(meta)
            }
            G::UnexpectedResponse(response) => {
                let status = response.status().as_u16();
                meta.status = Some(status);
                Error::invalid_response(
                    p,
                    format!("status {status} is not documented for this operation"),
                )
                .with_meta(meta)
            }
            G::InvalidResponsePayload(bytes, e) => self.undecodable(&bytes, e, meta),
            G::CommunicationError(e) | G::ResponseBodyError(e) | G::InvalidUpgrade(e) => {
                let timeout = e.is_timeout();
                let e = e.without_url();
                let err = if timeout {
                    Error::timeout(p).with_source(e)
                } else {
                    Error::transport(p, e)
                };
                err.with_meta(meta)
            }
            G::InvalidRequest(reason) => Error::validation_for(p, "request", reason),
            G::Custom(reason) => Error::transport(p, reason).with_meta(meta),
        }
    }

    /// The error of an answer whose body does not decode. serde_json
    /// quotes offending values, so an answer that may hold a secret (of a
    /// confidential operation) is described by position only.
    fn undecodable(&self, body: &[u8], e: serde_json::Error, meta: ErrorMeta) -> Error {
        let p = self.provider();
        if self.dialect().is_confidential(meta.operation.as_deref()) {
            let message = format!(
                "the answer does not decode ({:?} error at line {} column {})",
                e.classify(),
                e.line(),
                e.column()
            );
            Error::invalid_response(p, message).with_meta(meta)
        } else {
            let message = format!(
                "the answer does not decode ({e}); body: {}",
                crate::error::truncate_body(body)
            );
            Error::invalid_response(p, message)
                .with_meta(meta)
                .with_source(e)
        }
    }

    /// The JSON body of a [`call_raw`](Runtime::call_raw) answer as `T`,
    /// or the error a generated call gives for a body that does not decode
    /// (redacted, and by position only for a confidential operation). For
    /// a provider that reads an answer into a leaner type than the
    /// generated one.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidResponse`] when the body is not a `T`.
    pub fn decode<T: serde::de::DeserializeOwned>(&self, answer: &RawAnswer) -> Result<T, Error> {
        // The body is checked to be UTF-8 once, as a whole, rather than
        // each string serde_json reads from it (a tenth of the CPU of
        // reading a 10,000-record listing). A body that is not UTF-8 is
        // read as bytes, where serde_json names the place it fails at, and
        // still reads if the bad bytes are only in what `T` skips.
        let decoded = match std::str::from_utf8(&answer.body) {
            Ok(text) => serde_json::from_str(text),
            Err(_) => serde_json::from_slice(&answer.body),
        };
        decoded
            .map_err(|e| self.redact_error(self.undecodable(&answer.body, e, answer.meta.clone())))
    }

    /// [`decode`](Runtime::decode) for an answer that may be large (a page
    /// of a listing). One over [`DECODE_INLINE_MAX`] bytes is read on
    /// tokio's blocking pool: reading a page of 1000 records takes a few
    /// milliseconds, and done on a worker thread it holds up every task
    /// queued behind it there, the requests for the next pages included,
    /// which on a runtime of few threads then leave one reading later.
    ///
    /// # Errors
    ///
    /// As [`decode`](Runtime::decode).
    ///
    /// # Panics
    ///
    /// If `T`'s `Deserialize` panics, the panic is resumed here.
    pub async fn decode_page<T>(&self, answer: RawAnswer) -> Result<T, Error>
    where
        T: serde::de::DeserializeOwned + Send + 'static,
    {
        if answer.body.len() <= DECODE_INLINE_MAX {
            return self.decode(&answer);
        }
        let runtime = self.clone();
        match tokio::task::spawn_blocking(move || runtime.decode(&answer)).await {
            Ok(decoded) => decoded,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }

    /// [`decode`](Runtime::decode), then `check` on the decoded answer with
    /// its metadata, as [`call_checked`](Runtime::call_checked) does for a
    /// generated call (for providers that find errors inside successful
    /// answers); `check`'s error is redacted too.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidResponse`] when the body is not a `T`, or `check`'s
    /// error.
    pub fn decode_checked<T: serde::de::DeserializeOwned>(
        &self,
        answer: &RawAnswer,
        check: impl FnOnce(&T, ErrorMeta) -> Result<(), Error>,
    ) -> Result<T, Error> {
        let value = self.decode(answer)?;
        check(&value, answer.meta.clone())
            .map(|()| value)
            .map_err(|e| self.redact_error(e))
    }

    /// Records a failure that a request hook's `pre` step met (a token
    /// that could not be had), so that [`call`](Runtime::call) returns it
    /// instead of the text the generated client carries; returns that text.
    pub fn hook_failure(&self, err: Error) -> String {
        let text = err.to_string();
        if let Some(ctx) = CallContext::current() {
            ctx.set_fault(err);
        }
        text
    }
}

/// A successful answer to [`Runtime::call_raw`].
#[non_exhaustive]
#[derive(Debug)]
pub struct RawAnswer {
    /// The answer's headers.
    pub headers: ::http::HeaderMap,
    /// The body.
    pub body: Bytes,
    /// Status, request id, operation and attempts, for errors the caller
    /// finds in the answer.
    pub meta: ErrorMeta,
}

/// The operation and attempts the call `ctx` recorded.
fn call_meta(ctx: &CallContext) -> ErrorMeta {
    let mut meta = ErrorMeta::default().with_attempts(ctx.attempts());
    meta.operation = ctx.operation().map(str::to_owned);
    meta
}

/// The first of [`REQUEST_ID_HEADERS`], in the list's order, that the
/// answer has as text. One pass over an answer's few headers costs less
/// than hashing every name of the list.
fn request_id(headers: &::http::HeaderMap) -> Option<String> {
    let mut found: Option<(usize, &str)> = None;
    for (name, value) in headers {
        let Some(rank) = REQUEST_ID_HEADERS.iter().position(|n| n == name) else {
            continue;
        };
        if found.is_none_or(|(best, _)| rank < best)
            && let Ok(text) = value.to_str()
        {
            found = Some((rank, text));
        }
    }
    found.map(|(_, text)| text.to_owned())
}

/// Whether an HTTP/2 server refused the request before processing it: a
/// `REFUSED_STREAM` reset or a graceful `GOAWAY` (RFC 9113, section 8.7).
/// Such a request is safe to send again, as one never sent is.
fn refused_unprocessed(e: &reqwest::Error) -> bool {
    std::iter::successors(std::error::Error::source(e), |e| e.source())
        .find_map(|e| e.downcast_ref::<h2::Error>())
        .is_some_and(|e| {
            e.is_remote()
                && ((e.is_reset() && e.reason() == Some(h2::Reason::REFUSED_STREAM))
                    || (e.is_go_away() && e.reason() == Some(h2::Reason::NO_ERROR)))
        })
}

/// Implements the generated client's request hooks with the
/// [`Runtime`] as its inner type: `pre` calls [`Runtime::prepare`], `exec`
/// calls [`Runtime::exec`]. The crate using it depends on
/// `progenitor-client` and `reqwest`, as its generated code does.
///
/// ```ignore
/// // in a provider crate, next to `mod generated;`
/// revdns_core::runtime_hooks!(crate::generated::Client);
/// ```
#[macro_export]
macro_rules! runtime_hooks {
    ($client:ty) => {
        impl ::progenitor_client::ClientHooks<$crate::runtime::Runtime> for $client {
            async fn pre<E>(
                &self,
                request: &mut ::reqwest::Request,
                _info: &::progenitor_client::OperationInfo,
            ) -> ::std::result::Result<(), ::progenitor_client::Error<E>> {
                ::progenitor_client::ClientInfo::inner(self).prepare(request);
                Ok(())
            }

            async fn exec(
                &self,
                request: ::reqwest::Request,
                info: &::progenitor_client::OperationInfo,
            ) -> ::reqwest::Result<::reqwest::Response> {
                ::progenitor_client::ClientInfo::inner(self)
                    .exec(
                        ::progenitor_client::ClientInfo::client(self),
                        request,
                        info.operation_id,
                    )
                    .await
            }
        }
    };
}
