//! The application: the only user of [`crate::cli`], and the only part of sfaudit that prints or
//! reads the environment. Each command is a function here; the library below does the work.

mod diff;
mod init;
pub mod live;
mod output;
mod policy;
pub mod rules;
pub mod scan;
mod suppressions;

use std::io::Write as _;

pub use rules::load_rules;
pub use scan::{Scan, evaluate, summary_line};

use crate::cli::{BaselineCommand, Cli, Command};
use crate::error::Error;

pub fn run(cli: &Cli) -> Result<u8, Error> {
    crate::logging::set_verbosity(cli.verbose);
    crate::logging::set_sink(|line| print_stderr(&[line]));
    match &cli.command {
        Command::Collect(args) => live::collect_command(args),
        Command::Login(args) => live::login_command(args),
        Command::Scan(args) => scan::scan(args),
        Command::Report(args) => output::rerender(args),
        Command::Rules(command) => rules::rules(command),
        Command::Init(args) => init::init(args),
        Command::Baseline(BaselineCommand::Update(args)) => scan::baseline_update(args),
        Command::Diff(args) => diff::diff(args),
        Command::Suppressions(args) => suppressions::suppressions(args),
    }
}

/// Writes to standard output; a reader that stops early (`| head`) is not an error of ours.
fn print_stdout(text: &str) -> Result<(), Error> {
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(source) => Err(Error::Output { path: "standard output".to_string(), source }),
        Ok(()) => Ok(()),
    }
}

/// Writes lines to standard error, escaped for the terminal.
fn print_stderr<S: AsRef<str>>(lines: &[S]) {
    let mut stderr = std::io::stderr().lock();
    for line in lines {
        let _ = writeln!(stderr, "{}", crate::escape::terminal(line.as_ref()));
    }
}

/// Writes `text` to `path`, or to standard output without one.
fn write_text(path: Option<&std::path::Path>, text: &str) -> Result<(), Error> {
    match path {
        Some(path) => {
            std::fs::write(path, text).map_err(|source| Error::Output { path: path.display().to_string(), source })
        }
        None => print_stdout(text),
    }
}
