//! `sfaudit tokens`: who holds OAuth tokens of which app, and a revocation plan an admin can run.
//! sfaudit itself never revokes anything.

use super::console::{print_stderr, write_text};
use super::live;
use crate::cli::TokensArgs;
use crate::error::{Error, exit};
use crate::gate::incomplete;
use crate::model::EvaluationDate;
use crate::report::revoke_plan;
use crate::report::tokens::{TokenListing, csv, json, table};

pub(super) fn tokens(args: &TokensArgs) -> Result<u8, Error> {
    if args.unused_days < 0 {
        return Err(Error::usage(
            format!("--unused-days {} is negative", args.unused_days),
            "pass a number of days, e.g. --unused-days 90",
        ));
    }
    let as_of = args.as_of.unwrap_or_else(EvaluationDate::now);
    let (inventory, mut tokens) = live::collect_with_tokens(&args.connection, &as_of)?;
    if let Some(wanted) = &args.app {
        let wanted = wanted.trim().to_lowercase();
        let known: Vec<String> = tokens.apps.iter().map(|app| app.name.clone()).collect();
        tokens.apps.retain(|app| app.name.to_lowercase() == wanted || app.label.to_lowercase() == wanted);
        if tokens.apps.is_empty() {
            return Err(Error::usage(
                format!("no app named '{}' holds OAuth tokens in this org", args.app.as_deref().unwrap_or_default()),
                if known.is_empty() {
                    "no app holds tokens".to_string()
                } else {
                    format!("apps holding tokens: {}", known.join(", "))
                },
            ));
        }
    }
    let collection = inventory.source.collection.as_ref();
    let identity = inventory.org.identity.as_ref();
    let listing = TokenListing {
        org_name: &inventory.org.name,
        org_id: identity.map_or_else(|| collection.map_or("", |c| c.org_id.as_str()), |identity| identity.id.as_str()),
        instance_url: collection.map_or("", |collection| collection.instance_url.as_str()),
        as_of: as_of.to_string(),
        unused_days: args.unused_days,
        inventory: &tokens,
    };
    let text = match args.format.as_str() {
        "json" => json(&listing),
        "csv" => csv(&listing),
        _ => table(&listing, args.app.is_some()),
    };
    write_text(args.output.as_deref(), &text)?;
    if let Some(path) = &args.revoke_plan {
        let api_version = collection.map_or("65.0", |collection| collection.api_version.as_str());
        let plan = revoke_plan::render(&listing, api_version);
        write_text(Some(path), &plan)?;
        print_stderr(&[format!(
            "wrote the revocation plan {}: review it, then run it as an admin; sfaudit revoked nothing",
            path.display()
        )]);
    }
    let verdict = incomplete::judge(collection, args.allow_incomplete, exit::OK);
    print_stderr(&verdict.lines);
    Ok(verdict.code)
}
