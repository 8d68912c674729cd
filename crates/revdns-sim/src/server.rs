//! The listener plumbing: loopback sockets whose connections a handler can
//! cut without answering (the "dropped connection" and "lost answer"
//! faults), and the per-request note of what the faults did.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use axum::Router;
use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::counters::{Op, Serving};

/// A TCP listener whose connections carry a kill switch; it counts the
/// connections it accepts.
#[derive(Debug)]
pub(crate) struct SimListener {
    inner: TcpListener,
    accepted: Arc<AtomicU64>,
}

impl SimListener {
    pub(crate) async fn bind(port: u16) -> io::Result<Self> {
        let inner = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await?;
        Ok(SimListener {
            inner,
            accepted: Arc::default(),
        })
    }

    pub(crate) fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }

    /// The count of accepted connections, shared with the listener.
    pub(crate) fn accepted(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.accepted)
    }
}

impl Listener for SimListener {
    type Io = SimIo;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.inner.accept().await {
                Ok((stream, addr)) => {
                    self.accepted.fetch_add(1, Ordering::Relaxed);
                    // Small JSON answers: send them at once.
                    let _ = stream.set_nodelay(true);
                    let io = SimIo {
                        stream,
                        killed: Arc::new(AtomicBool::new(false)),
                    };
                    return (io, addr);
                }
                Err(err) => {
                    // Out of descriptors and the like: back off briefly
                    // instead of spinning, as axum's own listener does.
                    tracing::debug!(error = %err, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// A connection; once killed, every read and write fails, so hyper drops it
/// without writing the answer it was given.
#[derive(Debug)]
pub(crate) struct SimIo {
    stream: TcpStream,
    killed: Arc<AtomicBool>,
}

impl SimIo {
    fn check(&self) -> io::Result<()> {
        if self.killed.load(Ordering::Acquire) {
            Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "connection dropped by fault injection",
            ))
        } else {
            Ok(())
        }
    }
}

impl AsyncRead for SimIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.check()?;
        Pin::new(&mut this.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for SimIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.check()?;
        Pin::new(&mut this.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.check()?;
        Pin::new(&mut this.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.check()?;
        Pin::new(&mut this.stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

/// What the faults decided about one request, read once the handler has
/// answered (see `delivery`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Fate {
    /// The operation, once the request was admitted or refused.
    pub(crate) op: Option<Op>,
    /// A fault answered instead of the handler (429, 502, 503, dropped).
    pub(crate) refused: bool,
    /// Served normally, but the answer is to be lost.
    pub(crate) lose: bool,
    /// When the answer is due, under latency.
    pub(crate) answer_at: Option<tokio::time::Instant>,
}

/// The handler's grip on its connection (an axum `ConnectInfo`): the
/// connection's kill switch and the current request's [`Fate`].
#[derive(Debug, Clone)]
pub(crate) struct Conn {
    killed: Arc<AtomicBool>,
    fate: Arc<Mutex<Fate>>,
    /// The request counted as being served, until its last handle (the
    /// answer's middleware) drops.
    serving: Arc<Mutex<Option<Serving>>>,
}

impl Conn {
    /// Makes the connection close without sending the answer.
    pub(crate) fn kill(&self) {
        self.killed.store(true, Ordering::Release);
    }

    /// The same connection with a fresh [`Fate`], for one request.
    pub(crate) fn for_request(&self) -> Conn {
        Conn {
            killed: Arc::clone(&self.killed),
            fate: Arc::default(),
            serving: Arc::default(),
        }
    }

    /// Keeps `serving` until the request's answer goes out.
    pub(crate) fn hold(&self, serving: Option<Serving>) {
        *self.serving.lock().unwrap_or_else(PoisonError::into_inner) = serving;
    }

    pub(crate) fn set_fate(&self, fate: Fate) {
        *self.fate.lock().unwrap_or_else(PoisonError::into_inner) = fate;
    }

    pub(crate) fn fate(&self) -> Fate {
        *self.fate.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Connected<IncomingStream<'_, SimListener>> for Conn {
    fn connect_info(stream: IncomingStream<'_, SimListener>) -> Self {
        Conn {
            killed: Arc::clone(&stream.io().killed),
            fate: Arc::default(),
            serving: Arc::default(),
        }
    }
}

/// Serves `router` on `listener` until `shutdown` turns true; connections
/// then finish their current request and close.
pub(crate) fn spawn(
    listener: SimListener,
    router: Router,
    mut shutdown: watch::Receiver<bool>,
) -> JoinHandle<()> {
    let service = router.into_make_service_with_connect_info::<Conn>();
    tokio::spawn(async move {
        let signal = async move {
            // Either the flag turns true or the sender is gone: stop both ways.
            let _ = shutdown.wait_for(|stop| *stop).await;
        };
        if let Err(err) = axum::serve(listener, service)
            .with_graceful_shutdown(signal)
            .await
        {
            tracing::warn!(error = %err, "simulator listener stopped with an error");
        }
    })
}
