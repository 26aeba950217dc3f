"""Checkpoints are signed with an Ed25519 key kept outside the database, and a doctored one is refused."""

from __future__ import annotations

import stat
from pathlib import Path

import orjson
import pytest

from server.audit.checkpoint import CheckpointError, create_checkpoint, latest_checkpoint, public_key_path
from server.db import Database
from server.settings import Settings
from tests.server.test_audit_verify import write_events


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return Settings(
        database_url=db_url,
        checkpoint_file=tmp_path / "out" / "checkpoints.jsonl",
        checkpoint_key_file=tmp_path / "keys" / "checkpoint.key",
    )


def lines(settings: Settings) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in settings.checkpoint_file.read_bytes().splitlines()]


def rewrite(settings: Settings, docs: list[dict[str, object]]) -> None:
    settings.checkpoint_file.write_bytes(b"".join(orjson.dumps(d) + b"\n" for d in docs))


async def test_the_key_is_created_on_first_use_readable_by_its_owner_only(db: Database, settings: Settings) -> None:
    await create_checkpoint(db, settings)
    assert stat.S_IMODE(settings.checkpoint_key_file.stat().st_mode) == 0o600
    assert settings.checkpoint_key_file.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert public_key_path(settings).read_bytes().startswith(b"-----BEGIN PUBLIC KEY-----")


async def test_each_checkpoint_appends_one_signed_line_with_the_head_seq_and_hash(
    db: Database, settings: Settings
) -> None:
    await write_events(db, 3)
    first = await create_checkpoint(db, settings)
    await write_events(db, 2)
    second = await create_checkpoint(db, settings)
    assert [line["seq"] for line in lines(settings)] == [3, 5]
    assert latest_checkpoint(settings) == second
    assert first.hash != second.hash and second.seq == 5


async def test_no_checkpoint_file_means_no_checkpoint(settings: Settings) -> None:
    assert latest_checkpoint(settings) is None


async def test_a_checkpoint_whose_seq_or_hash_was_changed_is_refused_naming_the_line(
    db: Database, settings: Settings
) -> None:
    await write_events(db, 3)
    await create_checkpoint(db, settings)
    await create_checkpoint(db, settings)
    for field, value in (("seq", 2), ("hash", "a" * 64), ("at", "2020-01-01T00:00:00.000000Z")):
        docs = lines(settings)
        original = list(docs)
        docs[1] = {**docs[1], field: value}
        rewrite(settings, docs)
        with pytest.raises(CheckpointError, match=r"line 2 of .* has a bad signature"):
            latest_checkpoint(settings)
        rewrite(settings, original)
    assert latest_checkpoint(settings) is not None


async def test_a_checkpoint_signed_with_another_key_is_refused(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    await write_events(db, 2)
    await create_checkpoint(db, settings)
    forger = Settings(
        database_url=settings.database_url,
        checkpoint_file=tmp_path / "forged.jsonl",
        checkpoint_key_file=tmp_path / "forger.key",
    )
    await create_checkpoint(db, forger)
    rewrite(settings, lines(settings) + lines(forger))
    with pytest.raises(CheckpointError, match=r"line 2 .* signed by a different key"):
        latest_checkpoint(settings)


async def test_an_auditor_verifies_with_the_public_key_alone(db: Database, settings: Settings, tmp_path: Path) -> None:
    await write_events(db, 2)
    signed = await create_checkpoint(db, settings)
    published = tmp_path / "published.pub"
    published.write_bytes(public_key_path(settings).read_bytes())
    settings.checkpoint_key_file.unlink()
    public_key_path(settings).unlink()
    assert latest_checkpoint(settings, published) == signed


async def test_a_key_readable_by_others_is_refused(db: Database, settings: Settings) -> None:
    await create_checkpoint(db, settings)
    settings.checkpoint_key_file.chmod(0o644)
    with pytest.raises(CheckpointError, match="chmod 600"):
        await create_checkpoint(db, settings)


async def test_a_damaged_line_is_refused(db: Database, settings: Settings) -> None:
    await create_checkpoint(db, settings)
    with settings.checkpoint_file.open("ab") as fh:
        fh.write(b'{"seq": 1\n')
    with pytest.raises(CheckpointError, match=r"line 2 .* is not a checkpoint"):
        latest_checkpoint(settings)


async def test_a_head_behind_or_off_the_newest_checkpoint_is_not_signed(db: Database, settings: Settings) -> None:
    """A scheduled checkpoint must not enshrine a cut or rewritten log."""
    from tests.server.test_audit_tamper import attack, rewrite_from

    await write_events(db, 5)
    await create_checkpoint(db, settings)
    await rewrite_from(db, 4)
    with pytest.raises(CheckpointError, match="event 5 no longer has the hash the newest checkpoint"):
        await create_checkpoint(db, settings)
    await attack(
        db,
        "DELETE FROM audit_events WHERE seq > 3",
        "UPDATE audit_head SET seq = 3, hash = (SELECT hash FROM audit_events WHERE seq = 3)",
    )
    with pytest.raises(
        CheckpointError, match=r"the chain head \(event 3\) is behind the newest checkpoint \(event 5\)"
    ):
        await create_checkpoint(db, settings)
    assert len(lines(settings)) == 1


async def test_a_verification_record_never_moves_back(db: Database, settings: Settings) -> None:
    """Two verifications at once: the slower one, which saw less, does not rewind what the faster recorded."""
    from server.audit.checkpoint import all_checkpoints, load_or_create_key
    from server.audit.verified import latest_verified, record_verified

    await write_events(db, 3)
    await create_checkpoint(db, settings)
    key = load_or_create_key(settings)
    checkpoints = all_checkpoints(settings)
    assert record_verified(settings, key, 5, "a" * 64, checkpoints) is not None
    assert record_verified(settings, key, 4, "b" * 64, checkpoints) is None
    assert record_verified(settings, key, 5, "a" * 64, checkpoints) is None, "nothing new: nothing appended"
    newest = latest_verified(settings, key.public_key())
    assert newest is not None and (newest.seq, newest.checkpoints) == (5, 1)
