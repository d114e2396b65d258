"""The dataset filter language: a small, safe subset of MongoDB queries.

Upstream passed `query` straight to MongoDB (so `$where` ran JavaScript). Here a query is
validated against a fixed operator list, then evaluated either on plain dicts (`matches`) or
as a pyarrow expression over Parquet data (`to_expression`). Both give the same answers,
including MongoDB's rules for missing fields, nulls and values of different types.
"""

from __future__ import annotations

import functools
import json
import math
import operator
import re
from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc

COMPARISONS = {"$gt": operator.gt, "$gte": operator.ge, "$lt": operator.lt, "$lte": operator.le}
OPERATORS = {"$eq", "$ne", "$in", "$nin", "$regex", "$options", "$exists", *COMPARISONS}
REGEX_FLAGS = "ims"
_ARROW_CMP = {"$gt": pc.greater, "$gte": pc.greater_equal, "$lt": pc.less, "$lte": pc.less_equal}
_TRUE = pc.scalar(True)
_FALSE = pc.scalar(False)


class NestedField(Exception):
    """The query touches a list/struct/map column, which Arrow expressions cannot compare
    the Mongo way: the caller evaluates those rows with `matches` instead."""


class QueryError(ValueError):
    """A query the server refuses; the message names the problem."""


def parse(text: str | None) -> dict:
    """The `query` URL parameter as a validated filter ("" or None mean no filter)."""
    if text is None or not text.strip():
        return {}
    try:
        query = json.loads(text, parse_constant=_reject_constant)
        validate(query)
    except json.JSONDecodeError as e:
        raise QueryError(f"query is not valid JSON: {e}") from None
    except RecursionError:
        raise QueryError("query is nested too deeply") from None
    return query


def _reject_constant(name: str):
    raise QueryError(f"query contains {name}, which is not JSON")


def validate(query: dict) -> None:
    """Raise QueryError unless every part of `query` is in the supported subset."""
    if not isinstance(query, dict):
        raise QueryError("a query must be a JSON object")
    for key, value in query.items():
        if key in ("$and", "$or"):
            if not isinstance(value, list) or not value:
                raise QueryError(f"{key} needs a non-empty list of queries")
            for sub in value:
                validate(sub)
        elif key.startswith("$"):
            raise QueryError(f"unsupported query operator {key}")
        elif _is_operator_doc(value):
            _validate_operators(key, value)


def _is_operator_doc(value) -> bool:
    if not isinstance(value, dict) or not value:
        return False
    dollars = [k.startswith("$") for k in value]
    if any(dollars) and not all(dollars):
        raise QueryError("cannot mix operators and plain keys in one field condition")
    return all(dollars)


def _validate_operators(field: str, ops: dict) -> None:
    for op, arg in ops.items():
        if op not in OPERATORS:
            raise QueryError(f"unsupported query operator {op}")
        if op in ("$in", "$nin") and not isinstance(arg, list):
            raise QueryError(f"{op} needs a list")
        if op == "$exists" and not isinstance(arg, bool):
            raise QueryError("$exists needs true or false")
        if op == "$regex" and not isinstance(arg, str):
            raise QueryError("$regex needs a string pattern")
    if "$options" in ops:
        options = ops["$options"]
        if "$regex" not in ops:
            raise QueryError("$options is only allowed with $regex")
        if not isinstance(options, str) or set(options) - set(REGEX_FLAGS):
            raise QueryError(f"$options for {field} may only contain i, m and s")
    if "$regex" in ops:
        _compile(ops["$regex"], ops.get("$options", ""))


@functools.lru_cache(maxsize=256)
def _compile(pattern: str, options: str) -> re.Pattern:
    """Compile for Python and check RE2 (used by Arrow) accepts the pattern too."""
    flagged = _inline_flags(options.replace("i", "")) + pattern
    try:
        compiled = re.compile(flagged, re.IGNORECASE if "i" in options else 0)
        pc.match_substring_regex(pa.array([""]), flagged, ignore_case="i" in options)
    except (re.error, pa.ArrowInvalid) as e:
        raise QueryError(f"$regex {pattern!r} does not compile: {e}") from None
    return compiled


def _inline_flags(flags: str) -> str:
    return f"(?{''.join(sorted(set(flags)))})" if flags else ""


# --- evaluation on plain dicts ---------------------------------------------------------------

def matches(doc: dict, query: dict) -> bool:
    """Whether `doc` satisfies the (validated) `query`, with MongoDB semantics."""
    for key, cond in query.items():
        if key == "$and":
            ok = all(matches(doc, sub) for sub in cond)
        elif key == "$or":
            ok = any(matches(doc, sub) for sub in cond)
        elif _is_operator_doc(cond):
            ok = all(_op_matches(doc, key, op, arg, cond) for op, arg in cond.items())
        else:
            ok = _eq(doc.get(key), cond)
        if not ok:
            return False
    return True


def _op_matches(doc: dict, field: str, op: str, arg, cond: dict) -> bool:
    value = doc.get(field)
    if op == "$eq":
        return _eq(value, arg)
    if op == "$ne":
        return not _eq(value, arg)
    if op == "$in":
        return any(_eq(value, a) for a in arg)
    if op == "$nin":
        return not any(_eq(value, a) for a in arg)
    if op == "$exists":
        return (field in doc) == arg
    if op == "$options":
        return True  # consumed by $regex
    if op == "$regex":
        regex = _compile(arg, cond.get("$options", ""))
        return isinstance(value, str) and regex.search(value) is not None
    value = _normalise(value)
    if arg is None:  # MongoDB: $gte/$lte null match null or missing, $gt/$lt never do
        return op in ("$gte", "$lte") and value is None
    return _kind(value) is not None and _kind(value) == _kind(arg) and COMPARISONS[op](value, arg)


def _eq(value, target) -> bool:
    """MongoDB equality: a list field matches if it equals or contains the target."""
    if isinstance(value, list):
        return value == target or any(_eq_scalar(v, target) for v in value)
    return _eq_scalar(value, target)


def _eq_scalar(value, target) -> bool:
    value = _normalise(value)
    if target is None:
        return value is None
    if isinstance(target, (list, dict)):
        return type(value) is type(target) and value == target
    return _kind(value) is not None and _kind(value) == _kind(target) and value == target


def _normalise(value):
    """NaN is shown as null in pages, so it also behaves as null in queries."""
    return None if isinstance(value, float) and math.isnan(value) else value


def _kind(value) -> str | None:
    """The comparison class of a value: only values of the same class compare."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float, Decimal)):
        return "number"
    if isinstance(value, str):
        return "string"
    return None


# --- evaluation as an Arrow expression ------------------------------------------------------

def to_expression(query: dict, schema: pa.Schema) -> pc.Expression:
    """The (validated) `query` as a boolean expression over a table with `schema`.

    Raises NestedField when the query touches a nested (list/struct/map) column;
    evaluate those rows with `matches` instead.
    """
    parts = []
    for key, cond in query.items():
        if key in ("$and", "$or"):
            subs = [to_expression(sub, schema) for sub in cond]
            expr = subs[0]
            for sub in subs[1:]:
                expr = expr & sub if key == "$and" else expr | sub
            parts.append(expr)
        elif _is_operator_doc(cond):
            col = _Column(schema, key)
            parts.extend(col.op(op, arg, cond) for op, arg in cond.items())
        else:
            parts.append(_Column(schema, key).eq(cond))
    expr = _TRUE
    for part in parts:
        expr = expr & part
    return expr


class _Column:
    """One field of the schema (or a missing one) and the kind of values it holds."""

    def __init__(self, schema: pa.Schema, name: str):
        self.name = name
        index = schema.get_field_index(name)
        self.type = schema.field(index).type if index >= 0 else None
        self.ref = pc.field(name)
        if self.type is not None and pa.types.is_dictionary(self.type):
            self.type = self.type.value_type
            self.ref = self.ref.cast(self.type)
        if self.type is not None and pa.types.is_decimal(self.type):
            self.type = pa.float64()
            self.ref = self.ref.cast(self.type)
        if self.type is not None and pa.types.is_nested(self.type):
            raise NestedField(f"field {name!r} holds nested values")
        self.kind = _arrow_kind(self.type)

    def is_null(self) -> pc.Expression:
        if self.type is None:
            return _TRUE
        return pc.is_null(self.ref, nan_is_null=pa.types.is_floating(self.type))

    def eq(self, target) -> pc.Expression:
        if target is None:
            return self.is_null()
        if self.kind is None or self.kind != _kind(target):
            return _FALSE
        return pc.coalesce(pc.equal(self.ref, _literal(target)), False)

    def isin(self, targets: list) -> pc.Expression:
        same = [t for t in targets if t is not None and self.kind and _kind(t) == self.kind]
        if self.kind == "string" and same:
            expr = pc.coalesce(self.ref.isin(pa.array(same, self.type)), False)
        else:
            expr = _FALSE
            for target in same:
                expr = expr | self.eq(target)
        return expr | self.is_null() if None in targets else expr

    def op(self, op: str, arg, cond: dict) -> pc.Expression:
        if op == "$eq":
            return self.eq(arg)
        if op == "$ne":
            return ~self.eq(arg)
        if op == "$in":
            return self.isin(arg)
        if op == "$nin":
            return ~self.isin(arg)
        if op == "$exists":
            return _TRUE if (self.type is not None) == arg else _FALSE
        if op == "$options":
            return _TRUE
        if op == "$regex":
            if self.kind != "string":
                return _FALSE
            options = cond.get("$options", "")
            pattern = _inline_flags(options.replace("i", "")) + arg
            found = pc.match_substring_regex(self.ref, pattern, ignore_case="i" in options)
            return pc.coalesce(found, False)
        if arg is None:
            return self.is_null() if op in ("$gte", "$lte") else _FALSE
        if self.kind is None or self.kind != _kind(arg):
            return _FALSE
        return pc.coalesce(_ARROW_CMP[op](self.ref, _literal(arg)), False)


def _arrow_kind(type_: pa.DataType | None) -> str | None:
    if type_ is None:
        return None
    if pa.types.is_boolean(type_):
        return "bool"
    if pa.types.is_integer(type_) or pa.types.is_floating(type_):
        return "number"
    if pa.types.is_string(type_) or pa.types.is_large_string(type_):
        return "string"
    if pa.types.is_string_view(type_):
        return "string"
    return None


def _literal(value) -> pc.Expression:
    """A scalar Arrow can compare with any numeric column (huge ints become floats)."""
    if isinstance(value, int) and not isinstance(value, bool) and not -2**63 <= value < 2**63:
        value = float(value)
    return pc.scalar(value)
