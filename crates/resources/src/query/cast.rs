//! Casting of string values in a parsed filter: Eve's `_mongotize`
//! (reproduced exactly) and ENMA's schema-typed casting.

use std::str::FromStr;

use bson::oid::ObjectId;
use bson::{Bson, Decimal128, Document};
use chrono::{DateTime, NaiveDate, NaiveDateTime};

use crate::py::num::{decimal_value, is_py_space};

use super::pyval::datetime_to_bson;
use super::{CastMode, EveCastOptions, FieldType};

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

/// One element of the `strptime` regex for `"%a, %d %b %Y %H:%M:%S GMT"`.
#[derive(Clone, Copy)]
enum Pat {
    /// `\s+` (format whitespace becomes `\s+`).
    Space,
    /// A literal, case-insensitive.
    Lit(&'static str),
    /// `%a` (abbreviated day name).
    Day,
    /// `%b` (abbreviated month name).
    Month,
    /// A numeric directive: `%d`, `%Y`, `%H`, `%M`, `%S` (slot index).
    Num(u8),
}

const RFC1123: [Pat; 16] = [
    Pat::Day,
    Pat::Lit(","),
    Pat::Space,
    Pat::Num(0),
    Pat::Space,
    Pat::Month,
    Pat::Space,
    Pat::Num(1),
    Pat::Space,
    Pat::Num(2),
    Pat::Lit(":"),
    Pat::Num(3),
    Pat::Lit(":"),
    Pat::Num(4),
    Pat::Space,
    Pat::Lit("GMT"),
];

/// The alternatives (length, value) `_strptime`'s regex allows for a
/// numeric directive at `s`, in the order the regex tries them. Character
/// classes like `[12]` are ASCII; `\d` accepts any Unicode decimal digit.
fn num_alternatives(slot: u8, s: &[char]) -> Vec<(usize, u32)> {
    let a = |i: usize| s.get(i).and_then(|c| c.to_digit(10).filter(|_| c.is_ascii()));
    let u = |i: usize| s.get(i).and_then(|&c| decimal_value(c));
    let mut out = Vec::new();
    let two = |first: Option<u32>, ok: &dyn Fn(u32) -> bool, second: Option<u32>, ok2: &dyn Fn(u32) -> bool| {
        first.zip(second).filter(|&(x, y)| ok(x) && ok2(y)).map(|(x, y)| (2, x * 10 + y))
    };
    match slot {
        // %d: 3[01]|[12]\d|0[1-9]|[1-9]| [1-9]
        0 => {
            out.extend(two(a(0), &|x| x == 3, a(1), &|y| y <= 1));
            out.extend(two(a(0), &|x| x == 1 || x == 2, u(1), &|_| true));
            out.extend(two(a(0), &|x| x == 0, a(1), &|y| y >= 1));
            if let Some(d) = a(0).filter(|&d| d >= 1) {
                out.push((1, d));
            }
            if s.first() == Some(&' ')
                && let Some(d) = a(1).filter(|&d| d >= 1)
            {
                out.push((2, d));
            }
        }
        // %Y: \d\d\d\d
        1 => {
            let ds: Option<Vec<u32>> = (0..4).map(u).collect();
            if let Some(ds) = ds {
                out.push((4, ds.iter().fold(0, |acc, d| acc * 10 + d)));
            }
        }
        // %H: 2[0-3]|[0-1]\d|\d
        2 => {
            out.extend(two(a(0), &|x| x == 2, a(1), &|y| y <= 3));
            out.extend(two(a(0), &|x| x <= 1, u(1), &|_| true));
            if let Some(d) = u(0) {
                out.push((1, d));
            }
        }
        // %M: [0-5]\d|\d
        3 => {
            out.extend(two(a(0), &|x| x <= 5, u(1), &|_| true));
            if let Some(d) = u(0) {
                out.push((1, d));
            }
        }
        // %S: 6[0-1]|[0-5]\d|\d
        _ => {
            out.extend(two(a(0), &|x| x == 6, a(1), &|y| y <= 1));
            out.extend(two(a(0), &|x| x <= 5, u(1), &|_| true));
            if let Some(d) = u(0) {
                out.push((1, d));
            }
        }
    }
    out
}

fn matches_word(s: &[char], words: &[&str]) -> Option<(usize, usize)> {
    let head: String = s.iter().take(3).collect::<String>().to_lowercase();
    words.iter().position(|w| *w == head).map(|i| (3, i))
}

fn match_from(s: &[char], pats: &[Pat], fields: &mut [u32; 7]) -> bool {
    let Some((first, rest)) = pats.split_first() else {
        return s.is_empty();
    };
    match *first {
        Pat::Space => {
            let n = s.iter().take_while(|&&c| is_py_space(c)).count();
            // greedy with backtracking
            (1..=n).rev().any(|k| match_from(&s[k..], rest, fields))
        }
        Pat::Lit(lit) => {
            let n = lit.chars().count();
            s.len() >= n
                && s[..n].iter().zip(lit.chars()).all(|(a, b)| a.to_lowercase().eq(b.to_lowercase()))
                && match_from(&s[n..], rest, fields)
        }
        Pat::Day => matches_word(s, &DAYS).is_some_and(|(n, _)| match_from(&s[n..], rest, fields)),
        Pat::Month => match matches_word(s, &MONTHS) {
            Some((n, m)) => {
                fields[5] = m as u32 + 1;
                match_from(&s[n..], rest, fields)
            }
            None => false,
        },
        Pat::Num(slot) => {
            for (n, v) in num_alternatives(slot, s) {
                fields[slot as usize] = v;
                if match_from(&s[n..], rest, fields) {
                    return true;
                }
            }
            false
        }
    }
}

/// `datetime.strptime(s, "%a, %d %b %Y %H:%M:%S GMT")` (Eve's default
/// `DATE_FORMAT`), with `_strptime`'s leniency: case-insensitive names, any
/// run of whitespace for a space, one-digit fields, Unicode digits, the
/// weekday not checked against the date; seconds 60/61 and impossible dates
/// fail as `datetime()` refuses them.
pub(crate) fn strptime_rfc1123(s: &str) -> Option<NaiveDateTime> {
    let chars: Vec<char> = s.chars().collect();
    // fields: day, year, hour, minute, second, month
    let mut f = [0u32; 7];
    if !match_from(&chars, &RFC1123, &mut f) {
        return None;
    }
    let [day, year, hour, minute, second, month, _] = f;
    if second > 59 || year == 0 {
        return None;
    }
    NaiveDate::from_ymd_opt(year as i32, month, day)?.and_hms_opt(hour, minute, second)
}

/// ISO 8601 date-times ENMA accepts besides RFC 1123: RFC 3339
/// (`2013-04-01T00:00:00Z`, `…+02:00`, fractional seconds, `t`/space
/// separator), the same without offset (taken as UTC), and a bare date
/// (`2013-04-01`, midnight UTC).
pub(crate) fn parse_iso8601(s: &str) -> Option<NaiveDateTime> {
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt.naive_utc());
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(dt);
        }
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0))
}

/// `ObjectId(s)` for a `str`: exactly 24 hex digits.
fn objectid_from_str(s: &str) -> Option<ObjectId> {
    if s.len() == 24 && s.bytes().all(|b| b.is_ascii_hexdigit()) { ObjectId::parse_str(s).ok() } else { None }
}

// ------------------------------------------------------------- Eve mode

fn eve_try_cast(k: &str, v: &mut Bson, should_parse_objectid: bool, opts: &EveCastOptions) {
    let Bson::String(s) = v else { return };
    if let Some(dt) = strptime_rfc1123(s) {
        *v = datetime_to_bson(&dt);
        return;
    }
    let versioned = format!("{}{}", opts.id_field, opts.version_id_suffix);
    if (k == opts.id_field || k == versioned || should_parse_objectid)
        && let Some(oid) = objectid_from_str(s)
    {
        *v = Bson::ObjectId(oid);
    }
}

/// Eve's `_mongotize(source, resource, parse_objectid)`.
pub(crate) fn eve_mongotize(doc: &mut Document, parse_objectid: bool, opts: &EveCastOptions) {
    let parse_objectid = parse_objectid || !opts.query_objectid_as_string;
    for (k, v) in doc.iter_mut() {
        let schema_oid = (opts.field_type)(k) == Some(FieldType::ObjectId);
        let is_objectid = schema_oid || parse_objectid;
        match v {
            Bson::Document(d) => eve_mongotize(d, is_objectid, opts),
            Bson::Array(items) => {
                for item in items.iter_mut() {
                    match item {
                        Bson::Document(d) => eve_mongotize(d, false, opts),
                        other => eve_try_cast(k, other, is_objectid, opts),
                    }
                }
            }
            other => eve_try_cast(k, other, is_objectid, opts),
        }
    }
}

// ------------------------------------------------------------ ENMA mode

/// Operators whose value is a sub-query over the same documents.
const LOGICAL: [&str; 3] = ["$and", "$or", "$nor"];

/// Casts one string by the field's declared type; leaves it when it does not
/// parse as that type.
fn schema_cast_scalar(v: &mut Bson, ty: FieldType) {
    let Bson::String(s) = v else { return };
    let new = match ty {
        FieldType::ObjectId => objectid_from_str(s).map(Bson::ObjectId),
        FieldType::Datetime => strptime_rfc1123(s).or_else(|| parse_iso8601(s)).map(|d| datetime_to_bson(&d)),
        FieldType::Decimal => Decimal128::from_str(s.trim()).ok().map(Bson::Decimal128),
        FieldType::Other => None,
    };
    if let Some(n) = new {
        *v = n;
    }
}

/// Casts a value compared against `field` (an operand, or a list of them).
fn schema_cast_operand(v: &mut Bson, ty: FieldType) {
    match v {
        Bson::Array(items) => items.iter_mut().for_each(|i| schema_cast_scalar(i, ty)),
        other => schema_cast_scalar(other, ty),
    }
}

/// The value given for `field`: a literal, or an operator document.
fn schema_cast_field(field: &str, v: &mut Bson, lookup: &dyn Fn(&str) -> Option<FieldType>) {
    let ty = lookup(field);
    match v {
        Bson::Document(d) if d.keys().next().is_some_and(|k| k.starts_with('$')) => {
            for (op, operand) in d.iter_mut() {
                match op.as_str() {
                    "$eq" | "$ne" | "$gt" | "$gte" | "$lt" | "$lte" | "$in" | "$nin" | "$all" => {
                        if let Some(ty) = ty {
                            schema_cast_operand(operand, ty);
                        }
                    }
                    "$not" => schema_cast_field(field, operand, lookup),
                    "$elemMatch" => {
                        if let Bson::Document(inner) = operand {
                            let is_ops = inner.keys().next().is_some_and(|k| k.starts_with('$'));
                            if is_ops {
                                // conditions on the array's elements themselves
                                let mut wrapped = Bson::Document(std::mem::take(inner));
                                schema_cast_field(field, &mut wrapped, lookup);
                                if let Bson::Document(back) = wrapped {
                                    *inner = back;
                                }
                            } else {
                                schema_cast_query(inner, &|sub: &str| lookup(&format!("{field}.{sub}")));
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        Bson::Document(_) => {} // an embedded document literal: compared as is
        other => {
            if let Some(ty) = ty {
                schema_cast_operand(other, ty);
            }
        }
    }
}

/// ENMA's rule: cast strings only where the schema types the field.
pub(crate) fn schema_cast_query(doc: &mut Document, lookup: &dyn Fn(&str) -> Option<FieldType>) {
    for (k, v) in doc.iter_mut() {
        if LOGICAL.contains(&k.as_str()) {
            if let Bson::Array(items) = v {
                for item in items.iter_mut() {
                    if let Bson::Document(d) = item {
                        schema_cast_query(d, lookup);
                    }
                }
            }
        } else if !k.starts_with('$') {
            schema_cast_field(k, v, lookup);
        }
    }
}

/// Applies a [`CastMode`] to a filter document.
pub(crate) fn apply(doc: &mut Document, mode: &CastMode<'_>) {
    match mode {
        CastMode::None => {}
        CastMode::Schema(lookup) => schema_cast_query(doc, *lookup),
        CastMode::EveCompat(opts) => eve_mongotize(doc, false, opts),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1123() {
        let d = |s: &str| strptime_rfc1123(s).map(|d| d.to_string());
        assert_eq!(d("Tue, 02 Apr 2013 10:29:13 GMT").as_deref(), Some("2013-04-02 10:29:13"));
        assert_eq!(d("mon, 1 apr 2013 1:2:3 gmt").as_deref(), Some("2013-04-01 01:02:03"));
        assert_eq!(d("Mon,  01 Apr 2013 00:00:00 GMT").as_deref(), Some("2013-04-01 00:00:00"));
        assert_eq!(d("Mon, 31 Feb 2013 00:00:00 GMT"), None);
        assert_eq!(d("Mon, 01 Apr 2013 00:00:60 GMT"), None);
        assert_eq!(d("Mon, 01 Apr 2013 00:00:00 UTC"), None);
        assert_eq!(d("Mon, 01 Apr 2013 00:00:00 GMT "), None);
        assert_eq!(d("Mon, 01 Apr 2013 00:00:00 GMT").as_deref(), Some("2013-04-01 00:00:00"));
    }

    #[test]
    fn iso() {
        assert!(parse_iso8601("2013-04-01T00:00:00Z").is_some());
        assert!(parse_iso8601("2013-04-01T02:00:00+02:00").is_some_and(|d| d.to_string() == "2013-04-01 00:00:00"));
        assert!(parse_iso8601("2013-04-01").is_some());
        assert!(parse_iso8601("2013-04-01T00:00:00.250").is_some());
        assert!(parse_iso8601("yesterday").is_none());
    }
}
