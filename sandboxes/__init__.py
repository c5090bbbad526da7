"""Sandboxes: where every agent command runs (Docker backend, images, offline builder)."""
