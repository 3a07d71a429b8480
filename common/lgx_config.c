#include "lgx_config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lgx_version.h"

#define ENV_PREFIX "LGX_"

void lgx_config_env_name(const char *name, char *out, size_t size)
{
    size_t n = strlen(ENV_PREFIX);
    if (size <= n) {
        if (size) {
            out[0] = '\0';
        }
        return;
    }
    memcpy(out, ENV_PREFIX, n);
    for (const char *p = name; *p && n + 1 < size; p++) {
        out[n++] =
            isalnum((unsigned char)*p) ? (char)toupper((unsigned char)*p) : '_';
    }
    out[n] = '\0';
}

static void *field(const lgx_config_section_t *s, const lgx_opt_t *o)
{
    return (char *)s->base + o->offset;
}

static lgx_err_t parse_bool(const char *v, bool *out)
{
    static const char *yes[] = {"true", "yes", "1", "on"};
    static const char *no[] = {"false", "no", "0", "off"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0) {
            *out = true;
            return LGX_OK;
        }
        if (strcasecmp(v, no[i]) == 0) {
            *out = false;
            return LGX_OK;
        }
    }
    return LGX_ERR_INVALID;
}

static lgx_err_t parse_int(const lgx_opt_t *o, const char *v, long *out,
                           char *errstr, size_t size)
{
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno || end == v || *end) {
        snprintf(errstr, size, "option --%s: '%s' is not an integer", o->name,
                 v);
        return LGX_ERR_INVALID;
    }
    long lo = LONG_MIN, hi = LONG_MAX;
    if (o->range && sscanf(o->range, "%ld..%ld", &lo, &hi) == 2 &&
        (x < lo || x > hi)) {
        snprintf(errstr, size, "option --%s: %ld is outside %s", o->name, x,
                 o->range);
        return LGX_ERR_INVALID;
    }
    *out = x;
    return LGX_OK;
}

static bool enum_has(const char *range, const char *v)
{
    size_t vl = strlen(v);
    const char *p = range;
    while (p && *p) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == vl && strncmp(p, v, len) == 0) {
            return true;
        }
        p = bar ? bar + 1 : NULL;
    }
    return false;
}

static lgx_err_t set_str(char **slot, const char *v)
{
    char *copy = strdup(v);
    if (!copy) {
        return LGX_ERR_NOMEM;
    }
    free(*slot);
    *slot = copy;
    return LGX_OK;
}

/* Sets one option from text; errstr names the option on failure. */
static lgx_err_t opt_set(const lgx_config_section_t *s, const lgx_opt_t *o,
                         const char *v, char *errstr, size_t size)
{
    switch (o->type) {
    case LGX_OPT_STR:
        return set_str(field(s, o), v);
    case LGX_OPT_INT:
        return parse_int(o, v, field(s, o), errstr, size);
    case LGX_OPT_BOOL:
        if (parse_bool(v, field(s, o)) != LGX_OK) {
            snprintf(errstr, size, "option --%s: '%s' is not a boolean",
                     o->name, v);
            return LGX_ERR_INVALID;
        }
        return LGX_OK;
    case LGX_OPT_ENUM:
        if (!enum_has(o->range, v)) {
            snprintf(errstr, size, "option --%s: '%s' is not one of %s",
                     o->name, v, o->range);
            return LGX_ERR_INVALID;
        }
        return set_str(field(s, o), v);
    case LGX_OPT_PROPS:
        break;
    }
    return LGX_ERR_INVALID;
}

lgx_err_t lgx_config_props_add(char ***slot, const char *name, size_t name_len,
                               const char *value)
{
    size_t n = 0;
    while (*slot && (*slot)[n]) {
        n++;
    }
    char **p = realloc(*slot, (n + 3) * sizeof(*p));
    if (!p) {
        return LGX_ERR_NOMEM;
    }
    *slot = p;
    p[n] = strndup(name, name_len);
    p[n + 1] = strdup(value);
    p[n + 2] = NULL;
    if (!p[n] || !p[n + 1]) {
        return LGX_ERR_NOMEM;
    }
    return LGX_OK;
}

static lgx_err_t apply_defaults(const lgx_config_section_t *s, char *errstr,
                                size_t size)
{
    for (const lgx_opt_t *o = s->opts; o->name; o++) {
        if (o->def && o->type != LGX_OPT_PROPS) {
            lgx_err_t err = opt_set(s, o, o->def, errstr, size);
            if (err != LGX_OK) {
                return err;
            }
        }
    }
    return LGX_OK;
}

/* True when the variable assignment e sets some option of a section:
 * LGX_KAFKA_PASSWORD_FILE is --kafka-password-file's, not the librdkafka
 * setting password.file, whichever section holds that option. */
static bool env_is_option(const lgx_config_section_t *sections, size_t n,
                          const char *e)
{
    char env[128];
    for (size_t i = 0; i < n; i++) {
        for (const lgx_opt_t *o = sections[i].opts; o->name; o++) {
            lgx_config_env_name(o->name, env, sizeof(env));
            size_t el = strlen(env);
            if (o->type != LGX_OPT_PROPS && strncmp(e, env, el) == 0 &&
                e[el] == '=') {
                return true;
            }
        }
    }
    return false;
}

/* Environment of section s of sections (n of them): exact names for
 * options, LGX_<NAME>_<PROP> for props (unless the variable is an
 * option's own). */
static lgx_err_t apply_env(const lgx_config_section_t *sections, size_t n,
                           const lgx_config_section_t *s, char **envp,
                           char *errstr, size_t size)
{
    char env[128];
    for (const lgx_opt_t *o = s->opts; o->name; o++) {
        lgx_config_env_name(o->name, env, sizeof(env));
        size_t el = strlen(env);
        for (char **e = envp; e && *e; e++) {
            lgx_err_t err = LGX_OK;
            if (o->type != LGX_OPT_PROPS && strncmp(*e, env, el) == 0 &&
                (*e)[el] == '=') {
                err = opt_set(s, o, *e + el + 1, errstr, size);
            } else if (o->type == LGX_OPT_PROPS && strncmp(*e, env, el) == 0 &&
                       (*e)[el] == '_' && !env_is_option(sections, n, *e)) {
                const char *eq = strchr(*e, '=');
                if (!eq) {
                    continue;
                }
                char prop[128];
                size_t pl = 0;
                for (const char *p = *e + el + 1;
                     p < eq && pl + 1 < sizeof(prop); p++) {
                    prop[pl++] =
                        *p == '_' ? '.' : (char)tolower((unsigned char)*p);
                }
                prop[pl] = '\0';
                err = lgx_config_props_add(field(s, o), prop, pl, eq + 1);
            }
            if (err != LGX_OK) {
                snprintf(errstr + strlen(errstr), size - strlen(errstr),
                         " (from %s)", env);
                return err;
            }
        }
    }
    return LGX_OK;
}

/* Finds the option named by an argument "--name[=v]" or "--name.prop=v". */
static const lgx_opt_t *find_opt(const lgx_config_section_t *sections, size_t n,
                                 const char *arg, size_t len,
                                 const lgx_config_section_t **sec)
{
    for (size_t i = 0; i < n; i++) {
        for (const lgx_opt_t *o = sections[i].opts; o->name; o++) {
            size_t nl = strlen(o->name);
            bool match = o->type == LGX_OPT_PROPS
                             ? len > nl + 1 && strncmp(arg, o->name, nl) == 0 &&
                                   arg[nl] == '.'
                             : len == nl && strncmp(arg, o->name, nl) == 0;
            if (match) {
                *sec = &sections[i];
                return o;
            }
        }
    }
    return NULL;
}

static lgx_err_t apply_argv(const lgx_config_section_t *sections, size_t n,
                            int argc, char **argv, char *errstr, size_t size)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0) {
            snprintf(errstr, size, "unexpected argument '%s'", a);
            return LGX_ERR_INVALID;
        }
        a += 2;
        const char *eq = strchr(a, '=');
        size_t len = eq ? (size_t)(eq - a) : strlen(a);
        const lgx_config_section_t *s = NULL;
        const lgx_opt_t *o = find_opt(sections, n, a, len, &s);
        if (!o) {
            snprintf(errstr, size, "unknown option --%.*s (see --help)",
                     (int)len, a);
            return LGX_ERR_INVALID;
        }
        const char *v = eq ? eq + 1 : NULL;
        if (!v && o->type == LGX_OPT_BOOL) {
            v = "true";
        } else if (!v) {
            if (i + 1 >= argc) {
                snprintf(errstr, size, "option --%s needs a value", o->name);
                return LGX_ERR_INVALID;
            }
            v = argv[++i];
        }
        lgx_err_t err;
        if (o->type == LGX_OPT_PROPS) {
            size_t nl = strlen(o->name) + 1;
            err = lgx_config_props_add(field(s, o), a + nl, len - nl, v);
        } else {
            err = opt_set(s, o, v, errstr, size);
        }
        if (err != LGX_OK) {
            return err;
        }
    }
    return LGX_OK;
}

static lgx_err_t check_required(const lgx_config_section_t *sections, size_t n,
                                char *errstr, size_t size)
{
    char env[128];
    for (size_t i = 0; i < n; i++) {
        for (const lgx_opt_t *o = sections[i].opts; o->name; o++) {
            if ((o->flags & LGX_OPT_REQUIRED) &&
                (o->type == LGX_OPT_STR || o->type == LGX_OPT_ENUM) &&
                !*(char **)field(&sections[i], o)) {
                lgx_config_env_name(o->name, env, sizeof(env));
                snprintf(errstr, size, "option --%s (%s) is required", o->name,
                         env);
                return LGX_ERR_INVALID;
            }
        }
    }
    return LGX_OK;
}

static bool wants(int argc, char **argv, const char *flag)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], flag) == 0) {
            return true;
        }
    }
    return false;
}

/* Writes range for people: "a, b or c" for enums, "min..max" for ints. */
static void put_range(const lgx_opt_t *o, FILE *out)
{
    if (!o->range) {
        return;
    }
    if (o->type != LGX_OPT_ENUM) {
        fprintf(out, " (%s)", o->range);
        return;
    }
    fprintf(out, " (");
    for (const char *p = o->range; *p; p++) {
        if (*p == '|') {
            fprintf(out, strchr(p + 1, '|') ? ", " : " or ");
        } else {
            fputc(*p, out);
        }
    }
    fprintf(out, ")");
}

static void usage_markdown(const lgx_config_section_t *sections, size_t n,
                           FILE *out)
{
    char env[128];
    fprintf(out, "| option | environment | default | description |\n");
    fprintf(out, "| --- | --- | --- | --- |\n");
    for (size_t i = 0; i < n; i++) {
        for (const lgx_opt_t *o = sections[i].opts; o->name; o++) {
            if (o->flags & LGX_OPT_HIDDEN) {
                continue;
            }
            lgx_config_env_name(o->name, env, sizeof(env));
            fprintf(out, "| `--%s%s` | `%s%s` | %s | %s", o->name,
                    o->type == LGX_OPT_PROPS ? ".<prop>" : "", env,
                    o->type == LGX_OPT_PROPS ? "_<PROP>" : "",
                    o->def ? o->def : "", o->desc);
            put_range(o, out);
            fprintf(out, "%s |\n",
                    (o->flags & LGX_OPT_REQUIRED) ? " (required)" : "");
        }
    }
}

void lgx_config_usage(const lgx_config_section_t *sections, size_t n,
                      const char *program, const char *summary, FILE *out)
{
    char env[128];
    fprintf(out, "Usage: %s [--option=value ...]\n\n%s\n", program, summary);
    for (size_t i = 0; i < n; i++) {
        fprintf(out, "\n%s:\n", sections[i].title);
        for (const lgx_opt_t *o = sections[i].opts; o->name; o++) {
            if (o->flags & LGX_OPT_HIDDEN) {
                continue;
            }
            lgx_config_env_name(o->name, env, sizeof(env));
            fprintf(out, "  --%s%s\n      env %s%s", o->name,
                    o->type == LGX_OPT_PROPS ? ".<prop>=V" : "", env,
                    o->type == LGX_OPT_PROPS ? "_<PROP>" : "");
            if (o->def) {
                fprintf(out, ", default %s", o->def);
            }
            if (o->flags & LGX_OPT_REQUIRED) {
                fprintf(out, ", required");
            }
            fprintf(out, "\n      %s", o->desc);
            put_range(o, out);
            fprintf(out, "\n");
        }
    }
    fprintf(out, "\n  --help             this text\n"
                 "  --help-markdown    the options as a Markdown table\n"
                 "  --version          the version of lgx\n");
}

lgx_err_t lgx_config_load(const lgx_config_section_t *sections, size_t n,
                          const char *program, const char *summary, int argc,
                          char **argv, char **envp, char *errstr, size_t size)
{
    errstr[0] = '\0';
    if (wants(argc, argv, "--help") || wants(argc, argv, "-h")) {
        lgx_config_usage(sections, n, program, summary, stdout);
        return LGX_ERR_HELP;
    }
    if (wants(argc, argv, "--help-markdown")) {
        usage_markdown(sections, n, stdout);
        return LGX_ERR_HELP;
    }
    if (wants(argc, argv, "--version")) {
        /* The program's name: what precedes a usage word (lgx-dlq's
         * "lgx-dlq list|show|redrive"). */
        char line[512];
        lgx_version_format(program, strcspn(program, " "), line, sizeof(line));
        printf("%s\n", line);
        return LGX_ERR_HELP;
    }
    for (size_t i = 0; i < n; i++) {
        lgx_err_t err = apply_defaults(&sections[i], errstr, size);
        if (err == LGX_OK) {
            err = apply_env(sections, n, &sections[i], envp, errstr, size);
        }
        if (err != LGX_OK) {
            return err;
        }
    }
    lgx_err_t err = apply_argv(sections, n, argc, argv, errstr, size);
    if (err == LGX_OK) {
        err = check_required(sections, n, errstr, size);
    }
    return err;
}

void lgx_config_free(const lgx_config_section_t *sections, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (const lgx_opt_t *o = sections[i].opts; o->name; o++) {
            if (o->type == LGX_OPT_STR || o->type == LGX_OPT_ENUM) {
                char **slot = field(&sections[i], o);
                free(*slot);
                *slot = NULL;
            } else if (o->type == LGX_OPT_PROPS) {
                char ***slot = field(&sections[i], o);
                for (char **p = *slot; p && *p; p++) {
                    free(*p);
                }
                free(*slot);
                *slot = NULL;
            }
        }
    }
}
