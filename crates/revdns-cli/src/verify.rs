//! `verify`: forward-confirmed reverse DNS of the account's PTRs, through
//! `revdns-verify`.

use std::time::Duration;

use revdns_verify::{FailureKind, NoAddressReason, Outcome, Verification, Verifier};

use crate::args::{Global, VerifyArgs};
use crate::commands::show;
use crate::failure::{Failure, code};
use crate::output;
use crate::select;

/// Verifies and prints; exit 0 when every PTR is confirmed, else 1.
pub(crate) async fn verify(global: &Global, args: &VerifyArgs) -> Result<u8, Failure> {
    let mut builder = Verifier::builder()
        .timeout(Duration::from_millis(args.timeout_ms))
        .concurrency(args.concurrency);
    if !args.nameservers.is_empty() {
        builder = builder.nameservers(args.nameservers.iter().copied());
    }
    let verifier = builder
        .build()
        .map_err(|e| Failure::Usage(format!("verify: {e}")))?;
    let target = select::client(global, None)?;
    let verification = if args.ips.is_empty() {
        verifier
            .verify_listed(&target.client, &args.prefixes)
            .await?
    } else {
        verifier.verify_provider(&target.client, &args.ips).await?
    };
    show(global, &verification, table)?;
    Ok(if verification.summary().all_confirmed() {
        code::OK
    } else {
        code::FAILED
    })
}

fn table(verification: &Verification) -> String {
    let rows: Vec<Vec<String>> = verification
        .verdicts
        .iter()
        .map(|v| {
            let (result, detail) = describe(&v.outcome);
            vec![
                v.ip.to_string(),
                v.target
                    .as_ref()
                    .map_or_else(|| "-".to_owned(), ToString::to_string),
                result.to_owned(),
                detail,
            ]
        })
        .collect();
    let mut out = output::table(&["IP", "PTR", "RESULT", "DETAIL"], &rows);
    out.push_str(&format!("{}\n", verification.summary()));
    out
}

fn describe(outcome: &Outcome) -> (&'static str, String) {
    match outcome {
        Outcome::Confirmed => ("confirmed", String::new()),
        Outcome::Mismatch { addresses } => {
            let shown: Vec<String> = addresses.iter().map(ToString::to_string).collect();
            ("mismatch", format!("resolves to {}", shown.join(", ")))
        }
        Outcome::NoAddress { reason } => (
            "no-address",
            match reason {
                NoAddressReason::NxDomain => "the name does not exist".to_owned(),
                NoAddressReason::NoData => "the name has no address of this family".to_owned(),
                #[allow(unreachable_patterns)]
                _ => String::new(),
            },
        ),
        Outcome::LookupFailed { kind, message } => {
            let kind = match kind {
                FailureKind::Timeout => "timeout",
                FailureKind::ServFail => "servfail",
                FailureKind::Refused => "refused",
                _ => "error",
            };
            ("lookup-failed", format!("{kind}: {message}"))
        }
        Outcome::NoPtr => ("no-ptr", "the provider holds no PTR".to_owned()),
        #[allow(unreachable_patterns)]
        _ => ("unknown", String::new()),
    }
}
