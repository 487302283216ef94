/*
 * test_cli_config: the client's settings resolved as botocore resolves
 * them (cli/config.h) — one named row per case: an environment, the two
 * shared files, the command-line options, and what must come out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/config.h"
#include "util/err.h"

static const char *const *cur_env;

static const char *fake_env(const char *name)
{
    size_t n = strlen(name);
    int i;

    for (i = 0; cur_env && cur_env[i]; i++) {
        if (strncmp(cur_env[i], name, n) == 0 && cur_env[i][n] == '=') {
            return cur_env[i] + n + 1;
        }
    }
    return NULL;
}

struct row {
    const char *name;
    const char *env[8];
    const char *config;         /* file contents, NULL = no file */
    const char *creds;
    struct lv_cli_given given;
    int fails;
    const char *profile, *region, *endpoint, *output;
    const char *access_key, *secret, *token, *source;
};

static const struct row rows[] = {
    { "nothing: defaults", { NULL }, NULL, NULL, { 0 }, 0,
      "default", NULL, "http://127.0.0.1:4566", "json",
      NULL, NULL, NULL, NULL },
    { "env credentials and region",
      { "AWS_ACCESS_KEY_ID=AK", "AWS_SECRET_ACCESS_KEY=SK",
        "AWS_SESSION_TOKEN=TOK", "AWS_REGION=eu-west-2", NULL },
      NULL, NULL, { 0 }, 0,
      "default", "eu-west-2", "http://127.0.0.1:4566", "json",
      "AK", "SK", "TOK", "env" },
    { "AWS_REGION beats AWS_DEFAULT_REGION beats the file",
      { "AWS_DEFAULT_REGION=us-east-1", "AWS_REGION=eu-west-1", NULL },
      "[default]\nregion = ap-south-1\n", NULL, { 0 }, 0,
      "default", "eu-west-1", "http://127.0.0.1:4566", "json",
      NULL, NULL, NULL, NULL },
    { "--region beats the environment", { "AWS_REGION=eu-west-1", NULL },
      NULL, NULL, { NULL, "us-west-2", NULL, NULL }, 0,
      "default", "us-west-2", "http://127.0.0.1:4566", "json",
      NULL, NULL, NULL, NULL },
    { "default profile from both files", { NULL },
      "# comment\n[default]\nregion=eu-west-2\noutput = text\n",
      "[default]\naws_access_key_id = FILEAK\naws_secret_access_key = FS\n",
      { 0 }, 0, "default", "eu-west-2", "http://127.0.0.1:4566", "text",
      "FILEAK", "FS", NULL, "shared-credentials-file" },
    { "--profile ignores env credentials",
      { "AWS_ACCESS_KEY_ID=ENV", "AWS_SECRET_ACCESS_KEY=ENV", NULL },
      "[profile dev]\nregion = eu-central-1\n",
      "[dev]\naws_access_key_id = DEV\naws_secret_access_key = DEVS\n",
      { "dev", NULL, NULL, NULL }, 0,
      "dev", "eu-central-1", "http://127.0.0.1:4566", "json",
      "DEV", "DEVS", NULL, "shared-credentials-file" },
    { "AWS_PROFILE keeps env credentials",
      { "AWS_PROFILE=dev", "AWS_ACCESS_KEY_ID=ENV",
        "AWS_SECRET_ACCESS_KEY=ENVS", NULL },
      "[profile dev]\nregion = eu-central-1\n", NULL, { 0 }, 0,
      "dev", "eu-central-1", "http://127.0.0.1:4566", "json",
      "ENV", "ENVS", NULL, "env" },
    { "credentials in the config file",
      { "AWS_PROFILE=p", NULL },
      "[profile p]\naws_access_key_id = CAK\naws_secret_access_key = CSK\n"
      "aws_session_token = CT\n", NULL, { 0 }, 0,
      "p", NULL, "http://127.0.0.1:4566", "json",
      "CAK", "CSK", "CT", "config-file" },
    { "a named profile that does not exist", { NULL }, NULL, NULL,
      { "nobody", NULL, NULL, NULL }, 1,
      NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL },
    { "half the env credentials is none",
      { "AWS_ACCESS_KEY_ID=AK", NULL }, NULL, NULL, { 0 }, 0,
      "default", NULL, "http://127.0.0.1:4566", "json",
      NULL, NULL, NULL, NULL },
    { "AWS_ENDPOINT_URL_KMS beats AWS_ENDPOINT_URL",
      { "AWS_ENDPOINT_URL=http://a:1", "AWS_ENDPOINT_URL_KMS=http://k:2",
        NULL }, NULL, NULL, { 0 }, 0,
      "default", NULL, "http://k:2", "json", NULL, NULL, NULL, NULL },
    { "AWS_ENDPOINT_URL for another service",
      { "AWS_ENDPOINT_URL=http://a:1", "AWS_ENDPOINT_URL_LOGS=http://l:3",
        NULL }, NULL, NULL, { 0 }, 0,
      "default", NULL, "http://a:1", "json", NULL, NULL, NULL, NULL },
    { "--endpoint-url beats everything",
      { "AWS_ENDPOINT_URL_KMS=http://k:2", NULL },
      "[default]\nendpoint_url = http://file:9\n", NULL,
      { NULL, NULL, "https://kms.eu-west-2.amazonaws.com", NULL }, 0,
      "default", NULL, "https://kms.eu-west-2.amazonaws.com", "json",
      NULL, NULL, NULL, NULL },
    { "endpoint_url in the profile", { NULL },
      "[default]\nendpoint_url = http://file:9\n", NULL, { 0 }, 0,
      "default", NULL, "http://file:9", "json", NULL, NULL, NULL, NULL },
    { "services section, nested", { NULL },
      "[default]\nservices = local\nendpoint_url = http://file:9\n"
      "[services local]\nkms =\n  endpoint_url = http://svc:7\n"
      "logs =\n  endpoint_url = http://other:8\n", NULL, { 0 }, 0,
      "default", NULL, "http://svc:7", "json", NULL, NULL, NULL, NULL },
    { "AWS_DEFAULT_OUTPUT beats the file", { "AWS_DEFAULT_OUTPUT=table",
      NULL }, "[default]\noutput = text\n", NULL, { 0 }, 0,
      "default", NULL, "http://127.0.0.1:4566", "table",
      NULL, NULL, NULL, NULL },
    { "keys are case-insensitive, ':' separates too", { NULL },
      "[default]\nREGION: sa-east-1\n", NULL, { 0 }, 0,
      "default", "sa-east-1", "http://127.0.0.1:4566", "json",
      NULL, NULL, NULL, NULL },
};

/* The first run's defaults apply with neither credentials nor an
 * endpoint configured, and only then. */
static void test_first_run(void **state)
{
    struct lv_cli_config cfg;

    (void)state;
    lv_cli_config_init(&cfg);
    cfg.endpoint = strdup("http://127.0.0.1:4566");
    cfg.endpoint_default = 1;
    lv_cli_config_first_run(&cfg);
    assert_string_equal(cfg.access_key, "test");
    assert_string_equal(cfg.secret, "test");
    assert_string_equal(cfg.region, "us-east-1");
    assert_string_equal(cfg.creds_source, "logvault-default");
    lv_cli_config_release(&cfg);

    /* a configured region is kept */
    lv_cli_config_init(&cfg);
    cfg.endpoint = strdup("http://127.0.0.1:4566");
    cfg.endpoint_default = 1;
    cfg.region = strdup("eu-west-2");
    lv_cli_config_first_run(&cfg);
    assert_string_equal(cfg.region, "eu-west-2");
    assert_string_equal(cfg.access_key, "test");
    lv_cli_config_release(&cfg);

    /* an endpoint configured: nothing changes */
    lv_cli_config_init(&cfg);
    cfg.endpoint = strdup("http://127.0.0.1:4566");
    cfg.endpoint_default = 0;
    lv_cli_config_first_run(&cfg);
    assert_null(cfg.access_key);
    assert_null(cfg.region);
    lv_cli_config_release(&cfg);

    /* credentials configured: nothing changes, not even the region */
    lv_cli_config_init(&cfg);
    cfg.endpoint = strdup("http://127.0.0.1:4566");
    cfg.endpoint_default = 1;
    cfg.access_key = strdup("AK");
    cfg.secret = strdup("SK");
    lv_cli_config_first_run(&cfg);
    assert_string_equal(cfg.access_key, "AK");
    assert_null(cfg.region);
    lv_cli_config_release(&cfg);
}

static char *write_tmp(const char *text)
{
    char *path;
    FILE *f;

    if (!text) {
        return strdup("/nonexistent/lv-test-no-file");
    }
    path = strdup("/tmp/lv-cfg-XXXXXX");
    close(mkstemp(path));
    f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

static void check_str(const char *row, const char *what, const char *want,
                      const char *got)
{
    if ((want == NULL) != (got == NULL) ||
        (want && strcmp(want, got) != 0)) {
        fail_msg("%s: %s: want %s, got %s", row, what,
                 want ? want : "(null)", got ? got : "(null)");
    }
}

static void test_rows(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const struct row *r = &rows[i];
        const char *env[16];
        char *conf = write_tmp(r->config), *creds = write_tmp(r->creds);
        char ce[300], cr[300];
        struct lv_cli_config cfg;
        struct lv_err err = LV_ERR_INIT;
        int n = 0, rc, j;
        const char *svc = strstr(r->name, "LOGS") ? "logs" : "kms";

        snprintf(ce, sizeof(ce), "AWS_CONFIG_FILE=%s", conf);
        snprintf(cr, sizeof(cr), "AWS_SHARED_CREDENTIALS_FILE=%s", creds);
        env[n++] = ce;
        env[n++] = cr;
        for (j = 0; r->env[j]; j++) {
            env[n++] = r->env[j];
        }
        env[n] = NULL;
        cur_env = env;
        lv_cli_config_init(&cfg);
        rc = lv_cli_config_load(&cfg, svc, &r->given, fake_env, &err);
        if (r->fails) {
            if (rc != -1 || !strstr(err.msg, "could not be found")) {
                fail_msg("%s: want a profile error, got rc=%d", r->name, rc);
            }
        } else {
            if (rc != 0) {
                fail_msg("%s: failed: %s", r->name, err.msg);
            }
            check_str(r->name, "profile", r->profile, cfg.profile);
            check_str(r->name, "region", r->region, cfg.region);
            check_str(r->name, "endpoint", r->endpoint, cfg.endpoint);
            check_str(r->name, "output", r->output, cfg.output);
            check_str(r->name, "access key", r->access_key, cfg.access_key);
            check_str(r->name, "secret", r->secret, cfg.secret);
            check_str(r->name, "token", r->token, cfg.token);
            check_str(r->name, "source", r->source, cfg.creds_source);
        }
        lv_cli_config_release(&cfg);
        unlink(conf);
        unlink(creds);
        free(conf);
        free(creds);
    }
}

/* ca_bundle: --ca-bundle, then AWS_CA_BUNDLE, then the profile's
 * ca_bundle, else none (botocore's order). */
static void test_ca_bundle(void **state)
{
    static const struct {
        const char *name;
        const char *given, *env, *config, *want;
    } cases[] = {
        { "none", NULL, NULL, "[default]\nregion = eu-west-2\n", NULL },
        { "config file", NULL, NULL, "[default]\nca_bundle = /c.pem\n",
          "/c.pem" },
        { "env beats the file", NULL, "AWS_CA_BUNDLE=/e.pem",
          "[default]\nca_bundle = /c.pem\n", "/e.pem" },
        { "--ca-bundle beats env", "/g.pem", "AWS_CA_BUNDLE=/e.pem",
          "[default]\nca_bundle = /c.pem\n", "/g.pem" },
        { "empty env is unset", NULL, "AWS_CA_BUNDLE=",
          "[default]\nca_bundle = /c.pem\n", "/c.pem" },
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *conf = write_tmp(cases[i].config);
        char ce[300];
        const char *env[4] = { ce, "AWS_SHARED_CREDENTIALS_FILE=/nonexistent",
                               cases[i].env, NULL };
        struct lv_cli_given given = { 0 };
        struct lv_cli_config cfg;
        struct lv_err err = LV_ERR_INIT;

        snprintf(ce, sizeof(ce), "AWS_CONFIG_FILE=%s", conf);
        cur_env = env;
        given.ca_bundle = cases[i].given;
        lv_cli_config_init(&cfg);
        if (lv_cli_config_load(&cfg, "kms", &given, fake_env, &err) != 0) {
            fail_msg("%s: failed: %s", cases[i].name, err.msg);
        }
        check_str(cases[i].name, "ca_bundle", cases[i].want, cfg.ca_bundle);
        lv_cli_config_release(&cfg);
        unlink(conf);
        free(conf);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows),
        cmocka_unit_test(test_ca_bundle),
        cmocka_unit_test(test_first_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
