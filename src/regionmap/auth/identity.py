"""A signed-in person as the rest of regionmap sees them: the OIDC claims it relies on, checked once."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from regionmap.errors import RegionmapError

EMAIL_PATTERN = re.compile(  # a local part of RFC 5322's atom characters: no spaces, quotes, brackets or markup
    r"^[A-Za-z0-9.!#$%&*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+$")
MAX_NAME = 200


class IdentityError(RegionmapError):
    """The sign-in's claims lack what regionmap needs (a subject and a valid e-mail address)."""


@dataclass(frozen=True)
class Identity:
    """A signed-in person: `email` (lower case) is the key of their roles; `subject` and `issuer` name the account at
    the identity provider, `name` is for display only."""

    email: str
    subject: str
    issuer: str = ""
    name: str = ""

    @property
    def label(self) -> str:
        """How the person is named in the app and the history: "Name <email>", or the e-mail address alone."""
        return f"{self.name} <{self.email}>" if self.name else self.email


def normalise_email(value: object) -> str:
    """`value` as a lower-case e-mail address; IdentityError when it is none."""
    text = str(value or "").strip().lower()
    if not EMAIL_PATTERN.match(text):
        raise IdentityError(f"not a valid e-mail address: {str(value)[:80]!r}")
    return text


def identity_from_claims(claims: Mapping[str, Any]) -> Identity:
    """The identity of an ID token's claims (`st.user`): `sub` and `email` are required, `name` and `iss` optional."""
    subject = str(claims.get("sub") or "").strip()
    if not subject:
        raise IdentityError("the sign-in carries no subject ('sub' claim)")
    if not str(claims.get("email") or "").strip():
        raise IdentityError("the sign-in carries no e-mail address ('email' claim): the provider must release it")
    email = normalise_email(claims.get("email"))
    name = " ".join(str(claims.get("name") or "").split())[:MAX_NAME]
    return Identity(email=email, subject=subject, issuer=str(claims.get("iss") or ""), name=name)
