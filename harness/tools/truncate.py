"""Keeps long tool output within what the model should read, saying what was cut."""

DEFAULT_LIMIT = 10_000


def truncate_middle(text: str, limit: int = DEFAULT_LIMIT, *, how_to_see_more: str) -> str:
    """Keep the head and tail (errors tend to be at the end); say how much was dropped."""
    if len(text) <= limit:
        return text
    head = text[: limit // 2]
    tail = text[-(limit // 2) :]
    omitted = len(text) - len(head) - len(tail)
    return f"{head}\n[... {omitted} characters omitted. {how_to_see_more} ...]\n{tail}"
