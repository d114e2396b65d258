"""Same path as learning_orchestra_client.explore.histogram."""

from lo_jupyter.compat import ExploreHistogram

__all__ = ["ExploreHistogram"]
