"""ENMA's HBase REST server over plain HTTP (urllib): the parts of HBase's REST
API that hbase-rest-py never calls.

Usage: rest_http.py BASE_URL TOKEN

Covers the bearer token, XML in and out, raw (octet-stream) cells, stateful
scanners read in batches up to 204 No Content, multiget, schema updates,
check-and-put, increment, and JSON error bodies with HBase's status codes.
Exits non-zero on the first failed check.
"""

import base64
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

BASE, TOKEN = sys.argv[1], sys.argv[2]
JSON = "application/json"
XML = "text/xml"
RAW = "application/octet-stream"


def b64(data):
    return base64.b64encode(data if isinstance(data, bytes) else data.encode()).decode()


def unb64(text):
    return base64.b64decode(text or "")


def call(method, path, body=None, headers=None, auth=True):
    """(status, headers, body bytes); error statuses are returned, not raised."""
    if isinstance(body, str):
        body = body.encode()
    req = urllib.request.Request(BASE + path if path.startswith("/") else path, data=body, method=method)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    if auth:
        req.add_header("Authorization", f"Bearer {TOKEN}")
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print("ok:", what)


def expect(status, want, body, what):
    check(status == want, f"{what}: status {status}, wanted {want} ({body[:300]!r})")


def error_code(body):
    return json.loads(body)["error"]["code"]


def cell_set(rows):
    """A JSON CellSet from [(row, [(column, value[, timestamp])])]."""
    out = []
    for key, cells in rows:
        cs = []
        for cell in cells:
            c = {"column": b64(cell[0]), "$": b64(cell[1])}
            if len(cell) > 2:
                c["timestamp"] = cell[2]
            cs.append(c)
        out.append({"key": b64(key), "Cell": cs})
    return json.dumps({"Row": out})


def cells_of(body):
    """[(row, column, value)] of a JSON CellSet."""
    return [
        (unb64(r["key"]).decode(), unb64(c["column"]).decode(), unb64(c["$"]))
        for r in json.loads(body)["Row"]
        for c in r["Cell"]
    ]


# ---- the bearer token ----
status, headers, body = call("GET", "/version", headers={"Accept": JSON}, auth=False)
expect(status, 401, body, "no token")
check(error_code(body) == "unauthorized" and headers.get("WWW-Authenticate") == "Bearer", "401 names the scheme")
status, _, body = call("GET", "/version", headers={"Accept": JSON})
expect(status, 200, body, "version with token")
check(set(json.loads(body)) >= {"REST", "JVM", "OS", "Server", "Jersey"}, "version fields")
status, _, body = call("GET", "/version", headers={"Accept": XML})
check(ET.fromstring(body).tag == "Version", "version as XML")
status, _, body = call("GET", "/version/cluster", headers={"Accept": XML})
check(ET.fromstring(body).tag == "ClusterVersion", "cluster version as XML")

# ---- schema in XML, update by POST ----
schema = '<?xml version="1.0" encoding="UTF-8"?><TableSchema name="web"><ColumnSchema name="cf" VERSIONS="2"/></TableSchema>'
status, headers, body = call("PUT", "/web/schema", schema, {"Content-Type": XML})
expect(status, 201, body, "create table from XML schema")
update = json.dumps({"name": "web", "ColumnSchema": [{"name": "cf", "VERSIONS": "5"}, {"name": "meta", "TTL": "86400"}]})
status, _, body = call("POST", "/web/schema", update, {"Content-Type": JSON})
expect(status, 200, body, "update schema by POST")
status, _, body = call("GET", "/web/schema", headers={"Accept": XML})
root = ET.fromstring(body)
columns = {c.get("name"): c.attrib for c in root.findall("ColumnSchema")}
check(root.tag == "TableSchema" and root.get("name") == "web", "schema as XML")
check(set(columns) == {"cf", "meta"} and columns["cf"]["VERSIONS"] == "5", "POST added a family and changed another")
check(columns["meta"]["TTL"] == "86400", "TTL kept")
status, _, body = call("GET", "/", headers={"Accept": XML})
check([t.get("name") for t in ET.fromstring(body).findall("table")] == ["web"], "table list as XML")

# ---- writes: XML CellSet, raw cell, JSON ----
# meta has a TTL of a day, so its cell needs a recent timestamp.
recent = int(time.time() * 1000) - 60_000
xml_cells = (
    f'<CellSet><Row key="{b64("r1")}">'
    f'<Cell column="{b64("cf:a")}">{b64("alpha")}</Cell>'
    f'<Cell column="{b64("meta:b")}" timestamp="{recent}">{b64("beta")}</Cell>'
    "</Row></CellSet>"
)
status, _, body = call("PUT", "/web/r1", xml_cells, {"Content-Type": XML})
expect(status, 200, body, "put an XML CellSet")
raw = bytes([0, 1, 255, 10])
status, _, body = call("PUT", "/web/r2/cf:bin", raw, {"Content-Type": RAW, "X-Timestamp": "42"})
expect(status, 200, body, "put a raw cell")
rows = [(f"r{i}", [("cf:a", f"a{i}"), ("cf:b", f"b{i}"), ("cf:c", f"c{i}")]) for i in range(3, 6)]
status, _, body = call("PUT", "/web/fakerow", cell_set(rows), {"Content-Type": JSON})
expect(status, 200, body, "put several rows at once")

# ---- reads: raw, XML, multiget ----
status, headers, body = call("GET", "/web/r2/cf:bin", headers={"Accept": RAW})
expect(status, 200, body, "get a raw cell")
check(body == raw and headers.get("X-Timestamp") == "42", "raw cell value and X-Timestamp")
status, _, body = call("GET", "/web/r1", headers={"Accept": XML})
root = ET.fromstring(body)
xml_rows = root.findall("Row")
check(root.tag == "CellSet" and len(xml_rows) == 1 and unb64(xml_rows[0].get("key")) == b"r1", "row as XML")
xml_cells = [(unb64(c.get("column")), unb64(c.text), c.get("timestamp")) for c in xml_rows[0].findall("Cell")]
check(xml_cells[0][:2] == (b"cf:a", b"alpha") and xml_cells[1] == (b"meta:b", b"beta", str(recent)), "XML cells")
status, _, body = call("GET", "/web/multiget?row=r1&row=r4&row=nothere", headers={"Accept": JSON})
expect(status, 200, body, "multiget")
check(sorted({r for r, _, _ in cells_of(body)}) == ["r1", "r4"], "multiget skips missing rows")
status, _, body = call("GET", "/web/multiget/cf:b?row=r3&row=r5", headers={"Accept": JSON})
check(cells_of(body) == [("r3", "cf:b", b"b3"), ("r5", "cf:b", b"b5")], "multiget with a column")
status, _, body = call("GET", "/web/*?column=cf:a", headers={"Accept": XML})
check(len(ET.fromstring(body).findall("Row")) == 4, "stateless scan as XML")
quoted = urllib.parse.quote("PrefixFilter('r4') OR ValueFilter(=, 'binary:c5')")
status, _, body = call("GET", f"/web/*?filter={quoted}", headers={"Accept": JSON})
expect(status, 200, body, "stateless scan with a filter-language string")
check(cells_of(body) == [("r4", "cf:a", b"a4"), ("r4", "cf:b", b"b4"), ("r4", "cf:c", b"c4"), ("r5", "cf:c", b"c5")],
      "filter-language filter applied")
status, _, body = call("GET", "/web/*?filter=NoSuchFilter(1)", headers={"Accept": JSON})
expect(status, 400, body, "unknown filter in the filter language")

# ---- stateful scanner: batches of 2 cells, then 204 ----
scanner = json.dumps({"batch": 2, "startRow": b64("r3"), "column": [b64("cf")]})
status, headers, body = call("PUT", "/web/scanner", scanner, {"Content-Type": JSON})
expect(status, 201, body, "create a scanner")
location = headers.get("Location")
check(location and location.startswith(BASE + "/web/scanner/"), f"Location header ({location})")
seen = []
while True:
    status, _, body = call("GET", location, headers={"Accept": JSON})
    if status == 204:
        check(body == b"", "204 has no body")
        break
    expect(status, 200, body, "read a scanner batch")
    batch = cells_of(body)
    check(1 <= len(batch) <= 2, f"at most 2 cells per read ({len(batch)})")
    seen.extend(batch)
check(len(seen) == 9 and seen[0] == ("r3", "cf:a", b"a3") and seen[-1] == ("r5", "cf:c", b"c5"), "scanner saw every cell in order")
status, _, body = call("DELETE", location)
expect(status, 200, body, "delete a scanner")
status, _, body = call("GET", location, headers={"Accept": JSON})
expect(status, 404, body, "deleted scanner is gone")
check(error_code(body) == "not_found", "scanner 404 is a JSON error")

filter_list = json.dumps({"type": "FilterList", "op": "MUST_PASS_ALL", "filters": [
    {"type": "PrefixFilter", "value": b64("r")},
    {"type": "QualifierFilter", "op": "EQUAL", "comparator": {"type": "BinaryComparator", "value": b64("b")}},
]})
status, headers, body = call("PUT", "/web/scanner", json.dumps({"filter": filter_list}), {"Content-Type": JSON})
expect(status, 201, body, "create a scanner with a FilterList")
status, _, body = call("GET", headers["Location"], headers={"Accept": JSON})
want = [("r1", "meta:b", b"beta")] + [(f"r{i}", "cf:b", f"b{i}".encode()) for i in (3, 4, 5)]
check(cells_of(body) == want, f"FilterList in a scanner ({cells_of(body)})")
call("DELETE", headers["Location"])

xml_scanner = f'<Scanner batch="10" startRow="{b64("r4")}" endRow="{b64("r5")}"><column>{b64("cf:c")}</column></Scanner>'
status, headers, body = call("POST", "/web/scanner", xml_scanner, {"Content-Type": XML})
expect(status, 201, body, "create a scanner from XML")
status, _, body = call("GET", headers["Location"], headers={"Accept": XML})
root = ET.fromstring(body)
check([unb64(c.text) for c in root.iter("Cell")] == [b"c4"], "scanner batch as XML")

# ---- check-and-put, increment ----
cas = cell_set([("r1", [("cf:a", "omega"), ("cf:a", "wrong")])])
status, _, body = call("PUT", "/web/r1?check=put", cas, {"Content-Type": JSON})
expect(status, 304, body, "check-and-put with a stale value")
cas = cell_set([("r1", [("cf:a", "omega"), ("cf:a", "alpha")])])
status, _, body = call("PUT", "/web/r1?check=put", cas, {"Content-Type": JSON})
expect(status, 200, body, "check-and-put with the current value")
status, _, body = call("GET", "/web/r1/cf:a", headers={"Accept": RAW})
check(body == b"omega", "check-and-put applied")
for _ in range(3):
    status, _, body = call("POST", "/web/counter?check=increment", cell_set([("counter", [("cf:n", "4")])]), {"Content-Type": JSON})
    expect(status, 200, body, "increment")
status, _, body = call("GET", "/web/counter/cf:n", headers={"Accept": RAW})
check(int.from_bytes(body, "big", signed=True) == 12, "counter is a 64-bit big-endian 12")

# ---- deletes with a timestamp ----
versions = cell_set([("v", [("cf:x", "one", 10), ("cf:x", "two", 20), ("cf:x", "three", 30)])])
call("PUT", "/web/v", versions, {"Content-Type": JSON})
status, _, body = call("GET", "/web/v/cf:x?v=5", headers={"Accept": JSON})
check([c[2] for c in cells_of(body)] == [b"three", b"two", b"one"], "three versions")
status, _, body = call("GET", "/web/v/cf:x/15,31?v=5", headers={"Accept": JSON})
check([c[2] for c in cells_of(body)] == [b"three", b"two"], "time range read")
status, _, body = call("DELETE", "/web/v/cf:x/20")
expect(status, 200, body, "delete versions up to a timestamp")
status, _, body = call("GET", "/web/v/cf:x?v=5", headers={"Accept": JSON})
check([c[2] for c in cells_of(body)] == [b"three"], "older versions deleted")

# ---- errors ----
status, _, body = call("GET", "/web/nothere", headers={"Accept": JSON})
expect(status, 404, body, "missing row")
check(error_code(body) == "not_found", "missing row is a JSON not_found")
status, _, body = call("GET", "/nosuchtable/r1", headers={"Accept": JSON})
expect(status, 404, body, "missing table")
status, _, body = call("GET", "/nosuchtable/schema", headers={"Accept": JSON})
expect(status, 404, body, "missing table schema")
status, _, body = call("PUT", "/web/r1", "{not json", {"Content-Type": JSON})
expect(status, 400, body, "malformed CellSet")
check(error_code(body) == "bad_request", "400 is a JSON bad_request")
status, _, body = call("GET", "/web/r1/cf:a/notatime", headers={"Accept": JSON})
expect(status, 400, body, "malformed timestamp")
status, _, body = call("PUT", "/web/schema", json.dumps({"ColumnSchema": [{"name": "cf", "VERSIONS": "lots"}]}), {"Content-Type": JSON})
expect(status, 400, body, "malformed schema")
status, _, body = call("PUT", "/web/scanner", json.dumps({"filter": "{not json"}), {"Content-Type": JSON})
expect(status, 400, body, "malformed scanner filter")
status, _, body = call("GET", "/version/cluster", headers={"Accept": "application/x-protobuf"})
expect(status, 406, body, "a representation the endpoint does not offer")
status, _, body = call("PUT", "/web/r1", cell_set([("r1", [("nofamily:q", "x")])]), {"Content-Type": JSON})
expect(status, 404, body, "unknown column family")
status, _, body = call("POST", "/namespaces/default")
expect(status, 403, body, "creating an existing namespace")

# ---- drop ----
status, _, body = call("DELETE", "/web/schema")
expect(status, 200, body, "drop table")
status, _, body = call("GET", "/web/schema", headers={"Accept": JSON})
expect(status, 404, body, "dropped table is gone")
print("plain HTTP: all checks passed")
