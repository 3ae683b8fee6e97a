"""Typed settings, profiles, file locations and the secret store. Never imports textual."""

from cwos_tui.config.errors import ConfigError
from cwos_tui.config.locations import describe_paths, format_paths
from cwos_tui.config.profiles import Profile, env_profile, resolve_profile
from cwos_tui.config.secrets import FileSecretStore, KeyringSecretStore, SecretStore, default_secret_store
from cwos_tui.config.settings import Settings, load_settings, save_settings

__all__ = [
    "ConfigError",
    "FileSecretStore",
    "KeyringSecretStore",
    "Profile",
    "SecretStore",
    "Settings",
    "default_secret_store",
    "describe_paths",
    "env_profile",
    "format_paths",
    "load_settings",
    "resolve_profile",
    "save_settings",
]
