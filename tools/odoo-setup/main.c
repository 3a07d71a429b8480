/*
 * lgx-odoo-setup: creates in Odoo, through the API and idempotently, the
 * custom models and fields lgx needs (x_ names, as Odoo Studio would), and
 * checks the standard ones. --check only lists what is missing.
 *
 * Exit codes: 0 everything is there (or was created), 1 something is
 * missing (--check) or cannot be created, 2 bad configuration or Odoo
 * unreachable.
 */
#include <stdio.h>
#include <string.h>

#include "lgx_buf.h"
#include "lgx_config.h"
#include "lgx_log.h"
#include "lgx_odoo.h"
#include "lgx_setup.h"

typedef struct setup_conf {
    bool check;
    bool describe;
    char *log_level;
} setup_conf_t;

static const lgx_opt_t setup_opts[] = {
    {"check", LGX_OPT_BOOL, "false", offsetof(setup_conf_t, check),
     "Only list what is missing; change nothing", NULL, 0},
    {"describe", LGX_OPT_BOOL, "false", offsetof(setup_conf_t, describe),
     "Print the table of what lgx needs (Markdown) and exit", NULL, 0},
    {"log-level", LGX_OPT_ENUM, "info", offsetof(setup_conf_t, log_level),
     "Log level", "debug|info|warn|error", 0},
    LGX_OPT_END};

static int run(const setup_conf_t *sc, lgx_odoo_t *odoo, lgx_log_t *log)
{
    lgx_odoo_error_t err;
    lgx_err_t rc = lgx_odoo_connect(odoo, &err);
    if (rc != LGX_OK) {
        LGX_ERROR(log, "cannot use Odoo: %s: %s", err.name, err.message);
        return 2;
    }
    if (!sc->check) {
        size_t created = 0, impossible = 0;
        rc = lgx_setup_apply(odoo, NULL, log, &created, &impossible, &err);
        if (rc != LGX_OK) {
            LGX_ERROR(log, "set-up failed: %s: %s", err.name, err.message);
            return 1;
        }
        printf("created %zu item(s)\n", created);
        if (impossible) {
            return 1;
        }
    }
    lgx_buf_t *missing = lgx_buf_new();
    size_t n = 0;
    rc = missing ? lgx_setup_check(odoo, NULL, missing, &n, &err)
                 : LGX_ERR_NOMEM;
    if (rc != LGX_OK) {
        LGX_ERROR(log, "check failed: %s: %s", err.name, err.message);
        lgx_buf_destroy(missing);
        return 2;
    }
    if (n) {
        printf("missing %zu item(s):\n%s", n, lgx_buf_data(missing));
    } else {
        printf("Odoo %d has everything lgx needs\n", lgx_odoo_version(odoo));
    }
    lgx_buf_destroy(missing);
    return n ? 1 : 0;
}

extern char **environ;

int main(int argc, char **argv)
{
    setup_conf_t sc;
    lgx_odoo_conf_t oc;
    memset(&sc, 0, sizeof(sc));
    memset(&oc, 0, sizeof(oc));
    lgx_config_section_t sections[] = {{"Odoo", lgx_odoo_opts, &oc},
                                       {"lgx-odoo-setup", setup_opts, &sc}};
    char errstr[512];
    int code = 2;
    lgx_log_t *log = NULL;
    lgx_odoo_t *odoo = NULL;
    lgx_err_t rc = lgx_config_load(
        sections, 2, "lgx-odoo-setup",
        "Creates (idempotently) the custom fields and models lgx needs in "
        "Odoo, as Odoo Studio would; --check lists what is missing.",
        argc, argv, environ, errstr, sizeof(errstr));
    lgx_log_level_t level = LGX_LOG_INFO;
    if (rc == LGX_ERR_HELP) {
        code = 0;
    } else if (rc == LGX_OK && sc.describe) {
        lgx_buf_t *b = lgx_buf_new();
        if (b) {
            lgx_setup_describe(b);
            fputs(lgx_buf_data(b), stdout);
            code = 0;
        }
        lgx_buf_destroy(b);
    } else if (rc != LGX_OK ||
               lgx_log_level_parse(sc.log_level, &level) != LGX_OK) {
        fprintf(stderr, "lgx-odoo-setup: %s\n", errstr);
    } else if (!(log = lgx_log_new("lgx-odoo-setup", level, stderr)) ||
               !(odoo = lgx_odoo_new(&oc, log, errstr, sizeof(errstr)))) {
        fprintf(stderr, "lgx-odoo-setup: %s\n", errstr);
    } else {
        code = run(&sc, odoo, log);
    }
    lgx_odoo_destroy(odoo);
    lgx_log_destroy(log);
    lgx_config_free(sections, 2);
    return code;
}
