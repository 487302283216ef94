/*
 * policies: GetKeyPolicy, PutKeyPolicy, ListKeyPolicies — each key has one
 * key policy, named "default" (clients may leave the name out: newer
 * models made PolicyName optional, older AWS CLI v2 builds still send it).
 * A policy is parsed and validated when it is put (src/policy/), and must
 * pass the policy lockout safety check unless the caller bypasses it.
 * Evaluating policies is authz.c's (lv_kms_authorize).
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kms/keys_int.h"
#include "app.h"
#include "kms/kms.h"
#include "kms/kms_int.h"
#include "policy/policy.h"
#include "store/kms_store.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"

int lv_kms_policy_check(struct lv_req *rq, const char *policy,
                        const char *key_arn, int bypass, struct lv_err *err)
{
    struct lv_policy *p = lv_policy_parse(policy, strlen(policy), err);
    int ret = 0;

    if (!p) {
        return -1;
    }
    /* A service principal has no identity to lock out. */
    if (!bypass && !rq->who.service[0]) {
        ret = lv_policy_lockout_check(p, rq->who.arn, rq->who.account,
                                      key_arn, err);
    }
    lv_policy_free(p);
    return ret;
}

/* "default" is the only key policy name there is (API_GetKeyPolicy:
 * PolicyName). AWS does not document the error for another name; a policy
 * that does not exist is not found. */
static int check_policy_name(const json_t *in, struct lv_err *err)
{
    const char *name = lv_json_str(in, "PolicyName");

    if (name && strcmp(name, "default") != 0) {
        return lv_err_set(err, LV_E_NOT_FOUND,
                          "No key policy named %s exists; the only key "
                          "policy name is default", name);
    }
    return 0;
}

int lv_kms_op_get_key_policy(struct lv_req *rq, const json_t *in,
                             struct lv_jw *w, struct lv_err *err)
{
    struct lv_kms_key k;
    int ret = -1;

    lv_kms_key_init(&k);
    if (lv_kms_load_key(rq, in, 0, "GetKeyPolicy", &k, err) < 0 ||
        check_policy_name(in, err) < 0) {
        goto out;
    }
    lv_jw_kstr(w, "Policy", k.policy);
    lv_jw_kstr(w, "PolicyName", "default");
    ret = 0;
out:
    lv_kms_key_release(&k);
    return ret;
}

/* The key-state table allows PutKeyPolicy in every state of a key that
 * still exists, pending deletion included (lv_kms_key_change refuses a
 * deleted one). arg: the policy text (const char **). */
static int change_policy(struct lv_req *rq, struct lv_kms_key *cur,
                         void *arg, struct lv_err *err)
{
    const char *const *policy = arg;

    return lv_store_kms_key_set_policy(rq->store, cur->id, cur->row_version,
                                       *policy, err);
}

int lv_kms_op_put_key_policy(struct lv_req *rq, const json_t *in,
                             struct lv_jw *w, struct lv_err *err)
{
    struct lv_kms_key k;
    struct lv_kms_key cur;
    const char *policy = lv_json_str(in, "Policy");
    int bypass = 0;
    int ret = -1;

    (void)w;
    lv_kms_key_init(&k);
    lv_kms_key_init(&cur);
    if (!policy) {
        LV_BUG("PutKeyPolicy input passed validation without Policy");
    }
    lv_json_bool(in, "BypassPolicyLockoutSafetyCheck", &bypass);
    if (lv_kms_load_key(rq, in, 0, "PutKeyPolicy", &k, err) < 0 ||
        check_policy_name(in, err) < 0 ||
        lv_kms_policy_check(rq, policy, k.arn, bypass, err) < 0) {
        goto out;
    }
    if (lv_kms_key_change(rq, &k, change_policy, &policy, &cur, err) < 0) {
        goto out;
    }
    lv_kms_policy_cache_drop(rq->app->kms, k.id);
    lv_log(LV_LOG_INFO, "kms: key policy put id=%s req=%s", k.id, rq->id);
    ret = 0;
out:
    lv_kms_key_release(&cur);
    lv_kms_key_release(&k);
    return ret;
}

int lv_kms_op_list_key_policies(struct lv_req *rq, const json_t *in,
                                struct lv_jw *w, struct lv_err *err)
{
    struct lv_kms_key k;
    int ret = -1;

    lv_kms_key_init(&k);
    if (lv_kms_load_key(rq, in, 0, "ListKeyPolicies", &k, err) < 0) {
        goto out;
    }
    lv_jw_key(w, "PolicyNames");
    lv_jw_arr_open(w);
    lv_jw_str(w, "default");
    lv_jw_arr_close(w);
    lv_jw_kbool(w, "Truncated", 0);
    ret = 0;
out:
    lv_kms_key_release(&k);
    return ret;
}
