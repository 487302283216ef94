"""Helpers for the web console's browser tests (7xxx-console-*.py): Debian's
Chromium, headless, driven by python3-selenium through chromium-driver,
against a real `logvault serve` from lvtest.Server().

    from lvbrowser import browser, sign_in, wait_css, wait_text, screenshot
    with Server() as srv, browser() as drv:
        sign_in(drv, srv)
        wait_text(drv, "#main", "Log groups")
        screenshot(drv, "7003-groups")

A test exits 77 (skipped, saying why) when Chromium, its driver or
selenium is missing (scripts/install-deps --test installs them). The
waits poll a condition until it holds and fail the test (an exception
with what was awaited) only when it never does within a generous bound:
they never pass or fail on time alone.
"""
import os
import shutil
import sys
import tempfile

try:
    from selenium import webdriver
    from selenium.common.exceptions import (StaleElementReferenceException,
                                            TimeoutException,
                                            WebDriverException)
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:
    print("skipped: python3-selenium is not installed "
          "(scripts/install-deps --test)")
    sys.exit(77)

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
# A loaded machine (the suite runs in parallel, sanitizer build): long
# enough that only a condition that never holds runs out.
WAIT_S = 60
WIDTH, HEIGHT = 1280, 800


def _find(names, paths):
    for n in names:
        p = shutil.which(n)
        if p:
            return p
    for p in paths:
        if os.access(p, os.X_OK):
            return p
    return None


def need_browser():
    """(chromium, chromedriver) paths, or exit 77 saying what is missing."""
    chrome = _find(["chromium", "chromium-browser"],
                   ["/usr/bin/chromium", "/usr/lib/chromium/chromium"])
    driver = _find(["chromedriver"], ["/usr/bin/chromedriver",
                                      "/usr/lib/chromium/chromedriver"])
    if not chrome or not driver:
        print("skipped: needs Debian's chromium and chromium-driver "
              "(scripts/install-deps --test)")
        sys.exit(77)
    return chrome, driver


class browser:
    """A headless Chromium of WIDTH x HEIGHT with its own profile, quit
    (and its profile removed) on exit."""

    def __init__(self, width=WIDTH, height=HEIGHT):
        self.width, self.height = width, height
        self.drv = None
        self.profile = None

    def __enter__(self):
        chrome, driver = need_browser()
        self.profile = tempfile.mkdtemp(prefix="lv-chromium.")
        o = webdriver.ChromeOptions()
        o.binary_location = chrome
        for a in ("--headless=new", "--no-sandbox", "--disable-gpu",
                  "--disable-dev-shm-usage", "--no-first-run",
                  "--disable-extensions", "--disable-background-networking",
                  "--password-store=basic", "--use-mock-keychain",
                  "--window-size=%d,%d" % (self.width, self.height),
                  "--user-data-dir=" + self.profile):
            o.add_argument(a)
        # The page's console messages, for browser_log().
        o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        try:
            self.drv = webdriver.Chrome(service=Service(driver), options=o)
        except WebDriverException as e:
            shutil.rmtree(self.profile, ignore_errors=True)
            print("skipped: Chromium does not start here: %s" %
                  str(e).strip().splitlines()[0])
            sys.exit(77)
        # --window-size is the window's; make the page's viewport the
        # size asked for (what a screenshot shows).
        iw, ih = self.drv.execute_script(
            "return [window.innerWidth, window.innerHeight]")
        if (iw, ih) != (self.width, self.height):
            self.drv.set_window_size(2 * self.width - iw,
                                     2 * self.height - ih)
        self.drv.set_page_load_timeout(WAIT_S)
        self.drv.set_script_timeout(WAIT_S)
        return self.drv

    def __exit__(self, *exc):
        try:
            if self.drv:
                self.drv.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)
        return False


def console_url(srv, hash_=""):
    return srv.endpoint + "/console/" + hash_


def wait(drv, what, fn, timeout=WAIT_S):
    """Polls fn(drv) until it returns something true; returns it. Raises
    AssertionError naming `what` if it never does."""
    def probe(d):
        try:
            return fn(d)
        except StaleElementReferenceException:
            return False
    try:
        return WebDriverWait(drv, timeout, poll_frequency=0.1).until(probe)
    except TimeoutException:
        raise AssertionError("waited %ds for %s; page text: %r" % (
            timeout, what, body_text(drv)[:1500]))


def wait_css(drv, css, timeout=WAIT_S):
    """The first element matching css, once there is one (shown)."""
    def find(d):
        for e in d.find_elements(By.CSS_SELECTOR, css):
            if e.is_displayed():
                return e
        return None
    return wait(drv, "element %s" % css, find, timeout)


def wait_text(drv, css, text, timeout=WAIT_S):
    """The first element matching css whose text contains `text`."""
    def find(d):
        for e in d.find_elements(By.CSS_SELECTOR, css):
            if text in e.text:
                return e
        return None
    return wait(drv, "%r in %s" % (text, css), find, timeout)


def body_text(drv):
    try:
        return drv.find_element(By.TAG_NAME, "body").text
    except WebDriverException:
        return ""


def sign_in(drv, srv, key="test", secret="test", region="eu-west-2"):
    """Opens the console and signs in through its form; returns once the
    navigation bar is there."""
    drv.get(console_url(srv))
    wait_css(drv, "form#signin")
    for field, value in (("akid", key), ("secret", secret),
                         ("region", region)):
        e = drv.find_element(By.ID, field)
        e.clear()
        e.send_keys(value)
    drv.find_element(By.ID, "signin-button").click()
    wait_css(drv, "nav.top #signout")


def screenshot(drv, name):
    """Saves a PNG of the window as NAME.png in $LV_SCREENSHOT_DIR, else
    build/screenshots; returns its path."""
    d = os.environ.get("LV_SCREENSHOT_DIR") or os.path.join(
        REPO, "build", "screenshots")
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, name + ".png")
    drv.save_screenshot(path)
    return path


def browser_log(drv):
    """The page's console messages since the last call (level, text)."""
    try:
        return [(m.get("level"), m.get("message"))
                for m in drv.get_log("browser")]
    except WebDriverException:
        return []
