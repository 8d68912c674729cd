//! Running part of an operation as its own task, so that a large answer is
//! parsed on another worker thread while the caller goes on, and limiting
//! the requests such tasks have out at once.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;

use crate::Error;

/// Runs `call` (typically one request and the parse of its answer) as a
/// task of the current tokio runtime, so that several of them are parsed
/// in parallel on a multi-threaded runtime. The work is the same as
/// awaiting `call` in place; only where it runs differs.
///
/// Dropping the returned future aborts the task, as dropping `call` would
/// have cancelled it. A panic in the task resumes in the caller.
///
/// # Panics
///
/// Outside a tokio runtime, as `reqwest` itself does.
pub fn spawn_call<T, F>(call: F) -> Spawned<T>
where
    F: Future<Output = Result<T, Error>> + Send + 'static,
    T: Send + 'static,
{
    Spawned(tokio::spawn(call))
}

/// The answer of a [`spawn_call`] task; dropping it aborts the task.
#[derive(Debug)]
#[must_use = "dropping it aborts the call"]
pub struct Spawned<T>(JoinHandle<Result<T, Error>>);

impl<T> Future for Spawned<T> {
    type Output = Result<T, Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Poll::Ready(match ready!(Pin::new(&mut self.0).poll(cx)) {
            Ok(result) => result,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            // Only a runtime shutting down cancels the task from outside.
            Err(_) => Err(Error::internal(
                None,
                "the call was cancelled: the runtime is shutting down",
            )),
        })
    }
}

impl<T> Drop for Spawned<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// At most so many requests out at once, shared by the tasks of one bulk
/// read (a [`spawn_call`] each): every attempt a runtime sends within
/// [`scope`](InFlight::scope) takes a slot while it is out, up to its read
/// answer, and gives it back before the task reads the page, waits to
/// retry or logs in again. So reading a page of 1000 records does not hold
/// up the next request. Slots go to waiting attempts in the order they
/// asked; clones share the slots.
#[derive(Debug, Clone)]
pub struct InFlight(Arc<Semaphore>);

tokio::task_local! {
    static SLOTS: InFlight;
}

impl InFlight {
    /// `limit` slots (at least one).
    pub fn new(limit: usize) -> Self {
        InFlight(Arc::new(Semaphore::new(limit.max(1))))
    }

    /// Runs `work` with each attempt it sends taking one of these slots.
    pub async fn scope<F: Future>(&self, work: F) -> F::Output {
        SLOTS.scope(self.clone(), work).await
    }

    /// A slot of the current task's scope, once one is free; `None` outside
    /// a scope. The send loop holds it for one attempt.
    pub(crate) async fn slot() -> Option<OwnedSemaphorePermit> {
        let slots = SLOTS.try_with(|s| Arc::clone(&s.0)).ok()?;
        // Never closed: `acquire_owned` cannot fail.
        slots.acquire_owned().await.ok()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn gives_the_call_s_result() {
        assert_eq!(spawn_call(async { Ok::<_, Error>(7) }).await.unwrap(), 7);
        let err = spawn_call(async { Err::<(), _>(Error::validation("f", "bad")) })
            .await
            .unwrap_err();
        assert_eq!(err.kind(), "validation");
    }

    #[tokio::test(start_paused = true)]
    async fn dropping_it_aborts_the_task() {
        let finished = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&finished);
        let spawned = spawn_call(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            flag.store(true, Ordering::SeqCst);
            Ok::<_, Error>(())
        });
        drop(spawned);
        tokio::time::sleep(Duration::from_millis(150)).await;
        assert!(
            !finished.load(Ordering::SeqCst),
            "the task ran on after the drop"
        );
    }

    #[tokio::test]
    #[should_panic(expected = "inside the call")]
    async fn a_panic_resumes_in_the_caller() {
        let _ = spawn_call(async {
            if true {
                panic!("inside the call");
            }
            Ok::<(), Error>(())
        })
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn in_flight_holds_a_slot_only_while_an_attempt_is_out() {
        let slots = InFlight::new(2);
        let out = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let started = tokio::time::Instant::now();
        let tasks: Vec<_> = (0..6)
            .map(|_| {
                let (out, most) = (Arc::clone(&out), Arc::clone(&most));
                let work = async move {
                    {
                        // One attempt, as the send loop holds it.
                        let _slot = InFlight::slot().await.expect("inside the scope");
                        let now = out.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        out.fetch_sub(1, Ordering::SeqCst);
                    }
                    // Reading the answer holds no slot.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                };
                let slots = slots.clone();
                tokio::spawn(async move { slots.scope(work).await })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(most.load(Ordering::SeqCst), 2, "two at a time");
        // Three rounds of 10 ms, then the last answers' 100 ms; with the
        // slots held while reading, 330 ms.
        let took = started.elapsed();
        assert!(
            took >= Duration::from_millis(130) && took < Duration::from_millis(140),
            "{took:?}"
        );
        assert!(InFlight::slot().await.is_none(), "no slot outside a scope");
    }
}
