"""Contact points as Open Referral HSDS 3.0 records (docs/exports.md, "Open Referral").

The mapping, in short:
- one **organization**: the police force (settings.HSDS_ORGANIZATION);
- one **service** per thing a resident can do at a counter (report a crime, lost and found
  property, bail and signing on, produce documents, advice), each with the 101 and 999
  phones;
- one **location** per published contact point with an address, coordinates,
  accessibility (step-free access, hearing loop, private room) and languages — each
  stated only as its provenance allows: a fact nobody has confirmed says "not known";
- one **service_at_location** wherever a service is offered or may be (its fact is yes or
  not known; a confirmed "no" has none), saying which, with the place's schedules;
- **schedules** from the place's rules as RFC 5545 recurrences (weekly, fortnightly as
  interval 2, monthly as 1TH / -1TH), with `valid_from` / `valid_to`; dated changes and
  closures as dated schedules; what a recurrence cannot say (bank holidays, a session past
  midnight) in `notes`;
- **metadata** from the place's change history.

Every id is a UUID derived from the record's own key (`uuid5`), so it never changes for a
record and is the same on every copy of the database.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings

from contactpoints import hours
from contactpoints.models import SERVICES, ContactPoint, Fact, Known

NAMESPACE = uuid.UUID("6f1c1f0e-4a8e-4c55-9d7e-2d3b5f9a7c41")  # ours; never change it
DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
TAXONOMY = "contact-points-services"


def uid(*parts: object) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(str(p) for p in parts)))


# --- The organization, services and taxonomy --------------------------------------------


def organization_id() -> str:
    return uid("organization", settings.HSDS_ORGANIZATION["key"])


def organization() -> dict[str, Any]:
    info = settings.HSDS_ORGANIZATION
    return {
        "id": organization_id(),
        "name": info["name"],
        "description": info["description"],
        "website": info["website"],
        "phones": phones("organization", organization_id()),
    }


@dataclass(frozen=True)
class Service:
    field: str  # the ContactPoint field that says whether a place offers it
    name: str

    @property
    def id(self) -> str:
        return uid("service", self.field)

    @property
    def term_id(self) -> str:
        return uid("taxonomy_term", TAXONOMY, self.field)


KINDS = [Service(field, label) for field, label in SERVICES]
BY_ID = {s.id: s for s in KINDS}
BY_FIELD = {s.field: s for s in KINDS}


def taxonomy() -> dict[str, Any]:
    return {
        "id": uid("taxonomy", TAXONOMY),
        "name": "Contact Points services",
        "description": "What a resident can do at a police contact point or front counter.",
    }


def taxonomy_term(service: Service) -> dict[str, Any]:
    return {
        "id": service.term_id,
        "code": service.field.removeprefix("offers_"),
        "name": service.name,
        "description": f"{service.name} at a police contact point or front counter.",
        "taxonomy_id": taxonomy()["id"],
        "taxonomy": TAXONOMY,
    }


def phones(owner: str, owner_id: str) -> list[dict[str, Any]]:
    key = {"organization": "organization_id", "service": "service_id"}[owner]
    return [
        {
            "id": uid("phone", owner_id, "101"),
            key: owner_id,
            "number": "101",
            "type": "voice",
            "description": "Non-emergency: to check a place's hours or facilities before "
            "you travel.",
        },
        {
            "id": uid("phone", owner_id, "999"),
            key: owner_id,
            "number": "999",
            "type": "voice",
            "description": "Emergency: when a crime is happening or someone is in danger.",
        },
    ]


def service(kind: Service, modified: datetime | None, *, full: bool = False) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": kind.id,
        "organization_id": organization_id(),
        "name": kind.name,
        "description": f"{kind.name} in person at a police contact point or front counter. "
        "Whether a place offers it is stated only where a source confirms it; where it is "
        "not known the place says so: call 101 before you travel.",
        "status": "active",
        "url": settings.HSDS_ORGANIZATION["website"],
    }
    if modified is not None:
        record["last_modified"] = modified.isoformat()
    if full:
        record["organization"] = organization()
        record["phones"] = phones("service", kind.id)
        record["languages"] = [{"id": uid("language", kind.id, "en"), "service_id": kind.id,
                                "name": "English", "code": "en"}]  # fmt: skip
        record["attributes"] = [
            {
                "id": uid("attribute", kind.id, kind.term_id),
                "link_id": kind.id,
                "link_type": "service",
                "link_entity": "service",
                "taxonomy_term_id": kind.term_id,
                "taxonomy_term": taxonomy_term(kind),
            }
        ]
    return record


# --- Locations -------------------------------------------------------------------------


def location_id(cp: ContactPoint) -> str:
    return uid("location", cp.pk)


def _said(fact: Known, yes: str, no: str) -> str:
    if fact.state == "yes":
        return yes
    if fact.state == "no":
        return no
    return f"{fact.label}: not known (no source confirms it). Call 101 to check."


ACCESSIBILITY = ("has_step_free_access", "has_hearing_loop", "has_private_room")


def locations(places: Sequence[ContactPoint], base: str) -> dict[int, dict[str, Any]]:
    """{pk: location record} for these places, their change history read in one query."""
    logs = change_logs(places)
    return {cp.pk: location(cp, base, logs.get(cp.pk, [])) for cp in places}


def location(cp: ContactPoint, base: str, log: Sequence[Any]) -> dict[str, Any]:
    """`log`: the place's entries in the back office's log, newest first (`change_logs`)."""
    lid = location_id(cp)
    facts = {f.name: f for f in cp.facilities()}
    accessibility = [
        {
            "id": uid("accessibility", lid, name),
            "location_id": lid,
            "description": _said(
                facts[name], f"{facts[name].label}: yes.", f"{facts[name].label}: no."
            ),
        }
        for name in ACCESSIBILITY
    ]
    interpreter = facts["has_interpreter"]
    record: dict[str, Any] = {
        "id": lid,
        "location_type": "physical",
        "url": f"{base}{cp.get_absolute_url()}",
        "organization_id": organization_id(),
        "name": cp.name,
        "description": f"{cp.get_kind_display()}. {cp.status_line()}.",
        "accessibility": accessibility,
        "languages": [
            {
                "id": uid("language", lid, "en"),
                "location_id": lid,
                "name": "English",
                "code": "en",
                "note": _said(
                    interpreter,
                    "An interpreter or Language Line is available.",
                    "No interpreter or Language Line here.",
                ),
            }
        ],
        "addresses": [address(cp)] if cp.address_lines else [],
        "metadata": metadata(cp, log),
    }
    if cp.coordinates:
        record["latitude"], record["longitude"] = cp.coordinates
    if cp.entrance_description:
        record["transportation"] = cp.entrance_description
    return record


def address(cp: ContactPoint) -> dict[str, Any]:
    street = ", ".join(p for p in (cp.host_venue, cp.address_line_1) if p) or cp.name
    return {
        "id": uid("address", cp.pk),
        "location_id": location_id(cp),
        "address_1": street,
        "address_2": cp.address_line_2,
        "city": cp.town or "London",
        "region": cp.borough,
        "state_province": "England",
        "postal_code": cp.postcode or "",
        "country": "GB",
        "address_type": "physical",
    }


LOGGED = 20  # the most recent changes listed for each place


def change_logs(places: Sequence[ContactPoint]) -> dict[int, list[Any]]:
    """{pk: the place's back office log entries, newest first, at most LOGGED}, in one
    query for all of them."""
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    kind = ContentType.objects.get_for_model(ContactPoint)
    entries = LogEntry.objects.filter(
        content_type=kind, object_id__in=[str(cp.pk) for cp in places]
    ).order_by("-action_time")
    found: dict[int, list[Any]] = {}
    for entry in entries:
        kept = found.setdefault(int(entry.object_id), [])
        if len(kept) < LOGGED:
            kept.append(entry)
    return found


def metadata(cp: ContactPoint, log: Sequence[Any]) -> list[dict[str, Any]]:
    """The place's change history: when it was added and each change recorded in the back
    office's log (`log`, newest first), never who made it."""
    from django.contrib.admin.models import ADDITION, DELETION

    found = [
        _meta(cp, f"log-{entry.pk}", entry.action_time,
              {ADDITION: "create", DELETION: "delete"}.get(entry.action_flag, "update"))
        for entry in log
    ]  # fmt: skip
    if not any(m["last_action_type"] == "create" for m in found):
        found.append(_meta(cp, "created", cp.created_at, "create"))
    if not found or found[0]["last_action_date"] < cp.updated_at.date().isoformat():
        found.insert(0, _meta(cp, f"updated-{cp.updated_at.isoformat()}", cp.updated_at, "update"))
    return found


def _meta(cp: ContactPoint, key: str, when: datetime, action: str) -> dict[str, Any]:
    return {
        "id": uid("metadata", cp.pk, key),
        "resource_id": location_id(cp),
        "resource_type": "location",
        "last_action_date": when.date().isoformat(),
        "last_action_type": action,
        "field_name": "",
        "previous_value": "",
        "replacement_value": "",
        "updated_by": "Contact Points",
    }


# --- Schedules -------------------------------------------------------------------------


def schedules(cp: ContactPoint, owner: dict[str, str], today: date) -> list[dict[str, Any]]:
    """The place's hours as HSDS schedules, for `owner` ({"service_at_location_id": …} or
    {"location_id": …})."""
    schedule = cp.schedule()
    key = next(iter(owner.values()))
    found = []
    notes_all = _notes(cp)
    for rule in schedule.rules:
        recurrence = _rule(rule, today)
        if recurrence is None:
            continue  # ended before today: history, not a schedule anyone can attend
        found.append(
            {
                "id": uid("schedule", key, repr(rule)),
                **owner,
                **recurrence,
                "notes": notes_all + _rule_notes(rule),
            }
        )
    for exc in schedule.exceptions:
        if exc.ends_on < today:
            continue
        entry: dict[str, Any] = {
            "id": uid("schedule", key, repr(exc)),
            **owner,
            "valid_from": exc.starts_on.isoformat(),
            "valid_to": exc.ends_on.isoformat(),
            "dtstart": exc.starts_on.isoformat(),
            "until": exc.ends_on.isoformat(),
            "freq": "WEEKLY",
            "byday": ",".join(DAYS),
            "interval": 1,
            "description": exc.reason or ("Closed" if exc.closed else "Different hours"),
        }
        if exc.closed:
            entry["notes"] = (
                f"Closed from {exc.starts_on} to {exc.ends_on}: {exc.reason or 'closed'}. "
                "These dates replace the usual hours."
            )
        else:
            entry["opens_at"] = f"{exc.opens:%H:%M}"
            entry["closes_at"] = f"{exc.closes:%H:%M}"
            entry["notes"] = (
                f"From {exc.starts_on} to {exc.ends_on} these hours replace the usual ones "
                f"({exc.reason or 'different hours'})."
                + (" Closes after midnight." if exc.overnight else "")
            )
        found.append(entry)
    return found


def _notes(cp: ContactPoint) -> str:
    parts = ["Times are London local time (GMT or BST)."]
    if cp.closed_on_bank_holidays:
        parts.append("Closed on bank holidays in England and Wales.")
    elif not cp.is_confirmed(Fact.BANK_HOLIDAYS):
        parts.append("Bank holiday opening is not confirmed: call 101 before you travel.")
    if not cp.is_confirmed(Fact.HOURS):
        parts.append("These hours are not confirmed: call 101 before you travel.")
    return " ".join(parts)


def first_occurrence(rule: hours.WeeklyRule, today: date) -> date | None:
    """The rule's first day on or after `today` (and its `valid_from`), or None if it has
    none before it ends: the recurrence's `dtstart`, so that an iCalendar reader starts
    where the rule does (RFC 5545 counts DTSTART as the first occurrence)."""
    day = max(today, rule.valid_from or today)
    day += timedelta(days=(rule.weekday - day.weekday()) % 7)
    # Every weekday falls five times in some month of any twelve, so a year of weeks finds
    # the next day of any rule, a "fifth Thursday" that is four months away included.
    for week in range(54):
        candidate = day + timedelta(weeks=week)
        if rule.valid_until is not None and candidate > rule.valid_until:
            return None
        if rule.occurs_on(candidate):
            return candidate
    return None


def _rule(rule: hours.WeeklyRule, today: date) -> dict[str, Any] | None:
    first = first_occurrence(rule, today)
    if first is None:
        return None
    entry: dict[str, Any] = {
        "freq": "WEEKLY",
        "interval": 1,
        "byday": DAYS[rule.weekday],
        "opens_at": f"{rule.opens:%H:%M}",
        "closes_at": f"{rule.closes:%H:%M}",
        "wkst": "MO",
        "dtstart": first.isoformat(),
    }
    if rule.recurrence == hours.Recurrence.FORTNIGHTLY:
        entry["interval"] = 2
    elif rule.recurrence == hours.Recurrence.MONTHLY:
        week = rule.week_of_month or 1
        entry |= {"freq": "MONTHLY", "byday": f"{week}{DAYS[rule.weekday]}"}
    if rule.valid_from:
        entry["valid_from"] = rule.valid_from.isoformat()
    if rule.valid_until:
        entry["valid_to"] = rule.valid_until.isoformat()
        entry["until"] = rule.valid_until.isoformat()
    return entry


def _rule_notes(rule: hours.WeeklyRule) -> str:
    if rule.overnight and rule.opens == rule.closes:
        return " Open 24 hours: from the opening time to the same time the next day."
    if rule.overnight:
        return " Closes after midnight, on the next day."
    return ""


# --- Service at location ---------------------------------------------------------------


def offered(cp: ContactPoint) -> dict[str, Known]:
    """{service field: its fact} for the services this place offers or may offer."""
    return {f.name: f for f in cp.services() if f.state != "no"}


def service_at_location_id(kind: Service, cp: ContactPoint) -> str:
    return uid("service_at_location", kind.field, cp.pk)


def service_at_location(
    kind: Service,
    cp: ContactPoint,
    fact: Known,
    today: date,
    *,
    location: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The short record; in full (nested) when given the place's `location` record."""
    sid = service_at_location_id(kind, cp)
    said = (
        f"{kind.name}: offered here (confirmed)."
        if fact.state == "yes"
        else f"{kind.name}: not known whether it is offered here (no source confirms it). "
        "Call 101 before you travel."
    )
    record: dict[str, Any] = {
        "id": sid,
        "service_id": kind.id,
        "location_id": location_id(cp),
        "description": f"{said} {cp.status_line()}.",
    }
    if location is not None:
        owner = {"service_at_location_id": sid}
        record["schedules"] = schedules(cp, owner, today) if cp.is_operating else []
        record["location"] = location
        record["service"] = service(kind, None)
        record["phones"] = phones("service", kind.id)
    return record
