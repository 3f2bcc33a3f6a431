//! How cells map to LSM keys, so that the tree's byte order is HBase's cell order.
//!
//! A cell's key is `row ∘ family ∘ qualifier ∘ !timestamp`, where `∘` is an
//! order-preserving, self-delimiting encoding of a byte string: every `0x00` is
//! written `0x00 0xFF` and the string ends with `0x00 0x01`. Rows therefore sort
//! as raw bytes (a row sorts before every longer row it prefixes), all cells of
//! a row are contiguous, and the inverted big-endian timestamp puts the newest
//! version first. The value is one tag byte (reserved for cell kinds) and the
//! cell's bytes.

use bytes::Bytes;

use crate::{Error, Result};

const ESCAPE: u8 = 0x00;
const ESCAPED_ZERO: u8 = 0xFF;
const TERMINATOR: u8 = 0x01;

/// The value tag of a plain put.
pub(crate) const TAG_PUT: u8 = 0;

/// Appends the escaped bytes of `part` without the terminator: the key prefix
/// shared by every encoded string that starts with `part`.
pub(crate) fn push_escaped(out: &mut Vec<u8>, part: &[u8]) {
    for &b in part {
        out.push(b);
        if b == ESCAPE {
            out.push(ESCAPED_ZERO);
        }
    }
}

/// Appends one self-delimiting component.
pub(crate) fn push_part(out: &mut Vec<u8>, part: &[u8]) {
    push_escaped(out, part);
    out.push(ESCAPE);
    out.push(TERMINATOR);
}

/// The key prefix of every cell of `row`.
pub(crate) fn row_prefix(row: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(row.len() + 2);
    push_part(&mut k, row);
    k
}

/// The key prefix of every cell of `row` in `family`.
pub(crate) fn family_prefix(row: &[u8], family: &[u8]) -> Vec<u8> {
    let mut k = row_prefix(row);
    push_part(&mut k, family);
    k
}

/// The key prefix of every version of one column.
pub(crate) fn column_prefix(row: &[u8], family: &[u8], qualifier: &[u8]) -> Vec<u8> {
    let mut k = family_prefix(row, family);
    push_part(&mut k, qualifier);
    k
}

/// The full key of one cell version.
pub(crate) fn cell_key(row: &[u8], family: &[u8], qualifier: &[u8], timestamp: i64) -> Vec<u8> {
    let mut k = column_prefix(row, family, qualifier);
    k.extend_from_slice(&(!(timestamp as u64)).to_be_bytes());
    k
}

/// The smallest key greater than every key that starts with `prefix`, or
/// `None` when no such key exists (the prefix is all `0xFF`).
pub fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xFF {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

/// A decoded cell key.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct CellKey {
    pub row: Bytes,
    pub family: Bytes,
    pub qualifier: Bytes,
    pub timestamp: i64,
}

/// Reads one component from the front of `key`, returning it and the rest.
fn take_part(key: &[u8]) -> Result<(Vec<u8>, &[u8])> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < key.len() {
        let b = key[i];
        if b != ESCAPE {
            out.push(b);
            i += 1;
            continue;
        }
        match key.get(i + 1) {
            Some(&ESCAPED_ZERO) => {
                out.push(0);
                i += 2;
            }
            Some(&TERMINATOR) => return Ok((out, &key[i + 2..])),
            _ => break,
        }
    }
    Err(Error::Corrupt("cell key with a malformed component".into()))
}

pub(crate) fn decode(key: &[u8]) -> Result<CellKey> {
    let (row, rest) = take_part(key)?;
    let (family, rest) = take_part(rest)?;
    let (qualifier, rest) = take_part(rest)?;
    let ts: [u8; 8] = rest
        .try_into()
        .map_err(|_| Error::Corrupt("cell key without an 8-byte timestamp".into()))?;
    Ok(CellKey {
        row: row.into(),
        family: family.into(),
        qualifier: qualifier.into(),
        timestamp: !u64::from_be_bytes(ts) as i64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_with_zero_bytes() {
        let k = cell_key(b"a\0b", b"cf", b"\0q\0", 42);
        let d = decode(&k).unwrap();
        assert_eq!(&d.row[..], b"a\0b");
        assert_eq!(&d.family[..], b"cf");
        assert_eq!(&d.qualifier[..], b"\0q\0");
        assert_eq!(d.timestamp, 42);
    }

    #[test]
    fn rows_sort_as_raw_bytes_and_newest_versions_first() {
        let rows: [&[u8]; 7] = [b"", b"\0", b"\0\0", b"\x01", b"a", b"a\0", b"ab"];
        let keys: Vec<Vec<u8>> = rows.iter().map(|r| cell_key(r, b"f", b"q", 1)).collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
        assert!(cell_key(b"r", b"f", b"q", 9) < cell_key(b"r", b"f", b"q", 3));
        assert!(cell_key(b"r", b"f", b"q", 0) < cell_key(b"r", b"f", b"q0", 9));
        assert!(cell_key(b"r", b"f", b"zz", 0) < cell_key(b"r", b"g", b"a", 9));
    }

    #[test]
    fn prefixes_cover_exactly_their_rows() {
        let mut p = Vec::new();
        push_escaped(&mut p, b"ab");
        assert!(cell_key(b"ab", b"f", b"q", 1).starts_with(&p));
        assert!(cell_key(b"abc", b"f", b"q", 1).starts_with(&p));
        assert!(!cell_key(b"a", b"f", b"q", 1).starts_with(&p));
        assert_eq!(prefix_end(b"a\xff"), Some(b"b".to_vec()));
        assert_eq!(prefix_end(b"\xff\xff"), None);
    }

    #[test]
    fn truncated_keys_are_errors() {
        assert!(decode(b"row").is_err());
        assert!(decode(&row_prefix(b"r")).is_err());
    }
}
