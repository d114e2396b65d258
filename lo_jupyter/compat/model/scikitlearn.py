"""Same path as learning_orchestra_client.model.scikitlearn."""

from lo_jupyter.compat import ModelScikitLearn

__all__ = ["ModelScikitLearn"]
