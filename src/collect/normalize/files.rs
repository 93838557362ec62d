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
    OauthOidcSettings,
    ConnectedAppSettings,
}

impl MetadataType {
    pub const ALL: [MetadataType; 8] = [
        Self::ConnectedApp,
        Self::ExternalClientApplication,
        Self::ExtlClntAppOauthSettings,
        Self::ExtlClntAppGlobalOauthSettings,
        Self::ExtlClntAppOauthConfigurablePolicies,
        Self::ExtlClntAppConfigurablePolicies,
        Self::OauthOidcSettings,
        Self::ConnectedAppSettings,
    ];

    /// Root element name, which is also the Metadata API type name.
    pub fn type_name(self) -> &'static str {
        match self {
            Self::ConnectedApp => "ConnectedApp",
            Self::ExternalClientApplication => "ExternalClientApplication",
            Self::ExtlClntAppOauthSettings => "ExtlClntAppOauthSettings",
            Self::ExtlClntAppGlobalOauthSettings => "ExtlClntAppGlobalOauthSettings",
            Self::ExtlClntAppOauthConfigurablePolicies => "ExtlClntAppOauthConfigurablePolicies",
            Self::ExtlClntAppConfigurablePolicies => "ExtlClntAppConfigurablePolicies",
            Self::OauthOidcSettings => "OauthOidcSettings",
            Self::ConnectedAppSettings => "ConnectedAppSettings",
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
            Self::OauthOidcSettings => "OauthOidc.settings",
            Self::ConnectedAppSettings => "ConnectedApp.settings",
        }
    }

    fn is_settings(self) -> bool {
        matches!(self, Self::OauthOidcSettings | Self::ConnectedAppSettings)
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
            MetadataType::ConnectedApp | MetadataType::OauthOidcSettings | MetadataType::ConnectedAppSettings => None,
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
        [self.header, self.oauth_settings, self.global_oauth, self.oauth_policy, self.policy].into_iter().flatten()
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
        assert_eq!(MetadataType::classify(".eca"), None);
        assert_eq!(MetadataType::classify("README.md"), None);
    }
}
