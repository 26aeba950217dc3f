"""One person, one user id: the canonical form every comparison of identities uses.

A civil servant's user id is their NIP, which people write with display spaces ("19860926 201505 1
001"); both spellings must be one user, or segregation of duties compares two strings and sees two
people. Surrounding whitespace is refused rather than trimmed: ``"admin "`` must never become a second
administrator, and silently trimming it would hide where the stray id came from. Other ids are one word.
"""

from __future__ import annotations

NIP_LENGTH = 18


class UserIdError(ValueError):
    """The user id cannot be made canonical; ``str(err)`` is the sentence to show."""


def canonical_user_id(raw: str) -> str:
    """The user id as stored and compared: a NIP without its display spaces, any other id unchanged.

    Raises ``UserIdError`` for an empty id, one with whitespace around it or a control character in it,
    or a non-NIP id with whitespace inside it.
    """
    if not raw or not raw.strip():
        raise UserIdError("the user id is empty; give a NIP or a user name")
    if raw != raw.strip():
        raise UserIdError(f"user id {raw!r} has whitespace around it; give it without leading or trailing spaces")
    if any(not c.isprintable() and not c.isspace() for c in raw):
        raise UserIdError(f"user id {raw!r} contains a control character; give a NIP or a user name")
    compact = "".join(raw.split())
    if len(compact) == NIP_LENGTH and compact.isascii() and compact.isdigit():
        return compact
    if compact != raw:
        raise UserIdError(f"user id {raw!r} contains whitespace; only a NIP may be written with display spaces")
    return raw
