"""Partner sign-in without Streamlit: the identity of the claims, whether a session's sign-in is accepted, the
settings, and the demo accounts and secrets of `make editors-demo`."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from regionmap.auth.demo import cookie_secret, load_accounts
from regionmap.auth.identity import Identity, IdentityError, identity_from_claims
from regionmap.auth.session import (AUTH_KEYS, CLAIMS_INVALID, COOKIE_INVALID, SESSION_EXPIRED, USER_COOKIE, SignIn,
                                    check_sign_in, load_settings, missing_auth_keys, settings)
from regionmap.config import region
from regionmap.errors import ConfigError
from regionmap.testing import auth_secrets

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
HOURS_12 = timedelta(hours=12)


def claims(**changes: object) -> dict[str, object]:
    """What st.user holds after a sign-in through the mock provider (ID token claims plus is_logged_in)."""
    base: dict[str, object] = {"is_logged_in": True, "sub": "sites@goslar.example", "email": "Sites@Goslar.example",
                               "name": "  Gerda   Goslar ", "iss": "http://127.0.0.1:9400",
                               "iat": int((NOW - timedelta(minutes=5)).timestamp()),
                               "exp": int((NOW + timedelta(minutes=55)).timestamp())}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def test_the_identity_is_the_lower_case_email_with_subject_issuer_and_a_tidy_name():
    identity = identity_from_claims(claims())
    assert identity == Identity(email="sites@goslar.example", subject="sites@goslar.example",
                                issuer="http://127.0.0.1:9400", name="Gerda Goslar")
    assert identity.label == "Gerda Goslar <sites@goslar.example>"
    assert identity_from_claims(claims(name=None)).label == "sites@goslar.example"


@pytest.mark.parametrize(("change", "message"), [
    ({"email": None}, r"no e-mail address \('email' claim\)"),
    ({"email": " "}, r"no e-mail address \('email' claim\)"),
    ({"email": "gerda"}, "not a valid e-mail address"),
    ({"email": "a@b"}, "not a valid e-mail address"),
    ({"email": "<script>@x.de"}, "not a valid e-mail address"),
    ({"sub": ""}, "no subject"),
    ({"sub": None}, "no subject"),
])
def test_claims_without_a_subject_or_a_valid_email_name_what_is_missing(change, message):
    with pytest.raises(IdentityError, match=message):
        identity_from_claims(claims(**change))


def test_a_fresh_sign_in_is_accepted():
    result = check_sign_in(claims(), {USER_COOKIE: "signed"}, NOW, HOURS_12)
    assert result.accepted and result.identity.email == "sites@goslar.example" and result.refusal is None


def test_signed_out_without_a_cookie_is_neither_accepted_nor_refused():
    assert check_sign_in({"is_logged_in": False}, {"_streamlit_xsrf": "x"}, NOW, HOURS_12) == SignIn()
    assert check_sign_in({}, {}, NOW, HOURS_12) == SignIn()


def test_an_identity_cookie_that_streamlit_did_not_accept_is_refused():
    result = check_sign_in({"is_logged_in": False}, {USER_COOKIE: "forged"}, NOW, HOURS_12)
    assert result.refusal == COOKIE_INVALID and result.identity is None and not result.accepted


def test_a_sign_in_older_than_the_maximum_session_age_is_refused_naming_the_person():
    old = int((NOW - HOURS_12 - timedelta(seconds=1)).timestamp())
    result = check_sign_in(claims(iat=old), {USER_COOKIE: "signed"}, NOW, HOURS_12)
    assert result.refusal == SESSION_EXPIRED and not result.accepted
    assert result.identity.email == "sites@goslar.example"
    at_the_limit = int((NOW - HOURS_12).timestamp())
    assert check_sign_in(claims(iat=at_the_limit), {}, NOW, HOURS_12).accepted


@pytest.mark.parametrize(("change", "detail"), [
    ({"email": None}, "e-mail"),
    ({"iat": None}, "'iat'"),
    ({"iat": "yesterday"}, "'iat'"),
    ({"iat": True}, "'iat'"),
    ({"iat": 10 ** 20}, "no time"),
])
def test_claims_that_lack_an_email_or_an_issue_time_are_refused_with_the_reason(change, detail):
    result = check_sign_in(claims(**change), {}, NOW, HOURS_12)
    assert result.refusal == CLAIMS_INVALID and not result.accepted and detail in result.detail


def test_missing_auth_keys_lists_what_the_secrets_lack():
    assert missing_auth_keys(None) == list(AUTH_KEYS)
    assert missing_auth_keys({"redirect_uri": "http://x/oauth2callback", "client_id": " "}) == [
        "cookie_secret", "client_id", "client_secret", "server_metadata_url"]
    assert missing_auth_keys({key: "x" for key in AUTH_KEYS}) == []


def test_the_configured_maximum_session_age_is_read_from_data(tmp_path: Path):
    assert settings().max_session == timedelta(hours=12)
    path = tmp_path / "signin.toml"
    path.write_text("max_session_hours = 1.5\n", encoding="utf-8")
    assert load_settings(path).max_session == timedelta(minutes=90)


@pytest.mark.parametrize("text", ["", "max_session_hours = 0\n", "max_session_hours = 'ten'\n",
                                  "max_session_hours = true\n"])
def test_a_wrong_maximum_session_age_names_the_file_and_the_field(tmp_path: Path, text: str):
    path = tmp_path / "signin.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"signin\.toml: 'max_session_hours'"):
        load_settings(path)


def test_the_demo_accounts_are_checked_grants_in_the_region():
    accounts = load_accounts()
    assert {account.grant.role for account in accounts} == {"admin", "reviewer", "editor"}
    kreise = set(region().kreis_ags)
    assert all(set(account.grant.kreise) <= kreise for account in accounts)
    goslar = next(account for account in accounts if account.grant.kreise == ("03153",))
    assert goslar.grant.role == "editor" and goslar.grant.layers
    assert goslar.claims()["sub"] == goslar.claims()["email"] == goslar.email
    assert identity_from_claims(goslar.claims()).email == goslar.email


ACCOUNT = 'email = "a@b.example"\nname = "A"\nrole = "editor"\norganisation = "Org"\nkreise = ["03153"]\n'


@pytest.mark.parametrize(("text", "message"), [
    ("", "no \\[\\[accounts\\]\\]"),
    ("[[accounts]]\n" + ACCOUNT.replace('"03153"', '"09162"'), r"account 1 \('a@b.example'\): not in the region: 09162"),
    ("[[accounts]]\n" + ACCOUNT.replace('"editor"', '"owner"'), "account 1.*role must be one of"),
    ("[[accounts]]\n" + ACCOUNT.replace('"a@b.example"', '"nobody"'), "account 1.*not a valid e-mail address"),
    ("[[accounts]]\n" + ACCOUNT.replace('organisation = "Org"\n', ""), "account 1.*organisation must be"),
    ("[[accounts]]\n" + ACCOUNT + 'layers = ["nowhere"]\n', "account 1.*layers must be editable layers"),
    ("[[accounts]]\n" + ACCOUNT.replace('["03153"]', '"03153"'), "account 1, field 'kreise' must be a list"),
    ("[[accounts]]\n" + ACCOUNT + "[[accounts]]\n" + ACCOUNT.replace("a@b", "A@B"), "account 2.*listed twice"),
])
def test_a_wrong_demo_account_names_the_file_the_account_and_the_field(tmp_path: Path, text: str, message: str):
    path = tmp_path / "editors_demo.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=f"editors_demo.toml.*{message}"):
        load_accounts(path)


def test_the_secrets_file_has_a_complete_auth_section_for_the_provider(tmp_path: Path):
    path = auth_secrets(tmp_path / "s" / "secrets.toml", "http://127.0.0.1:9400/", cookie_secret="k" * 40)
    auth = tomllib.loads(path.read_text(encoding="utf-8"))["auth"]
    assert missing_auth_keys(auth) == []
    assert auth["server_metadata_url"] == "http://127.0.0.1:9400/.well-known/openid-configuration"
    assert auth["redirect_uri"] == "http://127.0.0.1:{port}/oauth2callback"  # Streamlit fills in its port


def test_the_demo_keeps_its_cookie_secret_across_restarts(tmp_path: Path):
    path = tmp_path / "secrets.toml"
    fresh = cookie_secret(path)
    assert len(fresh) >= 32 and cookie_secret(path) != fresh  # no file: a new random secret each time
    auth_secrets(path, "http://127.0.0.1:1", cookie_secret=fresh)
    assert cookie_secret(path) == fresh


def test_the_demo_grants_its_accounts_their_roles(built_store, tmp_path, monkeypatch) -> None:
    import shutil

    from regionmap.auth.demo import grant_roles, load_accounts
    from regionmap.data.store import store_at

    store = tmp_path / "regionmap.gpkg"
    shutil.copy(built_store, store)
    monkeypatch.setenv("REGIONMAP_STORE", str(store))
    accounts = load_accounts()
    assert grant_roles(accounts) == f"Granted the roles of {len(accounts)} demo accounts."
    granted = {g.email: g for g in store_at(str(store)).edits().grants(None)}
    assert {a.email: (a.grant.role, a.grant.kreise) for a in accounts} == {
        e: (g.role, g.kreise) for e, g in granted.items()}
