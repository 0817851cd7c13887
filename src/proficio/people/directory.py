"""The people directory: applying an HRIS roster, and teams derived from the hierarchy.

A roster lists every current employee. Applying one adds the new people, updates the ones
whose details changed, marks those no longer listed as leavers (never deleting them: their
statements and history stay theirs), disables a leaver's account and ends its sessions, and
brings back a leaver who reappears (their account stays disabled until an admin acts). Each
listed person gets their identifiers linked (`people.identities.link_roster`). The report says
what changed, field by field. Callers own the transaction.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from proficio.auth.disabling import disable_accounts_of
from proficio.people.identities import MERGED, LinkReport, link_roster
from proficio.people.roster import RosterRow
from proficio.storage import people as store

ACTIVE, LEFT = "active", "left"
_DETAILS = ("name", "email", "department", "role", "location", "manager_id", "hire_date")


@dataclass
class RosterReport:
    added: list[str] = field(default_factory=list)
    updated: dict[str, dict[str, tuple[Any, Any]]] = field(default_factory=dict)
    left: list[str] = field(default_factory=list)
    rejoined: list[str] = field(default_factory=list)
    changed_on_return: dict[str, dict[str, tuple[Any, Any]]] = field(default_factory=dict)
    unchanged: int = 0
    identities: LinkReport = field(default_factory=LinkReport)
    accounts_disabled: list[str] = field(default_factory=list)  # emails, of leavers

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": len(self.added),
            "updated": len(self.updated),
            "left": len(self.left),
            "rejoined": len(self.rejoined),
            "unchanged": self.unchanged,
            "changes": {
                person: {name: {"from": old, "to": new} for name, (old, new) in fields.items()}
                for person, fields in (self.updated | self.changed_on_return).items()
            },
            "left_ids": self.left,
            "added_ids": self.added,
            "rejoined_ids": self.rejoined,
            "identifiers_linked": len(self.identities.linked),
            # Identifiers the roster would give a person but someone else holds (a merge, a
            # split, an email now used by another person): left where they are.
            "identifier_conflicts": self.identities.to_dict()["conflicts"],
            "accounts_disabled": self.accounts_disabled,
        }


def apply_roster(
    conn: Connection, *, rows: list[RosterRow], today: dt.date, home_page: str
) -> RosterReport:
    """Make the directory match the roster (see the module docstring); `home_page` is the
    homePage of the xAPI account each person gets (the `public_url` setting)."""
    known = store.all_people(conn)
    report = RosterReport()
    now_us = time.time_ns() // 1000
    new_people = []
    listed = set()
    for row in rows:
        listed.add(row.person_id)
        details = {name: getattr(row, name) for name in _DETAILS}
        before = known.get(row.person_id)
        if before is None:
            new_people.append(
                {
                    "person_id": row.person_id,
                    **details,
                    "status": ACTIVE,
                    "left_on": None,
                    "updated_us": now_us,
                }
            )
            report.added.append(row.person_id)
            continue
        changes = {n: (before[n], v) for n, v in details.items() if before[n] != v}
        # A merged person stays merged: their identifiers are someone else's now.
        status = MERGED if before["status"] == MERGED else ACTIVE
        if before["status"] == LEFT:
            report.rejoined.append(row.person_id)
            if changes:  # what changed while they were away
                report.changed_on_return[row.person_id] = changes
        elif changes:
            report.updated[row.person_id] = changes
        else:
            report.unchanged += 1
            continue
        store.update_person(
            conn,
            row.person_id,
            {**details, "status": status, "left_on": None, "updated_us": now_us},
        )
    store.insert_people(conn, new_people)
    report.identities = link_roster(
        conn,
        people=[(row.person_id, row.email) for row in rows],
        home_page=home_page,
        by="roster import",
    )
    for person_id, before in sorted(known.items()):
        if person_id not in listed and before["status"] == ACTIVE:
            store.update_person(
                conn,
                person_id,
                {"status": LEFT, "left_on": today.isoformat(), "updated_us": now_us},
            )
            report.left.append(person_id)
    report.accounts_disabled = disable_accounts_of(conn, person_ids=report.left)
    return report


def reporting_line(conn: Connection, *, manager_id: str) -> list[str]:
    """Everyone who reports to `manager_id`, directly or not: a manager's team."""
    team: list[str] = []
    seen = {manager_id}
    frontier = [manager_id]
    while frontier:
        reports = [p for p in store.reports_of(conn, frontier) if p not in seen]
        seen.update(reports)
        team += reports
        frontier = reports
    return sorted(team)
