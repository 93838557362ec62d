//! Ways a project could make the gate pass while it holds a risky app, found by attacking the
//! tool: a package directory written with `..` or through a link, a linked folder the CLI
//! follows, template words written into a secret or after a certificate, and a broken copy of a
//! component outside the package directories. Each must fail the gate (exit 1) or stop it
//! (exit 2), never pass.

use std::path::Path;

use crate::common::{code, sfaudit, stderr};

const NS: &str = "http://soap.sforce.com/2006/04/metadata";

/// A Connected App that fails several critical controls (secret optional, no PKCE, full scope).
fn risky_app(inner: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ConnectedApp xmlns=\"{NS}\">\n<contactEmail>a@example.com</contactEmail>\n\
         <label>Risky</label>\n<oauthConfig><callbackUrl>https://app.example.com/cb</callbackUrl>\
         <consumerKey>3MVG9AAAA</consumerKey><isAdminApproved>false</isAdminApproved>\
         <isConsumerSecretOptional>true</isConsumerSecretOptional><isPkceRequired>false</isPkceRequired>\
         <scopes>Full</scopes>{inner}</oauthConfig>\n</ConnectedApp>\n"
    )
}

/// An app that passes every high and critical control but the ones `inner` breaks.
fn quiet_app(name: &str, inner: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ConnectedApp xmlns=\"{NS}\">\n<contactEmail>a@example.com</contactEmail>\n\
         <label>{name}</label>\n<oauthConfig><callbackUrl>https://app.example.com/cb</callbackUrl>\
         <consumerKey>3MVG9BBBB</consumerKey><isAdminApproved>true</isAdminApproved>\
         <isConsumerSecretOptional>false</isConsumerSecretOptional><isPkceRequired>true</isPkceRequired>\
         <isSecretRequiredForRefreshToken>true</isSecretRequiredForRefreshToken>\
         <scopes>Api</scopes>{inner}</oauthConfig>\n<oauthPolicy><ipRelaxation>ENFORCE</ipRelaxation>\
         <refreshTokenPolicy>specific_lifetime:3:MONTHS</refreshTokenPolicy></oauthPolicy>\n\
         <permissionSetName>Integration</permissionSetName>\n</ConnectedApp>\n"
    )
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("folders");
    std::fs::write(path, text).expect("write");
}

fn project(package: &str) -> tempfile::TempDir {
    let folder = tempfile::tempdir().expect("temp dir");
    let manifest = format!("{{\"packageDirectories\":[{{\"path\":\"{package}\",\"default\":true}}]}}");
    write(&folder.path().join("sfdx-project.json"), &manifest);
    folder
}

fn gate(folder: &Path, extra: &[&str]) -> std::process::Output {
    let path = folder.display().to_string();
    let mut args = vec!["scan", path.as_str(), "--as-of", "2026-12-01", "--fail-on", "high", "--quiet"];
    args.extend_from_slice(extra);
    sfaudit(&args)
}

#[test]
fn a_package_directory_is_the_folder_it_resolves_to() {
    let folder = project("force-app/../src");
    std::fs::create_dir_all(folder.path().join("force-app")).expect("folder");
    write(&folder.path().join("src/connectedApps/Risky.connectedApp-meta.xml"), &risky_app(""));
    let output = gate(folder.path(), &[]);
    assert_eq!(code(&output), 1, "the app in src/ is deployed and checked: {}", stderr(&output));

    #[cfg(unix)]
    {
        let folder = project("link");
        write(&folder.path().join("real/connectedApps/Risky.connectedApp-meta.xml"), &risky_app(""));
        std::os::unix::fs::symlink(folder.path().join("real"), folder.path().join("link")).expect("symlink");
        let output = gate(folder.path(), &[]);
        assert_eq!(code(&output), 1, "a linked package directory is checked: {}", stderr(&output));
    }
}

#[cfg(unix)]
#[test]
fn a_linked_folder_in_a_package_directory_stops_the_gate() {
    let folder = project("force-app");
    let shared = folder.path().join("shared/connectedApps");
    write(&shared.join("Risky.connectedApp-meta.xml"), &risky_app(""));
    let default = folder.path().join("force-app/main/default");
    std::fs::create_dir_all(&default).expect("folder");
    std::os::unix::fs::symlink(&shared, default.join("sharedApps")).expect("symlink");
    let output = gate(folder.path(), &[]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(stderr(&output).contains("force-app/main/default/sharedApps: is a symbolic link to a folder"));
    // Listed in .forceignore, the CLI does not deploy it either.
    write(&folder.path().join(".forceignore"), "**/sharedApps\n");
    let output = gate(folder.path(), &[]);
    assert_eq!(code(&output), 2, "nothing else is left to judge: {}", stderr(&output));
    assert!(!stderr(&output).contains("symbolic link"), "{}", stderr(&output));
}

#[test]
fn template_words_do_not_hide_a_committed_secret() {
    for secret in [
        "8F3A0C9D51E2${x}4B7F9A6C0D2E1F3B4A5C6D7E8F9A0B1C2D3E4F5A6B7C",
        "8F3A0C9D-xxx-51E24B7F9A6C0D2E1F3B4A5C6D7E8F9A0B1C2D3E4F5A6B7C",
        "Your8F3A0C9D51E24B7F9A6C0D2E1F3B4A5C6D7E8F9A0B1C2D3E4F5A6B7C",
    ] {
        let folder = project("force-app");
        let app = quiet_app("Quiet", &format!("<consumerSecret>{secret}</consumerSecret>"));
        write(&folder.path().join("force-app/connectedApps/Quiet.connectedApp-meta.xml"), &app);
        let output = gate(folder.path(), &[]);
        assert_eq!(code(&output), 1, "{secret}: {}", stderr(&output));
    }
    let folder = project("force-app");
    let app = quiet_app("Quiet", "<consumerSecret>${CONSUMER_SECRET}</consumerSecret>");
    write(&folder.path().join("force-app/connectedApps/Quiet.connectedApp-meta.xml"), &app);
    assert_eq!(code(&gate(folder.path(), &[])), 0, "a template is not a secret");
}

#[test]
fn a_certificate_followed_by_a_todo_line_is_text_after_the_certificate() {
    let path = crate::common::repo_root().join("examples/demo-org/certs/payments.crt");
    let pem = std::fs::read_to_string(path).expect("demo certificate");
    let folder = project("force-app");
    let app = quiet_app("Quiet", &format!("<certificate>{pem}TODO: rotate before expiry</certificate>"));
    write(&folder.path().join("force-app/connectedApps/Quiet.connectedApp-meta.xml"), &app);
    let output = gate(folder.path(), &[]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(stderr(&output).contains("<certificate> cannot be read"), "{}", stderr(&output));
}

#[test]
fn a_broken_copy_outside_the_package_directories_is_an_input_problem() {
    let folder = project("force-app");
    write(&folder.path().join("force-app/connectedApps/Quiet.connectedApp-meta.xml"), &quiet_app("Quiet", ""));
    let secret = "<consumerSecret>8F3A0C9D51E24B7F9A6C0D2E1F3B4A5C6D7E8F9A0B1C2D3E4F5A6B7C</consumerSecret>";
    let copy = folder.path().join("backup/Old.connectedApp-meta.xml");
    write(&copy, &quiet_app("Old", secret));
    assert_eq!(code(&gate(folder.path(), &[])), 1, "a readable copy's secret fails the gate");
    write(&copy, &format!("{}<unclosed>", quiet_app("Old", secret)));
    let output = gate(folder.path(), &[]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("backup/Old.connectedApp-meta.xml")
            && stderr(&output).contains("cannot be checked for committed secrets"),
        "{}",
        stderr(&output)
    );
    write(&copy, &quiet_app("Old", secret).replace("ConnectedApp", "CustomApplication"));
    assert_eq!(code(&gate(folder.path(), &[])), 2, "a wrong root element is not read either");
}

#[test]
fn a_secret_or_key_commented_out_is_still_committed() {
    let folder = project("force-app");
    let app = folder.path().join("force-app/connectedApps/Quiet.connectedApp-meta.xml");
    let secret = "<!-- <consumerSecret>8F3A0C9D51E24B7F9A6C0D2E1F3B4A5C6D7E8F9A0B1C2D3E4F5A6B7C</consumerSecret> -->";
    write(&app, &quiet_app("Quiet", secret));
    let output = gate(folder.path(), &["--format", "json"]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(!report.contains("8F3A0C9D51E24B7F"), "the secret itself is never shown");
    write(&app, &quiet_app("Quiet", "<!-- <consumerSecret>${CONSUMER_SECRET}</consumerSecret> -->"));
    assert_eq!(code(&gate(folder.path(), &[])), 0, "a commented-out template is not a secret");
    // A PEM armour line holds `--`, which a comment may not; the base64 body alone is a key too.
    let key = "<!-- signing key for CI:\nMIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQC7edBc5ii24gEE\n\
               V2YqekzVjkTFP7DS5+C5D78q6vRW1wcjOIfeC323LupuFAYhZ5GIr81EV7dxIlT9\n\
               Ls+gkxKIORbll62V2Ii+ae17QknWISBCV/wJ9odFuurixb5vHy7AX5+ysyugBGYk\n-->";
    write(&app, &quiet_app("Quiet", key));
    let output = gate(folder.path(), &[]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
}

#[test]
fn a_setting_in_another_namespace_is_refused_not_read() {
    let folder = project("force-app");
    let apps = folder.path().join("force-app/main/default/connectedApps");
    write(&apps.join("Quiet.connectedApp-meta.xml"), &quiet_app("Quiet", ""));
    assert_eq!(code(&gate(folder.path(), &[])), 0, "the honest app passes");

    // Salesforce reads element names in the Metadata API namespace; a prefixed copy is not the setting.
    let disguised = quiet_app("Quiet", "").replace(
        "<isAdminApproved>true</isAdminApproved>",
        "<x:isAdminApproved xmlns:x=\"urn:not-salesforce\">true</x:isAdminApproved>",
    );
    write(&apps.join("Quiet.connectedApp-meta.xml"), &disguised);
    let output = gate(folder.path(), &[]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(stderr(&output).contains("Quiet.connectedApp-meta.xml"), "{}", stderr(&output));
    assert!(stderr(&output).contains("'isAdminApproved' is in namespace 'urn:not-salesforce'"), "{}", stderr(&output));
}

#[test]
fn a_package_directorys_own_forceignore_replaces_the_projects() {
    let folder = project("force-app");
    let apps = folder.path().join("force-app/main/default/connectedApps");
    write(&apps.join("Quiet.connectedApp-meta.xml"), &quiet_app("Quiet", ""));
    write(&apps.join("Risky.connectedApp-meta.xml"), &risky_app(""));
    // The root file would skip the app; the CLI reads only the package directory's own file.
    write(&folder.path().join(".forceignore"), "**/Risky.connectedApp-meta.xml\n");
    assert_eq!(code(&gate(folder.path(), &[])), 0, "skipped by the only file there is");
    write(&folder.path().join("force-app/.forceignore"), "# nothing is ignored here\n");
    let output = gate(folder.path(), &[]);
    assert_eq!(code(&output), 1, "the CLI deploys it: {}", stderr(&output));

    // Patterns are relative to the file's folder, and one sfaudit cannot read exactly skips nothing.
    write(&folder.path().join("force-app/.forceignore"), "main/default/connectedApps/Risky.connectedApp-meta.xml\n");
    assert_eq!(code(&gate(folder.path(), &[])), 0);
    write(&folder.path().join("force-app/.forceignore"), "[!a]isky.connectedApp-meta.xml\n");
    let saved = folder.path().join("result.json");
    let output = gate(folder.path(), &["--format", "json", "--output", saved.to_str().expect("path")]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&saved).expect("result")).expect("json");
    let skipped = report["inventory"]["coverage"]["skipped"].to_string();
    // A bracket can make the CLI's matcher refuse the whole file: then nothing in it applies.
    assert!(skipped.contains("force-app/.forceignore line 1") && skipped.contains("file not applied"), "{skipped}");
}

#[test]
fn a_settings_file_named_in_another_letter_case_stops_the_gate() {
    let folder = project("force-app");
    let apps = folder.path().join("force-app/main/default/connectedApps");
    write(&apps.join("Quiet.connectedApp-meta.xml"), &quiet_app("Quiet", ""));
    let settings = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ExternalClientAppSettings xmlns=\"{NS}\">\n\
         <enableConsumerSecretApiAccess>true</enableConsumerSecretApiAccess>\n</ExternalClientAppSettings>\n"
    );
    write(&folder.path().join("force-app/main/default/settings/externalClientApp.settings-meta.xml"), &settings);
    let output = gate(folder.path(), &[]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(stderr(&output).contains("externalClientApp.settings-meta.xml"), "{}", stderr(&output));
    assert!(stderr(&output).contains("rename it ExternalClientApp.settings-meta.xml"), "{}", stderr(&output));
}
