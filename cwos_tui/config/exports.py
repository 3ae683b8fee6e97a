"""Configuration for the tools people already use: the AWS CLI, environment variables, rclone, s3cmd.

Pure text building plus careful writing: a file or a profile section that exists already is never
overwritten unless the caller says so, and every file written holds secrets, so it is created 0600.
"""

from __future__ import annotations

import configparser
import io
import json
import os
import shlex
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from cwos_tui.config.errors import ConfigError
from cwos_tui.config.paths import refuse_unsafe_target, write_private_file
from cwos_tui.secrecy import redact

FORMATS = ("aws", "env", "rclone", "s3cmd")
#: formats whose file is replaced as a whole (with --force), not merged section by section
WHOLE_FILE_FORMATS = ("env", "s3cmd")


class ExportError(Exception):
    """An export that would overwrite something, or that cannot be written."""


@dataclass(frozen=True)
class ExportTarget:
    """What the exported configuration points at."""

    name: str
    s3_endpoint: str
    zone: str
    addressing_style: str
    access_key_id: str
    secret_access_key: str
    session_token: str | None = None
    expires_at: datetime | None = None

    def __repr__(self) -> str:
        return redact(f"ExportTarget(name={self.name!r}, access_key_id={self.access_key_id!r}, secret=****)")


def _expiry_note(target: ExportTarget) -> str:
    if target.expires_at is None:
        return "these keys do not expire"
    return f"these keys expire at {target.expires_at.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}"


def addressing_note(style: str) -> str:
    """How every export names its addressing style (CoreWeave's endpoints need virtual-hosted)."""
    return "virtual-hosted addressing (bucket.host)" if style == "virtual" else "path-style addressing (host/bucket)"


def _ini(sections: dict[str, dict[str, str]]) -> str:
    out = io.StringIO()
    for section, values in sections.items():
        out.write(f"[{section}]\n")
        for key, value in values.items():
            out.write(f"{key} = {value}\n")
        out.write("\n")
    return out.getvalue()


def aws_credentials_section(target: ExportTarget) -> dict[str, str]:
    values = {"aws_access_key_id": target.access_key_id, "aws_secret_access_key": target.secret_access_key}
    if target.session_token:
        values["aws_session_token"] = target.session_token
    return values


def aws_config_section(target: ExportTarget, credential_process: str | None = None) -> dict[str, str]:
    values = {
        "region": target.zone,
        "endpoint_url": target.s3_endpoint,
        "s3": f"\n    addressing_style = {target.addressing_style}",
    }
    if credential_process:
        values["credential_process"] = credential_process
    return values


def credential_process_command(profile: str) -> str:
    """The `credential_process` line for the AWS CLI: this interpreter, this package, this profile."""
    return f"{shlex.quote(sys.executable)} -m cwos_tui credential-process --profile {shlex.quote(profile)}"


def render(fmt: str, target: ExportTarget, *, credential_process: str | None = None) -> dict[str, str]:
    """Text per destination ("credentials", "config", "env", "rclone", "s3cmd")."""
    keys = "keys from credential_process, renewed on demand" if credential_process else _expiry_note(target)
    note = f"# cwos-tui export for profile {target.name}: {keys}; {addressing_note(target.addressing_style)}\n"
    if fmt == "aws":
        out = {"config": note + _ini({f"profile {target.name}": aws_config_section(target, credential_process)})}
        if not credential_process:
            out["credentials"] = note + _ini({target.name: aws_credentials_section(target)})
        return out
    if fmt == "env":
        lines = [
            f"export AWS_ACCESS_KEY_ID={shlex.quote(target.access_key_id)}",
            f"export AWS_SECRET_ACCESS_KEY={shlex.quote(target.secret_access_key)}",
            f"export AWS_ENDPOINT_URL={shlex.quote(target.s3_endpoint)}",
            f"export AWS_REGION={shlex.quote(target.zone)}",
            f"export CWOS_ADDRESSING_STYLE={shlex.quote(target.addressing_style)}",
        ]
        if target.session_token:
            lines.append(f"export AWS_SESSION_TOKEN={shlex.quote(target.session_token)}")
        return {"env": note + "\n".join(lines) + "\n"}
    if fmt == "rclone":
        section = {
            "type": "s3",
            "provider": "Other",
            "access_key_id": target.access_key_id,
            "secret_access_key": target.secret_access_key,
            "endpoint": target.s3_endpoint,
            "region": target.zone,
            "force_path_style": "true" if target.addressing_style == "path" else "false",
        }
        if target.session_token:
            section["session_token"] = target.session_token
        return {"rclone": note + _ini({target.name: section})}
    if fmt == "s3cmd":
        parts = urlsplit(target.s3_endpoint)
        host = parts.netloc
        section = {
            "access_key": target.access_key_id,
            "secret_key": target.secret_access_key,
            "host_base": host,
            "host_bucket": host if target.addressing_style == "path" else f"%(bucket)s.{host}",
            "use_https": "True" if parts.scheme == "https" else "False",
            "bucket_location": target.zone,
            "signature_v2": "False",
        }
        if target.session_token:
            section["access_token"] = target.session_token
        return {"s3cmd": note + _ini({"default": section})}
    raise ExportError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


def default_paths(fmt: str, environ: dict[str, str] | None = None) -> dict[str, Path]:
    env = os.environ if environ is None else environ
    home = Path(env.get("HOME") or Path.home())
    if fmt == "aws":
        return {
            "credentials": Path(env.get("AWS_SHARED_CREDENTIALS_FILE") or home / ".aws" / "credentials"),
            "config": Path(env.get("AWS_CONFIG_FILE") or home / ".aws" / "config"),
        }
    if fmt == "rclone":
        config_home = Path(env.get("XDG_CONFIG_HOME") or home / ".config")
        return {"rclone": Path(env.get("RCLONE_CONFIG") or config_home / "rclone" / "rclone.conf")}
    if fmt == "s3cmd":
        return {"s3cmd": home / ".s3cfg"}
    raise ExportError(f"format {fmt!r} is printed, not written; redirect it to a file if you need one")


def _where(path: Path, exc: configparser.Error) -> str:
    """`path:line:column` of a parse error: its position only, never the line's text (it may hold a secret)."""
    line = getattr(exc, "lineno", None)
    if isinstance(exc, configparser.ParsingError) and exc.errors:
        line = exc.errors[0][0]
    return f"{path}:{line}:1" if isinstance(line, int) else str(path)


_PARSE_PROBLEMS = {
    "MissingSectionHeaderError": "a line before the first [section]",
    "ParsingError": "a line that is neither a [section], a key = value nor a comment",
    "DuplicateSectionError": "a [section] given twice",
    "DuplicateOptionError": "a key given twice in one section",
}


def _read_existing(path: Path) -> str:
    try:
        refuse_unsafe_target(path)
        return path.read_text(encoding="utf-8")
    except ConfigError as exc:
        raise ExportError(exc.message) from None
    except UnicodeDecodeError:
        raise ExportError(f"{path} is not UTF-8 text, so it was left alone") from None
    except OSError as exc:
        raise ExportError(f"{path} cannot be read ({exc.strerror}), so it was left alone") from None


def _sections(path: Path) -> set[str]:
    parser = configparser.RawConfigParser(strict=False)
    try:
        parser.read_string(_read_existing(path))
    except configparser.Error as exc:
        problem = _PARSE_PROBLEMS.get(type(exc).__name__, "text that is not INI")
        raise ExportError(f"{_where(path, exc)}: not a valid INI file ({problem}), so it was left alone; "
                          "fix that line or choose another file") from None
    return set(parser.sections())


def _section_name(text: str) -> str:
    for line in text.splitlines():
        if line.startswith("["):
            return line.strip()[1:-1]
    return ""


def write(fmt: str, texts: dict[str, str], paths: dict[str, Path], *, force: bool = False) -> list[Path]:
    """Add each text to its file. Whole-file formats refuse to replace a file; INI formats refuse a taken section."""
    plan: list[tuple[Path, str, bool]] = []
    for dest, text in texts.items():
        path = paths[dest]
        if fmt in WHOLE_FILE_FORMATS:
            if path.exists() and not force:
                raise ExportError(f"{path} exists; pass --force to replace it")
            plan.append((path, text, False))
            continue
        section = _section_name(text)
        if path.exists() and section in _sections(path):
            if not force:
                raise ExportError(f"{path} already has a [{section}] section; pass --force to replace it "
                                  "or --name to choose another name")
            plan.append((path, _without_section(_read_existing(path), section) + "\n" + text, False))
        else:
            plan.append((path, text, True))
    written = []
    for path, text, append in plan:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        current = _read_existing(path) if append and path.exists() else ""
        if current and not current.endswith("\n"):
            current += "\n"
        _atomic_write(path, current + ("\n" if current else "") + text if append else text)
        written.append(path)
    return written


def drop_static_keys(path: Path, section: str, *, force: bool) -> bool:
    """Remove a profile's static keys from the AWS credentials file before it switches to credential_process
    (the AWS CLI prefers static keys, which would then fail once they expire). True when removed."""
    if not path.exists() or section not in _sections(path):
        return False
    if not force:
        raise ExportError(f"{path} has static keys in [{section}], which the AWS CLI would use instead of "
                          "credential_process; pass --force to remove them")
    _atomic_write(path, _without_section(_read_existing(path), section))
    return True


def _without_section(text: str, section: str) -> str:
    out, skipping = [], False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            skipping = stripped[1:-1] == section
        if not skipping:
            out.append(line)
    return "\n".join(out).rstrip() + "\n"


def _atomic_write(path: Path, text: str) -> None:
    """Through the one writer of secret files (random O_EXCL temp name, 0600, fsync, replace; no symlinks)."""
    try:
        write_private_file(path, text.encode("utf-8"))
    except ConfigError as exc:
        raise ExportError(exc.message) from None
    except OSError as exc:
        raise ExportError(f"{path} cannot be written ({exc.strerror})") from None


def credential_process_json(access_key_id: str, secret_access_key: str, session_token: str | None,
                            expires_at: datetime | None) -> str:
    """AWS `credential_process` output (Version 1)."""
    doc: dict[str, object] = {"Version": 1, "AccessKeyId": access_key_id, "SecretAccessKey": secret_access_key}
    if session_token:
        doc["SessionToken"] = session_token
    if expires_at is not None:
        doc["Expiration"] = expires_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return json.dumps(doc)
