/*
 * explain.c: `logvault kms explain`, the client of the key-policy
 * explainer (kms/explain.h; no AWS CLI command to mirror, so its options
 * are its own, named as the AWS CLI names the members it sends):
 *   --key-id KEY (required)
 *   --principal P --action A [--encryption-context CTX]   "would P be
 *       allowed A on KEY with this context?"  CTX: JSON ({"k":"v"}) or
 *       shorthand k=v,k2=v2
 *   --request-id ID                                        "why was ID
 *       refused?"
 * Prints the answer readably — the decision, each key-policy statement
 * with each element's match and the values compared, the grants
 * considered, the proposal — or, with --output json, the operation's
 * answer as JSON (--query applies).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli_int.h"
#include "kms/explain.h"
#include "util/mem.h"

static const char *yes(const json_t *v)
{
    return json_is_true(v) ? "yes" : "no ";
}

/* A JSON value as one compact line (strings without quotes). */
static void put_value(FILE *out, const json_t *v)
{
    char *s;

    if (json_is_string(v)) {
        fputs(json_string_value(v), out);
        return;
    }
    s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
    fputs(s ? s : "?", out);
    free(s);
}

static void put_element(FILE *out, const char *label, const json_t *e)
{
    fprintf(out, "      %-10s %s  policy: ", json_string_value(
                json_object_get(e, "element")) ? json_string_value(
                json_object_get(e, "element")) : label,
            yes(json_object_get(e, "matched")));
    put_value(out, json_object_get(e, "values"));
    fputs("  request: ", out);
    put_value(out, json_object_get(e, "request"));
    if (json_is_true(json_object_get(e, "viaAccount"))) {
        fputs("  (through the principal's account)", out);
    }
    fputc('\n', out);
}

static void put_statement(FILE *out, const json_t *st, const json_t *deciding)
{
    const json_t *conds = json_object_get(st, "conditions");
    const json_t *c;
    const json_t *d;
    size_t i;
    int decides = 0;

    json_array_foreach(deciding, i, d) {
        decides |= json_integer_value(d) ==
                   json_integer_value(json_object_get(st, "index"));
    }
    fprintf(out, "  [%lld] %s", (long long)json_integer_value(
                json_object_get(st, "index")),
            json_string_value(json_object_get(st, "effect")));
    if (json_is_string(json_object_get(st, "sid"))) {
        fprintf(out, " \"%s\"", json_string_value(json_object_get(st,
                                                                  "sid")));
    }
    fprintf(out, ": %s%s\n", json_is_true(json_object_get(st, "applies"))
            ? "applies" : "does not apply", decides ? " (decides)" : "");
    put_element(out, "Principal", json_object_get(st, "principal"));
    put_element(out, "Action", json_object_get(st, "action"));
    put_element(out, "Resource", json_object_get(st, "resource"));
    json_array_foreach(conds, i, c) {
        fprintf(out, "      Condition  %s  %s %s  policy: ",
                yes(json_object_get(c, "matched")),
                json_string_value(json_object_get(c, "operator")),
                json_string_value(json_object_get(c, "key")));
        put_value(out, json_object_get(c, "values"));
        fputs("  request: ", out);
        put_value(out, json_object_get(c, "requestValues"));
        fputc('\n', out);
    }
}

static void put_text(FILE *out, const json_t *r)
{
    const json_t *tr = json_object_get(r, "Trace");
    const json_t *rq = json_object_get(tr, "request");
    const json_t *kp = json_object_get(tr, "keyPolicy");
    const json_t *grants = json_object_get(tr, "grants");
    const json_t *prop = json_object_get(r, "Proposal");
    const json_t *v;
    size_t i;

    fprintf(out, "Decision: %s\nReason:   %s\n",
            json_string_value(json_object_get(r, "Decision")),
            json_string_value(json_object_get(r, "Reason")));
    if (rq) {
        fprintf(out, "Request:  %s %s on %s\n",
                json_string_value(json_object_get(rq, "principal")),
                json_string_value(json_object_get(rq, "action")),
                json_string_value(json_object_get(rq, "keyArn")));
        fputs("          encryption context: ", out);
        put_value(out, json_object_get(rq, "encryptionContext"));
        fputc('\n', out);
    }
    if (json_is_string(json_object_get(tr, "errorMessage"))) {
        fprintf(out, "Error:    %s: %s\n",
                json_string_value(json_object_get(tr, "errorCode")),
                json_string_value(json_object_get(tr, "errorMessage")));
    }
    if (kp) {
        fprintf(out, "\nKey policy: %s (%s)\n",
                json_string_value(json_object_get(kp, "decision")),
                json_string_value(json_object_get(kp, "reason")));
        json_array_foreach(json_object_get(kp, "statements"), i, v) {
            put_statement(out, v, json_object_get(kp, "deciding"));
        }
    }
    if (json_array_size(grants)) {
        fputs("\nGrants:\n", out);
        json_array_foreach(grants, i, v) {
            fprintf(out, "  %s grantee %s (%s), operation listed %s, "
                    "constraint holds %s: %s\n      operations: ",
                    json_string_value(json_object_get(v, "grantId")),
                    json_string_value(json_object_get(v,
                                                      "granteePrincipal")),
                    yes(json_object_get(v, "granteeMatches")),
                    yes(json_object_get(v, "operationListed")),
                    yes(json_object_get(v, "constraintHolds")),
                    json_is_true(json_object_get(v, "allows"))
                    ? "allows" : "does not allow");
            put_value(out, json_object_get(v, "operations"));
            fputs("  constraints: ", out);
            put_value(out, json_object_get(v, "constraints"));
            fputc('\n', out);
        }
    }
    if (prop) {
        char *st = json_dumps(json_object_get(prop, "Statement"),
                              JSON_INDENT(2) | JSON_PRESERVE_ORDER);

        fprintf(out, "\nMissing statement: add this to the key policy\n%s\n"
                "With it the answer would be: %s\n\nThe key policy after "
                "the change:\n%s\n", st ? st : "?",
                json_is_true(json_object_get(prop, "Allows")) ? "ALLOW"
                                                               : "DENY",
                json_string_value(json_object_get(prop, "Policy")));
        free(st);
    }
    if (json_is_string(json_object_get(r, "Note"))) {
        fprintf(out, "\nNote: %s\n",
                json_string_value(json_object_get(r, "Note")));
    }
}

/* --encryption-context: a JSON object, or shorthand k=v,k2=v2. */
static json_t *read_context(const char *s)
{
    json_t *o;
    char *copy;
    char *p;

    if (s[0] == '{') {
        o = json_loads(s, 0, NULL);
        if (!json_is_object(o)) {
            json_decref(o);
            return NULL;
        }
        return o;
    }
    o = json_object();
    copy = lv_xstrdup(s);
    p = copy;
    while (p && *p) {
        char *comma = strchr(p, ',');
        char *eq;

        if (comma) {
            *comma = '\0';
        }
        eq = strchr(p, '=');
        if (!eq || eq == p) {
            json_decref(o);
            o = NULL;
            break;
        }
        *eq = '\0';
        json_object_set_new(o, p, json_string(eq + 1));
        p = comma ? comma + 1 : NULL;
    }
    free(copy);
    return o;
}

/* Where the explainer answers: its own target prefix, signed for kms (the
 * server's table is kms/explain.c's; the CLI needs only these). */
static const struct lv_service explain_svc = {
    .name = "kms",
    .target_prefix = LV_KMS_EXPLAIN_TARGET,
    .signing_name = "kms",
};

int lv_cli_kms_explain(struct lv_cli *c, int argc, char **argv)
{
    static const char *const names[] = {
        "--key-id", "--principal", "--action", "--encryption-context",
        "--request-id",
    };
    static const char *const members[] = {
        "KeyId", "Principal", "Action", "EncryptionContext", "RequestId",
    };
    json_t *params = json_object();
    json_t *resp = NULL;
    int rc;

    for (int i = 0; i < argc; i++) {
        size_t k;

        if (strcmp(argv[i], "help") == 0 || strcmp(argv[i], "--help") == 0) {
            printf("explain\n\nDESCRIPTION\n       logvault's key-policy "
                   "explainer: would a principal be allowed\n       an "
                   "action on a key, or why was a request refused?\n\n"
                   "SYNOPSIS\n            explain\n          --key-id "
                   "<value>\n          [--principal <value> --action "
                   "<value>\n           [--encryption-context <value>]]\n"
                   "          [--request-id <value>]\n");
            rc = 0;
            goto out;
        }
        for (k = 0; k < sizeof(names) / sizeof(*names); k++) {
            if (strcmp(argv[i], names[k]) == 0) {
                break;
            }
        }
        if (k == sizeof(names) / sizeof(*names) || i + 1 == argc) {
            rc = lv_cli_usage_error(k == sizeof(names) / sizeof(*names)
                                    ? "Unknown options: %s"
                                    : "argument %s: expected one argument",
                                    argv[i]);
            goto out;
        }
        i++;
        if (strcmp(members[k], "EncryptionContext") == 0) {
            json_t *ctx = read_context(argv[i]);

            if (!ctx) {
                rc = lv_cli_usage_error("argument --encryption-context: "
                                        "expected a JSON object or "
                                        "key=value,key=value");
                goto out;
            }
            json_object_set_new(params, members[k], ctx);
        } else {
            json_object_set_new(params, members[k], json_string(argv[i]));
        }
    }
    if (!json_object_get(params, "KeyId")) {
        rc = lv_cli_usage_error("the following arguments are required: "
                                "--key-id");
        goto out;
    }
    if ((rc = lv_cli_prepare(c)) || (rc = lv_cli_need_creds(c))) {
        goto out;
    }
    /* The extension's own target prefix; signed for kms. */
    c->svc = &explain_svc;
    if ((rc = lv_cli_call(c, "Explain", params, &resp))) {
        goto out;
    }
    if (c->output && strcmp(c->output, "json") == 0) {
        rc = lv_cli_print(c, resp, NULL);
    } else {
        put_text(stdout, resp);
        fflush(stdout);
    }
out:
    json_decref(params);
    json_decref(resp);
    return rc;
}
