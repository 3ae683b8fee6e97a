"""The setup wizard's connection test: try the profile for real and explain what failed and how to fix it.

Control-plane profiles: whoami, then AuthCanI for the actions the dashboard uses, then one real read.
Storage profiles: (whoami when a token is involved), get keys from the credential source, then ListBuckets
or HeadBucket. A failure is sorted into 401 (token), 403 (permissions), a wrong endpoint, or the network,
each with a sentence saying what to do. No textual here; the wizard only renders the result.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import urlsplit

from cwos_tui.cloud import errors
from cwos_tui.cloud.control_plane import ControlPlaneClient
from cwos_tui.cloud.credentials import CredentialSource, S3Credentials
from cwos_tui.cloud.storage import StorageService

TOKENS_PAGE = "https://console.coreweave.com/tokens"
#: what a control-plane profile is checked for with AuthCanI (the dashboard's core admin actions)
CONTROL_PLANE_ACTIONS: tuple[str, ...] = (
    "cwobject:ListAccessKeyInfo",
    "cwobject:CreateAccessKey",
    "cwobject:ListAccessPolicy",
    "cwobject:ListBucketInfo",
)


class ProblemKind(StrEnum):
    """Which family a failure belongs to; each has its own fix."""

    UNAUTHENTICATED = "unauthenticated"  # 401: token (or OIDC/SAML assertion) invalid, expired, revoked
    FORBIDDEN = "forbidden"  # 403: known principal, missing role or policy
    CREDENTIALS = "credentials"  # S3 rejected the access key or its secret
    ENDPOINT = "endpoint"  # refused, DNS, TLS, or something that is not CAIOS
    NETWORK = "network"  # timeouts, resets
    NOT_FOUND = "not-found"  # the bucket named for HeadBucket does not exist
    INPUT = "input"  # a value the server refused (org id, config id, duration)
    SERVER = "server"  # 5xx, rate limits


@dataclass(frozen=True)
class Step:
    """One check the test ran: what, whether it passed, and what it found (never a secret)."""

    name: str
    ok: bool
    detail: str = ""


@dataclass(frozen=True)
class Problem:
    kind: ProblemKind
    summary: str
    fix: str


@dataclass
class ConnectionTestResult:
    steps: list[Step] = field(default_factory=list)
    problem: Problem | None = None
    principal: str = ""

    @property
    def ok(self) -> bool:
        return self.problem is None and all(step.ok for step in self.steps)


# ---- explaining failures -------------------------------------------------------------------------------


def _chain(error: BaseException) -> Iterator[BaseException]:
    """The error, its causes and contexts, and members of exception groups (bounded)."""
    seen: list[BaseException] = []
    todo: list[BaseException] = [error]
    while todo and len(seen) < 32:
        current = todo.pop(0)
        if any(current is s for s in seen):
            continue
        seen.append(current)
        yield current
        nested = [current.__cause__, current.__context__, getattr(current, "kwargs", {}).get("error")]
        if isinstance(current, BaseExceptionGroup):
            nested.extend(current.exceptions)
        todo.extend(e for e in nested if isinstance(e, BaseException))


def network_reason(error: BaseException) -> str:
    """'refused', 'dns', 'tls', 'timeout' or 'other' for an error that got no HTTP answer."""
    texts = []
    for item in _chain(error):
        if isinstance(item, ConnectionRefusedError):
            return "refused"
        if isinstance(item, TimeoutError):
            return "timeout"
        texts.append(f"{type(item).__name__} {item}".lower())
    text = " ".join(texts)
    checks = (
        ("refused", ("connection refused", "errno 111", "errno 61")),
        ("dns", ("name or service not known", "nodename nor servname", "getaddrinfo", "name resolution",
                 "no address associated", "gaierror")),
        ("tls", ("certificate", "ssl", "tls")),
        ("timeout", ("timed out", "timeout")),
    )
    for reason, needles in checks:
        if any(needle in text for needle in needles):
            return reason
    return "other"


def _host(url: str) -> str:
    return urlsplit(url).netloc or url


def _endpoint_problem(error: BaseException, url: str, what: str) -> Problem:
    host = _host(url)
    reason = network_reason(error)
    if reason == "refused":
        return Problem(ProblemKind.ENDPOINT, f"Nothing is listening at {url} (connection refused).",
                       f"Check the {what} URL and port; is the server (or sandbox) running?")
    if reason == "dns":
        return Problem(ProblemKind.ENDPOINT, f"The host name in {url} does not resolve.",
                       f"Check the {what} URL for typos. cwlota.com resolves only inside CoreWeave clusters; "
                       "outside use https://cwobject.com and https://api.coreweave.com.")
    if reason == "tls":
        return Problem(ProblemKind.ENDPOINT, f"The TLS connection to {host} failed (certificate not trusted).",
                       f"Check the {what} URL: CAIOS endpoints have valid certificates, so a proxy or a wrong "
                       "host is likely. Plain http:// is only for loopback sandboxes and cwlota.com.")
    if reason == "timeout":
        return Problem(ProblemKind.NETWORK, f"{host} did not answer in time.",
                       "Check your network, VPN or proxy, then test again.")
    message = error.message if isinstance(error, errors.CloudError) else str(error)
    return Problem(ProblemKind.NETWORK, f"Could not reach {host}: {message}",
                   "Check your network and the URL, then test again.")


def explain(error: BaseException, *, stage: str, url: str, principal: str = "",
            credential: str = "API token") -> Problem:
    """A plain explanation of `error`, raised while doing `stage` against `url`."""
    who = principal or "the principal"
    message = error.message if isinstance(error, errors.CloudError) else f"unexpected {type(error).__name__}"
    if isinstance(error, errors.NetworkError):
        return _endpoint_problem(error, url, "S3 endpoint" if stage.startswith("s3") else "control-plane")
    if isinstance(error, errors.ProtocolError):
        return Problem(ProblemKind.ENDPOINT, f"{url} answered, but not like CoreWeave AI Object Storage "
                       f"({message}).", "Check the URL (the control plane is https://api.coreweave.com).")
    if stage.startswith("s3"):
        return _explain_s3(error, message, url, who, head=stage == "s3-head")
    if isinstance(error, errors.Unauthenticated):
        if credential == "API token":
            return Problem(ProblemKind.UNAUTHENTICATED,
                           f"The control plane rejected the API token (HTTP 401: {message}). It is invalid, "
                           "expired or revoked.",
                           f"Mint a new token in the Cloud Console ({TOKENS_PAGE}), paste it on the details "
                           "page and test again.")
        return Problem(ProblemKind.UNAUTHENTICATED, f"The {credential} was rejected (HTTP 401: {message}).",
                       f"Get a fresh {credential} from your identity provider, check that it is configured for "
                       "this org under Workload Federation in the Cloud Console, and test again.")
    if isinstance(error, errors.PermissionDenied):
        if error.status == 403 and message.startswith("HTTP 403"):
            return Problem(ProblemKind.ENDPOINT, f"{url} answered 403 without CoreWeave's error format; it "
                           "is probably not the CoreWeave control plane.",
                           "Check the control-plane URL (https://api.coreweave.com, or the sandbox's).")
        return Problem(ProblemKind.FORBIDDEN, f"The {credential} works, but {who} may not do this "
                       f"(HTTP 403: {message}).",
                       f"Ask an org admin to give {who} the Object Storage Admin role in the Cloud Console, or "
                       "an org access policy that allows the action on resource \"*\".")
    if isinstance(error, errors.NotFound) and stage in ("whoami", "can-i"):
        return Problem(ProblemKind.ENDPOINT, f"{url} has no CoreWeave API at this path ({message}).",
                       "Check the control-plane URL: just the host, e.g. https://api.coreweave.com, no path.")
    return _explain_other(error, message)


def _explain_s3(error: BaseException, message: str, url: str, who: str, *, head: bool = False) -> Problem:
    if isinstance(error, errors.SignatureMismatch):
        return Problem(ProblemKind.CREDENTIALS, f"S3 knows the access key but the secret key is wrong ({message}).",
                       "Paste the secret key again (it starts with cwo) and test again.")
    if isinstance(error, errors.Unauthenticated):
        return Problem(ProblemKind.CREDENTIALS, f"The S3 endpoint refused the access key ({message}): it is "
                       "unknown, revoked, suspended or expired.",
                       "Create a new key (Access keys in the Cloud Console, or `cwos-tui` → Access keys) or "
                       "check the key id for typos.")
    if isinstance(error, errors.PermissionDenied) and head:
        return Problem(ProblemKind.FORBIDDEN, f"The keys work, but {who} may not read this bucket ({message}).",
                       "Ask an org admin for an org access policy (or a bucket policy) allowing s3:ListBucket on "
                       "this bucket, or check the bucket name.")
    if isinstance(error, errors.PermissionDenied):
        return Problem(ProblemKind.FORBIDDEN, f"The keys work, but {who} may not list buckets ({message}).",
                       "Ask an org admin for an org access policy allowing s3:ListAllMyBuckets (or s3:*) on "
                       "\"*\", or name a bucket you can read so the test uses HeadBucket instead.")
    if isinstance(error, errors.NotFound):
        if head or (isinstance(error, errors.CloudError) and error.code == "NoSuchBucket"):
            return Problem(ProblemKind.NOT_FOUND, f"The bucket to check does not exist ({message}).",
                           "Check the bucket name, or leave it empty to test with ListBuckets.")
        return Problem(ProblemKind.ENDPOINT, f"{url} does not answer like an S3 endpoint ({message}).",
                       "Check the S3 endpoint URL (https://cwobject.com, http://cwlota.com or your sandbox's).")
    return _explain_other(error, message)


def _explain_other(error: BaseException, message: str) -> Problem:
    if isinstance(error, errors.InvalidArgument):
        return Problem(ProblemKind.INPUT, f"The server refused a value: {message}",
                       "Check the values on the details page (org id, config id, duration) and test again.")
    if isinstance(error, errors.RateLimited | errors.Unavailable | errors.ServerError):
        return Problem(ProblemKind.SERVER, f"The service failed or is busy: {message}",
                       "This is not your setup; wait a minute and test again.")
    return Problem(ProblemKind.SERVER, f"Unexpected failure: {message}", "Test again; details are in the log file.")


# ---- the tests -----------------------------------------------------------------------------------------


async def check_control_plane(client: ControlPlaneClient,
                             actions: Sequence[str] = CONTROL_PLANE_ACTIONS) -> ConnectionTestResult:
    """whoami, AuthCanI for each action, then one real read (ListAccessKeyInfo, one row)."""
    result = ConnectionTestResult()
    url = client.base_url
    if not await _whoami(client, result):
        return result
    denied: list[str] = []
    for action in actions:
        try:
            allowed = await client.can_i([action], ["*"])
        except Exception as exc:
            result.steps.append(Step(f"AuthCanI {action}", False, _message(exc)))
            result.problem = explain(exc, stage="can-i", url=url, principal=result.principal)
            return result
        result.steps.append(Step(f"AuthCanI {action}", allowed, "allowed" if allowed else "denied"))
        if not allowed:
            denied.append(action)
    if denied:
        result.problem = Problem(
            ProblemKind.FORBIDDEN,
            f"The token works, but {result.principal} lacks {', '.join(denied)} (HTTP 403 on use).",
            f"Ask an org admin to give {result.principal} the Object Storage Admin role in the Cloud Console, "
            f"or an org access policy allowing {', '.join(denied)} on resource \"*\".",
        )
        return result
    try:
        page = await client.list_access_keys_page(0, 1)
    except Exception as exc:
        result.steps.append(Step("List access keys", False, _message(exc)))
        result.problem = explain(exc, stage="list", url=url, principal=result.principal)
        return result
    result.steps.append(Step("List access keys", True, f"{len(page)} row read"))
    return result


async def _whoami(client: ControlPlaneClient, result: ConnectionTestResult) -> bool:
    try:
        who = await client.whoami()
    except Exception as exc:
        result.steps.append(Step("whoami", False, _message(exc)))
        result.problem = explain(exc, stage="whoami", url=client.base_url)
        return False
    result.principal = who.principal_name
    org = f" in org {who.org_uid}" if who.org_uid else ""
    result.steps.append(Step("whoami", True, f"{who.principal_name}{org}"))
    return True


class _Fetched:
    """The keys the test already fetched, handed to StorageService so it does not mint a second pair."""

    def __init__(self, credentials: S3Credentials, refreshable: bool) -> None:
        self.credentials = credentials
        self.refreshable = refreshable

    def describe(self) -> str:
        return "keys fetched by the connection test"

    async def fetch(self) -> S3Credentials:
        return self.credentials

    def __repr__(self) -> str:
        return "_Fetched(<credentials>)"


StorageFactory = Callable[[CredentialSource], StorageService]


async def check_storage(source: CredentialSource, make_storage: StorageFactory, *, s3_url: str,
                       client: ControlPlaneClient | None = None, credential: str = "API token",
                       bucket: str = "") -> ConnectionTestResult:
    """(whoami when `client` carries the token,) get keys from `source`, then HeadBucket or ListBuckets."""
    result = ConnectionTestResult()
    if client is not None and not await _whoami(client, result):
        return result
    cp_url = client.base_url if client is not None else ""
    try:
        keys = await source.fetch()
    except Exception as exc:
        result.steps.append(Step(f"Get access keys ({source.describe()})", False, _message(exc)))
        result.problem = explain(exc, stage="keys", url=cp_url, principal=result.principal, credential=credential)
        return result
    result.principal = keys.principal_name or result.principal
    expiry = "no expiry" if keys.expires_at is None else f"expires {keys.expires_at:%Y-%m-%d %H:%M} UTC"
    result.steps.append(Step(f"Get access keys ({source.describe()})", True,
                             f"{keys.access_key_id} for {result.principal or 'the principal'}, {expiry}"))
    storage = make_storage(_Fetched(keys, source.refreshable))
    try:
        if bucket:
            await storage.head_bucket(bucket)
            result.steps.append(Step(f"HeadBucket {bucket}", True, "reachable"))
        else:
            buckets = await storage.list_buckets()
            names = ", ".join(b.name for b in buckets[:3]) + (", …" if len(buckets) > 3 else "")
            result.steps.append(Step("ListBuckets", True, f"{len(buckets)} visible" + (f": {names}" if names else "")))
    except Exception as exc:
        result.steps.append(Step(f"HeadBucket {bucket}" if bucket else "ListBuckets", False, _message(exc)))
        result.problem = explain(exc, stage="s3-head" if bucket else "s3", url=s3_url, principal=result.principal)
    finally:
        await storage.close()
    return result


def _message(error: BaseException) -> str:
    return error.message if isinstance(error, errors.CloudError) else f"unexpected {type(error).__name__}"

