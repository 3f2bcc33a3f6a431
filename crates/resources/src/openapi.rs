//! Beyond Eve: an OpenAPI 3.1 document of the API, made from the settings
//! and served at `<prefix>/openapi.json`, so clients can be generated and
//! requests checked against the resources' schemas.

use serde_json::{Map, Value, json};

use crate::auth::Scheme;
use crate::settings::{Resource, Settings};

/// The OpenAPI document of `settings`.
pub fn document(settings: &Settings) -> Value {
    let base = settings.base_path();
    let mut paths = Map::new();
    let mut schemas = Map::new();
    for r in settings.resources.iter().filter(|r| !r.internal) {
        let name = schema_name(&r.name);
        schemas.insert(name.clone(), resource_schema(r, settings));
        let reference = json!({"$ref": format!("#/components/schemas/{name}")});
        let url = format!("{base}/{}", openapi_url(&r.home_href));
        paths.insert(url.clone(), collection_path(r, settings, &reference));
        if r.item_lookup {
            paths.insert(format!("{url}/{{id}}"), item_path(r, &reference));
        }
    }
    schemas.insert("Error".into(), error_schema(settings));
    let mut components = json!({"schemas": schemas});
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "ENMA resources",
            "version": if settings.api_version.is_empty() { "1" } else { settings.api_version.as_str() },
            "description": "Eve-compatible REST resources served by ENMA, described from the Eve settings."
        },
        "paths": paths,
    });
    if let Some(auth) = &settings.auth {
        let scheme = match auth.scheme {
            Scheme::Basic => json!({"type": "http", "scheme": "basic"}),
            Scheme::Token => json!({"type": "http", "scheme": "bearer"}),
        };
        components["securitySchemes"] = json!({"eve": scheme});
        doc["security"] = json!([{"eve": []}]);
    }
    doc["components"] = components;
    doc
}

/// A resource's name as a component name (letters, digits, `_`, `.`, `-`).
fn schema_name(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() || "_.-".contains(c) { c } else { '_' }).collect()
}

/// A URL whose variables are `<field>` as OpenAPI's `{field}`.
fn openapi_url(href: &str) -> String {
    href.replace('<', "{").replace('>', "}")
}

/// The JSON Schema of a stored document: the id, the schema's fields and the meta fields.
fn resource_schema(r: &Resource, settings: &Settings) -> Value {
    let mut schema = fields_schema(r.schema.as_object());
    let n = &settings.names;
    if let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        properties.entry(r.id_field.clone()).or_insert(json!({"type": "string", "readOnly": true}));
        for field in [&n.date_created, &n.last_updated] {
            properties
                .insert(field.clone(), json!({"type": "string", "readOnly": true, "description": "RFC 1123 date"}));
        }
        properties.insert(n.etag.clone(), json!({"type": "string", "readOnly": true}));
    }
    schema
}

/// A Cerberus schema (a dict's `schema`) as a JSON Schema object.
fn fields_schema(fields: Option<&Map<String, Value>>) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for (name, rule) in fields.into_iter().flatten() {
        if rule.get("required").and_then(Value::as_bool) == Some(true) {
            required.push(Value::String(name.clone()));
        }
        properties.insert(name.clone(), field_schema(rule));
    }
    let mut out = json!({"type": "object", "properties": properties});
    if !required.is_empty() {
        out["required"] = Value::Array(required);
    }
    out
}

/// One Cerberus rule set as JSON Schema.
fn field_schema(rule: &Value) -> Value {
    let mut out = match rule.get("type").and_then(Value::as_str) {
        Some("string") => json!({"type": "string"}),
        Some("integer") => json!({"type": "integer"}),
        Some("float" | "number") => json!({"type": "number"}),
        Some("boolean") => json!({"type": "boolean"}),
        Some("datetime") => json!({"type": "string", "description": "RFC 1123 or ISO 8601 date"}),
        Some("objectid") => json!({"type": "string", "pattern": "^[0-9a-f]{24}$"}),
        Some("decimal") => json!({"type": "string", "description": "decimal number"}),
        Some("media") => json!({"type": "string", "contentEncoding": "base64"}),
        Some("dict") => fields_schema(rule.get("schema").and_then(Value::as_object)),
        Some("list") => {
            let items = rule.get("schema").map(field_schema).unwrap_or_else(|| json!({}));
            json!({"type": "array", "items": items})
        }
        _ => json!({}),
    };
    let copy = [("minlength", "minLength"), ("maxlength", "maxLength"), ("min", "minimum"), ("max", "maximum")];
    for (cerberus, schema) in copy {
        if let Some(v) = rule.get(cerberus).filter(|v| v.is_number()) {
            out[schema] = v.clone();
        }
    }
    if let Some(allowed) = rule.get("allowed").filter(|v| v.is_array()) {
        out["enum"] = allowed.clone();
    }
    if let Some(pattern) = rule.get("regex").and_then(Value::as_str) {
        out["pattern"] = json!(pattern);
    }
    if rule.get("readonly").and_then(Value::as_bool) == Some(true) {
        out["readOnly"] = json!(true);
    }
    if let Some(default) = rule.get("default") {
        out["default"] = default.clone();
    }
    if rule.get("nullable").and_then(Value::as_bool) == Some(true)
        && let Some(t) = out.get("type").cloned()
    {
        out["type"] = json!([t, "null"]);
    }
    out
}

fn error_schema(settings: &Settings) -> Value {
    let n = &settings.names;
    let mut properties = Map::new();
    properties.insert(n.status.clone(), json!({"type": "string"}));
    properties.insert(n.issues.clone(), json!({"type": "object"}));
    properties.insert(
        n.error.clone(),
        json!({"type": "object", "properties": {"code": {"type": "integer"}, "message": {"type": "string"}}}),
    );
    json!({"type": "object", "properties": properties})
}

fn error_responses() -> Value {
    let error = json!({"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    let mut out = Map::new();
    for (code, what) in [("400", "bad request"), ("401", "no or wrong credentials"), ("404", "not found")] {
        let mut e = error.clone();
        e["description"] = json!(what);
        out.insert(code.into(), e);
    }
    Value::Object(out)
}

fn query(name: &str, description: &str) -> Value {
    json!({"name": name, "in": "query", "required": false, "schema": {"type": "string"}, "description": description})
}

fn collection_path(r: &Resource, settings: &Settings, item: &Value) -> Value {
    let n = &settings.names;
    let mut path = Map::new();
    if let Some(parameters) = variables(&r.home_href) {
        path.insert("parameters".into(), parameters);
    }
    let allowed = |m: &str| r.resource_methods.iter().any(|x| x == m);
    if allowed("GET") {
        let mut items = Map::new();
        items.insert(n.items.clone(), json!({"type": "array", "items": item}));
        items.insert(n.meta.clone(), json!({"type": "object"}));
        items.insert(n.links.clone(), json!({"type": "object"}));
        let mut responses = error_responses();
        responses["200"] = json!({"description": format!("a page of {}", r.resource_title),
            "content": {"application/json": {"schema": {"type": "object", "properties": items}}}});
        path.insert(
            "get".into(),
            json!({
                "summary": format!("a page of {}", r.resource_title),
                "parameters": [
                    query(&n.where_, "filter: MongoDB JSON or Eve's Python syntax"),
                    query(&n.sort, "sort: [(\"field\", -1)] or -field,other"),
                    query(&n.projection, "fields to show or hide: {\"field\": 1}"),
                    query(&n.max_results, "page size"),
                    query(&n.page, "page number"),
                    query(&n.embedded, "relations to embed: {\"field\": 1}"),
                    query("after", "keyset cursor (_meta.next); empty for the first page"),
                    query("count", "exact, estimated or none"),
                ],
                "responses": responses,
            }),
        );
    }
    if allowed("POST") {
        let mut responses = error_responses();
        responses["201"] = json!({"description": "created"});
        responses["422"] = json!({"description": "the document(s) did not validate"});
        path.insert(
            "post".into(),
            json!({
                "summary": format!("create {}", r.resource_title),
                "requestBody": {"required": true, "content": {"application/json": {"schema":
                    {"oneOf": [item, {"type": "array", "items": item}]}}}},
                "responses": responses,
            }),
        );
    }
    if allowed("DELETE") {
        path.insert(
            "delete".into(),
            json!({"summary": format!("delete every document of {}", r.resource_title),
                   "responses": {"204": {"description": "deleted"}}}),
        );
    }
    Value::Object(path)
}

fn item_path(r: &Resource, item: &Value) -> Value {
    let mut parameters = vec![json!({"name": "id", "in": "path", "required": true, "schema": {"type": "string"}})];
    if let Some(Value::Array(more)) = variables(&r.home_href) {
        parameters.extend(more);
    }
    let if_match = json!({"name": "If-Match", "in": "header", "required": false, "schema": {"type": "string"},
                          "description": "the document's _etag"});
    let mut path = Map::new();
    path.insert("parameters".into(), Value::Array(parameters));
    for method in &r.item_methods {
        let mut responses = error_responses();
        let (key, summary) = match method.as_str() {
            "GET" => {
                responses["200"] =
                    json!({"description": "the document", "content": {"application/json": {"schema": item}}});
                ("get", "one document")
            }
            "PATCH" => ("patch", "change some fields"),
            "PUT" => ("put", "replace the document"),
            "DELETE" => ("delete", "delete the document"),
            _ => continue,
        };
        let mut op = json!({"summary": summary, "responses": responses});
        if key != "get" {
            op["parameters"] = json!([if_match]);
            op["responses"]["412"] = json!({"description": "the If-Match ETag is not the document's"});
        }
        if key == "patch" || key == "put" {
            op["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": item}}});
        }
        path.insert(key.into(), op);
    }
    Value::Object(path)
}

/// The path parameters of a sub-resource URL (`people/<person>/invoices`).
fn variables(href: &str) -> Option<Value> {
    let names: Vec<Value> = href
        .split('/')
        .filter_map(|part| part.strip_prefix('<').and_then(|p| p.strip_suffix('>')))
        .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
        .collect();
    (!names.is_empty()).then_some(Value::Array(names))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemas_and_paths_follow_the_settings() {
        let settings = Settings::from_value(&json!({
            "URL_PREFIX": "api", "RESOURCE_METHODS": ["GET", "POST"], "ITEM_METHODS": ["GET", "PATCH"],
            "DOMAIN": {"readings": {"schema": {
                "meter": {"type": "string", "required": true, "maxlength": 20},
                "kwh": {"type": "number", "min": 0, "nullable": true},
                "tags": {"type": "list", "schema": {"type": "string", "allowed": ["a", "b"]}}}}}
        }))
        .unwrap();
        let doc = document(&settings);
        assert_eq!(doc["openapi"], "3.1.0");
        let readings = &doc["components"]["schemas"]["readings"];
        assert_eq!(readings["required"], json!(["meter"]));
        assert_eq!(readings["properties"]["meter"]["maxLength"], 20);
        assert_eq!(readings["properties"]["kwh"]["type"], json!(["number", "null"]));
        assert_eq!(readings["properties"]["tags"]["items"]["enum"], json!(["a", "b"]));
        assert!(doc["paths"]["/api/readings"]["post"].is_object());
        assert!(doc["paths"]["/api/readings/{id}"]["patch"]["parameters"][0]["name"] == "If-Match");
        assert!(doc["paths"]["/api/readings/{id}"].get("delete").is_none());
    }
}
