#!/usr/bin/env python
"""Generate vectors.json: query-string inputs fed through a real Eve 2.3.1 app.

Every case is a real GET on a collection endpoint through Flask's test client,
so Eve's own parse_request / find / _sanitize / parse / validate_filters /
_mongotize / _client_projection / _datasource_ex code runs unchanged.  Only
the two pymongo calls that would reach the server are replaced:

* ``Collection.find`` records its keyword arguments (filter, sort, projection,
  limit, skip), runs pymongo's own sort check (``_index_document``, exactly as
  ``Cursor.__init__`` does) and returns no documents;
* ``Collection.count_documents`` BSON-encodes the filter (as the driver would
  on the wire, so unencodable values fail as they would) and returns 0.

Nothing reaches a MongoDB: what is recorded is what Eve hands to the driver.
Output values are MongoDB extended JSON (canonical) via bson.json_util.

Run: $HOME/.cache/enma-eve-venv/bin/python gen_vectors.py [out.json]
"""
import json
import sys
import warnings
from urllib.parse import urlencode

warnings.simplefilter("ignore")

import bson  # noqa: E402
from bson import json_util  # noqa: E402
from bson.json_util import CANONICAL_JSON_OPTIONS  # noqa: E402
from pymongo import helpers_shared  # noqa: E402
from pymongo.synchronous.collection import Collection  # noqa: E402

from eve import Eve  # noqa: E402
from eve.utils import auto_fields  # noqa: E402

RECORD = {}


def fake_find(self, *args, **kwargs):
    RECORD["find"] = dict(kwargs)
    sort = kwargs.get("sort")
    # Cursor.__init__: self._ordering = (sort and _index_document(sort)) or None
    RECORD["ordering"] = (sort and helpers_shared._index_document(sort)) or None
    return FakeCursor(kwargs)


class FakeCursor:
    """No documents; iterating encodes limit/skip/projection/sort as the
    real find command would (an int beyond int64 fails there, after
    count_documents)."""

    def __init__(self, kwargs):
        self.kwargs = kwargs

    def __iter__(self):
        # the find command carries limit, skip, projection and sort
        cmd = {k: self.kwargs[k] for k in ("limit", "skip", "projection") if self.kwargs.get(k)}
        if RECORD.get("ordering"):
            cmd["sort"] = RECORD["ordering"]
        bson.encode(cmd)
        return iter(())


def fake_count(self, filter, *args, **kwargs):
    bson.encode(filter)
    return 0


Collection.find = fake_find
Collection.count_documents = fake_count

SCHEMA = {
    "name": {"type": "string"},
    "age": {"type": "integer"},
    "ref": {"type": "objectid"},
    "born": {"type": "datetime"},
    "price": {"type": "decimal"},
    "tags": {"type": "list", "schema": {"type": "string"}},
    "refs": {"type": "list", "schema": {"type": "objectid"}},
    "addr": {
        "type": "dict",
        "schema": {"city": {"type": "string"}, "owner": {"type": "objectid"}},
    },
}


def res(**kw):
    d = {"schema": json.loads(json.dumps(SCHEMA))}
    d.update(kw)
    return d


DOMAIN = {
    "people": res(),
    "restricted": res(allowed_filters=["name", "addr", "age", "tags"]),
    "nofilter": res(allowed_filters=[]),
    "strids": res(query_objectid_as_string=True),
    "nopage": res(pagination=False),
    "nosort": res(sorting=False, projection=False),
    "limited": res(pagination_limit=10),
    "whitelisted": res(mongo_query_whitelist=["$foo"]),
    "open": {"allow_unknown": True, "schema": {}},
}


def make_app(debug):
    settings = {
        "DOMAIN": json.loads(json.dumps(DOMAIN)),
        "MONGO_URI": "mongodb://127.0.0.1:1/vectors",
        "MONGO_OPTIONS": {"connect": False, "serverSelectionTimeoutMS": 10},
        "DEBUG": debug,
    }
    app = Eve(settings=settings)
    app.testing = False
    return app


APPS = {True: make_app(True), False: make_app(False)}

CASES = []


def case(resource="people", debug=True, note="", **params):
    CASES.append({"resource": resource, "debug": debug, "note": note, "params": params})


# --------------------------------------------------------------- where: JSON
W = lambda text, **kw: case(where=text, **kw)  # noqa: E731
W('{"name": "john"}')
W('{"age": {"$gt": 5, "$lte": 10}}')
W('{"age": 1.5}')
W('{"age": 12345678901}')
W('{"age": 123456789012345678901234567890}', note="int beyond int64")
W('{"age": -0.0}')
W('{"age": 1e400}', note="overflows to inf")
W('{"age": NaN}')
W('{"age": -Infinity}')
W('{"a": true, "b": false, "c": null}')
W('{"tags": ["x", "y"]}')
W('{"addr": {"city": "Rome"}}')
W('{"addr.city": "Rome"}')
W('{"name": "a", "name": "b"}', note="duplicate key: last value, first position")
W('{"name": "a", "age": 1, "name": "b"}')
W('  {"name": "x"}  ')
W('{"name": "\\u00e9\\n\\ud83d\\ude00"}')
W('{"$or": [{"name": "a"}, {"age": 3}]}')
W('{"$and": [{"name": "a"}, {"$or": [{"age": 1}, {"age": 2}]}]}')
W('{"name": {"$in": ["a", "b"]}}')
W('{"name": {"$exists": true}}')
W('{"$where": "sleep(100)"}')
W('{"name": {"$regex": "^a"}}')
W('{"$or": [{"name": {"$regex": "^a"}}]}')
W('{"$foo": 1}')
W('{"name": {"$foo": 1}}')
W('{"name": {"$bar": 1, "$foo": 2}}')
W('{"$where": "x", "name": {"$foo": 1}}')
W('{"name": {"$foo": 1}, "$where": "x"}')
W('{"$text": {"$search": "x"}}')
W('{"$expr": {"$gt": ["$a", "$b"]}}')
W('{"ref": {"$oid": "5f1a2b3c4d5e6f7a8b9c0d1e"}}', note="extended JSON is not decoded")
W('{"born": {"$date": 1}}')
W('{"": 1}', note="empty key crashes _sanitize")
W("{'name': 'x'}", note="not JSON, not a conditional")
W('{"name": "x"} and age == 2', note="JSON fails, python parses")
W('5')
W('"name"')
W('[1, 2]')
W('null')
W('{}')
W('{"name": "x"')
W('{"name": "x",}')
W('{"age": 01}')
W('{"name": "tab\there"}', note="raw control char in JSON string")
W('{"$foo": 1}', resource="whitelisted")
W('{"name": {"$foo": 1}}', resource="whitelisted")

# ---------------------------------------------------------- where: python
W('name == "john"')
W('age > 5')
W('age >= 5')
W('age < 5')
W('age <= 5')
W('age != 5')
W('name == "a" and age == 2')
W('name == "a" or age == 2')
W('name == "a" or age == 2 and age == 3')
W('(name == "a" or name == "b") and age == 2')
W('name == "a" and name == "b" and age == 1')
W('addr.city == "Rome"')
W('a.b.c.d == 1')
W("name == 'single'")
W('name == "x" "y"')
W('name == "\\x41\\u00e9\\t"')
W('name == r"\\d+"')
W('name == """tri"""')
W('age == 1.5')
W('age == 1e3')
W('age == 0x10')
W('age == 0o17')
W('age == 0b101')
W('age == 1_000')
W('age == 99999999999999999999')
W('age == 2147483648')
W('age == -1', note="UnaryOp is walked: the sign is lost")
W('age == +1')
W('age == True', note="True leaves current_value untouched")
W('age == None')
W('age == False or name == None')
W('age == b"x"')
W('age == othername')
W('not age == 1')
W('age == 1 and not name == "x"')
W('1 < age')
W('age < 1 < 2')
W('age == 1 in tags')
W('age in [1, 2]')
W('age is None')
W('age == [1, 2]')
W('age == (1, 2)')
W('age == {"k": 3}')
W('age == 10 ** 2')
W('age == 2j')
W('name == "a"; age == 1')
W('name == "a"\nage == 1')
W('name == "a" and age == 1; name == "b" and age == 2')
W('x = age == 1')
W('age = 1')
W('age == 1;;')
W(' age == 1')
W('age == 1\n  name == "x"')
W('age == (1\n)')
W('age == 1 # comment')
W('age == 1 \\\n and name == "x"')
W('age == 1 and')
W('age === 1')
W('age')
W('"age"')
W('age + 1')
W('(age or name) == 1')
W('age == (name == 1)')
W('"$where" == "sleep(1)"', note="python syntax is not sanitized")
W('name == "\\q"')
W('café == 1')
W('age.real == 1')
W('(1).real == 1')
W('ref == ObjectId("5f1a2b3c4d5e6f7a8b9c0d1e")')
W('ref == ObjectId("5F1A2B3C4D5E6F7A8B9C0D1E")')
W('ref == ObjectId("nothex")')
W('ref == ObjectId()')
W('ref == ObjectId(b"abcdefghijkl")')
W('born == datetime(2020, 1, 2, 3, 4, 5)')
W('born == datetime(2020, 1, 2, 3, 4, 5, 678901)')
W('born == datetime(2020, 13, 1)')
W('born == datetime(2020, 1)')
W('born == datetime(2020, 1, 1, 0, 0, 0, 0, None)')
W('born == datetime(-1, 1, 1)')
W('born == datetime(x)')
W('born > datetime(2020, 1, 1) and born < datetime(2021, 1, 1)')
W('born == foo(1)')
W('a[0] == 1')
W('a[0].b == 1')
W('age == {1, 2}')
W('age == lambda: 1')
W('age == 1 if x else 2')
W('age == "a" f"x{b}y"', note="f-string")
W('import os')
W('age == 1\x00')
W('age == "\\N{EM DASH}"')
W('age == "unterminated')

# --------------------------------------------------- casting (eve compat)
W('{"ref": "5f1a2b3c4d5e6f7a8b9c0d1e"}')
W('{"name": "5f1a2b3c4d5e6f7a8b9c0d1e"}')
W('{"name": "5F1A2B3C4D5E6F7A8B9C0D1E"}')
W('{"name": "5f1a2b3c4d5e6f7a8b9c0d1"}')
W('{"born": "Tue, 02 Apr 2013 10:29:13 GMT"}')
W('{"name": "Tue, 02 Apr 2013 10:29:13 GMT"}')
W('{"born": {"$gt": "Mon, 01 Apr 2013 00:00:00 GMT"}}')
W('{"born": "mon, 1 apr 2013 1:2:3 gmt"}')
W('{"born": "Mon,  01 Apr 2013 00:00:00 GMT"}')
W('{"born": "Mon, 31 Feb 2013 00:00:00 GMT"}')
W('{"born": "Mon, 01 Apr 2013 00:00:60 GMT"}')
W('{"born": "Mon, 01 Apr 2013 00:00:00 UTC"}')
W('{"born": "2013-04-01T00:00:00Z"}', note="ISO not cast by Eve")
W('{"ref": {"$in": ["5f1a2b3c4d5e6f7a8b9c0d1e", "zz", 3]}}')
W('{"$or": [{"ref": "5f1a2b3c4d5e6f7a8b9c0d1e"}, {"x": ["5f1a2b3c4d5e6f7a8b9c0d1f"]}]}')
W('{"tags": [["5f1a2b3c4d5e6f7a8b9c0d1e"]]}')
W('name == "5f1a2b3c4d5e6f7a8b9c0d1e"')
W('born == "Tue, 02 Apr 2013 10:29:13 GMT"')
W('{"name": "5f1a2b3c4d5e6f7a8b9c0d1e"}', resource="strids")
W('{"ref": "5f1a2b3c4d5e6f7a8b9c0d1e"}', resource="strids")
W('{"_id": "5f1a2b3c4d5e6f7a8b9c0d1e"}', resource="strids")
W('{"_id": {"$in": ["5f1a2b3c4d5e6f7a8b9c0d1e"]}}', resource="strids")
W('{"ref": {"$in": ["5f1a2b3c4d5e6f7a8b9c0d1e"]}}', resource="strids")
W('{"refs": "5f1a2b3c4d5e6f7a8b9c0d1e"}', resource="strids")
W('{"addr.owner": "5f1a2b3c4d5e6f7a8b9c0d1e"}', resource="strids")
W('{"$or": [{"ref": "5f1a2b3c4d5e6f7a8b9c0d1e"}, {"name": "5f1a2b3c4d5e6f7a8b9c0d1e"}]}', resource="strids")
W('{"name": "Tue, 02 Apr 2013 10:29:13 GMT"}', resource="strids")

# ------------------------------------------------------- allowed_filters
for text in [
    '{"name": "x"}',
    '{"born": "x"}',
    '{"name": "x", "born": 1}',
    '{"addr.city": "Rome"}',
    '{"addr.city.x": "Rome"}',
    '{"address": "x"}',
    '{"$or": [{"name": "x"}, {"born": 1}]}',
    '{"$or": {"name": "x"}}',
    '{"$nor": [1]}',
    '{"$gt": 1}',
    '{"$where": "x"}',
    'born == 1 or name == "x"',
    'name == "x" and age > 3',
    '1 < age',
    'name == "x"; 1 < age',
    'born == 1; 1 < age',
]:
    W(text, resource="restricted")
W('{"born": 1}', resource="nofilter")
W("garbage ((", resource="nofilter")
W('{"$or": {"name": "x"}}', note="no list check when allowed_filters is *")

# ------------------------------------------------------------------ sort
S = lambda text, **kw: case(sort=text, **kw)  # noqa: E731
S('[("age", -1)]')
S('[("age", 1), ("name", -1)]')
S('[["age", -1]]')
S('("age", -1)')
S('(("age", -1),)')
S('{"age": -1, "name": 1}')
S('["age", "name"]')
S('"age"')
S('5')
S('[]')
S('None')
S('True')
S('[("age", 1.0)]')
S('[("age", True)]')
S('[("age", "text")]')
S('[("age", 2)]')
S('[(1, 1)]')
S('[("age", 1, 2)]')
S('[("age",)]')
S('[5]')
S('{1: 2}')
S('{[1]: 2}')
S('-age')
S('-age,name')
S('-age, name ,  -addr.city')
S('age')
S('first-name')
S('age,')
S(',')
S('first name')
S('age name')
S('-')
S('[("age", -1)')
S('[("age", -1)]', resource="nosort")
S('age', resource="nosort")
S('x[0]')
S('"unterminated')

# ------------------------------------------------------------ projection
P = lambda text, **kw: case(projection=text, **kw)  # noqa: E731
P('{"name": 1}')
P('{"name": 1, "age": 1}')
P('{"name": 0}')
P('{"name": 0, "age": 0}')
P('{"name": 1, "age": 0}')
P('{"name": true}')
P('{"name": 1.0}')
P('{"name": "yes"}')
P('{"_id": 0}')
P('{"_updated": 0, "name": 1}')
P('{"addr.city": 1}')
P('{"addr.city": 0}')
P('{"unknown": 1}')
P('{}')
P('[1]')
P('"name"')
P('name')
P('{"name": 1')
P('{"name": 1}', resource="open")
P('{"name": 0, "x": 1}', resource="open")
P('{"name": 1}', resource="nosort", note="projection disabled")

# ------------------------------------------------------------ pagination
for mr in ["10", "50", "51", "1000", "0", "-5", "2.9", "0.5", "1e1", " 7 ", "abc", "nan",
           "inf", "1e400", "0x10", "1_0", "+3", "", "\u0667"]:
    case(max_results=mr)
for pg in ["2", "0", "-3", "abc", "2.5", "+4", " 5 ", "1_0", "99999999999999999999", "\u0663"]:
    case(page=pg)
case(page="3", max_results="10")
case(max_results="30", resource="limited")
case(max_results="5", resource="limited")
case(max_results="100", resource="nopage")
case(max_results="0", resource="nopage")
case(max_results="1e300", resource="nopage")
case(page="3", resource="nopage")
case(max_results="1e300")

# ------------------------------------------------------- combined/order
case(where='{"$foo": 1}', sort=",")
case(where='{"$foo": 1}', projection="[1]")
case(where='age == 2j', projection="[1]")
case(where='age == 2j', sort='[(1, 1)]')
case(where='{"born": 1}', projection="[1]", resource="restricted")
case(where='{"name": "x"}', sort="-age", projection='{"name": 1}', max_results="5", page="2")

# ------------------------------------------------------------ more edges
for text in [
    'a == f"{x=}"', 'a == f"{{lit}}"', 'a == f"{b!r:>{w}}"', "a == f'{b}' 'tail'", 'a == f""',
    'a == rb"x"', 'a == b"x" "y"', 'a == "\\ud800"', 'a == 1 if b == 2 else c == 3',
    'x = y = a == 1', 'a, b = c == 1', 'a[1:2] == 3', 'a == {**b}', 'a == (*b,)', 'a == ...',
    'a == 1 < 2 in c', 'a.b.c == d.e', '(a == 1) and (b == 2)',
    'a == 1 and b == 2 or c == 3 and d == 4', 'a == 1\r\nb == 2', 'a == 1\n\n# c\nb == 2',
    'a == (1,\n 2)', 'a == [\n]', 'a == 0_0', 'a == 00', 'a == 1.5e-3', 'a == 1E5', 'a == .5j',
    'a == 0xFFFFFFFFFFFFFFFFFF', 'a == 9223372036854775807', 'a == -9223372036854775808',
    'a == "\u00e9"', '\u00f1ame == 1', "a == 'it\\'s'", 'pass', 'pass; a == 1', 'a == 1 if b else c',
    'a == datetime(2020, 2, 30)', 'a == datetime(2020, 1, 1, 23, 59, 59, 999999)',
    'a == datetime(True, 1, 1)', 'a == datetime(2020.0, 1, 1)', 'a == ObjectId(5)',
    'a == ObjectId("5f1a2b3c4d5e6f7a8b9c0d1e", 1)', 'a == datetime(2020, 1, 1, tzinfo=None)',
    'a == obj.ObjectId("5f1a2b3c4d5e6f7a8b9c0d1e")', 'ObjectId("5f1a2b3c4d5e6f7a8b9c0d1e") == a',
    '"a" == "b"', '"a.b" == 1', 'a == 1 and (b == 2 and c == 3)', 'a == (b or c == 1)',
    'a == 1 and b', 'a or b', 'a == "x" # "y"', 'a == 1\\', 'a ==\\\n 1', 'a == 1e', 'a == 1_',
    'a == 0x', 'a == 1__0', 'a == 1if b else 2', '(a == 1', 'a == 1)', 'a == [1, 2)',
    'a == "\\x4"', 'a == "\\777"', 'a == "\\101"', 'a == b"\\u0041"', 'a == u"x"', 'a == R"\\n"',
    'a == """x\ny"""', "a == " + "'" * 3 + "x" + "'" * 3, 'a == 1 ; b == 2 ;', 'a == 1 $ 2',
    'a == 1 ? 2', 'a == `x`', 'a <> 1', 'a == !1', 'a == lambda', 'a == [x for x in y]', 'a := 1',
    'a == (b := 1)', 'a += 1', 'a: int = 1', 'if a == 1: pass', 'a == not b', 'a == -b',
    'a == ~1', 'a == 1 + 2', 'a == 1 - 2j', 'a == b.c[0]', 'a == c(d)', 'a == c(d=1)',
    'a == ObjectId(*x)', 'a == datetime(*x)', 'True == a', 'None == a', 'a == 1; 1 == 1.0',
    'a == [b for c in d if e]', 'a == {k: v for k in x}', 'a == {b for b in c}',
    'a == (b for c in d)', 'a == f(b for c in d)', 'a == [b for c, d in e for f in g]',
    'a == f(x := 3)', 'a == [y := 2, "z"]', 'a == [b for 1 in c]', 'a == [b for c in d if e if f]',
]:
    W(text)
for text in [
    '{"a": {"$in": []}}', '{"a": [{"$foo": 1}]}', '{"$and": [{"": 1}]}', '{"a": "\\ud800"}',
    '{"a": 1.0}', '{"a": 1E2}', '{"a": -0}', '{"a": 0.1}', '{"a": 1.7976931348623157e308}',
    '{"a": 5e-324}', '{"a": 9223372036854775807}', '{"a": 9223372036854775808}',
    '{"a": {"b": {"$foo": 1}}}', '{"a": "x\\/y\\b"}', '{"a": 1}\n', '\t{"a": 1}',
    '{"a" : 1 , "b":[ ] }', '{"a": tru}', '{"a": [1,]}', '{"a": .5}', '{"a": 1.}', '{"a": -}',
    '{"a": "\\x41"}', '{1: 2}', '{"$or": [{"a": 1}], "$or": [{"b": 2}]}',
    '{"a": {"$not": {"$regex": "x"}}}', '{"$nor": [{"a": 1}]}', '{"a": {"$elemMatch": {"$foo": 1}}}',
]:
    W(text)
for text in [
    '{"name.first": 1}', '{"$and": []}', '{"$and": [{"$or": [{"born": 1}]}]}',
    '{"name": {"$regex": "x"}}', '{"$text": {"$search": "x"}}', '{"tags": 1, "age": {"$gt": 1}}',
    '{"$and": [{"name": 1}], "born": 2}', '{"$or": [], "born": 2}', 'name == 1; "$where" == "x"',
    '{"addr": {"owner": "5f1a2b3c4d5e6f7a8b9c0d1e"}}',
]:
    W(text, resource="restricted")
for text in [
    '[["age", -1], "name"]', '("age",)', '[("a", -1), ("a", 1)]', '[("age", -1)]   ',
    '\t[("age",-1)]', '\n[("age",-1)]', '[("age", 1+0j)]', '[("age", -1.5)]', '1+2j', '[b"ab"]',
    '[{"a": 1, "b": 2}]', '["a", "b", "c"]', '- age', 'age\n', 'age;', '\u00e1', '[("age", -1)] # c',
    '(("age", -1))', '0', '""', '{}', 'set()', '[("age", None)]', '[(None, 1)]', '[("age", -1)]]',
    '[("age", -1), ]', '[("age", 9999999999)]', '[("age", -1)], [("b", 1)]', 'a,b,,c', ' -a , b ',
    '-a.b.c', 'a-b', '[("\u00e9", 1)]', 'x if y else z', '{"a": -1, "a": 1}', '[["a", 1], ["b", -1]]',
    '[("a", {"$meta": "textScore"})]', '[("a", -1)] and 1',
]:
    S(text)
for text in [
    '{"name": 1, "name": 0}', '{"name": null}', '{"name": []}', '{"name": {"$slice": 2}}',
    '{"name": 2}', '{"name": -1}', '{"addr": 1, "addr.city": 0}', '{"_etag": 1}',
    '{"name": 9223372036854775808}', '{"name": 0, "age": 1.0}', '{"name": false}',
    '{"name": 1, "unknown.x": 1, "tags.0": 1}', '{"name": "1"}', ' {"name": 1} ',
]:
    P(text)
P('{"name": 9223372036854775808}', resource="open")
P('{"name": 0}', resource="open")
for mr in ["1.999999999999999999", "-0", "0.9", "50.5", "\u0663\u0660", "3e0", "1e-1", " ",
           "\u00a05", "5\u200b", "1_000_000", "+inf", "-inf", "NaN", "9" * 400]:
    case(max_results=mr)
for pg in ["0x2", "\u0660\u0662", "-0", "1 0", "", "1_", "_1", "2\u00a0", "9223372036854775807"]:
    case(page=pg)
case(page="92233720368547759", max_results="10")
case(page="922337203685477581", max_results="10")
case(max_results="1e20", resource="nopage")
case(max_results="9223372036854775807", resource="nopage")

# nesting limits (CPython's tokenizer, recursion limits)
W("a == " + "1+" * 5000 + "1", note="deep BinOp chain")
W("(" * 150 + "a == 1" + ")" * 150)
W("(" * 250 + "a == 1" + ")" * 250, note="too many nested parentheses")
W("a" + ".b" * 3000 + " == 1")
W('{"a": ' + "[" * 2000 + "]" * 2000 + "}")
W('{"a": ' + "[" * 100 + "]" * 100 + "}")
W("a == " + "-" * 100 + "1")
W("a == " + "-" * 600 + "1")
S("[" * 150 + "]" * 150)
S("a" + "+b" * 3000)

# ------------------------------------------------------------ debug off
W('{"$where": "x"}', debug=False)
W('{"$foo": 1}', debug=False)
W("age ==", debug=False)
W('{"born": 1}', resource="restricted", debug=False)
S(",", debug=False)
P("[1]", debug=False)


def canon(value):
    return json.loads(json_util.dumps(value, json_options=CANONICAL_JSON_OPTIONS))


def ordered(value):
    """Canonical extended JSON with every object as {"__o": [[key, value], ...]}
    so that key order (significant in MongoDB documents) survives any JSON
    reader."""
    return json.loads(
        json_util.dumps(value, json_options=CANONICAL_JSON_OPTIONS),
        object_pairs_hook=lambda pairs: {"__o": [[k, v] for k, v in pairs]},
    )


def run(c):
    app = APPS[c["debug"]]
    client = app.test_client()
    query = {}
    for k, v in c["params"].items():
        key = {"where": "where", "sort": "sort", "projection": "projection",
               "max_results": "max_results", "page": "page"}[k]
        query[key] = v
    RECORD.clear()
    url = "/%s?%s" % (c["resource"], urlencode(query))
    try:
        resp = client.get(url)
    except Exception as e:  # pragma: no cover - the app catches everything
        return {"status": 500, "message": "%s: %s" % (type(e).__name__, e)}
    status = resp.status_code
    if status != 200:
        body = resp.get_json(silent=True) or {}
        msg = (body.get("_error") or {}).get("message")
        if msg is None:
            msg = resp.get_data(as_text=True)[:200]
        return {"status": status, "message": msg}
    find = RECORD.get("find", {})
    out = {"status": 200}
    out["filter"] = canon(find["filter"]) if "filter" in find else None
    ordering = RECORD.get("ordering")
    out["sort"] = [[k, canon(v)] for k, v in ordering.items()] if ordering else None
    proj = find.get("projection")
    out["projection"] = canon(proj) if proj else None
    out["limit"] = find.get("limit")
    out["skip"] = find.get("skip")
    out["ordered"] = {
        "filter": ordered(find["filter"]) if "filter" in find else None,
        "projection": ordered(proj) if proj else None,
    }
    meta = (resp.get_json() or {}).get("_meta") or {}
    out["page"] = meta.get("page")
    out["max_results"] = meta.get("max_results")
    return out


def resource_info(app, name):
    with app.test_request_context("/"):
        settings = app.config["DOMAIN"][name]
        return {
            "allowed_filters": settings["allowed_filters"],
            "sorting": settings["sorting"],
            "projection_enabled": settings["projection"],
            "pagination": settings["pagination"],
            "pagination_limit": settings.get("pagination_limit"),
            "query_objectid_as_string": settings.get("query_objectid_as_string", False),
            "mongo_query_whitelist": settings["mongo_query_whitelist"],
            "id_field": settings["id_field"],
            "schema": settings["schema"],
            # pairs, to keep Eve's key order
            "datasource_projection": [[k, v] for k, v in settings["datasource"]["projection"].items()],
            "auto_fields": auto_fields(name),
        }


def main():
    out_path = sys.argv[1] if len(sys.argv) > 1 else "vectors.json"
    app = APPS[True]
    resources = {name: resource_info(app, name) for name in DOMAIN}
    cases = []
    for i, c in enumerate(CASES):
        c = dict(c)
        c["id"] = i
        c["expect"] = run(c)
        cases.append(c)
    doc = {
        "eve": "2.3.1",
        "config": {
            "PAGINATION_DEFAULT": app.config["PAGINATION_DEFAULT"],
            "PAGINATION_LIMIT": app.config["PAGINATION_LIMIT"],
            "MONGO_QUERY_BLACKLIST": app.config["MONGO_QUERY_BLACKLIST"],
            "DATE_FORMAT": app.config["DATE_FORMAT"],
            "VERSION_ID_SUFFIX": app.config["VERSION_ID_SUFFIX"],
        },
        "resources": resources,
        "cases": cases,
    }
    with open(out_path, "w") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
    counts = {}
    for c in cases:
        counts[c["expect"]["status"]] = counts.get(c["expect"]["status"], 0) + 1
    print("%d cases -> %s %s" % (len(cases), out_path, counts))


if __name__ == "__main__":
    main()
