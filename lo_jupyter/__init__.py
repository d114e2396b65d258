"""lo-jupyter: Learning Orchestra workflows from Jupyter."""

__version__ = "0.1.0"
