"""Checks shared by the toolkit services: modules, classes, parameters, methods, parents.

The server imports a toolkit module and inspects signatures, as upstream did, but never
instantiates a class or evaluates a `#` expression (that happens in the workers). Imports
are lazy and cached: TensorFlow costs seconds once, on the first request that names it, and
nothing at server start. Only modules of the packages in TOOLKIT_PACKAGES may be named, so a
request cannot make the server import arbitrary code.
"""

from __future__ import annotations

import importlib
import inspect
import threading
from functools import lru_cache

from lo_server.context import Context
from lo_server.errors import Invalid
from lo_server.services import artifacts as common

TOOLS = ("scikitlearn", "tensorflow")
TOOLKIT_PACKAGES = ("sklearn", "tensorflow", "keras", "tf_keras", "pandas", "numpy", "scipy",
                    "optuna", "optuna_integration", "xgboost", "lightgbm", "imblearn")
MODEL_TYPES = tuple(f"model/{tool}" for tool in TOOLS)
STEP_KINDS = ("train", "tune", "predict", "evaluate")
STEP_TYPES = tuple(f"{kind}/{tool}" for kind in STEP_KINDS for tool in TOOLS)
OBJECT_FORMATS = ("pickle", "keras", "parquet", "npy")  # formats holding a callable object
_import_lock = threading.Lock()


def find_class(module_path, class_name):
    """The class, or 406 "invalid module path name" / "invalid class name"."""
    module = _module(module_path)
    cls = getattr(module, class_name, None) if isinstance(class_name, str) else None
    if not inspect.isclass(cls):
        raise Invalid(f"invalid class name: {module_path} has no class {class_name!r}")
    return cls


def _module(module_path):
    if not isinstance(module_path, str) or not module_path:
        raise Invalid("invalid module path name: modulePath must be a module name")
    if module_path.split(".")[0] not in TOOLKIT_PACKAGES:
        raise Invalid(f"invalid module path name: {module_path!r} is not in a toolkit package "
                      f"({', '.join(TOOLKIT_PACKAGES)})")
    error = _import_error(module_path)
    if error:
        raise Invalid(f"invalid module path name: {module_path!r} cannot be imported ({error})")
    return importlib.import_module(module_path)


@lru_cache(maxsize=512)
def _import_error(module_path: str) -> str | None:
    """Import once per module (the first TensorFlow import takes seconds); None if it works."""
    with _import_lock:
        try:
            importlib.import_module(module_path)
        except Exception as exc:  # noqa: BLE001 - any import failure is the user's bad name
            return f"{type(exc).__name__}: {exc}"
    return None


def check_class_parameters(cls, params: dict) -> None:
    """406 "invalid class parameter" naming each parameter the constructor does not take."""
    _check_accepted(cls, params, "invalid class parameter", f"{_qualified(cls)}()")


def check_method(cls, method) -> None:
    if not isinstance(method, str) or not method or not callable(_attribute(cls, method)):
        raise Invalid(f"invalid method name: {_qualified(cls)} has no method {method!r}")


def _attribute(cls, name: str):
    try:
        return getattr(cls, name, None)
    except Exception:  # noqa: BLE001 - a descriptor that fails on the class: not a method
        return None


def check_method_parameters(cls, method: str, params: dict) -> None:
    _check_accepted(_attribute(cls, method), params, "invalid class method parameter",
                    f"{_qualified(cls)}.{method}()")


def _check_accepted(function, params: dict, message: str, where: str) -> None:
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):  # some builtins have none: the worker will tell
        return
    accepted = [name for name, p in signature.parameters.items()
                if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and name != "self"]
    if any(p.kind == p.VAR_KEYWORD for p in signature.parameters.values()):
        return
    unknown = [name for name in params if name not in accepted]
    if unknown:
        raise Invalid(f"{message}: {', '.join(map(repr, unknown))} not accepted by {where}"
                      f" (accepts {', '.join(accepted) or 'nothing'})")


def _qualified(cls) -> str:
    return cls.__name__


def model_class(ctx: Context, model_name: str):
    """The class a step is validated against: walk from `model_name` through `parentName`
    links to a model (or a step, which recorded its model's class). Returns (module, class
    name, class). A missing artifact or a chain ending elsewhere is a 406."""
    name, seen = model_name, set()
    while True:
        doc = ctx.store.get_artifact(name) if isinstance(name, str) else None
        if doc is None:
            where = "modelName" if name == model_name else f"the parent of {model_name!r}"
            raise Invalid(f"parentName doesn't exist: there is no artifact named {name!r} "
                          f"({where})")
        if doc.get("type") in MODEL_TYPES + STEP_TYPES and doc.get("modulePath") \
                and doc.get("class"):
            return doc["modulePath"], doc["class"], find_class(doc["modulePath"], doc["class"])
        seen.add(name)
        name = doc.get("parentName")
        if not name or name in seen:
            raise Invalid(f"invalid model name: {model_name!r} does not lead to a model "
                          f"({doc.get('name')!r} is a {doc.get('type')})")


def object_parent(ctx: Context, name: str) -> dict:
    """The artifact a method is called on: it must exist, be finished and hold an object."""
    doc = ctx.store.get_artifact(name) if isinstance(name, str) else None
    if doc is None:
        raise Invalid(f"parentName doesn't exist: there is no artifact named {name!r}")
    require_finished(doc, name, "parentName")
    if doc.get("format") not in OBJECT_FORMATS:
        raise Invalid(f"invalid parentName: {name!r} is a {doc.get('type')} stored as "
                      f"{doc.get('format')}, not an object a method can be called on")
    return doc


def require_finished(doc: dict, name: str, what: str) -> None:
    status = doc.get("status", "finished" if doc.get("finished") else "queued")
    if status != "finished":
        raise Invalid(f"unfinished processing in {what}: {name!r} is {status}")


def check_tool(tool: str) -> str:
    if tool not in TOOLS:
        raise Invalid(f"unknown toolkit {tool!r}: use {' or '.join(TOOLS)}")
    return tool


def check_free(ctx: Context, name: str, message: str = "duplicated name") -> str:
    common.check_name(name)
    common.ensure_free(ctx, name, message)
    return name
