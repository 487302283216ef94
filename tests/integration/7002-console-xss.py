"""Hostile log events, put by boto3, are shown by the console's events page
as text and run nothing: each message appears whole, as its characters, in
the page's text; no element the messages name (script, img, svg, iframe,
…) is created in the page; no handler ran (each payload would set
window.__lv_xss, which stays undefined, and would call alert(), which
never opens). The same for a stream named with markup, on the group page.
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T  # noqa: E402
from lvbrowser import (By, browser, console_url, sign_in, wait,  # noqa: E402
                       wait_text)
from selenium.common.exceptions import NoAlertPresentException  # noqa: E402

t = T()
REGION = "eu-west-2"
# Group names are [.-_/#A-Za-z0-9]+; stream names take markup.
GROUP = "xss/#1"
STREAM = "s<svg onload=window.__lv_xss=92><img src=x onerror=alert(9)>"

PAYLOADS = [
    "<script>window.__lv_xss=1;alert(1)</script>",
    "<img src=x onerror=\"window.__lv_xss=2;alert(2)\">",
    "<svg/onload=window.__lv_xss=3>",
    "\"><iframe srcdoc=\"<script>parent.__lv_xss=4</script>\"></iframe>",
    "<a href=\"javascript:window.__lv_xss=5\" id=lvxss5>click</a>",
    "<details open ontoggle=window.__lv_xss=6>",
    "<style>body{display:none}</style><b>bold</b>",
    "javascript:window.__lv_xss=7",
    "&lt;script&gt;entities stay as typed&lt;/script&gt;",
    json.dumps({"html": "<img src=x onerror=window.__lv_xss=8>",
                "level": "error"}),
]
# What the page may not hold anywhere in <main>.
FORBIDDEN = "main script, main img, main svg, main iframe, main style, " \
            "main b, main details, main a#lvxss5, main object, main embed"


def no_alert(drv):
    try:
        drv.switch_to.alert.dismiss()
        return False
    except NoAlertPresentException:
        return True


def check_page(drv, what):
    t.ok("%s: no element made from the data" % what,
         drv.find_elements(By.CSS_SELECTOR, FORBIDDEN) == [],
         [e.tag_name for e in drv.find_elements(By.CSS_SELECTOR,
                                                  FORBIDDEN)])
    t.eq("%s: no handler ran" % what, None,
         drv.execute_script("return window.__lv_xss === undefined ? null"
                            " : window.__lv_xss"))
    t.ok("%s: no alert" % what, no_alert(drv))


with Server() as srv, browser() as drv:
    logs = srv.client("logs", region=REGION)
    logs.create_log_group(logGroupName=GROUP)
    logs.create_log_stream(logGroupName=GROUP, logStreamName=STREAM)
    now = int(time.time() * 1000)
    logs.put_log_events(logGroupName=GROUP, logStreamName=STREAM,
                        logEvents=[{"timestamp": now - 1000 * (len(PAYLOADS)
                                                               - i),
                                    "message": m}
                                   for i, m in enumerate(PAYLOADS)])

    sign_in(drv, srv, region=REGION)
    wait_text(drv, "#groups a.group-link", GROUP)
    check_page(drv, "groups page")

    drv.get(console_url(srv, "#/groups/%s" % (
        drv.execute_script("return encodeURIComponent(arguments[0])",
                           GROUP))))
    wait_text(drv, "#streams", STREAM)
    t.ok("group page: the stream's name shown as text",
         STREAM in drv.find_element(By.ID, "streams").text)
    check_page(drv, "group page")

    drv.find_element(By.ID, "open-events").click()
    wait(drv, "every event", lambda d: len(d.find_elements(
        By.CSS_SELECTOR, "#event-rows tr[data-event-id]")) == len(PAYLOADS))
    cells = [e.text for e in drv.find_elements(
        By.CSS_SELECTOR, "#event-rows td.message")]
    for i, p in enumerate(PAYLOADS):
        if p.startswith("{"):
            shown = json.dumps(json.loads(p), indent=2)
        else:
            shown = p
        t.ok("events: payload %d shown as its text" % (i + 1),
             shown in cells, "%r not in %r" % (shown, cells))
    check_page(drv, "events page")
    # The text is in text nodes: the page's DOM holds no element of the
    # payloads even where a browser would have parsed them.
    t.eq("events: message cells hold only <pre> and text",
         [], drv.execute_script(
             "return Array.from(document.querySelectorAll("
             "'#event-rows td.message *')).map(e => e.tagName)"
             ".filter(n => n !== 'PRE')"))
    drv.find_element(By.ID, "follow").click()
    logs.put_log_events(logGroupName=GROUP, logStreamName=STREAM,
                        logEvents=[{"timestamp": int(time.time() * 1000),
                                    "message": "<img src=x onerror="
                                               "window.__lv_xss=10>late"}])
    wait_text(drv, "#event-rows", "late")
    check_page(drv, "events page, followed")
t.done()
