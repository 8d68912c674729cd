//! Looks PTRs up with the client `from_env` builds: the way to try revdns
//! from a shell, against the simulator or a real account.
//!
//! ```text
//! cargo run -p revdns-sim          # in one shell; paste its export lines in another
//! cargo run -p revdns --example lookup -- edis 192.0.2.1 2001:db8::1
//! ```
// An example program: printing what it found is its job.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::net::IpAddr;
use std::process::ExitCode;

use revdns::PtrProvider;

#[tokio::main]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(provider), ips) = (args.next(), args.collect::<Vec<_>>()) else {
        eprintln!("usage: lookup <edis|ionos|ecl> IP...");
        return ExitCode::from(2);
    };
    let ips: Result<Vec<IpAddr>, _> = ips.iter().map(|ip| ip.parse()).collect();
    let ips = match ips {
        Ok(ips) if !ips.is_empty() => ips,
        _ => {
            eprintln!("usage: lookup <edis|ionos|ecl> IP...");
            return ExitCode::from(2);
        }
    };
    let result = async {
        let client = revdns::from_env(&provider)?;
        client.get(&ips).await
    }
    .await;
    match result {
        Ok(found) => {
            for (ip, record) in found {
                match record {
                    Some(r) => println!("{ip}\t{}", r.target),
                    None => println!("{ip}\t(no PTR)"),
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
