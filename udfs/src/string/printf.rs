//! `printf(format, args...)`: the arguments formatted by a Java
//! `java.util.Formatter` format string. Supported: `%s %S %b %B %c %C %d %o
//! %x %X %e %E %f %g %G %a %A %h %H %% %n`, argument indexes (`%2$s`),
//! flags `- # + space 0 , (`, width and precision. A NULL argument prints as
//! `null` (`false` for `%b`); a conversion Java would reject (`%d` of a
//! double) makes the result NULL.
//!
//! Arguments keep their Hive types: `%x` of an INT is 32-bit two's
//! complement, of a BIGINT 64-bit; doubles use Java's shortest digits and
//! round half up; binaries print as hex bytes separated by spaces.

use std::ops::RangeInclusive;
use std::sync::{Arc, LazyLock};

use arrow::array::{Array, ArrayRef, AsArray, StringArray};
use arrow::datatypes::{DataType, Float32Type, Float64Type};
use datafusion::common::Result;
use datafusion::logical_expr::Documentation;

use super::format_number::{Digits, Number, Rounding, group, number_digits};
use crate::common::text::{MAX_RESULT_BYTES, TextFunction, at, bytes_at, ints, is_binary, strings};
use crate::doc::hive_doc;
use crate::hive_text::{format_f32, format_f64};

#[derive(Debug, Default, PartialEq, Eq, Hash)]
pub struct Printf;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    hive_doc(
        "printf(String format, Obj... args)",
        "the arguments formatted by the Java Formatter format string",
        "> SELECT printf('Hello World %d %s', 100, 'days');\n Hello World 100 days",
    )
});

impl TextFunction for Printf {
    fn name(&self) -> &'static str {
        "printf"
    }
    fn arity(&self) -> RangeInclusive<usize> {
        1..=usize::MAX
    }
    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }
    fn doc(&self) -> &'static Documentation {
        &DOC
    }
    fn eval(&self, args: &[ArrayRef], rows: usize) -> Result<ArrayRef> {
        let format = strings(&args[0])?;
        let columns = args[1..].iter().map(Column::of).collect::<Result<Vec<_>>>()?;
        let out: StringArray = (0..rows)
            .map(|i| {
                let f = at(&format, i)?;
                let values: Vec<Arg> = columns.iter().map(|c| c.get(i)).collect();
                printf(f, &values)
            })
            .collect();
        Ok(Arc::new(out))
    }
}

/// One argument value with the Java type Hive passes for it.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Null,
    Bool(bool),
    /// An integer and its width in bits (8 for TINYINT ... 64 for BIGINT).
    Int(i64, u32),
    Float(f32),
    Double(f64),
    Decimal(Digits),
    Str(String),
    Bytes(Vec<u8>),
}

/// An argument column, converted once per batch.
enum Column {
    Bools(ArrayRef),
    Ints(arrow::array::Int64Array, u32),
    Floats(ArrayRef),
    Doubles(ArrayRef),
    Decimals(Vec<Option<Number>>),
    Bytes(ArrayRef),
    Texts(StringArray),
}

impl Column {
    fn of(a: &ArrayRef) -> Result<Column> {
        let t = a.data_type();
        Ok(match t {
            DataType::Boolean => Column::Bools(a.clone()),
            DataType::Int8 | DataType::UInt8 => Column::Ints(ints(a)?, 8),
            DataType::Int16 | DataType::UInt16 => Column::Ints(ints(a)?, 16),
            DataType::Int32 | DataType::UInt32 => Column::Ints(ints(a)?, 32),
            DataType::Int64 | DataType::UInt64 => Column::Ints(ints(a)?, 64),
            DataType::Float32 => Column::Floats(a.clone()),
            DataType::Float64 => Column::Doubles(a.clone()),
            DataType::Decimal32(..) | DataType::Decimal64(..) | DataType::Decimal128(..) | DataType::Decimal256(..) => {
                Column::Decimals(number_digits(a)?)
            }
            _ if is_binary(t) => Column::Bytes(a.clone()),
            _ => Column::Texts(strings(a)?),
        })
    }

    fn get(&self, i: usize) -> Arg {
        match self {
            Column::Bools(a) if a.is_valid(i) => Arg::Bool(a.as_boolean().value(i)),
            Column::Ints(a, bits) if a.is_valid(i) => Arg::Int(a.value(i), *bits),
            Column::Floats(a) if a.is_valid(i) => Arg::Float(a.as_primitive::<Float32Type>().value(i)),
            Column::Doubles(a) if a.is_valid(i) => Arg::Double(a.as_primitive::<Float64Type>().value(i)),
            Column::Decimals(a) => match &a[i] {
                Some(Number::Exact(d)) => Arg::Decimal(d.clone()),
                _ => Arg::Null,
            },
            Column::Bytes(a) if a.is_valid(i) => Arg::Bytes(bytes_at(a, i).to_vec()),
            Column::Texts(a) if a.is_valid(i) => Arg::Str(a.value(i).to_string()),
            _ => Arg::Null,
        }
    }
}

/// A parsed `%...` specifier.
#[derive(Debug, Default)]
struct Spec {
    index: Option<usize>,
    left: bool,
    alt: bool,
    plus: bool,
    space: bool,
    zero: bool,
    comma: bool,
    paren: bool,
    width: usize,
    precision: Option<usize>,
    conv: char,
}

/// `format` filled with `args`; None when Java would throw.
pub fn printf(format: &str, args: &[Arg]) -> Option<String> {
    let chars: Vec<char> = format.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    let mut next_arg = 0;
    while i < chars.len() {
        if chars[i] != '%' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        i += 1;
        let mut spec = Spec::default();
        // argument index: digits followed by '$'
        let digits_end = (i..chars.len()).find(|&k| !chars[k].is_ascii_digit()).unwrap_or(chars.len());
        if digits_end > i && chars.get(digits_end) == Some(&'$') {
            spec.index = chars[i..digits_end].iter().collect::<String>().parse().ok();
            i = digits_end + 1;
        }
        while let Some(&c) = chars.get(i) {
            match c {
                '-' => spec.left = true,
                '#' => spec.alt = true,
                '+' => spec.plus = true,
                ' ' => spec.space = true,
                '0' => spec.zero = true,
                ',' => spec.comma = true,
                '(' => spec.paren = true,
                _ => break,
            }
            i += 1;
        }
        while let Some(d) = chars.get(i).and_then(|c| c.to_digit(10)) {
            spec.width = spec.width.saturating_mul(10).saturating_add(d as usize);
            i += 1;
        }
        if chars.get(i) == Some(&'.') {
            i += 1;
            let mut p: usize = 0;
            while let Some(d) = chars.get(i).and_then(|c| c.to_digit(10)) {
                p = p.saturating_mul(10).saturating_add(d as usize);
                i += 1;
            }
            spec.precision = Some(p);
        }
        if spec.width > MAX_RESULT_BYTES || p_too_long(spec.precision) {
            return None;
        }
        spec.conv = *chars.get(i)?;
        i += 1;
        let body = match spec.conv {
            '%' => "%".to_string(),
            'n' => "\n".to_string(),
            _ => {
                let arg = match spec.index {
                    Some(n) => args.get(n.checked_sub(1)?)?,
                    None => {
                        next_arg += 1;
                        args.get(next_arg - 1)?
                    }
                };
                convert(&spec, arg)?
            }
        };
        out.push_str(&pad(&spec, body));
    }
    Some(out)
}

fn p_too_long(precision: Option<usize>) -> bool {
    precision.is_some_and(|p| p > MAX_RESULT_BYTES)
}

fn pad(spec: &Spec, body: String) -> String {
    let len = body.chars().count();
    if len >= spec.width {
        return body;
    }
    let fill = " ".repeat(spec.width - len);
    if spec.left { body + &fill } else { fill + &body }
}

/// One conversion of one argument (before width padding).
fn convert(spec: &Spec, arg: &Arg) -> Option<String> {
    let upper = spec.conv.is_ascii_uppercase();
    let text = match spec.conv.to_ascii_lowercase() {
        'b' => truncate(spec, (!matches!(arg, Arg::Null | Arg::Bool(false))).to_string()),
        's' => truncate(spec, to_java_string(arg)),
        'h' => truncate(spec, if *arg == Arg::Null { "null".into() } else { format!("{:x}", java_hash(arg)) }),
        'c' => match arg {
            Arg::Null => "null".into(),
            Arg::Int(v, bits) if *bits <= 32 => char::from_u32(u32::try_from(*v).ok()?)?.to_string(),
            _ => return None,
        },
        'd' => match arg {
            Arg::Null => "null".into(),
            Arg::Int(v, _) => signed(spec, v.is_negative(), v.unsigned_abs().to_string(), true),
            _ => return None,
        },
        'o' | 'x' => match arg {
            Arg::Null => "null".into(),
            Arg::Int(v, bits) => {
                let u = (*v as u64) & if *bits == 64 { u64::MAX } else { (1u64 << bits) - 1 };
                let (digits, prefix) = if spec.conv.eq_ignore_ascii_case(&'x') {
                    (format!("{u:x}"), "0x")
                } else {
                    (format!("{u:o}"), "0")
                };
                let prefix = if spec.alt { prefix } else { "" };
                let mut s = digits;
                if spec.zero {
                    while s.len() + prefix.len() < spec.width {
                        s.insert(0, '0');
                    }
                }
                format!("{prefix}{s}")
            }
            _ => return None,
        },
        'e' | 'f' | 'g' => {
            let n = match arg {
                Arg::Null => return Some(pad_null(spec)),
                Arg::Float(v) => Number::Double(*v as f64),
                Arg::Double(v) => Number::Double(*v),
                Arg::Decimal(d) => Number::Exact(d.clone()),
                _ => return None,
            };
            if let Number::Double(v) = n
                && !v.is_finite()
            {
                let s = if v.is_nan() { "NaN".to_string() } else { signed(spec, v < 0.0, "Infinity".into(), false) };
                return Some(if upper { s.to_uppercase() } else { s });
            }
            floating(spec, &n)
        }
        'a' => match arg {
            Arg::Null => "null".into(),
            Arg::Double(v) => hex_float(*v),
            Arg::Float(v) => hex_float(*v as f64),
            Arg::Decimal(d) => hex_float(to_java_string(&Arg::Decimal(d.clone())).parse().ok()?),
            _ => return None,
        },
        _ => return None,
    };
    Some(if upper { text.to_uppercase() } else { text })
}

fn pad_null(spec: &Spec) -> String {
    truncate(spec, "null".into())
}

fn truncate(spec: &Spec, s: String) -> String {
    match spec.precision {
        Some(p) => s.chars().take(p).collect(),
        None => s,
    }
}

/// Sign, grouping and zero padding of a number's magnitude text.
fn signed(spec: &Spec, negative: bool, magnitude: String, integral: bool) -> String {
    let (int, frac) = match magnitude.split_once('.') {
        Some((i, f)) => (i.to_string(), Some(f.to_string())),
        None => (magnitude, None),
    };
    let int = if spec.comma && (integral || frac.is_some() || int.bytes().all(|b| b.is_ascii_digit())) {
        group(&int, 3)
    } else {
        int
    };
    let mut body = match frac {
        Some(f) => format!("{int}.{f}"),
        None => int,
    };
    let (lead, trail) = match (negative, spec.paren, spec.plus, spec.space) {
        (true, true, _, _) => ("(", ")"),
        (true, false, _, _) => ("-", ""),
        (false, _, true, _) => ("+", ""),
        (false, _, false, true) => (" ", ""),
        _ => ("", ""),
    };
    if spec.zero {
        while body.chars().count() + lead.len() + trail.len() < spec.width {
            body.insert(0, '0');
        }
    }
    format!("{lead}{body}{trail}")
}

/// `%e`, `%f`, `%g` of a double or decimal, rounding half up.
fn floating(spec: &Spec, n: &Number) -> String {
    let d = match n {
        Number::Double(v) => Digits::shortest(*v),
        Number::Exact(d) => d.clone(),
    };
    let negative = d.negative && !(matches!(n, Number::Exact(_)) && d.is_zero());
    let precision = spec.precision.unwrap_or(6);
    let conv = spec.conv.to_ascii_lowercase();
    let text = match conv {
        'f' => fixed(&d, precision),
        'e' => scientific(&d, precision),
        _ => {
            let p = precision.max(1);
            let r = scientific_digits(&d, p);
            let exp10 = if r.is_zero() { 0 } else { r.exp - 1 };
            if r.is_zero() || (-4..p as i64).contains(&exp10) {
                fixed(&d, (p as i64 - 1 - exp10).max(0) as usize)
            } else {
                scientific(&d, p - 1)
            }
        }
    };
    let mut spec_g = Spec { comma: spec.comma && conv != 'e', ..Spec::default() };
    spec_g.zero = spec.zero;
    spec_g.width = spec.width;
    spec_g.plus = spec.plus;
    spec_g.space = spec.space;
    spec_g.paren = spec.paren;
    let mut s = signed(&spec_g, negative, text, false);
    if spec.alt && precision == 0 && conv == 'f' {
        s.push('.');
    }
    s
}

fn fixed(d: &Digits, precision: usize) -> String {
    let r = d.round(precision as i64, Rounding::HalfUp);
    let (int, frac) = r.split(precision);
    let int = if int.is_empty() { "0".to_string() } else { int };
    if precision == 0 { int } else { format!("{int}.{frac}") }
}

/// `d` rounded half up to `significant` digits.
fn scientific_digits(d: &Digits, significant: usize) -> Digits {
    if d.is_zero() {
        return d.clone();
    }
    d.round(significant as i64 - d.exp, Rounding::HalfUp)
}

fn scientific(d: &Digits, precision: usize) -> String {
    let r = scientific_digits(d, precision + 1);
    let exp10 = if r.is_zero() { 0 } else { r.exp - 1 };
    let shifted = Digits { exp: if r.is_zero() { 0 } else { 1 }, ..r };
    let mantissa = fixed(&shifted, precision);
    let sign = if exp10 < 0 { '-' } else { '+' };
    format!("{mantissa}e{sign}{:02}", exp10.abs())
}

/// Java's `Double.toHexString`.
fn hex_float(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    let sign = if v.is_sign_negative() { "-" } else { "" };
    if v.is_infinite() {
        return format!("{sign}Infinity");
    }
    if v == 0.0 {
        return format!("{sign}0x0.0p0");
    }
    let bits = v.to_bits();
    let exp = ((bits >> 52) & 0x7FF) as i64;
    let mantissa = bits & ((1u64 << 52) - 1);
    let mut m = format!("{mantissa:013x}");
    while m.len() > 1 && m.ends_with('0') {
        m.pop();
    }
    if exp == 0 { format!("{sign}0x0.{m}p-1022") } else { format!("{sign}0x1.{m}p{}", exp - 1023) }
}

/// Java's `toString` of the argument.
fn to_java_string(arg: &Arg) -> String {
    let mut out = String::new();
    match arg {
        Arg::Null => out.push_str("null"),
        Arg::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Arg::Int(v, _) => out.push_str(&v.to_string()),
        Arg::Float(v) => format_f32(*v, &mut out),
        Arg::Double(v) => format_f64(*v, &mut out),
        Arg::Decimal(d) => {
            let (int, frac) = d.split(d.fraction_len() as usize);
            let int = if int.is_empty() { "0".to_string() } else { int };
            if d.negative && !d.is_zero() {
                out.push('-');
            }
            out.push_str(&int);
            if !frac.is_empty() {
                out.push('.');
                out.push_str(&frac);
            }
        }
        Arg::Str(s) => out.push_str(s),
        Arg::Bytes(b) => out.push_str(&b.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" ")),
    }
    out
}

/// Java's `hashCode` of the argument's boxed value.
fn java_hash(arg: &Arg) -> u32 {
    match arg {
        Arg::Null => 0,
        Arg::Bool(b) => {
            if *b {
                1231
            } else {
                1237
            }
        }
        Arg::Int(v, 64) => (*v as u64 ^ (*v as u64 >> 32)) as u32,
        Arg::Int(v, _) => *v as i32 as u32,
        Arg::Float(v) => v.to_bits(),
        Arg::Double(v) => {
            let b = v.to_bits();
            (b ^ (b >> 32)) as u32
        }
        other => {
            let s = to_java_string(other);
            s.encode_utf16().fold(0u32, |h, u| h.wrapping_mul(31).wrapping_add(u as u32))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Arg {
        Arg::Str(v.into())
    }

    #[test]
    fn java_formatter_conversions() {
        assert_eq!(printf("Hello World %d %s", &[Arg::Int(100, 32), s("days")]).unwrap(), "Hello World 100 days");
        let all = [
            Arg::Bool(false),
            Arg::Int(65, 32),
            Arg::Int(15000, 32),
            Arg::Decimal(Digits::from_unscaled(123400, 4)),
            Arg::Decimal(Digits::from_unscaled(27183240051, 6)),
            Arg::Decimal(Digits::from_unscaled(230041, 2)),
            Arg::Int(50, 32),
            s("corret"),
            Arg::Decimal(Digits::from_unscaled(256125, 3)),
        ];
        assert_eq!(
            printf("All Type Test: %b, %c, %d, %e, %+10.4f, %g, %h, %s, %a", &all).unwrap(),
            "All Type Test: false, A, 15000, 1.234000e+01, +27183.2401, 2300.41, 32, corret, 0x1.002p8"
        );
        let nulls = [
            s("red"),
            Arg::Null,
            Arg::Int(123456, 32),
            Arg::Int(89, 32),
            Arg::Null,
            Arg::Int(255, 32),
            Arg::Double(3.14259),
            Arg::Null,
        ];
        assert_eq!(
            printf("Color %s, String Null: %s, number1 %d, number2 %05d, Integer Null: %d, hex %#x, float %5.2f Double Null: %f\n", &nulls).unwrap(),
            "Color red, String Null: null, number1 123456, number2 00089, Integer Null: null, hex 0xff, float  3.14 Double Null: null\n"
        );
    }

    #[test]
    fn more_java_cases() {
        assert_eq!(
            printf("%.2f %s %5s|%-5s|", &[Arg::Double(0.125), Arg::Double(1.0), s("ab"), s("cd")]).unwrap(),
            "0.13 1.0    ab|cd   |"
        );
        assert_eq!(printf("%x %x", &[Arg::Int(-1, 32), Arg::Int(-1, 64)]).unwrap(), "ffffffff ffffffffffffffff");
        let args = [
            Arg::Int(1234567, 32),
            Arg::Double(-3.14259),
            Arg::Double(0.0001234),
            Arg::Double(0.0001234),
            Arg::Double(123456789.0),
        ];
        assert_eq!(
            printf("%,d %08.3f %e %g %g", &args).unwrap(),
            "1,234,567 -003.143 1.234000e-04 0.000123400 1.23457e+08"
        );
        assert_eq!(printf("%d", &[Arg::Double(1.5)]), None);
        assert_eq!(printf("%b %c", &[Arg::Null, s("A")]), None);
        assert_eq!(printf("%s", &[Arg::Bytes(vec![0x61, 0, 0x62])]).unwrap(), "61 00 62");
        assert_eq!(printf("%2$s %1$s", &[s("a"), s("b")]).unwrap(), "b a");
        assert_eq!(printf("%99999999999999999999d", &[Arg::Int(1, 32)]), None);
    }
}
