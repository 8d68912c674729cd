//! Which account or provider a command works on.

use revdns::AnyProvider;

use crate::accounts::Accounts;
use crate::args::Global;
use crate::failure::Failure;

/// The client to use, and the account name when it came from one.
#[derive(Debug)]
pub(crate) struct Target {
    pub(crate) client: AnyProvider,
    pub(crate) account: Option<String>,
}

/// Picks the client: `--account`, else `--provider` (its usual variables),
/// else the account a desired-state file names, else the only account of
/// the accounts file.
pub(crate) fn client(global: &Global, file_account: Option<&str>) -> Result<Target, Failure> {
    if let Some(provider) = global.provider {
        if let Some(named) = file_account {
            return Err(Failure::Usage(format!(
                "the file is for account `{named}`: choose it with --account {named}, not --provider"
            )));
        }
        let client = AnyProvider::from_env(provider)?;
        return Ok(Target {
            client,
            account: None,
        });
    }
    let accounts = Accounts::load(global.config.as_deref())?;
    let account = match (global.account.as_deref(), file_account) {
        (Some(chosen), Some(named)) if chosen != named => {
            return Err(Failure::Usage(format!(
                "the file is for account `{named}`, not `{chosen}`"
            )));
        }
        (Some(name), _) | (None, Some(name)) => accounts.get(name)?,
        (None, None) => accounts.only().ok_or_else(|| {
            Failure::Usage(
                "choose what to work on: --account NAME (from the accounts file) or --provider edis|ionos|ecl (with its environment variables)"
                    .to_owned(),
            )
        })?,
    };
    Ok(Target {
        client: account.client()?,
        account: Some(account.name.clone()),
    })
}
