//! A fleet: several orgs scanned in one run (`--orgs`, `--all-orgs`), and what a reader of the
//! fleet report needs across them: each org's score, band and outcome; the worst findings of the
//! whole fleet; and the same app configured differently from org to org (stricter in production
//! than in its sandbox, or missing in one org). Pure data computed from the orgs' reports.

use std::collections::{BTreeMap, BTreeSet};

use crate::document::{Report, summary::weight};
use crate::model::{EvaluationDate, ResourceKind, Severity, Status};

/// Findings listed under "worst findings across the fleet".
pub const WORST_LISTED: usize = 25;

/// One org of the fleet.
#[derive(Debug, Clone)]
pub struct Member<'a> {
    /// The `[orgs.NAME]` profile.
    pub name: String,
    pub outcome: Outcome<'a>,
    /// The exit code this org alone would give.
    pub exit_code: u8,
    /// Where its own full reports were written (relative to the fleet report), if anywhere.
    pub reports: Option<String>,
}

#[derive(Debug, Clone)]
pub enum Outcome<'a> {
    Scanned {
        report: Report<'a>,
        incomplete: bool,
    },
    /// Nothing to evaluate: the login was refused, the API limit reached, a setting is wrong.
    Failed {
        message: String,
        hint: Option<String>,
    },
}

#[derive(Debug, Clone)]
pub struct Fleet<'a> {
    pub members: Vec<Member<'a>>,
    pub evaluated_at: EvaluationDate,
    pub exit_code: u8,
    pub tool: String,
}

/// A failing result and the org it is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FleetFinding {
    pub org: String,
    pub severity: Severity,
    pub rule_id: String,
    pub title: String,
    pub kind: ResourceKind,
    pub app: String,
    pub actual: Option<String>,
    pub expected: String,
}

/// One org's result for one rule on one app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgValue {
    pub org: String,
    pub status: Status,
    pub actual: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleDifference {
    pub rule_id: String,
    pub title: String,
    pub severity: Severity,
    pub values: Vec<OrgValue>,
}

/// An app that is not the same everywhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppDifference {
    pub kind: ResourceKind,
    pub name: String,
    /// Scanned orgs that have the app, and those that do not.
    pub present_in: Vec<String>,
    pub missing_in: Vec<String>,
    /// Rules whose outcome differs between the orgs that have it.
    pub rules: Vec<RuleDifference>,
    /// Per org, the weight of the app's failing results (critical 10 … info 0): lower is stricter.
    pub failing_weight: Vec<(String, u64)>,
}

impl AppDifference {
    /// The strictest and the most lenient org, when they differ.
    pub fn strictest(&self) -> Option<(&str, &str)> {
        let min = self.failing_weight.iter().min_by_key(|(_, weight)| *weight)?;
        let max = self.failing_weight.iter().max_by_key(|(_, weight)| *weight)?;
        (min.1 < max.1).then_some((min.0.as_str(), max.0.as_str()))
    }
}

impl Fleet<'_> {
    pub fn scanned(&self) -> impl Iterator<Item = (&str, &Report<'_>)> {
        self.members.iter().filter_map(|member| match &member.outcome {
            Outcome::Scanned { report, .. } => Some((member.name.as_str(), report)),
            Outcome::Failed { .. } => None,
        })
    }

    /// Orgs that are incomplete or could not be scanned at all.
    pub fn incomplete(&self) -> Vec<&str> {
        self.members
            .iter()
            .filter(|member| match &member.outcome {
                Outcome::Scanned { incomplete, .. } => *incomplete,
                Outcome::Failed { .. } => true,
            })
            .map(|member| member.name.as_str())
            .collect()
    }

    /// Every unsuppressed failing result of every org, worst first, then by org, rule and app.
    pub fn worst_findings(&self) -> (Vec<FleetFinding>, usize) {
        let mut all: Vec<FleetFinding> = self
            .scanned()
            .flat_map(|(org, report)| {
                report
                    .results
                    .iter()
                    .filter(|result| result.status == Status::Fail && result.suppression.is_none())
                    .map(move |result| FleetFinding {
                        org: org.to_string(),
                        severity: result.severity,
                        rule_id: result.rule_id().to_string(),
                        title: result.rule.title.to_string(),
                        kind: result.resource.kind,
                        app: result.resource.name.to_string(),
                        actual: result.actual().map(str::to_string),
                        expected: result.rule.expected.to_string(),
                    })
            })
            .collect();
        all.sort_by(|a, b| (b.severity, &a.org, &a.rule_id, &a.app).cmp(&(a.severity, &b.org, &b.rule_id, &b.app)));
        let total = all.len();
        all.truncate(WORST_LISTED);
        (all, total)
    }

    /// Apps configured differently across the scanned orgs, by kind and name.
    pub fn differences(&self) -> Vec<AppDifference> {
        let orgs: Vec<&str> = self.scanned().map(|(org, _)| org).collect();
        type Key = (ResourceKind, String);
        /// Per org: the outcome and the value found.
        type ByOrg<'o> = BTreeMap<&'o str, (Status, Option<String>)>;
        let mut present: BTreeMap<Key, BTreeSet<&str>> = BTreeMap::new();
        // (app, rule) → org → (status, actual); and the rule's title and severity.
        let mut outcomes: BTreeMap<(Key, String), ByOrg<'_>> = BTreeMap::new();
        let mut rules: BTreeMap<String, (String, Severity)> = BTreeMap::new();
        let mut weights: BTreeMap<Key, BTreeMap<&str, u64>> = BTreeMap::new();
        for (org, report) in self.scanned() {
            for app in &report.inventory.apps {
                present.entry((app.kind, app.name.clone())).or_default().insert(org);
                weights.entry((app.kind, app.name.clone())).or_default().insert(org, 0);
            }
            for result in report.results.iter() {
                if result.resource.kind == ResourceKind::Org {
                    continue;
                }
                let key = (result.resource.kind, result.resource.name.to_string());
                if result.status == Status::Fail {
                    *weights.entry(key.clone()).or_default().entry(org).or_default() += weight(result.severity);
                }
                rules.entry(result.rule_id().to_string()).or_insert((result.rule.title.to_string(), result.severity));
                outcomes
                    .entry((key, result.rule_id().to_string()))
                    .or_default()
                    .insert(org, (result.status, result.actual().map(str::to_string)));
            }
        }
        let mut differences = Vec::new();
        for (key, found_in) in present {
            let missing_in: Vec<String> =
                orgs.iter().filter(|org| !found_in.contains(*org)).map(|org| (*org).to_string()).collect();
            let mut app_rules = Vec::new();
            for ((app, rule_id), by_org) in outcomes.range((key.clone(), String::new())..) {
                if *app != key {
                    break;
                }
                let distinct: BTreeSet<(Status, &Option<String>)> =
                    by_org.values().map(|(status, actual)| (*status, actual)).collect();
                if by_org.len() < 2 || distinct.len() < 2 {
                    continue;
                }
                let (title, severity) = rules.get(rule_id).cloned().unwrap_or((String::new(), Severity::Info));
                app_rules.push(RuleDifference {
                    rule_id: rule_id.clone(),
                    title,
                    severity,
                    values: by_org
                        .iter()
                        .map(|(org, (status, actual))| OrgValue {
                            org: (*org).to_string(),
                            status: *status,
                            actual: actual.clone(),
                        })
                        .collect(),
                });
            }
            if missing_in.is_empty() && app_rules.is_empty() {
                continue;
            }
            app_rules.sort_by(|a, b| (b.severity, &a.rule_id).cmp(&(a.severity, &b.rule_id)));
            let failing_weight = weights
                .get(&key)
                .map(|by_org| by_org.iter().map(|(org, weight)| ((*org).to_string(), *weight)).collect())
                .unwrap_or_default();
            differences.push(AppDifference {
                kind: key.0,
                name: key.1,
                present_in: found_in.iter().map(|org| (*org).to_string()).collect(),
                missing_in,
                rules: app_rules,
                failing_weight,
            });
        }
        differences
    }
}
