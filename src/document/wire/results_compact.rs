//! The `results` array of a compact document, written on every core.
//!
//! A large scan writes hundreds of thousands of results, and each repeats strings that belong to
//! its rule (id, expected value) and its resource. Those are escaped once into byte pieces here;
//! a result is then mostly copies of its pieces. File locations are spelled as each result is
//! written: there is one per file, and their spellings held at once took 10 MB at 10,000 apps.
//! The array is cut into chunks that workers render into buffers while the calling thread writes
//! the finished ones in order, so the output is the same bytes as serde's compact spelling of
//! [`super::result::ResultOut`] (a test checks this), whatever the number of cores.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError, mpsc};

use serde::Serialize;

use super::result::{ResourceOut, SuppressionOut};
use crate::engine::{BaselineState, ResultView, Results};
use crate::escape;
use crate::model::Origin;

/// Results per chunk, about 120 KB of JSON: large enough that handing a chunk over costs nothing
/// next to rendering it, small enough that the chunks in flight (a few per core) stay about a
/// megabyte.
const CHUNK_RESULTS: usize = 256;

/// Each rule's and resource's spelling, escaped once.
struct Pieces {
    /// `{"rule_id":"…"`
    rule_heads: Vec<Vec<u8>>,
    /// `,"expected":"…"`
    rule_expected: Vec<Vec<u8>>,
    /// `,"resource":{…}`
    resources: Vec<Vec<u8>>,
}

fn json<T: Serialize + ?Sized>(prefix: &str, value: &T) -> Vec<u8> {
    let mut out = prefix.as_bytes().to_vec();
    // Serialising plain data into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut out, value);
    out
}

impl Pieces {
    fn new(results: &Results) -> Self {
        Self {
            rule_heads: results.rules.iter().map(|rule| json("{\"rule_id\":", rule.id.as_str())).collect(),
            rule_expected: results.rules.iter().map(|rule| json(",\"expected\":", rule.expected.as_str())).collect(),
            resources: results
                .resources
                .iter()
                .map(|resource| json(",\"resource\":", &ResourceOut::new(resource)))
                .collect(),
        }
    }

    fn write_result(&self, result: ResultView<'_>, out: &mut Vec<u8>) {
        let stored = result.stored();
        out.extend_from_slice(&self.rule_heads[stored.rule as usize]);
        out.extend_from_slice(b",\"status\":\"");
        out.extend_from_slice(stored.status.as_str().as_bytes());
        out.extend_from_slice(b"\",\"severity\":\"");
        out.extend_from_slice(stored.severity.as_str().as_bytes());
        out.extend_from_slice(b"\",\"confidence\":\"");
        out.extend_from_slice(stored.confidence.as_str().as_bytes());
        out.push(b'"');
        out.extend_from_slice(&self.resources[stored.resource as usize]);
        out.extend_from_slice(b",\"location\":");
        write_location(result.location, out);
        out.extend_from_slice(b",\"actual\":");
        write_optional_string(result.actual(), out);
        out.extend_from_slice(if stored.assumed { b",\"assumed\":true" } else { b",\"assumed\":false" });
        out.extend_from_slice(&self.rule_expected[stored.rule as usize]);
        out.extend_from_slice(b",\"reason\":");
        write_optional_string(result.reason(), out);
        out.extend_from_slice(b",\"fingerprint\":\"");
        out.extend_from_slice(result.fingerprint().as_str().as_bytes());
        out.push(b'"');
        if let Some(suppression) = result.suppression() {
            out.extend_from_slice(&json(",\"suppression\":", &SuppressionOut::new(suppression)));
        }
        if let Some(baseline) = stored.baseline {
            out.extend_from_slice(b",\"baseline\":\"");
            out.extend_from_slice(BaselineState::as_str(baseline).as_bytes());
            out.push(b'"');
        }
        out.push(b'}');
    }
}

/// serde's spelling of an [`Origin`], without its general machinery: every result has one.
fn write_location(origin: &Origin, out: &mut Vec<u8>) {
    out.extend_from_slice(b"{\"source\":\"");
    out.extend_from_slice(origin.source.as_str().as_bytes());
    out.push(b'"');
    if let Some(path) = &origin.path {
        out.extend_from_slice(b",\"path\":");
        escape::json_string(out, path);
    }
    if let Some(line) = origin.line {
        out.extend_from_slice(b",\"line\":");
        out.extend_from_slice(line.to_string().as_bytes());
    }
    out.push(b'}');
}

fn write_optional_string(text: Option<&str>, out: &mut Vec<u8>) {
    match text {
        Some(text) => escape::json_string(out, text),
        None => out.extend_from_slice(b"null"),
    }
}

/// Writes `results` as the compact JSON array.
pub(super) fn write(results: &Results, out: &mut dyn Write) -> std::io::Result<()> {
    let pieces = Pieces::new(results);
    let render =
        |index: usize, buffer: &mut Vec<u8>| pieces.write_result(results.view(&results.results[index]), buffer);
    write_array(results.results.len(), CHUNK_RESULTS, &render, out)
}

/// Writes a JSON array of `count` items, `render` spelling item `index` into a buffer: chunks of
/// `per_chunk` items are rendered on every core and written in order as they are done. A written
/// chunk's buffer goes back to a pool for the next chunk, so writing allocates a few buffers in
/// all rather than one per chunk: memory the allocator would otherwise keep after they are freed.
pub(super) fn write_array(
    count: usize,
    per_chunk: usize,
    render: &(dyn Fn(usize, &mut Vec<u8>) + Sync),
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let chunks = count.div_ceil(per_chunk);
    let spare: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());
    let render_chunk = |chunk: usize| {
        let (start, end) = (chunk * per_chunk, ((chunk + 1) * per_chunk).min(count));
        let mut buffer = spare.lock().unwrap_or_else(PoisonError::into_inner).pop().unwrap_or_default();
        for index in start..end {
            if index > 0 {
                buffer.push(b',');
            }
            render(index, &mut buffer);
        }
        buffer
    };
    let written = |mut buffer: Vec<u8>| {
        buffer.clear();
        spare.lock().unwrap_or_else(PoisonError::into_inner).push(buffer);
    };
    out.write_all(b"[")?;
    let workers = std::thread::available_parallelism().map_or(1, usize::from).clamp(1, 8).min(chunks);
    if workers <= 1 {
        for chunk in 0..chunks {
            let buffer = render_chunk(chunk);
            out.write_all(&buffer)?;
            written(buffer);
        }
        return out.write_all(b"]");
    }
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let (sender, receiver) = mpsc::sync_channel::<(usize, Vec<u8>)>(workers * 2);
        for _ in 0..workers {
            let sender = sender.clone();
            let (next, render_chunk) = (&next, &render_chunk);
            scope.spawn(move || {
                loop {
                    let chunk = next.fetch_add(1, Ordering::Relaxed);
                    // A closed channel means the writer stopped on an error: nothing more is wanted.
                    if chunk >= chunks || sender.send((chunk, render_chunk(chunk))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(sender);
        let mut waiting = BTreeMap::new();
        let mut due = 0;
        for (chunk, bytes) in receiver {
            waiting.insert(chunk, bytes);
            while let Some(bytes) = waiting.remove(&due) {
                out.write_all(&bytes)?;
                written(bytes);
                due += 1;
            }
        }
        Ok::<(), std::io::Error>(())
    })?;
    out.write_all(b"]")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(index: usize, buffer: &mut Vec<u8>) {
        buffer.extend_from_slice(index.to_string().as_bytes());
    }

    #[test]
    fn chunks_are_written_in_order_whatever_their_number() {
        for (count, per_chunk) in [(0, 4), (1, 4), (3, 4), (4, 4), (9, 4), (1_000, 3), (5_000, 1)] {
            let mut out = Vec::new();
            write_array(count, per_chunk, &render, &mut out).expect("a Vec takes every write");
            let expected: Vec<String> = (0..count).map(|index| index.to_string()).collect();
            assert_eq!(String::from_utf8(out).expect("text"), format!("[{}]", expected.join(",")));
        }
    }

    /// A writer that refuses everything after `room` bytes, like a full disk.
    struct Full {
        room: usize,
    }

    impl Write for Full {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            if self.room == 0 {
                return Err(std::io::Error::other("no space left"));
            }
            let taken = bytes.len().min(self.room);
            self.room -= taken;
            Ok(taken)
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_writer_that_fails_midway_stops_the_workers_and_is_reported() {
        for room in [0, 1, 100, 10_000] {
            let error = write_array(20_000, 2, &render, &mut Full { room }).expect_err("the disk is full");
            assert_eq!(error.to_string(), "no space left");
        }
    }
}
