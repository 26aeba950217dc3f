"""`asnflow policy check USER_ID ACTION OBJECT`: allowed or refused, why, and the exit status."""

from __future__ import annotations

import argparse
import datetime as dt

import pytest

from policies import cli
from server.db import Database
from server.settings import get_settings
from tests import factories as f

ON = dt.date(2024, 7, 1)
WORKER_NIP = "198001012005011002"


async def setup(db: Database) -> str:
    async with db.write() as s:
        dinkes = await f.unit(s, "DINKES")
        await f.unit(s, "DISDIK")
        head = await f.position(s, "KASI", dinkes, type="PENGAWAS")
        staff = await f.position(s, "STAF", dinkes, parent=head)
        boss, worker = await f.employee(s), await f.employee(s, nip=WORKER_NIP)
        await f.assign(s, boss, head)
        await f.assign(s, worker, staff)
        await f.user(s, boss.nip, boss)
        await f.grant(s, boss.nip, "unit_head", dinkes)
        return boss.nip


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="asnflow")
    cli.register(parser.add_subparsers(dest="command"))
    return parser.parse_args(list(argv))


async def test_check_answers_for_units_and_stored_objects(db: Database) -> None:
    boss = await setup(db)
    async with db.read() as s:
        assert (await cli.check(s, boss, "propose", "placement@DINKES", ON)).allowed
        refused = await cli.check(s, boss, "propose", "placement@DISDIK", ON)
        assert not refused.allowed and "DISDIK" in refused.reason
        assert not (await cli.check(s, boss, "verify", "placement", ON)).allowed
        supervised = await cli.check(s, boss, "read", f"employee:{WORKER_NIP}", ON)
        assert supervised.allowed
        with pytest.raises(cli.UnknownObject):
            await cli.check(s, boss, "propose", "placement@NOWHERE", ON)


def test_the_command_prints_the_reason_and_exits_0_or_1(
    db: Database, db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio

    with asyncio.Runner() as runner:
        boss = runner.run(setup(db))
        runner.run(db.dispose())
    monkeypatch.setenv("ASNFLOW_DATABASE_URL", db_url)
    get_settings.cache_clear()
    try:
        args = parse("policy", "check", boss, "propose", "placement@DINKES", "--on", "2024-07-01")
        assert args.func(args) == 0
        assert capsys.readouterr().out.startswith("allowed: unit_head granted in DINKES")
        args = parse("policy", "check", boss, "verify", "placement@DINKES")
        assert args.func(args) == 1
        assert capsys.readouterr().out.startswith("refused: ")
        args = parse("policy", "check", boss, "verify", "placement@NOWHERE")
        assert args.func(args) == 2
    finally:
        get_settings.cache_clear()
