"""A repository's own policies, loaded and run so that any failure closes the gate.

Two forms:
- `"package.module:callable"`: an installed module (not part of the agent's worktree).
- `".factory/policies/name.py"` (optionally `:callable`, default `evaluate`): the SOURCE is
  read by the factory from the base branch and handed in as text; this module never reads
  files, so a policy an agent edits on its working branch cannot govern its own run.

A repository's policy is trusted code of that repository (people reviewed and merged it);
it is not sandboxed. What is guarded against is a policy that is broken: one that raises,
never returns, or returns something that is not a verdict gets needs_human with the error
in the reasons. The deadline uses a daemon worker thread, so a runaway policy cannot keep
the process alive; it gets a deep copy of the context so it cannot alter what others see.
"""

import ctypes
import importlib
import inspect
import threading
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from policies.errors import PolicyConfigError
from policies.models import GateContext, Outcome, Verdict

REPO_POLICY_DIR = ".factory/policies/"
DEFAULT_TIMEOUT_S = 5.0

PolicyCallable = Callable[..., Any]


def is_repo_policy_path(name: str) -> bool:
    return name.split(":", 1)[0].removeprefix("./").startswith(REPO_POLICY_DIR)


def split_policy_path(name: str) -> tuple[str, str]:
    """`.factory/policies/x.py:fn` -> (`.factory/policies/x.py`, `fn`)."""
    path, _, attribute = name.partition(":")
    path = path.removeprefix("./")
    if ".." in path.split("/") or not path.endswith(".py"):
        raise PolicyConfigError(
            f"policy path {name!r} must be a .py file under {REPO_POLICY_DIR} without '..'"
        )
    return path, attribute or "evaluate"


def is_import_reference(name: str) -> bool:
    module, sep, attribute = name.partition(":")
    return bool(sep and module and attribute) and "/" not in name


def _module_from_source(path: str, source: str) -> types.ModuleType:
    module = types.ModuleType("factory_repo_policy_" + path.replace("/", "_").replace(".", "_"))
    module.__file__ = path
    exec(compile(source, path, "exec"), module.__dict__)  # repo-owned code from the base branch
    return module


def _callable_from(owner: Any, attribute: str, where: str) -> PolicyCallable:
    target = getattr(owner, attribute, None)
    if target is None:
        raise AttributeError(f"{where} has no {attribute!r}")
    if not callable(target):
        raise TypeError(f"{where}:{attribute} is not callable")
    fn: PolicyCallable = target
    return fn


def _takes_params(fn: PolicyCallable) -> bool:
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 2


def as_verdict(result: Any, name: str) -> Verdict:
    """Accept a Verdict or a mapping shaped like one; anything else is a TypeError."""
    if isinstance(result, Verdict):
        return result.model_copy(update={"policy": name})
    if isinstance(result, Mapping):
        try:
            return Verdict.model_validate({**result, "policy": name})
        except ValidationError as exc:
            first = exc.errors()[0]
            raise TypeError(
                f"returned an invalid verdict ({first['loc']}: {first['msg']})"
            ) from exc
    raise TypeError(f"returned {type(result).__name__}, expected a Verdict")


class PolicyCancelled(BaseException):
    """Raised inside a policy's worker thread once its deadline has passed."""


def _cancel(worker: threading.Thread) -> None:
    """Ask CPython to raise PolicyCancelled in the worker at its next bytecode, so a runaway
    pure-Python loop stops instead of spinning for the life of the process. A thread blocked
    in C (a long sleep) stops when the call returns; it is a daemon either way."""
    if worker.ident is not None:
        ctypes.pythonapi.PyThreadState_SetAsyncExc(
            ctypes.c_ulong(worker.ident), ctypes.py_object(PolicyCancelled)
        )


def call_with_deadline(fn: Callable[[], Verdict], timeout_s: float) -> Verdict:
    """Run `fn` in a daemon thread; raise TimeoutError if it has not returned in time."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # a policy may raise anything, SystemExit included
            box["error"] = exc

    worker = threading.Thread(target=target, name="policy-eval", daemon=True)
    worker.start()
    worker.join(timeout_s)
    if worker.is_alive():
        _cancel(worker)
        raise TimeoutError(f"did not return within {timeout_s:g}s")
    if "error" in box:
        raise box["error"]
    value: Verdict = box["value"]
    return value


def fail_closed(name: str, problem: str) -> Verdict:
    return Verdict(
        outcome=Outcome.NEEDS_HUMAN,
        reasons=[f"policy {name!r} failed, so a human must decide: {problem}"],
        policy=name,
    )


@dataclass
class RepoPolicy:
    """A repository's own policy, resolved lazily and always evaluated under a deadline."""

    name: str
    resolve: Callable[[], PolicyCallable]
    params: dict[str, Any] = field(default_factory=dict)
    timeout_s: float = DEFAULT_TIMEOUT_S
    _fn: PolicyCallable | None = field(default=None, repr=False)

    def _call(self, ctx: GateContext) -> Verdict:
        if self._fn is None:
            self._fn = self.resolve()
        args: tuple[Any, ...] = (ctx, dict(self.params)) if _takes_params(self._fn) else (ctx,)
        return as_verdict(self._fn(*args), self.name)

    def evaluate(self, ctx: GateContext) -> Verdict:
        # A fresh copy (dump + validate is ~4x cheaper than deepcopy for a large diff).
        private = GateContext.model_validate(ctx.model_dump())
        try:
            return call_with_deadline(lambda: self._call(private), self.timeout_s)
        except BaseException as exc:  # fail closed on anything, including SystemExit
            detail = str(exc) or type(exc).__name__
            return fail_closed(self.name, f"{type(exc).__name__}: {detail}")


def repo_policy_from_source(
    name: str,
    source: str | None,
    params: Mapping[str, Any] | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> RepoPolicy:
    """A policy under .factory/policies/ from its base-branch source (None: file not found)."""
    path, attribute = split_policy_path(name)

    def resolve() -> PolicyCallable:
        if source is None:
            raise FileNotFoundError(f"{path} does not exist on the base branch")
        return _callable_from(_module_from_source(path, source), attribute, path)

    return RepoPolicy(name=name, resolve=resolve, params=dict(params or {}), timeout_s=timeout_s)


def imported_policy(
    name: str, params: Mapping[str, Any] | None = None, timeout_s: float = DEFAULT_TIMEOUT_S
) -> RepoPolicy:
    """A `package.module:callable` policy from an installed package."""
    module_name, _, attribute = name.partition(":")

    def resolve() -> PolicyCallable:
        return _callable_from(importlib.import_module(module_name), attribute, module_name)

    return RepoPolicy(name=name, resolve=resolve, params=dict(params or {}), timeout_s=timeout_s)
