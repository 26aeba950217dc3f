"""What is worked out from a parsed GraphQL document once, kept as long as that document object lives.

strawberry's ``ParserCache`` hands back the same ``DocumentNode`` for the same query text, so a trivial
query that comes back a thousand times is one object. What the request limits compute from it (the
fragment expansion, the query cost, the validation errors) depends on the document alone (and, for the
cost, on the operation name), so it is computed once per document. The key is the object's identity,
not its value: graphql-core hashes a node by walking all of it (about 6 µs for ``{ viewer { userId } }``,
as much again as the work saved). An entry goes when its document is collected (a weak reference's
callback, which runs before the id can be given to another object), so the memory is bounded by the
parser cache's size.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable
from typing import Any

from graphql import DocumentNode

_entries: dict[int, tuple[weakref.ref[DocumentNode], dict[Hashable, Any]]] = {}


def _forget(key: int) -> Callable[[weakref.ref[DocumentNode]], None]:
    def forget(_: weakref.ref[DocumentNode]) -> None:
        _entries.pop(key, None)

    return forget


def remembered(document: DocumentNode, key: Hashable, compute: Callable[[], Any]) -> Any:
    """``compute()`` the first time for this document object and ``key``, the same value afterwards."""
    found = _entries.get(id(document))
    if found is None or found[0]() is not document:
        found = (weakref.ref(document, _forget(id(document))), {})
        _entries[id(document)] = found
    values = found[1]
    if key not in values:
        values[key] = compute()
    return values[key]
