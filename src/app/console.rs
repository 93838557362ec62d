//! Standard output and standard error: the only place sfaudit prints.

use std::io::Write as _;

use crate::error::Error;

/// Writes to standard output; a reader that stops early (`| head`) is not an error of ours.
pub(super) fn print_stdout(text: &str) -> Result<(), Error> {
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(source) => Err(Error::Output { path: "standard output".to_string(), source }),
        Ok(()) => Ok(()),
    }
}

/// Writes lines to standard error, escaped for the terminal.
pub(super) fn print_stderr<S: AsRef<str>>(lines: &[S]) {
    let mut stderr = std::io::stderr().lock();
    for line in lines {
        let _ = writeln!(stderr, "{}", crate::escape::terminal(line.as_ref()));
    }
}

/// Writes `text` to `path`, or to standard output without one.
pub(super) fn write_text(path: Option<&std::path::Path>, text: &str) -> Result<(), Error> {
    match path {
        Some(path) => {
            std::fs::write(path, text).map_err(|source| Error::Output { path: path.display().to_string(), source })
        }
        None => print_stdout(text),
    }
}
