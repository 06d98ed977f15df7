"""The offline policy engine: IAM action catalog, patterns as bit sets, documents, evaluation.

Every IAM action has an index in the :class:`~consolezero.policy.catalog.Catalog`; a set of actions
is a Python ``int`` with one bit per action, so union, intersection and difference are integer
operations. Nothing here touches the network, AWS or the screen.
"""
