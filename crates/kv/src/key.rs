//! How cells map to LSM keys, so that the tree's byte order is HBase's cell order.
//!
//! A cell's key is `row ∘ family ∘ qualifier ∘ !timestamp`, where `∘` is an
//! order-preserving, self-delimiting encoding of a byte string: every `0x00` is
//! written `0x00 0xFF` and the string ends with `0x00 0x01`. Rows therefore sort
//! as raw bytes (a row sorts before every longer row it prefixes), all cells of
//! a row are contiguous, and the inverted big-endian timestamp puts the newest
//! version first. The value is one tag byte (reserved for cell kinds) and the
//! cell's bytes.
//!
//! The LSM tree takes keys of at most 65,535 bytes (fjall stores a key's length
//! as a `u16`, and panics on a longer one) and values of at most `u32::MAX`
//! bytes, so every row, column and value is checked against the limits below
//! before it becomes a key or a bound: an oversized one is an
//! [`Error::TooLarge`], never a panic.

use bytes::Bytes;

use crate::{Error, Result};

const ESCAPE: u8 = 0x00;
const ESCAPED_ZERO: u8 = 0xFF;
const TERMINATOR: u8 = 0x01;

/// The value tag of a plain put.
pub(crate) const TAG_PUT: u8 = 0;

/// Longest key the LSM tree takes: fjall stores a key's length as a `u16`.
const MAX_LSM_KEY: usize = u16::MAX as usize;

/// A cell key's framing: the terminators of row, family and qualifier, and
/// the eight-byte timestamp.
const CELL_KEY_FRAMING: usize = 3 * 2 + 8;

/// Most bytes a cell's row, family and qualifier take together, each `0x00`
/// byte counted twice (it is escaped): 65,521.
pub const MAX_CELL_KEY_BYTES: usize = MAX_LSM_KEY - CELL_KEY_FRAMING;

/// Longest row key: HBase's own limit (`Short.MAX_VALUE`), 32,767 bytes.
pub const MAX_ROW_BYTES: usize = i16::MAX as usize;

/// Longest column family name: HBase's own limit (`Byte.MAX_VALUE`), 127 bytes.
pub const MAX_FAMILY_BYTES: usize = i8::MAX as usize;

/// Longest cell value: fjall's `u32` value length less the tag byte.
pub const MAX_VALUE_BYTES: usize = u32::MAX as usize - 1;

/// Bytes `part` takes in a key once its zero bytes are escaped.
fn escaped_len(part: &[u8]) -> usize {
    part.len() + part.iter().filter(|&&b| b == ESCAPE).count()
}

/// Refuses a row key (or a scan bound or prefix) that no cell key could hold.
/// Every key or bound built from an accepted row fits the LSM tree.
pub(crate) fn check_row(row: &[u8]) -> Result<()> {
    if row.len() > MAX_ROW_BYTES {
        return Err(Error::TooLarge(format!("row key is {} bytes; the longest allowed is {MAX_ROW_BYTES}", row.len())));
    }
    let encoded = escaped_len(row);
    if encoded > MAX_CELL_KEY_BYTES {
        return Err(Error::TooLarge(format!(
            "row key of {} bytes takes {encoded} in the store (each 0x00 byte counts twice); \
             the most allowed is {MAX_CELL_KEY_BYTES}",
            row.len()
        )));
    }
    Ok(())
}

/// Refuses a cell address whose key would be longer than the LSM tree takes.
pub(crate) fn check_cell(row: &[u8], family: &[u8], qualifier: &[u8]) -> Result<()> {
    check_row(row)?;
    let encoded = escaped_len(row) + escaped_len(family) + escaped_len(qualifier);
    if encoded > MAX_CELL_KEY_BYTES {
        return Err(Error::TooLarge(format!(
            "row key ({} bytes), family ({}) and qualifier ({}) take {encoded} bytes together in the store \
             (each 0x00 byte counts twice); the most allowed is {MAX_CELL_KEY_BYTES}",
            row.len(),
            family.len(),
            qualifier.len()
        )));
    }
    Ok(())
}

/// Refuses a value longer than the LSM tree takes.
pub(crate) fn check_value(value: &[u8]) -> Result<()> {
    if value.len() > MAX_VALUE_BYTES {
        return Err(Error::TooLarge(format!(
            "value is {} bytes; the longest allowed is {MAX_VALUE_BYTES}",
            value.len()
        )));
    }
    Ok(())
}

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
    let ts: [u8; 8] = rest.try_into().map_err(|_| Error::Corrupt("cell key without an 8-byte timestamp".into()))?;
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
    fn limits_keep_every_key_within_the_lsm_tree() {
        assert_eq!((MAX_CELL_KEY_BYTES, MAX_ROW_BYTES, MAX_FAMILY_BYTES), (65_521, 32_767, 127));
        // The longest accepted row: its row prefix and scan bounds fit, with room to spare.
        let row = vec![b'r'; MAX_ROW_BYTES];
        check_row(&row).unwrap();
        assert!(prefix_end(&row_prefix(&row)).unwrap().len() <= MAX_LSM_KEY);
        assert!(matches!(check_row(&vec![b'r'; MAX_ROW_BYTES + 1]), Err(Error::TooLarge(_))));
        // Zero bytes are escaped, so they count twice.
        let zeros = vec![0u8; MAX_ROW_BYTES];
        assert!(matches!(check_row(&zeros), Err(Error::TooLarge(m)) if m.contains("counts twice")));
        let zeros = vec![0u8; MAX_CELL_KEY_BYTES / 2];
        check_row(&zeros).unwrap();
        assert!(row_prefix(&zeros).len() <= MAX_LSM_KEY);
        // A cell key at the limit is exactly the tree's longest key; one byte more is refused.
        let qualifier = vec![b'q'; MAX_CELL_KEY_BYTES - MAX_ROW_BYTES - 2];
        check_cell(&row, b"cf", &qualifier).unwrap();
        assert_eq!(cell_key(&row, b"cf", &qualifier, 1).len(), MAX_LSM_KEY);
        let longer = vec![b'q'; qualifier.len() + 1];
        assert!(matches!(check_cell(&row, b"cf", &longer), Err(Error::TooLarge(_))));
        let with_zero = [&qualifier[1..], b"\0"].concat();
        assert!(matches!(check_cell(&row, b"cf", &with_zero), Err(Error::TooLarge(_))));
    }

    #[test]
    fn truncated_keys_are_errors() {
        assert!(decode(b"row").is_err());
        assert!(decode(&row_prefix(b"r")).is_err());
    }
}
