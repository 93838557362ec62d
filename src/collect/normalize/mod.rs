//! Metadata documents → normalized records, applying Salesforce's documented defaults for
//! absent elements (see `shared/reference/salesforce-api.md` §2) and saying which values they
//! are. One file per kind of record: [`connected_app`], [`eca`] (External Client Apps, joined
//! from their files through [`EcaParts`]) and [`settings`] (org-wide OAuth settings); the typed
//! reads they share are in `read`, and what every kind derives the same way in `integration`
//! (is it a server integration), `scopes` (one name per scope), `profiles` (standard profiles
//! under translated labels) and `placeholder` (template values).

mod connected_app;
mod eca;
mod files;
mod integration;
mod ip_ranges;
mod placeholder;
mod profiles;
mod read;
mod scopes;
mod settings;

pub(crate) use connected_app::connected_app;
pub(crate) use eca::external_client_app;
pub(crate) use files::{EcaParts, duplicate, namespace_of};
pub use files::{MetadataType, unused_type};
pub(crate) use placeholder::{is_placeholder, placeholders};
pub(crate) use profiles::standard_profiles;
pub(crate) use read::{
    Normalized, Reader, commented_secret, empty_source_control, holds_committed_private_key, new_app,
    refresh_token_days, unreadable_app,
};
pub(crate) use scopes::canonical_scope;
pub(crate) use settings::{connected_app_settings, external_client_app_settings, oauth_oidc_settings};
