"""AppTest tests of the maintenance page (Pflege) and its sign-in gate, in de/en/fr: sign-in not configured, signed
out, signed in (AppTest's `user` stands for st.user), a stale sign-in and claims without an e-mail address; and the
sign-in hook that logs each session's events once. A forged cookie needs a browser (tests/browser/test_signin.py).
"""

from __future__ import annotations

import time
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from regionmap.auth.session import AUTH_KEYS
from regionmap.i18n import t
from regionmap.ui.text import plain
from test_app_pages import APP, SPECS, _harness, assert_clean

LANGS = ("de", "en", "fr")
AUTH = {"redirect_uri": "http://127.0.0.1:8501/oauth2callback", "cookie_secret": "k" * 40, "client_id": "regionmap",
        "client_secret": "s", "server_metadata_url": "http://127.0.0.1:9400/.well-known/openid-configuration"}


def user(**changes: object) -> dict[str, object]:
    """st.user after a sign-in: the ID token's claims and is_logged_in."""
    base = {"is_logged_in": True, "sub": "sites@goslar.example", "email": "sites@goslar.example",
            "name": "Gerda Goslar", "iss": "http://127.0.0.1:9400", "iat": int(time.time()) - 60}
    return {k: v for k, v in {**base, **changes}.items() if v is not None}


@pytest.fixture
def store_env(built_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the session's store: the page logs sign-ins and refusals into the store's history."""
    copy = tmp_path / built_store.name
    shutil.copy(built_store, copy)
    monkeypatch.setenv("REGIONMAP_STORE", str(copy))
    return copy


def maintenance(lang: str, *, secrets: dict | None = None, signed_in: dict | None = None) -> AppTest:
    """The maintenance page in `lang` with these secrets (an empty [auth]-less file when None) and st.user."""
    at = AppTest.from_function(_harness, args=(APP, SPECS["maintenance"].path), default_timeout=60)
    at.query_params["lang"] = lang
    at.secrets = secrets if secrets is not None else {"other": {"x": "y"}}
    at.user = signed_in if signed_in is not None else {"is_logged_in": False}
    return at.run()


def texts(at: AppTest) -> str:
    return "\n".join([*(m.value for m in at.markdown), *(x.value for x in at.text)])


@pytest.mark.parametrize("lang", LANGS)
def test_without_auth_secrets_the_page_says_sign_in_is_not_configured_and_how(store_env, lang):
    at = maintenance(lang)
    assert_clean(at)
    assert at.title[0].value == t("page.maintenance", lang)
    assert [info.value for info in at.info] == [t("auth.not_configured", lang)]
    assert "make editors-demo" in at.info[0].value and "[auth]" in at.info[0].value
    assert not at.main.button  # nothing to sign in with


def test_an_incomplete_auth_section_names_the_missing_keys(store_env):
    at = maintenance("en", secrets={"auth": {k: v for k, v in AUTH.items() if k not in ("client_secret", "cookie_secret")}})
    assert_clean(at)
    assert at.warning[0].value == t("auth.missing_keys", "en", keys="`cookie_secret`, `client_secret`")
    assert not at.main.button


@pytest.mark.parametrize("lang", LANGS)
def test_signed_out_the_page_says_what_it_is_for_and_offers_the_sign_in(store_env, lang):
    at = maintenance(lang, secrets={"auth": AUTH})
    assert_clean(at)
    assert t("auth.purpose", lang) in texts(at)
    assert [b.label for b in at.main.button] == [t("auth.sign_in", lang)]
    assert t("auth.signed_in_as", lang, who="sites@goslar.example") not in texts(at)


@pytest.mark.parametrize("lang", LANGS)
def test_signed_in_the_page_names_the_partner_and_offers_the_sign_out(store_env, lang):
    at = maintenance(lang, secrets={"auth": AUTH}, signed_in=user())
    assert_clean(at)
    assert [x.value for x in at.text] == [t("auth.signed_in_as", lang, who="Gerda Goslar <sites@goslar.example>")]
    assert [b.label for b in at.main.button] == [t("auth.sign_out", lang)]
    assert t("auth.purpose", lang) not in texts(at)


def test_a_sign_in_older_than_the_maximum_session_age_is_refused_with_a_clear_message(store_env):
    at = maintenance("de", secrets={"auth": AUTH}, signed_in=user(iat=int(time.time()) - 13 * 3600))
    assert not at.exception
    errors = [e.value for e in at.error]
    assert errors == [plain(t("auth.session_expired", "de", hours="12"))]
    assert "abgelaufen" in errors[0]
    assert [b.label for b in at.main.button] == [t("auth.sign_in", "de")]
    assert not at.text  # no greeting, no access


def test_claims_without_an_email_address_are_refused_naming_the_reason(store_env):
    at = maintenance("en", secrets={"auth": AUTH}, signed_in=user(email=None))
    assert not at.exception
    detail = "the sign-in carries no e-mail address ('email' claim): the provider must release it"
    assert [e.value for e in at.error] == [plain(t("auth.claims_invalid", "en", detail=detail))]
    assert [b.label for b in at.main.button] == [t("auth.sign_in", "en")]
    assert not at.text


def _hooked() -> None:
    """A page that logs the sign-in events into the session state, as the history will."""
    import streamlit as st

    from regionmap.ui.signin import signed_in

    events = st.session_state.setdefault("events", [])
    identity = signed_in(lambda kind, who, reason: events.append((kind, who.email if who else None, reason)))
    st.text(identity.email if identity else "-")


@pytest.mark.parametrize(("claims", "events", "shown"), [
    (user(), [("sign_in", "sites@goslar.example", "")], "sites@goslar.example"),
    (user(iat=1), [("refused", "sites@goslar.example", "session_expired")], "-"),
    (user(sub=None), [("refused", None, "claims_invalid")], "-"),
    ({"is_logged_in": False}, [], "-"),
])
def test_the_sign_in_hook_is_called_once_a_session_for_each_event(claims, events, shown):
    at = AppTest.from_function(_hooked, default_timeout=30)
    at.user = claims
    at.run()
    at.run()  # a rerun of the same session reports nothing new
    assert_clean(at)
    assert at.session_state["events"] == events
    assert at.text[0].value == shown


def test_every_auth_key_is_named_in_the_not_configured_text():
    assert all(f"`{key}`" in t("auth.not_configured", lang) for key in AUTH_KEYS for lang in LANGS)
