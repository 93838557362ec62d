//! One type for every problem with something the user gave sfaudit (a metadata file, a rule file,
//! the config, a saved result): where it is, what is wrong, and what to do about it.

use std::fmt;

/// A file (or another named input, such as `standard output` or an environment variable) and,
/// when known, the line.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SourceLocation {
    pub path: String,
    pub line: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub location: SourceLocation,
    pub message: String,
    /// What to do; `None` where the error as a whole carries one hint for all its items.
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn new(path: impl Into<String>, line: Option<u32>, message: impl Into<String>) -> Self {
        Self { location: SourceLocation { path: path.into(), line }, message: message.into(), hint: None }
    }

    /// A problem and what to do about it, in one call.
    pub fn at(path: &str, line: Option<u32>, message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self::new(path, line, message).with_hint(hint)
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// One line of a diagnostic: a path or message holding a line break (a file name, a value from
/// the file) cannot start a line of its own in a terminal or CI log.
fn one_line(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains(['\n', '\r']) {
        std::borrow::Cow::Owned(text.replace('\r', "\\r").replace('\n', "\\n"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (path, message) = (one_line(&self.location.path), one_line(&self.message));
        match self.location.line {
            Some(line) => write!(formatter, "{path}:{line}: {message}")?,
            None => write!(formatter, "{path}: {message}")?,
        }
        match &self.hint {
            Some(hint) => write!(formatter, "\n  hint: {}", one_line(hint)),
            None => Ok(()),
        }
    }
}

/// The 1-based line of byte `offset` in `text`; for one lookup. Many lookups in one text use
/// [`LineIndex`].
pub(crate) fn line_of(text: &[u8], offset: usize) -> u32 {
    let newlines = text[..offset.min(text.len())].iter().filter(|byte| **byte == b'\n').count();
    u32::try_from(newlines + 1).unwrap_or(u32::MAX)
}

/// Byte offset → line number by binary search over the positions of the line breaks.
#[derive(Debug, Clone)]
pub(crate) struct LineIndex {
    newlines: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        Self {
            newlines: text.bytes().enumerate().filter(|(_, byte)| *byte == b'\n').map(|(offset, _)| offset).collect(),
        }
    }

    pub fn line(&self, offset: usize) -> u32 {
        u32::try_from(self.newlines.partition_point(|newline| *newline < offset) + 1).unwrap_or(u32::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_counted_alike_by_both_counters() {
        let text = "a\nbc\n\nd";
        let index = LineIndex::new(text);
        for offset in 0..=text.len() + 3 {
            assert_eq!(index.line(offset), line_of(text.as_bytes(), offset), "offset {offset}");
        }
        assert_eq!(line_of(text.as_bytes(), 2), 2);
    }

    #[test]
    fn diagnostics_show_place_message_and_hint() {
        let plain = Diagnostic::new("a.toml", Some(3), "bad");
        assert_eq!(plain.to_string(), "a.toml:3: bad");
        assert_eq!(Diagnostic::new("x", None, "gone").with_hint("look").to_string(), "x: gone\n  hint: look");
        let forged = Diagnostic::new("a\n::error::x.xml", Some(1), "value 'v\r\nw'");
        assert_eq!(forged.to_string(), "a\\n::error::x.xml:1: value 'v\\r\\nw'");
    }
}
