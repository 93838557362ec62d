//! Indented JSON for people to read, made from the compact spelling.

/// Writes `compact` JSON again, indented as serde's pretty printer would, streaming token by
/// token. Records keep their documents (`raw`) as compact JSON text, which a serializer writes
/// as it is: indenting the compact bytes indents those documents too.
pub(crate) fn indent(compact: &[u8], out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut reader = serde_json::Deserializer::from_slice(compact);
    let mut writer = serde_json::Serializer::pretty(out);
    serde_transcode::transcode(&mut reader, &mut writer).map_err(std::io::Error::other)
}

/// `value` as indented JSON text.
pub(crate) fn to_string(value: &impl serde::Serialize) -> serde_json::Result<String> {
    let compact = serde_json::to_vec(value)?;
    let mut indented = Vec::with_capacity(compact.len() * 2);
    indent(&compact, &mut indented).map_err(serde_json::Error::io)?;
    // serde_json writes UTF-8 only.
    Ok(String::from_utf8_lossy(&indented).into_owned())
}

#[cfg(test)]
mod tests {
    #[test]
    fn indented_text_is_what_serde_writes_for_the_same_value() {
        let value = serde_json::json!({
            "a": [], "b": {}, "c": [1, -2.5, 1e300, 18446744073709551615u64, null, true],
            "d": {"e": "\u{1b}[2J \"q\" \\ é", "f": [{"g": {}}]}
        });
        let mut indented = Vec::new();
        super::indent(value.to_string().as_bytes(), &mut indented).expect("indents");
        assert_eq!(String::from_utf8(indented).expect("UTF-8"), serde_json::to_string_pretty(&value).expect("serializes"));
        let raw = crate::model::RawDocument::from_value(&value);
        assert_eq!(super::to_string(&raw).expect("serializes"), serde_json::to_string_pretty(&value).expect("serializes"));
    }
}
