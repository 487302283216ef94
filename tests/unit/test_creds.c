/*
 * test_creds: the default table, a file with two users, and malformed
 * files that must fail with a message naming the file and line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "auth/creds.h"
#include "util/err.h"
#include "util/mem.h"

/* Writes `text` to a fresh temp file; the caller unlinks and frees. */
static char *temp_file(const char *text)
{
    char *path = lv_xstrdup("/tmp/lv-test-creds-XXXXXX");
    int fd = mkstemp(path);
    size_t n = strlen(text);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, n), (ssize_t)n);
    close(fd);
    return path;
}

static void test_default(void **state)
{
    struct lv_creds *c = lv_creds_new_default();
    const struct lv_cred *e;
    struct lv_principal p;

    (void)state;
    e = lv_creds_find(c, "test");
    assert_non_null(e);
    assert_int_equal(e->secret_len, 4);
    assert_memory_equal(e->secret, "test", 4);
    assert_string_equal(e->account, "123456789012");
    assert_null(e->user);
    assert_null(lv_creds_find(c, "TEST"));
    assert_null(lv_creds_find(c, ""));
    lv_creds_principal(e, &p);
    assert_string_equal(p.access_key, "test");
    assert_string_equal(p.account, "123456789012");
    assert_string_equal(p.user, "");
    assert_string_equal(p.arn, "arn:aws:iam::123456789012:root");
    assert_string_equal(p.service, "");
    lv_creds_free(c);
    lv_creds_free(NULL);
}

static void test_two_users(void **state)
{
    char *path = temp_file(
        "# two keys\n"
        "; comments either way\n"
        "\n"
        "[AKIAALICEEXAMPLE]\n"
        "secret_access_key = alice/Secret+Key   # inline comment\n"
        "account_id=111122223333\n"
        "  user   =   alice   ; she is a user\n"
        "deny_actions = logs:Unmask, kms:Decrypt\n"
        "\n"
        "[ AKIAROOTEXAMPLE ]\r\n"
        "\taccount_id =444455556666\r\n"
        "secret_access_key=root;secret#x\r\n");
    struct lv_err err = LV_ERR_INIT;
    struct lv_creds *c = lv_creds_load(path, &err);
    const struct lv_cred *a;
    const struct lv_cred *r;
    struct lv_principal p;

    (void)state;
    if (!c) {
        fail_msg("load: %s", err.msg);
    }
    a = lv_creds_find(c, "AKIAALICEEXAMPLE");
    r = lv_creds_find(c, "AKIAROOTEXAMPLE");
    assert_non_null(a);
    assert_non_null(r);
    assert_null(lv_creds_find(c, "test"));
    assert_string_equal(a->secret, "alice/Secret+Key");
    assert_int_equal(a->secret_len, strlen("alice/Secret+Key"));
    assert_string_equal(a->user, "alice");
    /* ';' and '#' not preceded by white space belong to the value. */
    assert_string_equal(r->secret, "root;secret#x");
    assert_null(r->user);
    lv_creds_principal(a, &p);
    assert_string_equal(p.arn, "arn:aws:iam::111122223333:user/alice");
    assert_string_equal(p.user, "alice");
    assert_string_equal(p.account, "111122223333");
    assert_string_equal(p.deny_actions, "logs:Unmask, kms:Decrypt");
    lv_creds_principal(r, &p);
    assert_string_equal(p.arn, "arn:aws:iam::444455556666:root");
    assert_string_equal(p.deny_actions, "");
    assert_string_equal(p.access_key, "AKIAROOTEXAMPLE");
    lv_creds_free(c);
    unlink(path);
    free(path);
}

struct bad_row {
    const char *name;
    const char *text;
    const char *want;       /* after "PATH:" (line number first) */
};

static const struct bad_row bad_rows[] = {
    { "missing secret",
      "[AKID1]\naccount_id = 123456789012\n",
      "1: section [AKID1] has no secret_access_key" },
    { "missing secret, not the last section",
      "[AKID1]\naccount_id = 123456789012\n\n"
      "[AKID2]\nsecret_access_key = s\naccount_id = 123456789012\n",
      "1: section [AKID1] has no secret_access_key" },
    { "missing account",
      "[AKID1]\nsecret_access_key = s\n",
      "1: section [AKID1] has no account_id" },
    { "account id too short",
      "[AKID1]\nsecret_access_key = s\naccount_id = 12345678901\n",
      "3: account_id must be 12 digits, not '12345678901'" },
    { "account id with letters",
      "[AKID1]\nsecret_access_key = s\naccount_id = 12345678901x\n",
      "3: account_id must be 12 digits, not '12345678901x'" },
    { "line outside a section",
      "# header\nsecret_access_key = s\n[AKID1]\n",
      "2: key outside a [ACCESSKEYID] section" },
    { "duplicate section",
      "[AKID1]\nsecret_access_key = s\naccount_id = 123456789012\n"
      "[AKID1]\nsecret_access_key = t\naccount_id = 123456789012\n",
      "4: duplicate section [AKID1]" },
    { "duplicate key",
      "[AKID1]\nsecret_access_key = s\nsecret_access_key = t\n",
      "3: secret_access_key given twice in [AKID1]" },
    { "unknown key",
      "[AKID1]\nsecret_key = s\n",
      "2: unknown key 'secret_key' (expected secret_access_key, account_id, "
      "user or deny_actions)" },
    { "deny_actions twice",
      "[AKID1]\nsecret_access_key = s\naccount_id = 123456789012\n"
      "deny_actions = logs:Unmask\ndeny_actions = logs:*\n",
      "5: deny_actions given twice in [AKID1]" },
    { "no equals sign",
      "[AKID1]\nsecret_access_key s\n",
      "2: expected 'key = value' or '[ACCESSKEYID]'" },
    { "unclosed section",
      "[AKID1\n",
      "1: malformed section header" },
    { "slash in access key",
      "[AKID/1]\n",
      "1: invalid access key id [AKID/1]" },
    { "empty secret",
      "[AKID1]\nsecret_access_key =\n",
      "2: secret_access_key must be 1 to 128 characters" },
    { "bad user name",
      "[AKID1]\nsecret_access_key = s\naccount_id = 123456789012\n"
      "user = al ice\n",
      "4: user must be 1 to 64 letters, digits or +=,.@_-" },
    { "empty file", "# nothing\n", " no [ACCESSKEYID] section" },
};

static void test_malformed(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bad_rows) / sizeof(bad_rows[0]); i++) {
        const struct bad_row *row = &bad_rows[i];
        char *path = temp_file(row->text);
        struct lv_err err = LV_ERR_INIT;
        struct lv_creds *c = lv_creds_load(path, &err);
        char *want = lv_xasprintf("%s:%s", path, row->want);

        if (c || err.code != LV_E_INVALID_PARAMETER ||
            strcmp(err.msg, want) != 0) {
            fail_msg("%s: want \"%s\"\n got %s \"%s\"", row->name, want,
                     c ? "a table" : "NULL", err.msg);
        }
        free(want);
        unlink(path);
        free(path);
    }
}

static void test_missing_file(void **state)
{
    struct lv_err err = LV_ERR_INIT;

    (void)state;
    assert_null(lv_creds_load("/nonexistent/lv-creds.ini", &err));
    assert_int_equal(err.code, LV_E_INVALID_PARAMETER);
    assert_string_equal(err.msg,
                        "/nonexistent/lv-creds.ini: No such file or "
                        "directory");
}

static void test_long_line(void **state)
{
    char *text = lv_xmalloc(6000);
    char *path;
    struct lv_err err = LV_ERR_INIT;

    (void)state;
    memset(text, 'x', 5999);
    text[5999] = '\0';
    memcpy(text, "[AKID1]\nsecret_access_key = ", 28);
    path = temp_file(text);
    assert_null(lv_creds_load(path, &err));
    assert_non_null(strstr(err.msg, ":2: line longer than 4096 bytes"));
    unlink(path);
    free(path);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default),
        cmocka_unit_test(test_two_users),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_long_line),
    };

    return cmocka_run_group_tests_name("creds", tests, NULL, NULL);
}
