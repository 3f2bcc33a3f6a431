//! Query results on the wire: JSON rows, CSV or an Arrow IPC stream, chosen
//! by the request's `Accept` header and written batch by batch, so a result
//! is never held whole in memory.
//!
//! Each format is an [`Encoder`] that turns the schema, each batch and the
//! end of the result into bytes. [`ResultStream`] drives the query's batch
//! stream through an encoder as the HTTP body; HTTP back-pressure reaches the
//! query because a batch is only pulled when the previous chunk was taken.
//!
//! Errors after the first byte cannot change the status any more. The body
//! then ends with an error instead of its normal end, which aborts the
//! response (the connection is reset, a chunked body stays unterminated):
//! clients see a failed transfer, never a well-formed but truncated result.

pub mod arrow_ipc;
pub mod csv;
pub mod json;

use std::panic::AssertUnwindSafe;
use std::time::Duration;

use arrow::array::{ArrayRef, RecordBatch};
use arrow::datatypes::{DataType, SchemaRef};
use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, header};
use bytes::Bytes;
use datafusion::execution::SendableRecordBatchStream;
use futures::{Stream, StreamExt};
use tokio::time::Instant;

use enma_common::error::{Error, ErrorKind, Result};
use enma_http::HttpError;

/// Turns a result into bytes of one format.
pub trait Encoder: Send {
    /// Everything before the first row.
    fn begin(&mut self, schema: &SchemaRef) -> Result<Vec<u8>>;
    /// The rows of one batch.
    fn batch(&mut self, batch: &RecordBatch) -> Result<Vec<u8>>;
    /// Everything after the last row; `row_count` rows were written in `elapsed`.
    fn finish(&mut self, row_count: u64, elapsed: Duration) -> Result<Vec<u8>>;
}

/// The result formats the API speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultFormat {
    /// `application/json`: `{"columns", "rows", "row_count", "elapsed_ms"}`.
    Json,
    /// `text/csv`: a header row, then one line per row.
    Csv,
    /// `application/vnd.apache.arrow.stream`: the Arrow IPC streaming format.
    ArrowStream,
}

impl ResultFormat {
    pub const JSON: &'static str = "application/json";
    pub const CSV: &'static str = "text/csv";
    pub const ARROW_STREAM: &'static str = "application/vnd.apache.arrow.stream";

    /// The format the `Accept` header prefers (highest `q`, then first listed);
    /// JSON when there is no header or it accepts anything. 406 when nothing
    /// listed is supported.
    pub fn negotiate(headers: &HeaderMap) -> Result<Self, HttpError> {
        let Some(accept) = headers.get(header::ACCEPT) else {
            return Ok(Self::Json);
        };
        let accept = accept.to_str().map_err(|_| HttpError::bad_request("the Accept header is not ASCII"))?;
        let mut ranges: Vec<(f32, &str)> = accept
            .split(',')
            .filter_map(|range| {
                let mut parts = range.split(';').map(str::trim);
                let media = parts.next().filter(|m| !m.is_empty())?;
                let q = parts
                    .filter_map(|p| p.strip_prefix("q=").or_else(|| p.strip_prefix("Q=")))
                    .find_map(|q| q.parse::<f32>().ok())
                    .unwrap_or(1.0);
                Some((q, media))
            })
            .collect();
        if ranges.is_empty() {
            return Ok(Self::Json);
        }
        ranges.sort_by(|a, b| b.0.total_cmp(&a.0));
        ranges.iter().filter(|(q, _)| *q > 0.0).find_map(|(_, media)| Self::from_media_type(media)).ok_or_else(|| {
            HttpError::new(
                StatusCode::NOT_ACCEPTABLE,
                "not_acceptable",
                format!(
                    "cannot answer with {accept}; supported: {}, {}, {}",
                    Self::JSON,
                    Self::CSV,
                    Self::ARROW_STREAM
                ),
            )
        })
    }

    fn from_media_type(media: &str) -> Option<Self> {
        let media = media.to_ascii_lowercase();
        match media.as_str() {
            Self::JSON | "application/*" | "*/*" => Some(Self::Json),
            Self::CSV | "text/*" => Some(Self::Csv),
            Self::ARROW_STREAM => Some(Self::ArrowStream),
            _ => None,
        }
    }

    /// The `Content-Type` of a response in this format.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Json => Self::JSON,
            Self::Csv => "text/csv; charset=utf-8",
            Self::ArrowStream => Self::ARROW_STREAM,
        }
    }

    pub fn encoder(self) -> Box<dyn Encoder> {
        match self {
            Self::Json => Box::new(json::JsonEncoder::default()),
            Self::Csv => Box::new(csv::CsvEncoder),
            Self::ArrowStream => Box::new(arrow_ipc::ArrowStreamEncoder::default()),
        }
    }
}

/// A query's results being written as an HTTP body.
pub struct ResultStream {
    encoder: Box<dyn Encoder>,
    schema: SchemaRef,
    batches: SendableRecordBatchStream,
    /// A batch already pulled (to learn of early errors before the status was sent).
    first: Option<RecordBatch>,
    /// When the query must be over; past it the stream fails with a timeout.
    deadline: Option<Instant>,
    started: Instant,
    rows: u64,
    state: State,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Begin,
    Rows,
    Done,
}

impl ResultStream {
    pub fn new(
        format: ResultFormat,
        schema: SchemaRef,
        batches: SendableRecordBatchStream,
        first: Option<RecordBatch>,
        deadline: Option<Instant>,
        started: Instant,
    ) -> Self {
        Self { encoder: format.encoder(), schema, batches, first, deadline, started, rows: 0, state: State::Begin }
    }

    /// The body: the encoded chunks, ending in an error if the query fails or
    /// times out midway (or the encoder panics). Dropping it drops the query.
    pub fn into_body(self) -> Body {
        let chunks = futures::stream::unfold(self, |mut results| async move {
            let chunk = results.next_chunk().await?;
            Some((chunk, results))
        });
        Body::from_stream(catch_unwind_stream(chunks))
    }

    /// The next non-empty piece of the body; `None` at the end.
    async fn next_chunk(&mut self) -> Option<Result<Bytes>> {
        loop {
            let chunk = match self.state {
                State::Done => return None,
                State::Begin => {
                    self.state = State::Rows;
                    self.encoder.begin(&self.schema)
                }
                State::Rows => match self.next_batch().await {
                    Ok(Some(batch)) => {
                        self.rows += batch.num_rows() as u64;
                        self.encoder.batch(&batch)
                    }
                    Ok(None) => {
                        self.state = State::Done;
                        self.encoder.finish(self.rows, self.started.elapsed())
                    }
                    Err(e) => Err(e),
                },
            };
            match chunk {
                Ok(bytes) if bytes.is_empty() => continue,
                Ok(bytes) => return Some(Ok(Bytes::from(bytes))),
                Err(e) => {
                    self.state = State::Done;
                    tracing::warn!(error = %e, rows_sent = self.rows, "query failed while streaming its results; aborting the response");
                    return Some(Err(e));
                }
            }
        }
    }

    async fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        if let Some(batch) = self.first.take() {
            return Ok(Some(batch));
        }
        let next = with_deadline(self.deadline, self.batches.next()).await?;
        next.transpose().map_err(Error::from)
    }
}

/// The batch's columns with dictionary encoding removed, so encoders can read
/// values by row.
pub(crate) fn undictionary(batch: &RecordBatch) -> Result<Vec<ArrayRef>> {
    batch
        .columns()
        .iter()
        .map(|column| match column.data_type() {
            DataType::Dictionary(_, value_type) => Ok(arrow::compute::cast(column, value_type)?),
            _ => Ok(column.clone()),
        })
        .collect()
}

/// Runs `work` until `deadline`; a Timeout error past it (dropping `work`).
pub async fn with_deadline<T>(deadline: Option<Instant>, work: impl Future<Output = T>) -> Result<T> {
    let timed_out =
        || Error::new(ErrorKind::Timeout, "the query ran past the server's query timeout and was cancelled");
    match deadline {
        None => Ok(work.await),
        // `timeout_at` returns a ready result even past the deadline, and a
        // fast producer is always ready; check the clock first.
        Some(deadline) if Instant::now() >= deadline => Err(timed_out()),
        Some(deadline) => tokio::time::timeout_at(deadline, work).await.map_err(|_| timed_out()),
    }
}

/// Ends the stream with an error instead of unwinding through the HTTP
/// connection when producing a chunk panics.
fn catch_unwind_stream(chunks: impl Stream<Item = Result<Bytes>> + Send) -> impl Stream<Item = Result<Bytes>> + Send {
    AssertUnwindSafe(chunks).catch_unwind().map(|item| match item {
        Ok(chunk) => chunk,
        Err(panic) => {
            let what = enma_common::error::panic_message(panic.as_ref()).to_string();
            tracing::error!(panic = what, "encoding query results panicked; aborting the response");
            Err(Error::internal(format!("internal error while writing results: {what}")))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> Result<ResultFormat, HttpError> {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, value.parse().unwrap());
        ResultFormat::negotiate(&headers)
    }

    #[tokio::test]
    async fn panic_while_encoding_ends_the_body_with_an_error() {
        let chunks = futures::stream::iter([0, 1]).map(|i| match i {
            0 => Ok(Bytes::from_static(b"first")),
            _ => panic!("encoder bug"),
        });
        let items: Vec<_> = catch_unwind_stream(chunks).collect().await;
        assert_eq!(items.len(), 2);
        assert!(items[0].is_ok());
        assert!(items[1].as_ref().unwrap_err().message().contains("encoder bug"));
    }

    #[tokio::test]
    async fn deadline_in_the_past_fails_even_when_work_is_ready() {
        let past = Instant::now() - Duration::from_millis(1);
        let err = with_deadline(Some(past), async { 1 }).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Timeout);
        assert_eq!(with_deadline(None, async { 1 }).await.unwrap(), 1);
    }

    #[test]
    fn negotiates_formats() {
        assert_eq!(ResultFormat::negotiate(&HeaderMap::new()).unwrap(), ResultFormat::Json);
        assert_eq!(accept("*/*").unwrap(), ResultFormat::Json);
        assert_eq!(accept("text/csv").unwrap(), ResultFormat::Csv);
        assert_eq!(accept("TEXT/CSV; charset=utf-8").unwrap(), ResultFormat::Csv);
        assert_eq!(accept("application/vnd.apache.arrow.stream").unwrap(), ResultFormat::ArrowStream);
        assert_eq!(accept("text/html, text/csv;q=0.5, application/json;q=0.9").unwrap(), ResultFormat::Json);
        assert_eq!(accept("application/json;q=0, text/csv").unwrap(), ResultFormat::Csv);
        assert_eq!(accept("image/png").unwrap_err().status(), StatusCode::NOT_ACCEPTABLE);
    }
}
