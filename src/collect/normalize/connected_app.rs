//! A Connected App file becomes one record: its OAuth settings, certificate, policies and SAML
//! configuration all live in it.

use super::files::MetadataType;
use super::integration::classify;
use super::placeholder::placeholders;
use super::profiles::standard_profiles;
use super::read::{
    CertificateField, Normalized, POLICY_ACTIONS, Reader, SESSION_LEVELS, TIME_UNITS, callback_urls,
    empty_source_control, new_app, note_secret, raw_noting_private_key, refresh_token,
};
use super::scopes::canonical_scopes;
use crate::diag::Diagnostic;
use crate::model::{
    AppRecord, EvaluationDate, Flows, IpRelaxation, OAuth, PermittedUsers, Policy, RefreshToken, RefreshTokenPolicy,
    ResourceKind, Saml, SourceKind,
};
use crate::xml::{Element, MetadataDocument};

const CONNECTED_APP_IP_RELAXATION: &[(&str, IpRelaxation)] = &[
    ("ENFORCE", IpRelaxation::Enforce),
    ("ENFORCE_RELAXREFRESH", IpRelaxation::EnforceRelaxRefresh),
    ("BYPASS_2FACTOR", IpRelaxation::Bypass2fa),
    ("BYPASS", IpRelaxation::Bypass),
];

const SAML_SIGNING_ALGORITHMS: &[(&str, &str)] = &[("SHA1", "sha1"), ("SHA256", "sha256")];

const NO_DEVICE_FLOW_FIELD: &str = "Connected App metadata has no device-flow field (the Setup checkbox \"Enable for \
                                    Device Flow\" is not in the Metadata API); check it in Setup → App Manager";

/// A Connected App file becomes one record: OAuth settings, certificate and policy all live in it.
/// Problems local to the app (an unreadable certificate) come back beside the record.
pub(crate) fn connected_app(
    document: &MetadataDocument,
    name: &str,
    source: SourceKind,
    as_of: &EvaluationDate,
) -> Result<Normalized, Diagnostic> {
    let reader = Reader::new(document);
    let root = &document.root;
    let mut origin = reader.origin_of(root);
    origin.source = source;
    let mut record = new_app(ResourceKind::ConnectedApp, name, origin.clone());
    let mut problems = Vec::new();
    record.label = reader.text(root, "label")?.unwrap_or(name).to_string();
    record.files.insert(MetadataType::ConnectedApp.type_name(), origin);
    if source == SourceKind::Project {
        let mut source_control = empty_source_control();
        source_control.placeholders = placeholders(document);
        record.source_control = Some(source_control);
    }
    let raw = raw_noting_private_key(document, record.source_control.as_mut());
    record.raw.insert(MetadataType::ConnectedApp.type_name(), raw);
    if let Some(config) = reader.single(root, "samlConfig")? {
        record.saml = Some(Box::new(saml(&reader, config, as_of, &mut record, &mut problems)?));
    }

    record.trusted_ip_ranges = Some(super::ip_ranges::trusted_ip_ranges(root));
    let Some(config) = reader.single(root, "oauthConfig")? else {
        record.oauth_enabled = false;
        record.integration = classify(&record);
        return Ok(Normalized { record, problems });
    };
    note_secret(&mut record, &reader, config);
    let certificate = reader.certificate(config, "certificate", as_of)?;
    let has_certificate = !matches!(certificate, CertificateField::Absent);
    take_certificate(certificate, "certificate", &mut record, &mut problems, |record, certificate| {
        record.certificate = Some(certificate);
    });
    let client_credentials =
        reader.bool_or(config, "isClientCredentialEnabled", false, "oauth.flows.client_credentials")?;
    let token_exchange = reader.bool_or(config, "isTokenExchangeEnabled", false, "oauth.flows.token_exchange")?;
    let (scopes, _) = canonical_scopes(config.children_named("scopes").map(|scope| &*scope.text));
    record.oauth = Some(OAuth {
        consumer_key: reader.text(config, "consumerKey")?.map(str::to_string),
        scopes: Some(scopes),
        callback_urls: Some(callback_urls(reader.text(config, "callbackUrl")?)),
        flows: Some(Flows {
            jwt_bearer: has_certificate,
            client_credentials,
            token_exchange,
            device: None,
            code_credential: reader.bool_or(config, "isCodeCredentialEnabled", false, "oauth.flows.code_credential")?,
        }),
        pkce_required: Some(reader.bool_or(config, "isPkceRequired", false, "oauth.pkce_required")?),
        consumer_secret_optional: Some(reader.bool_or(
            config,
            "isConsumerSecretOptional",
            false,
            "oauth.consumer_secret_optional",
        )?),
        secret_required_for_refresh_token: Some(reader.bool_or(
            config,
            "isSecretRequiredForRefreshToken",
            true,
            "oauth.secret_required_for_refresh_token",
        )?),
        secret_required_for_token_exchange: Some(reader.bool_or(
            config,
            "isSecretRequiredForTokenExchange",
            false,
            "oauth.secret_required_for_token_exchange",
        )?),
        refresh_token_rotation: Some(reader.bool_or(
            config,
            "isRefreshTokenRotationEnabled",
            false,
            "oauth.refresh_token_rotation",
        )?),
        introspect_all_tokens: Some(reader.bool_or(
            config,
            "isIntrospectAllTokens",
            false,
            "oauth.introspect_all_tokens",
        )?),
        jwt_access_tokens: Some(reader.bool_or(config, "isNamedUserJwtEnabled", false, "oauth.jwt_access_tokens")?),
        client_credentials_user: reader.text(config, "oauthClientCredentialUser")?.map(str::to_string),
    });
    record.missing.insert("oauth.flows.device", NO_DEVICE_FLOW_FIELD);
    record.policy = Some(policy(&reader, root, config, client_credentials, token_exchange)?);
    let jwt_timeouts_reason = "Connected App JWT token timeouts are not in Metadata API files (the org's \
                               ConnectedApplication.NamedUserUvidTimeout and UvidTimeout fields hold them); scan the \
                               org to check them";
    for path in ["policy.named_user_jwt_timeout", "policy.guest_jwt_timeout"] {
        record.missing.insert(path, jwt_timeouts_reason);
    }
    record.defaults.append(&mut reader.take_defaults());
    record.integration = classify(&record);
    Ok(Normalized { record, problems })
}

fn policy(
    reader: &Reader<'_>,
    root: &Element,
    config: &Element,
    client_credentials: bool,
    token_exchange: bool,
) -> Result<Policy, Diagnostic> {
    let oauth_policy = reader.single(root, "oauthPolicy")?;
    let session_policy = reader.single(root, "sessionPolicy")?;
    let ip_relaxation = match oauth_policy {
        Some(policy) => reader.enum_or(
            policy,
            "ipRelaxation",
            CONNECTED_APP_IP_RELAXATION,
            IpRelaxation::Enforce,
            "policy.ip_relaxation",
        )?,
        None => {
            reader.defaulted("policy.ip_relaxation");
            IpRelaxation::Enforce
        }
    };
    let refresh_element = match oauth_policy {
        Some(policy) => reader.single(policy, "refreshTokenPolicy")?,
        None => None,
    };
    let refresh_token = match refresh_element {
        Some(element) => connected_app_refresh_token(reader, element)?,
        None => {
            reader.defaulted("policy.refresh_token");
            RefreshToken { policy: RefreshTokenPolicy::Infinite, period: None, unit: None, max_days: None }
        }
    };
    let admin_approved = reader.bool_or(config, "isAdminApproved", false, "policy.permitted_users")?;
    // `isTokenExchangeFlowEnabled` is not a documented ConnectedAppOauthPolicy field, but real
    // retrieved files carry it; read it when present, else the documented oauthConfig flag.
    let token_exchange_flow = match oauth_policy {
        Some(policy) => reader.bool_opt(policy, "isTokenExchangeFlowEnabled")?.unwrap_or(token_exchange),
        None => token_exchange,
    };
    let profiles: Vec<String> =
        root.children_named("profileName").map(|element| element.text.trim().to_string()).collect();
    Ok(Policy {
        permitted_users: if admin_approved { PermittedUsers::AdminApproved } else { PermittedUsers::AllSelfAuthorized },
        standard_profiles: standard_profiles(&profiles),
        profiles,
        permission_sets: root
            .children_named("permissionSetName")
            .map(|element| element.text.trim().to_string())
            .collect(),
        ip_relaxation,
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
        // The guest variant is not in Connected App metadata (the sObject's
        // OptionsCodeCredentialGuestEnabled is "reserved for future use").
        guest_code_credential_enabled: false,
    })
}

/// `samlConfig`: the service provider's endpoints, its certificate and the signing algorithm.
fn saml(
    reader: &Reader<'_>,
    config: &Element,
    as_of: &EvaluationDate,
    record: &mut AppRecord,
    problems: &mut Vec<Diagnostic>,
) -> Result<Saml, Diagnostic> {
    let signing_algorithm = reader.enum_opt(config, "samlSigningAlgoType", SAML_SIGNING_ALGORITHMS)?;
    if signing_algorithm.is_none() {
        record.missing.insert(
            "saml.signing_algorithm",
            "no <samlSigningAlgoType> in samlConfig, and Salesforce documents no default for it (apps created \
             before API 50.0 have none); check the signing method in Setup → App Manager"
                .to_string(),
        );
    }
    let mut saml = Saml {
        entity_id: reader.text(config, "entityUrl")?.map(str::to_string),
        acs_url: reader.text(config, "acsUrl")?.map(str::to_string),
        signing_algorithm: signing_algorithm.map(str::to_string),
        certificate: None,
    };
    let certificate = reader.certificate(config, "certificate", as_of)?;
    take_certificate(certificate, "saml.certificate", record, problems, |_, certificate| {
        saml.certificate = Some(certificate);
    });
    Ok(saml)
}

/// Files a certificate read from `path`: kept when read; declared missing, with the reason,
/// when it is a placeholder or cannot be read (then also a problem for the input section).
pub(super) fn take_certificate(
    field: CertificateField,
    path: &'static str,
    record: &mut AppRecord,
    problems: &mut Vec<Diagnostic>,
    keep: impl FnOnce(&mut AppRecord, crate::model::Certificate),
) {
    match field {
        CertificateField::Absent => {}
        CertificateField::Read(certificate) => keep(record, *certificate),
        CertificateField::Placeholder(text) => {
            record.missing.insert(
                path.to_string(),
                format!(
                    "the <certificate> element holds the placeholder '{}', filled in at deploy time; the certificate \
                     that will be deployed is unknown",
                    crate::model::cert::shorten(&text)
                ),
            );
        }
        CertificateField::Unreadable(problem) => {
            record.missing.insert(path, format!("the certificate cannot be read: {}", problem.message));
            problems.push(problem);
        }
    }
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
        "infinite" => RefreshTokenPolicy::Infinite,
        "" => {
            reader.defaulted("policy.refresh_token");
            RefreshTokenPolicy::Infinite
        }
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
