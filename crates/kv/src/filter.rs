//! HBase's filters: what they keep, HBase's filter language strings
//! (`PrefixFilter('a') AND ValueFilter(=, 'binary:x')`) and the filter JSON of
//! HBase's REST scanners.
//!
//! A [`Filter`] is plain data, so a scan request can carry, clone and compare
//! it; the two wire forms HBase clients send are read by [`Filter::parse`]
//! (Thrift's `filterString`, the shell) and [`Filter::from_json`] (REST
//! scanners). Running a filter needs state that lives for one scan only
//! (PageFilter's row count, the end InclusiveStopFilter found), so
//! [`Filter::start`] hands out a fresh [`FilterRun`] per scan.
//!
//! The store gives a run one row at a time, after column, time-range and
//! version selection; HBase's cell-at-a-time callbacks (`filterRowKey`,
//! `filterCell`, `filterRow`) collapse into one call per row, which keeps the
//! store's read path simple while returning what HBase returns for the filters
//! clients use.
//!
//! - `compare`: compare operators and comparators (`binary:`, `regexstring:`...).
//! - `parse`: the filter language.
//! - `json`: the REST `ScannerModel` filter JSON.
//! - `run`: what each filter keeps, row by row.

mod compare;
mod json;
mod parse;
mod run;

use bytes::Bytes;

pub use compare::{BitOp, Comparator, CompareOp, RegexString};
pub use run::FilterRun;

use crate::error::Result;

/// One filter or a list of them, as HBase defines them.
///
/// Variants are named after HBase's classes without the `Filter` suffix.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// PrefixFilter: rows whose key starts with these bytes.
    Prefix(Bytes),
    /// RowFilter: rows whose key passes the comparison.
    Row(CompareOp, Comparator),
    /// FamilyFilter: cells whose family passes the comparison.
    Family(CompareOp, Comparator),
    /// QualifierFilter: cells whose qualifier passes the comparison.
    Qualifier(CompareOp, Comparator),
    /// ValueFilter: cells whose value passes the comparison.
    Value(CompareOp, Comparator),
    /// SingleColumnValueFilter (and SingleColumnValueExcludeFilter when
    /// `exclude`): whole rows, kept when one column's value passes.
    SingleColumnValue {
        /// The tested column's family.
        family: Bytes,
        /// The tested column's qualifier.
        qualifier: Bytes,
        /// How the column's value must compare.
        op: CompareOp,
        /// What the column's value is compared with.
        comparator: Comparator,
        /// filterIfMissing: leave out rows that lack the column (HBase keeps them by default).
        filter_if_missing: bool,
        /// latestVersionOnly: test only the newest version (HBase's default);
        /// otherwise any version that passes keeps the row.
        latest_version_only: bool,
        /// SingleColumnValueExcludeFilter: the tested column is left out of the result.
        exclude: bool,
    },
    /// ColumnValueFilter: only the cells of one column whose value passes.
    ColumnValue {
        /// The column's family.
        family: Bytes,
        /// The column's qualifier.
        qualifier: Bytes,
        /// How the value must compare.
        op: CompareOp,
        /// What the value is compared with.
        comparator: Comparator,
    },
    /// PageFilter: at most this many rows.
    Page(u64),
    /// FirstKeyOnlyFilter: only the first cell of each row.
    FirstKeyOnly,
    /// KeyOnlyFilter: cells without their values; with `len_as_val` the value
    /// becomes the original value's length as a 4-byte big-endian integer.
    KeyOnly {
        /// lenAsVal: replace the value by its length instead of emptying it.
        len_as_val: bool,
    },
    /// ColumnPrefixFilter: cells whose qualifier starts with these bytes.
    ColumnPrefix(Bytes),
    /// MultipleColumnPrefixFilter: cells whose qualifier starts with any of
    /// these (no prefixes keeps every cell, as in HBase).
    MultipleColumnPrefix(Vec<Bytes>),
    /// ColumnRangeFilter: cells whose qualifier lies between two bounds; an
    /// empty bound is open.
    ColumnRange {
        /// Lowest qualifier; empty for no lower bound.
        min: Bytes,
        /// Whether `min` itself is kept.
        min_inclusive: bool,
        /// Highest qualifier; empty for no upper bound.
        max: Bytes,
        /// Whether `max` itself is kept.
        max_inclusive: bool,
    },
    /// ColumnCountGetFilter: the newest version of the first this-many columns of each row.
    ColumnCountGet(u32),
    /// ColumnPaginationFilter: the newest version of `limit` columns of each
    /// row, after skipping `offset` columns.
    ColumnPagination {
        /// Columns to return per row.
        limit: u32,
        /// Columns to skip first.
        offset: u32,
    },
    /// InclusiveStopFilter: rows up to and including this key, then the scan ends.
    InclusiveStop(Bytes),
    /// TimestampsFilter: cells with one of these timestamps.
    Timestamps(Vec<i64>),
    /// MultiRowRangeFilter: rows inside any of these ranges.
    MultiRowRange(Vec<RowRange>),
    /// FilterList: members combined with AND (MUST_PASS_ALL) or OR (MUST_PASS_ONE).
    List(ListOp, Vec<Filter>),
    /// SkipFilter (the language's SKIP): a row is left out whole if the inner
    /// filter drops any of its cells.
    Skip(Box<Filter>),
    /// WhileMatchFilter (the language's WHILE): the scan ends at the first row
    /// the inner filter rejects in whole or in part.
    While(Box<Filter>),
}

/// How a [`Filter::List`] combines its members.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListOp {
    /// MUST_PASS_ALL, the language's AND.
    MustPassAll,
    /// MUST_PASS_ONE, the language's OR.
    MustPassOne,
}

impl ListOp {
    /// HBase's name for the operator, as REST's JSON writes it.
    pub fn name(self) -> &'static str {
        match self {
            ListOp::MustPassAll => "MUST_PASS_ALL",
            ListOp::MustPassOne => "MUST_PASS_ONE",
        }
    }
}

/// One range of a [`Filter::MultiRowRange`]. An empty `start` or `stop` is open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowRange {
    /// First row; empty starts at the table's first row.
    pub start: Bytes,
    /// Whether `start` itself is in the range.
    pub start_inclusive: bool,
    /// Last row; empty runs to the table's end.
    pub stop: Bytes,
    /// Whether `stop` itself is in the range.
    pub stop_inclusive: bool,
}

impl Filter {
    /// Parses HBase's filter language, as Thrift's `filterString` and the shell take it.
    pub fn parse(text: &str) -> Result<Filter> {
        parse::parse(text)
    }

    /// Reads the filter JSON of HBase's REST `ScannerModel` (`{"type": "PrefixFilter", "value": "<base64>"}`).
    pub fn from_json(value: &serde_json::Value) -> Result<Filter> {
        json::from_json(value)
    }

    /// Writes the same JSON back.
    pub fn to_json(&self) -> serde_json::Value {
        json::to_json(self)
    }

    /// A fresh run of this filter over one scan (or one get), in the scan's direction.
    pub fn start(&self, reversed: bool) -> FilterRun {
        FilterRun::new(self, reversed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Cell;

    fn cell(row: &'static str, qualifier: &'static str, value: &'static str) -> Cell {
        Cell {
            row: Bytes::from_static(row.as_bytes()),
            family: Bytes::from_static(b"f"),
            qualifier: Bytes::from_static(qualifier.as_bytes()),
            timestamp: 1,
            value: Bytes::from_static(value.as_bytes()),
        }
    }

    /// Rows `r1`..`r5`, each with columns `a` (value `1`..`5`) and `b` (value `x` or `y`).
    fn table() -> Vec<(&'static str, Vec<Cell>)> {
        let rows: [(&'static str, &'static str, &'static str); 5] =
            [("r1", "1", "x"), ("r2", "2", "y"), ("r3", "3", "x"), ("r4", "4", "y"), ("r5", "5", "x")];
        rows.iter().map(|&(r, a, b)| (r, vec![cell(r, "a", a), cell(r, "b", b)])).collect()
    }

    fn scan(filter: &Filter) -> Vec<String> {
        let mut run = filter.start(false);
        let mut out = Vec::new();
        for (row, cells) in table() {
            if run.done() {
                break;
            }
            if let Some(kept) = run.apply(row.as_bytes(), cells) {
                let cols: Vec<String> = kept
                    .iter()
                    .map(|c| format!("{}={}", String::from_utf8_lossy(&c.qualifier), String::from_utf8_lossy(&c.value)))
                    .collect();
                out.push(format!("{row}:{}", cols.join(",")));
            }
        }
        out
    }

    #[test]
    fn parse_then_scan() {
        let f = Filter::parse("ValueFilter(<, 'binary:3') AND QualifierFilter(=, 'binary:a')").unwrap();
        assert_eq!(scan(&f), ["r1:a=1", "r2:a=2"]);
    }

    #[test]
    fn json_then_scan() {
        let json = serde_json::json!({
            "type": "FilterList",
            "op": "MUST_PASS_ALL",
            "filters": [
                {"type": "SingleColumnValueFilter", "family": "Zg==", "qualifier": "Yg==", "op": "EQUAL",
                 "comparator": {"type": "BinaryComparator", "value": "eA=="}, "ifMissing": true},
                {"type": "PageFilter", "value": "2"}
            ]
        });
        let f = Filter::from_json(&json).unwrap();
        assert_eq!(scan(&f), ["r1:a=1,b=x", "r3:a=3,b=x"]);
    }

    #[test]
    fn language_and_json_agree() {
        let text =
            "(SKIP ValueFilter(!=, 'binary:2') OR InclusiveStopFilter('r1')) AND WHILE RowFilter(<=, 'binary:r4')";
        let parsed = Filter::parse(text).unwrap();
        let from_json = Filter::from_json(&parsed.to_json()).unwrap();
        assert_eq!(parsed, from_json);
        assert_eq!(scan(&parsed), scan(&from_json));
        assert_eq!(scan(&parsed), ["r1:a=1,b=x", "r3:a=3,b=x", "r4:a=4,b=y"]);
    }

    #[test]
    fn page_with_key_only_counts_rows() {
        let f = Filter::parse("FirstKeyOnlyFilter() AND KeyOnlyFilter() AND PageFilter(3)").unwrap();
        assert_eq!(scan(&f), ["r1:a=", "r2:a=", "r3:a="]);
    }

    #[test]
    fn list_op_names() {
        assert_eq!(ListOp::MustPassAll.name(), "MUST_PASS_ALL");
        assert_eq!(ListOp::MustPassOne.name(), "MUST_PASS_ONE");
    }
}
