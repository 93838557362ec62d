//! What the Salesforce CLI would not deploy: the project's `.forceignore`, read with the
//! gitignore pattern rules the CLI uses (source-deploy-retrieve's `ForceIgnore`, built on the
//! npm `ignore` package, which matches in any letter case), after the CLI's own default patterns.
//!
//! The CLI prepends its defaults to the file's lines, so a line of the file can re-include what
//! a default excludes (`!**/.*`). It adds them only when a `.forceignore` exists; without one it
//! ignores nothing, and neither does sfaudit (older CLI documentation says the defaults always
//! apply; the code that deploys does not, and a scanner must not skip what gets deployed).

use std::path::Path;

use regex::Regex;

use crate::diag::Diagnostic;

/// source-deploy-retrieve `src/resolve/forceIgnore.ts`, `DEFAULT_IGNORE`.
const DEFAULT_PATTERNS: &[&str] = &[
    "**/*.dup",
    "**/.*",
    "!.sf",
    "**/.sf/**",
    "!**/.sf/orgs",
    "!**/.sf/orgs/**",
    "**/.sf/orgs/*/**",
    "!**/.sf/orgs/*/remoteMetadata",
    "!**/.sf/orgs/*/remoteMetadata/**",
    "**/package2-descriptor.json",
    "**/package2-manifest.json",
];

pub(crate) const FILE_NAME: &str = ".forceignore";

#[derive(Debug)]
struct Pattern {
    regex: Regex,
    negated: bool,
    directories_only: bool,
    /// Where the pattern comes from, for the coverage section.
    origin: String,
}

/// The patterns in force for one project.
#[derive(Debug, Default)]
pub(crate) struct ForceIgnore {
    patterns: Vec<Pattern>,
}

impl ForceIgnore {
    /// The project's `.forceignore` under `root` with the CLI's defaults before it, or nothing
    /// when the project has none.
    pub(crate) fn load(root: &Path) -> Result<Self, Diagnostic> {
        let path = root.join(FILE_NAME);
        if !path.is_file() {
            return Ok(Self::default());
        }
        let text = crate::input::read_text(&path, crate::limits::MAX_PROJECT_FILE_BYTES).map_err(|error| {
            Diagnostic::at(FILE_NAME, None, error.to_string(), "check the file and its permissions")
        })?;
        Ok(Self::parse(&text))
    }

    pub(crate) fn parse(text: &str) -> Self {
        let defaults = DEFAULT_PATTERNS
            .iter()
            .filter_map(|line| Pattern::parse(line, format!("the Salesforce CLI's default ignore pattern `{line}`")));
        let lines = text.lines().enumerate().filter_map(|(index, line)| {
            Pattern::parse(line, format!("{FILE_NAME} line {}: `{}`", index + 1, line.trim()))
        });
        Self { patterns: defaults.chain(lines).collect() }
    }

    /// Why `relative` (a path under the project root, `/`-separated) is ignored, if it is. The
    /// last pattern that matches decides, as in gitignore; a caller walking a tree tests each
    /// folder before its contents, since nothing under an ignored folder can be re-included.
    pub(crate) fn ignored(&self, relative: &str, is_directory: bool) -> Option<&str> {
        let decisive = self
            .patterns
            .iter()
            .rev()
            .find(|pattern| (is_directory || !pattern.directories_only) && pattern.regex.is_match(relative))?;
        (!decisive.negated).then_some(decisive.origin.as_str())
    }
}

impl Pattern {
    /// One gitignore line; `None` for blank lines and comments.
    fn parse(line: &str, origin: String) -> Option<Self> {
        let mut line = line.trim_start();
        // Trailing spaces are not part of the pattern unless escaped.
        while line.ends_with(' ') && !line.ends_with("\\ ") {
            line = &line[..line.len() - 1];
        }
        if line.is_empty() || line.starts_with('#') {
            return None;
        }
        let (negated, line) = match line.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, line.strip_prefix('\\').filter(|rest| rest.starts_with(['#', '!'])).unwrap_or(line)),
        };
        let (directories_only, line) = match line.strip_suffix('/') {
            Some(rest) => (true, rest),
            None => (false, line),
        };
        if line.is_empty() {
            return None;
        }
        // A slash anywhere but at the end anchors the pattern to the project root.
        let anchored = line.contains('/');
        let body = translate(line.strip_prefix('/').unwrap_or(line));
        // The npm `ignore` package the CLI builds on matches in any letter case by default
        // (`ignorecase: true`), so `!**/risky.connectedapp-meta.xml` re-includes `Risky.…`.
        let prefix = if anchored { "(?i)^" } else { "(?i)^(?:.*/)?" };
        let regex = Regex::new(&format!("{prefix}{body}$")).ok()?;
        Some(Self { regex, negated, directories_only, origin })
    }
}

/// A gitignore glob as a regex body: `**` spans folders, `*` and `?` stay within one.
fn translate(glob: &str) -> String {
    let characters: Vec<char> = glob.chars().collect();
    let mut out = String::new();
    let mut index = 0;
    while index < characters.len() {
        let character = characters[index];
        let rest: String = characters[index..].iter().collect();
        if rest.starts_with("**/") {
            out.push_str("(?:.*/)?");
            index += 3;
        } else if rest == "**" {
            out.push_str(".*");
            index += 2;
        } else if character == '*' {
            out.push_str("[^/]*");
            index += 1;
        } else if character == '?' {
            out.push_str("[^/]");
            index += 1;
        } else if character == '[' {
            match characters[index..].iter().position(|c| *c == ']').filter(|end| *end > 1) {
                Some(end) => {
                    let class: String = characters[index + 1..index + end].iter().collect();
                    let class = class.strip_prefix('!').map_or(class.clone(), |rest| format!("^{rest}"));
                    out.push('[');
                    out.push_str(&class.replace('\\', "\\\\"));
                    out.push(']');
                    index += end + 1;
                }
                None => {
                    out.push_str("\\[");
                    index += 1;
                }
            }
        } else if character == '\\' && index + 1 < characters.len() {
            out.push_str(&regex::escape(&characters[index + 1].to_string()));
            index += 2;
        } else {
            out.push_str(&regex::escape(&character.to_string()));
            index += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ignored(rules: &ForceIgnore, path: &str, is_directory: bool) -> bool {
        rules.ignored(path, is_directory).is_some()
    }

    #[test]
    fn the_cli_defaults_skip_dot_folders_and_backups_but_not_build_folders() {
        let rules = ForceIgnore::parse("**/__tests__/**\n");
        assert!(ignored(&rules, "force-app/main/default/.hidden", true));
        assert!(ignored(&rules, "force-app/main/default/connectedApps/Old.connectedApp-meta.xml.dup", false));
        assert!(ignored(&rules, "force-app/main/default/__tests__/T.connectedApp-meta.xml", false));
        assert!(!ignored(&rules, "force-app/main/default/node_modules", true));
        assert!(!ignored(&rules, "force-app/target", true));
        assert!(!ignored(&rules, "force-app/main/default/connectedApps/Good.connectedApp-meta.xml", false));
        assert!(!ignored(&rules, ".sf", true), "the defaults re-include .sf itself");
    }

    #[test]
    fn a_line_of_the_file_overrides_the_defaults() {
        let rules = ForceIgnore::parse("!**/.*\n");
        assert!(!ignored(&rules, "force-app/main/default/.hidden", true));
    }

    #[test]
    fn gitignore_anchoring_and_folder_only_patterns() {
        let rules = ForceIgnore::parse(
            "# comment\n\n/force-app/legacy\nnode_modules/\n*.ecaGlblOauth-meta.xml\n!keep.ecaGlblOauth-meta.xml\n",
        );
        assert!(ignored(&rules, "force-app/legacy", true));
        assert!(!ignored(&rules, "other/force-app/legacy", true));
        assert!(ignored(&rules, "force-app/main/node_modules", true));
        assert!(!ignored(&rules, "force-app/main/node_modules", false), "a folder-only pattern skips no file");
        assert!(ignored(&rules, "force-app/x/A_glbloauth.ecaGlblOauth-meta.xml", false));
        assert!(!ignored(&rules, "force-app/x/keep.ecaGlblOauth-meta.xml", false));
        let reason = rules.ignored("force-app/x/A.ecaGlblOauth-meta.xml", false).expect("ignored");
        assert_eq!(reason, ".forceignore line 5: `*.ecaGlblOauth-meta.xml`");
    }

    #[test]
    fn patterns_match_in_any_letter_case_as_the_cli_matches_them() {
        let rules = ForceIgnore::parse("**/Risky.connectedApp-meta.xml\n!**/risky.connectedapp-meta.xml\nLEGACY/\n");
        assert!(!ignored(&rules, "force-app/connectedApps/Risky.connectedApp-meta.xml", false), "re-included");
        assert!(ignored(&rules, "force-app/legacy", true));
    }

    #[test]
    fn globs_stay_within_one_folder_unless_doubled() {
        let rules = ForceIgnore::parse("force-app/*/skip\nforce-app/**/deep\nfile?.xml\n[ab]c.xml\n");
        assert!(ignored(&rules, "force-app/main/skip", true));
        assert!(!ignored(&rules, "force-app/main/default/skip", true));
        assert!(ignored(&rules, "force-app/deep", true));
        assert!(ignored(&rules, "force-app/a/b/deep", true));
        assert!(ignored(&rules, "x/file1.xml", false));
        assert!(ignored(&rules, "bc.xml", false));
        assert!(!ignored(&rules, "cc.xml", false));
    }
}
