/*
 * Unit tests for lgx_config: defaults, environment, command line, the
 * pass-through properties for librdkafka, validation messages and --help.
 * Each test passes its own envp array, never the process environment.
 */
#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lgx_config.h"
#include "lgx_version.h"

Suite *config_suite(void);

typedef struct main_conf {
    char *url;
    char *name;
    long port;
    long offset;
    bool verbose;
    char *mode;
    char **kafka;
} main_conf_t;

typedef struct extra_conf {
    long retry_limit;
    char *api_key;
} extra_conf_t;

#define M(f) offsetof(main_conf_t, f)
#define X(f) offsetof(extra_conf_t, f)

static const lgx_opt_t main_opts[] = {
    {"url", LGX_OPT_STR, NULL, M(url), "Base URL", NULL, LGX_OPT_REQUIRED},
    {"name", LGX_OPT_STR, "lgx", M(name), "Name", NULL, 0},
    {"port", LGX_OPT_INT, "8080", M(port), "Port", "1..65535", 0},
    {"offset", LGX_OPT_INT, "0", M(offset), "Offset", "-5..5", 0},
    {"verbose", LGX_OPT_BOOL, "false", M(verbose), "Talk more", NULL, 0},
    {"mode", LGX_OPT_ENUM, "fast", M(mode), "Mode", "fast|safe|off", 0},
    {"kafka", LGX_OPT_PROPS, NULL, M(kafka), "librdkafka property", NULL, 0},
    LGX_OPT_END};

static const lgx_opt_t extra_opts[] = {
    {"retry-limit", LGX_OPT_INT, "5", X(retry_limit), "Retries", "0..100", 0},
    {"odoo-api-key", LGX_OPT_STR, NULL, X(api_key), "Key", NULL,
     LGX_OPT_SECRET},
    LGX_OPT_END};

#define MAX_ARGS 16

static main_conf_t mc;
static extra_conf_t xc;
static lgx_config_section_t sections[2];
static char errstr[512];
static char *argv_copy[MAX_ARGS + 1];
static char *envp_copy[MAX_ARGS + 1];
static int argc_copy;

static void setup(void)
{
    memset(&mc, 0, sizeof(mc));
    memset(&xc, 0, sizeof(xc));
    sections[0] = (lgx_config_section_t){"Main", main_opts, &mc};
    sections[1] = (lgx_config_section_t){"Extra", extra_opts, &xc};
    memset(errstr, 0, sizeof(errstr));
    memset(argv_copy, 0, sizeof(argv_copy));
    memset(envp_copy, 0, sizeof(envp_copy));
    argc_copy = 0;
}

static void free_copies(void)
{
    for (size_t i = 0; i < MAX_ARGS; i++) {
        free(argv_copy[i]);
        free(envp_copy[i]);
        argv_copy[i] = NULL;
        envp_copy[i] = NULL;
    }
}

static void teardown(void)
{
    lgx_config_free(sections, 2);
    free_copies();
}

/* Copies a NULL-terminated list into dst (the loader takes char **). */
static int copy_list(char **dst, const char *const *src)
{
    int n = 0;
    for (; src && src[n]; n++) {
        ck_assert_int_lt(n, MAX_ARGS);
        dst[n] = strdup(src[n]);
        ck_assert_ptr_nonnull(dst[n]);
    }
    dst[n] = NULL;
    return n;
}

/* Loads with program name "lgx-test" followed by args, and env. */
static lgx_err_t load(const char *const *args, const char *const *env)
{
    argv_copy[0] = strdup("lgx-test");
    ck_assert_ptr_nonnull(argv_copy[0]);
    argc_copy = 1 + copy_list(argv_copy + 1, args);
    copy_list(envp_copy, env);
    return lgx_config_load(sections, 2, "lgx-test", "A test program.",
                           argc_copy, argv_copy, envp_copy, errstr,
                           sizeof(errstr));
}

/* Loads with stdout captured into a string (freed by the caller). */
static lgx_err_t load_capturing(const char *const *args, const char *const *env,
                                char **text)
{
    FILE *tmp = tmpfile();
    ck_assert_ptr_nonnull(tmp);
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    ck_assert_int_ge(saved, 0);
    ck_assert_int_ge(dup2(fileno(tmp), STDOUT_FILENO), 0);
    lgx_err_t err = load(args, env);
    fflush(stdout);
    ck_assert_int_ge(dup2(saved, STDOUT_FILENO), 0);
    close(saved);
    /* stdout wrote through a duplicate of tmp's descriptor: the end of
     * the file is what it wrote. */
    ck_assert_int_eq(fseek(tmp, 0, SEEK_END), 0);
    long size = ftell(tmp);
    ck_assert_int_ge(size, 0);
    rewind(tmp);
    *text = calloc(1, (size_t)size + 1);
    ck_assert_ptr_nonnull(*text);
    ck_assert_uint_eq(fread(*text, 1, (size_t)size, tmp), (size_t)size);
    fclose(tmp);
    return err;
}

static const char *const url_env[] = {"LGX_URL=http://odoo:8069", NULL};

/* ---- core ---- */

START_TEST(test_config_defaults)
{
    ck_assert_int_eq(load(NULL, url_env), LGX_OK);
    ck_assert_str_eq(mc.url, "http://odoo:8069");
    ck_assert_str_eq(mc.name, "lgx");
    ck_assert_int_eq(mc.port, 8080);
    ck_assert_int_eq(mc.offset, 0);
    ck_assert(!mc.verbose);
    ck_assert_str_eq(mc.mode, "fast");
    ck_assert_ptr_null(mc.kafka);
    ck_assert_int_eq(xc.retry_limit, 5);
    ck_assert_ptr_null(xc.api_key);
    ck_assert_str_eq(errstr, "");
}
END_TEST

START_TEST(test_config_env_beats_default)
{
    const char *const env[] = {"PATH=/usr/bin",
                               "LGX_URL=u",
                               "LGX_NAME=from-env",
                               "LGX_PORT=9090",
                               "LGX_VERBOSE=yes",
                               "LGX_MODE=safe",
                               "LGX_RETRY_LIMIT=7",
                               "LGX_ODOO_API_KEY=k3y",
                               NULL};
    ck_assert_int_eq(load(NULL, env), LGX_OK);
    ck_assert_str_eq(mc.name, "from-env");
    ck_assert_int_eq(mc.port, 9090);
    ck_assert(mc.verbose);
    ck_assert_str_eq(mc.mode, "safe");
    ck_assert_int_eq(xc.retry_limit, 7);
    ck_assert_str_eq(xc.api_key, "k3y");
}
END_TEST

START_TEST(test_config_argv_beats_env)
{
    const char *const env[] = {"LGX_URL=env-url", "LGX_NAME=from-env",
                               "LGX_PORT=9090",   "LGX_VERBOSE=true",
                               "LGX_MODE=safe",   NULL};
    const char *const args[] = {"--name=from-argv", "--port=7070",
                                "--verbose=false",  "--mode=off",
                                "--url=argv-url",   NULL};
    ck_assert_int_eq(load(args, env), LGX_OK);
    ck_assert_str_eq(mc.url, "argv-url");
    ck_assert_str_eq(mc.name, "from-argv");
    ck_assert_int_eq(mc.port, 7070);
    ck_assert(!mc.verbose);
    ck_assert_str_eq(mc.mode, "off");
}
END_TEST

START_TEST(test_config_space_separated_value)
{
    const char *const args[] = {"--port",        "7071", "--name", "spaced",
                                "--retry-limit", "0",    NULL};
    ck_assert_int_eq(load(args, url_env), LGX_OK);
    ck_assert_int_eq(mc.port, 7071);
    ck_assert_str_eq(mc.name, "spaced");
    ck_assert_int_eq(xc.retry_limit, 0);
}
END_TEST

START_TEST(test_config_bool_flag_without_value)
{
    const char *const args[] = {"--verbose", "--port=1", NULL};
    ck_assert_int_eq(load(args, url_env), LGX_OK);
    ck_assert(mc.verbose);
    /* The flag did not swallow the next argument. */
    ck_assert_int_eq(mc.port, 1);
}
END_TEST

START_TEST(test_config_bool_spellings)
{
    static const char *const yes[] = {"true", "yes", "1", "on", "TRUE", "On"};
    static const char *const no[] = {"false", "no", "0", "off", "FALSE", "No"};
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        char arg[64];
        snprintf(arg, sizeof(arg), "--verbose=%s", yes[i]);
        const char *const args[] = {arg, NULL};
        mc.verbose = false;
        ck_assert_int_eq(load(args, url_env), LGX_OK);
        ck_assert_msg(mc.verbose, "%s should be true", yes[i]);
        lgx_config_free(sections, 2);
        free_copies();

        snprintf(arg, sizeof(arg), "--verbose=%s", no[i]);
        mc.verbose = true;
        ck_assert_int_eq(load(args, url_env), LGX_OK);
        ck_assert_msg(!mc.verbose, "%s should be false", no[i]);
        lgx_config_free(sections, 2);
        free_copies();
    }
}
END_TEST

START_TEST(test_config_props_from_argv)
{
    const char *const args[] = {"--kafka.security.protocol=SSL",
                                "--kafka.sasl.mechanism", "PLAIN", NULL};
    ck_assert_int_eq(load(args, url_env), LGX_OK);
    ck_assert_ptr_nonnull(mc.kafka);
    ck_assert_str_eq(mc.kafka[0], "security.protocol");
    ck_assert_str_eq(mc.kafka[1], "SSL");
    ck_assert_str_eq(mc.kafka[2], "sasl.mechanism");
    ck_assert_str_eq(mc.kafka[3], "PLAIN");
    ck_assert_ptr_null(mc.kafka[4]);
}
END_TEST

START_TEST(test_config_props_from_env)
{
    const char *const env[] = {"LGX_URL=u", "LGX_KAFKA_SECURITY_PROTOCOL=SSL",
                               NULL};
    ck_assert_int_eq(load(NULL, env), LGX_OK);
    ck_assert_ptr_nonnull(mc.kafka);
    ck_assert_str_eq(mc.kafka[0], "security.protocol");
    ck_assert_str_eq(mc.kafka[1], "SSL");
    ck_assert_ptr_null(mc.kafka[2]);
}
END_TEST

START_TEST(test_config_props_env_then_argv)
{
    /* Both kept, the command line last, so that applying them in order
     * lets the command line win. Values keep their case. */
    const char *const env[] = {"LGX_URL=u", "LGX_KAFKA_CLIENT_ID=FromEnv",
                               NULL};
    const char *const args[] = {"--kafka.client.id=FromArgv", NULL};
    ck_assert_int_eq(load(args, env), LGX_OK);
    ck_assert_ptr_nonnull(mc.kafka);
    ck_assert_str_eq(mc.kafka[0], "client.id");
    ck_assert_str_eq(mc.kafka[1], "FromEnv");
    ck_assert_str_eq(mc.kafka[2], "client.id");
    ck_assert_str_eq(mc.kafka[3], "FromArgv");
    ck_assert_ptr_null(mc.kafka[4]);
}
END_TEST

START_TEST(test_config_option_in_second_section)
{
    const char *const args[] = {"--retry-limit=42", "--odoo-api-key=s", NULL};
    ck_assert_int_eq(load(args, url_env), LGX_OK);
    ck_assert_int_eq(xc.retry_limit, 42);
    ck_assert_str_eq(xc.api_key, "s");
    /* The first section still got its defaults. */
    ck_assert_int_eq(mc.port, 8080);
}
END_TEST

START_TEST(test_config_env_name)
{
    char env[64];
    lgx_config_env_name("odoo-api-key", env, sizeof(env));
    ck_assert_str_eq(env, "LGX_ODOO_API_KEY");
    lgx_config_env_name("url", env, sizeof(env));
    ck_assert_str_eq(env, "LGX_URL");
    lgx_config_env_name("a.b-c9", env, sizeof(env));
    ck_assert_str_eq(env, "LGX_A_B_C9");
}
END_TEST

START_TEST(test_config_env_exact_name_only)
{
    /* LGX_PORTX and LGX_PORT without '=' are not LGX_PORT. */
    const char *const env[] = {"LGX_URL=u", "LGX_PORTX=1", "LGX_PORT",
                               "lgx_port=2", NULL};
    ck_assert_int_eq(load(NULL, env), LGX_OK);
    ck_assert_int_eq(mc.port, 8080);
}
END_TEST

START_TEST(test_config_values_with_equals)
{
    const char *const env[] = {"LGX_URL=http://h/?a=b", "LGX_NAME=x=y", NULL};
    const char *const args[] = {"--kafka.sasl.jaas.config=a=b c=d", NULL};
    ck_assert_int_eq(load(args, env), LGX_OK);
    ck_assert_str_eq(mc.url, "http://h/?a=b");
    ck_assert_str_eq(mc.name, "x=y");
    ck_assert_str_eq(mc.kafka[0], "sasl.jaas.config");
    ck_assert_str_eq(mc.kafka[1], "a=b c=d");
}
END_TEST

START_TEST(test_config_null_envp)
{
    const char *const args[] = {"--url=x", NULL};
    argv_copy[0] = strdup("lgx-test");
    ck_assert_ptr_nonnull(argv_copy[0]);
    argc_copy = 1 + copy_list(argv_copy + 1, args);
    ck_assert_int_eq(lgx_config_load(sections, 2, "lgx-test", "s", argc_copy,
                                     argv_copy, NULL, errstr, sizeof(errstr)),
                     LGX_OK);
    ck_assert_str_eq(mc.url, "x");
    ck_assert_int_eq(mc.port, 8080);
}
END_TEST

START_TEST(test_config_repeated_option_last_wins)
{
    const char *const args[] = {"--name=a", "--name=b", "--port=2",
                                "--port",   "3",        NULL};
    ck_assert_int_eq(load(args, url_env), LGX_OK);
    ck_assert_str_eq(mc.name, "b");
    ck_assert_int_eq(mc.port, 3);
}
END_TEST

/* ---- help ---- */

START_TEST(test_config_help)
{
    const char *const args[] = {"--port=abc", "--help", NULL};
    char *text = NULL;
    /* --help wins over a bad value and a missing required option. */
    ck_assert_int_eq(load_capturing(args, NULL, &text), LGX_ERR_HELP);
    ck_assert_ptr_nonnull(strstr(text, "Usage: lgx-test"));
    ck_assert_ptr_nonnull(strstr(text, "A test program."));
    ck_assert_ptr_nonnull(strstr(text, "--port"));
    ck_assert_ptr_nonnull(strstr(text, "LGX_PORT"));
    ck_assert_ptr_nonnull(strstr(text, "default 8080"));
    ck_assert_ptr_nonnull(strstr(text, "1..65535"));
    ck_assert_ptr_nonnull(strstr(text, "LGX_KAFKA_<PROP>"));
    ck_assert_ptr_nonnull(strstr(text, "LGX_ODOO_API_KEY"));
    ck_assert_ptr_nonnull(strstr(text, "required"));
    ck_assert_ptr_nonnull(strstr(text, "Extra:"));
    free(text);
}
END_TEST

START_TEST(test_config_help_short)
{
    const char *const args[] = {"-h", NULL};
    char *text = NULL;
    ck_assert_int_eq(load_capturing(args, url_env, &text), LGX_ERR_HELP);
    ck_assert_ptr_nonnull(strstr(text, "--mode"));
    free(text);
}
END_TEST

START_TEST(test_config_help_markdown)
{
    const char *const args[] = {"--help-markdown", NULL};
    char *text = NULL;
    ck_assert_int_eq(load_capturing(args, url_env, &text), LGX_ERR_HELP);
    ck_assert_ptr_nonnull(strstr(text, "| option | environment |"));
    ck_assert_ptr_nonnull(strstr(text, "| `--port` | `LGX_PORT` | 8080 |"));
    ck_assert_ptr_nonnull(strstr(text, "`--kafka.<prop>`"));
    free(text);
}
END_TEST

START_TEST(test_config_version)
{
    /* --version wins over a bad value and a missing required option. */
    const char *const args[] = {"--port=abc", "--version", NULL};
    char *text = NULL;
    ck_assert_int_eq(load_capturing(args, NULL, &text), LGX_ERR_HELP);
    char want[512];
    lgx_version_format("lgx-test", strlen("lgx-test"), want, sizeof(want));
    size_t n = strlen(want);
    ck_assert_int_eq(strncmp(text, want, n), 0);
    ck_assert_str_eq(text + n, "\n");
    ck_assert_ptr_nonnull(strstr(text, lgx_version_release()));
    ck_assert_ptr_null(strstr(text, "unknown"));
    free(text);
}
END_TEST

START_TEST(test_config_usage_to_stream)
{
    char *data = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&data, &size);
    ck_assert_ptr_nonnull(f);
    lgx_config_usage(sections, 2, "prog", "Summary.", f);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(data, "Usage: prog"));
    ck_assert_ptr_nonnull(strstr(data, "--retry-limit"));
    ck_assert_ptr_nonnull(strstr(data, "LGX_RETRY_LIMIT"));
    /* The enum's members are listed, however they are spelled out. */
    ck_assert_ptr_nonnull(strstr(data, "safe"));
    ck_assert_ptr_nonnull(strstr(data, "off"));
    ck_assert_ptr_nonnull(strstr(data, "1..65535"));
    free(data);
}
END_TEST

/* ---- errors ---- */

START_TEST(test_config_int_not_a_number)
{
    const char *const args[] = {"--port=abc", NULL};
    ck_assert_int_eq(load(args, url_env), LGX_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(errstr, "--port"));
    ck_assert_ptr_nonnull(strstr(errstr, "abc"));
}
END_TEST

START_TEST(test_config_int_trailing_garbage)
{
    const char *const args[] = {"--port=80x", NULL};
    ck_assert_int_eq(load(args, url_env), LGX_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(errstr, "--port"));
}
END_TEST

START_TEST(test_config_int_empty)
{
    const char *const args[] = {"--port=", NULL};
    ck_assert_int_eq(load(args, url_env), LGX_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(errstr, "--port"));
}
END_TEST

START_TEST(test_config_int_overflow)
{
    const char *const args[] = {"--port=99999999999999999999999", NULL};
    ck_assert_int_eq(load(args, url_env), LGX_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(errstr, "--port"));
}
END_TEST

START_TEST(test_config_int_range_argv)
{
    const char *const low[] = {"--port=0", NULL};
    ck_assert_int_eq(load(low, url_env), LGX_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(errstr, "--port"));
    ck_assert_ptr_nonnull(strstr(errstr, "1..65535"));
    lgx_config_free(sections, 2);
    free_copies();

    const char *const high[] = {"--port=65536", NULL};
    ck_assert_int_eq(load(high, url_env), LGX_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(errstr, "--port"));
    ck_assert_ptr_nonnull(strstr(errstr, "65536"));
}
END_TEST

START_TEST(test_config_int_range_env_names_variable)
{
    const char *const env[] = {"LGX_URL=u", "LGX_PORT=70000", NULL};
    ck_assert_int_eq(load(NULL, env), LGX_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(errstr, "--port"));
    ck_assert_ptr_nonnull(strstr(errstr, "LGX_PORT"));
}
END_TEST

START_TEST(test_config_enum_error)
{
    const char *const args[] = {"--mode=slow", NULL};
    ck_assert_int_eq(load(args, url_env), LGX_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(errstr, "--mode"));
    ck_assert_ptr_nonnull(strstr(errstr, "slow"));
    ck_assert_ptr_nonnull(strstr(errstr, "fast|safe|off"));
}
END_TEST

START_TEST(test_config_enum_no_prefix_match)
{
    /* "fas" and "fast|" are not members: whole names only. */
    const char *const a1[] = {"--mode=fas", NULL};
    ck_assert_int_eq(load(a1, url_env), LGX_ERR_INVALID);
    lgx_config_free(sections, 2);
    free_copies();
    const char *const a2[] = {"--mode=", NULL};
    ck_assert_int_eq(load(a2, url_env), LGX_ERR_INVALID);
    lgx_config_free(sections, 2);
    free_copies();
    const char *const a3[] = {"--mode=safe|off", NULL};
    ck_assert_int_eq(load(a3, url_env), LGX_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(errstr, "--mode"));
}
END_TEST

START_TEST(test_config_enum_error_from_env)
{
    const char *const env[] = {"LGX_URL=u", "LGX_MODE=turbo", NULL};
    ck_assert_int_eq(load(NULL, env), LGX_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(errstr, "--mode"));
    ck_assert_ptr_nonnull(strstr(errstr, "LGX_MODE"));
}
END_TEST

START_TEST(test_config_bool_error)
{
    const char *const args[] = {"--verbose=maybe", NULL};
    ck_assert_int_eq(load(args, url_env), LGX_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(errstr, "--verbose"));
    ck_assert_ptr_nonnull(strstr(errstr, "maybe"));
}
END_TEST

START_TEST(test_config_required_missing)
{
    ck_assert_int_eq(load(NULL, NULL), LGX_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(errstr, "--url"));
    ck_assert_ptr_nonnull(strstr(errstr, "LGX_URL"));
    ck_assert_ptr_nonnull(strstr(errstr, "required"));
}
END_TEST

START_TEST(test_config_unknown_option)
{
    const char *const args[] = {"--nope=1", NULL};
    ck_assert_int_eq(load(args, url_env), LGX_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(errstr, "--nope"));
}
END_TEST

START_TEST(test_config_option_prefix_not_accepted)
{
    /* "--por" is not --port, "--portx" is not either. */
    const char *const a1[] = {"--por=1", NULL};
    ck_assert_int_eq(load(a1, url_env), LGX_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(errstr, "--por"));
    lgx_config_free(sections, 2);
    free_copies();
    const char *const a2[] = {"--portx=1", NULL};
    ck_assert_int_eq(load(a2, url_env), LGX_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(errstr, "--portx"));
}
END_TEST

START_TEST(test_config_props_need_a_property)
{
    const char *const a1[] = {"--kafka=SSL", NULL};
    ck_assert_int_eq(load(a1, url_env), LGX_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(errstr, "--kafka"));
    lgx_config_free(sections, 2);
    free_copies();
    const char *const a2[] = {"--kafka.=SSL", NULL};
    ck_assert_int_eq(load(a2, url_env), LGX_ERR_INVALID);
}
END_TEST

START_TEST(test_config_positional_argument)
{
    const char *const args[] = {"stray", NULL};
    ck_assert_int_eq(load(args, url_env), LGX_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(errstr, "stray"));
}
END_TEST

START_TEST(test_config_missing_value)
{
    const char *const args[] = {"--port", NULL};
    ck_assert_int_eq(load(args, url_env), LGX_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(errstr, "--port"));
}
END_TEST

/* ---- limits ---- */

START_TEST(test_config_int_range_bounds_inclusive)
{
    const char *const args[] = {"--port=65535", "--offset=-5",
                                "--retry-limit=100", NULL};
    ck_assert_int_eq(load(args, url_env), LGX_OK);
    ck_assert_int_eq(mc.port, 65535);
    ck_assert_int_eq(mc.offset, -5);
    ck_assert_int_eq(xc.retry_limit, 100);
    lgx_config_free(sections, 2);
    free_copies();

    const char *const low[] = {"--port=1", "--offset=5", NULL};
    ck_assert_int_eq(load(low, url_env), LGX_OK);
    ck_assert_int_eq(mc.port, 1);
    ck_assert_int_eq(mc.offset, 5);
}
END_TEST

START_TEST(test_config_negative_range)
{
    const char *const args[] = {"--offset=-6", NULL};
    ck_assert_int_eq(load(args, url_env), LGX_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(errstr, "--offset"));
    ck_assert_ptr_nonnull(strstr(errstr, "-5..5"));
}
END_TEST

START_TEST(test_config_env_name_truncates)
{
    char small[6];
    lgx_config_env_name("odoo-url", small, sizeof(small));
    ck_assert_str_eq(small, "LGX_O");
    char tiny[3] = "xx";
    lgx_config_env_name("odoo-url", tiny, sizeof(tiny));
    ck_assert_str_eq(tiny, "");
    char none[1] = {'z'};
    lgx_config_env_name("odoo-url", none, 0);
    ck_assert_int_eq(none[0], 'z');
}
END_TEST

START_TEST(test_config_free_twice_safe)
{
    const char *const args[] = {"--kafka.a=1", NULL};
    ck_assert_int_eq(load(args, url_env), LGX_OK);
    lgx_config_free(sections, 2);
    ck_assert_ptr_null(mc.url);
    ck_assert_ptr_null(mc.kafka);
    ck_assert_ptr_null(mc.mode);
    /* The teardown frees again: it must be harmless. */
}
END_TEST

static const lgx_opt_t clash_opts[] = {
    {"kafka", LGX_OPT_PROPS, NULL, M(kafka), "librdkafka property", NULL, 0},
    {"kafka-timeout-ms", LGX_OPT_INT, "100", M(port), "Timeout", NULL, 0},
    LGX_OPT_END};

START_TEST(test_config_env_option_not_taken_as_prop)
{
    /* Known bug: LGX_KAFKA_TIMEOUT_MS is the variable of option
     * kafka-timeout-ms, but apply_env also takes it as the property
     * "timeout.ms" of the props option "kafka", which librdkafka then
     * refuses. */
    lgx_config_section_t sec = {"Clash", clash_opts, &mc};
    char *env[] = {NULL, NULL};
    env[0] = strdup("LGX_KAFKA_TIMEOUT_MS=250");
    ck_assert_ptr_nonnull(env[0]);
    lgx_err_t err = lgx_config_load(&sec, 1, "p", "s", 1, argv_copy, env,
                                    errstr, sizeof(errstr));
    ck_assert_int_eq(err, LGX_OK);
    ck_assert_int_eq(mc.port, 250);
    ck_assert_ptr_null(mc.kafka);
    lgx_config_free(&sec, 1);
    free(env[0]);
}
END_TEST

static const lgx_opt_t props_only_opts[] = {
    {"kafka", LGX_OPT_PROPS, NULL, M(kafka), "librdkafka property", NULL, 0},
    LGX_OPT_END};
static const lgx_opt_t timeout_only_opts[] = {
    {"kafka-timeout-ms", LGX_OPT_INT, "100", M(port), "Timeout", NULL, 0},
    LGX_OPT_END};

START_TEST(test_config_env_option_of_another_section_not_taken_as_prop)
{
    /* LGX_KAFKA_PASSWORD_FILE is --kafka-password-file's variable, an
     * option of another section than --kafka.<prop>: it was taken as the
     * librdkafka setting "password.file" as well. */
    lgx_config_section_t secs[] = {{"Kafka", props_only_opts, &mc},
                                   {"Other", timeout_only_opts, &mc}};
    char *env[] = {NULL, NULL, NULL};
    env[0] = strdup("LGX_KAFKA_TIMEOUT_MS=250");
    env[1] = strdup("LGX_KAFKA_CLIENT_ID=x");
    ck_assert_ptr_nonnull(env[0]);
    ck_assert_ptr_nonnull(env[1]);
    lgx_err_t err = lgx_config_load(secs, 2, "p", "s", 1, argv_copy, env,
                                    errstr, sizeof(errstr));
    ck_assert_int_eq(err, LGX_OK);
    ck_assert_int_eq(mc.port, 250);
    ck_assert_ptr_nonnull(mc.kafka);
    ck_assert_str_eq(mc.kafka[0], "client.id");
    ck_assert_ptr_null(mc.kafka[2]);
    lgx_config_free(secs, 2);
    free(env[0]);
    free(env[1]);
}
END_TEST

Suite *config_suite(void)
{
    Suite *s = suite_create("config");

    TCase *tc_core = tcase_create("core");
    tcase_add_checked_fixture(tc_core, setup, teardown);
    tcase_add_test(tc_core, test_config_defaults);
    tcase_add_test(tc_core, test_config_env_beats_default);
    tcase_add_test(tc_core, test_config_argv_beats_env);
    tcase_add_test(tc_core, test_config_space_separated_value);
    tcase_add_test(tc_core, test_config_bool_flag_without_value);
    tcase_add_test(tc_core, test_config_bool_spellings);
    tcase_add_test(tc_core, test_config_props_from_argv);
    tcase_add_test(tc_core, test_config_props_from_env);
    tcase_add_test(tc_core, test_config_props_env_then_argv);
    tcase_add_test(tc_core, test_config_option_in_second_section);
    tcase_add_test(tc_core, test_config_env_name);
    tcase_add_test(tc_core, test_config_env_exact_name_only);
    tcase_add_test(tc_core, test_config_values_with_equals);
    tcase_add_test(tc_core, test_config_null_envp);
    tcase_add_test(tc_core, test_config_repeated_option_last_wins);
    suite_add_tcase(s, tc_core);

    TCase *tc_help = tcase_create("help");
    tcase_add_checked_fixture(tc_help, setup, teardown);
    tcase_add_test(tc_help, test_config_help);
    tcase_add_test(tc_help, test_config_help_short);
    tcase_add_test(tc_help, test_config_help_markdown);
    tcase_add_test(tc_help, test_config_version);
    tcase_add_test(tc_help, test_config_usage_to_stream);
    suite_add_tcase(s, tc_help);

    TCase *tc_errors = tcase_create("errors");
    tcase_add_checked_fixture(tc_errors, setup, teardown);
    tcase_add_test(tc_errors, test_config_int_not_a_number);
    tcase_add_test(tc_errors, test_config_int_trailing_garbage);
    tcase_add_test(tc_errors, test_config_int_empty);
    tcase_add_test(tc_errors, test_config_int_overflow);
    tcase_add_test(tc_errors, test_config_int_range_argv);
    tcase_add_test(tc_errors, test_config_int_range_env_names_variable);
    tcase_add_test(tc_errors, test_config_enum_error);
    tcase_add_test(tc_errors, test_config_enum_no_prefix_match);
    tcase_add_test(tc_errors, test_config_enum_error_from_env);
    tcase_add_test(tc_errors, test_config_bool_error);
    tcase_add_test(tc_errors, test_config_required_missing);
    tcase_add_test(tc_errors, test_config_unknown_option);
    tcase_add_test(tc_errors, test_config_option_prefix_not_accepted);
    tcase_add_test(tc_errors, test_config_props_need_a_property);
    tcase_add_test(tc_errors, test_config_positional_argument);
    tcase_add_test(tc_errors, test_config_missing_value);
    suite_add_tcase(s, tc_errors);

    TCase *tc_limits = tcase_create("limits");
    tcase_add_checked_fixture(tc_limits, setup, teardown);
    tcase_add_test(tc_limits, test_config_int_range_bounds_inclusive);
    tcase_add_test(tc_limits, test_config_negative_range);
    tcase_add_test(tc_limits, test_config_env_name_truncates);
    tcase_add_test(tc_limits, test_config_free_twice_safe);
    tcase_add_test(tc_limits, test_config_env_option_not_taken_as_prop);
    tcase_add_test(tc_limits,
                   test_config_env_option_of_another_section_not_taken_as_prop);
    suite_add_tcase(s, tc_limits);

    return s;
}
