//! The application: the only user of [`crate::cli`], and the only part of sfaudit that prints or
//! reads the environment. Each command is a function here; the library below does the work.

mod console;
mod diff;
mod fleet;
mod history;
mod init;
pub(crate) mod live;
mod notify;
mod output;
mod policy;
pub(crate) mod rules;
mod saved;
pub(crate) mod scan;
mod suppressions;
mod tokens;

pub use rules::load_rules;
pub use scan::{Scan, evaluate, summary_line};

use crate::cli::{BaselineCommand, Cli, Command};
use crate::error::Error;

pub fn run(cli: &Cli) -> Result<u8, Error> {
    crate::logging::set_verbosity(cli.verbose);
    crate::logging::set_sink(|line| console::print_stderr(&[line]));
    match &cli.command {
        Command::Collect(args) => live::collect_command(args),
        Command::Login(args) => live::login_command(args),
        Command::Tokens(args) => tokens::tokens(args),
        Command::Scan(args) => scan::scan(args),
        Command::Report(args) => output::rerender(args),
        Command::Rules(command) => rules::rules(command),
        Command::Init(args) => init::init(args),
        Command::Baseline(BaselineCommand::Update(args)) => scan::baseline_update(args),
        Command::Diff(args) => diff::diff(args),
        Command::Suppressions(args) => suppressions::suppressions(args),
        Command::History(args) => history::history_command(args),
    }
}
