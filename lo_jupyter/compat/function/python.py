"""Same path as learning_orchestra_client.function.python."""

from lo_jupyter.compat import FunctionPython

__all__ = ["FunctionPython"]
