"""Loading the demo organisation into a database, through the importers a customer uses.

`build_demo` generates Northwind's files (`generate_demo`, seeded), then imports them in the
order a real rollout would: the HRIS roster, the cohorts, then every statement source. It then
makes one account per role; `demo_sign_ins` gives those accounts fresh passwords, so each start
of `proficio demo` can print working sign-ins without any password being stored in clear.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from proficio.auth.accounts import create_account, list_accounts, set_password
from proficio.auth.passwords import generate_password
from proficio.capture.enrolments import record_enrolments
from proficio.capture.importer import ImportJob, import_file
from proficio.capture.mapping import Mapping
from proficio.capture.profile import Profile
from proficio.capture.rows import People
from proficio.capture.sinks import DatabaseSink
from proficio.demo.company import DOMAIN
from proficio.demo.files import write_demo_files
from proficio.demo.generate import DemoOrg, generate_demo
from proficio.demo.program import plans
from proficio.lrs.handlers import statement_subscribers
from proficio.people.cohort_file import read_cohort_file
from proficio.people.cohorts import apply_cohorts
from proficio.people.directory import apply_roster
from proficio.people.roster import RosterMapping, read_roster
from proficio.progress.judging import drain
from proficio.progress.plans import load_plans
from proficio.progress.service import Frameworks, ensure_default_framework
from proficio.settings import Settings
from proficio.storage import people as people_store
from proficio.storage.accounts import get_account_by_email
from proficio.storage.database import Database

# (kind, file, mapping file): the statement sources, in the order they are imported.
SOURCES = (
    ("lms", "lms.csv", None),
    ("usage", "usage.csv", None),
    ("usage", "usage_last_activity.csv", "usage_last_activity.mapping.yaml"),
    ("survey", "surveys.csv", None),
    ("observation", "observations.csv", None),
    ("office-hours", "office_hours.csv", None),
    ("workflow", "workflows.csv", None),
)


def demo_authority(settings: Settings) -> dict[str, object]:
    return {
        "objectType": "Agent",
        "account": {"homePage": settings.public_url, "name": "proficio-demo"},
    }


@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str
    roles: tuple[str, ...]
    person_id: str | None
    about: str


@dataclass(frozen=True)
class SignIn:
    email: str
    roles: tuple[str, ...]
    person_id: str | None
    password: str

    @property
    def role(self) -> str:
        """The widest of the account's roles, to name it by."""
        return max(self.roles, key=lambda r: ROLE_ORDER.index(r) if r in ROLE_ORDER else -1)


ROLE_ORDER = ("learner", "manager", "enablement", "compliance", "admin")


def has_people(database: Database) -> bool:
    return bool(database.read_sync(lambda c: people_store.find_people(c, among=None, limit=1)))


def build_demo(
    database: Database,
    *,
    settings: Settings,
    seed: int,
    people: int,
    today: dt.date,
    say: Callable[[str], None] = lambda _: None,
) -> list[DemoAccount]:
    """Generate and import the demo organisation; returns its accounts (no passwords yet)."""
    org = generate_demo(seed=seed, people=people, today=today)
    profile = Profile(settings.profile_namespace)
    with database.transaction() as tx:
        ensure_default_framework(tx.conn, profile=profile)
    with tempfile.TemporaryDirectory(prefix="proficio-demo-") as directory:
        folder = Path(directory)
        write_demo_files(org, folder)
        rows = read_roster(folder / "roster.csv", RosterMapping())
        with database.transaction() as tx:
            apply_roster(tx.conn, rows=rows, today=today, home_page=settings.public_url)
            cohorts = read_cohort_file(folder / "cohorts.yaml")
            apply_cohorts(tx.conn, cohorts=cohorts, today=today)
            record_enrolments(
                tx,
                cohorts=cohorts,
                path=folder / "cohorts.yaml",
                profile=Profile(settings.profile_namespace),
                home_page=settings.public_url,
                authority=demo_authority(settings),
            )
            load_plans(
                tx.conn,
                document=plans(org.cohorts),
                frameworks=Frameworks(profile).current(tx.conn),
                at=dt.datetime.now(dt.UTC).isoformat(),
            )
        say(f"{len(rows):,} people and {len(org.cohorts)} cohorts")
        people_index = database.read_sync(People.load)
        subscribers = statement_subscribers(account_home_pages=settings.account_home_pages)
        for kind, name, mapping_name in SOURCES:
            mapping = (
                Mapping.load(folder / mapping_name, kind=kind)
                if mapping_name
                else Mapping(kind=kind)
            )
            job = ImportJob(
                path=folder / name,
                mapping=mapping,
                profile=Profile(settings.profile_namespace),
                home_page=settings.public_url,
                authority=demo_authority(settings),
            )
            with DatabaseSink(database, subscribers=subscribers) as sink:
                report = import_file(job, people=people_index, sink=sink, workers=1)
            say(f"{name}: {report.rows:,} rows, {report.stored:,} statements")
    judged = drain(database, profile=profile)
    say(f"levels judged for {judged:,} people")
    accounts = demo_accounts(org)
    with database.transaction() as tx:
        for account in accounts:
            if get_account_by_email(tx.conn, account.email) is None:
                create_account(
                    tx.conn,
                    email=account.email,
                    password=generate_password(),
                    roles=list(account.roles),
                    person_id=account.person_id,
                )
    return accounts


def demo_accounts(org: DemoOrg) -> list[DemoAccount]:
    """One account per role, on people whose data shows something worth seeing."""
    cohort_members = {p for c in org.cohorts for p in c.members}
    managers = {p.manager_id for p in org.people if p.manager_id}

    def first(department: str, *, manager: bool, role: str | None = None) -> str:
        """The first such person; the role is a preference (a small company may lack it)."""
        candidates = [
            p
            for p in org.people
            if p.department == department
            and (p.person_id in managers) == manager
            and (manager or p.person_id in cohort_members)
        ]
        preferred = [p for p in candidates if p.role == role]
        return (preferred or candidates)[0].person_id

    by_id = {p.person_id: p for p in org.people}
    domain = DOMAIN
    learner = first("Engineering", manager=False)
    manager = first("Sales", manager=True, role="Sales Manager")
    enablement = first("HR", manager=False, role="HR Business Partner")
    compliance = first("Legal", manager=False, role="Privacy Counsel")
    return [
        DemoAccount("learner", by_id[learner].email, ("learner",), learner, "an engineer"),
        DemoAccount(
            "manager", by_id[manager].email, ("manager", "learner"), manager, "a sales manager"
        ),
        DemoAccount(
            "enablement", by_id[enablement].email, ("enablement",), enablement, "runs the program"
        ),
        DemoAccount(
            "compliance", by_id[compliance].email, ("compliance",), compliance, "privacy counsel"
        ),
        DemoAccount("admin", f"admin@{domain}", ("admin",), None, "administers Proficio"),
    ]


def demo_sign_ins(database: Database) -> list[SignIn]:
    """A fresh password for each of the demo's accounts (those at the demo company's domain),
    printed by `proficio demo` at every start; none is stored in clear."""
    sign_ins = []
    with database.transaction() as tx:
        for account in list_accounts(tx.conn):
            if not account.email.endswith("@" + DOMAIN):
                continue
            password = generate_password()
            set_password(tx.conn, email=account.email, password=password)
            sign_ins.append(
                SignIn(account.email, tuple(account.roles), account.person_id, password)
            )
    order = {role: n for n, role in enumerate(ROLE_ORDER)}
    return sorted(sign_ins, key=lambda s: order.get(s.roles[0], 99))


def is_demo(database: Database) -> bool:
    """Whether the database holds the demo organisation (its accounts are at the demo domain)."""
    return any(a.email.endswith("@" + DOMAIN) for a in database.read_sync(list_accounts))
