//! A plain HTTP/1.1 server on loopback whose answers a test writes as a
//! function of the request: for what the simulator does not do on purpose
//! (echo a request back into an error, redirect to another port).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One request as it arrived.
#[derive(Debug, Clone)]
pub struct Request {
    /// `POST`, `GET`, ...
    pub method: String,
    /// Path and query.
    pub target: String,
    /// Header lines, as sent.
    pub head: String,
    /// The body.
    pub body: Vec<u8>,
}

impl Request {
    /// Head and body as text: everything the client sent.
    pub fn text(&self) -> String {
        format!("{}\r\n{}", self.head, String::from_utf8_lossy(&self.body))
    }
}

/// One answer: status, extra headers, body.
#[derive(Debug, Clone)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Extra header lines (`Name: value`).
    pub headers: Vec<String>,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// A JSON answer.
    pub fn json(status: u16, body: &serde_json::Value) -> Self {
        Response {
            status,
            headers: vec!["Content-Type: application/json".to_owned()],
            body: body.to_string().into_bytes(),
        }
    }

    /// A redirect to `location`.
    pub fn redirect(status: u16, location: &str) -> Self {
        Response {
            status,
            headers: vec![format!("Location: {location}")],
            body: Vec::new(),
        }
    }

    /// Adds a header line.
    #[must_use]
    pub fn with_header(mut self, line: impl Into<String>) -> Self {
        self.headers.push(line.into());
        self
    }
}

type Handler = dyn Fn(&Request) -> Response + Send + Sync;

/// A running server; it stops when dropped.
#[derive(Debug)]
pub struct Loopback {
    addr: SocketAddr,
    requests: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl Loopback {
    /// Serves `handler` on a free port of 127.0.0.1.
    ///
    /// # Panics
    ///
    /// When no port can be bound.
    pub async fn start(handler: impl Fn(&Request) -> Response + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        let requests = Arc::new(AtomicU64::new(0));
        let handler: Arc<Handler> = Arc::new(handler);
        let counter = requests.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let handler = handler.clone();
                let counter = counter.clone();
                tokio::spawn(async move {
                    let _ = serve(stream, &*handler, &counter).await;
                });
            }
        });
        Loopback {
            addr,
            requests,
            task,
        }
    }

    /// `http://127.0.0.1:port`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Requests received so far.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::SeqCst)
    }
}

impl Drop for Loopback {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(
    mut stream: TcpStream,
    handler: &Handler,
    counter: &AtomicU64,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    loop {
        let mut chunk = [0u8; 4096];
        let head_end = loop {
            if let Some(at) = find(&buf, b"\r\n\r\n") {
                break at;
            }
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        let length = head
            .lines()
            .filter_map(|l| l.split_once(':'))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.trim().parse::<usize>().ok())
            .unwrap_or(0);
        let body_start = head_end + 4;
        while buf.len() < body_start + length {
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        let body = buf[body_start..body_start + length].to_vec();
        buf.drain(..body_start + length);
        let mut words = head.split_whitespace();
        let request = Request {
            method: words.next().unwrap_or_default().to_owned(),
            target: words.next().unwrap_or_default().to_owned(),
            head: head.clone(),
            body,
        };
        counter.fetch_add(1, Ordering::SeqCst);
        let answer = handler(&request);
        let mut out = format!(
            "HTTP/1.1 {} X\r\nContent-Length: {}\r\n",
            answer.status,
            answer.body.len()
        );
        for line in &answer.headers {
            out.push_str(line);
            out.push_str("\r\n");
        }
        out.push_str("\r\n");
        stream.write_all(out.as_bytes()).await?;
        stream.write_all(&answer.body).await?;
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
