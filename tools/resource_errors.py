"""Disk and permission failures, said in one line that names the path and what to do.

A full disk or a read-only folder is not damaged data: the advice is to free space or fix permissions,
never to move a healthy file aside.
"""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

from tools.errors import MonitorError


class ResourceError(MonitorError):
    """The disk is full, or a file or folder cannot be written or read because of its permissions."""


_ADVICE = {
    errno.ENOSPC: "the disk is full: free some space and run again (finished work is kept)",
    errno.EDQUOT: "the disk quota is used up: free some space and run again (finished work is kept)",
    errno.EROFS: "the file system is read-only: use a writable folder (the profile's data_dir/output_dir, or --out)",
    errno.EACCES: "permission denied: make it writable, or use another folder (the profile's data_dir/output_dir, or --out)",
    errno.EPERM: "permission denied: make it writable, or use another folder (the profile's data_dir/output_dir, or --out)",
}


def describe_os_error(exc: OSError, path: Path | str | None = None) -> str:
    """"<path>: <what happened>; <what to do>" for an OSError from reading or writing a file."""
    where = path or exc.filename or "a file"
    advice = _ADVICE.get(exc.errno or 0)
    reason = exc.strerror or str(exc)
    return f"{where}: {reason}" + (f"; {advice}" if advice else "")


def os_error_with_path(exc: OSError, path: Path | str) -> OSError:
    """The same error, naming the path meant (a failed write() names no file, a failed mkstemp() names a temporary one)."""
    if exc.errno is None:
        return exc
    return OSError(exc.errno, exc.strerror, str(path))  # OSError picks the subclass from errno


# SQLite names no errno: its messages tell a full disk and a read-only folder from a damaged file.
_SQLITE_RESOURCE = (
    ("database or disk is full", errno.ENOSPC),
    ("disk is full", errno.ENOSPC),
    ("readonly database", errno.EROFS),
    ("read-only", errno.EROFS),
    ("unable to open database file", errno.EACCES),
    ("disk i/o error", errno.EIO),
)


def sqlite_resource_problem(path: Path, exc: sqlite3.Error) -> ResourceError | None:
    """A one-line ResourceError when SQLite failed for lack of space or permission, else None (the file may be damaged)."""
    text = str(exc).lower()
    for needle, code in _SQLITE_RESOURCE:
        if needle in text:
            folder = path.parent
            if code == errno.ENOSPC:
                todo = f"the disk holding {folder} is full: free some space and run again (the database is not damaged)"
            elif code == errno.EIO:
                todo = f"reading or writing {folder} failed: check the disk and free space, then run again"
            else:
                todo = (f"{folder} cannot be written: make it writable (or set data_dir in the profile to a writable folder); "
                        "the database is not damaged, keep it")
            return ResourceError(f"{path}: {exc}; {todo}")
    return None
