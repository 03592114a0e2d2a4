"""Partner sign-in on a page: Streamlit's `st.login` / `st.logout` / `st.user`, judged by `regionmap.auth.session`.

Only the maintenance pages ask for a sign-in; reading the dashboard never does. `on_event(kind, identity, reason)`
lets the caller log each session's "sign_in" (reason "") and each "refused" (reason one of
`regionmap.auth.session.REFUSALS`, identity when the claims name one) once per session.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import streamlit as st

from regionmap.auth.identity import Identity
from regionmap.auth.session import AUTH_KEYS, SignIn, check_sign_in, missing_auth_keys, settings
from regionmap.i18n import format_number, t
from regionmap.ui.text import plain

EventHook = Callable[[str, Identity | None, str], None]
_REPORTED = "rm_signin_reported"  # session state: the events already passed to on_event in this session


def auth_section() -> Mapping[str, Any] | None:
    """The `[auth]` section of Streamlit's secrets, or None when there is no secrets file or no such section."""
    if not st.secrets.load_if_toml_exists():
        return None
    section = st.secrets.get("auth")
    return section if isinstance(section, Mapping) else None


def _sign_in(on_event: EventHook | None) -> SignIn:
    # The cookies as a dict of those sent: a lookup in st.context.cookies itself finds any name under AppTest.
    cookies = st.context.cookies.to_dict()
    result = check_sign_in(st.user.to_dict(), cookies, datetime.now(UTC), settings().max_session)
    if on_event is not None:
        kind = "refused" if result.refusal else "sign_in" if result.accepted else None
        event = (kind, result.identity.email if result.identity else "", result.refusal or "")
        reported = st.session_state.setdefault(_REPORTED, set())
        if kind and event not in reported:
            reported.add(event)
            on_event(kind, result.identity, result.refusal or "")
    return result


def signed_in(on_event: EventHook | None = None) -> Identity | None:
    """The signed-in person of this session, or None when signed out or the sign-in is refused."""
    result = _sign_in(on_event)
    return result.identity if result.accepted else None


def sign_in_button(lang: str) -> None:
    """"Anmelden": starts the OIDC sign-in (Streamlit's /auth/login, then the provider)."""
    if st.button(t("auth.sign_in", lang), key="rm_sign_in", type="primary", icon=":material/login:"):
        st.login()


def sign_out_button(lang: str) -> None:
    """"Abmelden": clears Streamlit's identity cookie and ends the provider's session where it offers that."""
    if st.button(t("auth.sign_out", lang), key="rm_sign_out", icon=":material/logout:"):
        st.logout()
        st.stop()  # the browser is on its way to /auth/logout: nothing more to draw


def refusal_message(result: SignIn, lang: str) -> str:
    """The message for a refused sign-in, in `lang`."""
    hours = settings().max_session.total_seconds() / 3600
    return t(f"auth.{result.refusal}", lang, hours=format_number(hours, lang, decimals=1, trim=True),
             detail=result.detail)


def require_sign_in(lang: str, on_event: EventHook | None = None) -> Identity | None:
    """A page's sign-in gate: the signed-in person, or None after showing why not and how to sign in (sign-in not
    configured; a refused sign-in; signed out: what the page is for and the sign-in button)."""
    missing = missing_auth_keys(auth_section())
    if missing:
        st.info(t("auth.not_configured", lang), icon=":material/lock:")
        if len(missing) < len(AUTH_KEYS):
            st.warning(t("auth.missing_keys", lang, keys=", ".join(f"`{key}`" for key in missing)))
        return None
    result = _sign_in(on_event)
    if result.accepted:
        return result.identity
    if result.refusal:
        st.error(plain(refusal_message(result, lang)), icon=":material/error:")
    st.markdown(t("auth.purpose", lang))
    sign_in_button(lang)
    return None
