//! Indented JSON for people to read, made from the compact spelling as it is written.
//!
//! Records keep their documents (`raw`) as compact JSON text, which a serializer writes as it
//! is; indenting the compact bytes indents those documents too, and streams.

use std::io::Write;

/// A writer that takes compact JSON, as serde_json writes it (no whitespace outside strings),
/// and passes it on indented exactly as serde_json's pretty printer would.
pub(crate) struct Indenter<W: Write> {
    out: W,
    depth: usize,
    in_string: bool,
    escaped: bool,
    /// An opening bracket was read and not yet written: `{}` and `[]` stay on one line.
    pending_open: Option<u8>,
    /// Indented bytes not yet handed to `out`.
    buffer: Vec<u8>,
}

const INDENT: &[u8] = b"  ";

impl<W: Write> Indenter<W> {
    pub(crate) fn new(out: W) -> Self {
        Self { out, depth: 0, in_string: false, escaped: false, pending_open: None, buffer: Vec::new() }
    }

    fn newline(&mut self) {
        self.buffer.push(b'\n');
        for _ in 0..self.depth {
            self.buffer.extend_from_slice(INDENT);
        }
    }

    fn byte(&mut self, byte: u8) {
        if let Some(open) = self.pending_open.take() {
            self.buffer.push(open);
            if matches!(byte, b'}' | b']') {
                self.buffer.push(byte);
                return;
            }
            self.depth += 1;
            self.newline();
        }
        if self.in_string {
            self.buffer.push(byte);
            match (self.escaped, byte) {
                (true, _) => self.escaped = false,
                (false, b'\\') => self.escaped = true,
                (false, b'"') => self.in_string = false,
                _ => {}
            }
            return;
        }
        match byte {
            b'"' => {
                self.in_string = true;
                self.buffer.push(byte);
            }
            b'{' | b'[' => self.pending_open = Some(byte),
            b'}' | b']' => {
                self.depth = self.depth.saturating_sub(1);
                self.newline();
                self.buffer.push(byte);
            }
            b',' => {
                self.buffer.push(byte);
                self.newline();
            }
            b':' => self.buffer.extend_from_slice(b": "),
            _ => self.buffer.push(byte),
        }
    }
}

impl<W: Write> Write for Indenter<W> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        for &byte in bytes {
            self.byte(byte);
        }
        self.out.write_all(&self.buffer)?;
        self.buffer.clear();
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if let Some(open) = self.pending_open.take() {
            self.out.write_all(&[open])?;
        }
        self.out.flush()
    }
}

/// `value` as indented JSON text.
pub(crate) fn to_string(value: &impl serde::Serialize) -> serde_json::Result<String> {
    let mut indenter = Indenter::new(Vec::new());
    serde_json::to_writer(&mut indenter, value)?;
    indenter.flush().map_err(serde_json::Error::io)?;
    // serde_json writes UTF-8 only, and indenting adds only ASCII between its tokens.
    Ok(String::from_utf8_lossy(&indenter.out).into_owned())
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    fn values() -> Vec<serde_json::Value> {
        vec![
            serde_json::json!({
                "a": [], "b": {}, "c": [1, -2.5, 1e300, 18446744073709551615u64, null, true],
                "d": {"e": "\u{1b}[2J \"q\" \\ é {[,:]}", "f": [{"g": {}}, [[]], ["\\"]]},
                "": "\\\\\"", "h\"[": {"i": [{}]}
            }),
            serde_json::json!([]),
            serde_json::json!({}),
            serde_json::json!("text {with} [brackets], \"quotes\": and \\ escapes"),
            serde_json::json!(12),
        ]
    }

    #[test]
    fn indented_text_is_what_serde_writes_for_the_same_value() {
        for value in values() {
            let expected = serde_json::to_string_pretty(&value).expect("serializes");
            assert_eq!(super::to_string(&value).expect("indents"), expected);
            let raw = crate::model::RawDocument::from_value(&value);
            assert_eq!(super::to_string(&raw).expect("indents"), expected);
            // However the compact text is cut into writes.
            let compact = value.to_string();
            for size in [1, 2, 3, 7] {
                let mut indenter = super::Indenter::new(Vec::new());
                for piece in compact.as_bytes().chunks(size) {
                    indenter.write_all(piece).expect("writes");
                }
                indenter.flush().expect("flushes");
                assert_eq!(String::from_utf8(indenter.out).expect("UTF-8"), expected, "writes of {size}");
            }
        }
    }
}
