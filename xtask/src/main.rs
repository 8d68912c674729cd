//! Maintainer tasks for the revdns workspace.
//!
//! `cargo xtask regenerate [--check] [--provider <id>]` turns the vendored
//! specs into the generated client modules; `cargo xtask import` refreshes a
//! vendored spec from a provider's documentation page.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};

use xtask::import;
use xtask::providers::{self, PROVIDERS, Provider};
use xtask::regenerate::{Status, regenerate};

#[derive(Debug, Parser)]
#[command(name = "cargo xtask", about = "revdns maintainer tasks")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Regenerate crates/revdns-<id>/src/generated.rs from specs/.
    Regenerate {
        /// Compare with the committed files instead of writing; exit 1 with a diff when stale.
        #[arg(long)]
        check: bool,
        /// Only this provider (edis, ionos, ecl).
        #[arg(long)]
        provider: Option<String>,
        /// Workspace root (default: the one this xtask belongs to).
        #[arg(long, hide = true)]
        root: Option<PathBuf>,
    },
    /// Extract the OpenAPI blocks of a documentation page into specs/<dir>/upstream/.
    Import {
        /// Provider id (edis, ionos) or spec directory name.
        provider: String,
        /// The saved documentation page (Markdown with fenced yaml/json blocks).
        page: PathBuf,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace root")
        .to_path_buf()
}

fn select(name: Option<&str>) -> Result<Vec<&'static Provider>> {
    match name {
        None => Ok(PROVIDERS.iter().collect()),
        Some(name) => match providers::find(name) {
            Some(p) => Ok(vec![p]),
            None => bail!(
                "unknown provider {name}; known: {}",
                PROVIDERS
                    .iter()
                    .map(|p| p.id)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        },
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Regenerate {
            check,
            provider,
            root,
        } => {
            let root = root.unwrap_or_else(workspace_root);
            let mut failed = false;
            for p in select(provider.as_deref())? {
                match regenerate(&root, p, check) {
                    Ok(report) => {
                        let what = match &report.status {
                            Status::Unchanged => "up to date",
                            Status::Written => "written",
                            Status::Stale { .. } => "STALE",
                        };
                        println!(
                            "{:<6} {:>6} lines {:>5} ms  {what}",
                            report.provider, report.lines, report.millis
                        );
                        if let Status::Stale { diff } = &report.status {
                            print!("{diff}");
                            failed = true;
                        }
                    }
                    Err(e) => {
                        eprintln!("{:<6} error: {e:#}", p.id);
                        failed = true;
                    }
                }
            }
            if failed && check {
                eprintln!("generated code is stale or broken; run `cargo xtask regenerate`");
            }
            Ok(if failed {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Import { provider, page } => {
            let provider = select(Some(&provider))?[0];
            let text = std::fs::read_to_string(&page)
                .with_context(|| format!("reading {}", page.display()))?;
            let blocks = import::extract_blocks(&text)?;
            if blocks.is_empty() {
                bail!("{} holds no OpenAPI blocks", page.display());
            }
            let dir = workspace_root().join(provider.spec_dir).join("upstream");
            std::fs::create_dir_all(&dir)?;
            for block in blocks {
                let path = dir.join(&block.file_name);
                std::fs::write(&path, &block.text)?;
                println!("{}/upstream/{}", provider.spec_dir, block.file_name);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
