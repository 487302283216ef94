/*
 * kms: the AWS KMS service — its operation handlers (one AWS operation, one
 * handler) and the internal interface through which other services
 * (CloudWatch Logs) call KMS as a service principal, with the same
 * authorization path, condition keys and key-state rules as an outside
 * caller.
 */
#ifndef LV_KMS_KMS_H
#define LV_KMS_KMS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "svc/req.h"

struct lv_buf;
struct lv_err;
struct lv_kv;

/*
 * The handler of every operation src/model/implemented.txt lists for kms:
 * lv_kms_op_<operation in snake case>, an lv_handler_fn (svc/req.h).
 * Declared from the generated model/gen/ops.def, which http/route.c
 * includes again for the operation table: a handler that is missing fails
 * to link. An operation of the model with no handler answers
 * NotImplemented (HTTP 501).
 */
#define OP(svc, name, fn, flags) LV_KMS_DECLARE_##svc(fn)
#define OP_NOT_IMPLEMENTED(svc, name)
#define LV_KMS_DECLARE_kms(fn) lv_handler_fn fn;
#define LV_KMS_DECLARE_logs(fn)
#define LV_KMS_DECLARE_cloudtrail(fn)
#include "model/gen/ops.def"
#undef OP
#undef OP_NOT_IMPLEMENTED
#undef LV_KMS_DECLARE_kms
#undef LV_KMS_DECLARE_logs
#undef LV_KMS_DECLARE_cloudtrail

/* ---- the service object (service.c) ------------------------------------ */

struct lv_app;
struct lv_keyring;
struct lv_kms;
struct lv_store;

/*
 * The KMS service over store s, sealing key material with kr (both
 * borrowed; they outlive it). It owns its caches (keys, aliases,
 * material, parsed policies) and, once started, its background task.
 * Free with lv_kms_free.
 */
struct lv_kms *lv_kms_new(struct lv_store *s, const struct lv_keyring *kr);

/*
 * Starts the background task (kms/sweeper.h: key deletion and automatic
 * rotation when due, every interval_ms), whose requests carry app (whose
 * kms is this one). 0, or -1 with *err.
 */
int lv_kms_start(struct lv_kms *kms, struct lv_app *app, int interval_ms,
                 struct lv_err *err);

/*
 * Custom key stores (cks.c): loads the PKCS#11 module at path (NULL: none,
 * every AWS_CLOUDHSM store is CloudHsmClusterNotFound). Before serving;
 * -1 with *err when the module cannot be loaded.
 */
int lv_kms_set_pkcs11(struct lv_kms *kms, const char *path,
                      struct lv_err *err);

/* Stops the background task, wipes and frees the caches and kms. NULL is
 * a no-op. */
void lv_kms_free(struct lv_kms *kms);

/* ---- the internal interface (internal.c) -------------------------------- */

/* Who calls: a service principal acting for an account in a region. */
struct lv_kms_service_call {
    struct lv_app *app;
    struct lv_store *store;
    const char *service;        /* "logs.eu-west-2.amazonaws.com" */
    const char *account;        /* the account it acts for */
    const char *region;
    const char *request_id;     /* of the request that caused the call */
    time_t now;
    /* Where a refused call leaves the explainer's trace (JSON text, see
     * struct lv_req's trace): *trace when it is still NULL; NULL here
     * keeps it nowhere. */
    char **trace;
};

/* What a service needs to know of a key. */
struct lv_kms_key_info {
    char arn[256];
    char key_spec[32];
    char key_usage[32];
    char state[32];
};

/*
 * DescribeKey as the service principal: key_ref is a key id, key ARN,
 * alias name or alias ARN of c->account in c->region. Errors as KMS gives
 * them to an outside caller (NotFoundException, AccessDeniedException …).
 */
int lv_kms_svc_describe_key(const struct lv_kms_service_call *c,
                            const char *key_ref, struct lv_kms_key_info *out,
                            struct lv_err *err);

/*
 * GenerateDataKey (AES_256) as the service principal under key_ref with the
 * encryption context ctx: writes the 32-byte plaintext data key to
 * `plaintext` (the caller wipes it), appends the ciphertext blob to *blob
 * and the key's ARN to key_arn. The key policy (or a grant) must allow
 * kms:GenerateDataKey for c->service with that context; the key must be
 * enabled, symmetric and ENCRYPT_DECRYPT.
 */
int lv_kms_svc_generate_data_key(const struct lv_kms_service_call *c,
                                 const char *key_ref, const struct lv_kv *ctx,
                                 size_t n_ctx, uint8_t plaintext[32],
                                 struct lv_buf *blob, char key_arn[256],
                                 struct lv_err *err);

/*
 * Decrypt of a data-key blob made by lv_kms_svc_generate_data_key, as the
 * service principal, with the same context: writes the 32-byte key to
 * `plaintext` (the caller wipes it) and the key's ARN to key_arn. Fails as
 * Decrypt does: InvalidCiphertextException, NotFoundException (key
 * deleted), DisabledException, KMSInvalidStateException,
 * AccessDeniedException (the policy no longer allows c->service).
 */
int lv_kms_svc_decrypt(const struct lv_kms_service_call *c, const void *blob,
                       size_t len, const struct lv_kv *ctx, size_t n_ctx,
                       uint8_t plaintext[32], char key_arn[256],
                       struct lv_err *err);

/*
 * Would KMS allow c->service kms:<action> ("Decrypt") on the key `key_arn`
 * with the context ctx, now? The authorization and key-state checks of that
 * operation without the cryptography: for a service that caches plaintext
 * data keys and must still honour a disabled key or a changed policy on the
 * very next request. Errors as the operation would give them.
 */
int lv_kms_svc_authorize(const struct lv_kms_service_call *c,
                         const char *key_arn, const char *action,
                         const struct lv_kv *ctx, size_t n_ctx,
                         struct lv_err *err);

/*
 * The four calls above as a table: what a service that uses KMS (Logs) is
 * given, so that a test can give it a fake KMS instead. Each entry has the
 * contract of the function of the same name above.
 */
struct lv_kms_client {
    int (*describe_key)(const struct lv_kms_service_call *c,
                        const char *key_ref, struct lv_kms_key_info *out,
                        struct lv_err *err);
    int (*generate_data_key)(const struct lv_kms_service_call *c,
                             const char *key_ref, const struct lv_kv *ctx,
                             size_t n_ctx, uint8_t plaintext[32],
                             struct lv_buf *blob, char key_arn[256],
                             struct lv_err *err);
    int (*decrypt)(const struct lv_kms_service_call *c, const void *blob,
                   size_t len, const struct lv_kv *ctx, size_t n_ctx,
                   uint8_t plaintext[32], char key_arn[256],
                   struct lv_err *err);
    int (*authorize)(const struct lv_kms_service_call *c,
                     const char *key_arn, const char *action,
                     const struct lv_kv *ctx, size_t n_ctx,
                     struct lv_err *err);
};

/* The real one: lv_kms_svc_*, on c->app->kms. */
extern const struct lv_kms_client lv_kms_svc_client;

#endif
