"""Messages reach people as they were written, quotes and all."""

from factory.store.appending import RunNotFoundError
from factory.support.errors import error_text


def test_a_plain_key_error_loses_only_the_quotes_str_adds() -> None:
    assert error_text(KeyError("'acme/app#0': issue numbers start at 1")) == (
        "'acme/app#0': issue numbers start at 1"
    )


def test_a_message_that_starts_with_a_quoted_name_keeps_its_quotes() -> None:
    assert error_text(ValueError("'x.md' is empty")) == "'x.md' is empty"


def test_an_error_with_its_own_message_is_left_as_it_says() -> None:
    assert "r-0000000000" in error_text(RunNotFoundError("r-0000000000"))
