"""Proficio's xAPI profile: every term has a valid, unique IRI; reused ADL terms keep theirs;
the namespace setting moves only Proficio's own terms."""

from __future__ import annotations

import pytest

from proficio.capture.profile import DEFAULT_NAMESPACE, TERMS, Profile
from proficio.lrs.validation import is_valid_iri
from proficio.settings import Settings


def test_every_term_has_a_valid_unique_iri() -> None:
    profile = Profile()
    iris = [profile.iri(t.kind, t.key) for t in TERMS]
    assert all(is_valid_iri(iri) for iri in iris)
    assert len(set(iris)) == len(iris)
    keys = [(t.kind.endswith("extension"), t.key) for t in TERMS]
    assert len(set(keys)) == len(keys), "extension keys must be unique across result and context"


def test_reused_terms_keep_their_iri_and_own_terms_follow_the_namespace() -> None:
    moved = Profile("https://lrs.acme.example/xapi/")
    assert moved.verb("completed") == "http://adlnet.gov/expapi/verbs/completed"
    assert moved.activity_type("course") == "http://adlnet.gov/expapi/activities/course"
    assert moved.verb("used") == "https://lrs.acme.example/xapi/verbs/used"
    assert moved.extension("minutes-saved") == (
        "https://lrs.acme.example/xapi/extensions/result/minutes-saved"
    )
    assert moved.extension("tool") == "https://lrs.acme.example/xapi/extensions/context/tool"
    assert Profile().verb("used") == f"{DEFAULT_NAMESPACE}/verbs/used"


def test_an_unknown_term_is_a_clear_error() -> None:
    with pytest.raises(KeyError, match="no verb 'liked'"):
        Profile().verb("liked")
    with pytest.raises(KeyError, match="no extension 'mood'"):
        Profile().extension("mood")


@pytest.mark.parametrize("value", ["not an iri", "urn:x:y", "ftp://example.com/x"])
def test_the_namespace_setting_must_be_an_http_iri(value: str) -> None:
    with pytest.raises(ValueError, match="profile_namespace"):
        Settings(profile_namespace=value)


def test_the_namespace_setting_drops_a_trailing_slash() -> None:
    namespace = Settings(profile_namespace="https://lrs.acme.example/xapi/").profile_namespace
    assert namespace == "https://lrs.acme.example/xapi"
