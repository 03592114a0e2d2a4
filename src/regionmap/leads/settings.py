"""data/leads.toml: retention, field limits, throttle, the region's office and the consent text's version."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from regionmap.config import data_dir, load_toml
from regionmap.errors import ConfigError

FIELDS = ("name", "company", "email", "message")
EMAIL_MAX = 254  # RFC 5321


@dataclass(frozen=True)
class LeadSettings:
    """How long leads are kept, how long their fields may be, how many one session may send, and who sees all."""

    retention_months: int = 12
    region_office: str = "Geschäftsstelle Metropolregion"
    consent_version: str = "1"
    limits: tuple[tuple[str, int], ...] = (("name", 200), ("company", 200), ("email", EMAIL_MAX), ("message", 4000))
    throttle_enquiries: int = 3
    throttle_minutes: int = 10

    def limit(self, field: str) -> int:
        return dict(self.limits)[field]


def _whole(path: Path, name: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(f"{path}: '{name}' must be a whole number from {low} to {high}, got {value!r}")
    return value


def _text(path: Path, name: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise ConfigError(f"{path}: '{name}' must be a text of 1 to 200 characters, got {value!r}")
    return " ".join(value.split())


def load_lead_settings(path: Path | None = None) -> LeadSettings:
    """The checked settings of `path` (default data/leads.toml); ConfigError names the file and the key."""
    path = path or data_dir() / "leads.toml"
    raw = load_toml(path)
    unknown = sorted(set(raw) - {"retention_months", "region_office", "consent_version", "limits", "throttle"})
    defaults = LeadSettings()
    limits = raw.get("limits", {})
    throttle = raw.get("throttle", {})
    if not isinstance(limits, dict) or not isinstance(throttle, dict):
        raise ConfigError(f"{path}: 'limits' and 'throttle' must be tables")
    unknown += [f"limits.{k}" for k in sorted(set(limits) - set(FIELDS))]
    unknown += [f"throttle.{k}" for k in sorted(set(throttle) - {"enquiries", "minutes"})]
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) {', '.join(unknown)}")
    checked_limits = tuple(
        (field, _whole(path, f"limits.{field}", limits.get(field, defaults.limit(field)), 1,
                       EMAIL_MAX if field == "email" else 100_000)) for field in FIELDS)
    return LeadSettings(
        retention_months=_whole(path, "retention_months", raw.get("retention_months", defaults.retention_months),
                                1, 120),
        region_office=_text(path, "region_office", raw.get("region_office", defaults.region_office)),
        consent_version=_text(path, "consent_version", raw.get("consent_version", defaults.consent_version)),
        limits=checked_limits,
        throttle_enquiries=_whole(path, "throttle.enquiries", throttle.get("enquiries", defaults.throttle_enquiries),
                                  1, 1000),
        throttle_minutes=_whole(path, "throttle.minutes", throttle.get("minutes", defaults.throttle_minutes),
                                1, 24 * 60))


@lru_cache(maxsize=1)
def lead_settings() -> LeadSettings:
    """The configured settings (cached)."""
    return load_lead_settings()
