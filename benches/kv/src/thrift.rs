//! The Thrift client: HBase's Thrift1 `Hbase` service in the binary protocol
//! over the buffered transport — what happybase uses by default — on one TCP
//! connection per client, calls made the way happybase makes them:
//! `table.put` is `mutateRow`, `table.row` is `getRow`, and
//! `table.scan(row_start=.., limit=N)` is `scannerOpenWithScan`, one
//! `scannerGetList(id, N)` and `scannerClose`.
//!
//! Requests and replies go through the server's own dynamic struct
//! reader and writer (`enma_hbase_server::thrift::value`), field ids from HBase's
//! `Hbase.thrift`.

use std::net::TcpStream;

use bytes::Bytes;
use enma_hbase_server::thrift::value::{Struct, Value, read_struct, write_struct};
use thrift::protocol::{
    TBinaryInputProtocol, TBinaryOutputProtocol, TInputProtocol, TMessageIdentifier, TMessageType, TOutputProtocol,
    TType,
};
use thrift::transport::{TBufferedReadTransport, TBufferedWriteTransport};

use crate::Result;
use crate::load::{COLUMN, Calls, Client, FAMILY, TABLE};

pub const CALLS: Calls = Calls {
    put: "mutateRow (one Mutation)",
    get: "getRow",
    scan: "scannerOpenWithScan, scannerGetList(id, N), scannerClose (3 calls)",
};

/// One connection to the Thrift server.
pub struct ThriftClient {
    input: TBinaryInputProtocol<TBufferedReadTransport<TcpStream>>,
    output: TBinaryOutputProtocol<TBufferedWriteTransport<TcpStream>>,
    sequence: i32,
}

impl ThriftClient {
    pub fn connect(addr: &str) -> Result<Self> {
        let stream =
            TcpStream::connect(addr).map_err(|e| format!("cannot connect to the Thrift server at {addr}: {e}"))?;
        // A whole call goes out in one write (the buffered transport's flush); no Nagle delay on it.
        stream.set_nodelay(true)?;
        let input = TBinaryInputProtocol::new(TBufferedReadTransport::new(stream.try_clone()?), true);
        let output = TBinaryOutputProtocol::new(TBufferedWriteTransport::new(stream), true);
        Ok(ThriftClient { input, output, sequence: 0 })
    }

    /// Calls `method` and returns its result struct; a declared exception
    /// (fields 1 to 3) or a `TApplicationException` is an error.
    fn call(&mut self, method: &str, args: Struct) -> Result<Struct> {
        self.sequence = self.sequence.wrapping_add(1);
        self.output.write_message_begin(&TMessageIdentifier::new(method, TMessageType::Call, self.sequence))?;
        write_struct(&mut self.output, "args", &args)?;
        self.output.write_message_end()?;
        self.output.flush()?;
        let header = self.input.read_message_begin()?;
        let result = read_struct(&mut self.input)?;
        self.input.read_message_end()?;
        if header.message_type == TMessageType::Exception {
            return Err(format!("{method} failed: {}", message(&result)).into());
        }
        if header.name != method || header.sequence_number != self.sequence {
            return Err(format!(
                "{method} #{} was answered by {} #{}",
                self.sequence, header.name, header.sequence_number
            )
            .into());
        }
        for id in 1..=3 {
            if let Some(Value::Struct(exception)) = result.get(id) {
                return Err(format!("{method} failed: {}", message(exception)).into());
            }
        }
        Ok(result)
    }

    fn table_names(&mut self) -> Result<Vec<Bytes>> {
        match self.call("getTableNames", Struct::new())?.get(0) {
            Some(Value::List(_, names)) => Ok(names.iter().filter_map(binary).cloned().collect()),
            other => Err(format!("getTableNames returned {other:?}").into()),
        }
    }
}

fn table() -> Value {
    Value::binary(TABLE)
}

/// An empty `map<Text, Text> attributes`, which happybase sends with every call.
fn no_attributes() -> Value {
    Value::Map(TType::String, TType::String, Vec::new())
}

fn binary(v: &Value) -> Option<&Bytes> {
    match v {
        Value::Binary(b) => Some(b),
        _ => None,
    }
}

/// Field 1 of an exception struct: its message.
fn message(exception: &Struct) -> String {
    exception.get(1).and_then(binary).map(|m| String::from_utf8_lossy(m).into_owned()).unwrap_or_default()
}

/// The `list<TRowResult>` of a `getRow` or `scannerGetList` result.
fn row_results<'a>(result: &'a Struct, method: &str) -> Result<Vec<&'a Struct>> {
    match result.get(0) {
        Some(Value::List(_, rows)) => rows
            .iter()
            .map(|r| match r {
                Value::Struct(s) => Ok(s),
                other => Err(format!("{method} returned a {other:?} for a TRowResult").into()),
            })
            .collect(),
        other => Err(format!("{method} returned {other:?}").into()),
    }
}

impl Client for ThriftClient {
    fn reset_table(&mut self) -> Result<()> {
        if self.table_names()?.iter().any(|t| t.as_ref() == TABLE.as_bytes()) {
            self.call("disableTable", Struct::new().with(1, table()))?;
            self.call("deleteTable", Struct::new().with(1, table()))?;
        }
        // ColumnDescriptor { 1: name, 2: maxVersions }.
        let family = Struct::new().with(1, Value::binary(format!("{FAMILY}:"))).with(2, Value::I32(1));
        let args = Struct::new().with(1, table()).with(2, Value::list(TType::Struct, vec![Value::Struct(family)]));
        self.call("createTable", args)?;
        Ok(())
    }

    fn put(&mut self, row: &[u8], value: &[u8]) -> Result<()> {
        // Mutation { 1: isDelete, 2: column, 3: value, 4: writeToWAL }.
        let mutation = Struct::new()
            .with(1, Value::Bool(false))
            .with(2, Value::binary(COLUMN))
            .with(3, Value::binary(Bytes::copy_from_slice(value)))
            .with(4, Value::Bool(true));
        let args = Struct::new()
            .with(1, table())
            .with(2, Value::binary(Bytes::copy_from_slice(row)))
            .with(3, Value::list(TType::Struct, vec![Value::Struct(mutation)]))
            .with(4, no_attributes());
        self.call("mutateRow", args)?;
        Ok(())
    }

    fn get(&mut self, row: &[u8]) -> Result<Option<Bytes>> {
        let args =
            Struct::new().with(1, table()).with(2, Value::binary(Bytes::copy_from_slice(row))).with(3, no_attributes());
        let result = self.call("getRow", args)?;
        let rows = row_results(&result, "getRow")?;
        let Some(found) = rows.first() else { return Ok(None) };
        // TRowResult { 2: columns: map<Text, TCell> }, TCell { 1: value }.
        let Some(Value::Map(_, _, columns)) = found.get(2) else { return Ok(None) };
        let cell = columns.iter().find(|(name, _)| binary(name).is_some_and(|n| n.as_ref() == COLUMN.as_bytes()));
        Ok(match cell {
            Some((_, Value::Struct(cell))) => cell.get(1).and_then(binary).cloned(),
            _ => None,
        })
    }

    fn scan(&mut self, start: &[u8], rows: usize) -> Result<Vec<Bytes>> {
        let n = i32::try_from(rows)?;
        // TScan { 1: startRow, 5: caching }.
        let scan = Struct::new().with(1, Value::binary(Bytes::copy_from_slice(start))).with(5, Value::I32(n));
        let args = Struct::new().with(1, table()).with(2, Value::Struct(scan)).with(3, no_attributes());
        let id = match self.call("scannerOpenWithScan", args)?.get(0) {
            Some(Value::I32(id)) => *id,
            other => return Err(format!("scannerOpenWithScan returned {other:?}").into()),
        };
        let fetched = self.call("scannerGetList", Struct::new().with(1, Value::I32(id)).with(2, Value::I32(n)));
        // Closed whatever the fetch gave, as happybase closes in a `finally`.
        self.call("scannerClose", Struct::new().with(1, Value::I32(id)))?;
        let fetched = fetched?;
        row_results(&fetched, "scannerGetList")?
            .into_iter()
            .map(|r| r.get(1).and_then(binary).cloned().ok_or_else(|| "a scanned TRowResult has no row".into()))
            .collect()
    }
}
