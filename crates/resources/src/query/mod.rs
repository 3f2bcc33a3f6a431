//! Eve 2.3.1 query-string parameters → MongoDB query documents.
//!
//! This module turns the `where`, `sort`, `projection`, `max_results` and
//! `page` parameters of a `GET /<resource>` into what Eve 2.3.1 hands to
//! pymongo's `find()`, with Eve's checks, error statuses and messages. It
//! reproduces Eve's *behaviour* (verified against a real Eve app with
//! `gen_vectors.py` / `vectors.json`), including its quirks, because clients
//! written against Eve depend on them.
//!
//! # Entry points
//! * [`parse_query`] — all parameters of one request, checked in Eve's order
//!   (so the first error is the one Eve would report).
//! * [`parse_where`] / [`parse_where_with`] — the filter alone: MongoDB-JSON
//!   syntax (`{"age": {"$gt": 5}}`) or Python syntax (`age > 5 and x == "a"`).
//! * [`validate_filters`] — the resource's `allowed_filters`.
//! * [`cast_filter`] — string → ObjectId / datetime / Decimal128 casting,
//!   either by schema type ([`CastMode::Schema`], ENMA's rule) or exactly as
//!   Eve's `_mongotize` ([`CastMode::EveCompat`]).
//! * [`parse_sort`], [`parse_projection`] + [`resolve_projection`],
//!   [`parse_pagination`].
//!
//! # Eve behaviours worth knowing (all reproduced)
//! * `where` is first tried as JSON (`simplejson`, no extended JSON: a
//!   `{"$oid": ...}` is an unknown operator); on *any* decoding failure, or a
//!   crash inside the operator check (an empty key), Eve falls back to its
//!   Python-syntax parser. A JSON value that is not an object gives a 500.
//! * The operator whitelist/blacklist (`MONGO_QUERY_BLACKLIST`, default
//!   `$where`, `$regex`) is only applied to JSON-syntax filters: Eve lets
//!   `"$where" == "..."` through in Python syntax. Set
//!   [`WhereOptions::sanitize_python`] to close that hole (not Eve's way).
//! * The Python parser is Eve's `ast.NodeVisitor` walk, quirks included:
//!   `a == -1` → `{"a": 1}`, `a == True` / `a == None` → `{"a": "a"}`,
//!   `x and not y == 1` ignores `not`, `in`/`is` → 500, `a == b` → `{"a": "b"}`,
//!   several statements (`;` or newline) merge into one document.
//! * `allowed_filters`: `["*"]` allows everything (no check at all), `[]`
//!   makes Eve ignore `where` entirely; otherwise only top-level keys and
//!   the keys inside `$or`/`$and`/`$nor` lists are checked, a dotted key is
//!   allowed when any dotted prefix is, operators are always allowed. The
//!   400 message `filter on '<key>' not allowed` is shown even without DEBUG.
//! * `sort`: `ast.literal_eval` first (`[("age", -1)]`, also dicts, bare
//!   strings → 400 from pymongo); if the text is Python but not a literal,
//!   the comma syntax `-age,name`; a Python *syntax error* is a 400.
//! * `projection`: a JSON object; inclusive when any value equals 1, and
//!   only the resource's projected fields can be touched; exclusions are
//!   folded into the resource projection, falsy values dropped.
//! * `max_results` is `int(float(text))`, ≤ 0 or unparsable → the default,
//!   capped at the pagination limit; `page` is `abs(int(text)) or 1`.
//!
//! Messages marked "DEBUG only" are replaced by Werkzeug's generic text when
//! Eve runs without `DEBUG`; see [`QueryError::client_message`].

mod cast;
mod pyjson;
mod pysyntax;
mod pyval;
mod visitor;

use std::fmt;

use bson::{Bson, Document};

use crate::py::num::{self, PyInt};

use pysyntax::SynError;
use pyval::{PyDict, PyVal, dict_to_document, py_eq, py_repr, py_truthy, py_type_name, py_type_repr, to_bson};
use visitor::{LiteralError, VisitError};

/// Eve's 400 message for an unparsable `where`.
pub const WHERE_PARSE_ERROR: &str = "Unable to parse `where` clause";
/// Eve's 400 message for an unparsable `projection`.
pub const PROJECTION_PARSE_ERROR: &str = "Unable to parse `projection` clause";
/// Eve's 400 message when a blacklisted operator is used.
pub const BLACKLIST_ERROR: &str = "Query contains operators banned in MONGO_QUERY_BLACKLIST";
/// Werkzeug's description of a 400 (what Eve shows without DEBUG).
pub const GENERIC_400: &str = "The browser (or proxy) sent a request that this server could not understand.";
/// Werkzeug's description of a 500.
pub const GENERIC_500: &str = "The server encountered an internal error and was unable to \
     complete your request. Either the server is overloaded or there is an error in the application.";

/// Eve's `MONGO_QUERY_BLACKLIST` default.
pub const DEFAULT_BLACKLIST: [&str; 2] = ["$where", "$regex"];

/// The operators Eve's Mongo layer knows (`Mongo.operators`): anything else
/// starting with `$` in a JSON filter is refused (unless whitelisted), and
/// these are always allowed by `allowed_filters`.
pub const MONGO_OPERATORS: [&str; 41] = [
    "$gt",
    "$gte",
    "$in",
    "$lt",
    "$lte",
    "$ne",
    "$nin",
    "$eq",
    "$or",
    "$and",
    "$not",
    "$nor",
    "$mod",
    "$regex",
    "$text",
    "$where",
    "$options",
    "$search",
    "$language",
    "$caseSensitive",
    "$diacriticSensitive",
    "$exists",
    "$type",
    "$geoWithin",
    "$geoIntersects",
    "$near",
    "$nearSphere",
    "$centerSphere",
    "$geometry",
    "$maxDistance",
    "$minDistance",
    "$box",
    "$all",
    "$elemMatch",
    "$size",
    "$bitsAllClear",
    "$bitsAllSet",
    "$bitsAnyClear",
    "$bitsAnySet",
    "$center",
    "$expr",
];

fn eve_operators() -> &'static [&'static str] {
    &MONGO_OPERATORS
}

/// Inputs longer than this are parsed on a thread with [`DEEP_STACK`]: only
/// they can nest deep enough (up to the limits Eve/CPython have: 200
/// brackets, ~900 JSON levels, ~3000-level trees) to exhaust a small stack,
/// e.g. a debug build's 2 MiB test or async-runtime thread.
const SHALLOW_INPUT: usize = 128;
/// Stack of the parsing thread for long inputs (reserved, not committed).
const DEEP_STACK: usize = 64 << 20;

/// Runs `f` directly for short inputs, else on a thread with a large stack.
fn guarded<T: Send>(input_len: usize, f: impl FnOnce() -> Result<T, QueryError> + Send) -> Result<T, QueryError> {
    if input_len <= SHALLOW_INPUT {
        return f();
    }
    std::thread::scope(|scope| {
        match std::thread::Builder::new().name("enma-query-parse".into()).stack_size(DEEP_STACK).spawn_scoped(scope, f)
        {
            Ok(handle) => handle.join().unwrap_or_else(|_| Err(QueryError::internal("the query parser thread failed"))),
            Err(e) => Err(QueryError::internal(format!("cannot start the query parser thread: {e}"))),
        }
    })
}

// ------------------------------------------------------------------ errors

/// A request Eve would refuse: HTTP status, Eve's message, and whether Eve
/// only shows that message in DEBUG mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    status: u16,
    message: String,
    debug_only: bool,
    detail: Option<String>,
}

impl QueryError {
    fn bad_request(message: impl Into<String>) -> Self {
        QueryError { status: 400, message: message.into(), debug_only: false, detail: None }
    }

    fn bad_request_debug(message: impl Into<String>) -> Self {
        QueryError { status: 400, message: message.into(), debug_only: true, detail: None }
    }

    pub(crate) fn internal(detail: impl Into<String>) -> Self {
        QueryError { status: 500, message: GENERIC_500.into(), debug_only: false, detail: Some(detail.into()) }
    }

    fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// The HTTP status Eve answers with: 400, or 500 where Eve crashes.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// Eve's message as shown with `DEBUG = True` (for a 500, Werkzeug's
    /// generic text; see [`QueryError::detail`] for what went wrong).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// What Eve puts in `_error.message`: with `debug == false`, messages Eve
    /// passes through `debug_error_message` become Werkzeug's generic text.
    pub fn client_message(&self, debug: bool) -> &str {
        if self.debug_only && !debug { GENERIC_400 } else { &self.message }
    }

    /// Whether Eve shows [`QueryError::message`] only in DEBUG mode.
    pub fn is_debug_only(&self) -> bool {
        self.debug_only
    }

    /// Why, for logs: the exception Eve would hit, or the unsupported syntax.
    pub fn detail(&self) -> Option<&str> {
        self.detail.as_deref()
    }
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.status, self.message)?;
        if let Some(d) = &self.detail {
            write!(f, " ({d})")?;
        }
        Ok(())
    }
}

impl std::error::Error for QueryError {}

// ------------------------------------------------------------------ types

/// A field's declared type, as far as casting cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// `objectid`: 24-hex strings become ObjectIds.
    ObjectId,
    /// `datetime`: RFC 1123 (Eve's `DATE_FORMAT`) or ISO 8601 strings
    /// become dates.
    Datetime,
    /// `decimal`: numeric strings become Decimal128.
    Decimal,
    /// Anything else: never cast.
    Other,
}

/// Options reproducing Eve's `_mongotize` for one resource.
pub struct EveCastOptions<'a> {
    /// Eve's `get_schema_type(key.split("."), schema)`, asked for each key
    /// at every nesting level (operators such as `$in` included, for which
    /// a schema normally answers `None`); only `Some(ObjectId)` matters.
    pub field_type: &'a dyn Fn(&str) -> Option<FieldType>,
    /// The resource's `id_field` (`_id`).
    pub id_field: String,
    /// `VERSION_ID_SUFFIX` (`_document`): `id_field + suffix` is cast too.
    pub version_id_suffix: String,
    /// The resource's `query_objectid_as_string`.
    pub query_objectid_as_string: bool,
}

/// How string values of a filter are cast.
pub enum CastMode<'a> {
    /// Leave values as parsed.
    None,
    /// ENMA's rule: only values compared with a field whose declared type
    /// says so (directly, in a list, behind `$eq $ne $gt $gte $lt $lte $in
    /// $nin $all`, `$not`, or `$elemMatch`, inside `$and`/`$or`/`$nor`) are
    /// cast; the callback gets the dotted field path (`addr.owner`).
    Schema(&'a dyn Fn(&str) -> Option<FieldType>),
    /// Exactly Eve's `_mongotize`: every string in RFC 1123 format becomes a
    /// datetime and (unless `query_objectid_as_string`) every 24-hex string
    /// an ObjectId, wherever it appears.
    EveCompat(EveCastOptions<'a>),
}

/// Which syntax a `where` was read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhereSyntax {
    /// MongoDB JSON.
    Json,
    /// Eve's Python-expression syntax.
    Python,
}

/// Operator checks for `where`.
#[derive(Debug, Clone)]
pub struct WhereOptions {
    /// `MONGO_QUERY_BLACKLIST`.
    pub blacklist: Vec<String>,
    /// The resource's `mongo_query_whitelist` (extra known operators).
    pub whitelist: Vec<String>,
    /// Also check Python-syntax filters (Eve does not: `false` is Eve's way).
    pub sanitize_python: bool,
}

impl Default for WhereOptions {
    fn default() -> Self {
        WhereOptions {
            blacklist: DEFAULT_BLACKLIST.iter().map(|s| s.to_string()).collect(),
            whitelist: Vec::new(),
            sanitize_python: false,
        }
    }
}

/// A parsed `where`.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedWhere {
    pub filter: Document,
    pub syntax: WhereSyntax,
}

/// Pagination settings of a resource.
#[derive(Debug, Clone, Copy)]
pub struct PaginationConfig {
    /// The resource's `pagination`.
    pub enabled: bool,
    /// `PAGINATION_DEFAULT` (25).
    pub default: i64,
    /// The resource's `pagination_limit`, else `PAGINATION_LIMIT` (50).
    pub limit: i64,
}

impl Default for PaginationConfig {
    fn default() -> Self {
        PaginationConfig { enabled: true, default: 25, limit: 50 }
    }
}

/// Eve's `req.max_results` / `req.page` and the resulting `skip`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pagination {
    /// The `limit` given to MongoDB; 0 means none (pagination disabled and
    /// no valid `max_results`). Also reported as `_meta.max_results`.
    pub max_results: i64,
    /// The page (always 1 when pagination is disabled).
    pub page: i64,
    /// `(page - 1) * max_results` (0 on page 1).
    pub skip: i64,
}

/// Everything of one resource that shapes its query parameters.
#[derive(Debug, Clone)]
pub struct ResourceQueryConfig {
    /// `allowed_filters` (`["*"]` all, `[]` ignore `where`).
    pub allowed_filters: Vec<String>,
    /// `sorting` (false: `sort` is ignored).
    pub sorting: bool,
    /// `projection` (false: the `projection` parameter is ignored).
    pub projection: bool,
    pub pagination: PaginationConfig,
    pub where_options: WhereOptions,
    /// `datasource.projection` as Eve computed it (schema fields and
    /// automatic fields at 1; empty with `allow_unknown` or no schema).
    pub datasource_projection: Document,
    /// Eve's `auto_fields(resource)` (`_id`, `_updated`, `_created`,
    /// `_etag`, `_issues`, `_status`, `_links`, …): never client-projected.
    pub auto_fields: Vec<String>,
}

impl Default for ResourceQueryConfig {
    fn default() -> Self {
        ResourceQueryConfig {
            allowed_filters: vec!["*".into()],
            sorting: true,
            projection: true,
            pagination: PaginationConfig::default(),
            where_options: WhereOptions::default(),
            datasource_projection: Document::new(),
            auto_fields: ["_id", "_updated", "_created", "_etag", "_issues", "_status", "_links"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
        }
    }
}

/// The raw query-string values (`None` when absent).
#[derive(Debug, Clone, Copy, Default)]
pub struct QueryParams<'a> {
    pub where_clause: Option<&'a str>,
    pub sort: Option<&'a str>,
    pub projection: Option<&'a str>,
    pub max_results: Option<&'a str>,
    pub page: Option<&'a str>,
}

/// What Eve hands to `find()` for one request.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedQuery {
    /// The filter (empty: no filter), before soft-delete/datasource/auth
    /// additions.
    pub filter: Document,
    /// How `where` was read (`None` when absent or ignored).
    pub where_syntax: Option<WhereSyntax>,
    /// The client sort; `None` means "none given" (Eve then uses the
    /// resource's `default_sort`).
    pub sort: Option<Vec<(String, i32)>>,
    /// The projection to send (empty: none).
    pub projection: Document,
    pub pagination: Pagination,
}

// ------------------------------------------------------------------ where

enum SanitizeError {
    Http(QueryError),
    /// Python raised something else (IndexError on an empty key): Eve then
    /// tries the Python parser.
    Fallback,
}

fn sanitize(v: &PyVal, opts: &WhereOptions) -> Result<(), SanitizeError> {
    match v {
        PyVal::Dict(d) => {
            let mut unknown = Vec::new();
            let mut banned = false;
            for (k, _) in d.iter() {
                let (PyVal::Str(key) | PyVal::BadStr(key)) = k else { continue };
                if key.is_empty() {
                    return Err(SanitizeError::Fallback);
                }
                if key.starts_with('$')
                    && !eve_operators().contains(&key.as_str())
                    && !opts.whitelist.iter().any(|w| w == key)
                    && !unknown.contains(key)
                {
                    unknown.push(key.clone());
                }
                banned |= opts.blacklist.iter().any(|b| b == key);
            }
            if !unknown.is_empty() {
                return Err(SanitizeError::Http(QueryError::bad_request_debug(format!(
                    "Query contains unknown or unsupported operators: {}",
                    unknown.join(", ")
                ))));
            }
            if banned {
                return Err(SanitizeError::Http(QueryError::bad_request_debug(BLACKLIST_ERROR)));
            }
            d.iter().try_for_each(|(_, v)| sanitize(v, opts))
        }
        PyVal::List(items) => items.iter().try_for_each(|v| sanitize(v, opts)),
        _ => Ok(()),
    }
}

fn where_parse_error(detail: impl Into<String>) -> QueryError {
    QueryError::bad_request_debug(WHERE_PARSE_ERROR).with_detail(detail)
}

/// Eve's `_convert_where_request_to_dict`, on Python values.
fn where_to_pyval(text: &str, opts: &WhereOptions) -> Result<(PyVal, WhereSyntax), QueryError> {
    if let Some(v) = pyjson::loads(text) {
        match sanitize(&v, opts) {
            Ok(()) => return Ok((v, WhereSyntax::Json)),
            Err(SanitizeError::Http(e)) => return Err(e),
            Err(SanitizeError::Fallback) => {}
        }
    }
    let stmts = match pysyntax::parse_module(text) {
        Ok(s) => s,
        Err(SynError::Syntax(m)) => return Err(where_parse_error(format!("SyntaxError: {m}"))),
        Err(SynError::Unsupported(what)) => {
            return Err(where_parse_error(format!("Python syntax not supported by ENMA: {what}")));
        }
        Err(SynError::TooDeep) => {
            return Err(QueryError::internal("RecursionError: expression nested too deeply"));
        }
    };
    match visitor::mongo_visit(&stmts) {
        Ok(d) => {
            let v = PyVal::Dict(d);
            if opts.sanitize_python {
                match sanitize(&v, opts) {
                    Ok(()) | Err(SanitizeError::Fallback) => {}
                    Err(SanitizeError::Http(e)) => return Err(e),
                }
            }
            Ok((v, WhereSyntax::Python))
        }
        Err(VisitError::Parse(m)) => Err(where_parse_error(format!("ParseError: {m}"))),
        Err(VisitError::Crash(m)) => Err(QueryError::internal(m)),
    }
}

fn not_a_dict(v: &PyVal) -> QueryError {
    QueryError::internal(format!("AttributeError: '{}' object has no attribute 'items'", py_type_name(v)))
}

/// Parses a `where` value with Eve's default operator checks; see
/// [`parse_where_with`].
pub fn parse_where(text: &str) -> Result<Document, QueryError> {
    parse_where_with(text, &WhereOptions::default()).map(|w| w.filter)
}

/// Parses a `where` value as Eve does: MongoDB JSON (checked against the
/// known operators, the whitelist and the blacklist), else Python syntax.
/// No `allowed_filters` check and no casting (see [`validate_filters`],
/// [`cast_filter`]). An empty text gives an empty filter.
///
/// Errors: 400 `Unable to parse `where` clause` (DEBUG only), 400 for
/// unknown/banned operators (DEBUG only), 500 where Eve crashes (a JSON
/// value that is not an object, `in`/`is` comparisons, non-string keys such
/// as `1 < a`, values MongoDB cannot hold such as `2j` or huge ints).
pub fn parse_where_with(text: &str, opts: &WhereOptions) -> Result<ParsedWhere, QueryError> {
    guarded(text.len(), || parse_where_impl(text, opts))
}

fn parse_where_impl(text: &str, opts: &WhereOptions) -> Result<ParsedWhere, QueryError> {
    if text.is_empty() {
        return Ok(ParsedWhere { filter: Document::new(), syntax: WhereSyntax::Json });
    }
    let (v, syntax) = where_to_pyval(text, opts)?;
    let PyVal::Dict(d) = &v else { return Err(not_a_dict(&v)) };
    Ok(ParsedWhere { filter: encode_now(d)?, syntax })
}

/// [`dict_to_document`], failing at once on a value pymongo would not encode.
fn encode_now(d: &PyDict) -> Result<Document, QueryError> {
    let mut deferred = None;
    let doc = dict_to_document(d, &mut deferred)?;
    match deferred {
        Some(e) => Err(e),
        None => Ok(doc),
    }
}

fn filter_allowed(key: &str, allowed: &[String]) -> bool {
    if allowed.iter().any(|a| a == key) || eve_operators().contains(&key) {
        return true;
    }
    match key.rfind('.') {
        Some(i) if i > 0 => filter_allowed(&key[..i], allowed),
        _ => false,
    }
}

fn validate_filter_py(filter: &PyVal, allowed: &[String]) -> Result<Option<String>, QueryError> {
    let PyVal::Dict(d) = filter else { return Err(not_a_dict(filter)) };
    for (k, v) in d.iter() {
        let key = match k {
            PyVal::Str(s) | PyVal::BadStr(s) => s,
            other => {
                return Err(QueryError::internal(format!(
                    "AttributeError: '{}' object has no attribute 'rpartition'",
                    py_type_name(other)
                )));
            }
        };
        if !filter_allowed(key, allowed) {
            return Ok(Some(format!("filter on '{key}' not allowed")));
        }
        if matches!(key.as_str(), "$or" | "$and" | "$nor") {
            let msg = format!("operator '{key}' expects a list of sub-queries");
            let PyVal::List(items) = v else { return Ok(Some(msg)) };
            for item in items {
                if !matches!(item, PyVal::Dict(_)) {
                    return Ok(Some(msg));
                }
                if let Some(r) = validate_filter_py(item, allowed)? {
                    return Ok(Some(r));
                }
            }
        }
    }
    Ok(None)
}

fn validate_filters_py(spec: &PyVal, allowed: &[String]) -> Result<(), QueryError> {
    if allowed.iter().any(|a| a == "*") {
        return Ok(());
    }
    match validate_filter_py(spec, allowed)? {
        Some(msg) => Err(QueryError::bad_request(msg)),
        None => Ok(()),
    }
}

fn bson_to_pyval(b: &Bson) -> PyVal {
    match b {
        Bson::Document(d) => {
            PyVal::Dict(PyDict(d.iter().map(|(k, v)| (PyVal::Str(k.clone()), bson_to_pyval(v))).collect()))
        }
        Bson::Array(items) => PyVal::List(items.iter().map(bson_to_pyval).collect()),
        Bson::String(s) => PyVal::Str(s.clone()),
        Bson::Boolean(x) => PyVal::Bool(*x),
        Bson::Int32(i) => PyVal::Int(i128::from(*i)),
        Bson::Int64(i) => PyVal::Int(i128::from(*i)),
        Bson::Double(f) => PyVal::Float(*f),
        Bson::Null => PyVal::None,
        // other scalars are never keys nor $or/$and/$nor containers
        _ => PyVal::Ellipsis,
    }
}

/// Eve's `validate_filters` (with `VALIDATE_FILTERS = False`): checks the
/// filter's keys against `allowed_filters`. The 400 message
/// (`filter on 'x' not allowed`, `operator '$or' expects a list of
/// sub-queries`) is shown even without DEBUG.
pub fn validate_filters(filter: &Document, allowed_filters: &[String]) -> Result<(), QueryError> {
    validate_filters_py(&bson_to_pyval(&Bson::Document(filter.clone())), allowed_filters)
}

/// Casts string values of a filter in place; see [`CastMode`].
pub fn cast_filter(filter: &mut Document, mode: &CastMode<'_>) {
    cast::apply(filter, mode);
}

// ------------------------------------------------------------------- sort

/// `sort` after Eve's own parsing, before pymongo's checks.
enum SortSpec {
    Literal(PyVal),
    Pairs(Vec<(String, i32)>),
}

fn sort_stage1(text: &str) -> Result<Option<SortSpec>, QueryError> {
    let src = text.trim_start_matches([' ', '\t']);
    let literal = match pysyntax::parse_eval(src) {
        Err(SynError::Syntax(m)) => return Err(QueryError::bad_request_debug(m)),
        // valid Python but not a literal: the comma syntax
        Err(SynError::Unsupported(_)) => None,
        // RecursionError is caught by Eve's `except Exception`: a 400
        Err(SynError::TooDeep) => {
            return Err(QueryError::bad_request_debug("maximum recursion depth exceeded during ast construction"));
        }
        Ok(expr) => match visitor::literal_eval(&expr) {
            Ok(v) => Some(v),
            Err(LiteralError::Malformed) => None,
            Err(LiteralError::Type(m)) => return Err(QueryError::bad_request_debug(m)),
        },
    };
    if let Some(v) = literal {
        return Ok(py_truthy(&v).then_some(SortSpec::Literal(v)));
    }
    let mut pairs = Vec::new();
    for part in text.split(',') {
        let arg = num::py_strip(part);
        match arg.strip_prefix('-') {
            Some(rest) => pairs.push((rest.to_string(), -1)),
            None if arg.is_empty() => {
                return Err(QueryError::internal("IndexError: string index out of range"));
            }
            None => pairs.push((arg.to_string(), 1)),
        }
    }
    Ok(Some(SortSpec::Pairs(pairs)))
}

fn check_index_pair(key: &PyVal, value: &PyVal) -> Result<String, QueryError> {
    let key = match key {
        PyVal::Str(s) | PyVal::BadStr(s) => s.clone(),
        other => {
            return Err(QueryError::bad_request_debug(format!(
                "first item in each key pair must be an instance of str, not {}",
                py_type_repr(other)
            )));
        }
    };
    if !matches!(
        value,
        PyVal::Str(_) | PyVal::BadStr(_) | PyVal::Int(_) | PyVal::BigInt(..) | PyVal::Bool(_) | PyVal::Dict(_)
    ) {
        return Err(QueryError::bad_request_debug(format!(
            "second item in each key pair must be 1, -1, '2d', or another valid MongoDB index specifier., not {}",
            py_type_repr(value)
        )));
    }
    Ok(key)
}

fn unpack_pair(item: &PyVal) -> Result<(PyVal, PyVal), QueryError> {
    let items: Vec<PyVal> = match item {
        PyVal::List(x) | PyVal::Tuple(x) | PyVal::Set(x) => x.clone(),
        PyVal::Dict(d) => d.iter().map(|(k, _)| k.clone()).collect(),
        PyVal::Bytes(b) => b.iter().map(|&c| PyVal::Int(i128::from(c))).collect(),
        PyVal::Str(s) | PyVal::BadStr(s) => s.chars().map(|c| PyVal::Str(c.to_string())).collect(),
        other => {
            return Err(QueryError::bad_request_debug(format!(
                "cannot unpack non-iterable {} object",
                py_type_name(other)
            )));
        }
    };
    match items.len() {
        2 => Ok((items[0].clone(), items[1].clone())),
        n if n > 2 => Err(QueryError::internal("ValueError: too many values to unpack (expected 2)")),
        n => Err(QueryError::internal(format!("ValueError: not enough values to unpack (expected 2, got {n})"))),
    }
}

/// pymongo's `_index_document(sort)`.
fn index_document(v: &PyVal) -> Result<Vec<(String, PyVal)>, QueryError> {
    let mut out: Vec<(String, PyVal)> = Vec::new();
    let mut put = |k: String, v: PyVal| match out.iter_mut().find(|(x, _)| *x == k) {
        Some(slot) => slot.1 = v,
        None => out.push((k, v)),
    };
    match v {
        PyVal::Dict(d) => {
            for (k, val) in d.iter() {
                let key = check_index_pair(k, val)?;
                put(key, val.clone());
            }
        }
        PyVal::List(items) | PyVal::Tuple(items) => {
            for item in items {
                let (k, val) = match item {
                    PyVal::Str(s) => (PyVal::Str(s.clone()), PyVal::Int(1)),
                    other => unpack_pair(other)?,
                };
                let key = check_index_pair(&k, &val)?;
                put(key, val);
            }
        }
        other => {
            return Err(QueryError::bad_request_debug(format!(
                "must use a dictionary or a list of (key, direction) pairs, not: {}",
                py_repr(other)
            )));
        }
    }
    Ok(out)
}

/// MongoDB accepts only 1 / -1 as a sort direction (ENMA has no `$meta`
/// sorts): Eve forwards anything pymongo accepts and MongoDB fails (500).
fn mongo_directions(index: Vec<(String, PyVal)>) -> Result<Vec<(String, i32)>, QueryError> {
    index
        .into_iter()
        .map(|(k, v)| match v {
            PyVal::Int(1) => Ok((k, 1)),
            PyVal::Int(-1) => Ok((k, -1)),
            other => Err(QueryError::internal(format!(
                "MongoDB rejects sort value {} for '{k}' (Eve forwards it: 500)",
                py_repr(&other)
            ))),
        })
        .collect()
}

fn sort_stage2(spec: SortSpec) -> Result<Vec<(String, PyVal)>, QueryError> {
    match spec {
        SortSpec::Literal(v) => index_document(&v),
        SortSpec::Pairs(p) => Ok(p.into_iter().map(|(k, d)| (k, PyVal::Int(i128::from(d)))).collect()),
    }
}

/// Parses a `sort` value as Eve + pymongo do: a Python literal such as
/// `[("age", -1), ("name", 1)]` (also `{"age": -1}`, `["age"]`), else the
/// comma syntax `-age,name`. An empty result means "no client sort" (Eve
/// then applies the resource's `default_sort`): an empty text, or a falsy
/// literal such as `[]` or `None`.
///
/// Errors: 400 (DEBUG only) for a Python syntax error (`first name`, `,`)
/// with Python's message, or pymongo's refusals (`"age"` → `must use a
/// dictionary or a list of (key, direction) pairs, not: 'age'`, `[(1, 1)]`,
/// `[("age", 1.0)]`); 500 where Eve crashes (`age,` with an empty item,
/// `[("a", 1, 2)]`) or MongoDB refuses a direction other than 1/-1.
pub fn parse_sort(text: &str) -> Result<Vec<(String, i32)>, QueryError> {
    guarded(text.len(), || parse_sort_impl(text))
}

fn parse_sort_impl(text: &str) -> Result<Vec<(String, i32)>, QueryError> {
    if text.is_empty() {
        return Ok(Vec::new());
    }
    match sort_stage1(text)? {
        None => Ok(Vec::new()),
        Some(spec) => mongo_directions(sort_stage2(spec)?),
    }
}

// ------------------------------------------------------------- projection

fn projection_pyval(text: &str) -> Result<PyDict, QueryError> {
    match pyjson::loads(text) {
        Some(PyVal::Dict(d)) => Ok(d),
        _ => Err(QueryError::bad_request_debug(PROJECTION_PARSE_ERROR)),
    }
}

/// Parses a `projection` value: a JSON object (Eve's only check). Errors:
/// 400 `Unable to parse `projection` clause` (DEBUG only).
pub fn parse_projection(text: &str) -> Result<Document, QueryError> {
    guarded(text.len(), || parse_projection_impl(text))
}

fn parse_projection_impl(text: &str) -> Result<Document, QueryError> {
    encode_now(&projection_pyval(text)?)
}

/// One projection entry during resolution.
struct ProjEntry {
    key: String,
    value: Bson,
    truthy: bool,
    /// Encoding failure to report if the entry is sent.
    error: Option<QueryError>,
}

impl ProjEntry {
    fn from_bson(key: &str, value: &Bson) -> ProjEntry {
        ProjEntry { key: key.to_string(), value: value.clone(), truthy: crate::py::truthy(value), error: None }
    }
}

fn bson_eq_one(b: &Bson) -> bool {
    matches!(b, Bson::Int32(1) | Bson::Int64(1) | Bson::Boolean(true)) || matches!(b, Bson::Double(f) if *f == 1.0)
}

fn resolve_entries(
    client: Vec<(ProjEntry, bool)>,
    datasource: &Document,
    keep_fields: &[String],
) -> (Document, Option<QueryError>) {
    let mut fields: Vec<ProjEntry> = datasource.iter().map(|(k, v)| ProjEntry::from_bson(k, v)).collect();
    if !client.is_empty() {
        if !datasource.is_empty() {
            if client.iter().any(|(_, one)| *one) {
                for f in fields.iter_mut() {
                    let keep = keep_fields.contains(&f.key);
                    f.value = Bson::Boolean(keep);
                    f.truthy = keep;
                }
            }
            for (entry, _) in client {
                let base = entry.key.split('.').next().unwrap_or("").to_string();
                if !keep_fields.contains(&base) && fields.iter().any(|f| f.key == base) {
                    match fields.iter_mut().find(|f| f.key == entry.key) {
                        Some(slot) => *slot = entry,
                        None => fields.push(entry),
                    }
                }
            }
        } else {
            fields = client.into_iter().map(|(e, _)| e).collect();
        }
    }
    let mut doc = Document::new();
    let mut error = None;
    for f in fields.into_iter().filter(|f| f.truthy) {
        if error.is_none() {
            error = f.error;
        }
        doc.insert(f.key, f.value);
    }
    (doc, error)
}

/// Eve's merge of a client projection into the resource's datasource
/// projection (`_datasource_ex`):
/// * no client projection, or an empty datasource projection
///   (`allow_unknown`): the other one is used;
/// * any client value equal to 1 (`1`, `1.0`, `true`) makes it inclusive:
///   every datasource field is reset to `keep_fields.contains(field)`;
/// * a client key counts only when its first dotted segment is a datasource
///   field and not an automatic field (so `{"_id": 0}` is ignored);
/// * entries with a falsy value are dropped (exclusions included).
pub fn resolve_projection(client: &Document, datasource: &Document, keep_fields: &[String]) -> Document {
    let entries = client.iter().map(|(k, v)| (ProjEntry::from_bson(k, v), bson_eq_one(v))).collect();
    resolve_entries(entries, datasource, keep_fields).0
}

fn resolve_projection_py(
    client: &PyDict,
    datasource: &Document,
    keep_fields: &[String],
) -> Result<(Document, Option<QueryError>), QueryError> {
    let mut entries = Vec::new();
    for (k, v) in client.iter() {
        let (PyVal::Str(key) | PyVal::BadStr(key)) = k else { continue };
        let mut err = None;
        let value = to_bson(v, &mut err)?;
        let one = py_eq(v, &PyVal::Int(1));
        entries.push((ProjEntry { key: key.clone(), value, truthy: py_truthy(v), error: err }, one));
    }
    Ok(resolve_entries(entries, datasource, keep_fields))
}

// ------------------------------------------------------------- pagination

fn pagination_impl(
    max_results: Option<&str>,
    page: Option<&str>,
    cfg: &PaginationConfig,
) -> Result<(Pagination, Option<QueryError>), QueryError> {
    let default = if cfg.enabled { cfg.default } else { 0 };
    // int(float(text)) as an exact integer-valued f64
    let mut mr: f64 = default as f64;
    if let Some(f) = max_results.and_then(num::py_float) {
        if f.is_infinite() {
            return Err(QueryError::internal("OverflowError: cannot convert float infinity to integer"));
        }
        if !f.is_nan() && f.trunc() > 0.0 {
            mr = f.trunc();
        }
    }
    let mut page_val: i128 = 1;
    let mut deferred = None;
    let overflow = || QueryError::internal("OverflowError: MongoDB can only handle up to 8-byte ints");
    if cfg.enabled {
        if let Some(p) = page {
            match num::py_int(p) {
                Some(PyInt::Small(v)) => page_val = if v == 0 { 1 } else { v.abs() },
                Some(PyInt::Huge { .. }) => {
                    page_val = i128::MAX;
                    deferred = Some(overflow());
                }
                None => {}
            }
        }
        if mr > cfg.limit as f64 {
            mr = cfg.limit as f64;
        }
    }
    let max_results = if mr >= 9_223_372_036_854_775_808.0 {
        deferred.get_or_insert_with(overflow);
        i64::MAX
    } else {
        mr as i64
    };
    let mut skip: i64 = 0;
    if page_val > 1 {
        match (page_val - 1).checked_mul(i128::from(max_results)).map(i64::try_from) {
            Some(Ok(s)) => skip = s,
            _ => {
                deferred.get_or_insert_with(overflow);
                skip = i64::MAX;
            }
        }
    }
    let page = i64::try_from(page_val).unwrap_or(i64::MAX);
    Ok((Pagination { max_results, page, skip }, deferred))
}

/// Eve's `max_results` / `page` handling (`parse_request` + `find`):
/// `max_results = int(float(text))`, the default when absent, unparsable,
/// NaN or < 1 (`PAGINATION_DEFAULT`, or 0 = no limit when pagination is
/// disabled), capped at the limit when pagination is enabled; `page =
/// abs(int(text)) or 1`, only read when pagination is enabled. Python's
/// number syntax applies (`" 7 "`, `"1_0"`, `"1e1"`, `"+3"`, Unicode digits).
///
/// Errors (Eve answers 500): `max_results` infinite (`inf`, `1e400`); a
/// limit or skip beyond int64.
pub fn parse_pagination(
    max_results: Option<&str>,
    page: Option<&str>,
    cfg: &PaginationConfig,
) -> Result<Pagination, QueryError> {
    let (p, deferred) = pagination_impl(max_results, page, cfg)?;
    match deferred {
        Some(e) => Err(e),
        None => Ok(p),
    }
}

// ------------------------------------------------------------ whole query

fn non_empty(v: Option<&str>) -> Option<&str> {
    v.filter(|s| !s.is_empty())
}

/// Parses every query parameter of a collection `GET` as Eve 2.3.1 does,
/// in Eve's order — `max_results`/`page`, `sort` (syntax), `where`
/// (parse, operators, `allowed_filters`, casting), `projection`, `sort`
/// (pymongo's checks), then what only fails when the command is encoded or
/// run (values MongoDB cannot hold, limit/skip beyond int64, bad sort
/// directions) — so the error returned is the one Eve reports.
pub fn parse_query(
    params: &QueryParams<'_>,
    cfg: &ResourceQueryConfig,
    cast: &CastMode<'_>,
) -> Result<ParsedQuery, QueryError> {
    let len = [params.where_clause, params.sort, params.projection].iter().flatten().map(|t| t.len()).max();
    let mut q = guarded(len.unwrap_or(0), || parse_query_impl(params, cfg))?;
    // casting never fails, so doing it last keeps Eve's error order
    cast::apply(&mut q.filter, cast);
    Ok(q)
}

fn parse_query_impl(params: &QueryParams<'_>, cfg: &ResourceQueryConfig) -> Result<ParsedQuery, QueryError> {
    let (pagination, pagination_deferred) = pagination_impl(params.max_results, params.page, &cfg.pagination)?;

    let sort_spec = match non_empty(params.sort) {
        Some(text) if cfg.sorting => sort_stage1(text)?,
        _ => None,
    };

    let mut deferred = None;
    let mut filter = Document::new();
    let mut where_syntax = None;
    if let Some(text) = non_empty(params.where_clause).filter(|_| !cfg.allowed_filters.is_empty()) {
        let (v, syntax) = where_to_pyval(text, &cfg.where_options)?;
        validate_filters_py(&v, &cfg.allowed_filters)?;
        let PyVal::Dict(d) = &v else { return Err(not_a_dict(&v)) };
        filter = dict_to_document(d, &mut deferred)?;
        where_syntax = Some(syntax);
    }

    let client = match non_empty(params.projection) {
        Some(text) if cfg.projection => projection_pyval(text)?,
        _ => PyDict::new(),
    };
    let (projection, projection_deferred) =
        resolve_projection_py(&client, &cfg.datasource_projection, &cfg.auto_fields)?;

    let sort_index = match sort_spec {
        Some(spec) => Some(sort_stage2(spec)?),
        None => None,
    };

    if let Some(e) = deferred.or(pagination_deferred).or(projection_deferred) {
        return Err(e);
    }
    let sort = match sort_index {
        Some(index) => Some(mongo_directions(index)?),
        None => None,
    };
    Ok(ParsedQuery { filter, where_syntax, sort, projection, pagination })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oid_type(field: &str) -> Option<FieldType> {
        match field {
            "ref" | "_id" | "addr.owner" => Some(FieldType::ObjectId),
            "born" => Some(FieldType::Datetime),
            "price" => Some(FieldType::Decimal),
            "name" => Some(FieldType::Other),
            _ => None,
        }
    }

    #[test]
    fn python_and_json_where() -> Result<(), QueryError> {
        let d = parse_where("a == 1 and b == 2")?;
        assert_eq!(d, bson::doc! {"$and": [{"a": 1}, {"b": 2}]});
        let d = parse_where(r#"{"a": {"$gt": 5}}"#)?;
        assert_eq!(d, bson::doc! {"a": {"$gt": 5}});
        assert_eq!(
            parse_where(r#"{"$where": "1"}"#).map_err(|e| e.message().to_string()),
            Err(BLACKLIST_ERROR.to_string())
        );
        assert_eq!(parse_where("a in b").map_err(|e| e.status()), Err(500));
        Ok(())
    }

    #[test]
    fn schema_cast() -> Result<(), QueryError> {
        let mut d = parse_where(
            r#"{"ref": {"$in": ["5f1a2b3c4d5e6f7a8b9c0d1e", "x"]}, "name": "5f1a2b3c4d5e6f7a8b9c0d1e",
                "born": {"$gte": "2013-04-01T00:00:00Z", "$lt": "Tue, 02 Apr 2013 10:29:13 GMT"},
                "price": "1.50", "$or": [{"addr.owner": "5f1a2b3c4d5e6f7a8b9c0d1e"}]}"#,
        )?;
        cast_filter(&mut d, &CastMode::Schema(&oid_type));
        let oid = bson::oid::ObjectId::parse_str("5f1a2b3c4d5e6f7a8b9c0d1e")
            .map_err(|e| QueryError::internal(e.to_string()))?;
        assert_eq!(
            d.get_document("ref").ok().and_then(|r| r.get_array("$in").ok()).map(|a| a[0].clone()),
            Some(Bson::ObjectId(oid))
        );
        assert_eq!(d.get_str("name").ok(), Some("5f1a2b3c4d5e6f7a8b9c0d1e"));
        let born = d.get_document("born").map_err(|e| QueryError::internal(e.to_string()))?;
        assert_eq!(born.get_datetime("$gte").map(|d| d.timestamp_millis()).ok(), Some(1_364_774_400_000));
        assert_eq!(born.get_datetime("$lt").map(|d| d.timestamp_millis()).ok(), Some(1_364_898_553_000));
        assert!(matches!(d.get("price"), Some(Bson::Decimal128(_))));
        let or = d.get_array("$or").map_err(|e| QueryError::internal(e.to_string()))?;
        assert!(matches!(&or[0], Bson::Document(x) if matches!(x.get("addr.owner"), Some(Bson::ObjectId(_)))));
        Ok(())
    }

    #[test]
    fn schema_cast_operators() -> Result<(), QueryError> {
        let hex = "5f1a2b3c4d5e6f7a8b9c0d1e";
        let mut d = parse_where(&format!(
            r#"{{"ref": {{"$not": {{"$eq": "{hex}"}}}}, "refs": {{"$elemMatch": {{"$in": ["{hex}"]}}}},
                "addr": {{"$elemMatch": {{"owner": "{hex}", "city": "{hex}"}}}},
                "_id": {{"$nin": ["{hex}", "nothex"]}}, "other": "{hex}", "name": {{"$ne": "{hex}"}},
                "born": "not a date", "price": "abc", "ref2": {{"sub": "{hex}"}}}}"#
        ))?;
        let lookup = |f: &str| match f {
            "ref" | "refs" | "_id" | "addr.owner" | "ref2" => Some(FieldType::ObjectId),
            "born" => Some(FieldType::Datetime),
            "price" => Some(FieldType::Decimal),
            "name" => Some(FieldType::Other),
            _ => None,
        };
        cast_filter(&mut d, &CastMode::Schema(&lookup));
        let oid = Bson::ObjectId(bson::oid::ObjectId::parse_str(hex).map_err(|e| QueryError::internal(e.to_string()))?);
        let s = Bson::String(hex.into());
        let expected = bson::doc! {
            "ref": {"$not": {"$eq": oid.clone()}},
            "refs": {"$elemMatch": {"$in": [oid.clone()]}},
            "addr": {"$elemMatch": {"owner": oid.clone(), "city": s.clone()}},
            "_id": {"$nin": [oid, "nothex"]},
            "other": s.clone(),
            "name": {"$ne": s.clone()},
            "born": "not a date",
            "price": "abc",
            // an embedded document literal is compared as is
            "ref2": {"sub": s},
        };
        assert_eq!(d, expected);
        Ok(())
    }

    #[test]
    fn eve_cast_is_everywhere() -> Result<(), QueryError> {
        let mut d = parse_where(r#"{"name": "5f1a2b3c4d5e6f7a8b9c0d1e", "x": ["Tue, 02 Apr 2013 10:29:13 GMT"]}"#)?;
        let lookup = |_: &str| None;
        let opts = EveCastOptions {
            field_type: &lookup,
            id_field: "_id".into(),
            version_id_suffix: "_document".into(),
            query_objectid_as_string: false,
        };
        cast_filter(&mut d, &CastMode::EveCompat(opts));
        assert!(matches!(d.get("name"), Some(Bson::ObjectId(_))));
        assert!(matches!(d.get_array("x").map(|a| &a[0]), Ok(Bson::DateTime(_))));
        Ok(())
    }

    #[test]
    fn projections() -> Result<(), QueryError> {
        let ds = bson::doc! {"name": 1, "age": 1, "_id": 1, "_etag": 1};
        let keep: Vec<String> = vec!["_id".into(), "_etag".into()];
        let inc = resolve_projection(&parse_projection(r#"{"name": 1}"#)?, &ds, &keep);
        assert_eq!(inc, bson::doc! {"name": 1, "_id": true, "_etag": true});
        let exc = resolve_projection(&parse_projection(r#"{"name": 0, "_id": 0}"#)?, &ds, &keep);
        assert_eq!(exc, bson::doc! {"age": 1, "_id": 1, "_etag": 1});
        assert_eq!(parse_projection("[1]").map_err(|e| e.client_message(false).to_string()), Err(GENERIC_400.into()));
        Ok(())
    }

    #[test]
    fn allowed_filters() {
        let allowed: Vec<String> = vec!["name".into(), "addr".into()];
        assert_eq!(validate_filters(&bson::doc! {"addr.city": 1, "$or": [{"name": 1}]}, &allowed), Ok(()));
        let e = validate_filters(&bson::doc! {"$or": [{"born": 1}]}, &allowed)
            .map_err(|e| e.client_message(false).to_string());
        assert_eq!(e, Err("filter on 'born' not allowed".into()));
        assert_eq!(validate_filters(&bson::doc! {"born": 1}, &["*".to_string()]), Ok(()));
    }

    #[test]
    fn whole_query_order() {
        let cfg = ResourceQueryConfig { allowed_filters: vec!["name".into()], ..Default::default() };
        // a sort syntax error is reported before a bad filter
        let params = QueryParams { where_clause: Some(r#"{"born": 1}"#), sort: Some(","), ..Default::default() };
        let e = parse_query(&params, &cfg, &CastMode::None).map_err(|e| (e.status(), e.is_debug_only()));
        assert_eq!(e, Err((400, true)));
        let params = QueryParams { where_clause: Some(r#"{"born": 1}"#), ..Default::default() };
        let e = parse_query(&params, &cfg, &CastMode::None).map_err(|e| e.message().to_string());
        assert_eq!(e, Err("filter on 'born' not allowed".into()));
        // allowed_filters = [] ignores `where`
        let cfg = ResourceQueryConfig { allowed_filters: vec![], ..Default::default() };
        let params = QueryParams { where_clause: Some("garbage (("), ..Default::default() };
        assert_eq!(parse_query(&params, &cfg, &CastMode::None).map(|q| q.filter.is_empty()), Ok(true));
    }

    #[test]
    fn sorts() {
        assert_eq!(parse_sort("-age, name"), Ok(vec![("age".into(), -1), ("name".into(), 1)]));
        assert_eq!(parse_sort(r#"[("age", -1)]"#), Ok(vec![("age".into(), -1)]));
        assert_eq!(parse_sort("[]"), Ok(vec![]));
        assert_eq!(parse_sort("first name").map_err(|e| e.status()), Err(400));
        assert_eq!(parse_sort("age,").map_err(|e| e.status()), Err(500));
    }

    #[test]
    fn pagination() {
        let cfg = PaginationConfig::default();
        assert_eq!(
            parse_pagination(Some("2.9"), Some("-3"), &cfg),
            Ok(Pagination { max_results: 2, page: 3, skip: 4 })
        );
        assert_eq!(parse_pagination(Some("0"), Some("0"), &cfg), Ok(Pagination { max_results: 25, page: 1, skip: 0 }));
        assert_eq!(parse_pagination(Some("1000"), None, &cfg).map(|p| p.max_results), Ok(50));
        assert_eq!(parse_pagination(Some("inf"), None, &cfg).map_err(|e| e.status()), Err(500));
    }
}

#[cfg(test)]
mod deep_test;
#[cfg(test)]
mod vectors_test;
