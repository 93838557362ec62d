//! Every limit sfaudit enforces on what it reads and what it does with it, in one place. The
//! README's "Limits" table lists the same values with the error each one gives; a test keeps
//! the two in step.
//!
//! Each limit is far above anything a real project, org or rule needs, and low enough that a
//! hostile or mistaken input (a log committed as metadata, a FIFO, a server that never stops
//! sending, a rule that builds lists of lists) ends in an error that names it instead of a hang,
//! an abort or memory exhaustion.

/// One metadata file. Real ones are a few kilobytes.
pub const MAX_METADATA_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// Element nesting of one metadata file or `readMetadata` record (the root element is depth 1).
/// Real metadata nests 5 deep. Each level can add two levels to the JSON written for it (an
/// object and, for repeated elements, an array), so 32 keeps every document sfaudit writes
/// within [`MAX_JSON_DEPTH`] and readable again.
pub const MAX_XML_DEPTH: usize = 32;

/// Nesting of any JSON sfaudit reads: snapshots, results documents (`report --from`, `diff`,
/// `--baseline`, `--snapshot`), `sfdx-project.json` and REST answers. A document sfaudit writes
/// puts what it read at most 5 levels deeper, and `serde_json` reads 128 levels, so whatever
/// sfaudit accepted it can read back.
pub const MAX_JSON_DEPTH: usize = 100;

/// `sfaudit.toml` and a suppressions file.
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// One rule file.
pub const MAX_RULE_FILE_BYTES: u64 = 1024 * 1024;

/// `sfdx-project.json` and a `.forceignore`.
pub const MAX_PROJECT_FILE_BYTES: u64 = 1024 * 1024;

/// Patterns in one `.forceignore`: each is tested against every folder and metadata file of its
/// package directories. Real files hold tens.
pub const MAX_FORCEIGNORE_PATTERNS: usize = 2_000;

/// `--jwt-key-file` (and the PEM text of `SFAUDIT_JWT_KEY`) and `--sfdx-url-file`. An RSA 4096 key
/// is about 3.3 KB.
pub const MAX_KEY_FILE_BYTES: u64 = 64 * 1024;

/// Rules in one rule set, or listed in one saved results document: a stored result names its
/// rule in two bytes. The built-in pack has a few dozen.
pub const MAX_RULES: usize = 65_536;

/// A snapshot or a saved results document. A 10,000-app org's document is about 300 MB.
pub const MAX_SAVED_RESULT_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// One answer of the Salesforce API (a SOAP envelope or a REST page).
pub const MAX_API_BODY_BYTES: u64 = 64 * 1024 * 1024;

/// Pages (or windows) read for one paged collection: a query's `nextRecordsUrl` chain, a usage
/// resource's pages, the `OauthToken` windows. A server that pages for ever would otherwise keep a
/// scan running, and spending the org's daily API allowance, without end.
pub const MAX_PAGES: usize = 10_000;

/// One answer of the OAuth token endpoint. Real ones are under 2 KB.
pub const MAX_TOKEN_BODY_BYTES: u64 = 64 * 1024;

/// Text a server sent (an error message, a fault string) as sfaudit shows it, in characters.
pub const MAX_SERVER_TEXT_CHARS: usize = 300;

/// One string from an org, a metadata file or a saved result (an app name, a value, a reason)
/// in a rendered report, in characters. The JSON document keeps the whole value.
pub const MAX_RENDERED_FIELD_CHARS: usize = 1000;

/// Brackets (`(`, `[`, `{`) nested inside each other in one CEL expression's text. The CEL
/// parser uses well over 100 KiB of stack per level in a debug build (64 levels overflowed the
/// main thread's 8 MiB, 12 a test thread's 2 MiB); the built-in rules nest four at most.
pub const MAX_EXPRESSION_NESTING: usize = 8;

/// Nodes of one CEL expression after macro expansion.
pub const MAX_EXPRESSION_NODES: usize = 2_000;

/// Bytes of one CEL expression's text: the parser recurses once per operator, so a long chain
/// (20,000 field selections in 45 KB) overflowed the main thread's stack; the built-in rules'
/// longest expression is about 300 bytes.
pub const MAX_EXPRESSION_BYTES: usize = 4 << 10;

/// Levels of one CEL expression's tree (an operation inside an operation), which the evaluator
/// recurses through.
pub const MAX_EXPRESSION_DEPTH: usize = 100;

/// Comprehensions (`exists`, `all`, `map`, `filter`, `exists_one`) nested inside each other in
/// one expression.
pub const MAX_COMPREHENSION_NESTING: usize = 3;

/// Comprehension steps of one evaluation of one expression.
pub const MAX_EVALUATION_STEPS: u64 = 1_000_000;

/// Bytes of strings, lists and maps one evaluation of one expression may build (a rough size:
/// string bytes, 16 bytes per list or map element).
pub const MAX_EVALUATION_BYTES: u64 = 64 * 1024 * 1024;

/// Wall-clock time of one evaluation of one expression, in milliseconds.
pub const MAX_EVALUATION_MILLIS: u64 = 5_000;

#[cfg(test)]
mod tests {
    use super::*;

    /// The README documents every limit with its value: this keeps the table true.
    #[test]
    fn the_readme_table_lists_every_limit() {
        let readme = include_str!("../README.md");
        let table = readme.split("### Limits").nth(1).expect("README has a Limits section");
        for (name, shown) in [
            ("MAX_METADATA_FILE_BYTES", "4 MiB"),
            ("MAX_XML_DEPTH", "32"),
            ("MAX_JSON_DEPTH", "100"),
            ("MAX_CONFIG_BYTES", "1 MiB"),
            ("MAX_RULE_FILE_BYTES", "1 MiB"),
            ("MAX_RULES", "65,536"),
            ("MAX_PROJECT_FILE_BYTES", "1 MiB"),
            ("MAX_KEY_FILE_BYTES", "64 KiB"),
            ("MAX_SAVED_RESULT_BYTES", "2 GiB"),
            ("MAX_API_BODY_BYTES", "64 MiB"),
            ("MAX_PAGES", "10,000"),
            ("MAX_TOKEN_BODY_BYTES", "64 KiB"),
            ("MAX_SERVER_TEXT_CHARS", "300"),
            ("MAX_RENDERED_FIELD_CHARS", "1000"),
            ("MAX_EXPRESSION_NESTING", "8"),
            ("MAX_EXPRESSION_NODES", "2000"),
            ("MAX_EXPRESSION_BYTES", "4 KiB"),
            ("MAX_EXPRESSION_DEPTH", "100"),
            ("MAX_COMPREHENSION_NESTING", "3"),
            ("MAX_EVALUATION_STEPS", "1,000,000"),
            ("MAX_EVALUATION_BYTES", "64 MiB"),
            ("MAX_EVALUATION_MILLIS", "5 s"),
        ] {
            let row = table.lines().find(|line| line.contains(&format!("`{name}`")));
            let row = row.unwrap_or_else(|| panic!("README Limits table has no row for {name}"));
            assert!(row.contains(shown), "README row for {name} does not say {shown}: {row}");
        }
        assert_eq!(MAX_METADATA_FILE_BYTES, 4 << 20);
        assert_eq!((MAX_CONFIG_BYTES, MAX_RULE_FILE_BYTES, MAX_PROJECT_FILE_BYTES), (1 << 20, 1 << 20, 1 << 20));
        assert_eq!((MAX_KEY_FILE_BYTES, MAX_TOKEN_BODY_BYTES), (64 << 10, 64 << 10));
        assert_eq!((MAX_SAVED_RESULT_BYTES, MAX_API_BODY_BYTES, MAX_EVALUATION_BYTES), (2 << 30, 64 << 20, 64 << 20));
        assert_eq!(
            (MAX_XML_DEPTH, MAX_JSON_DEPTH, MAX_SERVER_TEXT_CHARS, MAX_RENDERED_FIELD_CHARS),
            (32, 100, 300, 1000)
        );
        assert_eq!((MAX_EXPRESSION_NESTING, MAX_EXPRESSION_NODES, MAX_COMPREHENSION_NESTING), (8, 2_000, 3));
        assert_eq!((MAX_EXPRESSION_BYTES, MAX_EXPRESSION_DEPTH), (4 << 10, 100));
        assert_eq!((MAX_EVALUATION_STEPS, MAX_EVALUATION_MILLIS), (1_000_000, 5_000));
        assert_eq!(MAX_RULES, usize::from(u16::MAX) + 1);
        assert_eq!(MAX_PAGES, 10_000);
    }
}
