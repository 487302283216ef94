/*
 * test_insights_lookup: the lookup and cidrlookup commands (r8/lookup) —
 * their syntax and refusals, the tables a query names
 * (lv_iq_query_table), and runs enriching events from a table handed over
 * with lv_iq_run_set_table: AWS's sample form `lookup TABLE FIELD OUTPUT
 * FIELD` with coalesce over the unmatched rows, several match fields,
 * numbers matched by their text, the first of duplicate keys, a missing
 * column, a lookup after stats; cidrlookup's page example (longest
 * prefix, a bare address, IPv6, no match, the first of duplicate
 * ranges), AS on both sides, OUTPUT against OUTPUTNEW. The tables are
 * read with the lookup-table CSV reader, as the Logs service hands them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "insights/insights.h"
#include "logs/lookup_csv.h"
#include "util/buf.h"
#include "util/err.h"

#define T0 1704164645678LL

static const char *header(const void *t, size_t c)
{
    return lv_csv_header(t, c);
}

static const char *cell(const void *t, size_t r, size_t c)
{
    return lv_csv_cell(t, r, c);
}

/* Runs query over the messages (one event each, 1 ms apart) with `csv`
 * as every table the query names; the results as lines of
 * "name=value | …" in *out (caller frees). 0, or -1 with *err. */
static int run(const char *query, const char *const *msgs, size_t n,
               const char *csv, char **out, struct lv_err *err)
{
    struct lv_iq_query *q = NULL;
    struct lv_iq_run *r = NULL;
    struct lv_iq_run_opts o;
    struct lv_iq_result res;
    struct lv_iq_table view;
    struct lv_csv t;
    struct lv_buf b = LV_BUF_INIT(1 << 20);
    const char *name;
    int rc = -1;

    memset(&res, 0, sizeof(res));
    lv_csv_init(&t);
    memset(&o, 0, sizeof(o));
    o.start_ms = T0 - 3600000;
    o.end_ms = T0 + 3600000;
    o.now_ms = T0;
    o.limit = 100;
    o.max_bytes = 1 << 24;
    if (lv_iq_parse(query, strlen(query), &q, err) < 0) {
        goto out;
    }
    r = lv_iq_run_new(q, &o);
    if (csv) {
        if (lv_csv_parse(csv, strlen(csv), &t, err) < 0) {
            goto out;
        }
        view.n_cols = t.n_cols;
        view.n_rows = t.n_rows;
        view.header = header;
        view.cell = cell;
        view.t = &t;
        for (size_t i = 0; (name = lv_iq_query_table(q, i)); i++) {
            if (lv_iq_run_set_table(r, name, &view, err) < 0) {
                goto out;
            }
        }
    }
    for (size_t i = 0; i < n; i++) {
        struct lv_iq_event ev;

        memset(&ev, 0, sizeof(ev));
        ev.ts = T0 + (int64_t)i;
        ev.log = "123456789012:app";
        ev.log_len = strlen(ev.log);
        ev.stream = "s";
        ev.stream_len = 1;
        ev.msg = msgs[i];
        ev.msg_len = strlen(msgs[i]);
        if (lv_iq_run_feed(r, &ev, err) < 0) {
            goto out;
        }
    }
    if (lv_iq_run_finish(r, &res, err) < 0) {
        goto out;
    }
    for (size_t i = 0; i < res.n; i++) {
        for (size_t f = 0; f < res.rows[i].n; f++) {
            if (strcmp(res.rows[i].f[f].name, "@ptr") == 0) {
                continue;
            }
            lv_buf_addf(&b, "%s%s=%s", f ? " | " : "",
                        res.rows[i].f[f].name, res.rows[i].f[f].value);
        }
        lv_buf_addc(&b, '\n');
    }
    *out = lv_buf_detach(&b, NULL);
    rc = 0;
out:
    lv_iq_result_release(&res);
    lv_iq_run_free(r);
    lv_iq_query_free(q);
    lv_csv_release(&t);
    lv_buf_release(&b);
    return rc;
}

static const char agents[] = "agent_id,agent_name,team\n"
                             "a1,Planner,core\n"
                             "a2,Writer,docs\n"
                             "a1,Shadow,none\n";

static const char *const chat[] = {
    "{\"logType\":\"CHAT_LOGS\",\"agent_id\":\"a1\"}",
    "{\"logType\":\"CHAT_LOGS\",\"agent_id\":\"a2\"}",
    "{\"logType\":\"CHAT_LOGS\",\"agent_id\":\"a9\"}",
    "{\"logType\":\"CHAT_LOGS\",\"agent_id\":\"a1\"}",
    "{\"logType\":\"OTHER\"}",
};

struct good {
    const char *name;
    const char *query;
    const char *const *msgs;
    size_t n;
    const char *csv;
    const char *want;
};

static const char *const codes[] = {
    "{\"status\":404,\"path\":\"/a\"}",
    "{\"status\":500,\"path\":\"/b\"}",
    "{\"status\":200,\"path\":\"/c\"}",
};

static const char *const pairs[] = {
    "{\"region\":\"eu\",\"tier\":\"1\",\"n\":1}",
    "{\"region\":\"eu\",\"tier\":\"2\",\"n\":2}",
    "{\"region\":\"us\",\"tier\":\"1\",\"n\":3}",
};

static const char nets[] = "cidr,region,owner,datacenter\n"
                           "10.0.0.0/8,eu,net,dc1\n"
                           "10.1.0.0/16,eu,lab,dc2\n"
                           "192.168.1.5,us,home,dc3\n"
                           "2001:db8::/32,ap,v6,dc4\n"
                           "not a range,xx,xx,xx\n"
                           "10.1.0.0/16,dup,dup,dup\n";

static const char *const flows[] = {
    "{\"srcAddr\":\"10.1.2.3\"}",
    "{\"srcAddr\":\"10.9.9.9\"}",
    "{\"srcAddr\":\"192.168.1.5\"}",
    "{\"srcAddr\":\"192.168.1.6\"}",
    "{\"srcAddr\":\"2001:db8::1\"}",
    "{\"srcAddr\":\"bogus\"}",
};

static const char *const preset[] = {
    "{\"srcAddr\":\"10.1.2.3\",\"region\":\"preset\"}",
    "{\"srcAddr\":\"10.9.9.9\",\"region\":\"\"}",
};

static const struct good goods[] = {
    /* AWS's sample (aws-samples/sample-quick-ai-governance), whole. */
    { "sample dashboard query",
      "filter logType = \"CHAT_LOGS\" | lookup quick_agent_catalog agent_id "
      "OUTPUT agent_name | fields coalesce(agent_name, agent_id) as "
      "resolved_agent_name, agent_id | stats count(*) as message_count by "
      "resolved_agent_name, agent_id | sort message_count desc | display "
      "resolved_agent_name, message_count, agent_id | limit 100",
      chat, 5, agents,
      "resolved_agent_name=Planner | message_count=2 | agent_id=a1\n"
      "resolved_agent_name=Writer | message_count=1 | agent_id=a2\n"
      "resolved_agent_name=a9 | message_count=1 | agent_id=a9\n" },
    { "two output columns, unmatched rows get none",
      "lookup t agent_id OUTPUT agent_name, team | fields agent_id, "
      "agent_name, team | sort @timestamp asc",
      chat, 4, agents,
      "agent_id=a1 | agent_name=Planner | team=core\n"
      "agent_id=a2 | agent_name=Writer | team=docs\n"
      "agent_id=a9\n"
      "agent_id=a1 | agent_name=Planner | team=core\n" },
    { "numbers match by their text",
      "lookup http status OUTPUT text | fields status, text | sort "
      "@timestamp asc",
      codes, 3, "status,text\n200,OK\n404,Not Found\n500,Server Error\n",
      "status=404 | text=Not Found\n"
      "status=500 | text=Server Error\n"
      "status=200 | text=OK\n" },
    { "two match fields",
      "lookup t region, tier OUTPUT price | fields n, price | sort n asc",
      pairs, 3, "region,tier,price\neu,1,10\neu,2,20\nus,2,40\n",
      "n=1 | price=10\n"
      "n=2 | price=20\n"
      "n=3\n" },
    { "keywords in any case",
      "LOOKUP t agent_id output team | stats count(*) as n by team | sort "
      "team asc",
      chat, 4, agents,
      "n=1\n"                 /* a9: no team, and NULL sorts first */
      "team=core | n=2\n"
      "team=docs | n=1\n" },
    /* The cidrlookup page's example, then its fields shown. */
    { "cidrlookup: the page's example",
      "fields @timestamp, srcAddr | cidrlookup net_table srcAddr OUTPUT "
      "region, owner, datacenter | display srcAddr, region, owner, "
      "datacenter | sort @timestamp asc",
      flows, 6, nets,
      "srcAddr=10.1.2.3 | region=eu | owner=lab | datacenter=dc2\n"
      "srcAddr=10.9.9.9 | region=eu | owner=net | datacenter=dc1\n"
      "srcAddr=192.168.1.5 | region=us | owner=home | datacenter=dc3\n"
      "srcAddr=192.168.1.6\n"
      "srcAddr=2001:db8::1 | region=ap | owner=v6 | datacenter=dc4\n"
      "srcAddr=bogus\n" },
    { "cidrlookup: AS on both sides",
      "cidrlookup net_table srcAddr AS cidr OUTPUT owner AS net_owner | "
      "fields srcAddr, net_owner | sort @timestamp asc",
      flows, 2, nets,
      "srcAddr=10.1.2.3 | net_owner=lab\n"
      "srcAddr=10.9.9.9 | net_owner=net\n" },
    { "cidrlookup: OUTPUT overwrites",
      "cidrlookup net_table srcAddr OUTPUT region, owner | fields srcAddr, "
      "region, owner | sort @timestamp asc",
      preset, 2, nets,
      "srcAddr=10.1.2.3 | region=eu | owner=lab\n"
      "srcAddr=10.9.9.9 | region=eu | owner=net\n" },
    { "cidrlookup: OUTPUTNEW fills only empty fields",
      "cidrlookup net_table srcAddr OUTPUTNEW region, owner | fields "
      "srcAddr, region, owner | sort @timestamp asc",
      preset, 2, nets,
      "srcAddr=10.1.2.3 | region=preset | owner=lab\n"
      "srcAddr=10.9.9.9 | region=eu | owner=net\n" },
    { "after stats",
      "stats count(*) as n by agent_id | lookup t agent_id OUTPUT "
      "agent_name | sort agent_id asc",
      chat, 4, agents,
      "agent_id=a1 | n=2 | agent_name=Planner\n"
      "agent_id=a2 | n=1 | agent_name=Writer\n"
      "agent_id=a9 | n=1\n" },
};

static void test_runs(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(goods) / sizeof(goods[0]); i++) {
        const struct good *g = &goods[i];
        struct lv_err err = LV_ERR_INIT;
        char *got = NULL;

        if (run(g->query, g->msgs, g->n, g->csv, &got, &err) < 0) {
            fail_msg("%s: %s", g->name, err.msg);
        }
        if (strcmp(got, g->want) != 0) {
            fail_msg("%s:\n got:\n%s want:\n%s", g->name, got, g->want);
        }
        free(got);
    }
}

struct bad {
    const char *name;
    const char *query;
    const char *msg;
};

static const struct bad bads[] = {
    { "no table", "lookup", "lookup: a lookup table name expected" },
    { "no fields", "lookup t OUTPUT a", "OUTPUT and the fields" },
    { "no OUTPUT", "lookup t a", "OUTPUT and the fields to add expected" },
    { "OUTPUT without fields", "lookup t a OUTPUT",
      "unexpected symbol found <EOF>" },
    { "OUTPUTNEW", "lookup t a OUTPUTNEW b", "OUTPUTNEW is not supported" },
    { "as on a match field", "lookup t a as b OUTPUT c",
      "renaming a field with 'as' is not supported" },
    { "as on an output field", "lookup t a OUTPUT c as d",
      "renaming a field with 'as' is not supported" },
    { "a quoted table name", "lookup `t-1` a OUTPUT b",
      "lookup: a lookup table name expected" },
    { "cidrlookup without OUTPUT", "cidrlookup nets ip",
      "cidrlookup: OUTPUT and the fields to add expected" },
    { "cidrlookup of two fields", "cidrlookup nets ip, ip2 OUTPUT a",
      "cidrlookup: OUTPUT and the fields to add expected" },
    { "cidrlookup without a table", "cidrlookup",
      "cidrlookup: a lookup table name expected" },
};

static void test_refused(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
        const struct bad *b = &bads[i];
        struct lv_err err = LV_ERR_INIT;
        struct lv_iq_query *q = NULL;

        if (lv_iq_parse(b->query, strlen(b->query), &q, &err) == 0) {
            lv_iq_query_free(q);
            fail_msg("%s: accepted", b->name);
        }
        if (err.code != LV_E_MALFORMED_QUERY || !strstr(err.msg, b->msg)) {
            fail_msg("%s: %s (want %s)", b->name, err.msg, b->msg);
        }
    }
}

static void test_tables_named(void **state)
{
    static const char qs[] =
        "lookup users id OUTPUT name | lookup teams team OUTPUT lead | "
        "lookup users id OUTPUT mail";
    struct lv_err err = LV_ERR_INIT;
    struct lv_iq_query *q = NULL;

    (void)state;
    assert_int_equal(lv_iq_parse(qs, strlen(qs), &q, &err), 0);
    assert_string_equal(lv_iq_query_table(q, 0), "users");
    assert_string_equal(lv_iq_query_table(q, 1), "teams");
    assert_null(lv_iq_query_table(q, 2));
    lv_iq_query_free(q);
    assert_int_equal(lv_iq_parse("fields a", 8, &q, &err), 0);
    assert_null(lv_iq_query_table(q, 0));
    lv_iq_query_free(q);
}

static void test_missing_column(void **state)
{
    struct lv_err err = LV_ERR_INIT;
    char *got = NULL;

    (void)state;
    assert_int_equal(run("lookup t agent_id OUTPUT owner", chat, 1, agents,
                         &got, &err), -1);
    assert_int_equal(err.code, LV_E_INVALID_PARAMETER);
    assert_non_null(strstr(err.msg, "no column named owner"));
    lv_err_release(&err);
    assert_int_equal(run("lookup t id OUTPUT team", chat, 1, agents, &got,
                         &err), -1);
    assert_non_null(strstr(err.msg, "no column named id"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_runs),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_tables_named),
        cmocka_unit_test(test_missing_column),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
