//! Hive's BOOLEAN as text: a text-table field (`true`/`false`) and a string
//! cast to BOOLEAN (anything but a few false words).

/// Hive's boolean field (`LazyBoolean`): `true` or `false` in any case, else None.
pub fn parse_bool(b: &[u8]) -> Option<bool> {
    if b.eq_ignore_ascii_case(b"true") {
        Some(true)
    } else if b.eq_ignore_ascii_case(b"false") {
        Some(false)
    } else {
        None
    }
}

/// `CAST(string AS BOOLEAN)` as later Hive does it: false for `''`, `false`,
/// `off`, `no` and `0` in any case, true for everything else. (Hive 2.3.10
/// gives false only for `''`: `CAST('false' AS BOOLEAN)` is true there.)
pub fn cast_boolean(s: &str) -> bool {
    !["", "false", "off", "no", "0"].iter().any(|f| s.eq_ignore_ascii_case(f))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields() {
        assert_eq!(parse_bool(b"TRUE"), Some(true));
        assert_eq!(parse_bool(b"False"), Some(false));
        assert_eq!(parse_bool(b"yes"), None);
        assert_eq!(parse_bool(b"True "), None);
    }

    #[test]
    fn casts() {
        let got: Vec<bool> =
            ["", "FaLsE", "off", "no", "0", "Foo", " 0", "true"].into_iter().map(cast_boolean).collect();
        assert_eq!(got, [false, false, false, false, false, true, true, true]);
    }
}
