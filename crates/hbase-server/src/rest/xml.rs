//! Just enough XML for the REST models: a writer that escapes what it must,
//! and a small reader that turns a document into a tree of elements.
//!
//! HBase's clients send and expect small, flat documents (`<CellSet>`,
//! `<TableSchema>`, `<Scanner>`): elements, attributes, text and the five
//! predefined entities plus character references. That is all the reader
//! accepts; a DOCTYPE is refused, so no entity can be declared or expanded,
//! and nesting is capped so a hostile document cannot exhaust memory.

use std::fmt::Write as _;

/// Deepest nesting the reader accepts; HBase's models need three levels.
const MAX_DEPTH: usize = 32;

/// The declaration HBase's REST server puts in front of every XML response.
pub const DECLARATION: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#;

/// One element: its local name (any `prefix:` dropped), attributes in document order,
/// child elements and the concatenated text directly inside it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Element>,
    pub text: String,
}

impl Element {
    /// The value of an attribute, by name.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Child elements with this name.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }
}

/// Writes elements with escaped attributes and text into a string.
#[derive(Debug, Default)]
pub struct Writer {
    out: String,
}

impl Writer {
    /// A document that starts with HBase's XML declaration.
    pub fn document() -> Self {
        Writer { out: DECLARATION.to_string() }
    }

    /// `<name a="v" ...` — finish it with [`Writer::close_start`] or [`Writer::empty_end`].
    pub fn start(&mut self, name: &str, attrs: &[(&str, &str)]) -> &mut Self {
        self.out.push('<');
        self.out.push_str(name);
        for (k, v) in attrs {
            let _ = write!(self.out, " {k}=\"");
            escape_into(&mut self.out, v);
            self.out.push('"');
        }
        self
    }

    /// Ends a start tag: `>`.
    pub fn close_start(&mut self) -> &mut Self {
        self.out.push('>');
        self
    }

    /// Ends a start tag as an empty element: `/>`.
    pub fn empty_end(&mut self) -> &mut Self {
        self.out.push_str("/>");
        self
    }

    /// Escaped character data.
    pub fn text(&mut self, text: &str) -> &mut Self {
        escape_into(&mut self.out, text);
        self
    }

    /// `</name>`.
    pub fn end(&mut self, name: &str) -> &mut Self {
        let _ = write!(self.out, "</{name}>");
        self
    }

    /// `<name attrs>text</name>`, or `<name attrs/>` when the text is empty.
    pub fn leaf(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) -> &mut Self {
        self.start(name, attrs);
        if text.is_empty() { self.empty_end() } else { self.close_start().text(text).end(name) }
    }

    /// The document written so far.
    pub fn finish(self) -> String {
        self.out
    }
}

fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
}

/// Parses a document and returns its root element.
pub fn parse(input: &str) -> Result<Element, String> {
    let mut p = Parser { s: input, pos: 0 };
    p.skip_prolog()?;
    if !p.rest().starts_with('<') {
        return Err("XML document has no root element".into());
    }
    let root = p.element()?;
    p.skip_misc()?;
    if p.pos < p.s.len() {
        return Err(format!("unexpected content after the root element at byte {}", p.pos));
    }
    Ok(root)
}

struct Parser<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        &self.s[self.pos..]
    }

    fn skip_ws(&mut self) {
        let trimmed = self.rest().trim_start();
        self.pos = self.s.len() - trimmed.len();
    }

    /// Skips everything from `start` to the end of `terminator`.
    fn skip_past(&mut self, terminator: &str, what: &str) -> Result<(), String> {
        match self.rest().find(terminator) {
            Some(i) => {
                self.pos += i + terminator.len();
                Ok(())
            }
            None => Err(format!("unterminated {what}")),
        }
    }

    /// Whitespace, comments and processing instructions.
    fn skip_misc(&mut self) -> Result<(), String> {
        loop {
            self.skip_ws();
            let rest = self.rest();
            if rest.starts_with("<?") {
                self.skip_past("?>", "processing instruction")?;
            } else if rest.starts_with("<!--") {
                self.skip_past("-->", "comment")?;
            } else {
                return Ok(());
            }
        }
    }

    fn skip_prolog(&mut self) -> Result<(), String> {
        if self.rest().starts_with('\u{feff}') {
            self.pos += '\u{feff}'.len_utf8();
        }
        self.skip_misc()?;
        if self.rest().starts_with("<!") {
            return Err("DOCTYPE declarations are not accepted".into());
        }
        Ok(())
    }

    fn name(&mut self) -> Result<String, String> {
        let rest = self.rest();
        let end = rest
            .find(|c: char| c.is_whitespace() || matches!(c, '>' | '/' | '=' | '<' | '"' | '\''))
            .unwrap_or(rest.len());
        if end == 0 {
            return Err(format!("expected a name at byte {}", self.pos));
        }
        self.pos += end;
        let full = &rest[..end];
        Ok(full.rsplit(':').next().unwrap_or(full).to_string())
    }

    /// Parses one element and its content, with an explicit stack instead of recursion.
    fn element(&mut self) -> Result<Element, String> {
        let mut stack: Vec<Element> = Vec::new();
        loop {
            // At '<' of a start tag.
            self.pos += 1;
            let mut el = Element { name: self.name()?, ..Element::default() };
            let self_closing = self.attributes(&mut el)?;
            if self_closing {
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => return Ok(el),
                }
            } else {
                if stack.len() >= MAX_DEPTH {
                    return Err(format!("XML nested deeper than {MAX_DEPTH} elements"));
                }
                stack.push(el);
            }
            // Content until the next start tag, or close tags that may finish the root.
            loop {
                let Some(current) = stack.last_mut() else {
                    return Err("XML reader lost its place".into());
                };
                let rest = self.rest();
                if rest.is_empty() {
                    return Err(format!("unterminated element <{}>", current.name));
                }
                if rest.starts_with("<!--") {
                    self.skip_past("-->", "comment")?;
                } else if rest.starts_with("<![CDATA[") {
                    self.pos += "<![CDATA[".len();
                    let end = self.rest().find("]]>").ok_or("unterminated CDATA section")?;
                    current.text.push_str(&self.rest()[..end]);
                    self.pos += end + 3;
                } else if rest.starts_with("<?") {
                    self.skip_past("?>", "processing instruction")?;
                } else if rest.starts_with("</") {
                    self.pos += 2;
                    let name = self.name()?;
                    self.skip_ws();
                    if !self.rest().starts_with('>') {
                        return Err(format!("malformed end tag </{name}"));
                    }
                    self.pos += 1;
                    let Some(done) = stack.pop() else {
                        return Err("XML reader lost its place".into());
                    };
                    if done.name != name {
                        return Err(format!("end tag </{name}> does not match <{}>", done.name));
                    }
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(done),
                        None => return Ok(done),
                    }
                } else if rest.starts_with('<') {
                    break;
                } else {
                    let end = rest.find('<').unwrap_or(rest.len());
                    let text = unescape(&rest[..end])?;
                    current.text.push_str(&text);
                    self.pos += end;
                }
            }
        }
    }

    /// Reads attributes up to the end of the start tag; true when it was `/>`.
    fn attributes(&mut self, el: &mut Element) -> Result<bool, String> {
        loop {
            self.skip_ws();
            let rest = self.rest();
            if rest.starts_with("/>") {
                self.pos += 2;
                return Ok(true);
            }
            if rest.starts_with('>') {
                self.pos += 1;
                return Ok(false);
            }
            if rest.is_empty() {
                return Err(format!("unterminated start tag <{}", el.name));
            }
            let name = self.name()?;
            self.skip_ws();
            if !self.rest().starts_with('=') {
                return Err(format!("attribute '{name}' of <{}> has no value", el.name));
            }
            self.pos += 1;
            self.skip_ws();
            let quote = self.rest().chars().next().ok_or("unterminated attribute")?;
            if quote != '"' && quote != '\'' {
                return Err(format!("attribute '{name}' of <{}> is not quoted", el.name));
            }
            self.pos += 1;
            let end = self.rest().find(quote).ok_or_else(|| format!("unterminated attribute '{name}'"))?;
            let value = unescape(&self.rest()[..end])?;
            self.pos += end + 1;
            el.attrs.push((name, value));
        }
    }
}

/// Replaces entity and character references.
fn unescape(s: &str) -> Result<String, String> {
    if !s.contains('&') {
        return Ok(s.to_string());
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i + 1..];
        let end = rest.find(';').ok_or("unterminated entity reference")?;
        let entity = &rest[..end];
        let c = match entity {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = if let Some(hex) = entity.strip_prefix("#x").or_else(|| entity.strip_prefix("#X")) {
                    u32::from_str_radix(hex, 16).ok()
                } else if let Some(dec) = entity.strip_prefix('#') {
                    dec.parse().ok()
                } else {
                    None
                };
                code.and_then(char::from_u32).ok_or_else(|| format!("unknown entity '&{entity};'"))?
            }
        };
        out.push(c);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_cell_set() {
        let doc = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <!-- a comment -->
            <CellSet><Row key="cm93"><Cell column="Y2Y6cQ==" timestamp="5">dg==</Cell><Cell column='Y2Y6cg=='/></Row></CellSet>"#;
        let root = parse(doc).unwrap();
        assert_eq!(root.name, "CellSet");
        let row = &root.children[0];
        assert_eq!(row.attr("key"), Some("cm93"));
        assert_eq!(row.children.len(), 2);
        assert_eq!(row.children[0].attr("timestamp"), Some("5"));
        assert_eq!(row.children[0].text, "dg==");
        assert_eq!(row.children[1].attr("column"), Some("Y2Y6cg=="));
    }

    #[test]
    fn unescapes_entities_and_cdata() {
        let root = parse(r#"<filter a="&lt;&#65;&#x42;&quot;">{"x":&amp;1}<![CDATA[<raw>]]></filter>"#).unwrap();
        assert_eq!(root.attr("a"), Some("<AB\""));
        assert_eq!(root.text, r#"{"x":&1}<raw>"#);
    }

    #[test]
    fn strips_namespace_prefixes() {
        let root = parse(r#"<ns:Scanner xmlns:ns="x" batch="1"><ns:column>Y2Y=</ns:column></ns:Scanner>"#).unwrap();
        assert_eq!(root.name, "Scanner");
        assert_eq!(root.children_named("column").count(), 1);
    }

    #[test]
    fn refuses_malformed_and_hostile_documents() {
        assert!(parse("<a><b></a>").is_err());
        assert!(parse("<a>").is_err());
        assert!(parse("<a x=1/>").is_err());
        assert!(parse("<!DOCTYPE a [<!ENTITY e 'x'>]><a>&e;</a>").is_err());
        assert!(parse("<a>&bogus;</a>").is_err());
        assert!(parse("<a/><b/>").is_err());
        assert!(parse("").is_err());
        let deep = "<a>".repeat(100) + &"</a>".repeat(100);
        assert!(parse(&deep).is_err());
    }

    #[test]
    fn writer_escapes() {
        let mut w = Writer::document();
        w.start("T", &[("name", "a\"<b")]).close_start().text("x&y").end("T");
        w.leaf("E", &[], "");
        let s = w.finish();
        assert!(s.ends_with(r#"<T name="a&quot;&lt;b">x&amp;y</T><E/>"#), "{s}");
        assert_eq!(parse(s.strip_suffix("<E/>").unwrap()).unwrap().attr("name"), Some("a\"<b"));
    }
}
