//! A Connected App file becomes one record: its OAuth settings, certificate and policies all live
//! in it.

use super::files::MetadataType;
use super::read::{
    POLICY_ACTIONS, Reader, SESSION_LEVELS, TIME_UNITS, callback_urls, canonical_scopes, empty_source_control, new_app,
    note_secret, refresh_token,
};
use crate::diag::Diagnostic;
use crate::model::{
    AppRecord, EvaluationDate, Flows, IpRelaxation, OAuth, PermittedUsers, Policy, RefreshToken, RefreshTokenPolicy,
    ResourceKind, SourceKind,
};
use crate::xml::{Element, MetadataDocument};

const CONNECTED_APP_IP_RELAXATION: &[(&str, IpRelaxation)] = &[
    ("ENFORCE", IpRelaxation::Enforce),
    ("ENFORCE_RELAXREFRESH", IpRelaxation::EnforceRelaxRefresh),
    ("BYPASS_2FACTOR", IpRelaxation::Bypass2fa),
    ("BYPASS", IpRelaxation::Bypass),
];

/// A Connected App file becomes one record: OAuth settings, certificate and policy all live in it.
pub fn connected_app(
    document: &MetadataDocument,
    name: &str,
    source: SourceKind,
    as_of: &EvaluationDate,
) -> Result<AppRecord, Diagnostic> {
    let reader = Reader::new(document);
    let root = &document.root;
    let mut origin = reader.origin_of(root);
    origin.source = source;
    let mut record = new_app(ResourceKind::ConnectedApp, name, origin.clone());
    record.label = root.text_of("label").unwrap_or(name).to_string();
    record.files.insert(MetadataType::ConnectedApp.type_name().to_string(), origin);
    record.raw.insert(MetadataType::ConnectedApp.type_name().to_string(), root.to_json());
    if source == SourceKind::Project {
        record.source_control = Some(empty_source_control());
    }

    let Some(config) = root.child("oauthConfig") else {
        return Ok(record);
    };
    note_secret(&mut record, &reader);
    record.certificate = reader.certificate(config, "certificate", as_of)?;
    let client_credentials = reader.bool_or(config, "isClientCredentialEnabled", false)?;
    let token_exchange = reader.bool_or(config, "isTokenExchangeEnabled", false)?;
    record.oauth = Some(OAuth {
        consumer_key: config.text_of("consumerKey").map(str::to_string),
        scopes: Some(canonical_scopes(config.children_named("scopes").map(|scope| scope.text.as_str()))),
        callback_urls: Some(callback_urls(config.text_of("callbackUrl"))),
        flows: Some(Flows {
            jwt_bearer: record.certificate.is_some(),
            client_credentials,
            token_exchange,
            device: false,
            code_credential: reader.bool_or(config, "isCodeCredentialEnabled", false)?,
        }),
        pkce_required: Some(reader.bool_or(config, "isPkceRequired", false)?),
        consumer_secret_optional: Some(reader.bool_or(config, "isConsumerSecretOptional", false)?),
        secret_required_for_refresh_token: Some(reader.bool_or(config, "isSecretRequiredForRefreshToken", true)?),
        secret_required_for_token_exchange: Some(reader.bool_or(config, "isSecretRequiredForTokenExchange", false)?),
        refresh_token_rotation: Some(reader.bool_or(config, "isRefreshTokenRotationEnabled", false)?),
        introspect_all_tokens: Some(reader.bool_or(config, "isIntrospectAllTokens", false)?),
        jwt_access_tokens: Some(reader.bool_or(config, "isNamedUserJwtEnabled", false)?),
        client_credentials_user: config.text_of("oauthClientCredentialUser").map(str::to_string),
    });

    let oauth_policy = root.child("oauthPolicy");
    let session_policy = root.child("sessionPolicy");
    let ip_relaxation = match oauth_policy {
        Some(policy) => reader.enum_opt(policy, "ipRelaxation", CONNECTED_APP_IP_RELAXATION)?,
        None => None,
    };
    let refresh_token = match oauth_policy.and_then(|policy| policy.child("refreshTokenPolicy")) {
        Some(element) => connected_app_refresh_token(&reader, element)?,
        None => RefreshToken { policy: RefreshTokenPolicy::Infinite, period: None, unit: None, max_days: None },
    };
    let admin_approved = reader.bool_or(config, "isAdminApproved", false)?;
    let token_exchange_flow = match oauth_policy {
        Some(policy) => reader.bool_or(policy, "isTokenExchangeFlowEnabled", token_exchange)?,
        None => token_exchange,
    };
    record.policy = Some(Policy {
        permitted_users: if admin_approved { PermittedUsers::AdminApproved } else { PermittedUsers::AllSelfAuthorized },
        profiles: root.children_named("profileName").map(|element| element.text.trim().to_string()).collect(),
        permission_sets: root
            .children_named("permissionSetName")
            .map(|element| element.text.trim().to_string())
            .collect(),
        ip_relaxation: ip_relaxation.unwrap_or(IpRelaxation::Enforce),
        refresh_token,
        session_level: match session_policy {
            Some(policy) => reader.enum_opt(policy, "sessionLevel", SESSION_LEVELS)?.map(str::to_string),
            None => None,
        },
        session_timeout_minutes: match session_policy {
            Some(policy) => reader.int_opt(policy, "sessionTimeout")?,
            None => None,
        },
        policy_action: match session_policy {
            Some(policy) => reader.enum_opt(policy, "policyAction", POLICY_ACTIONS)?.map(str::to_string),
            None => None,
        },
        named_user_jwt_timeout: None,
        guest_jwt_timeout: None,
        client_credentials_enabled: client_credentials,
        token_exchange_enabled: token_exchange_flow,
    });
    let jwt_timeouts_reason = "Connected App JWT token timeouts are not in Metadata API files (the org's \
                               ConnectedApplication.NamedUserUvidTimeout field holds them); scan the org to check them";
    for path in ["policy.named_user_jwt_timeout", "policy.guest_jwt_timeout"] {
        record.missing.insert(path.to_string(), jwt_timeouts_reason.to_string());
    }
    Ok(record)
}

/// `zero`, `infinite`, `specific_lifetime:3:MONTHS` or `specific_inactivity:12:HOURS`.
fn connected_app_refresh_token(reader: &Reader<'_>, element: &Element) -> Result<RefreshToken, Diagnostic> {
    let text = element.text.trim();
    let invalid = || {
        reader.error(
            element,
            format!(
                "<refreshTokenPolicy> is '{text}'; expected zero, infinite, specific_lifetime:N:UNIT or \
                 specific_inactivity:N:UNIT with UNIT HOURS, DAYS or MONTHS"
            ),
            "fix the value as Setup writes it, for example specific_lifetime:3:MONTHS",
        )
    };
    let mut parts = text.split(':');
    let policy = match parts.next().unwrap_or_default().to_ascii_lowercase().as_str() {
        "zero" => RefreshTokenPolicy::Zero,
        "infinite" | "" => RefreshTokenPolicy::Infinite,
        "specific_lifetime" => RefreshTokenPolicy::SpecificLifetime,
        "specific_inactivity" => RefreshTokenPolicy::SpecificInactivity,
        _ => return Err(invalid()),
    };
    let (period, unit) = match (parts.next(), parts.next(), parts.next()) {
        (None, None, None) => (None, None),
        (Some(period), Some(unit), None) => {
            let period: i64 = period.trim().parse().map_err(|_| invalid())?;
            let unit = TIME_UNITS
                .iter()
                .find(|(known, _)| known.eq_ignore_ascii_case(unit.trim()))
                .map(|(_, unit)| *unit)
                .ok_or_else(invalid)?;
            (Some(period), Some(unit))
        }
        _ => return Err(invalid()),
    };
    let specific = matches!(policy, RefreshTokenPolicy::SpecificLifetime | RefreshTokenPolicy::SpecificInactivity);
    if specific != period.is_some() {
        return Err(invalid());
    }
    refresh_token(reader, element, policy, period, unit)
}
