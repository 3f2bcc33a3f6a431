//! The filter JSON of HBase's REST scanners (`ScannerModel.FilterModel`):
//! `{"type": "RowFilter", "op": "EQUAL", "comparator": {"type": "BinaryComparator", "value": "<base64>"}}`.
//!
//! Field names and encodings follow HBase's model, so JSON written by HBase's
//! own client (`ScannerModel.stringifyFilter`) reads here and ours reads
//! there: byte strings are base64, except PageFilter's `value` (a decimal
//! string) and the patterns of regex and substring comparators (plain text).
//! Base64 padding is optional on input, as with Java's decoder.
//!
//! Beyond HBase's model, `ColumnValueFilter`, `KeyOnlyFilter`'s `lenAsVal` and
//! `LongComparator` (a decimal `value`) are read and written, so every
//! [`Filter`] survives a round trip.

use base64::Engine;
use base64::alphabet;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use bytes::Bytes;
use serde_json::{Map, Value, json};

use super::{BitOp, Comparator, CompareOp, Filter, ListOp, RowRange};
use crate::{Error, Result};

/// Standard base64 that accepts input with or without padding.
const DECODER: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Reads one filter object.
pub(super) fn from_json(value: &Value) -> Result<Filter> {
    let obj = Obj::new(value, "filter")?;
    let kind = obj.str("type")?.to_string();
    let obj = Obj { what: kind.clone(), ..obj };
    let compare =
        |make: fn(CompareOp, Comparator) -> Filter| -> Result<Filter> { Ok(make(obj.op()?, obj.comparator()?)) };
    match kind.as_str() {
        "PrefixFilter" => Ok(Filter::Prefix(obj.bytes("value")?)),
        "RowFilter" => compare(Filter::Row),
        "FamilyFilter" => compare(Filter::Family),
        "QualifierFilter" => compare(Filter::Qualifier),
        "ValueFilter" => compare(Filter::Value),
        "SingleColumnValueFilter" | "SingleColumnValueExcludeFilter" => Ok(Filter::SingleColumnValue {
            family: obj.bytes("family")?,
            qualifier: obj.bytes_or_empty("qualifier")?,
            op: obj.op()?,
            comparator: obj.comparator()?,
            filter_if_missing: obj.boolean("ifMissing", false)?,
            latest_version_only: obj.boolean("latestVersion", true)?,
            exclude: kind == "SingleColumnValueExcludeFilter",
        }),
        "ColumnValueFilter" => Ok(Filter::ColumnValue {
            family: obj.bytes("family")?,
            qualifier: obj.bytes_or_empty("qualifier")?,
            op: obj.op()?,
            comparator: obj.comparator()?,
        }),
        "PageFilter" => Ok(Filter::Page(obj.number("value")?)),
        "FirstKeyOnlyFilter" => Ok(Filter::FirstKeyOnly),
        "KeyOnlyFilter" => Ok(Filter::KeyOnly { len_as_val: obj.boolean("lenAsVal", false)? }),
        "ColumnPrefixFilter" => Ok(Filter::ColumnPrefix(obj.bytes("value")?)),
        "MultipleColumnPrefixFilter" => {
            let mut prefixes: Vec<Bytes> = Vec::new();
            for (i, item) in obj.array("prefixes")?.iter().enumerate() {
                let prefix = obj.decode(item, &format!("prefixes[{i}]"))?;
                if prefixes.contains(&prefix) {
                    return Err(
                        obj.error(format!("prefixes[{i}] repeats an earlier prefix; prefixes must be distinct"))
                    );
                }
                prefixes.push(prefix);
            }
            Ok(Filter::MultipleColumnPrefix(prefixes))
        }
        "ColumnRangeFilter" => Ok(Filter::ColumnRange {
            min: obj.bytes_or_empty("minColumn")?,
            min_inclusive: obj.boolean("minColumnInclusive", true)?,
            max: obj.bytes_or_empty("maxColumn")?,
            max_inclusive: obj.boolean("maxColumnInclusive", false)?,
        }),
        "ColumnCountGetFilter" => Ok(Filter::ColumnCountGet(obj.int("limit")?)),
        "ColumnPaginationFilter" => {
            Ok(Filter::ColumnPagination { limit: obj.int("limit")?, offset: obj.int("offset")? })
        }
        "InclusiveStopFilter" => Ok(Filter::InclusiveStop(obj.bytes("value")?)),
        "TimestampsFilter" => {
            let mut timestamps = Vec::new();
            for (i, item) in obj.array("timestamps")?.iter().enumerate() {
                let ts = number(item).filter(|ts| *ts >= 0).ok_or_else(|| {
                    obj.error(format!("timestamps[{i}] must be a non-negative whole number, got {item}"))
                })?;
                timestamps.push(ts);
            }
            Ok(Filter::Timestamps(timestamps))
        }
        "MultiRowRangeFilter" => {
            let mut ranges = Vec::new();
            for (i, item) in obj.array("ranges")?.iter().enumerate() {
                let range = Obj::new(item, &format!("MultiRowRangeFilter ranges[{i}]"))?;
                ranges.push(RowRange {
                    start: range.bytes_or_empty("startRow")?,
                    start_inclusive: range.boolean("startRowInclusive", true)?,
                    stop: range.bytes_or_empty("stopRow")?,
                    stop_inclusive: range.boolean("stopRowInclusive", false)?,
                });
            }
            Ok(Filter::MultiRowRange(ranges))
        }
        "FilterList" => {
            let op = match obj.get("op") {
                None => ListOp::MustPassAll,
                Some(Value::String(op)) if op.eq_ignore_ascii_case("MUST_PASS_ALL") => ListOp::MustPassAll,
                Some(Value::String(op)) if op.eq_ignore_ascii_case("MUST_PASS_ONE") => ListOp::MustPassOne,
                Some(other) => {
                    return Err(obj.error(format!("\"op\" must be MUST_PASS_ALL or MUST_PASS_ONE, got {other}")));
                }
            };
            let members = obj.array("filters")?.iter().map(from_json).collect::<Result<Vec<_>>>()?;
            Ok(Filter::List(op, members))
        }
        "SkipFilter" => Ok(Filter::Skip(Box::new(obj.single_filter()?))),
        "WhileMatchFilter" => Ok(Filter::While(Box::new(obj.single_filter()?))),
        "DependentColumnFilter" | "RandomRowFilter" | "FuzzyRowFilter" => {
            Err(obj.error("this filter is not supported"))
        }
        _ => Err(Error::invalid(format!("filter JSON: unknown filter type '{kind}'"))),
    }
}

/// Writes one filter object.
pub(super) fn to_json(filter: &Filter) -> Value {
    match filter {
        Filter::Prefix(prefix) => json!({"type": "PrefixFilter", "value": encode(prefix)}),
        Filter::Row(op, c) => compare_json("RowFilter", *op, c),
        Filter::Family(op, c) => compare_json("FamilyFilter", *op, c),
        Filter::Qualifier(op, c) => compare_json("QualifierFilter", *op, c),
        Filter::Value(op, c) => compare_json("ValueFilter", *op, c),
        Filter::SingleColumnValue {
            family,
            qualifier,
            op,
            comparator,
            filter_if_missing,
            latest_version_only,
            exclude,
        } => json!({
            "type": scv_type(*exclude),
            "family": encode(family),
            "qualifier": encode(qualifier),
            "op": op.name(),
            "comparator": comparator_json(comparator),
            "ifMissing": filter_if_missing,
            "latestVersion": latest_version_only,
        }),
        Filter::ColumnValue { family, qualifier, op, comparator } => json!({
            "type": "ColumnValueFilter",
            "family": encode(family),
            "qualifier": encode(qualifier),
            "op": op.name(),
            "comparator": comparator_json(comparator),
        }),
        Filter::Page(size) => json!({"type": "PageFilter", "value": size.to_string()}),
        Filter::FirstKeyOnly => json!({"type": "FirstKeyOnlyFilter"}),
        Filter::KeyOnly { len_as_val: false } => json!({"type": "KeyOnlyFilter"}),
        Filter::KeyOnly { len_as_val: true } => json!({"type": "KeyOnlyFilter", "lenAsVal": true}),
        Filter::ColumnPrefix(prefix) => {
            json!({"type": "ColumnPrefixFilter", "value": encode(prefix)})
        }
        Filter::MultipleColumnPrefix(prefixes) => {
            let prefixes: Vec<String> = prefixes.iter().map(|p| encode(p)).collect();
            json!({"type": "MultipleColumnPrefixFilter", "prefixes": prefixes})
        }
        Filter::ColumnRange { min, min_inclusive, max, max_inclusive } => json!({
            "type": "ColumnRangeFilter",
            "minColumn": encode(min),
            "minColumnInclusive": min_inclusive,
            "maxColumn": encode(max),
            "maxColumnInclusive": max_inclusive,
        }),
        Filter::ColumnCountGet(limit) => json!({"type": "ColumnCountGetFilter", "limit": limit}),
        Filter::ColumnPagination { limit, offset } => {
            json!({"type": "ColumnPaginationFilter", "limit": limit, "offset": offset})
        }
        Filter::InclusiveStop(stop) => {
            json!({"type": "InclusiveStopFilter", "value": encode(stop)})
        }
        Filter::Timestamps(timestamps) => {
            json!({"type": "TimestampsFilter", "timestamps": timestamps})
        }
        Filter::MultiRowRange(ranges) => {
            let ranges: Vec<Value> = ranges
                .iter()
                .map(|r| {
                    json!({
                        "startRow": encode(&r.start),
                        "startRowInclusive": r.start_inclusive,
                        "stopRow": encode(&r.stop),
                        "stopRowInclusive": r.stop_inclusive,
                    })
                })
                .collect();
            json!({"type": "MultiRowRangeFilter", "ranges": ranges})
        }
        Filter::List(op, members) => {
            let members: Vec<Value> = members.iter().map(to_json).collect();
            json!({"type": "FilterList", "op": op.name(), "filters": members})
        }
        Filter::Skip(inner) => json!({"type": "SkipFilter", "filters": [to_json(inner)]}),
        Filter::While(inner) => json!({"type": "WhileMatchFilter", "filters": [to_json(inner)]}),
    }
}

fn scv_type(exclude: bool) -> &'static str {
    if exclude { "SingleColumnValueExcludeFilter" } else { "SingleColumnValueFilter" }
}

fn compare_json(kind: &str, op: CompareOp, comparator: &Comparator) -> Value {
    json!({"type": kind, "op": op.name(), "comparator": comparator_json(comparator)})
}

fn comparator_json(comparator: &Comparator) -> Value {
    let kind = comparator.type_name();
    match comparator {
        Comparator::Binary(v) | Comparator::BinaryPrefix(v) => {
            json!({"type": kind, "value": encode(v)})
        }
        Comparator::RegexString(regex) => json!({"type": kind, "value": regex.pattern()}),
        Comparator::Substring(text) => json!({"type": kind, "value": text}),
        Comparator::Null => json!({"type": kind}),
        Comparator::Long(n) => json!({"type": kind, "value": n.to_string()}),
        Comparator::Bit { value, op } => {
            json!({"type": kind, "value": encode(value), "op": op.name()})
        }
    }
}

fn encode(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// A whole number, written as a JSON number or a decimal string.
fn number(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A JSON object being read, with errors that name what it is.
struct Obj<'a> {
    map: &'a Map<String, Value>,
    what: String,
}

impl<'a> Obj<'a> {
    fn new(value: &'a Value, what: &str) -> Result<Self> {
        match value {
            Value::Object(map) => Ok(Obj { map, what: what.to_string() }),
            other => Err(Error::invalid(format!("filter JSON: {what} must be an object, got {other}"))),
        }
    }

    fn error(&self, message: impl std::fmt::Display) -> Error {
        Error::invalid(format!("filter JSON: {}: {message}", self.what))
    }

    /// A field; JSON `null` counts as absent, as HBase's model leaves unset fields null.
    fn get(&self, field: &str) -> Option<&'a Value> {
        self.map.get(field).filter(|v| !v.is_null())
    }

    fn str(&self, field: &str) -> Result<&'a str> {
        match self.get(field) {
            Some(Value::String(s)) => Ok(s.as_str()),
            Some(other) => Err(self.error(format!("\"{field}\" must be a string, got {other}"))),
            None => Err(self.error(format!("\"{field}\" is missing"))),
        }
    }

    fn decode(&self, value: &Value, field: &str) -> Result<Bytes> {
        let Value::String(text) = value else {
            return Err(self.error(format!("\"{field}\" must be a base64 string, got {value}")));
        };
        DECODER
            .decode(text.trim())
            .map(Bytes::from)
            .map_err(|e| self.error(format!("\"{field}\" is not valid base64 ({e}): {text}")))
    }

    fn bytes(&self, field: &str) -> Result<Bytes> {
        match self.get(field) {
            Some(value) => self.decode(value, field),
            None => Err(self.error(format!("\"{field}\" (base64) is missing"))),
        }
    }

    fn bytes_or_empty(&self, field: &str) -> Result<Bytes> {
        self.get(field).map_or(Ok(Bytes::new()), |value| self.decode(value, field))
    }

    fn boolean(&self, field: &str, default: bool) -> Result<bool> {
        match self.get(field) {
            None => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(true),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(false),
            Some(other) => Err(self.error(format!("\"{field}\" must be true or false, got {other}"))),
        }
    }

    fn number(&self, field: &str) -> Result<u64> {
        let value = self.get(field).ok_or_else(|| self.error(format!("\"{field}\" is missing")))?;
        number(value)
            .and_then(|n| u64::try_from(n).ok())
            .ok_or_else(|| self.error(format!("\"{field}\" must be a non-negative whole number, got {value}")))
    }

    /// A non-negative number that fits HBase's `int`.
    fn int(&self, field: &str) -> Result<u32> {
        let n = self.number(field)?;
        i32::try_from(n).map(|n| n as u32).map_err(|_| self.error(format!("\"{field}\" is out of range: {n}")))
    }

    fn array(&self, field: &str) -> Result<&'a Vec<Value>> {
        match self.get(field) {
            Some(Value::Array(items)) => Ok(items),
            Some(other) => Err(self.error(format!("\"{field}\" must be an array, got {other}"))),
            None => Err(self.error(format!("\"{field}\" (an array) is missing"))),
        }
    }

    fn op(&self) -> Result<CompareOp> {
        let name = self.str("op")?;
        CompareOp::from_name(name).ok_or_else(|| {
            self.error(format!(
                "\"op\" must be one of LESS, LESS_OR_EQUAL, EQUAL, NOT_EQUAL, GREATER_OR_EQUAL, GREATER, NO_OP; got {name}"
            ))
        })
    }

    fn comparator(&self) -> Result<Comparator> {
        let value = self.get("comparator").ok_or_else(|| self.error("\"comparator\" is missing"))?;
        let c = Obj::new(value, &format!("{} comparator", self.what))?;
        let kind = c.str("type")?;
        let c = Obj { what: format!("{} {kind}", self.what), ..c };
        match kind {
            "BinaryComparator" => Ok(Comparator::Binary(c.bytes("value")?)),
            "BinaryPrefixComparator" => Ok(Comparator::BinaryPrefix(c.bytes("value")?)),
            "RegexStringComparator" => Comparator::regex(c.str("value")?).map_err(|e| c.error(e)),
            "SubstringComparator" => Ok(Comparator::substring(c.str("value")?)),
            "NullComparator" => Ok(Comparator::Null),
            "LongComparator" => {
                let value = c.get("value").ok_or_else(|| c.error("\"value\" is missing"))?;
                number(value)
                    .map(Comparator::Long)
                    .ok_or_else(|| c.error(format!("\"value\" must be a whole number, got {value}")))
            }
            "BitComparator" => {
                let name = c.str("op")?;
                let op = BitOp::from_name(name)
                    .ok_or_else(|| c.error(format!("\"op\" must be AND, OR or XOR, got {name}")))?;
                Ok(Comparator::Bit { value: c.bytes("value")?, op })
            }
            _ => Err(self.error(format!("unknown comparator type '{kind}'"))),
        }
    }

    /// The one wrapped filter of SkipFilter and WhileMatchFilter.
    fn single_filter(&self) -> Result<Filter> {
        match self.array("filters")?.as_slice() {
            [inner] => from_json(inner),
            items => Err(self.error(format!("\"filters\" must hold exactly one filter, got {}", items.len()))),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn b(s: &'static str) -> Bytes {
        Bytes::from_static(s.as_bytes())
    }

    fn err(value: Value) -> String {
        match from_json(&value) {
            Ok(f) => panic!("{value} read as {f:?}"),
            Err(Error::InvalidArgument(message)) => message,
            Err(e) => panic!("{value}: wrong error kind {e:?}"),
        }
    }

    #[test]
    fn reads_hbase_examples() {
        assert_eq!(from_json(&json!({"type": "PrefixFilter", "value": "cm93"})).unwrap(), Filter::Prefix(b("row")));
        assert_eq!(
            from_json(&json!({"type": "RowFilter", "op": "EQUAL",
                "comparator": {"type": "BinaryComparator", "value": "dGVzdHJvdw=="}}))
            .unwrap(),
            Filter::Row(CompareOp::Equal, Comparator::Binary(b("testrow")))
        );
        assert_eq!(
            from_json(&json!({"type": "ColumnRangeFilter", "minColumn": "Zmx1ZmZ5", "minColumnInclusive": true,
                "maxColumn": "Zmx1ZmZ6", "maxColumnInclusive": false}))
            .unwrap(),
            Filter::ColumnRange { min: b("fluffy"), min_inclusive: true, max: b("fluffz"), max_inclusive: false }
        );
        assert_eq!(from_json(&json!({"type": "PageFilter", "value": "10"})).unwrap(), Filter::Page(10));
        assert_eq!(from_json(&json!({"type": "PageFilter", "value": 10})).unwrap(), Filter::Page(10));
    }

    #[test]
    fn reads_single_column_value_with_defaults() {
        let f = from_json(&json!({"type": "SingleColumnValueFilter", "family": "Y2Y=", "qualifier": "cQ==",
            "op": "GREATER", "comparator": {"type": "BinaryComparator", "value": "MTA="}}))
        .unwrap();
        assert_eq!(
            f,
            Filter::SingleColumnValue {
                family: b("cf"),
                qualifier: b("q"),
                op: CompareOp::Greater,
                comparator: Comparator::Binary(b("10")),
                filter_if_missing: false,
                latest_version_only: true,
                exclude: false,
            }
        );
        let f = from_json(&json!({"type": "SingleColumnValueExcludeFilter", "family": "Y2Y=",
            "op": "EQUAL", "comparator": {"type": "NullComparator"}, "ifMissing": true, "latestVersion": false}))
        .unwrap();
        assert_eq!(
            f,
            Filter::SingleColumnValue {
                family: b("cf"),
                qualifier: b(""),
                op: CompareOp::Equal,
                comparator: Comparator::Null,
                filter_if_missing: true,
                latest_version_only: false,
                exclude: true,
            }
        );
    }

    #[test]
    fn regex_and_substring_values_are_plain_text() {
        let f = from_json(&json!({"type": "ValueFilter", "op": "EQUAL",
            "comparator": {"type": "RegexStringComparator", "value": "^a.c$"}}))
        .unwrap();
        assert_eq!(f, Filter::Value(CompareOp::Equal, Comparator::regex("^a.c$").unwrap()));
        let f = from_json(&json!({"type": "QualifierFilter", "op": "NOT_EQUAL",
            "comparator": {"type": "SubstringComparator", "value": "ABC"}}))
        .unwrap();
        assert_eq!(f, Filter::Qualifier(CompareOp::NotEqual, Comparator::Substring("abc".into())));
        assert_eq!(to_json(&f)["comparator"], json!({"type": "SubstringComparator", "value": "abc"}));
    }

    #[test]
    fn padding_is_optional() {
        assert_eq!(from_json(&json!({"type": "PrefixFilter", "value": "YQ"})).unwrap(), Filter::Prefix(b("a")));
        assert_eq!(from_json(&json!({"type": "PrefixFilter", "value": "YQ=="})).unwrap(), Filter::Prefix(b("a")));
    }

    #[test]
    fn writes_hbase_shapes() {
        assert_eq!(to_json(&Filter::Prefix(b("row"))), json!({"type": "PrefixFilter", "value": "cm93"}));
        assert_eq!(to_json(&Filter::Page(7)), json!({"type": "PageFilter", "value": "7"}));
        assert_eq!(
            to_json(&Filter::List(
                ListOp::MustPassOne,
                vec![Filter::FirstKeyOnly, Filter::KeyOnly { len_as_val: false }]
            )),
            json!({"type": "FilterList", "op": "MUST_PASS_ONE",
                   "filters": [{"type": "FirstKeyOnlyFilter"}, {"type": "KeyOnlyFilter"}]})
        );
        assert_eq!(
            to_json(&Filter::Row(CompareOp::LessOrEqual, Comparator::BinaryPrefix(b("a")))),
            json!({"type": "RowFilter", "op": "LESS_OR_EQUAL",
                   "comparator": {"type": "BinaryPrefixComparator", "value": "YQ=="}})
        );
        assert_eq!(
            to_json(&Filter::While(Box::new(Filter::Timestamps(vec![1, 2])))),
            json!({"type": "WhileMatchFilter", "filters": [{"type": "TimestampsFilter", "timestamps": [1, 2]}]})
        );
    }

    #[test]
    fn every_variant_round_trips() {
        let filters = vec![
            Filter::Prefix(Bytes::from_static(b"\x00\xff")),
            Filter::Row(CompareOp::NoOp, Comparator::Binary(b("r"))),
            Filter::Family(CompareOp::Equal, Comparator::Bit { value: b("\x01"), op: BitOp::Xor }),
            Filter::Qualifier(CompareOp::NotEqual, Comparator::regex("x|y").unwrap()),
            Filter::Value(CompareOp::Less, Comparator::Long(-42)),
            Filter::Value(CompareOp::Equal, Comparator::Substring("sub".into())),
            Filter::Value(CompareOp::Equal, Comparator::Null),
            Filter::SingleColumnValue {
                family: b("f"),
                qualifier: b("q"),
                op: CompareOp::GreaterOrEqual,
                comparator: Comparator::BinaryPrefix(b("p")),
                filter_if_missing: true,
                latest_version_only: false,
                exclude: false,
            },
            Filter::ColumnValue {
                family: b("f"),
                qualifier: b(""),
                op: CompareOp::Greater,
                comparator: Comparator::Binary(b("v")),
            },
            Filter::Page(0),
            Filter::FirstKeyOnly,
            Filter::KeyOnly { len_as_val: true },
            Filter::KeyOnly { len_as_val: false },
            Filter::ColumnPrefix(b("c")),
            Filter::MultipleColumnPrefix(vec![b("a"), b("b")]),
            Filter::ColumnRange { min: b(""), min_inclusive: false, max: b("z"), max_inclusive: true },
            Filter::ColumnCountGet(3),
            Filter::ColumnPagination { limit: 2, offset: 1 },
            Filter::InclusiveStop(b("stop")),
            Filter::Timestamps(vec![0, 5, i64::MAX]),
            Filter::MultiRowRange(vec![
                RowRange { start: b("a"), start_inclusive: true, stop: b("c"), stop_inclusive: false },
                RowRange { start: b("x"), start_inclusive: false, stop: b(""), stop_inclusive: true },
            ]),
            Filter::List(ListOp::MustPassAll, vec![]),
            Filter::Skip(Box::new(Filter::List(ListOp::MustPassOne, vec![Filter::FirstKeyOnly, Filter::Page(2)]))),
            Filter::While(Box::new(Filter::Prefix(b("w")))),
        ];
        for filter in filters {
            let value = to_json(&filter);
            let text = serde_json::to_string(&value).unwrap();
            let back = from_json(&serde_json::from_str(&text).unwrap()).unwrap();
            assert_eq!(back, filter, "{text}");
        }
    }

    #[test]
    fn lenient_inputs() {
        assert_eq!(
            from_json(&json!({"type": "FilterList", "filters": [{"type": "FirstKeyOnlyFilter"}]})).unwrap(),
            Filter::List(ListOp::MustPassAll, vec![Filter::FirstKeyOnly])
        );
        assert_eq!(
            from_json(
                &json!({"type": "RowFilter", "op": "less", "comparator": {"type": "BinaryComparator", "value": "YQ=="}})
            )
            .unwrap(),
            Filter::Row(CompareOp::Less, Comparator::Binary(b("a")))
        );
        assert_eq!(
            from_json(&json!({"type": "TimestampsFilter", "timestamps": [1, "2"]})).unwrap(),
            Filter::Timestamps(vec![1, 2])
        );
        assert_eq!(
            from_json(&json!({"type": "SingleColumnValueFilter", "family": "Zg==", "qualifier": null, "op": "EQUAL",
                "comparator": {"type": "BinaryComparator", "value": ""}, "ifMissing": "true"}))
            .unwrap()
            .to_json()["ifMissing"],
            json!(true)
        );
    }

    #[test]
    fn errors_name_the_filter_and_field() {
        assert!(err(json!("PrefixFilter")).contains("filter must be an object"));
        assert!(err(json!({"value": "YQ=="})).contains("\"type\" is missing"));
        assert!(err(json!({"type": 5})).contains("\"type\" must be a string"));
        assert!(err(json!({"type": "NoSuchFilter"})).contains("unknown filter type 'NoSuchFilter'"));
        assert!(
            err(json!({"type": "RandomRowFilter", "chance": 0.5}))
                .contains("RandomRowFilter: this filter is not supported")
        );
        assert!(err(json!({"type": "PrefixFilter"})).contains("PrefixFilter: \"value\" (base64) is missing"));
        assert!(
            err(json!({"type": "PrefixFilter", "value": "not base64!"}))
                .contains("PrefixFilter: \"value\" is not valid base64")
        );
        assert!(err(json!({"type": "PrefixFilter", "value": 12})).contains("must be a base64 string"));
        assert!(
            err(json!({"type": "PageFilter", "value": "-1"}))
                .contains("PageFilter: \"value\" must be a non-negative whole number")
        );
        assert!(err(json!({"type": "PageFilter", "value": "ten"})).contains("non-negative whole number"));
        assert!(err(json!({"type": "ColumnCountGetFilter", "limit": 5000000000u64})).contains("out of range"));
        assert!(
            err(json!({"type": "RowFilter", "op": "LIKE", "comparator": {"type": "NullComparator"}}))
                .contains("\"op\" must be one of")
        );
        assert!(err(json!({"type": "RowFilter", "op": "EQUAL"})).contains("RowFilter: \"comparator\" is missing"));
        assert!(
            err(json!({"type": "RowFilter", "op": "EQUAL", "comparator": {"type": "FancyComparator"}}))
                .contains("unknown comparator type 'FancyComparator'")
        );
        assert!(
            err(json!({"type": "RowFilter", "op": "EQUAL", "comparator": {"type": "BinaryComparator"}}))
                .contains("RowFilter BinaryComparator: \"value\" (base64) is missing")
        );
        assert!(err(json!({"type": "RowFilter", "op": "EQUAL", "comparator": {"type": "RegexStringComparator", "value": "("}})).contains("not a valid regular expression"));
        assert!(err(json!({"type": "RowFilter", "op": "EQUAL", "comparator": {"type": "BitComparator", "value": "AQ==", "op": "NAND"}})).contains("AND, OR or XOR"));
        assert!(
            err(json!({"type": "RowFilter", "op": "EQUAL", "comparator": {"type": "LongComparator", "value": "x"}}))
                .contains("whole number")
        );
        assert!(
            err(json!({"type": "FilterList", "op": "ANY", "filters": []})).contains("MUST_PASS_ALL or MUST_PASS_ONE")
        );
        assert!(
            err(json!({"type": "FilterList", "op": "MUST_PASS_ALL"})).contains("\"filters\" (an array) is missing")
        );
        assert!(err(json!({"type": "FilterList", "filters": {}})).contains("\"filters\" must be an array"));
        assert!(err(json!({"type": "FilterList", "filters": [{"type": "PrefixFilter"}]})).contains("PrefixFilter"));
        assert!(err(json!({"type": "SkipFilter", "filters": []})).contains("exactly one filter, got 0"));
        assert!(err(json!({"type": "TimestampsFilter", "timestamps": [1, -2]})).contains("timestamps[1]"));
        assert!(
            err(json!({"type": "MultipleColumnPrefixFilter", "prefixes": ["YQ==", "YQ"]})).contains("must be distinct")
        );
        assert!(err(json!({"type": "MultiRowRangeFilter", "ranges": [5]})).contains("ranges[0] must be an object"));
        assert!(err(json!({"type": "KeyOnlyFilter", "lenAsVal": 1})).contains("\"lenAsVal\" must be true or false"));
    }
}
