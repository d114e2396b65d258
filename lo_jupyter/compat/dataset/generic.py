"""Same path as learning_orchestra_client.dataset.generic."""

from lo_jupyter.compat import DatasetGeneric

__all__ = ["DatasetGeneric"]
