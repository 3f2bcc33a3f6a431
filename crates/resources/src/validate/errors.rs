//! Validation errors as Cerberus records them, and their rendering into Eve's `_issues`.
//!
//! Cerberus keeps a flat, sorted list of errors, each with its path in the document and
//! in the schema; errors of nested validations (a dict's `schema`, list items, `*of`
//! rules) are kept as children of one group error. Eve's `_issues` is what Cerberus's
//! `BasicErrorHandler` builds from that list (a tree of `{field: [messages..., {subfield:
//! ...}]}`), with single-element lists unpacked unless `VALIDATION_ERROR_AS_LIST`.
//! Both the ordering (Python's list sort with Cerberus's path comparison, including
//! how it orders errors whose paths are equal) and the tree building are reproduced here.

use serde_json::{Map, Value};

/// One element of a document or schema path: a field name or a list index.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Key {
    S(String),
    I(usize),
}

impl Key {
    pub(crate) fn s(x: &str) -> Key {
        Key::S(x.to_string())
    }

    /// `str(key)` / the JSON object key Eve's encoder writes.
    pub(crate) fn text(&self) -> String {
        match self {
            Key::S(s) => s.clone(),
            Key::I(i) => i.to_string(),
        }
    }
}

// Cerberus error codes (cerberus.errors).
pub(crate) const CUSTOM: u8 = 0x00;
pub(crate) const REQUIRED_FIELD: u8 = 0x02;
pub(crate) const UNKNOWN_FIELD: u8 = 0x03;
pub(crate) const DEPENDENCIES_FIELD: u8 = 0x04;
pub(crate) const DEPENDENCIES_FIELD_VALUE: u8 = 0x05;
pub(crate) const EXCLUDES_FIELD: u8 = 0x06;
pub(crate) const EMPTY_NOT_ALLOWED: u8 = 0x22;
pub(crate) const NOT_NULLABLE: u8 = 0x23;
pub(crate) const BAD_TYPE: u8 = 0x24;
pub(crate) const BAD_TYPE_FOR_SCHEMA: u8 = 0x25;
pub(crate) const ITEMS_LENGTH: u8 = 0x26;
pub(crate) const MIN_LENGTH: u8 = 0x27;
pub(crate) const MAX_LENGTH: u8 = 0x28;
pub(crate) const REGEX_MISMATCH: u8 = 0x41;
pub(crate) const MIN_VALUE: u8 = 0x42;
pub(crate) const MAX_VALUE: u8 = 0x43;
pub(crate) const UNALLOWED_VALUE: u8 = 0x44;
pub(crate) const UNALLOWED_VALUES: u8 = 0x45;
pub(crate) const FORBIDDEN_VALUE: u8 = 0x46;
pub(crate) const FORBIDDEN_VALUES: u8 = 0x47;
pub(crate) const MISSING_MEMBERS: u8 = 0x48;
pub(crate) const COERCION_FAILED: u8 = 0x61;
pub(crate) const READONLY_FIELD: u8 = 0x63;
pub(crate) const MAPPING_SCHEMA: u8 = 0x81;
pub(crate) const SEQUENCE_SCHEMA: u8 = 0x82;
pub(crate) const KEYSRULES: u8 = 0x83;
pub(crate) const VALUESRULES: u8 = 0x84;
pub(crate) const BAD_ITEMS: u8 = 0x8F;
pub(crate) const NONEOF: u8 = 0x91;
pub(crate) const ONEOF: u8 = 0x92;
pub(crate) const ANYOF: u8 = 0x93;
pub(crate) const ALLOF: u8 = 0x94;

/// The message template of a code (`BasicErrorHandler.messages`).
fn template(code: u8) -> &'static str {
    match code {
        CUSTOM => "{0}",
        REQUIRED_FIELD => "required field",
        UNKNOWN_FIELD => "unknown field",
        DEPENDENCIES_FIELD => "field '{0}' is required",
        DEPENDENCIES_FIELD_VALUE => "depends on these values: {constraint}",
        EXCLUDES_FIELD => "{0} must not be present with '{field}'",
        EMPTY_NOT_ALLOWED => "empty values not allowed",
        NOT_NULLABLE => "null value not allowed",
        BAD_TYPE => "must be of {constraint} type",
        BAD_TYPE_FOR_SCHEMA => "must be of dict type",
        ITEMS_LENGTH => "length of list should be {0}, it is {1}",
        MIN_LENGTH => "min length is {constraint}",
        MAX_LENGTH => "max length is {constraint}",
        REGEX_MISMATCH => "value does not match regex '{constraint}'",
        MIN_VALUE => "min value is {constraint}",
        MAX_VALUE => "max value is {constraint}",
        UNALLOWED_VALUE | FORBIDDEN_VALUE => "unallowed value {value}",
        UNALLOWED_VALUES | FORBIDDEN_VALUES => "unallowed values {0}",
        MISSING_MEMBERS => "missing members {0}",
        COERCION_FAILED => "field '{field}' cannot be coerced: {0}",
        READONLY_FIELD => "field is read-only",
        NONEOF => "one or more definitions validate",
        ONEOF => "none or more than one rule validate",
        ANYOF => "no definitions validate",
        ALLOF => "one or more definitions don't validate",
        _ => "",
    }
}

/// One recorded error (`cerberus.errors.ValidationError`), with the parts of its message
/// already rendered as Python's `str()` would.
#[derive(Clone, Debug)]
pub(crate) struct VError {
    pub(crate) dpath: Vec<Key>,
    pub(crate) spath: Vec<Key>,
    pub(crate) code: u8,
    /// The rule name (for the `"<rule> definition <i>"` nodes of `*of` errors).
    pub(crate) rule: &'static str,
    /// `str(constraint)` where the template uses it.
    pub(crate) constraint: String,
    /// `str(value)` where the template uses it.
    pub(crate) value: String,
    /// `str()` of the positional info items (`{0}`, `{1}`).
    pub(crate) info: Vec<String>,
    /// Errors of the nested validation, for group errors.
    pub(crate) children: Vec<VError>,
}

impl VError {
    pub(crate) fn is_group(&self) -> bool {
        self.code & 0x80 != 0
    }

    pub(crate) fn is_logic(&self) -> bool {
        self.code & 0x10 != 0 && self.is_group()
    }

    fn field(&self) -> String {
        self.dpath.last().map(Key::text).unwrap_or_default()
    }

    fn message(&self, field: &str) -> String {
        let t = template(self.code);
        let mut out = String::new();
        let mut rest = t;
        while let Some(start) = rest.find('{') {
            out.push_str(&rest[..start]);
            let after = &rest[start + 1..];
            let Some(end) = after.find('}') else {
                out.push_str(&rest[start..]);
                rest = "";
                break;
            };
            let name = &after[..end];
            match name {
                "constraint" => out.push_str(&self.constraint),
                "value" => out.push_str(&self.value),
                "field" => out.push_str(field),
                n => {
                    if let Ok(i) = n.parse::<usize>() {
                        out.push_str(self.info.get(i).map(String::as_str).unwrap_or(""));
                    }
                }
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        out
    }

    /// `definitions_errors`: the children of a `*of` error grouped by definition index,
    /// groups in order of first appearance.
    fn definitions_errors(&self) -> Vec<(Key, Vec<usize>)> {
        let depth = self.spath.len();
        let mut groups: Vec<(Key, Vec<usize>)> = Vec::new();
        for (n, c) in self.children.iter().enumerate() {
            let i = c.spath.get(depth).cloned().unwrap_or(Key::I(0));
            if let Some(g) = groups.iter_mut().find(|(k, _)| *k == i) {
                g.1.push(n);
            } else {
                groups.push((i, vec![n]));
            }
        }
        groups
    }
}

/// Is any error (children included) recorded at exactly `path` with `code`?
/// (`code in document_error_tree.fetch_errors_from(path)`)
pub(crate) fn tree_has(errors: &[VError], path: &[Key], code: u8) -> bool {
    errors.iter().any(|e| (e.dpath == path && e.code == code) || tree_has(&e.children, path, code))
}

/// Does the document error tree have a node at `path`? (`fetch_node_from(path) is not None`)
pub(crate) fn tree_has_node(errors: &[VError], path: &[Key]) -> bool {
    errors.iter().any(|e| e.dpath.starts_with(path) || tree_has_node(&e.children, path))
}

/// `cerberus.utils.compare_paths_lt`.
fn paths_lt(x: &[Key], y: &[Key]) -> bool {
    let m = x.len().min(y.len());
    if x[..m] == y[..m] {
        return x.len() == m;
    }
    for i in 0..m {
        let (a, b) = (&x[i], &y[i]);
        match (a, b) {
            (Key::S(p), Key::S(q)) => {
                if p == q {
                    continue;
                }
                return p < q;
            }
            (Key::I(p), Key::I(q)) => {
                if p == q {
                    continue;
                }
                return p < q;
            }
            _ => return true,
        }
    }
    false
}

/// `ValidationError.__lt__`.
fn error_lt(a: &VError, b: &VError) -> bool {
    if a.dpath != b.dpath { paths_lt(&a.dpath, &b.dpath) } else { paths_lt(&a.spath, &b.spath) }
}

/// Python's `list.sort()` with `ValidationError.__lt__`, step for step, so errors whose
/// paths are equal (e.g. several custom errors on one field) end up in Python's order.
/// CPython sorts lists shorter than 64 with one run detection and a binary insertion
/// sort; longer lists are sorted the same way here (CPython would merge runs).
pub(crate) fn python_sort(v: &mut [VError]) {
    let n = v.len();
    if n < 2 {
        return;
    }
    // count_run
    let mut run = 2;
    if error_lt(&v[1], &v[0]) {
        while run < n && error_lt(&v[run], &v[run - 1]) {
            run += 1;
        }
        v[..run].reverse();
    } else {
        while run < n && !error_lt(&v[run], &v[run - 1]) {
            run += 1;
        }
    }
    // binarysort
    for start in run..n {
        let (mut l, mut r) = (0usize, start);
        while l < r {
            let p = l + ((r - l) >> 1);
            if error_lt(&v[start], &v[p]) {
                r = p;
            } else {
                l = p + 1;
            }
        }
        v[l..=start].rotate_right(1);
    }
}

/// Removes path elements at the given positions (relative to `base`) from every error and
/// its children (`_drop_nodes_from_errorpaths` for schema paths).
pub(crate) fn drop_spath_items(errors: &mut [VError], base: usize, items: &[usize]) {
    let mut sorted: Vec<usize> = items.to_vec();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    for e in errors.iter_mut() {
        for &i in &sorted {
            let at = base + i;
            if at < e.spath.len() {
                e.spath.remove(at);
            }
        }
        drop_spath_items(&mut e.children, base, items);
    }
}

/// One node of the handler's tree: `[message, ..., {subtree}]`.
#[derive(Default)]
struct Node {
    msgs: Vec<String>,
    sub: Tree,
}

#[derive(Default)]
struct Tree {
    entries: Vec<(Key, Node)>,
}

impl Tree {
    fn insert(&mut self, path: &[Key], msg: String) {
        let Some((first, rest)) = path.split_first() else { return };
        let pos = match self.entries.iter().position(|(k, _)| k == first) {
            Some(p) => p,
            None => {
                self.entries.push((first.clone(), Node::default()));
                self.entries.len() - 1
            }
        };
        let node = &mut self.entries[pos].1;
        if rest.is_empty() {
            node.msgs.push(msg);
        } else {
            node.sub.insert(rest, msg);
        }
    }

    fn to_json(&self, as_list: bool) -> Value {
        let mut m = Map::new();
        for (k, node) in &self.entries {
            let mut items: Vec<Value> = node.msgs.iter().map(|s| Value::String(s.clone())).collect();
            if !node.sub.entries.is_empty() {
                items.push(node.sub.to_json(as_list));
            }
            let v = if !as_list && items.len() == 1 { items.pop().unwrap_or(Value::Null) } else { Value::Array(items) };
            m.insert(k.text(), v);
        }
        Value::Object(m)
    }
}

fn rewrite(e: &mut VError, offset: usize) {
    let child_start = e.dpath.len().saturating_sub(offset);
    if e.is_logic() {
        for (i, idxs) in e.definitions_errors() {
            let mut path = e.dpath.clone();
            path.push(Key::S(format!("{} definition {}", e.rule, i.text())));
            for n in idxs {
                let c = &mut e.children[n];
                rebase(c, &path, child_start);
                rewrite(c, offset + 1);
            }
        }
    } else if e.is_group() {
        let base = e.dpath.clone();
        for c in e.children.iter_mut() {
            rebase(c, &base, child_start);
            rewrite(c, offset);
        }
    }
}

/// Moves a child error under `base`: its document path becomes `base` followed by its
/// path from `child_start` on.
fn rebase(c: &mut VError, base: &[Key], child_start: usize) {
    let rel: Vec<Key> = c.dpath.get(child_start..).map(<[Key]>::to_vec).unwrap_or_default();
    let mut p = base.to_vec();
    p.extend(rel);
    c.dpath = p;
}

/// Inserts one error: a logic or group error through its children, any other as its
/// message, worded for `field`.
fn insert(tree: &mut Tree, e: &VError, field: &str) {
    if e.is_logic() {
        insert_logic(tree, e);
    } else if e.is_group() {
        insert_group(tree, e);
    } else {
        tree.insert(&e.dpath, e.message(field));
    }
}

fn insert_group(tree: &mut Tree, e: &VError) {
    for c in &e.children {
        insert(tree, c, &c.field());
    }
}

fn insert_logic(tree: &mut Tree, e: &VError) {
    let field = e.field();
    tree.insert(&e.dpath, e.message(&field));
    for (_, idxs) in e.definitions_errors() {
        for n in idxs {
            insert(tree, &e.children[n], &field);
        }
    }
}

/// Eve's `validator.errors`: the `_issues` value for a sorted error list.
pub(crate) fn render(errors: &[VError], as_list: bool) -> Value {
    let mut tree = Tree::default();
    for e in errors {
        let mut e = e.clone();
        rewrite(&mut e, 0);
        insert(&mut tree, &e, &e.field());
    }
    tree.to_json(as_list)
}
