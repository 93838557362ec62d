//! What evaluation produces: one result per (rule, resource), and what later stages record on it
//! (a suppression that accepts it, its state against a baseline).

use std::collections::BTreeMap;

use serde_json::Value;

use super::rule::RuleMeta;
use crate::model::{Confidence, Origin, ResourceKind, Severity, Status, Text};

/// The resource a result is about, as reports name it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResourceRef {
    pub kind: ResourceKind,
    pub name: Text,
    pub label: Text,
    /// The app's namespace prefix (`Namespace__Name` or the project's); empty when it has none.
    pub namespace: Text,
}

/// One result, stored compactly: its rule, resource and location, its texts and its
/// suppression are indexes into the [`Results`] tables, so a large scan holds each text once and
/// a result in 24 bytes; the texts are looked up only where a renderer needs them ([`ResultView`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleResult {
    /// Index into [`Results::rules`] (a rule set holds at most [`crate::limits::MAX_RULES`]).
    pub(crate) rule: u16,
    /// Index into [`Results::resources`].
    pub(crate) resource: u32,
    /// The file a reviewer has to change: which of its resource's entries in
    /// [`Results::locations`] (a resource names at most 256 files).
    pub(crate) location: u8,
    /// The "your value" column, in [`Results::texts`]; `None` when it could not be computed.
    pub(crate) actual: Option<TableIndex>,
    /// Why the result is not a plain pass or fail (what was missing, why it does not apply), in
    /// [`Results::texts`].
    pub(crate) reason: Option<TableIndex>,
    /// Set when a suppression covers this result, in [`Results::suppressions`]: it is still
    /// reported, but does not fail the gate.
    pub(crate) suppression: Option<TableIndex>,
    pub status: Status,
    pub severity: Severity,
    /// How sure the result is (the rule's `confidence`).
    pub confidence: Confidence,
    /// "Your value" rests on a value no file set: Salesforce's documented default was assumed
    /// (the `actual` expression reads a path in the record's `defaults`). Reports show "(default)".
    pub assumed: bool,
    /// With `--baseline`: whether a failing result is new or was already failing.
    pub baseline: Option<BaselineState>,
}

/// The files of one resource a result can name besides its origin, as many as its one byte can
/// point to: far more than the handful of metadata types that hold rule data, and the limit a
/// saved result's results are held to.
pub(crate) const LOCATION_FILES: usize = u8::MAX as usize;

/// A position in one of the [`Results`] tables, held in four bytes (an absent one in none more).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct TableIndex(std::num::NonZeroU32);

impl TableIndex {
    /// Appends `entry` to `table`; returns where it is.
    pub(crate) fn push<T>(table: &mut Vec<T>, entry: T) -> Self {
        let index = Self::next_of(table.len());
        table.push(entry);
        index
    }

    /// The index of the next entry of a table holding `len` entries.
    fn next_of(len: usize) -> Self {
        let position = u32::try_from(len).ok().and_then(|len| len.checked_add(1)).and_then(std::num::NonZeroU32::new);
        // Four billion texts would take far more memory than any machine running a scan has.
        Self(position.expect("fewer than 4,294,967,295 entries in a results table"))
    }

    pub(crate) fn get(self) -> usize {
        self.0.get() as usize - 1
    }

    /// This index once the table it points into follows `offset` other entries.
    pub(crate) fn after(self, offset: u32) -> Self {
        Self(self.0.checked_add(offset).expect("fewer than 4,294,967,295 entries in a results table"))
    }
}

/// A result with its rule, resource and location looked up: what renderers read. Fields of the
/// stored result (`status`, `actual`, …) are reached through it as well.
#[derive(Debug, Clone, Copy)]
pub struct ResultView<'a> {
    pub rule: &'a RuleMeta,
    pub resource: &'a ResourceRef,
    pub location: &'a Origin,
    stored: &'a RuleResult,
    tables: &'a Results,
}

impl std::ops::Deref for ResultView<'_> {
    type Target = RuleResult;

    fn deref(&self) -> &RuleResult {
        self.stored
    }
}

impl<'a> ResultView<'a> {
    pub fn rule_id(&self) -> &'a str {
        &self.rule.id
    }

    pub fn stored(&self) -> &'a RuleResult {
        self.stored
    }

    /// The "your value" column; `None` when it could not be computed.
    pub fn actual(&self) -> Option<&'a str> {
        self.stored.actual.map(|index| &*self.tables.texts[index.get()])
    }

    /// Why the result is not a plain pass or fail.
    pub fn reason(&self) -> Option<&'a str> {
        self.stored.reason.map(|index| &*self.tables.texts[index.get()])
    }

    /// The suppression that accepted the result, if one did.
    pub fn suppression(&self) -> Option<&'a Suppression> {
        self.stored.suppression.map(|index| &self.tables.suppressions[index.get()])
    }

    /// Stable across runs for the same rule and resource, for baselines and SARIF; computed
    /// when asked, as only those need it.
    pub fn fingerprint(&self) -> Fingerprint {
        Fingerprint::of(&self.rule.id, self.resource.kind, &self.resource.name)
    }
}

/// A result's fingerprint: 16 hexadecimal digits, held without an allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint([u8; 16]);

impl Fingerprint {
    /// There is one org per scan, and its name varies with where the project was checked out, so
    /// org findings are fingerprinted without it.
    pub(crate) fn of(rule_id: &str, kind: ResourceKind, name: &str) -> Self {
        use sha2::{Digest, Sha256};
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let name = if kind == ResourceKind::Org { "" } else { name };
        let digest = Sha256::new()
            .chain_update(rule_id.as_bytes())
            .chain_update([0])
            .chain_update(kind.as_str().as_bytes())
            .chain_update([0])
            .chain_update(name.as_bytes())
            .finalize();
        let mut text = [0; 16];
        for (pair, byte) in text.chunks_exact_mut(2).zip(digest.iter()) {
            pair[0] = HEX[usize::from(byte >> 4)];
            pair[1] = HEX[usize::from(byte & 0x0f)];
        }
        Self(text)
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII hexadecimal digits are ever stored.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl std::fmt::Display for Fingerprint {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl serde::Serialize for Fingerprint {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
impl Results {
    /// Adds a result for a test; its rule and resource join the tables when new.
    pub(crate) fn push_test_result(
        &mut self,
        rule_id: &str,
        severity: Severity,
        resource: ResourceRef,
        status: Status,
    ) -> &mut RuleResult {
        let rule = match self.rules.iter().position(|rule| rule.id == rule_id) {
            Some(index) => index,
            None => {
                self.rules.push(RuleMeta::from_result_texts(rule_id, "c", "t", "k", "e", severity));
                self.rules.len() - 1
            }
        };
        let resource = match self.resources.iter().position(|known| *known == resource) {
            Some(index) => index,
            None => {
                // Each resource's one location is the same file-less origin.
                self.resources.push(resource);
                self.first_location.push(0);
                self.resources.len() - 1
            }
        };
        if self.locations.is_empty() {
            self.locations.push(Origin { source: crate::model::SourceKind::Project, path: None, line: None });
        }
        self.results.push(RuleResult {
            rule: u16::try_from(rule).expect("few rules in a test"),
            resource: u32::try_from(resource).expect("few resources in a test"),
            location: 0,
            status,
            severity,
            confidence: Confidence::High,
            assumed: false,
            baseline: None,
            actual: None,
            reason: None,
            suppression: None,
        });
        self.results.last_mut().expect("just pushed")
    }
}

/// Why a result is accepted as a known risk, as written in the suppression that matched it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    pub reason: String,
    pub owner: Option<String>,
    pub ticket: Option<String>,
    /// After this date the suppression no longer applies.
    pub expires: Option<time::Date>,
    /// Where the suppression is written (`sfaudit.toml:12`).
    pub source: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaselineState {
    /// Failing now and not in the baseline: the gate judges these.
    New,
    /// Failing now and already failing in the baseline.
    Unchanged,
}

impl BaselineState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Unchanged => "unchanged",
        }
    }
}

/// Every result of a scan, with the tables its indexes point into.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Results {
    pub results: Vec<RuleResult>,
    pub rules: Vec<RuleMeta>,
    pub resources: Vec<ResourceRef>,
    /// The files results name, each resource's together from where its `first_location` says.
    pub locations: Vec<Origin>,
    /// Where each resource's files start in `locations`, by resource index.
    pub(crate) first_location: Vec<u32>,
    pub params: BTreeMap<String, Value>,
    /// "Your value" and reason texts: each once for every result that shows it.
    pub(crate) texts: Vec<Text>,
    /// The suppressions that accepted results, each once.
    pub(crate) suppressions: Vec<Suppression>,
}

impl Results {
    /// `result` (one of [`Results::results`], or one removed from it) with its texts looked up.
    pub fn view<'a>(&'a self, result: &'a RuleResult) -> ResultView<'a> {
        ResultView {
            rule: &self.rules[result.rule as usize],
            resource: &self.resources[result.resource as usize],
            location: &self.locations
                [self.first_location[result.resource as usize] as usize + usize::from(result.location)],
            stored: result,
            tables: self,
        }
    }

    /// Keeps `text` for results to point at.
    pub(crate) fn add_text(&mut self, text: Text) -> TableIndex {
        TableIndex::push(&mut self.texts, text)
    }

    /// Keeps `suppression` for results to point at.
    pub(crate) fn add_suppression(&mut self, suppression: Suppression) -> TableIndex {
        TableIndex::push(&mut self.suppressions, suppression)
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = ResultView<'_>> + ExactSizeIterator {
        self.results.iter().map(|result| self.view(result))
    }
}

/// One evaluation's outcome before it is attached to a resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub status: Status,
    pub actual: Option<String>,
    pub reason: Option<Text>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_result_takes_24_bytes() {
        // A scan of 50,000 apps keeps two million of them until the report is written.
        assert_eq!(std::mem::size_of::<RuleResult>(), 24);
        assert_eq!(std::mem::size_of::<Option<RuleResult>>(), 24);
    }

    #[test]
    fn texts_and_suppressions_are_looked_up_through_the_view() {
        let mut results = Results::default();
        let resource = ResourceRef {
            kind: ResourceKind::ConnectedApp,
            name: "App".into(),
            label: "App".into(),
            namespace: "".into(),
        };
        results.push_test_result("rule", Severity::High, resource, Status::Fail);
        let actual = results.add_text("AllSelfAuthorized".into());
        let reason = results.add_text("why".into());
        let suppression = results.add_suppression(Suppression {
            reason: "accepted".into(),
            owner: None,
            ticket: None,
            expires: None,
            source: "sfaudit.toml:3".into(),
        });
        let stored = &mut results.results[0];
        (stored.actual, stored.reason, stored.suppression) = (Some(actual), Some(reason), Some(suppression));
        let view = results.iter().next().expect("one result");
        assert_eq!(view.actual(), Some("AllSelfAuthorized"));
        assert_eq!(view.reason(), Some("why"));
        assert_eq!(view.suppression().map(|suppression| suppression.reason.as_str()), Some("accepted"));
        assert_eq!(TableIndex::next_of(0).after(2).get(), 2);
    }
}
