"""`make editors-demo`: the app with partner sign-in through a mock OIDC provider and the demo accounts of
data/editors_demo.toml, all on 127.0.0.1.

`python -m regionmap.auth.demo [--port 8501]` starts `oidc-provider-mock` on a free port with each demo account as a
one-click sign-in, writes `.editors-demo/secrets.toml` (git-ignored) with the `[auth]` section pointing at it, grants
each account its role in the store (as `regionmap roles grant` does), starts the app with that secrets file
and prints the addresses and accounts. Ctrl+C stops both servers.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import sys
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from regionmap.auth.identity import IdentityError
from regionmap.config import PROJECT_ROOT, data_dir, load_toml, region
from regionmap.editing.roles import ADMIN, ADMIN_ENV, Grant, make_grant
from regionmap.errors import ConfigError, RegionmapError
from regionmap.taxonomy import taxonomy

STATE_DIR = PROJECT_ROOT / ".editors-demo"


@dataclass(frozen=True)
class DemoAccount:
    """A demo partner: the name the mock provider signs in with, and the grant the demo gives."""

    name: str
    grant: Grant

    @property
    def email(self) -> str:
        return self.grant.email

    def claims(self) -> dict[str, object]:
        """The ID token's claims for this account (the e-mail address is also the subject)."""
        return {"sub": self.email, "email": self.email, "email_verified": True, "name": self.name}

def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{where} must be a list of strings")
    return tuple(value)


def load_accounts(path: Path | None = None) -> tuple[DemoAccount, ...]:
    """The demo accounts of `path` (default data/editors_demo.toml), each a grant checked as `regionmap roles grant`
    checks it (`regionmap.editing.roles.make_grant`: role, organisation, Kreise of the region, editable layers), with
    unique e-mail addresses. ConfigError names the file, the account and the field."""
    path = path or data_dir() / "editors_demo.toml"
    raw = load_toml(path).get("accounts")
    if not isinstance(raw, list) or not raw:
        raise ConfigError(f"{path}: no [[accounts]]")
    known_layers = [layer.id for layer in taxonomy().layers if layer.editing]
    accounts: list[DemoAccount] = []
    for number, entry in enumerate(raw, start=1):
        where = f"{path}, account {number}"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}: not a table")
        try:
            grant = make_grant(str(entry.get("email") or ""), str(entry.get("role") or ""),
                               str(entry.get("organisation") or ""),
                               kreise=_strings(entry.get("kreise", []), f"{where}, field 'kreise'"),
                               layers=_strings(entry.get("layers", []), f"{where}, field 'layers'"),
                               known_kreise=region().kreis_ags, known_layers=known_layers)
        except (ValueError, IdentityError) as exc:
            raise ConfigError(f"{where} ({entry.get('email')!r}): {exc}") from exc
        if any(other.email == grant.email for other in accounts):
            raise ConfigError(f"{where}, field 'email': {grant.email} is listed twice")
        accounts.append(DemoAccount(name=str(entry.get("name") or ""), grant=grant))
    return tuple(accounts)


def cookie_secret(secrets_file: Path) -> str:
    """The cookie secret of an earlier demo's secrets file (sign-ins stay valid across restarts), else a new one."""
    try:
        kept = tomllib.loads(secrets_file.read_text(encoding="utf-8")).get("auth", {}).get("cookie_secret")
    except (OSError, tomllib.TOMLDecodeError):
        kept = None
    return kept if isinstance(kept, str) and len(kept) >= 32 else secrets.token_urlsafe(32)


def grant_roles(accounts: Sequence[DemoAccount]) -> str:
    """Grant each account its role in the store of `$REGIONMAP_STORE` (what `regionmap roles grant` does)."""
    from regionmap.data.store import store_at

    edits = store_at().edits()
    for account in accounts:
        grant = account.grant
        edits.set_grant(None, grant.email, grant.role, grant.organisation, kreise=grant.kreise,
                        municipalities=grant.municipalities, layers=grant.layers)
    return f"Granted the roles of {len(accounts)} demo accounts."


def describe(account: DemoAccount) -> str:
    """One line on a demo account: e-mail, name, role, organisation, Kreise and layers."""
    grant = account.grant
    area = " · ".join(part for part in (grant.organisation, " ".join(grant.kreise), " ".join(grant.layers)) if part)
    return f"  {grant.email:<32} {account.name:<18} {grant.role:<9} {area}"


def main(argv: Sequence[str] | None = None) -> int:
    from regionmap.testing import auth_secrets, oidc_provider, streamlit_server

    parser = argparse.ArgumentParser(prog="editors-demo", description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8501, help="the app's port on 127.0.0.1 (default 8501)")
    parser.add_argument("--accounts", type=Path, help="the demo accounts (default data/editors_demo.toml)")
    args = parser.parse_args(argv)
    accounts = load_accounts(args.accounts)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # `kill` stops both servers too, as Ctrl+C does
    secrets_file = STATE_DIR / "secrets.toml"
    admin = os.environ.get(ADMIN_ENV) or next((a.email for a in accounts if a.grant.role == ADMIN), "")
    with oidc_provider([account.claims() for account in accounts]) as provider:
        auth_secrets(secrets_file, provider.url, cookie_secret=cookie_secret(secrets_file),
                     client_id="regionmap-demo", client_secret="regionmap-demo-secret")
        note = grant_roles(accounts)
        env = {ADMIN_ENV: admin} if admin else {}
        with streamlit_server(PROJECT_ROOT / "serve.py", env, cwd=PROJECT_ROOT, secrets=secrets_file,
                              port=args.port) as app:
            print(f"OIDC provider (oidc-provider-mock): {provider.url}")
            print(f"Secrets:                            {secrets_file}")
            print(f"App:                                {app.url}/")
            print(f"Maintenance (sign-in):              {app.url}/maintenance")
            print(f"{note} First admin (${ADMIN_ENV}): {admin or '-'}")
            print("Demo accounts (one click on the provider's page signs in):")
            print("\n".join(describe(account) for account in accounts))
            print("Ctrl+C stops the app and the provider.", flush=True)
            try:
                app.process.wait()
            except KeyboardInterrupt:
                pass
            if app.process.returncode not in (None, 0, -2, -15):
                print(app.output(), file=sys.stderr)
                return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (RegionmapError, RuntimeError) as exc:  # a wrong demo account, a server that did not start
        sys.exit(f"editors-demo: {exc}")
