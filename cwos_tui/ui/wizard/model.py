"""What the setup wizard knows and does, without widgets: pages, fields, the profile it builds, saving.

The screens render this state; tests can drive it directly. Secrets live in `values` only in memory and
go to the secret store on save, never into the settings file.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import SecretStr

from cwos_tui.cloud import auth_flow
from cwos_tui.cloud.auth_flow import END, FLOW, ROOT, Requirement
from cwos_tui.config import profiles as cfg
from cwos_tui.config.detect import Detection
from cwos_tui.config.secrets import SecretStore
from cwos_tui.config.settings import load_settings, save_settings
from cwos_tui.session import DEFAULT_ZONE

DETAILS, TEST, SAVE = "details", "test", "save"
#: short names of the flow's questions for the map
SHORT = {"goal": "Goal", "keys": "Keys", "static": "Token use", "wif": "Identity", "endpoint": "Endpoint",
         DETAILS: "Details", TEST: "Test", SAVE: "Save"}
SECRET_FIELDS = frozenset({"api_token", "secret_access_key", "saml_response"})
#: what the OIDC choice promises ("15-minute keys"), the container-credential route's lifetime
OIDC_KEY_SECONDS = 900
TOKEN_KINDS = (("file", "a file (e.g. a projected service-account token)"), ("command", "a command's output"),
               ("env", "an environment variable"))


@dataclass(frozen=True)
class FieldSpec:
    """One input on the details page."""

    name: str
    label: str
    secret: bool = False
    placeholder: str = ""
    options: tuple[tuple[str, str], ...] = ()
    optional: bool = False


_REQUIREMENT_FIELDS: dict[Requirement, tuple[FieldSpec, ...]] = {
    Requirement.API_TOKEN: (FieldSpec("api_token", "API access token (not shown)", True, "CW-SECRET-…"),),
    Requirement.ACCESS_KEY_PAIR: (FieldSpec("access_key_id", "Access key id", placeholder="CW…"),
                                  FieldSpec("secret_access_key", "Secret key (not shown)", True, "cwo…")),
    Requirement.KEY_DURATION: (FieldSpec("key_duration", "Key lifetime in seconds", placeholder="3600"),),
    Requirement.OIDC_ORG: (FieldSpec("org_id", "Organization id", placeholder="from Cloud Console → Settings"),),
    Requirement.SAML_ORG: (FieldSpec("org_id", "Organization id", placeholder="from Cloud Console → Settings"),),
    Requirement.OIDC_TOKEN_SOURCE: (FieldSpec("oidc_token_kind", "The OIDC token comes from", options=TOKEN_KINDS),
                                    FieldSpec("oidc_token_value", "Token file path, command, or variable name",
                                              placeholder="/var/run/secrets/…/token")),
    Requirement.SAML_CONFIG_ID: (FieldSpec("saml_config_id", "SAML config id", placeholder="Workload Federation"),),
    Requirement.SAML_RESPONSE: (FieldSpec("saml_response", "SAML response, base64 (not shown; not saved)", True),),
    Requirement.S3_ENDPOINT: (FieldSpec("s3_endpoint", "S3 endpoint URL", placeholder="http://127.0.0.1:8333"),
                              FieldSpec("addressing_style", "Addressing style",
                                        options=(("auto", "follow the endpoint (path only for IPs, localhost)"),
                                                 ("virtual", "virtual-hosted (bucket.host)"),
                                                 ("path", "path (host/bucket; not for CoreWeave)")))),
    Requirement.ZONE: (FieldSpec("zone", "Availability zone", placeholder=DEFAULT_ZONE),),
}
_CONTROL_PLANE_FIELD = FieldSpec("control_plane_endpoint", "Control-plane URL", placeholder=cfg.DEFAULT_CONTROL_PLANE)
_BUCKET_FIELD = FieldSpec("bucket", "Bucket to check (optional: HeadBucket instead of ListBuckets)", optional=True)


def uses_control_plane(path: auth_flow.Path) -> bool:
    """Every path but a plain key pair talks to the control plane (token, OIDC or SAML exchange)."""
    return not any(choice == "existing-key" for _, choice in path)


def purpose_of(path: auth_flow.Path) -> str:
    return str(auth_flow.settings_for(path).get("purpose", "storage"))


def fields_for(path: auth_flow.Path) -> list[FieldSpec]:
    specs: list[FieldSpec] = []
    for requirement in auth_flow.requirements(path):
        for spec in _REQUIREMENT_FIELDS.get(requirement, ()):
            if all(s.name != spec.name for s in specs):
                specs.append(spec)
    if uses_control_plane(path):
        specs.append(_CONTROL_PLANE_FIELD)
    if purpose_of(path) == "storage":
        specs.append(_BUCKET_FIELD)
    return specs


def _is_loopback_url(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host in ("localhost", "::1") or host.startswith("127.")


@dataclass
class WizardState:
    """Answers to the flow's questions, the values typed or detected, and the page on screen."""

    detection: Detection = field(default_factory=Detection)
    answers: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict, repr=False)
    editing: str | None = None
    page: str = ROOT

    @classmethod
    def start(cls, detection: Detection, existing: tuple[dict[str, str], dict[str, str], str] | None = None
              ) -> WizardState:
        """Open on the first question the environment (or the edited profile) does not answer."""
        state = cls(detection=detection, answers=dict(detection.answers))
        for name, value in detection.values.items():
            state.values.setdefault(name, value)
        if "oidc_token_file" in detection.values:
            state.values.setdefault("oidc_token_kind", "file")
            state.values.setdefault("oidc_token_value", detection.values["oidc_token_file"])
        if existing is not None:
            answers, values, name = existing
            state.answers.update(answers)
            state.values.update(values)
            state.editing = name
        question = auth_flow.next_question(state.answers)
        state.page = question.key if question is not None else DETAILS
        if existing is not None:
            state.page = ROOT
        return state

    @property
    def path(self) -> auth_flow.Path:
        return auth_flow.path_of(self.answers)

    def pages(self) -> list[str]:
        """The pages along the current answers; stops at the first unanswered question."""
        keys = [q for q, _ in self.path]
        question = auth_flow.next_question(self.answers)
        if question is not None:
            return [*keys, question.key]
        return [*keys, DETAILS, TEST, SAVE]

    def step_text(self) -> str:
        pages = self.pages()
        index = pages.index(self.page) + 1 if self.page in pages else 1
        if pages[-1] == SAVE:
            return f"step {index} of {len(pages)}"
        longest = max(len(p) for p in auth_flow.iter_paths(pages[-1]))  # questions still ahead, at most
        return f"step {index} of up to {len(pages) - 1 + longest + 3}"

    def answer(self, question: str, choice: str) -> None:
        FLOW[question].choice(choice)  # raises KeyError for a choice the question does not have
        self.answers[question] = choice

    def go(self, offset: int) -> str:
        pages = self.pages()
        index = pages.index(self.page) if self.page in pages else 0
        self.page = pages[max(0, min(len(pages) - 1, index + offset))]
        return self.page

    def map_steps(self) -> list[tuple[str, str, bool]]:
        """(short name, chosen label or '', is current) for the map along the path so far and ahead."""
        out = []
        answered = dict(self.path)
        for key in self.pages():
            chosen = answered.get(key, "")
            out.append((SHORT.get(key, key), chosen, key == self.page))
        if self.pages()[-1] != SAVE:
            out.append(("…", "", False))
        return out

    def found_for(self, name: str) -> str:
        """The detection message that supplied a field's value, if any (never the value)."""
        for finding in self.detection.findings:
            keys = set(finding.values)
            if "oidc_token_file" in finding.values:
                keys |= {"oidc_token_kind", "oidc_token_value"}
            if name in keys:
                return finding.message
        return ""

    def default(self, spec: FieldSpec) -> str:
        if spec.name == "zone":
            return DEFAULT_ZONE
        if spec.name == "control_plane_endpoint":
            return cfg.DEFAULT_CONTROL_PLANE
        if spec.name == "key_duration":
            return "3600"
        if spec.options:
            return spec.options[0][0]
        return ""

    def value(self, spec: FieldSpec) -> str:
        return self.values.get(spec.name) or self.default(spec)

    def missing(self) -> list[str]:
        """Labels of required fields that are still empty."""
        return [s.label for s in fields_for(self.path) if not s.optional and not self.value(s).strip()]



# ---- profile <-> state --------------------------------------------------------------------------------


def build_profile(state: WizardState, name: str) -> cfg.Profile:
    """The profile the answers and values describe (raises ValueError with a readable reason)."""
    path = state.path
    if auth_flow.next_question(state.answers) is not None:
        raise ValueError("the flow is not finished")
    chosen = auth_flow.settings_for(path)
    kind = chosen.get("credential_source", {}).get("kind", "api-token")
    v = {k: val.strip() for k, val in state.values.items()}
    source: Any
    if kind == "static":
        source = cfg.StaticKeySource(access_key_id=v.get("access_key_id", ""))
    elif kind == "jwt-key":
        duration = v.get("key_duration") or "3600"
        if not duration.isdigit():
            raise ValueError("the key lifetime must be a whole number of seconds")
        source = cfg.JwtKeySource(duration_seconds=int(duration))
    elif kind == "oidc":
        origin = v.get("oidc_token_kind") or "file"
        token_value = v.get("oidc_token_value", "")
        if not token_value:
            raise ValueError("say where the OIDC token comes from (file path, command or variable name)")
        extra: dict[str, Any]
        if origin == "command":
            extra = {"token_command": shlex.split(token_value)}
        elif origin == "env":
            extra = {"token_env": token_value}
        else:
            extra = {"token_file": Path(token_value).expanduser()}
        source = cfg.OidcSource(org_id=v.get("org_id", ""), duration_seconds=OIDC_KEY_SECONDS, **extra)
    elif kind == "saml":
        source = cfg.SamlSource(org_id=v.get("org_id", ""), config_id=v.get("saml_config_id", ""))
    else:
        source = cfg.ApiTokenSource()
    data: dict[str, Any] = {"name": name, "credential_source": source,
                            "control_plane_endpoint": v.get("control_plane_endpoint") or cfg.DEFAULT_CONTROL_PLANE}
    if purpose_of(path) == "storage":
        data["zone"] = v.get("zone") or DEFAULT_ZONE
        data["s3_endpoint"] = chosen.get("s3_endpoint") or v.get("s3_endpoint", "")
        data["addressing_style"] = _addressing(chosen.get("addressing_style") or v.get("addressing_style"),
                                               data["s3_endpoint"])
    elif v.get("s3_endpoint"):  # control plane: keep the S3 endpoint and zone the environment showed
        data["s3_endpoint"] = v["s3_endpoint"]
        data["addressing_style"] = _addressing(v.get("addressing_style"), v["s3_endpoint"])
        if v.get("zone"):
            data["zone"] = v["zone"]
    if kind in ("oidc", "saml"):
        data["org_id"] = v.get("org_id", "")
    elif state.editing and v.get("profile_org_id"):
        data["org_id"] = v["profile_org_id"]
    return cfg.Profile(**data)


def _addressing(chosen: str | None, url: str) -> str:
    """The style the user picked, or the one the endpoint needs ("auto" or nothing picked)."""
    return chosen if chosen in ("virtual", "path") else cfg.addressing_for(url)


def summary(profile: cfg.Profile) -> str:
    """What the saved profile will do, in the wizard's words (shown before saving)."""
    source = profile.credential_source
    keys = {"api-token": "15-minute keys from the API token, refreshed automatically",
            "static": f"the key pair {getattr(source, 'access_key_id', '')} (no refresh)"}.get(source.kind, "")
    if isinstance(source, cfg.JwtKeySource | cfg.OidcSource | cfg.SamlSource):
        minutes = source.duration_seconds // 60
        how = {"jwt-key": "minted with the API token", "oidc": "from the OIDC token, refreshed automatically",
               "saml": "from the SAML response; sign in again when they expire"}[source.kind]
        keys = f"{minutes}-minute keys {how}"
    style = "virtual-hosted" if profile.addressing_style == "virtual" else "path-style"
    zone = profile.zone or f"{DEFAULT_ZONE} (default)"
    return f"Saves: {keys}; S3 {profile.s3_endpoint} ({style}), zone {zone}"


def secrets_for(state: WizardState, profile: cfg.Profile) -> dict[str, str]:
    """Secret-store name -> value for what this profile needs stored (the SAML response is never stored)."""
    out: dict[str, str] = {}
    if Requirement.API_TOKEN in auth_flow.requirements(state.path) and state.values.get("api_token", "").strip():
        out[profile.api_token_name] = state.values["api_token"].strip()
    secret_name = profile.secret_key_name
    if secret_name and state.values.get("secret_access_key", "").strip():
        out[secret_name] = state.values["secret_access_key"].strip()
    return out


def with_memory_secrets(state: WizardState, profile: cfg.Profile) -> cfg.Profile:
    """A copy of the profile carrying the typed token/secret in memory (for the test, before saving)."""
    copy = profile.model_copy(deep=True)
    token = state.values.get("api_token", "").strip()
    if token and Requirement.API_TOKEN in auth_flow.requirements(state.path):
        copy._api_token = SecretStr(token)
    source = copy.credential_source
    if isinstance(source, cfg.StaticKeySource) and state.values.get("secret_access_key", "").strip():
        source._secret_access_key = SecretStr(state.values["secret_access_key"].strip())
    return copy


def state_from_profile(profile: cfg.Profile, store: SecretStore | None) -> tuple[dict[str, str], dict[str, str], str]:
    """(answers, values, name) that lead the wizard back to `profile`, secrets read from the store."""
    source = profile.credential_source
    answers: dict[str, str] = {"goal": "storage"}
    values: dict[str, str] = {"control_plane_endpoint": profile.control_plane_endpoint}
    if isinstance(source, cfg.ApiTokenSource):
        storage_like = profile.zone is not None or profile.s3_endpoint != cfg.DEFAULT_S3_ENDPOINT
        answers = {"goal": "storage", "keys": "static", "static": "token-exchange"} if storage_like else {
            "goal": "control-plane"}
    elif isinstance(source, cfg.JwtKeySource):
        answers.update(keys="static", static="jwt-key")
        values["key_duration"] = str(source.duration_seconds)
    elif isinstance(source, cfg.StaticKeySource):
        answers.update(keys="static", static="existing-key")
        values["access_key_id"] = source.access_key_id
    elif isinstance(source, cfg.OidcSource):
        answers.update(keys="wif", wif="oidc")
        values["org_id"] = source.org_id
        if source.token_file is not None:
            values.update(oidc_token_kind="file", oidc_token_value=str(source.token_file))
        elif source.token_command:
            values.update(oidc_token_kind="command", oidc_token_value=shlex.join(source.token_command))
        else:
            values.update(oidc_token_kind="env", oidc_token_value=source.token_env or "")
    elif isinstance(source, cfg.SamlSource):
        answers.update(keys="wif", wif="saml")
        values.update(org_id=source.org_id, saml_config_id=source.config_id)
    if answers.get("goal") == "storage":
        endpoint = {cfg.DEFAULT_S3_ENDPOINT: "cwobject", cfg.LOTA_S3_ENDPOINT: "cwlota"}.get(profile.s3_endpoint)
        answers["endpoint"] = endpoint or "custom"
        values.update(s3_endpoint=profile.s3_endpoint, addressing_style=profile.addressing_style)
        if profile.zone:
            values["zone"] = profile.zone
    if profile.org_id and "org_id" not in values:
        values["profile_org_id"] = profile.org_id
    if store is not None:
        token = store.get(profile.api_token_name)
        if token is not None:
            values["api_token"] = token.get_secret_value()
        secret_name = profile.secret_key_name
        secret = store.get(secret_name) if secret_name else None
        if secret is not None:
            values["secret_access_key"] = secret.get_secret_value()
    return answers, values, profile.name


def suggest_name(state: WizardState, existing: Mapping[str, object]) -> str:
    if state.editing:
        return state.editing
    url = state.values.get("control_plane_endpoint", "") or state.values.get("s3_endpoint", "")
    base = "sandbox" if url and _is_loopback_url(url) else "default"
    name, number = base, 2
    while name in existing and number < 1000:
        name, number = f"{base}-{number}", number + 1
    return name


def save_profile(profile: cfg.Profile, secrets: Mapping[str, str], store: SecretStore, *,
                 config_path: Path | None = None, make_active: bool = True) -> Path:
    """Store the secrets, then add (or replace) the profile in the settings file; return the file."""
    settings = load_settings(config_path, use_env=False)
    for name, value in secrets.items():
        store.set(name, value)
    settings.profiles = {**settings.profiles, profile.name: profile}
    if make_active:
        settings.active_profile = profile.name
    return save_settings(settings, config_path)


__all__ = ["DETAILS", "END", "SAVE", "TEST", "FieldSpec", "WizardState", "build_profile", "fields_for",
           "save_profile", "secrets_for", "state_from_profile", "suggest_name", "with_memory_secrets"]
