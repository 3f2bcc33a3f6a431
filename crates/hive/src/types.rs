//! Hive's type system in Arrow terms: parsing Hive type names
//! (`decimal(10,2)`, `map<string,array<int>>`) into Arrow types, and naming
//! Arrow types the way Hive does.

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Fields, TimeUnit};

use crate::error::{Error, Result};

/// Hive's default decimal, `decimal` with no precision.
const DEFAULT_DECIMAL: (u8, i8) = (10, 0);

/// The Arrow type ENMA stores a Hive type as.
pub fn parse_hive_type(text: &str) -> Result<DataType> {
    let mut p = TypeParser { s: text.as_bytes(), pos: 0, text };
    let t = p.parse()?;
    p.skip_ws();
    if p.pos != p.s.len() {
        return Err(p.error());
    }
    Ok(t)
}

/// Canonical lowercase form of a Hive type name, as DESCRIBE prints it.
pub fn normalize_hive_type(text: &str) -> Result<String> {
    Ok(hive_type_name(&parse_hive_type(text)?)).map(|n| match char_or_varchar(text) {
        Some(cv) => cv,
        None => n,
    })
}

/// CHAR(n) and VARCHAR(n) both store as strings; keep their declared names.
fn char_or_varchar(text: &str) -> Option<String> {
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_lowercase();
    (t.starts_with("varchar(") || t.starts_with("char(")).then_some(t)
}

/// Hive's name for an Arrow type (`int`, `array<string>`, `struct<a:int>`).
pub fn hive_type_name(t: &DataType) -> String {
    match t {
        DataType::Null => "void".into(),
        DataType::Boolean => "boolean".into(),
        DataType::Int8 | DataType::UInt8 => "tinyint".into(),
        DataType::Int16 | DataType::UInt16 => "smallint".into(),
        DataType::Int32 | DataType::UInt32 => "int".into(),
        DataType::Int64 | DataType::UInt64 => "bigint".into(),
        DataType::Float16 | DataType::Float32 => "float".into(),
        DataType::Float64 => "double".into(),
        DataType::Decimal32(p, s)
        | DataType::Decimal64(p, s)
        | DataType::Decimal128(p, s)
        | DataType::Decimal256(p, s) => {
            format!("decimal({p},{s})")
        }
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => "string".into(),
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView | DataType::FixedSizeBinary(_) => {
            "binary".into()
        }
        DataType::Date32 | DataType::Date64 => "date".into(),
        DataType::Timestamp(..) => "timestamp".into(),
        DataType::List(f) | DataType::LargeList(f) | DataType::ListView(f) | DataType::FixedSizeList(f, _) => {
            format!("array<{}>", hive_type_name(f.data_type()))
        }
        DataType::Map(entries, _) => match entries.data_type() {
            DataType::Struct(kv) if kv.len() == 2 => {
                format!("map<{},{}>", hive_type_name(kv[0].data_type()), hive_type_name(kv[1].data_type()))
            }
            other => format!("map<{other}>"),
        },
        DataType::Struct(fields) => format!(
            "struct<{}>",
            fields
                .iter()
                .map(|f| format!("{}:{}", f.name(), hive_type_name(f.data_type())))
                .collect::<Vec<_>>()
                .join(",")
        ),
        DataType::Dictionary(_, v) => hive_type_name(v),
        DataType::Interval(_) | DataType::Duration(_) => "interval_day_time".into(),
        other => other.to_string().to_ascii_lowercase(),
    }
}

struct TypeParser<'a> {
    s: &'a [u8],
    pos: usize,
    text: &'a str,
}

impl TypeParser<'_> {
    fn error(&self) -> Error {
        Error::parse(format!("cannot parse type '{}' at position {}", self.text, self.pos))
    }
    fn skip_ws(&mut self) {
        while self.pos < self.s.len() && self.s[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
    }
    fn word(&mut self) -> String {
        self.skip_ws();
        let start = self.pos;
        while self.pos < self.s.len() && (self.s[self.pos].is_ascii_alphanumeric() || self.s[self.pos] == b'_') {
            self.pos += 1;
        }
        self.text[start..self.pos].to_ascii_lowercase()
    }
    /// A field name inside struct<>: a word or a `quoted` identifier.
    fn field_name(&mut self) -> Result<String> {
        self.skip_ws();
        if self.peek() == Some(b'`') {
            self.pos += 1;
            let start = self.pos;
            while self.pos < self.s.len() && self.s[self.pos] != b'`' {
                self.pos += 1;
            }
            let name = self.text[start..self.pos].to_string();
            self.expect(b'`')?;
            return Ok(name);
        }
        let w = self.word();
        if w.is_empty() { Err(self.error()) } else { Ok(w) }
    }
    fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.s.get(self.pos).copied()
    }
    fn expect(&mut self, c: u8) -> Result<()> {
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error())
        }
    }
    fn number(&mut self) -> Result<u32> {
        let w = self.word();
        w.parse().map_err(|_| self.error())
    }
    fn parse(&mut self) -> Result<DataType> {
        let w = self.word();
        Ok(match w.as_str() {
            "tinyint" => DataType::Int8,
            "smallint" => DataType::Int16,
            "int" | "integer" => DataType::Int32,
            "bigint" => DataType::Int64,
            "float" => DataType::Float32,
            "double" => {
                // DOUBLE PRECISION
                let save = self.pos;
                if self.word() != "precision" {
                    self.pos = save;
                }
                DataType::Float64
            }
            "boolean" => DataType::Boolean,
            "string" => DataType::Utf8,
            "varchar" | "char" => {
                self.expect(b'(')?;
                let n = self.number()?;
                self.expect(b')')?;
                if n == 0 || n > 65535 {
                    return Err(Error::parse(format!("{w} length must be between 1 and 65535: {n}")));
                }
                DataType::Utf8
            }
            "binary" => DataType::Binary,
            "date" => DataType::Date32,
            "timestamp" => DataType::Timestamp(TimeUnit::Nanosecond, None),
            "decimal" | "numeric" => {
                let (mut p, mut s) = DEFAULT_DECIMAL;
                if self.peek() == Some(b'(') {
                    self.pos += 1;
                    p = self.number()? as u8;
                    s = 0;
                    if self.peek() == Some(b',') {
                        self.pos += 1;
                        s = self.number()? as i8;
                    }
                    self.expect(b')')?;
                }
                if p == 0 || p > 38 || s < 0 || s as u8 > p {
                    return Err(Error::parse(format!("invalid decimal precision/scale ({p},{s}) in '{}'", self.text)));
                }
                DataType::Decimal128(p, s)
            }
            "array" => {
                self.expect(b'<')?;
                let inner = self.parse()?;
                self.expect(b'>')?;
                DataType::List(Arc::new(Field::new("item", inner, true)))
            }
            "map" => {
                self.expect(b'<')?;
                let k = self.parse()?;
                self.expect(b',')?;
                let v = self.parse()?;
                self.expect(b'>')?;
                map_type(k, v)
            }
            "struct" => {
                self.expect(b'<')?;
                let mut fields = Vec::new();
                loop {
                    let name = self.field_name()?;
                    self.expect(b':')?;
                    let t = self.parse()?;
                    // Hive allows `name:type COMMENT 'x'` inside struct; comments are dropped.
                    fields.push(Field::new(name, t, true));
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b'>') => {
                            self.pos += 1;
                            break;
                        }
                        _ => return Err(self.error()),
                    }
                }
                DataType::Struct(Fields::from(fields))
            }
            _ => return Err(Error::parse(format!("unknown Hive type '{}'", self.text))),
        })
    }
}

/// Whether a (normalised) Hive type name is one of the integer types.
pub fn is_integer_type(hive_type: &str) -> bool {
    matches!(hive_type, "tinyint" | "smallint" | "int" | "bigint")
}

/// The length of a `varchar(n)` type; `None` for other types.
pub fn varchar_length(hive_type: &str) -> Option<i64> {
    hive_type.strip_prefix("varchar(")?.strip_suffix(')')?.parse().ok()
}

/// Arrow's map type with Hive's field names.
pub fn map_type(key: DataType, value: DataType) -> DataType {
    DataType::Map(
        Arc::new(Field::new(
            "entries",
            DataType::Struct(Fields::from(vec![Field::new("key", key, false), Field::new("value", value, true)])),
            false,
        )),
        false,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_names() {
        for t in [
            "int",
            "bigint",
            "decimal(10,2)",
            "array<string>",
            "map<string,array<int>>",
            "struct<a:int,b:map<string,double>>",
            "timestamp",
            "date",
            "binary",
        ] {
            assert_eq!(hive_type_name(&parse_hive_type(t).unwrap()), t);
        }
        assert_eq!(normalize_hive_type("VARCHAR( 10 )").unwrap(), "varchar(10)");
        assert_eq!(normalize_hive_type("DECIMAL").unwrap(), "decimal(10,0)");
        assert!(parse_hive_type("map<int>").is_err());
        assert!(parse_hive_type("decimal(40,2)").is_err());
    }
}
