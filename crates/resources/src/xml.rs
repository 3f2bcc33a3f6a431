//! Eve's XML representation, for clients whose `Accept` prefers it
//! (`application/xml`, `text/xml`, `application/x-xml`): an answer's JSON
//! rendered as Eve's `XMLRenderer` renders it — `<resource href title>`
//! roots, `<link>`s sorted by relation, `_meta` numbers, fields sorted by
//! name, lists as repeated elements, Python's spelling of values (`True`,
//! `None`, float reprs) escaped as MarkupSafe escapes them, and data
//! relation links as attributes of their fields.

use serde_json::{Map, Value};

use crate::py::repr::float_repr;
use crate::settings::Names;

/// The media types an API answers in, by the renderers its settings name
/// (`RENDERERS`, Eve's JSON and XML renderers by default), in Eve's order.
pub fn media_types(renderers: &[String]) -> Vec<&'static str> {
    let mut out = Vec::new();
    if renderers.iter().any(|r| r.ends_with("JSONRenderer")) {
        out.push("application/json");
    }
    if renderers.iter().any(|r| r.ends_with("XMLRenderer")) {
        out.extend(["application/xml", "text/xml", "application/x-xml"]);
    }
    if out.is_empty() {
        out.push("application/json");
    }
    out
}

/// The best of `offered` for an `Accept` header, as Werkzeug's `best_match`
/// picks it (highest quality, then the most specific client entry, then
/// the first offered); the first offered when nothing matches.
pub fn negotiate(accept: Option<&str>, offered: &[&'static str]) -> &'static str {
    let default = offered.first().copied().unwrap_or("application/json");
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else { return default };
    let entries: Vec<(String, f64)> = accept
        .split(',')
        .filter_map(|part| {
            let mut pieces = part.split(';');
            let value = pieces.next()?.trim().to_ascii_lowercase();
            let mut quality = 1.0;
            for p in pieces {
                if let Some(q) = p.trim().strip_prefix("q=") {
                    quality = q.trim().parse().unwrap_or(0.0);
                }
            }
            (!value.is_empty()).then_some((value, quality))
        })
        .collect();
    let specificity = |v: &str| match v {
        "*/*" => 0,
        v if v.ends_with("/*") => 1,
        _ => 2,
    };
    let matches = |server: &str, client: &str| {
        client == "*/*"
            || client == server
            || client.strip_suffix("/*").is_some_and(|t| server.starts_with(&format!("{t}/")))
    };
    let (mut best, mut best_quality, mut best_specificity) = (default, -1.0, -1);
    for server in offered {
        for (client, quality) in &entries {
            if *quality <= 0.0 || *quality < best_quality {
                continue;
            }
            let s = specificity(client);
            if (*quality > best_quality || s > best_specificity) && matches(server, client) {
                best = server;
                best_quality = *quality;
                best_specificity = s;
            }
        }
    }
    best
}

/// The `Content-Type` of an XML answer in `media`.
pub fn content_type(media: &str) -> String {
    if media == "application/x-xml" { media.to_string() } else { format!("{media}; charset=utf-8") }
}

/// An answer's JSON as Eve's XML.
pub fn render(body: &Value, names: &Names) -> String {
    let mut data = match body {
        Value::Object(m) => m.clone(),
        Value::Array(items) => {
            let mut m = Map::new();
            m.insert(names.items.clone(), Value::Array(items.clone()));
            m
        }
        _ => return String::new(),
    };
    if data.is_empty() {
        return String::new();
    }
    let mut xml = root_open(&mut data, names);
    xml += &add_links(&mut data, names);
    xml += &add_meta(&data, names);
    match data.get(&names.items) {
        Some(Value::Array(items)) if items.iter().all(Value::is_object) => {
            for item in items {
                if let Value::Object(item) = item {
                    let mut item = item.clone();
                    xml += &root_open(&mut item, names);
                    xml += &add_links(&mut item, names);
                    xml += &dict(&mut item, names);
                    xml += "</resource>";
                }
            }
        }
        _ => xml += &dict(&mut data, names),
    }
    xml + "</resource>"
}

/// MarkupSafe's escape.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A value as Python's `str` shows it.
fn text(value: &Value) -> String {
    match value {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) if n.is_f64() => n.as_f64().map(float_repr).unwrap_or_default(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn str_of(link: &Value, key: &str) -> String {
    link.get(key).map(text).unwrap_or_default()
}

fn root_open(data: &mut Map<String, Value>, names: &Names) -> String {
    let own = data.get_mut(&names.links).and_then(Value::as_object_mut).and_then(|l| l.remove("self"));
    let Some(own) = own else { return "<resource>".into() };
    let href = format!(" href=\"{}\" ", escape(&str_of(&own, "href")));
    let title =
        if own.get("title").is_some() { format!(" title=\"{}\" ", str_of(&own, "title")) } else { String::new() };
    format!("<resource{href}{title}>")
}

/// The `<link>`s of `data`, sorted by relation; `related` links stay in
/// `data` for its fields' attributes.
fn add_links(data: &mut Map<String, Value>, names: &Names) -> String {
    let Some(Value::Object(links)) = data.remove(&names.links) else { return String::new() };
    let mut rels: Vec<(&String, &Value)> = links.iter().collect();
    rels.sort_by(|a, b| a.0.cmp(b.0));
    let mut xml = String::new();
    for (rel, link) in rels {
        match link {
            _ if rel == "related" => {
                let mut kept = Map::new();
                kept.insert(rel.clone(), link.clone());
                data.insert(names.links.clone(), Value::Object(kept));
            }
            Value::Array(list) => {
                for l in list {
                    xml += &format!(
                        "<link rel=\"{rel}\" href=\"{}\" title=\"{}\" />",
                        escape(&str_of(l, "href")),
                        escape(&str_of(l, "title"))
                    );
                }
            }
            l => {
                xml += &format!(
                    "<link rel=\"{rel}\" href=\"{}\" title=\"{}\" />",
                    escape(&str_of(l, "href")),
                    str_of(l, "title")
                )
            }
        }
    }
    xml
}

fn add_meta(data: &Map<String, Value>, names: &Names) -> String {
    let Some(Value::Object(meta)) = data.get(&names.meta).filter(|m| m.as_object().is_some_and(|m| !m.is_empty()))
    else {
        return String::new();
    };
    let mut keys: Vec<(&String, &Value)> = meta.iter().collect();
    keys.sort_by(|a, b| a.0.cmp(b.0));
    let inner: String = keys.iter().map(|(k, v)| format!("<{k}>{}</{k}>", text(v))).collect();
    format!("<{m}>{inner}</{m}>", m = names.meta)
}

/// Fields sorted by name; lists as one element per value; documents nested.
fn dict(data: &mut Map<String, Value>, names: &Names) -> String {
    let related = match data.remove(&names.links) {
        Some(Value::Object(mut l)) => match l.remove("related") {
            Some(Value::Object(r)) => r,
            _ => Map::new(),
        },
        _ => Map::new(),
    };
    let mut fields: Vec<(String, Value)> = data.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    fields.sort_by(|a, b| a.0.cmp(&b.0));
    let mut xml = String::new();
    for (key, value) in fields {
        let values = match value {
            Value::Array(items) => items,
            other => vec![other],
        };
        for (idx, value) in values.into_iter().enumerate() {
            xml += &field_open(&key, idx, &related);
            match value {
                Value::Object(mut inner) => {
                    let links = add_links(&mut inner, names);
                    xml += &dict(&mut inner, names);
                    xml += &links;
                }
                other => xml += &escape(&text(&other)),
            }
            xml += &format!("</{key}>");
        }
    }
    xml
}

fn field_open(field: &str, idx: usize, related: &Map<String, Value>) -> String {
    let link = match related.get(field) {
        Some(Value::Array(list)) => list.get(idx),
        other => other,
    };
    match link {
        Some(l) => format!("<{field} href=\"{}\" title=\"{}\">", escape(&str_of(l, "href")), str_of(l, "title")),
        None => format!("<{field}>"),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn negotiation_follows_werkzeug() {
        let all = ["application/json", "application/xml", "text/xml", "application/x-xml"];
        assert_eq!(negotiate(None, &all), "application/json");
        assert_eq!(negotiate(Some("text/html"), &all), "application/json");
        assert_eq!(negotiate(Some("*/*"), &all), "application/json");
        assert_eq!(negotiate(Some("application/xml;q=0.5, application/json"), &all), "application/json");
        assert_eq!(negotiate(Some("application/json;q=0.4, text/xml;q=0.9"), &all), "text/xml");
        assert_eq!(
            negotiate(Some("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"), &all),
            "application/xml"
        );
    }

    #[test]
    fn renders_as_eve() {
        let names = crate::settings::Settings::from_value(&json!({})).unwrap().names;
        let body = json!({"_id": "1", "name": "A <b>&\"'", "ok": true, "score": 1.5, "none": null, "tags": ["a", "b"],
                          "boss": "2", "_links": {"self": {"title": "People", "href": "people/1"},
                          "related": {"boss": {"title": "People", "href": "people/2"}}}});
        assert_eq!(
            render(&body, &names),
            "<resource href=\"people/1\"  title=\"People\" ><_id>1</_id><boss href=\"people/2\" title=\"People\">2</boss>\
             <name>A &lt;b&gt;&amp;&#34;&#39;</name><none>None</none><ok>True</ok><score>1.5</score><tags>a</tags><tags>b</tags></resource>"
        );
        assert_eq!(render(&json!({}), &names), "");
    }
}
