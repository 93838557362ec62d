//! Metadata documents → normalized records, applying Salesforce's documented defaults for
//! absent elements (see `shared/reference/salesforce-api.md` §2). One file per kind of record:
//! [`connected_app`], [`eca`] (External Client Apps, joined from their files through
//! [`EcaParts`]) and [`settings`] (org-wide OAuth settings); the typed reads they share are here.

mod connected_app;
mod eca;
mod files;
mod read;
mod settings;

pub use connected_app::connected_app;
pub(crate) use eca::external_client_app;
pub use files::MetadataType;
pub(crate) use files::{EcaParts, duplicate};
pub(crate) use read::{Reader, new_app};
pub(crate) use settings::{connected_app_settings, oauth_oidc_settings};
