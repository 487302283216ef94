/*
 * cli/help: `logvault logs help` and `logvault logs <command> help` as
 * plain text wrapped at 79 columns, laid out like the AWS CLI's man-page
 * help (NAME, DESCRIPTION, SYNOPSIS, OPTIONS, OUTPUT) from the model's
 * documentation (src/model/gen/docs_*.c, HTML already stripped). It does
 * not page, colour or show the AWS CLI's examples. `logs query`, which
 * the model does not describe, has its help written out here.
 */
#include "cli/cli_int.h"

#include <stdlib.h>
#include <string.h>

#define WIDTH 79

static const char *type_name(enum lv_shape_type t)
{
    switch (t) {
    case LV_T_STRUCT: return "structure";
    case LV_T_STRING: return "string";
    case LV_T_INTEGER: return "integer";
    case LV_T_LONG: return "long";
    case LV_T_BOOLEAN: return "boolean";
    case LV_T_DOUBLE: return "double";
    case LV_T_BLOB: return "blob";
    case LV_T_TIMESTAMP: return "timestamp";
    case LV_T_LIST: return "list";
    case LV_T_MAP: return "map";
    }
    return "";
}

/* Writes `text` (paragraphs separated by "\n\n") indented by `ind`,
 * wrapped at WIDTH; list items ("* ") hang under their text. */
static void wrap(FILE *out, const char *text, int ind)
{
    const char *p = text;

    while (*p) {
        const char *end = strstr(p, "\n\n");
        size_t plen = end ? (size_t)(end - p) : strlen(p);
        int hang = (plen > 2 && p[0] == '*' && p[1] == ' ') ? 2 : 0;
        int col = 0;
        size_t i = 0;

        while (i < plen) {
            size_t w = i;
            while (w < plen && p[w] != ' ' && p[w] != '\n') {
                w++;
            }
            if (col == 0) {
                col = fprintf(out, "%*s", ind + (i ? hang : 0), "");
            } else if (col + 1 + (int)(w - i) > WIDTH) {
                fputc('\n', out);
                col = fprintf(out, "%*s", ind + hang, "");
            } else {
                fputc(' ', out);
                col++;
            }
            col += (int)fwrite(p + i, 1, w - i, out);
            i = w;
            while (i < plen && (p[i] == ' ' || p[i] == '\n')) {
                i++;
            }
        }
        fputs("\n\n", out);
        p += plen;
        while (*p == '\n') {
            p++;
        }
    }
}

static void op_help(const struct lv_cli *c, FILE *out)
{
    const struct lv_service *svc = c->svc;
    const struct lv_shape *in = c->op->input >= 0
        ? &svc->shapes[c->op->input] : NULL;
    const struct lv_member_docs *md = c->op->input >= 0
        ? c->docs->shapes[c->op->input].members : NULL;
    int i, j;

    fprintf(out, "%s\n\n", c->opd->cli_name);
    fputs("DESCRIPTION\n", out);
    wrap(out, *c->opd->doc ? c->opd->doc : "None", 7);
    if (c->op->output_token && c->opd->result_keys) {
        char *s = NULL;
        size_t n = 0;
        FILE *m = open_memstream(&s, &n);
        fprintf(m, "%s is a paginated operation. Multiple API calls may be "
                "issued in order to retrieve the entire data set of results."
                " You can disable pagination by providing the --no-paginate "
                "argument.", c->opd->cli_name);
        fclose(m);
        wrap(out, s, 7);
        free(s);
    }
    fputs("SYNOPSIS\n", out);
    fprintf(out, "            %s\n", c->opd->cli_name);
    for (i = 0; in && i < in->n_members; i++) {
        const char *t = svc->shapes[in->members[i].shape].type == LV_T_BOOLEAN
            ? "" : " <value>";
        if (svc->shapes[in->members[i].shape].type == LV_T_BOOLEAN) {
            fprintf(out, "          %s--%s | --no-%s%s\n",
                    in->members[i].required ? "" : "[", md[i].cli_name,
                    md[i].cli_name, in->members[i].required ? "" : "]");
        } else {
            fprintf(out, "          %s--%s%s%s\n",
                    in->members[i].required ? "" : "[", md[i].cli_name, t,
                    in->members[i].required ? "" : "]");
        }
    }
    fputs("          [--cli-input-json <value>]\n", out);
    if (c->op->output_token) {
        fputs("          [--starting-token <value>]\n", out);
        if (c->op->limit_key) {
            fputs("          [--page-size <value>]\n", out);
        }
        fputs("          [--max-items <value>]\n", out);
    }
    fputs("\nOPTIONS\n", out);
    for (i = 0; in && i < in->n_members; i++) {
        const struct lv_shape *ms = &svc->shapes[in->members[i].shape];
        fprintf(out, "       --%s (%s)\n", md[i].cli_name, type_name(ms->type));
        wrap(out, *md[i].doc ? md[i].doc : "None", 10);
        if (ms->n_enums) {
            fputs("          Possible values:\n\n", out);
            for (j = 0; j < ms->n_enums; j++) {
                fprintf(out, "          o %s\n\n", ms->enums[j]);
            }
        }
    }
    fputs("       --cli-input-json (string) Reads arguments from the JSON "
          "string\n          provided. The JSON string follows the format "
          "provided by\n          --generate-cli-skeleton.\n\n", out);
    if (c->op->output >= 0) {
        const struct lv_shape *os = &svc->shapes[c->op->output];
        const struct lv_member_docs *od = c->docs->shapes[c->op->output]
                                              .members;
        fputs("OUTPUT\n", out);
        for (i = 0; i < os->n_members; i++) {
            fprintf(out, "       %s -> (%s)\n", os->members[i].name,
                    type_name(svc->shapes[os->members[i].shape].type));
            wrap(out, *od[i].doc ? od[i].doc : "None", 10);
        }
    }
}

int lv_cli_help(const struct lv_cli *c, FILE *out)
{
    int i;

    if (c->op) {
        op_help(c, out);
        return 0;
    }
    fprintf(out, "%s\n\nDESCRIPTION\n", c->svc->name);
    wrap(out, c->docs->doc, 7);
    fputs("AVAILABLE COMMANDS\n", out);
    for (i = 0; i < c->svc->n_ops; i++) {
        fprintf(out, "       o %s\n\n", c->docs->ops[i].cli_name);
    }
    if (strcmp(c->svc->name, "logs") == 0) {
        fputs("       o tail\n\n", out);
        fputs("       o query\n\n", out);
    }
    return 0;
}

void lv_cli_help_query(FILE *out)
{
    fputs("query\n\nDESCRIPTION\n", out);
    wrap(out, "Runs a CloudWatch Logs Insights query over one or more log "
         "groups and prints its results: StartQuery, then GetQueryResults "
         "until the query is complete (waiting 0.5 s, then longer, up to "
         "2 s, between polls). This command is logvault's own; the AWS "
         "CLI has start-query and get-query-results, which it chains.\n\n"
         "On a terminal, stderr shows the query's progress on one line "
         "(status, records and bytes scanned, time elapsed), cleared when "
         "the results come, then a summary after them. Ctrl-C stops the "
         "query (StopQuery) and exits with status 130. A query that "
         "ends Failed, Cancelled or Timeout is reported on stderr with "
         "exit status 254.\n\n"
         "--output table (the default; the profile's output setting does "
         "not apply) prints one column per result field in the order the "
         "fields first appear, without @ptr unless --show-ptr is given; "
         "--output text prints the same cells tab-separated, one line per "
         "row, without a header; in both, newlines, tabs and other "
         "control characters in a value show as \\n, \\t, \\r or \\xNN. "
         "--output json prints the GetQueryResults response as "
         "get-query-results does (every field, @ptr included); --query "
         "(JMESPath) applies to that response.", 7);
    fputs("SYNOPSIS\n            query\n          [<log_group> "
          "[<log_group>...]]\n          --query-string <value>\n"
          "          [--since <value> | --start-time <value> "
          "[--end-time <value>]]\n          [--limit <value>]\n"
          "          [--query-language <value>]\n          [--show-ptr]\n"
          "\nOPTIONS\n", out);
    fputs("       log_group (list)\n", out);
    wrap(out, "The log groups to query, by name or ARN (StartQuery's "
         "logGroupIdentifiers, at most 50). Leave them out when the query "
         "string names its log groups with SOURCE.", 10);
    fputs("       --query-string (string)\n", out);
    wrap(out, "The query, in CloudWatch Logs Insights query language.", 10);
    fputs("       --since (string)\n", out);
    wrap(out, "Where the query's time range starts; it ends now. As "
         "`logs tail --since` takes it: a number and a unit, s, m, h, d "
         "or w, meaning that long ago (5m, 1h, 2d); epoch seconds; or an "
         "ISO 8601 time in UTC (2024-05-01T12:00:00Z). Defaults to 1h.",
         10);
    fputs("       --start-time (string)\n", out);
    wrap(out, "Where the range starts, in any form --since takes; not "
         "with --since.", 10);
    fputs("       --end-time (string)\n", out);
    wrap(out, "Where the range ends, in any form --since takes; defaults "
         "to now; not with --since.", 10);
    fputs("       --limit (integer)\n", out);
    wrap(out, "The most log events to return (StartQuery's limit; AWS's "
         "default, 10,000, when not given).", 10);
    fputs("       --query-language (string)\n", out);
    wrap(out, "StartQuery's queryLanguage (CWLI by default).", 10);
    fputs("       --show-ptr (boolean)\n", out);
    wrap(out, "Show the @ptr field in table and text output (the value "
         "get-log-record takes).", 10);
}
