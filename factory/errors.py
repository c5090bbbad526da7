"""An exception's message as a person should read it."""


def error_text(exc: BaseException) -> str:
    """The message as it was written: `str()` of a plain KeyError wraps it in quotes."""
    if isinstance(exc, KeyError) and type(exc).__str__ is KeyError.__str__ and len(exc.args) == 1:
        return str(exc.args[0])
    return str(exc)
