//! The org's External Client App settings (`ExternalClientAppSettings`, read by name as
//! `ExternalClientApp`): whether consumer secrets can be read through the Metadata API
//! (`enableConsumerSecretApiAccess`) or client secrets through the REST API
//! (`enableClientSecretInRestApiAccess`, 62.0). Absent elements are `false`.
//! https://developer.salesforce.com/docs/atlas.en-us.260.0.api_meta.meta/api_meta/meta_externalclientappsettings.htm

use crate::model::ExternalClientAppSettings;
use crate::salesforce::soap;
use crate::salesforce::{Client, SfError};
use crate::xml::Element;

pub(crate) const TYPE: &str = "ExternalClientAppSettings";
pub(crate) const NAME: &str = "ExternalClientApp";

/// The settings record, or `None` when the org returned none.
pub(crate) async fn read(client: &Client) -> Result<Option<Element>, SfError> {
    let records = soap::read_metadata(client, TYPE, &[NAME.to_string()]).await?;
    Ok(records.into_iter().find(|record| record.text_of("fullName") == Some(NAME)))
}

/// The two switches; a value that is not a boolean is an error naming it.
pub(crate) fn settings(record: &Element) -> Result<ExternalClientAppSettings, String> {
    let flag = |name: &str| -> Result<bool, String> {
        match record.text_of(name).map(str::trim) {
            None | Some("") => Ok(false),
            Some(text) if text.eq_ignore_ascii_case("true") => Ok(true),
            Some(text) if text.eq_ignore_ascii_case("false") => Ok(false),
            Some(text) => Err(format!("{TYPE}.{name} is '{text}', not true or false")),
        }
    };
    Ok(ExternalClientAppSettings {
        consumer_secret_api_access: flag("enableConsumerSecretApiAccess")?,
        client_secret_rest_api_access: flag("enableClientSecretInRestApiAccess")?,
    })
}
