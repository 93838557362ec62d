//! The HTML report (src/report/html.rs): the committed sample, escaping of hostile metadata, no
//! network loads, and a real headless Chromium that renders the file.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{
    DEMO, DEMO_AS_OF, assert_matches_sample, code, repo_root, scan_json, sfaudit, sfaudit_in, stderr, stdout,
};

const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

fn demo_html() -> String {
    let output = sfaudit(&["scan", DEMO, "--as-of", DEMO_AS_OF, "--format", "html"]);
    assert_eq!(code(&output), 1, "the demo fails the default gate: {}", stderr(&output));
    stdout(&output)
}

#[test]
fn demo_html_matches_the_committed_sample() {
    assert_matches_sample("demo.html", &demo_html());
}

/// Every start tag in the document as (name, attribute text with quoted values removed, raw tag).
fn tags(html: &str) -> Vec<(String, String, String)> {
    let mut tags = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        rest = &rest[start + 1..];
        if !rest.starts_with(|c: char| c.is_ascii_alphabetic()) {
            continue;
        }
        let end = rest.find('>').expect("every tag is closed");
        let raw = &rest[..end];
        let name: String = raw.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
        let mut unquoted = String::new();
        let mut in_quotes = false;
        for character in raw[name.len()..].chars() {
            if character == '"' {
                in_quotes = !in_quotes;
            } else if !in_quotes {
                unquoted.push(character);
            }
        }
        tags.push((name.to_ascii_lowercase(), unquoted.to_ascii_lowercase(), raw.to_string()));
        rest = &rest[end..];
    }
    tags
}

/// The value of `attribute` in a raw tag, if present.
fn attribute<'a>(raw: &'a str, attribute: &str) -> Option<&'a str> {
    let marker = format!(" {attribute}=\"");
    let start = raw.find(&marker)? + marker.len();
    raw[start..].find('"').map(|end| &raw[start..start + end])
}

pub(crate) fn write_hostile_project(root: &Path) -> PathBuf {
    // The org name comes from the folder name, the app name from the file name.
    let project = root.join("<svg onload=alert(3)>");
    let apps = project.join("force-app/main/default/connectedApps");
    std::fs::create_dir_all(&apps).expect("mkdir");
    let app = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
        <ConnectedApp xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n\
        <contactEmail>a@example.com</contactEmail>\n\
        <label>&lt;img src=x onerror=alert(1)&gt;\"' onmouseover=\"alert(2)</label>\n\
        <oauthConfig>\n\
        <callbackUrl>http://evil.example/\"&gt;&lt;script&gt;alert(4)&lt;/script&gt;</callbackUrl>\n\
        <consumerKey>KEY</consumerKey>\n\
        <isAdminApproved>false</isAdminApproved>\n\
        <scopes>Full</scopes>\n\
        </oauthConfig>\n\
        </ConnectedApp>\n";
    std::fs::write(apps.join("<img src=x onerror=alert(1)>.connectedApp-meta.xml"), app).expect("write app");
    project
}

fn hostile_html(root: &Path) -> String {
    let project = write_hostile_project(root);
    let output = sfaudit_in(
        root,
        &["scan", &project.display().to_string(), "--as-of", DEMO_AS_OF, "--format", "html", "--fail-on", "none"],
    );
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    stdout(&output)
}

#[test]
fn hostile_labels_and_file_names_render_as_text() {
    let folder = tempfile::tempdir().expect("temp dir");
    let html = hostile_html(folder.path());
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"), "the hostile app name is shown, escaped");
    assert!(html.contains("&lt;svg onload=alert(3)&gt;"), "the hostile org name is shown, escaped");
    assert!(!html.contains("<img"), "no raw <img from data");
    assert!(!html.contains("<svg onload"), "no raw <svg from data");
    assert!(!html.contains("<script"), "no script element at all");
    for (needle, escaped_prefix) in [("onerror=", "&lt;img src=x "), ("onload=", "&lt;svg ")] {
        for (index, _) in html.match_indices(needle) {
            assert!(
                html[..index].ends_with(escaped_prefix),
                "{needle} outside escaped text near {}",
                &html[index - 40..]
            );
        }
    }
    for (name, attributes, raw) in tags(&html) {
        assert!(
            !attributes.split(|c: char| c.is_whitespace() || c == '/').any(|token| token.starts_with("on")),
            "event handler attribute on <{name}>: <{raw}>"
        );
    }
}

#[test]
fn html_loads_nothing_from_the_network() {
    let html = demo_html();
    assert!(html.contains(&format!("<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">")));
    let lower = html.to_ascii_lowercase();
    for forbidden in ["<script", "<link", "<iframe", "<object", "<embed", "@import", "url(", "xlink:href", "srcset"] {
        assert!(!lower.contains(forbidden), "the report contains {forbidden}");
    }
    let mut links = 0;
    for (name, _, raw) in tags(&html) {
        if let Some(source) = attribute(&raw, "src") {
            assert!(source.starts_with("data:"), "<{name}> loads {source}");
        }
        if let Some(target) = attribute(&raw, "href") {
            if target.starts_with('#') {
                continue;
            }
            assert_eq!(name, "a", "only links may point outside the file: <{raw}>");
            assert!(target.starts_with("https://") || target.starts_with("http://"), "odd link target: {target}");
            links += 1;
        }
    }
    assert!(links > 0, "rule references are links");
}

// ---------------------------------------------------------------------------------------------
// The real browser.

const BROWSER_TIMEOUT: Duration = Duration::from_secs(60);

pub(crate) fn chromium_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("SFAUDIT_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].map(PathBuf::from);
    if let Some(found) = candidates.into_iter().find(|path| path.is_file()) {
        return Some(found);
    }
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|directory| directory.join("chromium"))
        .find(|path| path.is_file())
}

/// Fails under CI; on a developer machine says so loudly on stderr (not captured by the test
/// harness) and lets the test pass, so `cargo test` works without a browser installed.
pub(crate) fn browser_unavailable(why: &str) {
    let message = format!(
        "headless Chromium is needed for the HTML browser test and {why}. Install it with \
         `apt-get install chromium` (Debian) or point SFAUDIT_CHROMIUM at a Chromium binary."
    );
    if std::env::var_os("CI").is_some() {
        panic!("{message}");
    }
    let banner = "!".repeat(100);
    let _ = writeln!(std::io::stderr(), "\n{banner}\nSKIPPED html browser test: {message}\n{banner}\n");
}

/// Runs Chromium headless with a fresh profile; returns its stdout, or why it could not run.
pub(crate) fn chromium(binary: &Path, profile: &Path, arguments: &[String]) -> Result<String, String> {
    use std::os::unix::process::CommandExt as _;
    let output_path = profile.join("stdout.txt");
    let error_path = profile.join("stderr.txt");
    let output_file = std::fs::File::create(&output_path).map_err(|error| error.to_string())?;
    let error_file = std::fs::File::create(&error_path).map_err(|error| error.to_string())?;
    let mut command = Command::new(binary);
    command
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            // Containers often have a tiny /dev/shm.
            "--disable-dev-shm-usage",
        ])
        .arg(format!("--user-data-dir={}", profile.join("user-data").display()))
        .args(arguments)
        .env("HOME", profile)
        .stdin(Stdio::null())
        .stdout(output_file)
        .stderr(error_file)
        // Its own process group, so a hung browser can be killed with all its helper processes.
        .process_group(0);
    let mut child = command.spawn().map_err(|error| format!("could not start {}: {error}", binary.display()))?;
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > BROWSER_TIMEOUT => {
                let _ = Command::new("kill").args(["-KILL", "--", &format!("-{}", child.id())]).status();
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("it did not finish within {} s", BROWSER_TIMEOUT.as_secs()));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(100)),
            Err(error) => return Err(error.to_string()),
        }
    };
    let output = std::fs::read_to_string(&output_path).unwrap_or_default();
    if !status.success() {
        let errors = std::fs::read_to_string(&error_path).unwrap_or_default();
        return Err(format!("it exited with {status}: {}", errors.trim()));
    }
    Ok(output)
}

pub(crate) fn file_url(path: &Path) -> String {
    let mut url = String::from("file://");
    for byte in path.display().to_string().bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
            url.push(char::from(byte));
        } else {
            url.push_str(&format!("%{byte:02X}"));
        }
    }
    url
}

/// The first text after `marker` in the serialized DOM (skipping tags).
fn text_after<'a>(dom: &'a str, marker: &str) -> &'a str {
    let start = dom.find(marker).unwrap_or_else(|| panic!("{marker} is not in the rendered DOM"));
    dom[start..]
        .split('>')
        .skip(1)
        .map(|piece| piece.split('<').next().unwrap_or("").trim())
        .find(|text| !text.is_empty())
        .unwrap_or("")
}

fn dom_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

#[test]
fn html_renders_in_headless_chromium() {
    let Some(binary) = chromium_binary() else {
        browser_unavailable("no chromium binary was found");
        return;
    };
    let folder = tempfile::tempdir().expect("temp dir");
    let report = folder.path().join("report.html");
    std::fs::write(&report, demo_html()).expect("write report");

    let dom_profile = tempfile::tempdir().expect("profile dir");
    let dom = match chromium(&binary, dom_profile.path(), &["--dump-dom".to_string(), file_url(&report)]) {
        Ok(dom) if dom.contains("<html") => dom,
        Ok(dom) => {
            browser_unavailable(&format!("it printed no DOM ({} bytes)", dom.len()));
            return;
        }
        Err(why) => {
            browser_unavailable(&why);
            return;
        }
    };

    let document = scan_json(DEMO, DEMO_AS_OF);
    let summary = &document["summary"];
    assert_eq!(text_after(&dom, "id=\"score\""), summary["score"].to_string(), "score");
    assert_eq!(text_after(&dom, "id=\"band\""), summary["band"].as_str().expect("band"));
    for (status, count) in summary["by_status"].as_object().expect("by_status") {
        assert_eq!(text_after(&dom, &format!("id=\"count-{status}\"")), count.to_string(), "{status} count");
    }
    for (severity, count) in summary["failed_by_severity"].as_object().expect("failed_by_severity") {
        assert_eq!(text_after(&dom, &format!("id=\"failed-{severity}\"")), count.to_string(), "failed {severity}");
    }
    let failed: Vec<&serde_json::Value> =
        document["results"].as_array().expect("results").iter().filter(|result| result["status"] == "fail").collect();
    assert!(!failed.is_empty());
    for result in failed {
        let marker = format!("id=\"r-{}\"", result["fingerprint"].as_str().expect("fingerprint"));
        let start = dom.find(&marker).unwrap_or_else(|| panic!("failed result {marker} is not rendered: {result}"));
        let row = &dom[start..start + dom[start..].find("</details>").expect("row end")];
        for field in [&crate::common::rule_of(&document, result)["control"], &result["resource"]["name"]] {
            let text = dom_escape(field.as_str().expect("text"));
            assert!(row.contains(&text), "{text} is missing from the row of {}", result["rule_id"]);
        }
    }

    // The browser agrees that hostile metadata stays text.
    let hostile_folder = tempfile::tempdir().expect("temp dir");
    let hostile = hostile_folder.path().join("hostile.html");
    std::fs::write(&hostile, hostile_html(hostile_folder.path())).expect("write hostile report");
    let hostile_profile = tempfile::tempdir().expect("profile dir");
    let hostile_dom = chromium(&binary, hostile_profile.path(), &["--dump-dom".to_string(), file_url(&hostile)])
        .unwrap_or_else(|why| panic!("Chromium rendered the demo but not the hostile report: {why}"));
    assert!(hostile_dom.contains("&lt;img src=x onerror=alert(1)&gt;"), "the hostile name is rendered as text");
    assert!(!hostile_dom.contains("<img") && !hostile_dom.contains("<script"), "no element from data");

    // A screenshot, committed beside the sample so reviewers can see the layout.
    let update = std::env::var_os("SFAUDIT_UPDATE_SAMPLES").is_some();
    let png = if update {
        repo_root().join("sample-reports").join("demo.html.png")
    } else {
        folder.path().join("demo.html.png")
    };
    let shot_profile = tempfile::tempdir().expect("profile dir");
    chromium(
        &binary,
        shot_profile.path(),
        &[format!("--screenshot={}", png.display()), "--window-size=1280,2400".to_string(), file_url(&report)],
    )
    .unwrap_or_else(|why| panic!("Chromium rendered the DOM but could not take a screenshot: {why}"));
    let bytes = std::fs::read(&png).unwrap_or_else(|error| panic!("no screenshot at {}: {error}", png.display()));
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "the screenshot is a PNG");
    assert!(bytes.len() > 10_000, "the screenshot is not blank ({} bytes)", bytes.len());
}

#[test]
fn usage_columns_appear_only_when_an_app_has_usage() {
    assert!(!demo_html().contains(">Last used</th>"), "an offline scan has no usage data");
    let mut document = scan_json(DEMO, DEMO_AS_OF);
    document["inventory"]["apps"][0]["usage"] = serde_json::json!({
        "token_count": 12, "user_count": 3, "last_used": "2026-11-20T10:00:00Z",
        "use_count": 40, "installed": true, "days_since_last_used": 10
    });
    let folder = tempfile::tempdir().expect("temp dir");
    let snapshot = folder.path().join("snapshot.json");
    std::fs::write(&snapshot, document.to_string()).expect("write snapshot");
    let output = sfaudit(&[
        "scan",
        "--snapshot",
        &snapshot.display().to_string(),
        "--as-of",
        DEMO_AS_OF,
        "--format",
        "html",
        "--fail-on",
        "none",
    ]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let html = stdout(&output);
    assert!(html.contains(">Users</th><th scope=\"col\">Tokens</th><th scope=\"col\">Last used</th>"), "usage headers");
    let first_app = &html[html.find("<tr id=\"app-0\">").expect("first app row")..];
    let first_app = &first_app[..first_app.find("</tr>").expect("row end")];
    assert!(first_app.contains("<td class=\"num\">3</td><td class=\"num\">12</td><td>2026-11-20"), "{first_app}");
    assert!(first_app.contains(" days ago</span>"), "days since last use: {first_app}");
}

#[test]
fn suppressed_results_are_marked_with_their_reason() {
    let mut document = scan_json(DEMO, DEMO_AS_OF);
    let results = document["results"].as_array_mut().expect("results");
    let result = results.iter_mut().find(|result| result["status"] == "fail").expect("a failed result");
    let fingerprint = result["fingerprint"].as_str().expect("fingerprint").to_string();
    result["suppression"] = serde_json::json!({
        "reason": "Accepted until <b>decommissioning</b>", "owner": "security", "ticket": "SEC-42",
        "expires": "2027-01-31", "source": "sfaudit.toml:12"
    });
    let folder = tempfile::tempdir().expect("temp dir");
    let saved = folder.path().join("results.json");
    std::fs::write(&saved, document.to_string()).expect("write result");
    let output = sfaudit(&["report", "--from", &saved.display().to_string(), "--format", "html"]);
    assert!(matches!(code(&output), 0 | 1), "{}", stderr(&output));
    let html = stdout(&output);
    let start = html.find(&format!("id=\"r-{fingerprint}\"")).expect("the suppressed row");
    let row = &html[html[..start].rfind("<details").expect("row start")..];
    let row = &row[..row.find("</details>").expect("row end")];
    assert!(row.starts_with("<details class=\"row st-") && row.contains(" suppressed\""), "{row}");
    assert!(row.contains("Suppressed</span>"), "marked in the row: {row}");
    assert!(row.contains("Suppressed: Accepted until &lt;b&gt;decommissioning&lt;/b&gt;"), "reason, escaped: {row}");
    assert!(row.contains("SEC-42") && row.contains("sfaudit.toml:12"), "owner, ticket and source: {row}");
}

/// The header states the gate's own decision, so it never contradicts the exit code.
#[test]
fn the_header_says_what_the_exit_code_says() {
    let folder = tempfile::tempdir().expect("temp dir");
    let baseline = folder.path().join("baseline.json").display().to_string();
    let update = sfaudit(&["baseline", "update", DEMO, "--as-of", DEMO_AS_OF, "--baseline", &baseline]);
    assert_eq!(code(&update), 0, "{}", stderr(&update));
    let gate = |html: &str| {
        let start = html.find("<dt>Gate</dt>").expect("the masthead names the gate");
        html[start..].split("</dd>").next().unwrap_or_default().to_string()
    };

    let with_baseline = sfaudit(&["scan", DEMO, "--as-of", DEMO_AS_OF, "--format", "html", "--baseline", &baseline]);
    assert_eq!(code(&with_baseline), 0, "nothing is new since the baseline: {}", stderr(&with_baseline));
    let header = gate(&stdout(&with_baseline));
    assert!(header.contains("gate-pass") && !header.contains("gate-fail"), "{header}");
    assert!(header.contains("new findings at high and above"), "{header}");

    let plain = sfaudit(&["scan", DEMO, "--as-of", DEMO_AS_OF, "--format", "html"]);
    assert_eq!(code(&plain), 1);
    let header = gate(&stdout(&plain));
    assert!(header.contains("gate-fail") && header.contains("blocking"), "{header}");

    let report_only = sfaudit(&["scan", DEMO, "--as-of", DEMO_AS_OF, "--format", "html", "--no-fail"]);
    assert_eq!(code(&report_only), 0);
    let header = gate(&stdout(&report_only));
    assert!(header.contains("would fail") && header.contains("--no-fail"), "{header}");
}
