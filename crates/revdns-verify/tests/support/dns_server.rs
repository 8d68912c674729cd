//! An authoritative DNS server on loopback for tests and the bench: the
//! in-process hickory-server with in-memory zones, on UDP and TCP of one
//! 127.0.0.1 port, and a handler wrapper that delays the queries for chosen
//! names and records how many queries were in flight at once.

#![allow(dead_code, unreachable_pub)]

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use hickory_server::Server;
use hickory_server::net::runtime::Time;
use hickory_server::proto::rr::rdata::{A, AAAA, CNAME, PTR, SOA, TXT};
use hickory_server::proto::rr::{LowerName, Name, RData, Record};
use hickory_server::server::{Request, RequestHandler, ResponseHandler, ResponseInfo};
use hickory_server::store::in_memory::InMemoryZoneHandler;
use hickory_server::zone_handler::{AxfrPolicy, Catalog, ZoneType};
use tokio::net::{TcpListener, UdpSocket};

/// One zone to serve: its origin and records (owner names absolute).
#[derive(Debug, Clone)]
pub struct Zone {
    pub origin: String,
    pub records: Vec<(String, RData)>,
}

impl Zone {
    pub fn new(origin: &str) -> Self {
        Self {
            origin: origin.to_owned(),
            records: Vec::new(),
        }
    }

    pub fn a(mut self, name: &str, ip: &str) -> Self {
        let data = match ip.parse::<IpAddr>().unwrap() {
            IpAddr::V4(v4) => RData::A(A(v4)),
            IpAddr::V6(v6) => RData::AAAA(AAAA(v6)),
        };
        self.records.push((name.to_owned(), data));
        self
    }

    pub fn txt(mut self, name: &str, text: &str) -> Self {
        self.records
            .push((name.to_owned(), RData::TXT(TXT::new(vec![text.to_owned()]))));
        self
    }

    pub fn cname(mut self, name: &str, target: &str) -> Self {
        self.records
            .push((name.to_owned(), RData::CNAME(CNAME(name_of(target)))));
        self
    }

    pub fn ptr(mut self, name: &str, target: &str) -> Self {
        self.records
            .push((name.to_owned(), RData::PTR(PTR(name_of(target)))));
        self
    }
}

pub fn name_of(s: &str) -> Name {
    Name::from_str(s).unwrap()
}

/// The running server. Dropping it stops it.
pub struct DnsServer {
    pub addr: SocketAddr,
    handlers: HashMap<String, Arc<InMemoryZoneHandler>>,
    stats: Arc<Stats>,
    _server: Server<Delaying>,
}

#[derive(Default)]
struct Stats {
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    queries: AtomicUsize,
}

impl DnsServer {
    /// Serves `zones`; queries for a name in `delays` wait that long first.
    pub async fn start(zones: Vec<Zone>, delays: Vec<(&str, Duration)>) -> DnsServer {
        let mut catalog = Catalog::new();
        let mut handlers = HashMap::new();
        for zone in zones {
            let origin = name_of(&zone.origin);
            let mut handler =
                InMemoryZoneHandler::empty(origin.clone(), ZoneType::Primary, AxfrPolicy::Deny);
            let soa = SOA::new(
                name_of(&format!("ns.{}", zone.origin)),
                name_of(&format!("hostmaster.{}", zone.origin)),
                1,
                3600,
                600,
                86400,
                60,
            );
            assert!(
                handler.upsert_mut(Record::from_rdata(origin.clone(), 3600, RData::SOA(soa)), 1)
            );
            for (name, data) in zone.records {
                assert!(handler.upsert_mut(Record::from_rdata(name_of(&name), 60, data), 1));
            }
            let handler = Arc::new(handler);
            catalog.upsert(LowerName::new(&origin), vec![handler.clone()]);
            handlers.insert(zone.origin.clone(), handler);
        }
        let stats = Arc::new(Stats::default());
        let delaying = Delaying {
            catalog,
            delays: delays
                .into_iter()
                .map(|(n, d)| (LowerName::new(&name_of(n)), d))
                .collect(),
            stats: stats.clone(),
        };
        let (udp, tcp) = bind_pair().await;
        let addr = udp.local_addr().unwrap();
        let mut server = Server::new(delaying);
        server.register_socket(udp);
        server.register_listener(tcp, Duration::from_secs(10), 64);
        DnsServer {
            addr,
            handlers,
            stats,
            _server: server,
        }
    }

    /// Adds or replaces a record in the zone `origin` while serving.
    pub async fn upsert(&self, origin: &str, name: &str, data: RData) {
        let handler = &self.handlers[origin];
        assert!(
            handler
                .upsert(Record::from_rdata(name_of(name), 60, data), 2)
                .await
        );
    }

    /// The most queries that were being answered at one time.
    pub fn max_in_flight(&self) -> usize {
        self.stats.max_in_flight.load(Ordering::SeqCst)
    }

    /// Queries received.
    pub fn queries(&self) -> usize {
        self.stats.queries.load(Ordering::SeqCst)
    }
}

/// UDP and TCP on the same free loopback port (the resolver uses one port
/// for both).
async fn bind_pair() -> (UdpSocket, TcpListener) {
    for _ in 0..20 {
        let udp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        if let Ok(tcp) = TcpListener::bind(udp.local_addr().unwrap()).await {
            return (udp, tcp);
        }
    }
    panic!("no free loopback port for UDP and TCP");
}

/// The catalog, behind a delay for some names and an in-flight gauge.
struct Delaying {
    catalog: Catalog,
    delays: HashMap<LowerName, Duration>,
    stats: Arc<Stats>,
}

#[async_trait::async_trait]
impl RequestHandler for Delaying {
    async fn handle_request<R: ResponseHandler, T: Time>(
        &self,
        request: &Request,
        response_handle: R,
    ) -> ResponseInfo {
        let now = self.stats.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.stats.max_in_flight.fetch_max(now, Ordering::SeqCst);
        self.stats.queries.fetch_add(1, Ordering::SeqCst);
        let delay = request
            .request_info()
            .ok()
            .and_then(|info| self.delays.get(info.query.name()).copied());
        if let Some(delay) = delay {
            tokio::time::sleep(delay).await;
        }
        let info = self
            .catalog
            .handle_request::<R, T>(request, response_handle)
            .await;
        self.stats.in_flight.fetch_sub(1, Ordering::SeqCst);
        info
    }
}

/// A nameserver that never answers: UDP and TCP bound (the kernel accepts
/// TCP connections into the backlog), nothing read.
pub struct Unreachable {
    pub addr: SocketAddr,
    _udp: UdpSocket,
    _tcp: TcpListener,
}

impl Unreachable {
    pub async fn bind() -> Unreachable {
        let (udp, tcp) = bind_pair().await;
        Unreachable {
            addr: udp.local_addr().unwrap(),
            _udp: udp,
            _tcp: tcp,
        }
    }
}
