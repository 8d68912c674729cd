//! Reading answers whole, but never more than a limit, and handing them
//! back to the generated client as if unread.

use bytes::{Bytes, BytesMut};
use http::header::{CONTENT_LENGTH, HeaderMap};
use http::{StatusCode, Version};
use reqwest::ResponseBuilderExt;
use url::Url;

/// An answer read into memory.
#[derive(Debug)]
pub(crate) struct ReadAnswer {
    pub(crate) status: StatusCode,
    pub(crate) version: Version,
    pub(crate) headers: HeaderMap,
    /// Where the answer came from, kept so that the rebuilt response does
    /// not have reqwest parse a placeholder URL for it.
    url: Url,
    /// The body; emptied when the runtime refuses it (over the limit).
    pub(crate) body: Bytes,
    /// The body went on past the limit; `body` held its first `limit` bytes.
    pub(crate) over_limit: bool,
}

impl ReadAnswer {
    /// The answer as a `reqwest::Response` again, for the generated client
    /// to read.
    pub(crate) fn into_response(self) -> reqwest::Response {
        let mut rebuilt = http::Response::builder()
            .status(self.status)
            .version(self.version)
            .url(self.url)
            .body(self.body)
            .expect("a status and version taken from a response are valid");
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
    let announced = response
        .content_length()
        .and_then(|n| usize::try_from(n).ok());
    let (body, over_limit) = if announced.is_some_and(|n| n > limit) {
        (Bytes::new(), true)
    } else {
        read_body(&mut response, announced.unwrap_or(0).min(limit), limit).await?
    };
    Ok(ReadAnswer {
        status: response.status(),
        version: response.version(),
        // Taken, not cloned: the response is dropped here.
        headers: std::mem::take(response.headers_mut()),
        url: response.url().clone(),
        body,
        over_limit,
    })
}

/// The body's chunks up to `limit` bytes, and whether it went on past it.
/// A body that arrives in one chunk (most answers) is kept as it came.
async fn read_body(
    response: &mut reqwest::Response,
    capacity: usize,
    limit: usize,
) -> reqwest::Result<(Bytes, bool)> {
    let mut first = Bytes::new();
    let mut joined: Option<BytesMut> = None;
    let mut over_limit = false;
    while let Some(chunk) = response.chunk().await? {
        let room = limit - joined.as_ref().map_or(first.len(), BytesMut::len);
        over_limit = chunk.len() > room;
        let chunk = if over_limit {
            chunk.slice(..room)
        } else {
            chunk
        };
        match &mut joined {
            None if first.is_empty() => first = chunk,
            None => {
                let mut buf = BytesMut::with_capacity(capacity.max(first.len() + chunk.len()));
                buf.extend_from_slice(&first);
                buf.extend_from_slice(&chunk);
                joined = Some(buf);
            }
            Some(buf) => buf.extend_from_slice(&chunk),
        }
        if over_limit {
            break;
        }
    }
    Ok((joined.map_or(first, BytesMut::freeze), over_limit))
}
