//! Reusing a Salesforce CLI login (`--target-org ALIAS|USERNAME`).
//!
//! `sf org display --target-org X --json` names the instance, the org and the username (and
//! refreshes the stored session). `sf org auth show-access-token --target-org X --json` prints the
//! access token (Salesforce CLI 2.136.8 and later, plugin-org 5.11.0; `--json` skips its
//! confirmation prompt). Older CLIs lack that command and print the token in `sf org display
//! --json` instead; newer ones print `[REDACTED] Use 'sf org auth show-access-token' to view`
//! there, which is treated as absent, never as a token. `--verbose` is not asked for: on an older
//! CLI it adds the SFDX auth URL (a refresh token) that sfaudit has no use for.
//!
//! Both commands print `{"status":0,"result":{…},"warnings":[…]}`; a failure prints
//! `{"status":1,"name":…,"message":…}` and exits non-zero. Colour is switched off and parsing
//! starts at the first `{`, as some environments print a banner first. Nothing the CLI prints is
//! logged: its output holds the token.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use secrecy::SecretString;
use serde_json::Value;

use super::error::AuthError;
use super::method::CliLogin;
use super::token::{Token, instance, short};
use crate::logging;

/// What one `sf … --json` run gave.
enum Answer {
    Result(Value),
    /// The command ran and refused: the CLI's error name and message.
    Refused(String),
}

fn login_hint(target: &str) -> String {
    format!(
        "log in again with `sf org login web --alias {target}` (or `sf org login jwt`), check with `sf org display \
         --target-org {target}`; scheduled scans should use the JWT bearer flow (--client-id, --username, \
         --jwt-key-file)"
    )
}

pub(crate) async fn login(login: &CliLogin, timeout: Duration) -> Result<Token, AuthError> {
    let target = login.target_org.as_str();
    let display = match run(&login.program, &["org", "display", "--target-org", target, "--json"], timeout).await? {
        Answer::Result(result) => result,
        Answer::Refused(message) => {
            return Err(AuthError::refused(
                format!("the Salesforce CLI has no usable login for {target} ({message})"),
                login_hint(target),
            ));
        }
    };
    let text = |field: &str| display.get(field).and_then(Value::as_str).unwrap_or_default().trim().to_string();
    let status = text("connectedStatus");
    if !status.is_empty() && status != "Connected" {
        return Err(AuthError::refused(
            format!("the Salesforce CLI's login for {target} is not connected (connectedStatus: {status})"),
            login_hint(target),
        ));
    }
    let instance_url = text("instanceUrl");
    if instance_url.is_empty() {
        return Err(AuthError::refused(
            format!("`sf org display --target-org {target} --json` named no instanceUrl"),
            login_hint(target),
        ));
    }
    let instance_url = instance(&instance_url)?;
    let arguments = ["org", "auth", "show-access-token", "--target-org", target, "--json"];
    let access_token = match run(&login.program, &arguments, timeout).await? {
        Answer::Result(result) => usable(result.get("accessToken")).ok_or_else(|| {
            AuthError::refused(
                format!("`sf org auth show-access-token --target-org {target}` printed no access token"),
                login_hint(target),
            )
        })?,
        Answer::Refused(message) => match usable(display.get("accessToken")) {
            // An older CLI without the command prints the token in `org display`.
            Some(token) => {
                logging::log(1, format_args!("login: sf has no `org auth show-access-token`; using `org display`"));
                token
            }
            None => {
                return Err(AuthError::refused(
                    format!(
                        "the Salesforce CLI gave no access token for {target}: `sf org auth show-access-token` \
                         failed ({message}) and `sf org display` printed none (or a redacted one)"
                    ),
                    format!(
                        "update the Salesforce CLI (`sf update`; the command exists from version 2.136.8), then {}",
                        login_hint(target)
                    ),
                ));
            }
        },
    };
    Ok(Token {
        access_token,
        instance_url,
        org_id: text("id"),
        user_id: String::new(),
        username: text("username"),
        audience: String::new(),
    })
}

/// A token value worth sending: present, not the CLI's `[REDACTED] …` placeholder, and shaped
/// like a token (no spaces), so a placeholder of another wording is never sent as a Bearer token.
fn usable(value: Option<&Value>) -> Option<SecretString> {
    let text = value?.as_str()?.trim();
    let redacted = text.to_ascii_uppercase().contains("REDACTED");
    let shaped = text.len() >= 16 && !text.chars().any(|c| c.is_whitespace() || c == '[' || c == ']');
    (shaped && !redacted).then(|| SecretString::from(text.to_string()))
}

/// Runs `sf` with colour and prompts off and reads its JSON envelope.
async fn run(program: &Path, arguments: &[&str], timeout: Duration) -> Result<Answer, AuthError> {
    let shown = format!("{} {}", program.display(), arguments.join(" "));
    let started = Instant::now();
    let mut command = tokio::process::Command::new(program);
    command
        .args(arguments)
        .env("NO_COLOR", "1")
        .env("FORCE_COLOR", "0")
        .env("SF_SKIP_NEW_VERSION_CHECK", "true")
        .env("SF_AUTOUPDATE_DISABLE", "true")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let output = match tokio::time::timeout(timeout, command.output()).await {
        Err(_) => {
            return Err(AuthError::refused(
                format!("`{shown}` did not finish within {} seconds", timeout.as_secs()),
                "run the command yourself to see what it waits for; raise --timeout if the CLI is just slow",
            ));
        }
        Ok(Err(error)) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(AuthError::config(
                format!("the Salesforce CLI ({}) is not on the PATH", program.display()),
                "install it (https://developer.salesforce.com/tools/salesforcecli) or log in another way: \
                 --sfdx-url-file, or the JWT bearer flow (--client-id, --username, --jwt-key-file)",
            ));
        }
        Ok(Err(error)) => {
            return Err(AuthError::refused(
                format!("cannot run `{shown}`: {error}"),
                "check the Salesforce CLI install",
            ));
        }
        Ok(Ok(output)) => output,
    };
    logging::log(
        1,
        format_args!(
            "login: `{shown}` → exit {} in {} ms",
            output.status.code().map_or_else(|| "signal".to_string(), |code| code.to_string()),
            started.elapsed().as_millis()
        ),
    );
    let stdout = SecretString::from(String::from_utf8_lossy(&output.stdout).into_owned());
    let envelope = {
        use secrecy::ExposeSecret as _;
        let text = stdout.expose_secret();
        text.find('{').and_then(|start| serde_json::from_str::<Value>(text[start..].trim_end()).ok())
    };
    let Some(mut envelope) = envelope else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let first = stderr.lines().map(str::trim).find(|line| !line.is_empty()).unwrap_or("no output");
        return Ok(Answer::Refused(format!("no JSON; exit {}: {}", output.status.code().unwrap_or(-1), short(first))));
    };
    let status = envelope.get("status").and_then(Value::as_i64).unwrap_or(-1);
    if status == 0 && output.status.success() {
        if let Some(result) = envelope.get_mut("result").map(Value::take) {
            return Ok(Answer::Result(result));
        }
    }
    let field = |name: &str| envelope.get(name).and_then(Value::as_str).unwrap_or_default().to_string();
    let (name, message) = (field("name"), field("message"));
    Ok(Answer::Refused(match (name.is_empty(), message.is_empty()) {
        (true, true) => format!("status {status}"),
        (false, true) => name,
        (true, false) => short(&message),
        (false, false) => format!("{name}: {}", short(&message)),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacted_and_odd_values_are_never_tokens() {
        let value = |text: &str| serde_json::json!(text);
        assert!(usable(Some(&value("[REDACTED] Use 'sf org auth show-access-token' to view"))).is_none());
        assert!(usable(Some(&value("REDACTED"))).is_none());
        assert!(usable(Some(&value(""))).is_none());
        assert!(usable(Some(&value("hidden for security"))).is_none());
        assert!(usable(Some(&serde_json::json!(12))).is_none());
        assert!(usable(None).is_none());
        assert!(usable(Some(&value("00D000000000001!AQ4AQFakeTokenValue"))).is_some());
    }
}
