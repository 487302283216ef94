/*
 * Unit tests of CloudTrail LookupEvents (cloudtrail/lookup_events.c) over
 * a sqlite store holding records appended directly (store/audit_store.h),
 * so that the lookup is tested without the recorder: every lookup
 * attribute selects exactly the records it names; StartTime/EndTime are
 * inclusive; events come newest first; pages of MaxResults put together
 * are the whole answer, each record once; a token is refused for another
 * query, another account or after tampering; the errors AWS documents for
 * a bad attribute list and time range; an account sees only its own
 * records, in the request's region. The handler is found through the
 * generated operation table, as the HTTP front finds it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "cloudtrail/cloudtrail.h"
#include "crypto/keyring.h"
#include "http/route.h"
#include "model/model.h"
#include "store/audit_store.h"
#include "store/store.h"
#include "svc/req.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"
#include "util/mem.h"

#include "helpers.h"

#define ACCOUNT "123456789012"
#define OTHER "210987654321"
#define REGION "eu-west-2"
#define T0 1700000000000        /* the first record's time, ms */
#define NOW_MS (T0 + 3600000)
#define KEY1 "arn:aws:kms:" REGION ":" ACCOUNT ":key/k1"
#define GROUP1 "arn:aws:logs:" REGION ":" ACCOUNT ":log-group:/g1"

/* The records, appended in this order; `time` in seconds after T0. */
static const struct rec {
    const char *account;
    const char *region;
    int time;
    const char *event_id;
    const char *source;
    const char *name;
    int read_only;
    const char *user;
    const char *akid;
    const char *rtype;          /* NULL: no resource */
    const char *rname;
} recs[] = {
    { ACCOUNT, REGION, 0, "e0", "kms.amazonaws.com", "CreateKey", 0,
      "alice", "AKIA1", "AWS::KMS::Key", KEY1 },
    { ACCOUNT, REGION, 10, "e1", "kms.amazonaws.com", "Encrypt", 1,
      "alice", "AKIA1", "AWS::KMS::Key", KEY1 },
    { ACCOUNT, REGION, 20, "e2", "logs.amazonaws.com", "CreateLogGroup", 0,
      "bob", "AKIA2", "AWS::Logs::LogGroup", GROUP1 },
    { ACCOUNT, REGION, 20, "e3", "kms.amazonaws.com", "GenerateDataKey", 1,
      "logs.amazonaws.com", "", "AWS::KMS::Key", KEY1 },
    { ACCOUNT, REGION, 30, "e4", "logs.amazonaws.com", "DescribeLogGroups",
      1, "bob", "AKIA2", NULL, NULL },
    { ACCOUNT, "us-east-1", 40, "e5", "kms.amazonaws.com", "Encrypt", 1,
      "alice", "AKIA1", "AWS::KMS::Key", KEY1 },
    { OTHER, REGION, 50, "e6", "kms.amazonaws.com", "Encrypt", 1,
      "carol", "AKIA3", "AWS::KMS::Key", KEY1 },
    { ACCOUNT, REGION, 60, "e7", "kms.amazonaws.com", "Decrypt", 1,
      "alice", "AKIA1", "AWS::KMS::Key", KEY1 },
};

/* The server's clock for the next lookup. */
static int64_t now_ms = NOW_MS;

struct fx {
    char dir[LV_TEST_DIR_MAX];
    struct lv_app app;
};

static void append(struct lv_store *s, const struct rec *x)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_audit_record r;
    int64_t seq = 0;

    memset(&r, 0, sizeof(r));
    snprintf(r.account, sizeof(r.account), "%s", x->account);
    snprintf(r.region, sizeof(r.region), "%s", x->region);
    r.event_time_ms = T0 + (int64_t)x->time * 1000;
    snprintf(r.event_id, sizeof(r.event_id), "%s", x->event_id);
    snprintf(r.request_id, sizeof(r.request_id), "req-%s", x->event_id);
    snprintf(r.event_source, sizeof(r.event_source), "%s", x->source);
    snprintf(r.event_name, sizeof(r.event_name), "%s", x->name);
    r.read_only = x->read_only;
    snprintf(r.username, sizeof(r.username), "%s", x->user);
    snprintf(r.access_key_id, sizeof(r.access_key_id), "%s", x->akid);
    if (x->rtype) {
        r.n_resources = 1;
        snprintf(r.resources[0].type, sizeof(r.resources[0].type), "%s",
                 x->rtype);
        snprintf(r.resources[0].name, sizeof(r.resources[0].name), "%s",
                 x->rname);
    }
    r.event = lv_xstrdup("{\"eventID\":\"x\"}");
    assert_int_equal(lv_store_begin(s, &err), 0);
    assert_int_equal(lv_store_audit_chain_head(s, r.account, r.region, &seq,
                                               r.prev_hash, &err), 0);
    r.seq = seq + 1;
    memset(r.hash, (int)r.seq, sizeof(r.hash));
    assert_int_equal(lv_store_audit_append(s, &r, &err), 0);
    assert_int_equal(lv_store_commit(s, &err), 0);
    free(r.event);
}

static int setup(void **state)
{
    struct fx *f = lv_xcalloc(1, sizeof(*f));
    uint8_t root[32];

    if (lv_test_store_open("lookup-events", f->dir, &f->app.store) < 0) {
        free(f);
        return -1;
    }
    memset(root, 0x42, sizeof(root));
    f->app.keyring = lv_keyring_new(root);
    for (size_t i = 0; i < N(recs); i++) {
        append(f->app.store, &recs[i]);
    }
    now_ms = NOW_MS;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    lv_keyring_free(f->app.keyring);
    lv_test_store_close(f->app.store, f->dir);
    free(f);
    return 0;
}

/* LookupEvents as `account` with input `in_text` (single quotes for
 * double). *reply is the parsed answer on success. 0 or -1 with *err. */
static int lookup(struct fx *f, const char *account, const char *in_text,
                  json_t **reply, struct lv_err *err)
{
    struct lv_buf out = LV_BUF_INIT(1u << 20);
    struct lv_req rq;
    const struct lv_handler *h = NULL;
    struct lv_route *r = lv_route_new();
    const struct lv_service *svc;
    const struct lv_op *mop;
    struct lv_err rerr = LV_ERR_INIT;
    struct lv_jw w;
    char *text = lv_xstrdup(in_text);
    json_t *in;
    int rc;

    for (char *p = text; *p; p++) {
        if (*p == '\'') {
            *p = '"';
        }
    }
    in = json_loads(text, 0, NULL);
    assert_non_null(in);
    assert_int_equal(lv_route_find(r, "com.amazonaws.cloudtrail.v20131101."
                                   "CloudTrail_20131101.LookupEvents", &svc,
                                   &mop, &h, &rerr), 0);
    lv_route_free(r);
    assert_non_null(h);
    assert_int_equal(lv_model_validate(svc, mop, in, &rerr), 0);
    memset(&rq, 0, sizeof(rq));
    snprintf(rq.id, sizeof(rq.id), "test");
    rq.now_ms = now_ms;
    rq.now = (time_t)(now_ms / 1000);
    snprintf(rq.region, sizeof(rq.region), REGION);
    snprintf(rq.who.account, sizeof(rq.who.account), "%s", account);
    snprintf(rq.who.arn, sizeof(rq.who.arn), "arn:aws:iam::%s:root",
             account);
    rq.app = &f->app;
    rq.store = f->app.store;
    rq.svc = svc;
    rq.op = mop;
    rq.in = in;
    *err = (struct lv_err)LV_ERR_INIT;
    lv_jw_init(&w, &out);
    lv_jw_obj_open(&w);
    rc = h->fn(&rq, in, &w, err);
    if (rc == 0) {
        lv_jw_obj_close(&w);
        assert_int_equal(lv_jw_finish(&w), 0);
        *reply = json_loadb(out.data, out.len, 0, NULL);
        assert_non_null(*reply);
    }
    json_decref(in);
    free(text);
    lv_buf_release(&out);
    return rc;
}

/* The EventIds of a reply, joined by spaces. */
static void ids(const json_t *reply, char *out, size_t n)
{
    const json_t *ev = json_object_get(reply, "Events");
    size_t i, len = 0;
    json_t *e;

    out[0] = '\0';
    assert_true(json_is_array(ev));
    json_array_foreach(ev, i, e) {
        len += (size_t)snprintf(out + len, n - len, "%s%s", i ? " " : "",
                                lv_json_str(e, "EventId"));
    }
}

/* The EventIds `in` selects for ACCOUNT, in one page. */
static void expect(struct fx *f, const char *in, const char *want)
{
    struct lv_err err = LV_ERR_INIT;
    json_t *reply = NULL;
    char got[256];

    if (lookup(f, ACCOUNT, in, &reply, &err) < 0) {
        fail_msg("%s: %s", in, err.msg);
    }
    ids(reply, got, sizeof(got));
    if (strcmp(got, want) != 0) {
        fail_msg("%s: got [%s], want [%s]", in, got, want);
    }
    assert_null(json_object_get(reply, "NextToken"));
    json_decref(reply);
}

static void expect_error(struct fx *f, const char *account, const char *in,
                         enum lv_errcode code)
{
    struct lv_err err = LV_ERR_INIT;
    json_t *reply = NULL;

    if (lookup(f, account, in, &reply, &err) == 0) {
        json_decref(reply);
        fail_msg("%s: succeeded, want error %d", in, (int)code);
    }
    if (err.code != code) {
        fail_msg("%s: error %d (%s), want %d", in, (int)err.code, err.msg,
                 (int)code);
    }
}

static void test_attributes(void **state)
{
    struct fx *f = *state;

    /* Newest first; at equal times, the later record first. */
    expect(f, "{}", "e7 e4 e3 e2 e1 e0");
    expect(f, "{'LookupAttributes':[{'AttributeKey':'EventId',"
              "'AttributeValue':'e2'}]}", "e2");
    expect(f, "{'LookupAttributes':[{'AttributeKey':'EventName',"
              "'AttributeValue':'Encrypt'}]}", "e1");
    expect(f, "{'LookupAttributes':[{'AttributeKey':'ReadOnly',"
              "'AttributeValue':'false'}]}", "e2 e0");
    expect(f, "{'LookupAttributes':[{'AttributeKey':'ReadOnly',"
              "'AttributeValue':'true'}]}", "e7 e4 e3 e1");
    expect(f, "{'LookupAttributes':[{'AttributeKey':'Username',"
              "'AttributeValue':'bob'}]}", "e4 e2");
    expect(f, "{'LookupAttributes':[{'AttributeKey':'ResourceType',"
              "'AttributeValue':'AWS::Logs::LogGroup'}]}", "e2");
    expect(f, "{'LookupAttributes':[{'AttributeKey':'ResourceName',"
              "'AttributeValue':'" KEY1 "'}]}", "e7 e3 e1 e0");
    expect(f, "{'LookupAttributes':[{'AttributeKey':'EventSource',"
              "'AttributeValue':'logs.amazonaws.com'}]}", "e4 e2");
    expect(f, "{'LookupAttributes':[{'AttributeKey':'AccessKeyId',"
              "'AttributeValue':'AKIA1'}]}", "e7 e1 e0");
    expect(f, "{'LookupAttributes':[{'AttributeKey':'EventName',"
              "'AttributeValue':'NoSuchEvent'}]}", "");
    /* Matching is exact, as CloudTrail's. */
    expect(f, "{'LookupAttributes':[{'AttributeKey':'Username',"
              "'AttributeValue':'Bob'}]}", "");
}

static void test_event_shape(void **state)
{
    struct fx *f = *state;
    struct lv_err err = LV_ERR_INIT;
    json_t *reply = NULL, *e, *res;

    assert_int_equal(lookup(f, ACCOUNT, "{'LookupAttributes':[{'AttributeKey'"
                            ":'EventId','AttributeValue':'e3'}]}", &reply,
                            &err), 0);
    e = json_array_get(json_object_get(reply, "Events"), 0);
    assert_non_null(e);
    assert_string_equal(lv_json_str(e, "EventName"), "GenerateDataKey");
    assert_string_equal(lv_json_str(e, "ReadOnly"), "true");
    assert_string_equal(lv_json_str(e, "EventSource"), "kms.amazonaws.com");
    assert_string_equal(lv_json_str(e, "Username"), "logs.amazonaws.com");
    /* A service's own call has no access key: the member is left out. */
    assert_null(json_object_get(e, "AccessKeyId"));
    assert_true(json_is_number(json_object_get(e, "EventTime")));
    assert_true(json_number_value(json_object_get(e, "EventTime")) ==
                (double)(T0 + 20000) / 1000.0);
    res = json_array_get(json_object_get(e, "Resources"), 0);
    assert_string_equal(lv_json_str(res, "ResourceType"), "AWS::KMS::Key");
    assert_string_equal(lv_json_str(res, "ResourceName"), KEY1);
    /* The record itself, as a JSON string. */
    assert_string_equal(lv_json_str(e, "CloudTrailEvent"),
                        "{\"eventID\":\"x\"}");
    json_decref(reply);
}

static void test_time_range(void **state)
{
    struct fx *f = *state;
    char in[256];

    /* Inclusive at both ends. */
    snprintf(in, sizeof(in), "{'StartTime':%.3f,'EndTime':%.3f}",
             (T0 + 10000) / 1000.0, (T0 + 30000) / 1000.0);
    expect(f, in, "e4 e3 e2 e1");
    snprintf(in, sizeof(in), "{'StartTime':%.3f}", (T0 + 20000) / 1000.0);
    expect(f, in, "e7 e4 e3 e2");
    snprintf(in, sizeof(in), "{'EndTime':%.3f}", (T0 + 9999) / 1000.0);
    expect(f, in, "e0");
    /* With an attribute: both apply. */
    snprintf(in, sizeof(in), "{'StartTime':%.3f,'LookupAttributes':"
             "[{'AttributeKey':'Username','AttributeValue':'alice'}]}",
             (T0 + 5000) / 1000.0);
    expect(f, in, "e7 e1");
    snprintf(in, sizeof(in), "{'StartTime':%.3f,'EndTime':%.3f}",
             (T0 + 30000) / 1000.0, (T0 + 10000) / 1000.0);
    expect_error(f, ACCOUNT, in, LV_E_INVALID_TIME_RANGE);
    expect_error(f, ACCOUNT, "{'StartTime':-5}", LV_E_INVALID_TIME_RANGE);
}

/* Every page of `in` with MaxResults `max`, the ids joined. */
static void pages(struct fx *f, const char *attrs, int max, char *all,
                  size_t n, int *n_pages)
{
    char in[1024], got[256];
    char *token = NULL;
    size_t len = 0;

    all[0] = '\0';
    *n_pages = 0;
    do {
        struct lv_err err = LV_ERR_INIT;
        json_t *reply = NULL;
        const char *next;

        snprintf(in, sizeof(in), "{%s%s'MaxResults':%d%s%s%s}", attrs,
                 attrs[0] ? "," : "", max, token ? ",'NextToken':'" : "",
                 token ? token : "", token ? "'" : "");
        if (lookup(f, ACCOUNT, in, &reply, &err) < 0) {
            fail_msg("%s: %s", in, err.msg);
        }
        ids(reply, got, sizeof(got));
        assert_true(json_array_size(json_object_get(reply, "Events")) <=
                    (size_t)max);
        len += (size_t)snprintf(all + len, n - len, "%s%s", len ? " " : "",
                                got);
        (*n_pages)++;
        free(token);
        next = lv_json_str(reply, "NextToken");
        token = next ? lv_xstrdup(next) : NULL;
        if (next) {
            /* A page that promises more holds a full page. */
            assert_int_equal(json_array_size(json_object_get(reply,
                                                             "Events")),
                             max);
        }
        json_decref(reply);
    } while (token && *n_pages < 20);
    free(token);
}

static void test_paging(void **state)
{
    struct fx *f = *state;
    char all[512];
    int n;

    pages(f, "", 2, all, sizeof(all), &n);
    assert_string_equal(all, "e7 e4 e3 e2 e1 e0");
    assert_int_equal(n, 3);
    pages(f, "", 4, all, sizeof(all), &n);
    assert_string_equal(all, "e7 e4 e3 e2 e1 e0");
    assert_int_equal(n, 2);
    /* e3 and e2 share a time: the cursor splits them cleanly. */
    pages(f, "", 3, all, sizeof(all), &n);
    assert_string_equal(all, "e7 e4 e3 e2 e1 e0");
    pages(f, "", 1, all, sizeof(all), &n);
    assert_string_equal(all, "e7 e4 e3 e2 e1 e0");
    assert_int_equal(n, 6);
    pages(f, "'LookupAttributes':[{'AttributeKey':'ReadOnly',"
          "'AttributeValue':'true'}]", 3, all, sizeof(all), &n);
    assert_string_equal(all, "e7 e4 e3 e1");
    assert_int_equal(n, 2);
}

static void test_tokens(void **state)
{
    struct fx *f = *state;
    struct lv_err err = LV_ERR_INIT;
    json_t *reply = NULL;
    char in[1024];
    char *token;
    char saved;

    assert_int_equal(lookup(f, ACCOUNT, "{'MaxResults':2}", &reply, &err),
                     0);
    token = lv_xstrdup(lv_json_str(reply, "NextToken"));
    json_decref(reply);

    /* The next page comes later: EndTime, absent, defaults to another
     * now, and the token still holds. */
    now_ms += 5000;
    snprintf(in, sizeof(in), "{'MaxResults':2,'NextToken':'%s'}", token);
    assert_int_equal(lookup(f, ACCOUNT, in, &reply, &err), 0);
    ids(reply, in, sizeof(in));
    assert_string_equal(in, "e3 e2");
    json_decref(reply);

    /* Another query, another account, a changed token: refused. */
    snprintf(in, sizeof(in), "{'MaxResults':2,'NextToken':'%s',"
             "'LookupAttributes':[{'AttributeKey':'Username',"
             "'AttributeValue':'alice'}]}", token);
    expect_error(f, ACCOUNT, in, LV_E_INVALID_NEXT_TOKEN);
    snprintf(in, sizeof(in), "{'MaxResults':2,'NextToken':'%s',"
             "'StartTime':1}", token);
    expect_error(f, ACCOUNT, in, LV_E_INVALID_NEXT_TOKEN);
    snprintf(in, sizeof(in), "{'MaxResults':2,'NextToken':'%s'}", token);
    expect_error(f, OTHER, in, LV_E_INVALID_NEXT_TOKEN);
    saved = token[3];
    token[3] = saved == 'A' ? 'B' : 'A';
    snprintf(in, sizeof(in), "{'MaxResults':2,'NextToken':'%s'}", token);
    expect_error(f, ACCOUNT, in, LV_E_INVALID_NEXT_TOKEN);
    expect_error(f, ACCOUNT, "{'NextToken':'not a token'}",
                 LV_E_INVALID_NEXT_TOKEN);
    /* The same query with another MaxResults takes it: the page size is
     * not part of the query. */
    token[3] = saved;
    snprintf(in, sizeof(in), "{'MaxResults':3,'NextToken':'%s'}", token);
    assert_int_equal(lookup(f, ACCOUNT, in, &reply, &err), 0);
    ids(reply, in, sizeof(in));
    assert_string_equal(in, "e3 e2 e1");
    json_decref(reply);
    free(token);
}

static void test_errors(void **state)
{
    struct fx *f = *state;

    expect_error(f, ACCOUNT, "{'LookupAttributes':[{'AttributeKey':"
                 "'EventName','AttributeValue':'Encrypt'},{'AttributeKey':"
                 "'Username','AttributeValue':'alice'}]}",
                 LV_E_INVALID_LOOKUP_ATTRIBUTES);
    expect_error(f, ACCOUNT, "{'LookupAttributes':[{'AttributeKey':"
                 "'ReadOnly','AttributeValue':'yes'}]}",
                 LV_E_INVALID_LOOKUP_ATTRIBUTES);
    /* No Insights events. */
    expect(f, "{'EventCategory':'insight'}", "");
}

static void test_accounts(void **state)
{
    struct fx *f = *state;
    struct lv_err err = LV_ERR_INIT;
    json_t *reply = NULL;
    char got[256];

    /* The other account sees its one record, and none of ACCOUNT's. */
    assert_int_equal(lookup(f, OTHER, "{}", &reply, &err), 0);
    ids(reply, got, sizeof(got));
    assert_string_equal(got, "e6");
    json_decref(reply);
    assert_int_equal(lookup(f, OTHER, "{'LookupAttributes':[{'AttributeKey'"
                            ":'EventId','AttributeValue':'e1'}]}", &reply,
                            &err), 0);
    ids(reply, got, sizeof(got));
    assert_string_equal(got, "");
    json_decref(reply);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_attributes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_event_shape, setup, teardown),
        cmocka_unit_test_setup_teardown(test_time_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_paging, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_accounts, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
