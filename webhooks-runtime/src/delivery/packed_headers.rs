//! The headers a journal record keeps (all but credentials), and the request's headers packed into
//! one buffer on the response path, split into the record's name and value pairs by the journal's
//! writer, off that path.

use http::{HeaderMap, HeaderName, header};

/// Headers that carry a credential: never stored, so never shown by the delivery API or resent
/// by a replay. (The webhook secret and the delivery id are removed before a request reaches
/// here.)
const CREDENTIAL_HEADERS: [header::HeaderName; 3] = [
    header::AUTHORIZATION,
    header::PROXY_AUTHORIZATION,
    header::COOKIE,
];

/// Whether a record keeps a header of this name: every one but credentials.
pub(crate) fn is_stored(name: &HeaderName) -> bool {
    !CREDENTIAL_HEADERS.contains(name)
}

/// The headers a replay resends: all of them but credentials.
pub(crate) fn stored_headers(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .filter(|(name, _)| is_stored(name))
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// The stored headers of a request (credentials left out), each as its name's length and bytes
/// then its value's length and bytes: one allocation for the whole request instead of two
/// `String`s per header.
#[derive(Debug, Default)]
pub(crate) struct PackedHeaders(Vec<u8>);

impl PackedHeaders {
    /// Copies the headers a record stores.
    pub(crate) fn pack(headers: &HeaderMap) -> Self {
        let size = headers
            .iter()
            .map(|(name, value)| 8 + name.as_str().len() + value.len())
            .sum();
        let mut buffer = Vec::with_capacity(size);
        for (name, value) in headers.iter().filter(|(name, _)| is_stored(name)) {
            // Heads are bounded far below 4 GiB: a length that does not fit is not a header.
            let (Ok(name_len), Ok(value_len)) = (
                u32::try_from(name.as_str().len()),
                u32::try_from(value.len()),
            ) else {
                continue;
            };
            buffer.extend_from_slice(&name_len.to_le_bytes());
            buffer.extend_from_slice(name.as_str().as_bytes());
            buffer.extend_from_slice(&value_len.to_le_bytes());
            buffer.extend_from_slice(value.as_bytes());
        }
        PackedHeaders(buffer)
    }

    /// The pairs a record keeps, in the request's order; values that are not UTF-8 are read
    /// lossily, as the record always did.
    pub(crate) fn unpack(&self) -> Vec<(String, String)> {
        let mut rest = self.0.as_slice();
        let mut pairs = Vec::new();
        while let Some((name, after_name)) = take_field(rest)
            && let Some((value, after_value)) = take_field(after_name)
        {
            pairs.push((
                String::from_utf8_lossy(name).into_owned(),
                String::from_utf8_lossy(value).into_owned(),
            ));
            rest = after_value;
        }
        pairs
    }
}

/// A length-prefixed field at the start of `bytes`, and what follows it.
fn take_field(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let (length, rest) = bytes.split_first_chunk::<4>()?;
    let length = usize::try_from(u32::from_le_bytes(*length)).ok()?;
    (rest.len() >= length).then(|| rest.split_at(length))
}

#[cfg(test)]
mod tests {
    use super::PackedHeaders;
    use super::stored_headers;
    use http::{HeaderMap, HeaderName, HeaderValue, header};

    #[test]
    fn unpacked_headers_are_what_the_record_stored_before() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        headers.append("x-custom", HeaderValue::from_static("first"));
        headers.append("x-custom", HeaderValue::from_static("second"));
        headers.insert("x-empty", HeaderValue::from_static(""));
        headers.insert(
            "x-latin",
            HeaderValue::from_bytes(b"caf\xe9 au lait: 2").unwrap(),
        );
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer hf_x"),
        );
        headers.insert(header::COOKIE, HeaderValue::from_static("session=1"));
        headers.insert(
            HeaderName::from_static("x-request-id"),
            HeaderValue::from_static("42"),
        );
        let unpacked = PackedHeaders::pack(&headers).unpack();
        assert_eq!(unpacked, stored_headers(&headers));
        assert_eq!(
            unpacked
                .iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect::<Vec<_>>(),
            [
                "content-type=application/json",
                "x-custom=first",
                "x-custom=second",
                "x-empty=",
                "x-latin=caf\u{fffd} au lait: 2",
                "x-request-id=42",
            ]
        );
    }

    #[test]
    fn no_headers_pack_to_nothing() {
        assert!(PackedHeaders::pack(&HeaderMap::new()).unpack().is_empty());
        assert!(PackedHeaders::default().unpack().is_empty());
    }
}
