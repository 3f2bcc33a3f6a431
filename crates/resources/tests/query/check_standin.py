#!/usr/bin/env python
"""Cross-check vectors.json against a real Eve app on a real driver.

Runs every case of vectors.json through an Eve 2.3.1 app whose pymongo talks
to the MongoDB stand-in (no fakes), and compares the HTTP status (and the
message of 400s). A 200 in vectors.json that fails here is reported apart:
the stand-in is not MongoDB (no $where, no $text, ...).

Usage: check_standin.py PORT [vectors.json]
"""
import json
import sys
import warnings
from urllib.parse import urlencode

warnings.simplefilter("ignore")
import logging  # noqa: E402

logging.disable(logging.CRITICAL)

from eve import Eve  # noqa: E402

port = int(sys.argv[1])
vec = json.load(open(sys.argv[2] if len(sys.argv) > 2 else "vectors.json"))
from pymongo.synchronous.collection import Collection  # noqa: E402

REAL = (Collection.find, Collection.count_documents)
sys.path.insert(0, ".")
import gen_vectors as g  # noqa: E402  (for DOMAIN; its fakes are undone below)

Collection.find, Collection.count_documents = REAL


def app(debug):
    a = Eve(settings={"DOMAIN": json.loads(json.dumps(g.DOMAIN)),
                      "MONGO_URI": "mongodb://127.0.0.1:%d/vectors" % port, "DEBUG": debug})
    return a.test_client()


clients = {True: app(True), False: app(False)}
same = differ = db_only = 0
for c in vec["cases"]:
    url = "/%s?%s" % (c["resource"], urlencode(c["params"]))
    want = c["expect"]
    try:
        r = clients[c["debug"]].get(url)
        status = r.status_code
        msg = ((r.get_json(silent=True) or {}).get("_error") or {}).get("message")
    except Exception as e:  # with DEBUG, Flask propagates the crash: a 500
        status, msg = 500, "%s: %s" % (type(e).__name__, e)
    if status == want["status"] and (want["status"] != 400 or msg == want["message"]):
        same += 1
    elif want["status"] == 200 and status == 500:
        db_only += 1
        print("stand-in refused", c["id"], c["params"])
    else:
        differ += 1
        print("DIFF", c["id"], c["params"], want["status"], want.get("message"), "->", status, msg)
print("same %d, differ %d, refused by the stand-in only %d" % (same, differ, db_only))
