//! The REST client: HBase's REST API with JSON CellSets (values in base64),
//! as HBase's REST clients speak it, over one keep-alive HTTP connection per
//! client (one `reqwest::Client`, driven by the client thread's own
//! single-threaded runtime, so each call is one request the thread waits for).
//!
//! A scan is what HBase's own REST client (`RemoteHTable.getScanner`) and
//! most others do: a stateful scanner — `PUT /bench/scanner` with the start
//! row and the limit, one `GET .../scanner/{id}?n=N` for the rows, `DELETE`
//! — three requests. `--rest-scan stateless` measures the one-request
//! `GET /bench/*?startrow=..&limit=N` instead.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use bytes::Bytes;
use clap::ValueEnum;
use reqwest::header::{ACCEPT, CONTENT_TYPE, LOCATION};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::Result;
use crate::load::{COLUMN, Calls, Client, FAMILY, TABLE};

/// How a REST scan is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RestScan {
    /// `PUT /{table}/scanner`, `GET /{table}/scanner/{id}?n=N`, `DELETE`.
    Stateful,
    /// `GET /{table}/*?startrow=..&limit=N`.
    Stateless,
}

pub fn calls(scan: RestScan) -> Calls {
    Calls {
        put: "PUT /bench/{row}/d:v, JSON CellSet",
        get: "GET /bench/{row}/d:v, Accept: application/json",
        scan: match scan {
            RestScan::Stateful => {
                "stateful scanner: PUT /bench/scanner, GET /bench/scanner/{id}?n=N, DELETE (3 requests)"
            }
            RestScan::Stateless => "stateless scan: GET /bench/*?startrow=..&limit=N (1 request)",
        },
    }
}

const JSON: &str = "application/json";

/// One client: its runtime, its HTTP connection pool (one connection in use).
pub struct RestClient {
    runtime: tokio::runtime::Runtime,
    http: reqwest::Client,
    base: String,
    scan: RestScan,
}

impl RestClient {
    pub fn new(addr: &str, scan: RestScan) -> Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let http = {
            let _inside = runtime.enter();
            // Loopback: never through a proxy from the environment.
            reqwest::Client::builder().no_proxy().build()?
        };
        Ok(RestClient { runtime, http, base: format!("http://{addr}"), scan })
    }

    /// One request, its status and whole body.
    fn call(&self, method: Method, path: &str, body: Option<Vec<u8>>) -> Result<(StatusCode, Bytes)> {
        let mut request = self.http.request(method, format!("{}{path}", self.base)).header(ACCEPT, JSON);
        if let Some(body) = body {
            request = request.header(CONTENT_TYPE, JSON).body(body);
        }
        let (status, location, body) = self.runtime.block_on(async {
            let response = request.send().await?;
            let status = response.status();
            let location = response.headers().get(LOCATION).map(|l| Bytes::copy_from_slice(l.as_bytes()));
            Ok::<_, reqwest::Error>((status, location, response.bytes().await?))
        })?;
        // A creation answers with a URL and no body: the URL is what matters.
        match location {
            Some(location) if status == StatusCode::CREATED => Ok((status, location)),
            _ => Ok((status, body)),
        }
    }

    /// A call that must answer one of `ok`.
    fn expect(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
        ok: &[StatusCode],
    ) -> Result<(StatusCode, Bytes)> {
        let what = format!("{method} {path}");
        let (status, body) = self.call(method, path, body)?;
        if !ok.contains(&status) {
            return Err(format!("{what} answered {status}: {}", String::from_utf8_lossy(&body)).into());
        }
        Ok((status, body))
    }
}

impl Client for RestClient {
    fn reset_table(&mut self) -> Result<()> {
        let path = format!("/{TABLE}/schema");
        self.expect(Method::DELETE, &path, None, &[StatusCode::OK, StatusCode::NOT_FOUND])?;
        let schema = json!({ "name": TABLE, "ColumnSchema": [{ "name": FAMILY, "VERSIONS": "1" }] });
        self.expect(Method::PUT, &path, Some(serde_json::to_vec(&schema)?), &[StatusCode::CREATED])?;
        Ok(())
    }

    fn put(&mut self, row: &[u8], value: &[u8]) -> Result<()> {
        let cells = json!({ "Row": [{
            "key": B64.encode(row),
            "Cell": [{ "column": B64.encode(COLUMN), "$": B64.encode(value) }],
        }]});
        let path = format!("/{TABLE}/{}/{COLUMN}", text(row)?);
        self.expect(Method::PUT, &path, Some(serde_json::to_vec(&cells)?), &[StatusCode::OK])?;
        Ok(())
    }

    fn get(&mut self, row: &[u8]) -> Result<Option<Bytes>> {
        let path = format!("/{TABLE}/{}/{COLUMN}", text(row)?);
        let (status, body) = self.expect(Method::GET, &path, None, &[StatusCode::OK, StatusCode::NOT_FOUND])?;
        if status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let cells = cell_set(&body)?;
        let value =
            cells["Row"][0]["Cell"][0]["$"].as_str().ok_or_else(|| format!("GET {path}: no cell in {cells}"))?;
        Ok(Some(B64.decode(value)?.into()))
    }

    fn scan(&mut self, start: &[u8], rows: usize) -> Result<Vec<Bytes>> {
        let body = match self.scan {
            RestScan::Stateless => {
                let path = format!("/{TABLE}/*?startrow={}&limit={rows}", text(start)?);
                self.expect(Method::GET, &path, None, &[StatusCode::OK])?.1
            }
            RestScan::Stateful => {
                let model = json!({ "startRow": B64.encode(start), "limit": rows });
                let path = format!("/{TABLE}/scanner");
                let (_, location) =
                    self.expect(Method::PUT, &path, Some(serde_json::to_vec(&model)?), &[StatusCode::CREATED])?;
                let location = text(&location)?;
                let id = location.rsplit('/').next().filter(|id| !id.is_empty());
                let id = id.ok_or_else(|| format!("PUT {path}: no scanner id in Location '{location}'"))?;
                let scanner = format!("/{TABLE}/scanner/{id}");
                let (status, body) = self.expect(
                    Method::GET,
                    &format!("{scanner}?n={rows}"),
                    None,
                    &[StatusCode::OK, StatusCode::NO_CONTENT],
                )?;
                self.expect(Method::DELETE, &scanner, None, &[StatusCode::OK])?;
                if status == StatusCode::NO_CONTENT {
                    return Ok(Vec::new());
                }
                body
            }
        };
        let cells = cell_set(&body)?;
        let Some(found) = cells["Row"].as_array() else { return Ok(Vec::new()) };
        found
            .iter()
            .map(|r| -> Result<Bytes> {
                let key = r["key"].as_str().ok_or("a scanned row has no key")?;
                Ok(B64.decode(key)?.into())
            })
            .collect()
    }
}

fn cell_set(body: &[u8]) -> Result<Value> {
    serde_json::from_slice(body)
        .map_err(|e| format!("a CellSet that is not JSON ({e}): {}", String::from_utf8_lossy(body)).into())
}

/// Our row keys are ASCII and need no escaping in a path or query.
fn text(bytes: &[u8]) -> Result<&str> {
    std::str::from_utf8(bytes).map_err(|_| "a row key that is not UTF-8".into())
}
