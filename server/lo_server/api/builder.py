"""Builder routes: /builder/sparkml."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from lo_server.api.deps import get_ctx
from lo_server.api.read_routes import add_read_routes
from lo_server.context import Context
from lo_server.services import builder

router = APIRouter(tags=["builder"])


class BuilderRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    trainDatasetName: str = Field(description="the training dataset (`training_df`)")
    testDatasetName: str = Field(description="the dataset to predict (`testing_df`); the "
                                             "predictions are named {testDatasetName}{CLF}")
    modelingCode: str = Field(description="PySpark code, or an http(s) URL to it; it must "
                                          "define features_training, features_testing and "
                                          "features_evaluation (None allowed)")
    classifiersList: list[str] = Field(description="any of LR, DT, RF, GB, NB")
    timeout: float | None = Field(None, gt=0, description="seconds before the job is stopped")


@router.post("/builder/sparkml", status_code=201,
             summary="Fit Spark MLlib classifiers on the output of PySpark modeling code")
def create_builder(body: BuilderRequest, ctx: Context = Depends(get_ctx)):
    return {"result": builder.create(ctx, body.trainDatasetName, body.testDatasetName,
                                     body.modelingCode, body.classifiersList, body.timeout)}


add_read_routes(router, "builder/sparkml")
