"""Detection of existing CoreWeave configuration, with controlled environments."""

from __future__ import annotations

import base64
import json

import pytest

from cwos_tui.cloud.auth_flow import next_question
from cwos_tui.config.detect import detect


def test_nothing_found_in_an_empty_environment(tmp_path):
    result = detect({"HOME": str(tmp_path)}, k8s_token=tmp_path / "no-k8s-token")
    assert result.findings == [] and next_question(result.answers).key == "goal"


def test_api_token_is_named_but_does_not_decide_the_goal(tmp_path):
    result = detect({"HOME": str(tmp_path), "COREWEAVE_API_TOKEN": "CW-SECRET-abc"},
                    k8s_token=tmp_path / "no-k8s-token")
    assert [f.message for f in result.findings] == ["Found an API token in COREWEAVE_API_TOKEN"]
    assert result.values["api_token"] == "CW-SECRET-abc"
    assert all("CW-SECRET-abc" not in f.message and "CW-SECRET-abc" not in repr(f) for f in result.findings)
    assert next_question(result.answers).key == "goal"


def test_token_exchange_container_uri_answers_up_to_the_endpoint(tmp_path):
    env = {"HOME": str(tmp_path),
           "AWS_CONTAINER_CREDENTIALS_FULL_URI": "https://api.coreweave.com/v1/cwobject/temporary-credentials/api-token",
           "AWS_ENDPOINT_URL": "https://cwobject.com", "AWS_REGION": "US-EAST-04A"}
    result = detect(env, k8s_token=tmp_path / "no-k8s-token")
    assert result.answers == {"goal": "storage", "keys": "static", "static": "token-exchange",
                              "endpoint": "cwobject"}
    assert next_question(result.answers) is None
    assert result.values["zone"] == "US-EAST-04A"


def _jwt(claims: dict) -> str:
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
    return f"{part({'alg': 'RS256'})}.{part(claims)}.c2ln"


def test_inside_a_cks_cluster_suggests_lota_and_oidc_token_file(tmp_path):
    token = tmp_path / "sa-token"
    token.write_text(_jwt({"iss": "https://oidc.cks.coreweave.com/id/0f1e2d3c", "sub": "system:serviceaccount:a:b"}))
    env = {"HOME": str(tmp_path),
           "AWS_CONTAINER_CREDENTIALS_FULL_URI": "https://api.coreweave.com/v1/cwobject/temporary-credentials/oidc/ab1cd2",
           "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": str(token)}
    result = detect(env, k8s_token=token)
    assert result.answers["wif"] == "oidc" and result.answers["endpoint"] == "cwlota"
    assert result.values["org_id"] == "ab1cd2" and result.values["oidc_token_file"] == str(token)


def test_aws_profile_pointing_at_cwobject_is_found(tmp_path):
    aws = tmp_path / ".aws"
    aws.mkdir()
    (aws / "config").write_text("[default]\nregion = us-east-1\n\n[profile cw]\nregion = US-EAST-04A\n"
                                "endpoint_url = https://cwobject.com\n")
    result = detect({"HOME": str(tmp_path)}, k8s_token=tmp_path / "no-k8s-token")
    assert [f.message for f in result.findings] == ["Found AWS profile 'cw' using https://cwobject.com"]
    assert result.values == {"s3_endpoint": "https://cwobject.com", "aws_profile": "cw", "zone": "US-EAST-04A"}


def test_key_pair_in_environment_selects_existing_key(tmp_path):
    env = {"HOME": str(tmp_path), "AWS_ACCESS_KEY_ID": "CWABC", "AWS_SECRET_ACCESS_KEY": "cwo-secret",
           "AWS_ENDPOINT_URL": "http://127.0.0.1:9000"}
    result = detect(env, k8s_token=tmp_path / "no-k8s-token")
    assert result.answers["static"] == "existing-key" and result.answers["endpoint"] == "custom"
    assert all("cwo-secret" not in f.message for f in result.findings)


@pytest.mark.parametrize("content", [
    _jwt({"iss": "https://kubernetes.default.svc.cluster.local", "sub": "system:serviceaccount:a:b"}),
    _jwt({"iss": "https://oidc.cks.coreweave.com.evil.example/id/1"}), "not a jwt", ""])
def test_any_other_kubernetes_pod_asks_for_the_endpoint_and_says_why(tmp_path, content):
    token = tmp_path / "sa-token"
    token.write_text(content)
    result = detect({"HOME": str(tmp_path), "KUBERNETES_SERVICE_HOST": "10.0.0.1"}, k8s_token=token)
    assert "endpoint" not in result.answers
    assert result.values["oidc_token_file"] == str(token)
    assert "LOTA is asked, not assumed" in result.findings[-1].message


def test_kubernetes_env_without_a_token_file_does_not_assume_lota(tmp_path):
    result = detect({"HOME": str(tmp_path), "KUBERNETES_SERVICE_HOST": "10.0.0.1"}, k8s_token=tmp_path / "none")
    assert "endpoint" not in result.answers and "oidc_token_file" not in result.values
