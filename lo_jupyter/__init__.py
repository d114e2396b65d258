"""lo-jupyter: Learning Orchestra workflows from Jupyter.

`%load_ext lo_jupyter` registers the `lo_` magics (`%lo_help` lists them);
`from lo_jupyter import Orchestra` gives the REST client.
"""

__version__ = "0.1.0"

from lo_jupyter.client import Job, Orchestra  # noqa: E402
from lo_jupyter.errors import (  # noqa: E402
    JobCancelled,
    JobFailed,
    LoError,
    OrchestraError,
    WaitTimeout,
)

__all__ = ["Job", "JobCancelled", "JobFailed", "LoError", "Orchestra", "OrchestraError",
           "WaitTimeout", "load_ipython_extension", "unload_ipython_extension"]


def load_ipython_extension(ipython) -> None:
    """`%load_ext lo_jupyter`: register LoMagics (configurable as `%config LoMagics.x`)."""
    from lo_jupyter.magics import LoMagics

    magics = LoMagics(shell=ipython, parent=ipython)
    ipython.register_magics(magics)
    ipython.configurables.append(magics)
    ipython._lo_magics = magics
    from lo_jupyter.notebook_magics import NotebookMagics

    ipython._lo_notebook_magics = NotebookMagics(shell=ipython)
    ipython.register_magics(ipython._lo_notebook_magics)


def unload_ipython_extension(ipython) -> None:
    magics = getattr(ipython, "_lo_magics", None)
    if magics is None:
        return
    for registered in (magics, getattr(ipython, "_lo_notebook_magics", None)):
        for kind in ("line", "cell"):
            for name in (registered.magics[kind] if registered is not None else ()):
                ipython.magics_manager.magics[kind].pop(name, None)
    if magics in ipython.configurables:
        ipython.configurables.remove(magics)
    if magics.panel is not None:
        magics.panel.stop()
    if magics.client is not None:
        magics.client.close()
    del ipython._lo_magics


def _jupyter_labextension_paths():
    """The prebuilt Orchestra sidebar (built from labextension/ into lo_jupyter/labextension)."""
    return [{"src": "labextension", "dest": "lo-jupyter"}]


def _jupyter_server_extension_points():
    """The server extension behind the sidebar: an authenticated proxy (lo_jupyter.serverext)."""
    return [{"module": "lo_jupyter.serverext"}]
