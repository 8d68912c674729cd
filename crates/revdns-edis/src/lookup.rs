//! `POST /get/ptr`, sent by hand.
//!
//! Every lookup and every ensure reads PTRs this way. Sent through the
//! generated `get_ptr`, each answer, already read by the runtime, is
//! rebuilt into a `reqwest::Response` for progenitor's decoder to read
//! once more, and the session's fields were copied into a new body and
//! encoded again; together about a tenth of a single lookup's CPU. So the
//! request goes to the same path with the same headers and the body the
//! generated [`types::GetPtrBody`] encodes (a test holds the two equal, and
//! the wire tests pin the exact body), with the session's fields encoded
//! once per session; it is sent with
//! [`Runtime::call_raw`](revdns_core::runtime::Runtime::call_raw), and its
//! `status` is checked as a generated call's is.

use std::net::IpAddr;

use progenitor_client::ClientInfo;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue};
use revdns_core::Error;

use crate::auth::Session;
use crate::error::{self, Answered, Operation};
use crate::generated::types;

impl Session {
    /// The records EDIS answers to one `get_ptr` request for `ips`.
    pub(crate) async fn lookup(&self, ips: &[IpAddr]) -> Result<Vec<types::PtrRecordEntry>, Error> {
        let op = Operation::GetPtr;
        let http = ClientInfo::client(&self.ptr);
        let runtime = self.runtime();
        let url = format!("{}/get/ptr", ClientInfo::baseurl(&self.ptr));
        // Run once, and again only for a request that is sent again.
        let build = || {
            runtime.build(
                http.post(&url)
                    .header(ACCEPT, HeaderValue::from_static("application/json"))
                    .header(
                        CONTENT_TYPE,
                        HeaderValue::from_static("application/x-www-form-urlencoded"),
                    )
                    .body(self.get_form(ips)),
            )
        };
        let answer = runtime.call_raw(op.about(), http, build, op.id()).await?;
        let read: types::GetPtrResponse = runtime.decode_checked(&answer, |read, meta| {
            let (status, error, message) = Answered::parts(read);
            error::check_status(op, meta, status, error, message)
        })?;
        Ok(read.records)
    }
}
