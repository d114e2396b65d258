"""Same path as learning_orchestra_client.tune.scikitlearn."""

from lo_jupyter.compat import TuneScikitLearn

__all__ = ["TuneScikitLearn"]
