"""Session parameter checks (proxy/settings.py): DateStyle's input orders."""

from __future__ import annotations

import pytest

from catalog.errors import FeatureNotSupported
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
