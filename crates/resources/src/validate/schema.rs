//! Parsing of a resource `schema` from Eve's settings into the rules the validator runs.
//!
//! Eve hands the resource's `schema` dict to Cerberus, which first *expands* it in place
//! (`anyof_type: [a, b]` becomes `anyof: [{type: a}, {type: b}]`, the old names
//! `keyschema`/`valueschema` become `keysrules`/`valuesrules`) and then checks every rule
//! against the rules it knows. Eve itself adds `_id: {type: objectid}` when the schema has
//! no id field and fills `data_relation.field` with the id field. [`Schema`] reproduces
//! those steps, keeps the expanded schema (Eve's `serialize` walks it) and parses every
//! rule set into [`Rules`].

use std::collections::HashMap;
use std::sync::Arc;

use bson::Bson;
use regex::Regex;

use super::json::J;
use super::pyval::{self, Coercer};

/// A schema that cannot be used: names the field (dotted path through nested schemas),
/// the rule, and what is wrong with it.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaError {
    /// Dotted path of the field (`"address.city"`, `"tags.schema"`, `"a.anyof.0"`); empty for
    /// the schema as a whole.
    pub field: String,
    /// The offending rule, or empty when the field definition itself is wrong.
    pub rule: String,
    pub message: String,
}

impl std::fmt::Display for SchemaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.rule.is_empty() {
            write!(f, "schema field '{}': {}", self.field, self.message)
        } else {
            write!(f, "schema field '{}', rule '{}': {}", self.field, self.rule, self.message)
        }
    }
}

impl std::error::Error for SchemaError {}

fn serr(field: &str, rule: &str, message: impl Into<String>) -> SchemaError {
    SchemaError { field: field.to_string(), rule: rule.to_string(), message: message.into() }
}

/// Names of the validation and normalization rules (Cerberus 1.3.8 plus Eve's Mongo
/// validator) this module understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Rule {
    AllowUnknown,
    Allowed,
    Allof,
    Anyof,
    Coerce,
    Contains,
    DataRelation,
    Default,
    Dependencies,
    Empty,
    Excludes,
    Forbidden,
    Items,
    Keysrules,
    Max,
    Maxlength,
    Meta,
    Min,
    Minlength,
    Noneof,
    Nullable,
    Oneof,
    PurgeUnknown,
    Readonly,
    Regex,
    RequireAll,
    Required,
    Schema,
    Type,
    Unique,
    UniqueToUser,
    UniqueWithinResource,
    Valuesrules,
    Versioned,
}

impl Rule {
    pub(crate) fn from_name(n: &str) -> Option<Rule> {
        Some(match n {
            "allow_unknown" => Rule::AllowUnknown,
            "allowed" => Rule::Allowed,
            "allof" => Rule::Allof,
            "anyof" => Rule::Anyof,
            "coerce" => Rule::Coerce,
            "contains" => Rule::Contains,
            "data_relation" => Rule::DataRelation,
            "default" => Rule::Default,
            "dependencies" => Rule::Dependencies,
            "empty" => Rule::Empty,
            "excludes" => Rule::Excludes,
            "forbidden" => Rule::Forbidden,
            "items" => Rule::Items,
            "keysrules" => Rule::Keysrules,
            "max" => Rule::Max,
            "maxlength" => Rule::Maxlength,
            "meta" => Rule::Meta,
            "min" => Rule::Min,
            "minlength" => Rule::Minlength,
            "noneof" => Rule::Noneof,
            "nullable" => Rule::Nullable,
            "oneof" => Rule::Oneof,
            "purge_unknown" => Rule::PurgeUnknown,
            "readonly" => Rule::Readonly,
            "regex" => Rule::Regex,
            "require_all" => Rule::RequireAll,
            "required" => Rule::Required,
            "schema" => Rule::Schema,
            "type" => Rule::Type,
            "unique" => Rule::Unique,
            "unique_to_user" => Rule::UniqueToUser,
            "unique_within_resource" => Rule::UniqueWithinResource,
            "valuesrules" => Rule::Valuesrules,
            "versioned" => Rule::Versioned,
            _ => return None,
        })
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Rule::AllowUnknown => "allow_unknown",
            Rule::Allowed => "allowed",
            Rule::Allof => "allof",
            Rule::Anyof => "anyof",
            Rule::Coerce => "coerce",
            Rule::Contains => "contains",
            Rule::DataRelation => "data_relation",
            Rule::Default => "default",
            Rule::Dependencies => "dependencies",
            Rule::Empty => "empty",
            Rule::Excludes => "excludes",
            Rule::Forbidden => "forbidden",
            Rule::Items => "items",
            Rule::Keysrules => "keysrules",
            Rule::Max => "max",
            Rule::Maxlength => "maxlength",
            Rule::Meta => "meta",
            Rule::Min => "min",
            Rule::Minlength => "minlength",
            Rule::Noneof => "noneof",
            Rule::Nullable => "nullable",
            Rule::Oneof => "oneof",
            Rule::PurgeUnknown => "purge_unknown",
            Rule::Readonly => "readonly",
            Rule::Regex => "regex",
            Rule::RequireAll => "require_all",
            Rule::Required => "required",
            Rule::Schema => "schema",
            Rule::Type => "type",
            Rule::Unique => "unique",
            Rule::UniqueToUser => "unique_to_user",
            Rule::UniqueWithinResource => "unique_within_resource",
            Rule::Valuesrules => "valuesrules",
            Rule::Versioned => "versioned",
        }
    }

    /// Rules applied while normalizing, never in the validation pass (Cerberus's
    /// `normalization_rules`).
    pub(crate) fn is_normalization(self) -> bool {
        matches!(self, Rule::Coerce | Rule::Default | Rule::PurgeUnknown)
    }
}

/// A type name usable in the `type` rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TypeName {
    Binary,
    Boolean,
    Container,
    Date,
    Datetime,
    Dict,
    Float,
    Integer,
    List,
    Number,
    Set,
    String,
    Dbref,
    Decimal,
    Media,
    Objectid,
}

impl TypeName {
    fn from_name(n: &str) -> Option<TypeName> {
        Some(match n {
            "binary" => TypeName::Binary,
            "boolean" => TypeName::Boolean,
            "container" => TypeName::Container,
            "date" => TypeName::Date,
            "datetime" => TypeName::Datetime,
            "dict" => TypeName::Dict,
            "float" => TypeName::Float,
            "integer" => TypeName::Integer,
            "list" => TypeName::List,
            "number" => TypeName::Number,
            "set" => TypeName::Set,
            "string" => TypeName::String,
            "dbref" => TypeName::Dbref,
            "decimal" => TypeName::Decimal,
            "media" => TypeName::Media,
            "objectid" => TypeName::Objectid,
            _ => return None,
        })
    }

    /// Does a value pass `type: <self>`? Same answer as Cerberus's `types_mapping` and
    /// Eve's `_validate_type_*` for the Python value the BSON value stands for.
    pub(crate) fn matches(self, v: &Bson) -> bool {
        match self {
            // bytes / bytearray; `media` is a werkzeug FileStorage in Eve, which a JSON
            // payload never carries: ENMA accepts binary data for it.
            TypeName::Binary | TypeName::Media => matches!(v, Bson::Binary(_)),
            TypeName::Boolean => matches!(v, Bson::Boolean(_)),
            TypeName::Container => matches!(v, Bson::Array(_) | Bson::Document(_) | Bson::Binary(_)),
            TypeName::Date | TypeName::Datetime => matches!(v, Bson::DateTime(_)),
            TypeName::Dict => matches!(v, Bson::Document(_)),
            // Python's bool is an int, so booleans pass `integer` and `float`, not `number`.
            TypeName::Float => matches!(v, Bson::Double(_) | Bson::Int32(_) | Bson::Int64(_) | Bson::Boolean(_)),
            TypeName::Integer => matches!(v, Bson::Int32(_) | Bson::Int64(_) | Bson::Boolean(_)),
            TypeName::List => matches!(v, Bson::Array(_) | Bson::Binary(_)),
            TypeName::Number => matches!(v, Bson::Double(_) | Bson::Int32(_) | Bson::Int64(_)),
            TypeName::Set => false,
            TypeName::String => matches!(v, Bson::String(_)),
            TypeName::Dbref => is_dbref(v),
            TypeName::Decimal => matches!(v, Bson::Decimal128(_)),
            // bson's ObjectId.is_valid: an ObjectId, or a 24-hex-digit string.
            TypeName::Objectid => match v {
                Bson::ObjectId(_) => true,
                Bson::String(s) => s.len() == 24 && s.bytes().all(|b| b.is_ascii_hexdigit()),
                _ => false,
            },
        }
    }
}

/// A DBRef as this module stores it: a document `{"$ref": <str>, "$id": <any>[, "$db": <str>]}`.
pub(crate) fn is_dbref(v: &Bson) -> bool {
    match v {
        Bson::Document(d) => {
            matches!(d.get("$ref"), Some(Bson::String(_)))
                && d.contains_key("$id")
                && d.keys().all(|k| k == "$ref" || k == "$id" || k == "$db")
                && d.get("$db").is_none_or(|x| matches!(x, Bson::String(_)))
        }
        _ => false,
    }
}

/// The `type` rule: the accepted types and `str()` of the constraint for the message.
#[derive(Clone, Debug)]
pub(crate) struct TypeRule {
    pub(crate) names: Vec<TypeName>,
    /// `str(constraint)`: `string` or `['string', 'integer']`.
    pub(crate) text: String,
}

/// The `dependencies` rule.
#[derive(Clone, Debug)]
pub(crate) enum Deps {
    /// A field name or list of names that must be present (`"b"`, `["b", "^c.d"]`).
    /// `from_string` is true for the string form: Eve's persisted-field check iterates a
    /// string constraint character by character.
    Seq { names: Vec<String>, from_string: bool },
    /// `{field: allowed value or values}`; `text` is `str(constraint)` for the message.
    Map { entries: Vec<(String, Vec<Bson>)>, text: String },
}

/// `allow_unknown` of a field or of the resource: a flag, or rules every unknown field must pass.
#[derive(Clone, Debug)]
pub(crate) enum AllowUnknown {
    Flag(bool),
    Rules(Arc<Rules>),
}

impl AllowUnknown {
    /// Python truthiness of the setting (`{}` is falsy).
    pub(crate) fn truthy(&self) -> bool {
        match self {
            AllowUnknown::Flag(b) => *b,
            AllowUnknown::Rules(r) => !r.order.is_empty(),
        }
    }
}

/// The `data_relation` rule (Eve): `{resource, field (default: the id field), embeddable}`.
#[derive(Clone, Debug)]
pub(crate) struct DataRelation {
    pub(crate) resource: String,
    pub(crate) field: String,
}

/// The constraint of `schema`: a mapping of fields (for dict values) or one rule set (for
/// every item of a list). Cerberus decides by the value at validation time, so a dict
/// schema given to a list (or the reverse) is kept as parsed and handled as Cerberus does.
#[derive(Clone, Debug)]
pub(crate) enum SubSchema {
    Fields(Arc<FieldMap>),
    Rules(Arc<Rules>),
}

/// An ordered mapping of field name to rules (a resource schema or a dict's `schema`).
#[derive(Debug, Default)]
pub(crate) struct FieldMap {
    pub(crate) fields: Vec<(String, Arc<Rules>)>,
    index: HashMap<String, usize>,
}

impl FieldMap {
    fn new(fields: Vec<(String, Arc<Rules>)>) -> FieldMap {
        let index = fields.iter().enumerate().map(|(i, (k, _))| (k.clone(), i)).collect();
        FieldMap { fields, index }
    }

    pub(crate) fn get(&self, name: &str) -> Option<&Arc<Rules>> {
        self.index.get(name).map(|&i| &self.fields[i].1)
    }
}

/// The parsed rules of one field, in the order the schema wrote them.
#[derive(Clone, Debug, Default)]
pub(crate) struct Rules {
    /// Rule names in schema order (Cerberus evaluates non-priority rules in this order).
    pub(crate) order: Vec<Rule>,
    pub(crate) type_: Option<TypeRule>,
    pub(crate) nullable: Option<bool>,
    pub(crate) required: Option<bool>,
    pub(crate) readonly: Option<bool>,
    pub(crate) empty: Option<bool>,
    pub(crate) default: Option<Bson>,
    pub(crate) min: Option<Bson>,
    pub(crate) max: Option<Bson>,
    pub(crate) minlength: Option<i64>,
    pub(crate) maxlength: Option<i64>,
    pub(crate) allowed: Option<Vec<Bson>>,
    pub(crate) forbidden: Option<Vec<Bson>>,
    pub(crate) contains: Option<Vec<Bson>>,
    pub(crate) regex: Option<(String, Arc<Regex>)>,
    pub(crate) dependencies: Option<Deps>,
    pub(crate) excludes: Option<Vec<String>>,
    pub(crate) anyof: Option<Vec<Arc<Rules>>>,
    pub(crate) allof: Option<Vec<Arc<Rules>>>,
    pub(crate) noneof: Option<Vec<Arc<Rules>>>,
    pub(crate) oneof: Option<Vec<Arc<Rules>>>,
    pub(crate) schema: Option<SubSchema>,
    pub(crate) items: Option<Vec<Arc<Rules>>>,
    pub(crate) keysrules: Option<Arc<Rules>>,
    pub(crate) valuesrules: Option<Arc<Rules>>,
    pub(crate) coerce: Option<(Vec<Coercer>, bool)>,
    pub(crate) allow_unknown: Option<AllowUnknown>,
    pub(crate) require_all: Option<bool>,
    pub(crate) purge_unknown: Option<bool>,
    pub(crate) unique: Option<bool>,
    pub(crate) unique_to_user: Option<bool>,
    pub(crate) unique_within_resource: Option<bool>,
    pub(crate) data_relation: Option<DataRelation>,
}

impl Rules {
    pub(crate) fn has(&self, r: Rule) -> bool {
        self.order.contains(&r)
    }
}

/// Resource-level settings that change validation (Eve's per-resource and global config).
#[derive(Clone, Debug)]
pub struct SchemaOptions {
    /// The resource's `allow_unknown` (Eve's `ALLOW_UNKNOWN`, default false): fields not in
    /// the schema are accepted and stored instead of failing with "unknown field".
    pub allow_unknown: bool,
    /// The resource's `id_field` (Eve's `ID_FIELD`, default `_id`): added to the schema as
    /// `{type: objectid}` when missing, and the default `field` of every `data_relation`.
    pub id_field: String,
    /// Eve's `VALIDATION_ERROR_AS_LIST` (default false): keep every field's messages as a
    /// list even when there is only one.
    pub error_as_list: bool,
    /// The resource's `normalize_on_patch` (Eve's `NORMALIZE_ON_PATCH`, default true):
    /// PATCH payloads get defaults and coercion too.
    pub normalize_on_patch: bool,
}

impl Default for SchemaOptions {
    fn default() -> Self {
        SchemaOptions { allow_unknown: false, id_field: "_id".into(), error_as_list: false, normalize_on_patch: true }
    }
}

/// A resource schema parsed from Eve's settings, ready for [`super::deserialize`] and
/// [`super::validate`]. Immutable and shareable between threads.
#[derive(Clone, Debug)]
pub struct Schema {
    /// The schema after Cerberus's expansion and Eve's defaults (what `serialize` walks).
    pub(crate) raw: Arc<J>,
    pub(crate) root: Arc<FieldMap>,
    pub(crate) options: SchemaOptions,
}

impl Schema {
    /// Parses the `schema` dict of a resource with Eve's default settings.
    pub fn parse(schema: &serde_json::Value) -> Result<Schema, SchemaError> {
        Schema::parse_with(schema, SchemaOptions::default())
    }

    /// Parses the `schema` dict of a resource with the given resource settings.
    ///
    /// A `serde_json::Value` without the `preserve_order` feature has sorted keys; rule
    /// order decides which of two errors on one field is listed first (and the order
    /// defaults are added in), so prefer [`Schema::parse_str`] when the settings are JSON text.
    pub fn parse_with(schema: &serde_json::Value, options: SchemaOptions) -> Result<Schema, SchemaError> {
        Schema::from_j(J::from_serde(schema), options)
    }

    /// Parses the `schema` dict from JSON text, keeping the key order as written.
    pub fn parse_str(schema: &str, options: SchemaOptions) -> Result<Schema, SchemaError> {
        let j = super::json::parse(schema).map_err(|e| serr("", "", format!("invalid JSON: {e}")))?;
        Schema::from_j(j, options)
    }

    /// The schema as Eve uses it after startup and Cerberus's expansion (for inspection).
    pub fn expanded(&self) -> serde_json::Value {
        self.raw.to_serde()
    }

    /// The settings this schema was parsed with.
    pub fn options(&self) -> &SchemaOptions {
        &self.options
    }

    pub(crate) fn from_j(mut j: J, options: SchemaOptions) -> Result<Schema, SchemaError> {
        let J::Obj(fields) = &mut j else {
            return Err(serr("", "", "the schema must be a dict of field definitions"));
        };
        for (name, rules) in fields.iter() {
            for bad in ["$", "."] {
                if name.contains(bad) {
                    return Err(serr(name, "", format!("Field '{name}' cannot contain any of the following: '$, .'.")));
                }
            }
            if ["_created", "_updated", "_etag"].contains(&name.as_str()) {
                return Err(serr(name, "", "not allowed in a schema (handled automatically)"));
            }
            let dict_typed = match rules.get("type") {
                Some(J::Str(t)) => t.contains("dict"),
                Some(J::Arr(a)) => a.iter().any(|x| x.is_str("dict")),
                _ => false,
            };
            if let (true, Some(J::Obj(sub))) = (dict_typed, rules.get("schema")) {
                for (n, _) in sub {
                    if n.contains('$') || n.contains('.') {
                        return Err(serr(
                            &format!("{name}.{n}"),
                            "",
                            format!("Field '{n}' cannot contain any of the following: '$, .'."),
                        ));
                    }
                }
            }
        }
        // Eve's set_schema_defaults: the id field, then data_relation.field.
        if !fields.iter().any(|(k, _)| *k == options.id_field) {
            fields.push((options.id_field.clone(), J::Obj(vec![("type".into(), J::Str("objectid".into()))])));
        }
        default_data_relation_field(&mut j, &options.id_field);
        expand(&mut j);
        let root = parse_fields(&j, "")?;
        Ok(Schema { raw: Arc::new(j), root, options })
    }
}

/// Eve's `set_schema_defaults`: every `data_relation` reachable through dicts gets
/// `field: <id_field>` unless it names one.
fn default_data_relation_field(j: &mut J, id_field: &str) {
    if let J::Obj(entries) = j {
        for (k, v) in entries.iter_mut() {
            if k == "data_relation"
                && let J::Obj(dr) = v
                && !dr.iter().any(|(n, _)| n == "field")
            {
                dr.push(("field".into(), J::Str(id_field.into())));
            }
            default_data_relation_field(v, id_field);
        }
    }
}

/// Cerberus's `DefinitionSchema.expand` on a mapping of fields, in place.
fn expand(schema: &mut J) {
    let J::Obj(fields) = schema else { return };
    // _expand_logical_shortcuts
    for (_, rules) in fields.iter_mut() {
        let J::Obj(r) = rules else { continue };
        let of_rules: Vec<String> = r
            .iter()
            .map(|(k, _)| k.clone())
            .filter(|k| ["allof_", "anyof_", "noneof_", "oneof_"].iter().any(|p| k.starts_with(p)))
            .collect();
        for of_rule in of_rules {
            let Some((operator, rule)) = of_rule.split_once('_') else { continue };
            let values = r.iter().find(|(k, _)| *k == of_rule).map(|(_, v)| v.clone());
            let mut defs = Vec::new();
            if let Some(J::Arr(vals)) = values {
                for v in vals {
                    defs.push(J::Obj(vec![(rule.to_string(), v)]));
                }
            }
            set_key(r, operator, J::Arr(defs));
            r.retain(|(k, _)| *k != of_rule);
        }
    }
    // _expand_subschemas
    for (_, rules) in fields.iter_mut() {
        let J::Obj(r) = rules else { continue };
        for (k, v) in r.iter_mut() {
            match k.as_str() {
                "schema" => {
                    let mapping = matches!(v, J::Obj(e) if e.iter().all(|(_, x)| matches!(x, J::Obj(_))));
                    if mapping {
                        expand(v);
                    } else {
                        expand_one(v);
                    }
                }
                "keysrules" | "valuesrules" | "keyschema" | "valueschema" => expand_one(v),
                "allof" | "anyof" | "items" | "noneof" | "oneof" => {
                    if let J::Arr(items) = v {
                        for item in items.iter_mut() {
                            expand_one(item);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    // _rename_deprecated_rulenames
    for (_, rules) in fields.iter_mut() {
        let J::Obj(r) = rules else { continue };
        for (old, new) in [("keyschema", "keysrules"), ("valueschema", "valuesrules")] {
            if let Some(pos) = r.iter().position(|(k, _)| k == old)
                && !r.iter().any(|(k, _)| k == new)
            {
                let (_, v) = r.remove(pos);
                r.push((new.to_string(), v));
            }
        }
    }
}

/// `expand({0: rules})[0]`: expands one rule set.
fn expand_one(rules: &mut J) {
    let mut wrapper = J::Obj(vec![("0".into(), std::mem::replace(rules, J::Null))]);
    expand(&mut wrapper);
    if let J::Obj(mut e) = wrapper
        && let Some((_, v)) = e.pop()
    {
        *rules = v;
    }
}

fn set_key(r: &mut Vec<(String, J)>, key: &str, v: J) {
    if let Some(slot) = r.iter_mut().find(|(k, _)| k == key) {
        slot.1 = v;
    } else {
        r.push((key.to_string(), v));
    }
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() { name.to_string() } else { format!("{path}.{name}") }
}

fn parse_fields(j: &J, path: &str) -> Result<Arc<FieldMap>, SchemaError> {
    let J::Obj(entries) = j else {
        return Err(serr(path, "schema", "must be of dict type"));
    };
    let mut fields = Vec::with_capacity(entries.len());
    for (name, rules) in entries {
        let p = join(path, name);
        fields.push((name.clone(), Arc::new(parse_rules(rules, &p)?)));
    }
    Ok(Arc::new(FieldMap::new(fields)))
}

fn want_bool(v: &J, path: &str, rule: &str) -> Result<bool, SchemaError> {
    match v {
        J::Bool(b) => Ok(*b),
        _ => Err(serr(path, rule, "must be of boolean type")),
    }
}

fn want_int(v: &J, path: &str, rule: &str) -> Result<i64, SchemaError> {
    match v {
        J::Int(i) => Ok(*i),
        J::Bool(b) => Ok(i64::from(*b)),
        _ => Err(serr(path, rule, "must be of integer type")),
    }
}

fn want_list<'a>(v: &'a J, path: &str, rule: &str) -> Result<&'a Vec<J>, SchemaError> {
    match v {
        J::Arr(a) => Ok(a),
        _ => Err(serr(path, rule, "must be of list type")),
    }
}

/// The items of a list constraint, or the constraint itself as the only item (rules that
/// take one value or a list of them).
fn one_or_list(v: &J) -> Vec<&J> {
    match v {
        J::Arr(a) => a.iter().collect(),
        other => vec![other],
    }
}

/// A field name or a list of them (`dependencies`, `excludes`); `None` for a constraint of
/// another kind.
fn field_names(v: &J, path: &str, rule: &str) -> Result<Option<Vec<String>>, SchemaError> {
    let names = match v {
        J::Str(s) => vec![s.clone()],
        J::Arr(a) => a
            .iter()
            .map(|x| x.as_str().map(str::to_string).ok_or_else(|| serr(path, rule, "field names must be strings")))
            .collect::<Result<_, _>>()?,
        _ => return Ok(None),
    };
    Ok(Some(names))
}

fn parse_rule_list(v: &J, path: &str, rule: &str) -> Result<Vec<Arc<Rules>>, SchemaError> {
    let list = want_list(v, path, rule)?;
    let mut out = Vec::with_capacity(list.len());
    for (i, d) in list.iter().enumerate() {
        out.push(Arc::new(parse_rules(d, &format!("{path}.{rule}.{i}"))?));
    }
    Ok(out)
}

/// Parses one field's rule set (already expanded).
pub(crate) fn parse_rules(j: &J, path: &str) -> Result<Rules, SchemaError> {
    let J::Obj(entries) = j else {
        return Err(serr(path, "", format!("schema definition for field '{path}' must be a dict")));
    };
    let mut r = Rules::default();
    for (name, v) in entries {
        let Some(rule) = Rule::from_name(name) else {
            let msg = match name.as_str() {
                "check_with" | "validator" | "rename" | "rename_handler" | "default_setter" => {
                    "rule needs a Python callable and is not supported"
                }
                "point" | "versioned_data_relation" => "rule is not supported",
                _ => "unknown rule",
            };
            return Err(serr(path, name, msg));
        };
        r.order.push(rule);
        match rule {
            Rule::Type => {
                let mut names = Vec::new();
                let mut texts = Vec::new();
                for n in one_or_list(v) {
                    let Some(s) = n.as_str() else {
                        return Err(serr(path, name, "must be of ['string', 'list'] type"));
                    };
                    let Some(t) = TypeName::from_name(s) else {
                        let msg = if [
                            "point",
                            "linestring",
                            "polygon",
                            "multipoint",
                            "multilinestring",
                            "multipolygon",
                            "geometrycollection",
                            "feature",
                            "featurecollection",
                        ]
                        .contains(&s)
                        {
                            format!("GeoJSON type '{s}' is not supported")
                        } else {
                            format!("Unsupported types: {s}")
                        };
                        return Err(serr(path, name, msg));
                    };
                    names.push(t);
                    texts.push(pyval::str_repr(s));
                }
                let text = match v {
                    J::Arr(_) => format!("[{}]", texts.join(", ")),
                    J::Str(s) => s.clone(),
                    _ => String::new(),
                };
                r.type_ = Some(TypeRule { names, text });
            }
            Rule::Nullable => r.nullable = Some(want_bool(v, path, name)?),
            Rule::Required => r.required = Some(want_bool(v, path, name)?),
            Rule::Readonly => r.readonly = Some(want_bool(v, path, name)?),
            Rule::Empty => r.empty = Some(want_bool(v, path, name)?),
            Rule::Default => r.default = Some(v.to_bson()),
            Rule::Min | Rule::Max => {
                if matches!(v, J::Null) {
                    return Err(serr(path, name, "null value not allowed"));
                }
                if rule == Rule::Min {
                    r.min = Some(v.to_bson());
                } else {
                    r.max = Some(v.to_bson());
                }
            }
            Rule::Minlength => r.minlength = Some(want_int(v, path, name)?),
            Rule::Maxlength => r.maxlength = Some(want_int(v, path, name)?),
            Rule::Allowed => r.allowed = Some(want_list(v, path, name)?.iter().map(J::to_bson).collect()),
            Rule::Forbidden => r.forbidden = Some(want_list(v, path, name)?.iter().map(J::to_bson).collect()),
            Rule::Contains => {
                let vals: Vec<Bson> = one_or_list(v).into_iter().map(J::to_bson).collect();
                if vals.is_empty() || matches!(v, J::Str(s) if s.is_empty()) {
                    return Err(serr(path, name, "empty values not allowed"));
                }
                if let Some(msg) = vals.iter().find_map(pyval::unhashable) {
                    return Err(serr(path, name, msg));
                }
                r.contains = Some(vals);
            }
            Rule::Regex => {
                let Some(p) = v.as_str() else {
                    return Err(serr(path, name, "must be of string type"));
                };
                let re = compile_cerberus_regex(p).map_err(|e| serr(path, name, e))?;
                r.regex = Some((p.to_string(), Arc::new(re)));
            }
            Rule::Dependencies => {
                r.dependencies = Some(match (field_names(v, path, name)?, v) {
                    (Some(names), _) => Deps::Seq { names, from_string: matches!(v, J::Str(_)) },
                    (None, J::Obj(o)) => {
                        let entries = o
                            .iter()
                            .map(|(k, x)| (k.clone(), one_or_list(x).into_iter().map(J::to_bson).collect()))
                            .collect();
                        Deps::Map { entries, text: pyval::repr(&v.to_bson()) }
                    }
                    (None, _) => return Err(serr(path, name, "must be of ['dict', 'hashable', 'list'] type")),
                });
            }
            Rule::Excludes => {
                let Some(names) = field_names(v, path, name)? else {
                    return Err(serr(path, name, "must be of ['hashable', 'list'] type"));
                };
                r.excludes = Some(names);
            }
            Rule::Anyof => r.anyof = Some(parse_rule_list(v, path, name)?),
            Rule::Allof => r.allof = Some(parse_rule_list(v, path, name)?),
            Rule::Noneof => r.noneof = Some(parse_rule_list(v, path, name)?),
            Rule::Oneof => r.oneof = Some(parse_rule_list(v, path, name)?),
            Rule::Items => r.items = Some(parse_rule_list(v, path, name)?),
            Rule::Schema => {
                let J::Obj(e) = v else {
                    return Err(serr(path, name, "must be of dict type"));
                };
                // Cerberus accepts the constraint if it is a valid mapping of fields or a
                // valid rule set; a mapping whose values are all dicts is a mapping of fields.
                let sub = if e.iter().all(|(_, x)| matches!(x, J::Obj(_))) {
                    match parse_fields(v, &join(path, "schema")) {
                        Ok(f) => SubSchema::Fields(f),
                        Err(fields_err) => match parse_rules(v, &join(path, "schema")) {
                            Ok(rr) => SubSchema::Rules(Arc::new(rr)),
                            Err(_) => return Err(fields_err),
                        },
                    }
                } else {
                    SubSchema::Rules(Arc::new(parse_rules(v, &join(path, "schema"))?))
                };
                r.schema = Some(sub);
            }
            Rule::Keysrules => r.keysrules = Some(Arc::new(parse_rules(v, &join(path, name))?)),
            Rule::Valuesrules => r.valuesrules = Some(Arc::new(parse_rules(v, &join(path, name))?)),
            Rule::Coerce => {
                let chain = matches!(v, J::Arr(_));
                let mut cs = Vec::new();
                for n in one_or_list(v) {
                    let c = n.as_str().and_then(Coercer::from_name).ok_or_else(|| {
                        serr(path, name, "unknown coercer (known: int, float, str, bool, lower, upper, strip)")
                    })?;
                    cs.push(c);
                }
                r.coerce = Some((cs, chain));
            }
            Rule::AllowUnknown => {
                r.allow_unknown = Some(match v {
                    J::Bool(b) => AllowUnknown::Flag(*b),
                    J::Obj(_) => AllowUnknown::Rules(Arc::new(parse_rules(v, &join(path, name))?)),
                    _ => return Err(serr(path, name, "must be a boolean or a rule set")),
                });
            }
            Rule::RequireAll => r.require_all = Some(want_bool(v, path, name)?),
            Rule::PurgeUnknown => r.purge_unknown = Some(want_bool(v, path, name)?),
            Rule::Unique => r.unique = Some(want_bool(v, path, name)?),
            Rule::UniqueToUser => r.unique_to_user = Some(want_bool(v, path, name)?),
            Rule::UniqueWithinResource => r.unique_within_resource = Some(want_bool(v, path, name)?),
            Rule::Versioned => {
                want_bool(v, path, name)?;
            }
            Rule::Meta => {}
            Rule::DataRelation => {
                let J::Obj(dr) = v else {
                    return Err(serr(path, name, "must be of dict type"));
                };
                let mut resource = None;
                let mut field = None;
                for (k, x) in dr {
                    match (k.as_str(), x) {
                        ("resource", J::Str(s)) => resource = Some(s.clone()),
                        ("field", J::Str(s)) => field = Some(s.clone()),
                        ("embeddable", J::Bool(_)) => {}
                        ("version", J::Bool(false)) => {}
                        ("version", J::Bool(true)) => {
                            return Err(serr(path, name, "versioned data_relation is not supported"));
                        }
                        _ => return Err(serr(path, name, format!("unexpected '{k}' in data_relation"))),
                    }
                }
                let Some(resource) = resource else {
                    return Err(serr(path, name, "'resource' key is mandatory for the 'data_relation' rule"));
                };
                r.data_relation = Some(DataRelation { resource, field: field.unwrap_or_else(|| "_id".into()) });
            }
        }
    }
    Ok(r)
}

/// Compiles a `regex` constraint as Cerberus runs it: `$` appended unless the pattern
/// ends with one, matched from the start of the value (Python `re.match`). Python's `$`
/// also matches before a final newline, so a trailing unescaped `$` becomes `\n?\z`.
pub(crate) fn compile_cerberus_regex(p: &str) -> Result<Regex, String> {
    let mut pat = p.to_string();
    if !pat.ends_with('$') {
        pat.push('$');
    }
    let body = &pat[..pat.len() - 1];
    let backslashes = body.chars().rev().take_while(|c| *c == '\\').count();
    let translated = if backslashes % 2 == 0 { format!("{body}(?:\\n?\\z)") } else { pat.clone() };
    let translated = python_z_anchor(&translated);
    Regex::new(&format!("^(?:{translated})")).map_err(|e| format!("pattern not supported: {e}"))
}

/// Python's `\Z` (end of text) is Rust's `\z`.
fn python_z_anchor(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    let mut escaped = false;
    for c in p.chars() {
        if escaped {
            out.push(if c == 'Z' { 'z' } else { c });
            escaped = false;
        } else {
            escaped = c == '\\';
            out.push(c);
        }
    }
    out
}
