//! What the page says about the run besides its results: the notices at the top, the input
//! problems and policy loosenings, and the coverage tables (paths skipped, files not used, unknown
//! scope names). The content is decided once in [`crate::report::tables`].

use std::fmt::Write as _;

use super::view::View;
use crate::escape::html as escape;
use crate::report::tables::{self, Level, Table};

impl View<'_, '_> {
    /// The run's notices, most serious first, before anything else on the page.
    pub(super) fn notices(&self, out: &mut String) {
        let notices = tables::notices(self.report);
        if notices.is_empty() {
            return;
        }
        out.push_str("<section class=\"notices\" aria-label=\"About this report\">\n");
        for notice in notices {
            let role = if notice.level == Level::Error { " role=\"alert\"" } else { "" };
            let _ = writeln!(
                out,
                "<p class=\"notice notice-{}\" id=\"notice-{}\"{role}><b>{}:</b> {}</p>",
                notice.level.as_str(),
                notice.id.replace('_', "-"),
                notice.level.label(),
                escape(&notice.text)
            );
        }
        out.push_str("</section>\n");
    }

    /// Input problems and policy loosenings, one card each, when there are any.
    pub(super) fn run_tables(&self, out: &mut String) {
        for table in tables::run_tables(self.report) {
            let _ = writeln!(out, "<section class=\"card\" id=\"{}\" aria-labelledby=\"{}-h\">", table.id, table.id);
            let _ = writeln!(
                out,
                "<h2 id=\"{}-h\">{} <span class=\"count\">{}</span></h2>",
                table.id,
                table.title,
                table.rows.len()
            );
            table_body(out, &table);
            out.push_str("</section>\n");
        }
    }

    /// The coverage tables, inside the coverage section.
    pub(super) fn coverage_tables(&self, out: &mut String) {
        for table in tables::coverage_tables(self.report) {
            let _ = writeln!(
                out,
                "<h3 id=\"{}\">{} <span class=\"count\">{}</span></h3>",
                table.id,
                table.title,
                table.rows.len()
            );
            table_body(out, &table);
        }
    }
}

/// The note and the table, every cell escaped.
fn table_body(out: &mut String, table: &Table) {
    let _ = writeln!(out, "<p class=\"note\">{}</p>", escape(table.note));
    out.push_str("<div class=\"scroll\"><table class=\"plain\">\n<thead><tr>");
    for header in &table.header {
        let _ = write!(out, "<th scope=\"col\">{header}</th>");
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &table.rows {
        out.push_str("<tr>");
        for cell in row {
            let _ = write!(out, "<td>{}</td>", escape(cell));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table></div>\n");
}
