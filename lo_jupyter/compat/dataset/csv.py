"""Same path as learning_orchestra_client.dataset.csv."""

from lo_jupyter.compat import DatasetCsv

__all__ = ["DatasetCsv"]
