"""The filter language: matches() and to_expression() must agree on every case."""

import math

import pyarrow as pa
import pytest

from lo_server.query import NestedField, QueryError, matches, parse, to_expression, validate

DOCS = [
    {"s": "male", "n": 1, "x": 1.5, "b": True, "t": "007"},
    {"s": "female", "n": 2, "x": None, "b": False, "t": "7"},
    {"s": None, "n": None, "x": math.nan, "b": None, "t": ""},
    {"s": "Female", "n": 10, "x": -3.0, "b": True, "t": "abc\ndef"},
    {"s": "", "n": 0, "x": 0.0, "b": False, "t": "x"},
]
ALL = [0, 1, 2, 3, 4]

CASES = [
    ({}, ALL),
    # equality, with MongoDB's type rules
    ({"s": "male"}, [0]),
    ({"s": None}, [2]),
    ({"missing": None}, ALL),
    ({"missing": 1}, []),
    ({"n": 1}, [0]),
    ({"n": 1.0}, [0]),
    ({"n": "1"}, []),
    ({"t": 7}, []),
    ({"b": True}, [0, 3]),
    ({"b": 1}, []),
    ({"n": True}, []),
    ({"x": None}, [1, 2]),  # NaN behaves as null
    ({"s": ["male"]}, []),
    ({"s": "female", "n": 2}, [1]),
    ({"s": "female", "n": 3}, []),
    ({"s": {"$eq": "female"}}, [1]),
    # $ne matches nulls, missing fields and other types
    ({"s": {"$ne": "male"}}, [1, 2, 3, 4]),
    ({"n": {"$ne": "1"}}, ALL),
    ({"n": {"$ne": None}}, [0, 1, 3, 4]),
    ({"missing": {"$ne": 1}}, ALL),
    ({"missing": {"$ne": None}}, []),
    # comparisons only between values of one kind
    ({"n": {"$gt": 1}}, [1, 3]),
    ({"n": {"$gte": 1}}, [0, 1, 3]),
    ({"n": {"$lt": 2}}, [0, 4]),
    ({"n": {"$lte": 2}}, [0, 1, 4]),
    ({"n": {"$gt": 0.5, "$lt": 5}}, [0, 1]),
    ({"n": {"$gt": "1"}}, []),
    ({"s": {"$gt": "f"}}, [0, 1]),
    ({"t": {"$lt": "1"}}, [0, 2]),
    ({"x": {"$lt": 1}}, [3, 4]),
    ({"x": {"$gte": None}}, [1, 2]),
    ({"x": {"$gt": None}}, []),
    ({"b": {"$gt": False}}, [0, 3]),
    ({"missing": {"$gt": 0}}, []),
    # $in / $nin
    ({"s": {"$in": ["male", "Female"]}}, [0, 3]),
    ({"s": {"$in": ["male", None]}}, [0, 2]),
    ({"n": {"$in": [1, "2", 10.0]}}, [0, 3]),
    ({"s": {"$in": []}}, []),
    ({"n": {"$nin": [1, 2]}}, [2, 3, 4]),
    ({"s": {"$nin": ["male", None]}}, [1, 3, 4]),
    ({"s": {"$nin": []}}, ALL),
    # $regex and $options
    ({"s": {"$regex": "^fem"}}, [1]),
    ({"s": {"$regex": "^fem", "$options": "i"}}, [1, 3]),
    ({"t": {"$regex": "^def"}}, []),
    ({"t": {"$regex": "^def", "$options": "m"}}, [3]),
    ({"t": {"$regex": "c.d"}}, []),
    ({"t": {"$regex": "c.d", "$options": "s"}}, [3]),
    ({"t": {"$regex": "^0+7$"}}, [0]),
    ({"n": {"$regex": "1"}}, []),
    ({"missing": {"$regex": ""}}, []),
    # $exists
    ({"s": {"$exists": True}}, ALL),
    ({"s": {"$exists": False}}, []),
    ({"missing": {"$exists": False}}, ALL),
    ({"missing": {"$exists": True}}, []),
    # $and / $or
    ({"$or": [{"s": "male"}, {"n": {"$gte": 10}}]}, [0, 3]),
    ({"$and": [{"b": True}, {"$or": [{"s": "Female"}, {"x": 1.5}]}]}, [0, 3]),
    ({"$and": [{"n": {"$gt": 0}}], "s": {"$ne": "male"}}, [1, 3]),
]


@pytest.fixture(scope="module")
def table():
    return pa.Table.from_pylist(DOCS)


@pytest.mark.parametrize(("query", "expected"), CASES, ids=[str(c[0]) for c in CASES])
def test_matches_and_expression_agree(table, query, expected):
    validate(query)
    assert [i for i, doc in enumerate(DOCS) if matches(doc, query)] == expected
    index = pa.table({**{n: table[n] for n in table.column_names}, "i": list(range(len(DOCS)))})
    filtered = index.filter(to_expression(query, index.schema))
    assert filtered["i"].to_pylist() == expected


def test_column_types_that_match_no_kind():
    ts = pa.table({"d": pa.array([0, None], pa.timestamp("s"))})
    for query, expected in [({"d": "1970-01-01"}, 0), ({"d": {"$ne": 1}}, 2), ({"d": None}, 1)]:
        assert ts.filter(to_expression(query, ts.schema)).num_rows == expected


def test_dictionary_and_unsigned_columns():
    t = pa.table({"c": pa.array(["a", "b", "a"]).dictionary_encode(),
                  "u": pa.array([1, 2, 3], pa.uint8())})
    assert t.filter(to_expression({"c": "a"}, t.schema)).num_rows == 2
    assert t.filter(to_expression({"c": {"$in": ["b"]}}, t.schema)).num_rows == 1
    assert t.filter(to_expression({"u": {"$gt": -1}}, t.schema)).num_rows == 3


def test_list_fields_match_contained_values():
    doc = {"tags": ["a", "b"], "n": [1, 2]}
    assert matches(doc, {"tags": "a"})
    assert matches(doc, {"tags": ["a", "b"]})
    assert not matches(doc, {"tags": "c"})
    assert matches(doc, {"n": {"$in": [2, 5]}})
    assert matches(doc, {"tags": {"$ne": "c"}})
    assert not matches(doc, {"tags": {"$ne": "a"}})


def test_nested_columns_are_left_to_matches():
    t = pa.Table.from_pylist([{"tags": ["a"], "s": "x"}])
    assert t.filter(to_expression({"s": "x"}, t.schema)).num_rows == 1
    with pytest.raises(NestedField, match="tags"):
        to_expression({"tags": "a"}, t.schema)


def test_parse_accepts_objects_and_empty_text():
    assert parse(None) == {}
    assert parse("") == {}
    assert parse("  ") == {}
    assert parse('{"Sex": "female", "Age": {"$gte": "30"}}') == {
        "Sex": "female", "Age": {"$gte": "30"}}


@pytest.mark.parametrize(("text", "named"), [
    ('{"$where": "this.a > 1"}', "$where"),
    ('{"$expr": {"$gt": ["$a", 1]}}', "$expr"),
    ('{"a": {"$not": {"$eq": 1}}}', "$not"),
    ('{"a": {"$x": 1}}', "$x"),
    ('{"a": {"$elemMatch": {"b": 1}}}', "$elemMatch"),
    ('{"a": {"$in": 1}}', "$in needs a list"),
    ('{"a": {"$nin": "x"}}', "$nin needs a list"),
    ('{"a": {"$regex": "("}}', "$regex"),
    ('{"a": {"$regex": "(?<=a)b"}}', "$regex"),
    ('{"a": {"$regex": 5}}', "$regex"),
    ('{"a": {"$options": "i"}}', "$options"),
    ('{"a": {"$regex": "a", "$options": "x"}}', "$options"),
    ('{"a": {"$exists": 1}}', "$exists"),
    ('{"a": {"$eq": 1, "b": 2}}', "mix"),
    ('{"$or": []}', "$or"),
    ('{"$and": {"a": 1}}', "$and"),
    ('{"$or": [{"a": {"$where": "x"}}]}', "$where"),
    ('{"$or": [1]}', "object"),
    ("[1, 2]", "object"),
    ("{'a': 1}", "JSON"),
    ('{"a": NaN}', "NaN"),
    ('{"$and": [' * 5000 + "{}" + "]}" * 5000, "nested"),
], ids=lambda value: value[:40])
def test_rejected_queries_name_the_problem(text, named):
    with pytest.raises(QueryError) as info:
        parse(text)
    assert named in str(info.value)
