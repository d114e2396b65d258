"""Same path as learning_orchestra_client.observe.observe."""

from lo_jupyter.compat import Observer

__all__ = ["Observer"]
