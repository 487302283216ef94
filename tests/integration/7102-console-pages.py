"""The console's keys, Insights and audit-trail pages and the
create-group-with-key flow, in headless Chromium against a real server
(screenshots build/screenshots/7102-*.png, or $LV_SCREENSHOT_DIR):

- keys: the list shows each key's aliases, state and spec, and a key
  description holding HTML shows as text and runs nothing; on a key's
  page, a policy edited into invalid JSON is refused in the page with the
  line and column of the error, and nothing is sent (no PutKeyPolicy
  reaches the server); a JSON document KMS refuses shows KMS's
  MalformedPolicyDocumentException; a valid edit is put;
- Insights: a malformed query shows MalformedQueryException with AWS's
  message and the position it names (the caret is put there); a query's
  rows holding HTML show as text;
- the groups page's create with a key: refused, explained, fixed from the
  diff, and the group is created with the key; its page shows the key,
  and Disassociate takes it off; a key whose policy denies CloudWatch Logs
  explicitly is explained with that Deny and no Allow is offered;
- the Insights and key pages fit a phone's width;
- audit: the filters by principal, by key and by error each keep only the
  events that match (and find some); a server without --audit-trail: the
  page says the trail is off, naming the option.
"""
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, write_creds  # noqa: E402
from lvbrowser import (By, browser, browser_log, screenshot,  # noqa: E402
                       sign_in, wait, wait_css, wait_text)
from selenium.webdriver.common.keys import Keys  # noqa: E402

t = T()
REGION = "eu-west-2"
ACCOUNT = "123456789012"
XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
USERS = {"alice": ("AKIDALICE", ACCOUNT, None),
         "bob": ("AKIDBOB", ACCOUNT, "bob")}


def shot(drv, name):
    screenshot(drv, "7102-" + name)


def go(drv, srv, hash_):
    drv.get(srv.endpoint + "/console/" + hash_)


def puts_in_log(srv):
    return len(re.findall(r"op=TrentService\.PutKeyPolicy\b",
                          srv.read_log()))


def no_xss(drv):
    return drv.execute_script("return window.__xss === undefined")


def audit_rows(drv, want):
    """Searches (a bounded number of times: the trail's writer is
    asynchronous) until want(rows) holds; the rows' (event, user,
    resources, error) texts."""
    rows = []
    for _ in range(20):
        drv.find_element(By.ID, "audit-search").click()
        wait_css(drv, "#audit-count, #audit-status .error")
        rows = [(r.get_attribute("data-event-name"),
                 [td.text for td in r.find_elements(By.TAG_NAME, "td")])
                for r in drv.find_elements(
                    By.CSS_SELECTOR, "#audit-table tr[data-event-name]")]
        rows = [(name, tds[3], tds[4], tds[5]) for name, tds in rows]
        if want(rows):
            break
        time.sleep(1)
    return rows


def set_filters(drv, **kw):
    for f in ("key", "group", "principal", "error"):
        e = drv.find_element(By.ID, "audit-" + f)
        e.clear()
        if kw.get(f):
            e.send_keys(kw[f])


creds = write_creds(USERS, "lv-7102-")
try:
    with Server("--credentials", creds, "--audit-trail") as srv, \
            browser() as drv:
        kms = srv.client("kms", region=REGION, key="AKIDALICE",
                         secret="alice-secret")
        logs = srv.client("logs", region=REGION, key="AKIDALICE",
                          secret="alice-secret")
        bob_kms = srv.client("kms", region=REGION, key="AKIDBOB",
                             secret="bob-secret")
        k1 = kms.create_key(Description=XSS)["KeyMetadata"]
        kms.create_alias(AliasName="alias/one", TargetKeyId=k1["KeyId"])
        k2 = kms.create_key(KeySpec="ECC_NIST_P256",
                            KeyUsage="SIGN_VERIFY")["KeyMetadata"]
        kms.disable_key(KeyId=k2["KeyId"])
        kms.tag_resource(KeyId=k2["KeyId"],
                         Tags=[{"TagKey": "team", "TagValue": "ops"}])
        try:
            bob_kms.describe_key(KeyId="alias/no-such-key")
        except bob_kms.exceptions.ClientError:
            pass
        bob_kms.list_aliases()

        sign_in(drv, srv, key="AKIDALICE", secret="alice-secret",
                region=REGION)

        # Keys list.
        go(drv, srv, "#/keys")
        table = wait_css(drv, "#keys-table")
        rows = {r.get_attribute("data-key-id"): [
            td.text for td in r.find_elements(By.TAG_NAME, "td")]
            for r in table.find_elements(By.CSS_SELECTOR, "tbody tr")}
        r1 = rows.get(k1["KeyId"], [""] * 8)
        r2 = rows.get(k2["KeyId"], [""] * 8)
        t.eq("keys: both listed", {k1["KeyId"], k2["KeyId"]}, set(rows))
        t.eq("keys: the first's alias, state, spec, usage, rotation",
             ["alias/one", "Enabled", "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT",
              "off"], r1[1:6])
        try:
            rot2 = "on" if kms.get_key_rotation_status(
                KeyId=k2["KeyId"])["KeyRotationEnabled"] else "off"
        except kms.exceptions.ClientError as e:
            rot2 = "n/a" if e.response["Error"]["Code"] == \
                "UnsupportedOperationException" else "?"
        t.eq("keys: the second, disabled, asymmetric, its rotation",
             ["—", "Disabled", "ECC_NIST_P256", "SIGN_VERIFY", rot2],
             r2[1:6])
        t.eq("keys: an HTML description is text", XSS, r1[6])
        t.ok("keys: and runs nothing", no_xss(drv))
        shot(drv, "1-keys")

        # Key page: tags, policy edit.
        go(drv, srv, "#/keys/" + k2["KeyId"])
        wait_text(drv, "#key-tags", "ops")
        go(drv, srv, "#/keys/" + k1["KeyId"])
        area = wait_css(drv, "#policy-text")
        original = area.get_attribute("value")
        t.eq("policy: shown as the server's, indented",
             json.loads(kms.get_key_policy(KeyId=k1["KeyId"],
                                           PolicyName="default")["Policy"]),
             json.loads(original))
        puts = puts_in_log(srv)
        drv.find_element(By.ID, "policy-edit").click()
        # Break it: drop the comma after "Version"'s value; the error is
        # where the next member's name starts.
        bad = original.replace('"2012-10-17",', '"2012-10-17"', 1)
        area.send_keys(Keys.CONTROL, "a")
        area.send_keys(Keys.DELETE)
        drv.execute_script("arguments[0].value = arguments[1]", area, bad)
        drv.find_element(By.ID, "policy-save").click()
        err = wait_css(drv, "#policy-json-error").text
        at = bad.index('"', bad.index('"2012-10-17"') + len('"2012-10-17"'))
        want_line = bad[:at].count("\n") + 1
        want_col = at - bad[:at].rfind("\n")
        t.ok("policy: invalid JSON refused with its line and column",
             "line %d, column %d" % (want_line, want_col) in err, err)
        t.eq("policy: the caret at the error", at,
             drv.execute_script("return arguments[0].selectionStart", area))
        t.eq("policy: nothing sent", puts, puts_in_log(srv))
        shot(drv, "2-policy-invalid-json")
        # Valid JSON that KMS refuses.
        drv.execute_script("arguments[0].value = arguments[1]", area,
                           json.dumps({"Version": "2012-10-17",
                                       "Statement": [{"Effect": "Maybe"}]}))
        drv.find_element(By.ID, "policy-save").click()
        err = wait_css(drv, "#policy-status .error").text
        t.ok("policy: KMS's refusal shown with its code",
             err.startswith("MalformedPolicyDocumentException"), err)
        t.eq("policy: the server's policy unchanged", json.loads(original),
             json.loads(kms.get_key_policy(KeyId=k1["KeyId"],
                                           PolicyName="default")["Policy"]))
        shot(drv, "3-policy-refused")
        # A valid edit: a Sid renamed.
        good = original.replace("Enable IAM User Permissions", "Account")
        drv.execute_script("arguments[0].value = arguments[1]", area, good)
        drv.find_element(By.ID, "policy-validate").click()
        wait_css(drv, "#policy-json-ok")
        drv.find_element(By.ID, "policy-save").click()
        wait_css(drv, "#policy-saved")
        t.eq("policy: the edit put", "Account", json.loads(
            kms.get_key_policy(KeyId=k1["KeyId"], PolicyName="default")
            ["Policy"])["Statement"][0].get("Sid"))

        # Insights: a malformed query, then HTML in rows.
        logs.create_log_group(logGroupName="web")
        logs.create_log_stream(logGroupName="web", logStreamName="s")
        logs.put_log_events(logGroupName="web", logStreamName="s", logEvents=[
            {"timestamp": int(time.time() * 1000) - 1000, "message": XSS}])
        go(drv, srv, "#/insights?group=web")
        q = wait_css(drv, "#insights-query")
        wait_text(drv, "#insights-groups", "web")
        bad_q = "fields @message\n| stats count( by bin(1m)"
        drv.execute_script("arguments[0].value = arguments[1]", q, bad_q)
        q.send_keys(Keys.CONTROL, Keys.ENTER)
        pos = wait_css(drv, "#insights-error-position").text
        err = drv.find_element(By.CSS_SELECTOR, "#insights-status .error").text
        t.ok("insights: MalformedQueryException with AWS's message",
             err.startswith("MalformedQueryException: "), err)
        m = re.search(r"line (\d+) and position (\d+)", err)
        t.ok("insights: the message names a position", m, err)
        if m:
            ln, col = int(m.group(1)), int(m.group(2))
            t.ok("insights: the position shown",
                 pos.startswith("line %d, position %d" % (ln, col)), pos)
            sel = drv.execute_script(
                "return arguments[0].selectionStart", q)
            t.eq("insights: the caret on the token the message names",
                 "by", bad_q[sel:sel + 2])
        shot(drv, "4-insights-malformed")
        drv.execute_script("arguments[0].value = arguments[1]", q,
                           "fields @timestamp, @message")
        q.send_keys(Keys.CONTROL, Keys.ENTER)
        cell = wait_css(drv, "#insights-table tbody td:nth-child(2)")
        t.eq("insights: HTML in a row is text", XSS, cell.text)
        t.ok("insights: and runs nothing", no_xss(drv))
        t.eq("insights: @ptr hidden", ["@timestamp", "@message"],
             [th.text for th in drv.find_elements(
                 By.CSS_SELECTOR, "#insights-table thead th")])
        shot(drv, "5-insights-rows")

        # Create a group with a key: refused, explained, fixed, created.
        go(drv, srv, "#/groups")
        wait_css(drv, "#show-create").click()
        wait_css(drv, "#new-group-name").send_keys("enc")
        drv.find_element(By.ID, "new-group-key").send_keys(k1["Arn"])
        drv.find_element(By.ID, "create-group").click()
        wait_text(drv, "#explain-decision", "DENY")
        t.eq("create with key: refused, nothing created", [], [
            g["logGroupName"] for g in logs.describe_log_groups(
                logGroupNamePrefix="enc")["logGroups"]])
        drv.find_element(By.ID, "allow-logs").click()
        diff = wait_css(drv, "#policy-diff").text
        t.ok("create with key: the diff names the new group",
             "log-group:enc\"" in diff, diff)
        shot(drv, "6-create-with-key-diff")
        drv.find_element(By.ID, "apply-fix").click()
        wait_text(drv, "#groups a.group-link", "enc")
        got = logs.describe_log_groups(logGroupNamePrefix="enc")["logGroups"]
        t.eq("create with key: created with the key", [k1["Arn"]],
             [g.get("kmsKeyId") for g in got])
        # Its page shows the key; Disassociate takes it off.
        go(drv, srv, "#/groups/enc")
        wait_text(drv, "#logs-may-use", "yes")
        t.ok("group page: the key and its alias", k1["Arn"] in
             drv.find_element(By.ID, "encryption-key").text and "alias/one"
             in drv.find_element(By.ID, "encryption").text)
        drv.find_element(By.ID, "disassociate-key").click()
        wait_text(drv, "#encryption-state", "Not encrypted")
        t.eq("disassociated: the server's group has no key", [None], [
            g.get("kmsKeyId") for g in logs.describe_log_groups(
                logGroupNamePrefix="enc")["logGroups"]])

        # A key whose policy denies CloudWatch Logs outright: explained,
        # and no Allow offered (it could not help).
        deny_arn = kms.create_key(Policy=json.dumps({
            "Version": "2012-10-17", "Statement": [
                {"Sid": "Root", "Effect": "Allow",
                 "Principal": {"AWS": "arn:aws:iam::%s:root" % ACCOUNT},
                 "Action": "kms:*", "Resource": "*"},
                {"Sid": "No logs", "Effect": "Deny",
                 "Principal": {"Service": "logs.%s.amazonaws.com" % REGION},
                 "Action": "kms:*", "Resource": "*"}]}))["KeyMetadata"]["Arn"]
        go(drv, srv, "#/groups/web")
        wait_css(drv, "#associate-key").click()
        wait_css(drv, "#key-arn").send_keys(deny_arn)
        drv.find_element(By.ID, "associate-go").click()
        wait_text(drv, "#explain-decision", "DENY")
        deciding = [r.text for r in drv.find_elements(
            By.CSS_SELECTOR, "#explain-statements tr.lvp-deciding")]
        t.ok("explicit deny: the Deny statement marked as deciding",
             len(deciding) == 1 and "No logs" in deciding[0], deciding)
        t.ok("explicit deny: said, and no Allow offered",
             "explicit Deny" in drv.find_element(By.ID, "refusal").text and
             not drv.find_elements(By.ID, "allow-logs"))
        shot(drv, "6b-explicit-deny")

        # A phone's width: the pages do not scroll sideways.
        drv.set_window_size(390, 844)
        wait(drv, "a phone's width", lambda d: d.execute_script(
            "return window.innerWidth") <= 400)
        for page_, ready in (("#/insights", "#insights-query"),
                             ("#/keys/" + k1["KeyId"], "#policy-text")):
            go(drv, srv, page_)
            wait_css(drv, ready)
            t.ok("phone: %s fits the width" % page_, drv.execute_script(
                "return document.documentElement.scrollWidth <= "
                "window.innerWidth"), drv.execute_script(
                "return [document.documentElement.scrollWidth,"
                " window.innerWidth]"))
        shot(drv, "6c-phone-key")
        drv.set_window_size(1280, 800)

        # Audit filters.
        go(drv, srv, "#/audit")
        wait_css(drv, "#audit-form")
        set_filters(drv, principal="bob")
        rows = audit_rows(drv, lambda r: len(r) >= 2)
        t.ok("audit: by principal, bob's two calls",
             len(rows) == 2 and all(r[1] == "bob" for r in rows), rows)
        shot(drv, "7-audit-principal")
        set_filters(drv, key=k2["KeyId"])
        rows = audit_rows(drv, lambda r: {"TagResource", "DisableKey"} <=
                          {x[0] for x in r})
        t.ok("audit: by key, the second key's calls only",
             rows and all(k2["Arn"] in r[2] for r in rows) and
             {"TagResource", "DisableKey"} <= {r[0] for r in rows}, rows)
        set_filters(drv, error="NotFound")
        rows = audit_rows(drv, lambda r: len(r) >= 1)
        t.ok("audit: by error, bob's DescribeKey of no key only",
             [(r[0], r[1], r[3]) for r in rows] ==
             [("DescribeKey", "bob", "NotFoundException")], rows)
        shot(drv, "8-audit-error")
        # Nothing the page did raised or broke the CSP (refused API
        # calls are logged by Chromium as failed loads: those are
        # expected).
        t.eq("page: no script error, no CSP violation", [], [
            m for lvl, m in browser_log(drv) if lvl == "SEVERE" and
            "Failed to load resource" not in m])
        t.ok("audit: nothing ran from the records", no_xss(drv))

    # Without the trail: the page says so.
    with Server() as srv, browser() as drv:
        sign_in(drv, srv, region=REGION)
        go(drv, srv, "#/audit")
        off = wait_css(drv, "#audit-trail-off").text
        t.ok("trail off: said, naming the option",
             "off" in off and "--audit-trail" in off, off)
        shot(drv, "9-audit-off")
finally:
    os.unlink(creds)
t.done()
