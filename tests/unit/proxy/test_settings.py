"""Session parameter checks (proxy/settings.py): DateStyle, Redshift's other parameters."""

from __future__ import annotations

import pytest

from catalog.errors import FeatureNotSupported, InvalidParameterValue
from proxy import settings


@pytest.mark.parametrize(("value", "previous", "stored"), [
    ("ISO, DMY", "ISO, MDY", "ISO, DMY"),
    ("dmy", "ISO, MDY", "ISO, DMY"),
    ("European", "ISO, MDY", "ISO, DMY"),
    ("ISO, US", "ISO, DMY", "ISO, MDY"),
    ("YMD, ISO", "ISO, MDY", "ISO, YMD"),
    ("ISO", "ISO, DMY", "ISO, DMY"),
])
def test_datestyle_orders(value: str, previous: str, stored: str) -> None:
    assert settings.validate("DateStyle", value, previous) == stored
    assert settings.date_order(stored) == stored[-3:]


@pytest.mark.parametrize("value", ["SQL, DMY", "German", "DMY, YMD", "ISO, XYZ", ""])
def test_datestyle_refusals(value: str) -> None:
    with pytest.raises(FeatureNotSupported):
        settings.validate("datestyle", value, "ISO, MDY")


@pytest.mark.parametrize(("name", "default", "other"), [
    ("navigate_super_null_on_error", "on", "off"),
    ("cast_super_null_on_error", "on", "false"),
    ("parse_super_null_on_error", "off", "true"),
    ("json_parse_truncate_strings", "off", "on"),
    ("error_on_nondeterministic_update", "off", "1"),
])
def test_redshift_defaults_only(name: str, default: str, other: str) -> None:
    # Duckshift does only Redshift's default of these; the other value is refused, not ignored.
    assert settings.lookup(name).default == default
    assert settings.validate(name, default.upper()) == default
    with pytest.raises(FeatureNotSupported, match=name):
        settings.validate(name, other)


def test_tuning_knobs_accepted() -> None:
    assert settings.validate("mv_enable_aqmv_for_session", "false") == "off"
    with pytest.raises(InvalidParameterValue):
        settings.validate("enable_vacuum_boost", "maybe")
