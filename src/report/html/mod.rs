//! The HTML report: one self-contained file laid out like Salesforce's Security Health Check and
//! Security Health Review.
//!
//! The file loads nothing (no scripts, fonts, images or style sheets from anywhere), so it opens
//! from disk, from a mail attachment or behind a strict Content-Security-Policy, which the file
//! also declares for itself. Expandable rows are `<details>` elements; there is no JavaScript.
//! Every string that comes from the org, the project or a rule file goes through
//! [`crate::escape::html`]. The output is a pure function of the report: the only date in it is
//! the evaluation date.
//!
//! Layout: [`view`] holds the report with its lookups; [`frame`] the page around the sections
//! (head, masthead, footer) and `style.css`, inlined; [`sections`] the overview, apps, controls
//! and coverage sections; [`extras`] the notices, input problems, policy loosenings and coverage
//! tables; [`health`] Salesforce's own Health Check; [`writeup`] the control write-ups;
//! [`calendar`] the certificate calendar; [`trend`] the score trend chart and "since the previous
//! scan" (runs with history); [`cells`] the small pieces of markup and the date helpers the others
//! share.

mod calendar;
mod cells;
mod extras;
mod fleet;
mod frame;
mod health;
mod sections;
mod trend;
mod view;
mod writeup;

use crate::document::Report;
pub(crate) use fleet::render as render_fleet;
use view::View;

/// The policy the file declares for itself: nothing may load, inline styles only, `data:` images.
pub(crate) const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

pub(crate) fn render(report: &Report<'_>) -> String {
    let view = View::new(report);
    let mut out = String::with_capacity(256 * 1024);
    view.head(&mut out);
    out.push_str("<body>\n");
    view.masthead(&mut out);
    out.push_str("<main>\n");
    view.notices(&mut out);
    view.overview(&mut out);
    view.run_tables(&mut out);
    view.salesforce_health_check(&mut out);
    view.history(&mut out);
    view.apps(&mut out);
    view.controls(&mut out);
    view.certificates(&mut out);
    view.coverage(&mut out);
    out.push_str("</main>\n");
    view.footer(&mut out);
    out.push_str("</body>\n</html>\n");
    out
}
