/*
 * creds: the server's credentials table — access key id → secret, account
 * and identity — and the principal a verified request acts as.
 *
 * File format (--credentials FILE), INI, one section per access key id:
 *
 *   [AKIAEXAMPLE]
 *   secret_access_key = ...
 *   account_id = 123456789012
 *   user = alice            ; optional: arn:aws:iam::ACCOUNT:user/alice,
 *                           ; otherwise arn:aws:iam::ACCOUNT:root
 *   deny_actions = logs:Unmask  ; optional: actions this identity is not
 *                           ; allowed, comma-separated, * wildcards — a
 *                           ; stand-in for an IAM identity policy that
 *                           ; does not allow them (logvault has none);
 *                           ; only the actions that consult it check it
 *                           ; (today logs:Unmask, logs/dataprot.h)
 *
 * Without a file the table holds one entry: `test` / `test`, account
 * 123456789012, root. This module does no signing (see sigv4.h).
 */
#ifndef LV_AUTH_CREDS_H
#define LV_AUTH_CREDS_H

#include <stddef.h>

struct lv_err;

#define LV_MAX_ACCESS_KEY 128
#define LV_MAX_ARN 2048
#define LV_MAX_DENY_ACTIONS 256

/* Who a request acts as. For a service principal (the Logs service calling
 * KMS), `service` is "logs.<region>.amazonaws.com" and `arn`/`user` are
 * empty; `account` is the account on whose behalf it acts. */
struct lv_principal {
    char access_key[LV_MAX_ACCESS_KEY + 1];
    char account[13];
    char user[129];             /* "" for the account root */
    char arn[LV_MAX_ARN];       /* arn:aws:iam::ACCOUNT:root | …:user/NAME */
    char service[128];          /* "" unless a service principal */
    char deny_actions[LV_MAX_DENY_ACTIONS]; /* the file's deny_actions */
};

struct lv_cred {
    const char *access_key;
    const char *secret;
    size_t secret_len;
    const char *account;
    const char *user;           /* NULL for root */
    const char *deny_actions;   /* NULL if none */
};

struct lv_creds;

/* The default table: test/test → 123456789012 root. */
struct lv_creds *lv_creds_new_default(void);

/* Loads an INI file as above. NULL with *err filled (a message naming the
 * file and line) when it cannot be read or is malformed. */
struct lv_creds *lv_creds_load(const char *path, struct lv_err *err);

/* The entry of `access_key`, or NULL. The pointer is valid while `c` lives. */
const struct lv_cred *lv_creds_find(const struct lv_creds *c,
                                    const char *access_key);

/* Fills *p for the identity of `cred`. */
void lv_creds_principal(const struct lv_cred *cred, struct lv_principal *p);

/*
 * A cache of derived SigV4 signing keys (kSigning, the result of Task 3)
 * per (entry, scope "YYYYMMDD/REGION/SERVICE"), kept in the table for
 * lv_sigv4_verify(): a hit saves four HMACs per request. The table only
 * stores the bytes; it does no signing. _get copies the cached key of
 * (cred, scope) into key and returns 1, or returns 0; _put stores one,
 * wiping what its slot held. Thread-safe. Scopes longer than
 * LV_CREDS_MAX_SCOPE are never cached. lv_creds_free() wipes them all.
 */
#define LV_CREDS_SIGNING_KEY_BYTES 32
#define LV_CREDS_MAX_SCOPE 160
int lv_creds_signing_key_get(const struct lv_creds *c,
                             const struct lv_cred *cred, const char *scope,
                             unsigned char key[LV_CREDS_SIGNING_KEY_BYTES]);
void lv_creds_signing_key_put(const struct lv_creds *c,
                              const struct lv_cred *cred, const char *scope,
                              const unsigned char
                                  key[LV_CREDS_SIGNING_KEY_BYTES]);

/* Wipes the secrets and frees; NULL is a no-op. */
void lv_creds_free(struct lv_creds *c);

#endif
