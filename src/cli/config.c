/*
 * cli/config: settings and credentials as botocore resolves them; see
 * config.h for the order. The INI reader follows Python's configparser
 * (which botocore's configloader.raw_config_parse uses): section headers
 * "[name]", "key = value" or "key: value", keys lower-cased, values
 * trimmed, whole-line comments with "#" or ";", indented lines continue
 * the previous value (joined with "\n"; a value that starts with "\n" is
 * a nested section, as in "[services x]\nlogs =\n  endpoint_url = …").
 */
#include "cli/config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

struct ini_ent {
    char *section;
    char *key;
    struct lv_buf value;
    struct ini_ent *next;
};

struct ini {
    struct ini_ent *head, *tail;
    int n_sections;
    char **sections;
};

static void ini_free(struct ini *ini)
{
    struct ini_ent *e = ini->head;
    int i;

    while (e) {
        struct ini_ent *next = e->next;
        free(e->section);
        free(e->key);
        /* values may hold secrets (aws_secret_access_key) */
        lv_secret_wipe(e->value.data, e->value.len);
        lv_buf_release(&e->value);
        free(e);
        e = next;
    }
    for (i = 0; i < ini->n_sections; i++) {
        free(ini->sections[i]);
    }
    free(ini->sections);
    memset(ini, 0, sizeof(*ini));
}

static char *trim(char *s)
{
    char *end;

    while (*s && isspace((unsigned char)*s)) {
        s++;
    }
    end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1])) {
        *--end = '\0';
    }
    return s;
}

static void ini_parse(struct ini *ini, char *text)
{
    char *section = NULL;
    struct ini_ent *cur = NULL;
    char *line = text;

    while (line && *line) {
        char *nl = strchr(line, '\n');
        char *t;

        if (nl) {
            *nl = '\0';
        }
        t = trim(line);
        if (*t == '\0' || *t == '#' || *t == ';') {
            /* blank lines and comments; blank lines keep a value open in
             * configparser only when followed by indented text — rare */
        } else if (cur && line != t && isspace((unsigned char)*line)) {
            lv_buf_addc(&cur->value, '\n');
            lv_buf_adds(&cur->value, t);
        } else if (*t == '[' && t[strlen(t) - 1] == ']') {
            t[strlen(t) - 1] = '\0';
            free(section);
            section = lv_xstrdup(trim(t + 1));
            ini->sections = lv_xrealloc(ini->sections,
                                        sizeof(char *) *
                                        (ini->n_sections + 1));
            ini->sections[ini->n_sections++] = lv_xstrdup(section);
            cur = NULL;
        } else if (section) {
            char *sep = strpbrk(t, "=:");
            char *k;

            cur = NULL;
            if (sep) {
                *sep = '\0';
                k = trim(t);
                cur = lv_xcalloc(1, sizeof(*cur));
                cur->section = lv_xstrdup(section);
                cur->key = lv_xstrdup(k);
                for (char *p = cur->key; *p; p++) {
                    *p = (char)tolower((unsigned char)*p);
                }
                lv_buf_init(&cur->value, (size_t)-1);
                lv_buf_adds(&cur->value, trim(sep + 1));
                if (ini->tail) {
                    ini->tail->next = cur;
                } else {
                    ini->head = cur;
                }
                ini->tail = cur;
            }
        }
        line = nl ? nl + 1 : NULL;
    }
    free(section);
}

/* Reads `path` (with a leading "~/" expanded) into *ini; a missing file
 * leaves it empty. */
static void ini_load(struct ini *ini, const char *path, lv_cli_getenv_fn env)
{
    char *full = NULL;
    FILE *f = NULL;
    struct lv_buf b = LV_BUF_INIT((size_t)-1);
    char chunk[4096];
    size_t n;

    if (!path) {
        return;
    }
    if (path[0] == '~' && path[1] == '/') {
        const char *home = env("HOME");
        full = lv_xasprintf("%s%s", home ? home : "", path + 1);
    } else {
        full = lv_xstrdup(path);
    }
    f = fopen(full, "r");
    if (f) {
        while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
            lv_buf_add(&b, chunk, n);
        }
        fclose(f);
        ini_parse(ini, b.data);
    }
    lv_secret_wipe(chunk, sizeof(chunk));
    lv_secret_wipe(b.data, b.len);
    lv_buf_release(&b);
    free(full);
}

static int ini_has_section(const struct ini *ini, const char *section)
{
    int i;

    for (i = 0; i < ini->n_sections; i++) {
        if (strcmp(ini->sections[i], section) == 0) {
            return 1;
        }
    }
    return 0;
}

/* The last value of `key` in `section` (configparser: later wins), or
 * NULL. The pointer lives as long as *ini. */
static const char *ini_get(const struct ini *ini, const char *section,
                           const char *key)
{
    const struct ini_ent *e;
    const char *v = NULL;

    for (e = ini->head; e; e = e->next) {
        if (strcmp(e->section, section) == 0 && strcmp(e->key, key) == 0) {
            v = e->value.data;
        }
    }
    return v;
}

/* In a nested value ("\nendpoint_url = x\nfoo = y"), the value of `key`
 * as a fresh string, or NULL. */
static char *nested_get(const char *nested, const char *key)
{
    char *copy = lv_xstrdup(nested);
    char *line = copy;
    char *found = NULL;

    while (line) {
        char *nl = strchr(line, '\n');
        char *eq;

        if (nl) {
            *nl = '\0';
        }
        eq = strchr(line, '=');
        if (eq) {
            *eq = '\0';
            if (strcmp(trim(line), key) == 0) {
                free(found);
                found = lv_xstrdup(trim(eq + 1));
            }
        }
        line = nl ? nl + 1 : NULL;
    }
    free(copy);
    return found;
}

static const char *nonempty(const char *s)
{
    return s && *s ? s : NULL;
}

static char *dup_or_null(const char *s)
{
    return s ? lv_xstrdup(s) : NULL;
}

void lv_cli_config_init(struct lv_cli_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
}

void lv_cli_config_release(struct lv_cli_config *cfg)
{
    free(cfg->profile);
    free(cfg->region);
    free(cfg->endpoint);
    free(cfg->output);
    free(cfg->ca_bundle);
    free(cfg->access_key);
    if (cfg->secret) {
        lv_secret_free(cfg->secret, strlen(cfg->secret));
    }
    if (cfg->token) {
        lv_secret_free(cfg->token, strlen(cfg->token));
    }
    lv_cli_config_init(cfg);
}

/* The endpoint from the environment for `service`: AWS_ENDPOINT_URL_LOGS
 * (the service id upper-cased, spaces as underscores), then
 * AWS_ENDPOINT_URL. */
static const char *env_endpoint(const char *service, lv_cli_getenv_fn env)
{
    char name[64];
    const char *v;
    size_t i;
    int n = snprintf(name, sizeof(name), "AWS_ENDPOINT_URL_%s", service);

    if (n > 0 && (size_t)n < sizeof(name)) {
        for (i = 0; name[i]; i++) {
            name[i] = (char)toupper((unsigned char)name[i]);
        }
        if ((v = nonempty(env(name)))) {
            return v;
        }
    }
    return nonempty(env("AWS_ENDPOINT_URL"));
}

int lv_cli_config_load(struct lv_cli_config *cfg, const char *service,
                       const struct lv_cli_given *given,
                       lv_cli_getenv_fn env, struct lv_err *err)
{
    struct ini conf = { 0 }, creds = { 0 };
    char *section = NULL;
    char *svc_ep = NULL;
    const char *v, *path, *ak, *sk;
    int named = 0;
    int ret = -1;

    /* Profile: --profile, then AWS_PROFILE / AWS_DEFAULT_PROFILE. */
    if (given->profile) {
        cfg->profile = lv_xstrdup(given->profile);
        cfg->profile_explicit = 1;
        named = 1;
    } else if ((v = nonempty(env("AWS_PROFILE"))) ||
               (v = nonempty(env("AWS_DEFAULT_PROFILE")))) {
        cfg->profile = lv_xstrdup(v);
        named = 1;
    } else {
        cfg->profile = lv_xstrdup("default");
    }

    path = nonempty(env("AWS_CONFIG_FILE"));
    ini_load(&conf, path ? path : "~/.aws/config", env);
    path = nonempty(env("AWS_SHARED_CREDENTIALS_FILE"));
    ini_load(&creds, path ? path : "~/.aws/credentials", env);

    section = strcmp(cfg->profile, "default") == 0
        ? lv_xstrdup("default")
        : lv_xasprintf("profile %s", cfg->profile);
    if (!ini_has_section(&conf, section) &&
        strcmp(cfg->profile, "default") == 0 &&
        ini_has_section(&conf, "profile default")) {
        free(section);
        section = lv_xstrdup("profile default");
    }
    if (named && strcmp(cfg->profile, "default") != 0 &&
        !ini_has_section(&conf, section) &&
        !ini_has_section(&creds, cfg->profile)) {
        lv_err_set(err, LV_E_VALIDATION,
                   "The config profile (%s) could not be found",
                   cfg->profile);
        goto out;
    }

    /* Region. */
    if ((v = nonempty(given->region)) || (v = nonempty(env("AWS_REGION"))) ||
        (v = nonempty(env("AWS_DEFAULT_REGION"))) ||
        (v = nonempty(ini_get(&conf, section, "region")))) {
        cfg->region = lv_xstrdup(v);
    }

    /* Endpoint. */
    if ((v = nonempty(given->endpoint)) ||
        (v = env_endpoint(service, env))) {
        cfg->endpoint = lv_xstrdup(v);
    } else {
        const char *services = nonempty(ini_get(&conf, section, "services"));
        if (services) {
            char *ssec = lv_xasprintf("services %s", services);
            const char *nested = ini_get(&conf, ssec, service);
            if (nested) {
                svc_ep = nested_get(nested, "endpoint_url");
            }
            free(ssec);
        }
        if (svc_ep && *svc_ep) {
            cfg->endpoint = svc_ep;
            svc_ep = NULL;
        } else if ((v = nonempty(ini_get(&conf, section, "endpoint_url")))) {
            cfg->endpoint = lv_xstrdup(v);
        } else {
            cfg->endpoint = lv_xstrdup(LV_CLI_DEFAULT_ENDPOINT);
            cfg->endpoint_default = 1;
        }
    }

    /* Output. */
    if ((v = nonempty(given->output)) ||
        (v = nonempty(env("AWS_DEFAULT_OUTPUT"))) ||
        (v = nonempty(ini_get(&conf, section, "output")))) {
        cfg->output = lv_xstrdup(v);
    } else {
        cfg->output = lv_xstrdup("json");
    }

    /* CA bundle (botocore's ca_bundle: --ca-bundle, AWS_CA_BUNDLE, the
     * profile's ca_bundle). */
    if ((v = nonempty(given->ca_bundle)) ||
        (v = nonempty(env("AWS_CA_BUNDLE"))) ||
        (v = nonempty(ini_get(&conf, section, "ca_bundle")))) {
        cfg->ca_bundle = lv_xstrdup(v);
    }

    /* Credentials: botocore's chain (env unless --profile, shared
     * credentials file, config file). Both halves or neither. */
    ak = nonempty(env("AWS_ACCESS_KEY_ID"));
    sk = nonempty(env("AWS_SECRET_ACCESS_KEY"));
    if (!cfg->profile_explicit && ak && sk) {
        cfg->access_key = lv_xstrdup(ak);
        cfg->secret = lv_xstrdup(sk);
        v = nonempty(env("AWS_SESSION_TOKEN"));
        if (!v) {
            v = nonempty(env("AWS_SECURITY_TOKEN"));
        }
        cfg->token = dup_or_null(v);
        cfg->creds_source = "env";
    } else if ((ak = nonempty(ini_get(&creds, cfg->profile,
                                      "aws_access_key_id"))) &&
               (sk = nonempty(ini_get(&creds, cfg->profile,
                                      "aws_secret_access_key")))) {
        cfg->access_key = lv_xstrdup(ak);
        cfg->secret = lv_xstrdup(sk);
        cfg->token = dup_or_null(nonempty(
            ini_get(&creds, cfg->profile, "aws_session_token")));
        cfg->creds_source = "shared-credentials-file";
    } else if ((ak = nonempty(ini_get(&conf, section,
                                      "aws_access_key_id"))) &&
               (sk = nonempty(ini_get(&conf, section,
                                      "aws_secret_access_key")))) {
        cfg->access_key = lv_xstrdup(ak);
        cfg->secret = lv_xstrdup(sk);
        cfg->token = dup_or_null(nonempty(
            ini_get(&conf, section, "aws_session_token")));
        cfg->creds_source = "config-file";
    }
    ret = 0;
out:
    if (ret < 0) {
        lv_cli_config_release(cfg);
    }
    free(svc_ep);
    free(section);
    ini_free(&conf);
    ini_free(&creds);
    return ret;
}

void lv_cli_config_first_run(struct lv_cli_config *cfg)
{
    if (!cfg->endpoint_default || cfg->access_key) {
        return;
    }
    cfg->access_key = lv_xstrdup(LV_CLI_FIRST_RUN_KEY);
    cfg->secret = lv_xstrdup(LV_CLI_FIRST_RUN_KEY);
    cfg->creds_source = "logvault-default";
    if (!cfg->region) {
        cfg->region = lv_xstrdup(LV_CLI_FIRST_RUN_REGION);
    }
}
