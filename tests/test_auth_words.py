"""The wizard's words and the saved profile agree (issue 11): key lifetimes, endpoint, zone and an addressing
style that follows the endpoint, with a warning where path-style meets CoreWeave; the env profile too."""

from __future__ import annotations

import pytest

from cwos_tui.cloud.auth_flow import FLOW
from cwos_tui.config.addressing import addressing_for, addressing_warning
from cwos_tui.config.detect import Detection, Finding
from cwos_tui.config.profiles import env_profile
from cwos_tui.ui.wizard.model import WizardState, build_profile, summary


@pytest.mark.parametrize(("url", "style"), [
    ("https://cwobject.com", "virtual"), ("http://cwlota.com", "virtual"), ("https://s3.example.net:8443", "virtual"),
    ("http://127.0.0.1:8333", "path"), ("http://localhost:9000", "path"), ("http://[::1]:9000", "path"),
    ("https://10.1.2.3", "path"), ("", "path")])
def test_addressing_follows_the_endpoint(url: str, style: str) -> None:
    assert addressing_for(url) == style


def test_path_style_on_coreweave_endpoints_is_warned_about() -> None:
    assert "virtual-hosted" in addressing_warning("https://cwobject.com", "path")
    assert addressing_warning("https://eu.cwlota.com", "path")
    assert addressing_warning("https://cwobject.com", "virtual") == ""
    assert addressing_warning("http://127.0.0.1:8333", "path") == ""


def test_env_profile_addressing_defaults_to_the_endpoint_and_warns_when_forced() -> None:
    token = {"COREWEAVE_API_TOKEN": "CW-SECRET-x"}
    assert env_profile({**token, "AWS_ENDPOINT_URL": "http://127.0.0.1:8333"}).addressing_style == "path"
    assert env_profile(token).addressing_style == "virtual"
    assert env_profile(token).warnings == []
    forced = env_profile({**token, "CWOS_ADDRESSING_STYLE": "path"})
    assert forced.addressing_style == "path"
    assert forced.warnings and "cwobject.com" in forced.warnings[0]


def state(answers: dict[str, str], **values: str) -> WizardState:
    s = WizardState(answers=answers)
    s.values.update(values)
    return s


def test_custom_endpoint_addressing_follows_the_url_unless_the_user_insists() -> None:
    answers = {"goal": "storage", "keys": "static", "static": "token-exchange", "endpoint": "custom"}
    named = build_profile(state(answers, s3_endpoint="https://cwobject.com", addressing_style="auto"), "p")
    assert named.addressing_style == "virtual" and named.warnings == []
    loop = build_profile(state(answers, s3_endpoint="http://127.0.0.1:8333"), "p")
    assert loop.addressing_style == "path"
    insisted = build_profile(state(answers, s3_endpoint="https://cwobject.com", addressing_style="path"), "p")
    assert insisted.addressing_style == "path" and insisted.warnings
    assert "(path-style)" in summary(insisted)


def test_oidc_choice_promises_15_minutes_and_the_profile_mints_15_minutes() -> None:
    assert "15-minute keys" in FLOW["wif"].choice("oidc").label
    answers = {"goal": "storage", "keys": "wif", "wif": "oidc", "endpoint": "cwobject"}
    profile = build_profile(state(answers, org_id="org1", oidc_token_kind="file", oidc_token_value="/t"), "w")
    assert profile.credential_source.duration_seconds == 900
    assert summary(profile).startswith("Saves: 15-minute keys from the OIDC token")
    assert "https://cwobject.com (virtual-hosted), zone US-EAST-04A" in summary(profile)


def test_saml_choice_and_profile_agree_on_one_hour() -> None:
    assert "1-hour keys" in FLOW["wif"].choice("saml").label
    answers = {"goal": "storage", "keys": "wif", "wif": "saml", "endpoint": "cwlota"}
    profile = build_profile(state(answers, org_id="o", saml_config_id="c"), "s")
    assert profile.credential_source.duration_seconds == 3600 and profile.s3_endpoint == "http://cwlota.com"


def test_control_plane_profile_keeps_a_detected_endpoint_and_zone() -> None:
    detection = Detection([Finding("found", {"endpoint": "custom"},
                                   {"s3_endpoint": "https://s3.example.net", "zone": "US-WEST-01A"})])
    s = WizardState.start(detection)
    s.answer("goal", "control-plane")
    profile = build_profile(s, "admin")
    assert (profile.s3_endpoint, profile.zone, profile.addressing_style) == (
        "https://s3.example.net", "US-WEST-01A", "virtual")
