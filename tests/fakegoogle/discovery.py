"""Request validation driven by the discovery documents shipped in google-api-python-client.

This module owns: loading ``sheets.v4``, ``calendar.v3``, ``gmail.v1`` and ``drive.v3`` from
googleapiclient's static discovery cache, resolving an HTTP method + path to a discovery method
(:class:`MethodSpec`), checking and converting query/path parameters, and validating JSON
request bodies against the method's ``request`` schema. Using the very documents the real
clients are generated from keeps the fake from accepting requests Google would reject.
"""

from __future__ import annotations

import functools
import json
import re
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from googleapiclient import discovery_cache

from .errors import ApiError, bad_request, not_found

# Short API name used throughout the fake -> (discovery name, version).
API_DOCS: dict[str, tuple[str, str]] = {
    "sheets": ("sheets", "v4"),
    "calendar": ("calendar", "v3"),
    "gmail": ("gmail", "v1"),
    "drive": ("drive", "v3"),
}

# Required body fields the discovery documents only state in prose. Dotted paths; the
# message is what Google answers when the field is missing.
EXTRA_REQUIRED: dict[str, list[tuple[str, str]]] = {
    "sheets.spreadsheets.values.batchUpdate": [
        ("valueInputOption", "'valueInputOption' is required but not specified"),
        ("data", "'data' is required but not specified"),
    ],
    "sheets.spreadsheets.values.batchUpdateByDataFilter": [
        ("valueInputOption", "'valueInputOption' is required but not specified"),
        ("data", "'data' is required but not specified"),
    ],
    "sheets.spreadsheets.batchUpdate": [("requests", "Must specify at least one request.")],
}

# Required query parameters the documents leave optional but Google enforces.
EXTRA_REQUIRED_QUERY: dict[str, list[str]] = {
    "sheets.spreadsheets.values.update": ["valueInputOption"],
    "sheets.spreadsheets.values.append": ["valueInputOption"],
}

# Google's own wording for Calendar's required times.
_REQUIRED_MESSAGES: dict[str, str] = {"start": "Missing start time.", "end": "Missing end time."}

_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}:?\d{2})?$"
)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INTEGER = re.compile(r"^[+-]?\d+$")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^(NaN|-?Infinity)$")
_BASE64 = re.compile(r"^[A-Za-z0-9+/_\-\s]*={0,2}\s*$")
_INT_RANGES: dict[str, tuple[int, int]] = {
    "int32": (-(2**31), 2**31 - 1),
    "uint32": (0, 2**32 - 1),
    "int64": (-(2**63), 2**63 - 1),
    "uint64": (0, 2**64 - 1),
}


def parse_rfc3339(text: str) -> datetime | None:
    """Parse an RFC 3339 timestamp, or return None when it is not one."""
    if not _RFC3339.match(text):
        return None
    try:
        return datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        return None


@dataclass(frozen=True)
class MethodSpec:
    """One discovery method, bound to a full path template on the fake's host."""

    api: str
    method_id: str
    http_method: str
    template: str
    regex: re.Pattern[str]
    path_params: tuple[str, ...]
    parameters: Mapping[str, Any]
    request_ref: str | None
    is_upload: bool
    literal_len: int
    desc: Mapping[str, Any] = field(repr=False)

    @property
    def name(self) -> str:
        """The method id without its API prefix, e.g. ``spreadsheets.values.batchUpdate``."""
        return self.method_id.split(".", 1)[1]


def _compile_template(template: str) -> tuple[re.Pattern[str], tuple[str, ...], int]:
    # Match against the still-percent-encoded path: an encoded ':' or '/' inside a range
    # or calendar id must not be mistaken for the template's literal separators.
    pattern = ["^"]
    names: list[str] = []
    literal = 0
    pos = 0
    for m in re.finditer(r"\{(\+?)([^}]+)\}", template):
        lit = template[pos : m.start()]
        pattern.append(re.escape(lit))
        literal += len(lit)
        names.append(m.group(2))
        pattern.append("(.+)" if m.group(1) else "([^/]+)")
        pos = m.end()
    tail = template[pos:]
    pattern.append(re.escape(tail))
    literal += len(tail)
    pattern.append("$")
    return re.compile("".join(pattern)), tuple(names), literal


def _walk_methods(resource: Mapping[str, Any]) -> Iterable[Mapping[str, Any]]:
    yield from resource.get("methods", {}).values()
    for sub in resource.get("resources", {}).values():
        yield from _walk_methods(sub)


@dataclass
class ApiDoc:
    """One loaded discovery document."""

    api: str
    doc: Mapping[str, Any]
    methods: list[MethodSpec]

    @property
    def schemas(self) -> Mapping[str, Any]:
        schemas: Mapping[str, Any] = self.doc.get("schemas", {})
        return schemas


@functools.cache
def load_doc(api: str) -> ApiDoc:
    """Load one discovery document from googleapiclient's static cache and index its methods.

    Cached: the documents are read-only and parsing them is the slowest part of starting a
    server, which tests do once per test.
    """
    name, version = API_DOCS[api]
    text = discovery_cache.get_static_doc(name, version)
    if text is None:
        raise RuntimeError(f"discovery document {name}.{version} is not shipped")
    doc = json.loads(text)
    service_path = doc.get("servicePath", "")
    global_params = doc.get("parameters", {})
    methods: list[MethodSpec] = []
    for method in _walk_methods(doc):
        params = {**global_params, **method.get("parameters", {})}
        request_ref = method.get("request", {}).get("$ref")
        templates = [("/" + service_path + method.get("flatPath", method["path"]), False)]
        simple = method.get("mediaUpload", {}).get("protocols", {}).get("simple", {})
        if simple.get("path"):
            templates.append((simple["path"], True))
        for template, is_upload in templates:
            regex, names, literal = _compile_template(template)
            methods.append(
                MethodSpec(
                    api=api,
                    method_id=method["id"],
                    http_method=method["httpMethod"],
                    template=template,
                    regex=regex,
                    path_params=names,
                    parameters=params,
                    request_ref=request_ref,
                    is_upload=is_upload,
                    literal_len=literal,
                    desc=method,
                )
            )
    # Most specific template first, so ".../values/{range}:append" beats ".../values/{range}".
    methods.sort(key=lambda m: -m.literal_len)
    return ApiDoc(api=api, doc=doc, methods=methods)


class Registry:
    """All discovery documents the fake serves, with routing and validation."""

    def __init__(self, apis: Iterable[str] = API_DOCS) -> None:
        self.docs: dict[str, ApiDoc] = {api: load_doc(api) for api in apis}

    def route(self, http_method: str, raw_path: str) -> tuple[MethodSpec, dict[str, str]]:
        """Find the method for a request, returning it with its decoded path parameters."""
        path_matched = False
        for doc in self.docs.values():
            for spec in doc.methods:
                m = spec.regex.match(raw_path)
                if m is None:
                    continue
                path_matched = True
                if spec.http_method != http_method:
                    continue
                values = {
                    name: urllib.parse.unquote(value)
                    for name, value in zip(spec.path_params, m.groups(), strict=True)
                }
                return spec, values
        if path_matched:
            raise not_found(f"Method {http_method} is not allowed on {raw_path}.")
        raise not_found(f"The requested URL {raw_path} was not found on this server.")

    # ---- parameters -------------------------------------------------------------------

    def check_params(
        self, spec: MethodSpec, path_values: Mapping[str, str], query: Mapping[str, list[str]]
    ) -> dict[str, Any]:
        """Validate path and query parameters; return them converted to Python types.

        Repeated parameters come back as lists, others as single values.
        """
        out: dict[str, Any] = {}
        for name, value in path_values.items():
            if value == "":
                raise bad_request(f"Required parameter: {name}", reason="required")
            out[name] = value
        for name, values in query.items():
            pspec = spec.parameters.get(name)
            if pspec is None or pspec.get("location") == "path":
                raise bad_request(
                    f'Invalid JSON payload received. Unknown name "{name}": Cannot bind query '
                    f"parameter. Field '{name}' could not be found in request message."
                )
            converted = [_convert_param(name, v, pspec) for v in values]
            out[name] = converted if pspec.get("repeated") else converted[0]
        required = [n for n, p in spec.parameters.items() if p.get("required")]
        required += EXTRA_REQUIRED_QUERY.get(spec.method_id, [])
        for name in required:
            if name not in out:
                if name in EXTRA_REQUIRED_QUERY.get(spec.method_id, []):
                    raise bad_request(f"'{name}' is required but not specified")
                raise bad_request(f"Required parameter: {name}", reason="required")
        return out

    # ---- bodies -----------------------------------------------------------------------

    def check_body(self, spec: MethodSpec, body: Any) -> None:
        """Validate a JSON body against the method's request schema (nulls dropped first)."""
        if spec.request_ref is None:
            if body not in (None, {}):
                raise bad_request(
                    "Invalid JSON payload received. Unknown name: this method takes no body."
                )
            return
        if body is None:
            body = {}
        cleaned = drop_nulls(body)
        schemas = self.docs[spec.api].schemas
        errors: list[str] = []
        required_errors: list[str] = []
        _Validator(schemas, spec.method_id, errors, required_errors).check(
            cleaned, {"$ref": spec.request_ref}, ""
        )
        if isinstance(cleaned, dict):
            for dotted, message in EXTRA_REQUIRED.get(spec.method_id, []):
                if _lookup(cleaned, dotted) is None:
                    required_errors.append(message)
        if errors:
            raise _schema_error(errors, "invalid")
        if required_errors:
            raise _schema_error(required_errors, "required")


def _schema_error(messages: list[str], reason: str) -> ApiError:
    extra = [{"message": m, "domain": "global", "reason": reason} for m in messages[1:10]]
    return ApiError(400, messages[0], reason=reason, extra_errors=extra)


def _lookup(obj: Mapping[str, Any], dotted: str) -> Any:
    cur: Any = obj
    for part in dotted.split("."):
        if not isinstance(cur, Mapping) or part not in cur:
            return None
        cur = cur[part]
    return cur


def drop_nulls(value: Any) -> Any:
    """Remove null-valued keys from objects, recursively (nulls inside arrays are data)."""
    if isinstance(value, dict):
        return {k: drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [drop_nulls(v) for v in value]
    return value


def _convert_param(name: str, raw: str, pspec: Mapping[str, Any]) -> Any:
    ptype = pspec.get("type", "string")
    value: Any = raw
    if ptype == "boolean":
        # requests renders Python True as "True"; Google's parser is case-insensitive.
        if raw.lower() not in ("true", "false"):
            raise bad_request(f"Invalid value for boolean parameter {name}: {raw}")
        value = raw.lower() == "true"
    elif ptype == "integer":
        if not _INTEGER.match(raw):
            raise bad_request(f"Invalid value for integer parameter {name}: {raw}")
        value = int(raw)
        if "minimum" in pspec and value < int(pspec["minimum"]):
            raise bad_request(f"Invalid value for {name}: {raw} is below {pspec['minimum']}")
        if "maximum" in pspec and value > int(pspec["maximum"]):
            raise bad_request(f"Invalid value for {name}: {raw} is above {pspec['maximum']}")
    elif ptype == "string":
        if "enum" in pspec and raw not in pspec["enum"]:
            raise bad_request(f"Invalid value at '{name}', \"{raw}\"")
        if pspec.get("format") == "date-time" and parse_rfc3339(raw) is None:
            raise bad_request(f"Bad Request: {name} is not an RFC 3339 timestamp: {raw}")
    return value


class _Validator:
    """Recursive checker of a JSON value against a discovery schema."""

    def __init__(
        self,
        schemas: Mapping[str, Any],
        method_id: str,
        errors: list[str],
        required_errors: list[str],
    ) -> None:
        self.schemas = schemas
        self.method_id = method_id
        self.errors = errors
        self.required_errors = required_errors

    def resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        while "$ref" in schema:
            schema = self.schemas[schema["$ref"]]
        return schema

    def fail(self, path: str, schema: Mapping[str, Any], value: Any) -> None:
        kind = schema.get("id") or schema.get("type", "value")
        shown = json.dumps(value)[:60]
        self.errors.append(
            f"Invalid value at '{path or '(root)'}' ({kind}), {shown}"
            if path
            else f"Invalid JSON payload received. Expected {kind}, got {shown}."
        )

    def check(self, value: Any, schema: Mapping[str, Any], path: str) -> None:
        schema = self.resolve(schema)
        stype = schema.get("type")
        if stype == "any" or (stype is None and "properties" not in schema):
            return
        if stype == "object" or (stype is None and "properties" in schema):
            self.check_object(value, schema, path)
        elif stype == "array":
            if not isinstance(value, list):
                self.fail(path, schema, value)
                return
            items = schema.get("items", {"type": "any"})
            for i, item in enumerate(value):
                self.check(item, items, f"{path}[{i}]")
        elif stype == "string":
            self.check_string(value, schema, path)
        elif stype == "integer":
            self.check_integer(value, schema, path)
        elif stype == "number":
            ok = (isinstance(value, int | float) and not isinstance(value, bool)) or (
                isinstance(value, str) and _NUMBER.match(value) is not None
            )
            if not ok:
                self.fail(path, schema, value)
        elif stype == "boolean" and not isinstance(value, bool):
            self.fail(path, schema, value)

    def check_object(self, value: Any, schema: Mapping[str, Any], path: str) -> None:
        if not isinstance(value, dict):
            self.fail(path, schema, value)
            return
        props: Mapping[str, Any] = schema.get("properties", {})
        additional = schema.get("additionalProperties")
        for key, item in value.items():
            sub = f"{path}.{key}" if path else key
            if key in props:
                self.check(item, props[key], sub)
            elif additional is not None:
                self.check(item, additional, sub)
            else:
                where = f" at '{path}'" if path else ""
                self.errors.append(
                    f'Invalid JSON payload received. Unknown name "{key}"{where}: '
                    "Cannot find field."
                )
        for key, prop in props.items():
            required_for = prop.get("annotations", {}).get("required", [])
            if self.method_id in required_for and key not in value:
                sub = f"{path}.{key}" if path else key
                self.required_errors.append(
                    _REQUIRED_MESSAGES.get(key, f"Missing required field '{sub}'.")
                )

    def check_string(self, value: Any, schema: Mapping[str, Any], path: str) -> None:
        fmt = schema.get("format")
        if fmt in _INT_RANGES:
            # 64-bit integers travel as JSON strings; proto3 JSON also accepts numbers.
            self.check_integer(value, schema, path)
            return
        if not isinstance(value, str):
            self.fail(path, schema, value)
            return
        if ("enum" in schema and value not in schema["enum"]) or (
            (fmt in ("date-time", "google-datetime") and parse_rfc3339(value) is None)
            or (fmt == "date" and not _DATE.match(value))
            or (fmt == "byte" and not _BASE64.match(value))
        ):
            self.fail(path, schema, value)

    def check_integer(self, value: Any, schema: Mapping[str, Any], path: str) -> None:
        number = _as_int(value)
        if number is None:
            self.fail(path, schema, value)
            return
        low, high = _INT_RANGES.get(schema.get("format", "int64"), _INT_RANGES["int64"])
        if not low <= number <= high:
            self.fail(path, schema, value)


def _as_int(value: Any) -> int | None:
    """An integer field's value: a JSON integer, a whole float, or a decimal string."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str) and _INTEGER.match(value):
        return int(value)
    return None
