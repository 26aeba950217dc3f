"""Signed checkpoints of the chain head, kept outside the database.

A hash chain alone cannot show that its tail was cut, or that someone with write access re-hashed
every event after a change. A checkpoint can: it is the head's ``(seq, hash)`` at a moment, signed
with an Ed25519 key and appended as one JSON line to ``settings.checkpoint_file``. ``verify`` then
demands that the event at that seq still exists and still has that hash.

Each line is ``{"seq", "hash", "at", "public_key", "signature"}``; the signature covers
``signed_message(seq, hash, at)``. The private key is a PEM file created on first use with mode 0600;
its public half is written next to it (``<key file>.pub``) so an auditor can check the file without
the private key. Keep both files off the database server: whoever can rewrite the database and the
checkpoint file and the key can forge anything.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from server.audit import queries
from server.clock import utcnow
from server.db import Database
from server.settings import Settings

DOMAIN = "asnflow-audit-checkpoint/1"


class CheckpointError(RuntimeError):
    """The key or the checkpoint file cannot be trusted or used; the message says which and what to do."""


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: dt.datetime
    public_key: str
    signature: str

    @property
    def label(self) -> str:
        """How a verification report names this anchor."""
        return f"the checkpoint signed at {self.at.isoformat()}"

    def to_json(self) -> bytes:
        return orjson.dumps(
            {
                "seq": self.seq,
                "hash": self.hash,
                "at": format_at(self.at),
                "public_key": self.public_key,
                "signature": self.signature,
            }
        )


def format_at(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def signed_message(seq: int, hash_: str, at: dt.datetime) -> bytes:
    """What the key signs: canonical JSON (sorted keys, no spaces) with a domain tag, so no other
    signature by the same key can pass for a checkpoint."""
    doc = {"domain": DOMAIN, "seq": seq, "hash": hash_, "at": format_at(at)}
    return orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)


def public_key_path(settings: Settings) -> Path:
    return settings.checkpoint_key_file.with_name(settings.checkpoint_key_file.name + ".pub")


def raw_public_key(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def load_or_create_key(settings: Settings) -> Ed25519PrivateKey:
    """The signing key; created (PEM, mode 0600, public half in ``.pub``) when the file does not exist."""
    path = settings.checkpoint_key_file
    if not path.exists():
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
        public_key_path(settings).write_bytes(
            key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        )
        return key
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise CheckpointError(
            f"the checkpoint key {path} is readable by other users (mode {mode:o}); run: chmod 600 {path}"
        )
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        raise CheckpointError(f"{path} does not hold an Ed25519 private key")
    return loaded


def _load_public(path: Path) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(path.read_bytes())
    if not isinstance(key, Ed25519PublicKey):
        raise CheckpointError(f"{path} does not hold an Ed25519 public key")
    return key


def trusted_public_key(settings: Settings, public_key_file: Path | None = None) -> Ed25519PublicKey | None:
    """The key checkpoints must be signed with: the given PEM file, else ``<key>.pub``, else the private key's.

    None when there is no key at all: then the first line's key is trusted and every later line must match it.
    """
    if public_key_file is not None:
        if not public_key_file.exists():
            raise CheckpointError(f"the public key file {public_key_file} does not exist")
        return _load_public(public_key_file)
    if public_key_path(settings).exists():
        return _load_public(public_key_path(settings))
    if settings.checkpoint_key_file.exists():
        return load_or_create_key(settings).public_key()
    return None


async def create_checkpoint(db: Database, settings: Settings) -> Checkpoint:
    """Sign the chain head and append it to the checkpoint file.

    Refuses a head that names no event, and a head behind or off the newest checkpoint: signing it
    would enshrine a cut or rewritten log (a cron job would otherwise sign the attacker's chain).
    """
    newest = latest_checkpoint(settings)
    async with db.engine.connect() as conn:
        head = await queries.read_head(conn)
        if head is None:
            raise CheckpointError("the chain head row (audit_head id=1) is missing; run asnflow audit verify")
        seq, hash_ = head
        if seq > 0 and await queries.event_hash_at(conn, seq) != hash_:
            raise CheckpointError(
                f"the chain head (event {seq}) does not match the stored event {seq}; "
                "run asnflow audit verify before signing a checkpoint"
            )
        if newest is not None and newest.seq > 0:
            if seq < newest.seq:
                raise CheckpointError(
                    f"the chain head (event {seq}) is behind the newest checkpoint (event {newest.seq}) in "
                    f"{settings.checkpoint_file}: events were cut from the log; run asnflow audit verify"
                )
            if await queries.event_hash_at(conn, newest.seq) != newest.hash:
                raise CheckpointError(
                    f"event {newest.seq} no longer has the hash the newest checkpoint in {settings.checkpoint_file} "
                    "signed: the log was rewritten; run asnflow audit verify"
                )
    key = load_or_create_key(settings)
    _refuse_a_second_key(settings, raw_public_key(key.public_key()))
    at = utcnow()
    signature = base64.b64encode(key.sign(signed_message(seq, hash_, at))).decode()
    checkpoint = Checkpoint(seq, hash_, at, raw_public_key(key.public_key()), signature)
    path = settings.checkpoint_file
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("ab") as fh:
        fh.write(checkpoint.to_json() + b"\n")
        fh.flush()
        os.fsync(fh.fileno())
    return checkpoint


def _refuse_a_second_key(settings: Settings, public_key: str) -> None:
    """One checkpoint file, one key: appending a line signed by a rotated key would make verify refuse
    the whole file. After rotating the key, start a new checkpoint file (docs/operations.md)."""
    path = settings.checkpoint_file
    if not path.exists():
        return
    last = b""
    with path.open("rb") as fh:
        for line in fh:
            if line.strip():
                last = line
    if last and _parse(last, f"{path}").public_key != public_key:
        raise CheckpointError(
            f"{path} was signed with another key than {settings.checkpoint_key_file}; after rotating the key, "
            "archive the old checkpoint file with its .pub key and set ASNFLOW_CHECKPOINT_FILE to a new file"
        )


def _parse(line: bytes, where: str) -> Checkpoint:
    try:
        doc = orjson.loads(line)
        return Checkpoint(
            seq=int(doc["seq"]),
            hash=str(doc["hash"]),
            at=dt.datetime.fromisoformat(str(doc["at"]).replace("Z", "+00:00")),
            public_key=str(doc["public_key"]),
            signature=str(doc["signature"]),
        )
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise CheckpointError(f"{where} is not a checkpoint ({exc}); the file was damaged or edited") from None


def _check(checkpoint: Checkpoint, trusted: Ed25519PublicKey, where: str) -> None:
    if checkpoint.public_key != raw_public_key(trusted):
        raise CheckpointError(f"{where} was signed by a different key than the trusted checkpoint key")
    try:
        trusted.verify(
            base64.b64decode(checkpoint.signature), signed_message(checkpoint.seq, checkpoint.hash, checkpoint.at)
        )
    except (InvalidSignature, ValueError):
        raise CheckpointError(
            f"{where} has a bad signature: the checkpoint (event {checkpoint.seq}) was altered after it was signed"
        ) from None


def iter_checkpoints(settings: Settings, public_key_file: Path | None = None) -> Iterator[Checkpoint]:
    """The file's checkpoints, oldest first, each signature checked against the trusted key as it is read."""
    path = settings.checkpoint_file
    if not path.exists():
        return
    trusted = trusted_public_key(settings, public_key_file)
    with path.open("rb") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            where = f"line {number} of {path}"
            checkpoint = _parse(line, where)
            if trusted is None:
                try:
                    trusted = Ed25519PublicKey.from_public_bytes(base64.b64decode(checkpoint.public_key))
                except ValueError:
                    raise CheckpointError(f"{where} carries no valid public key") from None
            _check(checkpoint, trusted, where)
            yield checkpoint


def all_checkpoints(settings: Settings, public_key_file: Path | None = None) -> list[Checkpoint]:
    """Every checkpoint of the file, oldest first, each signature checked (``verify`` uses them all)."""
    return list(iter_checkpoints(settings, public_key_file))


def latest_checkpoint(settings: Settings, public_key_file: Path | None = None) -> Checkpoint | None:
    """The newest checkpoint, after checking every line's signature; None when there is none yet.

    Raises ``CheckpointError`` naming the line when any signature fails: a file with one forged line
    cannot be trusted for the others either.
    """
    latest = None
    for checkpoint in iter_checkpoints(settings, public_key_file):
        latest = checkpoint
    return latest
