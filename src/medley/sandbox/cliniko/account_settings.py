"""Account-wide settings (``GET /settings/public``) and the online-booking limits availability obeys.

Rows of ``cliniko_settings`` override the defaults below, either a whole section
(``key="online_bookings"``, ``value={...}``, merged key by key) or one value
(``key="online_bookings.min_hours_advance_required_to_book"``, ``value=2``).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from medley.sandbox.cliniko.tables import AccountSetting

DEFAULTS: Final[dict[str, dict[str, Any]]] = {
    "online_bookings": {
        "enabled": True,
        "max_appointments_per_day_segment": None,
        "min_hours_advance_required_to_book": 0,
        "allow_bookings_days_in_advance": 182,
        "booking_reservation_minutes": 10,
        "daily_bookings_limit": None,
        "min_hours_notice_for_patient_cancellation": 24,
        "practitioner_order": "alphabetical",
        "require_patient_address": False,
    },
    "calendar": {"timeslot_size_in_minutes": 15, "multiple_appointments_gap": 0},
    "account": {"time_zone_support": True, "country_code": "AU"},
}


async def load_settings(session: AsyncSession) -> dict[str, dict[str, Any]]:
    settings = copy.deepcopy(DEFAULTS)
    rows = (await session.execute(select(AccountSetting.key, AccountSetting.value))).all()
    for key, value in rows:
        section, _, name = key.partition(".")
        if name:
            settings.setdefault(section, {})[name] = value
        elif isinstance(value, dict):
            settings.setdefault(section, {}).update(value)
    return settings


@dataclass(frozen=True, slots=True)
class BookingLimits:
    enabled: bool
    min_notice: timedelta
    horizon: timedelta


def booking_limits(settings: dict[str, dict[str, Any]]) -> BookingLimits:
    online = settings["online_bookings"]
    return BookingLimits(
        enabled=bool(online.get("enabled", True)),
        min_notice=timedelta(hours=_number(online.get("min_hours_advance_required_to_book"), 0)),
        horizon=timedelta(days=_number(online.get("allow_bookings_days_in_advance"), 182)),
    )


def _number(value: Any, default: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return default
    return float(value)
