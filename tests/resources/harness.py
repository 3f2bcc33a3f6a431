"""Shared code of record.py and replay.py: scenarios, ${var} substitution,
sending a step with `requests`, masking and comparing responses.

See README.md in this directory for the file formats and the masks.
"""
import datetime
import email.utils
import json
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
SCENARIO_DIR = os.path.join(HERE, "scenarios")
GOLD_DIR = os.path.join(HERE, "gold")

# Response headers kept in gold files (canonical spelling), plus two prefixes.
KEPT_HEADERS = [
    "Content-Type",
    "Location",
    "ETag",
    "X-Total-Count",
    "Last-Modified",
    "Cache-Control",
    "Expires",
    "Allow",
    "WWW-Authenticate",
]
KEPT_PREFIXES = ["Access-Control-", "X-RateLimit-"]
# Comma-separated method lists whose order is random in Eve (sorted when masked).
UNORDERED_LIST_HEADERS = {"Allow", "Access-Control-Allow-Methods"}
# Headers holding a Unix time (seconds): masked as <timestamp> when near the clock.
TIMESTAMP_HEADERS = {"X-RateLimit-Reset"}

# A RFC 1123 date is masked only when it lies this close to the clock of the
# machine that masks it: server-generated dates (_created, _updated,
# Last-Modified, Expires) are "now", while the fixed dates a scenario sends
# (1970, 1999, 2099, ...) stay visible and are compared literally.
DATE_WINDOW = datetime.timedelta(days=30)

_WEEKDAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
DATE_RE = re.compile(_WEEKDAY + r", \d{2} " + _MONTH + r" \d{4} \d{2}:\d{2}:\d{2} GMT")
ETAG_RE = re.compile(r"(?<![0-9A-Fa-f])[0-9a-f]{40}(?![0-9A-Fa-f])")
OID_RE = re.compile(r"(?<![0-9A-Fa-f])[0-9a-f]{24}(?![0-9A-Fa-f])")
LOCAL_HOST_RE = re.compile(r"https?://(?:127\.0\.0\.1|localhost|\[::1\]|0\.0\.0\.0)(?::\d+)?")
VAR_RE = re.compile(r"\$\{([A-Za-z0-9_.\-]+)\}")


# --------------------------------------------------------------------------
# scenarios

def scenario_names(directory=SCENARIO_DIR):
    return sorted(f[:-5] for f in os.listdir(directory) if f.endswith(".json"))


def load_scenario(name, directory=SCENARIO_DIR):
    with open(os.path.join(directory, name + ".json"), encoding="utf-8") as f:
        sc = json.load(f)
    ids = [s["id"] for s in sc["steps"]]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise ValueError(f"scenario {name}: duplicate step ids {dup}")
    bad = [k for k in sc["settings"] if k.startswith("MONGO_") or k == "REDIS_URL"]
    if bad:
        raise ValueError(f"scenario {name}: settings must not hold {bad}")
    return sc


def write_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(json.dumps(obj, indent=2, ensure_ascii=False) + "\n")


# --------------------------------------------------------------------------
# ${var} substitution

class MissingVariable(KeyError):
    pass


def substitute(value, variables):
    """Replace ${name} in every string of `value` (recursively). A string that
    is exactly one ${name} becomes the saved value itself (any JSON type)."""
    if isinstance(value, str):
        m = VAR_RE.fullmatch(value)
        if m:
            if m.group(1) not in variables:
                raise MissingVariable(m.group(1))
            return variables[m.group(1)]

        return substitute_text(value, variables)
    if isinstance(value, list):
        return [substitute(v, variables) for v in value]
    if isinstance(value, dict):
        return {substitute(k, variables): substitute(v, variables) for k, v in value.items()}
    return value


def substitute_text(value, variables):
    """Like substitute, but the result is always a string (paths, headers, raw bodies)."""
    def one(m):
        if m.group(1) not in variables:
            raise MissingVariable(m.group(1))
        v = variables[m.group(1)]
        return v if isinstance(v, str) else json.dumps(v)

    return VAR_RE.sub(one, value)


def dotted_get(obj, path):
    """`_items.0._id` -> obj["_items"][0]["_id"]; KeyError when absent."""
    cur = obj
    for part in path.split("."):
        if isinstance(cur, dict) and part in cur:
            cur = cur[part]
        elif isinstance(cur, list) and re.fullmatch(r"-?\d+", part) and -len(cur) <= int(part) < len(cur):
            cur = cur[int(part)]
        else:
            raise KeyError(path)
    return cur


# --------------------------------------------------------------------------
# sending a step

# Fixed boundary of the multipart/form-data bodies built from `data`/`files`,
# so that the bytes sent are the same on every run (requests' is random).
MULTIPART_BOUNDARY = "enma-gold-boundary-7f3a9c"


class MultipartBody(str):
    """A multipart/form-data body built from a step's `data` and `files`.
    As a string it is the body text (for display); encode() gives the exact
    bytes sent; `.form` is what the gold file records instead of the body."""

    def __new__(cls, raw, form):
        obj = super().__new__(cls, raw.decode("utf-8", errors="replace"))
        obj.raw = raw
        obj.form = form
        return obj

    def encode(self, *args, **kwargs):
        return self.raw


def _quote_param(s):
    return s.replace("\\", "\\\\").replace('"', '\\"')


def build_multipart(data, files, boundary=MULTIPART_BOUNDARY):
    """Bytes of a multipart/form-data body: the `data` fields first (a list
    value sends the field once per element), then the `files` parts (a list
    sends one part per file, all under the field's name). A file is
    {"name": filename, "content": text (UTF-8) | "content_base64": b64,
    "type": content type (optional)}."""
    import base64

    out = []
    for name, value in (data or {}).items():
        for v in value if isinstance(value, list) else [value]:
            text = v if isinstance(v, str) else json.dumps(v)
            out.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{_quote_param(name)}\"\r\n\r\n"
                       .encode("utf-8") + text.encode("utf-8") + b"\r\n")
    for name, value in (files or {}).items():
        for f in value if isinstance(value, list) else [value]:
            if "content_base64" in f:
                content = base64.b64decode(f["content_base64"])
            else:
                content = f.get("content", "").encode("utf-8")
            head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{_quote_param(name)}\"; "
                    f"filename=\"{_quote_param(f.get('name', ''))}\"\r\n")
            if f.get("type"):
                head += f"Content-Type: {f['type']}\r\n"
            out.append(head.encode("utf-8") + b"\r\n" + content + b"\r\n")
    out.append(f"--{boundary}--\r\n".encode("utf-8"))
    return b"".join(out)


def prepare_request(step, variables):
    """The concrete request of a step: (method, path, headers, json, body)."""
    method = step["method"].upper()
    path = substitute_text(step["path"], variables)
    headers = {k: substitute_text(v, variables) for k, v in step.get("headers", {}).items()}
    js = substitute(step["json"], variables) if "json" in step else None
    body = substitute_text(step["body"], variables) if "body" in step else None
    if "data" in step or "files" in step:
        form = {}
        if "data" in step:
            form["data"] = substitute(step["data"], variables)
        if "files" in step:
            form["files"] = substitute(step["files"], variables)
        body = MultipartBody(build_multipart(form.get("data"), form.get("files")), form)
        if not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = f"multipart/form-data; boundary={MULTIPART_BOUNDARY}"
    if body is not None and not any(k.lower() == "content-type" for k in headers):
        headers["Content-Type"] = "application/json"
    return method, path, headers, js, body


def send(session, base, method, path, headers, js=None, body=None, timeout=30):
    kwargs = {"headers": headers, "allow_redirects": False, "timeout": timeout}
    if js is not None:
        kwargs["json"] = js
    elif body is not None:
        kwargs["data"] = body.encode("utf-8")
    return session.request(method, base.rstrip("/") + path, **kwargs)


def save_values(step, response, parsed_body, variables):
    """Apply a step's `save` and `save_header`; returns a list of problems."""
    problems = []
    for var, path in step.get("save", {}).items():
        try:
            variables[var] = dotted_get(parsed_body, path)
        except (KeyError, TypeError):
            problems.append(f"save {var}: no {path!r} in the response body")
    for var, header in step.get("save_header", {}).items():
        if header in response.headers:
            variables[var] = response.headers[header]
        else:
            problems.append(f"save_header {var}: no {header} header in the response")
    return problems


def parse_body(response):
    if not response.content:
        return None
    text = response.content.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except ValueError:
        return {"raw": text}


def canonical_header(name):
    low = name.lower()
    for h in KEPT_HEADERS:
        if h.lower() == low:
            return h
    for p in KEPT_PREFIXES:
        if low.startswith(p.lower()):
            rest = name[len(p):]
            return p + "-".join(x[:1].upper() + x[1:].lower() for x in rest.split("-"))
    return None


def kept_headers(response):
    out = {}
    for name, value in response.headers.items():
        c = canonical_header(name)
        if c is not None:
            out[c] = value
    return out


# --------------------------------------------------------------------------
# masking

class Masker:
    """Masks nondeterministic values. One Masker per scenario run, so that
    <oid:N> / <etag:N> are numbered by first appearance within the scenario.
    Dict keys are visited in sorted order, so numbering does not depend on the
    key order a server happens to use."""

    def __init__(self, base=None, now=None):
        self.oids = {}
        self.etags = {}
        self.now = now
        self.hosts = []
        if base:
            m = re.match(r"(https?://[^/]+)", base)
            if m:
                self.hosts.append(m.group(1))

    def _now(self):
        return self.now or datetime.datetime.now(datetime.timezone.utc)

    def _date(self, m):
        try:
            d = email.utils.parsedate_to_datetime(m.group(0))
        except (TypeError, ValueError):
            return m.group(0)
        if d.tzinfo is None:
            d = d.replace(tzinfo=datetime.timezone.utc)
        return "<date>" if abs(d - self._now()) <= DATE_WINDOW else m.group(0)

    def _num(self, table, kind, m):
        v = m.group(0)
        if v not in table:
            table[v] = len(table) + 1
        return f"<{kind}:{table[v]}>"

    def text(self, s):
        for h in self.hosts:
            s = s.replace(h, "http://<host>")
        s = LOCAL_HOST_RE.sub("http://<host>", s)
        s = ETAG_RE.sub(lambda m: self._num(self.etags, "etag", m), s)
        s = OID_RE.sub(lambda m: self._num(self.oids, "oid", m), s)
        s = DATE_RE.sub(self._date, s)
        return s

    def value(self, v):
        if isinstance(v, str):
            return self.text(v)
        if isinstance(v, list):
            return [self.value(x) for x in v]
        if isinstance(v, dict):
            masked = {}
            for k in sorted(v, key=str):
                masked[k] = (self.text(k), self.value(v[k]))
            return {masked[k][0]: masked[k][1] for k in v}
        return v

    def _timestamp(self, v):
        try:
            t = datetime.datetime.fromtimestamp(int(v.strip()), datetime.timezone.utc)
        except (ValueError, OverflowError, OSError):
            return v
        return "<timestamp>" if abs(t - self._now()) <= DATE_WINDOW else v

    def headers(self, h):
        out = {}
        for k in sorted(h):
            v = self.text(h[k])
            if k in TIMESTAMP_HEADERS:
                v = self._timestamp(v)
            if k in UNORDERED_LIST_HEADERS:
                # werkzeug builds the method list from a set: its order changes
                # with PYTHONHASHSEED, so it is compared sorted
                v = ", ".join(sorted(x.strip() for x in v.split(",") if x.strip()))
            out[k] = v
        return out


def record_entry(masker, step, method, path, headers, js, body, response):
    """The masked gold/replay entry of one step. The request is masked first."""
    req = {"method": method, "path": masker.text(path)}
    if headers:
        req["headers"] = masker.headers(headers)
    if js is not None:
        req["json"] = masker.value(js)
    if isinstance(body, MultipartBody):
        # the form as the step wrote it (substituted), not the body bytes
        req.update(masker.value(body.form))
    elif body is not None:
        req["body"] = masker.text(body)
    resp_headers = masker.headers(kept_headers(response))
    resp_body = masker.value(parse_body(response))
    return {
        "id": step["id"],
        "request": req,
        "status": response.status_code,
        "headers": resp_headers,
        "body": resp_body,
    }


# --------------------------------------------------------------------------
# comparing

def _tname(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "list"
    return "object"


def _short(v):
    s = json.dumps(v, ensure_ascii=False, sort_keys=True)
    return s if len(s) <= 400 else s[:400] + "..."


def json_diff(expected, actual, path="$"):
    """Differences between two parsed JSON values: list of strings. Dict key
    order is ignored, list order is not; 1, 1.0 and true are all different."""
    te, ta = _tname(expected), _tname(actual)
    if te != ta:
        return [f"{path}: expected {_short(expected)} ({te}), got {_short(actual)} ({ta})"]
    if te == "object":
        out = []
        for k in expected:
            if k not in actual:
                out.append(f"{path}.{k}: missing (expected {_short(expected[k])})")
            else:
                out.extend(json_diff(expected[k], actual[k], f"{path}.{k}"))
        for k in actual:
            if k not in expected:
                out.append(f"{path}.{k}: unexpected (got {_short(actual[k])})")
        return out
    if te == "list":
        out = []
        for i, (e, a) in enumerate(zip(expected, actual)):
            out.extend(json_diff(e, a, f"{path}[{i}]"))
        if len(expected) != len(actual):
            out.append(f"{path}: expected {len(expected)} elements, got {len(actual)}")
        return out
    if expected != actual:
        return [f"{path}: expected {_short(expected)}, got {_short(actual)}"]
    return []


def compare_entries(expected, actual):
    """List of differences (strings) between a gold entry and a replayed one."""
    diffs = []
    if expected["status"] != actual["status"]:
        diffs.append(f"status: expected {expected['status']}, got {actual['status']}")
    eh, ah = expected["headers"], actual["headers"]
    for k in sorted(set(eh) | set(ah)):
        if k not in ah:
            diffs.append(f"header {k}: expected {eh[k]!r}, missing")
        elif k not in eh:
            diffs.append(f"header {k}: unexpected {ah[k]!r}")
        elif eh[k] != ah[k]:
            diffs.append(f"header {k}: expected {eh[k]!r}, got {ah[k]!r}")
    for d in json_diff(expected["body"], actual["body"], "body"):
        diffs.append(d)
    return diffs
