//! `sfaudit suppressions`: every configured suppression with its expiry status.

use super::console::print_stdout;
use super::policy;
use crate::cli::SuppressionsArgs;
use crate::error::{Error, exit};
use crate::gate::suppress::{self, SuppressionRule};
use crate::model::EvaluationDate;

pub(super) fn suppressions(args: &SuppressionsArgs) -> Result<u8, Error> {
    let config = policy::load_config(&args.config, None)?;
    let today = args.as_of.unwrap_or_else(EvaluationDate::now).instant().date();
    let listed: Vec<&SuppressionRule> = match args.expiring_within {
        Some(days) => suppress::expiring(&config.suppressions, today, days),
        None => config.suppressions.iter().collect(),
    };
    print_stdout(&crate::report::suppressions::render(&listed, today))?;
    Ok(exit::OK)
}
