//! [`SimConfig`]: accounts, owned address blocks, seeded records and faults.

use std::fmt;
use std::time::Duration;

use revdns_core::ProviderId;

use crate::faults::Faults;

/// The credentials and address blocks of [`SimConfig::demo`]. They are
/// obviously fake and only ever valid against the simulator.
pub mod demo {
    /// EDIS client-area login of the demo account.
    pub const EDIS_EMAIL: &str = "demo@example.net";
    /// EDIS client-area password of the demo account.
    pub const EDIS_PASSWORD: &str = "demo-password-not-a-secret";
    /// The demo account's only VPS; it owns every demo block.
    pub const EDIS_KVM_ID: &str = "kvm_100001_200001";
    /// The bearer token of the demo IONOS contract.
    pub const IONOS_TOKEN: &str = "demo-ionos-token-not-a-secret";
    /// Keystone user name (the ECL "API key") of the demo tenant.
    pub const ECL_USERNAME: &str = "demo-api-key";
    /// Keystone password (the ECL "API secret key") of the demo tenant.
    pub const ECL_PASSWORD: &str = "demo-api-secret-not-a-secret";
    /// The demo tenant (project) id.
    pub const ECL_PROJECT_ID: &str = "0123456789abcdef0123456789abcdef";
    /// The Keystone region of the demo catalog.
    pub const ECL_REGION: &str = "jp1";
    /// The address blocks every demo account owns.
    pub const BLOCKS: [&str; 3] = ["192.0.2.0/24", "198.51.100.0/24", "2001:db8::/64"];
    /// The reverse zones the demo ECL tenant starts with, one per block.
    pub const ECL_ZONES: [&str; 3] = [
        "2.0.192.in-addr.arpa.",
        "100.51.198.in-addr.arpa.",
        "0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.",
    ];
}

/// Most IPs one EDIS PTR request may carry, unless
/// [`SimConfig::edis_max_batch`] says otherwise. EDIS documents no limit;
/// this is the limit revdns chose to model, its client's default batch
/// (50 IPs), so that a client sending more meets a refusal here first.
pub const EDIS_MAX_BATCH: usize = 50;

/// What the simulator serves: accounts per provider, the address blocks they
/// own, records to start with, faults, ports and the RNG seed.
///
/// Invalid values (an unparsable prefix or address) are kept until
/// [`Simulator::start`](crate::Simulator::start), which reports them.
///
/// ```
/// use std::time::Duration;
/// use revdns_sim::{EclUser, EclZone, EdisAccount, EdisKvm, IonosToken, SimConfig};
///
/// let config = SimConfig::new()
///     .seed(42)
///     .edis_account(
///         EdisAccount::new("ops@example.net", "fake-password")
///             .kvm(EdisKvm::new("kvm_1_1").owns("192.0.2.0/24").ptr("192.0.2.1", "a.example.net")),
///     )
///     .edis_session_lifetime(Duration::from_secs(300))
///     .ionos_token(IonosToken::new("fake-token").block("198.51.100.0/24"))
///     .ecl_user(
///         EclUser::new("fake-key", "fake-secret", "0123456789abcdef0123456789abcdef")
///             .zone(EclZone::new("2.0.192.in-addr.arpa.")),
///     );
/// # let _ = config;
/// ```
#[derive(Clone)]
pub struct SimConfig {
    pub(crate) seed: u64,
    pub(crate) edis_port: u16,
    pub(crate) ionos_port: u16,
    pub(crate) ecl_port: u16,
    pub(crate) admin_port: Option<u16>,
    pub(crate) edis_accounts: Vec<EdisAccount>,
    pub(crate) edis_max_batch: usize,
    pub(crate) ionos_tokens: Vec<IonosToken>,
    pub(crate) ionos_records: Vec<(String, String)>,
    pub(crate) ecl_users: Vec<EclUser>,
    pub(crate) ecl_region: String,
    pub(crate) edis_faults: Faults,
    pub(crate) ionos_faults: Faults,
    pub(crate) ecl_faults: Faults,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig::new()
    }
}

impl fmt::Debug for SimConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimConfig")
            .field("seed", &self.seed)
            .field("edis_port", &self.edis_port)
            .field("ionos_port", &self.ionos_port)
            .field("ecl_port", &self.ecl_port)
            .field("admin_port", &self.admin_port)
            .field("edis_accounts", &self.edis_accounts)
            .field("edis_max_batch", &self.edis_max_batch)
            .field("ionos_tokens", &self.ionos_tokens)
            .field("ionos_records", &self.ionos_records.len())
            .field("ecl_users", &self.ecl_users)
            .field("ecl_region", &self.ecl_region)
            .field("edis_faults", &self.edis_faults)
            .field("ionos_faults", &self.ionos_faults)
            .field("ecl_faults", &self.ecl_faults)
            .finish()
    }
}

impl SimConfig {
    /// No accounts, no faults, seed 0, every provider on a free port.
    pub fn new() -> Self {
        SimConfig {
            seed: 0,
            edis_port: 0,
            ionos_port: 0,
            ecl_port: 0,
            admin_port: None,
            edis_accounts: Vec::new(),
            edis_max_batch: EDIS_MAX_BATCH,
            ionos_tokens: Vec::new(),
            ionos_records: Vec::new(),
            ecl_users: Vec::new(),
            ecl_region: demo::ECL_REGION.to_owned(),
            edis_faults: Faults::none(),
            ionos_faults: Faults::none(),
            ecl_faults: Faults::none(),
        }
    }

    /// One ready account per provider, with the credentials of [`demo`],
    /// each owning 192.0.2.0/24, 198.51.100.0/24 and 2001:db8::/64; the ECL
    /// tenant has one reverse zone per block. No records, no faults.
    pub fn demo() -> Self {
        let mut kvm = EdisKvm::new(demo::EDIS_KVM_ID)
            .api_host("100001.vps.example.net")
            .description("revdns-sim demo VPS");
        let mut token = IonosToken::new(demo::IONOS_TOKEN);
        for block in demo::BLOCKS {
            kvm = kvm.owns(block);
            token = token.block(block);
        }
        let mut user = EclUser::new(demo::ECL_USERNAME, demo::ECL_PASSWORD, demo::ECL_PROJECT_ID);
        for zone in demo::ECL_ZONES {
            user = user.zone(EclZone::new(zone).description("revdns-sim demo reverse zone"));
        }
        SimConfig::new()
            .edis_account(EdisAccount::new(demo::EDIS_EMAIL, demo::EDIS_PASSWORD).kvm(kvm))
            .ionos_token(token)
            .ecl_user(user)
    }

    /// Seeds the random numbers (fault draws, jitter, ids, signatures), so a
    /// run with the same requests in the same order replays exactly.
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Port of the EDIS listener on 127.0.0.1 (0: any free port).
    #[must_use]
    pub fn edis_port(mut self, port: u16) -> Self {
        self.edis_port = port;
        self
    }

    /// Port of the IONOS listener on 127.0.0.1 (0: any free port).
    #[must_use]
    pub fn ionos_port(mut self, port: u16) -> Self {
        self.ionos_port = port;
        self
    }

    /// The faults configured for `provider`.
    pub fn faults_of(&self, provider: ProviderId) -> Faults {
        match provider {
            ProviderId::Edis => self.edis_faults,
            ProviderId::Ionos => self.ionos_faults,
            ProviderId::Ecl => self.ecl_faults,
            _ => Faults::none(),
        }
    }

    /// Serves the admin API (see [`admin`](crate::admin)) on this port
    /// (0: any free port); off unless set.
    #[must_use]
    pub fn admin_port(mut self, port: u16) -> Self {
        self.admin_port = Some(port);
        self
    }

    /// Port of the ECL listener (Keystone and DNS) on 127.0.0.1 (0: any free port).
    #[must_use]
    pub fn ecl_port(mut self, port: u16) -> Self {
        self.ecl_port = port;
        self
    }

    /// Adds an EDIS client-area account.
    #[must_use]
    pub fn edis_account(mut self, account: EdisAccount) -> Self {
        self.edis_accounts.push(account);
        self
    }

    /// Adds an IONOS bearer token and the IP blocks it may write PTRs for.
    #[must_use]
    pub fn ionos_token(mut self, token: IonosToken) -> Self {
        self.ionos_tokens.push(token);
        self
    }

    /// Adds an IONOS reverse record present from the start (`name` is the
    /// PTR target, e.g. `mail.example.net`).
    #[must_use]
    pub fn ionos_record(mut self, ip: &str, name: &str) -> Self {
        self.ionos_records.push((ip.to_owned(), name.to_owned()));
        self
    }

    /// Adds an ECL (Keystone) user with its tenant's zones.
    #[must_use]
    pub fn ecl_user(mut self, user: EclUser) -> Self {
        self.ecl_users.push(user);
        self
    }

    /// The region named in the Keystone catalog (default `jp1`).
    #[must_use]
    pub fn ecl_region(mut self, region: &str) -> Self {
        self.ecl_region = region.to_owned();
        self
    }

    /// The faults of `provider` from the start.
    #[must_use]
    pub fn faults(mut self, provider: ProviderId, faults: Faults) -> Self {
        if let Some(slot) = self.faults_mut(provider) {
            *slot = faults;
        }
        self
    }

    /// Most IPs one EDIS PTR request may carry (default [`EDIS_MAX_BATCH`]);
    /// a larger batch is answered HTTP 400, `{"status":"error","error":
    /// "Too many IP addresses: …"}`. At least 1, checked by
    /// [`Simulator::start`](crate::Simulator::start).
    #[must_use]
    pub fn edis_max_batch(mut self, ips: usize) -> Self {
        self.edis_max_batch = ips;
        self
    }

    /// Lifetime of EDIS sessions (default one hour); shorthand for
    /// [`Faults::session_lifetime`].
    #[must_use]
    pub fn edis_session_lifetime(mut self, lifetime: Duration) -> Self {
        self.edis_faults.session_lifetime = Some(lifetime);
        self
    }

    /// Lifetime of ECL Keystone tokens (default one hour); shorthand for
    /// [`Faults::session_lifetime`].
    #[must_use]
    pub fn ecl_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.ecl_faults.session_lifetime = Some(lifetime);
        self
    }

    pub(crate) fn faults_mut(&mut self, provider: ProviderId) -> Option<&mut Faults> {
        match provider {
            ProviderId::Edis => Some(&mut self.edis_faults),
            ProviderId::Ionos => Some(&mut self.ionos_faults),
            ProviderId::Ecl => Some(&mut self.ecl_faults),
            _ => None,
        }
    }
}

/// An EDIS client-area (WHMCS) login and its VPSs.
#[derive(Clone)]
pub struct EdisAccount {
    pub(crate) email: String,
    pub(crate) password: String,
    pub(crate) kvms: Vec<EdisKvm>,
}

impl fmt::Debug for EdisAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EdisAccount")
            .field("email", &self.email)
            .field("password", &"[redacted]")
            .field("kvms", &self.kvms)
            .finish()
    }
}

impl EdisAccount {
    /// An account that logs in with `email` and `password`.
    pub fn new(email: &str, password: &str) -> Self {
        EdisAccount {
            email: email.to_owned(),
            password: password.to_owned(),
            kvms: Vec::new(),
        }
    }

    /// Adds a VPS to the account.
    #[must_use]
    pub fn kvm(mut self, kvm: EdisKvm) -> Self {
        self.kvms.push(kvm);
        self
    }
}

/// One EDIS VPS: its id, the addresses it owns and its PTRs at start.
#[derive(Debug, Clone)]
pub struct EdisKvm {
    pub(crate) id: String,
    pub(crate) api_host: Option<String>,
    pub(crate) description: String,
    pub(crate) prefixes: Vec<String>,
    pub(crate) ptrs: Vec<(String, String)>,
}

impl EdisKvm {
    /// A VPS with id `kvm_id` (EDIS uses `kvm_<digits>_<digits>`).
    pub fn new(kvm_id: &str) -> Self {
        EdisKvm {
            id: kvm_id.to_owned(),
            api_host: None,
            description: "revdns-sim VPS".to_owned(),
            prefixes: Vec::new(),
            ptrs: Vec::new(),
        }
    }

    /// Adds an owned address or block (`192.0.2.10`, `2001:db8::/64`).
    #[must_use]
    pub fn owns(mut self, prefix: &str) -> Self {
        self.prefixes.push(prefix.to_owned());
        self
    }

    /// The `api_host` its sessions carry (default derived from the id,
    /// e.g. `100001.vps.example.net`).
    #[must_use]
    pub fn api_host(mut self, host: &str) -> Self {
        self.api_host = Some(host.to_owned());
        self
    }

    /// The `description` its sessions carry.
    #[must_use]
    pub fn description(mut self, description: &str) -> Self {
        self.description = description.to_owned();
        self
    }

    /// A PTR present from the start; the address must be owned.
    #[must_use]
    pub fn ptr(mut self, ip: &str, hostname: &str) -> Self {
        self.ptrs.push((ip.to_owned(), hostname.to_owned()));
        self
    }
}

/// An IONOS Cloud bearer token and the IP blocks its user may manage.
///
/// All tokens belong to one contract: every token sees every reverse record,
/// and writes are refused for addresses outside the token's blocks.
#[derive(Clone)]
pub struct IonosToken {
    pub(crate) token: String,
    pub(crate) blocks: Vec<String>,
}

impl fmt::Debug for IonosToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IonosToken")
            .field("token", &"[redacted]")
            .field("blocks", &self.blocks)
            .finish()
    }
}

impl IonosToken {
    /// A token accepted as `Authorization: Bearer <token>`.
    pub fn new(token: &str) -> Self {
        IonosToken {
            token: token.to_owned(),
            blocks: Vec::new(),
        }
    }

    /// Adds an IP block (CIDR) or single address the token may write PTRs for.
    #[must_use]
    pub fn block(mut self, prefix: &str) -> Self {
        self.blocks.push(prefix.to_owned());
        self
    }
}

/// An ECL Keystone user (API key and secret) scoped to one tenant, with the
/// zones that tenant starts with. Users sharing a `project_id` share zones.
#[derive(Clone)]
pub struct EclUser {
    pub(crate) username: String,
    pub(crate) password: String,
    pub(crate) project_id: String,
    pub(crate) zones: Vec<EclZone>,
}

impl fmt::Debug for EclUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EclUser")
            .field("username", &self.username)
            .field("password", &"[redacted]")
            .field("project_id", &self.project_id)
            .field("zones", &self.zones)
            .finish()
    }
}

impl EclUser {
    /// A user that authenticates with `username`/`password` in domain
    /// `default`, scoped to `project_id`.
    pub fn new(username: &str, password: &str, project_id: &str) -> Self {
        EclUser {
            username: username.to_owned(),
            password: password.to_owned(),
            project_id: project_id.to_owned(),
            zones: Vec::new(),
        }
    }

    /// Adds a zone (already `ACTIVE`) to the user's tenant.
    #[must_use]
    pub fn zone(mut self, zone: EclZone) -> Self {
        self.zones.push(zone);
        self
    }
}

/// A pre-created ECL zone and its recordsets at start.
#[derive(Debug, Clone)]
pub struct EclZone {
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) recordsets: Vec<(String, String, String, u32)>,
}

impl EclZone {
    /// A zone named `name` (with the trailing dot, e.g. `2.0.192.in-addr.arpa.`).
    pub fn new(name: &str) -> Self {
        EclZone {
            name: name.to_owned(),
            description: String::new(),
            recordsets: Vec::new(),
        }
    }

    /// The zone's description.
    #[must_use]
    pub fn description(mut self, description: &str) -> Self {
        self.description = description.to_owned();
        self
    }

    /// A recordset with one value present from the start, e.g.
    /// `("1.2.0.192.in-addr.arpa.", "PTR", "host.example.net.", 3600)`.
    #[must_use]
    pub fn recordset(mut self, name: &str, record_type: &str, value: &str, ttl: u32) -> Self {
        self.recordsets.push((
            name.to_owned(),
            record_type.to_owned(),
            value.to_owned(),
            ttl,
        ));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_debug_redacts_passwords_and_tokens() {
        let shown = format!("{:?}", SimConfig::demo());
        assert!(!shown.contains(demo::EDIS_PASSWORD), "{shown}");
        assert!(!shown.contains(demo::IONOS_TOKEN), "{shown}");
        assert!(!shown.contains(demo::ECL_PASSWORD), "{shown}");
        assert!(shown.contains(demo::EDIS_EMAIL));
    }

    #[test]
    fn config_faults_and_lifetime_shorthands_agree() {
        let config = SimConfig::new()
            .faults(ProviderId::Ionos, Faults::none().bad_gateway(0.5))
            .edis_session_lifetime(Duration::from_secs(5));
        assert_eq!(config.ionos_faults.bad_gateway, 0.5);
        assert_eq!(
            config.edis_faults.session_lifetime,
            Some(Duration::from_secs(5))
        );
        assert_eq!(config.ecl_faults, Faults::none());
    }
}
