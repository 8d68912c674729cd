//! `plan` and `apply`: a desired-state file against what the account has.

use std::io::{BufRead, IsTerminal, Write};
use std::sync::Mutex;

use revdns::{Outcome, Plan, PlanOptions, PtrChange, PtrProvider, apply_plan_with_progress, plan};
use serde::Serialize;

use crate::args::{Global, PlanArgs};
use crate::commands::{emit, print_report, report_code};
use crate::failure::{Failure, code};
use crate::output;
use crate::progress::Progress;
use crate::select::{self, Target};
use crate::state_file;

/// The file read and checked, its client, the options and the plan.
struct Planned {
    target: Target,
    options: PlanOptions,
    plan: Plan,
}

async fn make_plan(global: &Global, args: &PlanArgs, force: bool) -> Result<Planned, Failure> {
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
    if desired.purge || args.purge {
        if desired.scope.is_empty() {
            return Err(Failure::Usage(
                "--purge needs a scope: the address blocks whose unlisted PTRs may be deleted (the file's `scope`, or --scope)"
                    .to_owned(),
            ));
        }
        options = options.purge(desired.scope.clone());
    }
    let plan = plan(&target.client, &desired.records, &options).await?;
    Ok(Planned {
        target,
        options,
        plan,
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
    let Planned {
        target,
        options,
        plan,
    } = make_plan(global, args, false).await?;
    if global.json {
        emit(&output::json(&plan))?;
    } else if !global.quiet {
        emit(&output::plan(&plan))?;
        if let Err(e) = plan.check_safety(target.client.id(), &options) {
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
    plan: &'a Plan,
    applied: bool,
    interrupted: bool,
    report: Option<R>,
}

pub(crate) async fn apply_command(
    global: &Global,
    args: &PlanArgs,
    yes: bool,
    force: bool,
) -> Result<u8, Failure> {
    let Planned {
        target,
        options,
        plan,
    } = make_plan(global, args, force).await?;
    let human = !global.json && !global.quiet;
    if human {
        emit(&output::plan(&plan))?;
    }
    // The threshold is checked before asking: nothing to confirm if it trips.
    plan.check_safety(target.client.id(), &options)?;
    if !plan.is_empty() && !yes && !confirm(&plan, target.account.as_deref(), &target)? {
        if global.json {
            emit(&output::json(&ApplyOutput::<()> {
                plan: &plan,
                applied: false,
                interrupted: false,
                report: None,
            }))?;
        }
        return Err(Failure::Declined);
    }

    let total = plan.creates.len() + plan.updates.len() + plan.deletes.len();
    let progress = Progress::new(global.progress, global.quiet, total);
    let settled: Mutex<Vec<Settled>> = Mutex::new(Vec::new());
    let on_settled = |index: usize, change: &PtrChange, outcome: &Outcome| {
        progress.tick();
        let entry = Settled {
            index,
            change: change.clone(),
            outcome: serde_json::to_value(outcome).unwrap_or_default(),
            row: output::result_row(change, outcome),
        };
        if let Ok(mut all) = settled.lock() {
            all.push(entry);
        }
    };
    let work = apply_plan_with_progress(&target.client, &plan, &options, &on_settled);
    // Ctrl-C drops the apply between requests; the settled list says what
    // happened so far.
    let outcome = tokio::select! {
        report = work => Some(report),
        _ = tokio::signal::ctrl_c() => None,
    };
    progress.finish();
    match outcome {
        Some(report) => {
            let report = report?;
            if global.json {
                emit(&output::json(&ApplyOutput {
                    plan: &plan,
                    applied: true,
                    interrupted: false,
                    report: Some(&report),
                }))?;
                Ok(report_code(&report))
            } else {
                print_report(global, &report)
            }
        }
        None => {
            let mut settled = settled.into_inner().unwrap_or_default();
            settled.sort_by_key(|s| s.index);
            if global.json {
                emit(&output::json(&ApplyOutput {
                    plan: &plan,
                    applied: true,
                    interrupted: true,
                    report: Some(&settled),
                }))?;
            } else {
                let rows: Vec<Vec<String>> = settled.iter().map(|s| s.row.clone()).collect();
                emit(&output::table(&["RESULT", "IP", "DETAIL"], &rows))?;
                emit(&format!(
                    "{} of {total} changes settled before the interrupt\n",
                    progress.done()
                ))?;
            }
            Err(Failure::Interrupted)
        }
    }
}

/// Asks on the terminal (or reads a line of stdin) whether to apply.
fn confirm(plan: &Plan, account: Option<&str>, target: &Target) -> Result<bool, Failure> {
    let on = account.map_or_else(
        || target.client.id().to_string(),
        |a| format!("account `{a}`"),
    );
    let stdin = std::io::stdin();
    let mut err = std::io::stderr().lock();
    write!(
        err,
        "apply {} change(s) to {on}? [y/N] ",
        plan.creates.len() + plan.updates.len() + plan.deletes.len()
    )?;
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
