//! `parse_url_tuple(url, part1, ..., partn)`: one row per input row with the
//! requested parts of a URL (`c0`, `c1`, ...). Parts are HOST, PATH, QUERY,
//! REF, PROTOCOL, AUTHORITY, FILE, USERINFO and QUERY:<key> (the value of one
//! query parameter), as Java's `java.net.URL` splits a URL. An unknown part,
//! a missing part or an invalid URL give NULL.

use std::sync::{Arc, LazyLock};

use arrow::array::{Array, ArrayRef, AsArray, StringBuilder};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field};
use datafusion::common::{Result, exec_err};
use datafusion::logical_expr::Documentation;

use crate::doc::hive_doc;
use crate::generator::{Generated, Generator, GeneratorArg};

#[derive(Debug, Default)]
pub struct ParseUrlTuple;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "parse_url_tuple(url, partname1, partname2, ...)",
        "gives one row with the named parts of the URL url; parts are HOST, PATH, QUERY, REF, PROTOCOL, AUTHORITY, FILE, USERINFO and QUERY:<key>",
        "> SELECT parse_url_tuple('http://example.com/p?k=v#top', 'HOST', 'QUERY:k');\nexample.com\tv",
    )
});

/// A URL split as `java.net.URL` splits it.
#[derive(Debug, PartialEq, Eq)]
pub struct UrlParts<'a> {
    pub protocol: String,
    pub authority: Option<&'a str>,
    pub user_info: Option<&'a str>,
    pub host: &'a str,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub reference: Option<&'a str>,
}

/// Protocols Java knows out of the box; others fail to parse.
const PROTOCOLS: &[&str] = &["http", "https", "ftp", "file", "jar", "mailto", "netdoc"];

/// Splits `url` into its parts, `None` if Java would refuse it.
pub fn split_url(url: &str) -> Option<UrlParts<'_>> {
    let url = url.trim();
    let colon = url.find(':')?;
    let protocol = url[..colon].to_ascii_lowercase();
    if !PROTOCOLS.contains(&protocol.as_str()) {
        return None;
    }
    let mut rest = &url[colon + 1..];
    let mut reference = None;
    if let Some(h) = rest.find('#') {
        reference = Some(&rest[h + 1..]);
        rest = &rest[..h];
    }
    let mut query = None;
    if let Some(q) = rest.find('?') {
        query = Some(&rest[q + 1..]);
        rest = &rest[..q];
    }
    let (authority, path) = match rest.strip_prefix("//") {
        Some(after) => {
            let end = after.find('/').unwrap_or(after.len());
            (Some(&after[..end]), &after[end..])
        }
        None => (None, rest),
    };
    let (user_info, host) = match authority {
        Some(a) => {
            let (user_info, host_port) = match a.rfind('@') {
                Some(at) => (Some(&a[..at]), &a[at + 1..]),
                None => (None, a),
            };
            let host = if host_port.starts_with('[') {
                host_port.find(']').map(|e| &host_port[..=e]).unwrap_or(host_port)
            } else {
                host_port.rsplit_once(':').map(|(h, _)| h).unwrap_or(host_port)
            };
            (user_info, host)
        }
        None => (None, ""),
    };
    Some(UrlParts { protocol, authority, user_info, host, path, query, reference })
}

/// The value of `key` in a query string `a=1&b=2`.
pub fn query_value<'a>(query: &'a str, key: &str) -> Option<&'a str> {
    query.split('&').find_map(|kv| kv.strip_prefix(key).and_then(|v| v.strip_prefix('=')))
}

/// One part of a URL by Hive's part name.
pub fn url_part(parts: &UrlParts<'_>, name: &str) -> Option<String> {
    match name {
        "HOST" => Some(parts.host.to_string()),
        "PATH" => Some(parts.path.to_string()),
        "QUERY" => parts.query.map(str::to_string),
        "REF" => parts.reference.map(str::to_string),
        "PROTOCOL" => Some(parts.protocol.clone()),
        "AUTHORITY" => parts.authority.map(str::to_string),
        "USERINFO" => parts.user_info.map(str::to_string),
        "FILE" => Some(match parts.query {
            Some(q) => format!("{}?{q}", parts.path),
            None => parts.path.to_string(),
        }),
        _ => {
            let key = name.strip_prefix("QUERY:")?;
            query_value(parts.query?, key).map(str::to_string)
        }
    }
}

impl Generator for ParseUrlTuple {
    fn name(&self) -> &str {
        "parse_url_tuple"
    }

    fn output_fields(&self, args: &[GeneratorArg]) -> Result<Vec<Field>> {
        if args.len() < 2 {
            return exec_err!("parse_url_tuple takes at least 2 arguments (url, part, ...), got {}", args.len());
        }
        Ok((0..args.len() - 1).map(|i| Field::new(format!("c{i}"), DataType::Utf8, true)).collect())
    }

    fn generate(&self, args: &[ArrayRef], num_rows: usize) -> Result<Generated> {
        let strings = args.iter().map(|a| cast(a, &DataType::Utf8)).collect::<std::result::Result<Vec<_>, _>>()?;
        let url = strings[0].as_string::<i32>();
        let names: Vec<_> = strings[1..].iter().map(|k| k.as_string::<i32>()).collect();
        let mut builders: Vec<StringBuilder> = names.iter().map(|_| StringBuilder::new()).collect();
        for i in 0..num_rows {
            let parts = url.is_valid(i).then(|| split_url(url.value(i))).flatten();
            for (name, b) in names.iter().zip(builders.iter_mut()) {
                let v = match (&parts, name.is_valid(i)) {
                    (Some(p), true) => url_part(p, name.value(i)),
                    _ => None,
                };
                b.append_option(v);
            }
        }
        let columns = builders.into_iter().map(|mut b| Arc::new(b.finish()) as ArrayRef).collect();
        Ok(Generated { columns, rows: (0..num_rows as u32).collect::<Vec<_>>().into() })
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generator::test_util::rows_text;
    use arrow::array::StringArray;

    #[test]
    fn splits_like_java() {
        let p = split_url("http://user:pw@facebook.com:80/path1/p.php?k1=v1&k2=v2#Ref1").unwrap();
        assert_eq!(p.host, "facebook.com");
        assert_eq!(p.authority, Some("user:pw@facebook.com:80"));
        assert_eq!(url_part(&p, "FILE").unwrap(), "/path1/p.php?k1=v1&k2=v2");
        assert_eq!(url_part(&p, "QUERY:k2").unwrap(), "v2");
        assert_eq!(url_part(&p, "QUERY:k3"), None);
        assert_eq!(url_part(&p, "REF").unwrap(), "Ref1");
        assert_eq!(url_part(&p, "bogus"), None);
        assert!(split_url("no url").is_none());
    }

    #[test]
    fn one_row_per_input_row() {
        let url: ArrayRef = Arc::new(StringArray::from(vec![Some("https://a.b/c?x=1"), None]));
        let part = |p: &str| Arc::new(StringArray::from(vec![p; 2])) as ArrayRef;
        let g = ParseUrlTuple.generate(&[url, part("HOST"), part("PATH"), part("QUERY:x")], 2).unwrap();
        assert_eq!(rows_text(&g), vec!["0: a.b\t/c\t1", "1: NULL\tNULL\tNULL"]);
    }
}
