"""agent-factory core: configuration, store and audit log, git, forges, tickets, CLI."""

__version__ = "0.1.0"
