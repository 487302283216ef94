/*
 * explain.c: the explainer's operation (explain.h). It asks the same
 * authorization every KMS request passes (kms/authz.c), traced, for a
 * principal of the caller's choosing, or reads the trace kept with a
 * refused request's audit record; and for a refused use by CloudWatch
 * Logs it proposes the statement of AWS's guide ("Encrypt log data in
 * CloudWatch Logs using AWS Key Management Service", step 2: the key
 * policy statement for logs.REGION.amazonaws.com with
 * kms:EncryptionContext:aws:logs:arn,
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html).
 */
#include "kms/explain.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crypto/crypto.h"
#include "kms/keys_int.h"
#include "kms/kms_int.h"
#include "model/model.h"
#include "policy/policy.h"
#include "store/audit_store.h"
#include "store/kms_store.h"
#include "util/err.h"
#include "util/json.h"
#include "util/mem.h"

static const struct lv_op explain_ops[] = {
    { .name = "Explain", .input = -1, .output = -1 },
};

const struct lv_service lv_kms_explain_service = {
    .name = "kms-explain",
    .target_prefix = LV_KMS_EXPLAIN_TARGET,
    .signing_name = "kms",
    .api_version = "2026-12-01",
    .full_name = "logvault KMS explainer",
    .validation_code = LV_E_VALIDATION,
    .fault_code = LV_E_KMS_INTERNAL,
    .shapes = NULL,
    .n_shapes = 0,
    .ops = explain_ops,
    .n_ops = 1,
};

/* The action the Actions list of the guide's statement names, in its
 * order. */
static const char *const logs_actions[] = {
    "kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*",
    "kms:Describe*",
};

/* One question: would `principal` be allowed kms:`action` on the key with
 * this encryption context? Strings are borrowed. */
struct question {
    const char *principal;
    char action[65];
    struct lv_kv ctx[LV_KMS_MAX_CONTEXT_PAIRS];
    size_t n_ctx;
};

static int all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i])) {
            return 0;
        }
    }
    return 1;
}

/* A service principal as a DNS name: "logs.eu-west-2.amazonaws.com". */
static int is_service(const char *p)
{
    size_t len = strlen(p);

    if (len < 15 || len >= 128 ||
        strcasecmp(p + len - 14, ".amazonaws.com") != 0) {
        return 0;
    }
    for (const char *c = p; *c; c++) {
        if (!isalnum((unsigned char)*c) && *c != '.' && *c != '-') {
            return 0;
        }
    }
    return 1;
}

/* The principal the question names, as the front would have
 * authenticated it. A service acts for the caller's account. */
static int read_principal(const struct lv_req *rq, const char *p,
                          struct lv_principal *who, struct lv_err *err)
{
    size_t len = strlen(p);

    memset(who, 0, sizeof(*who));
    if (len == 12 && all_digits(p, 12)) {
        memcpy(who->account, p, 12);
        snprintf(who->arn, sizeof(who->arn), "arn:aws:iam::%s:root", p);
        return 0;
    }
    if (strncmp(p, "arn:aws:iam::", 13) == 0 && len > 26 && len < LV_MAX_ARN &&
        all_digits(p + 13, 12) && p[25] == ':') {
        const char *res = p + 26;

        memcpy(who->account, p + 13, 12);
        snprintf(who->arn, sizeof(who->arn), "%s", p);
        if (strcmp(res, "root") == 0) {
            return 0;
        }
        if (strncmp(res, "user/", 5) == 0 || strncmp(res, "role/", 5) == 0) {
            const char *name = strrchr(res, '/') + 1;

            if (*name && strlen(name) < sizeof(who->user)) {
                snprintf(who->user, sizeof(who->user), "%s", name);
                return 0;
            }
        }
    } else if (is_service(p)) {
        for (size_t i = 0; i < len; i++) {
            who->service[i] = (char)tolower((unsigned char)p[i]);
        }
        snprintf(who->account, sizeof(who->account), "%s", rq->who.account);
        return 0;
    }
    return lv_err_set(err, LV_E_VALIDATION, "Principal must be an account "
                      "ID, an IAM principal ARN (arn:aws:iam::ACCOUNT:root, "
                      ":user/NAME or :role/NAME) or a service principal "
                      "such as logs.us-east-1.amazonaws.com.");
}

/* "kms:GenerateDataKey" or "GenerateDataKey" into q->action (without the
 * service prefix). */
static int read_action(const char *a, struct question *q, struct lv_err *err)
{
    size_t len;

    if (strncasecmp(a, "kms:", 4) == 0) {
        a += 4;
    }
    len = strlen(a);
    if (len == 0 || len >= sizeof(q->action)) {
        goto bad;
    }
    for (size_t i = 0; i < len; i++) {
        if (!isalpha((unsigned char)a[i])) {
            goto bad;
        }
    }
    memcpy(q->action, a, len + 1);
    return 0;
bad:
    return lv_err_set(err, LV_E_VALIDATION, "Action must name one KMS "
                      "operation, such as kms:GenerateDataKey.");
}

/* Asks the question of the key as it is (or with k->policy swapped by the
 * caller): the trace, or NULL with *err on a store fault. */
static json_t *ask(const struct lv_req *rq, const struct lv_kms_key *k,
                   const struct question *q, struct lv_err *err)
{
    struct lv_req hyp = *rq;
    struct lv_policy_ctx_value extra[2];
    const char *vals[2][1];
    size_t n_extra = 0;
    json_t *t;

    hyp.trace = NULL;
    hyp.in = NULL;
    if (read_principal(rq, q->principal, &hyp.who, err) < 0) {
        return NULL;
    }
    if (hyp.who.service[0]) {
        /* As kms/internal.c calls for a service acting for an account:
         * no network origin, aws:SourceAccount, and aws:SourceArn from
         * the context's aws:logs:arn. */
        hyp.source_ip[0] = '\0';
        hyp.user_agent = NULL;
        hyp.secure_transport = 1;
        vals[0][0] = hyp.who.account;
        extra[n_extra].key = "aws:SourceAccount";
        extra[n_extra].values = vals[0];
        extra[n_extra].n = 1;
        n_extra++;
        for (size_t i = 0; i < q->n_ctx; i++) {
            if (strcmp(q->ctx[i].key, "aws:logs:arn") == 0) {
                vals[1][0] = q->ctx[i].value;
                extra[n_extra].key = "aws:SourceArn";
                extra[n_extra].values = vals[1];
                extra[n_extra].n = 1;
                n_extra++;
                break;
            }
        }
    }
    t = lv_kms_authorize_trace(&hyp, k, q->action, q->ctx, q->n_ctx, extra,
                               n_extra, NULL);
    free(hyp.trace);
    if (!t) {
        lv_err_set(err, LV_E_KMS_INTERNAL, "The explainer cannot read the "
                   "key's grants.");
    }
    return t;
}

static const char *trace_str(const json_t *t, const char *obj,
                             const char *member)
{
    return json_string_value(json_object_get(obj ? json_object_get(t, obj)
                                                 : t, member));
}

/* The region of a CloudWatch Logs service principal
 * (logs.REGION.amazonaws.com) into region, or -1 for another principal. */
static int logs_region(const char *p, char region[64])
{
    size_t len = p ? strlen(p) : 0;

    if (len <= 19 || strncasecmp(p, "logs.", 5) != 0 ||
        strcasecmp(p + len - 14, ".amazonaws.com") != 0 ||
        len - 19 >= 64) {
        return -1;
    }
    memcpy(region, p + 5, len - 19);
    region[len - 19] = '\0';
    return strchr(region, '.') ? -1 : 0;
}

/* The guide's statement for CloudWatch Logs in `region`, narrowed to
 * `group_arn`. */
static json_t *logs_statement(const char *region, const char *group_arn)
{
    char service[128];
    json_t *actions = json_array();

    snprintf(service, sizeof(service), "logs.%s.amazonaws.com", region);
    for (size_t i = 0; i < sizeof(logs_actions) / sizeof(*logs_actions);
         i++) {
        json_array_append_new(actions, json_string(logs_actions[i]));
    }
    return json_pack("{s:s, s:{s:s}, s:o, s:s, s:{s:{s:s}}}",
                     "Effect", "Allow", "Principal", "Service", service,
                     "Action", actions, "Resource", "*",
                     "Condition", "ArnEquals",
                     "kms:EncryptionContext:aws:logs:arn", group_arn);
}

/* The key policy with `st` added to its Statement list, as text; NULL
 * when the stored policy cannot be read. */
static char *policy_with(const char *policy, const json_t *st)
{
    json_t *doc = json_loads(policy, JSON_REJECT_DUPLICATES, NULL);
    json_t *list = json_object_get(doc, "Statement");
    char *out = NULL;

    if (!json_is_object(doc)) {
        goto out;
    }
    if (json_is_object(list)) {
        json_t *arr = json_array();

        json_array_append(arr, list);
        json_object_set_new(doc, "Statement", arr);
        list = arr;
    }
    if (!json_is_array(list)) {
        goto out;
    }
    json_array_append(list, (json_t *)st);
    out = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
out:
    json_decref(doc);
    return out;
}

/*
 * For a refused use by CloudWatch Logs that the key policy decided (not
 * an explicit Deny, which no Allow overrides): the guide's statement, the
 * policy with it, and the explainer's decision under that policy. NULL
 * when there is nothing to propose; *note says why when it matters.
 */
static json_t *propose(const struct lv_req *rq, struct lv_kms_key *k,
                       const struct question *q, const json_t *trace,
                       const char **note, struct lv_err *err)
{
    const char *kp = trace_str(trace, "keyPolicy", "decision");
    const char *group = NULL;
    char region[64];
    char *text = NULL;
    char *saved;
    json_t *st = NULL;
    json_t *after = NULL;
    json_t *out = NULL;
    struct lv_policy *parsed = NULL;
    struct lv_err perr = LV_ERR_INIT;

    *note = NULL;
    if (strcmp(trace_str(trace, NULL, "decision"), "DENY") != 0 ||
        logs_region(trace_str(trace, "request", "principal"), region) < 0) {
        return NULL;
    }
    if (kp && strcmp(kp, "EXPLICIT_DENY") == 0) {
        *note = "An explicit Deny in the key policy refuses this; no Allow "
                "statement can override it: change or remove that Deny.";
        return NULL;
    }
    for (size_t i = 0; i < q->n_ctx; i++) {
        if (strcmp(q->ctx[i].key, "aws:logs:arn") == 0) {
            group = q->ctx[i].value;
        }
    }
    if (!group) {
        *note = "CloudWatch Logs names its log group in the encryption "
                "context (aws:logs:arn): give it to see the statement to "
                "add.";
        return NULL;
    }
    st = logs_statement(region, group);
    text = policy_with(k->policy, st);
    if (!text || strlen(text) > LV_POLICY_MAX_BYTES ||
        !(parsed = lv_policy_parse(text, strlen(text), &perr))) {
        *note = "The key policy with the proposed statement would not be a "
                "valid key policy (too large?).";
        goto out;
    }
    /* Ask again under the proposed policy, to show that it is enough. */
    saved = k->policy;
    k->policy = text;
    after = ask(rq, k, q, err);
    k->policy = saved;
    if (!after) {
        goto out;
    }
    out = json_pack("{s:O, s:s, s:b}", "Statement", st, "Policy", text,
                    "Allows", strcmp(trace_str(after, NULL, "decision"),
                                     "ALLOW") == 0);
out:
    lv_policy_free(parsed);
    lv_err_release(&perr);
    json_decref(after);
    json_decref(st);
    free(text);
    return out;
}

/* The question a kept trace answered, for the proposal: strings borrowed
 * from t. */
static int question_of(const json_t *t, struct question *q,
                       struct lv_err *err)
{
    const json_t *ec = json_object_get(json_object_get(t, "request"),
                                       "encryptionContext");
    const char *key;
    const json_t *v;

    q->principal = trace_str(t, "request", "principal");
    if (!q->principal ||
        read_action(trace_str(t, "request", "action") ?
                    trace_str(t, "request", "action") : "", q, err) < 0) {
        return lv_err_set(err, LV_E_KMS_INTERNAL, "The kept trace cannot "
                          "be read.");
    }
    q->n_ctx = 0;
    json_object_foreach((json_t *)ec, key, v) {
        if (q->n_ctx < LV_KMS_MAX_CONTEXT_PAIRS && json_is_string(v)) {
            q->ctx[q->n_ctx].key = key;
            q->ctx[q->n_ctx].value = json_string_value(v);
            q->n_ctx++;
        }
    }
    return 0;
}

/* The records of the caller's trail with ID request_id: the first trace
 * of a refusal on key `arn`. */
struct find_trace {
    const char *arn;
    json_t *trace;
};

static int take_trace(void *arg, const struct lv_audit_record *r)
{
    struct find_trace *f = arg;
    json_t *t;

    if (!r->trace) {
        return 0;
    }
    t = json_loads(r->trace, 0, NULL);
    if (!t || strcmp(trace_str(t, "request", "keyArn") ?
                     trace_str(t, "request", "keyArn") : "", f->arn) != 0) {
        json_decref(t);
        return 0;
    }
    f->trace = t;
    return 1;
}

/* The trace kept with the audit record of refused request request_id on
 * key k, in the caller's account's trail (and the key's account's, when
 * another): NULL with NotFoundException when there is none. The caller
 * may read it: it was allowed GetKeyPolicy on k. */
static json_t *kept_trace(struct lv_req *rq, const struct lv_kms_key *k,
                          const char *request_id, struct lv_err *err)
{
    struct find_trace f = { k->arn, NULL };

    if (lv_store_audit_traces_by_request(rq->store, rq->who.account,
                                         request_id, take_trace, &f,
                                         err) < 0) {
        return NULL;
    }
    if (!f.trace && strcmp(k->account, rq->who.account) != 0 &&
        lv_store_audit_traces_by_request(rq->store, k->account,
                                         request_id, take_trace, &f,
                                         err) < 0) {
        return NULL;
    }
    if (!f.trace) {
        lv_err_set(err, LV_E_NOT_FOUND, "No request %s refused on key %s "
                   "is in this account's trail.", request_id, k->arn);
    }
    return f.trace;
}

int lv_kms_op_explain(struct lv_req *rq, const json_t *in, struct lv_jw *w,
                      struct lv_err *err)
{
    struct lv_kms_key k;
    struct question q;
    const char *request_id = lv_json_str(in, "RequestId");
    const char *principal = lv_json_str(in, "Principal");
    const char *action = lv_json_str(in, "Action");
    const char *note = NULL;
    json_t *trace = NULL;
    json_t *proposal = NULL;
    int ret = -1;

    lv_kms_key_init(&k);
    memset(&q, 0, sizeof(q));
    if (!json_is_string(json_object_get(in, "KeyId"))) {
        lv_err_set(err, LV_E_VALIDATION, "1 validation error detected: "
                   "Value null at 'keyId' failed to satisfy constraint: "
                   "Member must not be null");
        goto out;
    }
    if (!request_id == !(principal || action) ||
        (!request_id && (!principal || !action))) {
        lv_err_set(err, LV_E_VALIDATION, "Give either RequestId, or "
                   "Principal and Action (and optionally "
                   "EncryptionContext).");
        goto out;
    }
    /* Authorized like GetKeyPolicy on the key. */
    if (lv_kms_load_key(rq, in, LV_KMS_ALIAS_OK, "GetKeyPolicy", &k,
                        err) < 0) {
        goto out;
    }
    if (request_id) {
        trace = kept_trace(rq, &k, request_id, err);
        if (!trace || question_of(trace, &q, err) < 0) {
            goto out;
        }
    } else {
        q.principal = principal;
        if (read_action(action, &q, err) < 0 ||
            lv_kms_context(in, "EncryptionContext", q.ctx,
                           LV_KMS_MAX_CONTEXT_PAIRS, &q.n_ctx, err) < 0) {
            goto out;
        }
        trace = ask(rq, &k, &q, err);
        if (!trace) {
            goto out;
        }
    }
    proposal = propose(rq, &k, &q, trace, &note, err);
    if (!proposal && err->code != LV_E_NONE) {
        goto out;
    }
    lv_jw_kstr(w, "Decision", trace_str(trace, NULL, "decision"));
    lv_jw_kstr(w, "Reason", trace_str(trace, NULL, "reason"));
    lv_jw_key(w, "Trace");
    lv_jw_json(w, trace);
    if (proposal) {
        lv_jw_key(w, "Proposal");
        lv_jw_json(w, proposal);
    }
    if (note) {
        lv_jw_kstr(w, "Note", note);
    }
    ret = 0;
out:
    json_decref(proposal);
    json_decref(trace);
    lv_kms_key_release(&k);
    return ret;
}
