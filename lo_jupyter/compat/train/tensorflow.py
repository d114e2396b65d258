"""Same path as learning_orchestra_client.train.tensorflow."""

from lo_jupyter.compat import TrainTensorflow

__all__ = ["TrainTensorflow"]
