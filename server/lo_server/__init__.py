"""lo-server: the orchestration server (Learning Orchestra v1 compatible REST API)."""

__version__ = "0.1.0"
