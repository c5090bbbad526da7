"""Moved to `factory.support.stopping`, below both the sweep and the eval, which share it;
this name stays until every branch imports the new one."""

from factory.support.stopping import ABORT_EXIT_CODE, StopSignal

__all__ = ["ABORT_EXIT_CODE", "StopSignal"]
