"""The role views an account may open, and which one its home page sends it to.

A view is offered when the account's permissions reach what the view shows (never by role
name): their own progress when the account is a person; their team when it may read a team
and has people reporting to it; the program and the compliance records when it may read those
for everyone. An account with several opens the one it used last (a cookie), else the widest.
"""

from __future__ import annotations

from sqlalchemy import Connection

from proficio.auth.permissions import Action, Actor, Reach, reach_of
from proficio.storage import people as people_store

VIEW_COOKIE = "proficio_view"
# (name, label, path), widest first: the default home of an account that holds several.
VIEWS = (
    ("program", "Program", "/program"),
    ("compliance", "Compliance", "/compliance"),
    ("team", "My team", "/team"),
    ("learner", "My progress", "/me"),
)


def views_of(conn: Connection, actor: Actor) -> list[dict[str, str]]:
    allowed = set()
    if reach_of(actor, Action.PROGRAM_READ) is Reach.EVERYONE:
        allowed.add("program")
    if reach_of(actor, Action.TRAINING_RECORDS_READ) is Reach.EVERYONE:
        allowed.add("compliance")
    if actor.person_id is not None:
        if reach_of(actor, Action.PROGRESS_READ) >= Reach.SELF:
            allowed.add("learner")
        if reach_of(actor, Action.TEAMS_READ) >= Reach.TEAM and people_store.reports_of(
            conn, [actor.person_id]
        ):
            allowed.add("team")
    return [
        {"name": name, "label": label, "path": path}
        for name, label, path in VIEWS
        if name in allowed
    ]


def home_of(views: list[dict[str, str]], remembered: str | None) -> str | None:
    """The path `/` sends the account to, or None when it has no view at all."""
    for view in views:
        if view["name"] == remembered:
            return view["path"]
    return views[0]["path"] if views else None
