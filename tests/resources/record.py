#!/usr/bin/env python3
"""Record python-eve 2.3.1's answers to the scenarios as gold files.

    python record.py [scenario-name ...]     # default: every scenarios/*.json
    python record.py --etags                 # regenerate etags.json

Run it with a Python that has `requests` (the Eve venv's does). For each
scenario it starts a fresh MongoDB stand-in and a real Eve on free loopback
ports, runs the steps, writes gold/<name>.json and stops both processes.

Environment:
    EVE_PYTHON       interpreter with eve==2.3.1, nx-27017==0.8.1, neosqlite==1.17.2,
                     pymongo (default: ~/.cache/enma-eve-venv/bin/python)
    MONGO_STANDIN    path of mongo_standin.py (default: <repo>/../shared/tools/mongodb/)
    REDIS_SERVER     redis-server binary, for scenarios with RATE_LIMIT_* settings
                     (default: redis-server on PATH; the venv then needs the redis package)
    KEEP_LOGS=1      keep the temp dir with the stand-in and Eve logs
"""
import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the repository
import harness  # noqa: E402

REPO = os.path.dirname(os.path.dirname(harness.HERE))
DEFAULT_EVE_PYTHON = os.path.expanduser("~/.cache/enma-eve-venv/bin/python")
EVE_PYTHON = os.environ.get("EVE_PYTHON") or (
    DEFAULT_EVE_PYTHON if os.path.exists(DEFAULT_EVE_PYTHON) else sys.executable
)
STANDIN = os.environ.get("MONGO_STANDIN") or os.path.normpath(
    os.path.join(REPO, "..", "shared", "tools", "mongodb", "mongo_standin.py")
)
REDIS_SERVER = os.environ.get("REDIS_SERVER") or "redis-server"

# The Eve server process (settings.json host port).
EVE_SERVER = os.path.join(harness.HERE, "eve_server.py")

_live = []  # processes to stop on any exit


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, proc, what, timeout=30):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with code {proc.returncode} before answering")
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what}: port {port} did not answer in {timeout}s")


def spawn(cmd, log_path):
    log = open(log_path, "w")
    try:
        p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             start_new_session=True)
    finally:
        log.close()
    _live.append(p)
    return p


def stop(p):
    """SIGTERM the process group we started, then SIGKILL if it lingers."""
    if p.poll() is None:
        try:
            os.killpg(p.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait(5)
    else:
        # the leader is gone; make sure nothing of its group is left
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    if p in _live:
        _live.remove(p)


def stop_all():
    for p in reversed(list(_live)):
        stop(p)


def _on_signal(signum, frame):
    stop_all()
    sys.exit(128 + signum)


def needs_redis(settings):
    """Eve rate-limits only with a Redis: scenarios setting RATE_LIMIT_* get one."""
    return any(k.startswith("RATE_LIMIT_") and v for k, v in settings.items())


class Servers:
    """A fresh stand-in plus, optionally, an Eve serving `settings`."""

    def __init__(self, name, settings=None):
        self.name = name
        self.settings = settings
        self.tmp = tempfile.mkdtemp(prefix=f"enma-gold-{name}-")
        self.procs = []
        self.failed = False

    def __enter__(self):
        try:
            self.mongo_port = free_port()
            nx = spawn([EVE_PYTHON, STANDIN, "--db", "memory", "-p", str(self.mongo_port),
                        "--log-file", os.path.join(self.tmp, "nx.log"),
                        "--pid-file", os.path.join(self.tmp, "nx.pid")],
                       os.path.join(self.tmp, "nx.out"))
            self.procs.append(nx)
            wait_port(self.mongo_port, nx, "mongo stand-in")
            self.mongo_uri = f"mongodb://127.0.0.1:{self.mongo_port}/enma_gold_{self.name}"
            if self.settings is not None:
                self.http_port = free_port()
                settings = dict(self.settings, MONGO_URI=self.mongo_uri)
                if needs_redis(self.settings):
                    # Eve's rate limits count in Redis: a fresh, empty server per scenario
                    self.redis_port = free_port()
                    rd = spawn([REDIS_SERVER, "--port", str(self.redis_port), "--bind", "127.0.0.1",
                                "--save", "", "--appendonly", "no", "--dir", self.tmp],
                               os.path.join(self.tmp, "redis.out"))
                    self.procs.append(rd)
                    wait_port(self.redis_port, rd, "redis-server")
                    settings["REDIS_URL"] = f"redis://127.0.0.1:{self.redis_port}/0"
                spath = os.path.join(self.tmp, "settings.json")
                harness.write_json(spath, settings)
                eve = spawn([EVE_PYTHON, EVE_SERVER, spath, "127.0.0.1", str(self.http_port)],
                            os.path.join(self.tmp, "eve.out"))
                self.procs.append(eve)
                wait_port(self.http_port, eve, "eve")
                self.base = f"http://127.0.0.1:{self.http_port}"
        except BaseException:
            self.failed = True
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, exc_type, exc, tb):
        for p in reversed(self.procs):
            stop(p)
        if exc_type is not None:
            self.failed = True
        if self.failed or os.environ.get("KEEP_LOGS"):
            print(f"  logs kept in {self.tmp}", file=sys.stderr)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)
        return False


def record_scenario(name):
    import requests

    sc = harness.load_scenario(name)
    entries = []
    with Servers(name, sc["settings"]) as srv:
        masker = harness.Masker(base=srv.base)
        variables = {}
        session = requests.Session()
        for step in sc["steps"]:
            method, path, headers, js, body = harness.prepare_request(step, variables)
            resp = harness.send(session, srv.base, method, path, headers, js, body)
            parsed = harness.parse_body(resp)
            problems = harness.save_values(step, resp, parsed, variables)
            if problems:
                srv.failed = True
                raise RuntimeError(f"{name}/{step['id']}: {'; '.join(problems)} "
                                   f"(status {resp.status_code}, body {resp.text[:300]!r})")
            entries.append(harness.record_entry(masker, step, method, path, headers, js, body, resp))
        session.close()
    gold = {"scenario": name, "eve": "2.3.1", "steps": entries}
    harness.write_json(os.path.join(harness.GOLD_DIR, name + ".json"), gold)
    print(f"record {name}: {len(entries)} steps -> gold/{name}.json")


# --------------------------------------------------------------------------
# etags.json: how Eve computes _etag, with vectors from Eve's own function

ETAG_WORKER = r"""
import copy, datetime, hashlib, json, sys
from bson import ObjectId, json_util
from bson.json_util import CANONICAL_JSON_OPTIONS, dumps
import pymongo
from eve import Eve
from eve.utils import document_etag

mongo_uri = sys.argv[1]
utc = datetime.timezone.utc
settings = {
    "MONGO_URI": mongo_uri,
    "RESOURCE_METHODS": ["GET", "POST"],
    "ITEM_METHODS": ["GET", "PATCH", "PUT"],
    "DOMAIN": {"things": {"allow_unknown": True, "schema": {
        "name": {"type": "string"},
        "n": {"type": "number"},
        "when": {"type": "datetime"},
        "ref": {"type": "objectid"},
        "nested": {"type": "dict", "allow_unknown": True},
        "tags": {"type": "list"},
    }}},
}
app = Eve(settings=settings)

def canon(doc):
    return json.loads(json_util.dumps(doc, json_options=CANONICAL_JSON_OPTIONS))

def hashed_text(doc):
    # exactly what eve.utils.document_etag feeds to sha1 (default options)
    enc = app.data.json_encoder_class()
    return dumps(doc, sort_keys=True, default=enc.default)

D = datetime.datetime
vectors = [
    ("empty document", {}),
    ("ints and a bool", {"b": 2, "a": 1, "ok": True, "no": False, "nil": None}),
    ("floats", {"x": 1.5, "big": 1e20, "tenth": 0.1, "neg": -0.0, "third": 1 / 3, "whole": 2.0, "tiny": 1e-7}),
    ("large ints", {"i32max": 2147483647, "i64": 9007199254740993, "neg": -42}),
    ("unicode", {"name": "Jos\u00e9 \u00d1and\u00fa \u2603 \U0001F600", "quote": "a\"b\\c/d\n\t"}),
    ("nested dict and list", {"address": {"zip": "00100", "city": "Rome", "geo": {"lat": 41.9, "lng": 12.5}},
                              "tags": ["b", "a", {"k": [1, 2, [3]]}]}),
    ("datetimes", {"_created": D(2024, 5, 1, 12, 0, 0, tzinfo=utc),
                   "_updated": D(2024, 5, 1, 12, 0, 1, tzinfo=utc),
                   "naive": D(2024, 5, 1, 12, 0, 0),
                   "millis": D(2024, 5, 1, 12, 0, 0, 123000, tzinfo=utc),
                   "micros": D(2024, 5, 1, 12, 0, 0, 123456, tzinfo=utc),
                   "epoch": D(1970, 1, 1),
                   "before_epoch": D(1960, 6, 15, tzinfo=utc),
                   "far_future": D(9999, 12, 31, 23, 59, 59, tzinfo=utc)}),
    ("object ids", {"_id": ObjectId("5f1d7f8e9a0b1c2d3e4f5a6b"), "ref": ObjectId("000000000000000000000000"),
                    "refs": [ObjectId("ffffffffffffffffffffffff")]}),
    ("a POST-like document", {"firstname": "Ann", "age": 30, "_created": D(2026, 1, 2, 3, 4, 5, tzinfo=utc),
                              "_updated": D(2026, 1, 2, 3, 4, 5, tzinfo=utc)}),
    ("a PATCH-like document (old _etag included)",
     {"_id": ObjectId("5f1d7f8e9a0b1c2d3e4f5a6b"), "firstname": "Ann", "age": 31,
      "_etag": "0123456789abcdef0123456789abcdef01234567",
      "_created": D(2026, 1, 2, 3, 4, 5, tzinfo=utc), "_updated": D(2026, 1, 2, 3, 4, 9, tzinfo=utc)}),
    ("keys needing sort", {"Z": 1, "a": 2, "_z": 3, "\u00e9": 4, "10": 5, "9": 6}),
    ("non-finite floats (JSON input may carry NaN/Infinity)", {"nan": float("nan"), "inf": float("inf"),
                                                              "ninf": float("-inf")}),
]

out = {"function_vectors": [], "response_vectors": []}
with app.app_context():
    for label, doc in vectors:
        etag = document_etag(copy.deepcopy(doc))
        text = hashed_text(doc)
        assert hashlib.sha1(text.encode("utf-8")).hexdigest() == etag, label
        out["function_vectors"].append({"label": label, "input": canon(doc), "hashed_text": text, "etag": etag})
    ign = {"a": 1, "secret": "x", "nested": {"keep": 1, "drop": 2}}
    out["function_vectors"].append({
        "label": "etag_ignore_fields ['secret', 'nested.drop'] (fields removed before hashing)",
        "input": canon(ign), "ignore_fields": ["secret", "nested.drop"],
        "hashed_text": hashed_text({"a": 1, "nested": {"keep": 1}}),
        "etag": document_etag(copy.deepcopy(ign), ignore_fields=["secret", "nested.drop"])})

db = pymongo.MongoClient(mongo_uri, tz_aware=True).get_default_database()
client = app.test_client()

def stored(_id):
    return db.things.find_one({"_id": ObjectId(_id)})

def check(label, method, request_json, response, hashed):
    text = hashed_text(hashed)
    etag = response["_etag"]
    assert hashlib.sha1(text.encode("utf-8")).hexdigest() == etag, (label, text, etag)
    out["response_vectors"].append({"label": label, "method": method, "request": request_json,
                                    "hashed_input": canon(hashed), "hashed_text": text, "etag": etag})

body = {"name": "Ann \u00e9", "n": 1.5, "when": "Tue, 01 Jan 2030 10:00:00 GMT",
        "ref": "5f1d7f8e9a0b1c2d3e4f5a6b", "nested": {"z": 1, "a": [1, 2.5, None]}, "tags": ["x", "y"], "extra": True}
r = client.post("/things", json=body).get_json()
doc = stored(r["_id"])
hashed = {k: v for k, v in doc.items() if k not in ("_id", "_etag")}
check("POST: stored document minus _id and _etag", "POST", body, r, hashed)
old_etag = r["_etag"]

body2 = {"n": 1e20, "nested": {"b": 0.1}}
r2 = client.patch("/things/" + r["_id"], json=body2, headers={"If-Match": old_etag}).get_json()
doc2 = stored(r["_id"])
hashed2 = dict(doc2, _etag=old_etag)
check("PATCH: stored document after the update, with the PREVIOUS _etag in place of the new one", "PATCH",
      body2, r2, hashed2)

body3 = {"name": "Bob", "n": 7, "tags": []}
r3 = client.put("/things/" + r["_id"], json=body3, headers={"If-Match": r2["_etag"]}).get_json()
doc3 = stored(r["_id"])
hashed3 = {k: v for k, v in doc3.items() if k != "_etag"}
check("PUT: stored replacement document (with _id) minus _etag", "PUT", body3, r3, hashed3)

# a document written by another tool, without _etag/_created/_updated
oid = db.things.insert_one({"name": "raw", "n": 2}).inserted_id
g = client.get("/things/" + str(oid))
gj = g.get_json()
hashed4 = {"_id": oid, "name": "raw", "n": 2,
           "_created": datetime.datetime(1970, 1, 1), "_updated": datetime.datetime(1970, 1, 1)}
text4 = hashed_text(hashed4)
assert hashlib.sha1(text4.encode()).hexdigest() == gj["_etag"] == g.headers["ETag"].strip('"')
out["response_vectors"].append({
    "label": "GET of a document stored without _etag/_created/_updated (computed on the fly, not stored)",
    "method": "GET", "stored": canon(db.things.find_one({"_id": oid})), "hashed_input": canon(hashed4),
    "hashed_text": text4, "etag": gj["_etag"],
    "response_created": gj["_created"], "response_updated": gj["_updated"]})
# and the same document fetched with a client projection: the etag changes
g2 = client.get("/things/" + str(oid) + '?projection={"name":1}').get_json()
hashed5 = {"_id": oid, "name": "raw",
           "_created": datetime.datetime(1970, 1, 1), "_updated": datetime.datetime(1970, 1, 1)}
text5 = hashed_text(hashed5)
assert hashlib.sha1(text5.encode()).hexdigest() == g2["_etag"]
out["response_vectors"].append({
    "label": "same document, GET ?projection={\"name\":1}: the on-the-fly etag covers only the projected fields",
    "method": "GET", "hashed_input": canon(hashed5), "hashed_text": text5, "etag": g2["_etag"]})

# PATCH of that document: no old _etag in the hashed input, _created defaults to the epoch
r6 = client.patch("/things/" + str(oid), json={"n": 3}, headers={"If-Match": gj["_etag"]}).get_json()
doc6 = db.things.find_one({"_id": oid})
hashed6 = {k: v for k, v in doc6.items() if k != "_etag"}
hashed6["_created"] = datetime.datetime(1970, 1, 1)
check("PATCH of a document stored without _etag/_created: no _etag in the input, _created = epoch "
      "(stored document after the update minus _etag, plus _created 1970-01-01)", "PATCH", {"n": 3}, r6, hashed6)
out["response_vectors"][-1]["stored_after"] = canon(doc6)
print(json.dumps(out))
"""


def record_etags():
    with Servers("etags") as srv:
        res = subprocess.run([EVE_PYTHON, "-c", ETAG_WORKER, srv.mongo_uri],
                             capture_output=True, text=True, timeout=120)
        if res.returncode != 0:
            srv.failed = True
            raise RuntimeError("etag worker failed:\n" + res.stderr[-4000:])
        data = json.loads(res.stdout.strip().splitlines()[-1])
    doc = {
        "eve": "2.3.1",
        "rule": [
            "etag = sha1(bson.json_util.dumps(doc, sort_keys=True, default=MongoJSONEncoder().default)"
            ".encode('utf-8')).hexdigest(): 40 lower-case hex chars (eve.utils.document_etag)",
            "dumps = json.dumps (ensure_ascii=True: non-ASCII as \\uXXXX, astral chars as surrogate pairs; "
            "separators ', ' and ': '; keys sorted by code point at every level; lists kept in order) after "
            "bson.json_util's conversion with DEFAULT_JSON_OPTIONS, which is RELAXED in pymongo 4",
            "RELAXED conversion: ObjectId -> {\"$oid\": hex}; datetime (naive = UTC) -> "
            "{\"$date\": \"YYYY-MM-DDTHH:MM:SS[.mmm]Z\"} for 1970..9999 (.mmm only when the milliseconds are "
            "non-zero; microseconds truncated), else {\"$date\": {\"$numberLong\": \"<ms>\"}}; ints and finite "
            "floats stay plain JSON numbers printed like Python repr (1.5, 1e+20, 0.1, 1e-07, -0.0, 2.0); "
            "NaN/Infinity -> {\"$numberDouble\": \"NaN\"|\"Infinity\"|\"-Infinity\"}",
            "resource setting etag_ignore_fields (default none): those (dotted) fields are removed first",
            "POST: doc = validated document (after Eve's type coercion and Cerberus defaults) + "
            "_created = _updated = request time (UTC, whole seconds, the same for every document of one request); "
            "no _id (unless the client sent one) and no _etag. Equal documents POSTed in one second share an etag",
            "PATCH: doc = stored document as read with the resource projection (schema fields + _id, _created, "
            "_updated, _etag; a missing _created/_updated becomes naive 1970-01-01) including the OLD _etag if one "
            "is stored, with the validated updates merged in (nested dicts merged) and _updated = now",
            "PUT: doc = validated replacement (with defaults) + _id + _created (the stored one) + _updated = now; "
            "no _etag",
            "GET of a document stored without _etag (written by another tool): computed on the fly, not stored, "
            "over the document as read (resource projection AND the client's ?projection applied, _id included) "
            "with a missing _created/_updated set to naive 1970-01-01 (so they hash as 1970-01-01T00:00:00Z and "
            "render as 'Thu, 01 Jan 1970 00:00:00 GMT'); a stored _etag is returned as is",
            "the ETag header is the _etag in double quotes; If-Match / If-None-Match are compared after "
            "stripping a leading W/ and every double quote",
        ],
        **data,
    }
    harness.write_json(os.path.join(harness.HERE, "etags.json"), doc)
    print(f"record etags: {len(data['function_vectors'])} function vectors, "
          f"{len(data['response_vectors'])} response vectors -> etags.json")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scenarios", nargs="*")
    ap.add_argument("--etags", action="store_true", help="regenerate etags.json")
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    try:
        if args.etags:
            record_etags()
            if not args.scenarios:
                return 0
        names = args.scenarios or harness.scenario_names()
        for name in names:
            record_scenario(name)
    finally:
        stop_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
