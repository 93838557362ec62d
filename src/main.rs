use std::io::Write as _;
use std::process::ExitCode;

use clap::Parser as _;

// Parsing and evaluation allocate many small strings and maps; mimalloc makes a large scan
// markedly faster than the system allocator. Built without transparent huge pages (`no_thp`):
// zeroing 2 MiB pages on first touch doubled a large scan's kernel time. Version 2 (`v2`) gives
// freed memory back after 10 ms where version 3 keeps it for a second, which is most of a scan:
// its peak memory is lower at the same speed (README, "Performance").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = sfaudit::cli::Cli::parse();
    match sfaudit::app::run(&cli) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            let mut stderr = std::io::stderr().lock();
            let _ = writeln!(stderr, "error: {}", sfaudit::escape::terminal(&error.to_string()));
            if let Some(hint) = error.hint() {
                let _ = writeln!(stderr, "  hint: {}", sfaudit::escape::terminal(&hint));
            }
            ExitCode::from(error.exit_code())
        }
    }
}
