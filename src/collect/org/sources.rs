//! What a live collection reads, and how it says that something could not be read.

use crate::collect::normalize::MetadataType;
use crate::salesforce::SfError;

/// Types listed and then read, in `listMetadata` order (two calls of three).
pub const LISTED_TYPES: [MetadataType; 6] = [
    MetadataType::ConnectedApp,
    MetadataType::ExternalClientApplication,
    MetadataType::ExtlClntAppOauthSettings,
    MetadataType::ExtlClntAppGlobalOauthSettings,
    MetadataType::ExtlClntAppOauthConfigurablePolicies,
    MetadataType::ExtlClntAppConfigurablePolicies,
];

/// The ECA settings and policies types no rule reads, listed and read as evidence (reference
/// §2.1: the SDR registry's types; some are UNCONFIRMED in the Metadata API guide, so an org may
/// answer `INVALID_TYPE`). Each record joins its app through `<externalClientApplication>` and is
/// kept in the app's `raw` and `files` under its type name. Listed apart from
/// [`LISTED_TYPES`] (three calls of at most three), so a type an org does not know never makes the
/// types rules need be listed again one by one. The registry's `ExtlClntAppSampleSettings` /
/// `ExtlClntAppSampleConfigurablePolicies` are left out: a plugin template whose public sObject
/// stubs hold only placeholder fields (`Policy1`, `Policy2`), no app's security settings.
pub const EXTRA_ECA_TYPES: [&str; 8] = [
    "ExtlClntAppOauthSecuritySettings",
    "ExtlClntAppMobileSettings",
    "ExtlClntAppMobileConfigurablePolicies",
    "ExtlClntAppNotificationSettings",
    "ExtlClntAppPushSettings",
    "ExtlClntAppPushConfigurablePolicies",
    "ExtlClntAppCanvasSettings",
    "ExtlClntAppSamlConfigurablePolicies",
];

/// Settings read directly by name (no listing needed): (type, fullName, Metadata API path).
pub const SETTINGS: [(MetadataType, &str, &str); 3] = [
    (MetadataType::OauthOidcSettings, "OauthOidc", "settings/OauthOidc.settings"),
    (MetadataType::ConnectedAppSettings, "ConnectedApp", "settings/ConnectedApp.settings"),
    (MetadataType::ExternalClientAppSettings, "ExternalClientApp", "settings/ExternalClientApp.settings"),
];

/// `OauthToken` queries return at most this many rows per query locator: page around it.
pub const OAUTH_TOKEN_WINDOW: usize = 2500;

const METADATA_PERMISSION: &str = "the integration user needs Metadata API read access: \"Modify Metadata Through \
                                   Metadata API Functions\" (or \"Modify All Data\") and \"View Setup and \
                                   Configuration\"";
const TOKEN_PERMISSION: &str = "the integration user needs \"Customize Application\" (and \"View Setup and \
                                Configuration\") to read every user's OauthToken records";
const SETUP_PERMISSION: &str = "the integration user needs \"View Setup and Configuration\"";

pub(super) fn permission_for(source: &str) -> &'static str {
    match source {
        "OauthToken" => TOKEN_PERMISSION,
        "SetupEntityAccess" | "ConnectedApplication" | "Organization" => SETUP_PERMISSION,
        _ => METADATA_PERMISSION,
    }
}

/// What the API said, without the code repeated.
pub(super) fn said(error: &SfError) -> String {
    match error {
        SfError::Refused { code, message, .. } => {
            // SOAP fault strings repeat the code: `INSUFFICIENT_ACCESS: insufficient access …`.
            let message = message.strip_prefix(&format!("{code}:")).map_or(message.as_str(), str::trim);
            format!("{code}: {message}")
        }
        other => other.to_string(),
    }
}

/// The reason text put into `missing` and `collection.incomplete` for an unreadable source.
/// `INVALID_FIELD` and `INVALID_TYPE` can also mean that the API version lacks the field or
/// object, so those name `--api-version` too.
pub(super) fn unreadable(source: &str, error: &SfError) -> String {
    let version = match error {
        SfError::Refused { code, .. } if code == "INVALID_FIELD" || code == "INVALID_TYPE" => {
            "; or this API version does not have the field or object: try a later --api-version"
        }
        _ => "",
    };
    format!("{source} could not be read from the org ({}); {}{version}", said(error), permission_for(source))
}

/// App names are matched without case or surrounding space: the org writes labels and names
/// inconsistently across objects.
pub(super) fn lower(text: &str) -> String {
    text.trim().to_lowercase()
}
