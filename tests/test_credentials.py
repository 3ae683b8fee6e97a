"""Credential models, sources and the botocore refresh bridge.

Pure tests drive time with ManualClock (no sleeping); the source tests mint real keys from the
sandbox control plane and prove them on its real S3 endpoint.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from cwos_tui.cloud.clock import ManualClock, SystemClock
from cwos_tui.cloud.control_plane import ControlPlaneClient
from cwos_tui.cloud.credentials import (
    ApiToken,
    ApiTokenExchangeSource,
    JwtKeySource,
    OidcSource,
    OidcTokenCommand,
    OidcTokenEnv,
    OidcTokenFile,
    RefreshEvent,
    S3Credentials,
    SamlSource,
    StaticKeySource,
    botocore_credentials,
    mask_secret,
    refresh_windows,
)
from cwos_tui.cloud.errors import CredentialsExpired, InvalidArgument, Unauthenticated, Unavailable
from cwos_tui.cloud.storage import StorageService

SECRET = "cwoABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
TOKEN = "CW-SECRET-0123456789abcdefghijklmnop"
START = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


# --- clock and models ---


def test_manual_clock_moves_only_when_told() -> None:
    clock = ManualClock(datetime(2026, 5, 1, 12, 0))  # naive is taken as UTC
    assert clock.now() == START and clock.now().tzinfo is UTC
    assert clock.advance(90) == START + timedelta(seconds=90)
    clock.set(datetime(2026, 5, 2, tzinfo=UTC))
    assert clock.now() == datetime(2026, 5, 2, tzinfo=UTC)
    assert SystemClock().now().tzinfo is UTC


def test_secrets_never_appear_in_repr_or_str() -> None:
    creds = S3Credentials("CWKEY0000000001", SECRET, session_token="sess-token-value", expires_at=START)
    token = ApiToken(TOKEN, label="laptop", expires_at=START)
    static = StaticKeySource("CWKEY0000000001", SECRET)
    saml = SamlSource(object(), "org1", "cfg1", "PHNhbWw+c2VjcmV0PC9zYW1sPg==")  # type: ignore[arg-type]
    for thing in (creds, token, static, saml):
        text = repr(thing) + str(thing)
        assert SECRET not in text and TOKEN not in text and "sess-token-value" not in text
        assert "PHNhbWw+" not in text
    assert "CWKEY0000000001" in repr(creds)  # the key id is not secret and identifies the key
    assert token.masked == "CW-SECRET-****mnop"
    assert mask_secret(SECRET) == "cwo****klmn"
    assert mask_secret("short") == "****"


def test_expiry_helpers_follow_the_injected_clock() -> None:
    clock = ManualClock(START)
    creds = S3Credentials("CWKEY", SECRET, expires_at=START + timedelta(minutes=15))
    assert creds.expires_in(clock) == timedelta(minutes=15)
    assert not creds.is_expired(clock)
    clock.advance(15 * 60)
    assert creds.is_expired(clock)
    assert creds.expires_in(clock) == timedelta(0)
    permanent = S3Credentials("CWKEY", SECRET)
    clock.advance(10**8)
    assert permanent.expires_in(clock) is None and not permanent.is_expired(clock)
    token = ApiToken(TOKEN, expires_at=START + timedelta(days=1))
    assert token.is_expired(clock) and ApiToken(TOKEN).expires_in(clock) is None


def test_refresh_windows_stay_inside_short_lifetimes() -> None:
    assert refresh_windows(120, timedelta(minutes=15)) == (120, 60)
    assert refresh_windows(3, timedelta(seconds=4)) == (1, 0.5)  # a quarter of the lifetime at most
    advisory, mandatory = refresh_windows(120, timedelta(seconds=8))  # margin longer than the key lives
    assert advisory == 2 and mandatory == 1
    assert refresh_windows(120, timedelta(seconds=-5)) == (0, 0)


def test_sources_describe_whether_they_refresh() -> None:
    static = StaticKeySource("CWKEY", SECRET)
    assert not static.refreshable and "CWKEY" in static.describe()
    assert ApiTokenExchangeSource(object()).refreshable  # type: ignore[arg-type]
    assert JwtKeySource(object(), 600).refreshable  # type: ignore[arg-type]
    assert not JwtKeySource(object(), 0).refreshable  # type: ignore[arg-type]
    saml = SamlSource(object(), "org1", "cfg1", "resp")  # type: ignore[arg-type]
    assert not saml.refreshable and "not refreshable" in saml.describe()
    oidc = OidcSource(object(), "org1", OidcTokenEnv("SA_TOKEN"))  # type: ignore[arg-type]
    assert oidc.refreshable and "SA_TOKEN" in oidc.describe()
    with pytest.raises(ValueError):
        JwtKeySource(object(), -1)  # type: ignore[arg-type]


# --- OIDC token providers (real file, env var and process) ---


async def test_oidc_token_from_file_env_and_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "token"
    path.write_text("jwt-from-file\n")
    assert await OidcTokenFile(path).read() == "jwt-from-file"
    path.write_text("rotated-jwt\n")  # projected tokens rotate on disk: each read sees the new one
    assert await OidcTokenFile(path).read() == "rotated-jwt"
    monkeypatch.setenv("CWOS_TEST_OIDC", "  jwt-from-env ")
    assert await OidcTokenEnv("CWOS_TEST_OIDC").read() == "jwt-from-env"
    command = OidcTokenCommand([sys.executable, "-c", "print('jwt-from-command')"])
    assert await command.read() == "jwt-from-command"


async def test_oidc_token_failures_are_clear_and_leak_nothing(tmp_path: Path) -> None:
    with pytest.raises(Unauthenticated, match="cannot read the OIDC token file"):
        await OidcTokenFile(tmp_path / "missing").read()
    (tmp_path / "empty").write_text("\n")
    with pytest.raises(Unauthenticated, match="is empty"):
        await OidcTokenFile(tmp_path / "empty").read()
    with pytest.raises(Unauthenticated, match="is not set"):
        await OidcTokenEnv("CWOS_TEST_SURELY_UNSET_VARIABLE").read()
    leaky = OidcTokenCommand([sys.executable, "-c", "import sys; print('half-a-token'); sys.exit(3)"])
    with pytest.raises(Unauthenticated, match="exited with status 3") as failed:
        await leaky.read()
    assert "half-a-token" not in str(failed.value)
    slow = OidcTokenCommand([sys.executable, "-c", "import time; time.sleep(30)"], timeout=0.3)
    with pytest.raises(Unavailable, match="timed out"):
        await slow.read()
    with pytest.raises(Unauthenticated, match="cannot run"):
        await OidcTokenCommand([str(tmp_path / "no-such-program")]).read()


# --- botocore bridge, driven by ManualClock ---


class CountingSource:
    """A local source that mints numbered keys living `lifetime` seconds on the given clock."""

    def __init__(self, clock: ManualClock, lifetime: float = 900) -> None:
        self.clock = clock
        self.lifetime = lifetime
        self.fetches = 0
        self.failing = False

    @property
    def refreshable(self) -> bool:
        return True

    def describe(self) -> str:
        return "counting source"

    async def fetch(self) -> S3Credentials:
        if self.failing:
            raise Unavailable("control plane unavailable")
        self.fetches += 1
        expires = self.clock.now() + timedelta(seconds=self.lifetime)
        return S3Credentials(f"CWKEY{self.fetches:04d}", f"secret-{self.fetches}", expires_at=expires)


async def _frozen_key(creds: Any) -> str:
    """What a boto worker thread would sign with."""
    return str((await asyncio.to_thread(creds.get_frozen_credentials)).access_key)


async def test_static_source_becomes_plain_botocore_credentials() -> None:
    creds = await botocore_credentials(StaticKeySource("CWSTATIC", SECRET))
    assert type(creds).__name__ == "Credentials"
    assert creds.get_frozen_credentials().secret_key == SECRET


async def test_refresh_happens_inside_the_margin_and_is_reported_on_the_loop() -> None:
    clock = ManualClock(START)
    source = CountingSource(clock)
    events: list[tuple[RefreshEvent, int]] = []
    creds = await botocore_credentials(
        source, clock=clock, refresh_margin=120,
        on_refresh=lambda event: events.append((event, threading.get_ident())),
    )  # fmt: skip
    assert await _frozen_key(creds) == "CWKEY0001"
    clock.advance(900 - 121)  # just outside the margin: keep the key
    assert await _frozen_key(creds) == "CWKEY0001" and source.fetches == 1
    clock.advance(2)  # inside the margin: boto refreshes before using it
    assert await _frozen_key(creds) == "CWKEY0002"
    await asyncio.sleep(0)  # let the loop run the scheduled callback
    assert len(events) == 1
    event, thread = events[0]
    assert event.ok and event.credentials is not None and event.credentials.access_key_id == "CWKEY0002"
    assert thread == threading.get_ident()  # delivered on the event loop, not boto's worker thread
    clock.advance(700)  # the new key's own margin is measured from its own expiry
    assert await _frozen_key(creds) == "CWKEY0002"


async def test_failed_refresh_keeps_the_old_key_until_the_mandatory_window() -> None:
    clock = ManualClock(START)
    source = CountingSource(clock)
    events: list[RefreshEvent] = []
    creds = await botocore_credentials(source, clock=clock, refresh_margin=120, on_refresh=events.append)
    source.failing = True
    clock.advance(900 - 100)  # advisory window (120 s): a failure is reported, the old key still signs
    assert await _frozen_key(creds) == "CWKEY0001"
    await asyncio.sleep(0)
    assert events and not events[-1].ok and isinstance(events[-1].error, Unavailable)
    clock.advance(50)  # mandatory window (60 s): the failure reaches the caller
    with pytest.raises(Unavailable):
        await _frozen_key(creds)
    source.failing = False
    assert await _frozen_key(creds) == "CWKEY0002"


async def test_refresh_refuses_to_block_the_event_loop() -> None:
    clock = ManualClock(START)
    creds = await botocore_credentials(CountingSource(clock), clock=clock, refresh_margin=120)
    clock.advance(890)
    with pytest.raises(RuntimeError, match="worker thread"):
        creds.get_frozen_credentials()  # on the loop thread this would deadlock


# --- sources against the sandbox ---


@pytest.fixture
async def control_plane(sandbox: Any) -> Any:
    async with ControlPlaneClient(sandbox.control_plane, sandbox.token) as client:
        yield client


async def _works_on_s3(sandbox: Any, source: Any) -> list[str]:
    async with StorageService(sandbox.s3, source, zone=sandbox.zone, addressing_style="path") as storage:
        return [b.name for b in await storage.list_buckets()]


async def test_api_token_exchange_gives_15_minute_keys(sandbox: Any, control_plane: Any) -> None:
    creds = await ApiTokenExchangeSource(control_plane).fetch()
    assert creds.source == "api-token"
    info = await control_plane.get_access_key(creds.access_key_id)  # the exchange reply names no principal
    assert info.principal_name == sandbox.admin_principal
    left = creds.expires_in(SystemClock())
    assert left is not None and timedelta(minutes=14) < left <= timedelta(minutes=15)
    assert "training-data" in await _works_on_s3(sandbox, ApiTokenExchangeSource(control_plane))


async def test_jwt_source_mints_a_new_key_each_fetch(sandbox: Any, control_plane: Any) -> None:
    source = JwtKeySource(control_plane, 120, {"team": "ml"})
    first, second = await source.fetch(), await source.fetch()
    assert first.access_key_id != second.access_key_id
    left = first.expires_in(SystemClock())
    assert left is not None and timedelta(seconds=100) < left <= timedelta(seconds=120)
    info = await control_plane.get_access_key(first.access_key_id)
    assert info.attributes == {"team": "ml"}
    permanent = await JwtKeySource(control_plane, 0).fetch()
    assert permanent.expires_at is None


async def test_oidc_source_reads_the_token_file_each_time(
    sandbox: Any, control_plane: Any, tmp_path: Path
) -> None:
    idp = httpx.post(f"{sandbox.control_plane}/sandbox/idp/oidc-token", json={"subject": "svc-ingest"}).json()
    token_file = tmp_path / "token"
    token_file.write_text(idp["token"])
    source = OidcSource(control_plane, sandbox.org_id, OidcTokenFile(token_file), duration_seconds=600)
    creds = await source.fetch()
    assert creds.principal_name == idp["principalName"] == f"role/{idp['issuer']}:svc-ingest"
    assert creds.source == "oidc"
    async with StorageService(sandbox.s3, source, zone=sandbox.zone, addressing_style="path") as storage:
        page = await storage.list_page("training-data")  # the seeded policy lets workloads read it
        assert page.objects or page.prefixes
    token_file.write_text("not-a-jwt")
    with pytest.raises(InvalidArgument, match="Invalid token") as bad:  # the server's own words
        await source.fetch()
    assert "not-a-jwt" not in str(bad.value)


async def test_saml_source_reuses_its_keys_and_says_when_they_expire(
    sandbox: Any, control_plane: Any
) -> None:
    idp = httpx.post(f"{sandbox.control_plane}/sandbox/idp/saml-response", json={"role": "ml-engineers"}).json()
    clock = ManualClock(datetime.now(UTC))
    source = SamlSource(control_plane, sandbox.org_id, idp["configId"], idp["samlResponse"], 900, clock=clock)
    creds = await source.fetch()
    assert creds.principal_name == "saml/ml-engineers"
    assert await source.fetch() is creds  # no second exchange of a single-use response
    clock.advance(901)
    with pytest.raises(CredentialsExpired, match="sign in again"):
        await source.fetch()
    again = httpx.post(f"{sandbox.control_plane}/sandbox/idp/saml-response", json={"role": "ml-engineers"}).json()
    source.renew(again["samlResponse"])
    clock.set(datetime.now(UTC))
    assert (await source.fetch()).access_key_id != creds.access_key_id
