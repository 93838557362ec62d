//! Org-wide OAuth settings: `OauthOidcSettings` and `ConnectedAppSettings`.

use super::read::Reader;
use crate::diag::Diagnostic;
use crate::model::{ConnectedAppSettings, OauthOidcSettings};
use crate::xml::MetadataDocument;

pub(crate) fn oauth_oidc_settings(document: &MetadataDocument) -> Result<OauthOidcSettings, Diagnostic> {
    let reader = Reader::new(document);
    let root = &document.root;
    Ok(OauthOidcSettings {
        block_username_password_flow: reader.bool_or(root, "blockOAuthUnPwFlow", false)?,
        block_user_agent_flow: reader.bool_or(root, "blockOAuthUsrAgtFlow", false)?,
        pkce_required: reader.bool_or(root, "isPkceRequired", false)?,
        code_credential_flow_enabled: reader.bool_or(root, "oAuthCdCrdtFlowEnable", false)?,
    })
}

pub(crate) fn connected_app_settings(document: &MetadataDocument) -> Result<ConnectedAppSettings, Diagnostic> {
    let reader = Reader::new(document);
    let root = &document.root;
    Ok(ConnectedAppSettings {
        admin_approved_apps_only: reader.bool_or(root, "enableAdminApprovedAppsOnly", false)?,
        admin_approved_apps_only_for_external_users: reader.bool_or(
            root,
            "enableAdminApprovedAppsOnlyForExternalUser",
            false,
        )?,
    })
}
