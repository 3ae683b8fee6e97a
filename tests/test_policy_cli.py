"""`cwos-tui policy lint|simulate|pull|push`, run as a user runs them: the real CLI in a subprocess, on files,
and online against the sandbox through the environment profile."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import grant, make_principal, new_key, s3_client


def cwos(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cwos_tui", "policy", *args], capture_output=True, text=True,
                          timeout=60, env=env, input=stdin)


@pytest.fixture
def user_env(sandbox, tmp_path) -> dict[str, str]:
    """A user whose only configuration is the sandbox's variables (the environment profile)."""
    env = dict(os.environ)
    env.update({
        "CWOS_CONFIG": str(tmp_path / "cwos.toml"), "COREWEAVE_API_TOKEN": sandbox.token,
        "COREWEAVE_API_ENDPOINT": sandbox.control_plane, "AWS_ENDPOINT_URL": sandbox.s3,
        "AWS_REGION": sandbox.zone, "CWOS_ADDRESSING_STYLE": "path", "AWS_EC2_METADATA_DISABLED": "true",
    })
    return env


def write(tmp_path: Path, name: str, doc: object | str) -> str:
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc, indent=2))
    return str(path)


GOOD_ORG = {"policy": {"version": "v1alpha1", "name": "reads", "statements": [
    {"name": "read", "effect": "Allow", "actions": ["s3:GetObject", "s3:ListBucket"], "resources": ["data", "data/*"],
     "principals": ["coreweave/u1"]},
    {"name": "no-secrets", "effect": "Deny", "actions": ["s3:GetObject"], "resources": ["data/secret/*"],
     "principals": ["*"]},
    {"name": "admin-policies", "effect": "Allow", "actions": ["s3:PutBucketPolicy"], "resources": ["data"],
     "principals": ["coreweave/u1"]}]}}
ONLY_U1 = {"Version": "2012-10-17", "Statement": [
    {"Sid": "OnlyU1", "Effect": "Allow", "Principal": {"CW": ["arn:aws:iam::o1:coreweave/u1"]}, "Action": "s3:*",
     "Resource": ["arn:aws:s3:::data", "arn:aws:s3:::data/*"]},
    {"Sid": "KeepAudit", "Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
     "Resource": "arn:aws:s3:::data/audit/*"}]}


def test_lint_exit_codes_and_text_output(tmp_path):
    good = write(tmp_path, "good.json", GOOD_ORG)
    warn = write(tmp_path, "warn.json", {"version": "v1alpha1", "name": "w", "statements": [
        {"name": "s", "effect": "Allow", "actions": ["s3:GetObjekt"], "resources": ["b/*"], "principals": ["*"]}]})
    bad = write(tmp_path, "bad.json", '{"policy": {"version": "v1alpha1", "name": "b",\n  "statements": [{"name": "s",'
                ' "effect": "allow", "actions": ["s3:*"], "resources": ["*"], "principals": ["role/Admin"]}]}}')
    ok = cwos("lint", good, warn)
    assert ok.returncode == 0, ok.stderr
    assert f"{good}: ok (org policy)" in ok.stdout
    assert f"{warn}:9:9: warning [unknown-action]" in ok.stdout and "did you mean 's3:GetObject'" in ok.stdout
    failed = cwos("lint", good, bad)
    assert failed.returncode == 1
    assert f"{bad}:2:42: error [effect]" in failed.stdout
    missing = cwos("lint", good, str(tmp_path / "nope.json"), bad)
    assert missing.returncode == 2 and "nope.json: cannot read" in missing.stderr and "Traceback" not in missing.stderr
    assert f"{bad}:2:42" in missing.stdout, "the other files are still checked"
    assert cwos("lint").returncode == 2  # usage


def test_lint_json_shape_for_org_and_bucket_files(tmp_path):
    bucket = write(tmp_path, "bucket.json", {**ONLY_U1, "Statement": [{**ONLY_U1["Statement"][0], "Sid": "only-u1"}]})
    org = write(tmp_path, "org.json", GOOD_ORG)
    broken = write(tmp_path, "broken.json", "{\n  \"policy\": [1,]\n}")
    result = cwos("lint", "--json", bucket, org, broken)
    assert result.returncode == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(d["file"], d["kind"]) for d in lines] == [(bucket, "bucket"), (org, "org"), (broken, "org")]
    assert lines[1]["findings"] == []
    sid = lines[0]["findings"][0]
    assert set(sid) == {"severity", "rule", "message", "path", "line", "column"}
    assert (sid["severity"], sid["rule"], sid["path"], sid["line"]) == ("error", "sid", "Statement[0].Sid", 5)
    assert lines[2]["findings"][0]["rule"] == "json-syntax" and lines[2]["findings"][0]["line"] == 2


def test_lint_reads_stdin_and_checks_bucket_resources(tmp_path):
    result = cwos("lint", "--bucket", "other", "-", stdin=json.dumps(ONLY_U1))
    assert result.returncode == 1 and "is not a resource of bucket 'other'" in result.stdout


@pytest.mark.parametrize(("principal", "action", "resource", "bucket_policy", "code", "step"), [
    ("coreweave/u9", "s3:GetObject", "data/x", False, 1, "no-org-allow"),
    ("coreweave/u1", "s3:GetObject", "data/secret/x", False, 1, "org-deny"),
    ("coreweave/u1", "s3:GetObject", "data/x", False, 0, "no-bucket-policy"),
    ("coreweave/u1", "s3:GetObject", "arn:aws:s3:::data/audit/x", True, 1, "bucket-deny"),
    ("arn:aws:iam::o1:coreweave/u1", "s3:ListBucket", "data", True, 0, "bucket-allow"),
    ("coreweave/u1", "s3:GetObject", "data/x", True, 1, "bucket-implicit-deny"),  # org id unknown: ARN differs
    ("coreweave/u1", "s3:PutBucketPolicy", "data", True, 0, "org-only"),
])
def test_simulate_offline_every_step(tmp_path, principal, action, resource, bucket_policy, code, step):
    args = ["simulate", "--principal", principal, "--action", action, "--resource", resource, "--json",
            "--org-policy", write(tmp_path, "org.json", GOOD_ORG)]
    if bucket_policy:
        args += ["--bucket-policy", write(tmp_path, "bucket.json", ONLY_U1)]
    result = cwos(*args)
    assert result.returncode == code, result.stderr
    answer = json.loads(result.stdout)
    assert answer["step"] == step and answer["decision"] == ("allow" if code == 0 else "deny")
    for m in answer["matched"]:
        assert set(m) == {"source", "policy", "statement", "effect"}


def test_simulate_names_every_matched_statement_and_refuses_bad_input(tmp_path):
    org = write(tmp_path, "org.json", GOOD_ORG)
    result = cwos("simulate", "--principal", "coreweave/u1", "--action", "s3:GetObject", "--resource",
                  "data/secret/k", "--org-policy", org, "--json")
    assert json.loads(result.stdout)["matched"] == [
        {"source": "org", "policy": "reads", "statement": "read", "effect": "Allow"},
        {"source": "org", "policy": "reads", "statement": "no-secrets", "effect": "Deny"}]
    text = cwos("simulate", "--principal", "coreweave/u1", "--action", "s3:GetObject", "--resource", "data/k",
                "--org-policy", org)
    assert text.stdout.startswith("ALLOW  (no-bucket-policy)") and "statement 'read'" in text.stdout
    bad = cwos("simulate", "--principal", "u1", "--action", "GetObject", "--org-policy", org)
    assert bad.returncode == 2 and "is not an action" in bad.stderr
    invalid = write(tmp_path, "invalid.json", {"version": "v1", "name": "x", "statements": []})
    refused = cwos("simulate", "--principal", "u1", "--action", "s3:GetObject", "--org-policy", invalid)
    assert refused.returncode == 2 and "invalid.json:2:14: version must be" in refused.stderr


def test_simulate_online_uses_live_org_and_bucket_policies(sandbox, user_env):
    def sim(action: str, resource: str) -> tuple[int, dict]:
        result = cwos("simulate", "--principal", sandbox.admin_principal, "--action", action, "--resource", resource,
                      "--json", env=user_env)
        assert result.returncode in (0, 1), result.stderr
        return result.returncode, json.loads(result.stdout)

    code, answer = sim("s3:DeleteObject", "training-data/raw/a.bin")
    assert code == 1 and answer["step"] == "bucket-deny"
    assert {"source": "bucket", "policy": "training-data", "statement": "ProtectRawData", "effect": "Deny"} in \
        answer["matched"]
    code, answer = sim("s3:GetObject", "training-data/raw/a.bin")
    assert code == 0 and answer["step"] == "bucket-allow"  # the org id came from whoami: cw:PrincipalOrgID holds
    assert sim("s3:GetObject", "model-checkpoints/x")[1]["step"] == "no-bucket-policy"
    assert sim("s3:PutBucketPolicy", "training-data")[1]["step"] == "org-only"


def test_simulator_agrees_with_the_sandbox_s3(sandbox, user_env, monkeypatch, capsys):
    """Generated requests for a fresh principal: the simulator's answer is what the sandbox's S3 does.

    The first request goes through a real `cwos-tui policy simulate` process; the others call the same
    command line in this process (16 interpreter starts took 20-80 s on a loaded machine)."""
    from cwos_tui.cli import main

    for name, value in user_env.items():
        monkeypatch.setenv(name, value)

    def simulate(*args: str) -> int:
        if not simulate.forked:  # type: ignore[attr-defined]
            simulate.forked = True  # type: ignore[attr-defined]
            result = cwos("simulate", *args, env=user_env)
            assert result.returncode in (0, 1), result.stderr
            return result.returncode
        code = main(["policy", "simulate", *args])
        assert code in (0, 1), capsys.readouterr().err
        return code

    simulate.forked = False  # type: ignore[attr-defined]
    user = make_principal(sandbox)
    grant(sandbox, user.principal_name, ["cwobject:CreateAccessKey"], ["*"])
    grant(sandbox, user.principal_name, ["s3:GetObject", "s3:ListBucket", "s3:DeleteObject"],
          ["training-data", "training-data/*", "model-checkpoints/datasets/*"])
    key = new_key(sandbox, user.token)
    s3 = s3_client(sandbox, key["accessKeyId"], key["secretKey"])
    calls = {
        "s3:GetObject": lambda b, k: s3.get_object(Bucket=b, Key=k),
        "s3:DeleteObject": lambda b, k: s3.delete_object(Bucket=b, Key=k),
        "s3:ListBucket": lambda b, k: s3.list_objects_v2(Bucket=b, Prefix=k),
        "s3:PutObject": lambda b, k: s3.put_object(Bucket=b, Key=k, Body=b"x"),
    }
    cases = [(a, b, k) for a in calls for b, k in (("training-data", "raw/none.bin"), ("training-data", "x/none"),
                                                    ("model-checkpoints", "datasets/none"),
                                                    ("model-checkpoints", "other/none"))]
    for action, bucket, key_name in cases:
        resource = bucket if action == "s3:ListBucket" else f"{bucket}/{key_name}"
        verdict = simulate("--principal", user.principal_name, "--action", action, "--resource", resource, "--json")
        try:
            calls[action](bucket, key_name)
            actual = True
        except Exception as exc:  # botocore ClientError: NoSuchKey still means "allowed"
            code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
            actual = code not in ("AccessDenied", "403")
        assert (verdict == 0) == actual, (action, resource)


def test_pull_then_push_shows_the_diff_and_applies(sandbox, user_env, tmp_path):
    name = grant(sandbox, "coreweave/pull-push-user", ["s3:GetObject"], ["pp-bucket/*"])
    pulled = cwos("pull", "--dir", str(tmp_path / "p"), env=user_env)
    assert pulled.returncode == 0, pulled.stderr
    path = tmp_path / "p" / f"{name}.json"
    doc = json.loads(path.read_text())
    doc["policy"]["statements"][0]["actions"].append("s3:ListBucket")
    path.write_text(json.dumps(doc, indent=2))
    refused = cwos("push", str(path), env=user_env, stdin="")
    assert refused.returncode == 2 and "--yes" in refused.stderr
    added = [line for line in refused.stdout.splitlines() if line.startswith("+") and not line.startswith("+++")]
    assert [line[1:].strip() for line in added] == ['"s3:GetObject",', '"s3:ListBucket"']
    applied = cwos("push", "--yes", str(path), env=user_env)
    assert applied.returncode == 0 and f"applied {name}" in applied.stdout
    again = cwos("push", "--yes", str(path), env=user_env)
    assert "nothing to apply" in again.stdout


def test_org_policy_takes_several_files_as_a_shell_glob_gives_them(tmp_path):
    first = write(tmp_path, "a.json", GOOD_ORG)
    second = write(tmp_path, "b.json", {"policy": {"version": "v1alpha1", "name": "ci", "statements": [
        {"name": "ci-put", "effect": "Allow", "actions": ["s3:PutObject"], "resources": ["artifacts/*"],
         "principals": ["role/ci"]}]}})
    result = cwos("simulate", "--org-policy", first, second, "--principal", "role/ci", "--action", "s3:PutObject",
                  "--resource", "artifacts/builds/x", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["matched"] == [
        {"source": "org", "policy": "ci", "statement": "ci-put", "effect": "Allow"}]


def test_lint_reads_a_bom_and_refuses_what_is_not_text(tmp_path):
    bom = tmp_path / "bom.json"
    bom.write_bytes(b"\xef\xbb\xbf" + json.dumps(GOOD_ORG).encode())
    binary = tmp_path / "binary.json"
    binary.write_bytes(b'{"policy": "\xff\xfe"}')
    result = cwos("lint", str(bom), str(binary), str(tmp_path))
    assert result.returncode == 2
    assert f"{bom}: ok (org policy)" in result.stdout
    assert "binary.json: not UTF-8 text" in result.stderr and "cannot read" in result.stderr
    assert "Traceback" not in result.stderr
