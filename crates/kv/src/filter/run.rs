//! What a filter keeps, one row at a time, with the state one scan needs.
//!
//! A run mirrors the filter as a tree of nodes. For each row every node gets
//! the row's cells with a mark per cell (still in, or out) and returns new
//! marks plus whether it rejects the row as a whole. That one shape covers
//! HBase's three kinds of test:
//!
//! - row-key tests (PrefixFilter, RowFilter, InclusiveStopFilter,
//!   MultiRowRangeFilter) reject the whole row, and always look at the key,
//!   even when an earlier AND member has dropped every cell, because HBase
//!   shows every member each row key (that is how InclusiveStopFilter and
//!   WHILE see the end inside a list);
//! - cell tests and transforms (ValueFilter, FirstKeyOnlyFilter, KeyOnlyFilter,
//!   ...) see only cells still in, so in an AND list a later member sees what
//!   the earlier ones kept, as HBase passes a cell down the list only while
//!   members include it;
//! - row tests (SingleColumnValueFilter, SKIP, WHILE, PageFilter) decide on
//!   the cells they are shown.
//!
//! KeyOnlyFilter marks cells rather than rewriting them, so the members after
//! it still test the real value, as HBase's transforms run only once a cell is
//! included. PageFilter counts a row only once the whole filter has returned
//! it and the row passed the PageFilter's own branch, so a page of ten is ten
//! returned rows.

use std::cmp::Ordering;

use bytes::Bytes;

use super::{Filter, ListOp, RowRange};
use crate::Cell;

/// A filter's state over one scan: PageFilter's count, InclusiveStopFilter's end.
#[derive(Debug)]
pub struct FilterRun {
    root: Node,
}

impl FilterRun {
    pub(super) fn new(filter: &Filter, reversed: bool) -> Self {
        FilterRun { root: Node::new(filter, reversed) }
    }

    /// Filters one row, given its cells after column, time-range and version
    /// selection, in store order. `None` leaves the row out; `Some` gives the
    /// cells to return (possibly fewer, or transformed, as KeyOnlyFilter does).
    pub fn apply(&mut self, row: &[u8], cells: Vec<Cell>) -> Option<Vec<Cell>> {
        if self.root.done() {
            return None;
        }
        let input = vec![Mark::In; cells.len()];
        let outcome = self.root.eval(row, &cells, &input);
        if outcome.rejected {
            return None;
        }
        let kept: Vec<Cell> =
            cells.into_iter().zip(outcome.marks).filter_map(|(cell, mark)| mark.finish(cell)).collect();
        if kept.is_empty() {
            return None;
        }
        self.root.commit(true);
        Some(kept)
    }

    /// True once no later row can pass, so the scan can end.
    pub fn done(&self) -> bool {
        self.root.done()
    }
}

/// Where a cell stands after a filter has seen it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    Out,
    In,
    /// In, and to be returned without its value (KeyOnlyFilter).
    KeyOnly {
        len_as_val: bool,
    },
}

impl Mark {
    fn is_in(self) -> bool {
        self != Mark::Out
    }

    /// The cell to return, if any.
    fn finish(self, cell: Cell) -> Option<Cell> {
        match self {
            Mark::Out => None,
            Mark::In => Some(cell),
            Mark::KeyOnly { len_as_val } => {
                let value = if len_as_val {
                    let len = i32::try_from(cell.value.len()).unwrap_or(i32::MAX);
                    Bytes::copy_from_slice(&len.to_be_bytes())
                } else {
                    Bytes::new()
                };
                Some(Cell { value, ..cell })
            }
        }
    }
}

/// What one node made of one row.
struct Outcome {
    marks: Vec<Mark>,
    /// The node rejects the row as a whole.
    rejected: bool,
}

impl Outcome {
    fn keep(marks: Vec<Mark>) -> Self {
        Outcome { marks, rejected: false }
    }

    fn reject(len: usize) -> Self {
        Outcome { marks: vec![Mark::Out; len], rejected: true }
    }

    /// The marks of `input` for cells that pass `test`.
    fn retain(input: &[Mark], cells: &[Cell], test: impl Fn(&Cell) -> bool) -> Self {
        let marks = input.iter().zip(cells).map(|(&m, c)| if m.is_in() && test(c) { m } else { Mark::Out }).collect();
        Outcome::keep(marks)
    }

    /// Whether this outcome dropped anything that `input` had in.
    fn dropped_any(&self, input: &[Mark]) -> bool {
        self.rejected || input.iter().zip(&self.marks).any(|(i, o)| i.is_in() && !o.is_in())
    }
}

#[derive(Debug)]
struct Node {
    kind: Kind,
    /// Set by the last `eval`: this node let the row through with some cells.
    passed: bool,
}

#[derive(Debug)]
enum Kind {
    /// Filters without state across rows, evaluated straight from their definition.
    Stateless(Filter),
    Prefix {
        prefix: Bytes,
        reversed: bool,
        done: bool,
    },
    InclusiveStop {
        stop: Bytes,
        reversed: bool,
        done: bool,
    },
    MultiRowRange {
        ranges: Vec<RowRange>,
        reversed: bool,
        done: bool,
    },
    Page {
        size: u64,
        rows: u64,
    },
    List {
        op: ListOp,
        members: Vec<Node>,
    },
    Skip(Box<Node>),
    While {
        inner: Box<Node>,
        done: bool,
    },
}

impl Node {
    fn new(filter: &Filter, reversed: bool) -> Node {
        let kind = match filter {
            Filter::Prefix(prefix) => Kind::Prefix { prefix: prefix.clone(), reversed, done: false },
            Filter::InclusiveStop(stop) => Kind::InclusiveStop { stop: stop.clone(), reversed, done: false },
            Filter::MultiRowRange(ranges) => Kind::MultiRowRange { ranges: ranges.clone(), reversed, done: false },
            Filter::Page(size) => Kind::Page { size: *size, rows: 0 },
            Filter::List(op, members) => {
                Kind::List { op: *op, members: members.iter().map(|m| Node::new(m, reversed)).collect() }
            }
            Filter::Skip(inner) => Kind::Skip(Box::new(Node::new(inner, reversed))),
            Filter::While(inner) => Kind::While { inner: Box::new(Node::new(inner, reversed)), done: false },
            other => Kind::Stateless(other.clone()),
        };
        Node { kind, passed: false }
    }

    /// No later row can pass this node.
    fn done(&self) -> bool {
        match &self.kind {
            Kind::Stateless(_) => false,
            Kind::Prefix { done, .. } | Kind::InclusiveStop { done, .. } | Kind::MultiRowRange { done, .. } => *done,
            Kind::Page { size, rows } => rows >= size,
            Kind::List { op: ListOp::MustPassAll, members } => members.iter().any(Node::done),
            Kind::List { op: ListOp::MustPassOne, members } => !members.is_empty() && members.iter().all(Node::done),
            Kind::Skip(inner) => inner.done(),
            Kind::While { inner, done } => *done || inner.done(),
        }
    }

    fn eval(&mut self, row: &[u8], cells: &[Cell], input: &[Mark]) -> Outcome {
        let outcome = if self.done() { Outcome::reject(input.len()) } else { self.kind.eval(row, cells, input) };
        self.passed = !outcome.rejected && outcome.marks.iter().any(|m| m.is_in());
        outcome
    }

    /// Tells the nodes that passed the last row whether the whole filter
    /// returned it, so PageFilters count it.
    fn commit(&mut self, accepted: bool) {
        if !(accepted && self.passed) {
            return;
        }
        match &mut self.kind {
            Kind::Page { rows, .. } => *rows += 1,
            Kind::List { members, .. } => members.iter_mut().for_each(|m| m.commit(true)),
            Kind::Skip(inner) | Kind::While { inner, .. } => inner.commit(true),
            Kind::Stateless(_) | Kind::Prefix { .. } | Kind::InclusiveStop { .. } | Kind::MultiRowRange { .. } => {}
        }
    }
}

impl Kind {
    fn eval(&mut self, row: &[u8], cells: &[Cell], input: &[Mark]) -> Outcome {
        let keep_all = || Outcome::keep(input.to_vec());
        match self {
            Kind::Stateless(filter) => eval_stateless(filter, row, cells, input),
            Kind::Prefix { prefix, reversed, done } => {
                let head = &row[..row.len().min(prefix.len())];
                match head.cmp(prefix.as_ref()) {
                    Ordering::Equal => keep_all(),
                    order => {
                        // Rows come sorted, so once past the prefix nothing later can match.
                        let past = if *reversed { Ordering::Less } else { Ordering::Greater };
                        *done = order == past;
                        Outcome::reject(input.len())
                    }
                }
            }
            Kind::InclusiveStop { stop, reversed, done } => {
                let past = if *reversed { row < stop.as_ref() } else { row > stop.as_ref() };
                if past {
                    *done = true;
                    Outcome::reject(input.len())
                } else {
                    keep_all()
                }
            }
            Kind::MultiRowRange { ranges, reversed, done } => {
                if ranges.iter().any(|r| after_start(r, row) && before_stop(r, row)) {
                    return keep_all();
                }
                *done = if *reversed {
                    ranges.iter().all(|r| !after_start(r, row))
                } else {
                    ranges.iter().all(|r| !before_stop(r, row))
                };
                Outcome::reject(input.len())
            }
            Kind::Page { .. } => keep_all(),
            Kind::List { op: ListOp::MustPassAll, members } => {
                let mut marks = input.to_vec();
                let mut rejected = false;
                for member in members.iter_mut() {
                    let outcome = member.eval(row, cells, &marks);
                    rejected |= outcome.rejected;
                    marks = outcome.marks;
                }
                if rejected { Outcome::reject(input.len()) } else { Outcome::keep(marks) }
            }
            Kind::List { op: ListOp::MustPassOne, members } => {
                if members.is_empty() {
                    return keep_all();
                }
                let mut marks = vec![Mark::Out; input.len()];
                let mut rejected = true;
                for member in members.iter_mut() {
                    let outcome = member.eval(row, cells, input);
                    if outcome.rejected {
                        continue;
                    }
                    rejected = false;
                    for (mark, theirs) in marks.iter_mut().zip(outcome.marks) {
                        // A cell one member keeps whole and another keeps key-only comes out
                        // key-only: HBase applies the transforms of every member that kept it.
                        if theirs.is_in() && !matches!(mark, Mark::KeyOnly { .. }) {
                            *mark = theirs;
                        }
                    }
                }
                if rejected { Outcome::reject(input.len()) } else { Outcome::keep(marks) }
            }
            Kind::Skip(inner) => {
                let outcome = inner.eval(row, cells, input);
                if outcome.dropped_any(input) { Outcome::reject(input.len()) } else { outcome }
            }
            Kind::While { inner, done } => {
                let outcome = inner.eval(row, cells, input);
                if outcome.dropped_any(input) {
                    *done = true;
                    Outcome::reject(input.len())
                } else {
                    outcome
                }
            }
        }
    }
}

fn after_start(range: &RowRange, row: &[u8]) -> bool {
    range.start.is_empty()
        || match row.cmp(range.start.as_ref()) {
            Ordering::Greater => true,
            Ordering::Equal => range.start_inclusive,
            Ordering::Less => false,
        }
}

fn before_stop(range: &RowRange, row: &[u8]) -> bool {
    range.stop.is_empty()
        || match row.cmp(range.stop.as_ref()) {
            Ordering::Less => true,
            Ordering::Equal => range.stop_inclusive,
            Ordering::Greater => false,
        }
}

/// The filters that look at one row only.
fn eval_stateless(filter: &Filter, row: &[u8], cells: &[Cell], input: &[Mark]) -> Outcome {
    match filter {
        Filter::Row(op, comparator) => {
            if comparator.test(*op, row) {
                Outcome::keep(input.to_vec())
            } else {
                Outcome::reject(input.len())
            }
        }
        Filter::Family(op, comparator) => Outcome::retain(input, cells, |c| comparator.test(*op, &c.family)),
        Filter::Qualifier(op, comparator) => Outcome::retain(input, cells, |c| comparator.test(*op, &c.qualifier)),
        Filter::Value(op, comparator) => Outcome::retain(input, cells, |c| comparator.test(*op, &c.value)),
        Filter::ColumnValue { family, qualifier, op, comparator } => Outcome::retain(input, cells, |c| {
            c.family == *family && c.qualifier == *qualifier && comparator.test(*op, &c.value)
        }),
        Filter::ColumnPrefix(prefix) => Outcome::retain(input, cells, |c| c.qualifier.starts_with(prefix)),
        Filter::MultipleColumnPrefix(prefixes) => Outcome::retain(input, cells, |c| {
            prefixes.is_empty() || prefixes.iter().any(|p| c.qualifier.starts_with(p))
        }),
        Filter::ColumnRange { min, min_inclusive, max, max_inclusive } => Outcome::retain(input, cells, |c| {
            let q = c.qualifier.as_ref();
            let above = min.is_empty()
                || match q.cmp(min.as_ref()) {
                    Ordering::Greater => true,
                    Ordering::Equal => *min_inclusive,
                    Ordering::Less => false,
                };
            let below = max.is_empty()
                || match q.cmp(max.as_ref()) {
                    Ordering::Less => true,
                    Ordering::Equal => *max_inclusive,
                    Ordering::Greater => false,
                };
            above && below
        }),
        Filter::Timestamps(timestamps) => Outcome::retain(input, cells, |c| timestamps.contains(&c.timestamp)),
        Filter::FirstKeyOnly => {
            let mut marks = vec![Mark::Out; input.len()];
            if let Some(first) = input.iter().position(|m| m.is_in()) {
                marks[first] = input[first];
            }
            Outcome::keep(marks)
        }
        Filter::KeyOnly { len_as_val } => {
            let len_as_val = *len_as_val;
            Outcome::keep(
                input.iter().map(|&m| if m.is_in() { Mark::KeyOnly { len_as_val } } else { Mark::Out }).collect(),
            )
        }
        Filter::ColumnCountGet(limit) => columns(input, cells, 0, u64::from(*limit)),
        Filter::ColumnPagination { limit, offset } => columns(input, cells, u64::from(*offset), u64::from(*limit)),
        Filter::SingleColumnValue {
            family,
            qualifier,
            op,
            comparator,
            filter_if_missing,
            latest_version_only,
            exclude,
        } => {
            let is_column = |c: &Cell| c.family == *family && c.qualifier == *qualifier;
            let mut found = false;
            let mut matched = false;
            for (mark, cell) in input.iter().zip(cells) {
                if !mark.is_in() || !is_column(cell) {
                    continue;
                }
                if found && *latest_version_only {
                    break;
                }
                found = true;
                if comparator.test(*op, &cell.value) {
                    matched = true;
                    break;
                }
            }
            let keep = if found { matched } else { !*filter_if_missing };
            if !keep {
                Outcome::reject(input.len())
            } else if *exclude {
                Outcome::retain(input, cells, |c| !is_column(c))
            } else {
                Outcome::keep(input.to_vec())
            }
        }
        // These carry state and get their own `Kind` in `Node::new`.
        Filter::Prefix(_)
        | Filter::InclusiveStop(_)
        | Filter::MultiRowRange(_)
        | Filter::Page(_)
        | Filter::List(..)
        | Filter::Skip(_)
        | Filter::While(_) => Outcome::keep(input.to_vec()),
    }
}

/// The newest version of the columns numbered `offset..offset + limit` among
/// the cells still in (ColumnPaginationFilter; ColumnCountGetFilter from 0).
fn columns(input: &[Mark], cells: &[Cell], offset: u64, limit: u64) -> Outcome {
    let mut marks = vec![Mark::Out; input.len()];
    let mut last: Option<(&Bytes, &Bytes)> = None;
    let mut index = 0u64;
    for (i, (mark, cell)) in input.iter().zip(cells).enumerate() {
        if !mark.is_in() {
            continue;
        }
        let column = (&cell.family, &cell.qualifier);
        if last == Some(column) {
            continue;
        }
        if last.is_some() {
            index += 1;
        }
        last = Some(column);
        if index >= offset && index - offset < limit {
            marks[i] = *mark;
        }
    }
    Outcome::keep(marks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::{Comparator, CompareOp};

    fn cell(row: &'static str, family: &'static str, qualifier: &'static str, ts: i64, value: &'static [u8]) -> Cell {
        Cell {
            row: Bytes::from_static(row.as_bytes()),
            family: Bytes::from_static(family.as_bytes()),
            qualifier: Bytes::from_static(qualifier.as_bytes()),
            timestamp: ts,
            value: Bytes::from_static(value),
        }
    }

    /// `family:qualifier=value` for each cell, the timestamp added when not 1.
    fn show(cells: &[Cell]) -> String {
        cells
            .iter()
            .map(|c| {
                let ts = if c.timestamp == 1 { String::new() } else { format!("@{}", c.timestamp) };
                format!(
                    "{}:{}{ts}={}",
                    String::from_utf8_lossy(&c.family),
                    String::from_utf8_lossy(&c.qualifier),
                    String::from_utf8_lossy(&c.value)
                )
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Runs a filter over rows, in the order given, the way the store does;
    /// `<done>` at the end when the run says no later row can pass.
    fn scan(filter: &str, reversed: bool, rows: &[(&'static str, Vec<Cell>)]) -> Vec<String> {
        let filter = Filter::parse(filter).unwrap();
        scan_filter(&filter, reversed, rows)
    }

    fn scan_filter(filter: &Filter, reversed: bool, rows: &[(&'static str, Vec<Cell>)]) -> Vec<String> {
        let mut run = filter.start(reversed);
        let mut out = Vec::new();
        for (row, cells) in rows {
            if run.done() {
                break;
            }
            if let Some(kept) = run.apply(row.as_bytes(), cells.clone()) {
                out.push(format!("{row}[{}]", show(&kept)));
            }
        }
        if run.done() {
            out.push("<done>".to_string());
        }
        out
    }

    /// Rows with two families: `f:a` (a number), `f:b` (a word), `g:c` (always `z`).
    fn rows() -> Vec<(&'static str, Vec<Cell>)> {
        let data: [(&'static str, &'static [u8], &'static [u8]); 6] = [
            ("a1", b"1", b"apple"),
            ("a2", b"5", b"Banana"),
            ("a3", b"3", b"cherry"),
            ("b1", b"7", b"apple"),
            ("b2", b"2", b"date"),
            ("c1", b"9", b"fig"),
        ];
        data.iter()
            .map(|&(r, a, b)| (r, vec![cell(r, "f", "a", 1, a), cell(r, "f", "b", 1, b), cell(r, "g", "c", 1, b"z")]))
            .collect()
    }

    fn keys(out: &[String]) -> Vec<&str> {
        out.iter().map(|s| s.split('[').next().unwrap_or("")).collect()
    }

    #[test]
    fn prefix_keeps_matching_rows_and_ends_past_them() {
        let out = scan("PrefixFilter('b')", false, &rows());
        assert_eq!(keys(&out), ["b1", "b2", "<done>"]);
        let mut reversed = rows();
        reversed.reverse();
        let out = scan("PrefixFilter('b')", true, &reversed);
        assert_eq!(keys(&out), ["b2", "b1", "<done>"]);
    }

    #[test]
    fn prefix_longer_than_row() {
        let rows = vec![("a", vec![cell("a", "f", "a", 1, b"1")]), ("ab", vec![cell("ab", "f", "a", 1, b"1")])];
        assert_eq!(keys(&scan("PrefixFilter('ab')", false, &rows)), ["ab"]);
        let reversed: Vec<_> = rows.iter().rev().cloned().collect();
        assert_eq!(keys(&scan("PrefixFilter('ab')", true, &reversed)), ["ab", "<done>"]);
    }

    #[test]
    fn empty_prefix_keeps_everything() {
        assert_eq!(scan("PrefixFilter('')", false, &rows()).len(), 6);
    }

    #[test]
    fn row_filter_ops() {
        let cases = [
            ("RowFilter(<, 'binary:b1')", vec!["a1", "a2", "a3"]),
            ("RowFilter(<=, 'binary:b1')", vec!["a1", "a2", "a3", "b1"]),
            ("RowFilter(=, 'binary:b1')", vec!["b1"]),
            ("RowFilter(!=, 'binary:b1')", vec!["a1", "a2", "a3", "b2", "c1"]),
            ("RowFilter(>=, 'binary:b1')", vec!["b1", "b2", "c1"]),
            ("RowFilter(>, 'binary:b1')", vec!["b2", "c1"]),
            ("RowFilter(=, 'binaryprefix:a')", vec!["a1", "a2", "a3"]),
            ("RowFilter(>, 'binaryprefix:a')", vec!["b1", "b2", "c1"]),
            ("RowFilter(=, 'regexstring:^[ac]1$')", vec!["a1", "c1"]),
            ("RowFilter(!=, 'regexstring:1')", vec!["a2", "a3", "b2"]),
            ("RowFilter(=, 'substring:B')", vec!["b1", "b2"]),
        ];
        for (filter, expected) in cases {
            assert_eq!(keys(&scan(filter, false, &rows())), expected, "{filter}");
        }
    }

    #[test]
    fn value_filter_keeps_passing_cells_and_drops_empty_rows() {
        let out = scan("ValueFilter(<, 'binary:5')", false, &rows());
        assert_eq!(out, ["a1[f:a=1]", "a3[f:a=3]", "b2[f:a=2]"]);
        let out = scan("ValueFilter(=, 'substring:AN')", false, &rows());
        assert_eq!(out, ["a2[f:b=Banana]"]);
        let out = scan("ValueFilter(=, 'regexstring:^[a-c]')", false, &rows());
        assert_eq!(out, ["a1[f:b=apple]", "a3[f:b=cherry]", "b1[f:b=apple]"]);
    }

    #[test]
    fn qualifier_and_family_filters() {
        assert_eq!(scan("QualifierFilter(=, 'binary:b')", false, &rows()[..1]), ["a1[f:b=apple]"]);
        assert_eq!(scan("QualifierFilter(>=, 'binary:b')", false, &rows()[..1]), ["a1[f:b=apple g:c=z]"]);
        assert_eq!(scan("FamilyFilter(=, 'binary:g')", false, &rows()[..2]), ["a1[g:c=z]", "a2[g:c=z]"]);
        assert_eq!(scan("FamilyFilter(!=, 'binary:g')", false, &rows()[..1]), ["a1[f:a=1 f:b=apple]"]);
    }

    #[test]
    fn single_column_value_keeps_whole_rows() {
        let out = scan("SingleColumnValueFilter('f', 'b', =, 'binary:apple')", false, &rows());
        assert_eq!(out, ["a1[f:a=1 f:b=apple g:c=z]", "b1[f:a=7 f:b=apple g:c=z]"]);
        let out = scan("SingleColumnValueFilter('f', 'a', >, 'binary:5')", false, &rows());
        assert_eq!(keys(&out), ["b1", "c1"]);
    }

    #[test]
    fn single_column_value_missing_column() {
        let rows = vec![
            ("r1", vec![cell("r1", "f", "a", 1, b"x")]),
            ("r2", vec![cell("r2", "f", "other", 1, b"y")]),
            ("r3", vec![cell("r3", "f", "a", 1, b"no")]),
        ];
        assert_eq!(keys(&scan("SingleColumnValueFilter('f', 'a', =, 'binary:x')", false, &rows)), ["r1", "r2"]);
        assert_eq!(keys(&scan("SingleColumnValueFilter('f', 'a', =, 'binary:x', true, true)", false, &rows)), ["r1"]);
    }

    #[test]
    fn single_column_value_versions() {
        let rows = vec![
            ("r1", vec![cell("r1", "f", "a", 9, b"new"), cell("r1", "f", "a", 5, b"old")]),
            ("r2", vec![cell("r2", "f", "a", 9, b"old"), cell("r2", "f", "a", 5, b"new")]),
        ];
        let latest = "SingleColumnValueFilter('f', 'a', =, 'binary:old', false, true)";
        assert_eq!(scan(latest, false, &rows), ["r2[f:a@9=old f:a@5=new]"]);
        let any = "SingleColumnValueFilter('f', 'a', =, 'binary:old', false, false)";
        assert_eq!(keys(&scan(any, false, &rows)), ["r1", "r2"]);
    }

    #[test]
    fn single_column_value_exclude_drops_the_column() {
        let out = scan("SingleColumnValueExcludeFilter('f', 'b', =, 'binary:apple')", false, &rows());
        assert_eq!(out, ["a1[f:a=1 g:c=z]", "b1[f:a=7 g:c=z]"]);
        let only = vec![("r", vec![cell("r", "f", "b", 1, b"apple")])];
        assert!(scan("SingleColumnValueExcludeFilter('f', 'b', =, 'binary:apple')", false, &only).is_empty());
    }

    #[test]
    fn column_value_filter_keeps_matching_cells_only() {
        let out = scan("ColumnValueFilter('f', 'a', >=, 'binary:7')", false, &rows());
        assert_eq!(out, ["b1[f:a=7]", "c1[f:a=9]"]);
    }

    #[test]
    fn page_filter_counts_returned_rows() {
        let out = scan("PageFilter(2)", false, &rows());
        assert_eq!(keys(&out), ["a1", "a2", "<done>"]);
        let out = scan("ValueFilter(=, 'binary:apple') AND PageFilter(2)", false, &rows());
        assert_eq!(out, ["a1[f:b=apple]", "b1[f:b=apple]", "<done>"]);
        let out = scan("PageFilter(2) AND RowFilter(>=, 'binary:b')", false, &rows());
        assert_eq!(keys(&out), ["b1", "b2", "<done>"]);
        assert_eq!(scan("PageFilter(0)", false, &rows()), ["<done>"]);
    }

    #[test]
    fn page_in_one_branch_counts_that_branch() {
        let filter = "(PrefixFilter('a') AND PageFilter(1)) OR PrefixFilter('b')";
        assert_eq!(keys(&scan(filter, false, &rows())), ["a1", "b1", "b2", "<done>"]);
    }

    #[test]
    fn first_key_only_and_key_only() {
        assert_eq!(scan("FirstKeyOnlyFilter()", false, &rows()[..2]), ["a1[f:a=1]", "a2[f:a=5]"]);
        assert_eq!(scan("KeyOnlyFilter()", false, &rows()[..1]), ["a1[f:a= f:b= g:c=]"]);
        let out = scan_filter(&Filter::KeyOnly { len_as_val: true }, false, &rows()[..1]);
        let mut run = Filter::KeyOnly { len_as_val: true }.start(false);
        let kept = run.apply(b"a1", rows()[0].1.clone()).unwrap();
        assert_eq!(kept[1].value.as_ref(), &5i32.to_be_bytes());
        assert_eq!(kept[1].qualifier.as_ref(), b"b");
        assert_eq!(kept[1].timestamp, 1);
        assert_eq!(out.len(), 1);
    }

    #[test]
    fn key_only_does_not_hide_values_from_later_tests() {
        let out = scan("KeyOnlyFilter() AND ValueFilter(=, 'binary:apple')", false, &rows());
        assert_eq!(out, ["a1[f:b=]", "b1[f:b=]"]);
        let out = scan("ValueFilter(=, 'binary:apple') AND FirstKeyOnlyFilter()", false, &rows());
        assert_eq!(out, ["a1[f:b=apple]", "b1[f:b=apple]"]);
        let out = scan("FirstKeyOnlyFilter() AND ValueFilter(=, 'binary:apple')", false, &rows());
        assert!(out.is_empty());
    }

    #[test]
    fn column_prefix_filters() {
        let rows = vec![(
            "r",
            vec![
                cell("r", "f", "abc", 1, b"1"),
                cell("r", "f", "abd", 1, b"2"),
                cell("r", "f", "b", 1, b"3"),
                cell("r", "f", "cd", 1, b"4"),
            ],
        )];
        assert_eq!(scan("ColumnPrefixFilter('ab')", false, &rows), ["r[f:abc=1 f:abd=2]"]);
        assert_eq!(scan("MultipleColumnPrefixFilter('abd', 'c')", false, &rows), ["r[f:abd=2 f:cd=4]"]);
        assert_eq!(scan("MultipleColumnPrefixFilter()", false, &rows), ["r[f:abc=1 f:abd=2 f:b=3 f:cd=4]"]);
        assert!(scan("ColumnPrefixFilter('z')", false, &rows).is_empty());
    }

    #[test]
    fn column_range_filter() {
        let rows = vec![(
            "r",
            vec![
                cell("r", "f", "a", 1, b"1"),
                cell("r", "f", "b", 1, b"2"),
                cell("r", "f", "c", 1, b"3"),
                cell("r", "f", "d", 1, b"4"),
            ],
        )];
        assert_eq!(scan("ColumnRangeFilter('b', true, 'd', false)", false, &rows), ["r[f:b=2 f:c=3]"]);
        assert_eq!(scan("ColumnRangeFilter('b', false, 'd', true)", false, &rows), ["r[f:c=3 f:d=4]"]);
        assert_eq!(scan("ColumnRangeFilter('', false, 'b', true)", false, &rows), ["r[f:a=1 f:b=2]"]);
        assert_eq!(scan("ColumnRangeFilter('c', true, '', false)", false, &rows), ["r[f:c=3 f:d=4]"]);
    }

    #[test]
    fn timestamps_filter() {
        let rows =
            vec![("r", vec![cell("r", "f", "a", 9, b"x"), cell("r", "f", "a", 5, b"y"), cell("r", "f", "b", 5, b"z")])];
        assert_eq!(scan("TimestampsFilter(5)", false, &rows), ["r[f:a@5=y f:b@5=z]"]);
        assert_eq!(scan("TimestampsFilter(9, 7)", false, &rows), ["r[f:a@9=x]"]);
        assert!(scan("TimestampsFilter()", false, &rows).is_empty());
    }

    #[test]
    fn column_count_and_pagination_take_newest_versions() {
        let rows = vec![(
            "r",
            vec![
                cell("r", "f", "a", 9, b"a9"),
                cell("r", "f", "a", 5, b"a5"),
                cell("r", "f", "b", 5, b"b5"),
                cell("r", "g", "a", 5, b"ga"),
                cell("r", "g", "b", 5, b"gb"),
            ],
        )];
        assert_eq!(scan("ColumnCountGetFilter(2)", false, &rows), ["r[f:a@9=a9 f:b@5=b5]"]);
        assert_eq!(scan("ColumnPaginationFilter(2, 1)", false, &rows), ["r[f:b@5=b5 g:a@5=ga]"]);
        assert_eq!(scan("ColumnPaginationFilter(10, 3)", false, &rows), ["r[g:b@5=gb]"]);
        assert!(scan("ColumnPaginationFilter(0, 0)", false, &rows).is_empty());
        assert!(scan("ColumnCountGetFilter(0)", false, &rows).is_empty());
    }

    #[test]
    fn inclusive_stop_forward_and_reversed() {
        let out = scan("InclusiveStopFilter('b1')", false, &rows());
        assert_eq!(keys(&out), ["a1", "a2", "a3", "b1", "<done>"]);
        let mut reversed = rows();
        reversed.reverse();
        let out = scan("InclusiveStopFilter('b1')", true, &reversed);
        assert_eq!(keys(&out), ["c1", "b2", "b1", "<done>"]);
    }

    #[test]
    fn multi_row_range() {
        let ranges = vec![
            RowRange {
                start: Bytes::from_static(b"a2"),
                start_inclusive: true,
                stop: Bytes::from_static(b"a3"),
                stop_inclusive: true,
            },
            RowRange {
                start: Bytes::from_static(b"b1"),
                start_inclusive: false,
                stop: Bytes::from_static(b"b2"),
                stop_inclusive: true,
            },
        ];
        let filter = Filter::MultiRowRange(ranges);
        assert_eq!(keys(&scan_filter(&filter, false, &rows())), ["a2", "a3", "b2", "<done>"]);
        let mut reversed = rows();
        reversed.reverse();
        assert_eq!(keys(&scan_filter(&filter, true, &reversed)), ["b2", "a3", "a2", "<done>"]);
        let open = Filter::MultiRowRange(vec![RowRange {
            start: Bytes::from_static(b"b2"),
            start_inclusive: true,
            stop: Bytes::new(),
            stop_inclusive: false,
        }]);
        assert_eq!(keys(&scan_filter(&open, false, &rows())), ["b2", "c1"]);
    }

    #[test]
    fn and_list_intersects() {
        let out =
            scan("PrefixFilter('a') AND ValueFilter(<, 'binary:5') AND QualifierFilter(=, 'binary:a')", false, &rows());
        assert_eq!(out, ["a1[f:a=1]", "a3[f:a=3]", "<done>"]);
    }

    #[test]
    fn or_list_unions_cells_and_rows() {
        let out = scan("PrefixFilter('c') OR ValueFilter(=, 'binary:apple')", false, &rows());
        assert_eq!(out, ["a1[f:b=apple]", "b1[f:b=apple]", "c1[f:a=9 f:b=fig g:c=z]"]);
        let out = scan("QualifierFilter(=, 'binary:a') OR FamilyFilter(=, 'binary:g')", false, &rows()[..1]);
        assert_eq!(out, ["a1[f:a=1 g:c=z]"]);
    }

    #[test]
    fn or_with_failing_row_test_keeps_other_members_cells() {
        let out = scan(
            "SingleColumnValueFilter('f', 'a', =, 'binary:nope') OR QualifierFilter(=, 'binary:a')",
            false,
            &rows()[..1],
        );
        assert_eq!(out, ["a1[f:a=1]"]);
    }

    #[test]
    fn or_of_key_only_and_plain_returns_key_only() {
        let out = scan("KeyOnlyFilter() OR ValueFilter(=, 'binary:1')", false, &rows()[..1]);
        assert_eq!(out, ["a1[f:a= f:b= g:c=]"]);
        let out = scan("(KeyOnlyFilter() AND PrefixFilter('b')) OR ValueFilter(=, 'binary:1')", false, &rows()[..4]);
        assert_eq!(out, ["a1[f:a=1]", "b1[f:a= f:b= g:c=]"]);
    }

    #[test]
    fn or_ends_only_when_every_member_ends() {
        let out = scan("PrefixFilter('a') OR InclusiveStopFilter('a1')", false, &rows());
        assert_eq!(keys(&out), ["a1", "a2", "a3", "<done>"]);
    }

    #[test]
    fn empty_lists_keep_everything() {
        for op in [ListOp::MustPassAll, ListOp::MustPassOne] {
            let out = scan_filter(&Filter::List(op, vec![]), false, &rows());
            assert_eq!(out.len(), 6, "{op:?}");
        }
    }

    #[test]
    fn skip_drops_rows_with_any_failing_cell() {
        let out = scan("SKIP ValueFilter(!=, 'binary:apple')", false, &rows());
        assert_eq!(keys(&out), ["a2", "a3", "b2", "c1"]);
        let out = scan("SKIP ValueFilter(!=, 'binary:apple') AND PrefixFilter('a')", false, &rows());
        assert_eq!(keys(&out), ["a2", "a3", "<done>"]);
    }

    #[test]
    fn while_stops_at_first_failing_row() {
        let out = scan("WHILE ValueFilter(!=, 'binary:3')", false, &rows());
        assert_eq!(keys(&out), ["a1", "a2", "<done>"]);
        let out = scan("WHILE RowFilter(<, 'binary:b')", false, &rows());
        assert_eq!(keys(&out), ["a1", "a2", "a3", "<done>"]);
    }

    #[test]
    fn while_sees_row_keys_even_after_an_earlier_member_dropped_the_row() {
        let out = scan("ValueFilter(=, 'binary:apple') AND WHILE RowFilter(<, 'binary:b')", false, &rows());
        assert_eq!(out, ["a1[f:b=apple]", "<done>"]);
    }

    #[test]
    fn while_in_or_only_ends_its_branch() {
        let out = scan("WHILE RowFilter(<, 'binary:a2') OR PrefixFilter('b')", false, &rows());
        assert_eq!(keys(&out), ["a1", "b1", "b2", "<done>"]);
    }

    #[test]
    fn no_op_keeps_nothing() {
        let filter = Filter::Value(CompareOp::NoOp, Comparator::Binary(Bytes::from_static(b"1")));
        assert!(scan_filter(&filter, false, &rows()).is_empty());
    }

    #[test]
    fn long_null_and_bit_comparators() {
        let rows = vec![
            ("r1", vec![cell("r1", "f", "n", 1, &[0, 0, 0, 0, 0, 0, 0, 7])]),
            ("r2", vec![cell("r2", "f", "n", 1, &[0xff; 8])]),
            ("r3", vec![cell("r3", "f", "n", 1, b"")]),
            ("r4", vec![cell("r4", "f", "n", 1, b"odd")]),
        ];
        let positive = Filter::Value(CompareOp::Greater, Comparator::Long(0));
        assert_eq!(keys(&scan_filter(&positive, false, &rows)), ["r1"]);
        let negative = Filter::Value(CompareOp::Less, Comparator::Long(0));
        assert_eq!(keys(&scan_filter(&negative, false, &rows)), ["r2"]);
        let empty = Filter::Value(CompareOp::Equal, Comparator::Null);
        assert_eq!(keys(&scan_filter(&empty, false, &rows)), ["r3"]);
        let bit = Filter::Value(
            CompareOp::Equal,
            Comparator::Bit { value: Bytes::from_static(&[0, 0, 0, 0, 0, 0, 0, 4]), op: crate::filter::BitOp::And },
        );
        assert_eq!(keys(&scan_filter(&bit, false, &rows)), ["r1", "r2"]);
    }

    #[test]
    fn non_utf8_values() {
        let rows = vec![("r", vec![cell("r", "f", "a", 1, b"\xff\x00ok"), cell("r", "f", "b", 1, b"\xfe")])];
        let out = scan("ValueFilter(=, 'regexstring:ok$')", false, &rows);
        assert_eq!(keys(&out), ["r"]);
        let mut run = Filter::parse("ValueFilter(=, 'regexstring:ok$')").unwrap().start(false);
        let kept = run.apply(b"r", rows[0].1.clone()).unwrap();
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].value.as_ref(), b"\xff\x00ok");
    }

    #[test]
    fn empty_rows_are_left_out() {
        let mut run = Filter::parse("KeyOnlyFilter()").unwrap().start(false);
        assert_eq!(run.apply(b"r", vec![]), None);
        let mut run = Filter::parse("PageFilter(1)").unwrap().start(false);
        assert_eq!(run.apply(b"r", vec![]), None);
        assert!(!run.done());
    }

    #[test]
    fn done_rows_are_refused_even_if_the_store_keeps_going() {
        let mut run = Filter::parse("PageFilter(1)").unwrap().start(false);
        assert!(run.apply(b"a1", rows()[0].1.clone()).is_some());
        assert!(run.done());
        assert_eq!(run.apply(b"a2", rows()[1].1.clone()), None);
    }

    #[test]
    fn each_run_starts_fresh() {
        let filter = Filter::parse("PageFilter(1)").unwrap();
        for _ in 0..2 {
            let mut run = filter.start(false);
            assert!(!run.done());
            assert!(run.apply(b"a1", rows()[0].1.clone()).is_some());
            assert!(run.done());
        }
    }
}
