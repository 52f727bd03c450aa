"""The inspector in a real browser: headless Chromium (Debian's, with its chromedriver) driven by
Selenium against a running local stack, as a developer would use it.

An event sent with `hookway send` appears in the list without a reload, and is delivered; its
detail shows the body (pretty-printed, a hostile string in it inert); "replay" sends it again,
and the detail shows the replay delivered. Then two events of --refused-type, which their
destination refuses for good the first time it sees each (and accepts after), are listed as
failed; the dead-letter page shows both with why; "redrive" on one takes it off the page and it
is delivered; "redrive all" empties the page, and the other is delivered too. Every step waits
for its condition with a deadline. Screenshots go where --screenshots says (a test artifact).
Run by tools/cli/tests/e2e.rs, which checks at its receiver that the replay was a second
delivery, and that each dead letter was refused once, then delivered once: `ID-dlq-1`, `ID-dlq-2`.
"""

import argparse
import json
import os
import subprocess
import sys

from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

STEP_SECONDS = 90
# Put in the body: rendered as text, never as markup.
HOSTILE = '<img src=x onerror=window.__xss=1>'


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--hookway", required=True)
    parser.add_argument("--config", required=True)
    parser.add_argument("--state-dir", required=True)
    parser.add_argument("--id", required=True)
    parser.add_argument("--refused-type", required=True)
    parser.add_argument("--screenshots", required=True)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    args = parser.parse_args()
    os.makedirs(args.screenshots, exist_ok=True)

    options = webdriver.ChromeOptions()
    options.binary_location = args.chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--window-size=1400,900", "--no-first-run", "--disable-extensions"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(args.chromedriver), options=options)
    driver.set_page_load_timeout(STEP_SECONDS)
    # The page swaps a fragment when it changes: an element found a moment ago may be gone, and
    # the next poll finds its successor.
    wait = WebDriverWait(driver, STEP_SECONDS, poll_frequency=0.2,
                         ignored_exceptions=(NoSuchElementException, StaleElementReferenceException))
    try:
        run(driver, wait, args)
    except Exception:
        driver.save_screenshot(os.path.join(args.screenshots, "inspector-failure.png"))
        print(driver.page_source[:20000], file=sys.stderr)
        raise
    finally:
        driver.quit()


def run(driver, wait, args):
    inspector = args.url + "/_hookway/"
    driver.get(inspector)
    wait.until(EC.presence_of_element_located((By.ID, "events")))
    # Survives only as long as the page is not reloaded.
    driver.execute_script("window.__same_page = true;")

    body = json.dumps({"id": args.id, "type": "inspector.test", "created": 1,
                       "data": {"object": {"id": args.id, "note": HOSTILE, "amount": 4200}}})
    send(args, args.id, "inspector.test", body)

    row = (By.CSS_SELECTOR, f'tr.event[data-id="{args.id}"]')
    wait.until(EC.presence_of_element_located(row))
    wait.until(lambda d: d.find_element(*row).find_element(By.CSS_SELECTOR, ".status").text == "delivered")
    assert driver.execute_script("return window.__same_page === true;"), "the list updated without a reload"
    cells = texts(driver, f'tr.event[data-id="{args.id}"] td')
    assert cells[1:4] == ["github", "inspector.test", args.id], cells
    assert cells[5].startswith("1/1 succeeded"), cells
    driver.save_screenshot(os.path.join(args.screenshots, "inspector-list.png"))

    wait.until(lambda d: d.find_element(*row).find_element(By.TAG_NAME, "a")).click()
    wait.until(EC.presence_of_element_located((By.ID, "body")))
    shown = driver.find_element(By.ID, "body").text
    assert json.loads(shown) == json.loads(body), shown
    assert '\n  "data": {' in shown, "pretty-printed: " + shown
    assert HOSTILE in shown, "the hostile string is shown as text"
    assert driver.execute_script("return window.__xss === undefined;"), "and never runs"
    assert driver.find_element(By.ID, "record-status").text == "COMPLETED"
    delivery = texts(driver, "tr.delivery td")
    assert delivery[2:5] == ["SUCCEEDED", "1", "200"] and delivery[5].endswith(" ms"), delivery
    assert driver.find_elements(By.CSS_SELECTOR, "table.headers th"), "the headers the intake kept"

    driver.execute_script("window.__same_page = true;")
    driver.find_element(By.ID, "replay").click()
    wait.until(lambda d: "replayed 1 event(s)" in d.find_element(By.ID, "replay-result").text)
    wait.until(lambda d: any(
        replay.find_element(By.CSS_SELECTOR, ".status").text == "COMPLETED"
        for replay in d.find_elements(By.CSS_SELECTOR, "div.replay")))
    assert driver.execute_script("return window.__same_page === true;"), "the replay shows without a reload"
    driver.save_screenshot(os.path.join(args.screenshots, "inspector-event.png"))
    print("inspector: listed live, detail with its body, replayed and delivered again")

    dead_letters(driver, wait, args)
    print("inspector: two dead letters shown with why, one redriven and delivered, then all; the page empty")


def dead_letters(driver, wait, args):
    """Two events refused for good: the dead-letter page, "redrive" on one, then "redrive all"."""
    dead = [f"{args.id}-dlq-1", f"{args.id}-dlq-2"]
    for event_id in dead:
        send(args, event_id, args.refused_type)
    driver.get(args.url + "/_hookway/")
    for event_id in dead:
        wait.until(lambda d, event_id=event_id: status_in_list(d, event_id) == "failed")
    driver.find_element(By.LINK_TEXT, "dead letters").click()
    # The page is a snapshot of the queue: reloaded, as a user would, until both are in it.
    reloading = WebDriverWait(driver, STEP_SECONDS, poll_frequency=1.0,
                              ignored_exceptions=(NoSuchElementException, StaleElementReferenceException))
    reloading.until(lambda d: sorted(letters(d)) == dead or d.refresh())
    shown = letters(driver)
    for event_id in dead:
        cells = shown[event_id]
        assert cells[1] == f"github/{args.refused_type}", cells
        assert "answered 410 Gone (refused for good)" in cells[4], "why: " + cells[4]
        delivery = texts(driver, f'tr.letter[data-id="{event_id}"] tr.delivery td')
        assert delivery[2:5] == ["DEAD_LETTERED", "1", "410"], "one attempt, not retried: " + str(delivery)
    assert "events dead-letter queue: 2" in driver.find_element(By.TAG_NAME, "main").text
    driver.save_screenshot(os.path.join(args.screenshots, "inspector-dlq.png"))

    # One: its letter leaves the page (which reloads itself), the other stays; it is delivered.
    driver.find_element(By.CSS_SELECTOR, f'button.redrive[data-id="{dead[0]}"]').click()
    wait.until(lambda d: d.find_element(By.ID, "redrive-result").text == f"redriven: {dead[0]}")
    wait.until(lambda d: list(letters(d)) == [dead[1]])
    assert "events dead-letter queue: 1" in driver.find_element(By.TAG_NAME, "main").text
    driver.find_element(By.LINK_TEXT, "events").click()
    wait.until(lambda d: status_in_list(d, dead[0]) == "delivered")
    assert status_in_list(driver, dead[1]) == "failed", "the other is still where it was"

    # All, once confirmed: the page empty, the other delivered too.
    driver.find_element(By.LINK_TEXT, "dead letters").click()
    reloading.until(lambda d: list(letters(d)) == [dead[1]] or d.refresh())
    driver.find_element(By.CSS_SELECTOR, 'button.redrive[data-all="1"][data-queue="events"]').click()
    confirm = wait.until(EC.alert_is_present())
    assert "every dead letter of the events queue" in confirm.text, confirm.text
    confirm.accept()
    wait.until(lambda d: d.find_element(By.ID, "redrive-result").text == f"redriven: {dead[1]}")
    wait.until(lambda d: "events dead-letter queue: 0" in d.find_element(By.TAG_NAME, "main").text)
    assert not driver.find_elements(By.CSS_SELECTOR, "tr.letter"), "no letter left on the page"
    assert not driver.find_elements(By.CSS_SELECTOR, 'button.redrive[data-queue="events"]')
    driver.save_screenshot(os.path.join(args.screenshots, "inspector-dlq-empty.png"))
    driver.find_element(By.LINK_TEXT, "events").click()
    wait.until(lambda d: status_in_list(d, dead[1]) == "delivered")


def send(args, event_id, event_type, body=None):
    """`hookway send` of a github event, as a developer would send one. (GitHub does not sign its
    delivery id: a body of its own makes each a new event.)"""
    if body is None:
        body = json.dumps({"id": event_id, "type": event_type})
    command = [args.hookway, "send", args.url, "--source", "github", "--config", args.config, "--id", event_id,
               "--type", event_type, "--data", body, "--local", "--state-dir", args.state_dir]
    sent = subprocess.run(command, capture_output=True, text=True, timeout=STEP_SECONDS, check=False)
    assert sent.returncode == 0, sent.stdout + sent.stderr


def status_in_list(driver, event_id):
    """The status the list shows for an event (None while it is not listed)."""
    cells = texts(driver, f'tr.event[data-id="{event_id}"] td')
    return cells[4] if cells else None


def letters(driver):
    """The dead letters the page shows, by event id: their cells' text (time, why, …)."""
    rows = driver.execute_script(
        "return Array.from(document.querySelectorAll('tr.letter'),"
        " row => Array.from(row.children, cell => cell.innerText.trim()));")
    return {cells[0]: cells for cells in rows}


def texts(driver, selector):
    """The text of every element `selector` finds, read in one step (no fragment swap between)."""
    return driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0]), e => e.innerText.trim());", selector)


if __name__ == "__main__":
    main()
