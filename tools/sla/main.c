/*
 * lgx-sla: watches shipment SLAs in Odoo. Every --sla-interval-s it asks
 * Odoo for the pickings in breach (sla.h, sla_plan.h): booked but not
 * dispatched, dispatched without a carrier milestone, delivered by the
 * carrier's word without a proof of delivery, each after its threshold in
 * hours. A picking newly in breach gets one warning log line, counts in
 * lgx_sla_breaches_detected_total and, with --sla-activity, gets a To-Do
 * activity in Odoo; lgx_sla_breaches is the number in breach now. It
 * serves /metrics, /healthz and /readyz (ready when the last poll
 * succeeded) like the consumers. --once polls once and exits.
 *
 * It keeps nothing but the pickings already reported (in memory, rebuilt
 * by the first poll): after a restart the pickings then in breach are
 * logged and counted once more; their activities are not made twice.
 *
 * Exit codes: 0 stopped by SIGTERM/SIGINT, or --once and the poll
 * succeeded; 1 Odoo refused the credentials, lacks a field, or the --once
 * poll failed; 2 bad configuration.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lgx_activity.h"
#include "lgx_buf.h"
#include "lgx_config.h"
#include "lgx_http.h"
#include "lgx_log.h"
#include "lgx_metrics.h"
#include "lgx_odoo.h"
#include "lgx_setup.h"
#include "lgx_time.h"
#include "lgx_version.h"
#include "sla.h"
#include "sla_plan.h"

#define PROGRAM "lgx-sla"

typedef struct sla_conf {
    long interval_s;
    char *hours[SLA_KINDS]; /* by sla_kind_t */
    long limit;
    bool activity;
    bool once;
    char *http_address;
    long http_port;
    char *log_level;
    lgx_activity_conf_t act;
} sla_conf_t;

#define OFF(f) offsetof(sla_conf_t, f)

static const lgx_opt_t sla_opts[] = {
    {"sla-interval-s", LGX_OPT_INT, "300", OFF(interval_s),
     "Seconds between two polls of Odoo", "1..86400", 0},
    {"sla-booked-not-dispatched-h", LGX_OPT_STR, "24",
     OFF(hours[SLA_BOOKED_NOT_DISPATCHED]),
     "Hours a shipment may stay booked (or labelled) without being "
     "dispatched, from its booking; fractions allowed, 0: not watched",
     NULL, 0},
    {"sla-dispatched-no-milestone-h", LGX_OPT_STR, "48",
     OFF(hours[SLA_DISPATCHED_NO_MILESTONE]),
     "Hours a dispatched shipment may go without a carrier milestone, from "
     "the last milestone or the dispatch; fractions allowed, 0: not watched",
     NULL, 0},
    {"sla-delivered-no-pod-h", LGX_OPT_STR, "24",
     OFF(hours[SLA_DELIVERED_NO_POD]),
     "Hours a shipment the carrier reported DELIVERED may wait for its proof "
     "of delivery; fractions allowed, 0: not watched",
     NULL, 0},
    {"sla-limit", LGX_OPT_INT, "1000", OFF(limit),
     "Most pickings in breach read per kind and poll, the newest breaches "
     "first (lgx_sla_breaches still counts them all)",
     "1..100000", 0},
    {"sla-activity", LGX_OPT_BOOL, "false", OFF(activity),
     "Schedule a To-Do activity on each picking in breach (one open activity "
     "per picking and kind, whatever the restarts)",
     NULL, 0},
    LGX_ACTIVITY_OPTS(sla_conf_t, act),
    {"once", LGX_OPT_BOOL, "false", OFF(once),
     "Poll once, log the summary and exit (cron jobs, tests); no HTTP "
     "endpoint",
     NULL, 0},
    {"http-address", LGX_OPT_STR, "0.0.0.0", OFF(http_address),
     "Address of the /metrics, /healthz and /readyz endpoint", NULL, 0},
    {"http-port", LGX_OPT_INT, "9464", OFF(http_port),
     "Port of that endpoint (0: a free one, logged; -1: none)", "-1..65535", 0},
    {"log-level", LGX_OPT_ENUM, "info", OFF(log_level), "Log level",
     "debug|info|warn|error", 0},
    LGX_OPT_END};

/* What lgx-sla reads in Odoo (lgx_setup.h), checked at start. */
static const char *const requires[] = {"stock.picking.name",
                                       "stock.picking.state",
                                       "stock.picking.x_lgx_shipment_ref",
                                       "stock.picking.x_lgx_shipment_status",
                                       "stock.picking.x_lgx_milestone",
                                       "stock.picking.x_lgx_milestone_at",
                                       "stock.picking.x_lgx_delivered_at",
                                       "stock.picking.x_lgx_booked_at",
                                       "stock.picking.x_lgx_dispatched_at",
                                       NULL};

/* Set by the signal handler, read by the loop. */
static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t reload_requested;

static void on_signal(int sig)
{
    if (sig == SIGHUP) {
        reload_requested = 1;
    } else {
        stop_requested = 1;
    }
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Odoo call metrics, as the consumers have them. */
static void on_odoo_call(void *opaque, const char *model, const char *method,
                         double seconds, lgx_err_t result)
{
    lgx_metrics_t *m = opaque;
    char labels[256];
    lgx_metrics_labels(labels, sizeof(labels), "model", model, "method", method,
                       (const char *)NULL);
    lgx_metrics_observe(m, "lgx_odoo_call_duration_seconds", labels, seconds);
    lgx_metrics_labels(labels, sizeof(labels), "model", model, "method", method,
                       "result", lgx_err_name(result), (const char *)NULL);
    lgx_metrics_add(m, "lgx_odoo_calls_total", labels, 1);
}

static void declare_metrics(lgx_metrics_t *m)
{
    char labels[128];
    lgx_metrics_declare(m, "lgx_odoo_calls_total", LGX_METRIC_COUNTER,
                        "Odoo calls by model, method and result");
    lgx_metrics_declare(m, "lgx_odoo_call_duration_seconds",
                        LGX_METRIC_HISTOGRAM,
                        "Odoo call latency by model and method");
    lgx_metrics_declare(m, "lgx_build_info", LGX_METRIC_GAUGE,
                        "Program and version");
    lgx_metrics_labels(labels, sizeof(labels), "program", PROGRAM, "version",
                       lgx_version_release(), (const char *)NULL);
    lgx_metrics_set(m, "lgx_build_info", labels, 1);
}

/* Odoo reachable and accepting the key; retried while Odoo cannot be
 * reached, except with --once. */
static lgx_err_t connect_odoo(lgx_odoo_t *odoo, lgx_log_t *log, bool once)
{
    lgx_odoo_error_t err;
    lgx_err_t rc;
    while ((rc = lgx_odoo_connect(odoo, &err)) != LGX_OK &&
           lgx_err_retriable(rc) && !once && !stop_requested) {
        LGX_WARN(log, "Odoo not reachable yet (%s: %s); retrying in 2 s",
                 err.name, err.message);
        sleep_ms(2000);
    }
    if (rc != LGX_OK) {
        LGX_ERROR(log, "cannot use Odoo: %s: %s", err.name, err.message);
    }
    return rc;
}

/* Refuses to run when Odoo lacks a field lgx-sla reads. */
static lgx_err_t check_setup(lgx_odoo_t *odoo, lgx_log_t *log)
{
    lgx_buf_t *missing = lgx_buf_new();
    size_t n = 0;
    lgx_odoo_error_t err;
    lgx_err_t rc = missing ? lgx_setup_check(odoo, requires, missing, &n, &err)
                           : LGX_ERR_NOMEM;
    if (rc != LGX_OK) {
        LGX_ERROR(log, "cannot check the Odoo set-up: %s",
                  rc == LGX_ERR_NOMEM ? "out of memory" : err.message);
    } else if (n) {
        LGX_ERROR(log,
                  "Odoo lacks %zu thing(s) " PROGRAM
                  " needs (run lgx-odoo-setup): %s",
                  n, lgx_buf_data(missing));
        rc = LGX_ERR_ODOO_CONFIG;
    }
    lgx_buf_destroy(missing);
    return rc;
}

/* SIGHUP: the API key file again (rotation without a restart). */
static void reload_key(lgx_odoo_t *odoo, lgx_log_t *log)
{
    char errstr[512];
    lgx_err_t rc = lgx_odoo_reload_key(odoo, errstr, sizeof(errstr));
    if (rc == LGX_OK) {
        LGX_INFO(log, "Odoo API key read again from its file");
    } else if (rc != LGX_ERR_NOT_FOUND) {
        LGX_ERROR(log, "API key not reloaded, the old one stays: %s", errstr);
    }
}

/* Polls every interval until stopped; returns the exit code. */
static int loop(const sla_conf_t *sc, sla_t *sla, lgx_odoo_t *odoo,
                lgx_log_t *log)
{
    for (;;) {
        int64_t start = lgx_time_now_ms();
        lgx_odoo_error_t err;
        lgx_err_t rc = sla_poll(sla, start, &err);
        if (rc != LGX_OK && lgx_err_fatal(rc)) {
            LGX_ERROR(log, "stopping: %s: %s", err.name, err.message);
            return 1;
        }
        if (sc->once) {
            return rc == LGX_OK ? 0 : 1;
        }
        while (!stop_requested &&
               lgx_time_now_ms() - start < sc->interval_s * 1000) {
            if (reload_requested) {
                reload_requested = 0;
                reload_key(odoo, log);
            }
            sleep_ms(100);
        }
        if (stop_requested) {
            LGX_INFO(log, "stopped");
            return 0;
        }
    }
}

static void log_watch(const sla_conf_t *sc, const double *hours, lgx_log_t *log)
{
    char what[256] = "";
    size_t len = 0;
    for (int k = 0; k < SLA_KINDS; k++) {
        int n = hours[k] > 0 ? snprintf(what + len, sizeof(what) - len,
                                        "%s%s after %g h", len ? ", " : "",
                                        sla_kind_name((sla_kind_t)k), hours[k])
                             : 0;
        len += n > 0 && (size_t)n < sizeof(what) - len ? (size_t)n : 0;
    }
    LGX_INFO(log, "watching %s; every %ld s%s%s", what, sc->interval_s,
             sc->activity ? ", with activities" : "", sc->once ? ", once" : "");
}

static int run(const sla_conf_t *sc, const double *hours, lgx_odoo_t *odoo,
               lgx_log_t *log)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    lgx_metrics_t *metrics = lgx_metrics_new();
    sla_t *sla = NULL;
    lgx_activity_t *act = NULL;
    lgx_http_t *http = NULL;
    char errstr[512];
    int code = 1;
    if (!metrics) {
        goto done;
    }
    declare_metrics(metrics);
    lgx_odoo_set_observer(odoo, on_odoo_call, metrics);
    if (connect_odoo(odoo, log, sc->once) != LGX_OK ||
        check_setup(odoo, log) != LGX_OK) {
        goto done;
    }
    if (sc->activity &&
        !(act = lgx_activity_new(&sc->act, odoo, errstr, sizeof(errstr)))) {
        LGX_ERROR(log, "configuration: %s", errstr);
        code = 2;
        goto done;
    }
    if (!(sla = sla_new(odoo, log, metrics, hours, sc->limit, act))) {
        LGX_ERROR(log, "out of memory");
        goto done;
    }
    if (!sc->once && sc->http_port >= 0) {
        http = lgx_http_start(sc->http_address, (int)sc->http_port, metrics,
                              sla_ready, sla, errstr, sizeof(errstr));
        if (!http) {
            LGX_ERROR(log, "configuration: %s", errstr);
            code = 2;
            goto done;
        }
        LGX_INFO(log, "serving /metrics, /healthz and /readyz on %s:%d",
                 sc->http_address, lgx_http_port(http));
    }
    log_watch(sc, hours, log);
    code = loop(sc, sla, odoo, log);
done:
    /* The HTTP thread reads sla and the metrics: stop it first. */
    lgx_http_stop(http);
    lgx_odoo_set_observer(odoo, NULL, NULL);
    sla_destroy(sla);
    lgx_activity_destroy(act);
    lgx_metrics_destroy(metrics);
    return code;
}

/* The thresholds in hours; false with errstr naming the option. */
static bool parse_thresholds(const sla_conf_t *sc, double *hours, char *errstr,
                             size_t size)
{
    bool any = false;
    for (int k = 0; k < SLA_KINDS; k++) {
        const char *opt = "?";
        for (const lgx_opt_t *o = sla_opts; o->name; o++) {
            opt = o->offset == OFF(hours) + (size_t)k * sizeof(char *) ? o->name
                                                                       : opt;
        }
        if (!sla_parse_hours(sc->hours[k], &hours[k])) {
            snprintf(errstr, size,
                     "option --%s: '%s' is not a number of hours from 0 to "
                     "%g",
                     opt, sc->hours[k] ? sc->hours[k] : "", SLA_MAX_HOURS);
            return false;
        }
        any = any || hours[k] > 0;
    }
    if (!any) {
        snprintf(errstr, size,
                 "every threshold (--sla-*-h) is 0: nothing to watch");
    }
    return any;
}

extern char **environ;

int main(int argc, char **argv)
{
    sla_conf_t sc;
    lgx_odoo_conf_t oc;
    memset(&sc, 0, sizeof(sc));
    memset(&oc, 0, sizeof(oc));
    lgx_config_section_t sections[] = {{"Odoo", lgx_odoo_opts, &oc},
                                       {PROGRAM, sla_opts, &sc}};
    double hours[SLA_KINDS] = {0};
    char errstr[512];
    int code = 2;
    lgx_log_t *log = NULL;
    lgx_odoo_t *odoo = NULL;
    lgx_err_t rc = lgx_config_load(
        sections, 2, PROGRAM,
        "Watches shipment SLAs in Odoo: pickings booked but not dispatched, "
        "dispatched without a carrier milestone, or delivered without a "
        "proof of delivery, each after its threshold in hours. Breaches go "
        "to the log, to Prometheus metrics and, with --sla-activity, to an "
        "activity on the picking.",
        argc, argv, environ, errstr, sizeof(errstr));
    lgx_log_level_t level = LGX_LOG_INFO;
    if (rc == LGX_ERR_HELP) {
        code = 0;
    } else if (rc != LGX_OK ||
               !parse_thresholds(&sc, hours, errstr, sizeof(errstr)) ||
               lgx_log_level_parse(sc.log_level, &level) != LGX_OK) {
        fprintf(stderr, PROGRAM ": %s\n", errstr);
    } else if (!(log = lgx_log_new(PROGRAM, level, stderr)) ||
               !(odoo = lgx_odoo_new(&oc, log, errstr, sizeof(errstr)))) {
        fprintf(stderr, PROGRAM ": %s\n", log ? errstr : "out of memory");
    } else {
        code = run(&sc, hours, odoo, log);
    }
    lgx_odoo_destroy(odoo);
    lgx_log_destroy(log);
    lgx_config_free(sections, 2);
    return code;
}
