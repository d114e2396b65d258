"""Parameter references: `$name`, `$name.key` and `#expression`.

The server checks references when a request arrives and replaces each one with a small
marker dict naming the artifact (and its storage format); the worker turns markers into
values. Like upstream, top-level values and the elements of top-level lists are examined;
unlike upstream, `$` and `#` count only as the first character, so "a$b" stays a string.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable

from lo_server.errors import Invalid

REF = "__lo_ref__"
EXPR = "__lo_expr__"
_REFERENCE = re.compile(r"^\$+([A-Za-z0-9_.-]+)$")
# modules an expression may use without importing them
EXPRESSION_MODULES = ("tensorflow", "keras", "sklearn", "numpy", "pandas", "math", "scipy",
                      "optuna")


def plan(params: dict, lookup: Callable[[str], dict | None]) -> tuple[dict, list[str]]:
    """Replace references by markers; return (planned params, referenced artifact names).

    `lookup(name)` returns the artifact's metadata or None. Unknown, unfinished, failed or
    cancelled artifacts are refused with a 406 naming them.
    """
    parents: list[str] = []

    def visit(value):
        if not isinstance(value, str):
            return value
        if value.startswith("#") and len(value) > 1:
            return {EXPR: value[1:]}
        match = _REFERENCE.match(value)
        if not match:
            return value
        name, key = _split(match.group(1), lookup)
        meta = lookup(name)
        if meta is None:
            raise Invalid(f"unknown reference {value!r}: there is no artifact named {name!r}")
        status = meta.get("status", "finished" if meta.get("finished") else "queued")
        if status != "finished":
            raise Invalid(f"reference {value!r}: artifact {name!r} is {status}, not finished")
        if name not in parents:
            parents.append(name)
        return {REF: name, "key": key, "format": meta.get("format", "pickle")}

    planned = {}
    for key, value in params.items():
        planned[key] = [visit(v) for v in value] if isinstance(value, list) else visit(value)
    return planned, parents


def _split(text: str, lookup) -> tuple[str, str | None]:
    """'a.b' is artifact 'a.b' when it exists, else key 'b' of artifact 'a' (upstream)."""
    if "." not in text or lookup(text) is not None:
        return text, None
    name, key = text.split(".", 1)
    return name, key


def resolve(planned: dict, load: Callable[[str, str], object]) -> dict:
    """Worker side: markers to values. `load(name, format)` reads an artifact."""

    def visit(value):
        if isinstance(value, dict) and REF in value:
            content = load(value[REF], value["format"])
            return content if value["key"] is None else content[value["key"]]
        if isinstance(value, dict) and EXPR in value:
            return evaluate(value[EXPR])
        return value

    return {
        key: [visit(v) for v in value] if isinstance(value, list) else visit(value)
        for key, value in planned.items()
    }


def evaluate(expression: str):
    """Evaluate `#expression` with the toolkit modules importable by name."""
    return eval(compile(expression, "<expression>", "eval"), _LazyModules())  # noqa: S307


class _LazyModules(dict):
    """Globals that import a toolkit module the first time an expression names it."""

    def __missing__(self, name):
        if name in EXPRESSION_MODULES:
            module = importlib.import_module(name)
            self[name] = module
            return module
        raise KeyError(name)
