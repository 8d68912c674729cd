//! Reading answers whole, but never more than a limit, and handing them
//! back to the generated client as if unread.

use bytes::{Bytes, BytesMut};
use http::header::{CONTENT_LENGTH, HeaderMap};
use http::{StatusCode, Version};

/// An answer read into memory.
#[derive(Debug)]
pub(crate) struct ReadAnswer {
    pub(crate) status: StatusCode,
    pub(crate) version: Version,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    /// The body went on past the limit; `body` holds its first `limit` bytes.
    pub(crate) over_limit: bool,
}

impl ReadAnswer {
    /// The answer as a `reqwest::Response` again (with `body` as its body).
    pub(crate) fn into_response(self, body: Bytes) -> reqwest::Response {
        let mut rebuilt = http::Response::new(body);
        *rebuilt.status_mut() = self.status;
        *rebuilt.version_mut() = self.version;
        *rebuilt.headers_mut() = self.headers;
        // The body may be shorter than announced now (cut at the limit).
        rebuilt.headers_mut().remove(CONTENT_LENGTH);
        reqwest::Response::from(rebuilt)
    }
}

/// Reads `response`'s body, at most `limit` bytes; a longer body is cut and
/// flagged, and the rest is never read.
///
/// # Errors
///
/// The transport error that broke the body off (a connection dropped in the
/// middle of the answer).
pub(crate) async fn read(
    mut response: reqwest::Response,
    limit: usize,
) -> reqwest::Result<ReadAnswer> {
    let status = response.status();
    let version = response.version();
    let headers = response.headers().clone();
    let announced = response
        .content_length()
        .and_then(|n| usize::try_from(n).ok());
    if announced.is_some_and(|n| n > limit) {
        return Ok(ReadAnswer {
            status,
            version,
            headers,
            body: Bytes::new(),
            over_limit: true,
        });
    }
    let mut body = BytesMut::with_capacity(announced.unwrap_or(0).min(limit));
    let mut over_limit = false;
    while let Some(chunk) = response.chunk().await? {
        let room = limit - body.len();
        if chunk.len() > room {
            body.extend_from_slice(&chunk[..room]);
            over_limit = true;
            break;
        }
        body.extend_from_slice(&chunk);
    }
    Ok(ReadAnswer {
        status,
        version,
        headers,
        body: body.freeze(),
        over_limit,
    })
}
