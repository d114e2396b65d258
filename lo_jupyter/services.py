"""Typed create / re-run calls for every service, mixed into `Orchestra`.

Each create returns a `Job` handle at once (the server answers 201 before the job runs).
Field names are the Learning Orchestra v1 ones, so the bodies match upstream's API.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lo_jupyter.errors import LoError, OrchestraError

if TYPE_CHECKING:
    from lo_jupyter.client import Job

CLASSIFIERS = ("LR", "DT", "RF", "GB", "NB")
EXECUTOR_STEPS = ("train", "tune", "predict", "evaluate")

# (required, optional) fields of a PATCH (re-run) of each kind; other kinds re-run as
# delete + create
PATCH_FIELDS = {
    "function/python": (("function",), ("functionParameters", "description", "timeout")),
    "model": (("classParameters",), ("description",)),
    "executor": (("methodParameters",), ("description", "modelName")),
    "explore": (("method", "methodParameters"), ("description",)),
    "transform": (("method", "methodParameters"), ("description",)),
    "transform/projection": (("inputDatasetName", "outputDatasetName", "names"), ()),
}
PATCH_WITHOUT_NAME = {"transform/projection"}  # PATCH /{kind}, the name is in the body


def _patch_fields(kind: str) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    if kind in PATCH_FIELDS:
        return PATCH_FIELDS[kind]
    family, _, tool = kind.partition("/")
    if tool not in ("scikitlearn", "tensorflow"):
        return None
    if family in EXECUTOR_STEPS:
        return PATCH_FIELDS["executor"]
    return PATCH_FIELDS.get(family)


class Services:
    """The service calls; `self` is an Orchestra (request/call/_create/_sent)."""

    # ---- datasets and transforms -----------------------------------------------------------
    def dataset(self, name: str, url: str, kind: str = "csv") -> Job:
        """Ingest a CSV (or, with kind="generic", any file) from an http(s) URL."""
        return self._create(f"dataset/{kind}", {"datasetName": name, "datasetURI": url}, name)

    def projection(self, input: str, output: str, fields: list[str]) -> Job:
        """A new dataset `output` with only `fields` of `input`."""
        return self._create("transform/projection", {
            "inputDatasetName": input, "outputDatasetName": output, "names": list(fields)},
            output)

    def data_type(self, input: str, types: dict[str, str]) -> Job:
        """Convert fields of `input` in place to "number" or "string"; the job is `input`."""
        from lo_jupyter.client import Job

        uri = self.call("PATCH", "/transform/dataType",
                        json={"inputDatasetName": input, "types": dict(types)})
        return Job(self, input, "transform/dataType", uri)

    def transform(self, name: str, module_path: str, class_name: str,
                  class_parameters: dict | None = None, method: str = "fit_transform",
                  method_parameters: dict | None = None, tool: str = "scikitlearn",
                  description: str = "") -> Job:
        return self._create(f"transform/{tool}", _toolkit_body(
            name, module_path, class_name, class_parameters, method, method_parameters,
            description), name)

    # ---- explore ---------------------------------------------------------------------------
    def histogram(self, input: str, output: str, fields: list[str]) -> Job:
        return self._create("explore/histogram", {
            "inputDatasetName": input, "outputDatasetName": output, "names": list(fields)},
            output)

    def explore(self, name: str, module_path: str, class_name: str,
                class_parameters: dict | None = None, method: str = "fit_transform",
                method_parameters: dict | None = None, tool: str = "scikitlearn",
                description: str = "") -> Job:
        """A plot: `class_name(**class_parameters).method(**method_parameters)`, drawn."""
        return self._create(f"explore/{tool}", _toolkit_body(
            name, module_path, class_name, class_parameters, method, method_parameters,
            description), name)

    def explore_image(self, name: str, tool: str | None = None) -> bytes:
        """The PNG of an explore artifact."""
        tool = tool or self.artifact(name)["type"].split("/")[1]
        return self.request("GET", f"/explore/{tool}/{name}/image").content

    def explore_data(self, name: str, tool: str | None = None):
        """The data behind an explore plot (JSON)."""
        tool = tool or self.artifact(name)["type"].split("/")[1]
        response = self.request("GET", f"/explore/{tool}/{name}/data")
        body = response.json()
        return body["result"] if isinstance(body, dict) and set(body) == {"result"} else body

    # ---- functions, models and their steps -------------------------------------------------
    def function(self, name: str, code: str, parameters: dict | None = None,
                 description: str = "", timeout: float | None = None,
                 wait: float | None = None) -> Job:
        """Run Python `code` remotely; it must bind `response`; `$name` parameters are
        artifacts, other values are passed as they are. With `wait`, the server answers
        once the job ended (at most `wait` seconds): then `Job.ended` holds its metadata."""
        body = {"name": name, "function": code, "functionParameters": parameters or {},
                "description": description}
        if timeout:
            body["timeout"] = timeout
        return self._create("function/python", body, name, wait=wait)

    def run_function(self, name: str, code: str, parameters: dict | None = None,
                     description: str = "", timeout: float | None = None,
                     wait: float | None = None) -> Job:
        """Create Function `name`, or run new code under it when it already is one (what
        running a notebook cell again means): one request when this client knows it."""
        fields = {"function": code, "functionParameters": parameters or {},
                  "description": description, **({"timeout": timeout} if timeout else {})}
        if self._sent.get(name, ("",))[0] == "function/python":
            try:
                return self.rerun(name, wait=wait, **fields)
            except OrchestraError as exc:
                if exc.status != 404:  # deleted meanwhile: create it again below
                    raise
                self._sent.pop(name, None)
        try:
            return self.function(name, code, parameters, description, timeout, wait)
        except OrchestraError as exc:
            if exc.status != 409:
                raise
            kind = self.artifact(name).get("type")
            if kind != "function/python":
                raise OrchestraError(409, f"{name!r} is already a {kind} artifact: choose "
                                          "another name") from None
            return self.rerun(name, wait=wait, **fields)

    def model(self, name: str, module_path: str, class_name: str,
              class_parameters: dict | None = None, tool: str = "scikitlearn",
              description: str = "") -> Job:
        return self._create(f"model/{tool}", {
            "modelName": name, "modulePath": module_path, "class": class_name,
            "classParameters": class_parameters or {}, "description": description}, name)

    def execute(self, step: str, name: str, model_name: str, parent_name: str, method: str,
                method_parameters: dict | None = None, tool: str = "scikitlearn",
                description: str = "") -> Job:
        """Train / tune / predict / evaluate: call `method` on `parent_name`'s object."""
        if step not in EXECUTOR_STEPS:
            raise ValueError(f"step must be one of {', '.join(EXECUTOR_STEPS)}, not {step!r}")
        return self._create(f"{step}/{tool}", {
            "name": name, "modelName": model_name, "parentName": parent_name,
            "method": method, "methodParameters": method_parameters or {},
            "description": description}, name)

    def train(self, name, model_name, parent_name, method="fit", method_parameters=None,
              tool="scikitlearn", description="") -> Job:
        return self.execute("train", name, model_name, parent_name, method,
                            method_parameters, tool, description)

    def predict(self, name, model_name, parent_name, method="predict", method_parameters=None,
                tool="scikitlearn", description="") -> Job:
        return self.execute("predict", name, model_name, parent_name, method,
                            method_parameters, tool, description)

    def evaluate(self, name, model_name, parent_name, method="score", method_parameters=None,
                 tool="scikitlearn", description="") -> Job:
        return self.execute("evaluate", name, model_name, parent_name, method,
                            method_parameters, tool, description)

    def tune(self, name, model_name, parent_name, method="fit", method_parameters=None,
             tool="scikitlearn", description="") -> Job:
        return self.execute("tune", name, model_name, parent_name, method,
                            method_parameters, tool, description)

    # ---- builder ---------------------------------------------------------------------------
    def builder(self, train: str, test: str, code: str,
                classifiers: list[str] | tuple[str, ...] = CLASSIFIERS) -> list[Job]:
        """Spark ML: one job per classifier, each producing dataset `{test}{CLASSIFIER}`."""
        from lo_jupyter.client import Job

        body = {"trainDatasetName": train, "testDatasetName": test, "modelingCode": code,
                "classifiersList": list(classifiers)}
        uris = self.call("POST", "/builder/sparkml", json=body)
        jobs = []
        for classifier, uri in zip(classifiers, uris, strict=False):
            name = f"{test}{classifier}"
            self._sent[name] = ("builder/sparkml", body)
            jobs.append(Job(self, name, "builder/sparkml", uri))
        return jobs

    # ---- shared notebooks ------------------------------------------------------------------
    def share_notebook(self, name: str, notebook: bytes | str | dict) -> dict:
        """Publish an .ipynb (its bytes, JSON text or dict) as `name`'s next version."""
        import json

        body = json.dumps(notebook) if isinstance(notebook, dict) else notebook
        return self.call("PUT", f"/notebooks/{name}", content=body,
                         headers={"Content-Type": "application/x-ipynb+json"})

    def notebooks(self) -> list[dict]:
        """Every shared notebook with its versions."""
        return self.call("GET", "/notebooks")

    def notebook(self, name: str, version: int | None = None) -> dict:
        """A shared notebook's JSON (the latest version unless `version`)."""
        params = {"version": version} if version else None
        return self.call("GET", f"/notebooks/{name}", params=params)

    def run_notebook(self, name: str, parameters: dict | None = None,
                     version: int | None = None, output: str | None = None,
                     at: str | None = None, cron: str | None = None,
                     timeout: float | None = None) -> Job | dict:
        """Run a shared notebook now (a Job for its notebook/run artifact) or, with `at`
        (ISO time) or `cron`, schedule it (the schedule record)."""
        from lo_jupyter.client import Job

        body = {"parameters": parameters or {}, "version": version, "name": output,
                "at": at, "cron": cron, "timeout": timeout}
        result = self.call("POST", f"/notebooks/{name}/run",
                           json={k: v for k, v in body.items() if v is not None})
        if at or cron:
            return result
        uri = result["uri"]
        return Job(self, uri.split("?")[0].rsplit("/", 1)[-1], "notebook/run", uri)

    def schedules(self) -> list[dict]:
        return self.call("GET", "/notebooks/schedules")

    def delete_schedule(self, schedule_id: str) -> str:
        return self.call("DELETE", f"/notebooks/schedules/{schedule_id}")

    # ---- re-running ------------------------------------------------------------------------
    def rerun(self, name: str, wait: float | None = None, **changes) -> Job:
        """Run an artifact's job again, optionally with changed fields (upstream names,
        e.g. `function=`, `methodParameters=`). Kinds with a PATCH route are patched in
        place; the others are deleted and created again from the request this client sent.
        `wait` is function()'s (Function only).
        """
        kind = self._sent[name][0] if name in self._sent else self.artifact(name)["type"]
        sent_kind, body = self._sent.get(name, (kind, {}))
        body = {**body, **changes}
        fields = _patch_fields(kind)
        if fields is not None and all(f in body for f in fields[0]):
            patch = {f: body[f] for f in fields[0] + fields[1] if f in body}
            path = f"/{kind}" if kind in PATCH_WITHOUT_NAME else f"/{kind}/{name}"
            job = self._create(kind, patch, name, "PATCH", path, wait)
            self._sent[name] = (kind, body)
            return job
        if not body:
            raise LoError(f"cannot re-run {name!r}: this client did not create it, so it does "
                          "not know its request; pass the fields to change")
        if sent_kind == "builder/sparkml":
            raise LoError("re-run a Builder by running its cell (or builder()) again")
        self.delete(name, kind)
        return self._create(sent_kind, body, name)


def _toolkit_body(name, module_path, class_name, class_parameters, method, method_parameters,
                  description) -> dict:
    return {"name": name, "description": description, "modulePath": module_path,
            "class": class_name, "classParameters": class_parameters or {}, "method": method,
            "methodParameters": method_parameters or {}}
