//! [`Simulator`]: starts the three listeners and exposes state, counters and
//! fault controls to tests.

use std::collections::BTreeMap;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rand::Rng;
use revdns_core::ProviderId;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::config::SimConfig;
use crate::counters::{Counters, Op};
use crate::ecl::EclState;
use crate::edis::EdisState;
use crate::faults::{FaultCounts, FaultEngine, Faults, Refusal};
use crate::ionos::IonosState;
use crate::server::{self, Conn, Fate, SimListener};
use crate::views::{EclRecordset, EclZoneInfo, IonosRecord};

/// One fault engine per provider.
#[derive(Debug)]
pub(crate) struct Engines {
    pub(crate) edis: FaultEngine,
    pub(crate) ionos: FaultEngine,
    pub(crate) ecl: FaultEngine,
}

impl Engines {
    pub(crate) fn get(&self, provider: ProviderId) -> Option<&FaultEngine> {
        match provider {
            ProviderId::Edis => Some(&self.edis),
            ProviderId::Ionos => Some(&self.ionos),
            ProviderId::Ecl => Some(&self.ecl),
            _ => None,
        }
    }
}

/// Everything the handlers share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) counters: Counters,
    pub(crate) engines: Engines,
    pub(crate) edis: EdisState,
    pub(crate) ionos: IonosState,
    pub(crate) ecl: EclState,
    /// The configuration the simulator started from, for [`Shared::restore`].
    pub(crate) start: SimConfig,
}

impl Shared {
    /// See [`Simulator::preload_ptr`].
    pub(crate) fn preload(&self, provider: ProviderId, ip: IpAddr, target: &str) -> io::Result<()> {
        match provider {
            ProviderId::Edis => self.edis.preload(ip, target),
            ProviderId::Ionos => {
                let id = self.new_id(Op::IonosPost);
                self.ionos.preload(id, ip, target)
            }
            ProviderId::Ecl => {
                let id = self.new_id(Op::EclCreateRecordset);
                self.ecl.preload(id, ip, target, 3600)
            }
            other => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("the simulator does not serve {other}"),
            )),
        }
    }

    /// Back to the start: the configured accounts and records, the
    /// configured faults, every counter at zero, no sessions or tokens.
    pub(crate) fn restore(&self) -> io::Result<()> {
        let cfg = &self.start;
        let edis = EdisState::new(
            &cfg.edis_accounts,
            self.edis.rdns().to_owned(),
            self.edis.max_batch(),
        )?;
        let ionos = IonosState::new(
            &cfg.ionos_tokens,
            &cfg.ionos_records,
            self.ionos.base_url().to_owned(),
            || self.engines.ionos.with_rng(random_uuid),
        )?;
        let (ecl_url, region) = self.ecl.base_url_and_region();
        let ecl = EclState::new(&cfg.ecl_users, ecl_url, region, || {
            self.engines.ecl.with_rng(random_uuid)
        })?;
        self.edis.replace_with(edis);
        self.ionos.replace_with(ionos);
        self.ecl.replace_with(ecl);
        self.engines.edis.set(cfg.edis_faults);
        self.engines.ionos.set(cfg.ionos_faults);
        self.engines.ecl.set(cfg.ecl_faults);
        self.counters.reset();
        for provider in ProviderId::ALL {
            if let Some(engine) = self.engines.get(provider) {
                engine.reset_counts();
            }
        }
        Ok(())
    }

    /// Counts the request under `op`, then lets the provider's faults act on
    /// it (the first half of its latency passes here); a dropped connection
    /// is cut here. A request let through takes the
    /// lost-answer draw; its connection is cut after the handler has
    /// answered (in `delivery`).
    pub(crate) async fn admit(&self, op: Op, key: &str, conn: &Conn) -> Option<Refusal> {
        self.counters.record(op);
        conn.hold(self.counters.serving(op));
        let engine = self.engines.get(op.provider())?;
        let (refusal, answer_at) = engine.admit(key).await;
        if refusal == Some(Refusal::Dropped) {
            conn.kill();
        }
        let lose = refusal.is_none() && engine.lose_answer();
        conn.set_fate(Fate {
            op: Some(op),
            refused: refusal.is_some(),
            lose,
            answer_at,
        });
        refusal
    }

    /// A random (v4) UUID from the seeded RNG of `op`'s provider.
    pub(crate) fn new_id(&self, op: Op) -> Uuid {
        match self.engines.get(op.provider()) {
            Some(engine) => engine.with_rng(random_uuid),
            None => Uuid::new_v4(),
        }
    }
}

fn random_uuid(rng: &mut impl Rng) -> Uuid {
    uuid::Builder::from_random_bytes(rng.random()).into_uuid()
}

/// The running simulator: EDIS, IONOS and ECL, each on its own listener on
/// 127.0.0.1.
///
/// Dropping it (or [`shutdown`](Simulator::shutdown)) stops the listeners;
/// connections finish the request they are serving and close.
///
/// ```no_run
/// use revdns_core::ProviderId;
/// use revdns_sim::{Faults, SimConfig, Simulator};
///
/// # async fn run() -> std::io::Result<()> {
/// let sim = Simulator::start(SimConfig::demo().seed(7)).await?;
/// println!("IONOS at {}", sim.ionos_url());
/// sim.set_faults(ProviderId::Ionos, Faults::none().service_unavailable(0.1));
/// // ... drive a client against it ...
/// assert_eq!(sim.request_count(ProviderId::Ionos, "reverserecordsPut"), 0);
/// sim.shutdown().await;
/// # Ok(()) }
/// ```
pub struct Simulator {
    shared: Arc<Shared>,
    edis_addr: SocketAddr,
    ionos_addr: SocketAddr,
    ecl_addr: SocketAddr,
    admin_addr: Option<SocketAddr>,
    /// Connections accepted on the EDIS, IONOS and ECL ports.
    accepted: [Arc<AtomicU64>; 3],
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for Simulator {
    // The state holds the (fake) passwords and tokens: show only addresses.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator")
            .field("edis", &self.edis_addr)
            .field("ionos", &self.ionos_addr)
            .field("ecl", &self.ecl_addr)
            .finish_non_exhaustive()
    }
}

fn url(addr: SocketAddr) -> String {
    format!("http://{addr}")
}

fn seed_for(seed: u64, provider: ProviderId) -> u64 {
    // Distinct, fixed streams per provider, so one provider's traffic does
    // not shift another's random draws.
    let salt: u64 = match provider {
        ProviderId::Edis => 0x45_44_49_53,
        ProviderId::Ionos => 0x49_4f_4e_4f_53,
        _ => 0x45_43_4c,
    };
    seed ^ salt.wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

impl Simulator {
    /// Binds the three listeners on 127.0.0.1 and starts serving `config`.
    ///
    /// Must be called inside a Tokio runtime; the servers run as tasks on it.
    ///
    /// # Errors
    ///
    /// A port that cannot be bound, or [`io::ErrorKind::InvalidInput`] for
    /// an invalid configuration (an unparsable prefix or address, a seeded
    /// record outside the owned blocks, a duplicated account).
    pub async fn start(config: SimConfig) -> io::Result<Simulator> {
        let edis_listener = SimListener::bind(config.edis_port).await?;
        let ionos_listener = SimListener::bind(config.ionos_port).await?;
        let ecl_listener = SimListener::bind(config.ecl_port).await?;
        let edis_addr = edis_listener.local_addr()?;
        let ionos_addr = ionos_listener.local_addr()?;
        let ecl_addr = ecl_listener.local_addr()?;
        let accepted = [
            edis_listener.accepted(),
            ionos_listener.accepted(),
            ecl_listener.accepted(),
        ];

        let engines = Engines {
            edis: FaultEngine::new(config.edis_faults, seed_for(config.seed, ProviderId::Edis)),
            ionos: FaultEngine::new(
                config.ionos_faults,
                seed_for(config.seed, ProviderId::Ionos),
            ),
            ecl: FaultEngine::new(config.ecl_faults, seed_for(config.seed, ProviderId::Ecl)),
        };
        let edis = EdisState::new(
            &config.edis_accounts,
            edis_addr.to_string(),
            config.edis_max_batch,
        )?;
        let ionos = IonosState::new(
            &config.ionos_tokens,
            &config.ionos_records,
            url(ionos_addr),
            || engines.ionos.with_rng(random_uuid),
        )?;
        let ecl = EclState::new(
            &config.ecl_users,
            url(ecl_addr),
            config.ecl_region.clone(),
            || engines.ecl.with_rng(random_uuid),
        )?;
        let admin_listener = match config.admin_port {
            Some(port) => Some(SimListener::bind(port).await?),
            None => None,
        };
        let admin_addr = admin_listener
            .as_ref()
            .map(SimListener::local_addr)
            .transpose()?;
        let shared = Arc::new(Shared {
            counters: Counters::default(),
            engines,
            edis,
            ionos,
            ecl,
            start: config,
        });

        let (stop, stopped) = watch::channel(false);
        let serve = |router: axum::Router| {
            router.layer(axum::middleware::from_fn_with_state(
                Arc::clone(&shared),
                crate::delivery::deliver,
            ))
        };
        let mut tasks = vec![
            server::spawn(
                edis_listener,
                serve(crate::edis::router(Arc::clone(&shared))),
                stopped.clone(),
            ),
            server::spawn(
                ionos_listener,
                serve(crate::ionos::router(Arc::clone(&shared))),
                stopped.clone(),
            ),
            server::spawn(
                ecl_listener,
                serve(crate::ecl::router(Arc::clone(&shared))),
                stopped,
            ),
        ];
        if let Some(listener) = admin_listener {
            tasks.push(server::spawn(
                listener,
                crate::admin::router(Arc::clone(&shared)),
                stop.subscribe(),
            ));
        }
        tracing::debug!(%edis_addr, %ionos_addr, %ecl_addr, "revdns-sim listening");
        Ok(Simulator {
            shared,
            edis_addr,
            ionos_addr,
            ecl_addr,
            admin_addr,
            accepted,
            stop,
            tasks,
        })
    }

    /// Base URL of EDIS (auth and PTR), e.g. `http://127.0.0.1:40001`. The
    /// sessions' `api_rdns` is this address without the scheme.
    pub fn edis_url(&self) -> String {
        url(self.edis_addr)
    }

    /// Base URL of IONOS Cloud DNS (`/reverserecords` below it).
    pub fn ionos_url(&self) -> String {
        url(self.ionos_addr)
    }

    /// Base URL of ECL: Keystone at `/v3/auth/tokens`, DNS under `/v2`; the
    /// catalog's `dns` endpoint is this URL.
    pub fn ecl_url(&self) -> String {
        url(self.ecl_addr)
    }

    /// Base URL of the admin API (state, counters, faults, preload, reset;
    /// see [`admin`](crate::admin)), when [`SimConfig::admin_port`] asked
    /// for one.
    pub fn admin_url(&self) -> Option<String> {
        self.admin_addr.map(url)
    }

    /// Back to the start: the configured accounts and records, the
    /// configured faults, every counter at zero, no sessions or tokens.
    ///
    /// # Errors
    ///
    /// Never for a configuration the simulator started with.
    pub fn reset(&self) -> io::Result<()> {
        self.shared.restore()
    }

    /// The socket address a provider listens on.
    pub fn addr(&self, provider: ProviderId) -> Option<SocketAddr> {
        match provider {
            ProviderId::Edis => Some(self.edis_addr),
            ProviderId::Ionos => Some(self.ionos_addr),
            ProviderId::Ecl => Some(self.ecl_addr),
            _ => None,
        }
    }

    /// Stops accepting connections and waits until open ones have finished
    /// their current request.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        for task in std::mem::take(&mut self.tasks) {
            let _ = task.await;
        }
    }

    // ------------------------------------------------------------ faults

    /// Replaces `provider`'s faults; rate-limit windows start afresh.
    pub fn set_faults(&self, provider: ProviderId, faults: Faults) {
        if let Some(engine) = self.shared.engines.get(provider) {
            engine.set(faults);
        }
    }

    /// `provider`'s current faults.
    pub fn faults(&self, provider: ProviderId) -> Faults {
        self.shared
            .engines
            .get(provider)
            .map(FaultEngine::faults)
            .unwrap_or_default()
    }

    // ------------------------------------------------------------ counters

    /// Requests received for one operation, whatever the answer (faults
    /// included), e.g. `request_count(ProviderId::Edis, "setPTR")`. Names
    /// are the operationIds (see the crate docs); an unknown name gives 0.
    pub fn request_count(&self, provider: ProviderId, operation: &str) -> u64 {
        self.shared.counters.get(provider, operation)
    }

    /// Connections accepted so far on `provider`'s port (0 for a provider
    /// the simulator does not serve). A client that keeps its connections
    /// alive opens few; one that finds its pooled connection too old opens
    /// another.
    pub fn connections(&self, provider: ProviderId) -> u64 {
        let index = match provider {
            ProviderId::Edis => 0,
            ProviderId::Ionos => 1,
            ProviderId::Ecl => 2,
            _ => return 0,
        };
        self.accepted[index].load(Ordering::Relaxed)
    }

    /// The most requests of `provider` the simulator was serving at once
    /// (from arrival to answer, latency included) since it started or its
    /// counters were last reset: how many a client kept in flight.
    pub fn most_in_flight(&self, provider: ProviderId) -> u64 {
        self.shared.counters.most_served(provider)
    }

    /// Every operation that received at least one request, with its count.
    pub fn request_counts(&self) -> BTreeMap<(ProviderId, &'static str), u64> {
        self.shared.counters.snapshot()
    }

    /// Requests of `provider` that a fault refused or cut, by kind.
    pub fn fault_counts(&self, provider: ProviderId) -> FaultCounts {
        self.shared
            .engines
            .get(provider)
            .map(FaultEngine::counts)
            .unwrap_or_default()
    }

    /// Sets every request and fault counter back to zero.
    pub fn reset_counts(&self) {
        self.shared.counters.reset();
        for provider in ProviderId::ALL {
            if let Some(engine) = self.shared.engines.get(provider) {
                engine.reset_counts();
            }
        }
    }

    // ------------------------------------------------------------ records

    /// The PTRs of one EDIS VPS (empty for an unknown `kvm_id`).
    pub fn edis_ptrs(&self, kvm_id: &str) -> BTreeMap<IpAddr, String> {
        self.shared.edis.ptrs(kvm_id)
    }

    /// Every IONOS reverse record, keyed by IP.
    pub fn ionos_records(&self) -> BTreeMap<IpAddr, IonosRecord> {
        self.shared.ionos.records()
    }

    /// Every IONOS reverse record in creation order (the list order), one
    /// entry per record: a check that no IP holds two records does not rely
    /// on the map of [`ionos_records`](Simulator::ionos_records).
    pub fn ionos_record_list(&self) -> Vec<IonosRecord> {
        self.shared.ionos.record_list()
    }

    /// Every recordset of the ECL zones named `zone_name` (trailing dot
    /// optional, any case; in every tenant that has one), sorted by name
    /// within a zone; the built-in SOA and NS recordsets included. Empty for
    /// an unknown zone.
    pub fn ecl_recordsets(&self, zone_name: &str) -> Vec<EclRecordset> {
        self.shared.ecl.recordsets(zone_name)
    }

    /// Every ECL zone of every tenant.
    pub fn ecl_zones(&self) -> Vec<EclZoneInfo> {
        self.shared.ecl.zones()
    }

    /// The environment that points every provider's `from_env` at this
    /// simulator with its demo accounts: `(variable, value)` pairs for
    /// EDIS (`EDIS_EMAIL`, `EDIS_PASSWORD`, `EDIS_KVM_ID`, `EDIS_AUTH_URL`,
    /// `EDIS_PTR_URL`), IONOS (`IONOS_TOKEN`, `IONOS_DNS_API_URL`) and ECL
    /// (`OS_AUTH_URL`, `OS_USERNAME`, `OS_PASSWORD`, `OS_PROJECT_ID`). The
    /// binary prints them as `export` lines. With them, no client reaches a
    /// real provider: every base URL is this simulator's.
    pub fn env_exports(&self) -> Vec<(&'static str, String)> {
        env_exports_for(
            &self.edis_url(),
            &self.ionos_url(),
            &self.ecl_url(),
            self.admin_url().as_deref(),
        )
    }

    /// Stores a PTR for `ip` at `provider` directly, as its control panel or
    /// another tool would, without a request (no counter moves): in the EDIS
    /// VPS or under the IONOS token that owns `ip`, or in the ECL zone that
    /// holds its reverse name (TTL 3600). `target` is stored as given, so a
    /// test can preload names a client would refuse to write
    /// (`host_1.example.net`, `router`).
    ///
    /// # Errors
    ///
    /// [`io::ErrorKind::InvalidInput`] when no account owns `ip`, the
    /// target is no name at all (empty, whitespace, a label over 63
    /// octets), or ECL refuses the recordset (a duplicate).
    pub fn preload_ptr(&self, provider: ProviderId, ip: IpAddr, target: &str) -> io::Result<()> {
        self.shared.preload(provider, ip, target)
    }

    // ------------------------------------------------------------ sessions

    /// Ends every EDIS session now: the next PTR call answers 401 until the
    /// client creates a new session.
    pub fn expire_edis_sessions(&self) {
        self.shared.edis.expire_sessions();
    }

    /// Ends every ECL Keystone token now: the next DNS call answers
    /// 401 `E2001` until the client gets a new token.
    pub fn expire_ecl_tokens(&self) {
        self.shared.ecl.expire_tokens();
    }

    /// Marks an IONOS token expired (every call answers 401) or valid again.
    /// Returns `false` for a token the simulator does not know.
    pub fn set_ionos_token_expired(&self, token: &str, expired: bool) -> bool {
        self.shared.ionos.set_token_expired(token, expired)
    }
}

/// The variables of [`Simulator::env_exports`] for a simulator serving at
/// these base URLs (EDIS, IONOS, ECL, and the admin API if any): what
/// `revdns-sim --print-env` prints for fixed ports without starting one.
pub fn env_exports_for(
    edis: &str,
    ionos: &str,
    ecl: &str,
    admin: Option<&str>,
) -> Vec<(&'static str, String)> {
    use crate::config::demo;
    [
        ("EDIS_EMAIL", demo::EDIS_EMAIL.to_owned()),
        ("EDIS_PASSWORD", demo::EDIS_PASSWORD.to_owned()),
        ("EDIS_KVM_ID", demo::EDIS_KVM_ID.to_owned()),
        ("EDIS_AUTH_URL", edis.to_owned()),
        ("EDIS_PTR_URL", edis.to_owned()),
        ("IONOS_TOKEN", demo::IONOS_TOKEN.to_owned()),
        ("IONOS_DNS_API_URL", ionos.to_owned()),
        ("OS_AUTH_URL", format!("{ecl}/v3")),
        ("OS_USERNAME", demo::ECL_USERNAME.to_owned()),
        ("OS_PASSWORD", demo::ECL_PASSWORD.to_owned()),
        ("OS_PROJECT_ID", demo::ECL_PROJECT_ID.to_owned()),
    ]
    .into_iter()
    .chain(admin.map(|u| ("REVDNS_SIM_ADMIN_URL", u.to_owned())))
    .collect()
}

impl Drop for Simulator {
    fn drop(&mut self) {
        // The servers stop on their own once signalled; nothing to await here.
        let _ = self.stop.send(true);
    }
}
