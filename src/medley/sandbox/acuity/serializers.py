"""Rows as Acuity's JSON: ids as integers, money as two-decimal strings, datetimes with a colon-less
offset in the calendar's zone (``datetimeCreated`` in the business zone), ``duration`` a string on
appointments but an integer on types."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from medley.sandbox.acuity.tables import Account, Appointment, AppointmentType, Block, Calendar, Client, ScheduledClass
from medley.sandbox.acuity.wire import human_date, human_time, iso, money

_SCHEDULING_PAGE = "https://app.acuityscheduling.com/schedule.php"
_LABELS = {1: ("Checked In", "green"), 2: ("Completed", "blue"), 3: ("Paid", "pink")}


def me(account: Account) -> dict[str, Any]:
    return {
        "id": account.id,
        "email": account.email,
        "name": account.name,
        "description": account.description,
        "timezone": account.timezone,
        "currency": account.currency,
        "plan": account.plan,
        "firstDayOfWeek": account.first_day_of_week,
        "timeFormat": account.time_format,
        "location": account.location,
        "schedulingPage": f"{_SCHEDULING_PAGE}?owner={account.id}",
        "embedCode": "",
    }


def calendar(row: Calendar) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "email": row.email,
        "replyTo": row.reply_to,
        "description": row.description,
        "location": row.location,
        "timezone": row.timezone,
        "image": row.image if row.image else False,
        "thumbnail": row.image if row.image else False,
    }


def appointment_type(row: AppointmentType, calendar_ids: list[int], owner_id: int) -> dict[str, Any]:
    return {
        "id": row.id,
        "active": row.active,
        "name": row.name,
        "description": row.description,
        "duration": row.duration,
        "price": money(row.price),
        "category": row.category,
        "color": row.color,
        "private": row.private,
        "type": row.kind,
        "classSize": row.class_size,
        "paddingAfter": row.padding_after,
        "paddingBefore": row.padding_before,
        "calendarIDs": calendar_ids,
        "addonIDs": [],
        "formIDs": [],
        "image": row.image,
        "schedulingUrl": f"{_SCHEDULING_PAGE}?owner={owner_id}&appointmentType={row.id}",
    }


def appointment(
    row: Appointment,
    *,
    kind: AppointmentType,
    calendar_row: Calendar,
    account: Account,
    now: datetime,
    include_forms: bool = True,
) -> dict[str, Any]:
    zone = ZoneInfo(calendar_row.timezone)
    business_zone = ZoneInfo(account.timezone)
    label = _LABELS.get(row.label_id) if row.label_id is not None else None
    body: dict[str, Any] = {
        "id": row.id,
        "firstName": row.first_name,
        "lastName": row.last_name,
        "phone": row.phone,
        "email": row.email,
        "date": human_date(row.starts_at, zone),
        "time": human_time(row.starts_at, zone),
        "endTime": human_time(row.ends_at, zone),
        "dateCreated": human_date(row.created_at, business_zone),
        "datetimeCreated": iso(row.created_at, business_zone),
        "datetime": iso(row.starts_at, zone),
        "price": money(row.price),
        "priceSold": money(row.price),
        "paid": "yes" if row.paid else "no",
        "amountPaid": money(row.amount_paid),
        "type": kind.name,
        "appointmentTypeID": kind.id,
        "classID": row.class_id,
        "addonIDs": [],
        "category": kind.category,
        "duration": str(int((row.ends_at - row.starts_at) / timedelta(minutes=1))),
        "calendar": calendar_row.name,
        "calendarID": calendar_row.id,
        "calendarTimezone": calendar_row.timezone,
        "certificate": None,
        "confirmationPage": f"{_SCHEDULING_PAGE}?owner={account.id}&id[]={_token(row.id)}&action=appt",
        "location": calendar_row.location,
        "notes": row.notes,
        "timezone": row.timezone,
        "canClientCancel": _client_may_change(row, now, account.clients_may_cancel, account.min_hours_to_cancel),
        "canClientReschedule": _client_may_change(
            row, now, account.clients_may_reschedule, account.min_hours_to_reschedule
        ),
        "labels": [{"id": row.label_id, "name": label[0], "color": label[1]}] if label else None,
        "scheduledBy": row.scheduled_by,
        "isVerified": False,
        "canceled": row.canceled,
    }
    if row.canceled:
        body["noShow"] = row.no_show
    if include_forms:
        body["formsText"] = ""
        body["forms"] = []
    return body


def _client_may_change(row: Appointment, now: datetime, allowed: bool, min_hours: int) -> bool:
    return allowed and not row.canceled and row.starts_at - now >= timedelta(hours=min_hours)


def _token(appointment_id: int) -> str:
    """A stable stand-in for Acuity's confirmation-page hash (not a secret)."""
    return hashlib.sha256(f"acuity-emulator:{appointment_id}".encode()).hexdigest()[:32]


def client(row: Client) -> dict[str, Any]:
    return {
        "firstName": row.first_name,
        "lastName": row.last_name,
        "email": row.email,
        "phone": row.phone,
        "notes": row.notes,
    }


def block(row: Block, calendar_row: Calendar) -> dict[str, Any]:
    zone = ZoneInfo(calendar_row.timezone)
    return {
        "id": row.id,
        "calendarID": row.calendar_id,
        "calendar": calendar_row.name,
        "start": iso(row.starts_at, zone),
        "end": iso(row.ends_at, zone),
        "notes": row.notes,
        "description": f"{human_date(row.starts_at, zone)} {human_time(row.starts_at, zone)} – "
        f"{human_date(row.ends_at, zone)} {human_time(row.ends_at, zone)}",
        "recurring": None,
        "until": None,
    }


def scheduled_class(
    row: ScheduledClass, kind: AppointmentType, calendar_row: Calendar, taken: int, zone: ZoneInfo
) -> dict[str, Any]:
    size = kind.class_size or 0
    return {
        "id": row.id,
        "appointmentTypeID": kind.id,
        "calendarID": calendar_row.id,
        "serviceGroupID": kind.id,
        "name": kind.name,
        "description": kind.description,
        "time": iso(row.starts_at, zone),
        "localeTime": human_time(row.starts_at, zone),
        "calendar": calendar_row.name,
        "calendarTimezone": calendar_row.timezone,
        "duration": kind.duration,
        "isSeries": kind.kind == "series",
        "slots": size,
        "slotsAvailable": max(size - taken, 0),
        "color": kind.color,
        "price": money(kind.price),
        "category": kind.category,
    }
