"""cwos-tui: a terminal dashboard for CoreWeave AI Object Storage."""

__version__ = "0.1.0"
