//! AUTH sessions: created from the client-area login, cached, renewed before
//! `valid_until`, and renewed once more when EDIS rejects one.
//!
//! One session is used per client: the one for the configured `kvm_id`, or
//! the only one the account has. Creating sessions holds a lock, so
//! concurrent calls that find the cache stale share one renewal.

use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use progenitor_client::ClientInfo;
use revdns_core::runtime::{CredentialCache, Issued, Lease};
use revdns_core::secret::Secret;
use revdns_core::{Error, Hostname, ProviderId};

use crate::config::{Credentials, DEFAULT_PTR_HOST, ENV_KVM_ID};
use crate::error::{self, Operation};
use crate::form::{EpochSeconds, JsonIpList, JsonPtrMap};
use crate::generated::{self, types};
use crate::hooks::HookState;

const P: ProviderId = ProviderId::Edis;

/// One VPS's session: what every PTR body must carry, and where PTR calls go.
pub(crate) struct Session {
    kvm_id: String,
    api_host: String,
    signature: Secret,
    valid_until: u64,
    /// The generated client, based at this session's PTR host.
    pub(crate) ptr: generated::Client,
    /// This session's fields of a get form, encoded once.
    get_form: GetForm,
}

/// A `get_ptr` form without its `ip` field: the session's fields,
/// form-encoded when the session is made rather than on every lookup. The
/// generated `GetPtrBody` writes its fields in name order (`api_host`,
/// `ip`, `kvm_id`, `signature`, `valid_until`), so the `ip` field goes
/// between the two parts; a test holds this to the generated body.
struct GetForm {
    before_ip: String,
    /// Holds the signature.
    after_ip: Secret,
}

impl GetForm {
    fn new(api_host: &str, kvm_id: &str, signature: &Secret, valid_until: u64) -> Self {
        let encode = |pairs: &[(&str, &str)]| {
            serde_urlencoded::to_string(pairs).expect("text pairs always encode")
        };
        let valid_until = valid_until.to_string();
        let after = encode(&[
            ("kvm_id", kvm_id),
            ("signature", signature.expose()),
            ("valid_until", &valid_until),
        ]);
        GetForm {
            before_ip: encode(&[("api_host", api_host)]) + "&",
            after_ip: Secret::from(format!("&{after}")),
        }
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("kvm_id", &self.kvm_id)
            .field("api_host", &self.api_host)
            .field("signature", &"[redacted]")
            .field("valid_until", &self.valid_until)
            .field("ptr_base_url", &self.ptr.baseurl)
            .finish()
    }
}

impl Session {
    /// The runtime every request of this session passes.
    pub(crate) fn runtime(&self) -> &HookState {
        ClientInfo::inner(&self.ptr)
    }

    /// The form body of a `get_ptr` request for `ips`, as the generated
    /// `GetPtrBody` encodes it.
    pub(crate) fn get_form(&self, ips: &[IpAddr]) -> String {
        let form = &self.get_form;
        let after = form.after_ip.expose();
        let ip = crate::form::encoded_ip_field_len(ips);
        let mut body = String::with_capacity(form.before_ip.len() + ip + after.len());
        body.push_str(&form.before_ip);
        crate::form::push_encoded_ip_field(&mut body, ips);
        body.push_str(after);
        body
    }

    #[cfg(test)]
    pub(crate) fn get_body(&self, ips: &[IpAddr]) -> types::GetPtrBody {
        types::GetPtrBody {
            api_host: self.api_host.clone(),
            ip: JsonIpList(ips.to_vec()),
            kvm_id: self.kvm_id.clone(),
            signature: self.signature.clone(),
            valid_until: EpochSeconds(self.valid_until),
        }
    }

    pub(crate) fn set_body(
        &self,
        ptrs: std::collections::BTreeMap<IpAddr, Hostname>,
    ) -> types::SetPtrBody {
        types::SetPtrBody {
            api_host: self.api_host.clone(),
            ip: JsonPtrMap(ptrs),
            kvm_id: self.kvm_id.clone(),
            signature: self.signature.clone(),
            valid_until: EpochSeconds(self.valid_until),
        }
    }

    pub(crate) fn delete_body(&self, ips: &[IpAddr]) -> types::DelPtrBody {
        types::DelPtrBody {
            api_host: self.api_host.clone(),
            ip: JsonIpList(ips.to_vec()),
            kvm_id: self.kvm_id.clone(),
            signature: self.signature.clone(),
            valid_until: EpochSeconds(self.valid_until),
        }
    }
}

/// Creates and caches sessions for one login.
pub(crate) struct SessionManager {
    http: reqwest::Client,
    auth: generated::Client,
    ptr_base_url: Option<String>,
    credentials: Credentials,
    runtime: HookState,
    cache: CredentialCache<Session>,
}

impl fmt::Debug for SessionManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionManager")
            .field("auth_base_url", &self.auth.baseurl)
            .field("ptr_base_url", &self.ptr_base_url)
            .field("credentials", &self.credentials)
            .field("refresh_margin", &self.cache.margin())
            .finish_non_exhaustive()
    }
}

impl SessionManager {
    pub(crate) fn new(
        http: reqwest::Client,
        auth_base_url: String,
        ptr_base_url: Option<String>,
        credentials: Credentials,
        refresh_margin: Duration,
        runtime: HookState,
    ) -> Self {
        runtime.add_secret(credentials.password());
        let auth =
            generated::Client::new_with_client(&auth_base_url, http.clone(), runtime.clone());
        SessionManager {
            http,
            auth,
            ptr_base_url,
            credentials,
            runtime,
            cache: CredentialCache::new(refresh_margin),
        }
    }

    pub(crate) fn kvm_id(&self) -> Option<&str> {
        self.credentials.kvm_id()
    }

    pub(crate) fn auth_base_url(&self) -> &str {
        &self.auth.baseurl
    }

    pub(crate) fn ptr_base_url(&self) -> Option<&str> {
        self.ptr_base_url.as_deref()
    }

    /// The cached session, or a new one when there is none or it ends
    /// within the refresh margin (at most half its lifetime).
    pub(crate) async fn session(&self) -> Result<Lease<Session>, Error> {
        self.cache.get(|| self.create()).await
    }

    /// A session to replace `rejected`, which EDIS refused. When another
    /// caller has already renewed it, that session is reused.
    pub(crate) async fn renew(&self, rejected: &Session) -> Result<Lease<Session>, Error> {
        self.cache
            .renew(|current| std::ptr::eq(current, rejected), || self.create())
            .await
    }

    async fn create(&self) -> Result<Issued<Session>, Error> {
        let request = types::AuthRequest {
            email: self.credentials.email().to_owned(),
            pw: Secret::from(self.credentials.password()),
            kvm_id: self.credentials.kvm_id().map(str::to_owned),
        };
        let answer = error::checked_call(
            ClientInfo::inner(&self.auth),
            Operation::Auth,
            self.auth.create_auth_session(&request),
        )
        .await?;
        let (kvm_id, entry) = pick(answer.data, self.credentials.kvm_id())?;
        let session = self.session_from(kvm_id, entry)?;
        tracing::debug!(
            provider = "edis",
            kvm_id = %session.kvm_id,
            valid_until = session.valid_until,
            ptr_base_url = %session.ptr.baseurl,
            "session created"
        );
        let lifetime = Duration::from_secs(session.valid_until.saturating_sub(unix_now()));
        Ok(Issued {
            value: session,
            lifetime: Some(lifetime),
        })
    }

    fn session_from(&self, kvm_id: String, entry: types::AuthSession) -> Result<Session, Error> {
        let lacks = |field: &str| {
            Error::invalid_response(P, format!("the session for {kvm_id} has no `{field}`"))
        };
        let signature = entry
            .signature
            .filter(|s| !s.expose().trim().is_empty())
            .ok_or_else(|| lacks("signature"))?;
        self.runtime.add_issued_secret(signature.expose());
        let valid_until = entry.valid_until.ok_or_else(|| lacks("valid_until"))?.0;
        let api_host = entry
            .api_host
            .filter(|h| !h.trim().is_empty())
            .ok_or_else(|| lacks("api_host"))?;
        let base = match &self.ptr_base_url {
            Some(url) => url.clone(),
            None => ptr_base_from_session(entry.api_rdns.as_deref())?,
        };
        let ptr =
            generated::Client::new_with_client(&base, self.http.clone(), self.runtime.clone());
        Ok(Session {
            get_form: GetForm::new(&api_host, &kvm_id, &signature, valid_until),
            kvm_id,
            api_host,
            signature,
            valid_until,
            ptr,
        })
    }
}

/// `https://` + the session's `api_rdns`, or the documented PTR host when
/// the session names none.
fn ptr_base_from_session(api_rdns: Option<&str>) -> Result<String, Error> {
    let host = api_rdns
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .unwrap_or(DEFAULT_PTR_HOST);
    // A host, optionally with a port; anything else would change the URL's meaning.
    let plain = host
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    if !plain {
        return Err(Error::invalid_response(
            P,
            "the session's `api_rdns` is not a host name",
        ));
    }
    Ok(format!("https://{}", host.trim_end_matches('.')))
}

/// Chooses the session to use from the auth answer's map (keyed by kvm_id).
///
/// With a configured `kvm_id`, that VPS's entry. Without one, the only
/// entry; several entries are a validation error naming `EDIS_KVM_ID`,
/// since which VPS owns an IP is not in the session answer.
fn pick(
    mut data: HashMap<String, types::AuthSession>,
    wanted: Option<&str>,
) -> Result<(String, types::AuthSession), Error> {
    let mut ids: Vec<String> = data.keys().cloned().collect();
    ids.sort();
    if let Some(id) = wanted {
        if let Some(entry) = data.remove(id) {
            return Ok((id.to_owned(), entry));
        }
        // Keys should be the kvm_id, but trust the entry's own field too.
        if let Some(key) = data
            .iter()
            .find(|(_, s)| s.kvm_id.as_deref() == Some(id))
            .map(|(k, _)| k.clone())
        {
            let entry = data.remove(&key).expect("key was just found");
            return Ok((id.to_owned(), entry));
        }
        return Err(Error::validation_for(
            P,
            ENV_KVM_ID,
            format!(
                "the session answer has no VPS {id}; it lists {}",
                list_or_none(&ids)
            ),
        ));
    }
    match data.len() {
        0 => Err(Error::auth(
            P,
            "the session answer lists no VPS; is API access switched on in the VPS Management Portal?",
        )),
        1 => {
            let (key, entry) = data.into_iter().next().expect("one entry");
            let id = entry
                .kvm_id
                .clone()
                .filter(|k| !k.is_empty())
                .unwrap_or(key);
            Ok((id, entry))
        }
        n => Err(Error::validation_for(
            P,
            ENV_KVM_ID,
            format!(
                "the account has {n} VPS sessions ({}); set EDIS_KVM_ID or Builder::kvm_id to choose the VPS whose IPs to manage",
                ids.join(", ")
            ),
        )),
    }
}

fn list_or_none(ids: &[String]) -> String {
    if ids.is_empty() {
        "none".to_owned()
    } else {
        ids.join(", ")
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(kvm_id: &str) -> types::AuthSession {
        types::AuthSession {
            api_host: Some("7f3a21.edisglobal.com".into()),
            api_rdns: Some("dns-api.edisglobal.com".into()),
            kvm_id: Some(kvm_id.into()),
            signature: Some("0123456789".into()),
            valid_until: Some(EpochSeconds(1789456123)),
            ..Default::default()
        }
    }

    fn map(ids: &[&str]) -> HashMap<String, types::AuthSession> {
        ids.iter().map(|id| ((*id).to_owned(), entry(id))).collect()
    }

    fn field_of(err: Error) -> String {
        match err {
            Error::Validation { field, .. } => field,
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn pick_single_session_without_kvm_id() {
        let (id, _) = pick(map(&["kvm_1_1"]), None).unwrap();
        assert_eq!(id, "kvm_1_1");
    }

    #[test]
    fn pick_configured_kvm_id_among_several() {
        let (id, e) = pick(map(&["kvm_1_1", "kvm_2_2"]), Some("kvm_2_2")).unwrap();
        assert_eq!(id, "kvm_2_2");
        assert_eq!(e.kvm_id.as_deref(), Some("kvm_2_2"));
    }

    #[test]
    fn pick_several_sessions_without_kvm_id_names_the_variable() {
        let err = pick(map(&["kvm_2_2", "kvm_1_1"]), None).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("kvm_1_1, kvm_2_2"), "{text}");
        assert_eq!(field_of(err), "EDIS_KVM_ID");
    }

    #[test]
    fn pick_unknown_kvm_id_lists_what_exists() {
        let err = pick(map(&["kvm_1_1"]), Some("kvm_9_9")).unwrap_err();
        assert!(err.to_string().contains("kvm_1_1"), "{err}");
        assert_eq!(field_of(err), "EDIS_KVM_ID");
    }

    #[test]
    fn pick_no_sessions_is_auth_error() {
        let err = pick(HashMap::new(), None).unwrap_err();
        assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    }

    fn http() -> reqwest::Client {
        revdns_core::runtime::client_builder(Duration::from_secs(1))
            .build()
            .unwrap()
    }

    fn session(api_host: &str, kvm_id: &str, signature: &str, valid_until: u64) -> Session {
        let runtime = HookState::new(&error::DIALECT, Default::default());
        let signature = Secret::from(signature);
        Session {
            get_form: GetForm::new(api_host, kvm_id, &signature, valid_until),
            kvm_id: kvm_id.to_owned(),
            api_host: api_host.to_owned(),
            signature,
            valid_until,
            ptr: generated::Client::new_with_client("http://127.0.0.1:9", http(), runtime),
        }
    }

    #[test]
    fn the_get_form_is_the_body_the_generated_type_encodes() {
        let ips: [IpAddr; 5] = [
            "192.0.2.1".parse().unwrap(),
            "2001:db8:0:0:0:0:0:1".parse().unwrap(),
            "198.51.100.7".parse().unwrap(),
            "::ffff:192.0.2.9".parse().unwrap(),
            "2001:db8:85a3::8a2e:370:7334".parse().unwrap(),
        ];
        for s in [
            session(
                "7f3a21.edisglobal.com",
                "kvm_100001_200001",
                "0123456789",
                4102444800,
            ),
            // What needs encoding: base64 signs, spaces, an ampersand.
            session("vps host&1.example", "kvm_1_1", "a+b/c=d e%", 1),
        ] {
            for n in 1..=ips.len() {
                let generated = serde_urlencoded::to_string(s.get_body(&ips[..n])).unwrap();
                assert_eq!(s.get_form(&ips[..n]), generated);
            }
        }
        let shown = format!("{:?}", session("h", "k", "s3cret-sig", 1));
        assert!(!shown.contains("s3cret-sig"), "{shown}");
    }

    #[test]
    fn ptr_base_comes_from_api_rdns_with_fallback() {
        assert_eq!(
            ptr_base_from_session(Some("dns-api.edis.at")).unwrap(),
            "https://dns-api.edis.at"
        );
        assert_eq!(
            ptr_base_from_session(None).unwrap(),
            "https://dns-api.edisglobal.com"
        );
        assert_eq!(
            ptr_base_from_session(Some(" ")).unwrap(),
            "https://dns-api.edisglobal.com"
        );
        assert!(ptr_base_from_session(Some("evil.example/path?")).is_err());
        assert!(ptr_base_from_session(Some("user@evil.example")).is_err());
    }
}
