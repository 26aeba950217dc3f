"""The console in a real browser (headless chromium) against a real ``asnflow serve``.

Each test plays people at their own browsers: they sign in by picking a demo persona, and do their work
only through what the console shows them. No test reloads a page to see another person's work.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
from typing import Any

import httpx
from playwright.async_api import expect

from server.seed import EMPLOYEE_POSITION, TRANSFER_TARGET_POSITION
from tests.api.helpers import add_sanction
from tests.console.conftest import Console, open_page, screenshot, sign_in

TMT = "2026-12-01"
PROPOSE = """mutation($input: ProposeTransferInput!) { proposeTransfer(input: $input) {
  request { id version } errors { code message } } }"""
ACT = """mutation($input: ActInput!) { act(input: $input) { request { id state version } errors { code message } } }"""


async def proposed_transfer(console: Console) -> str:
    """A transfer submitted by the origin head (which releases it too), as the API would take it."""
    data = await console.graphql(
        "unit_head",
        PROPOSE,
        input={
            "employeeNip": console.people["employee"],
            "targetPositionCode": TRANSFER_TARGET_POSITION,
            "effectiveDate": TMT,
            "reason": "rotation",
        },
    )
    assert data["proposeTransfer"]["errors"] == []
    return str(data["proposeTransfer"]["request"]["id"])


async def act(console: Console, persona: str, rid: str, action: str) -> dict[str, Any]:
    data = await console.graphql(persona, ACT, input={"requestId": rid, "action": action})
    assert data["act"]["errors"] == [], data
    return data["act"]["request"]  # type: ignore[no-any-return]


async def test_a_proposed_transfer_arrives_in_the_target_heads_inbox_and_is_accepted(
    console: Console, browser: Any
) -> None:
    target = await open_page(browser, console.errors)
    await sign_in(target, console.url(1), console.people["target_head"])
    await expect(target.locator("#inbox-counts")).to_contain_text("0 tugas")

    head = await open_page(browser, console.errors)
    await sign_in(head, console.url(0), console.people["unit_head"])
    await head.click("nav >> text=Usulan baru")
    await head.fill("#p-employeeNip", console.people["employee"])
    await head.fill("#p-targetPositionCode", TRANSFER_TARGET_POSITION)
    await head.fill("#p-effectiveDate", TMT)
    await head.fill("#p-reason", "rotasi berkala")
    await screenshot(head, "propose")
    await head.click("#propose button[type=submit]")
    await expect(head.locator("#request-state")).to_have_text("released")
    rid = re.search(r"#/request/(\d+)", head.url).group(1)  # type: ignore[union-attr]

    arrived = target.locator(f"#inbox li[data-request='{rid}']")
    await expect(arrived).to_be_visible()  # no reload: the subscription (or the inbox's polling) brought it
    await expect(target.locator("#inbox-counts")).to_contain_text("1 tugas")
    await screenshot(target, "inbox")
    await arrived.locator("a").click()
    await expect(target.locator("li.state.current")).to_have_attribute("data-state", "released")
    drawing = target.locator("section.diagram figure svg")  # mermaid's drawing, the list kept as its text
    await expect(drawing).to_be_visible()
    await expect(drawing.locator("g.current")).to_have_count(1)  # the current state's node, highlighted
    await expect(drawing.locator("g.current")).to_contain_text("released")
    await screenshot(target, "request")
    accept = target.locator("article[data-action='accept']")
    await accept.locator("summary").click()
    await accept.locator("textarea").fill("diterima")
    await accept.locator("button[type=submit]").click()
    await expect(target.locator("#request-state")).to_have_text("accepted")
    await expect(target.locator("#timeline")).to_contain_text("request.accept")
    await expect(target.locator("#outcome")).to_contain_text("accept")
    assert console.errors == []


async def test_without_mermaid_the_request_page_shows_the_workflow_as_a_list(console: Console, browser: Any) -> None:
    rid = await proposed_transfer(console)
    expected_errors: list[str] = []  # the blocked script is itself reported; nothing else may be
    page = await open_page(browser, expected_errors)
    await page.route("**/console/vendor/mermaid.min.js", lambda route: route.abort())
    await sign_in(page, console.url(0), console.people["target_head"])
    await page.goto(f"{console.url(0)}/#/request/{rid}")
    await expect(page.locator("details.diagram-text")).to_have_attribute("open", "")
    await expect(page.locator("li.state.current")).to_be_visible()
    await expect(page.locator("li.state.current")).to_have_attribute("data-state", "released")
    assert await page.locator("section.diagram svg").count() == 0
    assert all("mermaid" in e or "Failed to load resource" in e for e in expected_errors), expected_errors


async def test_the_verifier_must_give_a_reason_to_return_and_sees_why_verification_is_refused(
    console: Console, browser: Any
) -> None:
    rid = await proposed_transfer(console)
    await act(console, "target_head", rid, "accept")
    await add_sanction(console.db, console.people["employee"], "moderate", dt.date(2026, 10, 1), dt.date(2027, 9, 30))

    page = await open_page(browser, console.errors)
    await sign_in(page, console.url(0), console.people["bkd_verifier"])
    await page.goto(f"{console.url(0)}/#/request/{rid}")
    await expect(page.locator("#request-state")).to_have_text("accepted")

    back = page.locator("article[data-action='return']")
    await back.locator("summary").click()
    await back.locator("button[type=submit]").click()
    await expect(back.locator("#act-return-comment-error")).to_contain_text(
        "memerlukan catatan"
    )  # checked before sending
    await expect(page.locator("#request-state")).to_have_text("accepted")

    verify = page.locator("article[data-action='verify']")
    if await verify.locator("summary").count():  # allowed by role: the guard answers when the verifier acts
        await verify.locator("summary").click()
        await verify.locator("button[type=submit]").click()
        await expect(page.locator("#outcome .refusal")).to_contain_text("GUARD_FAILED")
        await expect(page.locator("#outcome .refusal")).to_contain_text("no_active_sanction")
    else:  # previewed: the action is shown blocked with the rule that blocks it
        await expect(verify).to_contain_text("no_active_sanction")
    await screenshot(page, "refusal")
    await expect(page.locator("#request-state")).to_have_text("accepted")
    assert console.errors == []


async def test_a_stale_page_is_told_someone_acted_a_moment_ago(console: Console, browser: Any) -> None:
    rid = await proposed_transfer(console)
    await act(console, "target_head", rid, "accept")
    page = await open_page(browser, console.errors)
    await sign_in(page, console.url(0), console.people["bkd_verifier"])
    await page.goto(f"{console.url(0)}/#/request/{rid}")
    back = page.locator("article[data-action='return']")
    await back.locator("summary").click()
    await back.locator("textarea").fill("berkas kurang")

    await act(console, "bkd_verifier", rid, "verify")  # the same verifier, at another desk
    await back.locator("button[type=submit]").click()
    await expect(page.locator("#outcome .conflict")).to_contain_text("Orang lain baru saja")
    await expect(page.locator("#outcome .conflict")).to_contain_text("request.verify")  # and who did what
    await page.locator("#outcome .conflict button").click()
    await expect(page.locator("#request-state")).to_have_text("verified")
    assert console.errors == []


async def test_the_auditor_finds_the_request_reads_its_trail_verifies_the_chain_and_exports(
    console: Console, browser: Any
) -> None:
    rid = await proposed_transfer(console)
    page = await open_page(browser, console.errors)
    await sign_in(page, console.url(0), console.people["auditor"])
    await page.click("nav >> text=Audit")
    await page.fill("input[name=requestId]", rid)
    await page.click("form.filters button[type=submit]")
    await expect(page.locator("h1")).to_contain_text(f"#{rid}")
    await expect(page.locator("#events")).to_contain_text("request.submit")
    await expect(page.locator("#events")).to_contain_text("request.release")
    await page.click("#verify-chain")
    await expect(page.locator("#chain-status.ok")).to_contain_text("Rantai utuh")
    await screenshot(page, "audit")
    async with page.expect_download() as download:
        await page.click("#export-csv")
    saved = await (await download.value).path()
    assert (await asyncio.to_thread(saved.read_text, encoding="utf-8")).startswith("seq,")
    assert console.errors == []


async def test_registry_pages_show_the_unit_tree_a_position_on_a_date_and_an_employee(
    console: Console, browser: Any
) -> None:
    page = await open_page(browser, console.errors)
    await sign_in(page, console.url(0), console.people["bkd_official"])
    await page.click("nav >> text=Data kepegawaian")
    await expect(page.locator("ul.units li").first).to_be_visible()
    await screenshot(page, "registry")
    await page.goto(f"{console.url(0)}/#/position/{EMPLOYEE_POSITION}")
    await expect(page.locator("#holders")).to_contain_text("")
    await page.fill("input[name=asOf]", "1990-01-01")
    await page.click("form.inline button[type=submit]")
    await expect(page.locator("main")).to_contain_text("Tidak ada pemangku pada tanggal ini")
    await page.goto(f"{console.url(0)}/#/position/{EMPLOYEE_POSITION}")
    await page.locator("#holders a").first.click()
    await expect(page.locator("#employee-card")).to_contain_text("NIP")
    await screenshot(page, "employee")
    assert console.errors == []


async def test_the_language_switch_turns_the_console_into_english_and_back(console: Console, browser: Any) -> None:
    page = await open_page(browser, console.errors, mobile=True)
    await page.goto(f"{console.url(0)}/")
    await expect(page.locator("h1")).to_have_text("Masuk")
    assert await page.get_attribute("html", "lang") == "id"
    await screenshot(page, "sign-in")
    await page.select_option("#lang", "en")
    await expect(page.locator("h1")).to_have_text("Sign in")
    assert await page.get_attribute("html", "lang") == "en"
    await page.click(f"button.persona[data-user='{console.people['unit_head']}']")
    await expect(page.locator("h1")).to_have_text("Inbox")
    await page.reload()
    await expect(page.locator("h1")).to_have_text("Inbox")  # the choice is kept
    await page.select_option("#lang", "id")
    await expect(page.locator("h1")).to_have_text("Kotak tugas")
    await screenshot(page, "inbox-phone")
    assert console.errors == []


async def test_the_console_is_usable_from_the_keyboard(console: Console, browser: Any) -> None:
    page = await open_page(browser, console.errors)
    await page.goto(f"{console.url(0)}/")
    await page.wait_for_selector("button.persona")
    await page.keyboard.press("Tab")  # the skip link first
    assert await page.evaluate("document.activeElement.className") == "skip"
    for _ in range(20):
        await page.keyboard.press("Tab")
        if await page.evaluate("document.activeElement.dataset.user") == console.people["unit_head"]:
            break
    await page.keyboard.press("Enter")
    await expect(page.locator("#viewer-name")).to_be_visible()
    assert console.errors == []


INPUTS = "inputs { name type required choices maxLength }"
DECREE_INPUTS = [{"name": "decreeNo", "type": "string", "required": True, "choices": None, "maxLength": 80}]


async def answer_with_inputs(route: Any) -> None:
    """Stands in for ``ActionOption.inputs`` (API.md round 2) on a server that has not got it yet: the
    console's queries go out without it and come back with the inputs the transfer definition declares."""
    body = route.request.post_data_json
    query = (body or {}).get("query", "")
    if INPUTS not in query:
        await route.continue_()
        return
    if 'request(id: "0")' in query:  # the console's probe for the name
        await route.fulfill(json={"data": {"request": None}})
        return
    answer = await (await route.fetch(post_data=json.dumps({**body, "query": query.replace(INPUTS, "")}))).json()
    request = (answer.get("data") or {}).get("request")
    for option in (request or {}).get("availableActions", []):
        option["inputs"] = DECREE_INPUTS if option["action"] == "issue_decree" else []
    await route.fulfill(json=answer)


async def test_the_bkd_form_for_a_step_with_inputs_is_drawn_from_them_and_checked_before_sending(
    console: Console, browser: Any
) -> None:
    probe = f'{{ request(id: "0") {{ availableActions {{ {INPUTS} }} }} }}'
    async with httpx.AsyncClient() as client:
        known = (await client.post(f"{console.url(0)}/graphql", json={"query": probe})).json().get("data")
    rid = await proposed_transfer(console)
    for persona, action in [
        ("target_head", "accept"),
        ("bkd_verifier", "verify"),
        ("board_member", "recommend"),
        ("ppk", "decide"),
    ]:
        await act(console, persona, rid, action)

    page = await open_page(browser, console.errors)
    if known is None:
        await page.route("**/graphql", answer_with_inputs)
    await sign_in(page, console.url(0), console.people["bkd_official"])
    await page.goto(f"{console.url(0)}/#/request/{rid}")
    decree = page.locator("article[data-action='issue_decree']")
    await decree.locator("summary").click()
    field = decree.locator("input[name=decreeNo]")
    await expect(field).to_have_attribute("maxlength", "80")
    await field.evaluate("(el) => { el.removeAttribute('maxlength'); el.value = 'X'.repeat(81); }")
    await decree.locator("button[type=submit]").click()
    await expect(decree.locator("#act-issue_decree-decreeNo-error")).to_contain_text("paling banyak 80 karakter")
    await expect(page.locator("#request-state")).to_have_text("approved")
    await screenshot(page, "form-inputs")
    await field.fill("SK-MUT-1/2026")
    await decree.locator("button[type=submit]").click()
    await expect(page.locator("#request-state")).to_have_text("decreed")
    await expect(page.locator("#timeline")).to_contain_text("request.issue_decree")
    assert console.errors == []
