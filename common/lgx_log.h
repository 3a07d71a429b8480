/*
 * lgx_log: JSON-lines logging, one object per line on one stream.
 *
 * Every line has ts, level, program and msg; event lines add topic,
 * partition, offset, key, event_id, correlation_id, outcome and reason.
 * The level is checked before anything is formatted. Safe to call from
 * several threads (librdkafka's log callback runs on its own threads).
 */
#ifndef LGX_LOG_H
#define LGX_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lgx_err.h"

typedef enum lgx_log_level {
    LGX_LOG_DEBUG = 0,
    LGX_LOG_INFO = 1,
    LGX_LOG_WARN = 2,
    LGX_LOG_ERROR = 3
} lgx_log_level_t;

/* The event an event line is about. Any pointer may be NULL and
 * partition/offset -1 when unknown; nothing is owned. */
typedef struct lgx_log_fields {
    const char *topic;
    int32_t partition;
    int64_t offset;
    const char *key;
    const char *event_id;
    const char *correlation_id;
    const char *outcome;
    const char *reason;
} lgx_log_fields_t;

#define LGX_LOG_FIELDS_INIT                                                    \
    {                                                                          \
        NULL, -1, -1, NULL, NULL, NULL, NULL, NULL                             \
    }

typedef struct lgx_log_s lgx_log_t;

/* Returns a logger writing to out (not closed on destroy), or NULL when
 * out of memory. program is copied. */
lgx_log_t *lgx_log_new(const char *program, lgx_log_level_t level, FILE *out);
void lgx_log_destroy(lgx_log_t *log);

bool lgx_log_enabled(const lgx_log_t *log, lgx_log_level_t level);
void lgx_log_set_level(lgx_log_t *log, lgx_log_level_t level);

/* Writes one line. fields may be NULL. Never fails visibly: a line that
 * cannot be formatted is dropped. */
void lgx_log_write(lgx_log_t *log, lgx_log_level_t level,
                   const lgx_log_fields_t *fields, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Writes one line carrying extra JSON members: extra_json is the inside
 * of an object ("\"a\":1,\"b\":\"x\"") written verbatim, or NULL. */
void lgx_log_write_extra(lgx_log_t *log, lgx_log_level_t level,
                         const lgx_log_fields_t *fields, const char *extra_json,
                         const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Parses "debug", "info", "warn" or "error". */
lgx_err_t lgx_log_level_parse(const char *s,
                              lgx_log_level_t *out) LGX_MUST_CHECK;

#define LGX_DEBUG(log, ...)                                                    \
    lgx_log_write((log), LGX_LOG_DEBUG, NULL, __VA_ARGS__)
#define LGX_INFO(log, ...) lgx_log_write((log), LGX_LOG_INFO, NULL, __VA_ARGS__)
#define LGX_WARN(log, ...) lgx_log_write((log), LGX_LOG_WARN, NULL, __VA_ARGS__)
#define LGX_ERROR(log, ...)                                                    \
    lgx_log_write((log), LGX_LOG_ERROR, NULL, __VA_ARGS__)

#endif
