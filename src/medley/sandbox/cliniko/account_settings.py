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

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from medley.sandbox.cliniko.tables import AccountSetting

DEFAULTS: Final[dict[str, dict[str, Any]]] = {
    "online_bookings": {
        "enabled": True,
        # 0: no cap (Cliniko's settings page says "unlimited"; the document types it as an integer).
        "max_appointments_per_day_segment": 0,
        "min_hours_advance_required_to_book": 0,
        "allow_bookings_days_in_advance": 182,
        "allow_online_bookings_time_zone_choice": False,
        "booking_reservation_minutes": 10,
        "calendar_info": None,
        "daily_bookings_limit": 0,
        "disabled_text": None,
        "disabled_title": None,
        "logo_url": None,
        "min_hours_notice_for_patient_cancellation": 24,
        "notice_enabled": False,
        "notice_text": None,
        "notice_title": None,
        "notify_practitioner_by_email": True,
        "notify_practitioner_by_sms": False,
        "policy": None,
        "practitioner_order": None,
        "privacy_policy_url": None,
        "require_patient_address": False,
        "show_appointment_duration": True,
        "show_prices": False,
    },
    "calendar": {
        "end_hour": 20,
        "multiple_appointments_gap": False,
        "show_current_time_indicator": True,
        "start_hour": 7,
        "timeslot_height_in_pixels": 20,
        "timeslot_size_in_minutes": 15,
    },
    "account": {
        "country": "Australia",
        "country_code": "AU",
        "currency_symbol": "$",
        "has_time_travelers": False,
        "id": "421117285063524409",
        "name": "Medley Sandbox Health",
        "subdomain": "medley-sandbox",
        "time_zone_support": True,
    },
    "documents_and_printing": {"logo_height": 100, "logo_url": None},
    "integrations": {"mail_chimp": {"enabled": False}, "xero": {"enabled": False}},
    "online_payments": {"activated": False},
    "patient_custom_fields_definition": {"sections": []},
    "patient_privacy": {
        "browser_title_name_format": "full_name",
        "ical_patient_name_option": "initials",
        "prevent_sending_financial_data_by_email": False,
        "requires_hipaa_compliance": False,
    },
    "reminders": {"default_reminder_type": "SMS & Email"},
    "sms": {
        "alphanumeric_source_number_required": False,
        "default_alphanumeric_source_number": "MedleyHlth",
        "max_message_length": 612,
        "number_of_usable_characters_per_message": 153,
        "replies_supported": True,
    },
    "terminology": {"patient": "patient", "titles": ["Mr", "Mrs", "Ms", "Miss", "Dr", "Mx"]},
    "wait_list": {"default_wait_list_expiry_period": 14},
}
PUBLIC_SECTIONS: Final = tuple(DEFAULTS)
"""What ``GET /settings/public`` shows: every section of Cliniko's ``PublicSettings``."""


async def load_settings(session: AsyncSession) -> dict[str, dict[str, Any]]:
    settings = copy.deepcopy(DEFAULTS)
    rows = (await session.execute(select(AccountSetting.key, AccountSetting.value))).all()
    # Whole sections first, single values over them, whatever order the database returns the rows in.
    for key, value in sorted(rows, key=lambda row: "." in row[0]):
        section, _, name = key.partition(".")
        if name:
            settings.setdefault(section, {})[name] = value
        elif isinstance(value, dict):
            settings.setdefault(section, {}).update(value)
    return settings


async def update_section(session: AsyncSession, section: str, values: dict[str, Any]) -> None:
    """Merge ``values`` into ``section``'s row (single-value rows for those keys are dropped, so the new
    values win). The caller validates and commits."""
    row = await session.get(AccountSetting, section)
    merged = {**(row.value if row is not None and isinstance(row.value, dict) else {}), **values}
    await session.merge(AccountSetting(key=section, value=merged))
    stale = [f"{section}.{name}" for name in values]
    await session.execute(delete(AccountSetting).where(AccountSetting.key.in_(stale)))


@dataclass(frozen=True, slots=True)
class BookingLimits:
    enabled: bool
    min_notice: timedelta
    horizon: timedelta
    per_day_segment: int = 0
    """At most this many start times per morning, afternoon and evening (0: no cap)."""
    daily_bookings: int = 0
    """A practitioner's day with this many appointments shows no start times (0: no limit)."""


def booking_limits(settings: dict[str, dict[str, Any]]) -> BookingLimits:
    online = settings["online_bookings"]
    return BookingLimits(
        enabled=bool(online.get("enabled", True)),
        min_notice=timedelta(hours=_number(online.get("min_hours_advance_required_to_book"), 0)),
        horizon=timedelta(days=_number(online.get("allow_bookings_days_in_advance"), 182)),
        per_day_segment=int(_number(online.get("max_appointments_per_day_segment"), 0)),
        daily_bookings=int(_number(online.get("daily_bookings_limit"), 0)),
    )


def _number(value: Any, default: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return default
    return float(value)
