#include "lgx_kafka.h"

#include <stdio.h>

static void on_log(const rd_kafka_t *rk, int level, const char *fac,
                   const char *buf)
{
    lgx_kafka_owner_t *owner = rd_kafka_opaque(rk);
    if (!owner || !owner->log) {
        return;
    }
    /* syslog levels: 0-3 error, 4 warning, 5-6 info, 7 debug */
    lgx_log_level_t l = level <= 3   ? LGX_LOG_ERROR
                        : level == 4 ? LGX_LOG_WARN
                        : level <= 6 ? LGX_LOG_INFO
                                     : LGX_LOG_DEBUG;
    lgx_log_write(owner->log, l, NULL, "kafka %s %s: %s", rd_kafka_name(rk),
                  fac, buf);
}

lgx_err_t lgx_kafka_conf_set(rd_kafka_conf_t *conf, const char *name,
                             const char *value, char *errstr, size_t size)
{
    char rderr[256];
    if (rd_kafka_conf_set(conf, name, value, rderr, sizeof(rderr)) !=
        RD_KAFKA_CONF_OK) {
        snprintf(errstr, size, "Kafka setting %s: %s", name, rderr);
        return LGX_ERR_INVALID;
    }
    return LGX_OK;
}

rd_kafka_conf_t *lgx_kafka_conf_new(const char *brokers, char **props,
                                    lgx_kafka_owner_t *owner, char *errstr,
                                    size_t size)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (!conf) {
        snprintf(errstr, size, "out of memory");
        return NULL;
    }
    lgx_err_t err =
        lgx_kafka_conf_set(conf, "bootstrap.servers", brokers, errstr, size);
    for (char **p = props; err == LGX_OK && p && p[0] && p[1]; p += 2) {
        err = lgx_kafka_conf_set(conf, p[0], p[1], errstr, size);
    }
    if (err != LGX_OK) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_conf_set_log_cb(conf, on_log);
    rd_kafka_conf_set_opaque(conf, owner);
    return conf;
}

bool lgx_kafka_header(const rd_kafka_message_t *msg, const char *name,
                      const char **value, size_t *len)
{
    rd_kafka_headers_t *hdrs = NULL;
    if (rd_kafka_message_headers(msg, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return false;
    }
    const void *v = NULL;
    size_t l = 0;
    if (rd_kafka_header_get_last(hdrs, name, &v, &l) !=
            RD_KAFKA_RESP_ERR_NO_ERROR ||
        !v) {
        return false;
    }
    *value = v;
    *len = l;
    return true;
}
