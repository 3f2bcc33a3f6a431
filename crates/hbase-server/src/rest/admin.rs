//! Cluster, namespace and table administration: versions, cluster status,
//! table and namespace lists, namespace create/alter/drop, and a table's
//! schema (create, replace, update, drop), regions and existence.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use enma_http::HttpError;
use enma_kv::{TableName, TableSchema};

use super::format::{Format, render};
use super::model::{
    ClusterStatus, ClusterVersion, HBASE_VERSION, NamespaceList, NamespaceProperties, TableInfo, TableList,
    TableSchemaModel, Version,
};
use super::{ApiError, AppState, blocking, protobuf, spec, table_and_rest};

/// Representations of the admin models, JSON first.
const ADMIN_FORMATS: [Format; 3] = [Format::Json, Format::Xml, Format::Text];

/// The same, for the models that also have a protobuf message.
const ADMIN_PROTOBUF_FORMATS: [Format; 4] = [Format::Json, Format::Xml, Format::Text, Format::Protobuf];

/// The routes of this area, merged by [`super::router`].
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(tables))
        .route("/version", get(version))
        .route("/version/rest", get(version))
        .route("/version/cluster", get(cluster_version))
        .route("/status/cluster", get(cluster_status))
        .route("/namespaces", get(namespaces))
        .route("/namespaces/{ns}", get(namespace).post(create_namespace).put(alter_namespace).delete(drop_namespace))
        .route("/namespaces/{ns}/tables", get(namespace_tables))
        .route("/{table}/schema", get(schema).put(replace_schema).post(update_schema).delete(drop_table))
        .route("/{table}/regions", get(regions))
        .route("/{table}/exists", get(exists))
}

async fn version(headers: HeaderMap) -> Result<Response, ApiError> {
    Ok(render(&Version::current(), Format::accepted(&headers, &ADMIN_PROTOBUF_FORMATS)?))
}

async fn cluster_version(headers: HeaderMap) -> Result<Response, ApiError> {
    Ok(render(&ClusterVersion(HBASE_VERSION.into()), Format::accepted(&headers, &ADMIN_FORMATS)?))
}

/// This server's `host:port` as the client reached it, the name of our one "region server".
fn node_name(headers: &HeaderMap) -> String {
    headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost").to_string()
}

async fn cluster_status(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let format = Format::accepted(&headers, &ADMIN_FORMATS)?;
    let regions = state.store.tables().iter().map(|t| format!("{t},,{}", state.started)).collect();
    let status = ClusterStatus { node: node_name(&headers), start_code: state.started, regions };
    Ok(render(&status, format))
}

async fn tables(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let format = Format::accepted(&headers, &ADMIN_PROTOBUF_FORMATS)?;
    let names = state.store.tables().iter().map(|t| t.to_string()).collect();
    Ok(render(&TableList(names), format))
}

async fn namespaces(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let format = Format::accepted(&headers, &ADMIN_FORMATS)?;
    Ok(render(&NamespaceList(state.store.namespaces()), format))
}

/// The namespace named in `/namespaces/{ns}...`, decoded from the raw path.
fn namespace_of(uri: &Uri) -> Result<String, ApiError> {
    let raw = uri.path().trim_start_matches('/').split('/').nth(1).unwrap_or("");
    String::from_utf8(spec::percent_decode(raw)).map_err(|_| ApiError::bad_request("the namespace name is not UTF-8"))
}

fn namespace_exists(state: &AppState, ns: &str) -> bool {
    state.store.namespaces().iter().any(|n| n == ns)
}

async fn namespace(State(state): State<AppState>, uri: Uri, headers: HeaderMap) -> Result<Response, ApiError> {
    let format = Format::accepted(&headers, &ADMIN_FORMATS)?;
    let ns = namespace_of(&uri)?;
    if !namespace_exists(&state, &ns) {
        return Err(ApiError::not_found(format!("namespace '{ns}' does not exist")));
    }
    Ok(render(&NamespaceProperties, format))
}

/// `POST /namespaces/{ns}`: creates it; 403 when it exists, as HBase answers.
async fn create_namespace(State(state): State<AppState>, uri: Uri) -> Result<Response, ApiError> {
    let ns = namespace_of(&uri)?;
    if namespace_exists(&state, &ns) {
        return Err(ApiError::forbidden(format!(
            "namespace '{ns}' already exists; use PUT to alter an existing namespace"
        )));
    }
    let store = state.store.clone();
    blocking(move || Ok(store.create_namespace(&ns)?)).await?;
    Ok(StatusCode::CREATED.into_response())
}

/// `PUT /namespaces/{ns}`: alters it. The store keeps no namespace properties,
/// so this only checks that it exists (403 otherwise, as HBase answers).
async fn alter_namespace(State(state): State<AppState>, uri: Uri) -> Result<Response, ApiError> {
    let ns = namespace_of(&uri)?;
    if !namespace_exists(&state, &ns) {
        return Err(ApiError::forbidden(format!("namespace '{ns}' does not exist; use POST to create it")));
    }
    Ok(StatusCode::OK.into_response())
}

async fn drop_namespace(State(state): State<AppState>, uri: Uri) -> Result<Response, ApiError> {
    let ns = namespace_of(&uri)?;
    if !namespace_exists(&state, &ns) {
        return Err(ApiError::not_found(format!("namespace '{ns}' does not exist")));
    }
    let store = state.store.clone();
    blocking(move || Ok(store.delete_namespace(&ns)?)).await?;
    Ok(StatusCode::OK.into_response())
}

async fn namespace_tables(State(state): State<AppState>, uri: Uri, headers: HeaderMap) -> Result<Response, ApiError> {
    let format = Format::accepted(&headers, &ADMIN_PROTOBUF_FORMATS)?;
    let ns = namespace_of(&uri)?;
    if !namespace_exists(&state, &ns) {
        return Err(ApiError::not_found(format!("namespace '{ns}' does not exist")));
    }
    let names = state.store.tables().into_iter().filter(|t| t.namespace == ns).map(|t| t.name).collect();
    Ok(render(&TableList(names), format))
}

fn table_of(uri: &Uri) -> Result<TableName, ApiError> {
    Ok(table_and_rest(uri.path())?.0)
}

async fn schema(State(state): State<AppState>, uri: Uri, headers: HeaderMap) -> Result<Response, ApiError> {
    let format = Format::accepted(&headers, &ADMIN_PROTOBUF_FORMATS)?;
    let table = table_of(&uri)?;
    let schema = state.store.schema(&table)?;
    Ok(render(&TableSchemaModel::from_schema(&schema), format))
}

/// Reads a TableSchema body (JSON or XML) into its column families.
fn schema_body(headers: &HeaderMap, body: &[u8]) -> Result<Vec<enma_kv::Family>, ApiError> {
    let model = match Format::of_body(headers, body, &[Format::Json, Format::Xml, Format::Protobuf])? {
        Format::Xml => TableSchemaModel::from_xml(body),
        Format::Protobuf => protobuf::table_schema_from_protobuf(body),
        _ => TableSchemaModel::from_json(body),
    }
    .map_err(ApiError::bad_request)?;
    model.families().map_err(ApiError::bad_request)
}

/// `PUT /{table}/schema`: creates the table, or replaces its families (those not
/// listed are dropped). 201 Created either way, as HBase answers.
async fn replace_schema(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body.map_err(HttpError::from)?;
    let table = table_of(&uri)?;
    let families = schema_body(&headers, &body)?;
    let store = state.store.clone();
    blocking(move || {
        let schema = TableSchema { name: table.clone(), families };
        if store.table_exists(&table) {
            store.alter_table(schema)?
        } else {
            store.create_table(schema)?
        }
        Ok(())
    })
    .await?;
    Ok(created(&uri))
}

/// `POST /{table}/schema`: creates the table (201), or adds and updates the
/// families listed, keeping the others (200).
async fn update_schema(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body.map_err(HttpError::from)?;
    let table = table_of(&uri)?;
    let families = schema_body(&headers, &body)?;
    let store = state.store.clone();
    let was_created = blocking(move || {
        if !store.table_exists(&table) {
            store.create_table(TableSchema { name: table, families })?;
            return Ok(true);
        }
        let mut schema = store.schema(&table)?;
        for f in families {
            match schema.families.iter_mut().find(|old| old.name == f.name) {
                Some(old) => *old = f,
                None => schema.families.push(f),
            }
        }
        store.alter_table(schema)?;
        Ok(false)
    })
    .await?;
    Ok(if was_created { created(&uri) } else { StatusCode::OK.into_response() })
}

fn created(uri: &Uri) -> Response {
    let mut response = StatusCode::CREATED.into_response();
    if let Ok(location) = uri.path().parse() {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

/// `DELETE /{table}/schema`: disables and deletes the table.
async fn drop_table(State(state): State<AppState>, uri: Uri) -> Result<Response, ApiError> {
    let table = table_of(&uri)?;
    let store = state.store.clone();
    blocking(move || {
        store.disable_table(&table)?;
        Ok(store.delete_table(&table)?)
    })
    .await?;
    Ok(StatusCode::OK.into_response())
}

async fn regions(State(state): State<AppState>, uri: Uri, headers: HeaderMap) -> Result<Response, ApiError> {
    let format = Format::accepted(&headers, &[Format::Json, Format::Xml])?;
    let table = table_of(&uri)?;
    if !state.store.table_exists(&table) {
        return Err(enma_kv::Error::TableNotFound(table.to_string()).into());
    }
    let info = TableInfo { table: table.to_string(), location: node_name(&headers), region_id: state.started };
    Ok(render(&info, format))
}

/// `GET /{table}/exists`: 200 when the table exists, 404 when not.
async fn exists(State(state): State<AppState>, uri: Uri) -> Result<Response, ApiError> {
    let table = table_of(&uri)?;
    if !state.store.table_exists(&table) {
        return Err(enma_kv::Error::TableNotFound(table.to_string()).into());
    }
    Ok(StatusCode::OK.into_response())
}

#[cfg(test)]
mod tests {
    use super::super::RestConfig;
    use super::super::testing::Server;

    const JSON: &str = "application/json";

    #[tokio::test]
    async fn versions_and_status() {
        let s = Server::start(RestConfig::default()).await;
        let v = s.get("/version", JSON).await;
        assert_eq!(v.status, 200);
        assert!(v.json()["REST"].is_string());
        let x = s.get("/version", "text/xml").await;
        assert!(x.text().contains("<Version "), "{}", x.text());
        assert_eq!(x.header("content-type"), Some("text/xml"));
        assert!(s.get("/version", "text/plain").await.text().starts_with("rest "));
        assert_eq!(s.get("/version/cluster", JSON).await.json()["Version"], super::HBASE_VERSION);
        let status = s.get("/status/cluster", JSON).await.json();
        assert!(status["LiveNodes"].is_array());
        let pb = s.get("/version", "application/x-protobuf").await;
        assert_eq!(pb.header("content-type"), Some("application/x-protobuf"));
        assert_eq!(&pb.body[..7], b"\x0a\x050.0.3", "restVersion is field 1");
        assert_eq!(s.get("/version/cluster", "application/x-protobuf").await.status, 406);
    }

    #[tokio::test]
    async fn namespace_lifecycle() {
        let s = Server::start(RestConfig::default()).await;
        assert_eq!(s.call("POST", "/namespaces/ns1", &[("Content-Type", JSON)], b"").await.status, 201);
        assert_eq!(s.call("POST", "/namespaces/ns1", &[], b"").await.status, 403);
        assert_eq!(s.call("PUT", "/namespaces/ns1", &[], b"").await.status, 200);
        assert_eq!(s.call("PUT", "/namespaces/nope", &[], b"").await.status, 403);
        let list = s.get("/namespaces", JSON).await.json();
        assert!(list["Namespace"].as_array().unwrap().iter().any(|n| n == "ns1"));
        assert_eq!(s.get("/namespaces/ns1", JSON).await.status, 200);
        assert_eq!(s.get("/namespaces/nope", JSON).await.status, 404);

        let schema = br#"{"name":"ns1:t","ColumnSchema":[{"name":"cf"}]}"#;
        let r = s.call("PUT", "/ns1:t/schema", &[("Content-Type", JSON)], schema).await;
        assert_eq!(r.status, 201, "{}", r.text());
        let tables = s.get("/namespaces/ns1/tables", JSON).await.json();
        assert_eq!(tables["table"][0]["name"], "t");
        assert_eq!(s.get("/", JSON).await.json()["table"][0]["name"], "ns1:t");
        let busy = s.call("DELETE", "/namespaces/ns1", &[], b"").await;
        assert_eq!(busy.status, 409, "{}", busy.text());
        assert_eq!(s.call("DELETE", "/ns1:t/schema", &[], b"").await.status, 200);
        assert_eq!(s.call("DELETE", "/namespaces/ns1", &[], b"").await.status, 200);
        assert_eq!(s.call("DELETE", "/namespaces/ns1", &[], b"").await.status, 404);
    }

    #[tokio::test]
    async fn schema_put_replaces_and_post_updates() {
        let s = Server::start(RestConfig::default()).await;
        let xml = br#"<?xml version="1.0"?><TableSchema name="t"><ColumnSchema name="a" VERSIONS="3"/><ColumnSchema name="b"/></TableSchema>"#;
        let r = s.call("PUT", "/t/schema", &[("Content-Type", "text/xml")], xml).await;
        assert_eq!(r.status, 201, "{}", r.text());
        let got = s.get("/t/schema", JSON).await.json();
        assert_eq!(got["ColumnSchema"].as_array().unwrap().len(), 2);
        assert_eq!(got["ColumnSchema"][0]["VERSIONS"], "3");

        let update = br#"{"name":"t","ColumnSchema":[{"name":"b","VERSIONS":"5"},{"name":"c"}]}"#;
        assert_eq!(s.call("POST", "/t/schema", &[("Content-Type", JSON)], update).await.status, 200);
        let got = s.get("/t/schema", JSON).await.json();
        let names: Vec<&str> =
            got["ColumnSchema"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["a", "b", "c"]);
        assert_eq!(got["ColumnSchema"][1]["VERSIONS"], "5");

        let replace = br#"{"name":"t","ColumnSchema":[{"name":"c"}]}"#;
        assert_eq!(s.call("PUT", "/t/schema", &[("Content-Type", JSON)], replace).await.status, 201);
        assert_eq!(s.get("/t/schema", JSON).await.json()["ColumnSchema"].as_array().unwrap().len(), 1);
        let xml = s.get("/t/schema", "text/xml").await.text();
        assert!(xml.contains(r#"<ColumnSchema name="c""#), "{xml}");

        assert_eq!(s.get("/t/regions", JSON).await.json()["Region"].as_array().unwrap().len(), 1);
        assert_eq!(s.get("/t/exists", JSON).await.status, 200);
        assert_eq!(s.get("/nope/exists", JSON).await.status, 404);
        assert_eq!(s.get("/nope/schema", JSON).await.status, 404);

        let bad = s
            .call("PUT", "/t/schema", &[("Content-Type", JSON)], br#"{"ColumnSchema":[{"name":"c","VERSIONS":"x"}]}"#)
            .await;
        assert_eq!(bad.status, 400);
        assert_eq!(bad.json()["error"]["code"], "bad_request");
        let none = s.call("PUT", "/t2/schema", &[("Content-Type", JSON)], br#"{"name":"t2"}"#).await;
        assert_eq!(none.status, 400, "{}", none.text());
        let garbage = s.call("PUT", "/t2/schema", &[("Content-Type", "text/xml")], b"<TableSchema").await;
        assert_eq!(garbage.status, 400);
    }
}
