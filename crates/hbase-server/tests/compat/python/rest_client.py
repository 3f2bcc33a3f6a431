"""hbase-rest-py (PyPI: hbase-rest-py, module `hbase`) against ENMA's HBase REST server.

Usage: rest_client.py BASE_URL

Everything goes through the client's own API: HBaseAdmin for namespaces and
schemas, Put/Get/Delete for cells, Scan with the scanner XML and filter JSON
that scan_filter_helper builds. Exits non-zero on the first failed check.
"""

import json
import struct
import sys

from hbase.admin import HBaseAdmin
from hbase.delete import Delete
from hbase.get import Get
from hbase.put import Put
from hbase.rest_client import HBaseRESTClient
from hbase.scan import Scan
from hbase.scan_filter_helper import (
    build_base_scanner,
    build_column_prefix_filter,
    build_prefix_filter,
    build_row_filter,
    build_single_column_value_filter,
    build_value_filter,
)
from hbase.utils import Bytes, result_parser

BASE = sys.argv[1]
client = HBaseRESTClient([BASE])
admin = HBaseAdmin(client)
put = Put(client)
get = Get(client)
delete = Delete(client)


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print("ok:", what)


def ok_json(result, what):
    """The client returns the body text on 200/201 and a dict on failure."""
    if isinstance(result, dict):
        raise AssertionError(f"{what}: request failed: {result}")
    return json.loads(result)


def scan_all(table, payload):
    """Every row a scanner yields, through the client's scan/scan_next loop."""
    scan = Scan(client)
    result = scan.scan(table, payload)
    if isinstance(result, dict):
        raise AssertionError(f"scanner creation failed: {result}")
    more, data = result
    rows = list(data["row"]) if data else []
    calls = 1
    while more:
        more, data = scan.scan_next()
        calls += 1
        if data:
            rows.extend(data["row"])
    return rows, calls


def keys(rows):
    return [r["key"].decode() for r in rows]


# ---- cluster ----
check("Version" in ok_json(admin.cluster_version(), "cluster version"), "cluster version has Version")
status = ok_json(admin.cluster_status(), "cluster status")
check(isinstance(status.get("LiveNodes"), list) and status["LiveNodes"], "cluster status lists a live node")

# ---- namespaces ----
admin.namespace_create("compat_ns")
check("compat_ns" in ok_json(admin.namespaces(), "namespaces")["Namespace"], "namespace created")
check(isinstance(ok_json(admin.namespace("compat_ns"), "namespace"), dict), "namespace description")
admin.table_create_or_update("compat_ns:inner", [{"name": "cf"}])
inner = ok_json(admin.tables("compat_ns"), "namespace tables")
check([t["name"] for t in inner["table"]] == ["inner"], "table listed in its namespace")
admin.table_delete("compat_ns:inner")
admin.namespace_delete("compat_ns")
check("compat_ns" not in ok_json(admin.namespaces(), "namespaces")["Namespace"], "namespace deleted")

# ---- tables ----
admin.table_create_or_update("people", [{"name": "info", "VERSIONS": 3}, {"name": "stats", "BLOCKSIZE": "65537"}])
schema = ok_json(admin.table_schema("people"), "schema")
check(schema["name"] == "people", "schema name")
families = {c["name"]: c for c in schema["ColumnSchema"]}
check(set(families) == {"info", "stats"}, "schema families")
check(families["info"]["VERSIONS"] == "3" and families["stats"]["BLOCKSIZE"] == "65537", "schema attributes")
check("people" in [t["name"] for t in ok_json(admin.tables(), "tables")["table"]], "table listed")
regions = ok_json(admin.table_regions("people"), "regions")
check(regions["name"] == "people" and len(regions["Region"]) == 1, "one region")

# ---- puts ----
failed_puts = []
for i in range(1, 21):
    r = put.put("people", f"user-{i:02d}", {"info:name": f"name{i}", "info:age": i, "stats:score": i / 2})
    if isinstance(r, dict):
        failed_puts.append(r)
check(not failed_puts, f"20 puts ({failed_puts[:1]})")
r = put.bulk("people", [("extra-1", {"info:name": "x1", "info:age": 100}), ("extra-2", {"info:name": "x2", "info:age": 101})])
check(not isinstance(r, dict), f"bulk put of two rows ({r})")

# ---- gets ----
row = get.get("people", "user-05")
cells = {c["column"]: c["$"] for c in row["row"][0]["cell"]}
check(row["row"][0]["key"] == b"user-05", "get returns the row key")
check(list(cells) == [b"info:age", b"info:name", b"stats:score"], "cells sorted by family and qualifier")
check(Bytes.to_int(cells[b"info:age"]) == 5, "int value")
check(Bytes.to_string(cells[b"info:name"]) == "name5", "string value")
check(Bytes.to_float(cells[b"stats:score"]) == 2.5, "float value")
one = get.get("people", "user-05", "info:name")
check([c["column"] for c in one["row"][0]["cell"]] == [b"info:name"], "get one column")
missing = get.get("people", "nobody")
check(isinstance(missing, dict) and missing["status_code"] == 404, "missing row is 404")
check(json.loads(missing["error"])["error"]["code"] == "not_found", "404 carries a JSON error")
bulk = get.get("people", "extra-2", "info:age")
check(Bytes.to_int(bulk["row"][0]["cell"][0]["$"]) == 101, "bulk put readable")

# ---- versions ----
admin.table_create_or_update("history", [{"name": "h", "VERSIONS": "3"}])
for ts, value in [(1000, "v1"), (2000, "v2"), (3000, "v3"), (4000, "v4")]:
    put.put("history", "doc", {"h:text": value}, timestamp=ts)
versions = get.get("history", "doc", "h:text", number_of_versions=5)
check([c["$"] for c in versions["row"][0]["cell"]] == [b"v4", b"v3", b"v2"], "VERSIONS=3 keeps the newest three")
check([c["timestamp"] for c in versions["row"][0]["cell"]] == [4000, 3000, 2000], "version timestamps")
before = get.get("history", "doc", "h:text", timestamp=3500)
check([c["$"] for c in before["row"][0]["cell"]] == [b"v3"], "read as of a timestamp")
latest = get.get("history", "doc")
check([c["$"] for c in latest["row"][0]["cell"]] == [b"v4"], "default read is the newest version")
versions_scan, _ = scan_all("history", build_base_scanner(maxVersions=3))
check([c["$"] for c in versions_scan[0]["cell"]] == [b"v4", b"v3", b"v2"], "scanner reads versions")

# ---- scans ----
everything, calls = scan_all("people", build_base_scanner())
check(len(everything) == 22 and calls == 2, f"full scan: 22 rows in one batch then 204 ({len(everything)} rows, {calls} calls)")
small, calls = scan_all("people", build_base_scanner(batch=4, column=["info:name"]))
check(len(small) == 22 and calls == 7, f"batch of 4 cells: 22 rows over 6 reads and a 204 ({calls} calls)")
ranged, _ = scan_all("people", build_base_scanner(startRow="user-05", endRow="user-10", column=["info:name"]))
check(keys(ranged) == [f"user-{i:02d}" for i in range(5, 10)], "row range scan")
check(all([c["column"] for c in r["cell"]] == [b"info:name"] for r in ranged), "column selection in scans")
prefixed, _ = scan_all("people", build_prefix_filter(row_perfix="user-1", column=["info:name"]))
check(keys(prefixed) == [f"user-{i}" for i in range(10, 20)], "PrefixFilter")
exact, _ = scan_all("people", build_row_filter(row_value="user-03", operation="EQUAL"))
check(keys(exact) == ["user-03"], "RowFilter EQUAL")
small_values, _ = scan_all("people", build_value_filter(value=5, operation="LESS", column=["info:age"]))
check(keys(small_values) == ["user-01", "user-02", "user-03", "user-04"], "ValueFilter LESS")
check(all(struct.unpack(">q", c["$"])[0] < 5 for r in small_values for c in r["cell"]), "ValueFilter keeps matching cells")
young, _ = scan_all("people", build_single_column_value_filter(family="info", qualifier="age", value=3, operation="LESS"))
check(keys(young) == ["user-01", "user-02"], "SingleColumnValueFilter")
check(len(young[0]["cell"]) == 3, "SingleColumnValueFilter keeps the whole row")
names, _ = scan_all("people", build_column_prefix_filter(column_prefix="na"))
check(len(names) == 22 and all([c["column"] for c in r["cell"]] == [b"info:name"] for r in names), "ColumnPrefixFilter")
substr, _ = scan_all("people", build_value_filter(value="name1", operation="EQUAL", comparator="substring"))
check(keys(substr) == ["user-01"] + [f"user-{i}" for i in range(10, 20)], "ValueFilter with SubstringComparator")

# ---- stateless scans ----
reversed_rows = result_parser(ok_json(
    client.send_request("GET", "/people/*?column=info:name&startrow=user-18&endrow=user-05&reversed=true"), "reversed scan"))
check(keys(reversed_rows["row"]) == [f"user-{i:02d}" for i in range(18, 5, -1)], "stateless reversed scan")
extras = result_parser(ok_json(client.send_request("GET", "/people/extra*"), "prefix scan"))
check(keys(extras["row"]) == ["extra-1", "extra-2"], "stateless prefix scan")
limited = result_parser(ok_json(client.send_request("GET", "/people/*?limit=3&column=stats:"), "limited scan"))
check(keys(limited["row"]) == ["user-01", "user-02", "user-03"], "stateless scan limit, rows without the family skipped")

# ---- deletes ----
delete.delete("people", "user-05", "info:name")
after = get.get("people", "user-05")
check([c["column"] for c in after["row"][0]["cell"]] == [b"info:age", b"stats:score"], "delete one column")
delete.delete("people", "user-06")
gone = get.get("people", "user-06")
check(isinstance(gone, dict) and gone["status_code"] == 404, "delete a row")
remaining, _ = scan_all("people", build_base_scanner(column=["info:age"]))
check(len(remaining) == 21, "scan after deletes")

# ---- drop ----
admin.table_delete("people")
admin.table_delete("history")
check("people" not in [t["name"] for t in ok_json(admin.tables(), "tables")["table"]], "table dropped")
missing_table = get.get("people", "user-01")
check(isinstance(missing_table, dict) and missing_table["status_code"] == 404, "missing table is 404")
print("hbase-rest-py: all checks passed")
