"""SCP limits AWS enforces and emulators do not: document size and attachments per target."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from consolezero.core.findings import Severity, Where
from consolezero.core.model import Scp, Target
from consolezero.policy.document import minified_size
from consolezero.policy.scp import FULL_AWS_ACCESS, uses_allow_list

from ..context import LintContext
from .base import Hit, rule
from .policy_docs import policy_documents

FAMILY = "scps"


@rule("scp-too-large", Severity.ERROR,
      "An SCP's document, minified as uploaded, fits AWS's size limit (10,240 characters).", family=FAMILY)
def scp_too_large(ctx: LintContext) -> Iterator[Hit]:
    """
    AWS limits an SCP document to 10,240 characters (5,120 before 2026-05-15), and counts every
    character it is sent: whitespace included when saved through the API. consolezero minifies
    each document before upload, so the size that counts is the minified JSON, not the YAML
    file (comments, indentation and line breaks cost nothing). A document over the limit fails
    at apply time, after other changes went through.

    The limit is `limits.scp_max_chars` in `.consolezero.yaml`.

    **Fix:** shorten the document: merge statements with the same Effect, Resource and
    Condition, use wildcards (`iam:*User*`) where they stay precise, or split the SCP in two
    (mind `scp-too-many-attachments`).
    """
    limit = ctx.limits.scp_max_chars
    for doc in policy_documents(ctx):
        if doc.kind != "scp" or not isinstance(doc.data, Mapping):
            continue
        try:
            size = minified_size(doc.data)
        except (TypeError, ValueError, RecursionError):
            continue
        if size > limit:
            yield Hit(Where(doc.file, doc.base, key=True),
                      f"{doc.owner} is {size:,} characters once minified, over AWS's limit of {limit:,} "
                      f"(limits.scp_max_chars) by {size - limit:,}")


def _where_target(ctx: LintContext, target: Target, attached: list[Scp]) -> Where:
    """An account: its file. An OU: its _ou.yaml. The root: accounts/organization.yaml. Else (an OU with
    no _ou.yaml, no organization.yaml): the last SCP attached there, at that entry of its targets."""
    if target.kind == "account":
        return Where(ctx.model.accounts[target.name].file, ())
    if target.kind == "root" and ctx.model.organization is not None:
        return Where(ctx.model.organization.file, ())
    if target.kind == "ou":
        ou = ctx.model.ous.get(target.name)
        if ou is not None and ou.file is not None:
            return Where(ou.file, ())
    last = attached[-1]
    raw = ctx.repo.documents[last.file].data
    entries = raw.get("targets") if isinstance(raw, Mapping) else None
    if isinstance(entries, list):
        for j, entry in enumerate(entries):
            if Target.parse(entry) == target:
                return Where(last.file, ("targets", j))
    return Where(last.file, ("targets",), key=True)


@rule("scp-too-many-attachments", Severity.ERROR,
      "No root, OU or account has more SCPs attached directly than AWS allows (10, FullAWSAccess included).",
      family=FAMILY)
def scp_too_many_attachments(ctx: LintContext) -> Iterator[Hit]:
    """
    AWS allows at most 10 SCPs attached directly to one root, OU or account (5 before 2026),
    and that count includes FullAWSAccess, which AWS attaches to every root, OU and account by
    default. Unless the repository declares `aws_managed: FullAWSAccess` (the allow-list
    strategy, where it is attached exactly at its `targets`), every target therefore has room
    for one SCP less than the limit. SCPs inherited from above do not count: only direct
    attachments. Emulators accept any number; AWS refuses the eleventh attachment at apply time.

    Where it is reported: an account at its file, an OU at its `_ou.yaml`, the root at
    `accounts/organization.yaml`; an OU with no `_ou.yaml` at the `targets` entry of the last SCP
    (in file order) attached to it.
    The limit is `limits.scp_max_attachments` in `.consolezero.yaml`.

    **Fix:** merge SCPs attached to the same target (mind `scp-too-large`), or attach some of them
    one level up or down the tree.
    """
    limit = ctx.limits.scp_max_attachments
    model = ctx.model
    default_full_access = not uses_allow_list(model)
    attached: dict[Target, list[Scp]] = {}
    for scp in model.scps.values():
        for target in dict.fromkeys(scp.targets):  # a repeated target is one attachment
            if model.target_exists(target):
                attached.setdefault(target, []).append(scp)
    for target, scps in attached.items():
        names = [scp.name for scp in scps]
        if default_full_access:
            names.append(f"{FULL_AWS_ACCESS} (attached by AWS by default)")
        if len(names) <= limit:
            continue
        yield Hit(_where_target(ctx, target, scps),
                  f"{target} has {len(names)} SCPs attached directly, over AWS's limit of {limit} "
                  f"(limits.scp_max_attachments): {', '.join(names)}")


RULES = (scp_too_large, scp_too_many_attachments)
