"""Drives the operations console in a real headless Chromium (Debian's chromium and
chromedriver) with Selenium, against a running `waybill serve`.

Usage: console_browser.py BASE_URL SCREENSHOT_DIR SCENARIO_JSON

The scenario names the tokens of each role, the order on credit hold (its customer's name is
an HTML injection attempt), the subscription whose deliveries fail, and a system key to post
an event with. Every check raises AssertionError with what was seen; the script prints one
line per step and exits non-zero on the first failure.
"""
import json
import os
import sys
import time
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait as SeleniumWait


def WebDriverWait(driver, timeout):
    """A wait that looks again when the page it looked at was replaced meanwhile (a form
    submitted, a live update): the element found belonged to the old page."""
    return SeleniumWait(driver, timeout, ignored_exceptions=(StaleElementReferenceException,))

BASE, SHOTS, SCENARIO = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
os.makedirs(SHOTS, exist_ok=True)


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1400,1000"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")), options=options)
    driver.set_page_load_timeout(30)
    return driver


def step(text):
    print("step: " + text, flush=True)


def shot(driver, name):
    driver.save_screenshot(os.path.join(SHOTS, name + ".png"))


def sign_in(driver, role):
    driver.delete_all_cookies()
    driver.get(BASE + "/ui/sign-in")
    field = driver.find_element(By.ID, "token")
    field.send_keys(SCENARIO["tokens"][role])
    field.send_keys(Keys.ENTER)
    WebDriverWait(driver, 30).until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-page") == "overview")
    who = driver.find_element(By.ID, "who").text
    assert role in who, "signed in as %s, the header says %r" % (role, who)


def page(driver, path, expected_page):
    driver.get(BASE + path)
    seen = driver.find_element(By.TAG_NAME, "body").get_attribute("data-page")
    assert seen == expected_page, "%s rendered %r, not %r: %s" % (path, seen, expected_page, driver.find_element(By.TAG_NAME, "main").text[:300])
    assert driver.title.endswith("Waybill"), "%s has title %r" % (path, driver.title)


def no_alert(driver):
    try:
        text = driver.switch_to.alert.text
    except NoAlertPresentException:
        return
    raise AssertionError("a script ran and opened an alert: %r" % text)


def post_event(body):
    request = urllib.request.Request(
        BASE + "/v1/events", data=json.dumps(body).encode(), method="POST",
        headers={"Authorization": "Bearer " + SCENARIO["systemKey"], "Content-Type": "application/cloudevents+json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 202, answer.status


def main():
    driver = browser()
    held = SCENARIO["heldOrder"]
    try:
        # Every role signs in; every page a role may see renders.
        pages = [("/ui", "overview"), ("/ui/orders", "orders"), ("/ui/orders/" + SCENARIO["sampleOrder"], "order"),
                 ("/ui/exceptions", "exceptions"), ("/ui/deliveries", "deliveries")]
        for role in ("support", "service", "finance", "admin"):
            step("sign in as " + role)
            sign_in(driver, role)
            for path, name in pages:
                page(driver, path, name)
                shot(driver, "%s-%s" % (role, name))
        step("support-only and admin-only pages")
        sign_in(driver, "support")
        page(driver, "/ui/edi", "interchanges")
        shot(driver, "support-edi")
        page(driver, "/ui/deliveries?subscription=" + SCENARIO["failingSubscription"], "deliveries")
        link = driver.find_element(By.CSS_SELECTOR, "#deliveries a[href^='/ui/deliveries/']")
        link.click()
        assert driver.find_element(By.TAG_NAME, "body").get_attribute("data-page") == "delivery"
        assert driver.find_element(By.ID, "request").text.strip().startswith("{"), "the attempt's request is shown"
        shot(driver, "support-delivery")
        page(driver, "/ui/audit", "problem")
        sign_in(driver, "admin")
        page(driver, "/ui/audit", "audit")
        shot(driver, "admin-audit")

        # A service person neither sees nor reaches finance's queue.
        step("service cannot see finance's queue")
        sign_in(driver, "service")
        page(driver, "/ui/exceptions", "exceptions")
        queue = driver.find_element(By.ID, "exception-queue").text
        assert "credit_hold" not in queue, "service sees a credit hold: %r" % queue[:300]
        page(driver, "/ui/exceptions/%d" % SCENARIO["creditException"], "problem")
        assert "finance" in driver.find_element(By.TAG_NAME, "main").text
        page(driver, "/ui/exceptions?kind=credit_hold", "problem")
        page(driver, "/ui/orders/" + held, "order")
        assert not driver.find_elements(By.ID, "release-credit"), "service is offered the credit release"

        # The customer's name is an injection attempt: shown as text, no script runs.
        step("a hostile customer name is shown as text")
        sign_in(driver, "finance")
        page(driver, "/ui/orders/" + held, "order")
        customer = driver.find_element(By.ID, "customer").text
        assert SCENARIO["hostileName"] in customer, "the name is not shown as text: %r" % customer
        assert not driver.find_elements(By.CSS_SELECTOR, "#customer script"), "the name became a script element"
        no_alert(driver)
        shot(driver, "finance-order-on-hold")

        # Finance works the queue with the keyboard alone and releases the hold.
        step("finance releases the credit hold with the keyboard alone")
        page(driver, "/ui/exceptions?kind=credit_hold", "exceptions")
        target = "exception-%d" % SCENARIO["creditException"]
        body = driver.find_element(By.TAG_NAME, "body")
        body.send_keys(Keys.TAB)
        for _ in range(60):
            if driver.switch_to.active_element.get_attribute("id") == target:
                break
            driver.switch_to.active_element.send_keys(Keys.TAB)
        assert driver.switch_to.active_element.get_attribute("id") == target, "Tab never reached the exception's link"
        driver.switch_to.active_element.send_keys(Keys.ENTER)
        WebDriverWait(driver, 30).until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-page") == "exception")
        shot(driver, "finance-exception")
        for _ in range(60):
            if driver.switch_to.active_element.get_attribute("id") == "release-note":
                break
            driver.switch_to.active_element.send_keys(Keys.TAB)
        assert driver.switch_to.active_element.get_attribute("id") == "release-note", "Tab never reached the release note"
        driver.switch_to.active_element.send_keys("approved after payment on account")
        driver.switch_to.active_element.send_keys(Keys.TAB)
        assert driver.switch_to.active_element.get_attribute("id") == "release", "the release button follows the note"
        driver.switch_to.active_element.send_keys(Keys.ENTER)
        WebDriverWait(driver, 30).until(lambda d: "The hold is released" in d.find_element(By.TAG_NAME, "main").text)
        shot(driver, "finance-released")

        # The overview changes without a reload when an event arrives.
        step("the overview updates live")
        sign_in(driver, "admin")
        page(driver, "/ui", "overview")
        driver.execute_script("window.__sameDocument = 'yes';")
        WebDriverWait(driver, 30).until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-updated"))
        before = driver.find_element(By.ID, "events-total").text
        post_event({"specversion": "1.0", "id": "live-%d" % int(time.time() * 1000), "source": "/systems/erp",
                    "type": "o2c.product.upserted", "subject": "LIVE-1",
                    "data": {"sku": "LIVE-1", "baseUom": "EA", "listPrice": "1.00", "currency": "USD"}})
        WebDriverWait(driver, 30).until(lambda d: d.find_element(By.ID, "events-total").text != before)
        assert driver.execute_script("return window.__sameDocument") == "yes", "the page was reloaded"
        shot(driver, "overview")

        # Bulk retry says how many it will touch before it acts.
        step("bulk retry shows its filter and count first")
        sign_in(driver, "support")
        page(driver, "/ui/deliveries?subscription=" + SCENARIO["failingSubscription"], "deliveries")
        driver.find_element(By.ID, "bulk-retry").click()
        WebDriverWait(driver, 30).until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-page") == "bulk-retry")
        notice = driver.find_element(By.ID, "bulk-count").text
        assert "This will retry" in notice and SCENARIO["failingSubscription"] in notice, notice
        count = int(driver.find_element(By.CSS_SELECTOR, "#bulk-count strong").text)
        assert count > 0, "nothing to retry: %r" % notice
        shot(driver, "support-bulk-retry")
        driver.find_element(By.ID, "confirm-bulk-retry").click()
        WebDriverWait(driver, 30).until(lambda d: "The deliveries are pending again" in d.find_element(By.TAG_NAME, "main").text)
        print("bulk-retried: %d" % count)

        step("sign out")
        driver.find_element(By.CSS_SELECTOR, "form[action='/ui/sign-out'] button").click()
        WebDriverWait(driver, 30).until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-page") == "sign-in")
        driver.get(BASE + "/ui")
        assert driver.find_element(By.TAG_NAME, "body").get_attribute("data-page") == "sign-in", "still signed in after signing out"
        print("ok")
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
