//! The keys of the embedded journal's tables: tuples written as bytes that sort as the tuples do,
//! so that every index is one kind of ordered map (bytes to bytes) whose range scans follow the
//! tuples' order.
//!
//! A text part is its bytes with each 0 written as 0, 255, then 0, 0: the end of a part sorts
//! before any byte that could continue it. A number is big-endian with its sign bit flipped, so
//! negative numbers sort first. An optional text is 0 when absent, else 1 and the text.

use std::ops::Bound;

/// A key being written, part by part.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Key(Vec<u8>);

impl Key {
    /// A key starting with the text `part`.
    pub(super) fn of(part: &str) -> Self {
        Key(Vec::with_capacity(part.len() + 48)).text(part)
    }

    /// The key with the text `part` after what it holds.
    pub(super) fn text(mut self, part: &str) -> Self {
        for &byte in part.as_bytes() {
            self.0.push(byte);
            if byte == 0 {
                self.0.push(0xFF);
            }
        }
        self.0.extend_from_slice(&[0, 0]);
        self
    }

    /// The key with the number `part` after what it holds.
    pub(super) fn number(mut self, part: i64) -> Self {
        let ordered = (part as u64) ^ (1 << 63);
        self.0.extend_from_slice(&ordered.to_be_bytes());
        self
    }

    /// The key with `part`, present or not, after what it holds.
    pub(super) fn optional_text(mut self, part: Option<&str>) -> Self {
        match part {
            None => {
                self.0.push(0);
                self
            }
            Some(part) => {
                self.0.push(1);
                self.text(part)
            }
        }
    }

    pub(super) fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The smallest key after every key that starts with this one, or `None` when there is none.
    fn after_all_starting_with(&self) -> Option<Vec<u8>> {
        let mut end = self.0.clone();
        while let Some(last) = end.pop() {
            if last < 0xFF {
                end.push(last + 1);
                return Some(end);
            }
        }
        None
    }
}

/// The bounds of a range of keys: from a key on, up to (not including) another or to the end.
pub(super) struct KeyRange {
    start: Vec<u8>,
    end: Option<Vec<u8>>,
}

impl KeyRange {
    /// Every key that starts with `prefix`.
    pub(super) fn starting_with(prefix: &Key) -> Self {
        KeyRange {
            start: prefix.0.clone(),
            end: prefix.after_all_starting_with(),
        }
    }

    /// Every key of a table.
    pub(super) fn everything() -> Self {
        KeyRange {
            start: Vec::new(),
            end: None,
        }
    }

    /// Every key from `start` (included) to `end` (excluded).
    pub(super) fn between(start: &Key, end: &Key) -> Self {
        KeyRange {
            start: start.0.clone(),
            end: Some(end.0.clone()),
        }
    }

    /// The bounds, as `BTreeMap::range` takes them.
    pub(super) fn bounds(&self) -> (Bound<&[u8]>, Bound<&[u8]>) {
        let end = match &self.end {
            Some(end) => Bound::Excluded(end.as_slice()),
            None => Bound::Unbounded,
        };
        (Bound::Included(self.start.as_slice()), end)
    }
}

#[cfg(test)]
mod tests {
    use super::Key;

    #[test]
    fn keys_sort_as_their_parts_do() {
        let sorted = [
            Key::of("/a").number(i64::MIN).text("id"),
            Key::of("/a").number(-1).text("id"),
            Key::of("/a").number(0).text("a"),
            Key::of("/a").number(0).text("b"),
            Key::of("/a").number(7).text(""),
            Key::of("/a\0").number(0).text(""),
            Key::of("/a\0b").number(0).text(""),
            Key::of("/ab").number(0).text(""),
            Key::of("/b").optional_text(None),
            Key::of("/b").optional_text(Some("")),
            Key::of("/b").optional_text(Some("x")),
        ];
        for pair in sorted.windows(2) {
            assert!(pair[0].as_bytes() < pair[1].as_bytes(), "{pair:?}");
        }
    }

    #[test]
    fn a_prefix_range_holds_its_keys_only() {
        let range = super::KeyRange::starting_with(&Key::of("/a"));
        let (start, end) = range.bounds();
        let inside = |key: &Key| {
            let key = key.as_bytes();
            let after_start = matches!(start, std::ops::Bound::Included(s) if key >= s);
            let before_end = matches!(end, std::ops::Bound::Excluded(e) if key < e);
            after_start && before_end
        };
        assert!(inside(&Key::of("/a").number(5).text("x")));
        assert!(inside(&Key::of("/a").text("\u{10FFFF}")));
        assert!(!inside(&Key::of("/a\0")));
        assert!(!inside(&Key::of("/ab")));
        assert!(!inside(&Key::of("/")));
    }
}
