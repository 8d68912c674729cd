//! The state of one operation call, shared between [`Runtime::call`]
//! (which maps the outcome) and the request hook (which sends and retries)
//! through a task-local: the generated client sits between the two and
//! passes neither attempts nor raw answers along.
//!
//! The context also carries the call's deadline. The runtime keeps it
//! without a timer of its own: each attempt's timeout is cut to the time
//! left, no retry waits past it, and a wait for a credential that another
//! call is fetching is bounded by it. A timer per call, besides the
//! attempt's, would cost a registration in the runtime's timer wheel and
//! its removal, under the timer's lock, on every call.
//!
//! [`Runtime::call`]: super::Runtime::call

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use tokio::time::Instant;

use crate::{Error, ProviderId};

/// What the hook saw of the last answer.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) request_id: Option<String>,
    pub(crate) retry_after: Option<std::time::Duration>,
    /// The body of an error answer, at most the error-body limit.
    pub(crate) body: Bytes,
}

#[derive(Debug, Default)]
struct State {
    operation: Option<&'static str>,
    attempts: u32,
    answer: Option<Answer>,
    /// A failure the hook detected that the generated client cannot carry
    /// (an oversized body, a token that could not be had).
    fault: Option<Error>,
}

/// When a call must be done by, and what it says when it is not.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CallDeadline {
    at: Instant,
    /// The deadline as configured, for the error.
    of: Duration,
    provider: ProviderId,
}

impl CallDeadline {
    /// Time left, zero once it has passed.
    pub(crate) fn remaining(&self) -> Duration {
        self.at.saturating_duration_since(Instant::now())
    }

    /// The error of a call that did not finish in time.
    pub(crate) fn error(&self) -> Error {
        Error::deadline(self.provider, self.of)
    }
}

#[derive(Debug)]
struct Shared {
    deadline: Option<CallDeadline>,
    state: Mutex<State>,
}

/// One call's shared state.
#[derive(Debug, Clone)]
pub(crate) struct CallContext(Arc<Shared>);

tokio::task_local! {
    static CURRENT: CallContext;
}

/// What the hook left of a call that the generated client decoded, taken
/// under one lock.
pub(crate) struct Settled {
    /// The request id of the answer `exec` recorded (`None` when no answer
    /// went through it), so that it is read off the headers once.
    pub(crate) request_id: Option<Option<String>>,
    pub(crate) fault: Option<Error>,
    /// The answer, when its status was an error.
    pub(crate) failed: Option<Answer>,
}

impl CallContext {
    /// The context of a call starting now that has `deadline` from now, or
    /// the deadline of the call it is made in (a login in a request hook)
    /// when that ends first.
    pub(crate) fn for_call(deadline: Option<Duration>, provider: ProviderId) -> Self {
        let own = deadline.and_then(|of| {
            Some(CallDeadline {
                at: Instant::now().checked_add(of)?,
                of,
                provider,
            })
        });
        let deadline = own
            .into_iter()
            .chain(CallContext::current_deadline())
            .min_by_key(|d| d.at);
        CallContext(Arc::new(Shared {
            deadline,
            state: Mutex::default(),
        }))
    }

    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.0.state.lock().unwrap_or_else(PoisonError::into_inner))
    }

    pub(crate) fn deadline(&self) -> Option<CallDeadline> {
        self.0.deadline
    }

    /// Runs `fut` with this context as the current one.
    pub(crate) async fn scope<F: Future>(&self, fut: F) -> F::Output {
        CURRENT.scope(self.clone(), fut).await
    }

    /// The current context, if the request runs inside [`Runtime::call`](super::Runtime::call).
    pub(crate) fn current() -> Option<CallContext> {
        CURRENT.try_with(CallContext::clone).ok()
    }

    /// The deadline of the call the current task runs in, if any.
    pub(crate) fn current_deadline() -> Option<CallDeadline> {
        CURRENT.try_with(CallContext::deadline).ok().flatten()
    }

    pub(crate) fn start_attempt(&self, operation: &'static str) {
        self.with(|s| {
            s.operation = Some(operation);
            s.attempts += 1;
            s.answer = None;
        });
    }

    pub(crate) fn record_answer(&self, answer: Answer) {
        self.with(|s| s.answer = Some(answer));
    }

    pub(crate) fn set_fault(&self, fault: Error) {
        self.with(|s| s.fault = Some(fault));
    }

    pub(crate) fn take_fault(&self) -> Option<Error> {
        self.with(|s| s.fault.take())
    }

    pub(crate) fn answer(&self) -> Option<Answer> {
        self.with(|s| s.answer.clone())
    }

    /// See [`Settled`]; takes the fault.
    pub(crate) fn settle(&self) -> Settled {
        self.with(|s| Settled {
            request_id: s.answer.as_ref().map(|a| a.request_id.clone()),
            fault: s.fault.take(),
            failed: s.answer.as_ref().filter(|a| a.status >= 300).cloned(),
        })
    }

    pub(crate) fn operation(&self) -> Option<&'static str> {
        self.with(|s| s.operation)
    }

    pub(crate) fn attempts(&self) -> u32 {
        self.with(|s| s.attempts)
    }
}

/// `fut`, given up with the deadline's error when the current call's
/// deadline passes first; unbounded outside a call.
pub(crate) async fn within_deadline<F: Future>(fut: F) -> Result<F::Output, Error> {
    match CallContext::current_deadline() {
        Some(d) => tokio::time::timeout_at(d.at, fut)
            .await
            .map_err(|_| d.error()),
        None => Ok(fut.await),
    }
}
