"""Starting points for new policies: the documented examples (reference §3.5, §4.3) and common shapes.

Each template is a function of the names the user knows (their principal, a bucket, the org id), so
the editor opens on a policy that is valid for them; `lint_text` finds nothing wrong with any of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from cwos_tui.cloud.policy.diff import json_text


@dataclass(frozen=True)
class TemplateInputs:
    principal: str = "coreweave/<UID>"
    bucket: str = "my-bucket"
    org_id: str = "<ORG-ID>"
    other_org_id: str = "<OTHER-ORG-ID>"
    user_id: str = "<USER-ID>"
    saml_group: str = "<SAML-GROUP-ID>"
    prefix: str = "shared/"


@dataclass(frozen=True)
class Template:
    id: str
    kind: Literal["org", "bucket"]
    title: str
    build: Callable[[TemplateInputs], dict[str, Any]]

    def text(self, inputs: TemplateInputs) -> str:
        return json_text(self.build(inputs))


def _org(name: str, *statements: dict[str, Any]) -> dict[str, Any]:
    return {"policy": {"version": "v1alpha1", "name": name, "statements": list(statements)}}


def _stmt(name: str, actions: list[str], resources: list[str], principals: list[str],
          effect: str = "Allow") -> dict[str, Any]:
    return {"name": name, "effect": effect, "actions": actions, "resources": resources, "principals": principals}


def _bucket(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _arns(i: TemplateInputs) -> list[str]:
    return [f"arn:aws:s3:::{i.bucket}", f"arn:aws:s3:::{i.bucket}/*"]


ORG_TEMPLATES: tuple[Template, ...] = (
    Template("full-s3-principal", "org", "Full S3 for one principal or role",
             lambda i: _org("full-s3-access", _stmt("allow-full-s3", ["s3:*"], ["*"], [i.principal]))),
    Template("one-bucket-everyone", "org", "One bucket for everyone in the org",
             lambda i: _org(f"everyone-{i.bucket}",
                            _stmt("mint-keys", ["cwobject:CreateAccessKey"], ["*"], ["*"]),
                            _stmt("full-s3-on-bucket", ["s3:*"], [i.bucket, f"{i.bucket}/*"], ["*"]))),
    Template("read-only-prefix", "org", "Read-only on a prefix",
             lambda i: _org("read-only-prefix",
                            _stmt("list-bucket", ["s3:ListBucket"], [i.bucket], [i.principal]),
                            _stmt("read-prefix", ["s3:GetObject"], [f"{i.bucket}/{i.prefix}*"], [i.principal]))),
    Template("key-minting", "org", "Key minting for non-admins",
             lambda i: _org("key-minting", _stmt("mint-keys", ["cwobject:CreateAccessKey",
                                                               "cwobject:CreateAccessKeySAML",
                                                               "cwobject:ListAccessKeyInfo"], ["*"],
                                                 [i.principal]))),
    Template("documented-full-s3-admin", "org", "Documented: full S3 for SAML admins",
             lambda i: _org("full-s3-api-access", _stmt("allow-full-s3-api-access-to-all", ["s3:*"], ["*"],
                                                        ["role/Admin"]))),
    Template("documented-specific-bucket", "org", "Documented: full access to one bucket",
             lambda i: _org("full-access-my-specific-bucket",
                            _stmt("allow-token-creation", ["cwobject:CreateAccessKey", "cwobject:CreateAccessKeySAML",
                                                           "cwobject:ListAccessPolicy"], ["*"], ["*"]),
                            _stmt("full-s3-access-for-all-users", ["s3:*"], [i.bucket, f"{i.bucket}/*"], ["*"]))),
)

BUCKET_TEMPLATES: tuple[Template, ...] = (
    Template("org-wide-read", "bucket", "Org-wide read", lambda i: _bucket(
        {"Sid": "AllowGetObject", "Effect": "Allow", "Principal": {"AWS": "*"},
         "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": _arns(i),
         "Condition": {"StringEquals": {"cw:PrincipalOrgID": [i.org_id]}}})),
    Template("cross-org-read", "bucket", "Cross-org read", lambda i: _bucket(
        {"Sid": "AllowGetObject", "Effect": "Allow", "Principal": {"AWS": "*"},
         "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": _arns(i),
         "Condition": {"StringEquals": {"cw:PrincipalOrgID": [i.org_id, i.other_org_id]}}})),
    Template("user-and-saml-group", "bucket", "A specific user and a SAML group", lambda i: _bucket(
        {"Sid": "UserAndGroup", "Effect": "Allow",
         "Principal": {"CW": [f"arn:aws:iam::{i.org_id}:coreweave/{i.user_id}"],
                       "AWS": [f"arn:aws:iam::{i.org_id}:saml/{i.saml_group}"]},
         "Action": ["s3:*"], "Resource": _arns(i)})),
    Template("deny-deletes-for-user", "bucket", "Deny deletes for one user", lambda i: _bucket(
        {"Sid": "OrgWideAccess", "Effect": "Allow", "Principal": {"CW": "*"}, "Action": ["s3:*"],
         "Resource": _arns(i), "Condition": {"StringEquals": {"cw:PrincipalOrgID": [i.org_id]}}},
        {"Sid": "DenyDeletes", "Effect": "Deny",
         "Principal": {"CW": [f"arn:aws:iam::{i.org_id}:coreweave/{i.user_id}"]},
         "Action": ["s3:DeleteObject", "s3:DeleteObjectVersion"], "Resource": [f"arn:aws:s3:::{i.bucket}/*"]})),
)
