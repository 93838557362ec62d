//! `-v` / `-vv`: progress and API-call lines, and warnings the user must see.
//!
//! Level 1 logs one line per API call (method, path, operation, status, time) and each login;
//! level 2 adds retries, back-off waits, re-logins and the org's API usage. Nothing here ever
//! receives a header or a body, so tokens, assertions and keys cannot reach the log. The library
//! only formats lines; where they go (standard error, escaped for the terminal) is decided by the
//! binary through [`set_sink`], so nothing below the application prints.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{OnceLock, RwLock};
use std::time::Instant;

type Sink = Box<dyn Fn(&str) + Send + Sync>;

static VERBOSITY: AtomicU8 = AtomicU8::new(0);
static START: OnceLock<Instant> = OnceLock::new();
static SINK: RwLock<Option<Sink>> = RwLock::new(None);

pub fn set_verbosity(level: u8) {
    START.get_or_init(Instant::now);
    VERBOSITY.store(level, Ordering::Relaxed);
}

pub fn verbosity() -> u8 {
    VERBOSITY.load(Ordering::Relaxed)
}

/// Where log and warning lines go; without a sink they are dropped.
pub fn set_sink(sink: impl Fn(&str) + Send + Sync + 'static) {
    *SINK.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Box::new(sink));
}

fn emit(line: &str) {
    if let Some(sink) = SINK.read().unwrap_or_else(std::sync::PoisonError::into_inner).as_ref() {
        sink(line);
    }
}

/// `sfaudit: [seconds since start] <message>` when the verbosity is at least `level`.
pub fn log(level: u8, message: std::fmt::Arguments<'_>) {
    if verbosity() >= level {
        let elapsed = START.get_or_init(Instant::now).elapsed().as_secs_f64();
        emit(&format!("sfaudit: [{elapsed:7.3}s] {message}"));
    }
}

/// Always shown: warnings the user must see even without `-v`.
pub fn warn(message: std::fmt::Arguments<'_>) {
    emit(&format!("warning: {message}"));
}
