#include "lgx_dlq.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lgx_kafka.h"

#define MAX_DLQ_PARTS 256
#define SYNC_TIMEOUT_MS 10000

/* One slot of the index: a source position and where its dead letter is,
 * each packed as (partition + 1) << 44 | offset; 0 is an empty slot. */
typedef struct slot {
    uint64_t src;
    uint64_t dlq;
} slot_t;

struct lgx_dlq_s {
    lgx_kafka_owner_t owner; /* first: the log callback finds it */
    rd_kafka_t *rk;
    rd_kafka_t *reader; /* reads the dead-letter topic into the index */
    char *program;
    char group[300]; /* the reader's group: <program>.dlq-index */
    /* The index of the dead letters in dlq_topic of messages of src_topic:
     * open addressing, at most half full. */
    char *dlq_topic;
    char *src_topic;
    slot_t *slots;
    size_t cap, n, max;
    bool full_warned;
    int n_parts;
    int64_t next[MAX_DLQ_PARTS]; /* read up to, per dlq partition */
    lgx_kafka_acl_watch_t *acl;  /* or NULL */
    bool fatal_told;             /* the producer's fatal error was logged */
};

/* Delivery status of one send, written by the delivery callback. */
typedef struct delivery {
    int done;
    rd_kafka_resp_err_t err;
    int32_t partition; /* where the record went */
    int64_t offset;
} delivery_t;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m,
                        void *opaque)
{
    (void)rk;
    (void)opaque;
    delivery_t *d = m->_private;
    if (d) {
        d->err = m->err;
        d->partition = m->partition;
        d->offset = m->offset;
        d->done = 1;
    }
}

/* The reader: assigned partitions only (it joins no group and commits
 * nothing), from wherever the index stopped. */
static rd_kafka_t *reader_new(const char *brokers, char **props, lgx_dlq_t *d,
                              char *errstr, size_t size)
{
    rd_kafka_conf_t *conf =
        lgx_kafka_conf_new(brokers, props, &d->owner, errstr, size);
    if (!conf ||
        lgx_kafka_conf_set(conf, "group.id", d->group, errstr, size) !=
            LGX_OK ||
        lgx_kafka_conf_set(conf, "enable.auto.commit", "false", errstr, size) !=
            LGX_OK ||
        lgx_kafka_conf_set(conf, "enable.partition.eof", "true", errstr,
                           size) != LGX_OK ||
        lgx_kafka_conf_set(conf, "client.id", d->group, errstr, size) !=
            LGX_OK) {
        if (conf) {
            rd_kafka_conf_destroy(conf);
        }
        return NULL;
    }
    char rderr[256];
    rd_kafka_t *rk =
        rd_kafka_new(RD_KAFKA_CONSUMER, conf, rderr, sizeof(rderr));
    if (!rk) {
        snprintf(errstr, size, "dead-letter reader: %s", rderr);
        rd_kafka_conf_destroy(conf);
    }
    return rk;
}

/* What the writer asks of the brokers for topic: WRITE (writer) or READ
 * (reader), and DESCRIBE on the reader's group. */
static lgx_kafka_acl_need_t need_of(const lgx_dlq_t *d, const char *op)
{
    lgx_kafka_acl_need_t need = {op, d->dlq_topic, "DESCRIBE", d->group, true};
    return need;
}

/* err from the writer's clients: true when it is a denial (reported to
 * the watch: a denied group is MINOR, a denied topic BLOCKING). */
static bool denied(lgx_dlq_t *d, rd_kafka_resp_err_t err, const char *op,
                   const char *context)
{
    lgx_kafka_acl_need_t need = need_of(d, op);
    lgx_kafka_acl_t acl;
    if (!lgx_kafka_acl_from_error(err, &need, &acl)) {
        return false;
    }
    if (d->acl) {
        lgx_kafka_acl_watch_denied(
            d->acl, &acl,
            err == RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED
                ? LGX_KAFKA_ACL_MINOR
                : LGX_KAFKA_ACL_BLOCKING,
            context);
    }
    return err != RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED;
}

lgx_dlq_t *lgx_dlq_new(const char *brokers, char **props, const char *program,
                       size_t index_max, lgx_log_t *log, char *errstr,
                       size_t size)
{
    lgx_dlq_t *d = calloc(1, sizeof(*d));
    if (!d) {
        snprintf(errstr, size, "out of memory");
        return NULL;
    }
    d->owner.log = log;
    d->max = index_max;
    d->program = strdup(program);
    snprintf(d->group, sizeof(d->group), "%s.dlq-index", program);
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
    if (!(d->reader = reader_new(brokers, props, d, errstr, size))) {
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
    if (d->reader) {
        rd_kafka_destroy(d->reader);
    }
    free(d->slots);
    free(d->dlq_topic);
    free(d->src_topic);
    free(d->program);
    free(d);
}

void lgx_dlq_set_acl_watch(lgx_dlq_t *d, lgx_kafka_acl_watch_t *w)
{
    d->acl = w;
}

/* The producer's fatal error, if it has one: LGX_ERR_KAFKA_FATAL with
 * errstr (logged once). */
static lgx_err_t producer_fatal(lgx_dlq_t *d, char *errstr, size_t size)
{
    char reason[512];
    rd_kafka_resp_err_t err =
        rd_kafka_fatal_error(d->rk, reason, sizeof(reason));
    if (!err) {
        return LGX_OK;
    }
    lgx_kafka_acl_need_t need = need_of(d, "WRITE");
    lgx_kafka_acl_t acl;
    char what[700] = "";
    if (d->dlq_topic && lgx_kafka_acl_from_error(err, &need, &acl)) {
        lgx_kafka_acl_format(&acl,
                             d->acl ? lgx_kafka_acl_watch_principal(d->acl)
                                    : "its principal",
                             what, sizeof(what));
        /* Once: this is asked again every second and on every send. */
        if (d->acl && !d->fatal_told) {
            lgx_kafka_acl_watch_denied(d->acl, &acl, LGX_KAFKA_ACL_BLOCKING,
                                       "the dead-letter producer");
        }
    }
    snprintf(errstr, size,
             "the dead-letter producer failed for good: %s: %s%s%s; no "
             "dead letter can be written until a restart makes a new one",
             rd_kafka_err2name(err), reason, what[0] ? "; " : "", what);
    if (!d->fatal_told) {
        d->fatal_told = true;
        lgx_log_write(d->owner.log, LGX_LOG_ERROR, NULL, "%s", errstr);
    }
    return LGX_ERR_KAFKA_FATAL;
}

lgx_err_t lgx_dlq_check(lgx_dlq_t *d, char *errstr, size_t size)
{
    rd_kafka_poll(d->rk, 0);
    /* Nothing is assigned between sends: what the reader's queue holds
     * are errors (its group refused, every second without DESCRIBE). */
    rd_kafka_message_t *m;
    while ((m = rd_kafka_consumer_poll(d->reader, 0))) {
        if (m->err && !denied(d, m->err, "READ", "the dead-letter index")) {
            lgx_log_write(d->owner.log, LGX_LOG_DEBUG, NULL,
                          "dead-letter index: %s", rd_kafka_message_errstr(m));
        }
        rd_kafka_message_destroy(m);
    }
    return producer_fatal(d, errstr, size);
}

lgx_err_t lgx_dlq_sasl_password_set(lgx_dlq_t *d, const char *password,
                                    char *errstr, size_t size)
{
    lgx_err_t err = lgx_kafka_sasl_password_set(d->rk, password, errstr, size);
    return err == LGX_OK
               ? lgx_kafka_sasl_password_set(d->reader, password, errstr, size)
               : err;
}

/* ---- the index of what the dead-letter topic holds ---- */

static uint64_t pack(int32_t partition, int64_t offset)
{
    if (partition < 0 || partition >= (1 << 19) || offset < 0 ||
        offset >= ((int64_t)1 << 44)) {
        return 0; /* beyond the packing: not indexed */
    }
    return ((uint64_t)partition + 1) << 44 | (uint64_t)offset;
}

static size_t slot_of(const lgx_dlq_t *d, uint64_t key)
{
    uint64_t h = key * UINT64_C(0x9E3779B97F4A7C15);
    return (size_t)(h >> 17) & (d->cap - 1);
}

static slot_t *index_find(const lgx_dlq_t *d, uint64_t key)
{
    if (!d->cap || !key) {
        return NULL;
    }
    for (size_t i = slot_of(d, key);; i = (i + 1) & (d->cap - 1)) {
        if (d->slots[i].src == key) {
            return &d->slots[i];
        }
        if (!d->slots[i].src) {
            return NULL;
        }
    }
}

static void index_put(slot_t *slots, size_t cap, const lgx_dlq_t *d,
                      uint64_t key, uint64_t where)
{
    for (size_t i = slot_of(d, key);; i = (i + 1) & (cap - 1)) {
        if (!slots[i].src || slots[i].src == key) {
            slots[i].src = key;
            slots[i].dlq = where;
            return;
        }
    }
}

/* Records that the message at src is dead-lettered at where. */
static void index_add(lgx_dlq_t *d, uint64_t src, uint64_t where)
{
    if (!src || index_find(d, src)) {
        return;
    }
    if (d->n >= d->max) {
        if (!d->full_warned) {
            d->full_warned = true;
            lgx_log_write(d->owner.log, LGX_LOG_WARN, NULL,
                          "the index of %s is full (%zu dead letters, "
                          "--dlq-index-max): messages dead-lettered from "
                          "now on may be dead-lettered again if read again",
                          d->dlq_topic, d->n);
        }
        return;
    }
    if ((d->n + 1) * 2 > d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 1024;
        slot_t *slots = calloc(cap, sizeof(*slots));
        if (!slots) {
            return; /* not indexed: at worst written twice */
        }
        size_t old_cap = d->cap;
        d->cap = cap;
        for (size_t i = 0; i < old_cap; i++) {
            if (d->slots[i].src) {
                index_put(slots, cap, d, d->slots[i].src, d->slots[i].dlq);
            }
        }
        free(d->slots);
        d->slots = slots;
    }
    index_put(d->slots, d->cap, d, src, where);
    d->n++;
}

static int64_t header_num(const rd_kafka_message_t *m, const char *name)
{
    const char *v;
    size_t len;
    char num[32];
    if (!lgx_kafka_header(m, name, &v, &len) || len == 0 ||
        len >= sizeof(num)) {
        return -1;
    }
    memcpy(num, v, len);
    num[len] = '\0';
    char *end;
    long long n = strtoll(num, &end, 10);
    return *end ? -1 : n;
}

/* Indexes one record read from the dead-letter topic. */
static void index_record(lgx_dlq_t *d, const rd_kafka_message_t *m)
{
    const char *topic;
    size_t len;
    if (!lgx_kafka_header(m, LGX_DLQ_HDR_PREFIX "topic", &topic, &len) ||
        len != strlen(d->src_topic) || memcmp(topic, d->src_topic, len) != 0) {
        return;
    }
    int64_t partition = header_num(m, LGX_DLQ_HDR_PREFIX "partition");
    int64_t offset = header_num(m, LGX_DLQ_HDR_PREFIX "offset");
    if (partition >= 0 && partition < INT32_MAX) {
        index_add(d, pack((int32_t)partition, offset),
                  pack(m->partition, m->offset));
    }
}

/* Starts a new index when the topics change (one consumer has one pair). */
static lgx_err_t index_for(lgx_dlq_t *d, const char *dlq_topic,
                           const char *src_topic)
{
    if (d->dlq_topic && strcmp(d->dlq_topic, dlq_topic) == 0 &&
        strcmp(d->src_topic, src_topic) == 0) {
        return LGX_OK;
    }
    free(d->dlq_topic);
    free(d->src_topic);
    free(d->slots);
    d->slots = NULL;
    d->cap = d->n = 0;
    d->n_parts = 0;
    d->dlq_topic = strdup(dlq_topic);
    d->src_topic = strdup(src_topic);
    return d->dlq_topic && d->src_topic ? LGX_OK : LGX_ERR_NOMEM;
}

/* An error read while the index syncs: a denied topic ends the sync
 * (LGX_ERR_KAFKA_ACCESS, reported); anything else is logged once with its
 * reason (kept in last) and waited out (LGX_OK). */
static lgx_err_t sync_error(lgx_dlq_t *d, const rd_kafka_message_t *m,
                            char *last, size_t size)
{
    if (denied(d, m->err, "READ", "reading the dead-letter topic")) {
        return LGX_ERR_KAFKA_ACCESS;
    }
    if (m->err != RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED &&
        strcmp(last, rd_kafka_message_errstr(m)) != 0) {
        snprintf(last, size, "%s", rd_kafka_message_errstr(m));
        lgx_log_write(d->owner.log, LGX_LOG_WARN, NULL,
                      "reading %s for the dead-letter index: %s: %s",
                      d->dlq_topic, rd_kafka_err2name(m->err), last);
    }
    return LGX_OK;
}

/* Reads the dead-letter topic from where the index stopped to its end. */
static lgx_err_t index_sync(lgx_dlq_t *d, int timeout_ms)
{
    const rd_kafka_metadata_t *md = NULL;
    rd_kafka_resp_err_t terr = RD_KAFKA_RESP_ERR_NO_ERROR;
    rd_kafka_resp_err_t err =
        lgx_kafka_topic_md(d->reader, d->dlq_topic, timeout_ms, &md, &terr);
    if (err) {
        lgx_log_write(d->owner.log, LGX_LOG_ERROR, NULL,
                      "reading the partitions of %s: %s", d->dlq_topic,
                      rd_kafka_err2str(err));
        return LGX_ERR_KAFKA;
    }
    int n = terr ? 0 : md->topics[0].partition_cnt;
    rd_kafka_metadata_destroy(md);
    /* A topic denied to the reader has no partitions to read: the denial
     * stands (not cleared below), as a fetch's would. */
    if (denied(d, terr, "READ", "reading the dead-letter topic's partitions")) {
        return LGX_ERR_KAFKA_ACCESS;
    }
    n = n < MAX_DLQ_PARTS ? n : MAX_DLQ_PARTS;
    for (int p = d->n_parts; p < n; p++) {
        d->next[p] = 0;
    }
    d->n_parts = n > d->n_parts ? n : d->n_parts;

    /* Each partition from where the index stopped to its current end. */
    int64_t end[MAX_DLQ_PARTS];
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(n);
    for (int p = 0; p < n; p++) {
        int64_t lo = 0, hi = 0;
        err = rd_kafka_query_watermark_offsets(d->reader, d->dlq_topic, p, &lo,
                                               &hi, timeout_ms);
        if (err) {
            lgx_log_write(d->owner.log, LGX_LOG_ERROR, NULL,
                          "reading the end of %s [%d]: %s", d->dlq_topic, p,
                          rd_kafka_err2str(err));
            rd_kafka_topic_partition_list_destroy(l);
            return LGX_ERR_KAFKA;
        }
        end[p] = hi;
        d->next[p] = d->next[p] > lo ? d->next[p] : lo;
        if (d->next[p] < hi) {
            rd_kafka_topic_partition_list_add(l, d->dlq_topic, p)->offset =
                d->next[p];
        }
    }
    lgx_err_t rc = LGX_OK;
    int todo = l->cnt;
    bool assigned = todo > 0 && !rd_kafka_assign(d->reader, l);
    if (todo && !assigned) {
        rc = LGX_ERR_KAFKA;
        todo = 0;
    }
    rd_kafka_topic_partition_list_destroy(l);
    char last[300] = ""; /* the last fetch error */
    for (int waited = 0; todo > 0 && waited < timeout_ms && rc == LGX_OK;) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(d->reader, 100);
        if (!m) {
            waited += 100;
            continue;
        }
        int p = m->partition;
        if (m->err && m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            rc = sync_error(d, m, last, sizeof(last));
        } else if (p >= 0 && p < n && d->next[p] < end[p]) {
            if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                d->next[p] = end[p];
            } else {
                index_record(d, m);
                d->next[p] = m->offset + 1;
            }
            todo -= d->next[p] >= end[p];
        }
        rd_kafka_message_destroy(m);
    }
    if (assigned) {
        rd_kafka_assign(d->reader, NULL);
    }
    if (todo > 0 && rc == LGX_OK) {
        lgx_log_write(d->owner.log, LGX_LOG_ERROR, NULL,
                      "%s could not be read to its end within %d ms%s%s%s",
                      d->dlq_topic, timeout_ms, last[0] ? " (last error: " : "",
                      last, last[0] ? ")" : "");
        rc = LGX_ERR_KAFKA;
    }
    if (rc == LGX_OK) {
        lgx_kafka_acl_watch_clear(d->acl, "READ", "topic", d->dlq_topic);
    }
    return rc;
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

/* The outcome of one send once its delivery report came (or not). */
static lgx_err_t delivered(lgx_dlq_t *d, const char *topic,
                           const delivery_t *status, uint64_t src)
{
    char fatal[1024];
    if (producer_fatal(d, fatal, sizeof(fatal)) != LGX_OK) {
        return LGX_ERR_KAFKA_FATAL;
    }
    if (status->err &&
        denied(d, status->err, "WRITE", "the dead-letter write")) {
        return LGX_ERR_KAFKA_ACCESS;
    }
    if (status->err) {
        lgx_log_write(d->owner.log, LGX_LOG_ERROR, NULL,
                      "dead-letter write to %s failed: %s", topic,
                      rd_kafka_err2str(status->err));
        return LGX_ERR_KAFKA;
    }
    if (!status->done) {
        return LGX_ERR_KAFKA;
    }
    lgx_kafka_acl_watch_clear(d->acl, "WRITE", "topic", topic);
    index_add(d, src, pack(status->partition, status->offset));
    return LGX_OK;
}

lgx_err_t lgx_dlq_probe(lgx_dlq_t *d, const char *topic, const char *src_topic,
                        int timeout_ms, const volatile bool *stop,
                        lgx_kafka_acl_t *acl, char *errstr, size_t size)
{
    if (index_for(d, topic, src_topic) != LGX_OK) {
        snprintf(errstr, size, "out of memory");
        return LGX_ERR_NOMEM;
    }
    lgx_kafka_acl_need_t need = need_of(d, "READ");
    lgx_err_t rc = lgx_kafka_acl_probe_read(d->reader, &need, timeout_ms, stop,
                                            d->acl, acl);
    if (rc == LGX_ERR_KAFKA_ACCESS) {
        snprintf(errstr, size, "reading the dead-letter topic %s", topic);
        return rc;
    }
    lgx_err_t fatal = lgx_dlq_check(d, errstr, size);
    if (fatal != LGX_OK) {
        return fatal;
    }
    if (rc == LGX_ERR_KAFKA) {
        snprintf(errstr, size, "no answer about %s", topic);
    }
    return rc == LGX_ERR_NOT_FOUND ? LGX_OK : rc;
}

lgx_err_t lgx_dlq_send(lgx_dlq_t *d, const char *topic,
                       const rd_kafka_message_t *orig,
                       const lgx_dlq_reason_t *reason, int timeout_ms,
                       char *already, size_t already_size)
{
    if (already && already_size) {
        already[0] = '\0';
    }
    uint64_t src = pack(orig->partition, orig->offset);
    if (index_for(d, topic, rd_kafka_topic_name(orig->rkt)) != LGX_OK) {
        return LGX_ERR_NOMEM;
    }
    lgx_err_t rc = index_sync(
        d, timeout_ms < SYNC_TIMEOUT_MS ? timeout_ms : SYNC_TIMEOUT_MS);
    if (rc != LGX_OK) {
        return rc == LGX_ERR_KAFKA_ACCESS ? rc : LGX_ERR_KAFKA;
    }
    const slot_t *seen = index_find(d, src);
    if (seen) {
        if (already && already_size) {
            snprintf(already, already_size, "%d:%" PRId64,
                     (int)(seen->dlq >> 44) - 1,
                     (int64_t)(seen->dlq & ((UINT64_C(1) << 44) - 1)));
        }
        return LGX_OK;
    }
    delivery_t status = {0, RD_KAFKA_RESP_ERR_NO_ERROR, -1, -1};
    rd_kafka_headers_t *h = build_headers(d, orig, reason);
    rd_kafka_resp_err_t err = rd_kafka_producev(
        d->rk, RD_KAFKA_V_TOPIC(topic),
        RD_KAFKA_V_KEY(orig->key, orig->key_len),
        RD_KAFKA_V_VALUE(orig->payload, orig->len),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(h),
        RD_KAFKA_V_OPAQUE(&status), RD_KAFKA_V_END);
    if (err) {
        rd_kafka_headers_destroy(h);
        /* The client remembers a denial of the topic and refuses at
         * once. */
        delivery_t refused = {1, err, -1, -1};
        return delivered(d, topic, &refused, src);
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
    return delivered(d, topic, &status, src);
}
