"""Errors that are the user's to fix.

A :class:`UserError` is printed by the CLI as one line, without a traceback, and the
process exits with status 2.  Its message names the fix.
"""

from __future__ import annotations


class UserError(Exception):
    """Bad input or a missing resource that the user can fix; the message says how."""


class NotRunnable(UserError):
    """A unit that cannot run here (missing weights or data); recorded, the run goes on."""
