#include "lgx_log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lgx_buf.h"

struct lgx_log_s {
    char *program;
    lgx_log_level_t level;
    FILE *out;
    pthread_mutex_t lock;
};

static const char *level_names[] = {"debug", "info", "warn", "error"};

lgx_log_t *lgx_log_new(const char *program, lgx_log_level_t level, FILE *out)
{
    lgx_log_t *log = calloc(1, sizeof(*log));
    if (!log) {
        return NULL;
    }
    log->program = strdup(program);
    if (!log->program) {
        free(log);
        return NULL;
    }
    log->level = level;
    log->out = out;
    pthread_mutex_init(&log->lock, NULL);
    return log;
}

void lgx_log_destroy(lgx_log_t *log)
{
    if (!log) {
        return;
    }
    pthread_mutex_destroy(&log->lock);
    free(log->program);
    free(log);
}

bool lgx_log_enabled(const lgx_log_t *log, lgx_log_level_t level)
{
    return log && level >= log->level;
}

void lgx_log_set_level(lgx_log_t *log, lgx_log_level_t level)
{
    log->level = level;
}

lgx_err_t lgx_log_level_parse(const char *s, lgx_log_level_t *out)
{
    for (int i = 0; i < 4; i++) {
        if (strcmp(s, level_names[i]) == 0) {
            *out = (lgx_log_level_t)i;
            return LGX_OK;
        }
    }
    return LGX_ERR_INVALID;
}

static lgx_err_t put_str_member(lgx_buf_t *b, const char *name,
                                const char *value)
{
    if (!value) {
        return LGX_OK;
    }
    lgx_err_t err = lgx_buf_printf(b, ",\"%s\":", name);
    if (err == LGX_OK) {
        err = lgx_buf_json_str(b, value, strlen(value));
    }
    return err;
}

static lgx_err_t put_fields(lgx_buf_t *b, const lgx_log_fields_t *f)
{
    lgx_err_t err = put_str_member(b, "topic", f->topic);
    if (err == LGX_OK && f->partition >= 0) {
        err = lgx_buf_printf(b, ",\"partition\":%d", (int)f->partition);
    }
    if (err == LGX_OK && f->offset >= 0) {
        err = lgx_buf_printf(b, ",\"offset\":%lld", (long long)f->offset);
    }
    if (err == LGX_OK) {
        err = put_str_member(b, "key", f->key);
    }
    if (err == LGX_OK) {
        err = put_str_member(b, "event_id", f->event_id);
    }
    if (err == LGX_OK) {
        err = put_str_member(b, "correlation_id", f->correlation_id);
    }
    if (err == LGX_OK) {
        err = put_str_member(b, "outcome", f->outcome);
    }
    if (err == LGX_OK) {
        err = put_str_member(b, "reason", f->reason);
    }
    return err;
}

static void log_vwrite(lgx_log_t *log, lgx_log_level_t level,
                       const lgx_log_fields_t *fields, const char *extra,
                       const char *fmt, va_list ap)
{
    char msg[2048];
    char ts[40];
    struct timespec now;
    struct tm tm;

    vsnprintf(msg, sizeof(msg), fmt, ap);
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);

    lgx_buf_t *b = lgx_buf_new();
    if (!b) {
        return;
    }
    lgx_err_t err =
        lgx_buf_printf(b, "{\"ts\":\"%s.%03ldZ\",\"level\":\"%s\"", ts,
                       now.tv_nsec / 1000000L, level_names[level]);
    if (err == LGX_OK) {
        err = put_str_member(b, "program", log->program);
    }
    if (err == LGX_OK) {
        err = put_str_member(b, "msg", msg);
    }
    if (err == LGX_OK && fields) {
        err = put_fields(b, fields);
    }
    if (err == LGX_OK && extra && extra[0]) {
        err = lgx_buf_printf(b, ",%s", extra);
    }
    if (err == LGX_OK) {
        err = lgx_buf_puts(b, "}\n");
    }
    if (err == LGX_OK) {
        pthread_mutex_lock(&log->lock);
        fwrite(lgx_buf_data(b), 1, lgx_buf_len(b), log->out);
        fflush(log->out);
        pthread_mutex_unlock(&log->lock);
    }
    lgx_buf_destroy(b);
}

void lgx_log_write(lgx_log_t *log, lgx_log_level_t level,
                   const lgx_log_fields_t *fields, const char *fmt, ...)
{
    if (!lgx_log_enabled(log, level)) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    log_vwrite(log, level, fields, NULL, fmt, ap);
    va_end(ap);
}

void lgx_log_write_extra(lgx_log_t *log, lgx_log_level_t level,
                         const lgx_log_fields_t *fields, const char *extra_json,
                         const char *fmt, ...)
{
    if (!lgx_log_enabled(log, level)) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    log_vwrite(log, level, fields, extra_json, fmt, ap);
    va_end(ap);
}
