//! Reading what sfaudit is given: files the user names (only regular files, never more bytes
//! than a limit, whatever `stat` said) and the nesting of JSON text before it is parsed.
//!
//! A FIFO named like a metadata file would block a plain `open` forever, and a symlink to
//! `/dev/zero` has a size of 0 and never ends: the file is opened without blocking, its type is
//! checked on the open handle (so it cannot be swapped after a check by name), and it is read
//! through a reader that stops one byte past the limit.

use std::fmt;
use std::io::Read as _;
use std::path::Path;

/// Why a file could not be read.
#[derive(Debug)]
pub(crate) enum ReadError {
    Io(std::io::Error),
    /// Not a regular file: a folder, FIFO, socket or device.
    NotRegular(&'static str),
    TooLarge {
        limit: u64,
    },
}

impl fmt::Display for ReadError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(error) => write!(formatter, "cannot read: {error}"),
            Self::NotRegular(kind) => write!(formatter, "is a {kind}, not a regular file; sfaudit reads only files"),
            Self::TooLarge { limit } => {
                write!(formatter, "is larger than sfaudit's limit of {} for this file", bytes_text(*limit))
            }
        }
    }
}

/// `4 MiB`, `64 KiB` or `100 bytes`: how limits are written in messages and the README.
pub(crate) fn bytes_text(bytes: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    for (size, unit) in UNITS {
        if bytes >= size && bytes % size == 0 {
            return format!("{} {unit}", bytes / size);
        }
    }
    format!("{bytes} bytes")
}

#[cfg(unix)]
fn open(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt as _;
    // O_NONBLOCK: opening a FIFO for reading returns at once instead of waiting for a writer.
    // It changes nothing for a regular file, the only kind read further.
    std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(path)
}

#[cfg(not(unix))]
fn open(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::open(path)
}

fn kind_of(file_type: std::fs::FileType) -> &'static str {
    if file_type.is_dir() {
        return "folder";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if file_type.is_fifo() {
            return "FIFO (named pipe)";
        }
        if file_type.is_socket() {
            return "socket";
        }
        if file_type.is_char_device() || file_type.is_block_device() {
            return "device";
        }
    }
    "special file"
}

/// The bytes of the regular file at `path` (symlinks followed), at most `limit` of them.
pub(crate) fn read_bytes(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let file = open(path).map_err(ReadError::Io)?;
    let metadata = file.metadata().map_err(ReadError::Io)?;
    if !metadata.is_file() {
        return Err(ReadError::NotRegular(kind_of(metadata.file_type())));
    }
    if metadata.len() > limit {
        return Err(ReadError::TooLarge { limit });
    }
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0).min(1 << 20));
    // `stat` can be wrong (files under /proc say 0): the limit holds on what is actually read.
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes).map_err(ReadError::Io)?;
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > limit {
        return Err(ReadError::TooLarge { limit });
    }
    Ok(bytes)
}

/// Like [`read_bytes`], as UTF-8 text; invalid UTF-8 is an I/O error of kind `InvalidData`.
pub(crate) fn read_text(path: &Path, limit: u64) -> Result<String, ReadError> {
    let bytes = read_bytes(path, limit)?;
    String::from_utf8(bytes).map_err(|error| {
        let line = crate::diag::line_of(error.as_bytes(), error.utf8_error().valid_up_to());
        ReadError::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("the file is not UTF-8 text (line {line})"),
        ))
    })
}

/// Checks that JSON `text` nests arrays and objects at most `limit` deep, before a parser
/// recurses into it. `Err` gives the 1-based line of the first bracket past the limit. Text
/// that is not JSON passes; the parser reports it.
pub fn check_json_depth(text: &[u8], limit: usize) -> Result<(), u32> {
    let mut depth = 0usize;
    let mut line = 1u32;
    let mut in_string = false;
    let mut escaped = false;
    for byte in text {
        if *byte == b'\n' {
            line = line.saturating_add(1);
        }
        if in_string {
            match (escaped, *byte) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return Err(line);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_are_read_and_never_past_the_limit() {
        let folder = tempfile::tempdir().expect("temp dir");
        let file = folder.path().join("a.xml");
        std::fs::write(&file, b"12345").expect("write");
        assert_eq!(read_bytes(&file, 5).expect("fits"), b"12345");
        assert!(matches!(read_bytes(&file, 4), Err(ReadError::TooLarge { limit: 4 })));
        assert!(matches!(read_bytes(folder.path(), 5), Err(ReadError::NotRegular("folder"))));
        assert!(matches!(read_bytes(&folder.path().join("none"), 5), Err(ReadError::Io(_))));
        #[cfg(unix)]
        {
            // A device whose size reads 0 and whose content never ends.
            let zero = folder.path().join("zero.xml");
            std::os::unix::fs::symlink("/dev/zero", &zero).expect("symlink");
            assert!(matches!(read_bytes(&zero, 5), Err(ReadError::NotRegular("device"))));
            // A FIFO nobody writes to: opening it must not block.
            let fifo = folder.path().join("fifo.xml");
            let made = std::process::Command::new("mkfifo").arg(&fifo).status().is_ok_and(|status| status.success());
            if made {
                assert!(matches!(read_bytes(&fifo, 5), Err(ReadError::NotRegular("FIFO (named pipe)"))));
            }
            // A regular file whose stat size is 0 but which has content (procfs).
            if let Ok(bytes) = read_bytes(Path::new("/proc/self/status"), 1 << 20) {
                assert!(!bytes.is_empty());
                assert!(matches!(read_bytes(Path::new("/proc/self/status"), 8), Err(ReadError::TooLarge { .. })));
            }
        }
    }

    #[test]
    fn json_depth_is_checked_outside_strings() {
        assert_eq!(check_json_depth(b"[[1]]", 2), Ok(()));
        assert_eq!(check_json_depth(b"[\n[\n[1]]]", 2), Err(3));
        assert_eq!(check_json_depth(br#"{"a":"[[[[\"[["}"#, 1), Ok(()));
        assert_eq!(check_json_depth(br#"["\\",[[1]]]"#, 2), Err(1));
    }

    #[test]
    fn sizes_are_written_in_binary_units() {
        assert_eq!(bytes_text(4 << 20), "4 MiB");
        assert_eq!(bytes_text(64 << 10), "64 KiB");
        assert_eq!(bytes_text(2 << 30), "2 GiB");
        assert_eq!(bytes_text(1000), "1000 bytes");
    }
}
