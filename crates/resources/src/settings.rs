//! Eve's settings, read from a JSON or YAML file with Eve's key names and
//! Eve's defaults where a key is absent: global keys (`URL_PREFIX`,
//! `RESOURCE_METHODS`, `PAGINATION_LIMIT`, ...) and, for each resource of
//! `DOMAIN`, its own keys, which default to the global ones as Eve's
//! `_set_resource_defaults` makes them.

use std::collections::BTreeMap;
use std::path::Path;

use bson::{Bson, Document};
use regex::Regex;
use serde_json::{Map, Value};

use crate::auth::list;
pub use crate::auth::{Access, AuthSettings};

/// Why settings were refused.
#[derive(Debug)]
pub struct SettingsError(pub String);

impl std::fmt::Display for SettingsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SettingsError {}

fn error<T>(message: impl Into<String>) -> Result<T, SettingsError> {
    Err(SettingsError(message.into()))
}

/// The API as the settings describe it.
#[derive(Debug, Clone)]
pub struct Settings {
    pub url_prefix: String,
    pub api_version: String,
    pub resources: Vec<Resource>,
    pub pagination_limit: u64,
    pub pagination_default: u64,
    pub if_match: bool,
    pub enforce_if_match: bool,
    pub bandwidth_saver: bool,
    pub hateoas: bool,
    pub validation_error_status: u16,
    pub validation_error_as_list: bool,
    pub query_blacklist: Vec<String>,
    pub date_format: String,
    pub names: Names,
    pub allow_override_http_method: bool,
    pub upsert_on_put: bool,
    pub optimize_pagination_for_speed: bool,
    pub mongo_dbname: Option<String>,
    pub cache_control: String,
    pub cache_expires: i64,
    pub cors: Option<Cors>,
    /// Fields every `?version=diffs` entry shows (`VERSION_DIFF_INCLUDE`).
    pub version_diff_include: Vec<String>,
    /// The media types answers come in (`RENDERERS`: JSON, then XML's three).
    pub media_types: Vec<&'static str>,
    /// `RATE_LIMIT_<METHOD>`: requests and seconds, by method.
    pub rate_limits: std::collections::HashMap<String, (u64, i64)>,
    /// The OPLOG: which writes are logged, and where.
    pub oplog: Option<Oplog>,
    /// The `AUTH` key: who may sign in, and how.
    pub auth: Option<AuthSettings>,
    /// Who may call the home endpoint (`PUBLIC_METHODS`, `ALLOWED_ROLES`, ...).
    pub home_access: Access,
}

/// Eve's OPLOG settings.
#[derive(Debug, Clone)]
pub struct Oplog {
    /// The collection the entries go to (`OPLOG_NAME`), also the resource reading them.
    pub name: String,
    /// The writes logged (`OPLOG_METHODS`), and those whose changes are kept (`OPLOG_CHANGE_METHODS`).
    pub methods: Vec<String>,
    pub change_methods: Vec<String>,
    /// Whether entries carry the client's address, the user and the changes.
    pub audit: bool,
}

/// The OPLOG's settings, and its resource added to `domain` as Eve adds it:
/// read-only, at `OPLOG_ENDPOINT` (internal without one), a fixed schema.
fn oplog(g: &Map<String, Value>, domain: &mut Map<String, Value>) -> Result<Oplog, SettingsError> {
    let name = g.get("OPLOG_NAME").and_then(Value::as_str).unwrap_or("oplog").to_string();
    let audit = g.get("OPLOG_AUDIT").and_then(Value::as_bool).unwrap_or(true);
    let list = |key: &str, default: &[&str]| {
        strings(g.get(key)).unwrap_or_else(|| default.iter().map(|s| s.to_string()).collect())
    };
    let entry = domain.entry(name.clone()).or_insert_with(|| Value::Object(Map::new()));
    let Some(r) = entry.as_object_mut() else { return error(format!("DOMAIN.{name} must be an object")) };
    r.entry("datasource").or_insert_with(|| serde_json::json!({"source": name}));
    r.insert("resource_methods".into(), serde_json::json!(["GET"]));
    r.insert("item_methods".into(), serde_json::json!(["GET"]));
    match g.get("OPLOG_ENDPOINT").and_then(Value::as_str) {
        Some(endpoint) => {
            r.entry("url").or_insert_with(|| Value::String(endpoint.to_string()));
            r.insert("internal_resource".into(), Value::Bool(false));
        }
        None => {
            r.insert("url".into(), Value::String(name.clone()));
            r.insert("internal_resource".into(), Value::Bool(true));
        }
    }
    // `i` holds the documents' ids: ObjectIds in a where, as Eve casts them.
    let mut schema = serde_json::json!({"r": {}, "o": {}, "i": {"type": "objectid"}});
    if g.get("OPLOG_RETURN_EXTRA_FIELD").and_then(Value::as_bool).unwrap_or(false) {
        schema["extra"] = serde_json::json!({});
    }
    if audit {
        for field in ["ip", "c", "u"] {
            schema[field] = serde_json::json!({});
        }
    }
    r.insert("schema".into(), schema);
    Ok(Oplog {
        name,
        methods: list("OPLOG_METHODS", &["DELETE", "POST", "PATCH", "PUT"]),
        change_methods: list("OPLOG_CHANGE_METHODS", &["DELETE", "PATCH", "PUT"]),
        audit,
    })
}

/// CORS as `X_DOMAINS`, `X_DOMAINS_RE`, `X_HEADERS`, `X_EXPOSE_HEADERS`,
/// `X_MAX_AGE` and `X_ALLOW_CREDENTIALS` set it.
#[derive(Debug, Clone)]
pub struct Cors {
    /// Allowed origins; `*` allows any.
    pub domains: Vec<String>,
    pub domain_patterns: Vec<Regex>,
    pub headers: Vec<String>,
    pub expose_headers: Vec<String>,
    pub max_age: i64,
    pub allow_credentials: bool,
}

impl Cors {
    pub fn allows(&self, origin: &str) -> bool {
        self.domains.iter().any(|d| d == "*" || d == origin)
            || self.domain_patterns.iter().any(|re| re.is_match(origin))
    }
}

/// The names Eve lets settings change: meta fields, envelope keys and
/// query parameters.
#[derive(Debug, Clone)]
pub struct Names {
    pub date_created: String,
    pub last_updated: String,
    pub etag: String,
    pub status: String,
    pub issues: String,
    pub error: String,
    pub items: String,
    pub links: String,
    pub meta: String,
    pub status_ok: String,
    pub status_err: String,
    pub where_: String,
    pub sort: String,
    pub page: String,
    pub max_results: String,
    pub projection: String,
    pub embedded: String,
    pub total_count_header: String,
    /// Soft delete's flag and query parameter.
    pub deleted: String,
    pub show_deleted: String,
    /// Versioning's fields, shadow collection suffix and query parameter.
    pub version: String,
    pub latest_version: String,
    pub versions: String,
    pub version_id_suffix: String,
    pub version_param: String,
}

/// A sub-resource URL as a pattern, and the fields its variables fill in.
pub type UrlPattern = (Regex, Vec<String>);

/// One resource of `DOMAIN`.
#[derive(Debug, Clone)]
pub struct Resource {
    pub name: String,
    pub url: String,
    /// For a sub-resource (`folks/<regex("[a-f0-9]{24}"):person>/invoices`):
    /// the URL as a pattern, and the fields its variables fill in.
    pub url_pattern: Option<UrlPattern>,
    /// The URL as the home page links it (variables as `<name>`).
    pub home_href: String,
    pub schema: Value,
    pub source: String,
    pub filter: Option<Document>,
    pub projection: Option<Document>,
    pub default_sort: Option<Vec<(String, i32)>>,
    pub resource_methods: Vec<String>,
    pub item_methods: Vec<String>,
    pub id_field: String,
    pub item_lookup_field: String,
    pub item_url: Option<Regex>,
    pub item_lookup: bool,
    pub resource_title: String,
    pub item_title: String,
    pub additional_lookup: Option<(Option<Regex>, String)>,
    pub allowed_filters: Vec<String>,
    pub sorting: bool,
    pub pagination: bool,
    pub projection_enabled: bool,
    pub hateoas: bool,
    pub bulk_enabled: bool,
    pub allow_unknown: bool,
    pub extra_response_fields: Vec<String>,
    pub mongo_indexes: Vec<enma_docstore::Index>,
    pub cache_control: String,
    pub cache_expires: i64,
    pub internal: bool,
    pub optimize_pagination_for_speed: bool,
    /// Who may call the resource endpoint, and the item endpoint.
    pub access: Access,
    pub item_access: Access,
    /// The field that confines each user to the documents they wrote.
    pub auth_field: Option<String>,
    /// DELETE marks documents `_deleted` instead of removing them.
    pub soft_delete: bool,
    /// Every write keeps a copy in the `<source>_versions` collection.
    pub versioning: bool,
    /// Fields left out of the ETag (dotted paths reach into documents).
    pub etag_ignore_fields: Vec<String>,
    /// An aggregation endpoint's pipeline (`datasource.aggregation`), its `$var`s not yet given.
    pub aggregation: Option<Vec<Document>>,
}

impl Settings {
    /// Reads settings from a `.json`, `.yaml` or `.yml` file.
    pub fn load(path: &Path) -> Result<Settings, SettingsError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| SettingsError(format!("cannot read the resource settings {}: {e}", path.display())))?;
        let yaml = matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"));
        let value: Value = if yaml {
            serde_yaml_ng::from_str(&text).map_err(|e| SettingsError(format!("{}: {e}", path.display())))?
        } else {
            serde_json::from_str(&text).map_err(|e| SettingsError(format!("{}: {e}", path.display())))?
        };
        Settings::from_value(&value).map_err(|e| SettingsError(format!("{}: {e}", path.display())))
    }

    pub fn from_value(value: &Value) -> Result<Settings, SettingsError> {
        let Some(g) = value.as_object() else { return error("the settings must be an object of Eve's keys") };
        let s = |key: &str, default: &str| g.get(key).and_then(Value::as_str).unwrap_or(default).to_string();
        let b = |key: &str, default: bool| g.get(key).and_then(Value::as_bool).unwrap_or(default);
        let n = |key: &str, default: i64| g.get(key).and_then(Value::as_i64).unwrap_or(default);
        let names = Names {
            date_created: s("DATE_CREATED", "_created"),
            last_updated: s("LAST_UPDATED", "_updated"),
            etag: s("ETAG", "_etag"),
            status: s("STATUS", "_status"),
            issues: s("ISSUES", "_issues"),
            error: s("ERROR", "_error"),
            items: s("ITEMS", "_items"),
            links: s("LINKS", "_links"),
            meta: s("META", "_meta"),
            status_ok: s("STATUS_OK", "OK"),
            status_err: s("STATUS_ERR", "ERR"),
            where_: s("QUERY_WHERE", "where"),
            sort: s("QUERY_SORT", "sort"),
            page: s("QUERY_PAGE", "page"),
            max_results: s("QUERY_MAX_RESULTS", "max_results"),
            projection: s("QUERY_PROJECTION", "projection"),
            embedded: s("QUERY_EMBEDDED", "embedded"),
            total_count_header: s("HEADER_TOTAL_COUNT", "X-Total-Count"),
            deleted: s("DELETED", "_deleted"),
            show_deleted: s("SHOW_DELETED_PARAM", "show_deleted"),
            version: s("VERSION", "_version"),
            latest_version: s("LATEST_VERSION", "_latest_version"),
            versions: s("VERSIONS", "_versions"),
            version_id_suffix: s("VERSION_ID_SUFFIX", "_document"),
            version_param: s("VERSION_PARAM", "version"),
        };
        let mut settings = Settings {
            url_prefix: s("URL_PREFIX", "").trim_matches('/').to_string(),
            api_version: s("API_VERSION", "").trim_matches('/').to_string(),
            resources: Vec::new(),
            pagination_limit: n("PAGINATION_LIMIT", 50).max(1) as u64,
            pagination_default: n("PAGINATION_DEFAULT", 25).max(1) as u64,
            if_match: b("IF_MATCH", true),
            enforce_if_match: b("ENFORCE_IF_MATCH", true),
            bandwidth_saver: b("BANDWIDTH_SAVER", true),
            hateoas: b("HATEOAS", true),
            validation_error_status: u16::try_from(n("VALIDATION_ERROR_STATUS", 422)).unwrap_or(422),
            validation_error_as_list: b("VALIDATION_ERROR_AS_LIST", false),
            query_blacklist: strings(g.get("MONGO_QUERY_BLACKLIST"))
                .unwrap_or_else(|| vec!["$where".into(), "$regex".into()]),
            date_format: s("DATE_FORMAT", "%a, %d %b %Y %H:%M:%S GMT"),
            names,
            allow_override_http_method: b("ALLOW_OVERRIDE_HTTP_METHOD", true),
            upsert_on_put: b("UPSERT_ON_PUT", true),
            optimize_pagination_for_speed: b("OPTIMIZE_PAGINATION_FOR_SPEED", false),
            mongo_dbname: g.get("MONGO_DBNAME").and_then(Value::as_str).map(str::to_string),
            cache_control: s("CACHE_CONTROL", ""),
            cache_expires: n("CACHE_EXPIRES", 0),
            cors: cors(g)?,
            version_diff_include: strings(g.get("VERSION_DIFF_INCLUDE")).unwrap_or_default(),
            oplog: None,
            rate_limits: crate::ratelimit::limits(g),
            media_types: crate::xml::media_types(
                &strings(g.get("RENDERERS"))
                    .unwrap_or_else(|| vec!["eve.render.JSONRenderer".into(), "eve.render.XMLRenderer".into()]),
            ),
            auth: g.get("AUTH").filter(|a| !a.is_null()).map(AuthSettings::parse).transpose()?,
            home_access: Access::default(),
        };
        if settings.auth.is_some() {
            settings.home_access = Access {
                authenticated: true,
                public_methods: list(g, "PUBLIC_METHODS", &[])?,
                roles: list(g, "ALLOWED_ROLES", &[])?,
                read_roles: list(g, "ALLOWED_READ_ROLES", &[])?,
                write_roles: list(g, "ALLOWED_WRITE_ROLES", &[])?,
            };
        }
        let mut domain = match g.get("DOMAIN") {
            None => Map::new(),
            Some(Value::Object(d)) => d.clone(),
            Some(_) => return error("DOMAIN must be an object of resources"),
        };
        if b("OPLOG", false) {
            settings.oplog = Some(oplog(g, &mut domain)?);
        }
        for (name, r) in &domain {
            let Some(r) = r.as_object() else { return error(format!("DOMAIN.{name} must be an object")) };
            settings.resources.push(resource(name, r, g, &settings)?);
        }
        if let Some(accounts) = settings.auth.as_ref().and_then(|a| a.accounts.as_ref())
            && !settings.resources.iter().any(|r| &r.name == accounts)
        {
            return error(format!("AUTH.accounts names {accounts:?}, which is not a resource of DOMAIN"));
        }
        let mut urls = BTreeMap::new();
        for r in &settings.resources {
            if let Some(other) = urls.insert(r.url.clone(), r.name.clone()) {
                return error(format!("resources {other} and {} have the same url {:?}", r.name, r.url));
            }
        }
        Ok(settings)
    }

    /// The path before every resource URL: `/<URL_PREFIX>/<API_VERSION>`.
    pub fn base_path(&self) -> String {
        let mut base = String::new();
        for part in [&self.url_prefix, &self.api_version] {
            if !part.is_empty() {
                base.push('/');
                base.push_str(part);
            }
        }
        base
    }
}

fn cors(g: &Map<String, Value>) -> Result<Option<Cors>, SettingsError> {
    // Each of these may be one string or a list of them.
    let list = |key: &str| match g.get(key) {
        Some(Value::String(s)) => vec![s.clone()],
        other => strings(other).unwrap_or_default(),
    };
    let domains = list("X_DOMAINS");
    let patterns = list("X_DOMAINS_RE");
    if domains.is_empty() && patterns.is_empty() {
        return Ok(None);
    }
    let domain_patterns = patterns
        .iter()
        .map(|p| Regex::new(&format!("^(?:{p})$")).map_err(|e| SettingsError(format!("X_DOMAINS_RE {p:?}: {e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(Cors {
        domains,
        domain_patterns,
        headers: list("X_HEADERS"),
        expose_headers: list("X_EXPOSE_HEADERS"),
        max_age: g.get("X_MAX_AGE").and_then(Value::as_i64).unwrap_or(21600),
        allow_credentials: g.get("X_ALLOW_CREDENTIALS").and_then(Value::as_bool).unwrap_or(false),
    }))
}

fn strings(value: Option<&Value>) -> Option<Vec<String>> {
    value?.as_array().map(|items| items.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
}

fn methods(value: Option<&Value>, default: &[String]) -> Vec<String> {
    strings(value).map(|m| m.into_iter().map(|s| s.to_uppercase()).collect()).unwrap_or_else(|| default.to_vec())
}

/// A Werkzeug `regex("...")` rule as a regular expression matching a
/// whole path segment; `None` for other converters (any segment).
pub fn url_rule(rule: &str) -> Result<Option<Regex>, SettingsError> {
    let rule = rule.trim();
    let Some(inner) = rule.strip_prefix("regex(").and_then(|r| r.strip_suffix(')')) else { return Ok(None) };
    let inner = inner.trim();
    let pattern = inner
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .or_else(|| inner.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')))
        .unwrap_or(inner);
    Regex::new(&format!("^(?:{pattern})$")).map(Some).map_err(|e| SettingsError(format!("bad url rule {rule}: {e}")))
}

fn json_document(value: &Value, what: &str) -> Result<Document, SettingsError> {
    match Bson::try_from(value.clone()) {
        Ok(Bson::Document(d)) => Ok(d),
        _ => error(format!("{what} must be an object")),
    }
}

fn resource(
    name: &str,
    r: &Map<String, Value>,
    g: &Map<String, Value>,
    settings: &Settings,
) -> Result<Resource, SettingsError> {
    let global_methods = |key: &str| methods(g.get(key), &["GET".to_string()]);
    let s = |key: &str, default: &str| r.get(key).and_then(Value::as_str).unwrap_or(default).to_string();
    let b = |key: &str, global: &str, default: bool| {
        r.get(key).and_then(Value::as_bool).unwrap_or_else(|| g.get(global).and_then(Value::as_bool).unwrap_or(default))
    };
    let url = s("url", name).trim_matches('/').to_string();
    let id_field = s("id_field", g.get("ID_FIELD").and_then(Value::as_str).unwrap_or("_id"));
    let item_url_rule = s("item_url", g.get("ITEM_URL").and_then(Value::as_str).unwrap_or("regex(\"[a-f0-9]{24}\")"));
    let schema = r.get("schema").cloned().unwrap_or_else(|| Value::Object(Map::new()));
    if !schema.is_object() {
        return error(format!("DOMAIN.{name}.schema must be an object"));
    }
    let empty = Map::new();
    let datasource = r.get("datasource").and_then(Value::as_object).unwrap_or(&empty);
    let filter = match datasource.get("filter") {
        None | Some(Value::Null) => None,
        Some(f) => Some(json_document(f, &format!("DOMAIN.{name}.datasource.filter"))?),
    };
    let default_sort = match datasource.get("default_sort") {
        None | Some(Value::Null) => None,
        Some(Value::Array(pairs)) => Some(
            pairs
                .iter()
                .map(|p| match p.as_array().map(Vec::as_slice) {
                    Some([Value::String(f), d]) => Ok((f.clone(), d.as_i64().unwrap_or(1) as i32)),
                    _ => error(format!("DOMAIN.{name}.datasource.default_sort must be [[field, 1 or -1], ...]")),
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Some(_) => return error(format!("DOMAIN.{name}.datasource.default_sort must be a list")),
    };
    let allow_unknown = b("allow_unknown", "ALLOW_UNKNOWN", false);
    let versioning = b("versioning", "VERSIONING", false);
    let soft_delete = b("soft_delete", "SOFT_DELETE", false);
    let projection = resource_projection(
        datasource.get("projection"),
        &schema,
        allow_unknown,
        &auto_fields(versioning, soft_delete, &id_field, &settings.names),
        name,
    )?;
    let aggregation = match datasource.get("aggregation") {
        None | Some(Value::Null) => None,
        Some(Value::Object(a)) => {
            let stages = a.get("pipeline").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
            let pipeline = stages
                .iter()
                .map(|stage| json_document(stage, &format!("DOMAIN.{name}.datasource.aggregation.pipeline")))
                .collect::<Result<Vec<_>, _>>()?;
            Some(pipeline)
        }
        Some(_) => return error(format!("DOMAIN.{name}.datasource.aggregation must be an object with a pipeline")),
    };
    // An aggregation endpoint only reads its collection, with no item URLs (as Eve sets it up).
    let item_lookup = aggregation.is_none() && b("item_lookup", "ITEM_LOOKUP", true);
    let additional_lookup = match r.get("additional_lookup") {
        Some(Value::Object(l)) if aggregation.is_none() => {
            let field = l.get("field").and_then(Value::as_str).unwrap_or_default().to_string();
            if field.is_empty() {
                return error(format!("DOMAIN.{name}.additional_lookup needs a field"));
            }
            Some((url_rule(l.get("url").and_then(Value::as_str).unwrap_or(""))?, field))
        }
        _ => None,
    };
    let mut mongo_indexes = Vec::new();
    if let Some(Value::Object(indexes)) = r.get("mongo_indexes") {
        for (index_name, spec) in indexes {
            let (keys, unique) = match spec {
                Value::Array(keys) => (keys.clone(), false),
                Value::Object(o) => (
                    o.get("key").and_then(Value::as_array).cloned().unwrap_or_default(),
                    o.get("unique").and_then(Value::as_bool).unwrap_or(false),
                ),
                _ => {
                    return error(format!(
                        "DOMAIN.{name}.mongo_indexes.{index_name} must be a list of [field, direction]"
                    ));
                }
            };
            let keys = keys
                .iter()
                .map(|k| match k.as_array().map(Vec::as_slice) {
                    Some([Value::String(f), d]) => Ok((f.clone(), d.as_i64().unwrap_or(1) as i32)),
                    _ => {
                        error(format!("DOMAIN.{name}.mongo_indexes.{index_name} must be a list of [field, direction]"))
                    }
                })
                .collect::<Result<Vec<_>, _>>()?;
            mongo_indexes.push(enma_docstore::Index { name: index_name.clone(), keys, unique });
        }
    }
    let item_lookup_field =
        s("item_lookup_field", g.get("ITEM_LOOKUP_FIELD").and_then(Value::as_str).unwrap_or(&id_field));
    let (url_pattern, home_href) = url_template(&url)?;
    let (access, item_access) = resource_access(name, r, g, settings)?;
    let auth_field = match r.get("auth_field").or(g.get("AUTH_FIELD")) {
        None | Some(Value::Null) => None,
        Some(Value::String(f)) if *f == id_field => {
            return error(format!("DOMAIN.{name}: auth_field cannot be set to id_field ({id_field})"));
        }
        Some(Value::String(f)) => Some(f.clone()),
        Some(_) => return error(format!("DOMAIN.{name}.auth_field must be a field name")),
    };
    Ok(Resource {
        soft_delete,
        versioning,
        etag_ignore_fields: strings(r.get("etag_ignore_fields")).unwrap_or_default(),
        access,
        item_access,
        auth_field,
        url_pattern,
        home_href,
        name: name.to_string(),
        resource_title: s("resource_title", &url),
        item_title: s("item_title", &capitalize(name.trim_end_matches('s'))),
        url,
        schema,
        source: datasource.get("source").and_then(Value::as_str).unwrap_or(name).to_string(),
        filter,
        projection,
        default_sort,
        resource_methods: match aggregation {
            Some(_) => vec!["GET".into()],
            None => methods(r.get("resource_methods"), &global_methods("RESOURCE_METHODS")),
        },
        aggregation,
        item_methods: methods(r.get("item_methods"), &global_methods("ITEM_METHODS")),
        item_lookup_field,
        id_field,
        item_url: url_rule(&item_url_rule)?,
        item_lookup,
        additional_lookup,
        allowed_filters: strings(r.get("allowed_filters").or(g.get("ALLOWED_FILTERS")))
            .unwrap_or_else(|| vec!["*".into()]),
        sorting: b("sorting", "SORTING", true),
        pagination: b("pagination", "PAGINATION", true),
        projection_enabled: b("projection", "PROJECTION", true),
        hateoas: b("hateoas", "HATEOAS", true),
        bulk_enabled: b("bulk_enabled", "BULK_ENABLED", true),
        allow_unknown,
        extra_response_fields: strings(r.get("extra_response_fields").or(g.get("EXTRA_RESPONSE_FIELDS")))
            .unwrap_or_default(),
        mongo_indexes,
        cache_control: s("cache_control", &settings.cache_control),
        cache_expires: r.get("cache_expires").and_then(Value::as_i64).unwrap_or(settings.cache_expires),
        internal: b("internal_resource", "INTERNAL_RESOURCE", false),
        optimize_pagination_for_speed: b("optimize_pagination_for_speed", "OPTIMIZE_PAGINATION_FOR_SPEED", false),
    })
}

/// Who may call a resource's endpoints: its own `public_methods`,
/// `allowed_roles`, ... or the global ones; nobody is asked for credentials
/// without `AUTH` or with `authentication: null`.
fn resource_access(
    name: &str,
    r: &Map<String, Value>,
    g: &Map<String, Value>,
    settings: &Settings,
) -> Result<(Access, Access), SettingsError> {
    let authenticated = settings.auth.is_some() && !matches!(r.get("authentication"), Some(Value::Null));
    let within = |e: SettingsError| SettingsError(format!("DOMAIN.{name}.{}", e.0));
    let get = |key: &str, global: &str| -> Result<Vec<String>, SettingsError> {
        let default = list(g, global, &[])?;
        list(r, key, &default).map_err(within)
    };
    let resource = Access {
        authenticated,
        public_methods: get("public_methods", "PUBLIC_METHODS")?,
        roles: get("allowed_roles", "ALLOWED_ROLES")?,
        read_roles: get("allowed_read_roles", "ALLOWED_READ_ROLES")?,
        write_roles: get("allowed_write_roles", "ALLOWED_WRITE_ROLES")?,
    };
    let item = Access {
        authenticated,
        public_methods: get("public_item_methods", "PUBLIC_ITEM_METHODS")?,
        roles: get("allowed_item_roles", "ALLOWED_ITEM_ROLES")?,
        read_roles: get("allowed_item_read_roles", "ALLOWED_ITEM_READ_ROLES")?,
        write_roles: get("allowed_item_write_roles", "ALLOWED_ITEM_WRITE_ROLES")?,
    };
    Ok((resource, item))
}

/// A URL with Werkzeug variables (`<regex("..."):field>`, `<field>`) as a
/// regular expression, and the link form the home page shows.
fn url_template(url: &str) -> Result<(Option<UrlPattern>, String), SettingsError> {
    if !url.contains('<') {
        return Ok((None, url.to_string()));
    }
    let variable = Regex::new(r#"<(?:regex\((?:"([^"]*)"|'([^']*)')\):|[a-z]+:)?([A-Za-z_][A-Za-z0-9_]*)>"#)
        .map_err(|e| SettingsError(e.to_string()))?;
    let mut pattern = String::from("^");
    let mut href = String::new();
    let mut fields = Vec::new();
    let mut last = 0;
    for c in variable.captures_iter(url) {
        let Some(whole) = c.get(0) else { continue };
        pattern.push_str(&regex::escape(&url[last..whole.start()]));
        href.push_str(&url[last..whole.start()]);
        let inner = c.get(1).or(c.get(2)).map_or("[^/]+", |m| m.as_str());
        let field = c.get(3).map_or("", |m| m.as_str()).to_string();
        pattern.push_str(&format!("({inner})"));
        href.push_str(&format!("<{field}>"));
        fields.push(field);
        last = whole.end();
    }
    pattern.push_str(&regex::escape(&url[last..]));
    pattern.push('$');
    href.push_str(&url[last..]);
    let re = Regex::new(&pattern).map_err(|e| SettingsError(format!("bad url {url:?}: {e}")))?;
    Ok((Some((re, fields)), href))
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars.flat_map(char::to_lowercase)).collect(),
        None => String::new(),
    }
}

/// The projection Eve gives a resource: with a schema and no unknown fields
/// allowed, only the schema's fields (less those the datasource excludes)
/// and the automatic ones are read.
fn resource_projection(
    given: Option<&Value>,
    schema: &Value,
    allow_unknown: bool,
    auto: &[String],
    resource: &str,
) -> Result<Option<Document>, SettingsError> {
    let mut projection = match given {
        None | Some(Value::Null) => Document::new(),
        Some(p) => json_document(p, &format!("DOMAIN.{resource}.datasource.projection"))?,
    };
    let fields = schema.as_object().filter(|s| !s.is_empty());
    let Some(fields) = fields.filter(|_| !allow_unknown) else {
        return Ok((!projection.is_empty()).then_some(projection));
    };
    let on = |v: &Bson| matches!(v, Bson::Int32(1) | Bson::Int64(1) | Bson::Boolean(true));
    let inclusion = projection.values().any(on);
    if inclusion {
        projection = projection.into_iter().filter(|(_, v)| on(v)).collect();
    } else {
        let excluded: Vec<String> = projection.keys().cloned().collect();
        projection = Document::new();
        for field in fields.keys().filter(|f| !excluded.contains(f)) {
            projection.insert(field.clone(), 1);
        }
    }
    for field in auto {
        projection.insert(field.clone(), 1);
    }
    Ok(Some(projection))
}

/// The fields Eve reads whatever the projection: the id, the dates, the
/// ETag, and versioning's and soft delete's own.
fn auto_fields(versioning: bool, soft_delete: bool, id_field: &str, names: &Names) -> Vec<String> {
    let mut auto =
        vec![id_field.to_string(), names.last_updated.clone(), names.date_created.clone(), names.etag.clone()];
    if versioning {
        auto.push(names.version.clone());
        auto.push(format!("{id_field}{}", names.version_id_suffix));
    }
    if soft_delete {
        auto.push(names.deleted.clone());
    }
    auto
}
