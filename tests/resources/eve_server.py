"""Runs real Eve 2.3.1: python eve_server.py SETTINGS.json HOST PORT.

The settings file holds Eve's settings, MONGO_URI included. Used by
record.py and by the tests that run Eve and ENMA on one database.

ENMA's `AUTH` settings key (see README.md, "Authentication") is popped from
the settings and turned into an Eve auth class passed as `Eve(auth=...)`.
A `REDIS_URL` key (added by record.py for scenarios with RATE_LIMIT_* settings)
is popped too and passed as `Eve(redis=redis.Redis.from_url(...))`."""
import json
import sys

from eve import Eve


def build_auth(spec):
    """An Eve BasicAuth / TokenAuth subclass implementing ENMA's AUTH key."""
    import bcrypt  # only needed when AUTH is present
    from eve.auth import BasicAuth, TokenAuth
    from flask import current_app

    kind = spec.get("type")
    users = spec.get("users") or []
    accounts = spec.get("accounts")
    auth_value = spec.get("auth_value", "username")

    def find_account(field, value):
        for user in users:
            if field in user and user[field] == value:
                return user
        if accounts:
            source = current_app.data.datasource(accounts)[0]
            return current_app.data.driver.db[source].find_one({field: value})
        return None

    def grant(auth, account, allowed_roles):
        if account is None:
            return False
        if allowed_roles:
            roles = account.get("roles")
            if not isinstance(roles, list) or not set(allowed_roles) & {
                r for r in roles if isinstance(r, str)
            }:
                return False
        if auth_value in account:
            auth.set_request_auth_value(account[auth_value])
        return True

    if kind == "basic":
        def check_auth(self, username, password, allowed_roles, resource, method):
            account = find_account("username", username)
            if account is None:
                return False
            stored = account.get("password")
            if not isinstance(stored, str) or not isinstance(password, str):
                return False
            try:
                ok = bcrypt.checkpw(password.encode("utf-8"), stored.encode("utf-8"))
            except ValueError:  # not a bcrypt hash (or a password bcrypt refuses)
                return False
            return ok and grant(self, account, allowed_roles)

        return type("EnmaBasicAuth", (BasicAuth,), {"check_auth": check_auth})
    if kind == "token":
        def check_auth(self, token, allowed_roles, resource, method):
            return grant(self, find_account("token", token), allowed_roles)

        return type("EnmaTokenAuth", (TokenAuth,), {"check_auth": check_auth})
    raise ValueError(f"AUTH.type must be 'basic' or 'token', not {kind!r}")


with open(sys.argv[1], encoding="utf-8") as f:
    settings = json.load(f)
auth_spec = settings.pop("AUTH", None)
redis_url = settings.pop("REDIS_URL", None)
kwargs = {}
if auth_spec is not None:
    kwargs["auth"] = build_auth(auth_spec)
if redis_url is not None:
    import redis  # only needed for rate limits

    kwargs["redis"] = redis.Redis.from_url(redis_url)
app = Eve(settings=settings, **kwargs)
app.run(host=sys.argv[2], port=int(sys.argv[3]), debug=False, use_reloader=False)
