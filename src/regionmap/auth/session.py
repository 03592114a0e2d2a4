"""Whether a sign-in is accepted: Streamlit's identity cookie, the age of the ID token and its claims (no Streamlit).

Streamlit (1.67) keeps the identity of an OIDC sign-in in a signed cookie, `_streamlit_user`, for 30 days, and reads
it once when a session connects; it never checks the ID token's `exp` again. A cookie it cannot verify (forged,
signed with another secret, of another origin, older than 31 days) leaves `st.user.is_logged_in` False while the
cookie is still sent. regionmap refuses both that and a sign-in whose ID token was issued (`iat`) longer ago than
`max_session_hours` (data/signin.toml), and asks to sign in again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from regionmap.auth.identity import Identity, IdentityError, identity_from_claims
from regionmap.config import data_dir, load_toml
from regionmap.errors import ConfigError

# Streamlit's identity cookie (streamlit.web.server.starlette.starlette_server_config.USER_COOKIE_NAME).
USER_COOKIE = "_streamlit_user"
# The `[auth]` keys of Streamlit's secrets that a sign-in with one OIDC provider needs.
AUTH_KEYS = ("redirect_uri", "cookie_secret", "client_id", "client_secret", "server_metadata_url")

COOKIE_INVALID = "cookie_invalid"  # an identity cookie Streamlit did not accept
SESSION_EXPIRED = "session_expired"  # the ID token was issued longer ago than the maximum session age
CLAIMS_INVALID = "claims_invalid"  # the claims lack what regionmap needs (subject, e-mail, issue time)
REFUSALS = (COOKIE_INVALID, SESSION_EXPIRED, CLAIMS_INVALID)


@dataclass(frozen=True)
class SignInSettings:
    """How long a sign-in is accepted after its ID token was issued."""

    max_session: timedelta


@dataclass(frozen=True)
class SignIn:
    """The outcome for a session: signed in (`identity`, no `refusal`), signed out (neither), or refused (`refusal`,
    one of REFUSALS, with `detail` in English for the log, and the identity when the claims name one)."""

    identity: Identity | None = None
    refusal: str | None = None
    detail: str = ""

    @property
    def accepted(self) -> bool:
        return self.identity is not None and self.refusal is None


def load_settings(path: Path | None = None) -> SignInSettings:
    """data/signin.toml, checked: `max_session_hours` is a positive number."""
    path = path or data_dir() / "signin.toml"
    raw = load_toml(path)
    hours = raw.get("max_session_hours")
    if isinstance(hours, bool) or not isinstance(hours, int | float) or hours <= 0:
        raise ConfigError(f"{path}: 'max_session_hours' must be a positive number of hours, not {hours!r}")
    return SignInSettings(max_session=timedelta(hours=hours))


@lru_cache(maxsize=None)
def settings() -> SignInSettings:
    """The configured sign-in settings (cached)."""
    return load_settings()


def missing_auth_keys(auth: Mapping[str, Any] | None) -> list[str]:
    """The keys of AUTH_KEYS that the `[auth]` section of the secrets lacks (all of them when there is none)."""
    return [key for key in AUTH_KEYS if not str((auth or {}).get(key) or "").strip()]


def issued_at(claims: Mapping[str, Any]) -> datetime:
    """When the ID token was issued (`iat`, seconds since 1970); IdentityError when the claim is missing or no time."""
    value = claims.get("iat")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise IdentityError("the sign-in carries no issue time ('iat' claim)")
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise IdentityError(f"the sign-in's issue time is no time: {value!r}") from exc


def check_sign_in(user: Mapping[str, Any], cookies: Mapping[str, str], now: datetime,
                  max_session: timedelta) -> SignIn:
    """The sign-in of a session from `st.user` (`user`, with `is_logged_in`) and the cookies its browser sent."""
    if not user.get("is_logged_in"):
        if USER_COOKIE in cookies:
            return SignIn(refusal=COOKIE_INVALID, detail="an identity cookie was sent that Streamlit did not accept")
        return SignIn()
    try:
        identity = identity_from_claims(user)
        issued = issued_at(user)
    except IdentityError as exc:
        return SignIn(refusal=CLAIMS_INVALID, detail=str(exc))
    if now - issued > max_session:
        return SignIn(identity=identity, refusal=SESSION_EXPIRED,
                      detail=f"signed in at {issued.isoformat(timespec='seconds')}, longer ago than {max_session}")
    return SignIn(identity=identity)
