//! OAuth scope names: one canonical name per scope, whatever the file calls it.
//!
//! Connected Apps (`<scopes>`, the ConnectedAppOauthAccessScope enum) and External Client Apps
//! (`commaSeparatedOauthScopes`) write metadata tokens (`Api`, `CustomApplications`,
//! `SFApiPlatform`); people also hand-write the OAuth `scope` parameter values (`api`,
//! `visualforce`, `sfap_api`). The canonical name is the OAuth token Salesforce documents in
//! "OAuth Tokens and Scopes" and lists in `scopes_supported` of its OpenID configuration; the
//! table in `rules/README.md` is this one.

/// (canonical OAuth token, every other spelling), compared without case.
const SCOPES: &[(&str, &[&str])] = &[
    ("api", &["Api"]),
    ("web", &["Web"]),
    ("full", &["Full"]),
    ("chatter_api", &["Chatter"]),
    ("visualforce", &["CustomApplications"]),
    // "refresh_token is synonymous with requesting offline_access"; OfflineAccess is retrieved as RefreshToken.
    ("refresh_token", &["RefreshToken", "OfflineAccess", "offline_access"]),
    ("openid", &["OpenID"]),
    // "profile, email, address, or phone … are all synonymous" with id; Basic stands for all four.
    ("id", &["Basic", "Profile", "Email", "Address", "Phone"]),
    ("custom_permissions", &["CustomPermissions"]),
    ("wave_api", &["Wave"]),
    ("eclair_api", &["Eclair"]),
    ("pardot_api", &["Pardot"]),
    ("lightning", &["Lightning"]),
    ("content", &["Content"]),
    ("cdp_api", &["CDP"]),
    ("cdp_ingest_api", &["CDPIngest"]),
    ("cdp_profile_api", &["CDPProfile"]),
    ("cdp_query_api", &["CDPQuery"]),
    ("cdp_segment_api", &["CDPSegment"]),
    ("cdp_identityresolution_api", &["CDPIdentityResolution"]),
    ("cdp_calculated_insight_api", &["CDPCalculatedInsight"]),
    ("chatbot_api", &["Chatbot"]),
    ("sfap_api", &["SFApiPlatform", "SFAP"]),
    ("interaction_api", &["Interaction"]),
    ("einstein_gpt_api", &["EinsteinGPT"]),
    ("pwdless_login_api", &["PwdlessLogin"]),
    ("forgot_password", &["ForgotPassword"]),
    ("user_registration_api", &["UserRegistration"]),
    ("mcp_api", &["MCP"]),
    ("scrt_api", &["SCRT"]),
    ("data_cloud_user_claims", &["DataCloudUserClaims"]),
];

/// The canonical name of a scope; `None` when sfaudit does not know it.
pub(crate) fn canonical_scope(scope: &str) -> Option<&'static str> {
    let scope = scope.trim();
    SCOPES
        .iter()
        .find(|(canonical, aliases)| {
            canonical.eq_ignore_ascii_case(scope) || aliases.iter().any(|alias| alias.eq_ignore_ascii_case(scope))
        })
        .map(|(canonical, _)| *canonical)
}

/// Scopes as rules see them: canonical names, unknown ones verbatim, sorted and unique; and the
/// unknown ones on their own, for the coverage section.
pub(crate) fn canonical_scopes<'s>(scopes: impl Iterator<Item = &'s str>) -> (Vec<String>, Vec<String>) {
    let mut canonical = Vec::new();
    let mut unknown = Vec::new();
    for scope in scopes.map(str::trim).filter(|scope| !scope.is_empty()) {
        match canonical_scope(scope) {
            Some(name) => canonical.push(name.to_string()),
            None => {
                canonical.push(scope.to_string());
                unknown.push(scope.to_string());
            }
        }
    }
    canonical.sort();
    canonical.dedup();
    unknown.sort();
    unknown.dedup();
    (canonical, unknown)
}

/// Every (canonical, spellings) row, for the documentation test.
#[cfg(test)]
pub(crate) fn table() -> &'static [(&'static str, &'static [&'static str])] {
    SCOPES
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_app_kinds_spellings_meet_in_one_name() {
        let (connected_app, _) =
            canonical_scopes(["Full", "OfflineAccess", "CustomApplications", "OpenID", "Basic"].into_iter());
        assert_eq!(connected_app, vec!["full", "id", "openid", "refresh_token", "visualforce"]);
        let (eca, unknown) = canonical_scopes("api,  SFApiPlatform ,EinsteinGPT, MCP, refresh_token,SFAP".split(','));
        assert_eq!(eca, vec!["api", "einstein_gpt_api", "mcp_api", "refresh_token", "sfap_api"]);
        assert!(unknown.is_empty());
    }

    #[test]
    fn unknown_scopes_are_kept_verbatim_and_listed() {
        let (scopes, unknown) = canonical_scopes(["Api", " NewThing2027 ", "NewThing2027"].into_iter());
        assert_eq!(scopes, vec!["NewThing2027", "api"]);
        assert_eq!(unknown, vec!["NewThing2027"]);
    }

    #[test]
    fn the_table_in_the_rules_readme_is_this_one() {
        let readme = include_str!("../../../rules/README.md");
        for (canonical, aliases) in table() {
            let row = readme
                .lines()
                .find(|line| line.starts_with(&format!("| `{canonical}` |")))
                .unwrap_or_else(|| panic!("rules/README.md has no row for {canonical}"));
            for alias in *aliases {
                assert!(row.contains(&format!("`{alias}`")), "the row of {canonical} lacks {alias}: {row}");
            }
        }
    }

    #[test]
    fn no_spelling_names_two_scopes() {
        let mut seen = std::collections::BTreeMap::new();
        for (canonical, aliases) in table() {
            for spelling in std::iter::once(canonical).chain(aliases.iter()) {
                let previous = seen.insert(spelling.to_ascii_lowercase(), *canonical).unwrap_or(*canonical);
                assert_eq!(previous, *canonical, "{spelling}");
            }
        }
    }
}
