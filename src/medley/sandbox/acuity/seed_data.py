"""The Acuity sandbox practice's literal data: a wellness clinic in Chicago, its calendars, services, a
class, hours, blocks and clients.

Everything here is fictional. Ids look like Acuity's and fall in one range per kind: the account (the
API user id) 21904378, calendars 5827301…, appointment types 41837201…, scheduled classes 88410001…,
blocks 3104001…, appointments 1093845001…. Dates that move with the calendar are a week relative to
the current week (0 = the week holding ``today``, Monday first) and a weekday (0 = Monday). E-mails use
reserved example domains; phone numbers use the 555-0100…555-0199 range set aside for fiction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY = range(7)
Ranges = tuple[tuple[str, str], ...]

ACCOUNT_ID: Final = 21904378
BUSINESS_TIME_ZONE: Final = "America/Chicago"


@dataclass(frozen=True, slots=True)
class AccountSeed:
    id: int
    name: str
    email: str
    timezone: str
    currency: str
    plan: str
    location: str
    description: str
    min_hours_in_advance: int
    max_days_in_advance: int
    appointments_per_slot: int
    min_hours_to_cancel: int
    min_hours_to_reschedule: int


ACCOUNT: Final = AccountSeed(
    id=ACCOUNT_ID,
    name="Lakeview Wellness Collective",
    email="frontdesk@lakeview-wellness.example.com",
    timezone=BUSINESS_TIME_ZONE,
    currency="USD",
    plan="Powerhouse",
    location="2848 N Broadway, Suite 300, Chicago, IL 60657",
    description="Naturopathic medicine, massage therapy, nutrition and movement classes in Lakeview, Chicago.",
    min_hours_in_advance=2,
    max_days_in_advance=60,
    appointments_per_slot=1,
    min_hours_to_cancel=24,
    min_hours_to_reschedule=24,
)


@dataclass(frozen=True, slots=True)
class CalendarSeed:
    id: int
    name: str
    email: str
    description: str
    location: str
    timezone: str
    weekly: dict[int, Ranges]


_OKAFOR_DAY: Ranges = (("09:00", "12:00"), ("13:00", "17:00"))
_RAMAN_DAY: Ranges = (("08:00", "12:00"), ("13:00", "16:00"))

OKAFOR: Final = 5827301
WHITFIELD: Final = 5827302
RAMAN: Final = 5827303
STUDIO: Final = 5827304

CALENDARS: Final[tuple[CalendarSeed, ...]] = (
    CalendarSeed(
        id=OKAFOR,
        name="Dr. Maya Okafor, ND",
        email="maya.okafor@lakeview-wellness.example.com",
        description="Naturopathic doctor: digestive health, fatigue and women's health.",
        location="Lakeview Wellness Collective – Room 2, 2848 N Broadway, Chicago, IL 60657",
        timezone="America/Chicago",
        weekly={
            MONDAY: _OKAFOR_DAY,
            WEDNESDAY: _OKAFOR_DAY,
            THURSDAY: _OKAFOR_DAY,
            FRIDAY: (("09:00", "13:00"),),
        },
    ),
    CalendarSeed(
        id=WHITFIELD,
        name="Jordan Whitfield, LMT",
        email="jordan.whitfield@lakeview-wellness.example.com, massage@lakeview-wellness.example.com",
        description="Licensed massage therapist: therapeutic, deep tissue and sports massage.",
        location="Lakeview Wellness Collective – Room 4, 2848 N Broadway, Chicago, IL 60657",
        timezone="America/Chicago",
        weekly={
            TUESDAY: (("10:00", "18:00"),),
            WEDNESDAY: (("10:00", "18:00"),),
            THURSDAY: (("12:00", "20:00"),),
            FRIDAY: (("10:00", "18:00"),),
            SATURDAY: (("09:00", "14:00"),),
        },
    ),
    CalendarSeed(
        id=RAMAN,
        name="Priya Raman, RD",
        email="priya.raman@lakeview-wellness.example.com",
        description="Registered dietitian, consulting by video from Denver.",
        location="Video call (link sent with the confirmation)",
        timezone="America/Denver",
        weekly={MONDAY: _RAMAN_DAY, TUESDAY: _RAMAN_DAY, THURSDAY: _RAMAN_DAY},
    ),
    CalendarSeed(
        id=STUDIO,
        name="Movement Studio",
        email="studio@lakeview-wellness.example.com",
        description="Group classes in the third-floor studio; bring a mat or borrow one.",
        location="Lakeview Wellness Collective – Studio, 2848 N Broadway, Chicago, IL 60657",
        timezone="America/Chicago",
        weekly={},  # classes only: they exist at their scheduled times, not in open hours
    ),
)


@dataclass(frozen=True, slots=True)
class TypeSeed:
    id: int
    name: str
    duration: int
    price: str
    category: str
    calendar_ids: tuple[int, ...]
    description: str = ""
    color: str = "#6FCF97"
    padding_before: int = 0
    padding_after: int = 0
    kind: str = "service"
    class_size: int | None = None
    private: bool = False
    active: bool = True
    weight: int = 0
    """How often the generated history books it (0: never)."""


INITIAL_CONSULTATION: Final = 41837201
FOLLOW_UP: Final = 41837202
MASSAGE_60: Final = 41837203
MASSAGE_90: Final = 41837204
NUTRITION_CONSULTATION: Final = 41837205
NUTRITION_CHECK_IN: Final = 41837206
YOGA_CLASS: Final = 41837207
CASE_REVIEW: Final = 41837208
RETIRED_CUPPING: Final = 41837209

APPOINTMENT_TYPES: Final[tuple[TypeSeed, ...]] = (
    TypeSeed(
        INITIAL_CONSULTATION,
        "Initial Naturopathic Consultation",
        60,
        "185.00",
        "Naturopathic Medicine",
        (OKAFOR,),
        description="A full first visit: history, goals and a written plan.",
        color="#2D9CDB",
        padding_after=15,
        weight=2,
    ),
    TypeSeed(
        FOLLOW_UP,
        "Naturopathic Follow-up",
        30,
        "95.00",
        "Naturopathic Medicine",
        (OKAFOR,),
        description="Review of progress and plan adjustments.",
        color="#56CCF2",
        weight=5,
    ),
    TypeSeed(
        MASSAGE_60,
        "Therapeutic Massage (60 min)",
        60,
        "110.00",
        "Massage Therapy",
        (WHITFIELD,),
        description="Swedish and trigger-point work tailored to you.",
        color="#F2994A",
        padding_after=15,
        weight=5,
    ),
    TypeSeed(
        MASSAGE_90,
        "Deep Tissue Massage (90 min)",
        90,
        "160.00",
        "Massage Therapy",
        (WHITFIELD,),
        description="Longer, deeper session for chronic tension.",
        color="#EB5757",
        padding_before=10,
        padding_after=15,
        weight=2,
    ),
    TypeSeed(
        NUTRITION_CONSULTATION,
        "Nutrition Consultation (video)",
        45,
        "120.00",
        "Nutrition",
        (RAMAN,),
        description="First video consultation with a registered dietitian.",
        color="#27AE60",
        weight=2,
    ),
    TypeSeed(
        NUTRITION_CHECK_IN,
        "Nutrition Check-in (video)",
        30,
        "65.00",
        "Nutrition",
        (RAMAN,),
        description="Short follow-up by video.",
        color="#6FCF97",
        weight=4,
    ),
    TypeSeed(
        YOGA_CLASS,
        "Gentle Flow Yoga",
        60,
        "22.00",
        "Classes",
        (STUDIO,),
        description="All-levels class; eight mats.",
        color="#BB6BD9",
        kind="class",
        class_size=8,
    ),
    TypeSeed(
        CASE_REVIEW,
        "Practitioner Case Review",
        30,
        "0.00",
        "Internal",
        (OKAFOR, WHITFIELD, RAMAN),
        description="Internal: booked by staff only.",
        color="#828282",
        private=True,
    ),
    TypeSeed(
        RETIRED_CUPPING,
        "Cupping Session (retired)",
        30,
        "55.00",
        "Massage Therapy",
        (WHITFIELD,),
        description="No longer offered.",
        color="#BDBDBD",
        active=False,
    ),
)


@dataclass(frozen=True, slots=True)
class ClassTimeSeed:
    """A weekly class time: one session per week of the seeded calendar."""

    appointment_type_id: int
    calendar_id: int
    weekday: int
    start: str


CLASS_TIMES: Final[tuple[ClassTimeSeed, ...]] = (
    ClassTimeSeed(YOGA_CLASS, STUDIO, TUESDAY, "18:00"),
    ClassTimeSeed(YOGA_CLASS, STUDIO, THURSDAY, "18:00"),
    ClassTimeSeed(YOGA_CLASS, STUDIO, SATURDAY, "09:30"),
)
FIRST_CLASS_ID: Final = 88410001


@dataclass(frozen=True, slots=True)
class DateHoursSeed:
    """A per-date edit of a calendar's hours (no ranges: closed that day)."""

    calendar_id: int
    week: int
    weekday: int
    ranges: Ranges


DATE_HOURS: Final[tuple[DateHoursSeed, ...]] = (
    DateHoursSeed(WHITFIELD, 1, WEDNESDAY, ()),  # a day off
    DateHoursSeed(OKAFOR, 2, FRIDAY, (("09:00", "16:00"),)),  # a longer Friday
)


@dataclass(frozen=True, slots=True)
class BlockSeed:
    id: int
    calendar_id: int
    week: int
    weekday: int
    start: str
    end: str
    notes: str


BLOCKS: Final[tuple[BlockSeed, ...]] = (
    BlockSeed(3104001, OKAFOR, 1, THURSDAY, "13:00", "17:00", "Continuing education webinar"),
    BlockSeed(3104002, RAMAN, 2, MONDAY, "08:00", "10:00", "Team meeting"),
    BlockSeed(3104003, WHITFIELD, -1, FRIDAY, "14:00", "18:00", "Dentist"),
)


@dataclass(frozen=True, slots=True)
class ClientSeed:
    first_name: str
    last_name: str
    email: str
    phone: str
    timezone: str = BUSINESS_TIME_ZONE
    notes: str = ""


DOCUMENTED_CLIENTS: Final[tuple[ClientSeed, ...]] = (
    ClientSeed("Elena", "Marquez", "elena.marquez@example.com", "(312) 555-0101", notes="Prefers afternoon visits."),
    ClientSeed("Marcus", "Bell", "marcus.bell@example.org", "(773) 555-0102"),
    ClientSeed("Hannah", "Kowalski", "hannah.kowalski@example.com", "(312) 555-0103"),
    ClientSeed("Darnell", "Price", "darnell.price@example.net", "(773) 555-0104", timezone="America/Denver"),
    ClientSeed("Sofia", "Nguyen", "sofia.nguyen@example.com", "(872) 555-0105", timezone="America/Phoenix"),
)
"""Clients the docs name (docs/sandbox-test-data.md); the rest are generated from the pools below."""

FIRST_NAMES: Final = (
    "Aaliyah",
    "Benjamin",
    "Camila",
    "Daniel",
    "Emily",
    "Fatima",
    "Gabriel",
    "Grace",
    "Isaac",
    "Jasmine",
    "Kevin",
    "Lauren",
    "Mateo",
    "Maya",
    "Nathan",
    "Olivia",
    "Patrick",
    "Rachel",
    "Samuel",
    "Tanya",
    "Victor",
    "Whitney",
    "Xavier",
    "Yesenia",
    "Zachary",
    "Monique",
    "Tyrone",
    "Priscilla",
    "Owen",
    "Leah",
)
LAST_NAMES: Final = (
    "Anderson",
    "Brooks",
    "Castillo",
    "Dubois",
    "Erikson",
    "Flores",
    "Greene",
    "Hernandez",
    "Ivanova",
    "Jackson",
    "Kim",
    "Lopez",
    "Murphy",
    "Novak",
    "Okonkwo",
    "Patel",
    "Quinn",
    "Rossi",
    "Schultz",
    "Thompson",
    "Underwood",
    "Vasquez",
    "Washington",
    "Yamamoto",
    "Zielinski",
)
AREA_CODES: Final = ("312", "773", "872", "708")
GENERATED_CLIENTS: Final = 55

PAST_WEEKS: Final = 4
FUTURE_WEEKS: Final = 4
FIRST_APPOINTMENT_ID: Final = 1093845001
APPOINTMENT_NOTES: Final = (
    "Running 5 minutes late.",
    "Lower back focus, please.",
    "Bringing recent lab results.",
    "Prefers light pressure.",
    "First visit since the spring.",
)
CANCEL_NOTES: Final = ("Feeling unwell.", "Work conflict.", "Travelling that week.", "")
