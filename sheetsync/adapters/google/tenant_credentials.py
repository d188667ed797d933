"""A tenant's Google credentials, from its registry reference: delegation or a refresh token.

The fleet runs each tenant's sync under that tenant's own authority, so the Sheets quota's
per-user limit is the tenant's, and the project's is shared fairly (see
``core.fleet.rates``):

* **delegation**: the runtime service account acts as the Workspace user (``subject``), for
  all three APIs, through IAM's ``signJwt`` on Cloud Functions (``credentials.delegated``);
* **refresh token**: the user's own token (stored in Secret Manager by the consent's
  callback), refreshed by google-auth against the token endpoint with the deployment's OAuth
  client. A revoked token fails its refresh with ``invalid_grant``, which the adapters report
  as ``BackendError(401, "... token refresh refused (invalid_grant) ...")``.
"""

from __future__ import annotations

from collections.abc import Iterable

from google.oauth2 import credentials as oauth2

from sheetsync.adapters.google.credentials import (
    CALENDAR_SCOPE,
    GMAIL_COMPOSE_SCOPE,
    GMAIL_READONLY_SCOPE,
    IAM_SIGN_SCOPE,
    SENT_LOOKUP_SCOPES,
    SHEETS_SCOPE,
    GoogleCredentials,
    _adc,
    delegated,
)


#: What the scheduled sync needs of a tenant (deploy/README.md, "Fleet mode" lists them for the
#: consent screen): its Sheets (the consent cannot carry the add-on's per-file grant, which
#: belongs to the add-on's own OAuth client), its calendar's events, drafts, and the sent-mail
#: search; ``openid`` so the answer names the account that consented.
def tenant_scopes(read_sent: bool = True) -> list[str]:
    """The scopes the consent asks for (``read_sent``: with gmail.readonly)."""
    scopes = ["openid", SHEETS_SCOPE, CALENDAR_SCOPE, GMAIL_COMPOSE_SCOPE]
    return [*scopes, GMAIL_READONLY_SCOPE] if read_sent else scopes


def refresh_token_credentials(
    refresh_token: str,
    client_id: str,
    client_secret: str,
    token_uri: str,
    scopes: Iterable[str],
) -> GoogleCredentials:
    """The same user credentials for the three APIs, refreshed with the OAuth client."""
    granted = [s for s in scopes if s != "openid"]
    user = oauth2.Credentials(  # type: ignore[no-untyped-call]
        None,
        refresh_token=refresh_token,
        token_uri=token_uri,
        client_id=client_id,
        client_secret=client_secret,
        scopes=granted,
    )
    return GoogleCredentials.single(user, reads_sent=bool(SENT_LOOKUP_SCOPES.intersection(granted)))


def delegated_credentials(subject: str, read_sent: bool = True) -> GoogleCredentials:
    """The runtime service account acting as ``subject`` for the three APIs."""
    scopes = [s for s in tenant_scopes(read_sent) if s != "openid"]
    acting = delegated(_adc([IAM_SIGN_SCOPE]), subject, scopes)
    return GoogleCredentials.single(acting, reads_sent=read_sent)
