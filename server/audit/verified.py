"""The last verified head: what the last successful verification saw, signed, beside the checkpoint file.

Checkpoints pin the log down only as long as the checkpoint file itself is intact. Someone who can
replace that file with an older copy (every line of it carries a good signature) and cut the log back
to that copy's newest checkpoint would pass a verification that trusts the file as it finds it. So
each successful verification that has the private key appends one signed line to
``<checkpoint file>.verified``: the head it verified ``(seq, hash)``, and how many checkpoints the
file held then with the newest of them. The next verification demands

- that the checkpoint file still holds at least that many checkpoints and that same newest one at that
  place (an older copy, or lines taken out, fails verification), and
- that the log still holds the verified head (it is one more anchor: a cut tail is ``truncated``, a
  re-hashed chain ``rewritten``).

The record lives beside the checkpoint file, not in the database, so whoever has database access
alone cannot rewind it; it is signed with the checkpoint key, so whoever can write the file but has
not the key cannot forge a newer one. Someone who can write both files and rewinds them together to
an older pair is stopped only by copies kept elsewhere (docs/audit.md, "Where the files live").
Lines are only ever appended (the file may sit on append-only storage); the newest line counts, and
every line's signature is checked.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import fcntl
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from server.audit.checkpoint import Checkpoint, CheckpointError, format_at, raw_public_key
from server.clock import utcnow
from server.settings import Settings

DOMAIN = "asnflow-audit-verified/1"


@dataclass(frozen=True)
class VerifiedHead:
    seq: int
    hash: str
    at: dt.datetime
    checkpoints: int  # how many checkpoints the checkpoint file held
    checkpoint_seq: int  # the newest of them
    checkpoint_hash: str
    checkpoint_at: dt.datetime
    public_key: str
    signature: str

    @property
    def label(self) -> str:
        return f"the head verified at {self.at.isoformat()}"

    def fields(self) -> dict[str, object]:
        return {
            "seq": self.seq,
            "hash": self.hash,
            "at": format_at(self.at),
            "checkpoints": self.checkpoints,
            "checkpoint_seq": self.checkpoint_seq,
            "checkpoint_hash": self.checkpoint_hash,
            "checkpoint_at": format_at(self.checkpoint_at),
        }

    def signed_message(self) -> bytes:
        """Canonical JSON with its own domain tag: no checkpoint signature can pass for a record, nor back."""
        return orjson.dumps({"domain": DOMAIN, **self.fields()}, option=orjson.OPT_SORT_KEYS)

    def to_json(self) -> bytes:
        return orjson.dumps({**self.fields(), "public_key": self.public_key, "signature": self.signature})

    def matches(self, checkpoint: Checkpoint) -> bool:
        return (checkpoint.seq, checkpoint.hash, checkpoint.at) == (
            self.checkpoint_seq,
            self.checkpoint_hash,
            self.checkpoint_at,
        )


def verified_path(settings: Settings) -> Path:
    """``<checkpoint file>.verified``: a new checkpoint file (after a key rotation) starts a new record."""
    return settings.checkpoint_file.with_name(settings.checkpoint_file.name + ".verified")


def _time(raw: object) -> dt.datetime:
    return dt.datetime.fromisoformat(str(raw).replace("Z", "+00:00"))


def _parse(line: bytes, where: str) -> VerifiedHead:
    try:
        doc = orjson.loads(line)
        return VerifiedHead(
            seq=int(doc["seq"]),
            hash=str(doc["hash"]),
            at=_time(doc["at"]),
            checkpoints=int(doc["checkpoints"]),
            checkpoint_seq=int(doc["checkpoint_seq"]),
            checkpoint_hash=str(doc["checkpoint_hash"]),
            checkpoint_at=_time(doc["checkpoint_at"]),
            public_key=str(doc["public_key"]),
            signature=str(doc["signature"]),
        )
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise CheckpointError(
            f"{where} is not a verified-head record ({exc}); the file was damaged or edited: restore it from its copy"
        ) from None


def _check(record: VerifiedHead, trusted: Ed25519PublicKey, where: str) -> None:
    if record.public_key != raw_public_key(trusted):
        raise CheckpointError(
            f"{where} was signed by a different key than the trusted checkpoint key; after rotating the key, "
            "archive it with the old checkpoint file"
        )
    try:
        trusted.verify(base64.b64decode(record.signature), record.signed_message())
    except (InvalidSignature, ValueError):
        raise CheckpointError(
            f"{where} has a bad signature: the verified head (event {record.seq}) was altered after it was signed; "
            "restore the file from its copy"
        ) from None


def latest_verified(settings: Settings, trusted: Ed25519PublicKey) -> VerifiedHead | None:
    """The newest record after checking every line's signature; None when no verification was recorded."""
    path = verified_path(settings)
    if not path.exists():
        return None
    latest = None
    with path.open("rb") as fh:
        for number, line in enumerate(fh, start=1):
            if line.strip():
                where = f"line {number} of {path}"
                latest = _parse(line, where)
                _check(latest, trusted, where)
    return latest


def record_verified(
    settings: Settings, key: Ed25519PrivateKey, seq: int, hash_: str, checkpoints: Sequence[Checkpoint]
) -> VerifiedHead | None:
    """Append a signed record of a successful verification; never one behind the newest already there.

    Verifications may run at once (the CLI and ``auditVerification``): under an exclusive lock on the
    file, a record is appended only when it moves the verified head and the checkpoint count forward,
    so a slow verification cannot rewind what a faster one recorded. None when nothing was appended.
    """
    if not checkpoints:
        return None
    newest = checkpoints[-1]
    record = VerifiedHead(seq, hash_, utcnow(), len(checkpoints), newest.seq, newest.hash, newest.at, "", "")
    signature = base64.b64encode(key.sign(record.signed_message())).decode()
    public_key = raw_public_key(key.public_key())
    record = dataclasses.replace(record, public_key=public_key, signature=signature)
    path = verified_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("ab") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            previous = latest_verified(settings, key.public_key())
            if previous is not None and (previous.seq > seq or previous.checkpoints > len(checkpoints)):
                return None
            if previous is not None and (previous.seq, previous.checkpoints) == (seq, len(checkpoints)):
                return None  # nothing new to pin down
            fh.write(record.to_json() + b"\n")
            fh.flush()
            os.fsync(fh.fileno())
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
    return record


def check_against(record: VerifiedHead, checkpoints: Sequence[Checkpoint], settings: Settings) -> None:
    """The checkpoint file must still reach what the last verification saw; raise a sentence when it does not."""
    path = settings.checkpoint_file
    seen = f"the checkpoint of event {record.checkpoint_seq} signed at {record.checkpoint_at.isoformat()}"
    when = f"the verification of {record.at.isoformat()}"
    if len(checkpoints) < record.checkpoints or not record.matches(checkpoints[record.checkpoints - 1]):
        newest = checkpoints[-1] if checkpoints else None
        if newest is not None and newest.at < record.checkpoint_at:
            raise CheckpointError(
                f"{path} ends at the checkpoint of event {newest.seq} signed at {newest.at.isoformat()}, older than "
                f"{seen} that {when} used: the file was replaced by an older copy; restore the current file "
                "from its copy before trusting this log"
            )
        raise CheckpointError(
            f"{path} holds {len(checkpoints)} checkpoints but {when} saw {record.checkpoints}, the newest being "
            f"{seen}: checkpoints were taken out of the file; restore it from its copy before trusting this log"
        )
