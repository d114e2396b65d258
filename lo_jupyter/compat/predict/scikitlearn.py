"""Same path as learning_orchestra_client.predict.scikitlearn."""

from lo_jupyter.compat import PredictScikitLearn

__all__ = ["PredictScikitLearn"]
