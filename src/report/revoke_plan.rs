//! `sfaudit tokens --revoke-plan FILE`: a shell script of the exact revocation calls an admin
//! could run for the tokens of uninstalled, blocked or unused apps. sfaudit never runs them.
//!
//! Connected Apps' tokens are revoked one by one with their `DeleteToken` at the revoke endpoint
//! (`POST /services/oauth2/revoke`, `token=<DeleteToken>`; OauthToken object reference). A
//! DeleteToken is a credential: presented to the revoke endpoint it ends a user's token, and
//! sfaudit never reads it. So the plan does not list handles: it holds the SOQL query that
//! fetches them at the moment the admin runs it, and pipes each one to the revoke endpoint. External
//! Client Apps' tokens are revoked per app with `DELETE /apps/oauth/usage/{app}/tokens` (Connect
//! REST), whose app identifier is not a secret.
//!
//! Every string from the org is written through [`crate::escape`]'s shell helpers, so an app name
//! can neither end a quoted word nor a comment.

use std::fmt::Write as _;

use super::tokens::{TokenListing, evidence, revocation_reasons};
use crate::escape::{path_segment, shell_comment, shell_word, soql_string};
use crate::model::AppTokens;

pub fn render(listing: &TokenListing<'_>, api_version: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "#!/bin/sh");
    let _ = writeln!(
        out,
        "# OAuth token revocation plan written by {} {} for {} ({}), as of {}.",
        crate::TOOL_NAME,
        crate::TOOL_VERSION,
        shell_comment(listing.org_name),
        shell_comment(listing.org_id),
        listing.as_of
    );
    out.push_str(
        "#\n# sfaudit never revokes anything. Review every block, delete the ones that must stay, then run\n\
         # this script as an administrator. Revoking a refresh token also ends the access tokens issued\n\
         # from it; the app's users must authorize it again.\n#\n\
         # Needs curl and jq, and an administrator's session (Customize Application; for External Client\n\
         # Apps also \"View all External Client Apps, view their settings, and edit their policies\"):\n\
         #   export SF_ACCESS_TOKEN=\"$(sf org auth show-access-token --target-org ADMIN --json | jq -r .result.accessToken)\"\n\
         # The Setup alternative for a Connected App: Connected Apps OAuth Usage -> the app -> Block,\n\
         # which revokes every token of it and refuses new ones.\n\n\
         set -eu\n",
    );
    let _ = writeln!(
        out,
        "if [ -z \"${{SF_INSTANCE_URL:-}}\" ]; then SF_INSTANCE_URL={}; fi",
        shell_word(listing.instance_url)
    );
    let _ = writeln!(out, "API=\"$SF_INSTANCE_URL/services/data/v{api_version}\"");
    out.push_str(
        ": \"${SF_ACCESS_TOKEN:?set SF_ACCESS_TOKEN to an administrator's access token}\"\n\n\
         # Connected App tokens: fetch each token's DeleteToken now (sfaudit never reads them: they are\n\
         # credentials of the revoke endpoint) and revoke it. One query returns at most 2,500 tokens:\n\
         # run the script again until the query returns none.\n\
         revoke_with_delete_tokens() {\n\
         \x20 curl -sS --fail -G \"$API/query\" -H \"Authorization: Bearer $SF_ACCESS_TOKEN\" --data-urlencode \"q=$1\" \\\n\
         \x20   | jq -r '.records[].DeleteToken' \\\n\
         \x20   | while IFS= read -r handle; do\n\
         \x20       curl -sS --fail -X POST \"$SF_INSTANCE_URL/services/oauth2/revoke\" --data-urlencode \"token=$handle\"\n\
         \x20     done\n\
         }\n\n\
         # External Client App tokens: every token of one app, through the Connect REST OAuth usage resource.\n\
         revoke_external_client_app_tokens() {\n\
         \x20 curl -sS --fail -X DELETE \"$API/apps/oauth/usage/$1/tokens\" -H \"Authorization: Bearer $SF_ACCESS_TOKEN\"\n\
         }\n",
    );
    let mut planned = 0;
    for app in &listing.inventory.apps {
        let reasons = revocation_reasons(app, listing.unused_days);
        if reasons.is_empty() {
            continue;
        }
        planned += 1;
        block(&mut out, app, &reasons);
    }
    if planned == 0 {
        let _ = writeln!(
            out,
            "\n# Nothing to revoke: every app holding tokens is installed, switched on and used within {} days.",
            listing.unused_days
        );
    }
    out
}

fn block(out: &mut String, app: &AppTokens, reasons: &[String]) {
    let _ = writeln!(
        out,
        "\n# {} ({}): {}\n# {}",
        shell_comment(&app.label),
        shell_comment(&app.name),
        shell_comment(&reasons.join(", ")),
        shell_comment(&evidence(app))
    );
    match (&app.identifier, &app.oauth_token_app_name) {
        (Some(identifier), _) => {
            let _ = writeln!(out, "revoke_external_client_app_tokens {}", shell_word(&path_segment(identifier)));
        }
        (None, Some(app_name)) => {
            let soql = format!("SELECT DeleteToken FROM OauthToken WHERE AppName = {}", soql_string(app_name));
            let _ = writeln!(out, "revoke_with_delete_tokens {}", shell_word(&soql));
        }
        (None, None) => {
            let _ = writeln!(out, "# no revocation handle is known for this app: use Setup (see above)");
        }
    }
}
