//! `plan` and `apply`: a desired-state file against what the account has.

use std::io::{BufRead, IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use revdns::{
    Gated, Outcome, Plan, PlanOptions, ProviderId, PtrChange, PtrProvider,
    apply_plan_with_progress, plan,
};
use revdns_core::ip_map::IpSet;
use serde::Serialize;

use crate::args::{Global, PlanArgs, ProgressWhen};
use crate::commands::{emit, print_report, report_code};
use crate::failure::{Failure, code};
use crate::output;
use crate::progress::Progress;
use crate::select::{self, Target};
use crate::state_file;

/// What to apply: the client, the desired state and the plan options.
struct Resolved {
    target: Target,
    desired: state_file::DesiredState,
    options: PlanOptions,
    purge: bool,
}

/// Reads the file (or derives from forward records), picks the client and
/// sets the options; nothing is sent.
fn resolve(global: &Global, args: &PlanArgs, force: bool) -> Result<Resolved, Failure> {
    let (target, desired) = match &args.file {
        Some(path) => {
            let raw = state_file::read(path)?;
            let file_account = raw.account.as_ref().map(|a| a.value.clone());
            let target = select::client(global, file_account.as_deref())?;
            let max_comment = target.client.capabilities().max_comment_chars;
            (target, state_file::check(path, raw, max_comment)?)
        }
        None => {
            let desired = derived(global, args)?;
            (select::client(global, None)?, desired)
        }
    };
    let mut options = PlanOptions::new().force(force);
    let purge = desired.purge || args.purge;
    if purge {
        if desired.scope.is_empty() {
            return Err(Failure::Usage(
                "--purge needs a scope: the address blocks whose unlisted PTRs may be deleted (the file's `scope`, or --scope)"
                    .to_owned(),
            ));
        }
        options = options.purge(desired.scope.clone());
    }
    Ok(Resolved {
        target,
        desired,
        options,
        purge,
    })
}

/// The desired PTRs derived from forward records (`--from-zone`,
/// `--from-list`); conflicts and skipped names are reported on stderr.
fn derived(global: &Global, args: &PlanArgs) -> Result<state_file::DesiredState, Failure> {
    let forward = match (&args.from_zone, &args.from_list) {
        (Some(zone), _) => revdns_verify::read_zone_file(zone, args.origin.as_deref()),
        (None, Some(list)) => revdns_verify::read_plain_list(list),
        (None, None) => return Err(Failure::Usage("give -f, --from-zone or --from-list".into())),
    }
    .map_err(|e| Failure::Usage(e.to_string()))?;
    let options = revdns_verify::DeriveOptions::new()
        .scope(args.scope.iter().copied())
        .prefer(args.prefer.iter().cloned());
    let derived = revdns_verify::derive(forward, &options);
    if !global.quiet {
        for c in &derived.conflicts {
            let names: Vec<String> = c.names.iter().map(ToString::to_string).collect();
            eprintln!(
                "warning: {} has several names ({}); left alone (choose with --prefer)",
                c.ip,
                names.join(", ")
            );
        }
        for s in &derived.skipped {
            let at = s
                .record
                .line
                .map_or_else(String::new, |l| format!(" (line {l})"));
            let why = match &s.reason {
                revdns_verify::SkipReason::NotWritable(why)
                | revdns_verify::SkipReason::Address(why) => why,
                // A reason this build does not know.
                #[allow(unreachable_patterns)]
                _ => "skipped",
            };
            eprintln!(
                "warning: {} -> {}{at} skipped: {why}",
                s.record.ip, s.record.name
            );
        }
    }
    Ok(state_file::DesiredState {
        scope: args.scope.clone(),
        purge: false,
        records: derived.records,
    })
}

pub(crate) async fn plan_command(global: &Global, args: &PlanArgs) -> Result<u8, Failure> {
    let r = resolve(global, args, false)?;
    let plan = plan(&r.target.client, &r.desired.records, &r.options).await?;
    if global.json {
        emit(&output::json(&plan))?;
    } else if !global.quiet {
        emit(&output::plan(&plan))?;
        if let Err(e) = plan.check_safety(r.target.client.id(), &r.options) {
            emit(&format!(
                "note: `revdns apply` will refuse this plan without --force: {e}\n"
            ))?;
        }
    }
    Ok(code::OK)
}

/// One settled change, as the progress callback saw it.
#[derive(Debug, Serialize)]
struct Settled {
    index: usize,
    change: PtrChange,
    outcome: serde_json::Value,
    #[serde(skip)]
    row: Vec<String>,
}

/// What `apply --json` prints.
#[derive(Serialize)]
struct ApplyOutput<'a, R: Serialize> {
    plan: Option<&'a Plan>,
    applied: bool,
    interrupted: bool,
    report: Option<R>,
}

/// Decides, from the plan of what the provider read, whether to write:
/// the safety threshold, then the question (unless `--yes`). Starts the
/// progress bar once the answer is yes.
struct Asker {
    human: bool,
    yes: bool,
    options: PlanOptions,
    provider: ProviderId,
    on: String,
    progress_when: ProgressWhen,
    quiet: bool,
    /// Changes handed to the apply (unchanged ones included).
    total: usize,
    plan: Mutex<Option<Plan>>,
    refused: Mutex<Option<revdns::Error>>,
    declined: AtomicBool,
    /// Started once the gate agrees: counts the plan's writes, by address.
    progress: OnceLock<(Progress, IpSet)>,
    settled: Mutex<Vec<Settled>>,
}

impl Asker {
    fn decide(&self, plan: &Plan) -> bool {
        if let Ok(mut seen) = self.plan.lock() {
            *seen = Some(plan.clone());
        }
        if self.human {
            let _ = emit(&output::plan(plan));
        }
        if let Err(e) = plan.check_safety(self.provider, &self.options) {
            if let Ok(mut refused) = self.refused.lock() {
                *refused = Some(e);
            }
            return false;
        }
        let writes = plan.creates.len() + plan.updates.len() + plan.deletes.len();
        if writes > 0 && !self.yes {
            // The question waits for a person: off the async workers' hands.
            let yes = tokio::task::block_in_place(|| confirm(writes, &self.on)).unwrap_or(false);
            if !yes {
                self.declined.store(true, Ordering::Relaxed);
                return false;
            }
        }
        // The bar counts what the plan writes, so a re-run after an
        // interrupt counts only what is left, as its plan says.
        let writes: IpSet = plan
            .creates
            .iter()
            .map(|r| r.ip)
            .chain(plan.updates.iter().map(|u| u.to.ip))
            .chain(plan.deletes.iter().map(|r| r.ip))
            .collect();
        let progress = Progress::new(self.progress_when, self.quiet, writes.len());
        let _ = self.progress.set((progress, writes));
        true
    }

    fn settle(&self, index: usize, change: &PtrChange, outcome: &Outcome) {
        if let Some((bar, writes)) = self.progress.get()
            && writes.contains(&change.ip())
        {
            bar.tick();
        }
        let entry = Settled {
            index,
            change: change.clone(),
            outcome: serde_json::to_value(outcome).unwrap_or_default(),
            row: output::result_row(change, outcome),
        };
        if let Ok(mut all) = self.settled.lock() {
            all.push(entry);
        }
    }
}

pub(crate) async fn apply_command(
    global: &Global,
    args: &PlanArgs,
    yes: bool,
    force: bool,
) -> Result<u8, Failure> {
    let Resolved {
        target,
        desired,
        options,
        purge,
    } = resolve(global, args, force)?;
    let changes: Vec<PtrChange> = desired
        .records
        .iter()
        .cloned()
        .map(PtrChange::from)
        .collect();
    let on = target.account.as_deref().map_or_else(
        || target.client.id().to_string(),
        |a| format!("account `{a}`"),
    );
    let client = target.client;

    // With purge, the plan needs the account's listing, so it is made first
    // and the apply sends its writes; without, the provider's own read
    // before writing makes the plan, and confirming costs no second read.
    let listed_plan = if purge {
        Some(plan(&client, &desired.records, &options).await?)
    } else {
        None
    };
    let total = listed_plan.as_ref().map_or(changes.len(), |p| {
        p.creates.len() + p.updates.len() + p.deletes.len()
    });
    let asker = Arc::new(Asker {
        human: !global.json && !global.quiet,
        yes,
        options: options.clone(),
        provider: client.id(),
        on,
        progress_when: global.progress,
        quiet: global.quiet,
        total,
        plan: Mutex::new(None),
        refused: Mutex::new(None),
        declined: AtomicBool::new(false),
        progress: OnceLock::new(),
        settled: Mutex::new(Vec::new()),
    });

    let work = {
        let asker = Arc::clone(&asker);
        let client = client.clone();
        let changes = changes.clone();
        async move {
            let on_settled = |i: usize, c: &PtrChange, o: &Outcome| asker.settle(i, c, o);
            match listed_plan {
                Some(plan) => {
                    if !asker.decide(&plan) {
                        return Ok(Gated::Declined { plan });
                    }
                    let report =
                        apply_plan_with_progress(&client, &plan, &options, &on_settled).await?;
                    Ok(Gated::Applied { plan, report })
                }
                None => {
                    let gate = |plan: &Plan| asker.decide(plan);
                    client.apply_gated(&changes, &gate, &on_settled).await
                }
            }
        }
    };
    // On its own task, so that Ctrl-C is seen even while the question waits.
    let mut handle = tokio::spawn(work);
    let outcome = tokio::select! {
        joined = &mut handle => Some(joined),
        _ = tokio::signal::ctrl_c() => None,
    };
    if let Some((p, _)) = asker.progress.get() {
        p.finish();
    }
    let seen = asker.plan.lock().ok().and_then(|p| p.clone());
    let Some(joined) = outcome else {
        handle.abort();
        return interrupted(global, &asker, seen.as_ref());
    };
    let gated: Result<Gated, revdns::Error> =
        joined.map_err(|e| Failure::Usage(format!("the apply stopped: {e}")))?;
    match gated? {
        Gated::Applied { plan, report } => {
            if global.json {
                emit(&output::json(&ApplyOutput {
                    plan: Some(&plan),
                    applied: true,
                    interrupted: false,
                    report: Some(&report),
                }))?;
                Ok(report_code(&report))
            } else {
                print_report(global, &report)
            }
        }
        Gated::Declined { plan } => {
            if let Some(e) = asker.refused.lock().ok().and_then(|mut r| r.take()) {
                return Err(Failure::Sdk(e));
            }
            if global.json {
                emit(&output::json(&ApplyOutput::<()> {
                    plan: Some(&plan),
                    applied: false,
                    interrupted: false,
                    report: None,
                }))?;
            }
            Err(Failure::Declined)
        }
        // A later kind of result: nothing this build can report.
        #[allow(unreachable_patterns)]
        _ => Err(Failure::Usage("the apply ended in an unknown way".into())),
    }
}

/// Prints what was settled before Ctrl-C.
fn interrupted(global: &Global, asker: &Asker, plan: Option<&Plan>) -> Result<u8, Failure> {
    let mut settled = std::mem::take(&mut *asker.settled.lock().unwrap_or_else(|e| e.into_inner()));
    settled.sort_by_key(|s| s.index);
    if global.json {
        emit(&output::json(&ApplyOutput {
            plan,
            // The bar starts when the gate agrees: writes may have begun.
            applied: asker.progress.get().is_some(),
            interrupted: true,
            report: Some(&settled),
        }))?;
    } else {
        let rows: Vec<Vec<String>> = settled.iter().map(|s| s.row.clone()).collect();
        if !rows.is_empty() {
            emit(&output::table(&["RESULT", "IP", "DETAIL"], &rows))?;
        }
        emit(&format!(
            "{} of {} changes settled before the interrupt\n",
            settled.len(),
            asker.total
        ))?;
    }
    Err(Failure::Interrupted)
}

/// Asks on the terminal (or reads a line of stdin) whether to apply.
fn confirm(writes: usize, on: &str) -> std::io::Result<bool> {
    let stdin = std::io::stdin();
    let mut err = std::io::stderr().lock();
    write!(err, "apply {writes} change(s) to {on}? [y/N] ")?;
    err.flush()?;
    let mut answer = String::new();
    let read = stdin.lock().read_line(&mut answer)?;
    if !stdin.is_terminal() {
        // The answer came from a pipe and was not echoed.
        writeln!(err)?;
        if read == 0 {
            writeln!(
                err,
                "no answer on stdin: pass --yes to apply without asking"
            )?;
        }
    }
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}
