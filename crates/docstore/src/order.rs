//! How MongoDB orders and compares values: first by type bracket (null <
//! numbers < strings < documents < arrays < binary < ObjectId < booleans <
//! dates < timestamps < regular expressions), then within the bracket.
//! Numbers of every width compare by value, so `1`, `1i64` and `1.0` are equal.

use std::cmp::Ordering;

use bson::Bson;

/// The rank of a value's type bracket in MongoDB's sort order.
pub fn bracket(value: &Bson) -> u8 {
    match value {
        Bson::MinKey => 0,
        Bson::Null | Bson::Undefined => 1,
        Bson::Int32(_) | Bson::Int64(_) | Bson::Double(_) | Bson::Decimal128(_) => 2,
        Bson::String(_) | Bson::Symbol(_) => 3,
        Bson::Document(_) => 4,
        Bson::Array(_) => 5,
        Bson::Binary(_) => 6,
        Bson::ObjectId(_) => 7,
        Bson::Boolean(_) => 8,
        Bson::DateTime(_) => 9,
        Bson::Timestamp(_) => 10,
        Bson::RegularExpression(_) => 11,
        Bson::DbPointer(_) | Bson::JavaScriptCode(_) | Bson::JavaScriptCodeWithScope(_) => 12,
        Bson::MaxKey => 13,
    }
}

/// A number as `f64` (Decimal128 through its decimal text), or `None`.
pub fn number(value: &Bson) -> Option<f64> {
    match value {
        Bson::Int32(v) => Some(f64::from(*v)),
        Bson::Int64(v) => Some(*v as f64),
        Bson::Double(v) => Some(*v),
        Bson::Decimal128(d) => d.to_string().parse().ok(),
        _ => None,
    }
}

/// A number's bytes in an order-preserving form (as big-endian bytes they
/// sort as the numbers do; -0.0 is 0.0).
pub fn number_bytes(n: f64) -> [u8; 8] {
    let n = if n == 0.0 { 0.0 } else { n };
    let bits = n.to_bits();
    let bits = if n.is_sign_negative() { !bits } else { bits ^ (1 << 63) };
    bits.to_be_bytes()
}

fn compare_numbers(a: &Bson, b: &Bson) -> Ordering {
    match (a, b) {
        // Exact for integers, which f64 would round past 2^53.
        (Bson::Int32(x), Bson::Int32(y)) => x.cmp(y),
        (Bson::Int64(x), Bson::Int64(y)) => x.cmp(y),
        (Bson::Int32(x), Bson::Int64(y)) => i64::from(*x).cmp(y),
        (Bson::Int64(x), Bson::Int32(y)) => x.cmp(&i64::from(*y)),
        _ => {
            let (x, y) = (number(a).unwrap_or(f64::NAN), number(b).unwrap_or(f64::NAN));
            // MongoDB sorts NaN below every other number.
            match (x.is_nan(), y.is_nan()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Less,
                (false, true) => Ordering::Greater,
                (false, false) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
            }
        }
    }
}

/// MongoDB's total order of values.
pub fn compare(a: &Bson, b: &Bson) -> Ordering {
    let by_bracket = bracket(a).cmp(&bracket(b));
    if by_bracket != Ordering::Equal {
        return by_bracket;
    }
    match (a, b) {
        (Bson::String(x) | Bson::Symbol(x), Bson::String(y) | Bson::Symbol(y)) => x.cmp(y),
        (Bson::Document(x), Bson::Document(y)) => {
            for ((kx, vx), (ky, vy)) in x.iter().zip(y.iter()) {
                let field = compare(vx, vy).then_with(|| kx.cmp(ky));
                if field != Ordering::Equal {
                    return field;
                }
            }
            x.len().cmp(&y.len())
        }
        (Bson::Array(x), Bson::Array(y)) => {
            for (vx, vy) in x.iter().zip(y.iter()) {
                let element = compare(vx, vy);
                if element != Ordering::Equal {
                    return element;
                }
            }
            x.len().cmp(&y.len())
        }
        (Bson::Binary(x), Bson::Binary(y)) => x
            .bytes
            .len()
            .cmp(&y.bytes.len())
            .then_with(|| u8::from(x.subtype).cmp(&u8::from(y.subtype)))
            .then_with(|| x.bytes.cmp(&y.bytes)),
        (Bson::ObjectId(x), Bson::ObjectId(y)) => x.bytes().cmp(&y.bytes()),
        (Bson::Boolean(x), Bson::Boolean(y)) => x.cmp(y),
        (Bson::DateTime(x), Bson::DateTime(y)) => x.timestamp_millis().cmp(&y.timestamp_millis()),
        (Bson::Timestamp(x), Bson::Timestamp(y)) => (x.time, x.increment).cmp(&(y.time, y.increment)),
        (Bson::RegularExpression(x), Bson::RegularExpression(y)) => {
            (x.pattern.as_str(), x.options.as_str()).cmp(&(y.pattern.as_str(), y.options.as_str()))
        }
        _ if bracket(a) == 2 => compare_numbers(a, b),
        _ => Ordering::Equal,
    }
}

/// Whether two values are equal as MongoDB's `$eq` sees them.
pub fn equal(a: &Bson, b: &Bson) -> bool {
    bracket(a) == bracket(b) && compare(a, b) == Ordering::Equal
}

#[cfg(test)]
mod tests {
    use bson::{bson, oid::ObjectId};

    use super::*;

    #[test]
    fn brackets_first_then_values() {
        let oid = Bson::ObjectId(ObjectId::from_bytes([0; 12]));
        let date = Bson::DateTime(bson::DateTime::from_millis(0));
        let sorted = vec![
            Bson::Null,
            bson!(1_i64),
            bson!(2.5),
            bson!("a"),
            bson!("b"),
            bson!({"a": 1}),
            bson!([1, 2]),
            oid,
            bson!(true),
            date,
        ];
        let mut shuffled = sorted.clone();
        shuffled.reverse();
        shuffled.swap(0, 4);
        shuffled.sort_by(compare);
        assert_eq!(shuffled, sorted);
    }

    #[test]
    fn numbers_compare_by_value_across_widths() {
        assert!(equal(&bson!(1), &bson!(1.0)));
        assert!(equal(&bson!(1_i64), &bson!(1)));
        assert!(!equal(&bson!(1), &bson!("1")));
        assert_eq!(compare(&bson!(9_007_199_254_740_993_i64), &bson!(9_007_199_254_740_992_i64)), Ordering::Greater);
        assert_eq!(compare(&bson!(f64::NAN), &bson!(-1e300)), Ordering::Less);
    }
}
