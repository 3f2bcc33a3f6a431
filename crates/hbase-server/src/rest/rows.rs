//! Rows and cells: reads by row specification (one row, a range, a prefix;
//! some columns; a time range; versions), multi-row gets, writes of CellSets
//! and of single raw values, deletes, and the `?check=` forms (check-and-put,
//! check-and-delete, increment, append).

use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use enma_http::HttpError;
use enma_kv::{Column, Get, LATEST, Mutation, Row, Scan, Store, TableName, TimeRange};

use super::format::{Format, render};
use super::model::{CellModel, CellSet, RowModel};
use super::spec::{Query, RowSpec, Rows, percent_decode, split_column};
use super::stream::{self, CHUNK_BYTES, Producer, RowIter};
use super::{ApiError, AppState, blocking, protobuf, scan, table_and_rest};

/// Read representations of rows: JSON first, XML, a single cell's raw bytes, protobuf.
const ROW_FORMATS: [Format; 4] = [Format::Json, Format::Xml, Format::Binary, Format::Protobuf];

/// Representations of a CellSet.
const CELL_SET_FORMATS: [Format; 3] = [Format::Json, Format::Xml, Format::Protobuf];

/// How many times an append retries when another writer changed the cell meanwhile.
const APPEND_ATTEMPTS: usize = 16;

/// The routes of this area, merged by [`super::router`].
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/{table}/multiget", get(multiget))
        .route("/{table}/multiget/{*columns}", get(multiget))
        .route("/{table}/{*spec}", get(read).put(write).post(write).delete(delete))
}

/// The rows a row specification names, read lazily: a single row is read
/// now, a range or prefix as the iterator is advanced.
fn open_rows(store: &Store, table: &TableName, spec: &RowSpec, max_versions: u32) -> Result<RowIter, ApiError> {
    let columns = spec.read_columns();
    let scan = |start: Bytes, stop: Bytes, prefix: Option<Bytes>| Scan {
        start_row: start,
        stop_row: stop,
        prefix,
        columns: columns.clone(),
        time_range: spec.time_range,
        max_versions,
        ..Scan::default()
    };
    let scan = match &spec.rows {
        Rows::Single(row) => {
            let get = Get {
                row: row.clone(),
                columns: columns.clone(),
                time_range: spec.time_range,
                max_versions,
                filter: None,
            };
            return Ok(Box::new(store.get(table, &get)?.into_iter().map(Ok)));
        }
        Rows::Range { start, end } => scan(start.clone(), end.clone(), None),
        Rows::Prefix(p) => scan(Bytes::new(), Bytes::new(), Some(p.clone())),
    };
    Ok(Box::new(store.scanner(table, scan)?))
}

/// Opens `rows` and reads its first row, so an empty answer is known before
/// the response starts.
fn first_row(mut rows: RowIter) -> Result<(RowIter, Option<Row>), ApiError> {
    let first = rows.next().transpose()?;
    Ok((rows, first))
}

/// `GET /{table}/{spec}`: rows and cells, or a stateless scan when the spec ends with `*`.
async fn read(State(state): State<AppState>, uri: Uri, headers: HeaderMap) -> Result<Response, ApiError> {
    let (table, rest) = table_and_rest(uri.path())?;
    let query = Query::parse(uri.query());
    if rest.ends_with('*') {
        return scan::stateless(state, table, rest, &query, &headers).await;
    }
    let format = Format::accepted(&headers, &ROW_FORMATS)?;
    let spec = RowSpec::parse(rest).map_err(ApiError::bad_request)?;
    let max_versions = query.number::<u32>("v").map_err(ApiError::bad_request)?.unwrap_or(1).max(1);
    if format == Format::Binary && spec.columns.len() != 1 {
        return Err(ApiError::bad_request(
            "a raw (application/octet-stream) read needs exactly one column in the path; \
             ask for application/json or text/xml to read several",
        ));
    }
    let store = state.store.clone();
    let single = matches!(spec.rows, Rows::Single(_));
    let (rows, first) = blocking(move || first_row(open_rows(&store, &table, &spec, max_versions)?)).await?;
    let Some(first) = first else {
        return Err(ApiError::not_found("no cells found for this row specification"));
    };
    if format == Format::Binary
        && let Some(cell) = first.cells.first()
    {
        return Ok(raw_cell(cell.value.clone(), cell.timestamp));
    }
    if single {
        return Ok(render(&CellSet::from_rows(&[first]), format));
    }
    // A range or prefix can be the whole table: streamed, not gathered.
    Ok(stream::respond(Producer::new(rows, Some(first), format, CHUNK_BYTES)))
}

/// A single cell's value as the body, its timestamp in `X-Timestamp`.
fn raw_cell(value: Bytes, timestamp: i64) -> Response {
    let mut response = (StatusCode::OK, value).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(Format::Binary.mime()));
    headers.insert("X-Timestamp", HeaderValue::from(timestamp));
    response
}

/// `GET /{table}/multiget[/{columns}]?row=..&row=..[&v=N]`: several rows in one
/// CellSet; rows that do not exist are left out, 404 when none does.
async fn multiget(State(state): State<AppState>, uri: Uri, headers: HeaderMap) -> Result<Response, ApiError> {
    let format = Format::accepted(&headers, &CELL_SET_FORMATS)?;
    let (table, rest) = table_and_rest(uri.path())?;
    let query = Query::parse(uri.query());
    let columns: Vec<Bytes> = rest
        .strip_prefix("multiget")
        .unwrap_or("")
        .trim_matches('/')
        .split(',')
        .filter(|c| !c.is_empty())
        .map(|c| Bytes::from(percent_decode(c)))
        .collect();
    let max_versions = query.number::<u32>("v").map_err(ApiError::bad_request)?.unwrap_or(1).max(1);
    let mut specs = Vec::new();
    for row in query.all("row") {
        // HBase reads each `row` as a row specification of its own (`row/columns/time`).
        let mut spec = match std::str::from_utf8(row) {
            Ok(text) => RowSpec::parse(text).map_err(ApiError::bad_request)?,
            Err(_) => RowSpec {
                rows: Rows::Single(Bytes::copy_from_slice(row)),
                columns: Vec::new(),
                time_range: TimeRange::default(),
                single_timestamp: false,
            },
        };
        spec.columns.extend(columns.iter().cloned());
        specs.push(spec);
    }
    if specs.is_empty() {
        return Err(ApiError::bad_request("multiget needs at least one `row` query parameter"));
    }
    let store = state.store.clone();
    let (rows, first) = blocking(move || {
        let mut each = Vec::with_capacity(specs.len());
        for spec in &specs {
            each.push(open_rows(&store, &table, spec, max_versions)?);
        }
        first_row(Box::new(each.into_iter().flatten()))
    })
    .await?;
    let Some(first) = first else {
        return Err(ApiError::not_found("none of the requested rows exists"));
    };
    Ok(stream::respond(Producer::new(rows, Some(first), format, CHUNK_BYTES)))
}

/// `PUT` or `POST /{table}/{spec}`: stores a CellSet (or one raw value), or
/// with `?check=put|delete|increment|append` does that atomic operation.
async fn write(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body.map_err(HttpError::from)?;
    let (table, rest) = table_and_rest(uri.path())?;
    let spec = RowSpec::parse(rest).map_err(ApiError::bad_request)?;
    let query = Query::parse(uri.query());
    let check = query.text("check").unwrap_or_default().to_ascii_lowercase();
    let format = Format::of_body(&headers, &body, &[Format::Json, Format::Xml, Format::Binary, Format::Protobuf])?;
    let store = state.store.clone();
    if format == Format::Binary {
        if !check.is_empty() {
            return Err(ApiError::bad_request("?check= needs a CellSet body (JSON, XML or protobuf)"));
        }
        let (row, mutation) = raw_put(&spec, &headers, body)?;
        blocking(move || Ok(store.mutate_row(&table, &row, &[mutation])?)).await?;
        return Ok(StatusCode::OK.into_response());
    }
    let cells = match format {
        Format::Xml => CellSet::from_xml(&body),
        Format::Protobuf => protobuf::cell_set_from_protobuf(&body),
        _ => CellSet::from_json(&body),
    }
    .map_err(ApiError::bad_request)?;
    let return_result = query.flag("returnResult").map_err(ApiError::bad_request)?.unwrap_or(false);
    match check.as_str() {
        "" => {
            let rows = puts(&spec, &cells)?;
            blocking(move || Ok(store.mutate_rows(&table, &rows)?)).await?;
            Ok(StatusCode::OK.into_response())
        }
        "put" => {
            let op = check_and_put(&spec, &cells)?;
            let applied = blocking(move || op.run(&store, &table)).await?;
            Ok(if applied { StatusCode::OK } else { StatusCode::NOT_MODIFIED }.into_response())
        }
        "delete" => {
            let op = check_and_delete(&spec, &cells)?;
            let applied = blocking(move || op.run(&store, &table)).await?;
            Ok(if applied { StatusCode::OK } else { StatusCode::NOT_MODIFIED }.into_response())
        }
        "increment" | "append" => {
            let (row, changes) = one_row_changes(&spec, &cells)?;
            let is_increment = check == "increment";
            let result = blocking(move || {
                if is_increment {
                    increment(&store, &table, &row, changes)
                } else {
                    append(&store, &table, &row, changes)
                }
            })
            .await?;
            if return_result {
                Ok(render(&result, Format::accepted(&headers, &CELL_SET_FORMATS)?))
            } else {
                Ok(StatusCode::OK.into_response())
            }
        }
        other => {
            Err(ApiError::bad_request(format!("invalid check value '{other}': use put, delete, increment or append")))
        }
    }
}

/// A raw-body write: the row and column from the path or the `X-Row` and
/// `X-Column` headers, the timestamp from `X-Timestamp` or the path.
fn raw_put(spec: &RowSpec, headers: &HeaderMap, value: Bytes) -> Result<(Bytes, Mutation), ApiError> {
    let header_bytes = |name: &str| headers.get(name).map(|v| Bytes::copy_from_slice(v.as_bytes()));
    let row = header_bytes("X-Row")
        .or_else(|| spec.row().cloned())
        .ok_or_else(|| ApiError::bad_request("a raw write needs one row key in the path or an X-Row header"))?;
    let column = header_bytes("X-Column")
        .or_else(|| spec.columns.first().cloned())
        .ok_or_else(|| ApiError::bad_request("a raw write needs a column in the path or an X-Column header"))?;
    let (family, qualifier) = write_column(&column)?;
    let timestamp = match headers.get("X-Timestamp") {
        Some(v) => Some(
            v.to_str()
                .ok()
                .and_then(|s| s.trim().parse::<i64>().ok())
                .ok_or_else(|| ApiError::bad_request("X-Timestamp must be an integer"))?,
        ),
        None => path_timestamp(spec),
    };
    Ok((row, Mutation::Put { family, qualifier, timestamp, value }))
}

/// The `/timestamp` of a write path, if one was given.
fn path_timestamp(spec: &RowSpec) -> Option<i64> {
    spec.single_timestamp.then_some(spec.time_range.max)
}

/// `family:qualifier` for a write; HBase refuses a bare family there.
fn write_column(column: &[u8]) -> Result<(Bytes, Bytes), ApiError> {
    split_column(column).ok_or_else(|| {
        ApiError::bad_request(format!("column '{}' must be family:qualifier", String::from_utf8_lossy(column)))
    })
}

/// The row of a CellSet row: its own key, else the one in the path.
fn row_key(spec: &RowSpec, row: &RowModel) -> Result<Bytes, ApiError> {
    row.key
        .clone()
        .or_else(|| spec.row().cloned())
        .ok_or_else(|| ApiError::bad_request("row key not specified: give it in the path or in the CellSet"))
}

/// The column of each cell: its own, else the path's columns in order.
fn cell_columns<'a>(
    spec: &'a RowSpec,
    row: &'a RowModel,
) -> impl Iterator<Item = Result<(&'a CellModel, Bytes), ApiError>> + 'a {
    let mut from_path = spec.columns.iter();
    row.cells.iter().map(move |cell| {
        let column = cell.column.clone().or_else(|| from_path.next().cloned());
        column.map(|c| (cell, c)).ok_or_else(|| ApiError::bad_request("cell column not specified"))
    })
}

/// Puts for every row of a CellSet. As in HBase, a put needs cells: an
/// empty CellSet, or a row without cells, is a bad request.
fn puts(spec: &RowSpec, cells: &CellSet) -> Result<Vec<(Bytes, Vec<Mutation>)>, ApiError> {
    if cells.rows.is_empty() {
        return Err(ApiError::bad_request("nothing to put: the CellSet has no rows"));
    }
    let default_ts = path_timestamp(spec);
    let mut rows = Vec::with_capacity(cells.rows.len());
    for row in &cells.rows {
        let key = row_key(spec, row)?;
        if row.cells.is_empty() {
            return Err(ApiError::bad_request(format!(
                "nothing to put for row '{}': it has no cells",
                String::from_utf8_lossy(&key[..key.len().min(100)])
            )));
        }
        let mut mutations = Vec::with_capacity(row.cells.len());
        for item in cell_columns(spec, row) {
            let (cell, column) = item?;
            let (family, qualifier) = write_column(&column)?;
            let timestamp = cell.timestamp.or(default_ts);
            mutations.push(Mutation::Put { family, qualifier, timestamp, value: cell.value.clone() });
        }
        rows.push((key, mutations));
    }
    Ok(rows)
}

/// A check-and-mutate ready to run: apply `mutations` to `row` when the newest
/// `family:qualifier` equals `expected` (empty: absent or empty, as HBase compares).
struct CheckAndMutate {
    row: Bytes,
    family: Bytes,
    qualifier: Bytes,
    expected: Bytes,
    mutations: Vec<Mutation>,
}

impl CheckAndMutate {
    fn run(&self, store: &Store, table: &TableName) -> Result<bool, ApiError> {
        let attempt = |expected: Option<&[u8]>| {
            store.check_and_mutate(table, &self.row, &self.family, &self.qualifier, expected, &self.mutations)
        };
        if !self.expected.is_empty() {
            return Ok(attempt(Some(&self.expected[..]))?);
        }
        Ok(attempt(None)? || attempt(Some(&[]))?)
    }
}

fn single_row(cells: &CellSet) -> Result<&RowModel, ApiError> {
    match cells.rows.as_slice() {
        [row] => Ok(row),
        rows => Err(ApiError::bad_request(format!("this check needs exactly one row, got {}", rows.len()))),
    }
}

/// `?check=put`: the last cell is the condition (column and expected value);
/// the cells before it are the puts, and one of them must be to that column.
fn check_and_put(spec: &RowSpec, cells: &CellSet) -> Result<CheckAndMutate, ApiError> {
    let row = single_row(cells)?;
    let key = row_key(spec, row)?;
    let Some((check, puts)) = row.cells.split_last().filter(|(_, puts)| !puts.is_empty()) else {
        return Err(ApiError::bad_request("check-and-put needs the cells to put and then the cell to check"));
    };
    let check_column = check.column.clone().ok_or_else(|| ApiError::bad_request("the check cell has no column"))?;
    let (family, qualifier) = write_column(&check_column)?;
    if qualifier.is_empty() {
        return Err(ApiError::bad_request("the check column needs a qualifier"));
    }
    let mut mutations = Vec::with_capacity(puts.len());
    let mut puts_check_column = false;
    for cell in puts {
        let column = cell.column.clone().ok_or_else(|| ApiError::bad_request("cell column not specified"))?;
        puts_check_column |= column == check_column;
        let (f, q) = write_column(&column)?;
        mutations.push(Mutation::Put { family: f, qualifier: q, timestamp: cell.timestamp, value: cell.value.clone() });
    }
    if !puts_check_column {
        return Err(ApiError::bad_request("the column to put and the column to check do not match"));
    }
    Ok(CheckAndMutate { row: key, family, qualifier, expected: check.value.clone(), mutations })
}

/// `?check=delete`: the last cell is the condition; the cells before it name
/// what to delete (a family, or one version of a column), or when there are
/// none, every version of the checked column goes.
fn check_and_delete(spec: &RowSpec, cells: &CellSet) -> Result<CheckAndMutate, ApiError> {
    let row = single_row(cells)?;
    let key = row_key(spec, row)?;
    let Some((check, deletes)) = row.cells.split_last() else {
        return Err(ApiError::bad_request("check-and-delete needs a cell to check"));
    };
    let check_column = check
        .column
        .clone()
        .or_else(|| spec.columns.first().cloned())
        .ok_or_else(|| ApiError::bad_request("column not specified for the check"))?;
    let (family, qualifier) = write_column(&check_column)?;
    let mut mutations = Vec::with_capacity(deletes.len().max(1));
    for cell in deletes {
        let column = cell.column.clone().ok_or_else(|| ApiError::bad_request("cell column not specified"))?;
        let timestamp = cell.timestamp.filter(|&t| t != LATEST);
        mutations.push(match split_column(&column) {
            Some((f, q)) => Mutation::DeleteVersion { family: f, qualifier: q, timestamp },
            None => Mutation::DeleteFamily { family: column, timestamp },
        });
    }
    if mutations.is_empty() {
        mutations.push(Mutation::DeleteColumn {
            family: family.clone(),
            qualifier: qualifier.clone(),
            timestamp: None,
        });
    }
    Ok(CheckAndMutate { row: key, family, qualifier, expected: check.value.clone(), mutations })
}

/// One cell of an increment or append: family, qualifier and the amount or suffix.
type Change = (Bytes, Bytes, Bytes);

/// The row and the changes to each of its cells, for increment and append.
fn one_row_changes(spec: &RowSpec, cells: &CellSet) -> Result<(Bytes, Vec<Change>), ApiError> {
    let row = single_row(cells)?;
    let key = row_key(spec, row)?;
    if row.cells.is_empty() {
        return Err(ApiError::bad_request("nothing to change: the row has no cells"));
    }
    let mut changes = Vec::with_capacity(row.cells.len());
    for item in cell_columns(spec, row) {
        let (cell, column) = item?;
        let (family, qualifier) = write_column(&column)?;
        changes.push((family, qualifier, cell.value.clone()));
    }
    Ok((key, changes))
}

fn now_millis() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// `?check=increment`: each cell's value is a decimal amount added to the
/// column's 64-bit counter. Returns the new counters as a CellSet.
fn increment(store: &Store, table: &TableName, row: &Bytes, changes: Vec<Change>) -> Result<CellSet, ApiError> {
    let mut amounts = Vec::with_capacity(changes.len());
    for (family, qualifier, value) in changes {
        let text = String::from_utf8_lossy(&value).into_owned();
        let amount: i64 = text
            .trim()
            .parse()
            .map_err(|_| ApiError::bad_request(format!("increment amount '{text}' is not an integer")))?;
        amounts.push((family, qualifier, amount));
    }
    let mut cells = Vec::with_capacity(amounts.len());
    for (family, qualifier, amount) in amounts {
        let value = store.increment(table, row, &family, &qualifier, amount)?;
        cells.push(result_cell(&family, &qualifier, Bytes::copy_from_slice(&value.to_be_bytes())));
    }
    Ok(CellSet { rows: vec![RowModel { key: Some(row.clone()), cells }] })
}

/// `?check=append`: each cell's value is appended to the column's newest value,
/// atomically per column (compare-and-set, retried when another writer wins).
fn append(store: &Store, table: &TableName, row: &Bytes, changes: Vec<Change>) -> Result<CellSet, ApiError> {
    let mut cells = Vec::with_capacity(changes.len());
    for (family, qualifier, suffix) in changes {
        let mut appended = None;
        for _ in 0..APPEND_ATTEMPTS {
            let get = Get { columns: vec![Column::new(family.clone(), qualifier.clone())], ..Get::new(row.clone()) };
            let current = store.get(table, &get)?.and_then(|r| r.cells.into_iter().next()).map(|c| c.value);
            let mut next = current.as_deref().unwrap_or_default().to_vec();
            next.extend_from_slice(&suffix);
            let put = Mutation::Put {
                family: family.clone(),
                qualifier: qualifier.clone(),
                timestamp: None,
                value: Bytes::from(next.clone()),
            };
            if store.check_and_mutate(table, row, &family, &qualifier, current.as_deref(), &[put])? {
                appended = Some(next);
                break;
            }
        }
        let value = appended.ok_or_else(|| {
            ApiError::new(StatusCode::CONFLICT, "conflict", "append kept losing to concurrent writers; retry")
        })?;
        cells.push(result_cell(&family, &qualifier, Bytes::from(value)));
    }
    Ok(CellSet { rows: vec![RowModel { key: Some(row.clone()), cells }] })
}

fn result_cell(family: &[u8], qualifier: &[u8], value: Bytes) -> CellModel {
    let mut column = family.to_vec();
    column.push(b':');
    column.extend_from_slice(qualifier);
    CellModel { column: Some(column.into()), timestamp: Some(now_millis()), value }
}

/// `DELETE /{table}/{row}[/{columns}][/{timestamp}]`: the whole row, or the
/// families and columns named; with a timestamp, only cells at or before it.
async fn delete(State(state): State<AppState>, uri: Uri) -> Result<Response, ApiError> {
    let (table, rest) = table_and_rest(uri.path())?;
    let spec = RowSpec::parse(rest).map_err(ApiError::bad_request)?;
    let row =
        spec.row().cloned().ok_or_else(|| ApiError::bad_request("a delete names one row, not a range or prefix"))?;
    let timestamp = path_timestamp(&spec);
    let mutations: Vec<Mutation> = if spec.columns.is_empty() {
        vec![Mutation::DeleteRow { timestamp }]
    } else {
        spec.columns
            .iter()
            .map(|c| match split_column(c) {
                Some((family, qualifier)) => Mutation::DeleteColumn { family, qualifier, timestamp },
                None => Mutation::DeleteFamily { family: c.clone(), timestamp },
            })
            .collect()
    };
    let store = state.store.clone();
    blocking(move || Ok(store.mutate_row(&table, &row, &mutations)?)).await?;
    Ok(StatusCode::OK.into_response())
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::super::RestConfig;
    use super::super::model::{b64, unb64};
    use super::super::testing::{Reply, Server};

    const JSON: &str = "application/json";

    async fn setup() -> Server {
        let s = Server::start(RestConfig::default()).await;
        let schema = br#"{"name":"t","ColumnSchema":[{"name":"cf","VERSIONS":"3"},{"name":"cg"}]}"#;
        assert_eq!(s.call("PUT", "/t/schema", &[("Content-Type", JSON)], schema).await.status, 201);
        s
    }

    /// (column, timestamp, value) of a cell to put.
    type CellSpec<'a> = (&'a str, Option<i64>, &'a str);

    fn cell_set(rows: &[(&str, &[CellSpec])]) -> Vec<u8> {
        let rows: Vec<serde_json::Value> = rows
            .iter()
            .map(|(key, cells)| {
                let cells: Vec<serde_json::Value> = cells
                    .iter()
                    .map(|(col, ts, v)| {
                        let mut c = serde_json::json!({"column": b64(col.as_bytes()), "$": b64(v.as_bytes())});
                        if let Some(ts) = ts {
                            c["timestamp"] = (*ts).into();
                        }
                        c
                    })
                    .collect();
                serde_json::json!({"key": b64(key.as_bytes()), "Cell": cells})
            })
            .collect();
        serde_json::json!({ "Row": rows }).to_string().into_bytes()
    }

    fn values(reply: &Reply) -> Vec<(String, String, String)> {
        let v = reply.json();
        let mut out = Vec::new();
        for row in v["Row"].as_array().unwrap() {
            let key = String::from_utf8(unb64(row["key"].as_str().unwrap(), "k").unwrap().to_vec()).unwrap();
            for cell in row["Cell"].as_array().unwrap() {
                let col = String::from_utf8(unb64(cell["column"].as_str().unwrap(), "c").unwrap().to_vec()).unwrap();
                let val = String::from_utf8(unb64(cell["$"].as_str().unwrap(), "v").unwrap().to_vec()).unwrap();
                out.push((key.clone(), col, val));
            }
        }
        out
    }

    fn triple(r: &str, c: &str, v: &str) -> (String, String, String) {
        (r.into(), c.into(), v.into())
    }

    #[tokio::test]
    async fn put_get_versions_and_delete() {
        let s = setup().await;
        let body = cell_set(&[("r1", &[("cf:a", Some(10), "v10"), ("cf:a", Some(20), "v20"), ("cg:b", None, "b")])]);
        let put = s.call("PUT", "/t/fakerow", &[("Content-Type", JSON)], &body).await;
        assert_eq!(put.status, 200, "{}", put.text());

        let got = s.get("/t/r1", JSON).await;
        assert_eq!(values(&got), [triple("r1", "cf:a", "v20"), triple("r1", "cg:b", "b")]);
        let versions = s.get("/t/r1/cf:a?v=3", JSON).await;
        assert_eq!(values(&versions), [triple("r1", "cf:a", "v20"), triple("r1", "cf:a", "v10")]);
        assert_eq!(versions.json()["Row"][0]["Cell"][1]["timestamp"], 10);
        let before = s.get("/t/r1/cf:a/20", JSON).await;
        assert_eq!(values(&before), [triple("r1", "cf:a", "v10")]);
        let range = s.get("/t/r1/cf:a/10,21?v=5", JSON).await;
        assert_eq!(values(&range).len(), 2);

        let raw = s.get("/t/r1/cf:a", "application/octet-stream").await;
        assert_eq!(raw.body, b"v20");
        assert_eq!(raw.header("x-timestamp"), Some("20"));
        assert_eq!(s.get("/t/r1", "application/octet-stream").await.status, 400);

        let xml = s.get("/t/r1/cg:b", "text/xml").await.text();
        assert!(xml.contains(&format!(r#"<Row key="{}">"#, b64(b"r1"))), "{xml}");

        assert_eq!(s.call("DELETE", "/t/r1/cf:a/10", &[], b"").await.status, 200);
        assert_eq!(values(&s.get("/t/r1/cf:a?v=3", JSON).await), [triple("r1", "cf:a", "v20")]);
        assert_eq!(s.call("DELETE", "/t/r1/cg", &[], b"").await.status, 200);
        assert_eq!(values(&s.get("/t/r1", JSON).await), [triple("r1", "cf:a", "v20")]);
        assert_eq!(s.call("DELETE", "/t/r1", &[], b"").await.status, 200);
        let gone = s.get("/t/r1", JSON).await;
        assert_eq!(gone.status, 404);
        assert_eq!(gone.json()["error"]["code"], "not_found");
        assert_eq!(s.get("/nope/r1", JSON).await.status, 404);
    }

    #[tokio::test]
    async fn raw_and_xml_writes() {
        let s = setup().await;
        let r = s
            .call(
                "PUT",
                "/t/raw/cf:q",
                &[("Content-Type", "application/octet-stream"), ("X-Timestamp", "7")],
                b"\x00\xff",
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        let raw = s.get("/t/raw/cf:q", "application/octet-stream").await;
        assert_eq!(raw.body, b"\x00\xff");
        assert_eq!(raw.header("x-timestamp"), Some("7"));

        let xml = format!(
            r#"<CellSet><Row key="{}"><Cell column="{}">{}</Cell></Row></CellSet>"#,
            b64(b"x"),
            b64(b"cf:q"),
            b64(b"from xml")
        );
        assert_eq!(s.call("POST", "/t/x", &[("Content-Type", "text/xml")], xml.as_bytes()).await.status, 200);
        assert_eq!(values(&s.get("/t/x", JSON).await), [triple("x", "cf:q", "from xml")]);

        let no_family = cell_set(&[("x", &[("zz:q", None, "v")])]);
        assert_eq!(s.call("PUT", "/t/x", &[("Content-Type", JSON)], &no_family).await.status, 404);
        let bare_family = cell_set(&[("x", &[("cf", None, "v")])]);
        assert_eq!(s.call("PUT", "/t/x", &[("Content-Type", JSON)], &bare_family).await.status, 400);
        assert_eq!(s.call("PUT", "/t/x", &[("Content-Type", JSON)], b"{not json").await.status, 400);
        let bad_proto = s.call("PUT", "/t/x", &[("Content-Type", "application/x-protobuf")], b"\x0a").await;
        assert_eq!(bad_proto.status, 400);
        let cells = super::CellSet {
            rows: vec![super::RowModel {
                key: Some(Bytes::from_static(b"pb")),
                cells: vec![super::CellModel {
                    column: Some(Bytes::from_static(b"cf:q")),
                    timestamp: Some(5),
                    value: Bytes::from_static(b"v"),
                }],
            }],
        };
        let wire = super::protobuf::cell_set_to_protobuf(&cells);
        let put = s.call("PUT", "/t/fakerow", &[("Content-Type", "application/x-protobuf")], &wire).await;
        assert_eq!(put.status, 200, "{}", put.text());
        let got = s.get("/t/pb", "application/x-protobuf").await;
        assert_eq!(got.header("content-type"), Some("application/x-protobuf"));
        assert_eq!(super::protobuf::cell_set_from_protobuf(&got.body).unwrap(), cells);
    }

    #[tokio::test]
    async fn ranges_prefixes_and_multiget() {
        let s = setup().await;
        let body =
            cell_set(&[("a1", &[("cf:q", None, "1")]), ("a2", &[("cf:q", None, "2")]), ("b1", &[("cf:q", None, "3")])]);
        assert_eq!(s.call("PUT", "/t/fakerow", &[("Content-Type", JSON)], &body).await.status, 200);
        let range = s.get("/t/a1,b1", JSON).await;
        assert_eq!(values(&range).iter().map(|v| v.0.as_str()).collect::<Vec<_>>(), ["a1", "a2"]);
        let prefix = s.get("/t/a*/cf", JSON).await;
        assert_eq!(values(&prefix).len(), 2);

        let multi = s.get("/t/multiget?row=a1&row=b1&row=zz", JSON).await;
        assert_eq!(values(&multi).iter().map(|v| v.0.as_str()).collect::<Vec<_>>(), ["a1", "b1"]);
        let with_cols = s.get("/t/multiget/cf:q?row=a2", JSON).await;
        assert_eq!(values(&with_cols), [triple("a2", "cf:q", "2")]);
        assert_eq!(s.get("/t/multiget?row=zz", JSON).await.status, 404);
        assert_eq!(s.get("/t/multiget", JSON).await.status, 400);
    }

    /// A row key, qualifier or scan bound beyond the store's limits is a 400
    /// with the JSON error body, never a panic and a 500.
    #[tokio::test]
    async fn oversized_keys_are_bad_requests() {
        let s = setup().await;
        let bad_request = |r: &Reply, what: &str| {
            assert_eq!(r.status, 400, "{what}: {}", r.text());
            assert_eq!(r.json()["error"]["code"], "bad_request", "{what}");
        };
        // In a CellSet body, a row key past the LSM tree's 65,535-byte keys.
        let huge = "k".repeat(70_000);
        let body = cell_set(&[(&huge, &[("cf:q", None, "v")])]);
        bad_request(&s.call("PUT", "/t/fakerow", &[("Content-Type", JSON)], &body).await, "CellSet row");
        let raw = [("Content-Type", "application/octet-stream"), ("X-Row", huge.as_str()), ("X-Column", "cf:q")];
        bad_request(&s.call("PUT", "/t/fakerow", &raw, b"v").await, "X-Row");
        let qualifier = format!("cf:{huge}");
        let body = cell_set(&[("r", &[(&qualifier, None, "v")])]);
        bad_request(&s.call("PUT", "/t/r", &[("Content-Type", JSON)], &body).await, "qualifier");
        let check = cell_set(&[(&huge, &[("cf:q", None, "new"), ("cf:q", None, "")])]);
        bad_request(&s.call("PUT", "/t/x?check=put", &[("Content-Type", JSON)], &check).await, "check=put");

        // In the path (a URI holds at most 65,534 bytes): past HBase's 32,767-byte row keys.
        let long = "k".repeat(40_000);
        bad_request(&s.get(&format!("/t/{long}"), JSON).await, "get");
        bad_request(&s.get(&format!("/t/{long}/cf:q"), "application/octet-stream").await, "raw get");
        bad_request(&s.get(&format!("/t/a,{long}"), JSON).await, "range");
        bad_request(&s.get(&format!("/t/{long}*"), JSON).await, "prefix scan");
        bad_request(&s.get(&format!("/t/*?startrow={long}"), JSON).await, "scan start");
        bad_request(&s.get(&format!("/t/multiget?row={long}"), JSON).await, "multiget");
        bad_request(&s.call("DELETE", &format!("/t/{long}"), &[], b"").await, "delete");
        bad_request(
            &s.call("PUT", &format!("/t/{long}/cf:q"), &[("Content-Type", "application/octet-stream")], b"v").await,
            "raw put",
        );
        let scanner = serde_json::json!({ "startRow": b64(long.as_bytes()) }).to_string();
        bad_request(&s.call("PUT", "/t/scanner", &[("Content-Type", JSON)], scanner.as_bytes()).await, "scanner");

        // The longest row key HBase allows still works.
        let longest = "k".repeat(enma_kv::MAX_ROW_BYTES);
        let put =
            s.call("PUT", &format!("/t/{longest}/cf:q"), &[("Content-Type", "application/octet-stream")], b"v").await;
        assert_eq!(put.status, 200, "{}", put.text());
        assert_eq!(s.get(&format!("/t/{longest}/cf:q"), "application/octet-stream").await.body, b"v");
    }

    /// As HBase answers a put without cells: 400, whatever the representation.
    #[tokio::test]
    async fn puts_without_cells_are_bad_requests() {
        let s = setup().await;
        for (content_type, body) in [
            (None, &b""[..]),
            (Some(JSON), b""),
            (Some(JSON), b"{}"),
            (Some(JSON), br#"{"Row":[]}"#),
            (Some(JSON), br#"{"Row":[{"key":"cg==","Cell":[]}]}"#),
            (Some("text/xml"), b"<CellSet/>"),
            (Some("text/xml"), b"<CellSet><Row key=\"cg==\"></Row></CellSet>"),
        ] {
            let headers: Vec<(&str, &str)> = content_type.map(|c| ("Content-Type", c)).into_iter().collect();
            for method in ["PUT", "POST"] {
                let r = s.call(method, "/t/r", &headers, body).await;
                assert_eq!(
                    r.status,
                    400,
                    "{method} {content_type:?} {:?}: {}",
                    String::from_utf8_lossy(body),
                    r.text()
                );
                assert_eq!(r.json()["error"]["code"], "bad_request");
            }
        }
        let no_cells = br#"{"Row":[{"key":"cg==","Cell":[]}]}"#;
        for check in ["increment", "append", "put", "delete"] {
            let r = s.call("POST", &format!("/t/r?check={check}"), &[("Content-Type", JSON)], no_cells).await;
            assert_eq!(r.status, 400, "check={check}: {}", r.text());
        }
        assert_eq!(s.get("/t/r", JSON).await.status, 404, "nothing was written");
        // An empty value is still a value: a raw put of no bytes stores it.
        let empty = s.call("PUT", "/t/r/cf:q", &[("Content-Type", "application/octet-stream")], b"").await;
        assert_eq!(empty.status, 200);
    }

    #[tokio::test]
    async fn check_and_put_delete_increment_append() {
        let s = setup().await;
        let put = cell_set(&[("r", &[("cf:q", None, "one")])]);
        assert_eq!(s.call("PUT", "/t/r", &[("Content-Type", JSON)], &put).await.status, 200);

        let cas = cell_set(&[("r", &[("cf:q", None, "two"), ("cf:q", None, "one")])]);
        assert_eq!(s.call("PUT", "/t/r?check=put", &[("Content-Type", JSON)], &cas).await.status, 200);
        assert_eq!(values(&s.get("/t/r/cf:q", JSON).await), [triple("r", "cf:q", "two")]);
        let stale = s.call("PUT", "/t/r?check=put", &[("Content-Type", JSON)], &cas).await;
        assert_eq!(stale.status, 304);
        let mismatch = cell_set(&[("r", &[("cf:other", None, "x"), ("cf:q", None, "two")])]);
        assert_eq!(s.call("PUT", "/t/r?check=put", &[("Content-Type", JSON)], &mismatch).await.status, 400);

        let absent = cell_set(&[("n", &[("cf:q", None, "new"), ("cf:q", None, "")])]);
        assert_eq!(s.call("PUT", "/t/n?check=put", &[("Content-Type", JSON)], &absent).await.status, 200);

        let del = cell_set(&[("r", &[("cf:q", None, "wrong")])]);
        assert_eq!(s.call("PUT", "/t/r?check=delete", &[("Content-Type", JSON)], &del).await.status, 304);
        let del = cell_set(&[("r", &[("cf:q", None, "two")])]);
        assert_eq!(s.call("PUT", "/t/r?check=delete", &[("Content-Type", JSON)], &del).await.status, 200);
        assert_eq!(s.get("/t/r/cf:q", JSON).await.status, 404);

        let inc = cell_set(&[("c", &[("cf:n", None, "5")])]);
        assert_eq!(s.call("POST", "/t/c?check=increment", &[("Content-Type", JSON)], &inc).await.status, 200);
        let again = s
            .call("POST", "/t/c?check=increment&returnResult=true", &[("Content-Type", JSON), ("Accept", JSON)], &inc)
            .await;
        assert_eq!(again.status, 200, "{}", again.text());
        let raw = s.get("/t/c/cf:n", "application/octet-stream").await;
        assert_eq!(raw.body, 10i64.to_be_bytes());
        let bad = cell_set(&[("c", &[("cf:n", None, "five")])]);
        assert_eq!(s.call("POST", "/t/c?check=increment", &[("Content-Type", JSON)], &bad).await.status, 400);

        let app = cell_set(&[("a", &[("cf:s", None, "ab")])]);
        assert_eq!(s.call("POST", "/t/a?check=append", &[("Content-Type", JSON)], &app).await.status, 200);
        assert_eq!(s.call("POST", "/t/a?check=append", &[("Content-Type", JSON)], &app).await.status, 200);
        assert_eq!(s.get("/t/a/cf:s", "application/octet-stream").await.body, b"abab");

        assert_eq!(s.call("POST", "/t/a?check=bogus", &[("Content-Type", JSON)], &app).await.status, 400);
    }
}
