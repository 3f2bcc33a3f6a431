//! Python's `repr()` of floats, strings, bytes and containers, as error messages
//! of Eve, Cerberus and pymongo print them.

/// Python's `repr(float)` (and `str(float)`): shortest round-trip digits, `1.0`,
/// scientific notation (`1e+16`, `1e-05`) when the decimal exponent is below -4 or at
/// least 16, `inf`, `nan`.
pub(crate) fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0.0".into() } else { "0.0".into() };
    }
    // Rust's `{:e}` gives the shortest round-trip digits as d.ddddde<exp>.
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = match sci.split_once('e') {
        Some((m, e)) => (m.to_string(), e.parse::<i32>().unwrap_or(0)),
        None => (sci.clone(), 0),
    };
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let sign = if f < 0.0 { "-" } else { "" };
    if (-4..16).contains(&exp) {
        let n = digits.len() as i32;
        let body = if exp >= 0 {
            let int_len = exp + 1;
            if n <= int_len {
                format!("{}{}.0", digits, "0".repeat((int_len - n) as usize))
            } else {
                format!("{}.{}", &digits[..int_len as usize], &digits[int_len as usize..])
            }
        } else {
            format!("0.{}{}", "0".repeat((-exp - 1) as usize), digits)
        };
        format!("{sign}{body}")
    } else {
        let m = if digits.len() > 1 { format!("{}.{}", &digits[..1], &digits[1..]) } else { digits };
        let esign = if exp < 0 { "-" } else { "+" };
        format!("{sign}{m}e{esign}{:02}", exp.abs())
    }
}

/// Python's `repr(str)`: single quotes unless the text has `'` and no `"`; `\\`, `\n`,
/// `\r`, `\t` and the quote escaped; ASCII control characters as `\xNN`; a non-ASCII
/// character for which `escaped` is true as `\xNN`, `\uNNNN` or `\UNNNNNNNN` (by its
/// size). Python escapes exactly the characters `str.isprintable()` refuses; the callers
/// pass their own approximation of that set.
pub(crate) fn str_repr(s: &str, escaped: impl Fn(char) -> bool) -> String {
    let quote = if s.contains('\'') && !s.contains('"') { '"' } else { '\'' };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if !c.is_ascii() && escaped(c) => {
                let cp = c as u32;
                if cp <= 0xff {
                    out.push_str(&format!("\\x{cp:02x}"));
                } else if cp <= 0xffff {
                    out.push_str(&format!("\\u{cp:04x}"));
                } else {
                    out.push_str(&format!("\\U{cp:08x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Python's `repr(bytes)`: `b'...'`, printable ASCII as is, `\\`, `\n`, `\r`, `\t`
/// and the quote escaped, every other byte as `\xNN`.
pub(crate) fn bytes_repr(b: &[u8]) -> String {
    let quote = if b.contains(&b'\'') && !b.contains(&b'"') { '"' } else { '\'' };
    let mut out = format!("b{quote}");
    for &c in b {
        match c {
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            c if char::from(c) == quote => {
                out.push('\\');
                out.push(quote);
            }
            0x20..=0x7e => out.push(char::from(c)),
            c => out.push_str(&format!("\\x{c:02x}")),
        }
    }
    out.push(quote);
    out
}

/// `repr(list)` from the `repr`s of its items: `[1, 'a']`.
pub(crate) fn list_repr(items: &[String]) -> String {
    format!("[{}]", items.join(", "))
}

/// `repr(tuple)` from the `repr`s of its items: `('a',)`, `('a', 'b')`.
pub(crate) fn tuple_repr(items: &[String]) -> String {
    if items.len() == 1 { format!("({},)", items[0]) } else { format!("({})", items.join(", ")) }
}

/// `repr(set)` from the `repr`s of its items, in the order given: `set()`, `{1, 2}`.
pub(crate) fn set_repr(items: &[String]) -> String {
    if items.is_empty() { "set()".into() } else { format!("{{{}}}", items.join(", ")) }
}

/// `repr(dict)` from the `repr`s of its keys and values: `{'a': 1}`.
pub(crate) fn dict_repr(entries: &[(String, String)]) -> String {
    let parts: Vec<String> = entries.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    format!("{{{}}}", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats() {
        assert_eq!(float_repr(1.0), "1.0");
        assert_eq!(float_repr(1.5), "1.5");
        assert_eq!(float_repr(0.1), "0.1");
        assert_eq!(float_repr(1000.0), "1000.0");
        assert_eq!(float_repr(1e16), "1e+16");
        assert_eq!(float_repr(1e15), "1000000000000000.0");
        assert_eq!(float_repr(0.0001), "0.0001");
        assert_eq!(float_repr(0.00001), "1e-05");
        assert_eq!(float_repr(1.5e-5), "1.5e-05");
        assert_eq!(float_repr(-2.5e-7), "-2.5e-07");
        assert_eq!(float_repr(123456.789), "123456.789");
        assert_eq!(float_repr(123456789012345.6), "123456789012345.6");
        assert_eq!(float_repr(1.5e300), "1.5e+300");
    }

    #[test]
    fn strings_and_containers() {
        let none = |_: char| false;
        assert_eq!(str_repr("a", none), "'a'");
        assert_eq!(str_repr("it's", none), "\"it's\"");
        assert_eq!(str_repr("a'\"b", none), "'a\\'\"b'");
        assert_eq!(str_repr("x\ny\u{7f}", none), "'x\\ny\\x7f'");
        assert_eq!(str_repr("é\u{85}", none), "'é\u{85}'");
        assert_eq!(str_repr("é\u{85}\u{2028}", |c| !c.is_alphabetic()), "'é\\x85\\u2028'");
        assert_eq!(bytes_repr(b"it's\x00"), "b\"it's\\x00\"");
        assert_eq!(tuple_repr(&["1".into()]), "(1,)");
        assert_eq!(set_repr(&[]), "set()");
        assert_eq!(dict_repr(&[("'a'".into(), "[]".into())]), "{'a': []}");
    }
}
