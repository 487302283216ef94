"""The console's log groups and events, in headless Chromium against a real
server, a screenshot of each step (build/screenshots/7003-*.png):

- wrong keys are refused with AWS's code and message, and kept nowhere;
- sign in; the groups page lists nothing;
- create a group through the form (a name with a slash); it is listed;
- groups whose key CloudWatch Logs may use, and whose key's policy was
  changed after the association so that it may not, show the key, its
  state, and the explainer's answer for each;
- events put by boto3 are shown newest first, the JSON one indented;
- the filter box passes CloudWatch's syntax: a term, then a JSON pattern;
- follow mode shows an event put after the page loaded, on top;
- of more events than are shown, the newest are;
- the time range picker: last 5 minutes, hour, day, and a custom range;
- the group page lists its stream and has the encryption container;
- the theme toggle, and a phone's width without sideways scrolling;
- sign-out forgets the keys.
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T  # noqa: E402
from lvbrowser import (By, browser, screenshot, sign_in, wait,  # noqa: E402
                       wait_css, wait_text)
from selenium.webdriver.support.ui import Select  # noqa: E402

t = T()
REGION = "eu-west-2"
ACCOUNT = "123456789012"
GROUP = "app/web"
ROOT = {"Sid": "Enable IAM User Permissions", "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::%s:root" % ACCOUNT},
        "Action": "kms:*", "Resource": "*"}
LOGS = {"Sid": "Allow CloudWatch Logs", "Effect": "Allow",
        "Principal": {"Service": "logs.%s.amazonaws.com" % REGION},
        "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*",
                   "kms:GenerateDataKey*", "kms:Describe*"],
        "Resource": "*"}


def policy(*st):
    return json.dumps({"Version": "2012-10-17", "Statement": list(st)})


def event_rows(drv):
    """The (time, stream, message) texts of the events table, top down."""
    return [tuple(r) for r in drv.execute_script(
        "return Array.from(document.querySelectorAll("
        "'#event-rows tr[data-event-id]'), tr => Array.from("
        "tr.querySelectorAll('td'), td => td.innerText))")]


def rows_become(drv, what, pred):
    return wait(drv, what, lambda d: (lambda r: r if pred(r) else None)(
        event_rows(d)))


with Server() as srv, browser() as drv:
    logs = srv.client("logs", region=REGION)
    kms = srv.client("kms", region=REGION)

    # Wrong keys: AWS's code and message, and no session.
    drv.get(srv.endpoint + "/console/")
    for akid, secret, code in (("test", "wrong", "InvalidSignatureException"),
                               ("AKIDNOBODY", "x",
                                "UnrecognizedClientException")):
        for field, value in (("akid", akid), ("secret", secret),
                             ("region", REGION)):
            e = wait_css(drv, "#" + field)
            e.clear()
            e.send_keys(value)
        drv.find_element(By.ID, "signin-button").click()
        err = wait_text(drv, "form#signin .error", code + ": ")
        t.ok("sign-in refused: %s shown with its message" % code,
             len(err.text) > len(code) + 3, err.text)
        t.eq("sign-in refused: no session kept", None, drv.execute_script(
            "return sessionStorage.getItem('logvault.creds')"))
    screenshot(drv, "7003-0-refused")

    sign_in(drv, srv, region=REGION)
    wait_text(drv, "#groups", "No log groups")
    t.ok("signed in: the groups page", "Log groups" in drv.title, drv.title)
    screenshot(drv, "7003-1-signed-in")

    # Create a group through the form.
    drv.find_element(By.ID, "show-create").click()
    wait_css(drv, "#new-group-name").send_keys(GROUP)
    drv.find_element(By.ID, "create-group").click()
    wait_text(drv, "#groups a.group-link", GROUP)
    names = [g["logGroupName"] for g in logs.describe_log_groups()
             ["logGroups"]]
    t.eq("created: the server has the group", [GROUP], names)
    screenshot(drv, "7003-2-created")

    # Two encrypted groups: one whose key lets Logs in, one whose key's
    # policy was narrowed after the association.
    good = kms.create_key(Policy=policy(ROOT, LOGS))["KeyMetadata"]["Arn"]
    kms.create_alias(AliasName="alias/good", TargetKeyId=good)
    bad = kms.create_key(Policy=policy(ROOT, LOGS))["KeyMetadata"]["Arn"]
    logs.create_log_group(logGroupName="enc-good", kmsKeyId=good)
    logs.create_log_group(logGroupName="enc-bad", kmsKeyId=bad)
    kms.put_key_policy(KeyId=bad, PolicyName="default", Policy=policy(ROOT))
    drv.find_element(By.ID, "refresh").click()

    def enc_cell(name):
        def find(d):
            for tr in d.find_elements(By.CSS_SELECTOR, "#groups tbody tr"):
                tds = tr.find_elements(By.TAG_NAME, "td")
                if tds and tds[0].text == name:
                    txt = tds[5].text
                    return txt if "Logs " in txt and "Enabled" in txt \
                        else None
            return None
        return wait(drv, "encryption of " + name, find)
    good_txt = enc_cell("enc-good")
    bad_txt = enc_cell("enc-bad")
    t.ok("encryption: the alias names the good key, Logs may use it",
         "alias/good" in good_txt and "Logs may use it" in good_txt,
         good_txt)
    t.ok("encryption: the narrowed key by ARN, Logs refused",
         bad in bad_txt and "Logs refused" in bad_txt, bad_txt)
    plain = None
    for tr in drv.find_elements(By.CSS_SELECTOR, "#groups tbody tr"):
        tds = tr.find_elements(By.TAG_NAME, "td")
        if tds and tds[0].text == GROUP:
            plain = tds[5].text
    t.eq("encryption: the plain group", "Not encrypted", plain)
    screenshot(drv, "7003-3-encryption")

    # Events, put by boto3 a second apart (newest last).
    now = int(time.time() * 1000)
    logs.create_log_stream(logGroupName=GROUP, logStreamName="web-1")
    msgs = ["INFO started", "ERROR disk full",
            json.dumps({"level": "error", "msg": "boom", "n": 3}),
            "WARN slow request"]
    logs.put_log_events(logGroupName=GROUP, logStreamName="web-1",
                        logEvents=[{"timestamp": now - 4000 + i * 1000,
                                    "message": m}
                                   for i, m in enumerate(msgs)])
    drv.get(srv.endpoint + "/console/#/groups")
    wait_text(drv, "#groups a.group-link", GROUP)
    row = [tr for tr in drv.find_elements(By.CSS_SELECTOR, "#groups tbody tr")
           if tr.find_element(By.TAG_NAME, "td").text == GROUP][0]
    row.find_element(By.LINK_TEXT, "Events").click()
    rows = rows_become(drv, "four events", lambda r: len(r) == 4)
    t.eq("events: newest first",
         ["WARN slow request", "error", "ERROR disk full", "INFO started"],
         [r[2] if not r[2].startswith("{") else "error" for r in rows])
    t.eq("events: the JSON one is indented",
         json.dumps(json.loads(msgs[2]), indent=2), rows[1][2])
    t.ok("events: the stream is shown", all(r[1] == "web-1" for r in rows),
         rows)
    t.ok("events: the address names the group, encoded",
         drv.current_url.endswith("#/groups/app%2Fweb/events"),
         drv.current_url)
    screenshot(drv, "7003-4-events")

    # The filter box: a term, then a JSON pattern.
    box = drv.find_element(By.ID, "filter-pattern")
    box.send_keys("ERROR\n")
    rows = rows_become(drv, "ERROR only", lambda r: len(r) == 1)
    t.eq("filter: the term", "ERROR disk full", rows[0][2])
    screenshot(drv, "7003-5-filter-term")
    box.clear()
    box.send_keys('{ $.level = "error" }\n')
    rows = rows_become(drv, "the JSON event only",
                       lambda r: len(r) == 1 and r[0][2].startswith("{"))
    t.ok("filter: the JSON pattern", '"msg": "boom"' in rows[0][2], rows)
    screenshot(drv, "7003-6-filter-json")

    # Follow mode: a new event comes on top.
    box.clear()
    box.send_keys("\n")
    rows_become(drv, "all four again", lambda r: len(r) == 4)
    drv.find_element(By.ID, "follow").click()
    wait_text(drv, "#events-status", "following")
    logs.put_log_events(logGroupName=GROUP, logStreamName="web-1",
                        logEvents=[{"timestamp": int(time.time() * 1000),
                                    "message": "INFO followed"}])
    rows = rows_become(drv, "the followed event",
                       lambda r: len(r) == 5)
    t.eq("follow: the new event on top", "INFO followed", rows[0][2])
    screenshot(drv, "7003-7-follow")

    # The group page.
    drv.find_element(By.ID, "follow").click()
    drv.get(srv.endpoint + "/console/#/groups/app%2Fweb")
    wait_text(drv, "#streams", "web-1")
    t.ok("group: the encryption container", len(
        drv.find_elements(By.ID, "encryption")) == 1)
    t.ok("group: its ARN", "arn:aws:logs:%s:%s:log-group:%s" % (
        REGION, ACCOUNT, GROUP) in drv.find_element(By.ID, "main").text)
    screenshot(drv, "7003-8-group")
    # The keys are in the tab's session storage, and nowhere else.
    t.ok("sign-in: the keys in sessionStorage", drv.execute_script(
        "return JSON.parse(sessionStorage.getItem('logvault.creds'))"
        ".accessKeyId") == "test")
    # More events than are shown: the newest ones, across pages.
    logs.create_log_group(logGroupName="bulk")
    logs.create_log_stream(logGroupName="bulk", logStreamName="b")
    base = int(time.time() * 1000) - 600000
    logs.put_log_events(logGroupName="bulk", logStreamName="b", logEvents=[
        {"timestamp": base + i * 10, "message": "bulk %d" % i}
        for i in range(2500)])
    drv.get(srv.endpoint + "/console/#/groups/bulk/events")
    status = wait_text(drv, "#events-status", "of 2500")
    rows = event_rows(drv)
    t.ok("many: the newest 2000 of 2500, newest first",
         len(rows) == 2000 and rows[0][2] == "bulk 2499" and
         rows[-1][2] == "bulk 500", (len(rows), rows[:1], rows[-1:]))
    t.ok("many: the status says so", "newest 2000 of 2500" in status.text,
         status.text)

    # The time range picker: 5 minutes, an hour, a day, custom.
    logs.create_log_group(logGroupName="ranges")
    logs.create_log_stream(logGroupName="ranges", logStreamName="r")
    now = int(time.time() * 1000)
    logs.put_log_events(logGroupName="ranges", logStreamName="r", logEvents=[
        {"timestamp": now - ago * 60000, "message": "%d minutes ago" % ago}
        for ago in (180, 30, 2)])
    drv.get(srv.endpoint + "/console/#/groups/ranges/events")
    rows_become(drv, "the last hour's two", lambda r: len(r) == 2)
    pick = Select(drv.find_element(By.CSS_SELECTOR, "select.range"))
    for value, want in (("5m", ["2 minutes ago"]),
                        ("1d", ["2 minutes ago", "30 minutes ago",
                                "180 minutes ago"]),
                        ("1h", ["2 minutes ago", "30 minutes ago"])):
        pick.select_by_value(value)
        rows = rows_become(drv, "range " + value, lambda r, n=len(want):
                           len(r) == n and "Searching" not in drv.find_element(
                               By.ID, "events-status").text)
        t.eq("range %s: its events" % value, want, [r[2] for r in rows])
    pick.select_by_value("custom")
    drv.execute_script("""
        const local = (ms) => { const d = new Date(ms - new Date(ms)
            .getTimezoneOffset() * 60000); return d.toISOString().slice(0, 16); };
        const [s, e] = document.querySelectorAll('.custom-range input');
        s.value = local(arguments[0]); e.value = local(arguments[1]);
        e.dispatchEvent(new Event('change'));""", now - 4 * 3600000,
                       now - 2 * 3600000)
    rows = rows_become(drv, "the custom range's one",
                       lambda r: len(r) == 1)
    t.eq("range custom: its event", "180 minutes ago", rows[0][2])
    screenshot(drv, "7003-8b-custom-range")

    # Dark, and a phone's width.
    drv.find_element(By.ID, "theme").click()
    t.eq("theme: the toggle sets data-theme", "dark", drv.execute_script(
        "return document.documentElement.getAttribute('data-theme')"))
    drv.get(srv.endpoint + "/console/#/groups")
    wait_text(drv, "#groups a.group-link", GROUP)
    t.eq("theme: kept across pages", "dark", drv.execute_script(
        "return document.documentElement.getAttribute('data-theme')"))
    screenshot(drv, "7003-9-dark")
    drv.set_window_size(390, 844)
    wait(drv, "a phone's width", lambda d: d.execute_script(
        "return window.innerWidth") <= 400)
    t.ok("phone: the page does not scroll sideways", drv.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth"),
        drv.execute_script("return [document.documentElement.scrollWidth,"
                           " window.innerWidth]"))
    screenshot(drv, "7003-10-phone")
    t.eq("sign-in: nothing in localStorage but the theme",
         [], drv.execute_script(
             "return Object.keys(localStorage).filter("
             "k => k !== 'logvault.theme')"))
    drv.set_window_size(1280, 900)
    drv.find_element(By.ID, "signout").click()
    wait_css(drv, "form#signin")
    t.eq("sign-out: the keys are gone", None, drv.execute_script(
        "return sessionStorage.getItem('logvault.creds')"))
    t.eq("sign-out: no page of the console is left", [],
         drv.find_elements(By.CSS_SELECTOR, "nav.top, #groups"))
t.done()
