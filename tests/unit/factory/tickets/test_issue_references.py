"""References that look like issues are answered with what is actually wrong with them."""

from __future__ import annotations

import pytest

from factory.tickets.resolve import issue_ref_problem


@pytest.mark.parametrize(
    ("ref", "problem"),
    [
        ("acme/app#12x", "'12x' is not a number"),
        ("acme/app#", "'' is not a number"),
        ("acme/app#0", "start at 1"),
        ("https://gitlab.com/acme/app/-/issues/3", "is on gitlab.com, not GitHub"),
        ("https://github.com/acme/app/pull/3", "not a GitHub issue URL"),
        ("https://github.com/acme/app/issues/three", "'three' is not a number"),
        ("https://ghe.example.com/acme/app/issues/3", "is on ghe.example.com, not GitHub"),
    ],
)
def test_a_malformed_issue_reference_says_what_is_wrong(ref: str, problem: str) -> None:
    found = issue_ref_problem(ref, "github.com")
    assert found is not None and problem in found
    assert "GITHUB_TOKEN" not in found


@pytest.mark.parametrize(
    "ref",
    [
        "acme/app#12",
        "https://github.com/acme/app/issues/12",
        "notes/ticket.md",
        "-",
        "plain words",
    ],
)
def test_well_formed_issues_and_non_issues_have_no_problem(ref: str) -> None:
    assert issue_ref_problem(ref, "github.com") is None


def test_an_enterprise_host_is_github_there() -> None:
    assert issue_ref_problem("https://ghe.example.com/acme/app/issues/3", "ghe.example.com") is None
