//! Hive's BINARY as text: a text-table field is base64 when it looks like
//! base64, else the bytes themselves.

/// Hive's binary field (`LazyBinary`): base64-decoded when every byte is a
/// base64 character or white space and the result is not empty, else the
/// bytes as they are.
pub fn decode_binary(b: &[u8]) -> Vec<u8> {
    let is_b64 = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'-' | b'_' | b'=');
    if !b.iter().all(|&c| is_b64(c) || matches!(c, b' ' | b'\n' | b'\r' | b'\t')) {
        return b.to_vec();
    }
    let decoded = base64_decode_lenient(b);
    if decoded.is_empty() { b.to_vec() } else { decoded }
}

/// Base64 decoding as commons-codec does it: both alphabets, other bytes
/// skipped, stops at the first `=`, incomplete trailing bits dropped.
fn base64_decode_lenient(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in b {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            _ => continue,
        };
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_is_lenient() {
        assert_eq!(decode_binary(b"YWJj"), b"abc");
        assert_eq!(decode_binary(b"YWJjZA=="), b"abcd");
        assert_eq!(decode_binary(b"YWJjZA"), b"abcd");
        assert_eq!(decode_binary(b"a"), b"a");
        assert_eq!(decode_binary(b""), b"");
        assert_eq!(decode_binary(b"a b!"), b"a b!");
        assert_eq!(decode_binary(b"ab cd"), [0x69, 0xb7, 0x1d]);
        assert_eq!(decode_binary(b"abc"), [0x69, 0xb7]);
    }
}
