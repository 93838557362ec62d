//! The token inventory of a live collection: every app holding tokens, with its users, from the
//! same rows the apps' usage came from (`OauthToken` for Connected Apps and for names no app
//! claims, the Connect REST usage resources for External Client Apps).

use std::collections::BTreeMap;

use super::access::EcaHolders;
use super::sources::lower;
use super::tokens::AppTokens;
use crate::model::{AppRecord, AppTokens as InventoryApp, ResourceKind, TokenInventory};

pub(super) const OAUTH_TOKEN: &str = "OauthToken";

pub(super) fn build(
    apps: &[AppRecord],
    oauth: &BTreeMap<String, AppTokens>,
    eca: &EcaHolders,
    notes: Vec<String>,
) -> TokenInventory {
    let mut inventory = TokenInventory { apps: Vec::new(), notes };
    for app in apps {
        let Some(usage) = app.usage.as_ref().filter(|usage| usage.token_count > 0) else { continue };
        let connect = (app.kind == ResourceKind::ExternalClientApp).then(|| eca.get(&app.name)).flatten();
        let (source, identifier, oauth_token_app_name, users) = match connect {
            Some((identifier, users)) => (super::eca_usage::SOURCE, Some(identifier.clone()), None, users.clone()),
            None => {
                let tokens = [lower(&app.label), lower(&app.name)].iter().find_map(|key| oauth.get(key));
                let name = tokens.map(|tokens| tokens.name.clone());
                (OAUTH_TOKEN, None, name, tokens.map(AppTokens::users).unwrap_or_default())
            }
        };
        inventory.apps.push(InventoryApp {
            kind: app.kind,
            name: app.name.clone(),
            label: app.label.clone(),
            source: source.to_string(),
            installed: usage.installed,
            enabled: app.enabled && app.oauth_enabled,
            identifier,
            oauth_token_app_name,
            token_count: usage.token_count,
            user_count: usage.user_count,
            use_count: usage.use_count,
            first_used: usage.first_used.clone(),
            last_used: usage.last_used.clone(),
            days_since_last_used: usage.days_since_last_used,
            users,
        });
    }
    inventory
}
