#include "lgx_dlq.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lgx_kafka.h"

struct lgx_dlq_s {
    lgx_kafka_owner_t owner; /* first: the log callback finds it */
    rd_kafka_t *rk;
    char *program;
};

/* Delivery status of one send, written by the delivery callback. */
typedef struct delivery {
    int done;
    rd_kafka_resp_err_t err;
} delivery_t;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m,
                        void *opaque)
{
    (void)rk;
    (void)opaque;
    delivery_t *d = m->_private;
    if (d) {
        d->err = m->err;
        d->done = 1;
    }
}

lgx_dlq_t *lgx_dlq_new(const char *brokers, char **props, const char *program,
                       lgx_log_t *log, char *errstr, size_t size)
{
    lgx_dlq_t *d = calloc(1, sizeof(*d));
    if (!d) {
        snprintf(errstr, size, "out of memory");
        return NULL;
    }
    d->owner.log = log;
    d->program = strdup(program);
    rd_kafka_conf_t *conf =
        lgx_kafka_conf_new(brokers, props, &d->owner, errstr, size);
    if (!conf || !d->program ||
        lgx_kafka_conf_set(conf, "enable.idempotence", "true", errstr, size) !=
            LGX_OK ||
        lgx_kafka_conf_set(conf, "client.id", program, errstr, size) !=
            LGX_OK ||
        /* Bounds how long a send can wait for its acknowledgement. */
        lgx_kafka_conf_set(conf, "message.timeout.ms", "30000", errstr, size) !=
            LGX_OK) {
        goto fail;
    }
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    char rderr[256];
    d->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, rderr, sizeof(rderr));
    if (!d->rk) {
        snprintf(errstr, size, "dead-letter producer: %s", rderr);
        goto fail;
    }
    return d;
fail:
    if (conf && !d->rk) {
        rd_kafka_conf_destroy(conf);
    }
    lgx_dlq_destroy(d);
    return NULL;
}

void lgx_dlq_destroy(lgx_dlq_t *d)
{
    if (!d) {
        return;
    }
    if (d->rk) {
        rd_kafka_flush(d->rk, 5000);
        rd_kafka_destroy(d->rk);
    }
    free(d->program);
    free(d);
}

static void add_hdr(rd_kafka_headers_t *h, const char *name, const char *v)
{
    char full[64];
    snprintf(full, sizeof(full), LGX_DLQ_HDR_PREFIX "%s", name);
    rd_kafka_header_add(h, full, -1, v ? v : "", -1);
}

static void add_hdr_num(rd_kafka_headers_t *h, const char *name, long long v)
{
    char num[32];
    snprintf(num, sizeof(num), "%lld", v);
    add_hdr(h, name, num);
}

static rd_kafka_headers_t *build_headers(const lgx_dlq_t *d,
                                         const rd_kafka_message_t *orig,
                                         const lgx_dlq_reason_t *r)
{
    rd_kafka_headers_t *src = NULL;
    rd_kafka_headers_t *h;
    if (rd_kafka_message_headers(orig, &src) == RD_KAFKA_RESP_ERR_NO_ERROR &&
        src) {
        h = rd_kafka_headers_copy(src);
    } else {
        h = rd_kafka_headers_new(10);
    }
    add_hdr(h, "topic", rd_kafka_topic_name(orig->rkt));
    add_hdr_num(h, "partition", orig->partition);
    add_hdr_num(h, "offset", orig->offset);
    add_hdr(h, "reason", r->code);
    add_hdr(h, "message", r->message);
    add_hdr(h, "program", d->program);
    add_hdr_num(h, "attempts", r->attempts);
    add_hdr_num(h, "first_failure", r->first_failure_ms);
    add_hdr_num(h, "last_failure", r->last_failure_ms);
    add_hdr(h, "correlation_id", r->correlation_id);
    return h;
}

lgx_err_t lgx_dlq_send(lgx_dlq_t *d, const char *topic,
                       const rd_kafka_message_t *orig,
                       const lgx_dlq_reason_t *reason, int timeout_ms)
{
    delivery_t status = {0, RD_KAFKA_RESP_ERR_NO_ERROR};
    rd_kafka_headers_t *h = build_headers(d, orig, reason);
    rd_kafka_resp_err_t err = rd_kafka_producev(
        d->rk, RD_KAFKA_V_TOPIC(topic),
        RD_KAFKA_V_KEY(orig->key, orig->key_len),
        RD_KAFKA_V_VALUE(orig->payload, orig->len),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(h),
        RD_KAFKA_V_OPAQUE(&status), RD_KAFKA_V_END);
    if (err) {
        rd_kafka_headers_destroy(h);
        lgx_log_write(d->owner.log, LGX_LOG_ERROR, NULL,
                      "dead-letter write to %s failed: %s", topic,
                      rd_kafka_err2str(err));
        return LGX_ERR_KAFKA;
    }
    /* Wait for this record's acknowledgement, serving callbacks. */
    for (int waited = 0; !status.done && waited < timeout_ms; waited += 50) {
        rd_kafka_poll(d->rk, 50);
    }
    if (!status.done) {
        /* The record may still be delivered later; status lives on our
         * stack, so wait it out rather than leave a dangling pointer. */
        rd_kafka_flush(d->rk, -1);
    }
    if (status.err) {
        lgx_log_write(d->owner.log, LGX_LOG_ERROR, NULL,
                      "dead-letter write to %s failed: %s", topic,
                      rd_kafka_err2str(status.err));
        return LGX_ERR_KAFKA;
    }
    return status.done ? LGX_OK : LGX_ERR_KAFKA;
}
