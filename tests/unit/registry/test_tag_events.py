"""The tag side of the registry: which version held a stage before a tag, and mismatches."""

from __future__ import annotations

import pytest

from flight_delay.registry.check_aliases import differences
from flight_delay.registry.tag_events import TagEvent, occupant_before


def entry(ref: str, version: str, event: str = "assignment", second: int = 0) -> dict:
    stage = ref.split("#")[1].rstrip("!") if "#" in ref else None
    return {"ref": ref, "version": version, "event": event, "stage": stage,
            "commit": version, "timestamp": f"2013-01-01T00:00:{second:02d}+00:00"}  # fmt: skip


def assignment(tag: str, stage: str = "prod", second: int = 59) -> TagEvent:
    created = "" if tag == "(new tag)" else f"2013-01-01T00:00:{second:02d}+00:00"
    return TagEvent(tag, "flight-delay", "assignment", "v9.0.0", "c", created, stage)


HISTORY = [  # tags made within one second are ordered by GTO's number
    entry("flight-delay#prod#1", "v1.0.0"),
    entry("flight-delay#dev#2", "v2.0.0"),
    entry("flight-delay#prod#3", "v2.0.0"),
    entry("flight-delay#prod!#4", "v2.0.0", event="unassignment", second=1),
    entry("flight-delay#prod#5", "v3.0.0", second=1),
]


@pytest.mark.parametrize(
    ("tag", "second", "holder"),
    [
        ("flight-delay#prod#1", 0, None),  # the first assignment has nothing before it
        ("flight-delay#prod#3", 0, "v1.0.0"),
        ("flight-delay#prod#5", 1, "v1.0.0"),  # v2 was unassigned: prod fell back to v1
        ("flight-delay#dev#2", 0, None),  # other stages do not count
        ("(new tag)", 0, "v3.0.0"),  # a tag not yet created comes after all of them
    ],
)
def test_occupant_before_follows_gto_stage_semantics(tag, second, holder):
    stage = "dev" if "#dev#" in tag else "prod"
    found = occupant_before(assignment(tag, stage, second), HISTORY)
    assert (found and found["version"]) == holder


def test_a_deregistered_version_leaves_every_stage():
    history = [*HISTORY, entry("flight-delay@v3.0.0!", "v3.0.0", "deregistration", second=2)]
    assert occupant_before(assignment("(new tag)"), history)["version"] == "v1.0.0"


def test_deprecating_the_artifact_empties_every_stage():
    history = [*HISTORY, entry("flight-delay@deprecated", "", "deprecation", second=2)]
    assert occupant_before(assignment("(new tag)"), history) is None
    later = [*history, entry("flight-delay#prod#6", "v4.0.0", second=3)]
    assert occupant_before(assignment("(new tag)"), later)["version"] == "v4.0.0"


def test_the_tag_number_is_read_from_the_tag():
    assert assignment("flight-delay#prod#12").number == 12
    assert assignment("flight-delay#prod").number is None


def test_differences_name_each_stage_that_disagrees():
    tags = {"dev": None, "staging": "v2.0.0", "prod": "v1.0.0"}
    aliases = {"prod": "v1.0.0", "staging": "v1.0.0", "canary": "v3.0.0"}
    assert differences(tags, aliases) == [
        "canary: the tags say nothing, MLflow alias canary -> v3.0.0",
        "staging: the tags say v2.0.0, MLflow alias staging -> v1.0.0",
    ]
    assert differences(tags, {"staging": "v2.0.0", "prod": "v1.0.0"}) == []


def test_an_event_touches_only_the_aliases_it_concerns():
    from flight_delay.registry.promote import touched_stages

    aliases, versions = {"dev": "3", "prod": "2", "staging": "3"}, {"2": "v1.0.0", "3": "v2.0.0"}

    def event(kind: str, version: str = "", stage: str | None = None) -> TagEvent:
        return TagEvent("t", "flight-delay", kind, version, "c", "x", stage)

    assert touched_stages(event("unassignment", "v2.0.0", "dev"), aliases, versions) == ["dev"]
    assert touched_stages(event("deregistration", "v2.0.0"), aliases, versions) == [
        "dev",
        "staging",
    ]
    assert touched_stages(event("deprecation"), aliases, versions) == ["dev", "prod", "staging"]
