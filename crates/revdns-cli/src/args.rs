//! The command line: global options and one subcommand per task.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use revdns::{IpPrefix, ProviderId};

/// Look up, set, delete, list and sync reverse DNS (PTR) records at EDIS
/// Global, IONOS Cloud and NTT Enterprise Cloud.
///
/// Exit codes: 0 all done; 1 some changes failed, or the apply was declined;
/// 2 usage or input error (nothing was sent); 3 refused by the safety
/// threshold (nothing was sent); 4 authentication failure; 130 interrupted.
#[derive(Debug, Parser)]
#[command(name = "revdns", version, about, max_term_width = 100)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: Global,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub(crate) struct Global {
    /// Accounts file (TOML). Default: `revdns/config.toml` in the platform's
    /// configuration directory, if it exists.
    #[arg(long, global = true, env = "REVDNS_CONFIG", value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// The account (from the accounts file) to work on.
    #[arg(
        long,
        short = 'a',
        global = true,
        env = "REVDNS_ACCOUNT",
        conflicts_with = "provider"
    )]
    pub(crate) account: Option<String>,
    /// Work on this provider, configured by its usual environment variables
    /// (EDIS_*, IONOS_*, OS_*) instead of an account.
    #[arg(long, short = 'p', global = true, env = "REVDNS_PROVIDER")]
    pub(crate) provider: Option<ProviderId>,
    /// Print the library's serialised results (JSON) instead of tables.
    #[arg(long, global = true)]
    pub(crate) json: bool,
    /// Print nothing but errors (and JSON, when asked for).
    #[arg(long, short = 'q', global = true, conflicts_with = "verbose")]
    pub(crate) quiet: bool,
    /// Show each error's cause chain.
    #[arg(long, short = 'v', global = true)]
    pub(crate) verbose: bool,
    /// When to draw a progress bar on stderr.
    #[arg(long, global = true, value_enum, default_value_t = ProgressWhen::Auto)]
    pub(crate) progress: ProgressWhen,
}

/// When to draw a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ProgressWhen {
    /// When stderr is a terminal and `--quiet` is off.
    Auto,
    /// Always (unless `--quiet`), e.g. to record it.
    Always,
    /// Never.
    Never,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Show the PTRs of addresses.
    Get {
        /// The addresses.
        #[arg(required = true, value_name = "IP")]
        ips: Vec<IpAddr>,
    },
    /// Set the PTR of one address.
    Set {
        /// The address.
        ip: IpAddr,
        /// The host name the PTR points at.
        host: String,
        /// Time to live in seconds (IONOS and EDIS have none).
        #[arg(long)]
        ttl: Option<u32>,
        /// A note stored with the record (IONOS and ECL).
        #[arg(long)]
        comment: Option<String>,
    },
    /// Delete the PTRs of addresses.
    Delete {
        /// The addresses.
        #[arg(required = true, value_name = "IP")]
        ips: Vec<IpAddr>,
    },
    /// List the account's PTRs.
    List {
        /// Only inside these address blocks (repeatable).
        #[arg(long = "prefix", value_name = "CIDR")]
        prefixes: Vec<IpPrefix>,
    },
    /// Show what applying a desired-state file would change.
    Plan(PlanArgs),
    /// Apply a desired-state file: show the plan, ask, then write.
    Apply {
        #[command(flatten)]
        plan: PlanArgs,
        /// Do not ask before writing.
        #[arg(long, short = 'y')]
        yes: bool,
        /// Apply even a plan over the safety threshold.
        #[arg(long)]
        force: bool,
    },
    /// Check that each PTR's target resolves back to its address
    /// (forward-confirmed reverse DNS).
    Verify(VerifyArgs),
    /// Write the current PTRs as a desired-state file (to stdout).
    Dump {
        /// Only inside these address blocks (repeatable); they become the
        /// file's scope.
        #[arg(long = "prefix", value_name = "CIDR")]
        prefixes: Vec<IpPrefix>,
        /// The file format.
        #[arg(long, value_enum, default_value_t = DumpFormat::Yaml)]
        format: DumpFormat,
    },
    /// Print the JSON Schema of the desired-state file.
    Schema,
    /// Serve the simulator (all three providers on loopback) and print the
    /// variables that point revdns at it.
    #[cfg(feature = "sim")]
    Sim(Box<revdns_sim::cli::SimArgs>),
    /// Print shell completions.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// Where the desired PTRs come from, and how to plan them.
#[derive(Debug, Args)]
pub(crate) struct PlanArgs {
    /// The desired-state file (YAML, or TOML by its `.toml` extension).
    #[arg(
        long,
        short = 'f',
        value_name = "FILE",
        required_unless_present_any = ["from_zone", "from_list"],
        conflicts_with_all = ["from_zone", "from_list"]
    )]
    pub(crate) file: Option<PathBuf>,
    /// Derive the PTRs from the A and AAAA records of an RFC 1035 zone file.
    #[arg(long, value_name = "ZONE_FILE", conflicts_with = "from_list")]
    pub(crate) from_zone: Option<PathBuf>,
    /// Derive the PTRs from a list of `name address` lines.
    #[arg(long, value_name = "FILE")]
    pub(crate) from_list: Option<PathBuf>,
    /// The zone file's origin, when it has no `$ORIGIN`.
    #[arg(long, requires = "from_zone")]
    pub(crate) origin: Option<String>,
    /// With --from-zone or --from-list: keep only addresses in these blocks
    /// (repeatable); they are also the scope of --purge.
    #[arg(long = "scope", value_name = "CIDR")]
    pub(crate) scope: Vec<IpPrefix>,
    /// With --from-zone or --from-list: when several names point at one
    /// address, the one to use: an exact name, or `.suffix` (repeatable; the
    /// first that matches exactly one name wins, else the address is
    /// reported as a conflict and left alone).
    #[arg(long = "prefer", value_name = "NAME")]
    pub(crate) prefer: Vec<revdns_verify::NamePreference>,
    /// Also delete the PTRs inside the scope that are not desired.
    #[arg(long)]
    pub(crate) purge: bool,
}

/// Which PTRs to verify, and how to resolve their targets.
#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    /// The addresses (default: every PTR the account lists, within
    /// --prefix).
    #[arg(value_name = "IP", conflicts_with = "prefixes")]
    pub(crate) ips: Vec<IpAddr>,
    /// Only PTRs inside these address blocks (repeatable).
    #[arg(long = "prefix", value_name = "CIDR")]
    pub(crate) prefixes: Vec<IpPrefix>,
    /// Ask this nameserver (`ADDRESS` or `ADDRESS:PORT`; repeatable) instead
    /// of the system's resolvers.
    #[arg(long = "nameserver", value_name = "ADDR", value_parser = parse_nameserver)]
    pub(crate) nameservers: Vec<std::net::SocketAddr>,
    /// Time allowed per lookup attempt, in milliseconds.
    #[arg(long, default_value_t = 2000)]
    pub(crate) timeout_ms: u64,
    /// Lookups in flight at once.
    #[arg(long, default_value_t = 32)]
    pub(crate) concurrency: usize,
}

/// `192.0.2.53`, `192.0.2.53:5353`, `2001:db8::53` or `[2001:db8::53]:5353`.
fn parse_nameserver(text: &str) -> Result<std::net::SocketAddr, String> {
    text.parse::<std::net::SocketAddr>()
        .or_else(|_| text.parse::<IpAddr>().map(|ip| (ip, 53).into()))
        .map_err(|_| format!("{text:?} is not an address or address:port"))
}

/// The format `dump` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum DumpFormat {
    /// YAML.
    Yaml,
    /// TOML.
    Toml,
}
