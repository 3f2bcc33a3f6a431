//! Hive's common type of several arguments, as `FunctionRegistry` finds it
//! for comparisons and for functions whose result is one of their arguments
//! (greatest, least, if, coalesce, array, map): a string among them makes
//! everything a string; among numbers, integers widen to the widest,
//! integers with decimals become a decimal wide enough for both, and a float
//! or double with a decimal becomes a double.

use arrow::datatypes::DataType;

/// Integer digits and scale of the decimal that holds every value of an
/// integer type, as Hive widens integers to decimals.
fn integer_as_decimal(t: &DataType) -> Option<(u8, i8)> {
    Some(match t {
        DataType::Int8 | DataType::UInt8 => (3, 0),
        DataType::Int16 | DataType::UInt16 => (5, 0),
        DataType::Int32 | DataType::UInt32 => (10, 0),
        DataType::Int64 => (19, 0),
        DataType::UInt64 => (20, 0),
        DataType::Decimal32(p, s) | DataType::Decimal64(p, s) | DataType::Decimal128(p, s) => (*p, *s),
        DataType::Decimal256(p, s) => ((*p).min(38), *s),
        _ => return None,
    })
}

pub fn is_string(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
}

pub fn is_integer(t: &DataType) -> bool {
    t.is_integer()
}

pub fn is_decimal(t: &DataType) -> bool {
    matches!(t, DataType::Decimal32(..) | DataType::Decimal64(..) | DataType::Decimal128(..) | DataType::Decimal256(..))
}

pub fn is_numeric(t: &DataType) -> bool {
    t.is_integer() || t.is_floating() || is_decimal(t)
}

fn integer_rank(t: &DataType) -> u8 {
    match t {
        DataType::Int8 | DataType::UInt8 => 1,
        DataType::Int16 | DataType::UInt16 => 2,
        DataType::Int32 | DataType::UInt32 => 3,
        _ => 4,
    }
}

/// The decimal that holds values of both decimal (or integer) types.
pub fn common_decimal(a: (u8, i8), b: (u8, i8)) -> DataType {
    let scale = a.1.max(b.1).max(0);
    let int_digits = (a.0 as i16 - a.1 as i16).max(b.0 as i16 - b.1 as i16).max(1);
    let precision = (int_digits + scale as i16).min(38) as u8;
    DataType::Decimal128(precision, scale.min(precision as i8))
}

/// The type Hive compares and returns values of `types` in; NULL-typed
/// arguments take the type of the others. `None` when there is none.
pub fn common_type(types: &[DataType]) -> Option<DataType> {
    let typed: Vec<&DataType> = types.iter().filter(|t| !matches!(t, DataType::Null)).collect();
    let Some(first) = typed.first() else {
        return Some(DataType::Null);
    };
    if typed.iter().all(|t| t == first) {
        return Some(if is_string(first) { DataType::Utf8 } else { (*first).clone() });
    }
    if typed.iter().any(|t| is_string(t)) {
        return Some(DataType::Utf8);
    }
    if typed.iter().all(|t| is_numeric(t)) {
        if typed.iter().any(|t| matches!(t, DataType::Float64)) {
            return Some(DataType::Float64);
        }
        if typed.iter().any(|t| t.is_floating()) {
            let with_decimal = typed.iter().any(|t| is_decimal(t));
            return Some(if with_decimal { DataType::Float64 } else { DataType::Float32 });
        }
        if typed.iter().any(|t| is_decimal(t)) {
            let mut acc = integer_as_decimal(first)?;
            for t in &typed[1..] {
                let DataType::Decimal128(p, s) = common_decimal(acc, integer_as_decimal(t)?) else { return None };
                acc = (p, s);
            }
            return Some(DataType::Decimal128(acc.0, acc.1));
        }
        let widest = typed.iter().max_by_key(|t| integer_rank(t))?;
        return Some(match integer_rank(widest) {
            1 => DataType::Int8,
            2 => DataType::Int16,
            3 => DataType::Int32,
            _ => DataType::Int64,
        });
    }
    let temporal = |t: &DataType| matches!(t, DataType::Date32 | DataType::Date64 | DataType::Timestamp(..));
    if typed.iter().all(|t| temporal(t)) {
        return typed
            .iter()
            .find(|t| matches!(t, DataType::Timestamp(..)))
            .map(|t| (*t).clone())
            .or(Some(DataType::Date32));
    }
    if typed.iter().all(|t| is_numeric(t) || temporal(t) || matches!(t, DataType::Boolean)) {
        return Some(DataType::Utf8);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_win_and_nulls_are_neutral() {
        assert_eq!(common_type(&[DataType::Int64, DataType::Utf8, DataType::Date32]), Some(DataType::Utf8));
        assert_eq!(common_type(&[DataType::Null, DataType::Int32]), Some(DataType::Int32));
        assert_eq!(common_type(&[DataType::Null]), Some(DataType::Null));
    }

    #[test]
    fn numbers_widen_as_hive() {
        assert_eq!(common_type(&[DataType::Int8, DataType::Int16, DataType::Int64]), Some(DataType::Int64));
        assert_eq!(
            common_type(&[DataType::Float32, DataType::Float64, DataType::Decimal128(10, 0)]),
            Some(DataType::Float64)
        );
        assert_eq!(common_type(&[DataType::Int32, DataType::Decimal128(2, 1)]), Some(DataType::Decimal128(11, 1)));
        assert_eq!(
            common_type(&[DataType::Decimal128(3, 1), DataType::Decimal128(5, 3)]),
            Some(DataType::Decimal128(5, 3))
        );
    }
}
