"""Same path as learning_orchestra_client.evaluate.scikitlearn."""

from lo_jupyter.compat import EvaluateScikitLearn

__all__ = ["EvaluateScikitLearn"]
