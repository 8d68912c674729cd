//! How a lookup of many IPs lists the contract: the pages it needs are
//! requested together, not one round trip after another, and a server
//! that pages below 1000 still gets every record read once.
//!
//! The server here is a few lines over a TCP listener, so a test can hold
//! every answer until the pages it expects are all in flight.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use revdns_ionos::Client;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Barrier;

const TOKEN: &str = "test-token";

fn addr(i: u32) -> IpAddr {
    IpAddr::V4(std::net::Ipv4Addr::from(0xC612_0000 + i))
}

fn record(i: u32) -> Value {
    let ip = addr(i);
    json!({
        "id": format!("6f1e0000-0000-4000-8000-{i:012x}"),
        "type": "reverserecord",
        "href": format!("https://dns.example/reverserecords/{i}"),
        "metadata": {"createdDate": "2024-05-02T09:58:59Z"},
        "properties": {"name": format!("h{i}.example.net"), "ip": ip.to_string()}
    })
}

/// What the server saw: the offsets asked, in arrival order, and the most
/// requests it held unanswered at once.
#[derive(Default)]
struct Seen {
    offsets: Mutex<Vec<usize>>,
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
}

/// A contract of `records` reverse records, served in pages of at most
/// `cap`, each answer 30 ms after its request; the first `hold` requests
/// are answered only once all of them have arrived.
async fn serve(records: u32, cap: usize, hold: usize) -> (String, Arc<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Seen::default());
    let barrier = Arc::new(Barrier::new(hold.max(1)));
    let held = Arc::new(AtomicUsize::new(0));
    let log = Arc::clone(&seen);
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let server = Server {
                records,
                cap,
                hold,
                held: Arc::clone(&held),
                barrier: Arc::clone(&barrier),
                seen: Arc::clone(&log),
            };
            tokio::spawn(server.answer(stream));
        }
    });
    (base, seen)
}

struct Server {
    records: u32,
    cap: usize,
    hold: usize,
    held: Arc<AtomicUsize>,
    barrier: Arc<Barrier>,
    seen: Arc<Seen>,
}

impl Server {
    /// Answers the requests of one connection.
    async fn answer(self, mut stream: TcpStream) {
        let (records, cap, seen) = (self.records, self.cap, &self.seen);
        let mut buffer = Vec::new();
        loop {
            let mut chunk = [0u8; 4096];
            let n = match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            buffer.extend_from_slice(&chunk[..n]);
            let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") else {
                continue;
            };
            let head = String::from_utf8_lossy(&buffer[..end]).into_owned();
            buffer.drain(..end + 4);
            let target = head.split_whitespace().nth(1).unwrap_or_default();
            let query = |name: &str| {
                target
                    .split(['?', '&'])
                    .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
                    .and_then(|v| v.parse::<usize>().ok())
            };
            let offset = query("offset").unwrap_or(0);
            let limit = query("limit").unwrap_or(100).min(cap);
            seen.offsets.lock().unwrap().push(offset);
            let now = seen.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            seen.most_in_flight.fetch_max(now, Ordering::SeqCst);
            if self.held.fetch_add(1, Ordering::SeqCst) < self.hold {
                self.barrier.wait().await;
            }
            tokio::time::sleep(Duration::from_millis(30)).await;
            seen.in_flight.fetch_sub(1, Ordering::SeqCst);
            let items: Vec<Value> = (offset..(offset + limit).min(records as usize))
                .map(|i| record(i as u32))
                .collect();
            let body = json!({
                "id": "0b8e6f4c-0000-4000-8000-00000000c011",
                "type": "collection",
                "href": "https://dns.example/reverserecords",
                "items": items, "offset": offset, "limit": limit,
                "_links": {}
            })
            .to_string();
            let reply = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                body.len()
            );
            if stream.write_all(reply.as_bytes()).await.is_err() {
                return;
            }
        }
    }
}

fn client(base: &str, concurrency: usize) -> Client {
    Client::builder()
        .token(TOKEN)
        .base_url(base)
        .concurrency(concurrency)
        .build()
        .unwrap()
}

#[tokio::test]
async fn the_pages_a_lookup_needs_are_requested_together() {
    // 3000 records, 3000 asked: pages at 0, 1000, 2000 and the short one
    // at 3000. Each answer waits until all four requests have arrived, so
    // a client asking one page after another never gets an answer.
    let (base, seen) = serve(3000, 1000, 4).await;
    let ips: Vec<IpAddr> = (0..3000).map(addr).collect();
    let found = tokio::time::timeout(Duration::from_secs(20), client(&base, 8).find(&ips))
        .await
        .expect("the four pages were not in flight together")
        .unwrap();
    assert_eq!(found.len(), 3000);
    assert_eq!(found[&addr(2999)].name, "h2999.example.net");
    let offsets = seen.offsets.lock().unwrap().clone();
    assert_eq!(
        offsets.iter().copied().collect::<BTreeSet<_>>(),
        BTreeSet::from([0, 1000, 2000, 3000])
    );
    assert_eq!(offsets.len(), 4, "no page past the end: {offsets:?}");
}

#[tokio::test]
async fn at_most_concurrency_pages_are_in_flight() {
    // 5 pages needed (4000 records and the short page), 2 at a time.
    let (base, seen) = serve(4000, 1000, 2).await;
    let ips: Vec<IpAddr> = (0..4000).map(addr).collect();
    let found = client(&base, 2).find(&ips).await.unwrap();
    assert_eq!(found.len(), 4000);
    assert_eq!(seen.offsets.lock().unwrap().len(), 5);
    assert_eq!(seen.most_in_flight.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_server_paging_below_1000_gets_every_record_read_once() {
    // Pages of 400: the pages fetched ahead at 1000 and 2000 are dropped,
    // and the listing goes on from 400, one page at a time.
    let (base, seen) = serve(2200, 400, 0).await;
    let ips: Vec<IpAddr> = (0..2200).map(addr).collect();
    let found = client(&base, 8).find(&ips).await.unwrap();
    assert_eq!(found.len(), 2200);
    let offsets: BTreeSet<usize> = seen.offsets.lock().unwrap().iter().copied().collect();
    for at in [0, 400, 800, 1200, 1600, 2000] {
        assert!(offsets.contains(&at), "offset {at} not read: {offsets:?}");
    }
}

#[tokio::test]
async fn a_listing_keeps_only_the_asked_addresses() {
    // 2500 records; every other one asked, and one the contract lacks.
    let (base, seen) = serve(2500, 1000, 0).await;
    let mut ips: Vec<IpAddr> = (0..2500).step_by(2).map(addr).collect();
    ips.push(addr(5000));
    let found = client(&base, 8).find(&ips).await.unwrap();
    assert_eq!(found.len(), 1250);
    assert!(!found.contains_key(&addr(1)), "a record not asked for");
    assert!(!found.contains_key(&addr(5000)));
    assert_eq!(found[&addr(2498)].name, "h2498.example.net");
    // Listed (the three pages), not looked up 50 addresses at a time.
    let offsets: BTreeSet<usize> = seen.offsets.lock().unwrap().iter().copied().collect();
    assert_eq!(offsets, BTreeSet::from([0, 1000, 2000]));
}
