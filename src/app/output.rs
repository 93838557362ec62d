//! Where reports go: files, a folder of files, or standard output; and `sfaudit report --from`,
//! which renders a saved result again.

use std::path::Path;

use super::policy;
use super::saved::read_saved_result;
use crate::cli::{OutputOptions, ReportArgs};
use crate::document::Report;
use crate::error::{Error, exit};
use crate::gate::{self, Policy};
use crate::report::{self, Format, Layout};

pub(super) fn check_output_options(options: &OutputOptions) -> Result<(), Error> {
    if options.output.is_some() && options.format.len() > 1 {
        return Err(Error::usage(
            "--output takes one format",
            "use --output-dir to write several formats, one file each",
        ));
    }
    Ok(())
}

pub(super) fn write_reports(options: &OutputOptions, report: &Report<'_>) -> Result<(), Error> {
    if let Some(directory) = &options.output_dir {
        std::fs::create_dir_all(directory)
            .map_err(|source| Error::Output { path: directory.display().to_string(), source })?;
        for format in &options.format {
            let path = directory.join(format!("sfaudit-report.{}", format.extension()));
            write_file_laid_out(&path, *format, report, Layout { width: None, pretty: options.pretty })?;
        }
        return Ok(());
    }
    if let Some(path) = &options.output {
        return write_file_laid_out(path, options.format[0], report, Layout { width: None, pretty: options.pretty });
    }
    let stdout = std::io::stdout();
    // Wrap the table to the terminal; when piped or redirected, never wrap, so output is stable.
    let width = std::io::IsTerminal::is_terminal(&stdout).then(|| comfy_table::Table::new().width()).flatten();
    let layout = Layout { width, pretty: options.pretty };
    let mut stdout = stdout.lock();
    for format in &options.format {
        match report::write(*format, report, layout, &mut stdout) {
            // A reader that stops early (`| head`) is not an error of ours.
            Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
            Err(source) => return Err(Error::Output { path: "standard output".to_string(), source }),
            Ok(()) => {}
        }
    }
    Ok(())
}

/// Writes one format to a file, JSON compact.
pub(super) fn write_file(path: &Path, format: Format, report: &Report<'_>) -> Result<(), Error> {
    write_file_laid_out(path, format, report, Layout::default())
}

fn write_file_laid_out(path: &Path, format: Format, report: &Report<'_>, layout: Layout) -> Result<(), Error> {
    let error = |source| Error::Output { path: path.display().to_string(), source };
    let mut file = std::fs::File::create(path).map_err(error)?;
    report::write(format, report, layout, &mut file).map_err(error)
}

/// `sfaudit report --from results.json`: the saved result rendered again, no scan. The gate is
/// decided again from the saved threshold and baseline states, as the scan decided it.
pub(super) fn rerender(args: &ReportArgs) -> Result<u8, Error> {
    let mut output = args.output.clone();
    output.format = policy::formats(&crate::config::Config::default(), &args.output.format);
    check_output_options(&output)?;
    let loaded = read_saved_result(&args.from)?;
    let decision =
        gate::decide(&loaded.results.results, Policy::threshold(loaded.fail_on), loaded.run.baseline.is_some());
    write_reports(&output, &loaded.report(&decision))?;
    Ok(exit::OK)
}
