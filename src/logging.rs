//! `-v` / `-vv`: progress and API-call lines on standard error.
//!
//! Level 1 logs one line per API call (method, path, operation, status, time) and each login;
//! level 2 adds retries, back-off waits, re-logins and the org's API usage. Nothing here ever
//! receives a header or a body, so tokens, assertions and keys cannot reach the log.

use std::io::Write as _;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Instant;

static VERBOSITY: AtomicU8 = AtomicU8::new(0);
static START: OnceLock<Instant> = OnceLock::new();

pub fn set_verbosity(level: u8) {
    START.get_or_init(Instant::now);
    VERBOSITY.store(level, Ordering::Relaxed);
}

pub fn verbosity() -> u8 {
    VERBOSITY.load(Ordering::Relaxed)
}

/// Writes `sfaudit: [seconds since start] <message>` to standard error when the verbosity is at
/// least `level`.
pub fn log(level: u8, message: std::fmt::Arguments<'_>) {
    if verbosity() >= level {
        let elapsed = START.get_or_init(Instant::now).elapsed().as_secs_f64();
        let mut stderr = std::io::stderr().lock();
        let _ = writeln!(stderr, "sfaudit: [{elapsed:7.3}s] {message}");
    }
}

/// Always shown: warnings the user must see even without `-v`.
pub fn warn(message: std::fmt::Arguments<'_>) {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "warning: {message}");
}
