//! [`ProviderId`]: which reverse-DNS provider an operation or error belongs to.

use std::fmt;
use std::str::FromStr;

use crate::Error;

/// Identifies a reverse-DNS provider.
///
/// The string forms (`"edis"`, `"ionos"`, `"ecl"`) are stable: they appear in
/// error messages, configuration and the command line.
///
/// ```
/// use revdns_core::ProviderId;
///
/// assert_eq!(ProviderId::Ionos.as_str(), "ionos");
/// assert_eq!("EDIS".parse::<ProviderId>().unwrap(), ProviderId::Edis);
/// assert!("route53".parse::<ProviderId>().is_err());
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ProviderId {
    /// EDIS Global (form-encoded PTR API, AUTH sessions).
    Edis,
    /// IONOS Cloud DNS reverse records.
    Ionos,
    /// NTT Enterprise Cloud 2.0 DNS (Designate-like zones and recordsets).
    Ecl,
}

impl ProviderId {
    /// Every provider, in declaration order.
    pub const ALL: [ProviderId; 3] = [ProviderId::Edis, ProviderId::Ionos, ProviderId::Ecl];

    /// The short lower-case name: `"edis"`, `"ionos"` or `"ecl"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ProviderId::Edis => "edis",
            ProviderId::Ionos => "ionos",
            ProviderId::Ecl => "ecl",
        }
    }
}

impl fmt::Display for ProviderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ProviderId {
    type Err = Error;

    /// Parses a provider name case-insensitively.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] with field `provider` for an unknown name.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ProviderId::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                // Echo the input only when it is short and printable, so a pasted
                // secret or garbage does not end up in logs.
                let shown = if s.len() <= 32 && !s.chars().any(char::is_control) {
                    format!("`{s}`")
                } else {
                    "the given name".to_owned()
                };
                Error::validation(
                    "provider",
                    format!("{shown} is not a known provider; expected edis, ionos or ecl"),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_id_round_trips_through_display_and_from_str() {
        for p in ProviderId::ALL {
            assert_eq!(p.to_string().parse::<ProviderId>().unwrap(), p);
        }
    }

    #[test]
    fn provider_id_parse_is_case_insensitive() {
        assert_eq!("Ionos".parse::<ProviderId>().unwrap(), ProviderId::Ionos);
        assert_eq!(" ecl ".parse::<ProviderId>().unwrap(), ProviderId::Ecl);
    }

    #[test]
    fn provider_id_unknown_name_is_validation_error() {
        let err = "route53".parse::<ProviderId>().unwrap_err();
        assert!(matches!(
            err,
            Error::Validation { provider: None, ref field, .. } if field == "provider"
        ));
        assert!(err.to_string().contains("route53"));
    }
}
