//! Hive's partition directory names: `key=value` with special characters
//! escaped as `%XX`, NULL or empty as `__HIVE_DEFAULT_PARTITION__`.

/// The directory value Hive uses for a NULL or empty partition value.
pub const DEFAULT_PARTITION: &str = "__HIVE_DEFAULT_PARTITION__";

fn needs_escape(c: char) -> bool {
    matches!(c, '"' | '#' | '%' | '\'' | '*' | '/' | ':' | '=' | '?' | '\\' | '\u{7f}' | '{' | '[' | ']' | '^')
        || ('\u{1}'..='\u{1f}').contains(&c)
}

/// Escapes a partition value for use in a path, as Hive's `escapePathName`.
pub fn escape_path_name(value: &str) -> String {
    if value.is_empty() {
        return DEFAULT_PARTITION.to_string();
    }
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if needs_escape(c) {
            out.push_str(&format!("%{:02X}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Reverses [`escape_path_name`].
pub fn unescape_path_name(name: &str) -> String {
    let bytes = name.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && name.is_char_boundary(i + 1)
            && name.is_char_boundary(i + 3)
            && let Ok(v) = u8::from_str_radix(&name[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_hive() {
        assert_eq!(escape_path_name("a/b:c=d"), "a%2Fb%3Ac%3Dd");
        assert_eq!(escape_path_name(""), DEFAULT_PARTITION);
        assert_eq!(unescape_path_name("a%2Fb%3Ac%3Dd"), "a/b:c=d");
        assert_eq!(unescape_path_name("100%"), "100%");
    }
}
