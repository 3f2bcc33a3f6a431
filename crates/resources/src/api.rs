//! Eve's HTTP behaviour: one handler reads the path as Eve's URL map does
//! (home, resource endpoints, item endpoints by id or additional lookup)
//! and answers with Eve's envelopes, links, headers and status codes.

use std::collections::HashSet;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bson::oid::ObjectId;
use bson::{Bson, Document, doc};
use enma_docstore::{DocumentStore, Find, StoreError, Update};
use serde_json::{Map, Value, json};

use crate::auth::{Access, Authenticator, Denied};
use crate::etag::etag_ignoring;
use crate::feed::Feed;
use crate::keyset;
use crate::query::{self, CastMode, FieldType, PaginationConfig, QueryParams, ResourceQueryConfig, WhereOptions};
use crate::ratelimit::{self, RateLimits};
use crate::render::{document_to_json, format_date, parse_http_date};
use crate::settings::{Resource, Settings};
use crate::validate::{self, Invalid, Lookups, Mode, Payload, Schema, SchemaOptions, UniqueQuery, UniqueScope};
use crate::versioning;

/// Werkzeug's texts, which Eve answers with.
const NOT_FOUND: &str = "The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.";
const BAD_REQUEST: &str = "The browser (or proxy) sent a request that this server could not understand.";
const NOT_ALLOWED: &str = "The method is not allowed for the requested URL.";
const TOO_LARGE: &str = "The data value transmitted exceeds the capacity limit.";
/// Eve's answers when credentials are missing or wrong, and when a query
/// asks for another user's documents.
const UNAUTHORIZED: &str = "Please provide proper credentials";
const FORBIDDEN: &str = "You don't have the permission to access the requested resource. It is either read-protected or not readable by the server.";
/// The query parameter giving an aggregation's `$var`s.
const AGGREGATE_PARAM: &str = "aggregate";
/// Beyond Eve: where the OpenAPI document is served, under the API's prefix.
const OPENAPI_PATH: &str = "openapi.json";
/// Beyond Eve: the keyset cursor and the counting mode of a collection GET.
const AFTER_PARAM: &str = "after";
const COUNT_PARAM: &str = "count";
const INCOMPATIBLE_USER: &str = "Incompatible User-Restricted Resource request.";

/// The API: settings, each resource's checked schema, and the store.
pub struct Api {
    pub settings: Settings,
    schemas: Vec<Schema>,
    store: Arc<dyn DocumentStore>,
    body_limit: usize,
    /// Checks credentials when the settings have `AUTH`.
    authenticator: Option<Authenticator>,
    /// Counts requests against `RATE_LIMIT_*`.
    rate_limits: RateLimits,
    /// Tells listeners of each resource about its writes.
    feed: Feed,
}

impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Api").field("resources", &self.settings.resources.len()).finish_non_exhaustive()
    }
}

impl Api {
    pub fn new(settings: Settings, store: Arc<dyn DocumentStore>, body_limit: usize) -> Result<Api, String> {
        let mut schemas = Vec::new();
        for r in &settings.resources {
            let options = SchemaOptions {
                allow_unknown: r.allow_unknown,
                id_field: r.id_field.clone(),
                error_as_list: settings.validation_error_as_list,
                ..SchemaOptions::default()
            };
            let schema =
                Schema::parse_with(&r.schema, options).map_err(|e| format!("DOMAIN.{}.schema: {e}", r.name))?;
            schemas.push(schema);
        }
        let authenticator = settings.auth.clone().map(|a| {
            let source = a.accounts.as_ref().and_then(|name| settings.resources.iter().find(|r| &r.name == name));
            Authenticator::new(a, store.clone(), source.map(|r| r.source.clone()))
        });
        let rate_limits = RateLimits::new(settings.rate_limits.clone());
        Ok(Api { settings, schemas, store, body_limit, authenticator, rate_limits, feed: Feed::default() })
    }

    /// The position of the resource `name` in the settings.
    pub fn resource_index(&self, name: &str) -> Option<usize> {
        self.settings.resources.iter().position(|r| r.name == name)
    }

    /// Ends the open change feeds (the server is stopping).
    pub fn close_feeds(&self) {
        self.feed.close();
    }

    /// The store the resources live in.
    pub fn store(&self) -> &Arc<dyn DocumentStore> {
        &self.store
    }

    /// What every read of resource `i` from SQL keeps to: its datasource
    /// filter, and no soft-deleted documents.
    pub fn sql_base_filter(&self, i: usize) -> Option<Document> {
        let r = &self.settings.resources[i];
        let mut parts: Vec<Bson> = Vec::new();
        if let Some(f) = r.filter.as_ref().filter(|f| !f.is_empty()) {
            parts.push(Bson::Document(f.clone()));
        }
        if r.soft_delete {
            parts.push(Bson::Document(doc! {self.settings.names.deleted.clone(): {"$ne": true}}));
        }
        match parts.len() {
            0 => None,
            1 => parts.pop().and_then(|p| p.as_document().cloned()),
            _ => Some(doc! {"$and": parts}),
        }
    }

    /// POSTs `documents` to resource `i` as one request from the operator
    /// (validated, all or none); the error is the answer's body.
    pub async fn insert_values(&self, i: usize, documents: Vec<Value>) -> Result<(), String> {
        let headers = HeaderMap::new();
        let args = Args(Vec::new());
        let ctx = Ctx {
            api: self,
            headers: &headers,
            args: &args,
            host: "localhost".into(),
            captures: Vec::new(),
            path: "",
            auth_field: None,
            user: None,
            user_name: None,
            client: None,
        };
        let answer = ctx.insert(i, &Value::Array(documents).to_string(), None).await;
        if answer.status == StatusCode::CREATED {
            return Ok(());
        }
        Err(answer.body.map(|b| b.to_string()).unwrap_or_else(|| answer.status.to_string()))
    }

    /// Creates the indexes `mongo_indexes` declares.
    pub async fn create_indexes(&self) -> Result<(), StoreError> {
        for r in &self.settings.resources {
            for index in &r.mongo_indexes {
                self.store.create_index(&r.source, index).await?;
            }
        }
        Ok(())
    }
}

/// An answer: status, headers and a JSON body (or none).
struct Answer {
    status: StatusCode,
    headers: Vec<(header::HeaderName, HeaderValue)>,
    body: Option<Value>,
}

impl Answer {
    fn json(status: StatusCode, body: Value) -> Answer {
        Answer { status, headers: Vec::new(), body: Some(body) }
    }

    /// An answer without a body (204, 304, OPTIONS).
    fn empty(status: StatusCode) -> Answer {
        Answer { status, headers: Vec::new(), body: None }
    }

    fn header(mut self, name: header::HeaderName, value: &str) -> Answer {
        if let Ok(v) = HeaderValue::from_str(value) {
            self.headers.retain(|(n, _)| *n != name);
            self.headers.push((name, v));
        }
        self
    }
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        let body = match &self.body {
            Some(v) => Body::from(v.to_string()),
            None => Body::empty(),
        };
        let mut response = Response::new(body);
        *response.status_mut() = self.status;
        if self.status != StatusCode::NOT_MODIFIED {
            response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        for (name, value) in self.headers {
            response.headers_mut().insert(name, value);
        }
        response
    }
}

fn error(api: &Api, code: u16, message: &str) -> Answer {
    let n = &api.settings.names;
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST);
    let mut body = Map::new();
    body.insert(n.status.clone(), json!(n.status_err));
    body.insert(n.error.clone(), json!({"code": code, "message": message}));
    Answer::json(status, Value::Object(body))
}

/// Eve's 401, which asks for Basic credentials whatever the scheme.
fn unauthorized(api: &Api, message: &str) -> Answer {
    error(api, 401, message).header(header::WWW_AUTHENTICATE, "Basic realm=\"eve\"")
}

fn store_error(api: &Api, e: StoreError) -> Answer {
    match e {
        StoreError::Invalid(m) => {
            tracing::debug!("refused by the store: {m}");
            error(api, 400, BAD_REQUEST)
        }
        StoreError::Duplicate { .. } => error(
            api,
            409,
            "A conflict happened while processing the request. The resource might have been modified while the request was being processed.",
        ),
        StoreError::Backend(m) => {
            tracing::error!("resource store: {m}");
            error(api, 503, "The document store is unavailable; try again later.")
        }
    }
}

/// What a request's path names.
enum Target<'a> {
    Home,
    /// Beyond Eve: the OpenAPI document of the settings.
    OpenApi,
    Collection(usize),
    Item(usize, Lookup<'a>),
}

/// How an item is looked up: by its id (`item_lookup_field`) or by an additional lookup field.
enum Lookup<'a> {
    Id(&'a str),
    Field(&'a str, &'a str),
}

/// A request's target, and the values a sub-resource URL's variables took.
type Routed<'a> = (Target<'a>, Vec<(String, String)>);

fn route<'a>(api: &'a Api, path: &'a str) -> Option<Routed<'a>> {
    let base = api.settings.base_path();
    let rest = path.strip_prefix(base.as_str())?;
    if !rest.is_empty() && !rest.starts_with('/') {
        return None;
    }
    let rest = rest.trim_start_matches('/');
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.is_empty() {
        return Some((Target::Home, Vec::new()));
    }
    if rest == OPENAPI_PATH && !api.settings.resources.iter().any(|r| r.url == OPENAPI_PATH) {
        return Some((Target::OpenApi, Vec::new()));
    }
    // The longest resource url that prefixes the path.
    // (resource, rest of the path, variables, length of the matched url)
    type Candidate<'p> = (usize, &'p str, Vec<(String, String)>, usize);
    let mut best: Option<Candidate<'a>> = None;
    for (i, r) in api.settings.resources.iter().enumerate() {
        if r.internal {
            continue;
        }
        let found = match &r.url_pattern {
            None => {
                let tail = if rest == r.url {
                    Some("")
                } else {
                    rest.strip_prefix(r.url.as_str()).and_then(|t| t.strip_prefix('/'))
                };
                tail.map(|t| (t, Vec::new(), r.url.len()))
            }
            Some((re, fields)) => {
                let split = rest.rsplit_once('/');
                let attempts = [(rest, ""), split.map_or(("", ""), |(head, tail)| (head, tail))];
                attempts.into_iter().find_map(|(head, tail)| {
                    let c = re.captures(head)?;
                    let values = fields
                        .iter()
                        .enumerate()
                        .map(|(k, f)| (f.clone(), c.get(k + 1).map_or("", |m| m.as_str()).to_string()))
                        .collect();
                    Some((tail, values, head.len()))
                })
            }
        };
        if let Some((tail, values, len)) = found
            && best.as_ref().is_none_or(|b| b.3 < len)
        {
            best = Some((i, tail, values, len));
        }
    }
    let (i, tail, captures, _) = best?;
    let r = &api.settings.resources[i];
    if tail.is_empty() {
        return Some((Target::Collection(i), captures));
    }
    if tail.contains('/') {
        return None;
    }
    if r.item_lookup && r.item_url.as_ref().is_none_or(|re| re.is_match(tail)) {
        return Some((Target::Item(i, Lookup::Id(tail)), captures));
    }
    if let Some((rule, field)) = &r.additional_lookup
        && rule.as_ref().is_none_or(|re| re.is_match(tail))
    {
        return Some((Target::Item(i, Lookup::Field(field, tail)), captures));
    }
    None
}

/// The query string's parameters in order; Eve reads the first of repeated ones.
struct Args(Vec<(String, String)>);

impl Args {
    fn parse(query: Option<&str>) -> Args {
        Args(form_urlencoded::parse(query.unwrap_or("").as_bytes()).into_owned().collect())
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

pub async fn handle(State(api): State<Arc<Api>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let mut method = parts.method.clone();
    if api.settings.allow_override_http_method
        && let Some(m) = parts.headers.get("X-HTTP-Method-Override").and_then(|v| v.to_str().ok())
        && let Ok(m) = Method::from_bytes(m.trim().to_uppercase().as_bytes())
    {
        method = m;
    }
    let path = percent_encoding::percent_decode_str(parts.uri.path()).decode_utf8_lossy().into_owned();
    let args = Args::parse(parts.uri.query());
    let routed = route(&api, &path);
    let endpoint_methods = routed.as_ref().map(|(t, _)| endpoint_methods(&api, t)).unwrap_or_default();
    let is_home = matches!(routed, Some((Target::Home, _)));
    let (target, captures) = match routed {
        Some((t, c)) => (Some(t), c),
        None => (None, Vec::new()),
    };
    let mut ctx = Ctx {
        api: &api,
        headers: &parts.headers,
        args: &args,
        host: host(&parts.headers),
        captures,
        path: &path,
        auth_field: None,
        user: None,
        user_name: None,
        client: parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip().to_string()),
    };
    // Eve counts every routed request of a limited method but a collection DELETE, before auth.
    let limited = match &target {
        Some(Target::Collection(_)) if method == Method::DELETE => None,
        Some(_) if endpoint_methods.iter().any(|m| m == method.as_str()) && method != Method::OPTIONS => {
            let authorization = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
            let client = ratelimit::client(authorization, ctx.client.as_deref());
            api.rate_limits.hit(method.as_str(), &client, chrono::Utc::now().timestamp())
        }
        _ => None,
    };
    let answer = match target {
        None => error(&api, 404, NOT_FOUND),
        Some(_) if method == Method::OPTIONS => options(&endpoint_methods),
        Some(_) if !endpoint_methods.iter().any(|m| m == method.as_str()) => error(&api, 405, NOT_ALLOWED),
        Some(_) if limited.is_some_and(|hit| hit.over) => error(&api, 429, "Rate limit exceeded"),
        // Beyond Eve: a GET asking for server-sent events subscribes to the resource's writes.
        Some(Target::Collection(i))
            if method == Method::GET
                && wants_events(&parts.headers)
                && api.settings.resources[i].aggregation.is_none() =>
        {
            match ctx.authorize(&Target::Collection(i), &method).await {
                Err(a) => a,
                Ok(()) => {
                    let owner = ctx.auth_field.and(ctx.user.clone());
                    return api.feed.subscribe(i, owner);
                }
            }
        }
        Some(target) => match ctx.authorize(&target, &method).await {
            Err(a) => a,
            // The body is read only for callers let through.
            Ok(()) => match axum::body::to_bytes(body, api.body_limit).await {
                Err(_) => error(&api, 413, TOO_LARGE),
                Ok(body) => match target {
                    Target::Home => match method {
                        Method::GET | Method::HEAD => ctx.home(),
                        _ => error(&api, 405, NOT_ALLOWED),
                    },
                    Target::OpenApi => Answer::json(StatusCode::OK, crate::openapi::document(&api.settings)),
                    Target::Collection(i) => ctx.collection(i, &method, &body).await,
                    Target::Item(i, lookup) => ctx.item(i, lookup, &method, &body).await,
                },
            },
        },
    };
    // GETs Eve answers outside a resource (home, errors) carry the global cache settings.
    let answer = if matches!(method, Method::GET | Method::HEAD) && (is_home || answer.status.as_u16() >= 400) {
        cache_headers(answer, &api.settings.cache_control, api.settings.cache_expires)
    } else {
        answer
    };
    let answer = match limited.filter(|hit| !hit.over) {
        Some(hit) => answer
            .header(header::HeaderName::from_static("x-ratelimit-remaining"), &hit.remaining.to_string())
            .header(header::HeaderName::from_static("x-ratelimit-limit"), &hit.limit.to_string())
            .header(header::HeaderName::from_static("x-ratelimit-reset"), &hit.reset.to_string()),
        None => answer,
    };
    let answer = cors(&api, &parts.headers, answer, &endpoint_methods);
    let accept = parts.headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    let media = crate::xml::negotiate(accept, &api.settings.media_types);
    let xml_body = (media != "application/json" && answer.status != StatusCode::NOT_MODIFIED)
        .then(|| answer.body.as_ref().map(|b| crate::xml::render(b, &api.settings.names)));
    let explicit_type = answer.headers.iter().any(|(n, _)| *n == header::CONTENT_TYPE);
    let mut response = answer.into_response();
    // Eve's XML representation, when the client prefers it (OPTIONS keeps its own type).
    if let Some(xml) = xml_body.filter(|_| !explicit_type) {
        if let Ok(v) = HeaderValue::from_str(&crate::xml::content_type(media)) {
            response.headers_mut().insert(header::CONTENT_TYPE, v);
        }
        *response.body_mut() = Body::from(xml.unwrap_or_default());
    }
    if method == Method::HEAD {
        *response.body_mut() = Body::empty();
    }
    response
}

/// Whether a request asks for server-sent events.
fn wants_events(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/event-stream"))
}

/// The methods an endpoint answers, as `Allow` lists them.
fn endpoint_methods(api: &Api, target: &Target<'_>) -> Vec<String> {
    let mut methods: Vec<String> = match target {
        Target::Home | Target::OpenApi => vec!["GET".into()],
        Target::Collection(i) => api.settings.resources[*i].resource_methods.clone(),
        Target::Item(i, _) => {
            let mut m = api.settings.resources[*i].item_methods.clone();
            // Eve's item rule also carries POST (for X-HTTP-Method-Override) when PATCH is allowed.
            if m.iter().any(|x| x == "PATCH") {
                m.push("POST".into());
            }
            m
        }
    };
    methods.extend(["HEAD".into(), "OPTIONS".into()]);
    methods.sort_unstable();
    methods.dedup();
    methods
}

/// Eve's CORS headers, on every answer to a request with an Origin.
fn cors(api: &Api, headers: &HeaderMap, mut answer: Answer, methods: &[String]) -> Answer {
    let Some(c) = &api.settings.cors else { return answer };
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else { return answer };
    let allowed = if c.allows(origin) { origin } else { "" };
    answer = answer
        .header(header::ACCESS_CONTROL_ALLOW_ORIGIN, allowed)
        .header(header::ACCESS_CONTROL_ALLOW_HEADERS, &c.headers.join(", "))
        .header(header::ACCESS_CONTROL_EXPOSE_HEADERS, &c.expose_headers.join(", "))
        .header(header::ACCESS_CONTROL_ALLOW_METHODS, &methods.join(", "))
        .header(header::ACCESS_CONTROL_MAX_AGE, &c.max_age.to_string());
    if c.allow_credentials {
        answer = answer.header(header::ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
    }
    answer
}

/// OPTIONS: the endpoint's methods (sorted, as [`endpoint_methods`] gives them) in `Allow`.
fn options(methods: &[String]) -> Answer {
    let mut a = Answer::empty(StatusCode::OK);
    a = a.header(header::ALLOW, &methods.join(", "));
    a.header(header::CONTENT_TYPE, "text/html; charset=utf-8")
}

fn host(headers: &HeaderMap) -> String {
    headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost").to_string()
}

struct Ctx<'a> {
    api: &'a Api,
    headers: &'a HeaderMap,
    args: &'a Args,
    host: String,
    /// The values of a sub-resource URL's variables, by field.
    captures: Vec<(String, String)>,
    /// The request's path, decoded.
    path: &'a str,
    /// The resource's `auth_field`, when it confines this request.
    auth_field: Option<&'a str>,
    /// The signed-in user's value for `auth_field`.
    user: Option<Bson>,
    /// The signed-in user's name, for the OPLOG.
    user_name: Option<String>,
    /// The client's address, for the OPLOG.
    client: Option<String>,
}

/// An HTTP date (`Last-Modified`, `Expires`) of `millis` since the epoch.
fn http_date(millis: i64) -> String {
    format_date(millis, "%a, %d %b %Y %H:%M:%S GMT")
}

/// `Cache-Control` and `Expires` as `cache_control` and `cache_expires`
/// (seconds from now) set them: a resource's own, or the global ones.
fn cache_headers(mut a: Answer, cache_control: &str, cache_expires: i64) -> Answer {
    if !cache_control.is_empty() {
        a = a.header(header::CACHE_CONTROL, cache_control);
    }
    if cache_expires != 0 {
        let expires = chrono::Utc::now().timestamp() + cache_expires;
        a = a.header(header::EXPIRES, &http_date(expires * 1000));
    }
    a
}

fn now_millis() -> i64 {
    // Eve keeps whole seconds.
    chrono::Utc::now().timestamp() * 1000
}

fn strip_etag(value: &str) -> String {
    let v = value.trim();
    let v = v.strip_prefix("W/").unwrap_or(v);
    v.replace('"', "")
}

impl<'a> Ctx<'a> {
    fn names(&self) -> &'a crate::settings::Names {
        &self.api.settings.names
    }

    /// Eve's `requires_auth`: lets the request through when its method is
    /// public for the endpoint or its credentials name an account in an
    /// allowed role, and notes the user for the resource's `auth_field`.
    async fn authorize(&mut self, target: &Target<'_>, method: &Method) -> Result<(), Answer> {
        let api = self.api;
        let m = method.as_str();
        let (access, read, resource): (&Access, &[&str], _) = match target {
            // Eve's home counts HEAD as a write.
            Target::Home | Target::OpenApi => (&api.settings.home_access, &["GET", "OPTIONS"], None),
            Target::Collection(i) => (&api.settings.resources[*i].access, &["GET", "HEAD", "OPTIONS"], Some(*i)),
            Target::Item(i, _) => (&api.settings.resources[*i].item_access, &["GET", "HEAD", "OPTIONS"], Some(*i)),
        };
        if let Some(i) = resource
            && !access.public_methods.iter().any(|p| p == m)
        {
            self.auth_field = api.settings.resources[i].auth_field.as_deref();
        }
        let Some(authenticator) = &api.authenticator else { return Ok(()) };
        if access.is_public(m) {
            return Ok(());
        }
        match authenticator.authorize(self.headers, &access.roles_for(m, read)).await {
            Ok(signed_in) => {
                self.user = signed_in.auth_value;
                self.user_name = Some(signed_in.user);
                Ok(())
            }
            Err(Denied::Unauthorized) => Err(unauthorized(api, UNAUTHORIZED)),
            Err(Denied::Store(e)) => Err(store_error(api, e)),
        }
    }

    /// `filter` confined to the signed-in user's documents when the
    /// resource has an `auth_field`; a filter asking for another user's
    /// value is refused as Eve refuses it.
    fn restrict(&self, filter: Document) -> Result<Document, Answer> {
        let (Some(field), Some(user)) = (self.auth_field, &self.user) else { return Ok(filter) };
        if value_in_query(&filter, field).is_some_and(|v| v != user) {
            // Eve's abort here drops the WWW-Authenticate header it means to send.
            return Err(error(self.api, 401, INCOMPATIBLE_USER));
        }
        Ok(if filter.is_empty() {
            doc! {field: user.clone()}
        } else {
            doc! {"$and": [filter, {field: user.clone()}]}
        })
    }

    /// What Eve adds to a POSTed or PUT document after its dates, in Eve's
    /// order: `_deleted: false` (soft delete), the signed-in user's value
    /// in `auth_field`, and `version` as `_version` (versioning).
    fn stamp_written(&self, r: &Resource, d: &mut Document, version: i64) {
        let n = self.names();
        if r.soft_delete {
            d.insert(n.deleted.clone(), false);
        }
        if let (Some(field), Some(user)) = (r.auth_field.as_deref(), &self.user) {
            d.insert(field, user.clone());
        }
        if r.versioning {
            d.insert(n.version.clone(), versioning::number(version));
        }
    }

    fn home(&self) -> Answer {
        if !self.api.settings.hateoas {
            return Answer::json(StatusCode::OK, json!({}));
        }
        let children: Vec<Value> = self
            .api
            .settings
            .resources
            .iter()
            .filter(|r| !r.internal)
            .map(|r| json!({"href": r.home_href, "title": r.resource_title}))
            .collect();
        let mut links = Map::new();
        links.insert("child".into(), Value::Array(children));
        let mut body = Map::new();
        body.insert(self.names().links.clone(), Value::Object(links));
        Answer::json(StatusCode::OK, Value::Object(body))
    }

    async fn collection(&self, i: usize, method: &Method, body: &Bytes) -> Answer {
        let r = &self.api.settings.resources[i];
        let allowed = |m: &str| r.resource_methods.iter().any(|x| x == m);
        match *method {
            Method::GET | Method::HEAD if allowed("GET") && r.aggregation.is_some() => self.get_aggregation(i).await,
            Method::GET | Method::HEAD if allowed("GET") => self.get_collection(i).await,
            Method::POST if allowed("POST") => self.post(i, body).await,
            Method::DELETE if allowed("DELETE") => self.delete_collection(i).await,
            _ => error(self.api, 405, NOT_ALLOWED),
        }
    }

    async fn item(&self, i: usize, lookup: Lookup<'_>, method: &Method, body: &Bytes) -> Answer {
        let r = &self.api.settings.resources[i];
        // An additional lookup only reads.
        let by_field = matches!(lookup, Lookup::Field(..));
        let allowed = |m: &str| r.item_methods.iter().any(|x| x == m) && (!by_field || m == "GET");
        match *method {
            Method::GET | Method::HEAD if allowed("GET") => self.get_item(i, &lookup).await,
            Method::PATCH if allowed("PATCH") => self.write_item(i, &lookup, body, Mode::Update).await,
            Method::PUT if allowed("PUT") => self.write_item(i, &lookup, body, Mode::Replace).await,
            Method::DELETE if allowed("DELETE") => self.delete_item(i, &lookup).await,
            _ => error(self.api, 405, NOT_ALLOWED),
        }
    }

    /// The filter of the resource's datasource combined with `filter`.
    fn with_datasource(&self, r: &Resource, mut filter: Document) -> Document {
        for (field, value) in &self.captures {
            filter.insert(field.clone(), Self::id_value(r, field, value));
        }
        match &r.filter {
            Some(f) if !f.is_empty() && !filter.is_empty() => {
                let mut parts: Vec<Bson> = Vec::new();
                for (k, v) in f.iter().chain(filter.iter()) {
                    parts.push(Bson::Document(doc! {k.clone(): v.clone()}));
                }
                doc! {"$and": parts}
            }
            Some(f) if !f.is_empty() => f.clone(),
            _ => filter,
        }
    }

    fn field_type(r: &Resource, path: &str) -> Option<FieldType> {
        // Eve gives every schema its id field, an ObjectId unless declared.
        if path == r.id_field && r.schema.get(path).is_none() {
            return Some(FieldType::ObjectId);
        }
        let mut schema = r.schema.as_object()?;
        let mut parts = path.split('.').peekable();
        while let Some(part) = parts.next() {
            let def = schema.get(part)?;
            if parts.peek().is_none() {
                return Some(match def.get("type").and_then(Value::as_str) {
                    Some("objectid") => FieldType::ObjectId,
                    Some("datetime") => FieldType::Datetime,
                    Some("decimal") => FieldType::Decimal,
                    _ => FieldType::Other,
                });
            }
            schema = def.get("schema").and_then(Value::as_object)?;
        }
        None
    }

    /// The type the id field's values have: an ObjectId unless the schema says otherwise.
    fn id_value(r: &Resource, field: &str, text: &str) -> Bson {
        let as_text = || Bson::String(text.to_string());
        if Self::field_type(r, field) == Some(FieldType::ObjectId) {
            return ObjectId::parse_str(text).map(Bson::ObjectId).unwrap_or_else(|_| as_text());
        }
        match r.schema.get(field).and_then(|d| d.get("type")).and_then(Value::as_str) {
            Some("integer") => text.parse::<i64>().map(Bson::Int64).unwrap_or_else(|_| as_text()),
            _ => as_text(),
        }
    }

    fn item_filter(&self, r: &Resource, lookup: &Lookup<'_>) -> Document {
        let (field, value) = match lookup {
            Lookup::Id(v) => (r.item_lookup_field.as_str(), Self::id_value(r, &r.item_lookup_field, v)),
            Lookup::Field(f, v) => (*f, Self::id_value(r, f, v)),
        };
        self.with_datasource(r, doc! {field: value})
    }

    /// A stored document as Eve serves it: missing dates read as the
    /// epoch, a missing ETag computed, and the resource's projection.
    fn served(&self, r: &Resource, mut d: Document) -> (Document, String, i64) {
        let n = self.names();
        for key in [&n.date_created, &n.last_updated] {
            if !d.contains_key(key.as_str()) {
                d.insert(key.clone(), Bson::DateTime(bson::DateTime::from_millis(0)));
            }
        }
        let updated = match d.get(n.last_updated.as_str()) {
            Some(Bson::DateTime(t)) => t.timestamp_millis(),
            _ => 0,
        };
        let tag = match d.get_str(n.etag.as_str()) {
            Ok(t) => t.to_string(),
            Err(_) => {
                let t = etag_ignoring(&d, &r.etag_ignore_fields);
                if self.api.settings.if_match {
                    d.insert(n.etag.clone(), t.clone());
                }
                t
            }
        };
        if r.soft_delete && !d.contains_key(n.deleted.as_str()) {
            d.insert(n.deleted.clone(), false);
        }
        (d, tag, updated)
    }

    /// Whether `d` is soft deleted.
    fn is_deleted(&self, r: &Resource, d: &Document) -> bool {
        r.soft_delete && matches!(d.get(self.names().deleted.as_str()), Some(Bson::Boolean(true)))
    }

    /// `filter` less soft-deleted documents, unless it asks about `_deleted` itself.
    fn live(&self, r: &Resource, filter: Document) -> Document {
        let deleted = self.names().deleted.as_str();
        if !r.soft_delete || value_in_query(&filter, deleted).is_some() {
            return filter;
        }
        let not_deleted = doc! {deleted: {"$ne": true}};
        if filter.is_empty() {
            not_deleted
        } else {
            doc! {"$and": [filter, not_deleted]}
        }
    }

    /// A field's `data_relation`, on the field or on a list field's items.
    fn relation<'r>(r: &'r Resource, field: &str) -> Option<&'r Value> {
        let def = r.schema.get(field)?;
        def.get("data_relation").or_else(|| match def.get("type").and_then(Value::as_str) {
            Some("list") => def.get("schema")?.get("data_relation"),
            _ => None,
        })
    }

    fn resource_named(&self, name: &str) -> Option<&'a Resource> {
        self.api.settings.resources.iter().find(|x| x.name == name)
    }

    /// Eve's `_links.related`: a link per document a `data_relation` field refers to.
    fn related_links(&self, r: &Resource, d: &Document) -> Option<Value> {
        let fields = r.schema.as_object()?;
        let mut related = Map::new();
        for field in fields.keys() {
            let Some(target) = Self::relation(r, field)
                .and_then(|rel| rel.get("resource"))
                .and_then(Value::as_str)
                .and_then(|name| self.resource_named(name))
            else {
                continue;
            };
            let link =
                |v: &Bson| json!({"title": target.item_title, "href": format!("{}/{}", target.url, bson_text(v))});
            match d.get(field.as_str()) {
                None | Some(Bson::Null) => {}
                Some(Bson::Array(items)) if items.is_empty() => {}
                Some(Bson::Array(items)) => {
                    related.insert(field.clone(), Value::Array(items.iter().map(link).collect()));
                }
                Some(v) => {
                    related.insert(field.clone(), link(v));
                }
            }
        }
        (!related.is_empty()).then_some(Value::Object(related))
    }

    /// The `_links` of a document served alone or in a page: `self`, and
    /// `related` for its data relations.
    fn document_links(&self, r: &Resource, d: &Document) -> Map<String, Value> {
        let mut links = Map::new();
        links.insert("self".into(), self.self_link(r, d));
        if let Some(related) = self.related_links(r, d) {
            links.insert("related".into(), related);
        }
        links
    }

    /// The fields `?embedded={"field": 1}` asks to embed, checked.
    fn embedded_fields(&self) -> Result<Vec<String>, Answer> {
        let Some(text) = self.args.get(&self.names().embedded) else { return Ok(Vec::new()) };
        match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(m)) => Ok(m
                .into_iter()
                .filter(|(_, v)| matches!(v, Value::Bool(true)) || v.as_i64().is_some_and(|n| n != 0))
                .map(|(k, _)| k)
                .collect()),
            _ => Err(error(self.api, 400, "Unable to parse `embedded` clause")),
        }
    }

    /// Replaces each embeddable relation in `fields` by the document it refers to.
    async fn embed(&self, r: &Resource, d: &mut Document, fields: &[String]) -> Result<(), Answer> {
        for field in fields {
            let Some(rel) = Self::relation(r, field) else { continue };
            if !rel.get("embeddable").and_then(Value::as_bool).unwrap_or(false) {
                continue;
            }
            let Some(target) = rel.get("resource").and_then(Value::as_str).and_then(|n| self.resource_named(n)) else {
                continue;
            };
            let key = rel.get("field").and_then(Value::as_str).unwrap_or(target.id_field.as_str()).to_string();
            let fetch = |v: Bson| {
                let key = key.clone();
                async move {
                    let find = Find {
                        projection: target.projection.clone(),
                        limit: Some(1),
                        ..Find::filter(self.live(target, doc! {key: v.clone()}))
                    };
                    match self.api.store.find(&target.source, &find).await {
                        // A reference to nothing (or to a soft-deleted document) embeds as null.
                        Ok(found) => Ok(found
                            .into_iter()
                            .next()
                            .map(|x| Bson::Document(self.served(target, x).0))
                            .unwrap_or(Bson::Null)),
                        Err(e) => Err(store_error(self.api, e)),
                    }
                }
            };
            match d.get(field.as_str()).cloned() {
                Some(Bson::Array(items)) => {
                    let mut out = Vec::with_capacity(items.len());
                    for v in items {
                        out.push(fetch(v).await?);
                    }
                    d.insert(field.clone(), Bson::Array(out));
                }
                Some(Bson::Null) | None => {}
                Some(v) => {
                    let embedded = fetch(v).await?;
                    d.insert(field.clone(), embedded);
                }
            }
        }
        Ok(())
    }

    fn item_href(&self, r: &Resource, d: &Document) -> String {
        let id = d.get(r.id_field.as_str()).map(bson_text).unwrap_or_default();
        format!("{}/{}", self.collection_href(r), id)
    }

    /// The collection's path relative to the API root: its url, or for a
    /// sub-resource the url with this request's values.
    fn collection_href(&self, r: &Resource) -> String {
        let Some((re, _)) = &r.url_pattern else { return r.url.clone() };
        let base = self.api.settings.base_path();
        let rest = self.path.strip_prefix(base.as_str()).unwrap_or(self.path).trim_matches('/');
        if re.is_match(rest) {
            return rest.to_string();
        }
        rest.rsplit_once('/').map_or(rest, |(head, _)| head).to_string()
    }

    /// The self link of a version of `d`: its URL with `?version=`.
    fn version_link(&self, r: &Resource, d: &Document, version: impl std::fmt::Display) -> Value {
        let href = format!("{}?{}={version}", self.item_href(r, d), self.names().version_param);
        json!({"title": r.item_title, "href": href})
    }

    fn self_link(&self, r: &Resource, d: &Document) -> Value {
        json!({"title": r.item_title, "href": self.item_href(r, d)})
    }

    fn query_config(&self, r: &Resource) -> ResourceQueryConfig {
        let s = &self.api.settings;
        let n = self.names();
        let mut auto_fields = self.meta_fields(r);
        if r.versioning {
            auto_fields.push(format!("{}{}", r.id_field, n.version_id_suffix));
        }
        auto_fields.extend([n.issues.clone(), n.status.clone(), n.links.clone()]);
        ResourceQueryConfig {
            allowed_filters: r.allowed_filters.clone(),
            sorting: r.sorting,
            projection: r.projection_enabled,
            pagination: PaginationConfig {
                enabled: r.pagination,
                default: s.pagination_default as i64,
                limit: s.pagination_limit as i64,
            },
            where_options: WhereOptions {
                blacklist: s.query_blacklist.clone(),
                whitelist: Vec::new(),
                // Beyond Eve: the blacklist holds for the Python syntax too,
                // so `$where` (code run by MongoDB) never passes.
                sanitize_python: true,
            },
            datasource_projection: r.projection.clone().unwrap_or_default(),
            auto_fields,
        }
    }

    fn query_error(&self, e: &query::QueryError) -> Answer {
        // Where Eve fails with a 500 (a `where` that is not a document),
        // the request is at fault: a 400.
        if e.status() >= 500 {
            return error(self.api, 400, BAD_REQUEST);
        }
        error(self.api, e.status(), e.client_message(false))
    }

    /// The query parameters of a page: `where`, `sort` (when `sort`),
    /// `projection` (when `projection`), `max_results`, `page`.
    fn page_params(&self, r: &Resource, sort: bool, projection: bool) -> QueryParams<'a> {
        let n = self.names();
        let args = self.args;
        QueryParams {
            where_clause: args.get(&n.where_),
            sort: args.get(&n.sort).filter(|_| sort),
            projection: args.get(&n.projection).filter(|_| projection && r.projection_enabled),
            max_results: args.get(&n.max_results),
            page: args.get(&n.page),
        }
    }

    fn parse_page(&self, r: &Resource, params: &QueryParams<'_>) -> Result<query::ParsedQuery, Answer> {
        let field_type = |p: &str| Self::field_type(r, p);
        query::parse_query(params, &self.query_config(r), &CastMode::Schema(&field_type))
            .map_err(|e| self.query_error(&e))
    }

    async fn get_collection(&self, i: usize) -> Answer {
        let api = self.api;
        let r = &api.settings.resources[i];
        let n = self.names();
        let params = self.page_params(r, r.sorting, true);
        let parsed = match self.parse_page(r, &params) {
            Ok(p) => p,
            Err(a) => return a,
        };
        let filter = match self.restrict(self.with_datasource(r, parsed.filter)) {
            Ok(f) if self.args.get(&n.show_deleted).is_some() => f,
            Ok(f) => self.live(r, f),
            Err(a) => return a,
        };
        let sort = parsed.sort.clone().filter(|s| !s.is_empty()).or_else(|| r.default_sort.clone()).unwrap_or_default();
        let page = parsed.pagination;
        // Beyond Eve: `?after=<cursor>` (keyset pages) and `?count=exact|estimated|none`.
        let keyset = self.args.get(AFTER_PARAM);
        let count = match self.args.get(COUNT_PARAM) {
            None if keyset.is_some() || r.optimize_pagination_for_speed => "none",
            None => "exact",
            Some(c @ ("exact" | "estimated" | "none")) => c,
            Some(_) => return error(api, 400, "count must be exact, estimated or none"),
        };
        let (documents, next) = match keyset {
            Some(cursor) => {
                match self.keyset_page(r, &filter, sort, cursor, page.max_results, &parsed.projection).await {
                    Ok(found) => found,
                    Err(a) => return a,
                }
            }
            None => {
                let find = Find {
                    filter: filter.clone(),
                    sort,
                    projection: (!parsed.projection.is_empty()).then_some(parsed.projection.clone()),
                    skip: page.skip.max(0) as u64,
                    limit: (page.max_results > 0).then_some(page.max_results as u64),
                };
                match api.store.find(&r.source, &find).await {
                    Ok(d) => (d, None),
                    Err(e) => return store_error(api, e),
                }
            }
        };
        let total = match count {
            "exact" => api.store.count(&r.source, &filter).await.map(Some),
            // An estimate comes from the collection's metadata: only for the whole collection.
            "estimated" if filter.is_empty() => api.store.estimated_count(&r.source).await.map(Some),
            _ => Ok(None),
        };
        let total = match total {
            Ok(t) => t,
            Err(e) => return store_error(api, e),
        };
        let embedded = match self.embedded_fields() {
            Ok(e) => e,
            Err(a) => return a,
        };
        let mut last_modified = None;
        let mut items = Vec::with_capacity(documents.len());
        for d in documents {
            let (mut d, _, updated) = self.served(r, d);
            last_modified = last_modified.max(Some(updated));
            let mut links = self.document_links(r, &d);
            if r.versioning {
                let v = versioning::version_of(&d, n);
                d.insert(n.version.clone(), versioning::number(v));
                d.insert(n.latest_version.clone(), versioning::number(v));
                if self.args.get(&n.version_param).is_some_and(|p| !p.is_empty()) {
                    links.insert("self".into(), self.version_link(r, &d, v));
                }
            }
            // Eve sends a soft-deleted document without embedding.
            if !self.is_deleted(r, &d)
                && let Err(a) = self.embed(r, &mut d, &embedded).await
            {
                return a;
            }
            let mut item = document_to_json(&d, &api.settings.date_format);
            if r.hateoas {
                item.insert(n.links.clone(), Value::Object(links));
            }
            items.push(Value::Object(item));
        }
        let count = total.unwrap_or(items.len() as u64);
        let mut body = Map::new();
        body.insert(n.items.clone(), Value::Array(items));
        if let Some(given) = keyset {
            body.extend(self.keyset_envelope(r, &params, page.max_results, given, next, total));
        } else if r.hateoas {
            let url = self.collection_href(r);
            let links = self.pagination_links(r, &params, page, total, count, &url, &r.resource_title);
            body.insert(n.links.clone(), Value::Object(links));
        }
        if r.pagination && keyset.is_none() {
            body.insert(n.meta.clone(), self.page_meta(page, total));
        }
        let mut a = Answer::json(StatusCode::OK, Value::Object(body));
        if let Some(t) = total {
            a = a.header(
                header::HeaderName::from_bytes(n.total_count_header.as_bytes()).unwrap_or(header::CONTENT_LENGTH),
                &t.to_string(),
            );
        }
        if let Some(lm) = last_modified {
            a = a.header(header::LAST_MODIFIED, &http_date(lm));
        }
        cache_headers(a, &r.cache_control, r.cache_expires)
    }

    /// Eve's `_meta` of a page: its number, its size, the total when counted.
    fn page_meta(&self, page: query::Pagination, total: Option<u64>) -> Value {
        let n = self.names();
        let mut meta = Map::new();
        meta.insert(n.page.clone(), json!(page.page));
        meta.insert(n.max_results.clone(), json!(page.max_results));
        if let Some(t) = total {
            meta.insert("total".into(), json!(t));
        }
        Value::Object(meta)
    }

    /// Eve's aggregation endpoint: the pipeline with the `?aggregate=`
    /// values put in for its `$var`s (stages left with empty conditions
    /// dropped), a page of its results and their total.
    async fn get_aggregation(&self, i: usize) -> Answer {
        let api = self.api;
        let r = &api.settings.resources[i];
        let n = self.names();
        let mut pipeline: Vec<Bson> =
            r.aggregation.clone().unwrap_or_default().into_iter().map(Bson::Document).collect();
        if let Some(text) = self.args.get(AGGREGATE_PARAM).filter(|t| !t.is_empty()) {
            let Ok(Value::Object(values)) = serde_json::from_str::<Value>(text) else {
                return error(api, 400, "Aggregation query could not be parsed.");
            };
            for (key, value) in values {
                let Ok(value) = Bson::try_from(value) else {
                    return error(api, 400, "Aggregation query could not be parsed.");
                };
                for stage in &mut pipeline {
                    substitute(stage, &key, &value);
                }
            }
        }
        let mut stages: Vec<Document> = Vec::new();
        for stage in pipeline {
            if let Bson::Document(mut d) = mongotize(stage) {
                prune(&mut d);
                if !d.is_empty() {
                    stages.push(d);
                }
            }
        }
        // Only the page is read from the query: where, sort and projection do not apply.
        let paging = QueryParams {
            max_results: self.args.get(&n.max_results),
            page: self.args.get(&n.page),
            ..QueryParams::default()
        };
        let page = match self.parse_page(r, &paging) {
            Ok(p) => p.pagination,
            Err(a) => return a,
        };
        let paginated = if page.max_results > 0 {
            vec![doc! {"$skip": page.skip}, doc! {"$limit": page.max_results}]
        } else {
            vec![doc! {"$skip": 0}]
        };
        stages.push(doc! {"$facet": {"paginated_results": paginated, "total_count": [{"$count": "count"}]}});
        let result = match api.store.aggregate(&r.source, &stages).await {
            Ok(mut out) if !out.is_empty() => out.swap_remove(0),
            Ok(_) => Document::new(),
            Err(e) => return store_error(api, e),
        };
        let items: Vec<Value> = match result.get_array("paginated_results") {
            Ok(docs) => docs
                .iter()
                .filter_map(Bson::as_document)
                .map(|d| Value::Object(document_to_json(d, &api.settings.date_format)))
                .collect(),
            Err(_) => Vec::new(),
        };
        let total = match result.get_array("total_count").ok().and_then(|t| t.first()).and_then(Bson::as_document) {
            Some(d) => match d.get("count") {
                Some(Bson::Int32(c)) => u64::try_from(*c).unwrap_or(0),
                Some(Bson::Int64(c)) => u64::try_from(*c).unwrap_or(0),
                _ => 0,
            },
            None => 0,
        };
        let mut body = Map::new();
        body.insert(n.items.clone(), Value::Array(items));
        if r.pagination {
            body.insert(n.meta.clone(), self.page_meta(page, Some(total)));
        }
        if r.hateoas {
            let params = QueryParams {
                where_clause: self.args.get(&n.where_),
                sort: self.args.get(&n.sort),
                ..QueryParams::default()
            };
            let url = self.collection_href(r);
            let links = self.pagination_links(r, &params, page, Some(total), total, &url, &r.resource_title);
            body.insert(n.links.clone(), Value::Object(links));
        }
        Answer::json(StatusCode::OK, Value::Object(body))
    }

    /// A keyset page: the documents after `cursor` (the first page when
    /// empty) in `sort` (the id field added as the tie-breaker), the
    /// projection applied, and the cursor of the next page when there is one.
    async fn keyset_page(
        &self,
        r: &Resource,
        filter: &Document,
        sort: Vec<(String, i32)>,
        cursor: &str,
        max_results: i64,
        projection: &Document,
    ) -> Result<(Vec<Document>, Option<String>), Answer> {
        let sort = keyset::sort_with_tiebreak(sort, &r.id_field);
        let filter = if cursor.is_empty() {
            filter.clone()
        } else {
            let Some(values) = keyset::decode(cursor, &sort) else {
                return Err(error(self.api, 400, "after is not a cursor of this query's sort"));
            };
            let past = keyset::after(&sort, &values);
            if filter.is_empty() {
                past
            } else {
                doc! {"$and": [filter.clone(), past]}
            }
        };
        let limit = max_results.max(1) as u64;
        let find = Find { sort: sort.clone(), limit: Some(limit + 1), ..Find::filter(filter) };
        let mut documents = self.api.store.find(&r.source, &find).await.map_err(|e| store_error(self.api, e))?;
        let next = (documents.len() as u64 > limit).then(|| {
            documents.truncate(limit as usize);
            documents.last().map(|d| keyset::cursor(d, &sort))
        });
        if !projection.is_empty()
            && let Ok(p) = enma_docstore::ops::Projection::parse(projection)
        {
            documents = documents.into_iter().map(|d| p.apply(d)).collect();
        }
        Ok((documents, next.flatten()))
    }

    /// A keyset page's `_links` (self and next carry the cursors) and
    /// `_meta` (the next cursor, null on the last page; the total when counted).
    fn keyset_envelope(
        &self,
        r: &Resource,
        params: &QueryParams<'_>,
        max_results: i64,
        given: &str,
        next: Option<String>,
        total: Option<u64>,
    ) -> Map<String, Value> {
        let n = self.names();
        let mut out = Map::new();
        if r.hateoas {
            let base = format!("{}{}", self.collection_href(r), self.querydef(r, params, max_results, None));
            let join = if base.contains('?') { '&' } else { '?' };
            let mut links = Map::new();
            links.insert("parent".into(), json!({"title": "home", "href": "/"}));
            links.insert(
                "self".into(),
                json!({"title": r.resource_title, "href": format!("{base}{join}{AFTER_PARAM}={given}")}),
            );
            if let Some(c) = &next {
                links.insert(
                    "next".into(),
                    json!({"title": "next page", "href": format!("{base}{join}{AFTER_PARAM}={c}")}),
                );
            }
            out.insert(n.links.clone(), Value::Object(links));
        }
        let mut meta = Map::new();
        meta.insert(n.max_results.clone(), json!(max_results));
        meta.insert("next".into(), json!(next));
        if let Some(t) = total {
            meta.insert("total".into(), json!(t));
        }
        out.insert(n.meta.clone(), Value::Object(meta));
        out
    }

    /// Eve's query part of links: `max_results`, `where`, `sort`, `page`, then other parameters.
    fn querydef(&self, r: &Resource, params: &QueryParams<'_>, max_results: i64, page: Option<i64>) -> String {
        let n = self.names();
        let mut parts = Vec::new();
        // An aggregation's links show a max_results of 0 too (pagination off), as Eve's do.
        if max_results != self.api.settings.pagination_default as i64 && (max_results > 0 || r.aggregation.is_some()) {
            parts.push(format!("{}={max_results}", n.max_results));
        }
        if let Some(w) = params.where_clause.filter(|w| !w.is_empty()) {
            parts.push(format!("{}={w}", n.where_));
        }
        if let Some(s) = params.sort.filter(|s| !s.is_empty()) {
            parts.push(format!("{}={s}", n.sort));
        }
        if let Some(v) = self.args.get(&n.version_param).filter(|v| r.versioning && !v.is_empty()) {
            parts.push(format!("{}={v}", n.version_param));
        }
        if let Some(p) = page.filter(|p| *p > 1) {
            parts.push(format!("{}={p}", n.page));
        }
        let known: HashSet<&str> = [&n.where_, &n.sort, &n.page, &n.max_results, &n.embedded, &n.projection]
            .into_iter()
            .chain([&n.version_param])
            .map(String::as_str)
            .chain([AFTER_PARAM])
            .collect();
        for (k, v) in &self.args.0 {
            if !known.contains(k.as_str()) {
                parts.push(format!("{k}={v}"));
            }
        }
        if parts.is_empty() { String::new() } else { format!("?{}", parts.join("&")) }
    }

    /// Eve's `_links` of a page: `parent` (home), `self`, and `next`,
    /// `last`, `prev` on `url` (a collection's, or a document's for its versions).
    #[allow(clippy::too_many_arguments)]
    fn pagination_links(
        &self,
        r: &Resource,
        params: &QueryParams<'_>,
        page: query::Pagination,
        total: Option<u64>,
        count: u64,
        url: &str,
        title: &str,
    ) -> Map<String, Value> {
        let q = |p: Option<i64>| self.querydef(r, params, page.max_results, p);
        let mut links = Map::new();
        links.insert("parent".into(), json!({"title": "home", "href": "/"}));
        let self_href = if count > 0 { format!("{url}{}", q(Some(page.page))) } else { url.to_string() };
        links.insert("self".into(), json!({"title": title, "href": self_href}));
        if r.pagination && page.max_results > 0 {
            let total = total.unwrap_or(0) as i64;
            if page.page * page.max_results < total || r.optimize_pagination_for_speed {
                links.insert(
                    "next".into(),
                    json!({"title": "next page", "href": format!("{url}{}", q(Some(page.page + 1)))}),
                );
                if total > 0 {
                    let last = (total + page.max_results - 1) / page.max_results;
                    links.insert(
                        "last".into(),
                        json!({"title": "last page", "href": format!("{url}{}", q(Some(last)))}),
                    );
                }
            }
            if page.page > 1 {
                links.insert(
                    "prev".into(),
                    json!({"title": "previous page", "href": format!("{url}{}", q(Some(page.page - 1)))}),
                );
            }
        }
        links
    }

    async fn find_item(&self, r: &Resource, lookup: &Lookup<'_>) -> Result<Option<Document>, Answer> {
        let filter = self.restrict(self.item_filter(r, lookup))?;
        self.find_one(r, filter, r.projection.clone()).await
    }

    /// A PUT's document, whoever owns it: another user's is refused with
    /// Eve's 403 (not taken for missing, which would upsert over it).
    async fn find_to_replace(&self, r: &Resource, lookup: &Lookup<'_>) -> Result<Option<Document>, Answer> {
        let Some(field) = self.auth_field else { return self.find_item(r, lookup).await };
        let mut projection = r.projection.clone();
        if let Some(p) = projection.as_mut().filter(|p| !p.contains_key(field)) {
            p.insert(field, 1);
        }
        let Some(mut d) = self.find_one(r, self.item_filter(r, lookup), projection).await? else { return Ok(None) };
        if d.get(field) != self.user.as_ref() {
            return Err(error(self.api, 403, FORBIDDEN));
        }
        if r.projection.as_ref().is_some_and(|p| !p.contains_key(field)) {
            d.remove(field);
        }
        Ok(Some(d))
    }

    async fn find_one(
        &self,
        r: &Resource,
        filter: Document,
        projection: Option<Document>,
    ) -> Result<Option<Document>, Answer> {
        let find = Find { projection, limit: Some(1), ..Find::filter(filter) };
        match self.api.store.find(&r.source, &find).await {
            Ok(d) => Ok(d.into_iter().next()),
            Err(e) => Err(store_error(self.api, e)),
        }
    }

    async fn get_item(&self, i: usize, lookup: &Lookup<'_>) -> Answer {
        let api = self.api;
        let r = &api.settings.resources[i];
        let n = self.names();
        let stored = match self.find_item(r, lookup).await {
            Ok(Some(d)) => d,
            Ok(None) => return error(api, 404, NOT_FOUND),
            Err(a) => return a,
        };
        let (latest, latest_tag, updated) = self.served(r, stored);
        // An unversioned resource ignores `?version`.
        let version = self.args.get(&n.version_param).filter(|_| r.versioning);
        let latest_version = versioning::version_of(&latest, n);
        let (mut d, tag) = match version {
            Some("all" | "diffs") => {
                let header_tag = format!("{latest_tag}{latest_version}");
                if let Some(a) = self.not_modified(&header_tag, updated) {
                    return a;
                }
                return self.get_versions(r, latest, version == Some("diffs"), &header_tag, updated).await;
            }
            Some(v) => {
                let Some(number) = v.parse::<i64>().ok().filter(|v| *v > 0) else {
                    return error(api, 400, BAD_REQUEST);
                };
                let shadow = match self.find_version(r, &latest, doc! {n.version.clone(): number}).await {
                    Ok(Some(s)) => s,
                    Ok(None) => return error(api, 404, NOT_FOUND),
                    Err(a) => return a,
                };
                let old = versioning::synthesize(r, n, &latest, shadow);
                let tag = old.get_str(n.etag.as_str()).map(str::to_string).unwrap_or_else(|_| latest_tag.clone());
                (old, tag)
            }
            None => (latest, latest_tag),
        };
        if r.versioning && !d.contains_key(n.version.as_str()) {
            d.insert(n.version.clone(), 1);
        }
        let deleted = self.is_deleted(r, &d);
        if let Err(a) = self.project(r, &mut d) {
            return a;
        }
        if r.versioning {
            d.insert(n.latest_version.clone(), versioning::number(latest_version));
        }
        // A versioned document's ETag header carries the latest version, so
        // cached old versions go stale when a new one is written.
        let header_tag = if r.versioning { format!("{tag}{latest_version}") } else { tag };
        let quoted = format!("\"{header_tag}\"");
        if let Some(a) = self.not_modified(&header_tag, updated) {
            return a;
        }
        let mut links = self.document_links(r, &d);
        if let Some(v) = version {
            links.insert("self".into(), self.version_link(r, &d, v));
        }
        if deleted {
            return self.deleted_item(r, d, links, &quoted, updated);
        }
        let embedded = match self.embedded_fields() {
            Ok(e) => e,
            Err(a) => return a,
        };
        if let Err(a) = self.embed(r, &mut d, &embedded).await {
            return a;
        }
        let mut body = document_to_json(&d, &api.settings.date_format);
        if r.hateoas {
            let item = self.item_href(r, &d);
            if version.is_some() {
                links.insert("parent".into(), json!({"title": r.item_title, "href": item}));
                links.insert(
                    "collection".into(),
                    json!({"title": r.resource_title, "href": format!("{item}?{}=all", n.version_param)}),
                );
            } else {
                let params = QueryParams {
                    where_clause: self.args.get(&n.where_),
                    sort: self.args.get(&n.sort),
                    ..QueryParams::default()
                };
                let collection = format!(
                    "{}{}",
                    self.collection_href(r),
                    self.querydef(r, &params, api.settings.pagination_default as i64, None)
                );
                links.insert("parent".into(), json!({"title": "home", "href": "/"}));
                links.insert("collection".into(), json!({"title": r.resource_title, "href": collection}));
            }
            body.insert(n.links.clone(), Value::Object(links));
        }
        let mut a = Answer::json(StatusCode::OK, Value::Object(body));
        if api.settings.if_match {
            a = a.header(header::ETAG, &quoted);
        }
        a = a.header(header::LAST_MODIFIED, &http_date(updated));
        cache_headers(a, &r.cache_control, r.cache_expires)
    }

    /// The client's `projection` applied to a served document (the meta fields stay).
    fn project(&self, r: &Resource, d: &mut Document) -> Result<(), Answer> {
        let Some(p) = self.args.get(&self.names().projection).filter(|_| r.projection_enabled) else { return Ok(()) };
        let client = query::parse_projection(p).map_err(|e| self.query_error(&e))?;
        let cfg = self.query_config(r);
        let projection = query::resolve_projection(&client, &cfg.datasource_projection, &cfg.auto_fields);
        if !projection.is_empty()
            && let Ok(p) = enma_docstore::ops::Projection::parse(&projection)
        {
            *d = p.apply(std::mem::take(d));
        }
        Ok(())
    }

    /// Eve's 304: every validator given (If-None-Match against `tag`,
    /// If-Modified-Since against `updated`) says the client's copy is current.
    fn not_modified(&self, tag: &str, updated: i64) -> Option<Answer> {
        let inm = self.headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok());
        let ims = self.headers.get(header::IF_MODIFIED_SINCE).and_then(|v| v.to_str().ok()).and_then(parse_http_date);
        // Every validator given must say so, as Eve counts them.
        let mut validators = Vec::new();
        if let Some(since) = ims {
            validators.push(updated <= since.timestamp_millis());
        }
        if let Some(inm) = inm.filter(|_| self.api.settings.if_match) {
            validators.push(strip_etag(inm) == tag);
        }
        let fresh = !validators.is_empty() && validators.iter().all(|v| *v);
        if !fresh {
            return None;
        }
        let mut a = Answer::empty(StatusCode::NOT_MODIFIED);
        if self.api.settings.if_match {
            a = a.header(header::ETAG, &format!("\"{tag}\""));
        }
        Some(a)
    }

    /// The shadow document of `latest` that `filter` picks.
    async fn find_version(
        &self,
        r: &Resource,
        latest: &Document,
        filter: Document,
    ) -> Result<Option<Document>, Answer> {
        let n = self.names();
        let id = latest.get(r.id_field.as_str()).cloned().unwrap_or(Bson::Null);
        let mut f = doc! {versioning::document_id_field(r, n): id};
        f.extend(filter);
        let find = Find { limit: Some(1), ..Find::filter(f) };
        match self.api.store.find(&versioning::shadow_source(r, n), &find).await {
            Ok(d) => Ok(d.into_iter().next()),
            Err(e) => Err(store_error(self.api, e)),
        }
    }

    /// `?version=all` (every version) or `?version=diffs` (the first of the
    /// page whole, then what each changed) of one document, a page at a time.
    async fn get_versions(
        &self,
        r: &Resource,
        latest: Document,
        diffs: bool,
        header_tag: &str,
        updated: i64,
    ) -> Answer {
        let api = self.api;
        let n = self.names();
        // diffs always go in version order; projection applies to each version.
        let params = self.page_params(r, r.sorting && !diffs, false);
        let parsed = match self.parse_page(r, &params) {
            Ok(p) => p,
            Err(a) => return a,
        };
        let id = latest.get(r.id_field.as_str()).cloned().unwrap_or(Bson::Null);
        let mut filter = doc! {versioning::document_id_field(r, n): id};
        if !parsed.filter.is_empty() {
            filter = doc! {"$and": [filter, parsed.filter]};
        }
        let sort = parsed.sort.clone().filter(|s| !s.is_empty()).unwrap_or_else(|| vec![(n.version.clone(), 1)]);
        let page = parsed.pagination;
        let find = Find {
            filter: filter.clone(),
            sort,
            projection: None,
            skip: page.skip.max(0) as u64,
            limit: (page.max_results > 0).then_some(page.max_results as u64),
        };
        let source = versioning::shadow_source(r, n);
        let (shadows, total) = match (api.store.find(&source, &find).await, api.store.count(&source, &filter).await) {
            (Ok(s), Ok(c)) => (s, c),
            (Err(e), _) | (_, Err(e)) => return store_error(api, e),
        };
        let latest_version = versioning::number(versioning::version_of(&latest, n));
        // A document written before versioning was turned on has no shadow yet.
        let versions: Vec<Document> = if total == 0 {
            vec![latest.clone()]
        } else {
            shadows.into_iter().map(|s| versioning::synthesize(r, n, &latest, s)).collect()
        };
        let mut items = Vec::with_capacity(versions.len());
        let mut previous: Option<Map<String, Value>> = None;
        for mut d in versions {
            if !d.contains_key(n.version.as_str()) {
                d.insert(n.version.clone(), 1);
            }
            let number = versioning::version_of(&d, n);
            if let Err(a) = self.project(r, &mut d) {
                return a;
            }
            d.insert(n.latest_version.clone(), latest_version.clone());
            let mut links = self.document_links(r, &d);
            links.insert("self".into(), self.version_link(r, &d, number));
            let mut item = document_to_json(&d, &api.settings.date_format);
            if r.hateoas {
                item.insert(n.links.clone(), Value::Object(links));
            }
            let shown = match &previous {
                Some(old) if diffs => versioning::diff(r, n, &api.settings.version_diff_include, old, &item),
                _ => item.clone(),
            };
            previous = Some(item);
            items.push(Value::Object(shown));
        }
        let mut body = Map::new();
        body.insert(n.items.clone(), Value::Array(items));
        if r.hateoas {
            let item_href = self.item_href(r, &latest);
            let mut links = self.pagination_links(r, &params, page, Some(total), total, &item_href, &r.item_title);
            links.insert("parent".into(), json!({"title": r.resource_title, "href": self.collection_href(r)}));
            links.insert("collection".into(), json!({"title": r.item_title, "href": item_href}));
            body.insert(n.links.clone(), Value::Object(links));
        }
        if r.pagination {
            body.insert(n.meta.clone(), self.page_meta(page, Some(total)));
        }
        let mut a = Answer::json(StatusCode::OK, Value::Object(body));
        if api.settings.if_match {
            a = a.header(header::ETAG, &format!("\"{header_tag}\""));
        }
        a = a.header(header::LAST_MODIFIED, &http_date(updated));
        cache_headers(a, &r.cache_control, r.cache_expires)
    }

    /// Eve's 404 for a soft-deleted document: the document itself, its
    /// own links (no collection or parent), and an error whose status is a list.
    fn deleted_item(&self, r: &Resource, d: Document, links: Map<String, Value>, quoted: &str, updated: i64) -> Answer {
        let api = self.api;
        let n = self.names();
        let mut body = document_to_json(&d, &api.settings.date_format);
        if r.hateoas {
            body.insert(n.links.clone(), Value::Object(links));
        }
        body.insert(n.status.clone(), json!([n.status_err]));
        body.insert(
            n.error.clone(),
            json!({"code": 404, "message": "The requested URL was not found on this server."}),
        );
        let mut a = Answer::json(StatusCode::NOT_FOUND, Value::Object(body));
        if api.settings.if_match {
            a = a.header(header::ETAG, quoted);
        }
        a.header(header::LAST_MODIFIED, &http_date(updated))
    }

    /// The fields a write answers with: the meta fields (all the document's
    /// with BANDWIDTH_SAVER off), extra response fields, the self link and the status.
    fn write_answer(&self, r: &Resource, d: &Document) -> Map<String, Value> {
        self.write_answer_of(r, d, d)
    }

    /// [`Self::write_answer`] of `d`, with the related links of `full`.
    fn write_answer_of(&self, r: &Resource, d: &Document, full_document: &Document) -> Map<String, Value> {
        let api = self.api;
        let n = self.names();
        let mut out = Map::new();
        let full = document_to_json(d, &api.settings.date_format);
        let meta = self.meta_fields(r);
        let meta: Vec<&String> = meta.iter().collect();
        // The auth field is not shown unless the schema has it.
        let hidden = r.auth_field.as_ref().filter(|f| r.schema.get(f.as_str()).is_none());
        for (k, v) in &full {
            if api.settings.bandwidth_saver && !meta.contains(&k) && !r.extra_response_fields.contains(k) {
                continue;
            }
            if !api.settings.bandwidth_saver && Some(k) == hidden {
                continue;
            }
            out.insert(k.clone(), v.clone());
        }
        if r.hateoas {
            let mut links = Map::new();
            links.insert("self".into(), self.self_link(r, d));
            if let Some(related) = self.related_links(r, full_document) {
                links.insert("related".into(), related);
            }
            out.insert(n.links.clone(), Value::Object(links));
        }
        if r.versioning
            && let Some(v) = out.get(&n.version).cloned()
        {
            out.insert(n.latest_version.clone(), v);
        }
        out.insert(n.status.clone(), json!(n.status_ok));
        out
    }

    /// After a write: tells the resource's change feed (beyond Eve), and
    /// keeps Eve's OPLOG: one entry per written document, in the OPLOG's
    /// collection, when `op` is one it logs. `changes` is what the write
    /// changed (the stored document for a DELETE); its `_updated` dates the
    /// entry. Entries follow a write that is already done: a failure to
    /// store them is logged, not turned into a failed write.
    async fn log_writes(&self, r: &Resource, op: &'static str, changes: &[Document], id: Option<&Bson>) {
        if let Some(i) = self.api.resource_index(&r.name) {
            for change in changes {
                let doc_id = change.get(r.id_field.as_str()).or(id).cloned().unwrap_or(Bson::Null);
                let owner = r.auth_field.as_deref().and_then(|f| change.get(f)).cloned().or_else(|| self.user.clone());
                let format = &self.api.settings.date_format;
                let shown = if op == "DELETE" { json!({}) } else { Value::Object(document_to_json(change, format)) };
                self.api.feed.publish(i, op, owner, crate::render::to_json(&doc_id, format), shown);
            }
        }
        let Some(oplog) = &self.api.settings.oplog else { return };
        if !oplog.methods.iter().any(|m| m == op) || changes.is_empty() {
            return;
        }
        let n = self.names();
        let now = Bson::DateTime(bson::DateTime::from_millis(now_millis()));
        let entries: Vec<Document> = changes
            .iter()
            .map(|update| {
                let updated = update.get(n.last_updated.as_str()).cloned().unwrap_or_else(|| now.clone());
                let mut entry = doc! {
                    "r": r.url.clone(),
                    "o": op,
                    "i": update.get(r.id_field.as_str()).or(id).cloned().unwrap_or(Bson::Null),
                };
                entry.insert(n.last_updated.clone(), updated.clone());
                entry.insert(n.date_created.clone(), updated);
                if oplog.audit {
                    entry.insert("ip", self.client.clone().map_or(Bson::Null, Bson::String));
                    let user = match (&self.api.authenticator, r.access.authenticated) {
                        (Some(_), true) => self.user_name.clone().map_or(Bson::Null, Bson::String),
                        _ => Bson::String("n/a".into()),
                    };
                    entry.insert("u", user);
                    if oplog.change_methods.iter().any(|m| m == op) {
                        let c: Document = update
                            .iter()
                            .filter(|(k, _)| **k != n.etag && **k != n.last_updated)
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect();
                        entry.insert("c", c);
                    }
                }
                entry
            })
            .collect();
        if let Err(e) = self.api.store.insert(&oplog.name, entries).await {
            tracing::error!("OPLOG entries for {} not kept: {e}", r.name);
        }
    }

    /// Stores the shadow copies of written documents of a versioned
    /// resource. The documents are already written: a failure here is
    /// logged (a missing version, as when Eve's second insert fails), not
    /// turned into a failed write.
    async fn keep_versions(&self, r: &Resource, documents: &[Document]) {
        if !r.versioning || documents.is_empty() {
            return;
        }
        let n = self.names();
        let owner = r.auth_field.as_deref().zip(self.user.as_ref());
        let shadows: Vec<Document> = documents.iter().map(|d| versioning::shadow(r, n, d, owner)).collect();
        if let Err(e) = self.api.store.insert(&versioning::shadow_source(r, n), shadows).await {
            tracing::error!("versions of {} not kept: {e}", r.name);
        }
    }

    /// Removes the versions of the documents `ids` names.
    async fn drop_versions(&self, r: &Resource, ids: Vec<Bson>) -> Result<(), StoreError> {
        if !r.versioning || ids.is_empty() {
            return Ok(());
        }
        let n = self.names();
        let source = versioning::shadow_source(r, n);
        let field = versioning::document_id_field(r, n);
        for chunk in ids.chunks(1000) {
            self.api.store.delete_many(&source, &doc! {field.clone(): {"$in": chunk.to_vec()}}).await?;
        }
        Ok(())
    }

    /// The fields every write answer carries (Eve's `auto_fields`).
    fn meta_fields(&self, r: &Resource) -> Vec<String> {
        let n = self.names();
        let mut meta = vec![r.id_field.clone(), n.last_updated.clone(), n.date_created.clone(), n.etag.clone()];
        if r.versioning {
            meta.push(n.version.clone());
            meta.push(n.latest_version.clone());
        }
        if r.soft_delete {
            meta.push(n.deleted.clone());
        }
        meta
    }

    /// The body as JSON text: a JSON body as it is, a form's fields as a
    /// JSON object of strings (as Eve reads `request.form`).
    fn body_text(&self, body: &Bytes) -> Result<String, Answer> {
        let media = self
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|t| t.split(';').next())
            .map(|m| m.trim().to_ascii_lowercase());
        match media.as_deref() {
            Some("application/json") => {
                std::str::from_utf8(body).map(str::to_string).map_err(|_| error(self.api, 400, BAD_REQUEST))
            }
            Some("application/x-www-form-urlencoded") => {
                let mut fields: Vec<(String, String)> = Vec::new();
                for (k, v) in form_urlencoded::parse(body) {
                    if !fields.iter().any(|(seen, _)| *seen == k) {
                        fields.push((k.into_owned(), v.into_owned()));
                    }
                }
                let members: Vec<String> = fields
                    .iter()
                    .map(|(k, v)| format!("{}:{}", Value::from(k.as_str()), Value::from(v.as_str())))
                    .collect();
                Ok(format!("{{{}}}", members.join(",")))
            }
            _ => Err(error(self.api, 400, "Unknown or no Content-Type header supplied")),
        }
    }

    /// The soft-delete flag of `r`'s documents, when it has soft delete.
    fn deleted_field(&self, r: &Resource) -> Option<String> {
        r.soft_delete.then(|| self.names().deleted.clone())
    }

    fn lookups(&self, r: &Resource) -> StoreLookups {
        StoreLookups {
            store: self.api.store.clone(),
            source: r.source.clone(),
            datasource_filter: r.filter.clone(),
            user_filter: self.auth_field.map(|f| doc! {f: self.user.clone().unwrap_or(Bson::Null)}),
            id_field: r.id_field.clone(),
            deleted: self.deleted_field(r),
            resources: self
                .api
                .settings
                .resources
                .iter()
                .map(|x| (x.name.clone(), x.source.clone(), self.deleted_field(x)))
                .collect(),
            handle: tokio::runtime::Handle::current(),
        }
    }

    async fn post(&self, i: usize, body: &Bytes) -> Answer {
        let text = match self.body_text(body) {
            Ok(t) => t,
            Err(a) => return a,
        };
        self.insert(i, &text, None).await
    }

    /// A PUT of a missing document inserts it under the URL's id (`UPSERT_ON_PUT`).
    async fn upsert(&self, i: usize, lookup: &Lookup<'_>, text: &str) -> Answer {
        let r = &self.api.settings.resources[i];
        let Lookup::Id(id) = lookup else { return error(self.api, 404, NOT_FOUND) };
        self.insert(i, text, Some(Self::id_value(r, &r.id_field, id))).await
    }

    /// POST: validates every document, then inserts all or none. `id`
    /// gives a single document its id (an upserting PUT).
    async fn insert(&self, i: usize, text: &str, id: Option<Bson>) -> Answer {
        let api = self.api;
        let r = &api.settings.resources[i];
        let n = self.names();
        let schema = &api.schemas[i];
        let (payload, many) = match validate::deserialize_body(schema, text) {
            Ok(Payload::One(d)) => (vec![d], false),
            Ok(Payload::Many(items)) => (items, true),
            Err(_) => return error(api, 400, BAD_REQUEST),
        };
        if payload.is_empty() || (many && payload.len() > 1 && !r.bulk_enabled) {
            return error(api, 400, BAD_REQUEST);
        }
        if payload.iter().any(|d| d.as_ref().is_ok_and(|d| !within_nesting(d))) {
            return error(api, 400, "The document nests deeper than 100 levels.");
        }
        // A sub-resource's documents carry the values of its URL's variables.
        let payload: Vec<Result<Document, Invalid>> = payload
            .into_iter()
            .map(|item| {
                item.map(|mut d| {
                    for (field, value) in &self.captures {
                        d.insert(field.clone(), Self::id_value(r, field, value));
                    }
                    d
                })
            })
            .collect();
        let now = bson::DateTime::from_millis(now_millis());
        let lookups = self.lookups(r);
        let schema = schema.clone();
        let id_field = r.id_field.clone();
        let names = n.clone();
        // Validation may look documents up: it runs off the async threads.
        let checked = tokio::task::spawn_blocking(move || {
            let mut out = Vec::with_capacity(payload.len());
            for item in payload {
                out.push(item.and_then(|mut d| {
                    validate::validate(&schema, &mut d, Mode::Insert, None, &lookups)?;
                    d.insert(names.last_updated.clone(), now);
                    d.insert(names.date_created.clone(), now);
                    Ok(d)
                }));
            }
            out
        })
        .await;
        let Ok(checked) = checked else { return error(api, 400, BAD_REQUEST) };
        let failures = checked.iter().filter(|c| c.is_err()).count();
        if failures > 0 {
            let results: Vec<Value> = checked
                .iter()
                .map(|c| match c {
                    Ok(_) => json!({n.status.clone(): n.status_ok}),
                    Err(e) => {
                        let mut m = Map::new();
                        m.insert(n.status.clone(), json!(n.status_err));
                        m.insert(
                            n.issues.clone(),
                            e.issues(Mode::Insert).unwrap_or_else(|| json!({"exception": e.to_string()})),
                        );
                        Value::Object(m)
                    }
                })
                .collect();
            let mut body = if many && results.len() > 1 {
                let mut m = Map::new();
                m.insert(n.status.clone(), json!(n.status_err));
                m.insert(n.items.clone(), Value::Array(results));
                m
            } else {
                results.into_iter().next().and_then(|v| v.as_object().cloned()).unwrap_or_default()
            };
            body.insert(
                n.error.clone(),
                json!({"code": api.settings.validation_error_status,
                       "message": format!("Insertion failure: {failures} document(s) contain(s) error(s)")}),
            );
            let status =
                StatusCode::from_u16(api.settings.validation_error_status).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
            return Answer::json(status, Value::Object(body));
        }
        let mut documents: Vec<Document> = checked.into_iter().flatten().collect();
        for d in &mut documents {
            self.stamp_written(r, d, 1);
        }
        if let (Some(id), Some(d)) = (id, documents.first_mut()) {
            let mut with_id = doc! {id_field.clone(): id};
            with_id.extend(std::mem::take(d));
            *d = with_id;
        }
        for d in &mut documents {
            if api.settings.if_match {
                let tag = etag_ignoring(d, &r.etag_ignore_fields);
                d.insert(n.etag.clone(), tag);
            }
            if !d.contains_key(id_field.as_str()) {
                let mut with_id = doc! {id_field.clone(): ObjectId::new()};
                with_id.extend(std::mem::take(d));
                *d = with_id;
            }
        }
        if let Err(e) = api.store.insert(&r.source, documents.clone()).await {
            return store_error(api, e);
        }
        self.keep_versions(r, &documents).await;
        self.log_writes(r, "POST", &documents, None).await;
        let answers: Vec<Map<String, Value>> = documents.iter().map(|d| self.write_answer(r, d)).collect();
        let location = documents
            .first()
            .map(|d| format!("http://{}{}/{}", self.host, api.settings.base_path(), self.item_href(r, d)))
            .unwrap_or_default();
        let body = if many && answers.len() > 1 {
            let mut m = Map::new();
            m.insert(n.status.clone(), json!(n.status_ok));
            m.insert(n.items.clone(), Value::Array(answers.into_iter().map(Value::Object).collect()));
            Value::Object(m)
        } else {
            Value::Object(answers.into_iter().next().unwrap_or_default())
        };
        Answer::json(StatusCode::CREATED, body).header(header::LOCATION, &location)
    }

    /// The If-Match check of a write; `Err` is the answer (428 or 412).
    fn check_if_match(&self, tag: &str) -> Result<(), Answer> {
        let s = &self.api.settings;
        let given = self.headers.get(header::IF_MATCH).and_then(|v| v.to_str().ok());
        match given {
            None if s.if_match && s.enforce_if_match => {
                Err(error(self.api, 428, "To edit a document its etag must be provided using the If-Match header"))
            }
            Some(g) if strip_etag(g) != tag => Err(error(self.api, 412, "Client and server etags don't match")),
            _ => Ok(()),
        }
    }

    async fn write_item(&self, i: usize, lookup: &Lookup<'_>, body: &Bytes, mode: Mode) -> Answer {
        let api = self.api;
        let r = &api.settings.resources[i];
        let n = self.names();
        let text = match self.body_text(body) {
            Ok(t) => t,
            Err(a) => return a,
        };
        let stored = match mode {
            Mode::Replace => self.find_to_replace(r, lookup).await,
            _ => self.find_item(r, lookup).await,
        };
        let stored = match stored {
            Ok(d) => d,
            Err(a) => return a,
        };
        let Some(stored) = stored else {
            if mode == Mode::Replace && api.settings.upsert_on_put {
                return self.upsert(i, lookup, &text).await;
            }
            return error(api, 404, NOT_FOUND);
        };
        let stored_etag = stored.get_str(n.etag.as_str()).ok().map(str::to_string);
        let (original, tag, _) = self.served(r, stored);
        if let Err(a) = self.check_if_match(&tag) {
            return a;
        }
        let schema = api.schemas[i].clone();
        let mut payload = match validate::deserialize_str(&schema, &text) {
            Ok(d) => d,
            Err(Invalid::BadJson(_)) => return error(api, 400, BAD_REQUEST),
            Err(e) => return self.issues_answer(&e, mode),
        };
        if !within_nesting(&payload) {
            return error(api, 400, "The document nests deeper than 100 levels.");
        }
        let lookups = self.lookups(r);
        let original_for_check = original.clone();
        let checked = tokio::task::spawn_blocking(move || {
            validate::validate(&schema, &mut payload, mode, Some(&original_for_check), &lookups).map(|()| payload)
        })
        .await;
        let payload = match checked {
            Ok(Ok(p)) => p,
            Ok(Err(e)) => return self.issues_answer(&e, mode),
            Err(_) => return error(api, 400, BAD_REQUEST),
        };
        let now = bson::DateTime::from_millis(now_millis());
        let id = original.get(r.id_field.as_str()).cloned().unwrap_or(Bson::Null);
        let mut filter = doc! {r.id_field.clone(): id.clone()};
        if let Some(t) = &stored_etag {
            filter.insert(n.etag.clone(), t.clone());
        }
        let (new_document, changed, changes) = match mode {
            Mode::Update => {
                let mut merged = original.clone();
                merge(&mut merged, &payload);
                merged.insert(n.last_updated.clone(), now);
                merged.remove(n.etag.as_str());
                let mut set = payload.clone();
                set.insert(n.last_updated.clone(), now);
                if r.soft_delete {
                    // A PATCH restores a soft-deleted document.
                    merged.insert(n.deleted.clone(), false);
                    set.insert(n.deleted.clone(), false);
                }
                if r.versioning {
                    let next = versioning::number(versioning::version_of(&original, n) + 1);
                    merged.insert(n.version.clone(), next.clone());
                    set.insert(n.version.clone(), next);
                }
                if api.settings.if_match {
                    let tag = etag_ignoring(
                        &{
                            let mut with_old = merged.clone();
                            if let Some(old) = &stored_etag {
                                with_old.insert(n.etag.clone(), old.clone());
                            }
                            with_old
                        },
                        &r.etag_ignore_fields,
                    );
                    merged.insert(n.etag.clone(), tag.clone());
                    set.insert(n.etag.clone(), tag);
                }
                let nested: Document = set
                    .iter()
                    .map(|(k, v)| (k.clone(), merged.get(k.as_str()).cloned().unwrap_or_else(|| v.clone())))
                    .collect();
                let update = Update { set: nested.clone(), unset: Vec::new() };
                let result = api.store.update_one(&r.source, &filter, &update).await;
                // The OPLOG keeps what the PATCH set.
                (merged, result, nested)
            }
            _ => {
                let mut replacement = doc! {r.id_field.clone(): id.clone()};
                replacement.extend(payload.clone());
                let created = original.get(n.date_created.as_str()).cloned().unwrap_or(Bson::DateTime(now));
                replacement.insert(n.date_created.clone(), created);
                replacement.insert(n.last_updated.clone(), now);
                self.stamp_written(r, &mut replacement, versioning::version_of(&original, n) + 1);
                if api.settings.if_match {
                    let tag = etag_ignoring(&replacement, &r.etag_ignore_fields);
                    replacement.insert(n.etag.clone(), tag);
                }
                let mut stored = replacement.clone();
                stored.remove(r.id_field.as_str());
                let result = api.store.replace_one(&r.source, &filter, stored).await;
                (replacement.clone(), result, replacement)
            }
        };
        match changed {
            Ok(true) => {}
            Ok(false) => return error(api, 412, "Client and server etags don't match"),
            Err(e) => return store_error(api, e),
        }
        if r.versioning && !original.contains_key(n.version.as_str()) {
            // Written before versioning was on: the stored document becomes version 1.
            let mut first = original.clone();
            first.insert(n.version.clone(), 1);
            self.keep_versions(r, std::slice::from_ref(&first)).await;
        }
        self.keep_versions(r, std::slice::from_ref(&new_document)).await;
        let op = if mode == Mode::Update { "PATCH" } else { "PUT" };
        self.log_writes(r, op, std::slice::from_ref(&changes), Some(&id)).await;
        let mut answer_doc = new_document.clone();
        if mode == Mode::Update && api.settings.bandwidth_saver {
            // PATCH answers with the meta fields only, in Eve's order.
            answer_doc = Document::new();
            for key in self.meta_fields(r).iter().chain(&r.extra_response_fields) {
                if let Some(v) = new_document.get(key.as_str()) {
                    answer_doc.insert(key.clone(), v.clone());
                }
            }
        }
        let body = self.write_answer_of(r, &answer_doc, &new_document);
        let mut a = Answer::json(StatusCode::OK, Value::Object(body));
        if let Ok(t) = new_document.get_str(n.etag.as_str()) {
            a = a.header(header::ETAG, &format!("\"{t}\""));
        }
        if mode == Mode::Replace {
            a = a.header(header::LAST_MODIFIED, &http_date(now.timestamp_millis()));
        }
        a
    }

    fn issues_answer(&self, e: &Invalid, mode: Mode) -> Answer {
        let n = self.names();
        let s = &self.api.settings;
        match e.issues(mode) {
            Some(issues) => {
                let mut m = Map::new();
                m.insert(n.issues.clone(), issues);
                m.insert(n.status.clone(), json!(n.status_err));
                let status =
                    StatusCode::from_u16(s.validation_error_status).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
                Answer::json(status, Value::Object(m))
            }
            None => error(self.api, 400, BAD_REQUEST),
        }
    }

    async fn delete_item(&self, i: usize, lookup: &Lookup<'_>) -> Answer {
        let api = self.api;
        let r = &api.settings.resources[i];
        let n = self.names();
        let stored = match self.find_item(r, lookup).await {
            Ok(d) => d,
            Err(a) => return a,
        };
        let Some(stored) = stored else {
            // Eve answers a DELETE of a missing item with 204.
            return Answer::empty(StatusCode::NO_CONTENT);
        };
        let stored_etag = stored.get_str(n.etag.as_str()).ok().map(str::to_string);
        let (original, tag, _) = self.served(r, stored);
        if let Err(a) = self.check_if_match(&tag) {
            return a;
        }
        if r.soft_delete {
            return match self.mark_deleted(r, original, stored_etag).await {
                Ok(true) => Answer::empty(StatusCode::NO_CONTENT),
                Ok(false) => error(api, 412, "Client and server etags don't match"),
                Err(e) => store_error(api, e),
            };
        }
        let id = original.get(r.id_field.as_str()).cloned().unwrap_or(Bson::Null);
        let mut filter = doc! {r.id_field.clone(): id.clone()};
        if let Some(t) = stored_etag {
            filter.insert(n.etag.clone(), t);
        }
        match api.store.delete_many(&r.source, &self.with_datasource(r, filter)).await {
            Ok(0) => error(api, 412, "Client and server etags don't match"),
            Ok(_) => {
                self.log_writes(r, "DELETE", std::slice::from_ref(&original), None).await;
                match self.drop_versions(r, vec![id]).await {
                    Ok(()) => Answer::empty(StatusCode::NO_CONTENT),
                    Err(e) => store_error(api, e),
                }
            }
            Err(e) => store_error(api, e),
        }
    }

    /// Soft delete: marks `original` (as served) `_deleted` with a new
    /// `_updated` and ETag, compare-and-set on the stored ETag; `false` when
    /// another writer changed it first. A deleted document stays as it is.
    async fn mark_deleted(
        &self,
        r: &Resource,
        original: Document,
        stored_etag: Option<String>,
    ) -> Result<bool, StoreError> {
        let n = self.names();
        if self.is_deleted(r, &original) {
            return Ok(true);
        }
        let now = bson::DateTime::from_millis(now_millis());
        let mut marked = original;
        marked.insert(n.deleted.clone(), true);
        marked.insert(n.last_updated.clone(), now);
        let mut set = doc! {n.deleted.clone(): true, n.last_updated.clone(): now};
        if self.api.settings.if_match {
            // Eve hashes the marked document before giving it its new version.
            let tag = etag_ignoring(&marked, &r.etag_ignore_fields);
            marked.insert(n.etag.clone(), tag.clone());
            set.insert(n.etag.clone(), tag);
        }
        if r.versioning {
            let next = versioning::number(versioning::version_of(&marked, n) + 1);
            marked.insert(n.version.clone(), next.clone());
            set.insert(n.version.clone(), next);
        }
        let mut filter = doc! {r.id_field.clone(): marked.get(r.id_field.as_str()).cloned().unwrap_or(Bson::Null)};
        if let Some(t) = stored_etag {
            filter.insert(n.etag.clone(), t);
        }
        let changed = self.api.store.update_one(&r.source, &filter, &Update { set, unset: Vec::new() }).await?;
        if changed {
            self.keep_versions(r, std::slice::from_ref(&marked)).await;
            self.log_writes(r, "DELETE", std::slice::from_ref(&marked), None).await;
        }
        Ok(changed)
    }

    async fn delete_collection(&self, i: usize) -> Answer {
        let api = self.api;
        let r = &api.settings.resources[i];
        let filter = match self.restrict(self.with_datasource(r, Document::new())) {
            Ok(f) => f,
            Err(a) => return a,
        };
        if r.soft_delete {
            // Each live document is marked as a DELETE of it would mark it.
            let live = match api
                .store
                .find(&r.source, &Find { projection: r.projection.clone(), ..Find::filter(self.live(r, filter)) })
                .await
            {
                Ok(d) => d,
                Err(e) => return store_error(api, e),
            };
            for stored in live {
                let stored_etag = stored.get_str(self.names().etag.as_str()).ok().map(str::to_string);
                let (original, _, _) = self.served(r, stored);
                if let Err(e) = self.mark_deleted(r, original, stored_etag).await {
                    return store_error(api, e);
                }
            }
            return Answer::empty(StatusCode::NO_CONTENT);
        }
        // The versions of exactly the documents removed go with them.
        let ids = if r.versioning {
            let find = Find { projection: Some(doc! {r.id_field.clone(): 1}), ..Find::filter(filter.clone()) };
            match api.store.find(&r.source, &find).await {
                Ok(d) => d.into_iter().filter_map(|d| d.get(r.id_field.as_str()).cloned()).collect(),
                Err(e) => return store_error(api, e),
            }
        } else {
            Vec::new()
        };
        match api.store.delete_many(&r.source, &filter).await {
            Ok(_) => match self.drop_versions(r, ids).await {
                Ok(()) => Answer::empty(StatusCode::NO_CONTENT),
                Err(e) => store_error(api, e),
            },
            Err(e) => store_error(api, e),
        }
    }
}

/// Puts `value` wherever the pipeline has the text `key` (an `$var`), at any depth.
fn substitute(node: &mut Bson, key: &str, value: &Bson) {
    match node {
        Bson::String(s) if s == key => *node = value.clone(),
        Bson::Document(d) => d.iter_mut().for_each(|(_, v)| substitute(v, key, value)),
        Bson::Array(items) => items.iter_mut().for_each(|v| substitute(v, key, value)),
        _ => {}
    }
}

/// Removes conditions whose value is an empty document (an `$var` given as `{}`), at any depth.
fn prune(d: &mut Document) {
    let keys: Vec<String> = d.keys().cloned().collect();
    for key in keys {
        if let Some(Bson::Document(inner)) = d.get_mut(&key) {
            prune(inner);
            if inner.is_empty() {
                d.remove(&key);
            }
        }
    }
}

/// Eve's reading of an aggregation's values: an RFC 1123 date becomes a
/// date, 24 hex digits an ObjectId.
fn mongotize(value: Bson) -> Bson {
    match value {
        Bson::String(s) => match (ObjectId::parse_str(&s), parse_http_date(&s)) {
            (Ok(oid), _) if s.len() == 24 => Bson::ObjectId(oid),
            (_, Some(date)) => Bson::DateTime(bson::DateTime::from_millis(date.timestamp_millis())),
            _ => Bson::String(s),
        },
        Bson::Document(d) => Bson::Document(d.into_iter().map(|(k, v)| (k, mongotize(v))).collect()),
        Bson::Array(items) => Bson::Array(items.into_iter().map(mongotize).collect()),
        other => other,
    }
}

/// The value a query gives `field`, at its top level or in a top-level
/// `$and`, as Eve's `get_value_from_query` finds it.
fn value_in_query<'d>(filter: &'d Document, field: &str) -> Option<&'d Bson> {
    filter.get(field).or_else(|| match filter.get("$and") {
        Some(Bson::Array(parts)) => parts.iter().find_map(|p| p.as_document().and_then(|d| d.get(field))),
        _ => None,
    })
}

/// Eve's merge of a PATCH into the stored document: nested documents are
/// merged key by key, other values replaced.
fn merge(target: &mut Document, updates: &Document) {
    for (k, v) in updates {
        match (target.get_mut(k.as_str()), v) {
            (Some(Bson::Document(existing)), Bson::Document(new)) => merge(existing, new),
            _ => {
                target.insert(k.clone(), v.clone());
            }
        }
    }
}

/// MongoDB's limit on nested documents and arrays; deeper ones are refused
/// before they reach a store.
const MAX_NESTING: usize = 100;

fn nesting(value: &Bson, limit: usize) -> bool {
    if limit == 0 {
        return false;
    }
    match value {
        Bson::Document(d) => d.values().all(|v| nesting(v, limit - 1)),
        Bson::Array(items) => items.iter().all(|v| nesting(v, limit - 1)),
        _ => true,
    }
}

/// Whether `document` nests no deeper than MongoDB allows.
fn within_nesting(document: &Document) -> bool {
    document.values().all(|v| nesting(v, MAX_NESTING))
}

/// An id or lookup value as it appears in a URL.
fn bson_text(v: &Bson) -> String {
    match v {
        Bson::ObjectId(o) => o.to_hex(),
        Bson::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The validator's look-ups, answered by the store (from a blocking thread).
struct StoreLookups {
    store: Arc<dyn DocumentStore>,
    source: String,
    /// `unique_within_resource` looks only at documents the datasource filter matches.
    datasource_filter: Option<Document>,
    /// `unique_to_user` looks only at the signed-in user's documents.
    user_filter: Option<Document>,
    id_field: String,
    /// Soft-deleted documents count for neither `unique` nor `data_relation`.
    deleted: Option<String>,
    /// Each resource's name, collection and soft-delete flag.
    resources: Vec<(String, String, Option<String>)>,
    handle: tokio::runtime::Handle,
}

impl Lookups for StoreLookups {
    fn is_taken(&self, q: &UniqueQuery<'_>) -> Result<bool, String> {
        let mut filter = doc! {q.field_path: q.value.clone()};
        if let Some(id) = q.exclude_id {
            filter.insert(self.id_field.clone(), doc! {"$ne": id.clone()});
        }
        let scope = match q.scope {
            UniqueScope::Resource => None,
            UniqueScope::User => self.user_filter.as_ref(),
            UniqueScope::WithinResourceFilter => self.datasource_filter.as_ref(),
        };
        if let Some(scope) = scope.filter(|s| !s.is_empty()) {
            filter = doc! {"$and": [filter, scope.clone()]};
        }
        if let Some(deleted) = &self.deleted {
            filter.insert(deleted.clone(), doc! {"$ne": true});
        }
        self.handle.block_on(self.store.count(&self.source, &filter)).map(|c| c > 0).map_err(|e| e.to_string())
    }

    fn exists(&self, resource: &str, field: &str, value: &Bson) -> Result<bool, String> {
        let target = self.resources.iter().find(|(name, _, _)| name == resource);
        let Some((_, source, deleted)) = target else { return Err(format!("unknown resource {resource}")) };
        let mut values = vec![value.clone()];
        if let Bson::String(s) = value
            && let Ok(oid) = ObjectId::parse_str(s)
        {
            values.push(Bson::ObjectId(oid));
        }
        let mut filter = doc! {field: {"$in": values}};
        if let Some(deleted) = deleted {
            filter.insert(deleted.clone(), doc! {"$ne": true});
        }
        self.handle.block_on(self.store.count(source, &filter)).map(|c| c > 0).map_err(|e| e.to_string())
    }
}
