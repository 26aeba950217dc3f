"""The public statistics page in a real browser, never signed in: a unit's figures, the hidden small counts,
and the CSV download, reached from the sign-in page's link."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

from playwright.async_api import expect

from tests.console.conftest import Console, open_page, screenshot


async def test_anyone_reads_a_units_public_figures_and_downloads_them_without_signing_in(
    console: Console, browser: Any
) -> None:
    page = await open_page(browser, console.errors)
    await page.goto(f"{console.url(0)}/")
    await page.click("#public-link")
    await page.fill("#public-unit-code", "KEL-GAMBIR-01")
    await page.fill("#public-year", "2025")
    await page.click("#public-form button[type=submit]")
    await expect(page.locator("#public-unit")).to_have_text("KEL-GAMBIR-01 · 2025")
    await expect(page.locator("#public-figures tr[data-field='positions'] td")).to_have_text(re.compile(r"^\d+$"))
    await expect(page.locator("#public-evaluations tr")).to_have_count(5)
    await expect(page.locator("#viewer-name")).to_have_count(0)  # nobody signed in
    text = await page.locator("main").inner_text()
    assert not re.search(r"\d{18}", text)
    for cell in await page.locator("#public-figures td, #public-evaluations td").all_inner_texts():
        assert cell == "—" or not 0 < int(cell) < 5, cell
    await screenshot(page, "public")
    async with page.expect_download() as info:
        await page.click("#public-csv")
    download = await info.value
    body = await asyncio.to_thread(Path(await download.path()).read_text, encoding="utf-8")
    assert body.startswith("unitCode,year,positions,quota,filled,vacancies,") and "KEL-GAMBIR-01,2025," in body
    assert console.errors == []


async def test_an_unknown_unit_says_so(console: Console, browser: Any) -> None:
    page = await open_page(browser, console.errors)
    await page.goto(f"{console.url(0)}/#/public?unit=NO-SUCH-UNIT")
    await expect(page.locator("#public-result [role=alert]")).to_be_visible()
