//! CellSets streamed as they are read: the answer to a scan or a row range is
//! written a chunk of rows at a time, so memory stays at a chunk however large
//! the table (HBase's REST server streams these too).
//!
//! A [`CellSetWriter`] writes a CellSet's head, rows and tail in JSON, XML or
//! protobuf, byte for byte what [`render`](super::format::render) writes for
//! the whole CellSet at once. [`CellSetStream`] is the response body: each
//! chunk is read from the store on tokio's blocking pool when the client is
//! ready for it, and a client that goes away stops the scan. Errors the client
//! should see as a status (no such table, a bad filter, a key too long) come
//! before the first byte, when the scanner is opened; a storage error later
//! can only cut the response short, which clients see as a truncated body.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use enma_kv::Row;
use futures_core::Stream;
use tokio::task::JoinHandle;

use super::format::Format;
use super::model::RowModel;
use super::protobuf;
use super::xml::Writer;

/// Rows as a read produces them, one at a time.
pub(crate) type RowIter = Box<dyn Iterator<Item = enma_kv::Result<Row>> + Send>;

/// About how many bytes one chunk of a streamed CellSet holds (it ends at a row's end).
pub(crate) const CHUNK_BYTES: usize = 64 << 10;

/// Writes a CellSet a row at a time: [`head`](Self::head), each
/// [`row`](Self::row), then [`tail`](Self::tail).
pub(crate) struct CellSetWriter {
    format: Format,
    rows: usize,
}

impl CellSetWriter {
    /// JSON, XML or protobuf; any other format is written as JSON, as `render` does.
    pub fn new(format: Format) -> Self {
        CellSetWriter { format, rows: 0 }
    }

    /// The media type of what this writes.
    pub fn mime(&self) -> &'static str {
        match self.format {
            Format::Xml | Format::Protobuf => self.format.mime(),
            _ => Format::Json.mime(),
        }
    }

    pub fn head(&self, out: &mut Vec<u8>) {
        match self.format {
            Format::Xml => {
                let mut w = Writer::document();
                w.start("CellSet", &[]).close_start();
                out.extend_from_slice(w.finish().as_bytes());
            }
            Format::Protobuf => {}
            _ => out.extend_from_slice(br#"{"Row":["#),
        }
    }

    pub fn row(&mut self, row: &Row, out: &mut Vec<u8>) {
        let model = RowModel::from_row(row);
        match self.format {
            Format::Xml => {
                let mut w = Writer::default();
                model.write_xml(&mut w);
                out.extend_from_slice(w.finish().as_bytes());
            }
            Format::Protobuf => out.extend_from_slice(&protobuf::cell_set_row_to_protobuf(&model)),
            _ => {
                if self.rows > 0 {
                    out.push(b',');
                }
                out.extend_from_slice(model.to_json().to_string().as_bytes());
            }
        }
        self.rows += 1;
    }

    pub fn tail(&self, out: &mut Vec<u8>) {
        match self.format {
            Format::Xml => out.extend_from_slice(b"</CellSet>"),
            Format::Protobuf => {}
            _ => out.extend_from_slice(b"]}"),
        }
    }
}

/// Reads rows and writes them into chunks.
pub(crate) struct Producer {
    rows: RowIter,
    writer: CellSetWriter,
    /// A row read before streaming began (to tell an empty answer from a non-empty one).
    first: Option<Row>,
    chunk_bytes: usize,
    started: bool,
    done: bool,
}

impl Producer {
    pub fn new(rows: RowIter, first: Option<Row>, format: Format, chunk_bytes: usize) -> Self {
        Producer { rows, writer: CellSetWriter::new(format), first, chunk_bytes, started: false, done: false }
    }

    /// The next chunk: whole rows until it holds at least `chunk_bytes`, or
    /// the rest and the tail; `None` once everything is written.
    pub fn next_chunk(&mut self) -> enma_kv::Result<Option<Bytes>> {
        if self.done {
            return Ok(None);
        }
        let mut out = Vec::new();
        if !self.started {
            self.writer.head(&mut out);
            self.started = true;
        }
        while out.len() < self.chunk_bytes {
            let row = match self.first.take() {
                Some(row) => row,
                None => match self.rows.next().transpose()? {
                    Some(row) => row,
                    None => {
                        self.writer.tail(&mut out);
                        self.done = true;
                        break;
                    }
                },
            };
            self.writer.row(&row, &mut out);
        }
        Ok(Some(Bytes::from(out)))
    }
}

/// A streamed CellSet as a response body: one chunk read at a time, on the
/// blocking pool, when the client has taken the one before.
pub(crate) struct CellSetStream {
    state: State,
}

enum State {
    Ready(Box<Producer>),
    Reading(JoinHandle<(Box<Producer>, enma_kv::Result<Option<Bytes>>)>),
    Done,
}

impl CellSetStream {
    pub fn new(producer: Producer) -> Self {
        CellSetStream { state: State::Ready(Box::new(producer)) }
    }
}

impl Stream for CellSetStream {
    type Item = Result<Bytes, io::Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            match std::mem::replace(&mut this.state, State::Done) {
                State::Done => return Poll::Ready(None),
                State::Ready(mut producer) => {
                    this.state = State::Reading(tokio::task::spawn_blocking(move || {
                        let chunk = producer.next_chunk();
                        (producer, chunk)
                    }));
                }
                State::Reading(mut task) => {
                    let (producer, chunk) = match Pin::new(&mut task).poll(cx) {
                        Poll::Pending => {
                            this.state = State::Reading(task);
                            return Poll::Pending;
                        }
                        Poll::Ready(Ok(done)) => done,
                        Poll::Ready(Err(e)) => {
                            tracing::warn!(error = %e, "a streamed HBase REST read failed; the response is cut short");
                            return Poll::Ready(Some(Err(io::Error::other(e))));
                        }
                    };
                    return match chunk {
                        Ok(Some(bytes)) => {
                            if !producer.done {
                                this.state = State::Ready(producer);
                            }
                            Poll::Ready(Some(Ok(bytes)))
                        }
                        Ok(None) => Poll::Ready(None),
                        Err(e) => {
                            tracing::warn!(error = %e, "a streamed HBase REST read failed; the response is cut short");
                            Poll::Ready(Some(Err(io::Error::other(e.to_string()))))
                        }
                    };
                }
            }
        }
    }
}

/// A 200 response streaming `producer`'s CellSet.
pub(crate) fn respond(producer: Producer) -> Response {
    let mime = producer.writer.mime();
    let mut response = (StatusCode::OK, Body::from_stream(CellSetStream::new(producer))).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    response
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use enma_kv::Cell;

    use super::super::format::Model;
    use super::super::model::CellSet;
    use super::*;

    fn rows(n: usize) -> Vec<Row> {
        (0..n)
            .map(|i| Row {
                key: Bytes::from(format!("row{i:05}")),
                cells: vec![Cell {
                    row: Bytes::from(format!("row{i:05}")),
                    family: Bytes::from_static(b"cf"),
                    qualifier: Bytes::from_static(b"q\0<&>"),
                    timestamp: i as i64,
                    value: Bytes::from(vec![b'v'; 100]),
                }],
            })
            .collect()
    }

    /// The rows as an iterator that counts how many were taken from it.
    fn counted(rows: Vec<Row>) -> (RowIter, Arc<AtomicUsize>) {
        let taken = Arc::new(AtomicUsize::new(0));
        let counter = taken.clone();
        let iter = rows.into_iter().map(move |r| {
            counter.fetch_add(1, Ordering::SeqCst);
            Ok(r)
        });
        (Box::new(iter), taken)
    }

    #[test]
    fn chunks_hold_a_few_rows_each_and_add_up_to_the_whole_cell_set() {
        let all = rows(1000);
        let whole = CellSet::from_rows(&all);
        for format in [Format::Json, Format::Xml, Format::Protobuf] {
            let expected = match format {
                Format::Xml => whole.to_xml().into_bytes(),
                Format::Protobuf => whole.to_protobuf().unwrap(),
                _ => whole.to_json().to_string().into_bytes(),
            };
            let (iter, taken) = counted(all.clone());
            let mut producer = Producer::new(iter, None, format, 1024);
            let first = producer.next_chunk().unwrap().unwrap();
            // The first chunk read only the rows it holds, not the table.
            assert!(first.len() < 1024 + 400, "{format:?}: a first chunk of {} bytes", first.len());
            assert!(
                taken.load(Ordering::SeqCst) < 10,
                "{format:?}: {} rows read for one chunk",
                taken.load(Ordering::SeqCst)
            );
            let mut streamed = first.to_vec();
            let mut chunks = 1;
            while let Some(chunk) = producer.next_chunk().unwrap() {
                assert!(chunk.len() < 1024 + 400);
                streamed.extend_from_slice(&chunk);
                chunks += 1;
            }
            assert!(chunks > 100, "{format:?}: {chunks} chunks");
            assert_eq!(streamed, expected, "{format:?}");
        }
    }

    #[test]
    fn empty_and_prefetched_answers() {
        for format in [Format::Json, Format::Xml, Format::Protobuf] {
            let empty = CellSet::default();
            let expected = match format {
                Format::Xml => empty.to_xml().into_bytes(),
                Format::Protobuf => Vec::new(),
                _ => empty.to_json().to_string().into_bytes(),
            };
            let mut producer = Producer::new(Box::new(std::iter::empty()), None, format, CHUNK_BYTES);
            assert_eq!(producer.next_chunk().unwrap().unwrap().to_vec(), expected);
            assert!(producer.next_chunk().unwrap().is_none());
        }
        let all = rows(3);
        let (iter, _) = counted(all[1..].to_vec());
        let mut producer = Producer::new(iter, Some(all[0].clone()), Format::Json, CHUNK_BYTES);
        let json = producer.next_chunk().unwrap().unwrap();
        assert_eq!(json.to_vec(), CellSet::from_rows(&all).to_json().to_string().into_bytes());
    }

    #[test]
    fn a_failing_read_ends_the_stream_with_an_error() {
        let iter = rows(2).into_iter().map(Ok).chain(std::iter::once(Err(enma_kv::Error::Corrupt("bad key".into()))));
        let mut producer = Producer::new(Box::new(iter), None, Format::Json, CHUNK_BYTES);
        assert!(producer.next_chunk().is_err());
    }
}
