"""Same path as learning_orchestra_client.train.scikitlearn."""

from lo_jupyter.compat import TrainScikitLearn

__all__ = ["TrainScikitLearn"]
