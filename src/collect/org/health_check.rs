//! Salesforce's own Health Check through the Tooling API: the score (`SecurityHealthCheck`) and
//! the settings that miss the baseline (`SecurityHealthCheckRisks`), shown beside sfaudit's own.
//!
//! Fields: https://developer.salesforce.com/docs/atlas.en-us.264.0.api_tooling.meta/api_tooling/tooling_api_objects_securityhealthcheck.htm
//! and …/tooling_api_objects_securityhealthcheckrisks.htm. `Score` is a string (0–100); `RiskType`
//! is `HIGH_RISK`, `MEDIUM_RISK` or `MEETS_STANDARD` for the org's value; `Setting` is a display
//! label in the user's language.

use serde_json::Value;

use crate::model::{HealthCheckRisk, SalesforceHealthCheck};
use crate::salesforce::{Client, Priority, SfError, rest};

pub(crate) const SOURCE: &str = "SecurityHealthCheck";
const SCORE_SOQL: &str = "SELECT Score, CustomBaselineId, DurableId FROM SecurityHealthCheck";
const RISKS_SOQL: &str = "SELECT DurableId, RiskType, Setting, SettingGroup, SettingRiskCategory, OrgValue, StandardValue FROM \
     SecurityHealthCheckRisks";

/// The score row and the risk rows, read at once.
pub(crate) async fn read(client: &Client) -> Result<(Vec<Value>, Vec<Value>), SfError> {
    let score = rest::tooling_query(client, SOURCE, SCORE_SOQL, Priority::High);
    let risks = rest::tooling_query(client, "SecurityHealthCheckRisks", RISKS_SOQL, Priority::High);
    let (score, risks) = tokio::join!(score, risks);
    Ok((score?.records, risks?.records))
}

/// How many high-risk settings the evidence names before "and N more".
const NAMED: usize = 5;

pub(crate) fn summarize(score_rows: &[Value], risk_rows: &[Value]) -> SalesforceHealthCheck {
    let text = |row: &Value, field: &str| row.get(field).and_then(Value::as_str).unwrap_or_default().trim().to_string();
    let first = score_rows.first();
    let score = first.and_then(|row| match row.get("Score") {
        Some(Value::String(text)) => text.trim().parse::<f64>().ok(),
        Some(Value::Number(number)) => number.as_f64(),
        _ => None,
    });
    let score = score.filter(|score| (0.0..=100.0).contains(score)).map(|score| score.round() as i64);
    let baseline = first.map(|row| text(row, "CustomBaselineId")).unwrap_or_default();
    let mut high_risk: Vec<HealthCheckRisk> = risk_rows
        .iter()
        .filter(|row| text(row, "RiskType").eq_ignore_ascii_case("HIGH_RISK"))
        .map(|row| HealthCheckRisk {
            group: text(row, "SettingGroup"),
            setting: text(row, "Setting"),
            org_value: text(row, "OrgValue"),
            standard_value: text(row, "StandardValue"),
        })
        .collect();
    high_risk.sort_by(|a, b| (&a.group, &a.setting).cmp(&(&b.group, &b.setting)));
    high_risk.dedup();
    let medium_risk_count =
        risk_rows.iter().filter(|row| text(row, "RiskType").eq_ignore_ascii_case("MEDIUM_RISK")).count();
    let score_text = score.map_or_else(|| "no score".to_string(), |score| format!("score {score}/100"));
    let evidence = if high_risk.is_empty() {
        format!("Salesforce Health Check {score_text}; no high-risk settings")
    } else {
        let mut named: Vec<String> = high_risk
            .iter()
            .take(NAMED)
            .map(|risk| {
                let value = if risk.org_value.is_empty() { "not set".to_string() } else { risk.org_value.clone() };
                format!("{}: {} ({value}; standard {})", risk.group, risk.setting, risk.standard_value)
            })
            .collect();
        if high_risk.len() > NAMED {
            named.push(format!("and {} more", high_risk.len() - NAMED));
        }
        format!(
            "Salesforce Health Check {score_text}; {} high-risk setting{}: {}",
            high_risk.len(),
            if high_risk.len() == 1 { "" } else { "s" },
            named.join(", ")
        )
    };
    SalesforceHealthCheck {
        score,
        baseline,
        high_risk,
        medium_risk_count: i64::try_from(medium_risk_count).unwrap_or(i64::MAX),
        evidence,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_score_is_read_as_text_and_high_risks_listed() {
        let score = [serde_json::json!({"Score": "62", "CustomBaselineId": null, "DurableId": "x"})];
        let risks = [
            serde_json::json!({"RiskType": "HIGH_RISK", "Setting": "Minimum password length", "SettingGroup": "Password Policies", "OrgValue": "8", "StandardValue": "12"}),
            serde_json::json!({"RiskType": "MEDIUM_RISK", "Setting": "Password question requirement", "SettingGroup": "Password Policies", "OrgValue": "None", "StandardValue": "Cannot contain password"}),
            serde_json::json!({"RiskType": "MEETS_STANDARD", "Setting": "Lockout", "SettingGroup": "Password Policies", "OrgValue": "5", "StandardValue": "5"}),
        ];
        let check = summarize(&score, &risks);
        assert_eq!((check.score, check.medium_risk_count, check.high_risk.len()), (Some(62), 1, 1));
        assert_eq!(
            check.evidence,
            "Salesforce Health Check score 62/100; 1 high-risk setting: Password Policies: Minimum password length (8; standard 12)"
        );
        assert_eq!(summarize(&[], &[]).score, None);
    }
}
