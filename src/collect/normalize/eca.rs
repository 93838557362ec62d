//! An External Client App: its header and settings files, joined into one record.

use super::connected_app::take_certificate;
use super::files::{EcaParts, MetadataType};
use super::integration::classify;
use super::placeholder::placeholders;
use super::profiles::standard_profiles;
use super::read::{
    CertificateField, Normalized, POLICY_ACTIONS, Reader, SESSION_LEVELS, TIME_UNITS, callback_urls,
    empty_source_control, new_app, note_secret, raw_noting_private_key, refresh_token, split_list,
};
use super::scopes::canonical_scopes;
use crate::diag::Diagnostic;
use crate::model::{
    AppRecord, EvaluationDate, Flows, IpRelaxation, JwtTimeout, JwtTimeoutType, OAuth, Origin, PermittedUsers, Policy,
    RefreshTokenPolicy, ResourceKind, SourceKind, TimeUnit,
};
use crate::xml::MetadataDocument;

const ECA_IP_RELAXATION: &[(&str, IpRelaxation)] = &[
    ("Enforce", IpRelaxation::Enforce),
    ("Enforce_RelaxRefresh", IpRelaxation::EnforceRelaxRefresh),
    ("Bypass_2factor", IpRelaxation::Bypass2fa),
    ("Bypass", IpRelaxation::Bypass),
];

const PERMITTED_USERS: &[(&str, PermittedUsers)] = &[
    ("AdminApprovedPreAuthorized", PermittedUsers::AdminApproved),
    ("AllSelfAuthorized", PermittedUsers::AllSelfAuthorized),
];

const REFRESH_TOKEN_POLICY: &[(&str, RefreshTokenPolicy)] = &[
    ("Zero", RefreshTokenPolicy::Zero),
    ("Infinite", RefreshTokenPolicy::Infinite),
    ("SpecificLifetime", RefreshTokenPolicy::SpecificLifetime),
    ("SpecificInactivity", RefreshTokenPolicy::SpecificInactivity),
];

const JWT_TIMEOUT_TYPES: &[(&str, JwtTimeoutType)] =
    &[("UserSession", JwtTimeoutType::UserSession), ("Custom", JwtTimeoutType::Custom)];

const NO_GLOBAL_OAUTH: &str = "no ExtlClntAppGlobalOauthSettings (.ecaGlblOauth) file for this app; it is normally \
                               kept out of source control, so scan the org to check flows, PKCE and the certificate";

const ONLY_HEADER: &str = "no OAuth settings file (.ecaOauth, .ecaGlblOauth or .ecaOauthPlcy) references this app, \
                           and nothing says its OAuth plugin is off; add them to the project or scan the org";

/// An External Client App from its files. Problems local to the app (an unreadable
/// certificate) come back beside the record.
pub(crate) fn external_client_app(
    name: &str,
    parts: &EcaParts<'_>,
    source: SourceKind,
    as_of: &EvaluationDate,
) -> Result<Normalized, Diagnostic> {
    let origin = parts
        .documents()
        .next()
        .map(|document| Origin { source, path: Some(document.path.clone()), line: Some(document.root.line) })
        .unwrap_or(Origin { source, path: None, line: None });
    let mut record = new_app(ResourceKind::ExternalClientApp, name, origin);
    let mut problems = Vec::new();
    if source == SourceKind::Project {
        record.source_control = Some(empty_source_control());
    }
    for document in parts.documents() {
        record.files.insert(
            MetadataType::key_of(&document.root.name),
            Origin { source, path: Some(document.path.clone()), line: Some(document.root.line) },
        );
        if let Some(source_control) = record.source_control.as_mut() {
            source_control.placeholders.extend(placeholders(document));
        }
        let raw = raw_noting_private_key(document, record.source_control.as_mut());
        record.raw.insert(MetadataType::key_of(&document.root.name), raw);
    }
    if let Some(header) = parts.header {
        record.label = Reader::new(header).text(&header.root, "label")?.unwrap_or(name).to_string();
    }

    match parts.policy {
        Some(document) => {
            // isEnabled is the app's master switch; isOauthPluginEnabled switches OAuth alone.
            let reader = Reader::new(document);
            record.enabled = reader.bool_or(&document.root, "isEnabled", true, "enabled")?;
            let plugin = reader.bool_or(&document.root, "isOauthPluginEnabled", true, "oauth_enabled")?;
            record.oauth_enabled = record.enabled && plugin;
            record.defaults.append(&mut reader.take_defaults());
        }
        None => {
            record.defaults.insert("enabled");
            record.defaults.insert("oauth_enabled");
        }
    }

    let has_oauth = parts.oauth_settings.is_some() || parts.global_oauth.is_some() || parts.oauth_policy.is_some();
    if has_oauth {
        let mut oauth = OAuth::default();
        match parts.oauth_settings {
            Some(document) => {
                let reader = Reader::new(document);
                let scopes = reader.text(&document.root, "commaSeparatedOauthScopes")?.unwrap_or_default();
                oauth.scopes = Some(canonical_scopes(scopes.split(',')).0);
                record.trusted_ip_ranges = Some(super::ip_ranges::trusted_ip_ranges(&document.root));
            }
            None => {
                record.missing.insert("trusted_ip_ranges", "no ExtlClntAppOauthSettings (.ecaOauth) file for this app");
                record.missing.insert("oauth.scopes", "no ExtlClntAppOauthSettings (.ecaOauth) file for this app");
            }
        }
        match parts.global_oauth {
            Some(document) => {
                fill_global_oauth(&mut record, &mut oauth, document, source, as_of, &mut problems)?;
            }
            None => {
                for path in [
                    "oauth.consumer_key",
                    "oauth.callback_urls",
                    "oauth.flows",
                    "oauth.pkce_required",
                    "oauth.consumer_secret_optional",
                    "oauth.secret_required_for_refresh_token",
                    "oauth.secret_required_for_token_exchange",
                    "oauth.refresh_token_rotation",
                    "oauth.introspect_all_tokens",
                    "oauth.jwt_access_tokens",
                    "certificate",
                ] {
                    record.missing.insert(path, NO_GLOBAL_OAUTH);
                }
            }
        }
        record.oauth = Some(oauth);
    } else if record.oauth_enabled {
        for path in ["oauth", "certificate", "policy"] {
            record.missing.insert(path, ONLY_HEADER);
        }
    }

    match parts.oauth_policy {
        Some(document) => {
            let reader = Reader::new(document);
            let policy = eca_policy(&reader)?;
            if let Some(oauth) = record.oauth.as_mut() {
                oauth.client_credentials_user =
                    reader.text(&document.root, "clientCredentialsFlowUser")?.map(str::to_string);
            }
            record.policy = Some(policy);
            record.defaults.append(&mut reader.take_defaults());
        }
        None if has_oauth => {
            record.missing.insert(
                "policy".to_string(),
                format!(
                    "no ExtlClntAppOauthConfigurablePolicies (.ecaOauthPlcy) file references external client app \
                     '{name}'; add it to the project or scan the org"
                ),
            );
        }
        None => {}
    }
    record.integration = classify(&record);
    Ok(Normalized { record, problems })
}

fn fill_global_oauth(
    record: &mut AppRecord,
    oauth: &mut OAuth,
    document: &MetadataDocument,
    source: SourceKind,
    as_of: &EvaluationDate,
    problems: &mut Vec<Diagnostic>,
) -> Result<(), Diagnostic> {
    let reader = Reader::new(document);
    let root = &document.root;
    if source == SourceKind::Project {
        record.source_control.get_or_insert_with(empty_source_control).global_oauth_settings_file =
            Some(document.path.to_string());
    }
    note_secret(record, &reader, root);
    let certificate = reader.certificate(root, "certificate", as_of)?;
    let has_certificate = !matches!(certificate, CertificateField::Absent);
    take_certificate(certificate, "certificate", record, problems, |record, certificate| {
        record.certificate = Some(certificate);
    });
    oauth.consumer_key = reader.text(root, "consumerKey")?.map(str::to_string);
    oauth.callback_urls = Some(callback_urls(reader.text(root, "callbackUrl")?));
    oauth.flows = Some(Flows {
        jwt_bearer: has_certificate,
        client_credentials: reader.bool_or(
            root,
            "isClientCredentialsFlowEnabled",
            false,
            "oauth.flows.client_credentials",
        )?,
        token_exchange: reader.bool_or(root, "isTokenExchangeEnabled", false, "oauth.flows.token_exchange")?,
        device: Some(reader.bool_or(root, "isDeviceFlowEnabled", false, "oauth.flows.device")?),
        code_credential: reader.bool_or(root, "isCodeCredFlowEnabled", false, "oauth.flows.code_credential")?,
    });
    oauth.pkce_required = Some(reader.bool_or(root, "isPkceRequired", true, "oauth.pkce_required")?);
    oauth.consumer_secret_optional =
        Some(reader.bool_or(root, "isConsumerSecretOptional", false, "oauth.consumer_secret_optional")?);
    oauth.secret_required_for_refresh_token = Some(reader.bool_or(
        root,
        "isSecretRequiredForRefreshToken",
        true,
        "oauth.secret_required_for_refresh_token",
    )?);
    oauth.secret_required_for_token_exchange = Some(reader.bool_or(
        root,
        "isSecretRequiredForTokenExchange",
        false,
        "oauth.secret_required_for_token_exchange",
    )?);
    oauth.refresh_token_rotation =
        Some(reader.bool_or(root, "isRefreshTokenRotationEnabled", false, "oauth.refresh_token_rotation")?);
    oauth.introspect_all_tokens =
        Some(reader.bool_or(root, "isIntrospectAllTokens", false, "oauth.introspect_all_tokens")?);
    oauth.jwt_access_tokens = Some(reader.bool_or(root, "isNamedUserJwtEnabled", false, "oauth.jwt_access_tokens")?);
    record.defaults.append(&mut reader.take_defaults());
    Ok(())
}

fn eca_policy(reader: &Reader<'_>) -> Result<Policy, Diagnostic> {
    let root = &reader.document.root;
    let refresh_policy = reader.enum_or(
        root,
        "refreshTokenPolicyType",
        REFRESH_TOKEN_POLICY,
        RefreshTokenPolicy::SpecificLifetime,
        "policy.refresh_token.policy",
    )?;
    let specific =
        matches!(refresh_policy, RefreshTokenPolicy::SpecificLifetime | RefreshTokenPolicy::SpecificInactivity);
    let (period, unit) = if specific {
        let period = reader.int_opt(root, "refreshTokenValidityPeriod")?.unwrap_or_else(|| {
            reader.defaulted("policy.refresh_token.period");
            365
        });
        let unit = reader.enum_or(
            root,
            "refreshTokenValidityUnit",
            TIME_UNITS,
            TimeUnit::Days,
            "policy.refresh_token.unit",
        )?;
        (Some(period), Some(unit))
    } else {
        (None, None)
    };
    let jwt_timeout = |type_name: &str, minutes_name: &str, path: &'static str| -> Result<JwtTimeout, Diagnostic> {
        let minutes = reader.int_opt(root, minutes_name)?;
        let declared = reader.enum_opt(root, type_name, JWT_TIMEOUT_TYPES)?;
        // Before API 65.0 there was no type element: a minutes value alone meant a custom timeout.
        let timeout_type = declared.unwrap_or_else(|| {
            if minutes.is_some() {
                JwtTimeoutType::Custom
            } else {
                reader.defaulted(path);
                JwtTimeoutType::UserSession
            }
        });
        Ok(JwtTimeout { timeout_type, minutes: if timeout_type == JwtTimeoutType::Custom { minutes } else { None } })
    };
    let profiles = split_list(reader.text(root, "commaSeparatedProfile")?.unwrap_or_default(), &[',']);
    Ok(Policy {
        permitted_users: reader.enum_or(
            root,
            "permittedUsersPolicyType",
            PERMITTED_USERS,
            PermittedUsers::AllSelfAuthorized,
            "policy.permitted_users",
        )?,
        standard_profiles: standard_profiles(&profiles),
        profiles,
        permission_sets: split_list(reader.text(root, "commaSeparatedPermissionSet")?.unwrap_or_default(), &[',']),
        ip_relaxation: reader.enum_or(
            root,
            "ipRelaxationPolicyType",
            ECA_IP_RELAXATION,
            IpRelaxation::Enforce,
            "policy.ip_relaxation",
        )?,
        refresh_token: refresh_token(
            reader,
            root.child("refreshTokenValidityPeriod").unwrap_or(root),
            refresh_policy,
            period,
            unit,
        )?,
        session_level: reader.enum_opt(root, "requiredSessionLevel", SESSION_LEVELS)?.map(str::to_string),
        session_timeout_minutes: reader.int_opt(root, "sessionTimeoutInMinutes")?,
        policy_action: reader.enum_opt(root, "policyAction", POLICY_ACTIONS)?.map(str::to_string),
        named_user_jwt_timeout: Some(jwt_timeout(
            "namedUserJwtSessionTimeoutType",
            "namedUserJwtTimeout",
            "policy.named_user_jwt_timeout",
        )?),
        guest_jwt_timeout: Some(jwt_timeout(
            "guestJwtSessionTimeoutType",
            "guestJwtTimeout",
            "policy.guest_jwt_timeout",
        )?),
        client_credentials_enabled: reader.bool_or(
            root,
            "isClientCredentialsFlowEnabled",
            false,
            "policy.client_credentials_enabled",
        )?,
        token_exchange_enabled: reader.bool_or(
            root,
            "isTokenExchangeFlowEnabled",
            false,
            "policy.token_exchange_enabled",
        )?,
        guest_code_credential_enabled: reader.bool_or(
            root,
            "isGuestCodeCredFlowEnabled",
            false,
            "policy.guest_code_credential_enabled",
        )?,
    })
}
