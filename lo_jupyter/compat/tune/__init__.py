"""Upstream module layout: learning_orchestra_client.tune."""
