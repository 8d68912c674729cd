//! Running part of an operation as its own task, so that a large answer is
//! parsed on another worker thread while the caller goes on, and limiting
//! the requests such tasks have out at once.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use tokio::sync::Semaphore;
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
/// read ([`spawn_call`] each). A slot is held only while a request is out,
/// so what a task does with its answer (reading a page of 1000 records)
/// does not hold up the next request; slots go to waiting tasks in the
/// order they asked. Clones share the slots.
#[derive(Debug, Clone)]
pub struct InFlight(Arc<Semaphore>);

impl InFlight {
    /// `limit` slots (at least one).
    pub fn new(limit: usize) -> Self {
        InFlight(Arc::new(Semaphore::new(limit.max(1))))
    }

    /// Runs `request` in a slot, waiting for one first.
    pub async fn send<F: Future>(&self, request: F) -> F::Output {
        // Never closed: `acquire` cannot fail.
        let _slot = self.0.acquire().await;
        request.await
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
    async fn in_flight_holds_a_slot_only_while_the_request_is_out() {
        let slots = InFlight::new(2);
        let out = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let started = tokio::time::Instant::now();
        let tasks: Vec<_> = (0..6)
            .map(|_| {
                let (slots, out, most) = (slots.clone(), Arc::clone(&out), Arc::clone(&most));
                tokio::spawn(async move {
                    slots
                        .send(async {
                            let now = out.fetch_add(1, Ordering::SeqCst) + 1;
                            most.fetch_max(now, Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(10)).await;
                            out.fetch_sub(1, Ordering::SeqCst);
                        })
                        .await;
                    // Reading the answer holds no slot.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                })
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
    }
}
