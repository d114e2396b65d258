"""The upstream `learning_orchestra_client` classes, same names, methods and keywords.

Every constructor also takes an optional `token` (default LO_TOKEN). `*_sync` methods wait
for the artifact they create (upstream waited on the input for projections and
histograms) and do not wait after a refused request.
"""

from __future__ import annotations

from lo_jupyter.compat._base import Entity


class _Dataset(Entity):
    def insert_dataset_sync(self, dataset_name: str, url: str, pretty_response=False):
        ok, result = self._post({"datasetName": dataset_name, "datasetURI": url},
                                pretty_response)
        if ok:
            self.wait(dataset_name)
        return result

    def insert_dataset_async(self, dataset_name: str, url: str, pretty_response=False):
        return self._post({"datasetName": dataset_name, "datasetURI": url},
                          pretty_response)[1]

    def search_all_datasets(self, pretty_response=False):
        return self._all(pretty_response)

    def delete_dataset(self, dataset_name, pretty_response=False):
        return self._delete(dataset_name, pretty_response)

    def search_dataset_content(self, dataset_name: str, query: dict | None = None,
                               limit: int = 10, skip: int = 0, pretty_response=False):
        return self._content(dataset_name, query, limit, skip, pretty_response)

    def wait(self, dataset_name: str, timeout: int | None = None) -> dict:
        return self._wait(dataset_name, timeout)


class DatasetCsv(_Dataset):
    def __init__(self, cluster_ip: str, token: str | None = None):
        super().__init__(cluster_ip, "dataset/csv", token)


class DatasetGeneric(_Dataset):
    def __init__(self, cluster_ip: str, token: str | None = None):
        super().__init__(cluster_ip, "dataset/generic", token)


class TransformProjection(Entity):
    def __init__(self, cluster_ip: str, token: str | None = None):
        super().__init__(cluster_ip, "transform/projection", token)

    def _body(self, dataset_name, projection_name, fields):
        return {"inputDatasetName": dataset_name, "outputDatasetName": projection_name,
                "names": list(fields)}

    def remove_dataset_attributes_sync(self, dataset_name: str, projection_name: str,
                                       fields: list, pretty_response=False):
        ok, result = self._post(self._body(dataset_name, projection_name, fields),
                                pretty_response)
        if ok:
            self.wait(projection_name)
        return result

    def remove_dataset_attributes_async(self, dataset_name: str, projection_name: str,
                                        fields: list, pretty_response=False):
        return self._post(self._body(dataset_name, projection_name, fields),
                          pretty_response)[1]

    def search_all_projections(self, pretty_response=False):
        return self._all(pretty_response)

    def search_projection_content(self, projection_name: str, query: dict | None = None,
                                  limit: int = 10, skip: int = 0, pretty_response=False):
        return self._content(projection_name, query, limit, skip, pretty_response)

    def delete_projection(self, projection_name: str, pretty_response=False):
        return self._delete(projection_name, pretty_response)

    def wait(self, projection_name: str, timeout: int | None = None) -> dict:
        return self._wait(projection_name, timeout)


class TransformDataType(Entity):
    def __init__(self, cluster_ip: str, token: str | None = None):
        super().__init__(cluster_ip, "transform/dataType", token)

    def update_dataset_type_sync(self, dataset_name: str, types: dict, pretty_response=False):
        ok, result = self._post({"inputDatasetName": dataset_name, "types": types},
                                pretty_response, "PATCH")
        if ok:
            self.wait(dataset_name)
        return result

    def update_dataset_type_async(self, dataset_name: str, types: dict,
                                  pretty_response=False):
        return self._post({"inputDatasetName": dataset_name, "types": types},
                          pretty_response, "PATCH")[1]

    def search_all_datatype(self, pretty_response=False):
        return self._all(pretty_response)

    def delete_datatype(self, name: str, pretty_response=False):
        return self._delete(name, pretty_response)

    def search_datatype_content(self, name: str, query: dict | None = None, limit: int = 10,
                                skip: int = 0, pretty_response=False):
        return self._content(name, query, limit, skip, pretty_response)

    def wait(self, dataset_name: str, timeout: int | None = None) -> dict:
        return self._wait(dataset_name, timeout)


class ExploreHistogram(Entity):
    def __init__(self, cluster_ip: str, token: str | None = None):
        super().__init__(cluster_ip, "explore/histogram", token)

    def _body(self, dataset_name, histogram_name, fields):
        return {"inputDatasetName": dataset_name, "outputDatasetName": histogram_name,
                "names": list(fields)}

    def run_histogram_sync(self, dataset_name: str, histogram_name: str, fields: list,
                           pretty_response=False):
        ok, result = self._post(self._body(dataset_name, histogram_name, fields),
                                pretty_response)
        if ok:
            self.wait(histogram_name)
        return result

    def run_histogram_async(self, dataset_name: str, histogram_name: str, fields: list,
                            pretty_response=False):
        return self._post(self._body(dataset_name, histogram_name, fields),
                          pretty_response)[1]

    def search_all_histograms(self, pretty_response=False):
        return self._all(pretty_response)

    def search_histogram_content(self, histogram_name: str, query: dict | None = None,
                                 limit: int = 10, skip: int = 0, pretty_response=False):
        return self._content(histogram_name, query, limit, skip, pretty_response)

    def delete_histogram(self, histogram_name: str, pretty_response=False):
        return self._delete(histogram_name, pretty_response)

    def wait(self, name: str, timeout: int | None = None) -> dict:
        return self._wait(name, timeout)


class BuilderSparkMl(Entity):
    def __init__(self, cluster_ip: str, token: str | None = None):
        super().__init__(cluster_ip, "builder/sparkml", token)

    def _body(self, train, test, code, classifiers):
        return {"trainDatasetName": train, "testDatasetName": test, "modelingCode": code,
                "classifiersList": list(classifiers)}

    def run_spark_ml_sync(self, train_dataset_name: str, test_dataset_name: str,
                          modeling_code: str, model_classifiers: list, pretty_response=False):
        ok, result = self._post(self._body(train_dataset_name, test_dataset_name,
                                           modeling_code, model_classifiers), pretty_response)
        if ok:
            for classifier in model_classifiers:
                self.wait(f"{test_dataset_name}{classifier}")
        return result

    def run_spark_ml_async(self, train_dataset_name: str, test_dataset_name: str,
                           modeling_code: str, model_classifiers: list, pretty_response=False):
        return self._post(self._body(train_dataset_name, test_dataset_name, modeling_code,
                                     model_classifiers), pretty_response)[1]

    def search_all_builders(self, pretty_response=False):
        return self._all(pretty_response)

    def search_builder_register_predictions(self, builder_name: str, query: dict | None = None,
                                            limit: int = 10, skip: int = 0,
                                            pretty_response=False):
        return self._content(builder_name, query, limit, skip, pretty_response)

    def search_builder(self, builder_name: str, pretty_response=False):
        return self._content(builder_name, None, 1, 0, pretty_response)

    def delete_builder(self, builder_name: str, pretty_response=False):
        return self._delete(builder_name, pretty_response)

    def wait(self, dataset_name: str, timeout: int | None = None) -> dict:
        return self._wait(dataset_name, timeout)


class FunctionPython(Entity):
    def __init__(self, cluster_ip: str, token: str | None = None):
        super().__init__(cluster_ip, "function/python", token)

    def run_function_sync(self, name: str, parameters: dict, code: str, description: str = "",
                          pretty_response=False):
        ok, result = self._post({"name": name, "functionParameters": parameters,
                                 "function": code, "description": description},
                                pretty_response)
        if ok:
            self.wait(name)
        return result

    def run_function_async(self, name: str, parameters: dict, code: str,
                           description: str = "", pretty_response=False):
        return self._post({"name": name, "functionParameters": parameters, "function": code,
                           "description": description}, pretty_response)[1]

    def search_all_executions(self, pretty_response=False):
        return self._all(pretty_response)

    def delete_execution(self, name: str, pretty_response=False):
        return self._delete(name, pretty_response)

    def search_execution_content(self, name: str, query: dict | None = None, limit: int = 10,
                                 skip: int = 0, pretty_response=False):
        return self._content(name, query, limit, skip, pretty_response)

    def wait(self, dataset_name: str, timeout: int | None = None) -> dict:
        return self._wait(dataset_name, timeout)


class _Model(Entity):
    def _body(self, name, module_path, class_name, class_parameters, description):
        return {"modelName": name, "modulePath": module_path, "class": class_name,
                "classParameters": class_parameters, "description": description}

    def create_model_sync(self, name: str, module_path: str, class_name: str,
                          class_parameters: dict, description: str = "",
                          pretty_response=False):
        ok, result = self._post(self._body(name, module_path, class_name, class_parameters,
                                           description), pretty_response)
        if ok:
            self.wait(name)
        return result

    def create_model_async(self, name: str, module_path: str, class_name: str,
                           class_parameters: dict, description: str = "",
                           pretty_response=False):
        return self._post(self._body(name, module_path, class_name, class_parameters,
                                     description), pretty_response)[1]

    def search_all_models(self, pretty_response=False):
        return self._all(pretty_response)

    def delete_model(self, name: str, pretty_response=False):
        return self._delete(name, pretty_response)

    def search_model(self, name: str, pretty_response=False):
        return self._content(name, None, 10, 0, pretty_response)

    def wait(self, name: str, timeout: int | None = None) -> dict:
        return self._wait(name, timeout)


class ModelScikitLearn(_Model):
    def __init__(self, cluster_ip: str, token: str | None = None):
        super().__init__(cluster_ip, "model/scikitlearn", token)


class ModelTensorflow(_Model):
    def __init__(self, cluster_ip: str, token: str | None = None):
        super().__init__(cluster_ip, "model/tensorflow", token)
