//! Which metadata files sfaudit reads, and how an External Client App's files are joined.

use crate::diag::Diagnostic;
use crate::xml::MetadataDocument;

/// The metadata types sfaudit reads, with their file suffixes and root elements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MetadataType {
    ConnectedApp,
    ExternalClientApplication,
    ExtlClntAppOauthSettings,
    ExtlClntAppGlobalOauthSettings,
    ExtlClntAppOauthConfigurablePolicies,
    ExtlClntAppConfigurablePolicies,
    ExtlClntAppCanvasSettings,
    ExtlClntAppOauthSecuritySettings,
    OauthOidcSettings,
    ConnectedAppSettings,
    ExternalClientAppSettings,
}

/// ECA settings and policies types sfaudit recognises but does not read (SDR registry suffixes,
/// see `EXTRA_ECA_TYPES` of the live collector): a project scan lists their files in the
/// coverage section. (suffix, type name)
const UNUSED_TYPES: &[(&str, &str)] = &[
    (".ecaMobile", "ExtlClntAppMobileSettings"),
    (".ecaMobilePlcy", "ExtlClntAppMobileConfigurablePolicies"),
    (".ecaNotifications", "ExtlClntAppNotificationSettings"),
    (".ecaPush", "ExtlClntAppPushSettings"),
    (".ecaPushPlcy", "ExtlClntAppPushConfigurablePolicies"),
    (".ecaSamlPlcy", "ExtlClntAppSamlConfigurablePolicies"),
];

/// The metadata type of a file sfaudit recognises but does not read.
pub fn unused_type(file_name: &str) -> Option<&'static str> {
    let bare = file_name.strip_suffix("-meta.xml").unwrap_or(file_name);
    UNUSED_TYPES
        .iter()
        .find(|(suffix, _)| bare.strip_suffix(suffix).is_some_and(|stem| !stem.is_empty()))
        .map(|(_, type_name)| *type_name)
}

impl MetadataType {
    pub const ALL: [MetadataType; 11] = [
        Self::ConnectedApp,
        Self::ExternalClientApplication,
        Self::ExtlClntAppOauthSettings,
        Self::ExtlClntAppGlobalOauthSettings,
        Self::ExtlClntAppOauthConfigurablePolicies,
        Self::ExtlClntAppConfigurablePolicies,
        Self::ExtlClntAppCanvasSettings,
        Self::ExtlClntAppOauthSecuritySettings,
        Self::OauthOidcSettings,
        Self::ConnectedAppSettings,
        Self::ExternalClientAppSettings,
    ];

    /// How a record keys a document of type `name` in its `files` and `raw`: borrowed from the
    /// program for the types sfaudit reads, so tens of thousands of records do not each hold a
    /// copy.
    pub fn key_of(name: &str) -> crate::model::RecordText {
        Self::ALL
            .into_iter()
            .map(Self::type_name)
            .find(|known| *known == name)
            .map_or_else(|| name.to_string().into(), Into::into)
    }

    /// Root element name, which is also the Metadata API type name.
    pub fn type_name(self) -> &'static str {
        match self {
            Self::ConnectedApp => "ConnectedApp",
            Self::ExternalClientApplication => "ExternalClientApplication",
            Self::ExtlClntAppOauthSettings => "ExtlClntAppOauthSettings",
            Self::ExtlClntAppGlobalOauthSettings => "ExtlClntAppGlobalOauthSettings",
            Self::ExtlClntAppOauthConfigurablePolicies => "ExtlClntAppOauthConfigurablePolicies",
            Self::ExtlClntAppConfigurablePolicies => "ExtlClntAppConfigurablePolicies",
            Self::ExtlClntAppCanvasSettings => "ExtlClntAppCanvasSettings",
            Self::ExtlClntAppOauthSecuritySettings => "ExtlClntAppOauthSecuritySettings",
            Self::OauthOidcSettings => "OauthOidcSettings",
            Self::ConnectedAppSettings => "ConnectedAppSettings",
            Self::ExternalClientAppSettings => "ExternalClientAppSettings",
        }
    }

    /// Metadata API format suffix; source format appends `-meta.xml`. Settings match a whole name.
    fn suffix(self) -> &'static str {
        match self {
            Self::ConnectedApp => ".connectedApp",
            Self::ExternalClientApplication => ".eca",
            Self::ExtlClntAppOauthSettings => ".ecaOauth",
            Self::ExtlClntAppGlobalOauthSettings => ".ecaGlblOauth",
            Self::ExtlClntAppOauthConfigurablePolicies => ".ecaOauthPlcy",
            Self::ExtlClntAppConfigurablePolicies => ".ecaPlcy",
            Self::ExtlClntAppCanvasSettings => ".ecaCanvas",
            Self::ExtlClntAppOauthSecuritySettings => ".ecaOauthSecurity",
            Self::OauthOidcSettings => "OauthOidc.settings",
            Self::ConnectedAppSettings => "ConnectedApp.settings",
            Self::ExternalClientAppSettings => "ExternalClientApp.settings",
        }
    }

    fn is_settings(self) -> bool {
        matches!(self, Self::OauthOidcSettings | Self::ConnectedAppSettings | Self::ExternalClientAppSettings)
    }

    /// A settings or policies file of an External Client App, joined to it through its
    /// `externalClientApplication` element.
    pub fn is_eca_part(self) -> bool {
        EcaParts::default().slot_mut(self).is_some() && self != Self::ExternalClientApplication
    }

    /// The settings file sfaudit reads that `file_name` names in another letter case
    /// (`externalClientApp.settings-meta.xml`): the CLI deploys it as a Settings component of
    /// that name, and whether Salesforce applies it is not documented.
    pub fn settings_in_other_case(file_name: &str) -> Option<&'static str> {
        let bare = file_name.strip_suffix("-meta.xml").unwrap_or(file_name);
        Self::ALL
            .into_iter()
            .filter(|kind| kind.is_settings())
            .map(Self::suffix)
            .find(|suffix| bare != *suffix && bare.eq_ignore_ascii_case(suffix))
    }

    /// Classifies a file name; returns the type and the component name (file stem).
    pub fn classify(file_name: &str) -> Option<(Self, String)> {
        let bare = file_name.strip_suffix("-meta.xml").unwrap_or(file_name);
        Self::ALL.into_iter().find_map(|kind| {
            if kind.is_settings() {
                (bare == kind.suffix()).then(|| (kind, kind.suffix().trim_end_matches(".settings").to_string()))
            } else {
                let stem = bare.strip_suffix(kind.suffix())?;
                (!stem.is_empty()).then(|| (kind, stem.to_string()))
            }
        })
    }
}

/// The namespace prefix of a component name (`acme__Partner_App` → `acme`). API names cannot
/// hold two underscores in a row, so the first `__` ends a namespace prefix.
pub(crate) fn namespace_of(name: &str) -> Option<&str> {
    let (prefix, rest) = name.split_once("__")?;
    let valid = prefix.chars().next().is_some_and(|first| first.is_ascii_alphabetic())
        && prefix.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !rest.is_empty();
    valid.then_some(prefix)
}

/// A second file for one component: refused, naming both.
pub(crate) fn duplicate(document: &MetadataDocument, what: &str, name: &str, first: &str) -> Diagnostic {
    Diagnostic::at(
        &document.path,
        Some(document.root.line),
        format!("a second {what} for '{name}'; the first is {first}"),
        "keep one file per component: Salesforce would deploy only one of them",
    )
}

/// The files of one External Client App, joined through their `externalClientApplication` element.

#[derive(Debug, Default)]
pub(crate) struct EcaParts<'a> {
    pub header: Option<&'a MetadataDocument>,
    pub oauth_settings: Option<&'a MetadataDocument>,
    pub global_oauth: Option<&'a MetadataDocument>,
    pub oauth_policy: Option<&'a MetadataDocument>,
    pub policy: Option<&'a MetadataDocument>,
    pub canvas: Option<&'a MetadataDocument>,
    pub oauth_security: Option<&'a MetadataDocument>,
}

impl<'a> EcaParts<'a> {
    /// The slot a document of `kind` fills; `None` for types that are not part of an ECA.
    pub(crate) fn slot_mut(&mut self, kind: MetadataType) -> Option<&mut Option<&'a MetadataDocument>> {
        match kind {
            MetadataType::ExternalClientApplication => Some(&mut self.header),
            MetadataType::ExtlClntAppOauthSettings => Some(&mut self.oauth_settings),
            MetadataType::ExtlClntAppGlobalOauthSettings => Some(&mut self.global_oauth),
            MetadataType::ExtlClntAppOauthConfigurablePolicies => Some(&mut self.oauth_policy),
            MetadataType::ExtlClntAppConfigurablePolicies => Some(&mut self.policy),
            MetadataType::ExtlClntAppCanvasSettings => Some(&mut self.canvas),
            MetadataType::ExtlClntAppOauthSecuritySettings => Some(&mut self.oauth_security),
            MetadataType::ConnectedApp
            | MetadataType::OauthOidcSettings
            | MetadataType::ConnectedAppSettings
            | MetadataType::ExternalClientAppSettings => None,
        }
    }

    /// Files `document` as this app's `kind`. A second document for a filled slot is refused, and
    /// the first stays: which one Salesforce would use is not documented, so neither is trusted
    /// silently. The error names both.
    pub(crate) fn place(
        &mut self,
        kind: MetadataType,
        document: &'a MetadataDocument,
        app: &str,
    ) -> Result<(), Diagnostic> {
        let Some(slot) = self.slot_mut(kind) else { return Ok(()) };
        if let Some(first) = slot {
            return Err(duplicate(document, &document.root.name, app, &first.path));
        }
        *slot = Some(document);
        Ok(())
    }

    /// The documents present, in slot order.
    pub(crate) fn documents(&self) -> impl Iterator<Item = &'a MetadataDocument> {
        [
            self.header,
            self.oauth_settings,
            self.global_oauth,
            self.oauth_policy,
            self.policy,
            self.canvas,
            self.oauth_security,
        ]
        .into_iter()
        .flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_source_and_metadata_api_names() {
        assert_eq!(
            MetadataType::classify("X.connectedApp-meta.xml"),
            Some((MetadataType::ConnectedApp, "X".to_string()))
        );
        assert_eq!(MetadataType::classify("X.connectedApp"), Some((MetadataType::ConnectedApp, "X".to_string())));
        assert_eq!(
            MetadataType::classify("A_glbloauth.ecaGlblOauth-meta.xml"),
            Some((MetadataType::ExtlClntAppGlobalOauthSettings, "A_glbloauth".to_string()))
        );
        assert_eq!(MetadataType::classify("A.eca"), Some((MetadataType::ExternalClientApplication, "A".to_string())));
        assert_eq!(
            MetadataType::classify("OauthOidc.settings-meta.xml"),
            Some((MetadataType::OauthOidcSettings, "OauthOidc".to_string()))
        );
        assert_eq!(MetadataType::classify("Security.settings-meta.xml"), None);
        assert_eq!(
            MetadataType::classify("ExternalClientApp.settings-meta.xml"),
            Some((MetadataType::ExternalClientAppSettings, "ExternalClientApp".to_string()))
        );
        assert_eq!(
            MetadataType::classify("App_canvas.ecaCanvas-meta.xml"),
            Some((MetadataType::ExtlClntAppCanvasSettings, "App_canvas".to_string()))
        );
        assert_eq!(unused_type("App_push.ecaPush-meta.xml"), Some("ExtlClntAppPushSettings"));
        assert_eq!(unused_type("App.ecaPushPlcy"), Some("ExtlClntAppPushConfigurablePolicies"));
        assert_eq!(unused_type("App.eca-meta.xml"), None);
        assert_eq!(MetadataType::classify(".eca"), None);
        assert_eq!(namespace_of("acme__Partner_App"), Some("acme"));
        assert_eq!(namespace_of("sfdxhardismonitoring_fike__amm3"), Some("sfdxhardismonitoring_fike"));
        assert_eq!(namespace_of("Partner_App"), None);
        assert_eq!(namespace_of("__x"), None);
        assert_eq!(MetadataType::classify("README.md"), None);
    }
}
