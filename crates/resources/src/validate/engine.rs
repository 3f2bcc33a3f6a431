//! The validator: Cerberus 1.3.8's `Validator.validate` (normalization, then rule by rule
//! validation) with Eve's Mongo `Validator` subclass on top (`unique*`, `data_relation`,
//! the `objectid`/`decimal`/`dbref`/`media` types, and its overrides of `default`,
//! `readonly` and `dependencies` for PATCH/PUT).
//!
//! It follows Cerberus's structure on purpose: nested dicts, list items, `keysrules`,
//! `valuesrules`, `items` and every `*of` definition are validated by child validators
//! over a dict (`{index: item}` for lists), and their errors come back as group errors.
//! The error paths and the order of evaluation are what make Eve's `_issues` come out as
//! it does, so they are kept.

use std::sync::Arc;

use bson::{Bson, Document};

use super::errors::{self, Key, VError};
use super::pyval;
use super::schema::{AllowUnknown, Deps, FieldMap, Rule, Rules, SubSchema};
use super::{Lookups, UniqueQuery, UniqueScope};

/// Why validation stopped without a verdict.
#[derive(Debug)]
pub(crate) enum Abort {
    /// A Python exception escaped Cerberus/Eve (`str(e)`).
    Py(String),
    /// A [`Lookups`] call failed.
    Lookup(String),
    /// Cerberus's internal `_SchemaRuleTypeError` (a dict validated against a rule set).
    SchemaRuleType,
}

type R<T> = Result<T, Abort>;

/// A dict as a validator sees it: a document, or a list / mapping keys turned into a dict.
#[derive(Clone, Debug, Default)]
pub(crate) struct Doc {
    pub(crate) entries: Vec<(Key, Bson)>,
}

impl Doc {
    pub(crate) fn from_document(d: Document) -> Doc {
        Doc { entries: d.into_iter().map(|(k, v)| (Key::S(k), v)).collect() }
    }

    fn from_list(items: Vec<Bson>) -> Doc {
        Doc { entries: items.into_iter().enumerate().map(|(i, v)| (Key::I(i), v)).collect() }
    }

    /// Each key mapped to its text, the dict `keysrules` validates.
    fn of_keys(keys: &[Key]) -> Doc {
        Doc { entries: keys.iter().map(|k| (k.clone(), Bson::String(k.text()))).collect() }
    }

    fn pos(&self, k: &Key) -> Option<usize> {
        if let Key::I(i) = k
            && self.entries.get(*i).is_some_and(|(x, _)| x == k)
        {
            return Some(*i);
        }
        self.entries.iter().position(|(x, _)| x == k)
    }

    pub(crate) fn get(&self, k: &Key) -> Option<&Bson> {
        self.pos(k).map(|i| &self.entries[i].1)
    }

    fn contains(&self, k: &Key) -> bool {
        self.pos(k).is_some()
    }

    fn set(&mut self, k: Key, v: Bson) {
        match self.pos(&k) {
            Some(i) => self.entries[i].1 = v,
            None => self.entries.push((k, v)),
        }
    }

    fn remove(&mut self, k: &Key) {
        if let Some(i) = self.pos(k) {
            self.entries.remove(i);
        }
    }

    fn keys(&self) -> Vec<Key> {
        self.entries.iter().map(|(k, _)| k.clone()).collect()
    }

    /// Back to a BSON document (list indices, which never reach here, become their text).
    pub(crate) fn into_document(self) -> Document {
        let mut d = Document::new();
        for (k, v) in self.entries {
            d.insert(k.text(), v);
        }
        d
    }

    fn into_values(self) -> Vec<Bson> {
        self.entries.into_iter().map(|(_, v)| v).collect()
    }
}

/// The schema of one validator: which rules apply to which key.
#[derive(Clone)]
pub(crate) enum View {
    /// A mapping of fields (the resource schema, a dict's `schema`).
    Fields(Arc<FieldMap>),
    /// The same rules for every listed key (list items, `keysrules`, `valuesrules`).
    Uniform { keys: Arc<Vec<Key>>, rules: Arc<Rules> },
    /// `items`: the i-th rules for index i.
    Items(Arc<Vec<Arc<Rules>>>),
    /// `{field: definition}` of a `*of` rule or of `allow_unknown` rules.
    Single(Key, Arc<Rules>),
}

impl View {
    /// The same rules for the `len` items of a list.
    fn list_items(len: usize, rules: Arc<Rules>) -> View {
        View::Uniform { keys: Arc::new((0..len).map(Key::I).collect()), rules }
    }

    fn get(&self, k: &Key) -> Option<Arc<Rules>> {
        match self {
            View::Fields(f) => match k {
                Key::S(s) => f.get(s).cloned(),
                Key::I(_) => None,
            },
            View::Uniform { keys, rules } => {
                let hit = match k {
                    Key::I(i) => keys.get(*i).is_some_and(|x| x == k) || keys.contains(k),
                    Key::S(_) => keys.contains(k),
                };
                if hit { Some(rules.clone()) } else { None }
            }
            View::Items(items) => match k {
                Key::I(i) => items.get(*i).cloned(),
                Key::S(_) => None,
            },
            View::Single(key, r) => {
                if key == k {
                    Some(r.clone())
                } else {
                    None
                }
            }
        }
    }

    fn keys(&self) -> Vec<Key> {
        match self {
            View::Fields(f) => f.fields.iter().map(|(k, _)| Key::S(k.clone())).collect(),
            View::Uniform { keys, .. } => keys.as_ref().clone(),
            View::Items(items) => (0..items.len()).map(Key::I).collect(),
            View::Single(k, _) => vec![k.clone()],
        }
    }

    fn entries(&self) -> Vec<(Key, Arc<Rules>)> {
        self.keys().into_iter().filter_map(|k| self.get(&k).map(|r| (k, r))).collect()
    }
}

/// What every validator of one run shares (Eve's config of the root validator).
pub(crate) struct Ctx<'a> {
    pub(crate) root: Arc<FieldMap>,
    pub(crate) lookups: &'a dyn Lookups,
    /// The stored document of PATCH/PUT (`persisted_document`).
    pub(crate) persisted: Option<&'a Document>,
    /// Its id (`document_id`), excluded from `unique` checks.
    pub(crate) document_id: Option<Bson>,
}

/// One Cerberus validator instance.
pub(crate) struct V<'a> {
    ctx: &'a Ctx<'a>,
    schema: View,
    pub(crate) doc: Doc,
    dpath: Vec<Key>,
    spath: Vec<Key>,
    pub(crate) errors: Vec<VError>,
    allow_unknown: AllowUnknown,
    require_all: bool,
    purge_unknown: bool,
    update: bool,
    is_child: bool,
    /// Cerberus's `_is_normalized` config value.
    is_normalized: bool,
    /// Eve's `is_update_operation` (set on the root validator of a PATCH only).
    pub(crate) is_update_operation: bool,
    root_document: Option<Arc<Doc>>,
    remaining: Vec<Rule>,
    unrequired_by_excludes: Vec<Key>,
}

const PRIORITY: [Rule; 4] = [Rule::Nullable, Rule::Readonly, Rule::Type, Rule::Empty];

impl<'a> V<'a> {
    pub(crate) fn root(ctx: &'a Ctx<'a>, allow_unknown: bool) -> V<'a> {
        V {
            ctx,
            schema: View::Fields(ctx.root.clone()),
            doc: Doc::default(),
            dpath: Vec::new(),
            spath: Vec::new(),
            errors: Vec::new(),
            allow_unknown: AllowUnknown::Flag(allow_unknown),
            require_all: false,
            purge_unknown: false,
            update: false,
            is_child: false,
            is_normalized: false,
            is_update_operation: false,
            root_document: None,
            remaining: Vec::new(),
            unrequired_by_excludes: Vec::new(),
        }
    }

    /// `_get_child_validator(document_crumb, schema_crumb, schema=...)`.
    fn child(&self, dcrumb: &[Key], scrumb: &[Key], schema: View) -> V<'a> {
        let mut dpath = self.dpath.clone();
        dpath.extend_from_slice(dcrumb);
        let mut spath = self.spath.clone();
        spath.extend_from_slice(scrumb);
        let root_document = self.root_document.clone();
        V {
            ctx: self.ctx,
            schema,
            doc: Doc::default(),
            dpath,
            spath,
            errors: Vec::new(),
            allow_unknown: self.allow_unknown.clone(),
            require_all: self.require_all,
            purge_unknown: self.purge_unknown,
            update: false,
            is_child: true,
            is_normalized: self.is_normalized,
            is_update_operation: false,
            root_document,
            remaining: Vec::new(),
            unrequired_by_excludes: Vec::new(),
        }
    }

    /// A child validator for the value of `field`: document crumb `field`, schema crumb
    /// `field`, `rule`.
    fn field_child(&self, field: &Key, rule: &str, schema: View) -> V<'a> {
        self.child(std::slice::from_ref(field), &[field.clone(), Key::s(rule)], schema)
    }

    // ------------------------------------------------------------------ errors

    fn rules_of(&self, field: &Key) -> Option<Arc<Rules>> {
        self.schema.get(field)
    }

    /// `_error(field, code, *info)`.
    fn error(&mut self, field: &Key, code: u8, rule: Option<Rule>, info: Vec<String>, children: Vec<VError>) {
        let mut dpath = self.dpath.clone();
        dpath.push(field.clone());
        let mut spath = self.spath.clone();
        let rules = self.rules_of(field);
        if code != errors::UNKNOWN_FIELD
            && let Some(r) = rule
        {
            spath.push(field.clone());
            spath.push(Key::s(r.name()));
            if r == Rule::Required && !rules.as_ref().is_some_and(|x| x.has(Rule::Required)) {
                spath = "__require_all__".chars().map(|c| Key::S(c.to_string())).collect();
            }
        }
        let value = self.doc.get(field).cloned().unwrap_or(Bson::Null);
        let constraint = match (code, rules.as_ref()) {
            (errors::DEPENDENCIES_FIELD_VALUE, Some(r)) => match &r.dependencies {
                Some(Deps::Map { text, .. }) => text.clone(),
                _ => String::new(),
            },
            (errors::BAD_TYPE, Some(r)) => r.type_.as_ref().map(|t| t.text.clone()).unwrap_or_default(),
            (errors::MIN_LENGTH, Some(r)) => r.minlength.map(|x| x.to_string()).unwrap_or_default(),
            (errors::MAX_LENGTH, Some(r)) => r.maxlength.map(|x| x.to_string()).unwrap_or_default(),
            (errors::REGEX_MISMATCH, Some(r)) => r.regex.as_ref().map(|x| x.0.clone()).unwrap_or_default(),
            (errors::MIN_VALUE, Some(r)) => r.min.as_ref().map(pyval::str).unwrap_or_default(),
            (errors::MAX_VALUE, Some(r)) => r.max.as_ref().map(pyval::str).unwrap_or_default(),
            _ => String::new(),
        };
        let e = VError {
            dpath,
            spath,
            code,
            rule: rule.map(Rule::name).unwrap_or(""),
            constraint,
            value: pyval::str(&value),
            info,
            children,
        };
        self.errors.push(e);
        errors::python_sort(&mut self.errors);
    }

    fn custom(&mut self, field: &Key, msg: String) {
        self.error(field, errors::CUSTOM, None, vec![msg], Vec::new());
    }

    /// `_error(list_of_errors)`.
    fn bulk(&mut self, errs: Vec<VError>) {
        self.errors.extend(errs);
        errors::python_sort(&mut self.errors);
    }

    fn here(&self, field: &Key) -> Vec<Key> {
        let mut p = self.dpath.clone();
        p.push(field.clone());
        p
    }

    fn drop_rules(&mut self, rules: &[Rule]) {
        self.remaining.retain(|r| !rules.contains(r));
    }

    // ------------------------------------------------------------------ normalization

    /// `normalized(document, always_return_document=True)`.
    fn normalized(&mut self, doc: Doc) -> R<Doc> {
        self.errors.clear();
        self.doc = doc;
        if !self.is_child {
            self.is_normalized = false;
        }
        self.normalize_mapping()?;
        Ok(std::mem::take(&mut self.doc))
    }

    fn normalize_mapping(&mut self) -> R<()> {
        if self.purge_unknown && !self.allow_unknown.truthy() {
            let schema = self.schema.clone();
            self.doc.entries.retain(|(k, _)| schema.get(k).is_some());
        }
        // Check `readonly` before defaults are applied.
        for (field, rules) in self.schema.entries() {
            if self.doc.contains(&field) && rules.readonly == Some(true) {
                let v = self.doc.get(&field).cloned().unwrap_or(Bson::Null);
                self.validate_readonly(&rules, &field, &v);
            }
        }
        self.normalize_defaults();
        self.normalize_coerce()?;
        self.normalize_containers()?;
        self.is_normalized = true;
        Ok(())
    }

    fn normalize_defaults(&mut self) {
        let mut empty_fields = Vec::new();
        for (field, rules) in self.schema.entries() {
            let missing = match self.doc.get(&field) {
                None => true,
                Some(Bson::Null) => rules.nullable != Some(true),
                Some(_) => false,
            };
            if missing && rules.has(Rule::Default) {
                empty_fields.push((field, rules));
            }
        }
        for (field, rules) in empty_fields {
            // Eve's `_normalize_default`: never over a value the payload has, and on PATCH
            // not over a field the stored document has.
            if self.doc.contains(&field) {
                continue;
            }
            if self.is_update_operation
                && let (Some(p), Key::S(name)) = (self.ctx.persisted, &field)
                && p.contains_key(name)
            {
                continue;
            }
            if let Some(d) = &rules.default {
                self.doc.set(field, d.clone());
            }
        }
    }

    fn normalize_coerce(&mut self) -> R<()> {
        for field in self.doc.keys() {
            // A field's own `coerce`, else (even for a known field) `allow_unknown`'s.
            let own = self.rules_of(&field).and_then(|r| r.coerce.clone().map(|c| (c, r.nullable == Some(true))));
            let from_allow_unknown = own.is_none();
            let (coerce, nullable) = match own {
                Some(x) => x,
                None => match &self.allow_unknown {
                    AllowUnknown::Rules(r) => match &r.coerce {
                        Some(c) => (c.clone(), r.nullable == Some(true)),
                        None => continue,
                    },
                    AllowUnknown::Flag(_) => continue,
                },
            };
            let Some(value) = self.doc.get(&field).cloned() else { continue };
            let (procs, chain) = coerce;
            let mut result = value;
            for p in procs {
                match p.apply(&result) {
                    Ok(v) => result = v,
                    Err(msg) => {
                        if !(nullable && result == Bson::Null) {
                            if from_allow_unknown {
                                // Cerberus looks the failed rule up in the field's own rules
                                // to record the error: KeyError on the field or on 'coerce'.
                                return Err(Abort::Py(match self.rules_of(&field) {
                                    Some(_) => "'coerce'".into(),
                                    None => match &field {
                                        Key::S(s) => pyval::str_repr(s),
                                        Key::I(i) => i.to_string(),
                                    },
                                }));
                            }
                            self.error(&field, errors::COERCION_FAILED, Some(Rule::Coerce), vec![msg], Vec::new());
                        }
                    }
                }
                if chain && errors::tree_has(&self.errors, &self.here(&field), errors::COERCION_FAILED) {
                    break;
                }
            }
            self.doc.set(field, result);
        }
        Ok(())
    }

    fn normalize_containers(&mut self) -> R<()> {
        for field in self.doc.keys() {
            let rules = self.rules_of(&field);
            let has = |r: Rule| rules.as_ref().is_some_and(|x| x.has(r));
            let Some(value) = self.doc.get(&field).cloned() else { continue };
            match value {
                Bson::Document(d) => {
                    let mut mapping = Doc::from_document(d);
                    if has(Rule::Keysrules)
                        && let Some(kr) = rules.as_ref().and_then(|r| r.keysrules.clone())
                    {
                        mapping = self.normalize_keysrules(&field, mapping, kr)?;
                    }
                    if has(Rule::Valuesrules)
                        && let Some(vr) = rules.as_ref().and_then(|r| r.valuesrules.clone())
                    {
                        mapping = self.normalize_valuesrules(&field, mapping, vr)?;
                    }
                    if has(Rule::AllowUnknown)
                        || has(Rule::PurgeUnknown)
                        || has(Rule::Schema)
                        || matches!(self.allow_unknown, AllowUnknown::Rules(_))
                    {
                        match self.normalize_mapping_per_schema(&field, rules.clone(), mapping.clone()) {
                            Ok(m) => mapping = m,
                            Err(Abort::SchemaRuleType) => {}
                            Err(e) => return Err(e),
                        }
                    }
                    self.doc.set(field, Bson::Document(mapping.into_document()));
                }
                Bson::Array(items) => {
                    let Some(r) = rules else { continue };
                    let (rule, view) = if r.has(Rule::Schema) {
                        let Some(SubSchema::Rules(item_rules)) = &r.schema else { continue };
                        ("schema", View::list_items(items.len(), item_rules.clone()))
                    } else if r.has(Rule::Items)
                        && let Some(item_rules) = &r.items
                    {
                        if item_rules.len() != items.len() {
                            continue;
                        }
                        ("items", View::Items(Arc::new(item_rules.clone())))
                    } else {
                        continue;
                    };
                    let child = self.field_child(&field, rule, view);
                    let out = self.normalize_in(child, Doc::from_list(items), &[2])?;
                    self.doc.set(field, Bson::Array(out.into_values()));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Normalizes `doc` with `child` and records the child's errors, the schema-path items
    /// `drop` (relative to this validator's path) removed from them.
    fn normalize_in(&mut self, mut child: V<'a>, doc: Doc, drop: &[usize]) -> R<Doc> {
        let out = child.normalized(doc)?;
        let mut errs = std::mem::take(&mut child.errors);
        if !errs.is_empty() {
            errors::drop_spath_items(&mut errs, self.spath.len(), drop);
            self.bulk(errs);
        }
        Ok(out)
    }

    fn normalize_keysrules(&mut self, field: &Key, mut mapping: Doc, kr: Arc<Rules>) -> R<Doc> {
        let keys = mapping.keys();
        let doc = Doc::of_keys(&keys);
        let child = self.field_child(field, "keysrules", View::Uniform { keys: Arc::new(keys), rules: kr });
        let result = self.normalize_in(child, doc, &[2, 4])?;
        for (k, v) in result.entries {
            // Only renames to another string key can be stored in BSON.
            let Bson::String(new) = v else { continue };
            if Key::S(new.clone()) == k {
                continue;
            }
            let Some(val) = mapping.get(&k).cloned() else { continue };
            let new_key = Key::S(new);
            let replaces = mapping.contains(&new_key);
            mapping.set(new_key, val);
            if !replaces {
                mapping.remove(&k);
            }
        }
        Ok(mapping)
    }

    fn normalize_valuesrules(&mut self, field: &Key, mapping: Doc, vr: Arc<Rules>) -> R<Doc> {
        let view = View::Uniform { keys: Arc::new(mapping.keys()), rules: vr };
        let child = self.field_child(field, "valuesrules", view);
        self.normalize_in(child, mapping, &[2])
    }

    fn normalize_mapping_per_schema(&mut self, field: &Key, rules: Option<Arc<Rules>>, mapping: Doc) -> R<Doc> {
        let rules = match rules {
            Some(r) if !r.order.is_empty() => r,
            _ => match &self.allow_unknown {
                AllowUnknown::Rules(r) => r.clone(),
                AllowUnknown::Flag(_) => Arc::new(Rules::default()),
            },
        };
        let view = match &rules.schema {
            Some(SubSchema::Fields(f)) => View::Fields(f.clone()),
            None => View::Fields(Arc::new(FieldMap::default())),
            // A rule set given to a dict: Cerberus fails on it and skips this normalization.
            Some(SubSchema::Rules(_)) => return Err(Abort::SchemaRuleType),
        };
        let mut child = self.field_child(field, "schema", view);
        child.allow_unknown = rules.allow_unknown.clone().unwrap_or_else(|| self.allow_unknown.clone());
        child.purge_unknown = rules.purge_unknown.unwrap_or(self.purge_unknown);
        child.require_all = rules.require_all.unwrap_or(self.require_all);
        self.normalize_in(child, mapping, &[])
    }

    // ------------------------------------------------------------------ validation

    /// `validate(document, update=..., normalize=...)`; `Ok(true)` when no error was recorded.
    pub(crate) fn validate(&mut self, doc: Doc, update: bool, normalize: bool) -> R<bool> {
        self.update = update;
        self.unrequired_by_excludes.clear();
        self.errors.clear();
        self.doc = doc;
        if !self.is_child {
            self.is_normalized = false;
            self.root_document = None;
        }
        if normalize {
            self.normalize_mapping()?;
        }
        if !self.is_child {
            // Children read `^` dependency paths from the root document (Cerberus's
            // `root_document`, the root's normalized document).
            self.root_document = Some(Arc::new(self.doc.clone()));
        }
        for field in self.doc.keys() {
            match self.rules_of(&field) {
                Some(rules) => self.validate_definitions(rules, &field)?,
                None => self.validate_unknown(&field)?,
            }
        }
        if !update {
            self.validate_required()?;
        }
        Ok(self.errors.is_empty())
    }

    fn validate_unknown(&mut self, field: &Key) -> R<()> {
        if self.allow_unknown.truthy() {
            if let AllowUnknown::Rules(r) = &self.allow_unknown {
                let crumb = if self.is_child { "allow_unknown" } else { "__allow_unknown__" };
                let value = self.doc.get(field).cloned().unwrap_or(Bson::Null);
                let mut child = self.child(&[], &[Key::s(crumb)], View::Single(field.clone(), r.clone()));
                let doc = Doc { entries: vec![(field.clone(), value)] };
                if !child.validate(doc, false, false)? {
                    let errs = std::mem::take(&mut child.errors);
                    self.bulk(errs);
                }
            }
        } else {
            self.error(field, errors::UNKNOWN_FIELD, None, Vec::new(), Vec::new());
        }
        Ok(())
    }

    fn validate_definitions(&mut self, rules: Arc<Rules>, field: &Key) -> R<()> {
        let value = self.doc.get(field).cloned().unwrap_or(Bson::Null);
        let mut queue: Vec<Rule> = PRIORITY.iter().copied().filter(|r| rules.has(*r) || *r == Rule::Nullable).collect();
        for r in &rules.order {
            if !queue.contains(r)
                && !r.is_normalization()
                && !matches!(r, Rule::AllowUnknown | Rule::RequireAll | Rule::Meta | Rule::Required)
            {
                queue.push(*r);
            }
        }
        self.remaining = queue;
        while !self.remaining.is_empty() {
            let rule = self.remaining.remove(0);
            match self.validate_rule(rule, &rules, field, &value) {
                Ok(true) => break,
                Ok(false) => {}
                Err(Abort::SchemaRuleType) => break,
                Err(e) => return Err(e),
            }
        }
        self.remaining.clear();
        Ok(())
    }

    /// Runs one rule; `Ok(true)` stops the field's remaining rules.
    fn validate_rule(&mut self, rule: Rule, rules: &Arc<Rules>, field: &Key, value: &Bson) -> R<bool> {
        match rule {
            Rule::Nullable => {
                if *value == Bson::Null {
                    if rules.nullable != Some(true) {
                        self.error(field, errors::NOT_NULLABLE, Some(Rule::Nullable), Vec::new(), Vec::new());
                    }
                    self.drop_rules(&[
                        Rule::Allof,
                        Rule::Allowed,
                        Rule::Anyof,
                        Rule::Empty,
                        Rule::Forbidden,
                        Rule::Items,
                        Rule::Keysrules,
                        Rule::Min,
                        Rule::Max,
                        Rule::Minlength,
                        Rule::Maxlength,
                        Rule::Noneof,
                        Rule::Oneof,
                        Rule::Regex,
                        Rule::Schema,
                        Rule::Type,
                        Rule::Valuesrules,
                    ]);
                }
            }
            Rule::Readonly => self.validate_readonly(rules, field, value),
            Rule::Type => {
                if let Some(t) = &rules.type_
                    && !t.names.is_empty()
                    && !t.names.iter().any(|n| n.matches(value))
                {
                    self.error(field, errors::BAD_TYPE, Some(Rule::Type), Vec::new(), Vec::new());
                    self.remaining.clear();
                }
            }
            Rule::Empty => {
                if pyval::len(value) == Some(0) {
                    self.drop_rules(&[
                        Rule::Allowed,
                        Rule::Forbidden,
                        Rule::Items,
                        Rule::Minlength,
                        Rule::Maxlength,
                        Rule::Regex,
                    ]);
                    if rules.empty == Some(false) {
                        self.error(field, errors::EMPTY_NOT_ALLOWED, Some(Rule::Empty), Vec::new(), Vec::new());
                    }
                }
            }
            Rule::Allowed => {
                let allowed = rules.allowed.as_deref().unwrap_or(&[]);
                // a string is one value; another iterable is checked item by item
                let items = match value {
                    Bson::String(_) => None,
                    _ => pyval::iter_items(value),
                };
                match items {
                    Some(items) => {
                        let bad: Vec<Bson> = items.into_iter().filter(|x| !pyval::contains(allowed, x)).collect();
                        if !bad.is_empty() {
                            self.error(
                                field,
                                errors::UNALLOWED_VALUES,
                                Some(Rule::Allowed),
                                vec![pyval::tuple_repr(&bad)],
                                Vec::new(),
                            );
                        }
                    }
                    None => {
                        if !pyval::contains(allowed, value) {
                            self.error(field, errors::UNALLOWED_VALUE, Some(Rule::Allowed), Vec::new(), Vec::new());
                        }
                    }
                }
            }
            Rule::Contains => {
                let Some(items) = pyval::iter_items(value) else { return Ok(false) };
                let expected = pyval::dedup(rules.contains.as_deref().unwrap_or(&[]));
                if let Some(msg) = items.iter().find_map(pyval::unhashable) {
                    return Err(Abort::Py(msg));
                }
                let missing: Vec<Bson> = expected.into_iter().filter(|e| !pyval::contains(&items, e)).collect();
                if !missing.is_empty() {
                    self.error(
                        field,
                        errors::MISSING_MEMBERS,
                        Some(Rule::Contains),
                        vec![pyval::set_repr(&missing)],
                        Vec::new(),
                    );
                }
            }
            Rule::Dependencies => return self.validate_dependencies(rules, field),
            Rule::Excludes => self.validate_excludes(rules, field),
            Rule::Forbidden => {
                let forbidden = rules.forbidden.as_deref().unwrap_or(&[]);
                match value {
                    Bson::Array(items) => {
                        if let Some(msg) = items.iter().find_map(pyval::unhashable) {
                            return Err(Abort::Py(msg));
                        }
                        let hit: Vec<Bson> =
                            pyval::dedup(items).into_iter().filter(|x| pyval::contains(forbidden, x)).collect();
                        if !hit.is_empty() {
                            self.error(
                                field,
                                errors::FORBIDDEN_VALUES,
                                Some(Rule::Forbidden),
                                vec![pyval::list_repr(hit.iter())],
                                Vec::new(),
                            );
                        }
                    }
                    _ => {
                        if pyval::contains(forbidden, value) {
                            self.error(field, errors::FORBIDDEN_VALUE, Some(Rule::Forbidden), Vec::new(), Vec::new());
                        }
                    }
                }
            }
            Rule::Items => self.validate_items(rules, field, value)?,
            Rule::Anyof | Rule::Allof | Rule::Noneof | Rule::Oneof => self.validate_logical(rule, rules, field)?,
            Rule::Max => {
                if let Some(m) = &rules.max
                    && pyval::gt(value, m) == Some(true)
                {
                    self.error(field, errors::MAX_VALUE, Some(Rule::Max), Vec::new(), Vec::new());
                }
            }
            Rule::Min => {
                if let Some(m) = &rules.min
                    && pyval::lt(value, m) == Some(true)
                {
                    self.error(field, errors::MIN_VALUE, Some(Rule::Min), Vec::new(), Vec::new());
                }
            }
            Rule::Maxlength => {
                if let (Some(n), Some(max)) = (pyval::len(value), rules.maxlength)
                    && n as i64 > max
                {
                    self.error(field, errors::MAX_LENGTH, Some(Rule::Maxlength), vec![n.to_string()], Vec::new());
                }
            }
            Rule::Minlength => {
                if let (Some(n), Some(min)) = (pyval::len(value), rules.minlength)
                    && (n as i64) < min
                {
                    self.error(field, errors::MIN_LENGTH, Some(Rule::Minlength), vec![n.to_string()], Vec::new());
                }
            }
            Rule::Keysrules => {
                if let (Bson::Document(d), Some(kr)) = (value, &rules.keysrules) {
                    let keys: Vec<Key> = d.keys().map(|k| Key::S(k.clone())).collect();
                    let doc = Doc::of_keys(&keys);
                    let view = View::Uniform { keys: Arc::new(keys), rules: kr.clone() };
                    self.validate_group(Rule::Keysrules, field, view, doc)?;
                }
            }
            Rule::Valuesrules => {
                if let (Bson::Document(d), Some(vr)) = (value, &rules.valuesrules) {
                    let keys: Vec<Key> = d.keys().map(|k| Key::S(k.clone())).collect();
                    let view = View::Uniform { keys: Arc::new(keys), rules: vr.clone() };
                    self.validate_group(Rule::Valuesrules, field, view, Doc::from_document(d.clone()))?;
                }
            }
            Rule::Regex => {
                if let (Bson::String(s), Some((_, re))) = (value, &rules.regex)
                    && !re.is_match(s)
                {
                    self.error(field, errors::REGEX_MISMATCH, Some(Rule::Regex), Vec::new(), Vec::new());
                }
            }
            Rule::Schema => self.validate_schema(rules, field, value)?,
            Rule::Unique | Rule::UniqueToUser | Rule::UniqueWithinResource => {
                let (on, scope) = match rule {
                    Rule::Unique => (rules.unique, UniqueScope::Resource),
                    Rule::UniqueToUser => (rules.unique_to_user, UniqueScope::User),
                    _ => (rules.unique_within_resource, UniqueScope::WithinResourceFilter),
                };
                if on == Some(true) {
                    self.check_unique(scope, field, value)?;
                }
            }
            Rule::DataRelation => self.validate_data_relation(rules, field, value)?,
            // Rules never queued, and Eve's no-op `versioned`.
            Rule::AllowUnknown
            | Rule::Coerce
            | Rule::Default
            | Rule::Meta
            | Rule::PurgeUnknown
            | Rule::RequireAll
            | Rule::Required
            | Rule::Versioned => {}
        }
        Ok(false)
    }

    /// Eve's `_validate_readonly` (no error when the value equals the stored one) over
    /// Cerberus's (an error only before normalization marked the document normalized; a
    /// field already failed as read-only skips its remaining rules).
    fn validate_readonly(&mut self, rules: &Rules, field: &Key, value: &Bson) {
        let persisted_value = match (self.ctx.persisted, field) {
            (Some(p), Key::S(name)) if !p.is_empty() => p.get(name).cloned().unwrap_or(Bson::Null),
            _ => Bson::Null,
        };
        if pyval::eq(value, &persisted_value) {
            return;
        }
        if rules.readonly == Some(true) {
            if !self.is_normalized {
                self.error(field, errors::READONLY_FIELD, Some(Rule::Readonly), Vec::new(), Vec::new());
            }
            let has_error = errors::tree_has(&self.errors, &self.here(field), errors::READONLY_FIELD);
            if self.is_normalized && has_error {
                self.remaining.clear();
            }
        }
    }

    /// `_lookup_field(path)`: the value a dependency path points at, if present.
    fn lookup_field(&self, path: &str) -> R<Option<Bson>> {
        let (path, use_root) = match path.strip_prefix('^') {
            Some(rest) => (rest, !rest.starts_with('^')),
            None => (path, false),
        };
        let base: &Doc = if use_root {
            match &self.root_document {
                Some(d) => d,
                None => &self.doc,
            }
        } else {
            &self.doc
        };
        let mut current: Option<Bson> = None;
        for part in path.split('.') {
            let next = match &current {
                None => match base.get(&Key::s(part)) {
                    Some(v) => v.clone(),
                    None => return Ok(None),
                },
                Some(Bson::Document(d)) => match d.get(part) {
                    Some(v) => v.clone(),
                    None => return Ok(None),
                },
                Some(Bson::String(s)) => {
                    if !s.contains(part) {
                        return Ok(None);
                    }
                    return Err(Abort::Py("'str' object has no attribute 'get'".into()));
                }
                Some(Bson::Array(a)) => {
                    if !pyval::contains(a, &Bson::String(part.to_string())) {
                        return Ok(None);
                    }
                    return Err(Abort::Py("'list' object has no attribute 'get'".into()));
                }
                Some(other) => {
                    return Err(Abort::Py(format!("argument of type '{}' is not iterable", pyval::type_name(other))));
                }
            };
            current = Some(next);
        }
        Ok(current)
    }

    fn validate_dependencies(&mut self, rules: &Arc<Rules>, field: &Key) -> R<bool> {
        let Some(deps) = rules.dependencies.clone() else { return Ok(false) };
        // Eve: dependencies satisfied by the stored document (PATCH/PUT) are checked by
        // validating the payload merged with those stored fields.
        let candidates: Vec<String> = match &deps {
            Deps::Seq { names, from_string: true } => {
                names.iter().flat_map(|n| n.chars().map(|c| c.to_string())).collect()
            }
            Deps::Seq { names, .. } => names.clone(),
            Deps::Map { entries, .. } => entries.iter().map(|(k, _)| k.clone()).collect(),
        };
        let persisted: Vec<String> = match self.ctx.persisted {
            Some(p) if !p.is_empty() => {
                candidates.into_iter().filter(|f| !self.doc.contains(&Key::s(f)) && p.contains_key(f)).collect()
            }
            _ => Vec::new(),
        };
        if let (false, Some(p)) = (persisted.is_empty(), self.ctx.persisted) {
            let mut dcopy = self.doc.clone();
            for f in &persisted {
                dcopy.set(Key::s(f), p.get(f).cloned().unwrap_or(Bson::Null));
            }
            let mut child = self.child(&[], &[], self.schema.clone());
            child.validate(dcopy, self.update, true)?;
            let errs = std::mem::take(&mut child.errors);
            self.bulk(errs);
            return Ok(false);
        }
        match &deps {
            Deps::Seq { names, .. } => {
                for d in names {
                    if self.lookup_field(d)?.is_none() {
                        self.error(
                            field,
                            errors::DEPENDENCIES_FIELD,
                            Some(Rule::Dependencies),
                            vec![d.clone()],
                            Vec::new(),
                        );
                    }
                }
            }
            Deps::Map { entries, .. } => {
                let mut ok = 0;
                for (name, values) in entries {
                    let wanted = self.lookup_field(name)?.unwrap_or(Bson::Null);
                    if pyval::contains(values, &wanted) {
                        ok += 1;
                    }
                }
                if ok != entries.len() {
                    self.error(
                        field,
                        errors::DEPENDENCIES_FIELD_VALUE,
                        Some(Rule::Dependencies),
                        Vec::new(),
                        Vec::new(),
                    );
                }
            }
        }
        let mut probe = self.spath.clone();
        probe.push(field.clone());
        probe.push(Key::s("dependencies"));
        Ok(errors::tree_has_node(&self.errors, &probe))
    }

    fn is_required(&self, rules: &Rules) -> bool {
        rules.required.unwrap_or(self.require_all)
    }

    fn validate_excludes(&mut self, rules: &Arc<Rules>, field: &Key) {
        let excluded = rules.excludes.clone().unwrap_or_default();
        if self.is_required(rules) && !self.unrequired_by_excludes.contains(field) {
            self.unrequired_by_excludes.push(field.clone());
        }
        for ex in &excluded {
            let k = Key::s(ex);
            if self.schema.get(&k).is_some() && self.is_required(rules) && !self.unrequired_by_excludes.contains(&k) {
                self.unrequired_by_excludes.push(k);
            }
        }
        if excluded.iter().any(|ex| self.doc.contains(&Key::s(ex))) {
            let text = excluded.iter().map(|e| format!("'{e}'")).collect::<Vec<_>>().join(", ");
            self.error(field, errors::EXCLUDES_FIELD, Some(Rule::Excludes), vec![text], Vec::new());
        }
    }

    fn validate_required(&mut self) -> R<()> {
        let mut missing = Vec::new();
        for (field, rules) in self.schema.entries() {
            let required = rules.required.unwrap_or(self.require_all);
            if required && !self.unrequired_by_excludes.contains(&field) && !self.doc.contains(&field) {
                missing.push(field);
            }
        }
        for field in missing {
            self.error(&field, errors::REQUIRED_FIELD, Some(Rule::Required), Vec::new(), Vec::new());
        }
        if !self.unrequired_by_excludes.is_empty() {
            let present: Vec<Key> =
                self.doc.entries.iter().filter(|(_, v)| *v != Bson::Null).map(|(k, _)| k.clone()).collect();
            if !self.unrequired_by_excludes.iter().any(|k| present.contains(k)) {
                for k in self.unrequired_by_excludes.clone() {
                    if !present.contains(&k) {
                        self.error(&k, errors::REQUIRED_FIELD, Some(Rule::Required), Vec::new(), Vec::new());
                    }
                }
            }
        }
        Ok(())
    }

    fn validate_items(&mut self, rules: &Arc<Rules>, field: &Key, value: &Bson) -> R<()> {
        let Some(items) = &rules.items else { return Ok(()) };
        let values: Vec<Bson> = match value {
            Bson::Array(a) => a.clone(),
            Bson::String(_) | Bson::Document(_) | Bson::Binary(_) => pyval::iter_items(value).unwrap_or_default(),
            other => return Err(Abort::Py(format!("object of type '{}' has no len()", pyval::type_name(other)))),
        };
        if items.len() != values.len() {
            self.error(
                field,
                errors::ITEMS_LENGTH,
                Some(Rule::Items),
                vec![items.len().to_string(), values.len().to_string()],
                Vec::new(),
            );
            return Ok(());
        }
        self.validate_group(Rule::Items, field, View::Items(Arc::new(items.clone())), Doc::from_list(values))
    }

    /// Validates `doc` (the value of `field` as a dict) with a child validator for `rule`:
    /// `items`, `keysrules`, `valuesrules` or the `schema` of a list. Errors found are
    /// recorded under the rule's group error, with Cerberus's schema-path adjustments.
    fn validate_group(&mut self, rule: Rule, field: &Key, view: View, doc: Doc) -> R<()> {
        let (code, drop, update): (u8, &[usize], bool) = match rule {
            Rule::Items => (errors::BAD_ITEMS, &[], self.update),
            Rule::Keysrules => (errors::KEYSRULES, &[2, 4], false),
            Rule::Valuesrules => (errors::VALUESRULES, &[2], self.update),
            _ => (errors::SEQUENCE_SCHEMA, &[2], self.update),
        };
        let mut child = self.field_child(field, rule.name(), view);
        if !child.validate(doc, update, false)? {
            let mut errs = std::mem::take(&mut child.errors);
            errors::drop_spath_items(&mut errs, self.spath.len(), drop);
            self.error(field, code, Some(rule), Vec::new(), errs);
        }
        Ok(())
    }

    fn validate_logical(&mut self, op: Rule, rules: &Arc<Rules>, field: &Key) -> R<()> {
        let defs = match op {
            Rule::Anyof => rules.anyof.clone(),
            Rule::Allof => rules.allof.clone(),
            Rule::Noneof => rules.noneof.clone(),
            _ => rules.oneof.clone(),
        }
        .unwrap_or_default();
        let mut valid = 0usize;
        let mut errs: Vec<VError> = Vec::new();
        for (i, def) in defs.iter().enumerate() {
            let mut merged: Rules = def.as_ref().clone();
            if !merged.has(Rule::AllowUnknown) && rules.has(Rule::AllowUnknown) {
                merged.allow_unknown = rules.allow_unknown.clone();
                merged.order.push(Rule::AllowUnknown);
            }
            if !merged.has(Rule::Type) && rules.has(Rule::Type) {
                merged.type_ = rules.type_.clone();
                merged.order.push(Rule::Type);
            }
            if !merged.has(Rule::AllowUnknown) {
                merged.allow_unknown = Some(self.allow_unknown.clone());
                merged.order.push(Rule::AllowUnknown);
            }
            let view = View::Single(field.clone(), Arc::new(merged));
            let mut child = self.child(&[], &[field.clone(), Key::s(op.name()), Key::I(i)], view);
            child.allow_unknown = AllowUnknown::Flag(true);
            if child.validate(self.doc.clone(), self.update, false)? {
                valid += 1;
            } else {
                let mut ce = std::mem::take(&mut child.errors);
                errors::drop_spath_items(&mut ce, self.spath.len(), &[3]);
                errs.extend(ce);
            }
        }
        let n = defs.len();
        let code = match op {
            Rule::Anyof if valid < 1 => Some(errors::ANYOF),
            Rule::Allof if valid < n => Some(errors::ALLOF),
            Rule::Noneof if valid > 0 => Some(errors::NONEOF),
            Rule::Oneof if valid != 1 => Some(errors::ONEOF),
            _ => None,
        };
        if let Some(code) = code {
            self.error(field, code, Some(op), vec![valid.to_string(), n.to_string()], errs);
        }
        Ok(())
    }

    fn validate_schema(&mut self, rules: &Arc<Rules>, field: &Key, value: &Bson) -> R<()> {
        let Some(sub) = &rules.schema else { return Ok(()) };
        match (value, sub) {
            (Bson::Array(items), SubSchema::Rules(item_rules)) => {
                let view = View::list_items(items.len(), item_rules.clone());
                self.validate_group(Rule::Schema, field, view, Doc::from_list(items.clone()))?;
            }
            (Bson::Array(items), SubSchema::Fields(f))
                // Cerberus uses the mapping of fields as the rule set of every item: its
                // field names are looked up as rule names, which fails.
                if !items.is_empty() => {
                    let name = f.fields.first().map(|(k, _)| k.clone()).unwrap_or_default();
                    return Err(Abort::Py(format!("There's no handler for '{name}' in the 'validate' domain.")));
                }
            (Bson::Document(d), SubSchema::Fields(f)) => {
                let mut child = self.field_child(field, "schema", View::Fields(f.clone()));
                child.allow_unknown = rules.allow_unknown.clone().unwrap_or_else(|| self.allow_unknown.clone());
                child.require_all = rules.require_all.unwrap_or(self.require_all);
                match child.validate(Doc::from_document(d.clone()), self.update, false) {
                    Ok(true) => {}
                    Ok(false) => {
                        let errs = std::mem::take(&mut child.errors);
                        self.error(field, errors::MAPPING_SCHEMA, Some(Rule::Schema), Vec::new(), errs);
                    }
                    Err(Abort::SchemaRuleType) => {
                        self.error(field, errors::BAD_TYPE_FOR_SCHEMA, Some(Rule::Schema), Vec::new(), Vec::new());
                        return Err(Abort::SchemaRuleType);
                    }
                    Err(e) => return Err(e),
                }
            }
            (Bson::Document(_), SubSchema::Rules(_)) => {
                // A rule set given to a dict (Cerberus: `_SchemaRuleTypeError`).
                self.error(field, errors::BAD_TYPE_FOR_SCHEMA, Some(Rule::Schema), Vec::new(), Vec::new());
                return Err(Abort::SchemaRuleType);
            }
            _ => {}
        }
        Ok(())
    }

    /// Eve's `_is_value_unique`: the dotted path of the field in the stored documents
    /// (list indices skipped), then a lookup excluding the current document.
    fn check_unique(&mut self, scope: UniqueScope, field: &Key, value: &Bson) -> R<()> {
        enum Node {
            Fields(Arc<FieldMap>),
            Rules(Arc<Rules>),
        }
        let key_error = |k: &Key| match k {
            Key::S(s) => Abort::Py(pyval::str_repr(s)),
            Key::I(i) => Abort::Py(i.to_string()),
        };
        let mut node = Node::Fields(self.ctx.root.clone());
        let mut parts: Vec<String> = Vec::new();
        for p in self.dpath.iter().chain(std::iter::once(field)) {
            node = match node {
                Node::Fields(f) => match p {
                    Key::S(s) => match f.get(s) {
                        Some(r) => {
                            parts.push(s.clone());
                            Node::Rules(r.clone())
                        }
                        None => return Err(key_error(p)),
                    },
                    Key::I(_) => return Err(key_error(p)),
                },
                Node::Rules(r) => {
                    let t =
                        r.type_.as_ref().filter(|t| !t.text.starts_with('[')).and_then(|t| t.names.first().copied());
                    match t {
                        Some(super::schema::TypeName::Dict) => match (&r.schema, p) {
                            (Some(SubSchema::Fields(f)), Key::S(s)) => match f.get(s) {
                                Some(x) => {
                                    parts.push(s.clone());
                                    Node::Rules(x.clone())
                                }
                                None => return Err(key_error(p)),
                            },
                            (None, _) => return Err(Abort::Py("'schema'".into())),
                            _ => return Err(key_error(p)),
                        },
                        Some(super::schema::TypeName::List) => match &r.schema {
                            Some(SubSchema::Rules(x)) => Node::Rules(x.clone()),
                            Some(SubSchema::Fields(f)) => Node::Fields(f.clone()),
                            None => return Err(Abort::Py("'schema'".into())),
                        },
                        _ => return Err(key_error(p)),
                    }
                }
            };
        }
        let path = parts.join(".");
        let q = UniqueQuery {
            field_path: &path,
            value,
            exclude_id: self.ctx.document_id.as_ref().filter(|id| pyval::truthy(id)),
            scope,
        };
        let taken = self.ctx.lookups.is_taken(&q).map_err(Abort::Lookup)?;
        if taken {
            self.custom(field, format!("value '{}' is not unique", pyval::str(value)));
        }
        Ok(())
    }

    /// Eve's `_validate_data_relation` (non-versioned).
    fn validate_data_relation(&mut self, rules: &Arc<Rules>, field: &Key, value: &Bson) -> R<()> {
        let Some(dr) = &rules.data_relation else { return Ok(()) };
        if !pyval::truthy(value) && rules.nullable == Some(true) {
            return Ok(());
        }
        let items: Vec<Bson> = match value {
            Bson::Array(a) => a.clone(),
            other => vec![other.clone()],
        };
        for item in items {
            let id = match &item {
                Bson::Document(d) if super::schema::is_dbref(&item) => d.get("$id").cloned().unwrap_or(Bson::Null),
                other => other.clone(),
            };
            let exists = self.ctx.lookups.exists(&dr.resource, &dr.field, &id).map_err(Abort::Lookup)?;
            if !exists {
                self.custom(
                    field,
                    format!(
                        "value '{}' must exist in resource '{}', field '{}'.",
                        pyval::str(&id),
                        dr.resource,
                        dr.field
                    ),
                );
            }
        }
        Ok(())
    }
}
