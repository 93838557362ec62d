//! Org-wide OAuth settings: `OauthOidcSettings`, `ConnectedAppSettings` and
//! `ExternalClientAppSettings`. Each comes back with the record paths that took Salesforce's
//! default because the element is absent, empty (`xsi:nil`) or commented out.

use super::read::Reader;
use crate::diag::Diagnostic;
use crate::model::{ConnectedAppSettings, ExternalClientAppSettings, OauthOidcSettings, RecordText, SmallSet};
use crate::xml::MetadataDocument;

/// Settings read from one file, and the paths (under the org record) that took a default.
pub(crate) type WithDefaults<T> = (T, SmallSet<RecordText>);

pub(crate) fn oauth_oidc_settings(document: &MetadataDocument) -> Result<WithDefaults<OauthOidcSettings>, Diagnostic> {
    let reader = Reader::new(document);
    let root = &document.root;
    let settings = OauthOidcSettings {
        block_username_password_flow: reader.bool_or(
            root,
            "blockOAuthUnPwFlow",
            false,
            "oauth_oidc.block_username_password_flow",
        )?,
        block_user_agent_flow: reader.bool_or(
            root,
            "blockOAuthUsrAgtFlow",
            false,
            "oauth_oidc.block_user_agent_flow",
        )?,
        pkce_required: reader.bool_or(root, "isPkceRequired", false, "oauth_oidc.pkce_required")?,
        code_credential_flow_enabled: reader.bool_or(
            root,
            "oAuthCdCrdtFlowEnable",
            false,
            "oauth_oidc.code_credential_flow_enabled",
        )?,
    };
    Ok((settings, reader.take_defaults()))
}

pub(crate) fn connected_app_settings(
    document: &MetadataDocument,
) -> Result<WithDefaults<ConnectedAppSettings>, Diagnostic> {
    let reader = Reader::new(document);
    let root = &document.root;
    let settings = ConnectedAppSettings {
        admin_approved_apps_only: reader.bool_or(
            root,
            "enableAdminApprovedAppsOnly",
            false,
            "connected_app_settings.admin_approved_apps_only",
        )?,
        admin_approved_apps_only_for_external_users: reader.bool_or(
            root,
            "enableAdminApprovedAppsOnlyForExternalUser",
            false,
            "connected_app_settings.admin_approved_apps_only_for_external_users",
        )?,
    };
    Ok((settings, reader.take_defaults()))
}

/// `ExternalClientAppSettings`: whether consumer secrets can be read through the Metadata API
/// and the REST API. Both are off unless an admin turns them on.
pub(crate) fn external_client_app_settings(
    document: &MetadataDocument,
) -> Result<WithDefaults<ExternalClientAppSettings>, Diagnostic> {
    let reader = Reader::new(document);
    let root = &document.root;
    let settings = ExternalClientAppSettings {
        consumer_secret_api_access: reader.bool_or(
            root,
            "enableConsumerSecretApiAccess",
            false,
            "external_client_app_settings.consumer_secret_api_access",
        )?,
        client_secret_rest_api_access: reader.bool_or(
            root,
            "enableClientSecretInRestApiAccess",
            false,
            "external_client_app_settings.client_secret_rest_api_access",
        )?,
    };
    Ok((settings, reader.take_defaults()))
}
