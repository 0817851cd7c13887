"""Reference docs are generated from the code; these tests fail when they drift."""

from __future__ import annotations

from proficio.docs import generated
from proficio.settings import Settings


def test_generated_docs_are_up_to_date() -> None:
    for path, text in generated().items():
        assert path.read_text() == text, f"{path.name} is stale: run `python -m proficio.docs`"


def test_every_setting_is_described() -> None:
    for name, field in Settings.model_fields.items():
        assert field.description, f"setting {name} has no description"
