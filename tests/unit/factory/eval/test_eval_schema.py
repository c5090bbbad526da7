"""docs/eval.schema.json is the schema of the eval report's JSON."""

import json
from pathlib import Path

from factory.eval.report import eval_json_schema

DOCS = Path(__file__).resolve().parents[4] / "docs"


def test_the_published_eval_schema_is_the_models_schema() -> None:
    published = json.loads((DOCS / "eval.schema.json").read_text())
    assert published == eval_json_schema(), "regenerate: factory eval report --schema"
