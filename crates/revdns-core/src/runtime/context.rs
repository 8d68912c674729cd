//! The state of one operation call, shared between [`Runtime::call`]
//! (which maps the outcome) and the request hook (which sends and retries)
//! through a task-local: the generated client sits between the two and
//! passes neither attempts nor raw answers along.
//!
//! [`Runtime::call`]: super::Runtime::call

use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;

use crate::Error;

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

/// One call's shared state.
#[derive(Debug, Clone, Default)]
pub(crate) struct CallContext(Arc<Mutex<State>>);

tokio::task_local! {
    static CURRENT: CallContext;
}

impl CallContext {
    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Runs `fut` with this context as the current one.
    pub(crate) async fn scope<F: Future>(&self, fut: F) -> F::Output {
        CURRENT.scope(self.clone(), fut).await
    }

    /// The current context, if the request runs inside [`Runtime::call`](super::Runtime::call).
    pub(crate) fn current() -> Option<CallContext> {
        CURRENT.try_with(CallContext::clone).ok()
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

    /// The request id of the answer `exec` recorded (`None` when no
    /// answer went through it), so that it is read off the headers once.
    pub(crate) fn recorded_request_id(&self) -> Option<Option<String>> {
        self.with(|s| s.answer.as_ref().map(|a| a.request_id.clone()))
    }

    pub(crate) fn operation(&self) -> Option<&'static str> {
        self.with(|s| s.operation)
    }

    pub(crate) fn attempts(&self) -> u32 {
        self.with(|s| s.attempts)
    }
}
