"""The seed's scenario end to end through the web console (issue 14), in
headless Chromium against a real `logvault serve --audit-trail`, with a
screenshot of each step (build/screenshots/7101-*.png, or
$LV_SCREENSHOT_DIR):

1. sign in; create a key on the keys page (its policy is CreateKey's
   default: the account only, not the CloudWatch Logs service principal);
2. create a log group on the groups page;
3. associate the key on the group page: refused (AccessDeniedException),
   with the explainer's answer (DENY, the account's statement does not
   match logs.eu-west-2.amazonaws.com);
4. "Allow CloudWatch Logs to use this key for this group" shows the diff
   of the key policy first: the guide's statement narrowed to the group's
   ARN is added, nothing removed; nothing is put before it is applied;
5. apply: the policy is put, the association retried and the group
   shown encrypted with the key (and the server agrees);
6. events put by boto3 are shown on the events page, and the filter box
   narrows them;
7. Insights: `stats count() by bin(1m)` runs and its chart has one point
   per minute the events fall in;
8. the audit trail shows the refused AssociateKmsKey, filtered by the
   group and the error, and a row opens to its CloudTrail record.
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T  # noqa: E402
from lvbrowser import (By, browser, browser_log, screenshot,  # noqa: E402
                       sign_in, wait, wait_css, wait_text)
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402

t = T()
REGION = "eu-west-2"
ACCOUNT = "123456789012"
GROUP = "seed/app"
GROUP_ARN = "arn:aws:logs:%s:%s:log-group:%s" % (REGION, ACCOUNT, GROUP)
SERVICE = "logs.%s.amazonaws.com" % REGION


def shot(drv, name):
    screenshot(drv, "7101-" + name)


def go(drv, srv, hash_):
    drv.get(srv.endpoint + "/console/" + hash_)


with Server("--audit-trail") as srv, browser() as drv:
    logs = srv.client("logs", region=REGION)
    kms = srv.client("kms", region=REGION)

    # 1. Sign in, create a key.
    sign_in(drv, srv, region=REGION)
    go(drv, srv, "#/keys")
    wait_css(drv, "#create-key").click()
    wait_css(drv, "#new-key-description").send_keys("seed key")
    drv.find_element(By.ID, "new-key-alias").send_keys("seed")
    shot(drv, "1-create-key")
    drv.find_element(By.ID, "create-key-submit").click()
    key_arn = wait(drv, "the new key's page", lambda d: (
        d.find_elements(By.ID, "key-arn") or [None])[0]).text
    keys = kms.list_keys()["Keys"]
    t.eq("key: the server has one key, the page's", [key_arn],
         [k["KeyArn"] for k in keys])
    t.eq("key: its alias", ["alias/seed"], [
        a["AliasName"] for a in kms.list_aliases(KeyId=key_arn)["Aliases"]])
    pol_text = wait_css(drv, "#policy-text").get_attribute("value")
    t.ok("key: its policy shown, formatted",
         "arn:aws:iam::%s:root" % ACCOUNT in pol_text and "\n  " in pol_text,
         pol_text)
    before = kms.get_key_policy(KeyId=key_arn, PolicyName="default")["Policy"]
    shot(drv, "2-key")

    # 2. Create the group (no key) on the groups page.
    go(drv, srv, "#/groups")
    wait_css(drv, "#show-create").click()
    wait_css(drv, "#new-group-name").send_keys(GROUP)
    drv.find_element(By.ID, "create-group").click()
    wait_text(drv, "#groups a.group-link", GROUP)
    t.eq("group: created", [GROUP], [g["logGroupName"] for g in
                                     logs.describe_log_groups()["logGroups"]])
    shot(drv, "3-group")

    # 3. Associate the key: refused, explained.
    go(drv, srv, "#/groups/" + GROUP.replace("/", "%2F"))
    wait_css(drv, "#associate-key").click()
    picker = Select(wait_css(drv, "#key-picker"))
    picker.select_by_value(key_arn)
    t.ok("picker: the key offered by its alias",
         "alias/seed" in picker.first_selected_option.text,
         picker.first_selected_option.text)
    drv.find_element(By.ID, "associate-go").click()
    refusal = wait_text(drv, "#refusal", "AccessDeniedException")
    decision = wait_css(drv, "#explain-decision").text
    t.ok("refused: AWS's code and message shown",
         "not allowed to be used with Arn '%s'" % GROUP_ARN in refusal.text,
         refusal.text)
    t.ok("explained: the explainer says DENY, no allow",
         "DENY" in decision and "no allow" in decision, decision)
    st_rows = drv.find_elements(By.CSS_SELECTOR, "#explain-statements tbody tr")
    t.eq("explained: the policy's one statement", 1, len(st_rows))
    row_text = st_rows[0].text if st_rows else ""
    t.ok("explained: the account's statement does not match the service",
         "Enable IAM User Permissions" in row_text and
         "arn:aws:iam::%s:root ✗" % ACCOUNT in row_text, row_text)
    t.eq("refused: the group is not encrypted", None, logs.describe_log_groups(
        logGroupNamePrefix=GROUP)["logGroups"][0].get("kmsKeyId"))
    shot(drv, "4-refused")

    # 4. The fix: the diff first, nothing put yet.
    wait_css(drv, "#allow-logs").click()
    diff = wait_css(drv, "#policy-diff")
    added = [e.text for e in diff.find_elements(By.CSS_SELECTOR, ".lvp-add")]
    removed = diff.find_elements(By.CSS_SELECTOR, ".lvp-del")
    added_text = "\n".join(added)
    t.ok("diff: adds the service principal and the group's ARN",
         '"Service": "%s"' % SERVICE in added_text and
         '"kms:EncryptionContext:aws:logs:arn": "%s"' % GROUP_ARN
         in added_text and '"kms:GenerateDataKey*"' in added_text,
         added_text)
    t.eq("diff: removes nothing", 0, len(removed))
    t.eq("diff: nothing put before apply", before, kms.get_key_policy(
        KeyId=key_arn, PolicyName="default")["Policy"])
    shot(drv, "5-diff")

    # 5. Apply: policy put, association retried, group encrypted.
    drv.find_element(By.ID, "apply-fix").click()
    wait_text(drv, "#encryption-state", "customer managed")
    wait_text(drv, "#logs-may-use", "yes")
    t.eq("applied: the server's group has the key", key_arn,
         logs.describe_log_groups(logGroupNamePrefix=GROUP)
         ["logGroups"][0].get("kmsKeyId"))
    after = json.loads(kms.get_key_policy(KeyId=key_arn,
                                          PolicyName="default")["Policy"])
    t.eq("applied: the policy is the old one plus the guide's statement",
         json.loads(before)["Statement"] + [{
             "Effect": "Allow", "Principal": {"Service": SERVICE},
             "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*",
                        "kms:GenerateDataKey*", "kms:Describe*"],
             "Resource": "*",
             "Condition": {"ArnEquals": {
                 "kms:EncryptionContext:aws:logs:arn": GROUP_ARN}}}],
         after.get("Statement"))
    t.ok("applied: the key shown by the panel",
         key_arn in drv.find_element(By.ID, "encryption-key").text)
    shot(drv, "6-encrypted")

    # 6. Events put by boto3, seen and filtered. Three minutes' worth,
    # within the last hour.
    now = int(time.time() * 1000)
    base = now - now % 60000 - 3 * 60000
    logs.create_log_stream(logGroupName=GROUP, logStreamName="web")
    events = [{"timestamp": base + i * 30000,
               "message": ("ERROR disk full %d" % i) if i % 3 == 0
               else ("INFO request %d" % i)} for i in range(6)]
    logs.put_log_events(logGroupName=GROUP, logStreamName="web",
                        logEvents=events)
    go(drv, srv, "#/groups/" + GROUP.replace("/", "%2F") + "/events")
    wait(drv, "six events", lambda d: len(d.find_elements(
        By.CSS_SELECTOR, "#event-rows tr[data-event-id]")) == 6)
    shot(drv, "7-events")
    box = drv.find_element(By.ID, "filter-pattern")
    box.send_keys("ERROR\n")
    rows = wait(drv, "the ERROR events", lambda d: (lambda r: r if len(r) == 2
                else None)(d.find_elements(By.CSS_SELECTOR,
                                           "#event-rows tr[data-event-id]")))
    t.ok("events: the filter keeps the ERROR ones",
         all("ERROR disk full" in r.text for r in rows),
         [r.text for r in rows])
    shot(drv, "8-filtered")

    # 7. Insights: stats count() by bin(1m), and its chart.
    go(drv, srv, "#/insights?group=" + GROUP.replace("/", "%2F"))
    wait(drv, "the group preselected", lambda d: [
        o.text for o in Select(d.find_element(By.ID, "insights-groups"))
        .all_selected_options] == [GROUP])
    q = wait_css(drv, "#insights-query")
    q.send_keys(Keys.CONTROL, "a")
    q.send_keys(Keys.DELETE)
    q.send_keys("stats count() by bin(1m)")
    q.send_keys(Keys.CONTROL, Keys.ENTER)
    done = wait_css(drv, "#insights-done")
    t.eq("insights: Complete", "Complete", done.get_attribute("data-status"))
    minutes = len({e["timestamp"] // 60000 for e in events})
    chart = wait_css(drv, "#insights-chart")
    t.eq("insights: one point per minute of events", str(minutes),
         chart.get_attribute("data-points"))
    t.eq("insights: one series, count()", ["count()"], [
        g.get_attribute("data-name") for g in
        chart.find_elements(By.CSS_SELECTOR, "g.lvp-series")])
    cells = [[td.text for td in tr.find_elements(By.TAG_NAME, "td")]
             for tr in drv.find_elements(By.CSS_SELECTOR,
                                         "#insights-table tbody tr")]
    t.eq("insights: the table's counts add up to the events", len(events),
         sum(int(c[1]) for c in cells if len(c) == 2))
    t.ok("insights: the statistics shown",
         "records matched 6" in done.text, done.text)
    shot(drv, "9-insights")

    # 8. The audit trail: the refused AssociateKmsKey.
    go(drv, srv, "#/audit")
    wait_css(drv, "#audit-group").send_keys(GROUP)
    drv.find_element(By.ID, "audit-error").send_keys("AccessDenied")

    # The refusal's record is written by the trail's asynchronous writer:
    # search again (a bounded number of times) until it is there.
    rows = []
    for _ in range(20):
        drv.find_element(By.ID, "audit-search").click()
        wait_css(drv, "#audit-count, #audit-status .error")
        rows = drv.find_elements(By.CSS_SELECTOR,
                                 "#audit-table tr[data-event-name]")
        if rows:
            break
        time.sleep(1)
    t.eq("audit: only the refusal matches",
         ["AssociateKmsKey"], [r.get_attribute("data-event-name")
                               for r in rows])
    rows[0].click()
    rec = wait_css(drv, "#audit-table tr.lvp-detail pre").text
    t.ok("audit: the record, pretty-printed, names the error and the key",
         '"errorCode": "AccessDeniedException"' in rec and key_arn in rec,
         rec[:500])
    shot(drv, "10-audit")
    # Nothing the page did raised or broke the CSP (refused API calls are
    # logged by Chromium as failed loads: those are expected).
    t.eq("page: no script error, no CSP violation", [], [
        m for lvl, m in browser_log(drv) if lvl == "SEVERE" and
        "Failed to load resource" not in m])
t.done()
