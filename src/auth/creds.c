/*
 * creds: the credentials table and its INI file (format in creds.h).
 *
 * Parsing is strict, so that a typo in a credentials file is reported at
 * start-up rather than discovered as a mysterious 400 later: every line is
 * blank, a comment, a [section] or a known key = value inside a section,
 * and each error names the file and line.
 */
#include "auth/creds.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/mem.h"

/* Bounds: nobody has ten thousand keys or four-kilobyte lines. */
#define MAX_LINE 4096
#define MAX_ENTRIES 10000
#define MAX_SECRET 128
/* IAM user names, 1 to 64 characters:
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_User.html */
#define MAX_USER 64

/* A derived SigV4 signing key (see lv_creds_signing_key_get). */
#define KEY_SLOTS 64

struct key_slot {
    const struct lv_cred *cred;     /* NULL: empty */
    char scope[LV_CREDS_MAX_SCOPE + 1];
    unsigned char key[LV_CREDS_SIGNING_KEY_BYTES];
};

struct lv_creds {
    struct lv_cred *v;
    size_t n;
    size_t cap;
    /* The signing-key cache: mutable in a table that is otherwise read
     * only once loaded, so reached through const pointers. */
    pthread_mutex_t key_mu;
    struct key_slot keys[KEY_SLOTS];
};

static struct lv_creds *creds_new(void)
{
    struct lv_creds *c = lv_xcalloc(1, sizeof(*c));

    if (pthread_mutex_init(&c->key_mu, NULL) != 0) {
        LV_BUG("pthread_mutex_init failed");
    }
    return c;
}

struct entry_src {
    size_t line;        /* of the [section], for "missing secret" */
};

static void add_entry(struct lv_creds *c, const char *key)
{
    struct lv_cred *e;

    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 8;
        c->v = lv_xrealloc(c->v, c->cap * sizeof(*c->v));
    }
    e = &c->v[c->n++];
    memset(e, 0, sizeof(*e));
    e->access_key = lv_xstrdup(key);
}

struct lv_creds *lv_creds_new_default(void)
{
    struct lv_creds *c = creds_new();
    struct lv_cred *e;

    add_entry(c, "test");
    e = &c->v[0];
    e->secret = lv_xstrdup("test");
    e->secret_len = 4;
    e->account = lv_xstrdup("123456789012");
    e->user = NULL;
    return c;
}

void lv_creds_free(struct lv_creds *c)
{
    if (!c) {
        return;
    }
    for (size_t i = 0; i < c->n; i++) {
        free((char *)c->v[i].access_key);
        if (c->v[i].secret) {
            lv_secret_free((char *)c->v[i].secret, c->v[i].secret_len);
        }
        free((char *)c->v[i].account);
        free((char *)c->v[i].user);
        free((char *)c->v[i].deny_actions);
    }
    free(c->v);
    lv_secret_wipe(c->keys, sizeof(c->keys));
    pthread_mutex_destroy(&c->key_mu);
    free(c);
}

static struct key_slot *key_slot_of(const struct lv_creds *c,
                                    const struct lv_cred *cred,
                                    const char *scope)
{
    unsigned h = 2166136261u;

    for (const char *p = cred->access_key; *p; p++) {
        h = (h ^ (unsigned char)*p) * 16777619u;
    }
    for (const char *p = scope; *p; p++) {
        h = (h ^ (unsigned char)*p) * 16777619u;
    }
    return (struct key_slot *)&c->keys[h % KEY_SLOTS];
}

int lv_creds_signing_key_get(const struct lv_creds *c,
                             const struct lv_cred *cred, const char *scope,
                             unsigned char key[LV_CREDS_SIGNING_KEY_BYTES])
{
    struct lv_creds *m = (struct lv_creds *)c;
    struct key_slot *slot;
    int hit = 0;

    if (strlen(scope) > LV_CREDS_MAX_SCOPE) {
        return 0;
    }
    slot = key_slot_of(c, cred, scope);
    pthread_mutex_lock(&m->key_mu);
    if (slot->cred == cred && strcmp(slot->scope, scope) == 0) {
        memcpy(key, slot->key, LV_CREDS_SIGNING_KEY_BYTES);
        hit = 1;
    }
    pthread_mutex_unlock(&m->key_mu);
    return hit;
}

void lv_creds_signing_key_put(const struct lv_creds *c,
                              const struct lv_cred *cred, const char *scope,
                              const unsigned char
                                  key[LV_CREDS_SIGNING_KEY_BYTES])
{
    struct lv_creds *m = (struct lv_creds *)c;
    struct key_slot *slot;

    if (strlen(scope) > LV_CREDS_MAX_SCOPE) {
        return;
    }
    slot = key_slot_of(c, cred, scope);
    pthread_mutex_lock(&m->key_mu);
    lv_secret_wipe(slot, sizeof(*slot));
    slot->cred = cred;
    memcpy(slot->scope, scope, strlen(scope) + 1);
    memcpy(slot->key, key, LV_CREDS_SIGNING_KEY_BYTES);
    pthread_mutex_unlock(&m->key_mu);
}

const struct lv_cred *lv_creds_find(const struct lv_creds *c,
                                    const char *access_key)
{
    if (!c || !access_key) {
        return NULL;
    }
    for (size_t i = 0; i < c->n; i++) {
        if (strcmp(c->v[i].access_key, access_key) == 0) {
            return &c->v[i];
        }
    }
    return NULL;
}

void lv_creds_principal(const struct lv_cred *cred, struct lv_principal *p)
{
    memset(p, 0, sizeof(*p));
    snprintf(p->access_key, sizeof(p->access_key), "%s", cred->access_key);
    snprintf(p->account, sizeof(p->account), "%s", cred->account);
    if (cred->user) {
        snprintf(p->user, sizeof(p->user), "%s", cred->user);
        snprintf(p->arn, sizeof(p->arn), "arn:aws:iam::%s:user/%s",
                 cred->account, cred->user);
    } else {
        snprintf(p->arn, sizeof(p->arn), "arn:aws:iam::%s:root",
                 cred->account);
    }
    if (cred->deny_actions) {
        snprintf(p->deny_actions, sizeof(p->deny_actions), "%s",
                 cred->deny_actions);
    }
}

/* ---- the INI file -------------------------------------------------------- */

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Trims s in place (both ends) and returns it. */
static char *trim(char *s)
{
    size_t n;

    while (is_blank(*s)) {
        s++;
    }
    n = strlen(s);
    while (n > 0 && is_blank(s[n - 1])) {
        s[--n] = '\0';
    }
    return s;
}

/* Cuts a comment that starts at '#' or ';' preceded by white space (so a
 * value may itself contain those characters when not spaced out). */
static void cut_comment(char *s)
{
    for (char *p = s; *p; p++) {
        if ((*p == '#' || *p == ';') && (p == s || is_blank(p[-1]))) {
            *p = '\0';
            return;
        }
    }
}

/* An access key id: it goes into "Credential=KEY/…", so no '/', ',', '='
 * or white space; letters, digits, '_', '-', '.'. */
static int valid_access_key(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > LV_MAX_ACCESS_KEY) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];

        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.')) {
            return 0;
        }
    }
    return 1;
}

static int valid_account(const char *s)
{
    if (strlen(s) != 12) {
        return 0;
    }
    for (size_t i = 0; i < 12; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
    }
    return 1;
}

/* IAM user names: letters, digits and +=,.@_- , 1 to 64 characters. */
static int valid_user(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > MAX_USER) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];

        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || strchr("+=,.@_-", c))) {
            return 0;
        }
    }
    return 1;
}

/* Checks that the last section is complete. */
static int finish_entry(const struct lv_creds *c, const struct entry_src *src,
                        const char *path, struct lv_err *err)
{
    const struct lv_cred *e;

    if (c->n == 0) {
        return 0;
    }
    e = &c->v[c->n - 1];
    if (!e->secret) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "%s:%zu: section [%s] has no secret_access_key",
                          path, src->line, e->access_key);
    }
    if (!e->account) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "%s:%zu: section [%s] has no account_id", path,
                          src->line, e->access_key);
    }
    return 0;
}

static int set_key(struct lv_cred *e, const char *key, const char *val,
                   const char *path, size_t line, struct lv_err *err)
{
    if (strcmp(key, "secret_access_key") == 0) {
        size_t n = strlen(val);

        if (e->secret) {
            goto dup;
        }
        if (n == 0 || n > MAX_SECRET) {
            return lv_err_set(err, LV_E_INVALID_PARAMETER,
                              "%s:%zu: secret_access_key must be 1 to %d "
                              "characters", path, line, MAX_SECRET);
        }
        e->secret = lv_xstrdup(val);
        e->secret_len = n;
        return 0;
    }
    if (strcmp(key, "account_id") == 0) {
        if (e->account) {
            goto dup;
        }
        if (!valid_account(val)) {
            return lv_err_set(err, LV_E_INVALID_PARAMETER,
                              "%s:%zu: account_id must be 12 digits, not "
                              "'%.32s'", path, line, val);
        }
        e->account = lv_xstrdup(val);
        return 0;
    }
    if (strcmp(key, "user") == 0) {
        if (e->user) {
            goto dup;
        }
        if (!valid_user(val)) {
            return lv_err_set(err, LV_E_INVALID_PARAMETER,
                              "%s:%zu: user must be 1 to %d letters, digits "
                              "or +=,.@_-", path, line, MAX_USER);
        }
        e->user = lv_xstrdup(val);
        return 0;
    }
    if (strcmp(key, "deny_actions") == 0) {
        if (e->deny_actions) {
            goto dup;
        }
        if (strlen(val) >= LV_MAX_DENY_ACTIONS) {
            return lv_err_set(err, LV_E_INVALID_PARAMETER,
                              "%s:%zu: deny_actions must be under %d "
                              "characters", path, line, LV_MAX_DENY_ACTIONS);
        }
        e->deny_actions = lv_xstrdup(val);
        return 0;
    }
    return lv_err_set(err, LV_E_INVALID_PARAMETER,
                      "%s:%zu: unknown key '%.64s' (expected "
                      "secret_access_key, account_id, user or deny_actions)",
                      path, line, key);
dup:
    return lv_err_set(err, LV_E_INVALID_PARAMETER,
                      "%s:%zu: %s given twice in [%s]", path, line, key,
                      e->access_key);
}

/* One line (NUL-terminated, newline removed) of the file. */
static int parse_line(struct lv_creds *c, struct entry_src *src, char *raw,
                      const char *path, size_t line, struct lv_err *err)
{
    char *s;
    char *eq;

    cut_comment(raw);
    s = trim(raw);
    if (*s == '\0') {
        return 0;
    }
    if (*s == '[') {
        char *end = strchr(s, ']');
        char *name;

        if (!end || end[1] != '\0') {
            return lv_err_set(err, LV_E_INVALID_PARAMETER,
                              "%s:%zu: malformed section header", path, line);
        }
        *end = '\0';
        name = trim(s + 1);
        if (!valid_access_key(name)) {
            return lv_err_set(err, LV_E_INVALID_PARAMETER,
                              "%s:%zu: invalid access key id [%.64s]", path,
                              line, name);
        }
        if (finish_entry(c, src, path, err) < 0) {
            return -1;
        }
        if (lv_creds_find(c, name)) {
            return lv_err_set(err, LV_E_INVALID_PARAMETER,
                              "%s:%zu: duplicate section [%s]", path, line,
                              name);
        }
        if (c->n == MAX_ENTRIES) {
            return lv_err_set(err, LV_E_INVALID_PARAMETER,
                              "%s:%zu: more than %d access keys", path, line,
                              MAX_ENTRIES);
        }
        add_entry(c, name);
        memset(src, 0, sizeof(*src));
        src->line = line;
        return 0;
    }
    eq = strchr(s, '=');
    if (!eq) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "%s:%zu: expected 'key = value' or '[ACCESSKEYID]'",
                          path, line);
    }
    if (c->n == 0) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "%s:%zu: key outside a [ACCESSKEYID] section",
                          path, line);
    }
    *eq = '\0';
    return set_key(&c->v[c->n - 1], trim(s), trim(eq + 1), path, line, err);
}

struct lv_creds *lv_creds_load(const char *path, struct lv_err *err)
{
    struct lv_creds *c = creds_new();
    struct entry_src src;
    char buf[MAX_LINE + 2];
    size_t line = 0;
    FILE *f;
    int ok = 0;

    memset(&src, 0, sizeof(src));
    f = fopen(path, "r");
    if (!f) {
        lv_err_set(err, LV_E_INVALID_PARAMETER, "%s: %s", path,
                   strerror(errno));
        goto out;
    }
    while (fgets(buf, sizeof(buf), f)) {
        size_t n = strlen(buf);

        line++;
        if (n == sizeof(buf) - 1 && buf[n - 1] != '\n' && !feof(f)) {
            lv_err_set(err, LV_E_INVALID_PARAMETER,
                       "%s:%zu: line longer than %d bytes", path, line,
                       MAX_LINE);
            goto out;
        }
        if (n && buf[n - 1] == '\n') {
            buf[--n] = '\0';
        }
        if (parse_line(c, &src, buf, path, line, err) < 0) {
            goto out;
        }
    }
    if (ferror(f)) {
        lv_err_set(err, LV_E_INVALID_PARAMETER, "%s: read error", path);
        goto out;
    }
    if (finish_entry(c, &src, path, err) < 0) {
        goto out;
    }
    if (c->n == 0) {
        lv_err_set(err, LV_E_INVALID_PARAMETER,
                   "%s: no [ACCESSKEYID] section", path);
        goto out;
    }
    ok = 1;
out:
    lv_secret_wipe(buf, sizeof(buf));
    if (f) {
        fclose(f);
    }
    if (!ok) {
        lv_creds_free(c);
        return NULL;
    }
    return c;
}
