"""cwos-tui: a terminal dashboard for CoreWeave AI Object Storage."""

import os

__version__ = "0.1.0"

# cwos-tui uses no pydantic plugins; looking for them reads the metadata of every installed package when the
# first model is built (20-90 ms of start-up on this machine). A value the user set wins.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
