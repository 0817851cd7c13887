"""Importing a 1EdTech CASE 1.1 CFPackage as a competency framework document: the outline,
ids, related links and every refusal, each naming the document part, item or association."""

from __future__ import annotations

import copy
import json
import pickle
from pathlib import Path
from typing import Any

import pytest

from proficio.errors import BadRequest
from proficio.progress.case import CaseError, framework_from_case, read_case_file

BASE = "https://case.example.org/ims/case/v1p1"
DOC = "9b3c8f2e-5d1a-4c7b-8e2f-1a2b3c4d5e6f"
OTHER_DOC = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"
CHANGED = "2025-03-04T10:00:00+00:00"
INFO, SEARCH, SEARCH_AI, EVALUATE, COMMS, PROMPTS = (
    f"c1f0e6a2-0001-4a5e-9d6b-00000000000{n}" for n in range(1, 7)
)


def _node(identifier: str, title: str) -> dict[str, str]:
    kind = "CFDocuments" if identifier in (DOC, OTHER_DOC) else "CFItems"
    return {"title": title, "identifier": identifier, "uri": f"{BASE}/{kind}/{identifier}"}


def _item(identifier: str, full: str, code: str | None = None, **more: Any) -> dict[str, Any]:
    item = {
        "identifier": identifier,
        "uri": f"{BASE}/CFItems/{identifier}",
        "fullStatement": full,
        "CFItemType": "Competency",
        "lastChangeDateTime": CHANGED,
        "CFDocumentURI": _node(DOC, "Digital Skills for Work"),
        **more,
    }
    if code is not None:
        item["humanCodingScheme"] = code
    return item


def _link(
    identifier: str, kind: str, origin: str, destination: str, sequence: int | None = None
) -> dict[str, Any]:
    association: dict[str, Any] = {
        "identifier": identifier,
        "uri": f"{BASE}/CFAssociations/{identifier}",
        "associationType": kind,
        "originNodeURI": _node(origin, "origin"),
        "destinationNodeURI": _node(destination, "destination"),
        "lastChangeDateTime": CHANGED,
    }
    if sequence is not None:
        association["sequenceNumber"] = sequence
    return association


def _package() -> dict[str, Any]:
    """A two-domain framework; the items are listed out of outline order on purpose."""
    return {
        "CFDocument": {
            "identifier": DOC,
            "uri": f"{BASE}/CFDocuments/{DOC}",
            "creator": "Example Skills Council",
            "title": "Digital Skills for Work",
            "version": "2.0",
            "lastChangeDateTime": CHANGED,
            "caseVersion": "1.1",
        },
        "CFItems": [
            _item(COMMS, "Communicate clearly with colleagues and tools.", "DS.2"),
            _item(SEARCH_AI, "Write search prompts that an AI assistant answers well.", "DS.1.1.a"),
            _item(
                INFO,
                "Find, judge and use information for the task at hand.",
                "DS.1",
                abbreviatedStatement="Information literacy",
                CFItemType="Domain",
            ),
            _item(EVALUATE, "Judge whether a source can be trusted.", "DS.1.2"),
            _item(SEARCH, "Search for the information a task needs.", "DS.1.1"),
            _item(PROMPTS, "Write clear prompts for an AI assistant."),
        ],
        "CFAssociations": [
            _link("a-01", "isChildOf", INFO, DOC, 1),
            _link("a-02", "isChildOf", COMMS, DOC, 2),
            _link("a-03", "isChildOf", EVALUATE, INFO, 2),
            _link("a-04", "isChildOf", SEARCH, INFO, 1),
            _link("a-05", "isChildOf", SEARCH_AI, SEARCH),
            _link("a-06", "isChildOf", PROMPTS, COMMS),
            _link("a-07", "exactMatchOf", PROMPTS, SEARCH_AI),
            _link("a-08", "precedes", SEARCH, EVALUATE),
            _link("a-09", "exactMatchOf", EVALUATE, OTHER_DOC),  # another framework: left out
        ],
        "CFDefinitions": {"CFItemTypes": [], "CFConcepts": []},
    }


def _competency(cid: str, name: str, parent: str | None, case_id: str, **more: Any) -> Any:
    return {
        "id": cid,
        "name": name,
        "description": more.pop("description", name),
        "parent": parent,
        "case_identifier": case_id,
        "levels": {},
        **more,
    }


def test_a_package_becomes_a_framework_in_outline_order() -> None:
    assert framework_from_case(_package()) == {
        "id": DOC,
        "name": "Digital Skills for Work",
        "version": "2.0",
        "source": {"format": "CASE 1.1", "document": DOC, "uri": f"{BASE}/CFDocuments/{DOC}"},
        "competencies": [
            _competency(
                "ds-1",
                "Information literacy",
                None,
                INFO,
                description="Find, judge and use information for the task at hand.",
            ),
            _competency(
                "ds-1-1",
                "Search for the information a task needs.",
                "ds-1",
                SEARCH,
                related=[{"type": "precedes", "id": "ds-1-2"}],
            ),
            _competency(
                "ds-1-1-a",
                "Write search prompts that an AI assistant answers well.",
                "ds-1-1",
                SEARCH_AI,
            ),
            _competency("ds-1-2", "Judge whether a source can be trusted.", "ds-1", EVALUATE),
            _competency("ds-2", "Communicate clearly with colleagues and tools.", None, COMMS),
            _competency(
                PROMPTS,
                "Write clear prompts for an AI assistant.",
                "ds-2",
                PROMPTS,
                related=[{"type": "exactMatchOf", "id": "ds-1-1-a"}],
            ),
        ],
    }


def test_a_shared_coding_scheme_falls_back_to_identifiers_and_dates_stand_for_versions() -> None:
    package = _package()
    del package["CFDocument"]["version"]
    package["CFItems"][3]["humanCodingScheme"] = "DS 1.1"  # slugs like DS.1.1
    framework = framework_from_case(package)
    assert framework["version"] == CHANGED
    by_case = {c["case_identifier"]: c["id"] for c in framework["competencies"]}
    assert (by_case[INFO], by_case[SEARCH], by_case[EVALUATE]) == ("ds-1", SEARCH, EVALUATE)
    assert framework["competencies"][1]["related"] == [{"type": "precedes", "id": EVALUATE}]


def test_an_item_without_a_parent_is_top_level_and_the_title_names_a_document_without_id() -> None:
    package = _package()
    del package["CFDocument"]["identifier"]
    package["CFAssociations"] = []
    framework = framework_from_case(package)
    assert framework["id"] == "digital-skills-for-work"
    assert [c["parent"] for c in framework["competencies"]] == [None] * 6


def _refusal(package: Any) -> CaseError:
    with pytest.raises(CaseError) as caught:
        framework_from_case(package)
    return caught.value


@pytest.mark.parametrize(
    ("package", "item"),
    [
        ([], "CFPackage"),
        ({"CFItems": []}, "CFDocument"),
        ({"CFDocument": {"identifier": DOC, "title": "T"}}, "CFItems"),
        ({"CFDocument": {"identifier": DOC, "title": "T"}, "CFItems": {}}, "CFItems"),
    ],
)
def test_a_package_needs_a_document_and_items(package: Any, item: str) -> None:
    error = _refusal(package)
    assert error.item == item
    assert item in error.reason


def test_an_item_needs_an_identifier() -> None:
    package = _package()
    del package["CFItems"][2]["identifier"]
    error = _refusal(package)
    assert (error.item, error.reason) == ("CFItems[2]", "CFItems[2] has no identifier.")


def test_an_item_needs_a_full_statement() -> None:
    package = _package()
    package["CFItems"][4]["fullStatement"] = "  "
    error = _refusal(package)
    assert (error.item, error.reason) == (SEARCH, f"CFItem {SEARCH} has no fullStatement.")


def test_item_identifiers_are_unique() -> None:
    package = _package()
    package["CFItems"].append(copy.deepcopy(package["CFItems"][0]))
    error = _refusal(package)
    assert (error.item, error.reason) == (COMMS, f"CFItem {COMMS} appears twice in the package.")


@pytest.mark.parametrize(
    ("change", "names"),
    [
        (lambda a: a["destinationNodeURI"].pop("identifier"), "destinationNodeURI"),
        (lambda a: a.pop("originNodeURI"), "originNodeURI"),
        (lambda a: a["destinationNodeURI"].update(identifier="nowhere"), "nowhere"),
        (lambda a: a["originNodeURI"].update(identifier=DOC), DOC),
    ],
)
def test_a_broken_association_is_named(change: Any, names: str) -> None:
    package = _package()
    change(package["CFAssociations"][4])
    error = _refusal(package)
    assert error.item == "a-05"
    assert error.reason.startswith("CFAssociation a-05 is broken: ")
    assert names in error.reason


def test_an_association_with_no_end_in_the_package_is_broken() -> None:
    package = _package()
    package["CFAssociations"].append(_link("a-10", "isRelatedTo", "elsewhere", OTHER_DOC))
    error = _refusal(package)
    assert error.item == "a-10"
    assert "elsewhere" in error.reason


def test_an_item_has_one_parent() -> None:
    package = _package()
    package["CFAssociations"].append(_link("a-10", "isChildOf", SEARCH_AI, EVALUATE))
    error = _refusal(package)
    assert error.item == SEARCH_AI
    assert error.reason == (
        f"CFItem {SEARCH_AI} is a child of both {SEARCH} and {EVALUATE}; "
        "a competency has one parent."
    )


def test_the_same_parent_twice_is_one_parent() -> None:
    package = _package()
    package["CFAssociations"].append(_link("a-10", "isChildOf", SEARCH_AI, SEARCH))
    assert framework_from_case(package) == framework_from_case(_package())


def test_a_cycle_of_parents_is_listed() -> None:
    package = _package()
    package["CFAssociations"][3] = _link("a-04", "isChildOf", SEARCH, SEARCH_AI)
    error = _refusal(package)
    assert error.item == SEARCH
    assert (
        error.reason == f"CFItem {SEARCH} is its own ancestor: {SEARCH} -> {SEARCH_AI} -> {SEARCH}."
    )


def test_ids_that_collide_once_slugified_are_refused() -> None:
    package = _package()
    package["CFItems"].append(_item("DS_2", "Speak up in meetings."))  # slugs to ds-2, as DS.2
    package["CFAssociations"].append(_link("a-10", "isChildOf", "DS_2", COMMS))
    error = _refusal(package)
    assert error.item == "DS_2"
    assert error.reason == f"CFItem DS_2 would have the id ds-2 of CFItem {COMMS}."


def test_a_case_error_is_a_bad_request_naming_the_item() -> None:
    error = CaseError("CFItem x has no fullStatement.", "x")
    assert isinstance(error, BadRequest)
    assert error.status == 400
    assert error.to_dict()["field"] == "x"
    copied = pickle.loads(pickle.dumps(error))
    assert (type(copied), copied.reason, copied.item) == (CaseError, error.reason, "x")


def test_a_case_file_is_read_with_or_without_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "framework.json"
    path.write_text("\ufeff" + json.dumps(_package()), encoding="utf-8")
    assert framework_from_case(read_case_file(path)) == framework_from_case(_package())


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'{"CFDocument": ', "case.json is not valid JSON (Expecting value at line 1)."),
        (b"[]", "case.json does not hold a JSON object."),
        (b"\xff\xfe{}", "case.json is not UTF-8 text."),
        (b"[" * 100_000, "case.json is nested too deeply to be a CASE package."),
        (None, "case.json cannot be read (No such file or directory)."),
    ],
)
def test_an_unreadable_case_file_is_named(
    tmp_path: Path, content: bytes | None, reason: str
) -> None:
    path = tmp_path / "case.json"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(CaseError) as caught:
        read_case_file(path)
    assert (caught.value.item, caught.value.reason) == ("case.json", reason)
