//! Metadata API over SOAP: `listMetadata` (at most 3 types a call) and `readMetadata` (at most
//! 10 names of one type a call). Responses and faults are read namespace-aware (roxmltree), so
//! the prefixes a server picks do not matter.

use reqwest::StatusCode;

use secrecy::ExposeSecret as _;

use super::client::{Api, Client, Verdict};
use super::error::SfError;
use super::permits::Priority;
use crate::escape::xml_markup;
use crate::xml::{self, Element, METADATA_NAMESPACE};

pub(crate) const SOAP_NAMESPACE: &str = "http://schemas.xmlsoap.org/soap/envelope/";
const XSI_NAMESPACE: &str = "http://www.w3.org/2001/XMLSchema-instance";
/// `listMetadata` takes at most this many queries (types) per call.
pub const LIST_TYPES_PER_CALL: usize = 3;
/// `readMetadata` takes at most this many names per call.
pub const READ_NAMES_PER_CALL: usize = 10;

/// The whole request document around an operation element.
pub(crate) fn envelope(session_id: &str, body: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <soapenv:Envelope xmlns:soapenv=\"{SOAP_NAMESPACE}\" xmlns:met=\"{METADATA_NAMESPACE}\">\
         <soapenv:Header><met:SessionHeader><met:sessionId>{}</met:sessionId></met:SessionHeader></soapenv:Header>\
         <soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>",
        xml_markup(session_id)
    )
}

pub(crate) fn list_body(types: &[&str], api_version: &str) -> String {
    let mut body = String::from("<met:listMetadata>");
    for type_name in types {
        body.push_str(&format!("<met:queries><met:type>{}</met:type></met:queries>", xml_markup(type_name)));
    }
    body.push_str(&format!("<met:asOfVersion>{}</met:asOfVersion></met:listMetadata>", xml_markup(api_version)));
    body
}

pub(crate) fn read_body(type_name: &str, names: &[String]) -> String {
    let mut body = format!("<met:readMetadata><met:type>{}</met:type>", xml_markup(type_name));
    for name in names {
        body.push_str(&format!("<met:fullNames>{}</met:fullNames>", xml_markup(name)));
    }
    body.push_str("</met:readMetadata>");
    body
}

/// One `FileProperties` of a `listMetadata` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileProperties {
    pub full_name: String,
    pub type_name: String,
    pub file_name: String,
    pub namespace_prefix: String,
    pub id: String,
    pub manageable_state: String,
}

fn parse(text: &str) -> Result<roxmltree::Document<'_>, String> {
    xml::parse_document(text, 50_000_000).map_err(|(line, message)| format!("line {line}: {message}"))
}

fn body_child<'a, 'input>(document: &'a roxmltree::Document<'input>) -> Option<roxmltree::Node<'a, 'input>> {
    let body = document.descendants().find(|node| node.has_tag_name((SOAP_NAMESPACE, "Body")))?;
    body.children().find(roxmltree::Node::is_element)
}

fn child_text(node: roxmltree::Node<'_, '_>, name: &str) -> String {
    node.children()
        .find(|child| child.is_element() && child.tag_name().name() == name)
        .and_then(|child| child.text())
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// A SOAP fault in the body: (code without its prefix, message).
pub(crate) fn fault(document: &roxmltree::Document<'_>) -> Option<(String, String)> {
    let node = body_child(document)?;
    if !node.has_tag_name((SOAP_NAMESPACE, "Fault")) {
        return None;
    }
    let code = child_text(node, "faultcode");
    let code = code.rsplit(':').next().unwrap_or_default().to_string();
    Some((code, child_text(node, "faultstring")))
}

/// What a SOAP answer means: faults by code, 5xx without a fault and unreadable answers retried.
pub fn classify(status: StatusCode, body: &[u8]) -> Verdict<String> {
    let Ok(text) = std::str::from_utf8(body) else {
        return Verdict::Retry(format!("HTTP {}: the answer is not UTF-8 text", status.as_u16()));
    };
    let document = match parse(text) {
        Ok(document) => document,
        Err(error) if status.is_success() || status.is_server_error() || status.as_u16() == 429 => {
            return Verdict::Retry(format!("HTTP {}: {error}", status.as_u16()));
        }
        Err(_) => {
            return Verdict::Refused {
                code: format!("HTTP_{}", status.as_u16()),
                message: "the Metadata API endpoint answered without SOAP".into(),
            };
        }
    };
    if let Some((code, message)) = fault(&document) {
        return match code.as_str() {
            "INVALID_SESSION_ID" => Verdict::SessionInvalid,
            "REQUEST_LIMIT_EXCEEDED" => Verdict::LimitExceeded(message),
            "SERVER_UNAVAILABLE" | "UNKNOWN_EXCEPTION" => Verdict::Retry(format!("{code}: {message}")),
            _ => Verdict::Refused { code, message },
        };
    }
    if status.is_success() {
        if body_child(&document).is_none() {
            return Verdict::Retry("the SOAP answer has no body".into());
        }
        return Verdict::Done(text.to_string());
    }
    if status.is_server_error() || status.as_u16() == 429 {
        return Verdict::Retry(format!("HTTP {} without a SOAP fault", status.as_u16()));
    }
    Verdict::Refused { code: format!("HTTP_{}", status.as_u16()), message: "unexpected answer".into() }
}

pub fn parse_list(text: &str) -> Result<Vec<FileProperties>, String> {
    let document = parse(text)?;
    let response = body_child(&document).ok_or("no SOAP body")?;
    if !response.has_tag_name((METADATA_NAMESPACE, "listMetadataResponse")) {
        return Err(format!("expected listMetadataResponse, got {}", response.tag_name().name()));
    }
    Ok(response
        .children()
        .filter(|node| node.has_tag_name((METADATA_NAMESPACE, "result")))
        .map(|node| FileProperties {
            full_name: child_text(node, "fullName"),
            type_name: child_text(node, "type"),
            file_name: child_text(node, "fileName"),
            namespace_prefix: child_text(node, "namespacePrefix"),
            id: child_text(node, "id"),
            manageable_state: child_text(node, "manageableState"),
        })
        .filter(|properties| !properties.full_name.is_empty())
        .collect())
}

/// The `records` of a `readMetadata` answer as element trees, secrets removed, `fullName` kept
/// as a child. Nil records (names that do not exist) are skipped.
pub fn parse_read(text: &str) -> Result<Vec<Element>, String> {
    let document = parse(text)?;
    let response = body_child(&document).ok_or("no SOAP body")?;
    if !response.has_tag_name((METADATA_NAMESPACE, "readMetadataResponse")) {
        return Err(format!("expected readMetadataResponse, got {}", response.tag_name().name()));
    }
    let mut records = Vec::new();
    for result in response.children().filter(|node| node.has_tag_name((METADATA_NAMESPACE, "result"))) {
        for node in result.children().filter(|node| node.has_tag_name((METADATA_NAMESPACE, "records"))) {
            if node.attribute((XSI_NAMESPACE, "nil")) == Some("true") {
                continue;
            }
            let mut element =
                xml::element_from_node(&document, node).map_err(|(line, message)| format!("line {line}: {message}"))?;
            xml::remove_secrets(&mut element);
            if element.text_of("fullName").is_some() {
                records.push(element);
            }
        }
    }
    Ok(records)
}

/// `POST {instance}/services/Soap/m/{version}`; returns the response body as text.
pub(crate) async fn call(client: &Client, call: &str, body: &str, priority: Priority) -> Result<String, SfError> {
    let url_path = format!("/services/Soap/m/{}", client.api_version());
    client
        .execute(
            call,
            Api::Soap,
            priority,
            |http, token| {
                http.post(format!("{}{url_path}", token.instance_url))
                    .header(reqwest::header::CONTENT_TYPE, "text/xml; charset=UTF-8")
                    .header("SOAPAction", "\"\"")
                    .body(envelope(token.access_token.expose_secret(), body))
            },
            classify,
        )
        .await
}

/// `listMetadata` for up to three types.
pub async fn list_metadata(client: &Client, types: &[&str]) -> Result<Vec<FileProperties>, SfError> {
    let call = format!("SOAP listMetadata {}", types.join(","));
    let text = self::call(client, &call, &list_body(types, client.api_version()), Priority::High).await?;
    parse_list(&text).map_err(|message| SfError::Failed { call, message })
}

/// `readMetadata` for up to ten names of one type.
pub async fn read_metadata(client: &Client, type_name: &str, names: &[String]) -> Result<Vec<Element>, SfError> {
    let plural = if names.len() == 1 { "name" } else { "names" };
    let call = format!("SOAP readMetadata {type_name} ({} {plural})", names.len());
    let text = self::call(client, &call, &read_body(type_name, names), Priority::Low).await?;
    parse_read(&text).map_err(|message| SfError::Failed { call, message })
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: &str = r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="http://soap.sforce.com/2006/04/metadata"><soapenv:Body><listMetadataResponse><result><createdById>005</createdById><fileName>connectedApps/A.connectedApp</fileName><fullName>A</fullName><id>0H4</id><manageableState>unmanaged</manageableState><type>ConnectedApp</type></result></listMetadataResponse></soapenv:Body></soapenv:Envelope>"#;

    #[test]
    fn parses_list_answers_whatever_the_prefixes() {
        let listed = parse_list(LIST).expect("list");
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].full_name, "A");
        assert_eq!(listed[0].file_name, "connectedApps/A.connectedApp");
        let prefixed = LIST.replace("xmlns=", "xmlns:m=").replace("<listMetadataResponse>", "<m:listMetadataResponse>");
        let prefixed = prefixed
            .replace("</listMetadataResponse>", "</m:listMetadataResponse>")
            .replace("<result>", "<m:result>")
            .replace("</result>", "</m:result>");
        assert_eq!(parse_list(&prefixed).expect("prefixed").len(), 1);
    }

    #[test]
    fn reads_records_drop_nil_and_secrets() {
        let text = r#"<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><e:Body><readMetadataResponse xmlns="http://soap.sforce.com/2006/04/metadata"><result><records xsi:type="ConnectedApp"><fullName>A</fullName><oauthConfig><consumerSecret>s3cret</consumerSecret><consumerKey>k</consumerKey></oauthConfig></records><records xsi:nil="true"/></result></readMetadataResponse></e:Body></e:Envelope>"#;
        let records = parse_read(text).expect("read");
        assert_eq!(records.len(), 1);
        let config = records[0].child("oauthConfig").expect("oauthConfig");
        assert!(config.child("consumerSecret").is_none());
        assert_eq!(config.text_of("consumerKey"), Some("k"));
    }

    #[test]
    fn faults_are_classified() {
        let fault = |code: &str| {
            format!(
                r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:sf="urn:fault.partner.soap.sforce.com"><soapenv:Body><soapenv:Fault><faultcode>sf:{code}</faultcode><faultstring>{code}: text</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>"#
            )
        };
        let status = StatusCode::INTERNAL_SERVER_ERROR;
        assert!(matches!(classify(status, fault("INVALID_SESSION_ID").as_bytes()), Verdict::SessionInvalid));
        assert!(matches!(classify(status, fault("REQUEST_LIMIT_EXCEEDED").as_bytes()), Verdict::LimitExceeded(_)));
        assert!(
            matches!(classify(status, fault("INSUFFICIENT_ACCESS").as_bytes()), Verdict::Refused { code, .. } if code == "INSUFFICIENT_ACCESS")
        );
        assert!(matches!(classify(status, b"<html>oops</html>"), Verdict::Retry(_)));
        assert!(matches!(classify(StatusCode::OK, b"<a><b"), Verdict::Retry(_)));
        assert!(matches!(classify(StatusCode::OK, LIST.as_bytes()), Verdict::Done(_)));
    }

    #[test]
    fn requests_are_escaped() {
        assert!(read_body("ConnectedApp", &["A&B".to_string()]).contains("<met:fullNames>A&amp;B</met:fullNames>"));
        assert!(envelope("tok<en", "").contains("tok&lt;en"));
        assert!(list_body(&["A", "B"], "65.0").contains("<met:asOfVersion>65.0</met:asOfVersion>"));
    }
}
