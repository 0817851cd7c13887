"""A small demo company (150 people, through the importers) for the dashboard tests, built once
per module on each database, and its accounts signed in."""

from __future__ import annotations

import re
from dataclasses import dataclass

from click.testing import CliRunner
from fastapi.testclient import TestClient

from proficio.cli import main
from tests.factories import AccountLogin, APIClient, sign_in

DEMO_PEOPLE = 150


@dataclass(frozen=True)
class DemoOrg:
    url: str
    logins: dict[str, AccountLogin]  # role -> account, as `proficio demo` printed it


def build_demo_org(url: str) -> DemoOrg:
    result = CliRunner().invoke(
        main, ["demo", "--db", url, "--people", str(DEMO_PEOPLE), "--no-serve"]
    )
    assert result.exit_code == 0, result.output
    found = re.findall(
        r"^  (\w+)\s+(\S+@\S+)\s+(\S+)  \(([^;)]+)(?:; person ([^)\s]+))?", result.output, re.M
    )
    logins = {
        role: AccountLogin(0, email, password, person or None, tuple(roles.split(", ")))
        for role, email, password, roles, person in found
    }
    assert list(logins) == ["learner", "manager", "enablement", "compliance", "admin"]
    return DemoOrg(url, logins)


def signed_in(http: TestClient, org: DemoOrg, role: str) -> APIClient:
    return sign_in(http, org.logins[role])
