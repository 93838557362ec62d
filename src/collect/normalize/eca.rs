//! An External Client App: its header and settings files, joined into one record.

use super::files::EcaParts;
use super::read::{
    POLICY_ACTIONS, Reader, SESSION_LEVELS, TIME_UNITS, callback_urls, canonical_scopes, empty_source_control, new_app,
    note_secret, refresh_token, split_list,
};
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

pub(crate) fn external_client_app(
    name: &str,
    parts: &EcaParts<'_>,
    source: SourceKind,
    as_of: &EvaluationDate,
) -> Result<AppRecord, Diagnostic> {
    let origin = parts
        .documents()
        .next()
        .map(|document| Origin { source, path: Some(document.path.clone()), line: Some(document.root.line) })
        .unwrap_or(Origin { source, path: None, line: None });
    let mut record = new_app(ResourceKind::ExternalClientApp, name, origin);
    if source == SourceKind::Project {
        record.source_control = Some(empty_source_control());
    }
    for document in parts.documents() {
        record.files.insert(
            document.root.name.clone(),
            Origin { source, path: Some(document.path.clone()), line: Some(document.root.line) },
        );
        record.raw.insert(document.root.name.clone(), document.root.to_json());
    }
    if let Some(header) = parts.header {
        record.label = header.root.text_of("label").unwrap_or(name).to_string();
    }

    if let Some(document) = parts.policy {
        let reader = Reader::new(document);
        record.enabled = reader.bool_or(&document.root, "isEnabled", true)?
            && reader.bool_or(&document.root, "isOauthPluginEnabled", true)?;
    }

    let has_oauth = parts.oauth_settings.is_some() || parts.global_oauth.is_some() || parts.oauth_policy.is_some();
    if has_oauth {
        let mut oauth = OAuth::default();
        match parts.oauth_settings {
            Some(document) => {
                let scopes = document.root.text_of("commaSeparatedOauthScopes").unwrap_or_default();
                oauth.scopes = Some(canonical_scopes(scopes.split(',')));
            }
            None => {
                record.missing.insert(
                    "oauth.scopes".to_string(),
                    "no ExtlClntAppOauthSettings (.ecaOauth) file for this app".to_string(),
                );
            }
        }
        match parts.global_oauth {
            Some(document) => {
                fill_global_oauth(&mut record, &mut oauth, document, source, as_of)?;
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
                    record.missing.insert(path.to_string(), NO_GLOBAL_OAUTH.to_string());
                }
            }
        }
        record.oauth = Some(oauth);
    }

    match parts.oauth_policy {
        Some(document) => {
            let policy = eca_policy(document)?;
            if let Some(oauth) = record.oauth.as_mut() {
                oauth.client_credentials_user = document.root.text_of("clientCredentialsFlowUser").map(str::to_string);
            }
            record.policy = Some(policy);
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
    Ok(record)
}

fn fill_global_oauth(
    record: &mut AppRecord,
    oauth: &mut OAuth,
    document: &MetadataDocument,
    source: SourceKind,
    as_of: &EvaluationDate,
) -> Result<(), Diagnostic> {
    let reader = Reader::new(document);
    let root = &document.root;
    if source == SourceKind::Project {
        record.source_control.get_or_insert_with(empty_source_control).global_oauth_settings_file =
            Some(document.path.to_string());
    }
    note_secret(record, &reader);
    record.certificate = reader.certificate(root, "certificate", as_of)?;
    oauth.consumer_key = root.text_of("consumerKey").map(str::to_string);
    oauth.callback_urls = Some(callback_urls(root.text_of("callbackUrl")));
    oauth.flows = Some(Flows {
        jwt_bearer: record.certificate.is_some(),
        client_credentials: reader.bool_or(root, "isClientCredentialsFlowEnabled", false)?,
        token_exchange: reader.bool_or(root, "isTokenExchangeEnabled", false)?,
        device: reader.bool_or(root, "isDeviceFlowEnabled", false)?,
        code_credential: reader.bool_or(root, "isCodeCredFlowEnabled", false)?,
    });
    oauth.pkce_required = Some(reader.bool_or(root, "isPkceRequired", true)?);
    oauth.consumer_secret_optional = Some(reader.bool_or(root, "isConsumerSecretOptional", false)?);
    oauth.secret_required_for_refresh_token = Some(reader.bool_or(root, "isSecretRequiredForRefreshToken", true)?);
    oauth.secret_required_for_token_exchange = Some(reader.bool_or(root, "isSecretRequiredForTokenExchange", false)?);
    oauth.refresh_token_rotation = Some(reader.bool_or(root, "isRefreshTokenRotationEnabled", false)?);
    oauth.introspect_all_tokens = Some(reader.bool_or(root, "isIntrospectAllTokens", false)?);
    oauth.jwt_access_tokens = Some(reader.bool_or(root, "isNamedUserJwtEnabled", false)?);
    Ok(())
}

fn eca_policy(document: &MetadataDocument) -> Result<Policy, Diagnostic> {
    let reader = Reader::new(document);
    let root = &document.root;
    let refresh_policy = reader
        .enum_opt(root, "refreshTokenPolicyType", REFRESH_TOKEN_POLICY)?
        .unwrap_or(RefreshTokenPolicy::SpecificLifetime);
    let specific =
        matches!(refresh_policy, RefreshTokenPolicy::SpecificLifetime | RefreshTokenPolicy::SpecificInactivity);
    let (period, unit) = if specific {
        (
            Some(reader.int_opt(root, "refreshTokenValidityPeriod")?.unwrap_or(365)),
            Some(reader.enum_opt(root, "refreshTokenValidityUnit", TIME_UNITS)?.unwrap_or(TimeUnit::Days)),
        )
    } else {
        (None, None)
    };
    let jwt_timeout = |type_name: &str, minutes_name: &str| -> Result<JwtTimeout, Diagnostic> {
        let minutes = reader.int_opt(root, minutes_name)?;
        let declared = reader.enum_opt(root, type_name, JWT_TIMEOUT_TYPES)?;
        // Before API 65.0 there was no type element: a minutes value alone meant a custom timeout.
        let timeout_type =
            declared.unwrap_or(if minutes.is_some() { JwtTimeoutType::Custom } else { JwtTimeoutType::UserSession });
        Ok(JwtTimeout { timeout_type, minutes: if timeout_type == JwtTimeoutType::Custom { minutes } else { None } })
    };
    Ok(Policy {
        permitted_users: reader
            .enum_opt(root, "permittedUsersPolicyType", PERMITTED_USERS)?
            .unwrap_or(PermittedUsers::AllSelfAuthorized),
        profiles: split_list(root.text_of("commaSeparatedProfile").unwrap_or_default(), &[',']),
        permission_sets: split_list(root.text_of("commaSeparatedPermissionSet").unwrap_or_default(), &[',']),
        ip_relaxation: reader
            .enum_opt(root, "ipRelaxationPolicyType", ECA_IP_RELAXATION)?
            .unwrap_or(IpRelaxation::Enforce),
        refresh_token: refresh_token(
            &reader,
            root.child("refreshTokenValidityPeriod").unwrap_or(root),
            refresh_policy,
            period,
            unit,
        )?,
        session_level: reader.enum_opt(root, "requiredSessionLevel", SESSION_LEVELS)?.map(str::to_string),
        session_timeout_minutes: reader.int_opt(root, "sessionTimeoutInMinutes")?,
        policy_action: reader.enum_opt(root, "policyAction", POLICY_ACTIONS)?.map(str::to_string),
        named_user_jwt_timeout: Some(jwt_timeout("namedUserJwtSessionTimeoutType", "namedUserJwtTimeout")?),
        guest_jwt_timeout: Some(jwt_timeout("guestJwtSessionTimeoutType", "guestJwtTimeout")?),
        client_credentials_enabled: reader.bool_or(root, "isClientCredentialsFlowEnabled", false)?,
        token_exchange_enabled: reader.bool_or(root, "isTokenExchangeFlowEnabled", false)?,
    })
}
