//! What the Salesforce CLI would not deploy: the project's `.forceignore`, read with the
//! gitignore pattern rules the CLI uses (source-deploy-retrieve's `ForceIgnore`, built on the
//! npm `ignore` package, which matches in any letter case), after the CLI's own default patterns.
//!
//! The CLI prepends its defaults to the file's lines, so a line of the file can re-include what
//! a default excludes (`!**/.*`). It adds them only when a `.forceignore` exists; without one it
//! ignores nothing, and neither does sfaudit (older CLI documentation says the defaults always
//! apply; the code that deploys does not, and a scanner must not skip what gets deployed).

use std::path::Path;

use regex::bytes::{Regex, RegexBuilder};

use crate::diag::Diagnostic;
use crate::limits::MAX_FORCEIGNORE_PATTERNS;

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

#[derive(Debug, Clone)]
struct Pattern {
    /// `None` for a pattern sfaudit does not read exactly as the CLI's `ignore` package does
    /// (see [`is_exact`]): it then excludes nothing, and as a negation it re-includes
    /// everything, so a difference in reading can only make sfaudit scan more than the CLI
    /// deploys, never less.
    regex: Option<Regex>,
    negated: bool,
    directories_only: bool,
    /// Where the pattern comes from, for the coverage section.
    origin: String,
}

/// The patterns of one `.forceignore`, after the CLI's defaults.
#[derive(Debug, Default)]
pub(crate) struct ForceIgnore {
    patterns: Vec<Pattern>,
    /// The folder holding the file, relative to the project root (`""` for the root): the
    /// patterns match paths relative to it.
    base: String,
    /// The first line that may make the CLI's matcher refuse the whole file (see
    /// [`FILE_NOT_APPLIED`]); the file then ignores nothing, defaults included.
    refused_by: Option<String>,
}

/// Why a pattern is listed in the coverage.
const PATTERN_NOT_APPLIED: &str = "pattern not applied: sfaudit does not read it exactly as the Salesforce \
    CLI does (a closing bracket, a tab, a control character, a character outside ASCII, or globstars side by \
    side), so it skips nothing (as a negation, it re-includes everything)";

/// Why a whole file is listed: a pattern with `[` or `\` can make the `ignore` package build an
/// invalid regular expression (`[/^{`, `*\**\/**/`), and source-deploy-retrieve then catches the
/// error and ignores nothing from that file.
const FILE_NOT_APPLIED: &str = "file not applied: a pattern with a bracket or backslash can make \
    the Salesforce CLI's matcher refuse the whole file, and the CLI then ignores nothing from it; neither \
    does sfaudit (write folders with `/`, and list files without brackets)";

impl ForceIgnore {
    /// The `.forceignore` found at `path` (`base` its folder, relative to the project root), with
    /// the CLI's defaults before it. Something else by that name (a folder) ignores nothing, as
    /// the CLI reads it.
    fn load(path: &Path, base: &str) -> Result<Self, Diagnostic> {
        let shown = if base.is_empty() { FILE_NAME.to_string() } else { format!("{base}/{FILE_NAME}") };
        if !path.is_file() {
            return Ok(Self { base: base.to_string(), ..Self::default() });
        }
        let text = crate::input::read_text(path, crate::limits::MAX_PROJECT_FILE_BYTES)
            .map_err(|error| Diagnostic::at(&shown, None, error.to_string(), "check the file and its permissions"))?;
        // Counted before anything is compiled, so a hostile file costs no more than its reading.
        let patterns = text
            .lines()
            .filter(|line| !line.starts_with('#') && !line.trim_end_matches(is_javascript_space).is_empty())
            .count();
        if patterns > MAX_FORCEIGNORE_PATTERNS {
            return Err(Diagnostic::at(
                &shown,
                None,
                format!("holds {patterns} patterns, over sfaudit's limit of {MAX_FORCEIGNORE_PATTERNS}"),
                "a .forceignore holds tens of patterns; ignore folders rather than files one by one",
            ));
        }
        Ok(Self { base: base.to_string(), ..Self::parse_named(&text, &shown) })
    }

    /// A root `.forceignore`'s text, as the tests and the fuzz target read it.
    pub(crate) fn parse(text: &str) -> Self {
        Self::parse_named(text, FILE_NAME)
    }

    fn parse_named(text: &str, shown: &str) -> Self {
        static DEFAULTS: std::sync::LazyLock<Vec<Pattern>> = std::sync::LazyLock::new(|| {
            DEFAULT_PATTERNS
                .iter()
                .filter_map(|line| {
                    Pattern::parse(line, format!("the Salesforce CLI's default ignore pattern `{line}`"))
                })
                .collect()
        });
        let origin = |index: usize, line: &str| format!("{shown} line {}: `{}`", index + 1, line.trim());
        let refused_by = text
            .lines()
            .enumerate()
            .find(|(_, line)| !line.starts_with('#') && line.contains(['[', '\\']))
            .map(|(index, line)| origin(index, line));
        if refused_by.is_some() {
            return Self { refused_by, ..Self::default() };
        }
        let defaults = DEFAULTS.iter().cloned();
        let lines = text.lines().enumerate().filter_map(|(index, line)| Pattern::parse(line, origin(index, line)));
        Self { patterns: defaults.chain(lines).collect(), ..Self::default() }
    }

    /// Why `relative` (a path under the file's folder, `/`-separated) is ignored, if it is. The
    /// last pattern that matches decides, as in gitignore; a caller walking a tree tests each
    /// folder before its contents, since nothing under an ignored folder can be re-included.
    pub(crate) fn ignored(&self, relative: &str, is_directory: bool) -> Option<&str> {
        let decisive = self
            .patterns
            .iter()
            .rev()
            .find(|pattern| (is_directory || !pattern.directories_only) && pattern.matches(relative))?;
        (!decisive.negated).then_some(decisive.origin.as_str())
    }

    /// What sfaudit does not apply, with where it is written and why.
    fn not_applied(&self) -> impl Iterator<Item = (&str, &'static str)> {
        let file = self.refused_by.as_deref().map(|origin| (origin, FILE_NOT_APPLIED));
        let patterns = self.patterns.iter().filter(|pattern| pattern.regex.is_none());
        file.into_iter().chain(patterns.map(|pattern| (pattern.origin.as_str(), PATTERN_NOT_APPLIED)))
    }
}

/// The `.forceignore` the CLI uses for each package directory: it searches up from the
/// package directory and takes the first it finds (source-deploy-retrieve
/// `ForceIgnore.findAndCreate`), so `force-app/.forceignore` replaces the root's for
/// `force-app`. sfaudit searches up to the scanned folder, not above it: a file above it is
/// not in the project, and without one sfaudit ignores nothing, which scans more, never less.
#[derive(Debug, Default)]
pub(crate) struct ProjectIgnores {
    /// Each package directory, relative to the root, with its file in `files`.
    packages: Vec<(String, Option<usize>)>,
    files: Vec<ForceIgnore>,
}

impl ProjectIgnores {
    pub(crate) fn load(root: &Path, packages: &[String]) -> Result<Self, Diagnostic> {
        let mut ignores = Self::default();
        for package in packages {
            let mut folder = Some(package.as_str());
            let mut found = None;
            while let Some(candidate) = folder {
                let path = root.join(candidate).join(FILE_NAME);
                if std::fs::symlink_metadata(&path).is_ok() {
                    found = Some((path, candidate));
                    break;
                }
                folder = (!candidate.is_empty()).then(|| candidate.rsplit_once('/').map_or("", |(parent, _)| parent));
            }
            let index = match found {
                Some((path, base)) => match ignores.files.iter().position(|file| file.base == base) {
                    Some(index) => Some(index),
                    None => {
                        ignores.files.push(ForceIgnore::load(&path, base)?);
                        Some(ignores.files.len() - 1)
                    }
                },
                None => None,
            };
            ignores.packages.push((package.clone(), index));
        }
        Ok(ignores)
    }

    /// Why `relative` (under the project root, `/`-separated) is not deployed, if it is not: the
    /// file of every package directory holding it must ignore it, since the CLI deploys what any
    /// of them accepts. A path with a character outside printable ASCII is never ignored: the
    /// CLI's matcher folds letter case, counts characters and stops `.` at line breaks
    /// differently from sfaudit's there, and metadata names are printable ASCII.
    pub(crate) fn ignored(&self, relative: &str, is_directory: bool) -> Option<&str> {
        if !relative.bytes().all(is_printable_ascii) {
            return None;
        }
        let mut reason = None;
        for (package, file) in &self.packages {
            if !package_holds(package, relative) {
                continue;
            }
            let file = &self.files[(*file)?];
            let within = if file.base.is_empty() {
                Some(relative)
            } else {
                relative.strip_prefix(file.base.as_str()).and_then(|rest| rest.strip_prefix('/'))
            };
            // The package directory itself, when the file is in it, is never matched; nor is a
            // path the `ignore` package refuses as not relative (`.../x`, `...`): the CLI
            // catches the refusal and deploys it.
            let within = within.filter(|within| !within.is_empty() && !looks_unrelative(within))?;
            reason = Some(reason.unwrap_or(file.ignored(within, is_directory)?));
        }
        reason
    }

    /// What sfaudit does not apply, with where it is written and why, for the coverage.
    pub(crate) fn not_applied(&self) -> impl Iterator<Item = (&str, &'static str)> {
        self.files.iter().flat_map(ForceIgnore::not_applied)
    }
}

/// Whether the package directory `package` (`""` for the whole project) holds `relative`, both
/// relative to the project root.
pub(crate) fn package_holds(package: &str, relative: &str) -> bool {
    package.is_empty()
        || relative == package
        || relative.strip_prefix(package).is_some_and(|rest| rest.starts_with('/'))
}

fn is_printable_ascii(byte: u8) -> bool {
    (b' '..=b'~').contains(&byte)
}

/// The `ignore` package's `/^\.*\/|^\.+$/`: a path it throws on.
fn looks_unrelative(path: &str) -> bool {
    let after_dots = path.trim_start_matches('.');
    after_dots.starts_with('/') || after_dots.is_empty()
}

impl Pattern {
    /// One line, read as the `ignore` package reads it; `None` for blank lines and comments.
    /// Trailing white space is dropped; leading white space is part of the pattern.
    fn parse(line: &str, origin: String) -> Option<Self> {
        // The package drops a byte order mark before a pattern, as an editor writes one.
        let line = line.strip_prefix('\u{feff}').unwrap_or(line);
        if line.starts_with('#') {
            return None;
        }
        if line.trim_end_matches(is_javascript_space).is_empty() {
            return None;
        }
        let (negated, line) = match line.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, line),
        };
        let line = line.strip_prefix('\\').filter(|rest| rest.starts_with(['#', '!'])).unwrap_or(line);
        // The package decides anchoring before it trims: in `default/ ` the slash is not last,
        // so the pattern is anchored to the file's folder.
        let anchored = line.char_indices().any(|(index, character)| character == '/' && index + 1 < line.len());
        let line = line.trim_end_matches(is_javascript_space);
        if line.is_empty() {
            // `!` alone is an empty pattern there, which matches every path: it re-includes all.
            return Some(Self { regex: compile(""), negated, directories_only: false, origin });
        }
        let (directories_only, body) = match line.strip_suffix('/') {
            Some(rest) => (true, rest),
            None => (false, line),
        };
        // Globstars next to each other (`**/**`, `***`) and a folder pattern ending in one
        // (`x/**/`) match folders there that sfaudit's reading would not.
        let unusual_globstar =
            body.contains("**/**") || body.contains("***") || (directories_only && body.ends_with("/**"));
        if !is_exact(line) || unusual_globstar {
            return Some(Self { regex: None, negated, directories_only: false, origin });
        }
        if body.is_empty() {
            return None;
        }
        let body = match body.strip_prefix('/') {
            // `/**` is two stars in one segment there, not a globstar: the top-level entries.
            Some("**") => "[^/]*".to_string(),
            Some(rest) => translate(rest),
            None => translate(body),
        };
        let prefix = if anchored { "^" } else { "^(?:.*/)?" };
        let regex = compile(&format!("{prefix}{body}$"))?;
        Some(Self { regex: Some(regex), negated, directories_only, origin })
    }

    fn matches(&self, relative: &str) -> bool {
        self.regex.as_ref().map_or(self.negated, |regex| regex.is_match(relative.as_bytes()))
    }
}

/// Patterns and the paths they are tested on are ASCII, so the regex is too: small and quick to
/// build however many `?` a hostile file holds. The npm `ignore` package the CLI builds on
/// matches in any letter case by default (`ignorecase: true`), ASCII letters only where the
/// pattern is ASCII, so `!**/risky.connectedapp-meta.xml` re-includes `Risky.…`.
fn compile(pattern: &str) -> Option<Regex> {
    RegexBuilder::new(pattern).unicode(false).case_insensitive(true).build().ok()
}

/// Whether sfaudit reads `pattern` exactly as the `ignore` package does: printable ASCII
/// without brackets or backslashes. Those it reads its own way (`[!a]` is not a negated class
/// there, a tab inside a pattern is a space, a backslash escapes), and outside ASCII letter case
/// folds differently; such a pattern is listed in the coverage and not applied. (A file with `[`
/// or `\` in a pattern is not applied at all, before its patterns are read.)
fn is_exact(pattern: &str) -> bool {
    pattern.bytes().all(|byte| is_printable_ascii(byte) && !matches!(byte, b'[' | b']' | b'\\'))
}

/// JavaScript's `\s`, which the `ignore` package trims from the end of a pattern.
fn is_javascript_space(character: char) -> bool {
    matches!(
        character,
        '\t' | '\n' | '\u{0b}' | '\u{0c}' | '\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}' | '\u{2028}' | '\u{2029}' | '\u{202f}' | '\u{205f}' | '\u{3000}' | '\u{feff}'
    )
}

/// An exact gitignore glob as a regex body: `**` as a whole path segment spans folders, `*` and
/// `?` stay within one (`a**/b` is `a*/b`).
fn translate(glob: &str) -> String {
    let mut out = String::new();
    let mut rest = glob;
    while let Some(character) = rest.chars().next() {
        let segment_start = rest.len() == glob.len() || out.ends_with('/');
        if let Some(after) = rest.strip_prefix("**/").filter(|_| segment_start) {
            out.push_str("(?:.*/)?");
            rest = after;
        } else if rest == "**" && segment_start {
            out.push_str(".*");
            rest = "";
        } else {
            match character {
                '*' => out.push_str("[^/]*"),
                '?' => out.push_str("[^/]"),
                other => out.push_str(&regex::escape(&other.to_string())),
            }
            rest = &rest[character.len_utf8()..];
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
        let rules = ForceIgnore::parse("force-app/*/skip\nforce-app/**/deep\nfile?.xml\n");
        assert!(ignored(&rules, "force-app/main/skip", true));
        assert!(!ignored(&rules, "force-app/main/default/skip", true));
        assert!(ignored(&rules, "force-app/deep", true));
        assert!(ignored(&rules, "force-app/a/b/deep", true));
        assert!(ignored(&rules, "x/file1.xml", false));
    }

    /// Each of these reads differently in the CLI's `ignore` package (`[!a]` is the class of
    /// `!` and `a` there, a tab inside a pattern is a space, `\B` is `B`), so each is listed and
    /// not applied; as a negation, it re-includes everything.
    #[test]
    fn patterns_sfaudit_does_not_read_exactly_skip_nothing() {
        for pattern in ["[!a]ad.xml", "[^a]ad.xml", "\\Bad.xml", "B\tad.xml", "Bäd.xml", "**/Ri\u{17f}ky.xml"] {
            let rules = ForceIgnore::parse(&format!("{pattern}\n"));
            assert!(!ignored(&rules, "force-app/Bad.xml", false), "{pattern:?}");
            assert!(!ignored(&rules, "force-app/Risky.xml", false), "{pattern:?}");
            assert_eq!(rules.not_applied().count(), 1, "{pattern:?}");
            let negated = ForceIgnore::parse(&format!("**/*.xml\n!{pattern}\n"));
            assert!(!ignored(&negated, "force-app/Other.xml", false), "{pattern:?} re-includes everything");
        }
    }

    /// `tests/fixtures/forceignore/node-ignore-cases.json` holds what the CLI's matcher decided
    /// for random patterns and paths (`generate.js` beside it). An exact pattern decides as it
    /// does; with any other, sfaudit may scan more than the CLI deploys, never less.
    #[test]
    fn files_are_ignored_as_the_clis_matcher_ignores_them() {
        let text = include_str!("../../tests/fixtures/forceignore/node-ignore-cases.json");
        let cases: Vec<serde_json::Value> = serde_json::from_str(text).expect("cases");
        let (mut exact, mut inexact) = (0, 0);
        for case in &cases {
            let contents = case["contents"].as_str().expect("contents");
            let rules = ForceIgnore::parse(contents);
            let applies_all = rules.not_applied().count() == 0;
            for entry in case["paths"].as_array().expect("paths") {
                let (path, cli_ignores) = (entry[0].as_str().expect("path"), entry[1].as_bool().expect("decision"));
                // The walk tests each folder before what it holds.
                let folders = path.match_indices('/').map(|(end, _)| &path[..end]);
                let ignored = folders.chain([path]).enumerate().any(|(index, part)| {
                    let is_folder = index < path.matches('/').count();
                    ignored(&rules, part, is_folder)
                });
                if applies_all {
                    exact += 1;
                    assert_eq!(ignored, cli_ignores, "{contents:?} on {path:?}");
                } else {
                    inexact += 1;
                    assert!(!ignored || cli_ignores, "{contents:?} skips {path:?}, which the CLI deploys");
                }
            }
        }
        assert!(exact > 3000 && inexact > 1000, "{exact} exact, {inexact} inexact");
    }

    #[test]
    fn white_space_is_read_as_the_cli_reads_it() {
        // Leading white space is part of the pattern; trailing white space of any kind is not.
        let leading = ForceIgnore::parse(" **/Bad.xml\n");
        assert!(!ignored(&leading, "force-app/Bad.xml", false));
        let trailing = ForceIgnore::parse("\u{feff}**/Bad.xml\n!**/Bad.xml\t\u{a0}\r\n");
        assert!(!ignored(&trailing, "force-app/Bad.xml", false), "the re-include holds");
        assert_eq!(trailing.not_applied().count(), 0);
    }

    #[test]
    fn paths_the_clis_matcher_reads_differently_are_never_ignored() {
        let root = tempfile::tempdir().expect("temp dir");
        std::fs::write(root.path().join(FILE_NAME), "**/*.xml\n**/.*\n").expect("write");
        let ignores = ProjectIgnores::load(root.path(), &["force-app".to_string(), "...".to_string()]).expect("load");
        assert!(ignores.ignored("force-app/Bad.xml", false).is_some());
        assert!(ignores.ignored("force-app/Ba\u{17f}.xml", false).is_none());
        assert!(ignores.ignored("force-app/a\r/Bad.xml", false).is_none(), "`.` stops at a line break there");
        assert!(ignores.ignored("...", true).is_none(), "refused as not relative, so deployed");
        assert!(ignores.ignored(".../Bad.xml", false).is_none());
        assert!(ignores.ignored("force-app/.hidden", true).is_some());
    }

    #[test]
    fn each_package_uses_the_first_file_up_from_it() {
        let root = tempfile::tempdir().expect("temp dir");
        for folder in ["force-app", "other", "nested/inner"] {
            std::fs::create_dir_all(root.path().join(folder)).expect("folder");
        }
        std::fs::write(root.path().join(FILE_NAME), "**/Bad.xml\n").expect("root file");
        std::fs::write(root.path().join("force-app").join(FILE_NAME), "# nothing ignored here\nmain/Skip.xml\n")
            .expect("package file");
        std::fs::create_dir(root.path().join("nested").join(FILE_NAME)).expect("a folder by that name");
        let packages = ["force-app", "other", "nested/inner"].map(str::to_string);
        let ignores = ProjectIgnores::load(root.path(), &packages).expect("load");
        assert!(ignores.ignored("force-app/main/Bad.xml", false).is_none(), "the package's own file wins");
        assert_eq!(
            ignores.ignored("force-app/main/Skip.xml", false),
            Some("force-app/.forceignore line 2: `main/Skip.xml`"),
            "relative to the file's folder"
        );
        assert!(ignores.ignored("other/Bad.xml", false).is_some(), "the root's file, found searching up");
        assert!(
            ignores.ignored("nested/inner/Bad.xml", false).is_none(),
            "a folder named .forceignore ignores nothing"
        );

        // A path in two package directories is skipped only when both files skip it.
        let overlapping = ProjectIgnores::load(root.path(), &["".to_string(), "force-app".to_string()]).expect("load");
        assert!(overlapping.ignored("force-app/main/Bad.xml", false).is_none());
        assert!(overlapping.ignored("other/Bad.xml", false).is_some());
    }
}
