"""Import of a 1EdTech CASE 1.1 package as a competency framework document.

The input is the `CFPackage` of ``GET /ims/case/v1p1/CFPackages/{id}`` (CASE 1.1,
https://www.imsglobal.org/spec/case/v1p1/): `CFDocument`, `CFItems`, `CFAssociations`.
`isChildOf` associations make the hierarchy; other associations between two items of the package
are kept as `related`; associations to other documents are left out. CASE carries no evidence
rules, so every competency comes with empty `levels`: listed, not assessed, until rules are added.
`CFDefinitions` and `CFRubrics` are not read.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from proficio.errors import BadRequest

FORMAT = "CASE 1.1"
_CHILD_OF = "isChildOf"


class CaseError(BadRequest):
    """A CASE package Proficio cannot import; `item` (the body's `field`) names the culprit."""

    code = "invalid_case_package"

    def __init__(self, message: str, item: str) -> None:
        self.item = item
        super().__init__(message, field=item)

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.reason, self.item))


@dataclass(frozen=True, slots=True)
class _Item:
    full: str
    short: str | None
    code: str | None  # humanCodingScheme


def read_case_file(path: Path) -> dict[str, Any]:
    """The JSON object of a CASE package file (UTF-8, with or without a byte-order mark)."""
    try:
        package = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        reason = f"cannot be read ({exc.strerror})"
    except UnicodeDecodeError:
        reason = "is not UTF-8 text"
    except json.JSONDecodeError as exc:
        reason = f"is not valid JSON ({exc.msg} at line {exc.lineno})"
    except RecursionError:  # thousands of nested arrays: no CASE package looks like that
        reason = "is nested too deeply to be a CASE package"
    else:
        if isinstance(package, dict):
            return package
        reason = "does not hold a JSON object"
    raise CaseError(f"{path.name} {reason}.", path.name)


def framework_from_case(package: Any) -> dict[str, Any]:
    """The framework document of a CFPackage: competencies in outline order, parents first."""
    if not isinstance(package, dict):
        raise CaseError("A CFPackage must be a JSON object.", "CFPackage")
    document = package.get("CFDocument")
    if not isinstance(document, dict):
        raise CaseError("The CASE package has no CFDocument object.", "CFDocument")
    doc_id = _text(document, "identifier", "CFDocument")
    title = _text(document, "title", "CFDocument")
    if title is None:
        raise CaseError("The CFDocument has no title.", "CFDocument.title")
    framework_id = slugify(doc_id or "") or slugify(title)
    if not framework_id:
        raise CaseError("The CFDocument has no identifier or title to name it by.", "CFDocument")
    items = _items(_objects(package, "CFItems", required=True), doc_id)
    ids = _competency_ids(items)
    parent_of, sequence, related = _links(
        _objects(package, "CFAssociations", required=False), items, doc_id, ids
    )
    _check_cycles(parent_of)
    competencies: list[dict[str, Any]] = []
    for identifier in _outline(list(items), parent_of, sequence):
        item, parent = items[identifier], parent_of.get(identifier)
        competency: dict[str, Any] = {
            "id": ids[identifier],
            "name": item.short or item.full,
            "description": item.full,
            "parent": ids[parent] if parent else None,
            "case_identifier": identifier,
            "levels": {},
        }
        if identifier in related:
            competency["related"] = related[identifier]
        competencies.append(competency)
    version = document.get("version") or document.get("lastChangeDateTime") or "1"
    return {
        "id": framework_id,
        "name": title,
        "version": str(version),
        "source": {"format": FORMAT, "document": doc_id, "uri": document.get("uri")},
        "competencies": competencies,
    }


def slugify(text: str) -> str:
    """Lower-case ASCII letters, digits and single hyphens: ``"RL.K.1"`` -> ``"rl-k-1"``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _text(obj: dict[str, Any], key: str, item: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise CaseError(f"The {key} of {item} is not a string.", item)
    return value.strip() or None


def _objects(package: dict[str, Any], key: str, *, required: bool) -> list[dict[str, Any]]:
    entries = package.get(key)
    if entries is None and not required:
        return []
    if not isinstance(entries, list):
        raise CaseError(f"The CASE package has no {key} list.", key)
    for n, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise CaseError(f"{key}[{n}] is not a JSON object.", f"{key}[{n}]")
    return entries


def _items(entries: list[dict[str, Any]], doc_id: str | None) -> dict[str, _Item]:
    items: dict[str, _Item] = {}
    for n, entry in enumerate(entries):
        identifier = _text(entry, "identifier", f"CFItems[{n}]")
        if identifier is None:
            raise CaseError(f"CFItems[{n}] has no identifier.", f"CFItems[{n}]")
        full = _text(entry, "fullStatement", identifier)
        if full is None:
            raise CaseError(f"CFItem {identifier} has no fullStatement.", identifier)
        if identifier in items or identifier == doc_id:
            raise CaseError(f"CFItem {identifier} appears twice in the package.", identifier)
        short = _text(entry, "abbreviatedStatement", identifier)
        code = _text(entry, "humanCodingScheme", identifier)
        items[identifier] = _Item(full, short, code)
    return items


def _competency_ids(items: dict[str, _Item]) -> dict[str, str]:
    """humanCodingScheme when its slug is unique in the package, else the CASE identifier."""
    codes = {identifier: slugify(item.code or "") for identifier, item in items.items()}
    uses = Counter(codes.values())
    ids: dict[str, str] = {}
    owner: dict[str, str] = {}
    for identifier, code in codes.items():
        competency_id = code if code and uses[code] == 1 else slugify(identifier)
        if not competency_id:
            raise CaseError(f"CFItem {identifier} has nothing to make an id from.", identifier)
        if competency_id in owner:
            raise CaseError(
                f"CFItem {identifier} would have the id {competency_id} "
                f"of CFItem {owner[competency_id]}.",
                identifier,
            )
        owner[competency_id] = identifier
        ids[identifier] = competency_id
    return ids


def _links(
    associations: list[dict[str, Any]],
    items: dict[str, _Item],
    doc_id: str | None,
    ids: dict[str, str],
) -> tuple[dict[str, str | None], dict[str, int], dict[str, list[dict[str, str]]]]:
    """Each item's parent (None: the document), its place among siblings, its other links."""
    parent_of: dict[str, str | None] = {}
    sequence: dict[str, int] = {}
    related: dict[str, list[dict[str, str]]] = {}
    nodes = items.keys() | ({doc_id} if doc_id else set())
    for n, association in enumerate(associations):
        name = _text(association, "identifier", f"CFAssociations[{n}]") or f"CFAssociations[{n}]"
        kind = _text(association, "associationType", name)
        origin = _end(association, "originNodeURI", name)
        destination = _end(association, "destinationNodeURI", name)
        if kind is None:
            raise CaseError(f"CFAssociation {name} has no associationType.", name)
        if kind == _CHILD_OF:
            if origin not in items or destination not in nodes:
                stray = origin if origin not in items else destination
                raise CaseError(
                    f"CFAssociation {name} is broken: {stray} is no item of this package.", name
                )
            parent = None if destination == doc_id else destination
            if origin in parent_of and parent_of[origin] != parent:
                first, second = parent_of[origin] or "the CFDocument", parent or "the CFDocument"
                raise CaseError(
                    f"CFItem {origin} is a child of both {first} and {second}; "
                    "a competency has one parent.",
                    origin,
                )
            parent_of[origin] = parent
            number = association.get("sequenceNumber")
            if isinstance(number, int) and not isinstance(number, bool):
                sequence[origin] = number
        elif origin in items and destination in items:
            related.setdefault(origin, []).append({"type": kind, "id": ids[destination]})
        elif origin not in nodes and destination not in nodes:
            raise CaseError(
                f"CFAssociation {name} is broken: neither {origin} nor {destination} "
                "is an item or the document of this package.",
                name,
            )
    return parent_of, sequence, related


def _end(association: dict[str, Any], key: str, name: str) -> str:
    node = association.get(key)
    identifier = _text(node, "identifier", name) if isinstance(node, dict) else None
    if identifier is None:
        raise CaseError(f"CFAssociation {name} is broken: its {key} has no identifier.", name)
    return identifier


def _check_cycles(parent_of: dict[str, str | None]) -> None:
    checked: set[str] = set()
    for start in parent_of:
        path: dict[str, int] = {}
        node: str | None = start
        while node is not None and node not in checked:
            if node in path:
                cycle = [*list(path)[path[node] :], node]
                raise CaseError(f"CFItem {node} is its own ancestor: {' -> '.join(cycle)}.", node)
            path[node] = len(path)
            node = parent_of.get(node)
        checked.update(path)


def _outline(
    order: list[str], parent_of: dict[str, str | None], sequence: dict[str, int]
) -> list[str]:
    """Depth first, siblings by sequenceNumber then package order; unattached items at the top."""
    children: dict[str | None, list[str]] = {}
    for identifier in order:  # already in package order; the sort below is stable
        children.setdefault(parent_of.get(identifier), []).append(identifier)
    for siblings in children.values():
        siblings.sort(key=lambda identifier: sequence.get(identifier, math.inf))
    outline: list[str] = []
    stack = children.get(None, [])[::-1]
    while stack:
        identifier = stack.pop()
        outline.append(identifier)
        stack.extend(children.get(identifier, [])[::-1])
    return outline
