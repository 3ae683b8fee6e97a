"""The auth decision flow as data: every path ends at a leaf whose requirements can be met."""

from __future__ import annotations

from cwos_tui.cloud.auth_flow import (
    END,
    FLOW,
    REQUIREMENT_LABELS,
    ROOT,
    Requirement,
    iter_paths,
    next_question,
    path_of,
    requirements,
    settings_for,
)


def test_every_choice_leads_somewhere_known_and_every_question_is_reachable():
    reachable = {q for path in iter_paths() for q, _ in path}
    assert reachable == set(FLOW)
    for question in FLOW.values():
        assert question.choices, question.key
        for choice in question.choices:
            assert choice.next == END or choice.next in FLOW


def test_the_flow_has_the_documented_leaves():
    leaves = {tuple(c for _, c in path) for path in iter_paths()}
    assert ("control-plane",) in leaves
    for ending in ("cwobject", "cwlota", "custom"):
        assert ("storage", "static", "token-exchange", ending) in leaves
        assert ("storage", "wif", "oidc", ending) in leaves
        assert ("storage", "wif", "saml", ending) in leaves
        assert ("storage", "static", "existing-key", ending) in leaves
    assert len(leaves) == 1 + 5 * 3


def test_every_leaf_decides_a_credential_source_and_can_be_satisfied():
    for path in iter_paths():
        settings = settings_for(path)
        kind = settings["credential_source"]["kind"]
        needs = set(requirements(path))
        assert needs <= set(REQUIREMENT_LABELS), path
        if settings["purpose"] == "storage":
            assert Requirement.ZONE in needs
            assert "s3_endpoint" in settings or Requirement.S3_ENDPOINT in needs
        expected = {
            "api-token": {Requirement.API_TOKEN},
            "jwt-key": {Requirement.API_TOKEN, Requirement.KEY_DURATION},
            "static": {Requirement.ACCESS_KEY_PAIR},
            "oidc": {Requirement.OIDC_ORG, Requirement.OIDC_TOKEN_SOURCE},
            "saml": {Requirement.SAML_ORG, Requirement.SAML_CONFIG_ID, Requirement.SAML_RESPONSE},
        }[kind]
        assert expected <= needs, (path, needs)


def test_recommended_choices_follow_the_documentation():
    assert FLOW["keys"].choice("wif").recommended
    assert FLOW["wif"].choice("oidc").recommended and not FLOW["wif"].choice("saml").recommended
    assert FLOW["static"].choice("token-exchange").recommended
    assert FLOW["endpoint"].choice("cwobject").recommended


def test_next_question_walks_answers_and_path_of_records_them():
    assert next_question({}).key == ROOT
    answers = {ROOT: "storage", "keys": "wif"}
    assert next_question(answers).key == "wif"
    answers.update({"wif": "saml", "endpoint": "cwlota"})
    assert next_question(answers) is None
    path = path_of(answers)
    assert [q for q, _ in path] == [ROOT, "keys", "wif", "endpoint"]
    assert settings_for(path)["s3_endpoint"] == "http://cwlota.com"
    # A stale answer on another branch is ignored.
    assert next_question({ROOT: "control-plane", "keys": "static"}) is None
