//! The org the fake serves: metadata components (from a fixture project's files, or generated),
//! the `ConnectedApplication`, `SetupEntityAccess` and `OauthToken` rows, and its identity.

use std::path::Path;

use sfaudit::collect::normalize::MetadataType;
use sfaudit::xml::{Element, parse_metadata};

/// One metadata component as `readMetadata` returns it.
#[derive(Debug, Clone)]
pub struct Component {
    pub type_name: String,
    pub full_name: String,
    /// Metadata API path, e.g. `connectedApps/X.connectedApp`.
    pub file_name: String,
    /// The record's children as XML (what goes inside `<records>` after `<fullName>`).
    pub body: String,
}

#[derive(Debug, Clone)]
pub struct Assignment {
    pub entity_id: String,
    /// Permission set name, or the profile's name when `by_profile`.
    pub name: String,
    pub by_profile: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    pub user_id: String,
    pub app_name: String,
    /// Salesforce format, e.g. `2026-11-20T10:00:00.000+0000`.
    pub last_used: Option<String>,
    pub use_count: i64,
    /// `CreatedDate`, Salesforce format.
    pub created: Option<String>,
}

#[derive(Debug, Clone)]
pub struct OrgData {
    pub org_id: String,
    pub org_name: String,
    pub sandbox: bool,
    pub components: Vec<Component>,
    /// `ConnectedApplication` rows: (Id, Name).
    pub connected_applications: Vec<(String, String)>,
    /// `NamedUserUvidTimeout` and `UvidTimeout` by `ConnectedApplication` Id (minutes as the
    /// picklist writes them); an app not listed uses the user's session timeout (both null).
    pub jwt_timeouts: std::collections::BTreeMap<String, (Option<String>, Option<String>)>,
    pub assignments: Vec<Assignment>,
    pub tokens: Vec<TokenRow>,
}

/// The ECA settings and policies types no rule reads (sfaudit's `EXTRA_ECA_TYPES`): type, Metadata
/// API folder and suffix (SDR registry). The fake serves them like any other type; it has none
/// unless a test adds some (the demo project has none).
pub const EXTRA_ECA_LOCATIONS: [(&str, &str, &str); 8] = [
    ("ExtlClntAppOauthSecuritySettings", "extlClntAppOauthSecuritySettings", ".ecaOauthSecurity"),
    ("ExtlClntAppMobileSettings", "extlClntAppMobileSettings", ".ecaMobile"),
    ("ExtlClntAppMobileConfigurablePolicies", "extlClntAppMobilePolicies", ".ecaMobilePlcy"),
    ("ExtlClntAppNotificationSettings", "extlClntAppNotifSettings", ".ecaNotifications"),
    ("ExtlClntAppPushSettings", "extlClntAppPushSettings", ".ecaPush"),
    ("ExtlClntAppPushConfigurablePolicies", "extlClntAppPushPolicies", ".ecaPushPlcy"),
    ("ExtlClntAppCanvasSettings", "extlClntAppCanvasSettings", ".ecaCanvas"),
    ("ExtlClntAppSamlConfigurablePolicies", "extlClntAppSamlConfigurablePolicies", ".ecaSamlPlcy"),
];

/// Metadata API folder and suffix of each type.
pub fn mdapi_location(type_name: &str) -> (&'static str, &'static str) {
    match type_name {
        "ConnectedApp" => ("connectedApps", ".connectedApp"),
        "ExternalClientApplication" => ("externalClientApps", ".eca"),
        "ExtlClntAppOauthSettings" => ("extlClntAppOauthSettings", ".ecaOauth"),
        "ExtlClntAppGlobalOauthSettings" => ("extlClntAppGlobalOauthSets", ".ecaGlblOauth"),
        "ExtlClntAppOauthConfigurablePolicies" => ("extlClntAppOauthPolicies", ".ecaOauthPlcy"),
        "ExtlClntAppConfigurablePolicies" => ("extlClntAppPolicies", ".ecaPlcy"),
        other => EXTRA_ECA_LOCATIONS
            .iter()
            .find(|(name, _, _)| *name == other)
            .map_or(("settings", ".settings"), |(_, folder, suffix)| (*folder, *suffix)),
    }
}

/// The extra ECA type of a file name (source or Metadata API format), and the component name.
fn classify_extra(file_name: &str) -> Option<(&'static str, String)> {
    let bare = file_name.strip_suffix("-meta.xml").unwrap_or(file_name);
    EXTRA_ECA_LOCATIONS.iter().find_map(|(type_name, _, suffix)| {
        let stem = bare.strip_suffix(suffix)?;
        (!stem.is_empty()).then(|| (*type_name, stem.to_string()))
    })
}

pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn serialize(element: &Element, out: &mut String) {
    out.push('<');
    out.push_str(&element.name);
    out.push('>');
    if element.children.is_empty() {
        out.push_str(&escape(element.text.trim()));
    } else {
        for child in &element.children {
            serialize(child, out);
        }
    }
    out.push_str("</");
    out.push_str(&element.name);
    out.push('>');
}

fn children_xml(root: &Element) -> String {
    let mut out = String::new();
    for child in &root.children {
        serialize(child, &mut out);
    }
    out
}

fn walk(directory: &Path, files: &mut Vec<std::path::PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(directory).expect("fixture folder").filter_map(Result::ok).collect();
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, files);
        } else {
            files.push(path);
        }
    }
}

impl OrgData {
    /// An org with nothing but its External Client App settings (every org has them, at their
    /// defaults until an admin changes them).
    pub fn empty(org_name: &str) -> Self {
        let mut data = Self {
            org_id: "00DFAKE0000000001".to_string(),
            org_name: org_name.to_string(),
            sandbox: false,
            components: Vec::new(),
            connected_applications: Vec::new(),
            jwt_timeouts: std::collections::BTreeMap::new(),
            assignments: Vec::new(),
            tokens: Vec::new(),
        };
        data.add_component_xml(
            "ExternalClientAppSettings",
            "ExternalClientApp",
            None,
            "<enableClientSecretInRestApiAccess>false</enableClientSecretInRestApiAccess>\
             <enableConsumerSecretApiAccess>false</enableConsumerSecretApiAccess>"
                .to_string(),
        );
        data
    }

    /// The org a fixture project describes: every metadata file sfaudit reads (the extra ECA
    /// types included) becomes a component; each Connected App gets a `ConnectedApplication` row (named by its label) and
    /// its `profileName` / `permissionSetName` become `SetupEntityAccess` rows.
    pub fn from_project(root: &Path) -> Self {
        let mut data = Self::empty("Demo Org");
        let mut files = Vec::new();
        walk(root, &mut files);
        for path in files {
            let file_name = path.file_name().expect("file name").to_string_lossy().into_owned();
            let classified = MetadataType::classify(&file_name)
                .map(|(kind, stem)| (kind.type_name(), stem))
                .or_else(|| classify_extra(&file_name));
            let Some((type_name, stem)) = classified else { continue };
            let bytes = std::fs::read(&path).expect("fixture file");
            let document = parse_metadata(&file_name, &bytes).expect("fixture parses");
            data.add_component(type_name, &stem, &document.root);
        }
        data
    }

    pub fn add_component(&mut self, type_name: &str, full_name: &str, root: &Element) {
        let (folder, suffix) = mdapi_location(type_name);
        self.components.push(Component {
            type_name: type_name.to_string(),
            full_name: full_name.to_string(),
            file_name: format!("{folder}/{full_name}{suffix}"),
            body: children_xml(root),
        });
        if type_name == "ConnectedApp" {
            let id = format!("0H4FAKE{:08}", self.connected_applications.len() + 1);
            let label = root.text_of("label").unwrap_or(full_name).to_string();
            self.connected_applications.push((id.clone(), label));
            for element in root.children_named("profileName") {
                self.assignments.push(Assignment {
                    entity_id: id.clone(),
                    name: element.text.trim().to_string(),
                    by_profile: true,
                });
            }
            for element in root.children_named("permissionSetName") {
                self.assignments.push(Assignment {
                    entity_id: id.clone(),
                    name: element.text.trim().to_string(),
                    by_profile: false,
                });
            }
        }
    }

    /// Adds raw XML as a component (generated orgs).
    pub fn add_component_xml(&mut self, type_name: &str, full_name: &str, label: Option<&str>, body: String) {
        let (folder, suffix) = mdapi_location(type_name);
        self.components.push(Component {
            type_name: type_name.to_string(),
            full_name: full_name.to_string(),
            file_name: format!("{folder}/{full_name}{suffix}"),
            body,
        });
        if type_name == "ConnectedApp" {
            let id = format!("0H4FAKE{:08}", self.connected_applications.len() + 1);
            self.connected_applications.push((id, label.unwrap_or(full_name).to_string()));
        }
    }

    /// Org OAuth settings that pass the org rules (legacy flows blocked, PKCE required, only
    /// admin-approved apps): generated orgs whose findings should come from their apps alone.
    pub fn add_locked_down_oauth_settings(&mut self) {
        self.add_component_xml(
            "OauthOidcSettings",
            "OauthOidc",
            None,
            "<blockOAuthUnPwFlow>true</blockOAuthUnPwFlow><isPkceRequired>true</isPkceRequired>".into(),
        );
        self.add_component_xml(
            "ConnectedAppSettings",
            "ConnectedApp",
            None,
            "<enableAdminApprovedAppsOnly>true</enableAdminApprovedAppsOnly>".into(),
        );
    }

    /// Adds `count` tokens of `app_name`, spread over `users` users starting at `first_user`.
    pub fn add_tokens(
        &mut self,
        app_name: &str,
        count: usize,
        users: usize,
        first_user: usize,
        last_used: Option<&str>,
    ) {
        for index in 0..count {
            self.tokens.push(TokenRow {
                user_id: format!("005FAKE{:08}", first_user + index % users.max(1)),
                app_name: app_name.to_string(),
                last_used: last_used.map(str::to_string),
                use_count: 3,
                created: Some("2025-06-02T09:00:00.000+0000".to_string()),
            });
        }
    }
}
