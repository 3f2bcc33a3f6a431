//! MongoDB query filters (`{"age": {"$gt": 1}, "$or": [...]}`) checked once
//! ([`Filter::parse`]: unknown operators, bad operands and regular
//! expressions are errors, and nesting is bounded) and evaluated on
//! documents ([`Filter::matches`]) as MongoDB evaluates them: dotted paths
//! reach into subdocuments and through arrays, a condition on an array field
//! holds when it holds for the array or for one of its elements, and the
//! comparison operators only compare values of the same type bracket
//! ([`crate::order`]).

use bson::{Bson, Document};
use regex::Regex;

use crate::order::{bracket, compare, equal, number};

/// Deepest nesting of `$and`/`$or`/`$nor`/`$not`/`$elemMatch` a filter may have.
pub const MAX_DEPTH: usize = 32;

/// Why a filter was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError(pub String);

impl std::fmt::Display for FilterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FilterError {}

fn error<T>(message: impl Into<String>) -> Result<T, FilterError> {
    Err(FilterError(message.into()))
}

/// A checked filter.
#[derive(Debug, Clone)]
pub struct Filter {
    clauses: Vec<Clause>,
}

#[derive(Debug, Clone)]
enum Clause {
    And(Vec<Filter>),
    Or(Vec<Filter>),
    Nor(Vec<Filter>),
    Field(String, Vec<Condition>),
}

#[derive(Debug, Clone)]
enum Condition {
    Eq(Bson),
    Ne(Bson),
    Cmp(Cmp, Bson),
    In(Vec<Bson>, Vec<Regex>),
    Nin(Vec<Bson>, Vec<Regex>),
    Exists(bool),
    Regex(Regex),
    Size(usize),
    All(Vec<Bson>),
    ElemMatch(ElemMatch),
    Not(Vec<Condition>),
    Mod(i64, i64),
    Type(Vec<u8>),
}

#[derive(Debug, Clone, Copy)]
enum Cmp {
    Gt,
    Gte,
    Lt,
    Lte,
}

#[derive(Debug, Clone)]
enum ElemMatch {
    /// `{$elemMatch: {$gt: 1}}`: conditions on the element itself.
    Value(Vec<Condition>),
    /// `{$elemMatch: {qty: {$gt: 1}}}`: a filter on element documents.
    Document(Box<Filter>),
}

impl Filter {
    /// Checks `filter`.
    pub fn parse(filter: &Document) -> Result<Self, FilterError> {
        Self::parse_at(filter, 0)
    }

    fn parse_at(filter: &Document, depth: usize) -> Result<Self, FilterError> {
        if depth > MAX_DEPTH {
            return error(format!("the filter nests deeper than {MAX_DEPTH} levels"));
        }
        let mut clauses = Vec::with_capacity(filter.len());
        for (key, value) in filter {
            let clause = match key.as_str() {
                "$and" => Clause::And(filters(key, value, depth)?),
                "$or" => Clause::Or(filters(key, value, depth)?),
                "$nor" => Clause::Nor(filters(key, value, depth)?),
                op if op.starts_with('$') => return error(format!("unknown top level operator: {op}")),
                field => Clause::Field(field.to_string(), conditions(value, depth)?),
            };
            clauses.push(clause);
        }
        Ok(Filter { clauses })
    }

    /// Whether `document` matches.
    pub fn matches(&self, document: &Document) -> bool {
        self.clauses.iter().all(|clause| match clause {
            Clause::And(all) => all.iter().all(|f| f.matches(document)),
            Clause::Or(any) => any.iter().any(|f| f.matches(document)),
            Clause::Nor(none) => !none.iter().any(|f| f.matches(document)),
            Clause::Field(path, conditions) => {
                let values = lookup(document, path);
                conditions.iter().all(|c| c.holds(&values))
            }
        })
    }
}

fn filters(op: &str, value: &Bson, depth: usize) -> Result<Vec<Filter>, FilterError> {
    let Bson::Array(items) = value else { return error(format!("{op} must be an array")) };
    if items.is_empty() {
        return error(format!("{op} must be a nonempty array"));
    }
    items
        .iter()
        .map(|item| match item {
            Bson::Document(d) => Filter::parse_at(d, depth + 1),
            _ => error(format!("{op}'s entries must be objects")),
        })
        .collect()
}

/// The conditions of one field: an operator document, or a value to equal.
fn conditions(value: &Bson, depth: usize) -> Result<Vec<Condition>, FilterError> {
    match value {
        Bson::Document(ops) if ops.keys().next().is_some_and(|k| k.starts_with('$')) => {
            let mut out = Vec::with_capacity(ops.len());
            let options = ops.get_str("$options").ok();
            for (op, operand) in ops {
                out.push(match op.as_str() {
                    "$eq" => Condition::Eq(operand.clone()),
                    "$ne" => Condition::Ne(operand.clone()),
                    "$gt" => Condition::Cmp(Cmp::Gt, operand.clone()),
                    "$gte" => Condition::Cmp(Cmp::Gte, operand.clone()),
                    "$lt" => Condition::Cmp(Cmp::Lt, operand.clone()),
                    "$lte" => Condition::Cmp(Cmp::Lte, operand.clone()),
                    "$in" => {
                        let (values, regexes) = set(op, operand)?;
                        Condition::In(values, regexes)
                    }
                    "$nin" => {
                        let (values, regexes) = set(op, operand)?;
                        Condition::Nin(values, regexes)
                    }
                    "$exists" => Condition::Exists(truthy(operand)),
                    "$regex" => Condition::Regex(regex(operand, options)?),
                    "$options" if ops.contains_key("$regex") => continue,
                    "$size" => match number(operand) {
                        Some(n) if n >= 0.0 && n.fract() == 0.0 => Condition::Size(n as usize),
                        _ => return error("$size needs a whole number, not negative"),
                    },
                    "$all" => match operand {
                        Bson::Array(items) => Condition::All(items.clone()),
                        _ => return error("$all needs an array"),
                    },
                    "$elemMatch" => match operand {
                        Bson::Document(inner) if depth >= MAX_DEPTH => {
                            let _ = inner;
                            return error(format!("the filter nests deeper than {MAX_DEPTH} levels"));
                        }
                        Bson::Document(inner) if inner.keys().next().is_some_and(|k| k.starts_with('$')) => {
                            Condition::ElemMatch(ElemMatch::Value(conditions(operand, depth + 1)?))
                        }
                        Bson::Document(inner) => {
                            Condition::ElemMatch(ElemMatch::Document(Box::new(Filter::parse_at(inner, depth + 1)?)))
                        }
                        _ => return error("$elemMatch needs an object"),
                    },
                    "$not" => match operand {
                        Bson::Document(_) if depth < MAX_DEPTH => Condition::Not(conditions(operand, depth + 1)?),
                        Bson::RegularExpression(_) => Condition::Not(vec![Condition::Regex(regex(operand, None)?)]),
                        Bson::Document(_) => return error(format!("the filter nests deeper than {MAX_DEPTH} levels")),
                        _ => return error("$not needs a regex or an object"),
                    },
                    "$mod" => match operand {
                        Bson::Array(pair) if pair.len() == 2 => match (integer(&pair[0]), integer(&pair[1])) {
                            (Some(0), _) => return error("$mod's divisor must not be 0"),
                            (Some(d), Some(r)) => Condition::Mod(d, r),
                            _ => return error("$mod needs [divisor, remainder] as numbers"),
                        },
                        _ => return error("$mod needs [divisor, remainder]"),
                    },
                    "$type" => Condition::Type(types(operand)?),
                    other => return error(format!("unknown operator: {other}")),
                });
            }
            Ok(out)
        }
        Bson::RegularExpression(_) => Ok(vec![Condition::Regex(regex(value, None)?)]),
        _ => Ok(vec![Condition::Eq(value.clone())]),
    }
}

fn set(op: &str, operand: &Bson) -> Result<(Vec<Bson>, Vec<Regex>), FilterError> {
    let Bson::Array(items) = operand else { return error(format!("{op} needs an array")) };
    let mut values = Vec::new();
    let mut regexes = Vec::new();
    for item in items {
        match item {
            Bson::RegularExpression(_) => regexes.push(regex(item, None)?),
            _ => values.push(item.clone()),
        }
    }
    Ok((values, regexes))
}

fn truthy(value: &Bson) -> bool {
    match value {
        Bson::Boolean(b) => *b,
        Bson::Null | Bson::Undefined => false,
        other => number(other).is_none_or(|n| n != 0.0),
    }
}

fn integer(value: &Bson) -> Option<i64> {
    match value {
        Bson::Int32(v) => Some(i64::from(*v)),
        Bson::Int64(v) => Some(*v),
        // MongoDB truncates a fractional divisor or remainder.
        other => number(other).filter(|n| n.is_finite() && n.abs() < 9.2e18).map(|n| n.trunc() as i64),
    }
}

/// A regular expression from `$regex` (a string or a BSON regex) and its options.
fn regex(value: &Bson, options: Option<&str>) -> Result<Regex, FilterError> {
    let (pattern, own) = match value {
        Bson::String(p) => (p.as_str(), ""),
        Bson::RegularExpression(r) => (r.pattern.as_str(), r.options.as_str()),
        _ => return error("$regex needs a string"),
    };
    let mut flags = String::new();
    for flag in options.unwrap_or(own).chars() {
        match flag {
            'i' | 'm' | 's' | 'x' => flags.push(flag),
            other => return error(format!("invalid flag in regex options: {other}")),
        }
    }
    let full = if flags.is_empty() { pattern.to_string() } else { format!("(?{flags}){pattern}") };
    regex::RegexBuilder::new(&full)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| FilterError(format!("invalid regular expression /{pattern}/: {e}")))
}

/// `$type` operands: names or numbers of BSON types, as the brackets they select.
fn types(operand: &Bson) -> Result<Vec<u8>, FilterError> {
    let one = |t: &Bson| -> Result<u8, FilterError> {
        let code = match t {
            Bson::String(name) => match name.as_str() {
                "double" => 1,
                "string" => 2,
                "object" => 3,
                "array" => 4,
                "binData" => 5,
                "objectId" => 7,
                "bool" => 8,
                "date" => 9,
                "null" => 10,
                "regex" => 11,
                "int" => 16,
                "timestamp" => 17,
                "long" => 18,
                "decimal" => 19,
                "number" => 0,
                other => return error(format!("unknown type name alias: {other}")),
            },
            other => match integer(other) {
                Some(n) if (0..=19).contains(&n) => n as u8,
                _ => return error("$type needs a type name or number"),
            },
        };
        Ok(code)
    };
    match operand {
        Bson::Array(items) => items.iter().map(one).collect(),
        single => Ok(vec![one(single)?]),
    }
}

fn type_code(value: &Bson) -> u8 {
    match value {
        Bson::Double(_) => 1,
        Bson::String(_) => 2,
        Bson::Document(_) => 3,
        Bson::Array(_) => 4,
        Bson::Binary(_) => 5,
        Bson::Undefined => 6,
        Bson::ObjectId(_) => 7,
        Bson::Boolean(_) => 8,
        Bson::DateTime(_) => 9,
        Bson::Null => 10,
        Bson::RegularExpression(_) => 11,
        Bson::DbPointer(_) => 12,
        Bson::JavaScriptCode(_) => 13,
        Bson::Symbol(_) => 14,
        Bson::JavaScriptCodeWithScope(_) => 15,
        Bson::Int32(_) => 16,
        Bson::Timestamp(_) => 17,
        Bson::Int64(_) => 18,
        Bson::Decimal128(_) => 19,
        Bson::MinKey => 20,
        Bson::MaxKey => 21,
    }
}

/// What a dotted path reaches in `document`: every value, through arrays
/// (an array is a value itself, and its elements are searched on). Empty
/// when the path leads nowhere.
pub fn lookup<'a>(document: &'a Document, path: &str) -> Vec<&'a Bson> {
    let mut out = Vec::new();
    let (head, rest) = match path.split_once('.') {
        Some((head, rest)) => (head, Some(rest)),
        None => (path, None),
    };
    if let Some(value) = document.get(head) {
        descend(value, rest, &mut out);
    }
    out
}

fn descend<'a>(value: &'a Bson, rest: Option<&str>, out: &mut Vec<&'a Bson>) {
    let Some(rest) = rest else {
        out.push(value);
        return;
    };
    let (head, tail) = match rest.split_once('.') {
        Some((head, tail)) => (head, Some(tail)),
        None => (rest, None),
    };
    match value {
        Bson::Document(inner) => {
            if let Some(next) = inner.get(head) {
                descend(next, tail, out);
            }
        }
        Bson::Array(items) => {
            // A numeric part indexes the array; any part also searches its documents.
            if let Ok(index) = head.parse::<usize>()
                && let Some(item) = items.get(index)
            {
                descend(item, tail, out);
            }
            for item in items {
                if let Bson::Document(inner) = item
                    && let Some(next) = inner.get(head)
                {
                    descend(next, tail, out);
                }
            }
        }
        _ => {}
    }
}

/// The values a condition sees: each value, and the elements of each array value.
fn with_elements<'a>(values: &[&'a Bson]) -> impl Iterator<Item = &'a Bson> {
    values.iter().flat_map(|v| {
        let elements: &'a [Bson] = match v {
            Bson::Array(items) => items,
            _ => &[],
        };
        std::iter::once(*v).chain(elements.iter())
    })
}

fn equals_any(values: &[&Bson], target: &Bson) -> bool {
    // A missing field equals null.
    (values.is_empty() && matches!(target, Bson::Null)) || with_elements(values).any(|v| equal(v, target))
}

fn in_set(values: &[&Bson], set: &[Bson], regexes: &[Regex]) -> bool {
    set.iter().any(|target| equals_any(values, target))
        || with_elements(values).any(|v| matches!(v, Bson::String(s) if regexes.iter().any(|r| r.is_match(s))))
}

impl Condition {
    fn holds(&self, values: &[&Bson]) -> bool {
        match self {
            Condition::Eq(target) => equals_any(values, target),
            Condition::Ne(target) => !equals_any(values, target),
            Condition::Cmp(cmp, target) => with_elements(values).any(|v| {
                bracket(v) == bracket(target) && {
                    let order = compare(v, target);
                    match cmp {
                        Cmp::Gt => order.is_gt(),
                        Cmp::Gte => order.is_ge(),
                        Cmp::Lt => order.is_lt(),
                        Cmp::Lte => order.is_le(),
                    }
                }
            }),
            Condition::In(set, regexes) => in_set(values, set, regexes),
            Condition::Nin(set, regexes) => !in_set(values, set, regexes),
            Condition::Exists(wanted) => values.is_empty() != *wanted,
            Condition::Regex(re) => with_elements(values).any(|v| match v {
                Bson::String(s) | Bson::Symbol(s) => re.is_match(s),
                _ => false,
            }),
            Condition::Size(n) => values.iter().any(|v| matches!(v, Bson::Array(items) if items.len() == *n)),
            Condition::All(targets) => {
                !targets.is_empty()
                    && targets.iter().all(|t| match t {
                        Bson::Document(d) if d.contains_key("$elemMatch") => {
                            conditions(t, 0).is_ok_and(|cs| cs.iter().all(|c| c.holds(values)))
                        }
                        _ => equals_any(values, t),
                    })
            }
            Condition::ElemMatch(inner) => values.iter().any(|v| match v {
                Bson::Array(items) => items.iter().any(|item| match inner {
                    ElemMatch::Value(cs) => cs.iter().all(|c| c.holds(&[item])),
                    ElemMatch::Document(filter) => matches!(item, Bson::Document(d) if filter.matches(d)),
                }),
                _ => false,
            }),
            Condition::Not(cs) => !cs.iter().all(|c| c.holds(values)),
            Condition::Mod(divisor, remainder) => with_elements(values).any(|v| match v {
                Bson::Int32(_) | Bson::Int64(_) | Bson::Double(_) | Bson::Decimal128(_) => {
                    integer(v).is_some_and(|n| n.wrapping_rem(*divisor) == *remainder)
                }
                _ => false,
            }),
            Condition::Type(codes) => with_elements(values).any(|v| {
                let code = type_code(v);
                codes.iter().any(|c| *c == code || (*c == 0 && bracket(v) == 2))
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use bson::doc;

    use super::*;

    fn people() -> Vec<Document> {
        vec![
            doc! {"name": "ann", "age": 31, "tags": ["a", "b"], "address": {"city": "Oslo"},
            "orders": [{"sku": "x", "qty": 2}, {"sku": "y", "qty": 7}]},
            doc! {"name": "bob", "age": 25.0, "tags": ["b"], "address": {"city": "Bergen"}, "orders": []},
            doc! {"name": "cid", "age": "40", "tags": [], "nick": null},
            doc! {"name": "dan", "age": 40_i64, "address": [{"city": "Oslo"}, {"city": "Rome"}]},
        ]
    }

    fn names(filter: Document) -> Vec<String> {
        let filter = Filter::parse(&filter).unwrap_or_else(|e| panic!("{filter}: {e}"));
        people()
            .iter()
            .filter(|d| filter.matches(d))
            .map(|d| d.get_str("name").unwrap_or_default().to_string())
            .collect()
    }

    #[test]
    fn equality_and_comparison_follow_type_brackets() {
        assert_eq!(names(doc! {"age": 25}), ["bob"]);
        assert_eq!(names(doc! {"age": {"$gt": 30}}), ["ann", "dan"], "the string \"40\" is not a number");
        assert_eq!(names(doc! {"age": {"$gte": "4"}}), ["cid"]);
        assert_eq!(names(doc! {"age": {"$ne": 40}}), ["ann", "bob", "cid"]);
        assert_eq!(names(doc! {"nick": null}), ["ann", "bob", "cid", "dan"], "missing equals null");
        assert_eq!(names(doc! {"nick": {"$exists": true}}), ["cid"]);
        assert_eq!(names(doc! {"age": {"$in": [25, "40"]}}), ["bob", "cid"]);
        assert_eq!(names(doc! {"age": {"$nin": [25, "40"]}}), ["ann", "dan"]);
    }

    #[test]
    fn paths_reach_into_documents_and_through_arrays() {
        assert_eq!(names(doc! {"tags": "b"}), ["ann", "bob"]);
        assert_eq!(names(doc! {"tags": ["b"]}), ["bob"], "a whole array equals an array");
        assert_eq!(names(doc! {"address.city": "Oslo"}), ["ann", "dan"]);
        assert_eq!(names(doc! {"orders.qty": {"$gt": 5}}), ["ann"]);
        assert_eq!(names(doc! {"orders.1.sku": "y"}), ["ann"]);
        assert_eq!(names(doc! {"tags": {"$size": 0}}), ["cid"]);
        assert_eq!(names(doc! {"tags": {"$all": ["a", "b"]}}), ["ann"]);
        assert_eq!(names(doc! {"orders": {"$elemMatch": {"sku": "x", "qty": {"$gte": 2}}}}), ["ann"]);
        assert_eq!(names(doc! {"orders": {"$elemMatch": {"sku": "x", "qty": 7}}}), Vec::<String>::new());
    }

    #[test]
    fn logic_regex_and_other_operators() {
        assert_eq!(names(doc! {"$or": [{"name": "ann"}, {"age": 25}]}), ["ann", "bob"]);
        assert_eq!(names(doc! {"$nor": [{"name": "ann"}, {"age": 25}]}), ["cid", "dan"]);
        assert_eq!(names(doc! {"$and": [{"age": {"$gt": 20}}, {"age": {"$lt": 35}}]}), ["ann", "bob"]);
        assert_eq!(names(doc! {"name": {"$regex": "^[AB]", "$options": "i"}}), ["ann", "bob"]);
        assert_eq!(names(doc! {"name": {"$not": {"$regex": "n$"}}}), ["bob", "cid"]);
        assert_eq!(names(doc! {"age": {"$mod": [2, 1]}}), ["ann", "bob"]);
        assert_eq!(names(doc! {"age": {"$type": "string"}}), ["cid"]);
        assert_eq!(names(doc! {"age": {"$type": "number"}}), ["ann", "bob", "dan"]);
    }

    #[test]
    fn bad_filters_are_errors_not_panics() {
        for bad in [
            doc! {"$where": "1"},
            doc! {"age": {"$gtx": 1}},
            doc! {"$or": []},
            doc! {"$or": {"a": 1}},
            doc! {"name": {"$regex": "("}},
            doc! {"name": {"$regex": "a", "$options": "q"}},
            doc! {"age": {"$mod": [0, 1]}},
            doc! {"age": {"$size": -1}},
            doc! {"age": {"$type": "nothing"}},
        ] {
            assert!(Filter::parse(&bad).is_err(), "{bad}");
        }
        let mut deep = doc! {"a": 1};
        for _ in 0..100 {
            deep = doc! {"$and": [deep]};
        }
        let err = Filter::parse(&deep).unwrap_err();
        assert!(err.0.contains("nests deeper"), "{err}");
    }
}
