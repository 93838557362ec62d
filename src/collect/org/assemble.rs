//! Joining what the calls returned into the inventory, one named step per source: Connected Apps,
//! External Client Apps, the records no rule reads, installed apps, assignments, token usage, and
//! the org record.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::access::{self, AccessData, Sink};
use super::metadata::{MetadataResult, ReadConnectedApp, ReadEcaPart, attach_extra_records, document};
use super::sources::{SETTINGS, lower};
use super::token_inventory;
use super::tokens::{AppTokens, TokenScan};
use crate::collect::normalize::{self, EcaParts, MetadataType};
use crate::model::{
    AppRecord, Collection, EvaluationDate, Inventory, JwtTimeout, JwtTimeoutType, OrgIdentity, OrgRecord, Origin,
    RawDocument, ResourceKind, ScanSource, SourceKind, TokenInventory,
};

/// What the calls returned; `Err(reason)` for data the user may not read.
#[derive(Debug)]
pub(super) struct OrgData {
    pub(super) metadata: MetadataResult,
    pub(super) tokens: Result<TokenScan, String>,
    pub(super) organization: Result<Vec<Value>, String>,
    pub(super) applications: Result<Vec<Value>, String>,
    pub(super) assignments: Result<Vec<Value>, String>,
    /// `ConnectedApplication` rows with the JWT-based access token timeouts.
    pub(super) jwt_timeouts: Result<Vec<Value>, String>,
    pub(super) access: AccessData,
}

/// The inventory being built, with what the collection could not read.
struct Assembly<'m> {
    metadata: &'m MetadataResult,
    as_of: &'m EvaluationDate,
    apps: Vec<AppRecord>,
    incomplete: Vec<String>,
    notes: Vec<String>,
    components_read: usize,
}

pub(super) fn assemble(
    data: OrgData,
    mut collection: Collection,
    as_of: &EvaluationDate,
) -> (Inventory, TokenInventory) {
    let OrgData { mut metadata, tokens, organization, applications, assignments, jwt_timeouts, access } = data;
    let connected_apps = std::mem::take(&mut metadata.connected_apps);
    let eca_parts = std::mem::take(&mut metadata.eca_parts);
    let mut assembly = Assembly {
        metadata: &metadata,
        as_of,
        apps: Vec::new(),
        incomplete: std::mem::take(&mut collection.incomplete),
        notes: std::mem::take(&mut collection.notes),
        components_read: 0,
    };
    assembly.note_metadata_gaps();
    assembly.connected_apps(connected_apps);
    assembly.external_client_apps(&eca_parts);
    assembly.apps_not_returned();
    assembly.components_read += attach_extra_records(&metadata, &mut assembly.apps, &mut assembly.notes);
    let installed = assembly.installed_applications(applications);
    assembly.connected_apps_not_read(&installed);
    assembly.assignments(assignments, &installed);
    assembly.jwt_timeouts(jwt_timeouts, &installed);
    let oauth_tokens = assembly.token_usage(tokens, &installed);
    assembly.apps.sort_by(|a, b| (a.kind, &a.name).cmp(&(b.kind, &b.name)));
    let mut org = assembly.org_record(organization, &collection.org_id);
    let Assembly { mut apps, mut incomplete, mut notes, components_read, .. } = assembly;
    let eca_holders =
        access::apply(access, &mut apps, &mut org, as_of, &mut Sink { incomplete: &mut incomplete, notes: &mut notes });
    let components_read = components_read + usize::from(org.external_client_app_settings.is_some());
    let token_notes = notes.iter().filter(|note| note.contains("token")).cloned().collect();
    let tokens = token_inventory::build(&apps, &oauth_tokens, &eca_holders, token_notes);
    incomplete.sort();
    incomplete.dedup();
    notes.sort();
    notes.dedup();
    collection.incomplete = incomplete;
    collection.notes = notes;
    let inventory = Inventory {
        schema_version: crate::model::INVENTORY_SCHEMA_VERSION,
        source: ScanSource {
            kind: SourceKind::Org,
            location: collection.instance_url.clone(),
            files_read: components_read,
            collection: Some(collection),
        },
        apps,
        org,
        problems: Vec::new(),
        coverage: crate::model::Coverage::default(),
    };
    (inventory, tokens)
}

impl Assembly<'_> {
    /// Types the user may not read, components the org listed but did not return. Settings are
    /// read by name, not listed: [`Self::org_settings`] says what is missing of them, once.
    fn note_metadata_gaps(&mut self) {
        self.incomplete.extend(self.metadata.unreadable.values().cloned());
        for (kind, name) in &self.metadata.not_returned {
            if !SETTINGS.iter().any(|(settings, _, _)| settings == kind) {
                self.incomplete.push(not_returned_reason(*kind, name));
            }
        }
        for name in &self.metadata.extra_not_returned {
            self.notes.push(format!(
                "{name} was listed by the org but readMetadata returned nothing for it; no built-in rule reads it"
            ));
        }
    }

    /// The Connected Apps, normalized as they arrived.
    fn connected_apps(&mut self, connected_apps: Vec<ReadConnectedApp>) {
        for ReadConnectedApp { properties, path, normalized } in connected_apps {
            self.components_read += 1;
            match normalized {
                Ok(normalized) => {
                    let mut app = self.with_problems(normalized);
                    app.namespace = properties.namespace_prefix;
                    org_origins(&mut app);
                    self.apps.push(app);
                }
                Err(message) => {
                    let reason =
                        format!("the org's ConnectedApp {} cannot be interpreted: {message}", properties.full_name);
                    self.incomplete.push(reason.clone());
                    self.apps.push(unreadable_app(
                        ResourceKind::ConnectedApp,
                        &properties.full_name,
                        Some(path),
                        &reason,
                    ));
                }
            }
        }
    }

    /// Joins the settings records through `externalClientApplication`, then normalizes each app.
    fn external_client_apps(&mut self, eca_parts: &[ReadEcaPart]) {
        let mut parts: BTreeMap<&str, EcaParts<'_>> = BTreeMap::new();
        for ReadEcaPart { kind, full_name, document, app } in eca_parts {
            self.components_read += 1;
            let app = match app {
                Ok(app) => app,
                Err(message) => {
                    self.incomplete.push(format!("{} {full_name}: {message}", kind.type_name()));
                    continue;
                }
            };
            if let Err(error) = parts.entry(app.as_str()).or_default().place(*kind, document, app) {
                self.incomplete.push(format!("the org's {}", error.message));
            }
        }
        for (name, eca) in &parts {
            let app = match normalize::external_client_app(name, eca, SourceKind::Org, self.as_of) {
                Ok(normalized) => {
                    let mut app = self.with_problems(normalized);
                    app.namespace = normalize::namespace_of(name).unwrap_or_default().to_string();
                    self.explain_missing(app, eca)
                }
                Err(error) => {
                    let reason =
                        format!("the org's External Client App {name} cannot be interpreted: {}", error.message);
                    self.incomplete.push(reason.clone());
                    unreadable_app(ResourceKind::ExternalClientApp, name, None, &reason)
                }
            };
            self.apps.push(app);
        }
    }

    /// The record; what could not be interpreted in it (a certificate) is data rules read, so
    /// the scan is incomplete.
    fn with_problems(&mut self, normalized: normalize::Normalized) -> AppRecord {
        let normalize::Normalized { record, problems } = normalized;
        for problem in problems {
            self.incomplete.push(format!("the org's {} {}: {}", record.kind.label(), record.name, problem.message));
        }
        record
    }

    /// A Connected App or External Client App the org listed but whose `readMetadata` record
    /// came back empty (`xsi:nil`) still exists: it becomes a record with everything rules read
    /// missing, so each rule reports it `unknown` instead of the app vanishing.
    fn apps_not_returned(&mut self) {
        for (kind, name) in &self.metadata.not_returned {
            let resource = match kind {
                MetadataType::ConnectedApp => ResourceKind::ConnectedApp,
                MetadataType::ExternalClientApplication => ResourceKind::ExternalClientApp,
                _ => continue,
            };
            if !self.apps.iter().any(|app| app.kind == resource && app.name == *name) {
                self.apps.push(unreadable_app(resource, name, None, &not_returned_reason(*kind, name)));
            }
        }
    }

    /// Rewords an ECA's `missing` reasons for an org: a type the user may not read says so.
    fn explain_missing(&self, mut app: AppRecord, eca: &EcaParts<'_>) -> AppRecord {
        let unreadable = &self.metadata.unreadable;
        org_origins(&mut app);
        for (path, reason) in &mut app.missing {
            let kind = eca_type_of(path);
            *reason = match unreadable.get(&kind) {
                Some(unreadable) => unreadable.clone().into(),
                None => {
                    format!("the org returned no {} for external client app '{}'", kind.type_name(), app.name).into()
                }
            };
        }
        if let Some(reason) = unreadable.get(&MetadataType::ExtlClntAppConfigurablePolicies) {
            app.missing.insert("enabled", reason.clone());
        }
        if eca.oauth_policy.is_none() && eca.oauth_settings.is_none() && eca.global_oauth.is_none() {
            // No OAuth settings readable at all: say why instead of pretending the app has no OAuth.
            for kind in [MetadataType::ExtlClntAppOauthSettings, MetadataType::ExtlClntAppGlobalOauthSettings] {
                if let Some(reason) = unreadable.get(&kind) {
                    app.missing.insert("oauth", reason.clone());
                }
            }
            if let Some(reason) = unreadable.get(&MetadataType::ExtlClntAppOauthConfigurablePolicies) {
                app.missing.insert("policy", reason.clone());
            }
        }
        app
    }

    /// `ConnectedApplication` rows: which apps exist (are installed), by id.
    fn installed_applications(&mut self, rows: Result<Vec<Value>, String>) -> Result<BTreeMap<String, String>, String> {
        let names = rows.map(|rows| {
            rows.iter()
                .filter_map(|row| Some((row.get("Id")?.as_str()?.to_string(), row.get("Name")?.as_str()?.to_string())))
                .collect()
        });
        if let Err(reason) = &names {
            self.incomplete.push(reason.clone());
        }
        names
    }

    /// Connected Apps whose metadata could not be read still exist: list them as unknown.
    fn connected_apps_not_read(&mut self, installed: &Result<BTreeMap<String, String>, String>) {
        let (Some(reason), Ok(names)) = (self.metadata.unreadable.get(&MetadataType::ConnectedApp), installed) else {
            return;
        };
        let known: BTreeSet<String> = self.apps.iter().flat_map(|app| [lower(&app.name), lower(&app.label)]).collect();
        let mut seen = BTreeSet::new();
        for name in names.values() {
            if !known.contains(&lower(name)) && seen.insert(lower(name)) {
                self.apps.push(unreadable_app(ResourceKind::ConnectedApp, name, None, reason));
            }
        }
    }

    /// Profile and permission set assignments (`SetupEntityAccess`), joined by app id → name.
    fn assignments(
        &mut self,
        assignments: Result<Vec<Value>, String>,
        installed: &Result<BTreeMap<String, String>, String>,
    ) {
        let unavailable = match (&assignments, installed) {
            (Ok(_), Ok(_)) => None,
            (Err(reason), _) => {
                self.incomplete.push(reason.clone());
                Some(reason.clone())
            }
            (Ok(_), Err(reason)) => Some(reason.clone()),
        };
        if let Some(reason) = unavailable {
            for app in &mut self.apps {
                for path in ["policy.profiles", "policy.permission_sets"] {
                    app.missing.get_or_insert_with(path, || reason.clone().into());
                }
            }
            return;
        }
        let (Ok(rows), Ok(names)) = (assignments, installed) else { return };
        // App label and API name (lower case) → positions in `apps`.
        let mut by_name: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (position, app) in self.apps.iter().enumerate() {
            let (label, name) = (lower(&app.label), lower(&app.name));
            by_name.entry(label.clone()).or_default().push(position);
            if name != label {
                by_name.entry(name).or_default().push(position);
            }
        }
        // Each app's evidence is gathered as a value and kept as a document once, at the end.
        let mut evidence_of: BTreeMap<usize, Value> = BTreeMap::new();
        for row in &rows {
            let Some(app_name) = row.get("SetupEntityId").and_then(Value::as_str).and_then(|id| names.get(id)) else {
                continue;
            };
            let parent = row.get("Parent").unwrap_or(&Value::Null);
            let by_profile = parent.get("IsOwnedByProfile").and_then(Value::as_bool).unwrap_or(false);
            let assigned = if by_profile {
                parent.get("Profile").and_then(|profile| profile.get("Name")).and_then(Value::as_str)
            } else {
                parent.get("Name").and_then(Value::as_str)
            };
            let Some(assigned) = assigned else { continue };
            for position in by_name.get(&lower(app_name)).cloned().unwrap_or_default() {
                let Some(app) = self.apps.get_mut(position) else { continue };
                let evidence = evidence_of.entry(position).or_insert_with(|| {
                    app.raw.get("SetupEntityAccess").map_or_else(|| json!({}), RawDocument::to_value)
                });
                record_assignment(app, evidence, by_profile, assigned);
            }
        }
        for (position, evidence) in evidence_of {
            if let Some(app) = self.apps.get_mut(position) {
                app.raw.insert("SetupEntityAccess", RawDocument::from_value(&evidence));
            }
        }
    }

    /// `NamedUserUvidTimeout` and `UvidTimeout` of each Connected App (picklists of minutes;
    /// empty when the app uses the user's session timeout). A refusal (a field the org's API
    /// version lacks) leaves them missing, as offline: only rules on JWT-based tokens need them.
    fn jwt_timeouts(&mut self, rows: Result<Vec<Value>, String>, installed: &Result<BTreeMap<String, String>, String>) {
        let (Ok(rows), Ok(names)) = (rows.map_err(|reason| self.notes.push(reason)), installed) else { return };
        for row in &rows {
            let Some(app_name) = row.get("Id").and_then(Value::as_str).and_then(|id| names.get(id)) else { continue };
            let timeout = |field: &str| {
                let minutes = row.get(field).and_then(Value::as_str).and_then(|text| text.trim().parse::<i64>().ok());
                JwtTimeout {
                    timeout_type: if minutes.is_some() { JwtTimeoutType::Custom } else { JwtTimeoutType::UserSession },
                    minutes,
                }
            };
            let key = lower(app_name);
            let apps = self.apps.iter_mut().filter(|app| {
                app.kind == ResourceKind::ConnectedApp && (lower(&app.label) == key || lower(&app.name) == key)
            });
            for app in apps {
                let Some(policy) = app.policy.as_mut() else { continue };
                policy.named_user_jwt_timeout = Some(timeout("NamedUserUvidTimeout"));
                policy.guest_jwt_timeout = Some(timeout("UvidTimeout"));
                app.missing.remove("policy.named_user_jwt_timeout");
                app.missing.remove("policy.guest_jwt_timeout");
            }
        }
    }

    /// OAuth token usage, joined by app name (the org writes the app's label, or its name); apps
    /// that hold tokens but are not installed become records of their own.
    fn token_usage(
        &mut self,
        tokens: Result<TokenScan, String>,
        installed: &Result<BTreeMap<String, String>, String>,
    ) -> BTreeMap<String, AppTokens> {
        let scan = match tokens {
            Ok(scan) => scan,
            Err(reason) => {
                self.incomplete.push(reason.clone());
                for app in &mut self.apps {
                    app.missing.insert("usage", reason.clone());
                }
                return BTreeMap::new();
            }
        };
        if scan.first_use_unknown {
            self.notes.push(
                "OauthToken: the org has no CreatedDate column, so when tokens were first used is not known".into(),
            );
        }
        self.incomplete.extend(scan.notes.iter().cloned());
        let by_app = AppTokens::by_app(&scan.rows);
        let none = AppTokens::default();
        let mut claimed: BTreeSet<String> = BTreeSet::new();
        for app in &mut self.apps {
            let key = [lower(&app.label), lower(&app.name)].into_iter().find(|key| by_app.contains_key(key));
            let tokens = key.as_ref().and_then(|key| by_app.get(key)).unwrap_or(&none);
            if let Some(key) = key {
                claimed.insert(key);
            }
            app.usage = Some(Box::new(tokens.usage(true, self.as_of)));
        }
        let installed_names: Option<BTreeSet<String>> =
            installed.as_ref().ok().map(|names| names.values().map(|name| lower(name)).collect());
        for (key, tokens) in &by_app {
            if claimed.contains(key) || installed_names.as_ref().is_some_and(|names| names.contains(key)) {
                continue;
            }
            let mut app = unreadable_app(ResourceKind::ConnectedApp, &tokens.name, None, "");
            app.missing.clear();
            app.usage = Some(Box::new(tokens.usage(false, self.as_of)));
            app.raw.insert(
                "OauthToken",
                RawDocument::from_value(&json!({"app_name": tokens.name, "token_count": tokens.tokens})),
            );
            if let Err(reason) = installed {
                app.missing.insert("usage.installed", reason.clone());
            }
            self.apps.push(app);
        }
        by_app
    }

    /// The org: its identity and the settings read by name.
    fn org_record(&mut self, organization: Result<Vec<Value>, String>, org_id: &str) -> OrgRecord {
        let mut org = OrgRecord::empty(String::new(), SourceKind::Org);
        match &organization {
            Ok(rows) => {
                if let Some(row) = rows.first() {
                    let text = |field: &str| row.get(field).and_then(Value::as_str).unwrap_or_default().to_string();
                    org.identity = Some(OrgIdentity {
                        id: text("Id"),
                        name: text("Name"),
                        sandbox: row.get("IsSandbox").and_then(Value::as_bool).unwrap_or(false),
                    });
                    let mut evidence = row.clone();
                    if let Some(map) = evidence.as_object_mut() {
                        map.remove("attributes");
                    }
                    org.raw.insert("Organization", RawDocument::from_value(&evidence));
                }
            }
            Err(reason) => {
                self.incomplete.push(reason.clone());
                org.missing.insert("identity", reason.clone());
            }
        }
        org.name = org
            .identity
            .as_ref()
            .map(|identity| identity.name.clone())
            .filter(|name| !name.is_empty())
            .unwrap_or_else(|| org_id.to_string());
        for (kind, name, _) in SETTINGS {
            self.org_settings(&mut org, kind, name);
        }
        org
    }

    fn org_settings(&mut self, org: &mut OrgRecord, kind: MetadataType, name: &str) {
        let field = match kind {
            MetadataType::OauthOidcSettings => "oauth_oidc",
            MetadataType::ExternalClientAppSettings => "external_client_app_settings",
            _ => "connected_app_settings",
        };
        let found = self.metadata.records_of(kind).iter().find(|(properties, _)| properties.full_name == name);
        let Some((properties, record)) = found else {
            let unreadable = self.metadata.unreadable.get(&kind);
            let reason = unreadable.cloned().unwrap_or_else(|| {
                format!(
                    "{} ({name}) was read by name and the org returned no record; check that the integration user \
                     has \"View Setup and Configuration\" and Metadata API read access, and that --api-version is \
                     one where the org has these settings",
                    kind.type_name()
                )
            });
            if unreadable.is_none() {
                self.incomplete.push(reason.clone());
            }
            org.missing.insert(field, reason);
            return;
        };
        self.components_read += 1;
        let document = document(kind.type_name(), properties, record);
        let parsed = match kind {
            MetadataType::OauthOidcSettings => normalize::oauth_oidc_settings(&document).map(|(settings, defaults)| {
                org.oauth_oidc = Some(settings);
                defaults
            }),
            MetadataType::ExternalClientAppSettings => {
                normalize::external_client_app_settings(&document).map(|(settings, defaults)| {
                    org.external_client_app_settings = Some(settings);
                    defaults
                })
            }
            _ => normalize::connected_app_settings(&document).map(|(settings, defaults)| {
                org.connected_app_settings = Some(settings);
                defaults
            }),
        };
        match parsed {
            Ok(mut defaults) => org.defaults.append(&mut defaults),
            Err(error) => {
                let reason = format!("the org's {} cannot be interpreted: {}", kind.type_name(), error.message);
                self.incomplete.push(reason.clone());
                org.missing.insert(field, reason);
                return;
            }
        }
        org.files.insert(
            kind.type_name(),
            Origin { source: SourceKind::Org, path: Some(document.path.clone()), line: None },
        );
        org.raw.insert(kind.type_name(), document.root.to_raw_document());
    }
}

/// Adds one assigned profile or permission set to an app: to the evidence that becomes its
/// `raw.SetupEntityAccess`, and to its policy.
fn record_assignment(app: &mut AppRecord, evidence: &mut Value, by_profile: bool, assigned: &str) {
    let field = if by_profile { "profiles" } else { "permission_sets" };
    if let Some(list) =
        evidence.as_object_mut().and_then(|map| map.entry(field).or_insert_with(|| json!([])).as_array_mut())
    {
        list.push(Value::String(assigned.to_string()));
    }
    if let Some(policy) = app.policy.as_mut() {
        let list = if by_profile { &mut policy.profiles } else { &mut policy.permission_sets };
        if !list.iter().any(|existing| existing == assigned) {
            list.push(assigned.to_string());
        }
        policy.standard_profiles = normalize::standard_profiles(&policy.profiles);
    }
}

fn org_origins(record: &mut AppRecord) {
    record.origin.source = SourceKind::Org;
    record.origin.line = None;
    for origin in record.files.values_mut() {
        origin.source = SourceKind::Org;
        origin.line = None;
    }
}

/// A record for an app whose metadata could not be read or interpreted: everything rules read
/// is declared missing, so they give `unknown`, never `pass`.
fn unreadable_app(kind: ResourceKind, name: &str, path: Option<String>, reason: &str) -> AppRecord {
    let origin = Origin { source: SourceKind::Org, path: path.map(Into::into), line: None };
    let mut app = normalize::new_app(kind, name, origin);
    for field in ["enabled", "oauth", "certificate", "policy"] {
        app.missing.insert(field.to_string(), reason.to_string());
    }
    app
}

/// The reason for a listed component whose `readMetadata` record came back empty.
fn not_returned_reason(kind: MetadataType, name: &str) -> String {
    format!(
        "{} {name} was listed by the org but readMetadata returned no record for it (xsi:nil); the integration \
         user may see the name but not the component (check its Metadata API read access), or it was deleted \
         during the scan",
        kind.type_name()
    )
}

/// Which ECA type a record path comes from, to reword `missing` reasons for an org.
fn eca_type_of(path: &str) -> MetadataType {
    match path {
        "policy" => MetadataType::ExtlClntAppOauthConfigurablePolicies,
        "oauth.scopes" => MetadataType::ExtlClntAppOauthSettings,
        "enabled" => MetadataType::ExtlClntAppConfigurablePolicies,
        _ => MetadataType::ExtlClntAppGlobalOauthSettings,
    }
}
