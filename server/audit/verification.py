"""``verify_log``: the one verification ``asnflow audit verify`` and ``auditVerification`` both run.

It decides what the log is held to before recomputing it, so that deleting or rewinding the files
outside the database cannot make a forged log pass:

- No checkpoint key anywhere (a fresh demo): the chain is checked alone, as before checkpoints existed.
- Once a key exists (the private key, its ``.pub``, a ``--public-key`` given, or a verified-head record),
  checkpoints were signed, so a missing or empty checkpoint file is refused, not taken as "none yet".
- Every checkpoint of the file is an anchor, not only the newest, so a consistent rewrite is located
  between the two checkpoints around it; the last verified head (``server.audit.verified``) is one more.
- The checkpoint file must still reach what the last verification saw (``verified.check_against``).
- A verification that holds, run where the private key is, records its head for the next one.

A file that cannot be trusted is reported as ``Problem.CHECKPOINT`` with a sentence saying what is
wrong and what to do; the chain is not walked then.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from server.audit.checkpoint import (
    Checkpoint,
    CheckpointError,
    all_checkpoints,
    load_or_create_key,
    public_key_path,
    raw_public_key,
    trusted_public_key,
)
from server.audit.report import Anchor, Problem, VerificationReport
from server.audit.verified import VerifiedHead, check_against, latest_verified, record_verified, verified_path
from server.audit.verify import verify
from server.db import Database
from server.settings import Settings

LOST_FILE_HELP = 'see docs/audit.md, "When the checkpoint file is lost"'


@dataclass(frozen=True)
class Anchors:
    """What the log is held to: every checkpoint (oldest first), the last verified head, and the key to
    record this verification with (None where only the public key is, e.g. an auditor's machine)."""

    checkpoints: list[Checkpoint]
    verified: VerifiedHead | None
    signing_key: Ed25519PrivateKey | None

    def others(self) -> list[Anchor]:
        """Every anchor but the newest checkpoint."""
        return [*self.checkpoints[:-1], *([self.verified] if self.verified is not None else [])]


def _why_checkpoints_exist(settings: Settings, public_key_file: Path | None) -> str | None:
    """Why checkpoints must have been signed here, or None when nothing says so (no key: a fresh demo)."""
    if public_key_file is not None:
        return f"a checkpoint public key ({public_key_file}) was given"
    if settings.checkpoint_key_file.exists():
        return f"the checkpoint key {settings.checkpoint_key_file} exists"
    if public_key_path(settings).exists():
        return f"the checkpoint public key {public_key_path(settings)} exists"
    if verified_path(settings).exists():
        return f"{verified_path(settings)} records verifications against it"
    return None


def load_anchors(settings: Settings, public_key_file: Path | None = None) -> Anchors:
    """Every signed anchor, after checking the checkpoint file is all there; raises ``CheckpointError``."""
    path = settings.checkpoint_file
    why = _why_checkpoints_exist(settings, public_key_file)
    if why is not None and not path.exists():
        raise CheckpointError(
            f"the checkpoint file {path} is missing, but {why}, so checkpoints were signed: the file was deleted "
            f"or moved; restore it from its copy ({LOST_FILE_HELP})"
        )
    checkpoints = all_checkpoints(settings, public_key_file)
    if not checkpoints:
        if why is not None:
            raise CheckpointError(
                f"the checkpoint file {path} holds no checkpoint, but {why}, so checkpoints were signed: the file "
                f"was emptied; restore it from its copy ({LOST_FILE_HELP})"
            )
        return Anchors([], None, None)
    trusted = trusted_public_key(settings, public_key_file) or Ed25519PublicKey.from_public_bytes(
        base64.b64decode(checkpoints[0].public_key)
    )
    verified = latest_verified(settings, trusted)
    if verified is not None:
        check_against(verified, checkpoints, settings)
    return Anchors(checkpoints, verified, _signing_key(settings, trusted))


def _signing_key(settings: Settings, trusted: Ed25519PublicKey) -> Ed25519PrivateKey | None:
    """The private key, when it is here and is the trusted one: only it may record a verified head."""
    if not settings.checkpoint_key_file.exists():
        return None
    key = load_or_create_key(settings)
    return key if raw_public_key(key.public_key()) == raw_public_key(trusted) else None


async def verify_log(
    db: Database,
    settings: Settings,
    *,
    public_key_file: Path | None = None,
    use_checkpoints: bool = True,
    workers: int | None = None,
    on_progress: Callable[[int], None] | None = None,
    since_verified: bool = False,
) -> VerificationReport:
    """Verify the log against every signed anchor and, when it holds, record the verified head.

    ``use_checkpoints=False`` (``--no-checkpoint``) checks the chain alone and records nothing.
    ``since_verified`` hashes only the events after the last verified head (all of them when none is
    recorded): what a web request may afford; ``asnflow audit verify`` recomputes the whole log.
    """
    if not use_checkpoints:
        return await verify(db, on_progress=on_progress, workers=workers)
    try:
        # file reads and a signature check per line: off the event loop (``auditVerification`` runs in the server)
        anchors = await asyncio.to_thread(load_anchors, settings, public_key_file)
    except CheckpointError as exc:
        return VerificationReport(False, 0, None, "", Problem.CHECKPOINT, str(exc))
    newest = anchors.checkpoints[-1] if anchors.checkpoints else None
    since = anchors.verified if since_verified else None
    report = await verify(
        db, checkpoint=newest, anchors=anchors.others(), on_progress=on_progress, workers=workers, since=since
    )
    if report.ok and anchors.signing_key is not None:
        try:
            # a chain that holds runs gap-free from event 1, so its head is event ``checked_events``
            await asyncio.to_thread(
                record_verified,
                settings,
                anchors.signing_key,
                report.checked_events,
                report.head_hash,
                anchors.checkpoints,
            )
        except (OSError, CheckpointError) as exc:
            note = f"; this verification was not recorded in {verified_path(settings)} ({exc})"
            report = dataclasses.replace(report, explanation=report.explanation + note)
    return report
