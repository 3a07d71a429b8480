#include "lgx_metrics.h"

#include <dirent.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_FAMILIES 64
#define MAX_SERIES 4096
#define N_BUCKETS 14

/* Up to 60 s: past the 30 s default Odoo call timeout, so that a call
 * that times out lands in a bucket of its own. */
static const double buckets[N_BUCKETS] = {0.001, 0.0025, 0.005, 0.01, 0.025,
                                          0.05,  0.1,    0.25,  0.5,  1,
                                          2.5,   10,     30,    60};

typedef struct family {
    char *name;
    char *help;
    lgx_metric_kind_t kind;
} family_t;

typedef struct series {
    int family;
    char *labels;
    double value; /* counter/gauge value, histogram sum */
    unsigned long long count;
    unsigned long long bucket[N_BUCKETS];
} series_t;

struct lgx_metrics_s {
    pthread_mutex_t lock;
    family_t families[MAX_FAMILIES];
    int n_families;
    series_t *series;
    size_t n_series;
    unsigned long long dropped; /* updates of series past MAX_SERIES */
};

lgx_metrics_t *lgx_metrics_new(void)
{
    lgx_metrics_t *m = calloc(1, sizeof(*m));
    if (!m || !(m->series = calloc(MAX_SERIES, sizeof(*m->series)))) {
        free(m);
        return NULL;
    }
    pthread_mutex_init(&m->lock, NULL);
    return m;
}

void lgx_metrics_destroy(lgx_metrics_t *m)
{
    if (!m) {
        return;
    }
    for (int i = 0; i < m->n_families; i++) {
        free(m->families[i].name);
        free(m->families[i].help);
    }
    for (size_t i = 0; i < m->n_series; i++) {
        free(m->series[i].labels);
    }
    free(m->series);
    pthread_mutex_destroy(&m->lock);
    free(m);
}

static int family_of(const lgx_metrics_t *m, const char *name)
{
    for (int i = 0; i < m->n_families; i++) {
        if (strcmp(m->families[i].name, name) == 0) {
            return i;
        }
    }
    return -1;
}

void lgx_metrics_declare(lgx_metrics_t *m, const char *name,
                         lgx_metric_kind_t kind, const char *help)
{
    pthread_mutex_lock(&m->lock);
    if (family_of(m, name) < 0 && m->n_families < MAX_FAMILIES) {
        family_t *f = &m->families[m->n_families];
        f->name = strdup(name);
        f->help = strdup(help);
        f->kind = kind;
        if (f->name && f->help) {
            m->n_families++;
        }
    }
    pthread_mutex_unlock(&m->lock);
}

/* The series of (name, labels), created on first use; NULL when the name
 * is undeclared or the registry is full. Call with the lock held. */
static series_t *series_of(lgx_metrics_t *m, const char *name,
                           const char *labels)
{
    int f = family_of(m, name);
    if (f < 0) {
        return NULL;
    }
    labels = labels ? labels : "";
    for (size_t i = 0; i < m->n_series; i++) {
        if (m->series[i].family == f &&
            strcmp(m->series[i].labels, labels) == 0) {
            return &m->series[i];
        }
    }
    if (m->n_series >= MAX_SERIES) {
        m->dropped++;
        return NULL;
    }
    series_t *s = &m->series[m->n_series];
    memset(s, 0, sizeof(*s));
    s->family = f;
    s->labels = strdup(labels);
    if (!s->labels) {
        return NULL;
    }
    m->n_series++;
    return s;
}

void lgx_metrics_add(lgx_metrics_t *m, const char *name, const char *labels,
                     double v)
{
    pthread_mutex_lock(&m->lock);
    series_t *s = series_of(m, name, labels);
    if (s) {
        s->value += v;
    }
    pthread_mutex_unlock(&m->lock);
}

void lgx_metrics_set(lgx_metrics_t *m, const char *name, const char *labels,
                     double v)
{
    pthread_mutex_lock(&m->lock);
    series_t *s = series_of(m, name, labels);
    if (s) {
        s->value = v;
    }
    pthread_mutex_unlock(&m->lock);
}

void lgx_metrics_observe(lgx_metrics_t *m, const char *name, const char *labels,
                         double v)
{
    pthread_mutex_lock(&m->lock);
    series_t *s = series_of(m, name, labels);
    if (s) {
        s->value += v;
        s->count++;
        for (int i = 0; i < N_BUCKETS; i++) {
            if (v <= buckets[i]) {
                s->bucket[i]++;
            }
        }
    }
    pthread_mutex_unlock(&m->lock);
}

void lgx_metrics_labels(char *out, size_t size, ...)
{
    va_list ap;
    size_t n = 0;
    out[0] = '\0';
    va_start(ap, size);
    const char *k;
    while ((k = va_arg(ap, const char *)) != NULL && n + 1 < size) {
        const char *v = va_arg(ap, const char *);
        n += (size_t)snprintf(out + n, size - n, "%s%s=\"", n ? "," : "", k);
        for (const char *p = v ? v : ""; *p && n + 3 < size; p++) {
            if (*p == '"' || *p == '\\') {
                out[n++] = '\\';
                out[n++] = *p;
            } else if (*p == '\n') {
                out[n++] = '\\';
                out[n++] = 'n';
            } else {
                out[n++] = *p;
            }
        }
        if (n + 1 < size) {
            out[n++] = '"';
        }
        out[n < size ? n : size - 1] = '\0';
    }
    va_end(ap);
}

static lgx_err_t render_histogram(lgx_buf_t *out, const char *name,
                                  const series_t *s)
{
    const char *sep = s->labels[0] ? "," : "";
    lgx_err_t err = LGX_OK;
    for (int i = 0; err == LGX_OK && i < N_BUCKETS; i++) {
        err = lgx_buf_printf(out, "%s_bucket{%s%sle=\"%g\"} %llu\n", name,
                             s->labels, sep, buckets[i], s->bucket[i]);
    }
    if (err == LGX_OK) {
        err = lgx_buf_printf(out, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name,
                             s->labels, sep, s->count);
    }
    if (err == LGX_OK) {
        err = lgx_buf_printf(out, "%s_sum{%s} %.9g\n%s_count{%s} %llu\n", name,
                             s->labels, s->value, name, s->labels, s->count);
    }
    return err;
}

unsigned long long lgx_metrics_dropped(lgx_metrics_t *m)
{
    pthread_mutex_lock(&m->lock);
    unsigned long long n = m->dropped;
    pthread_mutex_unlock(&m->lock);
    return n;
}

/* The process_* metrics every Prometheus client exposes, read from
 * /proc/self when asked (left out where /proc is not there). */
static lgx_err_t render_process(lgx_buf_t *out)
{
    long tick = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
    unsigned long long utime = 0, stime = 0, start = 0, vsize = 0;
    long long rss = 0, btime = 0;
    char buf[1024];
    FILE *f = fopen("/proc/self/stat", "r");
    size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
    if (f) {
        fclose(f);
    }
    buf[n] = '\0';
    /* After the command name in parentheses: state is field 3; utime,
     * stime are 14 and 15, starttime 22, vsize 23, rss 24. */
    const char *p = strrchr(buf, ')');
    if (!p || tick <= 0 || page <= 0 ||
        sscanf(p + 2,
               "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d "
               "%*d %*d %*d %*d %llu %llu %lld",
               &utime, &stime, &start, &vsize, &rss) != 5) {
        return LGX_OK;
    }
    f = fopen("/proc/stat", "r");
    while (f && fgets(buf, sizeof(buf), f)) {
        if (sscanf(buf, "btime %lld", &btime) == 1) {
            break;
        }
    }
    if (f) {
        fclose(f);
    }
    long fds = 0;
    DIR *d = opendir("/proc/self/fd");
    for (struct dirent *e = d ? readdir(d) : NULL; e; e = readdir(d)) {
        fds += e->d_name[0] != '.';
    }
    if (d) {
        closedir(d);
        fds--; /* the directory stream's own */
    }
    return lgx_buf_printf(
        out,
        "# HELP process_cpu_seconds_total User and system CPU time spent\n"
        "# TYPE process_cpu_seconds_total counter\n"
        "process_cpu_seconds_total %.2f\n"
        "# HELP process_resident_memory_bytes Resident memory size\n"
        "# TYPE process_resident_memory_bytes gauge\n"
        "process_resident_memory_bytes %lld\n"
        "# HELP process_virtual_memory_bytes Virtual memory size\n"
        "# TYPE process_virtual_memory_bytes gauge\n"
        "process_virtual_memory_bytes %llu\n"
        "# HELP process_open_fds Open file descriptors\n"
        "# TYPE process_open_fds gauge\n"
        "process_open_fds %ld\n"
        "# HELP process_start_time_seconds Start time since the epoch\n"
        "# TYPE process_start_time_seconds gauge\n"
        "process_start_time_seconds %.2f\n",
        (double)(utime + stime) / (double)tick, rss * (long long)page, vsize,
        fds, (double)btime + (double)start / (double)tick);
}

lgx_err_t lgx_metrics_render(lgx_metrics_t *m, lgx_buf_t *out)
{
    static const char *types[] = {"counter", "gauge", "histogram"};
    lgx_err_t err = LGX_OK;
    pthread_mutex_lock(&m->lock);
    for (int f = 0; err == LGX_OK && f < m->n_families; f++) {
        const family_t *fam = &m->families[f];
        err = lgx_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", fam->name,
                             fam->help, fam->name, types[fam->kind]);
        for (size_t i = 0; err == LGX_OK && i < m->n_series; i++) {
            const series_t *s = &m->series[i];
            if (s->family != f) {
                continue;
            }
            if (fam->kind == LGX_METRIC_HISTOGRAM) {
                err = render_histogram(out, fam->name, s);
            } else if (s->labels[0]) {
                err = lgx_buf_printf(out, "%s{%s} %.17g\n", fam->name,
                                     s->labels, s->value);
            } else {
                err = lgx_buf_printf(out, "%s %.17g\n", fam->name, s->value);
            }
        }
    }
    if (err == LGX_OK) {
        err = lgx_buf_printf(
            out,
            "# HELP lgx_metrics_series_dropped_total Updates of series "
            "dropped because %d series exist already\n"
            "# TYPE lgx_metrics_series_dropped_total counter\n"
            "lgx_metrics_series_dropped_total %llu\n",
            MAX_SERIES, m->dropped);
    }
    pthread_mutex_unlock(&m->lock);
    return err == LGX_OK ? render_process(out) : err;
}

double lgx_metrics_value(lgx_metrics_t *m, const char *name, const char *labels)
{
    double v = 0;
    pthread_mutex_lock(&m->lock);
    int f = family_of(m, name);
    for (size_t i = 0; f >= 0 && i < m->n_series; i++) {
        if (m->series[i].family == f &&
            strcmp(m->series[i].labels, labels ? labels : "") == 0) {
            v = m->families[f].kind == LGX_METRIC_HISTOGRAM
                    ? (double)m->series[i].count
                    : m->series[i].value;
        }
    }
    pthread_mutex_unlock(&m->lock);
    return v;
}
