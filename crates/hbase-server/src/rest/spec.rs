//! What a request's path and query say, read the way HBase's REST server
//! reads them: the row specification `row[,end]/columns/timestamps` and the
//! query parameters.
//!
//! Row keys and qualifiers are bytes, not text, so the path is taken raw and
//! each component is percent-decoded to bytes here (axum's `Path` would insist
//! on UTF-8 and cannot tell an encoded `/` from a separator). As in HBase,
//! `+` decodes to a space.

use bytes::Bytes;
use enma_kv::{Column, TimeRange};

/// Decodes `%XX` escapes and `+` (a space) into bytes; a `%` not followed by two
/// hex digits is kept as it is, as lenient servers do.
pub fn percent_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    out
}

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// The query string as decoded name/value pairs, in order (names may repeat).
#[derive(Debug, Default, Clone)]
pub struct Query(Vec<(String, Vec<u8>)>);

impl Query {
    pub fn parse(query: Option<&str>) -> Self {
        let pairs = query
            .unwrap_or("")
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (String::from_utf8_lossy(&percent_decode(k)).into_owned(), percent_decode(v))
            })
            .collect();
        Query(pairs)
    }

    /// The first value of a parameter.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_slice())
    }

    /// The first value of a parameter as text.
    pub fn text(&self, name: &str) -> Option<String> {
        self.get(name).map(|v| String::from_utf8_lossy(v).into_owned())
    }

    /// Every value of a parameter.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.0.iter().filter(move |(k, _)| k == name).map(|(_, v)| v.as_slice())
    }

    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// A parameter parsed as a number; a malformed value is an error naming the parameter.
    pub fn number<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>, String> {
        match self.text(name) {
            None => Ok(None),
            Some(s) if s.trim().is_empty() => Ok(None),
            Some(s) => {
                s.trim().parse().map(Some).map_err(|_| format!("query parameter '{name}' is not a valid number: '{s}'"))
            }
        }
    }

    /// A boolean parameter (`true`/`false`, any case).
    pub fn flag(&self, name: &str) -> Result<Option<bool>, String> {
        match self.text(name) {
            None => Ok(None),
            Some(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "" => Ok(Some(true)),
                "false" => Ok(Some(false)),
                _ => Err(format!("query parameter '{name}' must be true or false, not '{s}'")),
            },
        }
    }
}

/// Which rows a row specification names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rows {
    /// One row.
    Single(Bytes),
    /// `start,end`: the rows from `start` (inclusive) to `end` (exclusive).
    Range { start: Bytes, end: Bytes },
    /// `prefix*`: every row that starts with the prefix.
    Prefix(Bytes),
}

/// HBase's row specification: `row[,end]` or `prefix*`, then optional
/// `/col[,col...]` and `/timestamp` or `/start,end`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowSpec {
    pub rows: Rows,
    /// Column specs as given: `family` or `family:qualifier`.
    pub columns: Vec<Bytes>,
    /// `/ts` gives `[0, ts)`, `/a,b` gives `[a, b)`, as HBase's time ranges.
    pub time_range: TimeRange,
    /// True for the single `/ts` form, which deletes treat as "at or before ts".
    pub single_timestamp: bool,
}

impl RowSpec {
    /// Parses the raw (still percent-encoded) path after the table name.
    pub fn parse(raw: &str) -> Result<RowSpec, String> {
        let raw = raw.trim_start_matches('/');
        let mut parts = raw.splitn(3, '/');
        let row_part = parts.next().unwrap_or("");
        let column_part = parts.next().unwrap_or("");
        let time_part = parts.next().unwrap_or("").trim_end_matches('/');

        let rows = match row_part.split_once(',') {
            Some((start, end)) => {
                let start = percent_decode(start);
                if start.ends_with(b"*") {
                    return Err("invalid path: a start row cannot carry a wildcard".into());
                }
                Rows::Range { start: start.into(), end: percent_decode(end).into() }
            }
            None => {
                let row = percent_decode(row_part);
                match row.strip_suffix(b"*") {
                    Some(prefix) => Rows::Prefix(Bytes::copy_from_slice(prefix)),
                    None => Rows::Single(row.into()),
                }
            }
        };
        if matches!(&rows, Rows::Single(r) if r.is_empty()) {
            return Err("invalid path: no row key".into());
        }

        let mut columns = Vec::new();
        for c in column_part.split(',') {
            if !c.is_empty() {
                columns.push(Bytes::from(percent_decode(c)));
            }
        }

        let mut time_range = TimeRange::default();
        let mut single_timestamp = false;
        if !time_part.is_empty() {
            let ts = |s: &str| -> Result<i64, String> {
                let text = String::from_utf8_lossy(&percent_decode(s)).into_owned();
                text.trim().parse::<i64>().map_err(|_| format!("invalid timestamp '{text}' in path"))
            };
            match time_part.split_once(',') {
                Some((a, b)) => {
                    let (min, max) = (ts(a)?, ts(b)?);
                    if min < 0 || max < min {
                        return Err(format!("invalid time range {min},{max}"));
                    }
                    time_range = TimeRange { min, max };
                }
                None => {
                    let max = ts(time_part)?;
                    if max < 0 {
                        return Err(format!("invalid timestamp {max}"));
                    }
                    time_range = TimeRange { min: 0, max };
                    single_timestamp = true;
                }
            }
        }
        Ok(RowSpec { rows, columns, time_range, single_timestamp })
    }

    /// The column selectors of a read: `family` selects a family, `family:q` one column.
    pub fn read_columns(&self) -> Vec<Column> {
        self.columns.iter().map(|c| Column::parse(c)).collect()
    }

    /// The single row named, when the spec names exactly one.
    pub fn row(&self) -> Option<&Bytes> {
        match &self.rows {
            Rows::Single(r) => Some(r),
            _ => None,
        }
    }
}

/// Splits `family:qualifier`; `None` when there is no `:` (HBase wants both parts for writes).
pub fn split_column(spec: &[u8]) -> Option<(Bytes, Bytes)> {
    let i = spec.iter().position(|&b| b == b':')?;
    Some((Bytes::copy_from_slice(&spec[..i]), Bytes::copy_from_slice(&spec[i + 1..])))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_percent_escapes_to_bytes() {
        assert_eq!(percent_decode("a%2Fb%00%ff+c"), b"a/b\0\xff c");
        assert_eq!(percent_decode("100%"), b"100%");
        assert_eq!(percent_decode("%zz%4"), b"%zz%4");
    }

    #[test]
    fn parses_row_column_and_time() {
        let s = RowSpec::parse("row1/cf:a,cf2/5,10").unwrap();
        assert_eq!(s.rows, Rows::Single(Bytes::from_static(b"row1")));
        assert_eq!(s.columns, vec![Bytes::from_static(b"cf:a"), Bytes::from_static(b"cf2")]);
        assert_eq!(s.time_range, TimeRange { min: 5, max: 10 });
        assert!(!s.single_timestamp);

        let s = RowSpec::parse("r%2F1/cf:q/7").unwrap();
        assert_eq!(s.row().unwrap(), &Bytes::from_static(b"r/1"));
        assert_eq!(s.time_range, TimeRange { min: 0, max: 7 });
        assert!(s.single_timestamp);

        let s = RowSpec::parse("r/cf/").unwrap();
        assert_eq!(s.columns.len(), 1);
        assert_eq!(s.time_range, TimeRange::default());
    }

    #[test]
    fn parses_ranges_and_prefixes() {
        assert_eq!(
            RowSpec::parse("a,c").unwrap().rows,
            Rows::Range { start: Bytes::from_static(b"a"), end: Bytes::from_static(b"c") }
        );
        assert_eq!(RowSpec::parse("ab*/cf").unwrap().rows, Rows::Prefix(Bytes::from_static(b"ab")));
        assert!(RowSpec::parse("a*,c").is_err());
        assert!(RowSpec::parse("r/cf/notanumber").is_err());
        assert!(RowSpec::parse("r/cf/9,3").is_err());
        assert!(RowSpec::parse("").is_err());
    }

    #[test]
    fn query_keeps_repeats_and_parses_numbers() {
        let q = Query::parse(Some("row=a&row=b%2Bc&v=3&reversed=true&bad=x"));
        assert_eq!(q.all("row").collect::<Vec<_>>(), vec![&b"a"[..], &b"b+c"[..]]);
        assert_eq!(q.number::<u32>("v").unwrap(), Some(3));
        assert!(q.number::<u32>("bad").is_err());
        assert_eq!(q.flag("reversed").unwrap(), Some(true));
        assert!(q.flag("bad").is_err());
        assert!(!q.contains("missing"));
    }

    #[test]
    fn splits_columns() {
        assert_eq!(split_column(b"cf:q:r"), Some((Bytes::from_static(b"cf"), Bytes::from_static(b"q:r"))));
        assert_eq!(split_column(b"cf:"), Some((Bytes::from_static(b"cf"), Bytes::new())));
        assert_eq!(split_column(b"cf"), None);
    }
}
