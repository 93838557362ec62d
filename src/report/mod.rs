//! Renderers: pure functions from a [`Report`] (run metadata, inventory, results, summary and the
//! gate's decision) to text.
//!
//! Nothing here knows where the data came from. Every string from an org, a file or a rule goes
//! through [`crate::escape`] for the format it is written in.

mod bounded;
mod chunked;
pub(crate) mod csv;
pub(crate) mod drift;
pub(crate) mod fleet;
mod grid;
pub(crate) mod health_check;
pub(crate) mod history;
pub(crate) mod html;
pub mod json;
pub(crate) mod junit;
pub(crate) mod labels;
pub(crate) mod markdown;
pub(crate) mod ocsf;
pub(crate) mod revoke_plan;
pub(crate) mod rules;
pub(crate) mod sarif;
pub(crate) mod suppressions;
pub mod table;
pub(crate) mod tables;
pub(crate) mod tokens;

pub use crate::document::Report;

/// Every output format. All are pure functions of a [`Report`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    Table,
    Json,
    Html,
    Markdown,
    Sarif,
    Junit,
    Csv,
    /// OCSF Compliance Finding events (class 2003), one JSON object per line, for a SIEM.
    Ocsf,
}

impl Format {
    pub const ALL: [Format; 8] =
        [Self::Table, Self::Json, Self::Html, Self::Markdown, Self::Sarif, Self::Junit, Self::Csv, Self::Ocsf];

    /// The name on the command line and in the config.
    pub fn name(self) -> &'static str {
        match self {
            Self::Table => "table",
            Self::Json => "json",
            Self::Html => "html",
            Self::Markdown => "markdown",
            Self::Sarif => "sarif",
            Self::Junit => "junit",
            Self::Csv => "csv",
            Self::Ocsf => "ocsf",
        }
    }

    /// A format by name, in any case.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|format| format.name().eq_ignore_ascii_case(text.trim()))
    }

    /// File name extension used with `--output-dir`.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Table => "txt",
            Self::Json => "json",
            Self::Html => "html",
            Self::Markdown => "md",
            Self::Sarif => "sarif",
            Self::Junit => "junit.xml",
            Self::Csv => "csv",
            Self::Ocsf => "ocsf.jsonl",
        }
    }
}

/// Renders one format. `width` only affects the terminal table. Every format but JSON shows
/// long strings cut (see [`bounded`]); the JSON document keeps them whole.
pub fn render(format: Format, report: &Report<'_>, width: Option<u16>) -> String {
    if format == Format::Json {
        return render_as_is(format, report, width);
    }
    with_long_strings_cut(format, report, |report| render_as_is(format, report, width))
}

/// `use_report` on `report` with its long strings cut for `format` (see [`bounded`]).
fn with_long_strings_cut<T>(format: Format, report: &Report<'_>, use_report: impl FnOnce(&Report<'_>) -> T) -> T {
    match bounded::bounded(report, format) {
        Some(bounded) => use_report(&bounded.report(report)),
        None => use_report(report),
    }
}

fn render_as_is(format: Format, report: &Report<'_>, width: Option<u16>) -> String {
    match format {
        Format::Table => table::render(report, width),
        Format::Json => json::render(report),
        Format::Html => html::render(report),
        Format::Markdown => markdown::render(report),
        Format::Sarif => sarif::render(report),
        Format::Junit => junit::render(report),
        Format::Csv => csv::render(report),
        Format::Ocsf => ocsf::render(report),
    }
}

/// How a report is laid out, apart from what it says.
#[derive(Debug, Clone, Copy, Default)]
pub struct Layout {
    /// Wrap the terminal table to this width.
    pub width: Option<u16>,
    /// Indent the JSON document (`--pretty`); it is compact otherwise.
    pub pretty: bool,
}

/// Writes one format to `out`; JSON, the terminal table, SARIF, CSV, OCSF and JUnit are streamed;
/// Markdown and HTML are rendered first.
pub fn write(format: Format, report: &Report<'_>, layout: Layout, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    match format {
        Format::Json => json::write(report, layout.pretty, out),
        Format::Table => with_long_strings_cut(format, report, |report| table::write(report, layout.width, out)),
        Format::Sarif => with_long_strings_cut(format, report, |report| sarif::write(report, out)),
        Format::Csv => with_long_strings_cut(format, report, |report| csv::write(report, out)),
        Format::Ocsf => with_long_strings_cut(format, report, |report| ocsf::write(report, out)),
        Format::Junit => with_long_strings_cut(format, report, |report| junit::write(report, out)),
        other => out.write_all(render(other, report, layout.width).as_bytes()),
    }
}
