"""Request rules that read git history: a request is immutable once it reached main."""

from __future__ import annotations

from collections.abc import Iterator

from consolezero.core.findings import Severity, Where
from consolezero.jit.history import changed_after_merge, read_history, work_tree_blobs

from ..context import LintContext
from .base import Hit, rule

FAMILY = "requests"


@rule("request-modified-after-merge", Severity.ERROR,
      "A request file changed or deleted after it reached main (extend a grant with a new request).", family=FAMILY)
def request_modified_after_merge(ctx: LintContext) -> Iterator[Hit]:
    """A just-in-time grant starts when its request file reaches main and lasts its `duration`; the
    reviewers approved that file as it was merged. Editing it afterwards (a longer duration, another
    account, another user) would change a grant nobody approved, and deleting it would erase the
    audit record of who held what, when and why. So a request is immutable once on main: to extend
    or change access, add a new request (overlapping requests extend the grant, never cut it short).

    The check compares the work tree (your branch, or a pull request's checkout) with the first-parent
    history of main: every request file main ever held must still be there, byte for byte as it was
    merged. A file moved with its content unchanged is fine (its grant keeps the time its content
    reached main). The main ref is `main`, else `origin/main`, else `HEAD`, or the ref named by the
    environment variable `CONSOLEZERO_MAIN_REF`; CI must check out full history (`fetch-depth: 0`).
    Outside git there is no history to compare with and the rule reports nothing; in a shallow clone
    it says so once, as a warning (plan and `consolezero grants` say so too: no grant is made without
    history).

    A grant is never made from a changed request: plan and apply leave it out (fail closed).

    Fix: restore the file as it was merged (`git checkout origin/main -- FILE`), and add a new request
    file for what you need now.
    """
    files = ctx.repo.files_of("request")
    root = ctx.repo.root
    history = ctx.cache.get("request-history")
    if history is None:
        history = ctx.cache["request-history"] = read_history(root)
    if not history.available:
        if files and history.problem and "shallow" in history.problem:  # CI without history: say it, once
            yield Hit(Where(sorted(files)[0], line=1, column=1), f"cannot check that merged requests are unchanged: "
                      f"{history.problem}", severity=Severity.WARNING)
        return
    present = work_tree_blobs(root, files, history.object_format)
    for item in changed_after_merge(root, history, present):
        when = item.merge.time.strftime("%Y-%m-%dT%H:%M:%SZ")
        commit = item.merge.commit[:12]
        if item.kind == "deleted":
            yield Hit(Where(item.file, line=1, column=1),
                      f"request {item.file} was deleted after it reached {history.ref} (commit {commit}, {when}): "
                      "a request is immutable once merged; restore it (git checkout "
                      f"{history.ref} -- {item.file})")
        else:
            yield Hit(Where(item.file, line=item.line, column=1),
                      f"this request changed after it reached {history.ref} (commit {commit}, {when}): a request "
                      "is immutable once merged and no grant is made from a changed one; restore it as merged and "
                      "add a new request to extend or change access")


RULES = (request_modified_after_merge,)
