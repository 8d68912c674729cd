//! What happens to an answer on its way out, after the handler has run:
//! fault answers turned into a load balancer's HTML page, read answers
//! padded to a size, held until their latency is up, and answers lost by
//! cutting the connection.
//!
//! One middleware wraps every provider's router. It gives the request a
//! fresh [`Fate`](crate::server::Fate) (through its `ConnectInfo<Conn>`),
//! which [`Shared::admit`] fills in, and acts on it once the handler has
//! answered.

use std::convert::Infallible;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;

use crate::server::Conn;
use crate::simulator::Shared;

/// Padding is sent in chunks of this many spaces.
const CHUNK: usize = 64 * 1024;
/// A padded answer's JSON is sent in chunks of at most this many bytes, so
/// that a client must join chunks to read it.
const HEAD_PIECE: usize = 100;
static SPACES: [u8; CHUNK] = [b' '; CHUNK];

/// The middleware: serves the request, then applies the faults that act on
/// the answer.
pub(crate) async fn deliver(
    State(shared): State<Arc<Shared>>,
    mut request: Request,
    next: Next,
) -> Response {
    let Some(conn) = request
        .extensions()
        .get::<ConnectInfo<Conn>>()
        .map(|ConnectInfo(c)| c.for_request())
    else {
        return next.run(request).await;
    };
    request.extensions_mut().insert(ConnectInfo(conn.clone()));
    let response = next.run(request).await;

    let fate = conn.fate();
    let Some(op) = fate.op else {
        // Not a provider operation (an unknown path): nothing to do.
        return response;
    };
    let Some(engine) = shared.engines.get(op.provider()) else {
        return response;
    };
    let faults = engine.faults();
    let response = if fate.refused {
        if faults.html_errors {
            html_page(response)
        } else {
            response
        }
    } else {
        match faults.oversized_bodies {
            Some(min) if op.is_read() && response.status().is_success() && is_json(&response) => {
                pad(response, min).await
            }
            _ => response,
        }
    };
    if let Some(due) = fate.answer_at {
        // The rest of the latency: the answer's way back.
        tokio::time::sleep_until(due).await;
    }
    if fate.lose {
        // The handler ran and its change is applied; the answer never leaves.
        conn.kill();
    }
    response
}

fn is_json(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// The reason phrase a typical load balancer (nginx) puts on its pages.
fn lb_reason(status: StatusCode) -> &'static str {
    match status {
        StatusCode::SERVICE_UNAVAILABLE => "Service Temporarily Unavailable",
        other => other.canonical_reason().unwrap_or("Error"),
    }
}

/// The same status and headers (`Retry-After` included) with an HTML body.
fn html_page(response: Response) -> Response {
    let (mut parts, _json) = response.into_parts();
    let title = format!("{} {}", parts.status.as_u16(), lb_reason(parts.status));
    let page = format!(
        "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n\
         <center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n\
         </body>\r\n</html>\r\n"
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    parts
        .headers
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
    Response::from_parts(parts, Body::from(page))
}

/// The answer followed by spaces up to at least `min` bytes in all,
/// streamed: the answer in pieces of [`HEAD_PIECE`] bytes, the spaces in
/// [`CHUNK`]s.
async fn pad(response: Response, min: usize) -> Response {
    let (mut parts, body) = response.into_parts();
    // Handler answers are small JSON documents held in memory.
    let head = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(err) => {
            tracing::error!(error = %err, "cannot read an answer to pad it");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let missing = min.saturating_sub(head.len());
    let padding = (0..missing.div_ceil(CHUNK)).map(move |i| {
        let len = (missing - i * CHUNK).min(CHUNK);
        Bytes::from_static(&SPACES[..len])
    });
    let pieces = (0..head.len().div_ceil(HEAD_PIECE))
        .map(move |i| head.slice(i * HEAD_PIECE..((i + 1) * HEAD_PIECE).min(head.len())));
    let chunks = futures::stream::iter(pieces.chain(padding)).map(Ok::<Bytes, Infallible>);
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from_stream(chunks))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn pad_reaches_the_size_and_keeps_the_json() {
        let original = Response::builder()
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(r#"{"a":1}"#))
            .unwrap();
        let padded = pad(original, 200_000).await;
        assert!(padded.headers().get(header::CONTENT_LENGTH).is_none());
        let bytes = axum::body::to_bytes(padded.into_body(), usize::MAX)
            .await
            .unwrap();
        assert_eq!(bytes.len(), 200_000);
        let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(value["a"], 1);
    }

    #[tokio::test]
    async fn pad_leaves_a_large_answer_as_it_is() {
        let original = Response::new(Body::from("[1, 2, 3]"));
        let padded = pad(original, 4).await;
        let bytes = axum::body::to_bytes(padded.into_body(), usize::MAX)
            .await
            .unwrap();
        assert_eq!(&bytes[..], b"[1, 2, 3]");
    }

    #[test]
    fn html_page_keeps_status_and_retry_after() {
        let original = Response::builder()
            .status(StatusCode::TOO_MANY_REQUESTS)
            .header(header::RETRY_AFTER, "3")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from("{}"))
            .unwrap();
        let page = html_page(original);
        assert_eq!(page.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(page.headers()[header::RETRY_AFTER], "3");
        assert_eq!(page.headers()[header::CONTENT_TYPE], "text/html");
    }
}
