//! `parse_url(url, part[, key])`: one part of a URL, as Java's `java.net.URL`
//! splits it: HOST, PATH, QUERY, REF, PROTOCOL, FILE (path and query),
//! AUTHORITY (user info, host and port) or USERINFO; with QUERY and a key,
//! the value of that query parameter. NULL for a part the URL does not have,
//! an unknown part, or a URL Java would reject (no known protocol).

use std::ops::RangeInclusive;
use std::sync::{Arc, LazyLock};

use arrow::array::{ArrayRef, StringArray};
use arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;

use crate::common::text::{TextFunction, at, strings};
use crate::doc::hive_doc;

#[derive(Debug, Default, PartialEq, Eq, Hash)]
pub struct ParseUrl;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "parse_url(url, partToExtract[, key])",
        "the part of url named by partToExtract (HOST, PATH, QUERY, REF, PROTOCOL, FILE, AUTHORITY, USERINFO); for QUERY with a key, that parameter's value",
        "> SELECT parse_url('http://facebook.com/path/p1.php?query=1', 'HOST');\n facebook.com\n> SELECT parse_url('http://facebook.com/path/p1.php?query=1', 'QUERY', 'query');\n 1",
    )
});

impl TextFunction for ParseUrl {
    fn name(&self) -> &'static str {
        "parse_url"
    }
    fn arity(&self) -> RangeInclusive<usize> {
        2..=3
    }
    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }
    fn doc(&self) -> &'static Documentation {
        &DOC
    }
    fn eval(&self, args: &[ArrayRef], rows: usize) -> Result<ArrayRef> {
        let (url, part) = (strings(&args[0])?, strings(&args[1])?);
        let key = args.get(2).map(strings).transpose()?;
        let out: StringArray = (0..rows)
            .map(|i| {
                let url = Url::parse(at(&url, i)?)?;
                let part = at(&part, i)?;
                match &key {
                    Some(k) if part == "QUERY" => query_value(url.query?, at(k, i)?).map(str::to_string),
                    Some(_) => None,
                    None => url.part(part),
                }
            })
            .collect();
        Ok(Arc::new(out))
    }
}

/// The parts of a URL as `java.net.URL` has them.
#[derive(Debug, Default, PartialEq)]
pub struct Url<'a> {
    pub protocol: String,
    pub authority: Option<&'a str>,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub reference: Option<&'a str>,
}

impl<'a> Url<'a> {
    /// Splits `spec`; None when Java would reject it.
    pub fn parse(spec: &'a str) -> Option<Url<'a>> {
        let spec = spec.trim();
        let colon = spec.find(':')?;
        let protocol = spec[..colon].to_ascii_lowercase();
        if !matches!(protocol.as_str(), "http" | "https" | "ftp" | "file" | "jar" | "mailto") {
            return None;
        }
        let mut rest = &spec[colon + 1..];
        let mut url = Url { protocol, ..Url::default() };
        if let Some(h) = rest.find('#') {
            url.reference = Some(&rest[h + 1..]);
            rest = &rest[..h];
        }
        if let Some(q) = rest.find('?') {
            url.query = Some(&rest[q + 1..]);
            rest = &rest[..q];
        }
        if let Some(after) = rest.strip_prefix("//") {
            let end = after.find('/').unwrap_or(after.len());
            url.authority = Some(&after[..end]);
            rest = &after[end..];
        }
        url.path = rest;
        Some(url)
    }

    /// User info: the authority before a single '@'.
    pub fn userinfo(&self) -> Option<&'a str> {
        let a = self.authority?;
        let at = a.find('@')?;
        (a.rfind('@') == Some(at)).then(|| &a[..at])
    }

    /// Host: the authority without user info and port.
    pub fn host(&self) -> Option<&'a str> {
        let a = self.authority?;
        let a = match a.rfind('@') {
            Some(i) => &a[i + 1..],
            None => a,
        };
        if a.starts_with('[') {
            return Some(a.find(']').map_or(a, |e| &a[..=e]));
        }
        Some(a.rfind(':').map_or(a, |c| &a[..c]))
    }

    /// The part of Hive's name.
    pub fn part(&self, name: &str) -> Option<String> {
        match name {
            "HOST" => Some(self.host().unwrap_or("").to_string()),
            "PATH" => Some(self.path.to_string()),
            "QUERY" => self.query.map(str::to_string),
            "REF" => self.reference.map(str::to_string),
            "PROTOCOL" => Some(self.protocol.clone()),
            "FILE" => Some(match self.query {
                Some(q) => format!("{}?{q}", self.path),
                None => self.path.to_string(),
            }),
            "AUTHORITY" => self.authority.map(str::to_string),
            "USERINFO" => self.userinfo().map(str::to_string),
            _ => None,
        }
    }
}

/// The value of parameter `key` in a query string `a=1&b=2`.
pub fn query_value<'a>(query: &'a str, key: &str) -> Option<&'a str> {
    query.split('&').find_map(|p| p.strip_prefix(key)?.strip_prefix('='))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_like_java_url() {
        let u = Url::parse("http://facebook.com/path1/p.php?k1=v1&k2=v2#Ref1").unwrap();
        assert_eq!(u.part("HOST").unwrap(), "facebook.com");
        assert_eq!(u.part("PATH").unwrap(), "/path1/p.php");
        assert_eq!(u.part("QUERY").unwrap(), "k1=v1&k2=v2");
        assert_eq!(u.part("REF").unwrap(), "Ref1");
        assert_eq!(u.part("FILE").unwrap(), "/path1/p.php?k1=v1&k2=v2");
        assert_eq!(u.part("PROTOCOL").unwrap(), "http");
        assert_eq!(u.part("USERINFO"), None);
        assert_eq!(u.part("AUTHORITY").unwrap(), "facebook.com");
        assert_eq!(query_value(u.query.unwrap(), "k2"), Some("v2"));
        assert_eq!(query_value(u.query.unwrap(), "k3"), None);
        let u = Url::parse("https://me:pw@host.org:8080/x").unwrap();
        assert_eq!((u.userinfo(), u.host()), (Some("me:pw"), Some("host.org")));
        assert_eq!(Url::parse("facebook.com/x"), None);
    }
}
