"""Same path as learning_orchestra_client.tune.tensorflow."""

from lo_jupyter.compat import TuneTensorflow

__all__ = ["TuneTensorflow"]
