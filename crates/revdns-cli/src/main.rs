//! `revdns`: the command line of the revdns SDK. It is thin over the
//! library: every PTR decision (planning, the safety threshold, one result
//! per change) is the library's; this crate reads files and accounts,
//! prints, and maps outcomes to exit codes.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod accounts;
mod args;
mod commands;
mod failure;
mod located;
mod output;
mod progress;
mod select;
mod state_file;
mod sync;
mod verify;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};
use crate::failure::Failure;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(failure::code::FAILED);
        }
    };
    let result = runtime.block_on(run(&cli));
    // A question still waiting on stdin (after Ctrl-C) must not keep the
    // process alive.
    runtime.shutdown_background();
    match result {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            eprint!("{}", failure.render(cli.global.verbose));
            failure.exit_code()
        }
    }
}

async fn run(cli: &Cli) -> Result<u8, Failure> {
    let global = &cli.global;
    match &cli.command {
        Command::Get { ips } => commands::get(global, ips).await,
        Command::Set {
            ip,
            host,
            ttl,
            comment,
        } => commands::set(global, *ip, host, *ttl, comment.clone()).await,
        Command::Delete { ips } => commands::delete(global, ips).await,
        Command::List { prefixes } => commands::list(global, prefixes).await,
        Command::Plan(args) => sync::plan_command(global, args).await,
        Command::Apply { plan, yes, force } => {
            sync::apply_command(global, plan, *yes, *force).await
        }
        Command::Verify(args) => verify::verify(global, args).await,
        Command::Dump { prefixes, format } => commands::dump(global, prefixes, *format).await,
        Command::Schema => commands::schema(),
        #[cfg(feature = "sim")]
        Command::Sim(args) => revdns_sim::cli::run((**args).clone())
            .await
            .map(|()| failure::code::OK)
            .map_err(|e| Failure::Sim(e.to_string())),
        Command::Completions { shell } => commands::completions(*shell),
    }
}
