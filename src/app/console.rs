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

/// Writes lines to standard error, escaped for the terminal; a line break inside one entry is
/// shown as `\n`, so each entry stays one line.
pub(super) fn print_stderr<S: AsRef<str>>(lines: &[S]) {
    let mut stderr = std::io::stderr().lock();
    for line in lines {
        let _ = writeln!(stderr, "{}", crate::escape::terminal_line(line.as_ref()));
    }
}

/// Writes a message of ours (which may hold values from files or servers) to standard output,
/// escaped for the terminal.
pub(super) fn print_message(text: &str) -> Result<(), Error> {
    print_stdout(&crate::escape::terminal(text))
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
