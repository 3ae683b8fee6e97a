"""Where API tokens and secret keys are kept: the OS keyring when one works, else a 0600 JSON file.

Values go in and come out as `SecretStr`, so a stray print or log line shows `**********`. Names
(e.g. "prod/api-token") are not secret and may appear in messages; values never do.

Mode policy of the file store (chosen): a secret file that is readable or writable by group or
others is not refused; its mode is fixed to 0600 and a warning is logged. Refusing would lock the
user out of their own credentials for a problem we can repair safely and explain.
"""

from __future__ import annotations

import json
import logging
import os
import stat
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from pydantic import SecretStr

from cwos_tui.config.errors import ConfigError
from cwos_tui.config.paths import refuse_unsafe_target, secrets_file, write_private_file

log = logging.getLogger(__name__)

KEYRING_SERVICE = "cwos-tui"
#: Environment variable choosing the store: "auto" (default), "file" or "keyring".
STORE_ENV = "CWOS_SECRET_STORE"
_FILE_VERSION = 1


@runtime_checkable
class SecretStore(Protocol):
    """Named secrets. `get` returns None for an unknown name; `delete` says whether it existed."""

    def get(self, name: str) -> SecretStr | None: ...

    def set(self, name: str, value: str | SecretStr) -> None: ...

    def delete(self, name: str) -> bool: ...

    def names(self) -> list[str]: ...

    def describe(self) -> str: ...


def _check_name(name: str) -> str:
    if not name or not name.strip() or any(not ch.isprintable() for ch in name):
        raise ValueError("secret names must be non-empty printable text")
    return name


def _plain(value: str | SecretStr) -> str:
    return value.get_secret_value() if isinstance(value, SecretStr) else value


class FileSecretStore:
    """A JSON file `{"version": 1, "secrets": {name: value}}` with mode exactly 0600.

    Every write replaces the file atomically (temporary 0600 file, fsync, rename, chmod), so a
    crash never leaves a partial file and the content is never readable by others. Writers in one
    process are serialised; two processes writing at once may lose one update, never corrupt the file.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"FileSecretStore({str(self.path)!r})"

    def describe(self) -> str:
        return str(self.path)

    def get(self, name: str) -> SecretStr | None:
        with self._lock:
            value = self._read().get(name)
        return None if value is None else SecretStr(value)

    def set(self, name: str, value: str | SecretStr) -> None:
        _check_name(name)
        plain = _plain(value)
        if not plain:
            raise ValueError(f"refusing to store an empty secret under {name!r}")
        with self._lock:
            secrets = self._read()
            secrets[name] = plain
            self._write(secrets)

    def delete(self, name: str) -> bool:
        with self._lock:
            secrets = self._read()
            if name not in secrets:
                return False
            del secrets[name]
            self._write(secrets)
            return True

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._read())

    def _read(self) -> dict[str, str]:
        try:
            info = os.lstat(self.path)
        except FileNotFoundError:
            return {}
        refuse_unsafe_target(self.path)  # a symlink is never followed, for reading, chmod or writing
        if os.name != "nt" and info.st_mode & 0o077:
            os.chmod(self.path, 0o600)
            log.warning(
                "secret file %s had mode %o (readable or writable by others); changed it to 600",
                self.path,
                stat.S_IMODE(info.st_mode),
            )
        try:
            raw = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not valid UTF-8"
            raise ConfigError(f"{self.path}: cannot read secret file: {reason}", path=self.path) from None
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            # exc.msg and exc.lineno carry no file content; the document itself is never shown.
            raise ConfigError(
                f"{self.path}:{exc.lineno}: secret file is not valid JSON ({exc.msg})",
                path=self.path,
                line=exc.lineno,
            ) from None
        secrets = data.get("secrets") if isinstance(data, dict) else None
        if not isinstance(secrets, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in secrets.items()
        ):
            raise ConfigError(
                f'{self.path}: secret file must hold {{"version": 1, "secrets": {{name: text}}}}',
                path=self.path,
            )
        return dict(secrets)

    def _write(self, secrets: dict[str, str]) -> None:
        payload = {"version": _FILE_VERSION, "secrets": dict(sorted(secrets.items()))}
        write_private_file(self.path, (json.dumps(payload, indent=2) + "\n").encode("utf-8"))


def _keyring_backend() -> Any | None:
    """The keyring backend when the `keyring` package is installed and has a real one, else None."""
    try:
        import keyring
        from keyring.backends import chainer, fail
    except Exception:  # not installed, or broken in a way that means "don't use it"
        return None
    try:
        backend = keyring.get_keyring()
    except Exception:
        return None
    unusable: tuple[type[Any], ...] = (fail.Keyring,)
    try:
        from keyring.backends import null

        unusable += (null.Keyring,)
    except ImportError:
        pass
    if isinstance(backend, unusable):
        return None
    if isinstance(backend, chainer.ChainerBackend) and not list(backend.backends):
        return None
    return backend


class KeyringSecretStore:
    """Secrets in the OS keyring under service "cwos-tui".

    Keyrings cannot list entries, so the names (not the values) are also kept in one index entry.
    """

    INDEX = "__cwos_tui_names__"

    def __init__(self, backend: Any, service: str = KEYRING_SERVICE) -> None:
        self.backend = backend
        self.service = service
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"KeyringSecretStore({self.describe()!r})"

    def describe(self) -> str:
        backend = type(self.backend)
        return f"OS keyring ({backend.__module__}.{backend.__name__}, service {self.service!r})"

    def _call(self, what: str, method: str, *args: str) -> Any:
        try:
            return getattr(self.backend, method)(self.service, *args)
        except Exception as exc:
            # The exception text is not shown: some backends echo the value they failed to store.
            raise ConfigError(f"{self.describe()}: could not {what} ({type(exc).__name__})") from None

    def _index(self) -> list[str]:
        raw = self._call("read the name index", "get_password", self.INDEX)
        if not raw:
            return []
        try:
            names = json.loads(raw)
        except json.JSONDecodeError:
            return []
        return [n for n in names if isinstance(n, str)] if isinstance(names, list) else []

    def get(self, name: str) -> SecretStr | None:
        value = self._call(f"read {name!r}", "get_password", _check_name(name))
        return None if value is None else SecretStr(str(value))

    def set(self, name: str, value: str | SecretStr) -> None:
        _check_name(name)
        if name == self.INDEX:
            raise ValueError(f"{name!r} is reserved")
        plain = _plain(value)
        if not plain:
            raise ValueError(f"refusing to store an empty secret under {name!r}")
        with self._lock:
            self._call(f"store {name!r}", "set_password", name, plain)
            index = self._index()
            if name not in index:
                self._call(
                    "update the name index", "set_password", self.INDEX, json.dumps(sorted([*index, name]))
                )

    def delete(self, name: str) -> bool:
        with self._lock:
            existed = self.get(name) is not None
            if existed:
                self._call(f"delete {name!r}", "delete_password", name)
            index = self._index()
            if name in index:
                rest = [n for n in index if n != name]
                self._call("update the name index", "set_password", self.INDEX, json.dumps(rest))
            return existed

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._index())


def default_secret_store(environ: Mapping[str, str] | None = None) -> SecretStore:
    """The OS keyring when usable, else the JSON file; CWOS_SECRET_STORE=file|keyring forces one."""
    env = os.environ if environ is None else environ
    choice = env.get(STORE_ENV, "auto").strip().lower() or "auto"
    if choice not in ("auto", "file", "keyring"):
        raise ConfigError(f"{STORE_ENV} must be 'auto', 'file' or 'keyring', not {choice!r}")
    if choice != "file":
        backend = _keyring_backend()
        if backend is not None:
            return KeyringSecretStore(backend)
        if choice == "keyring":
            raise ConfigError(
                f"{STORE_ENV}=keyring but no working OS keyring was found "
                "(install the 'keyring' package and a backend, or use the secret file)"
            )
    return FileSecretStore(secrets_file(env))


def describe_secret_store(environ: Mapping[str, str] | None = None) -> str:
    """Where secrets are kept, for `cwos-tui paths`."""
    try:
        return default_secret_store(environ).describe()
    except ConfigError as exc:
        return f"unavailable: {exc.message}"
