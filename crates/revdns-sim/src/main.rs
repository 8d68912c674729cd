//! `revdns-sim`: serves the EDIS, IONOS and ECL simulators on loopback with
//! the demo accounts, prints how to point the revdns clients at them, and
//! stops on Ctrl-C.

use clap::Parser;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    revdns_sim::cli::run(revdns_sim::cli::SimArgs::parse()).await
}
