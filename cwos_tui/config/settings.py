"""The one typed settings model: TOML file < CWOS_* environment < command line.

`load_settings()` is the entry point. The file is `$CWOS_CONFIG` or the default `config.toml`; a
missing file means defaults, a malformed one raises `ConfigError` naming the file and line. Saving
writes only what the model holds (profiles carry no secrets), atomically and with mode 0600.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import tomli_w
from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, SettingsError

from cwos_tui.config.errors import ConfigError
from cwos_tui.config.paths import config_file, write_private_file
from cwos_tui.config.profiles import Profile, describe_validation_error

__all__ = ["ConfigError", "LogLevel", "Settings", "load_settings", "read_toml", "save_settings"]

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


@dataclass(frozen=True)
class _LoadOptions:
    path: Path | None
    use_env: bool
    use_file: bool = True


_LOAD_OPTIONS: ContextVar[_LoadOptions | None] = ContextVar("cwos_settings_load", default=None)


def read_toml(path: Path) -> dict[str, Any]:
    """The parsed TOML file, `{}` when it does not exist; ConfigError with file and line when malformed."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, not a settings file", path=path) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read settings file: {exc.strerror}", path=path) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad_line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"{path}:{bad_line}: settings file is not valid UTF-8", path=path, line=bad_line
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = _toml_error_line(exc, text)
        reason = str(exc).split(" (at ")[0]
        column = getattr(exc, "colno", None)
        if not isinstance(column, int) and ", column " in str(exc):
            column = int(str(exc).rsplit(", column ", 1)[1].rstrip(")").strip() or 0) or None
        where = f"{path}:{line}" if line else str(path)
        where += f":{column}" if line and column else ""
        raise ConfigError(f"{where}: invalid TOML: {reason}", path=path, line=line) from None


def _toml_error_line(exc: tomllib.TOMLDecodeError, text: str) -> int | None:
    lineno = getattr(exc, "lineno", None)  # Python 3.14+
    if isinstance(lineno, int):
        return lineno
    message = str(exc)
    if "(at line " in message:
        try:
            return int(message.split("(at line ", 1)[1].split(",", 1)[0])
        except ValueError:
            return None
    if "(at end of document)" in message:
        return text.count("\n") + 1
    return None


class _TomlFileSource(PydanticBaseSettingsSource):
    """Hands the whole file to validation, unknown keys included, so typos are reported, not ignored."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path) -> None:
        super().__init__(settings_cls)
        self.path = path
        self.data = read_toml(path)

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return self.data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self.data)


class Settings(BaseSettings):
    """Everything the user can configure; secrets are not here, they live in the secret store.

    `Settings(...)` reads the file and CWOS_* variables too (pydantic-settings); to build one from
    plain data alone, for example in the setup wizard, use `Settings.from_data(data)`.
    """

    model_config = SettingsConfigDict(
        env_prefix="CWOS_",
        env_nested_delimiter="__",
        env_ignore_empty=True,
        extra="forbid",
        hide_input_in_errors=True,
        validate_assignment=True,
    )

    active_profile: str | None = None
    profiles: dict[str, Profile] = Field(default_factory=dict)
    theme: str = Field(default="textual-dark", min_length=1)
    read_only: bool = False
    #: command id -> keys (e.g. "buckets.delete" -> "ctrl+d"), read by the UI's command registry.
    keymap: dict[str, str] = Field(default_factory=dict)
    refresh_margin_seconds: int = Field(default=120, ge=0)
    #: principal name or UID -> a local alias shown instead of it (the full name stays in details and copies)
    principals: dict[str, str] = Field(default_factory=dict)
    log_level: LogLevel = "WARNING"
    #: transfers: the part size of multipart uploads and ranged downloads, in MiB (S3's smallest part is 5)
    transfer_part_size_mib: int = Field(default=16, ge=5, le=5120)
    #: transfers: requests in flight at once (files, or parts of a big file)
    transfer_concurrency: int = Field(default=8, ge=1, le=64)
    #: where downloads go when `:download` names no folder ("" = the folder cwos-tui was started in)
    download_dir: str = ""
    #: the Objects pane pauses a listing after this many names ("press L to continue"): memory stays bounded
    #: in a prefix of many millions of keys; 0 = never pause
    listing_cap: int = Field(default=2_000_000, ge=0)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        options = _LOAD_OPTIONS.get() or _LoadOptions(path=None, use_env=True)
        sources: list[PydanticBaseSettingsSource] = [init_settings]
        if options.use_env:
            sources.append(env_settings)
        if options.use_file:
            sources.append(_TomlFileSource(settings_cls, options.path or config_file()))
        return tuple(sources)

    @field_validator("profiles", mode="before")
    @classmethod
    def _name_profiles(cls, value: Any) -> Any:
        """A profile's name is its key in [profiles.<name>]; fill it in, and reject a different one."""
        if not isinstance(value, Mapping):
            return value
        named: dict[Any, Any] = {}
        for key, profile in value.items():
            if isinstance(profile, Mapping):
                if profile.get("name", key) != key:
                    raise ValueError(f"profile {key!r} has a different name inside it ({profile['name']!r})")
                profile = {**profile, "name": key}
            elif isinstance(profile, Profile) and profile.name != key:
                raise ValueError(f"profile {key!r} has a different name inside it ({profile.name!r})")
            named[key] = profile
        return named

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("keymap")
    @classmethod
    def _check_keymap(cls, value: dict[str, str]) -> dict[str, str]:
        for command, keys in value.items():
            if not command.strip() or not keys.strip():
                raise ValueError("keymap entries need a command id and at least one key")
        return value

    @model_validator(mode="after")
    def _check_active(self) -> Settings:
        if self.active_profile is not None and not self.active_profile.strip():
            raise ValueError("active_profile must not be empty when given")
        return self

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Settings:
        """Settings from `data` alone: no file, no environment (raises pydantic's ValidationError)."""
        with _options(_LoadOptions(path=None, use_env=False, use_file=False)):
            return cls(**data)

    def profile(self, name: str) -> Profile | None:
        """The configured profile called `name`, if any."""
        return self.profiles.get(name)


@contextmanager
def _options(options: _LoadOptions) -> Iterator[None]:
    token = _LOAD_OPTIONS.set(options)
    try:
        yield
    finally:
        _LOAD_OPTIONS.reset(token)


def _origin_finder(
    given: Mapping[str, Any], environ: Mapping[str, str], path: Path
) -> Callable[[tuple[int | str, ...]], str]:
    """Guess where a bad value came from: the command line, a CWOS_* variable or the file."""
    env_names = [name.upper() for name in environ if name.upper().startswith("CWOS_")]

    def origin(location: tuple[int | str, ...]) -> str:
        if location and str(location[0]) in given:
            return "the command line"
        prefixes = [
            "CWOS_" + "__".join(str(part) for part in location[:n]).upper()
            for n in range(1, len(location) + 1)
        ]
        for name in env_names:
            if name in prefixes or (prefixes and name.startswith(prefixes[-1] + "__")):
                return f"environment variable {name}"
        return str(path)

    return origin


def load_settings(config_path: Path | None = None, *, use_env: bool = True, **overrides: Any) -> Settings:
    """Settings from the file, then CWOS_* variables, then `overrides` (the command line).

    Overrides whose value is None are dropped, so unset command-line options can be passed through.
    With `use_env=False` and no overrides the result is exactly the file, the right thing to edit
    and save back (otherwise environment and command-line values would be written into the file).
    """
    path = config_path or config_file()
    given = {key: value for key, value in overrides.items() if value is not None}
    try:
        with _options(_LoadOptions(path=path, use_env=use_env)):
            return Settings(**given)
    except ValidationError as exc:
        origin = _origin_finder(given, os.environ if use_env else {}, path)
        reason = describe_validation_error(exc, origin=origin)
        raise ConfigError(f"invalid settings: {reason}", path=path) from None
    except SettingsError as exc:
        # Raised for CWOS_* values that are not valid JSON; its text names the field, never the value.
        raise ConfigError(f"invalid CWOS_* environment variable: {exc}") from None


def settings_to_toml(settings: Settings) -> str:
    """The TOML text for `settings`: every field, profiles under [profiles.<name>], no secrets."""
    data = settings.model_dump(mode="json", exclude_none=True, exclude={"profiles"})
    profiles = {
        name: profile.model_dump(mode="json", exclude_none=True, exclude={"name"})
        for name, profile in settings.profiles.items()
    }
    if profiles:
        data["profiles"] = profiles
    return tomli_w.dumps(data)


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    """Write `settings` to `path` (default: the config file) atomically with mode 0600."""
    target = path or config_file()
    write_private_file(target, settings_to_toml(settings).encode("utf-8"))
    return target
