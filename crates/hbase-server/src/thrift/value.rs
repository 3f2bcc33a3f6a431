//! Thrift values without generated code: any struct read off the wire becomes
//! a tree of field ids and values, and replies are written from the same tree.
//!
//! No Thrift compiler is part of the build, so instead of one generated type
//! per IDL struct, the service reads each call's arguments as a [`Struct`]
//! and picks fields by id, with typed accessors that turn a missing or
//! mistyped argument into an `IllegalArgument` for the client rather than a
//! dropped connection. Reading never trusts the peer: nesting is bounded,
//! container sizes are bounded by the protocol's `TConfiguration`, and the
//! server reads strings with [`read_struct_with`], whose [`Strings`] let a
//! buffer grow with the bytes that arrive instead of the length announced.

use bytes::Bytes;
use thrift::protocol::{
    TFieldIdentifier, TInputProtocol, TListIdentifier, TMapIdentifier, TOutputProtocol, TSetIdentifier,
    TStructIdentifier, TType,
};
use thrift::{ProtocolError, ProtocolErrorKind};

use super::service::Fault;

/// How deeply containers and structs may nest in a message we read; Hbase's
/// IDL needs four levels, and a bound keeps a hostile peer from exhausting the stack.
const MAX_DEPTH: usize = 32;

/// One Thrift value. `Binary` covers both of the IDL's `string` and `binary`,
/// which share one wire encoding.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Bool(bool),
    Byte(i8),
    I16(i16),
    I32(i32),
    I64(i64),
    Double(f64),
    Binary(Bytes),
    Uuid([u8; 16]),
    Struct(Struct),
    /// Element type and elements (the type is needed to write an empty list).
    List(TType, Vec<Value>),
    Set(TType, Vec<Value>),
    /// Key type, value type and entries.
    Map(TType, TType, Vec<(Value, Value)>),
}

/// A struct's fields by id, in the order they were read or added.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Struct {
    fields: Vec<(i16, Value)>,
}

impl Value {
    /// A `binary` (or `string`) value from anything byte-like.
    pub fn binary(bytes: impl Into<Bytes>) -> Value {
        Value::Binary(bytes.into())
    }

    /// A list whose elements all have type `element`.
    pub fn list(element: TType, items: Vec<Value>) -> Value {
        Value::List(element, items)
    }

    fn ttype(&self) -> TType {
        match self {
            Value::Bool(_) => TType::Bool,
            Value::Byte(_) => TType::I08,
            Value::I16(_) => TType::I16,
            Value::I32(_) => TType::I32,
            Value::I64(_) => TType::I64,
            Value::Double(_) => TType::Double,
            Value::Binary(_) => TType::String,
            Value::Uuid(_) => TType::Uuid,
            Value::Struct(_) => TType::Struct,
            Value::List(..) => TType::List,
            Value::Set(..) => TType::Set,
            Value::Map(..) => TType::Map,
        }
    }

    /// The IDL's name for this value's type, for error messages.
    fn type_name(&self) -> &'static str {
        match self {
            Value::Bool(_) => "bool",
            Value::Byte(_) => "byte",
            Value::I16(_) => "i16",
            Value::I32(_) => "i32",
            Value::I64(_) => "i64",
            Value::Double(_) => "double",
            Value::Binary(_) => "binary",
            Value::Uuid(_) => "uuid",
            Value::Struct(_) => "struct",
            Value::List(..) => "list",
            Value::Set(..) => "set",
            Value::Map(..) => "map",
        }
    }

    pub fn as_binary(&self, what: &str) -> Result<&Bytes, Fault> {
        match self {
            Value::Binary(b) => Ok(b),
            other => Err(mistyped(what, "binary", other)),
        }
    }

    pub fn as_struct(&self, what: &str) -> Result<&Struct, Fault> {
        match self {
            Value::Struct(s) => Ok(s),
            other => Err(mistyped(what, "struct", other)),
        }
    }
}

fn mistyped(what: &str, expected: &str, got: &Value) -> Fault {
    Fault::IllegalArgument(format!("{what} must be a {expected}, not a {}", got.type_name()))
}

fn missing(what: &str) -> Fault {
    Fault::IllegalArgument(format!("{what} is missing"))
}

impl Struct {
    pub fn new() -> Self {
        Struct::default()
    }

    /// Adds a field; builder style, for replies.
    pub fn with(mut self, id: i16, value: Value) -> Self {
        self.fields.push((id, value));
        self
    }

    /// Adds a field when there is a value (an unset `optional` field otherwise).
    pub fn with_opt(self, id: i16, value: Option<Value>) -> Self {
        match value {
            Some(v) => self.with(id, v),
            None => self,
        }
    }

    /// The field with this id; the last one if a peer sent it twice.
    pub fn get(&self, id: i16) -> Option<&Value> {
        self.fields.iter().rev().find(|(i, _)| *i == id).map(|(_, v)| v)
    }

    // Typed accessors. `what` names the argument in the client's error message.

    pub fn binary(&self, id: i16, what: &str) -> Result<&Bytes, Fault> {
        self.opt_binary(id, what)?.ok_or_else(|| missing(what))
    }

    pub fn opt_binary(&self, id: i16, what: &str) -> Result<Option<&Bytes>, Fault> {
        self.get(id).map(|v| v.as_binary(what)).transpose()
    }

    /// A `string` field as text.
    pub fn opt_text(&self, id: i16, what: &str) -> Result<Option<&str>, Fault> {
        match self.opt_binary(id, what)? {
            None => Ok(None),
            Some(b) => std::str::from_utf8(b)
                .map(Some)
                .map_err(|_| Fault::IllegalArgument(format!("{what} is not valid UTF-8"))),
        }
    }

    pub fn i32(&self, id: i16, what: &str) -> Result<i32, Fault> {
        self.opt_i32(id, what)?.ok_or_else(|| missing(what))
    }

    pub fn opt_i32(&self, id: i16, what: &str) -> Result<Option<i32>, Fault> {
        match self.get(id) {
            None => Ok(None),
            Some(Value::I32(v)) => Ok(Some(*v)),
            Some(other) => Err(mistyped(what, "i32", other)),
        }
    }

    pub fn i64(&self, id: i16, what: &str) -> Result<i64, Fault> {
        self.opt_i64(id, what)?.ok_or_else(|| missing(what))
    }

    pub fn opt_i64(&self, id: i16, what: &str) -> Result<Option<i64>, Fault> {
        match self.get(id) {
            None => Ok(None),
            Some(Value::I64(v)) => Ok(Some(*v)),
            Some(other) => Err(mistyped(what, "i64", other)),
        }
    }

    pub fn opt_bool(&self, id: i16, what: &str) -> Result<Option<bool>, Fault> {
        match self.get(id) {
            None => Ok(None),
            Some(Value::Bool(v)) => Ok(Some(*v)),
            Some(other) => Err(mistyped(what, "bool", other)),
        }
    }

    pub fn structure(&self, id: i16, what: &str) -> Result<&Struct, Fault> {
        self.get(id).ok_or_else(|| missing(what))?.as_struct(what)
    }

    pub fn opt_structure(&self, id: i16, what: &str) -> Result<Option<&Struct>, Fault> {
        self.get(id).map(|v| v.as_struct(what)).transpose()
    }

    /// A `list` (or `set`) field's elements; `None` when the field is unset.
    pub fn opt_list(&self, id: i16, what: &str) -> Result<Option<&[Value]>, Fault> {
        match self.get(id) {
            None => Ok(None),
            Some(Value::List(_, items) | Value::Set(_, items)) => Ok(Some(items)),
            Some(other) => Err(mistyped(what, "list", other)),
        }
    }

    pub fn list(&self, id: i16, what: &str) -> Result<&[Value], Fault> {
        self.opt_list(id, what)?.ok_or_else(|| missing(what))
    }
}

fn too_deep() -> thrift::Error {
    thrift::Error::Protocol(ProtocolError::new(
        ProtocolErrorKind::DepthLimit,
        format!("values nest deeper than {MAX_DEPTH} levels"),
    ))
}

/// How `binary` and `string` values are read. The protocols' own
/// `read_bytes` allocates the length a peer announces before its bytes
/// arrive, so the server reads them another way (`transport::Binaries`).
pub trait Strings {
    fn read(&mut self, i: &mut dyn TInputProtocol) -> thrift::Result<Bytes>;
}

/// The protocol's own `read_bytes`: for input already in memory (replies, tests).
pub struct Trusting;

impl Strings for Trusting {
    fn read(&mut self, i: &mut dyn TInputProtocol) -> thrift::Result<Bytes> {
        Ok(Bytes::from(i.read_bytes()?))
    }
}

/// Reads one struct (a call's arguments, say), keeping every field; strings
/// through the protocol's `read_bytes`, so only for input already in memory.
pub fn read_struct(i: &mut dyn TInputProtocol) -> thrift::Result<Struct> {
    read_struct_with(i, &mut Trusting)
}

/// Reads one struct, its strings with `strings`.
pub fn read_struct_with(i: &mut dyn TInputProtocol, strings: &mut dyn Strings) -> thrift::Result<Struct> {
    read_struct_at(&mut Reader { i, strings }, 0)
}

/// A protocol and the way its strings are read.
struct Reader<'a> {
    i: &'a mut dyn TInputProtocol,
    strings: &'a mut dyn Strings,
}

fn read_struct_at(r: &mut Reader<'_>, depth: usize) -> thrift::Result<Struct> {
    if depth >= MAX_DEPTH {
        return Err(too_deep());
    }
    r.i.read_struct_begin()?;
    let mut fields = Vec::new();
    loop {
        let field = r.i.read_field_begin()?;
        if field.field_type == TType::Stop {
            break;
        }
        let id = field.id.unwrap_or_default();
        let value = read_value(r, field.field_type, depth + 1)?;
        r.i.read_field_end()?;
        fields.push((id, value));
    }
    r.i.read_struct_end()?;
    Ok(Struct { fields })
}

fn read_value(r: &mut Reader<'_>, ttype: TType, depth: usize) -> thrift::Result<Value> {
    if depth >= MAX_DEPTH {
        return Err(too_deep());
    }
    let i = &mut *r.i;
    Ok(match ttype {
        TType::Bool => Value::Bool(i.read_bool()?),
        TType::I08 => Value::Byte(i.read_i8()?),
        TType::I16 => Value::I16(i.read_i16()?),
        TType::I32 => Value::I32(i.read_i32()?),
        TType::I64 => Value::I64(i.read_i64()?),
        TType::Double => Value::Double(i.read_double()?),
        TType::String => Value::Binary(r.strings.read(i)?),
        TType::Uuid => Value::Uuid(*i.read_uuid()?.as_bytes()),
        TType::Struct => Value::Struct(read_struct_at(r, depth)?),
        TType::List => {
            let head = r.i.read_list_begin()?;
            let items = read_items(r, head.element_type, head.size, depth)?;
            r.i.read_list_end()?;
            Value::List(head.element_type, items)
        }
        TType::Set => {
            let head = r.i.read_set_begin()?;
            let items = read_items(r, head.element_type, head.size, depth)?;
            r.i.read_set_end()?;
            Value::Set(head.element_type, items)
        }
        TType::Map => {
            let head = r.i.read_map_begin()?;
            let mut entries = Vec::new();
            if head.size > 0 {
                let (Some(k), Some(v)) = (head.key_type, head.value_type) else {
                    return Err(invalid("map without key or value type"));
                };
                for _ in 0..head.size {
                    let key = read_value(r, k, depth + 1)?;
                    let value = read_value(r, v, depth + 1)?;
                    entries.push((key, value));
                }
            }
            r.i.read_map_end()?;
            // An empty map's types may be absent on the wire (compact protocol).
            Value::Map(head.key_type.unwrap_or(TType::String), head.value_type.unwrap_or(TType::String), entries)
        }
        TType::Stop | TType::Void | TType::Utf7 => return Err(invalid(&format!("unexpected value type {ttype}"))),
    })
}

fn read_items(r: &mut Reader<'_>, element: TType, size: i32, depth: usize) -> thrift::Result<Vec<Value>> {
    // No capacity up front: the size is the peer's claim, the elements are real.
    let mut items = Vec::new();
    for _ in 0..size.max(0) {
        items.push(read_value(r, element, depth + 1)?);
    }
    Ok(items)
}

fn invalid(message: &str) -> thrift::Error {
    thrift::Error::Protocol(ProtocolError::new(ProtocolErrorKind::InvalidData, message))
}

/// Writes a struct; `name` only matters to protocols that carry names (none of ours).
pub fn write_struct(o: &mut dyn TOutputProtocol, name: &str, s: &Struct) -> thrift::Result<()> {
    o.write_struct_begin(&TStructIdentifier::new(name))?;
    for (id, value) in &s.fields {
        o.write_field_begin(&TFieldIdentifier::new::<Option<String>, String, i16>(None, value.ttype(), *id))?;
        write_value(o, value)?;
        o.write_field_end()?;
    }
    o.write_field_stop()?;
    o.write_struct_end()
}

fn write_value(o: &mut dyn TOutputProtocol, value: &Value) -> thrift::Result<()> {
    match value {
        Value::Bool(v) => o.write_bool(*v),
        Value::Byte(v) => o.write_i8(*v),
        Value::I16(v) => o.write_i16(*v),
        Value::I32(v) => o.write_i32(*v),
        Value::I64(v) => o.write_i64(*v),
        Value::Double(v) => o.write_double(*v),
        Value::Binary(v) => o.write_bytes(v),
        Value::Uuid(_) => Err(invalid("writing uuid values is not supported")),
        Value::Struct(s) => write_struct(o, "", s),
        Value::List(element, items) => {
            o.write_list_begin(&TListIdentifier::new(*element, container_len(items.len())?))?;
            for item in items {
                check_type(*element, item)?;
                write_value(o, item)?;
            }
            o.write_list_end()
        }
        Value::Set(element, items) => {
            o.write_set_begin(&TSetIdentifier::new(*element, container_len(items.len())?))?;
            for item in items {
                check_type(*element, item)?;
                write_value(o, item)?;
            }
            o.write_set_end()
        }
        Value::Map(k, v, entries) => {
            o.write_map_begin(&TMapIdentifier::new(*k, *v, container_len(entries.len())?))?;
            for (key, value) in entries {
                check_type(*k, key)?;
                check_type(*v, value)?;
                write_value(o, key)?;
                write_value(o, value)?;
            }
            o.write_map_end()
        }
    }
}

/// A container's elements must match its declared type, or the peer misreads the rest.
fn check_type(expected: TType, value: &Value) -> thrift::Result<()> {
    if value.ttype() == expected {
        Ok(())
    } else {
        Err(invalid(&format!("a {} in a container of {expected}", value.type_name())))
    }
}

fn container_len(len: usize) -> thrift::Result<i32> {
    i32::try_from(len).map_err(|_| invalid("container too large for Thrift"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use thrift::protocol::{
        TBinaryInputProtocol, TBinaryOutputProtocol, TCompactInputProtocol, TCompactOutputProtocol,
    };

    fn sample() -> Struct {
        let cell = Struct::new().with(1, Value::binary(&b"v"[..])).with(2, Value::I64(-7));
        Struct::new()
            .with(1, Value::Bool(true))
            .with(2, Value::binary(&b"row"[..]))
            .with(3, Value::list(TType::Struct, vec![Value::Struct(cell.clone())]))
            .with(4, Value::Map(TType::String, TType::Bool, vec![(Value::binary(&b"t"[..]), Value::Bool(false))]))
            .with(5, Value::List(TType::Bool, vec![Value::Bool(true), Value::Bool(false)]))
            .with(6, Value::I32(i32::MIN))
            .with(7, Value::list(TType::Struct, vec![]))
            .with(20, Value::Bool(false))
            .with(21, Value::Byte(-1))
            .with(22, Value::I16(300))
            .with(23, Value::Double(1.5))
            .with(24, Value::Set(TType::I64, vec![Value::I64(1)]))
    }

    #[test]
    fn round_trips_through_binary() {
        let mut buf = Vec::new();
        write_struct(&mut TBinaryOutputProtocol::new(&mut buf, true), "s", &sample()).unwrap();
        let back = read_struct(&mut TBinaryInputProtocol::new(&buf[..], true)).unwrap();
        assert_eq!(back, sample());
    }

    #[test]
    fn round_trips_through_compact() {
        let mut buf = Vec::new();
        write_struct(&mut TCompactOutputProtocol::new(&mut buf), "s", &sample()).unwrap();
        let back = read_struct(&mut TCompactInputProtocol::new(&buf[..])).unwrap();
        assert_eq!(back, sample());
    }

    #[test]
    fn accessors_report_missing_and_mistyped_fields() {
        let s = sample();
        assert_eq!(s.binary(2, "row").unwrap().as_ref(), b"row");
        assert_eq!(s.opt_bool(1, "flag").unwrap(), Some(true));
        assert_eq!(s.list(3, "cells").unwrap().len(), 1);
        assert!(matches!(s.binary(9, "column"), Err(Fault::IllegalArgument(m)) if m == "column is missing"));
        assert!(matches!(s.i64(1, "timestamp"), Err(Fault::IllegalArgument(m)) if m.contains("must be a i64")));
        assert_eq!(s.opt_i32(9, "n").unwrap(), None);
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        // A list of lists of lists ... far deeper than the bound, in the binary protocol.
        let mut buf = Vec::new();
        buf.push(15u8); // field type list
        buf.extend_from_slice(&1i16.to_be_bytes());
        for _ in 0..10_000 {
            buf.push(15u8); // element type list
            buf.extend_from_slice(&1i32.to_be_bytes());
        }
        let err = read_struct(&mut TBinaryInputProtocol::new(&buf[..], true)).unwrap_err();
        assert!(err.to_string().contains("nest") || err.to_string().contains("depth"), "{err}");
    }

    #[test]
    fn truncated_input_is_an_error() {
        let mut buf = Vec::new();
        write_struct(&mut TBinaryOutputProtocol::new(&mut buf, true), "s", &sample()).unwrap();
        for cut in [1, buf.len() / 2, buf.len() - 1] {
            assert!(read_struct(&mut TBinaryInputProtocol::new(&buf[..cut], true)).is_err());
        }
    }

    #[test]
    fn mistyped_container_elements_are_not_written() {
        let bad = Struct::new().with(1, Value::list(TType::I32, vec![Value::Bool(true)]));
        let mut buf = Vec::new();
        assert!(write_struct(&mut TBinaryOutputProtocol::new(&mut buf, true), "s", &bad).is_err());
    }
}
