"""Notebook widgets: the pipeline panel, job progress and explore plots (stock ipywidgets)."""

from lo_jupyter.widgets.pipeline import PipelinePanel
from lo_jupyter.widgets.plot import ExplorePlot
from lo_jupyter.widgets.progress import JobProgress

__all__ = ["ExplorePlot", "JobProgress", "PipelinePanel"]
