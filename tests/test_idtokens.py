"""Tests of sheetsync.entrypoints.idtokens and idtoken_certs: real RS256 tokens, a local certs
server (offline)."""

from __future__ import annotations

import base64
import json
import socket
import time
import traceback
from collections.abc import Callable, Iterator
from typing import Any

import google.oauth2.id_token
import pytest
import tokenkit
from google.auth.transport import Request

from sheetsync.entrypoints import idtoken_certs, idtokens
from sheetsync.entrypoints.idtokens import TokenPolicy, bearer_token, verify_id_token
from sheetsync.errors import AuthError, BackendError, ConfigError

WRONG_EMAIL = "intruder-sa@other-project.iam.gserviceaccount.com"


@pytest.fixture(autouse=True)
def _fresh_cert_cache() -> Iterator[None]:
    # Servers come and go on reused ports; a cache entry must not outlive its test.
    idtoken_certs.clear_cert_cache()
    yield
    idtoken_certs.clear_cert_cache()


@pytest.fixture(scope="module")
def _shared_server() -> Iterator[tokenkit.CertsServer]:
    # One server per module: starting and stopping one per test would dominate the run time.
    with tokenkit.CertsServer() as srv:
        yield srv


@pytest.fixture
def server(_shared_server: tokenkit.CertsServer) -> tokenkit.CertsServer:
    _shared_server.reset()
    return _shared_server


@pytest.fixture
def policy(server: tokenkit.CertsServer) -> TokenPolicy:
    return TokenPolicy(
        audience=tokenkit.DEFAULT_AUDIENCE, email=tokenkit.DEFAULT_EMAIL, certs_url=server.url
    )


@pytest.fixture
def req() -> Request:
    return tokenkit.local_request()


def _segment(obj: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


def _swap_segment(token: str, index: int, obj: object) -> str:
    parts = token.split(".")
    parts[index] = _segment(obj)
    return ".".join(parts)


# --- accepted tokens ---------------------------------------------------------------------------


def test_valid_token_is_accepted(policy: TokenPolicy, req: Request) -> None:
    claims = verify_id_token(tokenkit.mint_token(), policy, req)
    assert claims["email"] == tokenkit.DEFAULT_EMAIL
    assert claims["aud"] == tokenkit.DEFAULT_AUDIENCE


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"iss": "accounts.google.com"}, id="scheme-less-issuer"),
        pytest.param({"email_verified": "true"}, id="email-verified-as-string"),
        pytest.param({"email": tokenkit.DEFAULT_EMAIL.upper()}, id="email-case-insensitive"),
    ],
)
def test_accepted_variants(policy: TokenPolicy, req: Request, overrides: dict[str, Any]) -> None:
    verify_id_token(tokenkit.mint_token(**overrides), policy, req)


def test_expired_within_clock_skew_is_accepted(policy: TokenPolicy, req: Request) -> None:
    # Minted here, not at collection time, so a slow collection cannot push it past the skew.
    verify_id_token(tokenkit.mint_token(exp=int(time.time()) - 5), policy, req)


def test_clock_skew_is_configurable(policy: TokenPolicy, req: Request) -> None:
    token = tokenkit.mint_token(exp=int(time.time()) - 5)
    with pytest.raises(AuthError) as err:
        verify_id_token(token, policy, req, clock_skew_seconds=0)
    assert err.value.http_status == 401
    assert "expired" in str(err.value)


def test_default_transport_is_used_when_none_given(
    policy: TokenPolicy, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The entry points pass no transport; make sure the default one reaches the local server.
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "http_proxy",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    assert verify_id_token(tokenkit.mint_token(), policy)["email"] == tokenkit.DEFAULT_EMAIL


# --- rejected tokens ---------------------------------------------------------------------------

TokenFactory = Callable[[], "str | None"]

REJECTIONS: list[tuple[str, TokenFactory, int, str]] = [
    ("missing", lambda: None, 401, "missing"),
    ("empty", lambda: "", 401, "missing"),
    (
        "expired",
        lambda: tokenkit.mint_token(exp=int(time.time()) - 3600, iat=int(time.time()) - 7200),
        401,
        "expired",
    ),
    (
        "not-yet-valid",
        lambda: tokenkit.mint_token(iat=int(time.time()) + 3600, exp=int(time.time()) + 7200),
        401,
        "not valid yet",
    ),
    (
        "wrong-audience",
        lambda: tokenkit.mint_token(aud="https://evil.example/addon"),
        401,
        "audience",
    ),
    ("no-audience", lambda: tokenkit.mint_token(aud=None), 401, "audience"),
    (
        "wrong-issuer",
        lambda: tokenkit.mint_token(iss="https://securetoken.google.com/x"),
        401,
        "issued",
    ),
    ("bad-signature", lambda: tokenkit.mint_token(key=tokenkit.other_key()), 401, "signature"),
    (
        "unknown-kid",
        lambda: tokenkit.mint_token(key=tokenkit.other_key(), kid="retired-key"),
        401,
        "signature",
    ),
    (
        "no-kid-bad-signature",
        lambda: tokenkit.mint_token(key=tokenkit.other_key(), kid=""),
        401,
        "signature",
    ),
    (
        "alg-none",
        lambda: _swap_segment(
            tokenkit.mint_token(), 0, {"alg": "none", "kid": tokenkit.DEFAULT_KID}
        ),
        401,
        "signature",
    ),
    ("alg-hs256", lambda: tokenkit.mint_token(alg="HS256"), 401, "signature"),
    (
        # Claims that pass every check, but not the ones Google signed.
        "tampered-payload",
        lambda: _swap_segment(tokenkit.mint_token(), 1, tokenkit.claims(sub="222222222222")),
        401,
        "signature",
    ),
    (
        "tampered-payload-email",
        lambda: _swap_segment(tokenkit.mint_token(), 1, tokenkit.claims(email=WRONG_EMAIL)),
        401,
        "not the configured service account",
    ),
    ("missing-exp", lambda: tokenkit.mint_token(exp=None), 401, "malformed"),
    ("string-exp", lambda: tokenkit.mint_token(exp="tomorrow"), 401, "malformed"),
    ("malformed-garbage", lambda: "not-a-jwt", 401, "malformed"),
    ("malformed-three-dots", lambda: "a.b.c", 401, "malformed"),
    ("malformed-empty-parts", lambda: "..", 401, "malformed"),
    (
        "malformed-header-list",
        lambda: _segment([1, 2]) + "." + _segment({}) + ".sig",
        401,
        "malformed",
    ),
    ("malformed-non-ascii", lambda: "é.é.é", 401, "malformed"),
    ("oversized", lambda: tokenkit.mint_token(pad="x" * 20_000), 401, "malformed"),
    (
        "signature-removed-by-google",
        lambda: tokenkit.mint_token().rsplit(".", 1)[0] + ".SIGNATURE_REMOVED_BY_GOOGLE",
        401,
        "IAM",
    ),
    # An email is a claim like any other: until the signature is checked it says nothing about
    # who is calling, so a wrong one is 401 (and costs no certificate fetch).
    (
        "wrong-email",
        lambda: tokenkit.mint_token(email=WRONG_EMAIL),
        401,
        "not the configured service account",
    ),
    (
        "no-email",
        lambda: tokenkit.mint_token(email=None),
        401,
        "not the configured service account",
    ),
    ("unverified-email", lambda: tokenkit.mint_token(email_verified=False), 403, "not verified"),
    (
        "unverified-email-string",
        lambda: tokenkit.mint_token(email_verified="false"),
        403,
        "not verified",
    ),
    ("no-email-verified", lambda: tokenkit.mint_token(email_verified=None), 403, "not verified"),
]


@pytest.mark.parametrize(
    ("make_token", "status", "fragment"),
    [pytest.param(f, s, m, id=name) for name, f, s, m in REJECTIONS],
)
def test_rejected_with_right_status(
    policy: TokenPolicy, req: Request, make_token: TokenFactory, status: int, fragment: str
) -> None:
    token = make_token()
    with pytest.raises(AuthError) as err:
        verify_id_token(token, policy, req)
    assert err.value.http_status == status
    assert fragment in str(err.value)

    # Nothing secret or personal leaks: not in the message, not in a chained cause that a
    # logger printing the traceback would show.
    rendered = "".join(traceback.format_exception(err.value))
    for secret in (tokenkit.DEFAULT_EMAIL, WRONG_EMAIL, tokenkit.DEFAULT_EMAIL.upper()):
        assert secret not in rendered
    if token:
        for piece in token.split("."):
            if len(piece) >= 8:
                assert piece not in rendered
    assert err.value.__cause__ is None
    assert err.value.__context__ is None or err.value.__suppress_context__


# --- certificates: fetching and caching --------------------------------------------------------


def test_certs_are_cached(server: tokenkit.CertsServer, policy: TokenPolicy, req: Request) -> None:
    for _ in range(3):
        verify_id_token(tokenkit.mint_token(), policy, req)
    assert server.hits == 1


def test_certs_expire_after_ttl(
    server: tokenkit.CertsServer, policy: TokenPolicy, req: Request, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(idtoken_certs, "_CERTS_TTL_S", 0.0)
    verify_id_token(tokenkit.mint_token(), policy, req)
    verify_id_token(tokenkit.mint_token(), policy, req)
    assert server.hits == 2


def test_unknown_kid_refetches_for_key_rotation(
    server: tokenkit.CertsServer, policy: TokenPolicy, req: Request, monkeypatch: pytest.MonkeyPatch
) -> None:
    verify_id_token(tokenkit.mint_token(), policy, req)
    rotated = tokenkit.new_signing_key("tokenkit-key-2")
    server.certs = tokenkit.certs_json(tokenkit.google_key(), rotated)
    monkeypatch.setattr(idtoken_certs, "_MIN_REFETCH_INTERVAL_S", 0.0)
    verify_id_token(tokenkit.mint_token(key=rotated), policy, req)
    assert server.hits == 2


def test_unknown_kids_cannot_force_a_fetch_per_request(
    server: tokenkit.CertsServer, policy: TokenPolicy, req: Request
) -> None:
    verify_id_token(tokenkit.mint_token(), policy, req)
    for i in range(5):
        with pytest.raises(AuthError):
            verify_id_token(tokenkit.mint_token(kid=f"junk-{i}"), policy, req)
    assert server.hits == 1


def test_certs_endpoint_error_is_a_backend_error(
    server: tokenkit.CertsServer, policy: TokenPolicy, req: Request
) -> None:
    server.status = 500
    with pytest.raises(BackendError) as err:
        verify_id_token(tokenkit.mint_token(), policy, req)
    assert err.value.http_status == 502


def test_certs_endpoint_unreachable_is_a_backend_error(req: Request) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    policy = TokenPolicy(
        tokenkit.DEFAULT_AUDIENCE, tokenkit.DEFAULT_EMAIL, f"http://127.0.0.1:{port}/certs"
    )
    with pytest.raises(BackendError):
        verify_id_token(tokenkit.mint_token(), policy, req)


def test_certs_in_wrong_format_are_a_backend_error(
    server: tokenkit.CertsServer, policy: TokenPolicy, req: Request
) -> None:
    server.certs = {"keys": [{"kid": "x"}]}  # type: ignore[dict-item]
    with pytest.raises(BackendError):
        verify_id_token(tokenkit.mint_token(), policy, req)


# --- policy and helpers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("audience", "email"), [("", tokenkit.DEFAULT_EMAIL), (tokenkit.DEFAULT_AUDIENCE, "")]
)
def test_incomplete_policy_is_a_config_error(audience: str, email: str, req: Request) -> None:
    with pytest.raises(ConfigError):
        verify_id_token(tokenkit.mint_token(), TokenPolicy(audience, email), req)


def test_default_certs_url_is_googles(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(idtokens.CERTS_URL_ENV, raising=False)
    assert idtokens.GOOGLE_CERTS_URL == google.oauth2.id_token._GOOGLE_OAUTH2_CERTS_URL
    assert TokenPolicy("a", "b").certs_url == idtokens.GOOGLE_CERTS_URL


def test_certs_url_from_the_environment_for_emulators(monkeypatch: pytest.MonkeyPatch) -> None:
    # How the entry points' tests, in process, and the benchmark's functions-framework, in
    # another one, have the policies the entry points make verify tokenkit's tokens.
    monkeypatch.setenv("SHEETSYNC_ID_TOKEN_CERTS_URL", " http://127.0.0.1:2/certs ")
    assert TokenPolicy("a", "b").certs_url == "http://127.0.0.1:2/certs"
    monkeypatch.setenv("SHEETSYNC_ID_TOKEN_CERTS_URL", "")
    assert TokenPolicy("a", "b").certs_url == idtokens.GOOGLE_CERTS_URL


@pytest.mark.parametrize("token", ["a.b", "!!.e30.sig", "e30.!!.sig", "W10.e30.sig"])
def test_junk_is_refused_as_malformed_before_any_signature_check(token: str) -> None:
    # Not JWT-shaped (wrong segments, bad base64 or JSON, a header that is not an object).
    with pytest.raises(AuthError, match="malformed") as caught:
        verify_id_token(token, TokenPolicy("aud", "sa@example.com"))
    assert caught.value.http_status == 401


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Bearer abc.def.ghi", "abc.def.ghi"),
        ("bearer abc", "abc"),
        ("BEARER   abc  ", "abc"),
        (None, None),
        ("", None),
        ("Bearer", None),
        ("Bearer ", None),
        ("Basic dXNlcjpwYXNz", None),
        ("Bearer a b", None),
        ("abc.def.ghi", None),
    ],
)
def test_bearer_token(header: str | None, expected: str | None) -> None:
    assert bearer_token(header) == expected


# --- claims are checked before the signature, with no network ----------------------------------


@pytest.fixture
def silent_certs_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], bool]]:
    """The default certs URL on a port that accepts connections and never answers.

    Yields a function telling whether anything connected to it. A fetch would hang until the
    (shortened) timeout and then fail as a BackendError, so a 401 proves none was needed.
    """
    monkeypatch.setattr(idtoken_certs, "_FETCH_TIMEOUT_S", 1.0)
    with tokenkit.SilentServer() as silent:
        monkeypatch.setenv(idtokens.CERTS_URL_ENV, silent.url)
        yield silent.connected


def _now() -> int:
    return int(time.time())


FORGED: list[tuple[str, TokenFactory, str]] = [
    ("wrong-audience", lambda: tokenkit.mint_token(aud="https://evil.example/addon"), "audience"),
    ("audience-list", lambda: tokenkit.mint_token(aud=[tokenkit.DEFAULT_AUDIENCE]), "audience"),
    ("wrong-issuer", lambda: tokenkit.mint_token(iss="https://evil.example"), "issued"),
    ("issuer-list", lambda: tokenkit.mint_token(iss=["accounts.google.com"]), "issued"),
    ("wrong-email", lambda: tokenkit.mint_token(email=WRONG_EMAIL), "service account"),
    ("email-not-text", lambda: tokenkit.mint_token(email=["x"]), "service account"),
    (
        "expired",
        lambda: tokenkit.mint_token(iat=_now() - 7200, exp=_now() - 3600),
        "expired",
    ),
    (
        "not-yet-valid",
        lambda: tokenkit.mint_token(iat=_now() + 3600, exp=_now() + 7200),
        "not valid yet",
    ),
    (
        "ten-year-lifetime",
        lambda: tokenkit.mint_token(iat=_now(), exp=_now() + 10 * 365 * 86400),
        "lifetime",
    ),
    (
        "issued-years-ago",
        lambda: tokenkit.mint_token(iat=_now() - 5 * 365 * 86400, exp=_now() + 60),
        "lifetime",
    ),
    ("missing-exp", lambda: tokenkit.mint_token(exp=None), "malformed"),
    ("missing-iat", lambda: tokenkit.mint_token(iat=None), "malformed"),
    ("exp-true", lambda: tokenkit.mint_token(exp=True), "malformed"),
    ("exp-nan", lambda: tokenkit.mint_token(exp=float("nan")), "malformed"),
    ("exp-infinite", lambda: tokenkit.mint_token(exp=float("inf")), "malformed"),
    ("iat-nan", lambda: tokenkit.mint_token(iat=float("nan")), "malformed"),
    ("exp-huge", lambda: tokenkit.mint_token(exp=10**400), "lifetime"),
    ("alg-hs256", lambda: tokenkit.mint_token(alg="HS256"), "RS256"),
    (
        "alg-none",
        lambda: _swap_segment(tokenkit.mint_token(), 0, {"alg": "none"}),
        "RS256",
    ),
    (
        "payload-not-an-object",
        lambda: _swap_segment(tokenkit.mint_token(), 1, [tokenkit.claims()]),
        "malformed",
    ),
    (
        "deeply-nested-payload",
        lambda: (
            tokenkit.mint_token().split(".")[0]
            + "."
            + base64.urlsafe_b64encode(b"[" * 11_000).decode()
            + ".sig"
        ),
        "malformed",
    ),
    (
        "deeply-nested-header",
        lambda: base64.urlsafe_b64encode(b'{"a":' * 2_000).decode() + ".e30.sig",
        "malformed",
    ),
]


@pytest.mark.parametrize(
    ("make_token", "fragment"), [pytest.param(f, m, id=name) for name, f, m in FORGED]
)
def test_forged_tokens_get_401_without_any_connection(
    silent_certs_url: Callable[[], bool], make_token: TokenFactory, fragment: str
) -> None:
    token = make_token()
    assert token is not None and len(token) <= 16_384
    policy = TokenPolicy(tokenkit.DEFAULT_AUDIENCE, tokenkit.DEFAULT_EMAIL)
    with pytest.raises(AuthError) as err:
        verify_id_token(token, policy)
    assert err.value.http_status == 401
    assert fragment in str(err.value)
    assert not silent_certs_url()
    rendered = "".join(traceback.format_exception(err.value))
    assert tokenkit.DEFAULT_EMAIL not in rendered and WRONG_EMAIL not in rendered


def test_a_token_with_good_claims_does_need_the_certificates(
    silent_certs_url: Callable[[], bool],
) -> None:
    # The other side of the test above: the listener does see a fetch when one is due.
    policy = TokenPolicy(tokenkit.DEFAULT_AUDIENCE, tokenkit.DEFAULT_EMAIL)
    with pytest.raises(BackendError):
        verify_id_token(tokenkit.mint_token(key=tokenkit.other_key()), policy)
    assert silent_certs_url()


def test_refusing_forged_claims_does_not_load_google_auth() -> None:
    # Cold start: a refusal before the signature check needs the standard library only.
    import subprocess
    import sys

    forged = tokenkit.mint_token(aud="https://evil.example/addon")
    script = (
        "import sys\n"
        "from sheetsync.errors import AuthError\n"
        "from sheetsync.entrypoints.idtokens import TokenPolicy, verify_id_token\n"
        "try:\n"
        "    verify_id_token(sys.argv[1], TokenPolicy(sys.argv[2], sys.argv[3]))\n"
        "except AuthError as exc:\n"
        "    assert exc.http_status == 401, exc\n"
        "heavy = ('google.auth', 'google.oauth2', 'requests', 'cryptography')\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(heavy))\n"
        "print(loaded)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, forged, tokenkit.DEFAULT_AUDIENCE, tokenkit.DEFAULT_EMAIL],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


@pytest.mark.parametrize(
    ("lifetime", "accepted"),
    [(3600, True), (3600 + 10, True), (3600 + 11, False), (86_400, False)],
)
def test_lifetime_is_at_most_an_hour_plus_skew(
    policy: TokenPolicy, req: Request, lifetime: int, accepted: bool
) -> None:
    now = _now()
    token = tokenkit.mint_token(iat=now - 60, exp=now - 60 + lifetime)
    if accepted:
        verify_id_token(token, policy, req)
    else:
        with pytest.raises(AuthError, match="lifetime") as err:
            verify_id_token(token, policy, req)
        assert err.value.http_status == 401


def test_certs_with_a_keys_entry_are_a_backend_error(
    server: tokenkit.CertsServer, policy: TokenPolicy, req: Request
) -> None:
    # verify_token would read a "keys" entry as a JWK set (which needs PyJWT).
    server.certs = {**tokenkit.certs_json(), "keys": tokenkit.google_key().cert_pem}
    with pytest.raises(BackendError):
        verify_id_token(tokenkit.mint_token(), policy, req)
