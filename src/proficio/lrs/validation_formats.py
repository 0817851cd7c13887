"""The string formats a statement uses: IRIs, UUIDs, mailto IRIs, language tags, timestamps,
durations, media types and versions (xAPI 1.0.3 Part Two 2.2 and 4.2-4.6).

Each check is one precompiled regular expression, since the LRS validates every property of
every statement it receives. The spec lets an LRS validate IRIs and language tags on a
best-effort basis (Part Two 2.2.s4.b6, b7); these checks follow the RFC grammars closely enough
to reject what the conformance suite rejects without rejecting real-world data.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Final

# --- IRIs (RFC 3987): a scheme, then characters IRIs allow. "http://" with no host is rejected.
_IRI_RE: Final = re.compile(
    r"[A-Za-z][A-Za-z0-9+.\-]*:(?!//(?:[/?#]|\Z))[^\x00-\x20<>\"{}|\\^`\x7f-\x9f]+"
)
_BAD_PERCENT_RE: Final = re.compile(r"%(?![0-9A-Fa-f]{2})")

# Valid IRIs seen before, so the verb ids and activity types every statement repeats cost one
# set lookup. Bounded so that a stream of unique ids cannot grow it without limit.
_KNOWN_IRIS: set[str] = set()
_KNOWN_IRIS_MAX: Final = 8192


def is_valid_iri(value: str) -> bool:
    """Whether `value` is an absolute IRI: a scheme, a colon and at least one more character."""
    if value in _KNOWN_IRIS:
        return True
    if _IRI_RE.fullmatch(value) is None:
        return False
    if "%" in value and _BAD_PERCENT_RE.search(value) is not None:
        return False
    if len(_KNOWN_IRIS) < _KNOWN_IRIS_MAX:
        _KNOWN_IRIS.add(value)
    return True


# --- UUIDs (Part Two 4.4): the standard string form, hex digits of either case.
_UUID_RE: Final = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)


def is_valid_uuid(value: str) -> bool:
    return _UUID_RE.fullmatch(value) is not None


# --- Inverse functional identifiers (Part Two 2.4.2.3).
_EMAIL_LOCAL: Final = r"[^\s@<>()\[\]\\,;:\"]+"
_EMAIL_LABEL: Final = r"[^\s@<>()\[\]\\,;:\"/.]+"
_MBOX_RE: Final = re.compile(rf"mailto:{_EMAIL_LOCAL}@{_EMAIL_LABEL}(?:\.{_EMAIL_LABEL})*")
_SHA1_RE: Final = re.compile(r"[0-9a-fA-F]{40}")


def is_valid_mbox(value: str) -> bool:
    """Whether `value` is "mailto:" followed by something shaped like an email address."""
    return _MBOX_RE.fullmatch(value) is not None


def is_valid_sha1(value: str) -> bool:
    return _SHA1_RE.fullmatch(value) is not None


# --- SHA-2 digests of attachments: hex, of one of the SHA-2 digest lengths.
_HEX_RE: Final = re.compile(r"[0-9a-fA-F]+")
_SHA2_HEX_LENGTHS: Final = frozenset({56, 64, 96, 128})


def is_valid_sha2(value: str) -> bool:
    return len(value) in _SHA2_HEX_LENGTHS and _HEX_RE.fullmatch(value) is not None


# --- Language tags (RFC 5646 section 2.1 "langtag", "privateuse" and "grandfathered").
_GRANDFATHERED: Final = (
    "en-GB-oed|i-ami|i-bnn|i-default|i-enochian|i-hak|i-klingon|i-lux|i-mingo|i-navajo|i-pwn"
    "|i-tao|i-tay|i-tsu|sgn-BE-FR|sgn-BE-NL|sgn-CH-DE|art-lojban|cel-gaulish|no-bok|no-nyn"
    "|zh-guoyu|zh-hakka|zh-min|zh-min-nan|zh-xiang"
)
_LANGUAGE_TAG_RE: Final = re.compile(
    r"(?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4,8})"  # language, with up to 3 extlangs
    r"(?:-[a-z]{4})?"  # script
    r"(?:-(?:[a-z]{2}|[0-9]{3}))?"  # region
    r"(?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*"  # variants
    r"(?:-[0-9a-wyz](?:-[a-z0-9]{2,8})+)*"  # extensions
    r"(?:-x(?:-[a-z0-9]{1,8})+)?"  # private use
    r"|x(?:-[a-z0-9]{1,8})+"
    r"|" + _GRANDFATHERED,
    re.IGNORECASE | re.ASCII,
)
_KNOWN_TAGS: set[str] = set()
_KNOWN_TAGS_MAX: Final = 1024


def is_valid_language_tag(value: str) -> bool:
    """Whether `value` is a well-formed RFC 5646 language tag ("en", "en-US", "zh-Hant-TW")."""
    if value in _KNOWN_TAGS:
        return True
    if _LANGUAGE_TAG_RE.fullmatch(value) is None:
        return False
    if len(_KNOWN_TAGS) < _KNOWN_TAGS_MAX:
        _KNOWN_TAGS.add(value)
    return True


# --- Timestamps (Part Two 4.5): ISO 8601 date and time, extended or basic format.
# The RFC 3339 shape almost every client sends, parsed by the C `fromisoformat`.
_TIMESTAMP_COMMON_RE: Final = re.compile(
    r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)"
)
_TIME_ZONE: Final = r"(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?"
_TIMESTAMP_EXTENDED_RE: Final = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?" + _TIME_ZONE
)
_TIMESTAMP_BASIC_RE: Final = re.compile(
    r"(\d{4})(\d{2})(\d{2})[Tt](\d{2})(\d{2})(?:(\d{2})(?:[.,](\d+))?)?" + _TIME_ZONE
)

TIMESTAMP_REASON: Final = "must be an ISO 8601 date and time"
TIMESTAMP_NEGATIVE_ZERO_REASON: Final = "must not use the -00:00 offset"


def parse_timestamp(value: str) -> datetime:
    """Parse an xAPI Timestamp into an aware UTC datetime; raise ValueError if it is not one.

    Accepts ISO 8601 extended ("2024-05-01T12:30:00.123+02:00") and basic
    ("20240501T123000Z") date-times, with or without seconds and with any number of fraction
    digits (kept to microseconds). A time zone SHOULD* be given (Data 4.5.s1.b4); one without
    is read as UTC rather than refused, so statements a lenient LRS accepts are not lost.
    "-00:00", which RFC 3339 uses for "offset unknown", is refused, as the conformance suite
    expects (XAPI-00123).
    """
    if _TIMESTAMP_COMMON_RE.fullmatch(value) is not None and not value.endswith("-00:00"):
        try:
            moment = datetime.fromisoformat(value)
            return moment if moment.tzinfo is UTC else moment.astimezone(UTC)
        except (ValueError, OverflowError):
            raise ValueError(TIMESTAMP_REASON) from None
    return _parse_any_timestamp(value)


def _parse_any_timestamp(value: str) -> datetime:
    """The rarer forms: basic format, no seconds, long fractions, "+01", lowercase t and z."""
    match = _TIMESTAMP_EXTENDED_RE.fullmatch(value) or _TIMESTAMP_BASIC_RE.fullmatch(value)
    if match is None:
        raise ValueError(TIMESTAMP_REASON)
    year, month, day, hour, minute, second, fraction, zulu, sign, off_h, off_m = match.groups()
    if zulu is not None:
        tz: timezone = UTC
    elif sign is None:
        tz = UTC
    else:
        hours, minutes = int(off_h), int(off_m or 0)
        if hours > 23 or minutes > 59:
            raise ValueError(TIMESTAMP_REASON)
        if sign == "-" and hours == 0 and minutes == 0:
            raise ValueError(TIMESTAMP_NEGATIVE_ZERO_REASON)
        offset = timedelta(hours=hours, minutes=minutes)
        tz = timezone(-offset if sign == "-" else offset)
    micro = int((fraction + "00000")[:6]) if fraction else 0
    try:
        moment = datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second or 0),
            micro,
            tzinfo=tz,
        )
        return moment if tz is UTC else moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise ValueError(TIMESTAMP_REASON) from None


# --- Durations (Part Two 4.6): ISO 8601 4.4.3.2 "PnYnMnDTnHnMnS" or "PnW", nothing else.
# A decimal fraction is allowed on the smallest component only, hence the lookahead.
_N: Final = r"\d++(?:[.,]\d++(?=[YMWDHS]\Z))?+"
_DURATION_RE: Final = re.compile(
    rf"P(?:{_N}W"
    rf"|(?=\d|T\d)(?:{_N}Y)?+(?:{_N}M)?+(?:{_N}D)?+(?:T(?=\d)(?:{_N}H)?+(?:{_N}M)?+(?:{_N}S)?+)?+)"
)


def is_valid_duration(value: str) -> bool:
    """Whether `value` is an ISO 8601 duration such as "PT1H30M", "P1D", "PT0.5S" or "P3W"."""
    return _DURATION_RE.fullmatch(value) is not None


# --- Internet media types (RFC 2046, RFC 9110 section 8.3.1): "type/subtype; name=value".
_TOKEN: Final = r"[A-Za-z0-9!#$%&'*+.^_`|~-]+"
_MEDIA_TYPE_RE: Final = re.compile(
    rf"{_TOKEN}/{_TOKEN}(?:[ \t]*;[ \t]*{_TOKEN}=(?:{_TOKEN}|\"(?:[^\"\\]|\\.)*\"))*[ \t]*"
)


def is_valid_media_type(value: str) -> bool:
    return _MEDIA_TYPE_RE.fullmatch(value) is not None


# --- Statement "version" property (Part Two 2.4.10), per xAPI version the LRS speaks.
VERSION_1_0_RE: Final = re.compile(r"1\.0(?:\.\d+)?")
VERSION_2_0_RE: Final = re.compile(r"1\.0(?:\.\d+)?|2\.0\.\d+")
