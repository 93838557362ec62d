//! The demo org's people and history, for the live-scan tests and the live sample report: who
//! holds which permission, a month of OAuth logins, Salesforce's Health Check and External Client
//! App token usage. Deterministic: the same data on every run.

use serde_json::json;

use super::access::{AccessConfig, EcaUsage, Login, PermissionAssignment, Risk};
use super::{USER_ID, USERNAME};

const ADMIN: [&str; 6] = [
    "PermissionsCustomizeApplication",
    "PermissionsModifyAllData",
    "PermissionsViewAllData",
    "PermissionsApiEnabled",
    "PermissionsManageUsers",
    "PermissionsCanApproveUninstalledApps",
];

fn user_id(index: usize) -> String {
    format!("005DEMO{index:08}")
}

/// Logins of `users` users spread over `count` logins.
fn logins(application: &str, subtype: &str, count: usize, users: usize, first_user: usize) -> Vec<Login> {
    (0..count)
        .map(|index| Login {
            application: application.to_string(),
            login_subtype: subtype.to_string(),
            status: "Success".to_string(),
            user_id: user_id(first_user + index % users.max(1)),
            login_time: format!("2026-11-{:02}T{:02}:15:00.000+0000", 2 + index % 27, 6 + index % 12),
        })
        .collect()
}

pub fn demo_access() -> AccessConfig {
    let mut scanner = PermissionAssignment::new(USERNAME, "System Administrator", true, &ADMIN);
    scanner.user_id = USER_ID.to_string();
    let mut assignments = vec![
        scanner,
        PermissionAssignment::new("ada.admin@demo.example.com", "System Administrator", true, &ADMIN),
        PermissionAssignment::new("ops.admin@demo.example.com", "System Administrator", true, &ADMIN),
        PermissionAssignment::new(
            "helpdesk@demo.example.com",
            "Connected_App_Approver",
            false,
            &["PermissionsCanApproveUninstalledApps"],
        ),
        PermissionAssignment::new(
            "jane.developer@demo.example.com",
            "ECA_Developer",
            false,
            &["PermissionsViewClientSecret", "PermissionsClientSecretRotation"],
        ),
        PermissionAssignment::new(
            "sales.bot@demo.example.com",
            "Any_API_Client",
            false,
            &["PermissionsUseAnyApiClient", "PermissionsApiEnabled"],
        ),
        PermissionAssignment::new(
            "vendor.integration@example.com",
            "Minimum Access - API Only Integrations",
            true,
            &["PermissionsApiUserOnly", "PermissionsApiEnabled"],
        ),
        PermissionAssignment::new(
            "vendor.integration@example.com",
            "Vendor_Data_Access",
            false,
            &["PermissionsViewAllData"],
        ),
        PermissionAssignment::new(
            "integration.bulk@example.com",
            "Minimum Access - API Only Integrations",
            true,
            &["PermissionsApiUserOnly", "PermissionsApiEnabled"],
        ),
    ];
    let mut former = PermissionAssignment::new("former.admin@demo.example.com", "System Administrator", true, &ADMIN);
    former.active = false;
    assignments.push(former);

    let mut history = logins("Data Loader Bulk", "OauthUsernamePassword", 123, 4, 10);
    history.extend(logins("Field Service Mobile", "OauthHybridUserAgent", 40, 6, 20));
    history.extend(logins("Customer Portal Web", "OauthWebServer", 25, 10, 30));
    history.extend(logins("Payments Gateway", "OauthRefreshToken", 60, 2, 40));
    let mut failed = logins("Data Loader Bulk", "OauthUsernamePassword", 9, 1, 50);
    for login in &mut failed {
        login.status = "Invalid Password".to_string();
    }
    history.extend(failed);

    let risk = |risk_type: &str, group: &str, setting: &str, org: &str, standard: &str| Risk {
        risk_type: risk_type.to_string(),
        group: group.to_string(),
        setting: setting.to_string(),
        org_value: org.to_string(),
        standard_value: standard.to_string(),
    };
    let risks = vec![
        risk("HIGH_RISK", "Password Policies", "Minimum password length", "8", "12"),
        risk(
            "HIGH_RISK",
            "Session Settings",
            "Lock sessions to the IP address from which they originated",
            "Disabled",
            "Enabled",
        ),
        risk("MEDIUM_RISK", "Password Policies", "Maximum invalid login attempts", "10", "5"),
        risk("MEETS_STANDARD", "Session Settings", "Require HttpOnly attribute", "Enabled", "Enabled"),
    ];

    let user = |id: &str, username: &str, first: &str, last: &str, uses: i64| json!({"userIdentifier": id, "username": username, "initialConnectionAt": first, "lastUsedAt": last, "useCount": uses});
    let eca_usage = vec![
        EcaUsage {
            app: json!({"identifier": "Payments_Gateway", "developerName": "Payments_Gateway", "label": "Payments Gateway"}),
            users: vec![
                user(
                    "005DEMO00000040",
                    "payments.svc@demo.example.com",
                    "2026-03-02T08:00:00.000Z",
                    "2026-11-30T23:00:00.000Z",
                    812,
                ),
                user(
                    "005DEMO00000041",
                    "finance.ops@demo.example.com",
                    "2026-05-10T09:30:00.000Z",
                    "2026-11-29T16:45:00.000Z",
                    97,
                ),
            ],
        },
        EcaUsage {
            app: json!({"identifier": "Vendor_Sandbox_Tool", "developerName": "Vendor_Sandbox_Tool", "label": "Vendor Sandbox Tool"}),
            users: vec![user(
                "005DEMO00000060",
                "vendor.integration@example.com",
                "2025-02-14T10:00:00.000Z",
                "2026-04-01T12:00:00.000Z",
                4_410,
            )],
        },
    ];
    AccessConfig {
        assignments,
        logins: history,
        health_score: Some("62".to_string()),
        risks,
        eca_usage,
        ..AccessConfig::default()
    }
}

/// The demo project as an org with OAuth tokens (a recently used app, a dormant one, External
/// Client Apps, and tokens of an app nobody installed), its External Client App settings allowing
/// client secrets through the REST API.
pub fn demo_org(root: &std::path::Path) -> super::OrgData {
    let mut data = super::OrgData::from_project(root);
    data.add_tokens("Field Service Mobile", 6, 3, 1, Some("2026-11-25T10:00:00.000+0000"));
    data.add_tokens("Data Loader Bulk", 4, 2, 10, Some("2026-03-01T08:30:00.000+0000"));
    data.add_tokens("Shadow Data Export", 5, 5, 30, Some("2026-11-28T12:00:00.000+0000"));
    data.components.retain(|component| component.type_name != "ExternalClientAppSettings");
    data.add_component_xml(
        "ExternalClientAppSettings",
        "ExternalClientApp",
        None,
        "<enableClientSecretInRestApiAccess>true</enableClientSecretInRestApiAccess>\
         <enableConsumerSecretApiAccess>false</enableConsumerSecretApiAccess>"
            .to_string(),
    );
    data
}
