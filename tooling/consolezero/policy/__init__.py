"""The offline policy engine: IAM action catalog, patterns as bit sets, documents, evaluation.

Every IAM action has an index in the :class:`~consolezero.policy.catalog.Catalog`; a set of actions
is a Python ``int`` with one bit per action, so union, intersection and difference are integer
operations. Nothing here touches the network, AWS or the screen.
"""


def clear_caches() -> None:
    """Forget every memo of the engine: compiled patterns and lint verdicts, escalation answers,
    parsed condition operators, compiled condition patterns, resource scopes. The catalogs and their
    search tables stay (they are data, loaded once per process). For benchmarks and long-running
    processes."""
    from . import conditions, document, escalation, patterns
    from .catalog import load_catalog

    if load_catalog.cache_info().currsize:  # the resource scopes of the process-wide catalog
        index = load_catalog().__dict__.get("resource_index")
        if index is not None:
            index.clear()
    patterns.clear_caches()
    escalation.clear_caches()
    document.clear_caches()
    conditions.clear_caches()
