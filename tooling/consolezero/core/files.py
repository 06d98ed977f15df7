"""What may be read: a regular file inside the repository, never through a link that leaves it.

A link to /etc/passwd would be echoed into annotations, a link to /dev/zero would eat memory and a
FIFO would hang the run: each is a finding instead, and the file is never opened. And reading many
files: :func:`paused_gc`.
"""

from __future__ import annotations

import errno
import gc
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def outside_or_special(root: Any, path: Any) -> str | None:
    """Why ``path`` must not be read (a link out of ``root``, a loop, not a regular file), or None."""
    try:
        resolved = os.path.realpath(path, strict=True)
        top = os.path.realpath(root, strict=True)
    except (OSError, RuntimeError) as exc:
        loops = isinstance(exc, RuntimeError) or getattr(exc, "errno", None) == errno.ELOOP
        return "a symbolic link that loops" if loops else "a symbolic link that points to nothing"
    if os.path.commonpath([resolved, top]) != top:
        return f"a symbolic link that leaves the repository (-> {resolved})"
    try:
        mode = os.stat(resolved).st_mode
    except OSError as exc:
        return f"cannot read the file: {exc.strerror}"
    if not stat.S_ISREG(mode):
        what = ("a FIFO" if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
                else "a socket" if stat.S_ISSOCK(mode) else "a folder" if stat.S_ISDIR(mode) else "special")
        return f"not a regular file ({what})"
    return None


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection while many files are read: the values and node graphs built hold no
    cycles worth collecting, and the collector would walk every object kept so far, again and again."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
