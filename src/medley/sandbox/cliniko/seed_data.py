"""The sandbox practice's literal data: businesses, people, appointment types, templates and name pools.

Everything here is fictional. Ids are fixed and fall in one range per kind, so an id in a log or a doc
says what it is: users 1…, businesses 1001…, practitioners 2001…, appointment types 3001…, treatment
note templates 4001…, patients 5001…, daily availabilities 7001…, availability blocks 8001…,
unavailable blocks 9001…, appointments 100001…, treatment notes 200001…, attachments 300001….

Dates that must move with the calendar are written as a week relative to the current week (0 = the week
holding ``today``, Monday first) and a Cliniko weekday; `seed.py` turns them into instants. Emails use
only the reserved example domains; phone numbers use ranges set aside for fiction where one exists
(UK mobiles 07700 900xxx, London landlines 020 7946 0xxx) and the 0491 57x xxx range for AU mobiles.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Final, Literal

# Cliniko's day_of_week: 0 = Sunday … 6 = Saturday.
SUNDAY, MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY = range(7)

ID_BASE: Final = 836_447_129_000_000_000


def cliniko_id(serial: int) -> int:
    """The id the emulator serves for the seed record numbered ``serial`` below.

    The seed numbers its records with small serials, one range per kind (businesses 1001…, practitioners
    2001…, appointments 100001…); on the wire, as in Cliniko, ids are 18-digit numbers. Adding one base
    keeps them deterministic, distinct across kinds, and still readable: business 1001 is
    ``836447129000001001``.
    """
    return ID_BASE + serial


API_KEY_USER_ID: Final = cliniko_id(1)
"""The sandbox API key's owner: the user with the lowest id, a practitioner, so it can write notes."""
API_KEY_PRACTITIONER_ID: Final = cliniko_id(2001)

ComplaintKind = Literal["musculoskeletal", "foot", "soft_tissue"]
QuestionType = Literal["text", "paragraph", "checkboxes", "radiobuttons", "date"]
Outcome = Literal["attended", "did_not_arrive", "cancelled", "booked"]
Period = tuple[str, str]


# ---------------------------------------------------------------------------------------------------------
# Businesses (Medley care units)


@dataclass(frozen=True, slots=True)
class BusinessSeed:
    id: int
    business_name: str
    display_name: str
    address_1: str
    address_2: str | None
    city: str
    state: str | None
    post_code: str
    country: str
    country_code: str
    phone: str
    email_reply_to: str
    website_address: str
    time_zone: str  # Rails label, as Cliniko writes it
    time_zone_identifier: str  # IANA
    archived: bool = False


BUSINESSES: Final[tuple[BusinessSeed, ...]] = (
    BusinessSeed(
        id=1001,
        business_name="Harbourside Physio & Wellness – Sydney CBD",
        display_name="Harbourside Sydney CBD",
        address_1="Level 4, 155 Clarence Street",
        address_2=None,
        city="Sydney",
        state="NSW",
        post_code="2000",
        country="Australia",
        country_code="AU",
        phone="(02) 5550 4100",
        email_reply_to="sydneycbd@example.net",
        website_address="https://www.example.net/harbourside/sydney-cbd",
        time_zone="Sydney",
        time_zone_identifier="Australia/Sydney",
    ),
    BusinessSeed(
        id=1002,
        business_name="Harbourside Physio – Bondi Junction",
        display_name="Harbourside Bondi Junction",
        address_1="Suite 3, Level 1",
        address_2="290 Oxford Street",
        city="Bondi Junction",
        state="NSW",
        post_code="2022",
        country="Australia",
        country_code="AU",
        phone="(02) 5550 4200",
        email_reply_to="bondi@example.net",
        website_address="https://www.example.net/harbourside/bondi-junction",
        time_zone="Sydney",
        time_zone_identifier="Australia/Sydney",
    ),
    BusinessSeed(
        id=1003,
        business_name="Thames Physio & Sports Clinic – London Bridge",
        display_name="Thames Physio London Bridge",
        address_1="Unit 2, Bankside Court",
        address_2="41 Tooley Street",
        city="London",
        state=None,
        post_code="SE1 2QN",
        country="United Kingdom",
        country_code="GB",
        phone="020 7946 0310",
        email_reply_to="londonbridge@example.net",
        website_address="https://www.example.net/thames-physio/london-bridge",
        time_zone="London",
        time_zone_identifier="Europe/London",
    ),
    BusinessSeed(
        id=1004,
        business_name="Harbourside Physio – Parramatta",
        display_name="Harbourside Parramatta (closed)",
        address_1="Level 2, 88 Church Street",
        address_2=None,
        city="Parramatta",
        state="NSW",
        post_code="2150",
        country="Australia",
        country_code="AU",
        phone="(02) 5550 4300",
        email_reply_to="parramatta@example.net",
        website_address="https://www.example.net/harbourside/parramatta",
        time_zone="Sydney",
        time_zone_identifier="Australia/Sydney",
        archived=True,
    ),
)

SANDBOX_BUSINESS_IDS: Final[tuple[int, ...]] = tuple(cliniko_id(b.id) for b in BUSINESSES if not b.archived)
"""The care units an integrator sees (the archived Parramatta business is hidden from lists)."""
ARCHIVED_BUSINESS_ID: Final = cliniko_id(1004)


# ---------------------------------------------------------------------------------------------------------
# Treatment note templates and the clinical phrases notes are written from


@dataclass(frozen=True, slots=True)
class QuestionSeed:
    """One template question, plus what `seed.py` may answer it with in a generated note.

    ``samples`` may use ``{summary}``, ``{history}``, ``{findings}``, ``{impression}``, ``{plan}`` (from
    the patient's complaint) and ``{pain}`` (a 0–10 score). A date answer is the appointment date plus a
    number of days in ``date_offset_days``; ``pick`` bounds how many checkboxes a note ticks.
    """

    name: str
    type: QuestionType
    options: tuple[str, ...] = ()
    other_enabled: bool = False
    samples: tuple[str, ...] = ()
    date_offset_days: tuple[int, int] = (0, 0)
    pick: tuple[int, int] = (1, 1)


@dataclass(frozen=True, slots=True)
class SectionSeed:
    name: str
    questions: tuple[QuestionSeed, ...]
    description: str | None = None


@dataclass(frozen=True, slots=True)
class TemplateSeed:
    id: int
    name: str
    sections: tuple[SectionSeed, ...]
    complaint_kind: ComplaintKind | None  # which of the patient's complaints its notes describe
    include_patient_dob: bool = True
    archived: bool = False


_PAIN_SCORE = QuestionSeed("Pain score (0–10)", "text", samples=("{pain}",))
_TREATMENT_PROVIDED = QuestionSeed(
    "Treatment provided",
    "checkboxes",
    options=(
        "Soft tissue massage",
        "Joint mobilisation",
        "Dry needling",
        "Exercise prescription",
        "Taping",
        "Education and advice",
    ),
    other_enabled=True,
    pick=(2, 4),
)

TREATMENT_NOTE_TEMPLATES: Final[tuple[TemplateSeed, ...]] = (
    TemplateSeed(
        id=4001,
        name="Initial Assessment",
        complaint_kind="musculoskeletal",
        sections=(
            SectionSeed(
                "Subjective",
                description="The patient's own account.",
                questions=(
                    QuestionSeed("Presenting complaint", "paragraph", samples=("{summary}",)),
                    QuestionSeed("History of presenting complaint", "paragraph", samples=("{history}",)),
                    QuestionSeed("Date of onset", "date", date_offset_days=(-75, -10)),
                    _PAIN_SCORE,
                    QuestionSeed(
                        "Aggravating factors",
                        "checkboxes",
                        options=(
                            "Sitting",
                            "Standing",
                            "Walking",
                            "Lifting",
                            "Overhead reaching",
                            "Running",
                            "Stairs",
                            "Lying on the affected side",
                        ),
                        other_enabled=True,
                        pick=(1, 3),
                    ),
                    QuestionSeed(
                        "Red flags screened",
                        "radiobuttons",
                        options=("Screened – none present", "Screened – see notes", "Not screened"),
                        samples=("Screened – none present",),
                    ),
                    QuestionSeed(
                        "Past medical history",
                        "paragraph",
                        samples=(
                            "Nil significant.",
                            "Asthma, well controlled. No previous injury to this area.",
                            "Previous episode 2 years ago, resolved with physiotherapy.",
                            "Hypertension (medicated). Otherwise well.",
                            "Appendicectomy as a child. No other history of note.",
                        ),
                    ),
                ),
            ),
            SectionSeed(
                "Objective",
                questions=(
                    QuestionSeed(
                        "Observation",
                        "paragraph",
                        samples=(
                            "No swelling or bruising. Guarded posture on arrival.",
                            "Mild swelling, no bruising. Moves freely between positions.",
                            "Normal posture, slight protective muscle spasm.",
                        ),
                    ),
                    QuestionSeed("Examination findings", "paragraph", samples=("{findings}",)),
                ),
            ),
            SectionSeed(
                "Assessment",
                questions=(QuestionSeed("Clinical impression", "paragraph", samples=("{impression}",)),),
            ),
            SectionSeed(
                "Plan",
                questions=(
                    _TREATMENT_PROVIDED,
                    QuestionSeed("Management plan", "paragraph", samples=("{plan}",)),
                    QuestionSeed(
                        "Informed consent obtained",
                        "radiobuttons",
                        options=("Yes", "No"),
                        samples=("Yes",),
                    ),
                    QuestionSeed("Review date", "date", date_offset_days=(7, 14)),
                ),
            ),
        ),
    ),
    TemplateSeed(
        id=4002,
        name="Follow-up Consultation (SOAP)",
        complaint_kind="musculoskeletal",
        sections=(
            SectionSeed(
                "Subjective",
                questions=(
                    QuestionSeed(
                        "Progress since last visit",
                        "radiobuttons",
                        options=(
                            "Much better",
                            "Slightly better",
                            "No change",
                            "Slightly worse",
                            "Much worse",
                        ),
                        samples=("Much better", "Slightly better", "Slightly better", "No change"),
                    ),
                    _PAIN_SCORE,
                    QuestionSeed(
                        "Patient report",
                        "paragraph",
                        samples=(
                            "Managing the home exercises well; pain now mainly first thing in the morning.",
                            "Flare-up after a long drive at the weekend, settled within a day.",
                            "Back at work full time. Occasional ache at the end of the day.",
                            "Has been sleeping better. Still avoiding heavier lifting.",
                            "Missed a few days of exercises while away; otherwise steady.",
                        ),
                    ),
                ),
            ),
            SectionSeed(
                "Objective",
                questions=(
                    QuestionSeed(
                        "Findings",
                        "paragraph",
                        samples=(
                            "Range of movement improved since last session. {findings}",
                            "Strength improving, good control through range. {findings}",
                            "{findings}",
                        ),
                    ),
                ),
            ),
            SectionSeed(
                "Assessment",
                questions=(
                    QuestionSeed(
                        "Assessment",
                        "paragraph",
                        samples=(
                            "{impression} Progressing as expected.",
                            "{impression} Slower progress than expected; load reduced this week.",
                            "{impression} Responding well to treatment.",
                        ),
                    ),
                ),
            ),
            SectionSeed(
                "Plan",
                questions=(
                    _TREATMENT_PROVIDED,
                    QuestionSeed(
                        "Home exercise programme updated",
                        "radiobuttons",
                        options=("Yes", "No"),
                        samples=("Yes", "Yes", "No"),
                    ),
                    QuestionSeed("Plan", "paragraph", samples=("{plan}", "Continue current programme. {plan}")),
                ),
            ),
        ),
    ),
    TemplateSeed(
        id=4003,
        name="Remedial Massage Treatment Record",
        complaint_kind="soft_tissue",
        include_patient_dob=False,
        sections=(
            SectionSeed(
                "Pre-treatment",
                questions=(
                    QuestionSeed("Reason for visit", "paragraph", samples=("{summary} {history}",)),
                    QuestionSeed(
                        "Areas treated",
                        "checkboxes",
                        options=(
                            "Neck",
                            "Upper back",
                            "Lower back",
                            "Shoulders",
                            "Hips and glutes",
                            "Legs",
                            "Feet",
                        ),
                        pick=(1, 3),
                    ),
                    QuestionSeed(
                        "Health changes since last visit",
                        "radiobuttons",
                        options=("None", "Yes – see notes"),
                        samples=("None", "None", "None", "Yes – see notes"),
                    ),
                    QuestionSeed(
                        "Pressure preference",
                        "radiobuttons",
                        options=("Light", "Medium", "Firm"),
                        samples=("Medium", "Firm"),
                    ),
                ),
            ),
            SectionSeed(
                "Treatment",
                questions=(
                    QuestionSeed(
                        "Techniques used",
                        "checkboxes",
                        options=(
                            "Swedish",
                            "Deep tissue",
                            "Trigger point",
                            "Myofascial release",
                            "Stretching",
                        ),
                        pick=(2, 3),
                    ),
                    QuestionSeed("Treatment notes", "paragraph", samples=("{findings}",)),
                ),
            ),
            SectionSeed(
                "Post-treatment",
                questions=(
                    QuestionSeed(
                        "Client response",
                        "paragraph",
                        samples=(
                            "Reported feeling looser and lighter. No adverse reaction.",
                            "Some tenderness during trigger point work, eased by the end of the session.",
                            "Tolerated firm pressure well. Range of movement improved after treatment.",
                        ),
                    ),
                    QuestionSeed("Home care advice", "text", samples=("{plan}",)),
                ),
            ),
        ),
    ),
    TemplateSeed(
        id=4004,
        name="Podiatry Assessment",
        complaint_kind="foot",
        sections=(
            SectionSeed(
                "History",
                questions=(
                    QuestionSeed("Presenting concern", "paragraph", samples=("{summary} {history}",)),
                    QuestionSeed(
                        "Usual footwear",
                        "text",
                        samples=("Running shoes", "Work boots", "Flat office shoes", "Sandals and trainers"),
                    ),
                    QuestionSeed(
                        "Diabetes",
                        "radiobuttons",
                        options=("No", "Type 1", "Type 2"),
                        samples=("No", "No", "No", "Type 2"),
                    ),
                ),
            ),
            SectionSeed(
                "Examination",
                questions=(
                    QuestionSeed(
                        "Vascular assessment",
                        "checkboxes",
                        options=(
                            "Dorsalis pedis palpable",
                            "Posterior tibial palpable",
                            "Capillary refill < 3 s",
                        ),
                        pick=(3, 3),
                    ),
                    QuestionSeed(
                        "Neurological assessment",
                        "checkboxes",
                        options=("Monofilament sensation intact", "Vibration sense intact"),
                        pick=(2, 2),
                    ),
                    QuestionSeed("Findings", "paragraph", samples=("{findings}",)),
                ),
            ),
            SectionSeed(
                "Management",
                questions=(
                    QuestionSeed("Treatment and advice", "paragraph", samples=("{impression} {plan}",)),
                    QuestionSeed("Review date", "date", date_offset_days=(14, 42)),
                ),
            ),
        ),
    ),
    TemplateSeed(
        id=4005,
        name="Hydrotherapy Group Session",
        complaint_kind=None,
        include_patient_dob=False,
        sections=(
            SectionSeed(
                "Session",
                questions=(
                    QuestionSeed("Attendance notes", "paragraph"),
                    QuestionSeed(
                        "Exercises completed",
                        "checkboxes",
                        options=(
                            "Aqua walking",
                            "Squats",
                            "Step-ups",
                            "Upper-limb float work",
                            "Balance drills",
                        ),
                    ),
                    QuestionSeed("Rate of perceived exertion (1–10)", "text"),
                ),
            ),
        ),
    ),
    TemplateSeed(
        id=4006,
        name="Initial Assessment (2019 version)",
        complaint_kind=None,
        archived=True,
        sections=(
            SectionSeed(
                "Assessment",
                questions=(
                    QuestionSeed("History", "paragraph"),
                    QuestionSeed("Findings", "paragraph"),
                    QuestionSeed("Plan", "paragraph"),
                ),
            ),
        ),
    ),
)


@dataclass(frozen=True, slots=True)
class ComplaintSeed:
    key: str
    kind: ComplaintKind
    summary: str
    history: str
    findings: str
    impression: str
    plan: str


COMPLAINTS: Final[tuple[ComplaintSeed, ...]] = (
    ComplaintSeed(
        "shoulder",
        "musculoskeletal",
        "Right shoulder pain with overhead reaching.",
        "Gradual onset over three weeks after repainting the house; worse reaching into high cupboards.",
        "Painful arc 70–120° abduction, full passive range, pain on resisted external rotation.",
        "Rotator cuff related shoulder pain (right).",
        "Isometric progressing to isotonic cuff loading, thoracic mobility, modify overhead tasks.",
    ),
    ComplaintSeed(
        "low_back",
        "musculoskeletal",
        "Low back pain after lifting at home.",
        "Felt a twinge lifting a box of books four days ago; stiff in the mornings, eases with walking.",
        "Lumbar flexion limited to mid-shin, extension comfortable, neurological screen normal.",
        "Acute non-specific low back pain without radicular signs.",
        "Reassurance, graded walking, lumbar mobility and hip hinge exercises.",
    ),
    ComplaintSeed(
        "ankle",
        "musculoskeletal",
        "Left ankle sprain playing netball.",
        "Rolled the ankle landing from a rebound two weeks ago; swelling has mostly settled.",
        "Tender over ATFL, anterior drawer mildly lax, single-leg balance reduced on the left.",
        "Grade II lateral ankle sprain (left).",
        "Balance and calf strength progression, return-to-sport plan, taping for training.",
    ),
    ComplaintSeed(
        "neck",
        "musculoskeletal",
        "Neck stiffness and headaches with desk work.",
        "Builds over the working week; worse on long video-call days, better at weekends.",
        "Reduced cervical rotation to the right, tender upper trapezius and suboccipitals.",
        "Mechanical neck pain with cervicogenic headache features.",
        "Deep neck flexor training, workstation set-up advice, regular movement breaks.",
    ),
    ComplaintSeed(
        "knee",
        "musculoskeletal",
        "Right knee pain when running.",
        "Started after increasing weekly distance for a half marathon; aches on stairs and squatting.",
        "Pain on single-leg squat with knee valgus, no effusion, ligaments intact.",
        "Patellofemoral pain (right).",
        "Reduce running load, quadriceps and hip strengthening, graded return to running.",
    ),
    ComplaintSeed(
        "hip",
        "musculoskeletal",
        "Pain on the outside of the left hip.",
        "Several months of ache lying on the left side at night and climbing stairs.",
        "Tender over the greater trochanter, pain on single-leg stance and resisted abduction.",
        "Gluteal tendinopathy (left).",
        "Avoid crossing legs and hip hanging, isometric then progressive gluteal loading.",
    ),
    ComplaintSeed(
        "elbow",
        "musculoskeletal",
        "Right lateral elbow pain when gripping.",
        "Aggravated by a weekend of gardening and daily mouse use; worse lifting the kettle.",
        "Pain on resisted wrist extension and gripping, tender at the common extensor origin.",
        "Lateral elbow tendinopathy (right).",
        "Isometric wrist extensor loading, grip modification, counterforce brace for heavy tasks.",
    ),
    ComplaintSeed(
        "acl",
        "musculoskeletal",
        "Rehabilitation after left ACL reconstruction.",
        "Hamstring graft reconstruction ten weeks ago after a soccer injury; walking without aids.",
        "Knee flexion 0–125°, mild quadriceps lag, no effusion, gait near normal.",
        "Post-operative ACL reconstruction, progressing through the strength phase.",
        "Progress closed-chain strength and balance; running drills from week twelve.",
    ),
    ComplaintSeed(
        "thoracic",
        "musculoskeletal",
        "Mid-back stiffness between the shoulder blades.",
        "Gradual stiffness since starting a new job with long hours at a laptop.",
        "Reduced thoracic extension and rotation, tender T5–T7 paraspinals.",
        "Mechanical thoracic spine pain.",
        "Thoracic mobility, postural endurance exercises, laptop stand and external keyboard.",
    ),
    ComplaintSeed(
        "achilles",
        "musculoskeletal",
        "Right Achilles pain in the mornings.",
        "Morning stiffness for six weeks since adding hill sessions to training.",
        "Tender mid-portion Achilles, pain on single-leg heel raises after eight repetitions.",
        "Mid-portion Achilles tendinopathy (right).",
        "Calf loading programme, temporary heel lift, modify hill running.",
    ),
    ComplaintSeed(
        "heel",
        "foot",
        "Plantar heel pain, worse with the first steps in the morning.",
        "Three months of heel pain since working longer shifts on hard floors.",
        "Tender at the medial calcaneal tubercle, tight calf complex, pronated foot posture.",
        "Plantar heel pain (plantar fasciopathy).",
        "Calf stretching, supportive footwear, low-dye taping; consider orthoses at review.",
    ),
    ComplaintSeed(
        "ingrown",
        "foot",
        "Painful ingrown toenail, left hallux.",
        "Recurrent problem for a year; currently red around the lateral nail edge.",
        "Lateral nail fold inflamed, no discharge, nail involuted.",
        "Onychocryptosis, left hallux, lateral border.",
        "Conservative nail care performed; discussed partial nail avulsion if it recurs.",
    ),
    ComplaintSeed(
        "forefoot",
        "foot",
        "Burning pain in the ball of the right foot.",
        "Worse in narrow work shoes, eases when shoes are removed.",
        "Tender third intermetatarsal space, positive Mulder's click.",
        "Suspected interdigital neuroma, third interspace (right).",
        "Wider footwear, metatarsal dome padding; imaging if no improvement in six weeks.",
    ),
    ComplaintSeed(
        "callus",
        "foot",
        "Painful callus under the left forefoot.",
        "Builds up every few weeks; uncomfortable on long walks.",
        "Plantar callus under the second metatarsal head, no ulceration.",
        "Pressure-related plantar callus.",
        "Debridement performed, cushioning insole, review in six weeks.",
    ),
    ComplaintSeed(
        "traps",
        "soft_tissue",
        "Tight neck and shoulders from desk work.",
        "Long days at a laptop; tension builds towards the end of the week.",
        "Hypertonic upper trapezius and levator scapulae bilaterally, active trigger points on the right.",
        "Work-related neck and shoulder muscle tension.",
        "Hourly movement breaks and the neck stretches shown.",
    ),
    ComplaintSeed(
        "hamstrings",
        "soft_tissue",
        "Tight hamstrings during marathon training.",
        "Building to 60 km a week; legs feel heavy after long runs.",
        "Tight hamstrings and calves bilaterally, worse on the left.",
        "Training-related lower-limb muscle tightness.",
        "Foam roller after long runs and dynamic warm-up before sessions.",
    ),
    ComplaintSeed(
        "lower_back_tension",
        "soft_tissue",
        "Lower back tension after a weekend of gardening.",
        "Stiff and achy across the lower back since Sunday, no pain down the legs.",
        "Tight quadratus lumborum and gluteals, lumbar paraspinals tender to firm pressure.",
        "Muscular lower back tension.",
        "Heat pack in the evenings and gentle knee-to-chest stretches.",
    ),
    ComplaintSeed(
        "calves",
        "soft_tissue",
        "Tight calves from standing at work.",
        "On her feet all day in hospitality; cramps some nights.",
        "Hypertonic gastrocnemius and soleus bilaterally.",
        "Occupational calf muscle tightness.",
        "Calf stretches twice daily and supportive work shoes.",
    ),
)


# ---------------------------------------------------------------------------------------------------------
# Appointment types (Medley healthcare services)


@dataclass(frozen=True, slots=True)
class AppointmentTypeSeed:
    id: int
    name: str
    category: str
    description: str
    color: str
    duration_in_minutes: int
    price: str
    treatment_note_template_id: int | None
    business_ids: tuple[int, ...]
    popularity: int  # relative weight among generated bookings; 0 = never generated
    max_attendees: int = 1
    show_in_online_bookings: bool = True
    telehealth_enabled: bool = False
    archived: bool = False


APPOINTMENT_TYPES: Final[tuple[AppointmentTypeSeed, ...]] = (
    AppointmentTypeSeed(
        id=3001,
        name="Initial Consultation",
        category="Consultations",
        description="A first visit: history, assessment, diagnosis, first treatment and a plan.",
        color="#2f80ed",
        duration_in_minutes=60,
        price="120.00",
        treatment_note_template_id=4001,
        business_ids=(1001, 1002, 1003, 1004),
        popularity=3,
    ),
    AppointmentTypeSeed(
        id=3002,
        name="Standard Consultation",
        category="Consultations",
        description="A follow-up visit for an existing condition: review, treatment and exercise progression.",
        color="#27ae60",
        duration_in_minutes=30,
        price="95.00",
        treatment_note_template_id=4002,
        business_ids=(1001, 1002, 1003, 1004),
        popularity=10,
    ),
    AppointmentTypeSeed(
        id=3003,
        name="Extended Consultation",
        category="Consultations",
        description="A longer follow-up for complex or multiple areas, or a return-to-sport assessment.",
        color="#9b51e0",
        duration_in_minutes=45,
        price="130.00",
        treatment_note_template_id=4002,
        business_ids=(1001, 1002, 1003),
        popularity=4,
    ),
    AppointmentTypeSeed(
        id=3004,
        name="Quick Review",
        category="Consultations",
        description="A short check-in: exercise review, taping or a progress check.",
        color="#f2994a",
        duration_in_minutes=15,
        price="55.00",
        treatment_note_template_id=4002,
        business_ids=(1001, 1002, 1003),
        popularity=2,
    ),
    AppointmentTypeSeed(
        id=3005,
        name="Remedial Massage – 60 min",
        category="Massage",
        description="Remedial massage for muscle tension, recovery and injury management.",
        color="#eb5757",
        duration_in_minutes=60,
        price="110.00",
        treatment_note_template_id=4003,
        business_ids=(1001, 1002, 1003),
        popularity=6,
    ),
    AppointmentTypeSeed(
        id=3006,
        name="Remedial Massage – 90 min",
        category="Massage",
        description="A longer remedial massage, for full-body treatment or several problem areas.",
        color="#b83280",
        duration_in_minutes=90,
        price="155.00",
        treatment_note_template_id=4003,
        business_ids=(1001, 1002, 1003),
        popularity=3,
    ),
    AppointmentTypeSeed(
        id=3007,
        name="Podiatry Consultation",
        category="Podiatry",
        description="Assessment and treatment of foot and lower-limb problems, nail and skin care.",
        color="#00a3a3",
        duration_in_minutes=30,
        price="90.00",
        treatment_note_template_id=4004,
        business_ids=(1001, 1002),
        popularity=8,
    ),
    AppointmentTypeSeed(
        id=3008,
        name="Hydrotherapy Group Class",
        category="Classes",
        description="A small-group exercise class in the warm-water pool, run by an exercise physiologist.",
        color="#56ccf2",
        duration_in_minutes=45,
        price="35.00",
        treatment_note_template_id=4005,
        business_ids=(1002,),
        popularity=0,
        max_attendees=6,
        show_in_online_bookings=False,
    ),
    AppointmentTypeSeed(
        id=3009,
        name="Telehealth Consultation",
        category="Consultations",
        description="A video follow-up from home: progress review and exercise programme update.",
        color="#6c63ff",
        duration_in_minutes=30,
        price="85.00",
        treatment_note_template_id=4002,
        business_ids=(1001, 1003),
        popularity=1,
        telehealth_enabled=True,
    ),
    AppointmentTypeSeed(
        id=3010,
        name="Workplace Ergonomic Assessment",
        category="Corporate",
        description="An on-site workstation assessment (no longer offered).",
        color="#828282",
        duration_in_minutes=90,
        price="240.00",
        treatment_note_template_id=None,
        business_ids=(1004,),
        popularity=0,
        archived=True,
    ),
)


# ---------------------------------------------------------------------------------------------------------
# Users and practitioners (Medley resources)


@dataclass(frozen=True, slots=True)
class Shift:
    """The same wall-clock hours at one business on each of ``days`` (Cliniko weekdays)."""

    business_id: int
    days: tuple[int, ...]
    periods: tuple[Period, ...]


@dataclass(frozen=True, slots=True)
class PractitionerSeed:
    id: int
    user_id: int
    title: str
    first_name: str
    last_name: str
    designation: str
    description: str
    email: str  # lives on the practitioner's user, as in Cliniko
    business_ids: tuple[int, ...]
    appointment_type_ids: tuple[int, ...]
    default_appointment_type_id: int
    shifts: tuple[Shift, ...]
    active: bool = True
    show_in_online_bookings: bool = True
    note_template_id: int | None = None  # the template they write notes with, if not the type's own


_FULL_DAY = (("08:00", "12:30"), ("13:30", "17:30"))
_PODIATRY_DAY = (("08:30", "12:30"), ("13:30", "17:00"))
_MUSCULOSKELETAL = (3001, 3002, 3003, 3004)

PRACTITIONERS: Final[tuple[PractitionerSeed, ...]] = (
    PractitionerSeed(
        id=2001,
        user_id=1,
        title="Ms",
        first_name="Emma",
        last_name="Collins",
        designation="Physiotherapist",
        description=(
            "Emma has twelve years' experience in musculoskeletal and sports physiotherapy, with a special "
            "interest in shoulder rehabilitation and return to sport after injury."
        ),
        email="emma.collins@example.net",
        business_ids=(1001, 1002),
        appointment_type_ids=(*_MUSCULOSKELETAL, 3009),
        default_appointment_type_id=3002,
        shifts=(
            Shift(1001, (MONDAY, TUESDAY, THURSDAY), _FULL_DAY),
            Shift(1002, (WEDNESDAY,), (("10:00", "13:00"), ("14:00", "19:00"))),
        ),
    ),
    PractitionerSeed(
        id=2002,
        user_id=2,
        title="Mr",
        first_name="James",
        last_name="Nguyen",
        designation="Sports Physiotherapist",
        description=(
            "James works with runners and team-sport athletes and is the physiotherapist for a local rugby "
            "club. He takes a strength-based approach to tendon and knee injuries."
        ),
        email="james.nguyen@example.net",
        business_ids=(1001, 1002),
        appointment_type_ids=_MUSCULOSKELETAL,
        default_appointment_type_id=3002,
        shifts=(
            Shift(1002, (MONDAY, TUESDAY, THURSDAY), (("07:00", "12:00"), ("13:00", "16:00"))),
            Shift(1001, (WEDNESDAY, FRIDAY), (("11:00", "14:00"), ("14:30", "19:30"))),
        ),
    ),
    PractitionerSeed(
        id=2003,
        user_id=3,
        title="Dr",
        first_name="Priya",
        last_name="Raman",
        designation="Osteopath",
        description=(
            "Priya is an osteopath with a gentle, hands-on approach. She treats neck and back pain, "
            "headaches and pregnancy-related pain."
        ),
        email="priya.raman@example.net",
        business_ids=(1001,),
        appointment_type_ids=_MUSCULOSKELETAL,
        default_appointment_type_id=3002,
        shifts=(Shift(1001, (TUESDAY, WEDNESDAY, FRIDAY), (("09:00", "13:00"), ("14:00", "18:00"))),),
    ),
    PractitionerSeed(
        id=2004,
        user_id=4,
        title="Mr",
        first_name="Liam",
        last_name="O'Connor",
        designation="Exercise Physiologist",
        description=(
            "Liam is an accredited exercise physiologist who designs strength programmes for chronic pain, "
            "diabetes and post-surgical rehabilitation. He runs the hydrotherapy classes at Bondi."
        ),
        email="liam.oconnor@example.net",
        business_ids=(1002,),
        appointment_type_ids=(3001, 3002, 3003, 3008),
        default_appointment_type_id=3002,
        shifts=(
            Shift(1002, (MONDAY, WEDNESDAY, FRIDAY), (("08:00", "12:00"), ("12:45", "16:30"))),
            Shift(1002, (TUESDAY, THURSDAY), (("14:00", "19:00"),)),
        ),
    ),
    PractitionerSeed(
        id=2005,
        user_id=5,
        title="Ms",
        first_name="Chloe",
        last_name="Tanaka",
        designation="Remedial Massage Therapist",
        description=(
            "Chloe is a remedial massage therapist with a background in dance. She combines deep tissue "
            "work, trigger point therapy and stretching."
        ),
        email="chloe.tanaka@example.net",
        business_ids=(1001, 1002),
        appointment_type_ids=(3005, 3006),
        default_appointment_type_id=3005,
        shifts=(
            Shift(1001, (MONDAY, WEDNESDAY), (("12:00", "15:30"), ("16:00", "20:00"))),
            Shift(1002, (THURSDAY, FRIDAY), (("09:00", "13:00"), ("13:30", "17:00"))),
        ),
    ),
    PractitionerSeed(
        id=2006,
        user_id=6,
        title="Mr",
        first_name="Daniel",
        last_name="Okafor",
        designation="Podiatrist",
        description=(
            "Daniel treats heel and arch pain, ingrown toenails and diabetic feet, and prescribes custom orthotics."
        ),
        email="daniel.okafor@example.net",
        business_ids=(1001, 1002),
        appointment_type_ids=(3001, 3004, 3007),
        default_appointment_type_id=3007,
        shifts=(Shift(1002, (TUESDAY,), _PODIATRY_DAY), Shift(1001, (THURSDAY,), _PODIATRY_DAY)),
        note_template_id=4004,
    ),
    PractitionerSeed(
        id=2007,
        user_id=7,
        title="Ms",
        first_name="Hannah",
        last_name="Price",
        designation="Physiotherapist",
        description=(
            "Hannah is an HCPC-registered physiotherapist who spent eight years in NHS outpatient "
            "musculoskeletal services. She has a special interest in running injuries."
        ),
        email="hannah.price@example.net",
        business_ids=(1003,),
        appointment_type_ids=(*_MUSCULOSKELETAL, 3009),
        default_appointment_type_id=3002,
        shifts=(Shift(1003, (MONDAY, TUESDAY, WEDNESDAY, THURSDAY), _FULL_DAY),),
    ),
    PractitionerSeed(
        id=2008,
        user_id=8,
        title="Mr",
        first_name="Oliver",
        last_name="Hughes",
        designation="Osteopath",
        description=(
            "Oliver is a GOsC-registered osteopath treating back and neck pain, sciatica and work-related strain."
        ),
        email="oliver.hughes@example.net",
        business_ids=(1003,),
        appointment_type_ids=_MUSCULOSKELETAL,
        default_appointment_type_id=3002,
        shifts=(
            Shift(1003, (MONDAY, WEDNESDAY, FRIDAY), (("09:00", "13:00"), ("14:00", "18:00"))),
            Shift(1003, (TUESDAY,), (("12:00", "16:00"), ("16:30", "20:00"))),
        ),
    ),
    PractitionerSeed(
        id=2009,
        user_id=9,
        title="Ms",
        first_name="Aisha",
        last_name="Rahman",
        designation="Sports Massage Therapist",
        description="Aisha is a sports massage therapist working with runners, cyclists and desk-based workers.",
        email="aisha.rahman@example.net",
        business_ids=(1003,),
        appointment_type_ids=(3005, 3006),
        default_appointment_type_id=3005,
        shifts=(
            Shift(1003, (TUESDAY, THURSDAY), (("10:00", "14:00"), ("14:30", "19:00"))),
            Shift(1003, (SATURDAY,), (("09:00", "13:00"),)),
        ),
    ),
    PractitionerSeed(
        id=2010,
        user_id=10,
        title="Mr",
        first_name="Tom",
        last_name="Fletcher",
        designation="Physiotherapist",
        description="Tom worked at our Parramatta clinic until it closed.",
        email="tom.fletcher@example.net",
        business_ids=(1004,),
        appointment_type_ids=(3001, 3002, 3010),
        default_appointment_type_id=3002,
        shifts=(),
        active=False,
        show_in_online_bookings=False,
    ),
)

INACTIVE_PRACTITIONER_ID: Final = cliniko_id(2010)


@dataclass(frozen=True, slots=True)
class StaffUserSeed:
    """A user who is not a practitioner (Cliniko: not every user is one)."""

    id: int
    title: str
    first_name: str
    last_name: str
    email: str
    role: str
    time_zone_identifier: str


STAFF_USERS: Final[tuple[StaffUserSeed, ...]] = (
    StaffUserSeed(11, "Ms", "Rebecca", "Lawson", "reception.sydney@example.net", "receptionist", "Australia/Sydney"),
    StaffUserSeed(12, "Mr", "Mark", "Ellison", "practice.manager@example.net", "administrator", "Australia/Sydney"),
)


# ---------------------------------------------------------------------------------------------------------
# Time off and extra hours (weeks relative to the current week; days are Cliniko weekdays of that week)


@dataclass(frozen=True, slots=True)
class UnavailableBlockSeed:
    id: int
    practitioner_id: int
    business_id: int
    week: int
    starts_on: int
    starts_at: str
    ends_on: int  # a later weekday of the same week; Sunday (0) counts as the week's last day
    ends_at: str
    notes: str


@dataclass(frozen=True, slots=True)
class AvailabilityBlockSeed:
    id: int
    practitioner_id: int
    business_id: int
    week: int
    day: int
    starts_at: str
    ends_at: str


UNAVAILABLE_BLOCKS: Final[tuple[UnavailableBlockSeed, ...]] = (
    UnavailableBlockSeed(9001, 2001, 1001, 2, MONDAY, "00:00", SATURDAY, "00:00", "Annual leave"),
    UnavailableBlockSeed(9002, 2001, 1002, 2, MONDAY, "00:00", SATURDAY, "00:00", "Annual leave"),
    UnavailableBlockSeed(
        9003,
        2002,
        1002,
        1,
        THURSDAY,
        "13:00",
        THURSDAY,
        "16:00",
        "In-service training: dry needling refresher",
    ),
    UnavailableBlockSeed(9004, 2007, 1003, 1, MONDAY, "09:00", MONDAY, "11:00", "Clinical team meeting"),
    UnavailableBlockSeed(9005, 2008, 1003, 1, MONDAY, "09:00", MONDAY, "11:00", "Clinical team meeting"),
    UnavailableBlockSeed(
        9006, 2003, 1001, 3, FRIDAY, "12:00", FRIDAY, "18:00", "Osteopathy conference – afternoon sessions"
    ),
    UnavailableBlockSeed(9007, 2007, 1003, -5, THURSDAY, "00:00", FRIDAY, "00:00", "Annual leave"),
    UnavailableBlockSeed(9008, 2006, 1002, 4, TUESDAY, "00:00", WEDNESDAY, "00:00", "Professional development day"),
)

AVAILABILITY_BLOCKS: Final[tuple[AvailabilityBlockSeed, ...]] = (
    AvailabilityBlockSeed(8001, 2005, 1002, 1, SATURDAY, "09:00", "13:00"),
)


# ---------------------------------------------------------------------------------------------------------
# Group classes (Cliniko's group appointments and their attendees; attendee ids 160001…)


@dataclass(frozen=True, slots=True)
class GroupClassSeed:
    """A weekly class: one group appointment a week, ids ``id``, ``id + 1``, … from ``first_week`` on.

    Each occurrence seats some of the class's ``regulars`` (patients of its clinic, drawn in seed.py).
    """

    id: int
    practitioner_id: int
    business_id: int
    appointment_type_id: int
    day: int
    starts_at: str
    first_week: int
    last_week: int
    regulars: int
    notes: str
    called_off_week: int  # deleted (archived) in Cliniko, which has no cancel for a group appointment
    full_week: int  # every seat taken


GROUP_CLASSES: Final[tuple[GroupClassSeed, ...]] = (
    GroupClassSeed(
        id=150001,
        practitioner_id=2004,
        business_id=1002,
        appointment_type_id=3008,
        day=THURSDAY,
        starts_at="17:30",
        first_week=-4,
        last_week=3,
        regulars=9,
        notes="Warm-water rehab class. Bring a towel and a water bottle.",
        called_off_week=1,
        full_week=2,
    ),
)
FIRST_ATTENDEE_ID: Final = 160001


# ---------------------------------------------------------------------------------------------------------
# Patients


@dataclass(frozen=True, slots=True)
class PhoneSeed:
    phone_type: Literal["Mobile", "Home", "Work", "Fax", "Other"]
    number: str
    normalized_number: str


@dataclass(frozen=True, slots=True)
class PatientSeed:
    id: int
    title: str | None
    first_name: str
    last_name: str
    date_of_birth: date
    sex: str
    email: str | None
    phones: tuple[PhoneSeed, ...]
    address_1: str
    city: str
    state: str | None
    post_code: str
    country: str
    country_code: str
    home_business_id: int
    address_2: str | None = None
    preferred_first_name: str | None = None
    gender_identity: str | None = None
    occupation: str | None = None
    notes: str | None = None
    old_reference_id: str | None = None
    medicare: str | None = None
    reminder_type: str = "SMS & Email"
    archived: bool = False
    complaint_keys: tuple[str, ...] = ()  # overrides the generated complaint of each kind named
    purpose: str | None = None  # what an integrator can use this patient for (documented patients only)


def _au_mobile(digits: str) -> PhoneSeed:
    """``digits`` are the last four of an 0491 57x xxx number, e.g. ``"0123"``."""
    number = f"0491 57{digits[0]} {digits[1:]}"
    return PhoneSeed("Mobile", number, "61" + number.replace(" ", "")[1:])


def _uk_mobile(digits: str) -> PhoneSeed:
    """``digits`` are the last three of an 07700 900xxx number."""
    number = f"07700 900{digits}"
    return PhoneSeed("Mobile", number, "44" + number.replace(" ", "")[1:])


DOCUMENTED_PATIENTS: Final[Mapping[int, PatientSeed]] = {
    patient.id: patient
    for patient in (
        PatientSeed(
            id=5001,
            title="Ms",
            first_name="Olivia",
            last_name="Bennett",
            date_of_birth=date(1987, 4, 12),
            sex="Female",
            email="olivia.bennett@example.com",
            phones=(_au_mobile("0101"),),
            address_1="12/48 Crown Street",
            city="Surry Hills",
            state="NSW",
            post_code="2010",
            country="Australia",
            country_code="AU",
            home_business_id=1001,
            occupation="Graphic designer",
            medicare="2953 51230 1",
            complaint_keys=("shoulder",),
            purpose=(
                "Regular patient of Emma Collins at Sydney CBD: past appointments with treatment notes "
                "(one still a draft), a cancelled visit, upcoming appointments, and two attachments."
            ),
        ),
        PatientSeed(
            id=5002,
            title="Mr",
            first_name="Jack",
            last_name="Thompson",
            date_of_birth=date(1992, 11, 3),
            sex="Male",
            email="jack.thompson@example.com",
            phones=(_au_mobile("0102"),),
            address_1="7 Bronte Road",
            city="Bondi Junction",
            state="NSW",
            post_code="2022",
            country="Australia",
            country_code="AU",
            home_business_id=1002,
            occupation="Electrician",
            purpose="New patient with no appointments: a clean slate for booking tests in Sydney.",
        ),
        PatientSeed(
            id=5003,
            title="Mr",
            first_name="Noah",
            last_name="Patel",
            date_of_birth=date(1979, 6, 25),
            sex="Male",
            email="noah.patel@example.org",
            phones=(_au_mobile("0103"), PhoneSeed("Work", "(02) 5550 7781", "61255507781")),
            address_1="31 Birrell Street",
            city="Waverley",
            state="NSW",
            post_code="2024",
            country="Australia",
            country_code="AU",
            home_business_id=1002,
            occupation="Accountant",
            old_reference_id="PMS-004217",
            complaint_keys=("knee",),
            purpose=(
                "Has an external id (old_reference_id PMS-004217). Sees James Nguyen at Bondi Junction; "
                "history includes a did-not-arrive and a cancellation."
            ),
        ),
        PatientSeed(
            id=5004,
            title="Mrs",
            first_name="Grace",
            last_name="O'Brien",
            date_of_birth=date(1958, 2, 14),
            sex="Female",
            email="grace.obrien@example.com",
            phones=(_au_mobile("0104"),),
            address_1="5 Darling Street",
            city="Balmain",
            state="NSW",
            post_code="2041",
            country="Australia",
            country_code="AU",
            home_business_id=1001,
            occupation="Retired",
            archived=True,
            purpose="Archived: hidden from patient lists and searches.",
        ),
        PatientSeed(
            id=5005,
            title="Ms",
            first_name="Charlotte",
            last_name="Davies",
            date_of_birth=date(1990, 8, 30),
            sex="Female",
            email="charlotte.davies@example.com",
            phones=(_uk_mobile("101"),),
            address_1="Flat 6, 22 Bermondsey Street",
            city="London",
            state=None,
            post_code="SE1 3UW",
            country="United Kingdom",
            country_code="GB",
            home_business_id=1003,
            occupation="Solicitor",
            complaint_keys=("ankle",),
            purpose=(
                "Regular patient of Hannah Price at London Bridge: treatment notes, an upcoming telehealth "
                "and an in-clinic appointment, and a text attachment."
            ),
        ),
        PatientSeed(
            id=5006,
            title="Mr",
            first_name="Harry",
            last_name="Wilson",
            date_of_birth=date(1985, 3, 9),
            sex="Male",
            email="harry.wilson@example.com",
            phones=(_uk_mobile("102"),),
            address_1="14 Jamaica Road",
            city="London",
            state=None,
            post_code="SE16 4RS",
            country="United Kingdom",
            country_code="GB",
            home_business_id=1003,
            occupation="Civil engineer",
            purpose="New patient with no appointments: a clean slate for booking tests in London.",
        ),
        PatientSeed(
            id=5007,
            title="Mr",
            first_name="Sam",
            last_name="Taylor",
            date_of_birth=date(1988, 9, 3),
            sex="Male",
            email="sam.taylor@example.com",
            phones=(_au_mobile("0105"),),
            address_1="9 Harris Street",
            city="Pyrmont",
            state="NSW",
            post_code="2009",
            country="Australia",
            country_code="AU",
            home_business_id=1001,
            occupation="Software engineer",
            complaint_keys=("hamstrings",),
            purpose=(
                f"Shares a name with patient {cliniko_id(5008)} (different date of birth): two people, two records."
            ),
        ),
        PatientSeed(
            id=5008,
            title="Ms",
            first_name="Sam",
            last_name="Taylor",
            date_of_birth=date(1975, 1, 22),
            sex="Female",
            email="sam.taylor@example.org",
            phones=(_uk_mobile("103"),),
            address_1="3 Lordship Lane",
            city="London",
            state=None,
            post_code="SE22 8HF",
            country="United Kingdom",
            country_code="GB",
            home_business_id=1003,
            occupation="Primary school teacher",
            complaint_keys=("traps",),
            purpose=(
                f"Shares a name with patient {cliniko_id(5007)} (different date of birth): two people, two records."
            ),
        ),
        PatientSeed(
            id=5009,
            title="Ms",
            first_name="Zara",
            last_name="Ahmed",
            date_of_birth=date(1996, 12, 1),
            sex="Female",
            email="zara.ahmed@example.org",
            phones=(_uk_mobile("104"),),
            address_1="27 Southwark Park Road",
            city="London",
            state=None,
            post_code="SE16 3RS",
            country="United Kingdom",
            country_code="GB",
            home_business_id=1003,
            occupation="Nurse",
            old_reference_id="TPC-1187",
            complaint_keys=("low_back",),
            purpose=(
                "Osteopathy with Oliver Hughes at London Bridge; her latest treatment note is a draft. "
                "External id TPC-1187."
            ),
        ),
        PatientSeed(
            id=5010,
            title="Ms",
            first_name="Mei-Lin",
            last_name="Chen",
            date_of_birth=date(1968, 7, 17),
            sex="Female",
            email="meilin.chen@example.com",
            phones=(_au_mobile("0106"),),
            address_1="44 Military Road",
            city="Mosman",
            state="NSW",
            post_code="2088",
            country="Australia",
            country_code="AU",
            home_business_id=1002,
            occupation="Pharmacist",
            complaint_keys=("heel",),
            purpose=(
                "Podiatry with Daniel Okafor at both Sydney clinics; hyphenated first name; has an "
                "orthotic prescription attached."
            ),
        ),
        PatientSeed(
            id=5011,
            title="Mx",
            first_name="Zoë",
            last_name="Kowalski",
            date_of_birth=date(2001, 5, 5),
            sex="Female",
            gender_identity="Non-binary",
            email="zoe.kowalski@example.net",
            phones=(_au_mobile("0107"),),
            address_1="2 King Street",
            city="Newtown",
            state="NSW",
            post_code="2042",
            country="Australia",
            country_code="AU",
            home_business_id=1002,
            occupation="University student",
            purpose="A name with a diacritic; one upcoming appointment with Liam O'Connor at Bondi Junction.",
        ),
    )
}

ARCHIVED_PATIENT_ID: Final = cliniko_id(5004)


@dataclass(frozen=True, slots=True)
class PinnedAppointmentSeed:
    """A documented patient's appointment, placed before the generated ones fill the calendar."""

    patient_id: int
    practitioner_id: int
    business_id: int
    appointment_type_id: int
    week: int  # only whole past (< 0) or future (> 0) weeks, so the outcome never depends on today
    day: int
    starts_at: str
    outcome: Outcome
    notes: str | None = None
    cancellation_reason: int | None = None
    cancellation_note: str | None = None
    draft_note: bool = False


PINNED_APPOINTMENTS: Final[tuple[PinnedAppointmentSeed, ...]] = (
    # Olivia Bennett with Emma Collins, Sydney CBD.
    PinnedAppointmentSeed(5001, 2001, 1001, 3001, -6, TUESDAY, "09:00", "attended", "GP referral attached."),
    PinnedAppointmentSeed(5001, 2001, 1001, 3002, -5, TUESDAY, "09:00", "attended"),
    PinnedAppointmentSeed(5001, 2001, 1001, 3002, -4, THURSDAY, "16:30", "attended"),
    PinnedAppointmentSeed(
        5001,
        2001,
        1001,
        3002,
        -3,
        TUESDAY,
        "09:00",
        "cancelled",
        cancellation_reason=60,
        cancellation_note="Work deadline; rebooked for Thursday.",
    ),
    PinnedAppointmentSeed(5001, 2001, 1001, 3002, -3, THURSDAY, "08:00", "attended"),
    PinnedAppointmentSeed(5001, 2001, 1001, 3003, -1, TUESDAY, "09:00", "attended", draft_note=True),
    PinnedAppointmentSeed(5001, 2001, 1001, 3002, 1, TUESDAY, "09:00", "booked"),
    PinnedAppointmentSeed(5001, 2001, 1001, 3002, 3, TUESDAY, "09:00", "booked"),
    # Noah Patel with James Nguyen, Bondi Junction.
    PinnedAppointmentSeed(5003, 2002, 1002, 3001, -7, MONDAY, "07:00", "attended"),
    PinnedAppointmentSeed(5003, 2002, 1002, 3002, -6, MONDAY, "07:00", "attended"),
    PinnedAppointmentSeed(5003, 2002, 1002, 3002, -5, MONDAY, "07:00", "did_not_arrive"),
    PinnedAppointmentSeed(
        5003,
        2002,
        1002,
        3002,
        -4,
        THURSDAY,
        "13:00",
        "cancelled",
        cancellation_reason=30,
        cancellation_note="Has a cold, will call back to rebook.",
    ),
    PinnedAppointmentSeed(5003, 2002, 1002, 3003, -2, MONDAY, "07:30", "attended"),
    PinnedAppointmentSeed(5003, 2002, 1002, 3002, 1, MONDAY, "07:00", "booked"),
    # Charlotte Davies with Hannah Price, London Bridge.
    PinnedAppointmentSeed(5005, 2007, 1003, 3001, -4, WEDNESDAY, "10:00", "attended"),
    PinnedAppointmentSeed(5005, 2007, 1003, 3002, -3, WEDNESDAY, "10:00", "attended"),
    PinnedAppointmentSeed(5005, 2007, 1003, 3002, -2, WEDNESDAY, "10:00", "attended"),
    PinnedAppointmentSeed(5005, 2007, 1003, 3002, -1, MONDAY, "17:00", "attended"),
    PinnedAppointmentSeed(5005, 2007, 1003, 3009, 1, MONDAY, "12:00", "booked", "Video call from home."),
    PinnedAppointmentSeed(5005, 2007, 1003, 3002, 2, WEDNESDAY, "10:00", "booked"),
    # Zara Ahmed with Oliver Hughes, London Bridge.
    PinnedAppointmentSeed(5009, 2008, 1003, 3001, -3, FRIDAY, "14:00", "attended"),
    PinnedAppointmentSeed(5009, 2008, 1003, 3002, -1, FRIDAY, "14:00", "attended", draft_note=True),
    PinnedAppointmentSeed(5009, 2008, 1003, 3002, 1, TUESDAY, "18:00", "booked"),
    # Mei-Lin Chen with Daniel Okafor, both Sydney clinics.
    PinnedAppointmentSeed(5010, 2006, 1002, 3001, -5, TUESDAY, "08:30", "attended"),
    PinnedAppointmentSeed(5010, 2006, 1001, 3007, -2, THURSDAY, "13:30", "attended"),
    PinnedAppointmentSeed(5010, 2006, 1002, 3007, 1, TUESDAY, "08:30", "booked"),
    # The two Sam Taylors, and Zoë Kowalski.
    PinnedAppointmentSeed(5007, 2005, 1001, 3005, -2, WEDNESDAY, "18:00", "attended"),
    PinnedAppointmentSeed(5008, 2009, 1003, 3005, 1, SATURDAY, "09:00", "booked"),
    PinnedAppointmentSeed(
        5011, 2004, 1002, 3001, 2, TUESDAY, "17:00", "booked", "Referred by GP for a strength programme."
    ),
)


# ---------------------------------------------------------------------------------------------------------
# Attachments (bytes are generated in seed.py from these)


@dataclass(frozen=True, slots=True)
class AttachmentSeed:
    id: int
    patient_id: int
    user_id: int
    description: str
    filename: str
    content_type: str
    week: int  # when it was uploaded, in the patient's home business's time zone
    day: int
    at: str
    lines: tuple[str, ...] = ()  # the document's text (PDF and text files)


ATTACHMENTS: Final[tuple[AttachmentSeed, ...]] = (
    AttachmentSeed(
        id=300001,
        patient_id=5001,
        user_id=1,
        description="GP referral letter",
        filename="gp-referral-olivia-bennett.pdf",
        content_type="application/pdf",
        week=-6,
        day=MONDAY,
        at="14:20",
        lines=(
            "Surry Hills Family Practice",
            "Dr Anika Sharma, General Practitioner",
            "",
            "To: Emma Collins, Physiotherapist, Harbourside Physio & Wellness - Sydney CBD",
            "",
            "Re: Olivia Bennett, DOB 12/04/1987",
            "",
            "Dear Emma,",
            "Thank you for seeing Olivia, a graphic designer with three weeks of right",
            "shoulder pain after painting at home. Pain on overhead reaching, no trauma, no night pain.",
            "Ultrasound shows mild supraspinatus tendinopathy without tear.",
            "I would be grateful for your assessment and management.",
            "",
            "Kind regards,",
            "Dr Anika Sharma",
        ),
    ),
    AttachmentSeed(
        id=300002,
        patient_id=5001,
        user_id=1,
        description="Right shoulder ultrasound – key image",
        filename="shoulder-ultrasound.png",
        content_type="image/png",
        week=-5,
        day=TUESDAY,
        at="09:40",
    ),
    AttachmentSeed(
        id=300003,
        patient_id=5005,
        user_id=7,
        description="Home exercise programme",
        filename="home-exercise-programme.txt",
        content_type="text/plain",
        week=-4,
        day=WEDNESDAY,
        at="11:15",
        lines=(
            "Home exercise programme – Charlotte Davies",
            "Thames Physio & Sports Clinic – London Bridge",
            "",
            "1. Calf raises, 3 x 15, twice a day",
            "2. Single-leg balance, eyes open then closed, 3 x 30 s",
            "3. Ankle alphabet, once through each morning",
            "4. Resistance band eversion, 3 x 12",
            "",
            "Stop any exercise that causes sharp pain and mention it at your next visit.",
        ),
    ),
    AttachmentSeed(
        id=300004,
        patient_id=5010,
        user_id=6,
        description="Orthotic prescription",
        filename="orthotic-prescription.pdf",
        content_type="application/pdf",
        week=-2,
        day=THURSDAY,
        at="15:05",
        lines=(
            "Harbourside Physio - Podiatry",
            "Orthotic prescription",
            "",
            "Patient: Mei-Lin Chen, DOB 17/07/1968",
            "Practitioner: Daniel Okafor, Podiatrist",
            "",
            "Device: full-length EVA orthoses, medium density, bilateral",
            "Rearfoot: 4 degree medial wedge; heel cup 15 mm",
            "Forefoot: neutral; top cover: poron",
            "Indication: plantar heel pain with pronated foot posture",
            "Review: 6 weeks after issue",
        ),
    ),
)


# ---------------------------------------------------------------------------------------------------------
# Generated patients, cancellations, appointment notes: pools seed.py draws from

AU_FEMALE_FIRST_NAMES: Final[tuple[str, ...]] = (
    "Amelia",
    "Isla",
    "Mia",
    "Ava",
    "Ruby",
    "Matilda",
    "Sienna",
    "Harper",
    "Zoe",
    "Lily",
    "Ella",
    "Sophie",
    "Emily",
    "Jessica",
    "Sarah",
    "Hannah",
    "Georgia",
    "Lucy",
    "Priya",
    "Ananya",
    "Aaliyah",
    "Leilani",
    "Mei",
    "Linh",
    "Thi",
    "Yuki",
    "Sofia",
    "Chiara",
    "Eleni",
    "Katerina",
    "Fatima",
    "Layla",
    "Catherine",
    "Elizabeth",
    "Bridget",
    "Tahlia",
    "Jasmine",
    "Kiara",
    "Aroha",
    "Rosa",
)
AU_MALE_FIRST_NAMES: Final[tuple[str, ...]] = (
    "William",
    "Oliver",
    "Lachlan",
    "Thomas",
    "Henry",
    "Leo",
    "Lucas",
    "Ethan",
    "Hamish",
    "Cooper",
    "Angus",
    "Rohan",
    "Arjun",
    "Minh",
    "Wei",
    "Mohammed",
    "Omar",
    "Tane",
    "Luca",
    "Mateo",
    "Benjamin",
    "Samuel",
    "Alexander",
    "Harrison",
    "Declan",
    "Connor",
    "Nikos",
    "Giorgio",
    "Hiroshi",
    "Joon",
    "Kai",
    "Riley",
    "Patrick",
    "Jarrah",
    "Isaac",
)
AU_LAST_NAMES: Final[tuple[str, ...]] = (
    "Smith",
    "Jones",
    "Williams",
    "Brown",
    "Wilson",
    "Nguyen",
    "Tran",
    "Le",
    "Chen",
    "Wang",
    "Li",
    "Singh",
    "Kaur",
    "Kelly",
    "Ryan",
    "Walsh",
    "Murphy",
    "Campbell",
    "Stewart",
    "Anderson",
    "Martin",
    "White",
    "Harris",
    "Lee",
    "King",
    "Robinson",
    "Young",
    "Scott",
    "Green",
    "Baker",
    "Papadopoulos",
    "Nikolaidis",
    "Russo",
    "Romano",
    "Haddad",
    "Khoury",
    "Nasser",
    "Sato",
    "Kim",
    "Park",
    "Wright",
    "Edwards",
    "Mitchell",
    "Fraser",
    "Reid",
    "Ngata",
    "Fernando",
    "Perera",
    "McKenzie",
    "Sullivan",
    "Doyle",
    "Hoang",
    "Pham",
    "Ali",
    "Lombardi",
)
UK_FEMALE_FIRST_NAMES: Final[tuple[str, ...]] = (
    "Amelia",
    "Olivia",
    "Isla",
    "Freya",
    "Poppy",
    "Sophia",
    "Evie",
    "Imogen",
    "Eleanor",
    "Aisha",
    "Fatima",
    "Maryam",
    "Zainab",
    "Chioma",
    "Adaeze",
    "Niamh",
    "Siobhan",
    "Rhiannon",
    "Megan",
    "Bethan",
    "Agnieszka",
    "Lucy",
    "Harriet",
    "Rosie",
    "Katie",
    "Ama",
    "Precious",
    "Alice",
)
UK_MALE_FIRST_NAMES: Final[tuple[str, ...]] = (
    "George",
    "Arthur",
    "Freddie",
    "Alfie",
    "Theo",
    "Muhammad",
    "Ibrahim",
    "Yusuf",
    "Kwame",
    "Tunde",
    "Callum",
    "Rhys",
    "Dylan",
    "Ewan",
    "Finlay",
    "Rory",
    "Piotr",
    "Tomasz",
    "Raj",
    "Sanjay",
    "Dev",
    "Jamal",
    "Reuben",
    "Edward",
    "Charlie",
    "Joseph",
)
UK_LAST_NAMES: Final[tuple[str, ...]] = (
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Johnson",
    "Davies",
    "Patel",
    "Robinson",
    "Wright",
    "Evans",
    "Walker",
    "Roberts",
    "Green",
    "Hall",
    "Wood",
    "Jackson",
    "Clarke",
    "Khan",
    "Hussain",
    "Begum",
    "Adeyemi",
    "Mensah",
    "Osei",
    "Kowalczyk",
    "Nowak",
    "Murphy",
    "O'Neill",
    "MacDonald",
    "Morgan",
    "Lloyd",
    "Bailey",
    "Shah",
    "Mistry",
    "Okonkwo",
    "Campbell",
    "Fitzgerald",
    "Ward",
)
NICKNAMES: Final[Mapping[str, str]] = {
    "William": "Will",
    "Thomas": "Tom",
    "Alexander": "Alex",
    "Benjamin": "Ben",
    "Samuel": "Sam",
    "Catherine": "Kate",
    "Elizabeth": "Liz",
    "Matilda": "Tilly",
    "Edward": "Ed",
    "Joseph": "Joe",
    "Harrison": "Harry",
    "Katerina": "Kat",
}

# (street, suburb, postcode) in Sydney's east and inner west.
AU_STREETS: Final[tuple[tuple[str, str, str], ...]] = (
    ("Crown Street", "Surry Hills", "2010"),
    ("Oxford Street", "Paddington", "2021"),
    ("King Street", "Newtown", "2042"),
    ("Glebe Point Road", "Glebe", "2037"),
    ("Belmore Road", "Randwick", "2031"),
    ("Arden Street", "Coogee", "2034"),
    ("Campbell Parade", "Bondi Beach", "2026"),
    ("Bronte Road", "Bondi Junction", "2022"),
    ("Birrell Street", "Waverley", "2024"),
    ("Cross Street", "Double Bay", "2028"),
    ("Harris Street", "Pyrmont", "2009"),
    ("Regent Street", "Redfern", "2016"),
    ("Illawarra Road", "Marrickville", "2204"),
    ("Norton Street", "Leichhardt", "2040"),
    ("Darling Street", "Balmain", "2041"),
    ("Military Road", "Mosman", "2088"),
    ("Ben Boyd Road", "Neutral Bay", "2089"),
    ("Miller Street", "North Sydney", "2060"),
    ("Victoria Avenue", "Chatswood", "2067"),
    ("New South Head Road", "Rose Bay", "2029"),
    ("Anzac Parade", "Kensington", "2033"),
    ("Maroubra Road", "Maroubra", "2035"),
    ("Bowden Street", "Alexandria", "2015"),
    ("Macleay Street", "Potts Point", "2011"),
)
# (street, postcode) in south and east London.
UK_STREETS: Final[tuple[tuple[str, str], ...]] = (
    ("Tooley Street", "SE1 2TF"),
    ("Bermondsey Street", "SE1 3UW"),
    ("Lower Road", "SE16 2XB"),
    ("Jamaica Road", "SE16 4RS"),
    ("Walworth Road", "SE17 1RW"),
    ("Old Kent Road", "SE1 5AG"),
    ("Southwark Park Road", "SE16 3RS"),
    ("Lordship Lane", "SE22 8HF"),
    ("Rye Lane", "SE15 5EW"),
    ("Camberwell Church Street", "SE5 8QU"),
    ("Kennington Road", "SE11 4QY"),
    ("Clapham High Street", "SW4 7UL"),
    ("Commercial Street", "E1 6LP"),
    ("Whitechapel Road", "E1 1DU"),
    ("Mare Street", "E8 4RP"),
    ("Upper Street", "N1 0PN"),
    ("Greenwich High Road", "SE10 8NN"),
    ("Deptford High Street", "SE8 4AF"),
)
OCCUPATIONS: Final[tuple[str, ...]] = (
    "Software engineer",
    "Registered nurse",
    "Primary school teacher",
    "Accountant",
    "Barista",
    "Electrician",
    "Retired",
    "University student",
    "Graphic designer",
    "Chef",
    "Plumber",
    "Solicitor",
    "Retail assistant",
    "Personal trainer",
    "Architect",
    "Bus driver",
    "Pharmacist",
    "Carpenter",
    "Marketing manager",
    "Dental assistant",
    "Civil engineer",
    "Paramedic",
    "Project manager",
    "Data analyst",
    "Hairdresser",
)
PATIENT_NOTES: Final[tuple[str, ...]] = (
    "Prefers afternoon appointments.",
    "Prefers to be contacted by email.",
    "Hard of hearing in the left ear; please face the patient when speaking.",
    "Private health insurance: claims on the spot.",
    "Workers' compensation claim open – see correspondence.",
    "Needs a ground-floor room (uses a walking stick).",
)
APPOINTMENT_NOTES: Final[tuple[str, ...]] = (
    "Please bring any previous scans.",
    "Running late reminder sent.",
    "Workers' compensation claim – bring claim number.",
    "Prefers a female practitioner for future bookings.",
    "Parking validation needed.",
    "Requested the room with the adjustable plinth.",
)

CANCELLATION_REASONS: Final[Mapping[int, str]] = {
    10: "Feeling better",
    20: "Condition worse",
    30: "Sick",
    40: "Away",
    50: "Other",
    60: "Work",
}
CANCELLATION_NOTES: Final[Mapping[int, tuple[str, ...]]] = {
    10: ("Feeling much better, will call if it flares up again.", "Pain has settled; happy to self-manage."),
    20: ("Pain worse, seeing GP first.", "Flare-up over the weekend; GP organising imaging."),
    30: ("Has the flu.", "Unwell with a cold, will rebook."),
    40: ("Travelling interstate for a family wedding.", "On holiday, back in two weeks."),
    50: ("Car broke down.", "Childcare fell through.", "Booked in error."),
    60: ("Called into a meeting.", "Shift changed at short notice."),
}
CANCELLATION_REASON_WEIGHTS: Final[Mapping[int, int]] = {10: 3, 20: 1, 30: 3, 40: 2, 50: 2, 60: 3}

ONLINE_BOOKINGS_SETTINGS: Final[Mapping[str, Any]] = {
    "enabled": True,
    "min_hours_advance_required_to_book": 0,
    "allow_bookings_days_in_advance": 182,
    "max_appointments_per_day_segment": 0,  # 0: unlimited
    "daily_bookings_limit": 0,  # 0: unlimited
}
CALENDAR_SETTINGS: Final[Mapping[str, Any]] = {"timeslot_size_in_minutes": 15}
