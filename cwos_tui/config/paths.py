"""Where cwos-tui keeps its files, and how it writes private ones.

All locations come from platformdirs (app name "cwos-tui", no app author), so they follow each OS's
conventions (XDG on Linux). Nothing here creates a directory just by asking for its path: directories
appear, with mode 0700, only when something is written into them.
"""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Mapping
from pathlib import Path

from platformdirs import PlatformDirs

from cwos_tui.config.errors import ConfigError

APP_NAME = "cwos-tui"
#: Environment variable naming the settings file to use instead of the default one.
CONFIG_ENV = "CWOS_CONFIG"
#: Environment variable naming the secret file to use instead of the default one.
SECRETS_ENV = "CWOS_SECRETS_FILE"

CONFIG_FILE_NAME = "config.toml"
SECRETS_FILE_NAME = "secrets.json"


def _dirs() -> PlatformDirs:
    # Built on each call so that tests (and users) changing XDG_* variables see the change.
    return PlatformDirs(APP_NAME, appauthor=False)


def config_dir() -> Path:
    """The per-user configuration directory (settings and, by default, the secret file)."""
    return Path(_dirs().user_config_dir)


def config_file(environ: Mapping[str, str] | None = None) -> Path:
    """The settings file: `$CWOS_CONFIG` when set, else `config.toml` in `config_dir()`."""
    env = os.environ if environ is None else environ
    override = env.get(CONFIG_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    return config_dir() / CONFIG_FILE_NAME


def secrets_file(environ: Mapping[str, str] | None = None) -> Path:
    """The JSON secret file used when no OS keyring is available (`$CWOS_SECRETS_FILE` overrides)."""
    env = os.environ if environ is None else environ
    override = env.get(SECRETS_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    return config_dir() / SECRETS_FILE_NAME


def log_dir() -> Path:
    """Where log files go; logs never go to the terminal, which belongs to the TUI."""
    return Path(_dirs().user_log_dir)


def cache_dir() -> Path:
    """Disposable data (listings, previews) that may be deleted at any time."""
    return Path(_dirs().user_cache_dir)


def data_dir() -> Path:
    """Durable application data that is not configuration (for example sandbox state)."""
    return Path(_dirs().user_data_dir)


def ensure_private_dir(path: Path) -> Path:
    """Create `path` and any missing parents with mode 0700; existing directories are left alone.

    Existing directories keep their mode so that pointing CWOS_CONFIG at e.g. /tmp/x.toml never
    changes /tmp.
    """
    missing: list[Path] = []
    current = path
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=0o700)
        except FileExistsError:
            continue  # created concurrently; leave its mode to whoever made it
        if os.name != "nt":
            os.chmod(directory, 0o700)
    return path


def refuse_unsafe_target(path: Path) -> None:
    """ConfigError when `path` is a symbolic link or exists as something other than a regular file.

    A planted link must never redirect secrets into another file, so it is refused, not followed.
    """
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISLNK(info.st_mode):
        raise ConfigError(f"{path} is a symbolic link; secrets are never written through one "
                          "(remove the link or choose another file)", path=path)
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(f"{path} exists and is not a regular file; nothing was written", path=path)


def write_private_file(path: Path, data: bytes) -> None:
    """THE way every file holding a secret (or settings) is written: atomically, mode 0600 from creation.

    The bytes go to a temporary file with a random name in the same directory, created with O_EXCL (and
    O_NOFOLLOW where the platform has it) and mode 0600, so nobody can pre-create, redirect or read it;
    it is flushed, fsynced and renamed over `path` with os.replace. A symbolic link (or anything but a
    regular file) at `path` is refused with a ConfigError. A crash leaves the old file or the new one.
    """
    refuse_unsafe_target(path)
    ensure_private_dir(path.parent)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    flags |= getattr(os, "O_BINARY", 0)
    for _attempt in range(16):
        tmp = path.parent / f".{path.name}.{secrets.token_hex(8)}.tmp"
        try:
            fd = os.open(tmp, flags, 0o600)
            break
        except FileExistsError:
            continue
    else:
        raise ConfigError(f"{path}: could not create a private temporary file next to it", path=path)
    try:
        with os.fdopen(fd, "wb") as handle:
            if os.name != "nt":
                os.fchmod(handle.fileno(), 0o600)  # whatever the umask did
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        refuse_unsafe_target(path)  # planted while we wrote: still refused
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def format_paths(paths: dict[str, str]) -> str:
    """Aligned `label  value` lines for people (`config_file` is shown as `config file`)."""
    labels = {key: key.replace("_", " ") for key in paths}
    width = max((len(label) for label in labels.values()), default=0)
    return "\n".join(f"{labels[key]:<{width}}  {value}" for key, value in paths.items())
