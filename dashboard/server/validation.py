"""Callback-body checks: every part of a ``/_dash-update-component`` request is compared with the
callback it names before Dash sees it.

Why: Dash trusts the body. A missing or swapped ``outputs``, an input
wrapped in a list, or JSON nested a thousand deep reaches Dash's own code
and ends in a 500 (or a RecursionError). Here a body must have exactly the
shape, ids and properties the callback was registered with, values of
sane types and sizes, and at most :data:`MAX_JSON_DEPTH` levels of nesting
(checked on the raw bytes, before any parser recurses); anything else is a
short 400. After these checks an exception in a callback is the server's
bug, not the client's (see :mod:`dashboard.server.security`).
"""
from __future__ import annotations

import json
import re
from typing import Any

import numpy as np

MAX_CALLBACK_ITEMS = 100
#: Deepest JSON nesting accepted (the app's own bodies stay under ten levels).
MAX_JSON_DEPTH = 64
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)  # unrolled: a tight loop over plain text
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def json_too_deep(raw: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether ``raw`` JSON nests deeper than ``limit`` (strings skipped; linear time, no recursion)."""
    if raw.count(b"[") + raw.count(b"{") <= limit:  # an upload's megabytes of base64: no scan needed
        return False
    brackets = _STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    return len(brackets) > limit and _depth(brackets) > limit


def _depth(brackets: bytes, chunk: int = 1 << 22) -> int:
    """Deepest nesting of a string of brackets, a few megabytes at a time (bounded memory)."""
    deepest = level = 0
    for start in range(0, len(brackets), chunk):
        codes = np.frombuffer(brackets, dtype=np.uint8, count=min(chunk, len(brackets) - start), offset=start)
        steps = np.where((codes == ord("[")) | (codes == ord("{")), 1, -1).astype(np.int32)
        levels = np.cumsum(steps, dtype=np.int64) + level
        deepest, level = max(deepest, int(levels.max())), int(levels[-1])
    return deepest


def parse_body(raw: bytes) -> tuple[Any, str | None]:
    """(parsed JSON, None), or (None, why it is refused) for a body too deep or not JSON."""
    if json_too_deep(raw):
        return None, f"JSON nested deeper than {MAX_JSON_DEPTH} levels"
    try:
        return json.loads(raw), None
    except (ValueError, RecursionError):
        return None, "the body is not valid JSON"


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _short_str(limit: int):
    return lambda v: isinstance(v, str) and len(v) <= limit


def _scalar_or_list(v: Any) -> bool:
    if isinstance(v, (str, int, float, bool)):
        return not isinstance(v, str) or len(v) <= 2000
    return isinstance(v, list) and len(v) <= MAX_CALLBACK_ITEMS * 10 and all(
        isinstance(x, (str, int, float)) and (not isinstance(x, str) or len(x) <= 2000) for x in v)


#: What a value of each kind of property may be (None is always allowed: "not set yet").
PROPERTY_RULES = {
    "n_clicks": lambda v: _is_int(v) and 0 <= v < 10**9,
    "n_intervals": lambda v: _is_int(v) and 0 <= v < 10**9,
    "n_submit": lambda v: _is_int(v) and 0 <= v < 10**9,
    "start_date": _short_str(32),
    "end_date": _short_str(32),
    "search": _short_str(8000),
    "pathname": _short_str(2000),
    "disabled": lambda v: isinstance(v, bool),
    "data": lambda v: isinstance(v, (dict, list)) or (isinstance(v, str) and len(v) <= 2000),
    "relayoutData": lambda v: isinstance(v, dict) and len(v) <= 200,
    "clickData": lambda v: isinstance(v, dict),
    "selectedData": lambda v: isinstance(v, dict),
    "hoverData": lambda v: isinstance(v, dict),
    "active_cell": lambda v: isinstance(v, dict),
    "page_current": lambda v: _is_int(v) and 0 <= v < 10**9,
    "page_size": lambda v: _is_int(v) and 0 < v <= 1000,
    "sort_by": lambda v: isinstance(v, list) and len(v) <= 20,
    "contents": lambda v: isinstance(v, str),
    "filename": _short_str(500),
    "value": _scalar_or_list,
}


def _bare(prop: str) -> str:
    """A property without Dash's ``@<hash>`` suffix (outputs with ``allow_duplicate``)."""
    return prop.split("@", 1)[0]


def declared_outputs(key: str) -> list[tuple[str, str]]:
    """(id, property) of each output in a callback key (``a.b`` or ``..a.b...c.d..``)."""
    parts = key[2:-2].split("...") if key.startswith("..") and key.endswith("..") else [key]
    return [(i, _bare(p)) for i, p in (part.rsplit(".", 1) for part in parts if "." in part)]


def _id_matches(sent: Any, declared: Any) -> bool:
    if isinstance(declared, dict):  # a pattern-matching id: same keys, JSON-sized values
        return isinstance(sent, dict) and set(sent) == set(declared) and all(
            isinstance(v, (str, int, float, bool)) and len(str(v)) <= 200 for v in sent.values())
    return isinstance(sent, str) and sent == declared


def _pattern_id(declared: str) -> Any:
    if declared.startswith("{"):
        try:
            return json.loads(declared)
        except ValueError:
            return declared
    return declared


def _check_outputs(sent: Any, key: str, spec: dict) -> str | None:
    if spec.get("no_output"):
        return None if sent in (None, []) else "'outputs' must be empty for this callback"
    declared = declared_outputs(key)
    multi = key.startswith("..")
    if sent is None:
        return "'outputs' is missing"
    if multi != isinstance(sent, list):
        return "'outputs' must be a list of {id, property} objects" if multi else "'outputs' must be one object"
    items = sent if multi else [sent]
    if len(items) != len(declared):
        return "wrong number of outputs for this callback"
    for item, (out_id, prop) in zip(items, declared, strict=True):
        if not isinstance(item, dict) or not isinstance(item.get("property"), str):
            return "'outputs' must be {id, property} objects"
        if not _id_matches(item.get("id"), _pattern_id(out_id)) or _bare(item["property"]) != prop:
            return "'outputs' do not match this callback's components"
    return None


def _check_item(item: Any, declared: dict, key: str) -> str | None:
    if not isinstance(item, dict) or not isinstance(item.get("property"), str) or "id" not in item:
        return f"'{key}' must be a list of {{id, property, value}} objects"
    if not _id_matches(item["id"], _pattern_id(declared["id"])) or item["property"] != declared["property"]:
        return f"'{key}' do not match this callback's components"
    value, rule = item.get("value"), PROPERTY_RULES.get(item["property"])
    if value is not None and rule is not None and not rule(value):
        return f"invalid value for {declared['id']}.{item['property']}"
    return None


def _check_items(sent: Any, declared: list, key: str) -> str | None:
    if not isinstance(sent, list) or len(sent) > MAX_CALLBACK_ITEMS:
        return f"'{key}' must be a list of {{id, property, value}} objects"
    if len(sent) != len(declared):
        return f"wrong number of {'inputs' if key == 'inputs' else 'state values'} for this callback"
    for item, spec in zip(sent, declared, strict=True):
        # Only a pattern-matching (wildcard) id may stand for a list of components.
        if isinstance(item, list):  # Dash keeps a wildcard id as its JSON text
            if not isinstance(_pattern_id(spec["id"]), dict) or len(item) > MAX_CALLBACK_ITEMS:
                return f"'{key}' must be a list of {{id, property, value}} objects"
            reasons = [_check_item(each, spec, key) for each in item]
            reason = next((r for r in reasons if r), None)
        else:
            reason = _check_item(item, spec, key)
        if reason:
            return reason
    return None


def _check_changed(changed: Any, inputs: list) -> str | None:
    if not isinstance(changed, list) or len(changed) > MAX_CALLBACK_ITEMS or not all(
            isinstance(c, str) and len(c) <= 2000 for c in changed):
        return "'changedPropIds' must be a list of strings"
    if any(isinstance(_pattern_id(spec["id"]), dict) for spec in inputs):
        return None  # wildcard ids arrive as JSON text; checked by Dash against the inputs sent
    known = {f"{spec['id']}.{spec['property']}" for spec in inputs}
    if not set(changed) <= known:
        return "'changedPropIds' names a component this callback does not take"
    return None


def check_callback_body(body: Any, callbacks: dict) -> str | None:
    """Why a callback request body is malformed or unknown, or None when it is well-formed."""
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    output = body.get("output")
    if not isinstance(output, str) or len(output) > 2000:
        return "'output' must be a string"
    spec = callbacks.get(output)
    if spec is None or "callback" not in spec:  # clientside callbacks have no server function
        return "no such callback"
    if "inputs" not in body:
        return "'inputs' is missing"
    reason = _check_outputs(body.get("outputs"), output, spec)
    for key in ("inputs", "state"):
        reason = reason or _check_items(body.get(key, []), spec.get(key, []), key)
    return reason or _check_changed(body.get("changedPropIds", []), spec.get("inputs", []))
