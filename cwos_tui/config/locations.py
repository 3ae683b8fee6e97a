"""Every place the app keeps something, for `cwos-tui paths`: the files from `paths` and the secret store.

It sits above both `paths` and `secrets` (which itself uses `paths`), so neither has to import the other back.
"""

from __future__ import annotations

from collections.abc import Mapping

from cwos_tui.config.paths import cache_dir, config_file, data_dir, format_paths, log_dir
from cwos_tui.config.secrets import describe_secret_store

__all__ = ["describe_paths", "format_paths"]


def describe_paths(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The files and directories the app uses, for `cwos-tui paths` (and `--json`).

    The secret store is either the OS keyring (named by backend) or the JSON secret file.
    """
    return {
        "config_file": str(config_file(environ)),
        "secret_store": describe_secret_store(environ),
        "log_dir": str(log_dir()),
        "cache_dir": str(cache_dir()),
        "data_dir": str(data_dir()),
    }
