"""Runs real Eve 2.3.1: python eve_server.py SETTINGS.json HOST PORT.

The settings file holds Eve's settings, MONGO_URI included. Used by
record.py and by the tests that run Eve and ENMA on one database."""
import json
import sys

from eve import Eve

with open(sys.argv[1], encoding="utf-8") as f:
    settings = json.load(f)
app = Eve(settings=settings)
app.run(host=sys.argv[2], port=int(sys.argv[3]), debug=False, use_reloader=False)
