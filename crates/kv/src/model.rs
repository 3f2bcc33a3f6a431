//! The data model: table names, schemas, cells, mutations and read requests.

use std::fmt;

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::{Error, Filter, Result};

/// HBase's `LATEST_TIMESTAMP`: "now", resolved when the write is applied.
pub const LATEST: i64 = i64::MAX;

/// A table's full name: `namespace:qualifier`, the namespace `default` when omitted.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TableName {
    pub namespace: String,
    pub name: String,
}

impl TableName {
    /// Parses `table` or `namespace:table`, with HBase's rules for the characters allowed.
    pub fn parse(full: &str) -> Result<Self> {
        let (namespace, name) = match full.split_once(':') {
            Some((ns, name)) => (ns, name),
            None => ("default", full),
        };
        check_name("namespace", namespace)?;
        check_name("table name", name)?;
        if name.starts_with('.') || name.starts_with('-') {
            return Err(Error::invalid(format!("table name '{name}' must not start with '.' or '-'")));
        }
        Ok(TableName { namespace: namespace.to_string(), name: name.to_string() })
    }
}

pub(crate) fn check_name(what: &str, name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 200
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(format!("{what} '{name}' is not valid: use 1 to 200 of [A-Za-z0-9_.-]")))
    }
}

impl fmt::Display for TableName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.namespace == "default" {
            f.write_str(&self.name)
        } else {
            write!(f, "{}:{}", self.namespace, self.name)
        }
    }
}

/// A column family and HBase's settings for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Family {
    pub name: String,
    /// VERSIONS: how many versions of a cell are kept.
    pub max_versions: u32,
    /// MIN_VERSIONS: versions kept even when older than the TTL.
    pub min_versions: u32,
    /// TTL in seconds; `None` is HBase's FOREVER.
    pub ttl: Option<u64>,
    /// Settings HBase clients set and read back; kept, but they change nothing here.
    pub compression: String,
    pub bloom_filter: String,
    pub block_size: u32,
    pub block_cache: bool,
    pub in_memory: bool,
}

impl Default for Family {
    fn default() -> Self {
        Family {
            name: String::new(),
            max_versions: 1,
            min_versions: 0,
            ttl: None,
            compression: "NONE".into(),
            bloom_filter: "ROW".into(),
            block_size: 65536,
            block_cache: true,
            in_memory: false,
        }
    }
}

impl Family {
    pub fn new(name: impl Into<String>) -> Self {
        Family { name: name.into(), ..Family::default() }
    }

    pub(crate) fn validate(&self) -> Result<()> {
        let bad = self.name.is_empty()
            || self.name.starts_with('.')
            || self.name.contains(':')
            || self.name.bytes().any(|b| b.is_ascii_control());
        if bad {
            return Err(Error::invalid(format!(
                "column family name '{}' is not valid: it must be non-empty, printable, without ':' and not start with '.'",
                self.name
            )));
        }
        if self.name.len() > crate::MAX_FAMILY_BYTES {
            return Err(Error::invalid(format!(
                "column family name '{}' is {} bytes; the longest allowed is {}",
                self.name,
                self.name.len(),
                crate::MAX_FAMILY_BYTES
            )));
        }
        if self.max_versions == 0 {
            return Err(Error::invalid(format!("column family '{}': VERSIONS must be at least 1", self.name)));
        }
        if self.min_versions > self.max_versions {
            return Err(Error::invalid(format!(
                "column family '{}': MIN_VERSIONS ({}) exceeds VERSIONS ({})",
                self.name, self.min_versions, self.max_versions
            )));
        }
        Ok(())
    }
}

/// A table's schema: its name and column families.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableSchema {
    pub name: TableName,
    pub families: Vec<Family>,
}

impl TableSchema {
    pub fn family(&self, name: &[u8]) -> Option<&Family> {
        self.families.iter().find(|f| f.name.as_bytes() == name)
    }
}

/// One versioned value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub row: Bytes,
    pub family: Bytes,
    pub qualifier: Bytes,
    pub timestamp: i64,
    pub value: Bytes,
}

impl Cell {
    /// `family:qualifier`, as HBase's clients name a column.
    pub fn column(&self) -> Vec<u8> {
        let mut c = Vec::with_capacity(self.family.len() + 1 + self.qualifier.len());
        c.extend_from_slice(&self.family);
        c.push(b':');
        c.extend_from_slice(&self.qualifier);
        c
    }
}

/// A row as a read returns it: its key and cells, sorted by family, qualifier
/// and timestamp (newest first). With a scan batch size, one row can come as
/// several `Row`s with the same key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub key: Bytes,
    pub cells: Vec<Cell>,
}

/// A change to one row. Timestamps `None` mean [`LATEST`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mutation {
    Put {
        family: Bytes,
        qualifier: Bytes,
        timestamp: Option<i64>,
        value: Bytes,
    },
    /// Every version of a column at or before the timestamp.
    DeleteColumn {
        family: Bytes,
        qualifier: Bytes,
        timestamp: Option<i64>,
    },
    /// The one version with exactly this timestamp (the newest when `None`).
    DeleteVersion {
        family: Bytes,
        qualifier: Bytes,
        timestamp: Option<i64>,
    },
    /// Every cell of a family at or before the timestamp.
    DeleteFamily {
        family: Bytes,
        timestamp: Option<i64>,
    },
    /// Every cell of the row at or before the timestamp.
    DeleteRow {
        timestamp: Option<i64>,
    },
}

/// A column selector: a whole family, or one `family:qualifier`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub family: Bytes,
    pub qualifier: Option<Bytes>,
}

impl Column {
    /// Parses `family` or `family:qualifier` (the qualifier may be empty: `family:`
    /// names the column with the empty qualifier, as in HBase's clients).
    pub fn parse(spec: &[u8]) -> Self {
        match spec.iter().position(|&b| b == b':') {
            Some(i) => Column {
                family: Bytes::copy_from_slice(&spec[..i]),
                qualifier: Some(Bytes::copy_from_slice(&spec[i + 1..])),
            },
            None => Column { family: Bytes::copy_from_slice(spec), qualifier: None },
        }
    }

    pub fn family(family: impl Into<Bytes>) -> Self {
        Column { family: family.into(), qualifier: None }
    }

    pub fn new(family: impl Into<Bytes>, qualifier: impl Into<Bytes>) -> Self {
        Column { family: family.into(), qualifier: Some(qualifier.into()) }
    }
}

/// Timestamps `min <= ts < max`, as HBase's TimeRange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeRange {
    pub min: i64,
    pub max: i64,
}

impl Default for TimeRange {
    fn default() -> Self {
        TimeRange { min: 0, max: i64::MAX }
    }
}

impl TimeRange {
    pub fn contains(&self, ts: i64) -> bool {
        self.min <= ts && ts < self.max
    }

    /// Only the version with exactly this timestamp.
    pub fn at(ts: i64) -> Self {
        TimeRange { min: ts, max: ts.saturating_add(1) }
    }
}

/// A read of one row.
#[derive(Debug, Clone, Default)]
pub struct Get {
    pub row: Bytes,
    /// Empty reads every family.
    pub columns: Vec<Column>,
    pub time_range: TimeRange,
    /// Versions per column, at most; 0 means 1. Capped by the family's VERSIONS.
    pub max_versions: u32,
    pub filter: Option<Filter>,
}

impl Get {
    pub fn new(row: impl Into<Bytes>) -> Self {
        Get { row: row.into(), ..Get::default() }
    }
}

/// A read of a range of rows.
#[derive(Debug, Clone, Default)]
pub struct Scan {
    /// First row, inclusive; empty starts at the table's first row.
    pub start_row: Bytes,
    /// Row to stop before; empty runs to the end. For a reversed scan
    /// `start_row` is the highest row (inclusive) and `stop_row` the lower end (exclusive).
    pub stop_row: Bytes,
    /// Only rows whose key starts with this.
    pub prefix: Option<Bytes>,
    pub reversed: bool,
    pub columns: Vec<Column>,
    pub time_range: TimeRange,
    pub max_versions: u32,
    pub filter: Option<Filter>,
    /// At most this many cells per returned `Row` (a wide row comes in parts).
    pub batch: Option<usize>,
    /// At most this many rows in all.
    pub limit: Option<usize>,
}
