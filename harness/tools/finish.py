"""The finish tool: the agent hands in its structured output, validated by a pydantic model."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel

from harness.tools.base import ToolOutput


class FinishTool:
    """`submit` by default; its schema is the output model's, so the model sees every field."""

    name: ClassVar[str] = "submit"
    description: ClassVar[str] = (
        "Call this once, when the task is complete, with your final answer. "
        "The run ends when the arguments are valid."
    )

    def __init__(self, output_model: type[BaseModel]) -> None:
        self.args_model = output_model

    def run(self, args: BaseModel) -> ToolOutput:
        return ToolOutput(text="submitted", final=args)
