//! The secrets one client knows, so that no provider text quoted in an
//! error repeats them: a server that echoes its input ("invalid signature
//! 3f9c…", "password hunter2 is wrong") would otherwise leak the login
//! through revdns's own messages.

use std::collections::VecDeque;
use std::sync::{PoisonError, RwLock};

/// What a secret is replaced with.
pub const REDACTED: &str = "[redacted]";

/// Issued secrets (session signatures, tokens) kept for redaction; older
/// ones are no longer sent, so no server can echo them.
const ISSUED_KEPT: usize = 8;

/// The secrets of one client, in the forms a server may echo them in.
#[derive(Debug, Default)]
pub(crate) struct Secrets {
    inner: RwLock<Known>,
}

#[derive(Default)]
struct Known {
    /// Credentials given at build time (password, static token).
    fixed: Vec<String>,
    /// Secrets issued since (signatures, tokens), each in all its forms,
    /// newest last.
    issued: VecDeque<Vec<String>>,
}

impl std::fmt::Debug for Known {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Known")
            .field("fixed", &self.fixed.len())
            .field("issued", &self.issued.len())
            .finish()
    }
}

impl Secrets {
    /// Remembers a credential for the client's lifetime.
    pub(crate) fn add_fixed(&self, secret: &str) {
        let mut known = self.inner.write().unwrap_or_else(PoisonError::into_inner);
        for form in forms(secret) {
            if !known.fixed.contains(&form) {
                known.fixed.push(form);
            }
        }
    }

    /// Remembers an issued secret; only the last few are kept.
    pub(crate) fn add_issued(&self, secret: &str) {
        let forms = forms(secret);
        if forms.is_empty() {
            return;
        }
        let mut known = self.inner.write().unwrap_or_else(PoisonError::into_inner);
        if known.fixed.contains(&forms[0]) || known.issued.contains(&forms) {
            return;
        }
        known.issued.push_back(forms);
        while known.issued.len() > ISSUED_KEPT {
            known.issued.pop_front();
        }
    }

    /// `text` with every known secret replaced by [`REDACTED`], or `None`
    /// when it holds none. Longer secrets go first, so that one holding
    /// another is replaced whole.
    pub(crate) fn redact(&self, text: &str) -> Option<String> {
        let known = self.inner.read().unwrap_or_else(PoisonError::into_inner);
        let mut found: Vec<&str> = known
            .fixed
            .iter()
            .chain(known.issued.iter().flatten())
            .map(String::as_str)
            .filter(|s| text.contains(*s))
            .collect();
        if found.is_empty() {
            return None;
        }
        found.sort_by_key(|s| std::cmp::Reverse(s.len()));
        let mut out = text.to_owned();
        for secret in found {
            out = out.replace(secret, REDACTED);
        }
        Some(out)
    }
}

/// The secret as sent and as a server may quote it back: plain, form- or
/// percent-encoded, and escaped inside JSON text.
fn forms(secret: &str) -> Vec<String> {
    if secret.is_empty() {
        return Vec::new();
    }
    let mut out = vec![secret.to_owned()];
    let form: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    let json = json_escaped(secret);
    for variant in [form.replace('+', "%20"), form, json] {
        if !out.contains(&variant) {
            out.push(variant);
        }
    }
    out
}

fn json_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' => out.push('/'),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_of_a_secret_is_redacted() {
        let secrets = Secrets::default();
        secrets.add_fixed("p@ss w\"rd/1");
        for echoed in [
            "wrong password p@ss w\"rd/1",
            "pw=p%40ss+w%22rd%2F1&email=x",
            "pw=p%40ss%20w%22rd%2F1",
            r#"{"pw":"p@ss w\"rd/1"}"#,
        ] {
            let clean = secrets.redact(echoed).expect(echoed);
            assert!(clean.contains(REDACTED), "{clean}");
            assert!(
                !clean.contains("p@ss") && !clean.contains("p%40ss"),
                "{clean}"
            );
        }
        assert_eq!(secrets.redact("nothing to see"), None);
    }

    #[test]
    fn only_the_latest_issued_secrets_are_kept_and_fixed_ones_always() {
        let secrets = Secrets::default();
        secrets.add_fixed("fixed-secret");
        for i in 0..20 {
            secrets.add_issued(&format!("signature-{i:02}"));
        }
        assert!(secrets.redact("signature-19").is_some());
        assert!(secrets.redact("signature-12").is_some());
        assert!(secrets.redact("signature-00").is_none());
        assert!(secrets.redact("fixed-secret").is_some());
    }

    #[test]
    fn a_longer_secret_holding_a_shorter_one_is_replaced_whole() {
        let secrets = Secrets::default();
        secrets.add_fixed("abc");
        secrets.add_issued("abcdef");
        assert_eq!(secrets.redact("x abcdef y").unwrap(), "x [redacted] y");
    }
}
