//! The accounts file (TOML): named accounts, each a provider and the
//! settings its client reads, with secrets taken from an environment
//! variable or a file, never written in the file itself.
//!
//! ```toml
//! [accounts.office]
//! provider = "ionos"
//! IONOS_DNS_API_URL = "https://dns.de-fra.ionos.com"
//! IONOS_TOKEN = { env = "OFFICE_IONOS_TOKEN" }
//!
//! [accounts.tokyo]
//! provider = "ecl"
//! OS_AUTH_URL = "https://keystone-jp1-ecl.api.ntt.com/v3"
//! OS_USERNAME = "api-key"
//! OS_PASSWORD = { file = "/run/secrets/ecl-tokyo" }
//! OS_PROJECT_ID = "0123456789abcdef0123456789abcdef"
//! OS_REGION_NAME = "jp1"
//! ```
//!
//! Setting names are the provider's environment variables (each provider
//! crate's README lists them). An account is self-contained: a variable it
//! does not set is not taken from the process environment.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use revdns::{AnyProvider, ProviderId};
use serde::Deserialize;

use crate::located::position_of;

/// The accounts file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AccountsFile {
    #[serde(default)]
    accounts: BTreeMap<String, RawAccount>,
}

#[derive(Debug, Deserialize)]
struct RawAccount {
    provider: String,
    #[serde(flatten)]
    settings: BTreeMap<String, Setting>,
}

/// A setting's value: written in the file, or where to read it.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum Setting {
    Plain(String),
    From(Source),
}

/// Where a setting (typically a secret) is read from.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Source {
    env: Option<String>,
    file: Option<PathBuf>,
}

/// One account: its name, provider and settings.
#[derive(Debug, Clone)]
pub(crate) struct Account {
    pub(crate) name: String,
    pub(crate) provider: ProviderId,
    settings: BTreeMap<String, Setting>,
}

/// The accounts a config file names.
#[derive(Debug, Default)]
pub(crate) struct Accounts {
    path: Option<PathBuf>,
    accounts: BTreeMap<String, Account>,
}

/// A problem with the accounts file or with reading a secret.
#[derive(Debug)]
pub(crate) struct ConfigError(pub(crate) String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

/// `config.toml` in the platform's configuration directory, under `revdns`.
pub(crate) fn default_path() -> Option<PathBuf> {
    dirs::config_dir().map(|d| d.join("revdns").join("config.toml"))
}

impl Accounts {
    /// Reads the accounts file: `path` when given (it must exist), else the
    /// default one if it exists.
    pub(crate) fn load(path: Option<&Path>) -> Result<Self, ConfigError> {
        let (path, required) = match path {
            Some(p) => (p.to_owned(), true),
            None => match default_path() {
                Some(p) => (p, false),
                None => return Ok(Self::default()),
            },
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Self::default());
            }
            Err(e) => {
                return Err(ConfigError(format!(
                    "{}: cannot read it: {e}",
                    path.display()
                )));
            }
        };
        Self::parse(&path, &text)
    }

    fn parse(path: &Path, text: &str) -> Result<Self, ConfigError> {
        let shown = path.display();
        let raw: AccountsFile = toml::from_str(text).map_err(|e| {
            let at = e
                .span()
                .map(|s| {
                    let (line, column) = position_of(text, s.start);
                    format!(":{line}:{column}")
                })
                .unwrap_or_default();
            ConfigError(format!("{shown}{at}: {}", e.message().trim()))
        })?;
        let mut accounts = BTreeMap::new();
        for (name, account) in raw.accounts {
            let problem = |m: String| ConfigError(format!("{shown}: account `{name}`: {m}"));
            let provider: ProviderId = account
                .provider
                .parse()
                .map_err(|_| problem(format!("unknown provider `{}`", account.provider)))?;
            let known = revdns::env_vars(provider);
            for (key, value) in &account.settings {
                let Some(secret) = known.iter().find(|v| v.name == key).map(|v| v.secret) else {
                    let names: Vec<&str> = known.iter().map(|v| v.name).collect();
                    return Err(problem(format!(
                        "unknown setting `{key}` for {provider} (known: {})",
                        names.join(", ")
                    )));
                };
                match value {
                    Setting::Plain(_) if secret => {
                        return Err(problem(format!(
                            "`{key}` is a secret: give it as {{ env = \"VARIABLE\" }} or {{ file = \"PATH\" }}, not in the file"
                        )));
                    }
                    Setting::From(Source { env, file }) if env.is_some() == file.is_some() => {
                        return Err(problem(format!(
                            "`{key}` needs exactly one of `env` and `file`"
                        )));
                    }
                    _ => {}
                }
            }
            accounts.insert(
                name.clone(),
                Account {
                    name,
                    provider,
                    settings: account.settings,
                },
            );
        }
        Ok(Self {
            path: Some(path.to_owned()),
            accounts,
        })
    }

    /// The account called `name`.
    pub(crate) fn get(&self, name: &str) -> Result<&Account, ConfigError> {
        self.accounts.get(name).ok_or_else(|| {
            let file = self.path.as_ref().map_or_else(
                || "no accounts file".to_owned(),
                |p| p.display().to_string(),
            );
            let names: Vec<&str> = self.accounts.keys().map(String::as_str).collect();
            ConfigError(if names.is_empty() {
                format!("no account `{name}` ({file} names none)")
            } else {
                format!(
                    "no account `{name}` in {file} (it names {})",
                    names.join(", ")
                )
            })
        })
    }

    /// The only account, when the file names exactly one.
    pub(crate) fn only(&self) -> Option<&Account> {
        let mut all = self.accounts.values();
        match (all.next(), all.next()) {
            (Some(one), None) => Some(one),
            _ => None,
        }
    }
}

impl Account {
    /// The settings with every secret read from where it comes from.
    fn resolve(&self) -> Result<BTreeMap<String, String>, ConfigError> {
        let problem = |m: String| ConfigError(format!("account `{}`: {m}", self.name));
        self.settings
            .iter()
            .map(|(key, setting)| {
                let value = match setting {
                    Setting::Plain(v) => v.clone(),
                    Setting::From(Source { env: Some(var), .. }) => std::env::var(var)
                        .map_err(|_| problem(format!("`{key}`: variable {var} is not set")))?,
                    Setting::From(Source {
                        file: Some(path), ..
                    }) => {
                        let text = std::fs::read_to_string(path).map_err(|e| {
                            problem(format!("`{key}`: cannot read {}: {e}", path.display()))
                        })?;
                        // A secret file usually ends with a newline; nothing else
                        // is trimmed, so a padded secret is refused by the client.
                        text.strip_suffix("\r\n")
                            .or_else(|| text.strip_suffix('\n'))
                            .unwrap_or(&text)
                            .to_owned()
                    }
                    Setting::From(_) => {
                        return Err(problem(format!("`{key}` needs `env` or `file`")));
                    }
                };
                Ok((key.clone(), value))
            })
            .collect()
    }

    /// The account's client.
    pub(crate) fn client(&self) -> Result<AnyProvider, ClientError> {
        let values = self.resolve().map_err(ClientError::Config)?;
        AnyProvider::from_env_with(self.provider, |name| values.get(name).cloned())
            .map_err(ClientError::Sdk)
    }
}

/// Why a client could not be built.
#[derive(Debug)]
pub(crate) enum ClientError {
    Config(ConfigError),
    Sdk(revdns::Error),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Accounts, ConfigError> {
        Accounts::parse(Path::new("config.toml"), text)
    }

    #[test]
    fn secrets_must_come_from_a_variable_or_a_file() {
        let err =
            parse("[accounts.a]\nprovider = \"ionos\"\nIONOS_TOKEN = \"t0ken\"\n").unwrap_err();
        assert!(err.0.contains("`IONOS_TOKEN` is a secret"), "{err}");
        assert!(!err.0.contains("t0ken"), "{err}");
        let err = parse(
            "[accounts.a]\nprovider = \"ionos\"\nIONOS_TOKEN = { env = \"A\", file = \"b\" }\n",
        )
        .unwrap_err();
        assert!(err.0.contains("exactly one"), "{err}");
    }

    #[test]
    fn unknown_providers_and_settings_are_named() {
        let err = parse("[accounts.a]\nprovider = \"route53\"\n").unwrap_err();
        assert!(err.0.contains("unknown provider `route53`"), "{err}");
        let err = parse("[accounts.a]\nprovider = \"edis\"\nEDIS_PASWORD = { env = \"X\" }\n")
            .unwrap_err();
        assert!(err.0.contains("unknown setting `EDIS_PASWORD`"), "{err}");
        assert!(err.0.contains("EDIS_PASSWORD"), "{err}");
    }

    #[test]
    fn a_syntax_error_names_line_and_column() {
        let err = parse("[accounts.a]\nprovider = \n").unwrap_err();
        assert!(err.0.starts_with("config.toml:2:"), "{err}");
    }

    #[test]
    fn secret_files_lose_one_trailing_newline_only() {
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("token");
        std::fs::write(&secret, "abc \n").unwrap();
        let text = format!(
            "[accounts.a]\nprovider = \"ionos\"\nIONOS_TOKEN = {{ file = {:?} }}\n",
            secret.display().to_string()
        );
        let accounts = parse(&text).unwrap();
        let values = accounts.get("a").unwrap().resolve().unwrap();
        assert_eq!(values["IONOS_TOKEN"], "abc ");
        assert!(accounts.get("b").unwrap_err().0.contains("it names a"));
        assert_eq!(accounts.only().unwrap().name, "a");
    }
}
