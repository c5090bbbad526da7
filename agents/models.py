"""What each agent hands back: the validated arguments of its `submit` tool."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Plan(BaseModel):
    """The planner's output: enough for the coder to act without guessing."""

    model_config = ConfigDict(extra="forbid")

    summary: str = Field(min_length=1)
    steps: list[str] = Field(min_length=1)
    files: list[str] = Field(default_factory=list)
    risks: list[str] = Field(default_factory=list)
    test_strategy: str = ""


class CodeChange(BaseModel):
    """The coder's account of one iteration."""

    model_config = ConfigDict(extra="forbid")

    summary: str = Field(min_length=1)
    files: list[str] = Field(default_factory=list)


class AddedTests(BaseModel):
    """The tester's account: which tests it wrote. The verdict comes from running them."""

    model_config = ConfigDict(extra="forbid")

    summary: str = Field(min_length=1)
    tests_added: list[str] = Field(default_factory=list)


class Finding(BaseModel):
    model_config = ConfigDict(extra="forbid")

    file: str
    line: int | None = None
    severity: Literal["blocker", "major", "minor", "nit"] = "minor"
    message: str


class Review(BaseModel):
    """The reviewer's verdict on the diff."""

    model_config = ConfigDict(extra="forbid")

    verdict: Literal["approve", "request_changes"]
    summary: str = ""
    findings: list[Finding] = Field(default_factory=list)
