"""Generate vectors.json: Eve 2.3.1 / Cerberus 1.3.8 validation outcomes, taken from real Eve.

Usage: $HOME/.cache/enma-eve-venv/bin/python gen_vectors.py [OUT]   (default: vectors.json beside this file)

Every case is a real request through Eve's test client (app.test_client()) against the
MongoDB stand-in (/work/shared/tools/mongodb/mongo_standin.py, started here on a free
loopback port and stopped at the end). The resource schema, payload, stored original
(PATCH/PUT) and fixtures (for `unique` / `data_relation`) of each case are written to the
vectors file together with what Eve answered:

  {"ok": true, "normalized": <canonical extended JSON of validator.document>, "normalized_keys": [...]}
  {"issues": <the `_issues` value of the 422 response>}
  {"exception": "<str(e)>"}   (Eve caught a Python exception from Cerberus; POST puts it in
                              `_issues: {"exception": ...}`, PATCH/PUT answer 400)

`validator.document` is recorded by a Validator subclass that wraps validate/validate_update/
validate_replace; it changes nothing else. `coerce` is written in the schema as a name
("int", "float", "str", "bool", "lower", "upper", "strip") and mapped here to the Python
callable (int, float, str, bool, str.lower, str.upper, str.strip).
"""

import copy
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import warnings

warnings.simplefilter("ignore")

from bson import ObjectId, json_util  # noqa: E402
from bson.json_util import CANONICAL_JSON_OPTIONS  # noqa: E402
import pymongo  # noqa: E402

from eve import Eve  # noqa: E402
from eve.io.mongo.validation import Validator as EveValidator  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
STANDIN = "/work/shared/tools/mongodb/mongo_standin.py"
COERCERS = {"int": int, "float": float, "str": str, "bool": bool,
            "lower": str.lower, "upper": str.upper, "strip": str.strip}

OID1 = "5f0000000000000000000001"   # the stored original of PATCH/PUT cases
A1 = "5f00000000000000000000a1"     # authors fixtures
A2 = "5f00000000000000000000a2"
MISSING = "5f00000000000000000000ff"
RFC = "Tue, 08 Dec 2026 01:35:40 GMT"

GLOBAL_FIXTURES = {
    "authors": [
        {"_id": {"$oid": A1}, "name": "Ann", "code": 1},
        {"_id": {"$oid": A2}, "name": "Bob", "code": 2},
    ],
}

CASES = []


def case(name, schema, doc, mode="POST", original=None, fixtures=None,
         allow_unknown=False, as_list=False, normalize_on_patch=True):
    CASES.append({
        "name": name, "schema": schema, "mode": mode, "document": doc,
        # The same as JSON text: key order is part of Eve's behaviour, and readers that
        # sort object keys (serde_json without preserve_order) would lose it.
        "schema_json": json.dumps(schema), "document_json": json.dumps(doc),
        "original": original, "fixtures": fixtures or [],
        "allow_unknown": allow_unknown, "as_list": as_list,
        "normalize_on_patch": normalize_on_patch,
    })


def orig(**fields):
    """A stored original (extended JSON) with Eve's meta fields."""
    d = {"_id": {"$oid": OID1},
         "_created": {"$date": "2026-01-01T00:00:00Z"},
         "_updated": {"$date": "2026-01-01T00:00:00Z"},
         "_etag": "e0"}
    d.update(fields)
    return d


# ---------------------------------------------------------------- types
S = {"type": "string"}
case("type string ok", {"a": S}, {"a": "x"})
case("type string bad", {"a": S}, {"a": 1})
case("type string list value", {"a": S}, {"a": ["x"]})
case("type integer ok", {"a": {"type": "integer"}}, {"a": 5})
case("type integer from string", {"a": {"type": "integer"}}, {"a": "12"})
case("type integer string ws", {"a": {"type": "integer"}}, {"a": " -7 "})
case("type integer bad string", {"a": {"type": "integer"}}, {"a": "abc"})
case("type integer float truncated", {"a": {"type": "integer"}}, {"a": 3.7})
case("type integer bool", {"a": {"type": "integer"}}, {"a": True})
case("type integer list", {"a": {"type": "integer"}}, {"a": [1]})
case("type integer big", {"a": {"type": "integer"}}, {"a": 3000000000})
case("type float ok", {"a": {"type": "float"}}, {"a": 1.5})
case("type float from int", {"a": {"type": "float"}}, {"a": 5})
case("type float from string", {"a": {"type": "float"}}, {"a": "2.25"})
case("type float bad string", {"a": {"type": "float"}}, {"a": "x1"})
case("type float exp string", {"a": {"type": "float"}}, {"a": "1e3"})
case("type number int", {"a": {"type": "number"}}, {"a": 3})
case("type number float", {"a": {"type": "number"}}, {"a": 3.5})
case("type number string json", {"a": {"type": "number"}}, {"a": "42"})
case("type number string bool", {"a": {"type": "number"}}, {"a": "true"})
case("type number bool", {"a": {"type": "number"}}, {"a": False})
case("type number bad string", {"a": {"type": "number"}}, {"a": "4x"})
case("type boolean ok", {"a": {"type": "boolean"}}, {"a": True})
case("type boolean string true", {"a": {"type": "boolean"}}, {"a": "TRUE"})
case("type boolean int 0", {"a": {"type": "boolean"}}, {"a": 0})
case("type boolean string yes", {"a": {"type": "boolean"}}, {"a": "yes"})
case("type boolean float", {"a": {"type": "boolean"}}, {"a": 1.0})
case("type datetime rfc1123", {"a": {"type": "datetime"}}, {"a": RFC})
case("type datetime lowercase short day", {"a": {"type": "datetime"}}, {"a": "mon, 8 dec 2026 1:35:40 gmt"})
case("type datetime bad", {"a": {"type": "datetime"}}, {"a": "2026-12-08"})
case("type datetime empty string", {"a": {"type": "datetime"}}, {"a": ""})
case("type datetime int", {"a": {"type": "datetime"}}, {"a": 1700000000})
case("type datetime feb 30", {"a": {"type": "datetime"}}, {"a": "Mon, 30 Feb 2026 01:00:00 GMT"})
case("type dict ok", {"a": {"type": "dict"}}, {"a": {"x": 1}})
case("type dict bad", {"a": {"type": "dict"}}, {"a": "x"})
case("type list ok", {"a": {"type": "list"}}, {"a": [1, "x"]})
case("type list bad string", {"a": {"type": "list"}}, {"a": "abc"})
case("type objectid ok", {"a": {"type": "objectid"}}, {"a": A1})
case("type objectid bad", {"a": {"type": "objectid"}}, {"a": "123"})
case("type objectid empty", {"a": {"type": "objectid"}}, {"a": ""})
case("type objectid int", {"a": {"type": "objectid"}}, {"a": 5})
case("type decimal string", {"a": {"type": "decimal"}}, {"a": "1.50"})
case("type decimal number", {"a": {"type": "decimal"}}, {"a": 0.1})
case("type decimal int", {"a": {"type": "decimal"}}, {"a": 7})
case("type decimal bad aborts later fields", {"a": {"type": "decimal"}, "b": {"type": "datetime"}},
     {"a": "abc", "b": RFC})
case("type decimal bad after converted field", {"b": {"type": "datetime"}, "a": {"type": "decimal"}},
     {"b": RFC, "a": "abc"})
case("type dbref col", {"a": {"type": "dbref"}}, {"a": {"$col": "authors", "$id": 1}})
case("type dbref ref db", {"a": {"type": "dbref"}}, {"a": {"$ref": "authors", "$id": "x", "$db": "d"}})
case("type dbref bad", {"a": {"type": "dbref"}}, {"a": {"$id": 1}})
case("type dbref string", {"a": {"type": "dbref"}}, {"a": "authors"})
case("type media json", {"a": {"type": "media"}}, {"a": "file"})
case("type list of types", {"a": {"type": ["string", "integer"]}}, {"a": 1.5})
case("type list of types int string", {"a": {"type": ["integer", "string"]}}, {"a": "12"})
case("type binary", {"a": {"type": "binary"}}, {"a": "x"})
case("type date", {"a": {"type": "date"}}, {"a": RFC})
case("type container", {"a": {"type": "container"}}, {"a": "abc"})
case("null not nullable", {"a": S}, {"a": None})
case("null nullable", {"a": {"type": "string", "nullable": True}}, {"a": None})
case("null no type", {"a": {"minlength": 2}}, {"a": None})

# ---------------------------------------------------------------- required / unknown / meta
case("required missing", {"a": {"type": "string", "required": True}, "b": S}, {"b": "x"})
case("required many missing", {"z": {"required": True}, "a": {"required": True}, "m": {"required": True}}, {})
case("required present null", {"a": {"type": "string", "required": True}}, {"a": None})
case("unknown field", {"a": S}, {"a": "x", "zz": 1, "b": 2})
case("allow_unknown resource", {"a": S}, {"a": "x", "zz": 1}, allow_unknown=True)
case("allow_unknown nested inherits", {"a": {"type": "dict", "schema": {"b": S}}}, {"a": {"b": "x", "c": 1}},
     allow_unknown=True)
case("allow_unknown field level", {"a": {"type": "dict", "allow_unknown": True, "schema": {"b": S}}},
     {"a": {"b": "x", "c": 1}, "d": 1})
case("meta fields", {"a": S}, {"a": "x", "_created": RFC, "_etag": "x", "_updated": RFC})
case("client _id valid", {"a": S}, {"_id": A1, "a": "x"})
case("client _id invalid", {"a": S}, {"_id": "nope", "a": "x"})
case("empty doc", {"a": S}, {})

# ---------------------------------------------------------------- nullable / empty / default
case("empty string not allowed", {"a": {"type": "string", "empty": False}}, {"a": ""})
case("empty list not allowed", {"a": {"type": "list", "empty": False}}, {"a": []})
case("empty dict not allowed", {"a": {"type": "dict", "empty": False}}, {"a": {}})
case("empty drops minlength", {"a": {"type": "string", "empty": True, "minlength": 3}}, {"a": ""})
case("no empty rule minlength", {"a": {"type": "string", "minlength": 3}}, {"a": ""})
case("default applied", {"a": S, "b": {"type": "integer", "default": 5}, "c": {"default": "x"}}, {"a": "q"})
case("default not over value", {"b": {"type": "integer", "default": 5}}, {"b": 7})
case("default null non nullable", {"b": {"type": "integer", "default": 5}}, {"b": None})
case("default None nullable", {"b": {"type": "integer", "default": None, "nullable": True}}, {})
case("default list and dict", {"b": {"type": "list", "default": [1, 2]}, "c": {"type": "dict", "default": {"k": "v"}}}, {})
case("default nested", {"s": {"type": "dict", "schema": {"x": {"type": "integer", "default": 1}, "y": S}}},
     {"s": {"y": "a"}})
case("default nested list of dicts", {"l": {"type": "list", "schema": {"type": "dict", "schema": {
    "x": {"type": "integer", "default": 1}}}}}, {"l": [{}, {"x": 3}]})
case("default float not converted", {"f": {"type": "float", "default": 1}}, {})
case("patch default skipped when persisted", {"a": S, "b": {"type": "integer", "default": 5}}, {"a": "x"},
     mode="PATCH", original=orig(a="o", b=9))
case("patch default applied when absent", {"a": S, "b": {"type": "integer", "default": 5}}, {"a": "x"},
     mode="PATCH", original=orig(a="o"))
case("put default applied", {"a": S, "b": {"type": "integer", "default": 5}}, {"a": "x"},
     mode="PUT", original=orig(a="o", b=9))
case("patch nested default", {"s": {"type": "dict", "schema": {"x": {"type": "integer", "default": 1}, "y": S}}},
     {"s": {"y": "n"}}, mode="PATCH", original=orig(s={"x": 4, "y": "o"}))

# ---------------------------------------------------------------- min / max / length
case("min int", {"a": {"type": "integer", "min": 0}}, {"a": -1})
case("max int", {"a": {"type": "integer", "max": 10}}, {"a": 11})
case("min float constraint", {"a": {"type": "float", "min": 0.5}}, {"a": 0.25})
case("max float value int constraint", {"a": {"type": "number", "max": 1}}, {"a": 1.5})
case("min max ok", {"a": {"type": "integer", "min": 0, "max": 10}}, {"a": 10})
case("min string vs int skipped", {"a": {"min": 5}}, {"a": "abc"})
case("min string constraint", {"a": {"type": "string", "min": "m"}}, {"a": "abc"})
case("max on list", {"a": {"max": [1, 2]}}, {"a": [1, 3]})
case("minlength string", {"a": {"type": "string", "minlength": 3}}, {"a": "ab"})
case("maxlength string unicode", {"a": {"type": "string", "maxlength": 3}}, {"a": "h\u00e9llo"})
case("maxlength unicode ok", {"a": {"type": "string", "maxlength": 3}}, {"a": "\u00e9\u00e9\u00e9"})
case("minlength list", {"a": {"type": "list", "minlength": 2}}, {"a": [1]})
case("maxlength dict", {"a": {"type": "dict", "maxlength": 1}}, {"a": {"x": 1, "y": 2}})
case("min and type error", {"a": {"type": "integer", "min": 0}}, {"a": "x"})
case("many errors one field", {"a": {"type": "string", "minlength": 5, "regex": "[0-9]+", "allowed": ["zz"]}},
     {"a": "ab"})

# ---------------------------------------------------------------- allowed / forbidden / contains / regex
case("allowed scalar", {"a": {"type": "string", "allowed": ["x", "y"]}}, {"a": "z"})
case("allowed int", {"a": {"type": "integer", "allowed": [1, 2]}}, {"a": 3})
case("allowed int float equal", {"a": {"allowed": [1, 2]}}, {"a": 1.0})
case("allowed list", {"a": {"type": "list", "allowed": ["x", "y"]}}, {"a": ["x", "q", "r"]})
case("allowed list single", {"a": {"type": "list", "allowed": ["x", "y"]}}, {"a": ["q"]})
case("allowed bool", {"a": {"allowed": [True]}}, {"a": False})
case("allowed float value", {"a": {"allowed": [1]}}, {"a": 2.5})
case("forbidden scalar", {"a": {"type": "string", "forbidden": ["root"]}}, {"a": "root"})
case("forbidden list one", {"a": {"type": "list", "forbidden": ["x", "y"]}}, {"a": ["x", "z"]})
case("forbidden ok", {"a": {"type": "string", "forbidden": ["root"]}}, {"a": "user"})
case("contains missing", {"a": {"type": "list", "contains": "x"}}, {"a": ["y"]})
case("contains list missing one", {"a": {"type": "list", "contains": ["x", "y"]}}, {"a": ["y"]})
case("contains ok", {"a": {"type": "list", "contains": ["x"]}}, {"a": ["x", "y"]})
case("contains unhashable", {"a": {"type": "list", "contains": ["x"]}}, {"a": [{"k": 1}]})
case("regex mismatch", {"a": {"type": "string", "regex": "^[a-z]+$"}}, {"a": "abc1"})
case("regex implicit end anchor", {"a": {"type": "string", "regex": "[a-z]+"}}, {"a": "abc1"})
case("regex start anchor implicit", {"a": {"type": "string", "regex": "[0-9]+"}}, {"a": "x12"})
case("regex ok", {"a": {"type": "string", "regex": "[a-z]+"}}, {"a": "abc"})
case("regex trailing newline", {"a": {"type": "string", "regex": "[a-z]+"}}, {"a": "abc\n"})
case("regex non string skipped", {"a": {"regex": "[a-z]+"}}, {"a": 5})
case("regex email", {"e": {"type": "string", "regex": r"^\S+@\S+\.\S+$"}}, {"e": "not an email"})

# ---------------------------------------------------------------- dependencies / excludes
case("dependencies list missing", {"a": {"dependencies": ["b", "c"]}, "b": {}, "c": {}}, {"a": 1, "c": 2})
case("dependencies string", {"a": {"dependencies": "b"}, "b": {}}, {"a": 1})
case("dependencies ok", {"a": {"dependencies": "b"}, "b": {}}, {"a": 1, "b": None})
case("dependencies dict value", {"a": {"dependencies": {"b": "x"}}, "b": {}}, {"a": 1, "b": "y"})
case("dependencies dict list values", {"a": {"dependencies": {"b": ["x", "y"], "c": 1}}, "b": {}, "c": {}},
     {"a": 1, "b": "y"})
case("dependencies dict ok", {"a": {"dependencies": {"b": ["x", "y"]}}, "b": {}}, {"a": 1, "b": "y"})
case("dependencies dotted", {"a": {"dependencies": "s.x"}, "s": {"type": "dict", "schema": {"x": {}, "y": {}}}},
     {"a": 1, "s": {"y": 1}})
case("dependencies root caret", {"s": {"type": "dict", "schema": {"x": {"dependencies": "^b"}}}, "b": {}},
     {"s": {"x": 1}})
case("dependencies default satisfies", {"a": {"dependencies": "b"}, "b": {"default": 1}}, {"a": 1})
case("patch dependencies persisted", {"a": {"dependencies": "b"}, "b": {}}, {"a": 1}, mode="PATCH",
     original=orig(b=2))
case("patch dependencies persisted dup errors", {"a": {"dependencies": "b"}, "b": {},
                                                 "c": {"type": "integer", "min": 0}},
     {"a": 1, "c": -1}, mode="PATCH", original=orig(b=2))
case("patch dependencies not persisted", {"a": {"dependencies": ["b"]}, "b": {}}, {"a": 1}, mode="PATCH",
     original=orig())
case("excludes present", {"a": {"excludes": "b"}, "b": {}}, {"a": 1, "b": 2})
case("excludes list", {"a": {"excludes": ["b", "c"]}, "b": {}, "c": {}}, {"a": 1, "c": 2})
case("excludes required one of", {"a": {"excludes": "b", "required": True}, "b": {"excludes": "a", "required": True}},
     {})
case("excludes required one given", {"a": {"excludes": "b", "required": True},
                                     "b": {"excludes": "a", "required": True}}, {"b": 1})

# ---------------------------------------------------------------- logical
case("anyof fail", {"a": {"anyof": [{"type": "string"}, {"type": "integer", "min": 5}]}}, {"a": 2})
case("anyof ok", {"a": {"anyof": [{"type": "string"}, {"type": "integer", "min": 5}]}}, {"a": 7})
case("anyof inherits type", {"a": {"type": "integer", "anyof": [{"min": 10}, {"max": 0}]}}, {"a": 5})
case("allof fail", {"a": {"allof": [{"type": "integer"}, {"min": 10}]}}, {"a": 5})
case("noneof fail", {"a": {"noneof": [{"type": "integer"}, {"type": "string"}]}}, {"a": 5})
case("oneof fail both", {"a": {"oneof": [{"type": "integer"}, {"min": 0}]}}, {"a": 5})
case("oneof fail none", {"a": {"oneof": [{"type": "string"}, {"type": "boolean"}]}}, {"a": 5})
case("oneof ok", {"a": {"oneof": [{"type": "string"}, {"type": "boolean"}]}}, {"a": True})
case("anyof_type", {"a": {"anyof_type": ["string", "integer"]}}, {"a": 1.5})
case("anyof_type objectid serialize", {"a": {"anyof_type": ["objectid", "string"]}}, {"a": A1})
case("oneof dict schemas", {"a": {"type": "dict", "oneof": [
    {"schema": {"k": {"type": "string", "required": True}}},
    {"schema": {"n": {"type": "integer", "required": True}}}]}}, {"a": {"k": 1}})
case("anyof nested in list", {"l": {"type": "list", "schema": {"anyof": [{"type": "string"}, {"type": "integer"}]}}},
     {"l": ["a", 1.5, 2]})
case("anyof nested logic", {"a": {"anyof": [{"type": "string"}, {"anyof": [{"type": "integer", "min": 3},
                                                                          {"type": "boolean"}]}]}}, {"a": 1})
case("anyof with null", {"a": {"nullable": True, "anyof": [{"type": "string"}, {"type": "integer"}]}}, {"a": None})

# ---------------------------------------------------------------- nested schema / items / keys/values rules
D = {"type": "dict", "schema": {"x": {"type": "integer", "required": True}, "y": {"type": "string"}}}
case("dict schema errors", {"d": D}, {"d": {"y": 5}})
case("dict schema unknown", {"d": D}, {"d": {"x": 1, "z": 0}})
case("dict schema nested two levels", {"d": {"type": "dict", "schema": {"e": {"type": "dict", "schema": {
    "f": {"type": "integer", "max": 3}}}}}}, {"d": {"e": {"f": 4}}})
case("dict schema and own error", {"d": {"type": "dict", "maxlength": 1, "schema": {"x": S, "y": S}}},
     {"d": {"x": 1, "y": "b"}})
case("list schema errors", {"l": {"type": "list", "schema": {"type": "string", "maxlength": 2}}},
     {"l": ["ab", 3, "abc"]})
case("list of dicts errors", {"l": {"type": "list", "schema": D}}, {"l": [{"x": 1}, {"y": "a"}, {"x": "q"}]})
case("list of objectids", {"l": {"type": "list", "schema": {"type": "objectid"}}}, {"l": [A1, "bad"]})
case("list of datetimes", {"l": {"type": "list", "schema": {"type": "datetime"}}}, {"l": [RFC, RFC]})
case("list of integers serialize", {"l": {"type": "list", "schema": {"type": "integer"}}}, {"l": ["1", 2, "x"]})
case("list of lists", {"l": {"type": "list", "schema": {"type": "list", "schema": {"type": "integer"}}}},
     {"l": [[1, "2"], ["z"]]})
case("list schema with scalar value", {"l": {"type": "list", "schema": {"type": "integer"}}}, {"l": 5})
case("items ok", {"t": {"type": "list", "items": [{"type": "string"}, {"type": "integer"}]}}, {"t": ["a", 1]})
case("items bad", {"t": {"type": "list", "items": [{"type": "string"}, {"type": "integer"}]}}, {"t": [1, "a"]})
case("items length", {"t": {"type": "list", "items": [{"type": "string"}, {"type": "integer"}]}}, {"t": ["a"]})
case("items serialize", {"t": {"type": "list", "items": [{"type": "datetime"}, {"type": "objectid"}]}},
     {"t": [RFC, A1]})
case("keysrules", {"m": {"type": "dict", "keysrules": {"type": "string", "regex": "[a-z]+"}}},
     {"m": {"ok": 1, "Bad": 2, "x1": 3}})
case("valuesrules", {"m": {"type": "dict", "valuesrules": {"type": "integer", "min": 0}}},
     {"m": {"a": 1, "b": -1, "c": "x"}})
case("keyschema alias", {"m": {"type": "dict", "keyschema": {"type": "string", "maxlength": 2}}},
     {"m": {"abc": 1}})
case("valueschema alias", {"m": {"type": "dict", "valueschema": {"type": "string"}}}, {"m": {"a": 1}})
case("valueschema objectid", {"m": {"type": "dict", "valueschema": {"type": "objectid"}}}, {"m": {"a": A1}})
case("valuesrules dict", {"m": {"type": "dict", "valuesrules": {"type": "dict", "schema": {"n": S}}}},
     {"m": {"a": {"n": 1}, "b": {"n": "ok"}}})

# ---------------------------------------------------------------- coerce
case("coerce int ok", {"a": {"type": "integer", "coerce": "int"}}, {"a": "0012"})
case("coerce int fail", {"a": {"type": "integer", "coerce": "int"}}, {"a": "x1"})
case("coerce int from float string", {"a": {"type": "integer", "coerce": "int"}}, {"a": "1.5"})
case("coerce int list", {"a": {"coerce": "int"}}, {"a": [1]})
case("coerce float fail", {"a": {"coerce": "float"}}, {"a": "abc"})
case("coerce str", {"a": {"type": "string", "coerce": "str"}}, {"a": 12})
case("coerce str float", {"a": {"type": "string", "coerce": "str"}}, {"a": 1.0})
case("coerce str list", {"a": {"type": "string", "coerce": "str"}}, {"a": [1, "x", True, None]})
case("coerce bool", {"a": {"type": "boolean", "coerce": "bool"}}, {"a": ""})
case("coerce lower", {"a": {"type": "string", "coerce": "lower"}}, {"a": "AbC"})
case("coerce lower non string", {"a": {"coerce": "lower"}}, {"a": 5})
case("coerce chain", {"a": {"type": "integer", "coerce": ["strip", "int"]}}, {"a": "  42 "})
case("coerce chain fail first", {"a": {"type": "integer", "coerce": ["strip", "int"]}}, {"a": 42})
case("coerce null nullable", {"a": {"coerce": "int", "nullable": True}}, {"a": None})
case("coerce null not nullable", {"a": {"coerce": "int"}}, {"a": None})
case("coerce nested", {"d": {"type": "dict", "schema": {"n": {"type": "integer", "coerce": "int"}}}},
     {"d": {"n": "x"}})
case("coerce in list", {"l": {"type": "list", "schema": {"type": "string", "coerce": "upper"}}}, {"l": ["a", "b"]})
case("coerce then min", {"a": {"type": "integer", "coerce": "int", "min": 10}}, {"a": "5"})
case("coerce default", {"a": {"type": "string", "coerce": "str", "default": 5}}, {})

# ---------------------------------------------------------------- readonly
case("readonly set", {"a": {"type": "string", "readonly": True}}, {"a": "x"})
case("readonly set wrong type", {"a": {"type": "string", "readonly": True}}, {"a": 5})
case("readonly default", {"a": {"type": "string", "readonly": True, "default": "d"}}, {})
case("readonly null post", {"a": {"readonly": True}}, {"a": None})
case("readonly nested", {"d": {"type": "dict", "schema": {"r": {"type": "integer", "readonly": True, "min": 5}}}},
     {"d": {"r": 1}})
case("patch readonly same", {"a": {"type": "string", "readonly": True}, "b": S}, {"a": "o", "b": "x"},
     mode="PATCH", original=orig(a="o"))
case("patch readonly changed", {"a": {"type": "string", "readonly": True}, "b": S}, {"a": "n"},
     mode="PATCH", original=orig(a="o"))
case("put readonly same", {"a": {"type": "string", "readonly": True}}, {"a": "o"},
     mode="PUT", original=orig(a="o"))

# ---------------------------------------------------------------- unique / data_relation
U = {"email": {"type": "string", "unique": True}}
UF = [{"_id": {"$oid": "5f00000000000000000000b1"}, "email": "taken@x"}]
case("unique taken", U, {"email": "taken@x"}, fixtures=UF)
case("unique free", U, {"email": "free@x"}, fixtures=UF)
case("patch unique self excluded", U, {"email": "me@x"}, mode="PATCH", original=orig(email="me@x"), fixtures=UF)
case("patch unique taken by other", U, {"email": "taken@x"}, mode="PATCH", original=orig(email="me@x"),
     fixtures=UF)
case("put unique taken", U, {"email": "taken@x"}, mode="PUT", original=orig(email="me@x"), fixtures=UF)
case("unique int value", {"n": {"type": "integer", "unique": True}}, {"n": "5"},
     fixtures=[{"_id": {"$oid": "5f00000000000000000000b2"}, "n": 5}])
case("unique nested", {"d": {"type": "dict", "schema": {"e": {"type": "string", "unique": True}}}},
     {"d": {"e": "v"}}, fixtures=[{"_id": {"$oid": "5f00000000000000000000b3"}, "d": {"e": "v"}}])
case("unique in list of dicts", {"l": {"type": "list", "schema": {"type": "dict", "schema": {
    "e": {"type": "string", "unique": True}}}}}, {"l": [{"e": "free"}, {"e": "v"}]},
     fixtures=[{"_id": {"$oid": "5f00000000000000000000b4"}, "l": [{"e": "v"}]}])
case("unique_to_user taken", {"email": {"type": "string", "unique_to_user": True}}, {"email": "taken@x"},
     fixtures=UF)
case("unique_within_resource taken", {"email": {"type": "string", "unique_within_resource": True}},
     {"email": "taken@x"}, fixtures=UF)
case("unique null nullable", {"n": {"type": "integer", "nullable": True, "unique": True}}, {"n": None},
     fixtures=[{"_id": {"$oid": "5f00000000000000000000b5"}, "n": None}])
R = {"author": {"type": "objectid", "data_relation": {"resource": "authors"}}}
case("data_relation exists", R, {"author": A1})
case("data_relation missing", R, {"author": MISSING})
case("data_relation bad id", R, {"author": "zz"})
case("data_relation field", {"code": {"type": "integer", "data_relation": {"resource": "authors", "field": "code"}}},
     {"code": 3})
case("data_relation list", {"authors": {"type": "list", "schema": {"type": "objectid",
                                                                   "data_relation": {"resource": "authors"}}}},
     {"authors": [A1, MISSING, A2]})
case("data_relation list on field", {"as": {"type": "list", "data_relation": {"resource": "authors", "field": "code"}}},
     {"as": [1, 5, 6, 2, 7]})
case("data_relation nullable null", {"author": {"type": "objectid", "nullable": True,
                                                "data_relation": {"resource": "authors"}}}, {"author": None})
case("data_relation embeddable", {"author": {"type": "objectid",
                                             "data_relation": {"resource": "authors", "embeddable": True}}},
     {"author": MISSING})
case("data_relation dbref", {"author": {"type": "dbref", "data_relation": {"resource": "authors"}}},
     {"author": {"$ref": "authors", "$id": MISSING}})
case("unique and data_relation tie", {"code": {"type": "integer", "unique": True,
                                               "data_relation": {"resource": "authors", "field": "code"}}},
     {"code": 9}, fixtures=[{"_id": {"$oid": "5f00000000000000000000b6"}, "code": 9}])

# ---------------------------------------------------------------- dotted fields, patch semantics
DS = {"loc": {"type": "dict", "schema": {"city": {"type": "string", "required": True}, "zip": {"type": "integer"}}}}
case("dotted post", DS, {"loc.city": "Rome", "loc.zip": "123"})
case("dotted post missing required", DS, {"loc.zip": 5})
case("dotted patch", DS, {"loc.zip": 9}, mode="PATCH", original=orig(loc={"city": "Rome", "zip": 1}))
case("patch required not checked", {"a": {"type": "string", "required": True}, "b": S}, {"b": "x"},
     mode="PATCH", original=orig(a="o"))
case("patch nested required not checked", DS, {"loc": {"zip": 1}}, mode="PATCH", original=orig(loc={"city": "R"}))
case("put required checked", {"a": {"type": "string", "required": True}, "b": S}, {"b": "x"},
     mode="PUT", original=orig(a="o"))
case("patch unknown", {"a": S}, {"q": 1}, mode="PATCH", original=orig(a="o"))
case("patch type error", {"a": {"type": "integer", "min": 0}, "f": S}, {"a": -1, "f": 5}, mode="PATCH",
     original=orig(a=1))

# ---------------------------------------------------------------- error lists / shapes
case("as_list single", {"a": S}, {"a": 1}, as_list=True)
case("as_list nested", {"d": D}, {"d": {"y": 5}}, as_list=True)
case("as_list logical", {"a": {"anyof": [{"type": "string"}, {"type": "integer", "min": 5}]}}, {"a": 2},
     as_list=True)
case("as_list multi", {"a": {"type": "string", "minlength": 5, "regex": "[0-9]+"}, "b": {"required": True}},
     {"a": "ab"}, as_list=True)
case("several fields errors order", {"b": {"type": "integer"}, "a": {"type": "integer"}, "c": {"required": True}},
     {"b": "x", "a": "y", "z": 1})
case("field with error and nested errors", {"d": {"type": "dict", "schema": {"x": S}, "dependencies": "q"},
                                            "q": {}}, {"d": {"x": 1}})
case("list item and list rule errors", {"l": {"type": "list", "maxlength": 1, "schema": {"type": "integer"}}},
     {"l": ["a", "b"]})
case("forbidden unhashable", {"a": {"type": "list", "forbidden": ["x"]}}, {"a": [["x"]]})
case("types in nested list of dicts full", {"l": {"type": "list", "schema": {"type": "dict", "schema": {
    "w": {"type": "datetime"}, "o": {"type": "objectid"}, "n": {"type": "number"}}}}},
     {"l": [{"w": RFC, "o": A1, "n": "3.5"}]})
case("dict in anyof serialize", {"a": {"anyof": [{"type": "dict", "schema": {"w": {"type": "datetime"}}},
                                                 {"type": "string"}]}}, {"a": {"w": RFC}})
case("float default int stays", {"f": {"type": "float"}}, {"f": 2})
case("number float string", {"n": {"type": "number"}}, {"n": "2.5e1"})
case("integer in dict with schema", {"d": {"type": "dict", "schema": {"i": {"type": "integer"}}}}, {"d": {"i": "7"}})
case("integer field schema without type", {"d": {"schema": {"i": {"type": "integer"}}}}, {"d": {"i": "7"}})


# ---------------------------------------------------------------- more shapes and corner cases
case("ties many data_relation", {"as": {"type": "list", "minlength": 9,
                                        "data_relation": {"resource": "authors", "field": "code"}}},
     {"as": [5, 6, 7, 8, 1]})
case("anyof with dict definitions nested errors", {"a": {"anyof": [
    {"type": "dict", "schema": {"x": {"type": "integer"}, "y": {"required": True}}},
    {"type": "list", "schema": {"type": "integer"}}]}}, {"a": {"x": "s"}})
case("anyof on list items with dict errors", {"l": {"type": "list", "schema": {"anyof": [
    {"type": "dict", "schema": {"k": {"type": "string"}}}, {"type": "integer", "min": 10}]}}},
     {"l": [1, {"k": 2}]})
case("logic error and item errors on list", {"l": {"type": "list", "anyof": [{"maxlength": 1}, {"minlength": 5}],
                                                 "schema": {"type": "integer"}}}, {"l": ["a", 1]})
case("allof with nested oneof", {"a": {"allof": [{"type": "integer"}, {"oneof": [{"min": 0}, {"max": 10}]}]}}, {"a": 5})
case("keysrules coerce", {"m": {"type": "dict", "keysrules": {"type": "string", "coerce": "lower"}}},
     {"m": {"AB": 1, "cd": 2}})
case("valuesrules coerce and default", {"m": {"type": "dict", "valuesrules": {"type": "integer", "coerce": "int"}}},
     {"m": {"a": "1", "b": "x"}})
case("items coerce", {"t": {"type": "list", "items": [{"type": "string", "coerce": "str"}, {"type": "integer"}]}},
     {"t": [5, 6]})
case("items coerce length mismatch", {"t": {"type": "list", "items": [{"type": "string", "coerce": "str"}]}},
     {"t": [5, 6]})
case("field allow_unknown rules", {"d": {"type": "dict", "allow_unknown": {"type": "integer"},
                                         "schema": {"a": {"type": "string"}}}}, {"d": {"a": "x", "b": 1, "c": "no"}})
case("field allow_unknown rules coerce", {"d": {"type": "dict", "allow_unknown": {"type": "integer", "coerce": "int"},
                                                "schema": {"a": {"type": "string"}}}}, {"d": {"a": "x", "b": "7"}})
case("purge_unknown nested", {"d": {"type": "dict", "purge_unknown": True, "schema": {"a": {"type": "string"}}}},
     {"d": {"a": "x", "zz": 1}})
case("require_all nested", {"d": {"type": "dict", "require_all": True, "schema": {"a": {}, "b": {}}}}, {"d": {"a": 1}})
case("require_all nested with explicit false", {"d": {"type": "dict", "require_all": True,
                                                      "schema": {"a": {"required": False}, "b": {}}}}, {"d": {}})
case("dependencies dict missing field", {"a": {"dependencies": {"b": "x"}}, "b": {}}, {"a": 1})
case("dependencies dict none allowed", {"a": {"dependencies": {"b": None}}, "b": {}}, {"a": 1})
case("dependencies dict bool int", {"a": {"dependencies": {"b": [True, 2.5]}}, "b": {}}, {"a": 1, "b": 1})
case("dependencies root in list", {"l": {"type": "list", "schema": {"type": "dict", "schema": {
    "x": {"dependencies": "^flag"}}}}, "flag": {}}, {"l": [{"x": 1}]})
case("dependencies through string", {"a": {"dependencies": "s.x"}, "s": {}}, {"a": 1, "s": "abc"})
case("dependencies through string substring", {"a": {"dependencies": "s.b"}, "s": {}}, {"a": 1, "s": "abc"})
case("put dependencies persisted", {"a": {"dependencies": "b"}, "b": {}}, {"a": 1}, mode="PUT",
     original=orig(b=2))
case("contains on string", {"a": {"contains": "bc"}}, {"a": "abcd"})
case("contains on string missing", {"a": {"contains": ["z"]}}, {"a": "abcd"})
case("contains on dict keys", {"a": {"type": "dict", "contains": "k"}}, {"a": {"j": 1}})
case("contains int float", {"a": {"contains": [1]}}, {"a": [1.0, 2]})
case("allowed on dict keys", {"a": {"type": "dict", "allowed": ["x"]}}, {"a": {"x": 1, "y": 2}})
case("allowed quotes repr", {"a": {"type": "list", "allowed": ["ok"]}}, {"a": ["it's", "say \"hi\"", "ü"]})
case("allowed objectid value", {"a": {"type": "objectid", "allowed": [A2]}}, {"a": A1})
case("allowed datetime value", {"a": {"type": "datetime", "allowed": []}}, {"a": RFC})
case("min datetime vs string skipped", {"a": {"type": "datetime", "min": "2026"}}, {"a": RFC})
case("max float format", {"a": {"type": "float", "max": 0.00001}}, {"a": 1})
case("max float whole", {"a": {"type": "float", "max": 1.0}}, {"a": 2})
case("max big float", {"a": {"type": "float", "max": 1e20}}, {"a": 1e21})
case("unique objectid value", {"p": {"type": "objectid", "unique": True}}, {"p": A1},
     fixtures=[{"_id": {"$oid": "5f00000000000000000000b7"}, "p": {"$oid": A1}}])
case("allow_unknown rules coerce unknown fails", {"d": {"type": "dict", "allow_unknown": {"coerce": "int"},
                                                        "schema": {}}}, {"d": {"b": "x"}})
case("allow_unknown rules coerce ok", {"d": {"type": "dict", "allow_unknown": {"type": "integer", "coerce": "int"}}},
     {"d": {"b": "7"}})
case("unique in anyof", {"e": {"anyof": [{"type": "string", "unique": True}, {"type": "integer"}]}}, {"e": "taken@x"},
     fixtures=UF)
case("unique untyped dict schema", {"d": {"schema": {"e": {"unique": True}}}}, {"d": {"e": "v"}})
case("readonly in anyof", {"a": {"anyof": [{"readonly": True}, {"type": "integer"}]}}, {"a": "x"})
case("put readonly changed", {"a": {"type": "string", "readonly": True}}, {"a": "n"}, mode="PUT", original=orig(a="o"))
case("patch nested readonly via dotted", {"d": {"type": "dict", "schema": {"r": {"readonly": True}, "s": {}}}},
     {"d.r": 2}, mode="PATCH", original=orig(d={"r": 1, "s": 1}))
case("type dict given list", {"d": {"type": "dict", "schema": {"a": {}}}}, {"d": [1]})
case("untyped dict schema given list", {"d": {"schema": {"a": {"type": "integer"}}}}, {"d": [1]})
case("untyped dict schema given empty list", {"d": {"schema": {"a": {"type": "integer"}}}}, {"d": []})
case("untyped list schema given dict", {"d": {"schema": {"type": "integer"}}}, {"d": {"x": 1}})
case("list of objectids scalar aborts later", {"l": {"type": "list", "schema": {"type": "objectid"}},
                                               "w": {"type": "datetime"}}, {"l": "abc", "w": RFC})
case("dotted under non dict aborts", {"a": {"type": "string"}, "w": {"type": "datetime"}},
     {"a": "x", "a.b": 1, "w": RFC})
case("dotted deep", {"a": {"type": "dict", "schema": {"b": {"type": "dict", "schema": {"c": {"type": "integer"}}}}}},
     {"a.b.c": "5"})
case("dotted merges existing", {"a": {"type": "dict", "schema": {"b": {}, "c": {}}}}, {"a": {"b": 1}, "a.c": 2})
case("number nan string", {"n": {"type": "number", "min": 0}}, {"n": "[1]"})
case("boolean true int", {"b": {"type": "boolean"}}, {"b": 1})
case("datetime in dict in list in dict", {"o": {"type": "dict", "schema": {"l": {"type": "list", "schema": {
    "type": "dict", "schema": {"w": {"type": "datetime"}}}}}}}, {"o": {"l": [{"w": RFC}, {"w": "bad"}]}})
case("many list item errors", {"l": {"type": "list", "schema": {"type": "integer"}}},
     {"l": ["a", 1, "b", 2, "c", 3, "d", 4, "e", 5, "f", 6]})
case("many fields unknown and errors", {"a": {"type": "integer"}, "b": {"type": "integer"}},
     {"z1": 1, "a": "x", "z2": 2, "b": "y", "z3": 3})
case("regex unicode", {"a": {"type": "string", "regex": r"^\w+$"}}, {"a": "h\u00e9llo w"})
case("regex alternation", {"a": {"type": "string", "regex": "a|b"}}, {"a": "axx"})
case("empty false with minlength on list", {"a": {"type": "list", "empty": False, "minlength": 2}}, {"a": []})
case("nullable with empty", {"a": {"type": "string", "nullable": True, "empty": False}}, {"a": None})
case("oneof with dict types", {"a": {"oneof": [{"type": "dict"}, {"type": "list"}]}}, {"a": "s"})
case("noneof pass", {"a": {"noneof": [{"type": "integer"}, {"type": "string"}]}}, {"a": 1.5})
case("coerce int then allowed", {"a": {"coerce": "int", "allowed": [1, 2]}}, {"a": "3"})
case("coerce float from bool", {"a": {"type": "float", "coerce": "float"}}, {"a": True})
case("coerce str none", {"a": {"type": "string", "coerce": "str"}}, {"a": None})
case("coerce upper dict", {"a": {"coerce": "upper"}}, {"a": {"k": 1}})
case("coerce int big float", {"a": {"type": "integer", "coerce": "int"}}, {"a": 12.9})
case("default with dependencies and required", {"a": {"required": True, "default": 1}, "b": {"dependencies": "a"}},
     {"b": 2})
case("default nested list items null", {"l": {"type": "list", "schema": {"type": "integer", "default": 0}}},
     {"l": [1, None]})
case("patch no normalize nested default", {"s": {"type": "dict", "schema": {"x": {"default": 1}, "y": {}}}},
     {"s.y": 2}, mode="PATCH", original=orig(s={"x": 4, "y": 1}))
case("as_list with list items", {"l": {"type": "list", "schema": {"type": "integer", "min": 5}}}, {"l": [1, "x"]},
     as_list=True)
case("as_list coerce nested", {"d": {"type": "dict", "schema": {"n": {"type": "integer", "coerce": "int"}}}},
     {"d": {"n": "x"}}, as_list=True)
case("excludes with nested field name", {"a": {"excludes": "b"}, "b": {"type": "dict"}}, {"a": 1, "b": {}})
case("items given dict aborts later", {"t": {"type": "list", "items": [{"type": "string"}, {"type": "integer"}]},
                                       "w": {"type": "datetime"}}, {"t": {"a": 1, "b": 2}, "w": RFC})
case("items given dict serializable aborts", {"t": {"items": [{"type": "integer"}]}, "w": {"type": "datetime"}},
     {"t": {"a": 1}, "w": RFC})
case("list of ints given dict", {"t": {"type": "list", "schema": {"type": "integer"}}, "w": {"type": "datetime"}},
     {"t": {"5": 1}, "w": RFC}, allow_unknown=True)
case("patch without normalization", {"a": {"type": "integer", "coerce": "int"}, "b": {"default": 1},
                                      "r": {"readonly": True}}, {"a": "5", "r": 2}, mode="PATCH",
     original=orig(), normalize_on_patch=False)
case("patch without normalization ok", {"a": {"type": "integer"}, "b": {"default": 1}}, {"a": "5"}, mode="PATCH",
     original=orig(), normalize_on_patch=False)
case("regex python Z anchor", {"a": {"type": "string", "regex": r"[a-z]+\Z"}}, {"a": "abc\n"})
case("regex python Z anchor ok", {"a": {"type": "string", "regex": r"[a-z]+\Z"}}, {"a": "abc"})
case("regex case insensitive flag", {"a": {"type": "string", "regex": "(?i)abc"}}, {"a": "ABC"})
case("patch dependencies dict persisted", {"a": {"dependencies": {"b": "x"}}, "b": {}}, {"a": 1}, mode="PATCH",
     original=orig(b="y"))
case("data_relation field string ids", {"a": {"type": "string", "data_relation": {"resource": "authors"}}},
     {"a": A1})

# ================================================================= runner

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, timeout=20.0):
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("port %d did not open" % port)


def to_python_schema(schema):
    """Deep copy, mapping coerce names to callables."""
    if isinstance(schema, dict):
        out = {}
        for k, v in schema.items():
            if k == "coerce":
                out[k] = [COERCERS[x] for x in v] if isinstance(v, list) else COERCERS[v]
            else:
                out[k] = to_python_schema(v)
        return out
    if isinstance(schema, list):
        return [to_python_schema(x) for x in schema]
    return schema


RECORD = {}


class RecordingValidator(EveValidator):
    """Eve's Mongo validator, recording validator.document and exceptions (no behaviour change)."""

    def _record(self, fn, *args, **kwargs):
        try:
            ok = fn(*args, **kwargs)
        except Exception as e:  # noqa: BLE001
            RECORD["exception"] = str(e)
            raise
        if not self.is_child:
            RECORD["ok"] = ok
            RECORD["document"] = copy.deepcopy(self.document)
        return ok

    def validate(self, document, *args, **kwargs):
        if self.is_child:
            return super().validate(document, *args, **kwargs)
        return self._record(super().validate, document, *args, **kwargs)

    def validate_update(self, *args, **kwargs):
        return self._record(super().validate_update, *args, **kwargs)

    def validate_replace(self, *args, **kwargs):
        return self._record(super().validate_replace, *args, **kwargs)


def body_of(c):
    """The payload as a client sends it: key order kept (the test client's json= would sort keys)."""
    return {"data": c["document_json"], "content_type": "application/json"}


def canonical(doc):
    return json.loads(json_util.dumps(doc, json_options=CANONICAL_JSON_OPTIONS))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "vectors.json")
    tmp = tempfile.mkdtemp(prefix="enma-vectors-")
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, STANDIN, "--db", "memory", "-p", str(port),
         "--log-file", os.path.join(tmp, "nx.log"), "--pid-file", os.path.join(tmp, "nx.pid")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port)
        domain = {
            "authors": {"schema": {"name": {"type": "string"}, "code": {"type": "integer"}}},
        }
        for i, c in enumerate(CASES):
            domain["c%d" % i] = {"schema": to_python_schema(c["schema"]),
                                 "allow_unknown": c["allow_unknown"],
                                 "normalize_on_patch": c["normalize_on_patch"]}
        app = Eve(validator=RecordingValidator, settings={
            "MONGO_URI": "mongodb://127.0.0.1:%d/evetest" % port,
            "RESOURCE_METHODS": ["GET", "POST"],
            "ITEM_METHODS": ["GET", "PATCH", "PUT"],
            "IF_MATCH": False,
            "DOMAIN": domain,
        })
        app.logger.disabled = True  # Eve logs the tracebacks of the exception cases
        db = pymongo.MongoClient("mongodb://127.0.0.1:%d" % port).evetest
        for res, docs in GLOBAL_FIXTURES.items():
            db[res].insert_many([json_util.loads(json.dumps(d)) for d in docs])
        client = app.test_client()
        results = []
        for i, c in enumerate(CASES):
            res = "c%d" % i
            db[res].delete_many({})
            docs = [json_util.loads(json.dumps(d)) for d in c["fixtures"]]
            if c["original"] is not None:
                docs.append(json_util.loads(json.dumps(c["original"])))
            if docs:
                db[res].insert_many(docs)
            app.config["VALIDATION_ERROR_AS_LIST"] = c["as_list"]
            RECORD.clear()
            if c["mode"] == "POST":
                r = client.post("/" + res, **body_of(c))
            elif c["mode"] == "PATCH":
                r = client.patch("/%s/%s" % (res, OID1), **body_of(c))
            else:
                r = client.put("/%s/%s" % (res, OID1), **body_of(c))
            body = r.get_json()
            if "exception" in RECORD:
                expected = {"exception": RECORD["exception"]}
                if c["mode"] == "POST":
                    assert body["_issues"] == {"exception": RECORD["exception"]}, body
                else:
                    assert r.status_code == 400, (r.status_code, body)
            elif RECORD.get("ok"):
                assert r.status_code in (200, 201), (c["name"], r.status_code, body)
                expected = {"ok": True, "normalized": canonical(RECORD["document"]),
                            "normalized_keys": list(RECORD["document"].keys())}
            else:
                assert r.status_code == 422, (c["name"], r.status_code, body)
                expected = {"issues": body["_issues"]}
            entry = dict(c)
            entry["expected"] = expected
            results.append(entry)
        with open(out, "w") as f:
            json.dump({"generator": "gen_vectors.py (Eve 2.3.1, Cerberus 1.3.8, real test client)",
                       "original_id": OID1,
                       "global_fixtures": GLOBAL_FIXTURES,
                       "cases": results}, f, indent=1, ensure_ascii=False)
        print("%d cases written to %s" % (len(results), out))
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


if __name__ == "__main__":
    main()
