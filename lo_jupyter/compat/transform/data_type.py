"""Same path as learning_orchestra_client.transform.data_type."""

from lo_jupyter.compat import TransformDataType

__all__ = ["TransformDataType"]
