//! Record-by-record reports (CSV, OCSF, JUnit) written a megabyte at a time.
//!
//! A renderer appends its records to a buffer and offers the buffer after each one; written out,
//! the buffer is emptied whenever it passes the threshold, so a large org's report (hundreds of
//! megabytes) is never held whole; rendered to a string, nothing is ever emptied.

/// The records a renderer appends to `text`, offering it to `offered` after each one.
pub(super) type Records<'r> = dyn Fn(&mut String, &mut dyn FnMut(&mut String)) + 'r;

/// Everything `records` appends, as one string.
pub(super) fn render(records: &Records<'_>) -> String {
    let mut text = String::new();
    records(&mut text, &mut |_| {});
    text
}

/// What [`render`] returns, written to `out` whenever more than 1 MiB has gathered.
pub(super) fn write(records: &Records<'_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    write_flushing_at(records, out, 1 << 20)
}

fn write_flushing_at(records: &Records<'_>, out: &mut dyn std::io::Write, flush_at: usize) -> std::io::Result<()> {
    let mut failure = None;
    let mut text = String::with_capacity(flush_at);
    records(&mut text, &mut |text| {
        if text.len() >= flush_at {
            if failure.is_none() {
                failure = out.write_all(text.as_bytes()).err();
            }
            text.clear();
        }
    });
    match failure {
        Some(error) => Err(error),
        None => out.write_all(text.as_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What CSV, OCSF and JUnit make of the committed demo result.
    fn demo_records(check: impl Fn(&Records<'_>)) {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/sample-reports/demo.json");
        let loaded = crate::document::parse("demo.json", &std::fs::read_to_string(path).expect("the demo sample"))
            .expect("the demo sample reads");
        let gate = crate::gate::decide(&loaded.results.results, crate::gate::Policy::threshold(loaded.fail_on), false);
        let report = loaded.report(&gate);
        check(&|text, offered| super::super::csv::records(&report, text, offered));
        check(&|text, offered| super::super::ocsf::records(&report, text, offered));
        check(&|text, offered| super::super::junit::records(&report, text, offered));
    }

    #[test]
    fn written_in_pieces_it_is_what_render_returns() {
        demo_records(|records| {
            let whole = render(records);
            assert!(whole.lines().count() > 50, "{whole}");
            for flush_at in [1, 4_096, 1 << 20] {
                let mut written = Vec::new();
                write_flushing_at(records, &mut written, flush_at).expect("a Vec takes every write");
                assert!(written == whole.as_bytes(), "written flushing at {flush_at} bytes differs");
            }
        });
    }

    /// A writer that refuses everything, like a closed pipe.
    struct Closed;

    impl std::io::Write for Closed {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::from(std::io::ErrorKind::BrokenPipe))
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_refused_write_is_an_error() {
        demo_records(|records| {
            let error = write_flushing_at(records, &mut Closed, 1).expect_err("the pipe is closed");
            assert_eq!(error.kind(), std::io::ErrorKind::BrokenPipe);
        });
    }
}
