"""happybase against ENMA's HBase Thrift1 server.

Run by crates/hbase-server/tests/compat/thrift.rs once per transport and protocol:
    python thrift_happybase.py --port PORT --transport buffered|framed --protocol binary|compact
Each run works in tables of its own (a table prefix per combination), asserts
what real HBase would return, and exits non-zero on the first mismatch.
"""

import argparse
import struct
import sys
import time
import warnings

warnings.filterwarnings("ignore", category=DeprecationWarning)
warnings.filterwarnings("ignore", message=".*pkg_resources.*")

import happybase  # noqa: E402
from Hbase_thrift import AlreadyExists, IOError as HBaseIOError, IllegalArgument, Mutation, TAppend, TIncrement  # noqa: E402


def check(what, got, expected):
    if got != expected:
        raise AssertionError("%s:\n  got      %r\n  expected %r" % (what, got, expected))
    print("ok  %s" % what)


def raises(what, exc_types, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except exc_types as e:
        print("ok  %s (%s: %s)" % (what, type(e).__name__, str(getattr(e, "message", e))[:80]))
        return e
    raise AssertionError("%s: expected %r, nothing raised" % (what, exc_types))


def text(v):
    return v.decode() if isinstance(v, bytes) else v


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--transport", required=True)
    parser.add_argument("--protocol", required=True)
    args = parser.parse_args()
    prefix = "%s_%s" % (args.transport, args.protocol)
    options = dict(host="127.0.0.1", port=args.port, transport=args.transport, protocol=args.protocol, timeout=30000)

    conn = happybase.Connection(table_prefix=prefix, **options)
    check("no tables yet", conn.tables(), [])

    # ---- tables ----
    conn.create_table("t", {
        "cf": dict(max_versions=3),
        "meta": dict(max_versions=1),
        "aged": dict(time_to_live=3600, compression="snappy", bloom_filter_type="ROW", in_memory=True),
    })
    raises("creating it again", AlreadyExists, conn.create_table, "t", {"cf": dict()})
    raises("a table without families", (IllegalArgument, HBaseIOError, ValueError), conn.create_table, "empty", {})
    check("tables", conn.tables(), [b"t"])
    t = conn.table("t")
    families = {k: {f: text(v) for f, v in d.items()} for k, d in t.families().items()}
    check("families", sorted(families), [b"aged", b"cf", b"meta"])
    check("cf max_versions", families[b"cf"]["max_versions"], 3)
    check("cf forever", families[b"cf"]["time_to_live"], 2147483647)
    check("cf name", families[b"cf"]["name"], "cf:")
    check("aged settings",
          (families[b"aged"]["time_to_live"], families[b"aged"]["compression"],
           families[b"aged"]["bloom_filter_type"], families[b"aged"]["in_memory"]),
          (3600, "SNAPPY", "ROW", True))
    regions = t.regions()
    check("one region", len(regions), 1)
    check("region covers the table", (regions[0]["start_key"], regions[0]["end_key"]), (b"", b""))
    check("region server port", regions[0]["port"], args.port)
    check("enabled", conn.is_table_enabled("t"), True)
    conn.compact_table("t")
    conn.compact_table("t", major=True)

    # ---- put and get ----
    before = int(time.time() * 1000) - 1
    t.put(b"row1", {b"cf:a": b"1", b"cf:b": b"x", b"meta:m": b"m1"})
    after = int(time.time() * 1000) + 1
    check("row", t.row(b"row1"), {b"cf:a": b"1", b"cf:b": b"x", b"meta:m": b"m1"})
    check("row, one column", t.row(b"row1", columns=[b"cf:a"]), {b"cf:a": b"1"})
    check("row, one family", t.row(b"row1", columns=[b"cf"]), {b"cf:a": b"1", b"cf:b": b"x"})
    check("row, family with colon", t.row(b"row1", columns=[b"meta:"]), {})
    check("missing row", t.row(b"nope"), {})
    value, ts = t.row(b"row1", include_timestamp=True)[b"cf:a"]
    check("put stamps now", (value, before <= ts <= after), (b"1", True))

    # ---- versions and timestamps ----
    for ts in (100, 200, 300, 400):
        t.put(b"v", {b"cf:q": str(ts).encode(), b"meta:q": str(ts).encode()}, timestamp=ts)
    check("cells keep max_versions, newest first", t.cells(b"v", b"cf:q"), [b"400", b"300", b"200"])
    check("cells with versions=2", t.cells(b"v", b"cf:q", versions=2), [b"400", b"300"])
    check("cells before a timestamp", t.cells(b"v", b"cf:q", timestamp=300, include_timestamp=True), [(b"200", 200)])
    check("a one-version family", t.cells(b"v", b"meta:q", include_timestamp=True), [(b"400", 400)])
    check("row before a timestamp", t.row(b"v", timestamp=300, include_timestamp=True), {b"cf:q": (b"200", 200)})
    check("rows before a timestamp", t.rows([b"v"], timestamp=401), [(b"v", {b"cf:q": b"400", b"meta:q": b"400"})])
    t.delete(b"v", columns=[b"cf:q"], timestamp=300)
    check("delete at or before a timestamp", t.cells(b"v", b"cf:q"), [b"400"])

    # ---- batches ----
    with t.batch() as b:
        for key in (b"row2", b"row10", b"row3", b"other"):
            b.put(key, {b"cf:a": key, b"cf:q": b"v" if key == b"row3" else b"w", b"meta:m": b"x"})
        b.delete(b"row3", columns=[b"meta:m"])
    with t.batch(batch_size=2) as b:
        for i in range(5):
            b.put(("many%d" % i).encode(), {b"cf:a": str(i).encode()})
    with t.batch(transaction=True, timestamp=5000) as b:
        b.put(b"stamped", {b"cf:a": b"s"})
    check("batched timestamp", t.cells(b"stamped", b"cf:a", include_timestamp=True), [(b"s", 5000)])
    check("rows", t.rows([b"row2", b"missing", b"row3"]),
          [(b"row2", {b"cf:a": b"row2", b"cf:q": b"w", b"meta:m": b"x"}), (b"row3", {b"cf:a": b"row3", b"cf:q": b"v"})])
    check("rows, one column", t.rows([b"row2", b"row3"], columns=[b"cf:q"]),
          [(b"row2", {b"cf:q": b"w"}), (b"row3", {b"cf:q": b"v"})])

    # ---- scans ----
    keys = lambda rows: [k for k, _ in rows]  # noqa: E731
    check("scan all", keys(t.scan()),
          [b"many0", b"many1", b"many2", b"many3", b"many4", b"other", b"row1", b"row10", b"row2", b"row3", b"stamped", b"v"])
    check("scan start/stop", keys(t.scan(row_start=b"row1", row_stop=b"row3")), [b"row1", b"row10", b"row2"])
    check("scan prefix", keys(t.scan(row_prefix=b"row1")), [b"row1", b"row10"])
    check("scan columns", list(t.scan(row_prefix=b"row1", columns=[b"cf:a"])),
          [(b"row1", {b"cf:a": b"1"}), (b"row10", {b"cf:a": b"row10"})])
    check("scan limit", keys(t.scan(limit=2)), [b"many0", b"many1"])
    check("scan small batches", keys(t.scan(row_prefix=b"many", batch_size=2)),
          [b"many0", b"many1", b"many2", b"many3", b"many4"])
    check("scan reversed", keys(t.scan(row_start=b"row3", row_stop=b"row0", reverse=True)),
          [b"row3", b"row2", b"row10", b"row1"])
    check("scan reversed with a limit", keys(t.scan(reverse=True, limit=2)), [b"v", b"stamped"])
    sorted_row = dict(t.scan(row_prefix=b"row2", sorted_columns=True))[b"row2"]
    check("sorted columns", list(sorted_row.keys()), [b"cf:a", b"cf:q", b"meta:m"])
    check("scan with timestamps", list(t.scan(row_prefix=b"stamped", include_timestamp=True)),
          [(b"stamped", {b"cf:a": (b"s", 5000)})])
    check("scan before a timestamp", list(t.scan(row_prefix=b"stamped", timestamp=5001)),
          [(b"stamped", {b"cf:a": b"s"})])
    check("scan at the timestamp excludes it", list(t.scan(row_prefix=b"stamped", timestamp=5000)), [])
    check("scan batching splits rows", list(t.scan(row_prefix=b"row2", scan_batching=2)),
          [(b"row2", {b"cf:a": b"row2", b"cf:q": b"w"}), (b"row2", {b"meta:m": b"x"})])
    check("filter: prefix and value",
          keys(t.scan(filter="PrefixFilter('row1') AND ValueFilter(=, 'binary:x')")), [b"row1", b"row10"])
    check("filter: value filter keeps matching cells",
          list(t.scan(row_prefix=b"row10", filter="ValueFilter(=, 'binary:x')")), [(b"row10", {b"meta:m": b"x"})])
    check("filter: single column value",
          keys(t.scan(filter="SingleColumnValueFilter('cf', 'q', =, 'binary:v')")),
          [b"many0", b"many1", b"many2", b"many3", b"many4", b"row1", b"row3", b"stamped"])
    check("filter: single column value, if present",
          keys(t.scan(filter="SingleColumnValueFilter('cf', 'q', =, 'binary:v', true, true)")), [b"row3"])
    check("filter: keys only", list(t.scan(row_prefix=b"row10", filter="KeyOnlyFilter()")),
          [(b"row10", {b"cf:a": b"", b"cf:q": b"", b"meta:m": b""})])
    raises("a bad filter", HBaseIOError, lambda: list(t.scan(filter="NoSuchFilter(")))

    # The pre-0.92 scanner calls (scannerOpen, scannerOpenWithStop, scannerOpenTs, ...).
    old = happybase.Connection(table_prefix=prefix, compat="0.90", **options)
    ot = old.table("t")
    check("0.90 scan start/stop", keys(ot.scan(row_start=b"row1", row_stop=b"row3")), [b"row1", b"row10", b"row2"])
    check("0.90 scan from start", keys(ot.scan(row_start=b"stamped")), [b"stamped", b"v"])
    check("0.90 scan before a timestamp", list(ot.scan(row_start=b"stamped", timestamp=5001)),
          [(b"stamped", {b"cf:a": b"s"}), (b"v", {b"cf:q": b"400", b"meta:q": b"400"})])
    check("0.90 scan with stop and timestamp",
          list(ot.scan(row_start=b"s", row_stop=b"u", timestamp=5001)), [(b"stamped", {b"cf:a": b"s"})])
    old.close()

    # ---- raw Thrift calls happybase does not wrap ----
    c = conn.client
    name = t.name
    sid = c.scannerOpenWithPrefix(name, b"row1", [b"cf:a"], {})
    check("scannerOpenWithPrefix", [r.row for r in c.scannerGetList(sid, 10)], [b"row1", b"row10"])
    check("scannerGet at the end", c.scannerGet(sid), [])
    c.scannerClose(sid)
    raises("closing twice", IllegalArgument, c.scannerClose, sid)
    raises("reading a closed scanner", IllegalArgument, c.scannerGetList, sid, 1)
    check("get", [(x.value, x.timestamp) for x in c.get(name, b"stamped", b"cf:a", {})], [(b"s", 5000)])
    check("getRow", [r.row for r in c.getRow(name, b"row1", {})], [b"row1"])
    check("getRowTs", c.getRowTs(name, b"stamped", 5000, {}), [])
    check("getRowOrBefore", [x.value for x in c.getRowOrBefore(name, b"row15", b"cf")], [b"row10", b"w"])
    check("checkAndPut when absent", c.checkAndPut(name, b"cap", b"cf:a", None, Mutation(column=b"cf:a", value=b"one"), {}), True)
    check("checkAndPut when present", c.checkAndPut(name, b"cap", b"cf:a", None, Mutation(column=b"cf:a", value=b"two"), {}), False)
    check("checkAndPut when equal", c.checkAndPut(name, b"cap", b"cf:a", b"one", Mutation(column=b"cf:a", value=b"two"), {}), True)
    check("after checkAndPut", t.row(b"cap"), {b"cf:a": b"two"})
    check("append", [x.value for x in c.append(TAppend(table=name, row=b"cap", columns=[b"cf:a"], values=[b"+3"]))], [b"two+3"])
    c.increment(TIncrement(table=name, row=b"inc", column=b"cf:n", ammount=7))
    c.incrementRows([TIncrement(table=name, row=b"inc", column=b"cf:n", ammount=1)])
    check("increment", t.counter_get(b"inc", b"cf:n"), 8)
    c.mutateRowTs(name, b"mts", [Mutation(column=b"cf:a", value=b"old")], 10, {})
    c.mutateRow(name, b"mts", [Mutation(column=b"cf:a", value=b"new")], {})
    check("mutateRowTs and mutateRow", t.cells(b"mts", b"cf:a"), [b"new", b"old"])
    c.deleteAllTs(name, b"mts", b"cf:a", 10, {})
    check("deleteAllTs", t.cells(b"mts", b"cf:a"), [b"new"])
    c.deleteAllRowTs(name, b"mts", 1, {})
    check("deleteAllRowTs leaves newer cells", t.cells(b"mts", b"cf:a"), [b"new"])
    c.deleteAllRow(name, b"mts", {})
    check("deleteAllRow", t.row(b"mts"), {})

    # ---- counters ----
    check("counter_inc", t.counter_inc(b"c", b"cf:n"), 1)
    check("counter_inc by 5", t.counter_inc(b"c", b"cf:n", value=5), 6)
    check("counter_dec", t.counter_dec(b"c", b"cf:n"), 5)
    check("counter_get", t.counter_get(b"c", b"cf:n"), 5)
    t.counter_set(b"c", b"cf:n", 42)
    check("counter_set", (t.counter_get(b"c", b"cf:n"), t.row(b"c")[b"cf:n"]), (42, struct.pack(">q", 42)))
    raises("incrementing text", (HBaseIOError, IllegalArgument), t.counter_inc, b"row1", b"cf:b")

    # ---- deletes ----
    t.delete(b"row1", columns=[b"cf:a"])
    check("delete a column", t.row(b"row1"), {b"cf:b": b"x", b"meta:m": b"m1"})
    t.delete(b"row2", columns=[b"meta"])
    check("delete a family", t.row(b"row2"), {b"cf:a": b"row2", b"cf:q": b"w"})
    t.delete(b"row1")
    check("delete a row", t.row(b"row1"), {})

    # ---- errors leave the connection usable ----
    raises("unknown family", HBaseIOError, t.put, b"row1", {b"nope:a": b"1"})
    raises("unknown table", HBaseIOError, conn.table("missing").row, b"r")
    raises("put without qualifier", (IllegalArgument, HBaseIOError), t.put, b"row1", {b"cf": b"1"})
    check("still usable", t.row(b"row2", columns=[b"cf:a"]), {b"cf:a": b"row2"})

    # ---- disable, enable, delete ----
    conn.disable_table("t")
    check("disabled", conn.is_table_enabled("t"), False)
    raises("reading a disabled table", HBaseIOError, t.row, b"row2")
    conn.enable_table("t")
    check("enabled again", t.row(b"row2", columns=[b"cf:a"]), {b"cf:a": b"row2"})
    raises("deleting an enabled table", HBaseIOError, conn.delete_table, "t")
    conn.delete_table("t", disable=True)
    check("deleted", conn.tables(), [])
    raises("deleting it again", HBaseIOError, conn.delete_table, "t")
    conn.close()
    print("all checks passed (%s)" % prefix)


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print("FAILED: %s" % e, file=sys.stderr)
        sys.exit(1)
