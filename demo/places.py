"""Demo contact points, from public facts (../shared/data/police/ and the product brief).

Every row says where its facts come from and what could not be confirmed: where an exact
address was not found, the data says so rather than invent one. Entries marked
"illustrative" exist only to show a feature (a pop-up session, a dated closure) and say so
on their public page.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.text import slugify

from contactpoints import importer, services
from contactpoints.models import (
    FACILITIES,
    SERVICES,
    UNCONFIRMED,
    Basis,
    ContactPoint,
    Fact,
    FactCheck,
    HoursException,
    Kind,
    OpeningRule,
    Recurrence,
    Status,
)
from places import postcodes

MET_2026_FROM = date(2026, 3, 3)  # most remaining Met front counters' new hours start
MET_SOURCE = (
    "Met front counter list (2025, third-party) with the hours from 3 March 2026: "
    "shared data police/met_front_counters_2025_list_thirdparty.csv"
)
WESTMINSTER_SOURCE = (
    "Westminster police points history: shared data "
    "police/westminster_police_points_history.csv (sources listed per row)"
)
CONTACT_POINT_HOURS = [(2, "19:00", "20:00"), (3, "19:00", "20:00"), (5, "14:00", "15:00")]
MET_2026_HOURS = [(d, "10:00", "22:00") for d in range(5)] + [(d, "09:00", "19:00") for d in (5, 6)]
FACILITIES_NOT_CHECKED = (
    "No source we hold lists the facilities or services here, so they are shown as not known."
)
# The Mayor's Office for Policing and Crime decision of 29 March 2013 (the Westminster
# history's sources): the 24-hour counters' hours ended or were cut from then.
MOPAC_2013 = date(2013, 3, 29)
BEFORE_MOPAC_2013 = date(2013, 3, 28)
ALL_DAY = [(d, "00:00", "00:00") for d in range(7)]


@dataclass
class Rule:
    weekday: int
    opens: str
    closes: str
    overnight: bool = False
    recurrence: str = Recurrence.WEEKLY
    week_of_month: int | None = None
    anchor_date: date | None = None
    valid_from: date | None = None
    valid_until: date | None = None


@dataclass
class Demo:
    slug: str
    name: str
    kind: str
    borough: str
    fields: dict[str, Any]
    rules: list[Rule] = field(default_factory=list)
    exceptions: list[dict[str, Any]] = field(default_factory=list)
    replaces: list[str] = field(default_factory=list)
    # The facts a source states, each with the words that state it and the source's date:
    # {fact: (source, date)}. Every other fact is shown as not known.
    sourced: dict[str, tuple[str, date]] = field(default_factory=dict)


def weekly(
    hours: list[tuple[int, str, str]],
    valid_from: date | None = None,
    valid_until: date | None = None,
) -> list[Rule]:
    return [
        Rule(d, o, c, overnight=(o == c), valid_from=valid_from, valid_until=valid_until)
        for d, o, c in hours
    ]


def history_row(name: str, words: str) -> str:
    return f"Westminster police points history, {name} row: “{words}”"


DEMO: list[Demo] = [
    Demo(
        "charing-cross-police-station",
        "Charing Cross Police Station",
        Kind.FRONT_COUNTER_24_7,
        "Westminster",
        {
            "address_line_1": "Agar Street",
            "postcode": "WC2N 4JP",
            "ward": "St James's",
            "latitude": Decimal("51.509786"),
            "longitude": Decimal("-0.124658"),
            "closed_on_bank_holidays": False,
            "entrance_description": "The front counter is at the police station on Agar "
            "Street, off the Strand.",
            "alternatives_text": "This is Westminster's 24-hour front counter.",
            "caveats": FACILITIES_NOT_CHECKED,
            "sources": WESTMINSTER_SOURCE,
        },
        rules=weekly(ALL_DAY),
        sourced={
            Fact.HOURS: (
                history_row(
                    "Charing Cross Police Station",
                    "pre-2013: 24h … from 2026-03-03: stays 24h",
                ),
                MET_2026_FROM,
            )
        },
    ),
    Demo(
        "belgravia-police-station",
        "Belgravia Police Station",
        Kind.FRONT_COUNTER,
        "Westminster",
        {
            "address_line_1": "202-206 Buckingham Palace Road",
            "postcode": "SW1W 9SX",
            "ward": "Churchill",
            "latitude": Decimal("51.491604"),
            "longitude": Decimal("-0.149605"),
            "status": Status.CLOSED,
            "closed_on": date(2017, 12, 1),
            "status_note": "Front counter hours were cut to 40 a week in 2013; the counter "
            "later closed. The building was kept.",
            "caveats": "The month of closure (December 2017) is inferred from a November "
            "2017 London Assembly petition; the exact date is not confirmed. The hours of "
            "the 40 a week from 2013 were not found.",
            "sources": WESTMINSTER_SOURCE,
        },
        rules=weekly(ALL_DAY, valid_until=BEFORE_MOPAC_2013),
        sourced={
            Fact.HOURS: (history_row("Belgravia Police Station", "pre-2013: 24h"), MOPAC_2013)
        },
    ),
    Demo(
        "paddington-green-police-station",
        "Paddington Green Police Station",
        Kind.FRONT_COUNTER,
        "Westminster",
        {
            "address_line_1": "Harrow Road, Paddington",
            "postcode": "W2 1XJ",
            "ward": "Little Venice",
            "latitude": Decimal("51.520469"),
            "longitude": Decimal("-0.171354"),
            "status": Status.CLOSED,
            "status_note": "Front counter hours were cut to 40 a week in 2013; the site "
            "was later redeveloped.",
            "caveats": "The date the front counter closed was not found, nor the hours of "
            "the 40 a week from 2013. The street address is unverified.",
            "sources": WESTMINSTER_SOURCE,
        },
        rules=weekly(ALL_DAY, valid_until=BEFORE_MOPAC_2013),
        sourced={
            Fact.HOURS: (
                history_row("Paddington Green Police Station", "pre-2013: 24h"),
                MOPAC_2013,
            )
        },
    ),
    Demo(
        "west-end-central-police-station",
        "West End Central Police Station",
        Kind.FRONT_COUNTER,
        "Westminster",
        {
            "address_line_1": "27 Savile Row",
            "postcode": "W1S 2EX",
            "ward": "West End",
            "latitude": Decimal("51.511561"),
            "longitude": Decimal("-0.141273"),
            "status": Status.CLOSED,
            "caveats": "Described later as the former West End Central Police Station; "
            "the closure date was not found, nor its hours after March 2013.",
            "sources": WESTMINSTER_SOURCE,
        },
        rules=weekly(ALL_DAY, valid_until=BEFORE_MOPAC_2013),
        sourced={
            Fact.HOURS: (
                history_row("West End Central Police Station", "pre-2013: 24h"),
                MOPAC_2013,
            )
        },
    ),
    Demo(
        "marylebone-police-station",
        "Marylebone Police Station",
        Kind.FRONT_COUNTER,
        "Westminster",
        {
            "address_line_1": "Seymour Street",
            "status": Status.CLOSED,
            "closed_by": MOPAC_2013,
            "status_note": "Front counter closed by the Mayor's Office for Policing and "
            "Crime decision of March 2013 at the latest.",
            "former_weekly_hours": Decimal("168"),
            "caveats": "Exact address, postcode and closing date not found: listed as open "
            "24 hours in 2012 and said to have closed to the public since, in an e-news "
            "whose year is not printed. No map position is given rather than a guessed one.",
            "sources": WESTMINSTER_SOURCE,
        },
    ),
    Demo(
        "harrow-road-police-station",
        "Harrow Road Police Station",
        Kind.FRONT_COUNTER,
        "Westminster",
        {
            "address_line_1": "Harrow Road",
            "status": Status.CLOSED,
            "closed_by": MOPAC_2013,
            "status_note": "Front counter closed by the Mayor's Office for Policing and "
            "Crime decision of March 2013.",
            "former_weekly_hours": Decimal("168"),
            "caveats": "Exact address (Harrow Road, W9) and closing date not found; closed "
            "in 2013. Open 24 hours before 2013. No map position is given rather than a "
            "guessed one.",
            "sources": WESTMINSTER_SOURCE,
        },
        rules=weekly(ALL_DAY, valid_until=BEFORE_MOPAC_2013),
        sourced={
            Fact.HOURS: (history_row("Harrow Road Police Station", "pre-2013: 24h"), MOPAC_2013)
        },
    ),
    Demo(
        "st-johns-wood-police-station",
        "St John's Wood Police Station",
        Kind.FRONT_COUNTER,
        "Westminster",
        {
            "status": Status.CLOSED,
            "closed_by": MOPAC_2013,
            "status_note": "Closed to the public; closure confirmed by the March 2013 "
            "decision. It was open 09:00 to 17:00, Monday to Friday, before 2012.",
            "latitude": Decimal("51.532240"),
            "longitude": Decimal("-0.168225"),
            "former_weekly_hours": Decimal("40"),
            "caveats": "Exact address and closing date not found (2012, by the context of "
            "an e-news whose year is not printed; March 2013 at the latest). The map "
            "position comes from third-party OpenStreetMap-derived data.",
            "sources": WESTMINSTER_SOURCE,
        },
        rules=weekly([(d, "09:00", "17:00") for d in range(5)], valid_until=date(2011, 12, 31)),
        sourced={
            Fact.HOURS: (
                history_row("St John's Wood Police Station", "pre-2012: 09:00-17:00 Mon-Fri"),
                MOPAC_2013,
            )
        },
    ),
    Demo(
        "church-street-front-counter",
        "Church Street front counter",
        Kind.FRONT_COUNTER,
        "Westminster",
        {
            "address_line_1": "Church Street",
            "status": Status.CLOSED,
            "closed_on": date(2026, 2, 28),
            "status_note": "A reduced-hours front desk; closed to the public from "
            "28 February 2026.",
            "caveats": "Exact address not found.",
            "sources": WESTMINSTER_SOURCE,
        },
    ),
    Demo(
        "beethoven-centre-contact-point",
        "Beethoven Centre contact point",
        Kind.CONTACT_POINT,
        "Westminster",
        {
            "host_venue": "Beethoven Centre",
            "address_line_1": "Third Avenue, Queen's Park",
            "postcode": "W10 4JL",
            "ward": "Queen's Park",
            "latitude": Decimal("51.530633"),
            "longitude": Decimal("-0.208259"),
            "opened_on": date(2013, 9, 1),
            "entrance_description": "Inside the community centre: ask at reception for the "
            "police contact point.",
            "caveats": "Three one-hour sessions a week were proposed in March 2013; the "
            "times shown are the typical London-wide contact-point hours of 2013 our source "
            "gives, not confirmed for this place. Street address and postcode are from "
            "public listings, not our sources; the map shows the postcode centroid. The "
            "opening date is the London-wide start of the 2013 changes. The Christmas "
            "closure and the annual cost are illustrative examples, not real figures. "
            f"{FACILITIES_NOT_CHECKED}",
            "annual_cost": Decimal("4680.00"),
            "sources": WESTMINSTER_SOURCE,
        },
        rules=weekly(CONTACT_POINT_HOURS),
        exceptions=[
            {
                "starts_on": date(2026, 12, 24),
                "ends_on": date(2027, 1, 2),
                "is_closed": True,
                "reason": "Christmas closure (illustrative example)",
            }
        ],
        replaces=["harrow-road-police-station"],
    ),
    Demo(
        "st-johns-wood-library-contact-point",
        "St John's Wood Library contact point",
        Kind.CONTACT_POINT,
        "Westminster",
        {
            "host_venue": "St John's Wood Library",
            "address_line_1": "20 Circus Road",
            "postcode": "NW8 6PD",
            "ward": "Abbey Road",
            "latitude": Decimal("51.533654"),
            "longitude": Decimal("-0.172628"),
            "opened_on": date(2013, 9, 1),
            "entrance_description": "In the library on Circus Road.",
            "caveats": "Three one-hour sessions a week were proposed in March 2013; the "
            "times shown are the typical London-wide contact-point hours of 2013 (from the "
            "Beethoven Centre row of our source), not confirmed for this place. Street "
            "number and postcode are from public listings, not our sources; the map shows "
            f"the postcode centroid. {FACILITIES_NOT_CHECKED}",
            "sources": WESTMINSTER_SOURCE,
        },
        rules=weekly(CONTACT_POINT_HOURS),
        replaces=["st-johns-wood-police-station"],
    ),
    Demo(
        "queens-park-pop-up",
        "Queen's Park pop-up session (illustrative)",
        Kind.POP_UP,
        "Westminster",
        {
            "host_venue": "Queen's Park (illustrative example)",
            "postcode": "W10 4JL",
            "ward": "Queen's Park",
            "latitude": Decimal("51.530633"),
            "longitude": Decimal("-0.208259"),
            "has_step_free_access": True,
            "offers_crime_reporting": False,
            "is_illustrative": True,
            "caveats": "Illustrative example in the demo data, to show a monthly session "
            "(first Thursday of the month). Not a real session.",
        },
        rules=[Rule(3, "17:00", "18:30", recurrence=Recurrence.MONTHLY, week_of_month=1)],
    ),
    Demo(
        "church-street-library-pop-up",
        "Church Street Library pop-up (illustrative)",
        Kind.POP_UP,
        "Westminster",
        {
            "host_venue": "Church Street Library (illustrative example)",
            "address_line_1": "67 Church Street",
            "postcode": "NW8 8EU",
            "ward": "Church Street",
            "latitude": Decimal("51.522960"),
            "longitude": Decimal("-0.170230"),
            "has_private_room": True,
            "has_hearing_loop": True,
            "is_illustrative": True,
            "caveats": "Illustrative example in the demo data, to show a fortnightly "
            "session. Not a real session. The map shows the library's postcode centroid "
            "(Code-Point Open 2014).",
        },
        rules=[
            Rule(
                1,
                "10:00",
                "12:00",
                recurrence=Recurrence.FORTNIGHTLY,
                anchor_date=date(2026, 11, 3),
            )
        ],
        replaces=["church-street-front-counter"],
    ),
]


# The real 2025 list of Met front counters, with their hours from 3 March 2026, beside the
# project in the shared open data. Loaded through the same importer a force would use.
MET_LIST = (
    Path(settings.BASE_DIR).parent
    / "shared/data/police/met_front_counters_2025_list_thirdparty.csv"
)
# The list's one row with no borough (its postcode is newer than the 2014 data).
MET_BOROUGHS = {"Hammersmith Police Station": "Hammersmith and Fulham"}


def met_2025_rows(path: Path = MET_LIST) -> tuple[list[tuple[int, dict[str, str]]], list[str]]:
    """The Met list as import rows (see docs/importing.md), and what had to be left out.
    Rows already described by the Westminster history (DEMO) are left to it."""
    ours = {demo.slug for demo in DEMO}
    rows, skipped = [], []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for line, raw in enumerate(csv.DictReader(handle), start=2):
            name = raw["name"].strip()
            if slugify(name) in ours:
                continue
            status_text = raw["status_from_2026_03_03"].strip()
            closed = re.fullmatch(r"closed to public from (\d{4}-\d{2}-\d{2})", status_text)
            borough = raw["admin_district_name"].removesuffix(" London Boro").strip()
            borough = borough.removeprefix("City of ") or MET_BOROUGHS.get(name, "")
            ward = raw["admin_ward"].partition(" ")[2].removesuffix(" Ward")
            address = raw["address_if_listed"].strip()
            if (
                not raw["latitude"]
                and not closed
                and not importer.locate(postcodes.normalise(raw["postcode"]))
            ):
                skipped.append(f"{name}: no location (import the postcode data first)")
                continue
            located = "Location: the postcode centroid (Code-Point Open 2014)."
            rows.append(
                (
                    line,
                    {
                        "name": name,
                        "kind": "front_counter_24_7" if status_text == "24/7" else "front_counter",
                        "status": "closed" if closed else "open",
                        "closed_on": closed.group(1) if closed else "",
                        "address": address.removesuffix(", London"),
                        "postcode": raw["postcode"],
                        "borough": borough,
                        "ward": ward,
                        "latitude": raw["latitude"],
                        "longitude": raw["longitude"],
                        "hours": "" if closed else status_text,
                        "hours_from": "" if closed else MET_2026_FROM.isoformat(),
                        "bank_holidays": "unknown",
                        "facts_basis": "source",
                        "facts_checked_on": MET_2026_FROM.isoformat(),
                        "source": "Met front counter list (2025, third-party) with hours from "
                        "3 March 2026",
                        "caveats": (
                            "From a third-party list of Met front counters (2025) and news "
                            "of the hours from 3 March 2026: verify before relying on it. "
                            "Hours before 3 March 2026 are not recorded here. Facilities "
                            f"and bank holiday opening are not confirmed. "
                            f"{located if raw['latitude'] else ''}"
                        ).strip(),
                    },
                )
            )
    return rows, skipped


def _demo_facts(cp: ContactPoint, demo: Demo) -> None:
    """How the hand-written demo facts are known: those a source states (`Demo.sourced`),
    from that source; everything else not confirmed, so shown as not known."""
    for fact in Fact.values:
        values = dict(UNCONFIRMED)
        if fact in demo.sourced:
            source, dated = demo.sourced[fact]
            values |= {"basis": Basis.SOURCE, "checked_on": dated, "source": source}
        FactCheck.objects.update_or_create(contact_point=cp, fact=fact, defaults=values)


@transaction.atomic
def load_demo(*, reset: bool = False) -> tuple[int, int]:
    """Create the demo contact points that are missing. Idempotent: a re-run creates
    nothing twice and leaves alone what staff have edited since, unless `reset` puts every
    demo contact point back as written here. Returns (created, reset)."""
    created = restored = 0
    by_slug: dict[str, ContactPoint] = {}
    for demo in DEMO:
        existing = ContactPoint.objects.filter(slug=demo.slug).first()
        if existing and not reset:
            by_slug[demo.slug] = existing
            continue
        values = {
            "name": demo.name,
            "kind": demo.kind,
            "borough": demo.borough,
            "is_published": True,
            # As written here, whatever staff have set since (what --reset promises).
            **dict.fromkeys([name for name, _label in FACILITIES + SERVICES], False),
            "is_illustrative": False,
            "closed_by": None,
            **demo.fields,
        }
        cp, was_created = ContactPoint.objects.update_or_create(slug=demo.slug, defaults=values)
        created += was_created
        restored += not was_created
        by_slug[demo.slug] = cp
        cp.opening_rules.all().delete()
        OpeningRule.objects.bulk_create(
            OpeningRule(
                contact_point=cp,
                weekday=r.weekday,
                opens=time.fromisoformat(r.opens),
                closes=time.fromisoformat(r.closes),
                overnight=r.overnight,
                recurrence=r.recurrence,
                week_of_month=r.week_of_month,
                anchor_date=r.anchor_date,
                valid_from=r.valid_from,
                valid_until=r.valid_until,
            )
            for r in demo.rules
        )
        cp.hours_exceptions.all().delete()
        HoursException.objects.bulk_create(
            HoursException(contact_point=cp, **exc) for exc in demo.exceptions
        )
        cp.replaces.set([by_slug[s] for s in demo.replaces])
        _demo_facts(cp, demo)
        services.hours_changed(contact_point_id=cp.pk)  # as the back office does
    return created, restored
