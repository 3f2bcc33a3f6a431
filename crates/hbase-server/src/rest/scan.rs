//! Scans: stateless ones (`GET /{table}/*?startrow=..`, `/{table}/{prefix}*`)
//! answered in one response, streamed as the rows are read (`stream`), and
//! stateful scanners (`PUT /{table}/scanner`) read a batch of cells per `GET`
//! until 204 No Content.
//!
//! A stateful scanner hands out cells, not rows, as HBase's does: with a
//! batch of 2, a row of three cells arrives as two cells, then the last cell
//! together with the first of the next row. Open scanners live in the router
//! state; one not read for [`RestConfig::scanner_timeout`](super::RestConfig)
//! is closed the next time the registry is touched.

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::rejection::BytesRejection;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::put;
use bytes::Bytes;
use enma_http::HttpError;
use enma_kv::{Cell, Column, Filter, Row, Scan, TableName, TimeRange};

use super::format::{Format, render};
use super::model::{CellSet, ScannerModel, b64};
use super::spec::{Query, percent_decode};
use super::stream::{self, CHUNK_BYTES, Producer, RowIter};
use super::{ApiError, AppState, blocking, protobuf, table_and_rest};

/// The routes of this area, merged by [`super::router`].
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/{table}/scanner", put(create).post(create))
        .route("/{table}/scanner/{id}", axum::routing::get(next).delete(remove))
}

/// `GET /{table}/{prefix}*?startrow=&endrow=&column=&starttime=&endtime=&maxversions=&batchsize=&limit=&reversed=&filter=`:
/// the whole scan as one CellSet, streamed. Row bounds are raw (not base64);
/// `filter` is HBase's filter language.
pub(crate) async fn stateless(
    state: AppState,
    table: TableName,
    spec: &str,
    query: &Query,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let format = Format::accepted(headers, &[Format::Json, Format::Xml])?;
    let bad = ApiError::bad_request;
    let prefix = percent_decode(&spec[..spec.find('*').unwrap_or(spec.len())]);
    let mut columns = Vec::new();
    for c in query.all("column") {
        // As HBase splits `family:` it names the whole family.
        match c.iter().position(|&b| b == b':') {
            Some(i) if i + 1 < c.len() => {
                columns.push(Column::new(Bytes::copy_from_slice(&c[..i]), Bytes::copy_from_slice(&c[i + 1..])))
            }
            Some(i) => columns.push(Column::family(Bytes::copy_from_slice(&c[..i]))),
            None if !c.is_empty() => columns.push(Column::family(Bytes::copy_from_slice(c))),
            None => {}
        }
    }
    let time_range = TimeRange {
        min: query.number("starttime").map_err(bad)?.unwrap_or(0),
        max: query.number("endtime").map_err(bad)?.unwrap_or(i64::MAX),
    };
    check_time_range(time_range)?;
    let scan = Scan {
        start_row: query.get("startrow").map(Bytes::copy_from_slice).unwrap_or_default(),
        stop_row: query.get("endrow").map(Bytes::copy_from_slice).unwrap_or_default(),
        prefix: (!prefix.is_empty()).then(|| Bytes::from(prefix)),
        reversed: query.flag("reversed").map_err(bad)?.unwrap_or(false),
        columns,
        time_range,
        max_versions: query.number::<u32>("maxversions").map_err(bad)?.unwrap_or(1).max(1),
        filter: None,
        batch: query.number::<i64>("batchsize").map_err(bad)?.and_then(positive),
        limit: query.number::<i64>("limit").map_err(bad)?.and_then(positive),
    };
    let filter = query.text("filter").filter(|f| !f.trim().is_empty());
    let store = state.store.clone();
    let rows = blocking(move || {
        let filter = filter.map(|f| Filter::parse(&f)).transpose()?;
        let scanner = store.scanner(&table, Scan { filter, ..scan })?;
        Ok(Box::new(scanner) as RowIter)
    })
    .await?;
    Ok(stream::respond(Producer::new(rows, None, format, CHUNK_BYTES)))
}

fn positive(n: i64) -> Option<usize> {
    (n > 0).then(|| usize::try_from(n).unwrap_or(usize::MAX))
}

fn check_time_range(t: TimeRange) -> Result<(), ApiError> {
    if t.min < 0 || t.max < t.min {
        return Err(ApiError::bad_request(format!("invalid time range [{}, {})", t.min, t.max)));
    }
    Ok(())
}

/// Most bytes of cells one read of a stateful scanner answers (at least one
/// cell), whatever its batch: a scanner without a batch would otherwise hand
/// over the whole table in one response. Clients read until 204, so the rest
/// simply comes with the next read.
const MAX_BATCH_BYTES: usize = 16 << 20;

/// An open stateful scanner: the store's row scanner and the cells of the row
/// it is partway through.
pub(crate) struct Cursor {
    scanner: enma_kv::Scanner,
    pending: VecDeque<Cell>,
    /// Cells per read unless the request says `?c=`.
    batch: usize,
    /// `includeStartRow=false`: this row is left out.
    skip_row: Option<Bytes>,
    /// A reversed scan with `includeStopRow=true` ends below this row.
    stop_below: Option<Bytes>,
    done: bool,
}

impl Cursor {
    fn next_cell(&mut self) -> Result<Option<Cell>, ApiError> {
        loop {
            if let Some(cell) = self.pending.pop_front() {
                return Ok(Some(cell));
            }
            if self.done {
                return Ok(None);
            }
            match self.scanner.next() {
                None => self.done = true,
                Some(Err(e)) => {
                    self.done = true;
                    return Err(e.into());
                }
                Some(Ok(row)) => {
                    if self.stop_below.as_ref().is_some_and(|stop| row.key < *stop) {
                        self.done = true;
                    } else if self.skip_row.as_ref() != Some(&row.key) {
                        self.pending.extend(row.cells);
                    }
                }
            }
        }
    }

    /// Up to `limit` cells, stopping before the `max_rows + 1`-th row when
    /// `max_rows > 0`, and before `max_bytes` of cells (after at least one).
    fn take(&mut self, limit: usize, max_rows: usize, max_bytes: usize) -> Result<Vec<Cell>, ApiError> {
        let mut out: Vec<Cell> = Vec::new();
        let mut rows = 0;
        let mut bytes = 0;
        while out.len() < limit {
            let Some(cell) = self.next_cell()? else { break };
            let size = cell.row.len() + cell.family.len() + cell.qualifier.len() + cell.value.len();
            if !out.is_empty() && bytes + size > max_bytes {
                self.pending.push_front(cell);
                break;
            }
            bytes += size;
            if out.last().is_none_or(|last| last.row != cell.row) {
                rows += 1;
                if max_rows > 0 && rows > max_rows {
                    self.pending.push_front(cell);
                    break;
                }
            }
            out.push(cell);
        }
        Ok(out)
    }
}

struct Entry {
    table: TableName,
    last_used: Instant,
    cursor: Arc<Mutex<Cursor>>,
}

/// The open stateful scanners, by id.
#[derive(Default)]
pub(crate) struct Scanners {
    open: Mutex<HashMap<String, Entry>>,
    counter: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Scanners {
    /// Closes scanners idle for longer than `timeout` that no request is reading.
    fn sweep(&self, timeout: Duration) {
        let now = Instant::now();
        lock(&self.open).retain(|_, e| Arc::strong_count(&e.cursor) > 1 || now.duration_since(e.last_used) < timeout);
    }

    fn insert(&self, table: TableName, cursor: Cursor, max: usize) -> Result<String, ApiError> {
        let id = self.new_id();
        let mut open = lock(&self.open);
        if open.len() >= max {
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "too_many_scanners",
                format!(
                    "{max} scanners are open; delete finished ones (DELETE /<table>/scanner/<id>) or wait for idle ones to expire"
                ),
            ));
        }
        open.insert(id.clone(), Entry { table, last_used: Instant::now(), cursor: Arc::new(Mutex::new(cursor)) });
        Ok(id)
    }

    fn get(&self, table: &TableName, id: &str) -> Option<Arc<Mutex<Cursor>>> {
        let mut open = lock(&self.open);
        let entry = open.get_mut(id).filter(|e| e.table == *table)?;
        entry.last_used = Instant::now();
        Some(entry.cursor.clone())
    }

    fn touch(&self, id: &str) {
        if let Some(e) = lock(&self.open).get_mut(id) {
            e.last_used = Instant::now();
        }
    }

    fn remove(&self, table: &TableName, id: &str) -> bool {
        let mut open = lock(&self.open);
        if open.get(id).is_some_and(|e| e.table == *table) {
            open.remove(id);
            return true;
        }
        false
    }

    /// A hard-to-guess id: creation time and a randomly keyed hash, in hex.
    fn new_id(&self) -> String {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(now.as_nanos());
        h.write_u64(self.counter.fetch_add(1, Ordering::Relaxed));
        format!("{:x}{:016x}", now.as_millis(), h.finish())
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        lock(&self.open).len()
    }
}

/// The store scan a scanner model describes, and the row bounds the cursor enforces itself.
fn scan_of(model: &ScannerModel) -> Result<(Scan, Option<Bytes>, Option<Bytes>), ApiError> {
    let time_range = TimeRange { min: model.start_time, max: model.end_time };
    check_time_range(time_range)?;
    let mut stop_row = model.end_row.clone();
    let mut stop_below = None;
    if model.include_stop_row && !stop_row.is_empty() {
        if model.reversed {
            stop_below = Some(std::mem::take(&mut stop_row));
        } else {
            let mut next = stop_row.to_vec();
            next.push(0);
            stop_row = next.into();
        }
    }
    let skip_row = (!model.include_start_row && !model.start_row.is_empty()).then(|| model.start_row.clone());
    let scan = Scan {
        start_row: model.start_row.clone(),
        stop_row,
        prefix: None,
        reversed: model.reversed,
        columns: model.columns.iter().map(|c| Column::parse(c)).collect(),
        time_range,
        max_versions: model.max_versions,
        filter: None,
        batch: None,
        limit: model.limit,
    };
    Ok((scan, skip_row, stop_below))
}

/// `PUT` or `POST /{table}/scanner` with a Scanner model: opens a scanner and
/// answers 201 Created with its URL in `Location`.
async fn create(
    State(state): State<AppState>,
    uri: Uri,
    OriginalUri(original): OriginalUri,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body.map_err(HttpError::from)?;
    let (table, _) = table_and_rest(uri.path())?;
    let model = match Format::of_body(&headers, &body, &[Format::Json, Format::Xml, Format::Protobuf])? {
        Format::Xml => ScannerModel::from_xml(&body),
        Format::Protobuf => protobuf::scanner_from_protobuf(&body),
        _ => ScannerModel::from_json(&body),
    }
    .map_err(ApiError::bad_request)?;
    let (scan, skip_row, stop_below) = scan_of(&model)?;
    let batch = model.batch.unwrap_or(usize::MAX);
    let filter = model.filter;
    state.scanners.sweep(state.config.scanner_timeout);
    let store = state.store.clone();
    let scan_table = table.clone();
    let cursor = blocking(move || {
        let filter = filter.as_ref().map(Filter::from_json).transpose()?;
        let scanner = store.scanner(&scan_table, Scan { filter, ..scan })?;
        Ok(Cursor { scanner, pending: VecDeque::new(), batch, skip_row, stop_below, done: false })
    })
    .await?;
    let id = state.scanners.insert(table, cursor, state.config.max_scanners)?;
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let location = format!("http://{host}{}/{id}", original.path().trim_end_matches('/'));
    let mut response = StatusCode::CREATED.into_response();
    let value = HeaderValue::from_str(&location).map_err(|_| ApiError::bad_request("the Host header is not valid"))?;
    response.headers_mut().insert(header::LOCATION, value);
    Ok(response)
}

/// The scanner id in `/{table}/scanner/{id}`.
fn scanner_id(uri: &Uri) -> Result<(TableName, String), ApiError> {
    let (table, rest) = table_and_rest(uri.path())?;
    let id = rest.strip_prefix("scanner/").unwrap_or(rest);
    Ok((table, String::from_utf8_lossy(&percent_decode(id)).into_owned()))
}

/// `GET /{table}/scanner/{id}[?n=rows][&c=cells]`: the next batch of cells as a
/// CellSet (or one raw cell with `X-Row`, `X-Column`, `X-Timestamp`); 204 at the end.
async fn next(State(state): State<AppState>, uri: Uri, headers: HeaderMap) -> Result<Response, ApiError> {
    let format = Format::accepted(&headers, &[Format::Json, Format::Xml, Format::Binary, Format::Protobuf])?;
    let (table, id) = scanner_id(&uri)?;
    let query = Query::parse(uri.query());
    let max_rows = query.number::<i64>("n").map_err(ApiError::bad_request)?.and_then(positive).unwrap_or(0);
    let max_cells = query.number::<i64>("c").map_err(ApiError::bad_request)?.and_then(positive);
    state.scanners.sweep(state.config.scanner_timeout);
    let cursor = state.scanners.get(&table, &id).ok_or_else(|| {
        ApiError::not_found(format!("no scanner '{id}' on table '{table}': it was deleted or expired"))
    })?;
    let cells = blocking(move || {
        let mut cursor = lock(&cursor);
        let limit = if format == Format::Binary { 1 } else { max_cells.unwrap_or(cursor.batch) };
        cursor.take(limit, max_rows, MAX_BATCH_BYTES)
    })
    .await;
    state.scanners.touch(&id);
    let cells = cells?;
    if cells.is_empty() {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    if format == Format::Binary {
        let cell = &cells[0];
        let mut response = (StatusCode::OK, cell.value.clone()).into_response();
        let h = response.headers_mut();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static(Format::Binary.mime()));
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        for (name, value) in
            [("X-Row", b64(&cell.row)), ("X-Column", b64(&cell.column())), ("X-Timestamp", cell.timestamp.to_string())]
        {
            if let Ok(v) = HeaderValue::from_str(&value) {
                h.insert(name, v);
            }
        }
        return Ok(response);
    }
    let mut rows: Vec<Row> = Vec::new();
    for cell in cells {
        match rows.last_mut() {
            Some(row) if row.key == cell.row => row.cells.push(cell),
            _ => rows.push(Row { key: cell.row.clone(), cells: vec![cell] }),
        }
    }
    let mut response = render(&CellSet::from_rows(&rows), format);
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(response)
}

/// `DELETE /{table}/scanner/{id}`: closes the scanner. 200 even when it is
/// already gone, as HBase answers.
async fn remove(State(state): State<AppState>, uri: Uri) -> Result<Response, ApiError> {
    let (table, id) = scanner_id(&uri)?;
    state.scanners.remove(&table, &id);
    Ok(StatusCode::OK.into_response())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::RestConfig;
    use super::super::model::{b64, unb64};
    use super::super::stream::CHUNK_BYTES;
    use super::super::testing::{Reply, Server};

    const JSON: &str = "application/json";

    async fn setup(config: RestConfig) -> Server {
        let s = Server::start(config).await;
        let schema = br#"{"name":"t","ColumnSchema":[{"name":"cf","VERSIONS":"3"}]}"#;
        assert_eq!(s.call("PUT", "/t/schema", &[("Content-Type", JSON)], schema).await.status, 201);
        let mut rows = Vec::new();
        for r in ["a", "b", "c", "d"] {
            let cells: Vec<serde_json::Value> = ["x", "y", "z"]
                .iter()
                .map(|q| serde_json::json!({"column": b64(format!("cf:{q}").as_bytes()), "$": b64(format!("{r}{q}").as_bytes())}))
                .collect();
            rows.push(serde_json::json!({"key": b64(r.as_bytes()), "Cell": cells}));
        }
        let body = serde_json::json!({ "Row": rows }).to_string();
        assert_eq!(s.call("PUT", "/t/fakerow", &[("Content-Type", JSON)], body.as_bytes()).await.status, 200);
        s
    }

    /// (row, value) of every cell.
    fn cells(reply: &Reply) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for row in reply.json()["Row"].as_array().unwrap() {
            let key = String::from_utf8(unb64(row["key"].as_str().unwrap(), "k").unwrap().to_vec()).unwrap();
            for cell in row["Cell"].as_array().unwrap() {
                let v = String::from_utf8(unb64(cell["$"].as_str().unwrap(), "v").unwrap().to_vec()).unwrap();
                out.push((key.clone(), v));
            }
        }
        out
    }

    fn path_of(location: &str) -> String {
        let rest = location.strip_prefix("http://").unwrap();
        rest[rest.find('/').unwrap()..].to_string()
    }

    #[tokio::test]
    async fn stateless_scans() {
        let s = setup(RestConfig::default()).await;
        let all = s.get("/t/*", JSON).await;
        assert_eq!(cells(&all).len(), 12);
        let range = s.get("/t/*?startrow=b&endrow=d&column=cf:x", JSON).await;
        assert_eq!(cells(&range), [("b".into(), "bx".into()), ("c".into(), "cx".into())]);
        let reversed = s.get("/t/*?startrow=c&endrow=a&column=cf:y&reversed=true", JSON).await;
        assert_eq!(cells(&reversed), [("c".into(), "cy".into()), ("b".into(), "by".into())]);
        let limited = s.get("/t/*?limit=1&column=cf:", JSON).await;
        assert_eq!(cells(&limited).len(), 3);
        let prefix = s.get("/t/c*", JSON).await;
        assert_eq!(cells(&prefix).len(), 3);
        let xml = s.get("/t/d*?column=cf:z", "text/xml").await.text();
        assert!(xml.contains("<CellSet><Row"), "{xml}");
        assert_eq!(s.get("/t/*?maxversions=x", JSON).await.status, 400);
        assert_eq!(s.get("/nope/*", JSON).await.status, 404);
    }

    /// A table many times larger than a chunk comes back whole, in chunks as
    /// it is read, in every representation a scan offers; so do row ranges,
    /// prefixes and multigets.
    #[tokio::test]
    async fn scans_of_tables_larger_than_a_chunk_are_streamed() {
        let s = Server::start(RestConfig::default()).await;
        let schema = br#"{"name":"big","ColumnSchema":[{"name":"cf"}]}"#;
        assert_eq!(s.call("PUT", "/big/schema", &[("Content-Type", JSON)], schema).await.status, 201);
        let value = "v".repeat(300);
        let count = 2_000;
        for batch in 0..4 {
            let rows: Vec<serde_json::Value> = (batch * count / 4..(batch + 1) * count / 4)
                .map(|i| {
                    let cell = serde_json::json!({"column": b64(b"cf:q"), "$": b64(value.as_bytes())});
                    serde_json::json!({"key": b64(format!("row{i:05}").as_bytes()), "Cell": [cell]})
                })
                .collect();
            let body = serde_json::json!({ "Row": rows }).to_string();
            assert_eq!(s.call("PUT", "/big/fakerow", &[("Content-Type", JSON)], body.as_bytes()).await.status, 200);
        }
        let streamed = |r: &Reply| {
            assert_eq!(r.status, 200, "{}", r.text());
            assert_eq!(r.header("transfer-encoding"), Some("chunked"));
            assert_eq!(r.header("content-length"), None);
        };
        let all = s.get("/big/*", JSON).await;
        streamed(&all);
        assert!(all.body.len() > 10 * CHUNK_BYTES, "{} bytes", all.body.len());
        let got = cells(&all);
        assert_eq!(got.len(), count);
        assert_eq!(got[count - 1].0, format!("row{:05}", count - 1));
        assert!(got.iter().all(|(_, v)| *v == value));

        let xml = s.get("/big/*", "text/xml").await;
        streamed(&xml);
        assert_eq!(xml.header("content-type"), Some("text/xml"));
        let parsed = super::super::model::CellSet::from_xml(&xml.body).unwrap();
        assert_eq!(parsed.rows.len(), count);

        let range = s.get("/big/row00100,row01900/cf", JSON).await;
        streamed(&range);
        assert_eq!(cells(&range).len(), 1_800);
        let prefix = s.get("/big/row01*/cf:q", "application/x-protobuf").await;
        streamed(&prefix);
        let parsed = super::super::protobuf::cell_set_from_protobuf(&prefix.body).unwrap();
        assert_eq!(parsed.rows.len(), 1_000);
        let multi = s.get("/big/multiget?row=row00001&row=row00003&row=nope", JSON).await;
        assert_eq!(cells(&multi).iter().map(|c| c.0.as_str()).collect::<Vec<_>>(), ["row00001", "row00003"]);
        // Errors known before the first byte are still statuses.
        assert_eq!(s.get("/nope/*", JSON).await.status, 404);
        assert_eq!(s.get("/big/*?filter=NoSuchFilter()", JSON).await.status, 400);
        assert_eq!(s.get("/big/zzz,zzzz", JSON).await.status, 404);
        // A single row is small, and answered with its length.
        let one = s.get("/big/row00007", JSON).await;
        assert!(one.header("content-length").is_some());
    }

    #[tokio::test]
    async fn stateful_scanner_batches_then_204() {
        let s = setup(RestConfig::default()).await;
        let model = format!(
            r#"<Scanner batch="5" startRow="{}" endRow="{}"><column>{}</column></Scanner>"#,
            b64(b"b"),
            b64(b"d"),
            b64(b"cf")
        );
        let created = s.call("PUT", "/t/scanner", &[("Content-Type", "text/xml")], model.as_bytes()).await;
        assert_eq!(created.status, 201, "{}", created.text());
        let path = path_of(created.header("location").unwrap());
        assert!(path.starts_with("/t/scanner/"), "{path}");

        let first = s.get(&path, JSON).await;
        assert_eq!(first.status, 200);
        assert_eq!(cells(&first).len(), 5);
        let second = s.get(&path, JSON).await;
        assert_eq!(cells(&second), [("c".into(), "cz".into())]);
        assert_eq!(s.get(&path, JSON).await.status, 204);
        assert_eq!(s.call("DELETE", &path, &[], b"").await.status, 200);
        assert_eq!(s.get(&path, JSON).await.status, 404);
    }

    #[tokio::test]
    async fn scanner_row_and_cell_limits_and_raw_cells() {
        let s = setup(RestConfig::default()).await;
        let created = s.call("POST", "/t/scanner", &[("Content-Type", JSON)], br#"{"batch":100}"#).await;
        let path = path_of(created.header("location").unwrap());
        let one_row = s.get(&format!("{path}?n=1"), JSON).await;
        assert_eq!(cells(&one_row).iter().map(|c| c.0.as_str()).collect::<Vec<_>>(), ["a", "a", "a"]);
        let two_cells = s.get(&format!("{path}?c=2"), JSON).await;
        assert_eq!(cells(&two_cells), [("b".into(), "bx".into()), ("b".into(), "by".into())]);
        let raw = s.get(&path, "application/octet-stream").await;
        assert_eq!(raw.body, b"bz");
        assert_eq!(raw.header("x-row"), Some(b64(b"b").as_str()));
        assert_eq!(raw.header("x-column"), Some(b64(b"cf:z").as_str()));
    }

    #[tokio::test]
    async fn scanner_reversed_and_inclusive_bounds() {
        let s = setup(RestConfig::default()).await;
        let body = format!(
            r#"{{"startRow":"{}","endRow":"{}","reversed":true,"includeStopRow":true,"column":["{}"]}}"#,
            b64(b"c"),
            b64(b"a"),
            b64(b"cf:x")
        );
        let created = s.call("PUT", "/t/scanner", &[("Content-Type", JSON)], body.as_bytes()).await;
        assert_eq!(created.status, 201, "{}", created.text());
        let got = s.get(&path_of(created.header("location").unwrap()), JSON).await;
        assert_eq!(cells(&got).iter().map(|c| c.0.as_str()).collect::<Vec<_>>(), ["c", "b", "a"]);

        let body = format!(r#"{{"startRow":"{}","includeStartRow":false,"column":["{}"]}}"#, b64(b"b"), b64(b"cf:x"));
        let created = s.call("PUT", "/t/scanner", &[("Content-Type", JSON)], body.as_bytes()).await;
        let got = s.get(&path_of(created.header("location").unwrap()), JSON).await;
        assert_eq!(cells(&got).iter().map(|c| c.0.as_str()).collect::<Vec<_>>(), ["c", "d"]);
    }

    #[tokio::test]
    async fn scanner_errors_and_expiry() {
        let config =
            RestConfig { scanner_timeout: Duration::from_millis(50), max_scanners: 2, ..RestConfig::default() };
        let s = setup(config).await;
        assert_eq!(s.call("PUT", "/nope/scanner", &[("Content-Type", JSON)], b"{}").await.status, 404);
        assert_eq!(s.call("PUT", "/t/scanner", &[("Content-Type", JSON)], br#"{"batch":"many"}"#).await.status, 400);
        assert_eq!(s.call("PUT", "/t/scanner", &[("Content-Type", "text/xml")], b"<Scanner").await.status, 400);
        assert_eq!(s.get("/t/scanner/doesnotexist", JSON).await.status, 404);

        let a = s.call("PUT", "/t/scanner", &[("Content-Type", JSON)], b"{}").await;
        assert_eq!(a.status, 201);
        assert_eq!(s.call("PUT", "/t/scanner", &[("Content-Type", JSON)], b"{}").await.status, 201);
        let full = s.call("PUT", "/t/scanner", &[("Content-Type", JSON)], b"{}").await;
        assert_eq!(full.status, 503);
        tokio::time::sleep(Duration::from_millis(80)).await;
        assert_eq!(s.call("PUT", "/t/scanner", &[("Content-Type", JSON)], b"{}").await.status, 201);
        assert_eq!(s.get(&path_of(a.header("location").unwrap()), JSON).await.status, 404);
    }

    #[test]
    fn a_batch_stops_at_its_byte_budget_and_the_rest_comes_next() {
        let dir = tempfile::tempdir().unwrap();
        let store = enma_kv::Store::open(dir.path(), Default::default()).unwrap();
        let t = enma_kv::TableName::parse("t").unwrap();
        let schema = enma_kv::TableSchema { name: t.clone(), families: vec![enma_kv::Family::new("cf")] };
        store.create_table(schema).unwrap();
        for r in 0..10 {
            let put = enma_kv::Mutation::Put {
                family: "cf".into(),
                qualifier: "q".into(),
                timestamp: None,
                value: vec![b'v'; 1000].into(),
            };
            store.mutate_row(&t, format!("r{r}").as_bytes(), &[put]).unwrap();
        }
        let scanner = store.scanner(&t, enma_kv::Scan::default()).unwrap();
        let mut cursor = super::Cursor {
            scanner,
            pending: Default::default(),
            batch: usize::MAX,
            skip_row: None,
            stop_below: None,
            done: false,
        };
        let mut sizes = Vec::new();
        loop {
            let cells = cursor.take(usize::MAX, 0, 3_500).unwrap();
            if cells.is_empty() {
                break;
            }
            sizes.push(cells.len());
        }
        assert_eq!(sizes, [3, 3, 3, 1]);
        // One cell larger than the budget still comes, alone.
        let scanner = store.scanner(&t, enma_kv::Scan::default()).unwrap();
        let mut cursor = super::Cursor { scanner, done: false, ..cursor };
        assert_eq!(cursor.take(usize::MAX, 0, 10).unwrap().len(), 1);
    }

    #[test]
    fn ids_are_distinct() {
        let scanners = super::Scanners::default();
        let a = scanners.new_id();
        let b = scanners.new_id();
        assert_ne!(a, b);
        assert_eq!(scanners.len(), 0);
    }
}
