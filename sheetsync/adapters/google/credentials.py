"""Google credentials for the three APIs, loaded from the environment with the narrowest scopes.

Owns which credentials each API gets and with which OAuth scopes:

* ``SHEETSYNC_ACCESS_TOKEN``: a bearer token used as is for all three APIs (the add-on's
  ``userOAuthToken``, tests, short manual runs). It cannot be refreshed.
* With an emulator endpoint and nothing else configured: anonymous credentials, so no
  ``Authorization`` header is sent. Application Default Credentials are *not* looked up then,
  so a developer's real credentials never reach an emulator.
* Otherwise Application Default Credentials (the function's service account) for Sheets and
  Calendar, and for Gmail the user's authority: an authorized-user refresh-token file
  (``SHEETSYNC_GMAIL_TOKEN_FILE``) or domain-wide delegation (``SHEETSYNC_DELEGATE_SUBJECT``).

Scopes (see deploy/README.md, "OAuth scopes"): ``spreadsheets``, ``calendar.events``,
``gmail.compose`` and ``gmail.readonly``. Before creating a draft the sync looks its
Message-ID up in drafts *and in sent mail*, so that an intro the user already sent is recorded
as sent and never drafted again. The sent-mail search is ``messages.list`` with ``q``, which
``gmail.compose`` does not allow (the gmail.v1 discovery document lists ``mail.google.com``,
``gmail.modify`` and ``gmail.readonly``; ``gmail.metadata`` forbids ``q``), so ``gmail.readonly``
is requested too. The same scope lets a recorded draft be followed up by its thread
(``threads.get``: sent, answered or deleted). ``SHEETSYNC_GMAIL_READ_SENT=0`` opts out for a
compose-only deployment; the mailbox then checks drafts only, and also falls back to that when
a token lacks the scope.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import google.auth
import google.auth.exceptions
import google.auth.iam
import google.auth.transport.requests
from google.auth.credentials import AnonymousCredentials, Credentials
from google.oauth2 import credentials as oauth2
from google.oauth2 import service_account

from sheetsync.errors import ConfigError

SHEETS_SCOPE = "https://www.googleapis.com/auth/spreadsheets"
CALENDAR_SCOPE = "https://www.googleapis.com/auth/calendar.events"
GMAIL_COMPOSE_SCOPE = "https://www.googleapis.com/auth/gmail.compose"
GMAIL_READONLY_SCOPE = "https://www.googleapis.com/auth/gmail.readonly"
#: Scopes that allow ``messages.list`` with a search query (the sent-mail look-up).
SENT_LOOKUP_SCOPES = frozenset(
    {
        "https://mail.google.com/",
        "https://www.googleapis.com/auth/gmail.modify",
        GMAIL_READONLY_SCOPE,
    }
)
#: What signing the delegation JWT through IAM (``signBlob``) needs on the runtime account.
IAM_SIGN_SCOPE = "https://www.googleapis.com/auth/cloud-platform"
TOKEN_URI = "https://oauth2.googleapis.com/token"

_FALSE = frozenset({"0", "false", "no", "off"})


@dataclass(frozen=True)
class GoogleCredentials:
    """The credentials each API is called with."""

    sheets: Credentials
    calendar: Credentials
    gmail: Credentials
    #: Whether the Gmail credentials may search sent mail for a Message-ID.
    gmail_reads_sent: bool = False

    @classmethod
    def single(cls, credentials: Credentials, reads_sent: bool = False) -> GoogleCredentials:
        """The same credentials for all three APIs."""
        return cls(credentials, credentials, credentials, reads_sent)

    @classmethod
    def anonymous(cls) -> GoogleCredentials:
        """No credentials at all, for an emulator (which answers any search)."""
        return cls.single(AnonymousCredentials(), reads_sent=True)  # type: ignore[no-untyped-call]

    @classmethod
    def from_access_token(cls, token: str, reads_sent: bool = True) -> GoogleCredentials:
        """A bearer token used as is (the add-on's ``userOAuthToken``)."""
        return cls.single(oauth2.Credentials(token), reads_sent)  # type: ignore[no-untyped-call]


def _reads_sent_wanted(env: Mapping[str, str]) -> bool:
    """On unless ``SHEETSYNC_GMAIL_READ_SENT`` says no: the issue asks for the sent check."""
    return env.get("SHEETSYNC_GMAIL_READ_SENT", "1").strip().lower() not in _FALSE


def _reads_sent(credentials: Credentials) -> bool:
    scopes = getattr(credentials, "scopes", None) or ()
    return bool(SENT_LOOKUP_SCOPES.intersection(scopes))


def _adc(scopes: list[str]) -> Credentials:
    try:
        credentials, _project = google.auth.default(scopes=scopes)
    except google.auth.exceptions.DefaultCredentialsError:
        raise ConfigError(
            "No Google credentials found: run on Google Cloud with a service account, run "
            "`gcloud auth application-default login`, or set SHEETSYNC_ACCESS_TOKEN."
        ) from None
    return credentials


def authorized_user(path: str) -> Credentials:
    """The user's refresh-token file (the scopes it was minted with are kept)."""
    try:
        file_credentials: Credentials = oauth2.Credentials.from_authorized_user_file(path)  # type: ignore[no-untyped-call]
        return file_credentials
    except FileNotFoundError:
        raise ConfigError("SHEETSYNC_GMAIL_TOKEN_FILE names a file that does not exist") from None
    except (ValueError, KeyError):
        raise ConfigError(
            "SHEETSYNC_GMAIL_TOKEN_FILE is not an authorized-user JSON file "
            "(it needs refresh_token, client_id and client_secret)"
        ) from None


def delegated(base: Any, subject: str, scopes: list[str]) -> Credentials:
    """Domain-wide delegation: the service account acts as ``subject``.

    With a key file (``service_account.Credentials``) this is ``with_subject``. On Cloud
    Functions there is no key: the metadata server's credentials cannot sign the delegation
    JWT, so IAM signs it (``signBlob``), which needs Token Creator on the account itself.
    """
    if isinstance(base, service_account.Credentials):
        subject_credentials: Credentials = base.with_scopes(scopes).with_subject(subject)
        return subject_credentials
    email = getattr(base, "service_account_email", None)
    if not email:
        raise ConfigError(
            "SHEETSYNC_DELEGATE_SUBJECT needs service-account credentials (domain-wide "
            "delegation); the current Application Default Credentials are a user's"
        )
    request = google.auth.transport.requests.Request()
    if email == "default":
        # The metadata server names the account only once asked.
        base.refresh(request)
        email = base.service_account_email
    signer = google.auth.iam.Signer(request, base, email)  # type: ignore[no-untyped-call]
    return service_account.Credentials(  # type: ignore[no-untyped-call]
        signer, email, TOKEN_URI, scopes=scopes, subject=subject
    )


def load_credentials(
    env: Mapping[str, str] | None = None, endpoint: str | None = None
) -> GoogleCredentials:
    """Credentials for the three APIs, from the environment (see the module docstring)."""
    env = os.environ if env is None else env
    read_sent = _reads_sent_wanted(env)
    token = env.get("SHEETSYNC_ACCESS_TOKEN", "").strip()
    if token:
        return GoogleCredentials.from_access_token(token, reads_sent=read_sent)
    token_file = env.get("SHEETSYNC_GMAIL_TOKEN_FILE", "").strip()
    subject = env.get("SHEETSYNC_DELEGATE_SUBJECT", "").strip()
    if token_file and subject:
        raise ConfigError(
            "Set SHEETSYNC_GMAIL_TOKEN_FILE or SHEETSYNC_DELEGATE_SUBJECT for Gmail, not both"
        )
    if endpoint and not (token_file or subject):
        return GoogleCredentials.anonymous()
    gmail_scopes = [GMAIL_COMPOSE_SCOPE, *([GMAIL_READONLY_SCOPE] if read_sent else [])]
    service = _adc([SHEETS_SCOPE, CALENDAR_SCOPE])
    if token_file:
        gmail = authorized_user(token_file)
    elif subject:
        gmail = delegated(_adc([IAM_SIGN_SCOPE]), subject, gmail_scopes)
    else:
        # Without either, Gmail needs ADC that are a user's (gcloud auth application-default
        # login with the Gmail scope); a service account alone has no mailbox.
        gmail = _adc(gmail_scopes)
    return GoogleCredentials(service, service, gmail, read_sent and _reads_sent(gmail))
