"""Same path as learning_orchestra_client.builder.builder."""

from lo_jupyter.compat import BuilderSparkMl

__all__ = ["BuilderSparkMl"]
