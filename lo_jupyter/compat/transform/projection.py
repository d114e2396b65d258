"""Same path as learning_orchestra_client.transform.projection."""

from lo_jupyter.compat import TransformProjection

__all__ = ["TransformProjection"]
