//! Running part of an operation as its own task, so that a large answer is
//! parsed on another worker thread while the caller goes on.

use std::pin::Pin;
use std::task::{Context, Poll, ready};

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

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
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
}
