//! The journal's file: an append-only log of framed entries, each checked by a CRC-32.
//!
//! A frame is its payload's length (`u32`, little-endian), the payload's CRC-32 (IEEE), then the
//! payload, whose first byte says what it is:
//! - `H` and the schema version (`u64`): the file's first frame;
//! - `P`, a record's length (`u32`), the record (the JSON of `stored.rs`), then `0`, or `1` and
//!   the delivery's body: a delivery as it is now (the body is written once, with its first
//!   record; later records of it leave the body where it is);
//! - `R` and an id: the delivery is gone.
//!
//! A crash can leave a frame half written at the end: reading stops at the first frame whose
//! length or checksum does not hold, and the file is cut there.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom, Write};
use std::path::Path;

/// Bytes before a frame's payload: its length and its checksum.
pub(super) const FRAME_HEADER: u64 = 8;

/// The payload of a record frame before its record: the kind and the record's length.
const PUT_HEAD: u64 = 5;

/// Where a body lies in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Span {
    pub(super) offset: u64,
    pub(super) len: u64,
}

impl Span {
    /// The 16 bytes the bodies table keeps.
    pub(super) fn to_bytes(self) -> Vec<u8> {
        [self.offset.to_le_bytes(), self.len.to_le_bytes()].concat()
    }

    /// The span `bytes` (from [`Self::to_bytes`]) name.
    pub(super) fn from_bytes(bytes: &[u8]) -> Option<Span> {
        let (offset, len) = bytes.split_first_chunk::<8>()?;
        let len: [u8; 8] = len.try_into().ok()?;
        Some(Span {
            offset: u64::from_le_bytes(*offset),
            len: u64::from_le_bytes(len),
        })
    }
}

/// One entry of the log, as read back.
pub(super) enum Entry<'a> {
    /// The schema version.
    Header(u64),
    /// A delivery's record, and where its body is when this frame holds one.
    Put {
        record: &'a [u8],
        body: Option<Span>,
    },
    /// A delivery removed.
    Remove { id: &'a [u8] },
}

/// Appends the header frame to `out`.
pub(super) fn header(version: u64, out: &mut Vec<u8>) {
    frame_with(out, |payload| {
        payload.push(b'H');
        payload.extend_from_slice(&version.to_le_bytes());
    });
}

/// Appends a record frame to `out`, which is to be written at `at` in the file; returns where its
/// body will be.
pub(super) fn put(record: &[u8], body: Option<&[u8]>, at: u64, out: &mut Vec<u8>) -> Option<Span> {
    let record_len = u32::try_from(record.len()).unwrap_or(u32::MAX);
    let start = at + out.len() as u64;
    // Written in place: the body is copied once, into `out`.
    frame_with(out, |payload| {
        payload.reserve(record.len() + body.map_or(0, <[u8]>::len) + 6);
        payload.push(b'P');
        payload.extend_from_slice(&record_len.to_le_bytes());
        payload.extend_from_slice(record);
        match body {
            Some(body) => {
                payload.push(1);
                payload.extend_from_slice(body);
            }
            None => payload.push(0),
        }
    });
    body.map(|body| Span {
        offset: start + FRAME_HEADER + PUT_HEAD + record.len() as u64 + 1,
        len: body.len() as u64,
    })
}

/// Appends a removal frame to `out`.
pub(super) fn remove(id: &[u8], out: &mut Vec<u8>) {
    frame_with(out, |payload| {
        payload.push(b'R');
        payload.extend_from_slice(id);
    });
}

/// Appends a frame whose payload `write` appends to `out` (in place, not built apart and copied):
/// its length and checksum are filled in once it is there.
fn frame_with(out: &mut Vec<u8>, write: impl FnOnce(&mut Vec<u8>)) {
    let head = out.len();
    out.extend_from_slice(&[0; FRAME_HEADER as usize]);
    write(out);
    let payload = &out[head + FRAME_HEADER as usize..];
    // Frames are bounded by the body limit, far below 4 GiB.
    let len = u32::try_from(payload.len()).unwrap_or(u32::MAX);
    let crc = crc32(payload);
    out[head..head + 4].copy_from_slice(&len.to_le_bytes());
    out[head + 4..head + 8].copy_from_slice(&crc.to_le_bytes());
}

/// Reads the file's frames in order, calling `each` with every entry and the offset of the frame
/// after it. Returns the offset where the whole frames end (where a torn frame starts, if any),
/// and whether the first frame was a header: `None` when the file holds no whole frame.
pub(super) fn read_all(
    file: &File,
    mut each: impl FnMut(Entry<'_>) -> std::io::Result<()>,
) -> std::io::Result<(u64, bool)> {
    let file_len = file.metadata()?.len();
    let mut reader = BufReader::with_capacity(1 << 16, file);
    reader.seek(SeekFrom::Start(0))?;
    let mut offset = 0u64;
    let mut payload = Vec::new();
    let mut first_is_header = false;
    loop {
        let mut head = [0u8; FRAME_HEADER as usize];
        if !read_whole(&mut reader, &mut head)? {
            return Ok((offset, first_is_header));
        }
        let (len, crc) = head.split_at(4);
        let len = u32::from_le_bytes(len.try_into().unwrap_or_default()) as usize;
        let crc = u32::from_le_bytes(crc.try_into().unwrap_or_default());
        if offset + FRAME_HEADER + len as u64 > file_len {
            // Longer than what is left: torn, or not a frame at all (nothing is allocated for it).
            return Ok((offset, first_is_header));
        }
        payload.resize(len, 0);
        if !read_whole(&mut reader, &mut payload)? || crc32(&payload) != crc {
            return Ok((offset, first_is_header));
        }
        let payload_at = offset + FRAME_HEADER;
        let Some(entry) = parse(&payload, payload_at) else {
            return Ok((offset, first_is_header));
        };
        if offset == 0 {
            first_is_header = matches!(entry, Entry::Header(_));
            if !first_is_header {
                return Ok((0, false));
            }
        }
        each(entry)?;
        offset = payload_at + len as u64;
    }
}

/// Fills `buffer`; `false` when the file ends first.
fn read_whole(reader: &mut impl Read, buffer: &mut [u8]) -> std::io::Result<bool> {
    let mut filled = 0;
    while filled < buffer.len() {
        match reader.read(&mut buffer[filled..]) {
            Ok(0) => return Ok(false),
            Ok(read) => filled += read,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(true)
}

/// The entry of a payload that starts at `at` in the file.
fn parse(payload: &[u8], at: u64) -> Option<Entry<'_>> {
    let (kind, rest) = payload.split_first()?;
    match kind {
        b'H' => Some(Entry::Header(u64::from_le_bytes(rest.try_into().ok()?))),
        b'P' => {
            let (len, rest) = rest.split_first_chunk::<4>()?;
            let len = u32::from_le_bytes(*len) as usize;
            let record = rest.get(..len)?;
            let (has_body, body) = rest.get(len..)?.split_first()?;
            let body = (*has_body == 1).then(|| Span {
                offset: at + PUT_HEAD + len as u64 + 1,
                len: body.len() as u64,
            });
            Some(Entry::Put { record, body })
        }
        b'R' => Some(Entry::Remove { id: rest }),
        _ => None,
    }
}

/// Reads `span` of `file`.
pub(super) fn read_span(file: &File, span: Span) -> std::io::Result<Vec<u8>> {
    let mut buffer = vec![0; usize::try_from(span.len).unwrap_or(usize::MAX)];
    let mut file = file;
    file.seek(SeekFrom::Start(span.offset))?;
    file.read_exact(&mut buffer)?;
    Ok(buffer)
}

/// Writes `bytes` at `at`, the file's end; on failure, cuts the file back to `at`, so that no
/// torn frame stays before the next ones.
pub(super) fn append(file: &File, at: u64, bytes: &[u8]) -> std::io::Result<()> {
    let mut writer = file;
    let written = writer
        .seek(SeekFrom::Start(at))
        .and_then(|_| writer.write_all(bytes));
    if let Err(error) = written {
        // Best effort: when even this fails, the next open cuts the torn frame off.
        let _ = file.set_len(at);
        return Err(error);
    }
    Ok(())
}

/// Syncs the folder that holds `path`, so that a rename into it survives a crash.
pub(super) fn sync_folder(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    if let Some(dir) = path.parent() {
        File::open(dir)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// CRC-32 (IEEE 802.3), eight bytes at a time ("slicing-by-8"): about a quarter of the
/// instructions of a byte at a time, which was a fifth of the journal writer's work per record
/// (callgrind).
pub(super) fn crc32(bytes: &[u8]) -> u32 {
    const TABLES: [[u32; 256]; 8] = {
        let mut tables = [[0u32; 256]; 8];
        let mut n = 0;
        while n < 256 {
            let mut c = n as u32;
            let mut k = 0;
            while k < 8 {
                c = if c & 1 == 1 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
                k += 1;
            }
            tables[0][n] = c;
            n += 1;
        }
        let mut slice = 1;
        while slice < 8 {
            let mut n = 0;
            while n < 256 {
                let previous = tables[slice - 1][n];
                tables[slice][n] = (previous >> 8) ^ tables[0][(previous & 0xFF) as usize];
                n += 1;
            }
            slice += 1;
        }
        tables
    };
    let at = |table: usize, word: u32, shift: u32| TABLES[table][((word >> shift) & 0xFF) as usize];
    let mut crc = !0u32;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let low = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]) ^ crc;
        let high = u32::from_le_bytes([chunk[4], chunk[5], chunk[6], chunk[7]]);
        crc = at(7, low, 0)
            ^ at(6, low, 8)
            ^ at(5, low, 16)
            ^ at(4, low, 24)
            ^ at(3, high, 0)
            ^ at(2, high, 8)
            ^ at(1, high, 16)
            ^ at(0, high, 24);
    }
    for byte in chunks.remainder() {
        crc = TABLES[0][((crc ^ u32::from(*byte)) & 0xFF) as usize] ^ (crc >> 8);
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file name of its own in the temporary folder.
    fn fresh_path() -> std::path::PathBuf {
        std::env::temp_dir().join(format!(
            "webhooks-log-{}",
            crate::delivery::journal::new_id()
        ))
    }

    #[test]
    fn the_checksum_is_crc_32() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
        // Past eight bytes, and with a remainder: the word-at-a-time loop and the tail.
        assert_eq!(
            crc32(b"The quick brown fox jumps over the lazy dog"),
            0x414F_A339
        );
        assert_eq!(crc32(&[0u8; 32]), 0x190A_55AD);
    }

    #[test]
    fn frames_read_back_as_written_and_a_torn_one_ends_the_log() {
        let path = fresh_path();
        let mut bytes = Vec::new();
        header(1, &mut bytes);
        let span = put(br#"{"id":"a"}"#, Some(b"body"), 0, &mut bytes).unwrap();
        put(br#"{"id":"a","x":1}"#, None, 0, &mut bytes);
        remove(b"a", &mut bytes);
        let whole = bytes.len() as u64;
        // Half of another frame, as a crash leaves it.
        let mut torn = Vec::new();
        put(b"{}", Some(b"lost"), 0, &mut torn);
        bytes.extend_from_slice(&torn[..torn.len() / 2]);
        std::fs::write(&path, &bytes).unwrap();
        let file = File::open(&path).unwrap();
        let mut seen = Vec::new();
        let (end, headed) = read_all(&file, |entry| {
            seen.push(match entry {
                Entry::Header(version) => format!("H{version}"),
                Entry::Put { record, body } => format!(
                    "P{} {:?}",
                    String::from_utf8_lossy(record),
                    body.map(|body| read_span(&file, body).unwrap())
                ),
                Entry::Remove { id } => format!("R{}", String::from_utf8_lossy(id)),
            });
            Ok(())
        })
        .unwrap();
        assert!(headed);
        assert_eq!(end, whole, "the torn frame is not read");
        assert_eq!(
            seen,
            [
                "H1".to_owned(),
                format!("P{{\"id\":\"a\"}} {:?}", Some(b"body".to_vec())),
                "P{\"id\":\"a\",\"x\":1} None".to_owned(),
                "Ra".to_owned(),
            ]
        );
        assert_eq!(read_span(&file, span).unwrap(), b"body");
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn a_file_not_starting_with_a_header_is_not_a_log() {
        let path = fresh_path();
        let mut bytes = Vec::new();
        remove(b"a", &mut bytes);
        std::fs::write(&path, &bytes).unwrap();
        let file = File::open(&path).unwrap();
        assert_eq!(read_all(&file, |_| Ok(())).unwrap(), (0, false));
        std::fs::remove_file(&path).unwrap();
    }
}
