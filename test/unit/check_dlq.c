/*
 * Unit tests for lgx_dlq on librdkafka's mock cluster (in the process, no
 * broker): a dead letter carries the original key, value and headers and
 * the lgx.dlq.* headers; a position already dead-lettered is not written
 * again, by the same writer or by a new one that reads the topic; the
 * index bound; the probe for an existing, a missing and a denied topic,
 * and for brokers that do not answer. Each control of the mock cluster
 * (librdkafka 2.0: create a topic, take a broker down, destroy it) may
 * wait up to a second for its thread: the suite takes a few seconds.
 */
#include <check.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lgx_config.h"
#include "lgx_dlq.h"
#include "lgx_kafka.h"
#include "lgx_kafka_acl.h"
#include "lgx_log.h"

Suite *dlq_suite(void);

#define SRC "lgx.check"
#define DLQ "lgx.check.dlq"
#define SRC_PARTS 3
#define WAIT_MS 5000

static rd_kafka_t *mock_rk; /* owns the mock cluster */
static rd_kafka_mock_cluster_t *mc;
static const char *brokers;
static rd_kafka_t *reader; /* reads the topics back */
static lgx_log_t *lg;
static FILE *log_out;
static char *log_data;
static size_t log_size;
static char errstr[512];
static lgx_dlq_t *writer; /* the writer under test, or NULL */
/* The originals a consumer would dead-letter: records written, then read
 * back with the reader (freed by teardown, before the reader). */
#define MAX_ORIGS 4
static rd_kafka_message_t *origs[MAX_ORIGS];
static int n_origs;

/* librdkafka's waits shortened for a cluster in the process, for every
 * client of these tests (the writer's too): a new topic's leader is looked
 * up within 100 ms rather than on the 1 s topic scan, an empty fetch is
 * answered after 10 ms rather than 500, a broker back up is reconnected
 * to within 100 ms. Quiet: the log holds lgx's lines only. */
static const char *const quick[][2] = {
    {"topic.metadata.refresh.interval.ms", "100"},
    {"fetch.wait.max.ms", "10"},
    {"fetch.error.backoff.ms", "10"},
    {"reconnect.backoff.ms", "10"},
    {"reconnect.backoff.max.ms", "100"},
    {"log_level", "0"},
};
#define N_QUICK (sizeof(quick) / sizeof(quick[0]))
static char **quick_props; /* quick, as lgx_config_load makes props */

static void conf_set(rd_kafka_conf_t *conf, const char *name, const char *value)
{
    char e[256];
    ck_assert_msg(rd_kafka_conf_set(conf, name, value, e, sizeof(e)) ==
                      RD_KAFKA_CONF_OK,
                  "%s", e);
}

/* A librdkafka client of the mock cluster; a consumer reads assigned
 * partitions only. */
static rd_kafka_t *client_new(rd_kafka_type_t type)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    conf_set(conf, "bootstrap.servers", brokers);
    for (size_t i = 0; i < N_QUICK; i++) {
        conf_set(conf, quick[i][0], quick[i][1]);
    }
    if (type == RD_KAFKA_CONSUMER) {
        conf_set(conf, "group.id", "lgx-check");
        conf_set(conf, "enable.partition.eof", "true");
    }
    char e[256];
    rd_kafka_t *rk = rd_kafka_new(type, conf, e, sizeof(e));
    ck_assert_msg(rk != NULL, "%s", e);
    return rk;
}

static void setup(void)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    conf_set(conf, "log_level", "0");
    char e[256];
    mock_rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, e, sizeof(e));
    ck_assert_msg(mock_rk != NULL, "%s", e);
    mc = rd_kafka_mock_cluster_new(mock_rk, 1);
    ck_assert_ptr_nonnull(mc);
    brokers = rd_kafka_mock_cluster_bootstraps(mc);
    ck_assert_int_eq(rd_kafka_mock_topic_create(mc, SRC, SRC_PARTS, 1), 0);
    ck_assert_int_eq(rd_kafka_mock_topic_create(mc, DLQ, 1, 1), 0);
    reader = client_new(RD_KAFKA_CONSUMER);
    quick_props = NULL;
    for (size_t i = 0; i < N_QUICK; i++) {
        ck_assert_int_eq(lgx_config_props_add(&quick_props, quick[i][0],
                                              strlen(quick[i][0]), quick[i][1]),
                         LGX_OK);
    }
    log_data = NULL;
    log_out = open_memstream(&log_data, &log_size);
    ck_assert_ptr_nonnull(log_out);
    lg = lgx_log_new("lgx-check", LGX_LOG_INFO, log_out);
    ck_assert_ptr_nonnull(lg);
    errstr[0] = '\0';
}

static void teardown(void)
{
    lgx_dlq_destroy(writer);
    writer = NULL;
    while (n_origs > 0) {
        rd_kafka_message_destroy(origs[--n_origs]);
    }
    rd_kafka_destroy(reader);
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(mock_rk);
    for (char **p = quick_props; p && *p; p++) {
        free(*p);
    }
    free(quick_props);
    lgx_log_destroy(lg);
    fclose(log_out);
    free(log_data);
}

static const char *log_text(void)
{
    fflush(log_out);
    return log_data ? log_data : "";
}

/* A new writer for program lgx-check on the mock cluster, in place of
 * the one before (a restart). */
static void writer_new(size_t index_max)
{
    lgx_dlq_destroy(writer);
    writer = lgx_dlq_new(brokers, quick_props, "lgx-check", index_max, lg,
                         errstr, sizeof(errstr));
    ck_assert_msg(writer != NULL, "%s", errstr);
}

/* Writes key/value with the header trace=abc to topic's partition and
 * waits for its acknowledgement. The topic's metadata is read first: a
 * producer that meets a topic in producev looks it up only on its next
 * topic scan, up to a second later. */
static void produce(const char *topic, int32_t partition, const char *key,
                    const char *value)
{
    rd_kafka_t *p = client_new(RD_KAFKA_PRODUCER);
    rd_kafka_topic_t *t = rd_kafka_topic_new(p, topic, NULL);
    const rd_kafka_metadata_t *md = NULL;
    ck_assert_int_eq(rd_kafka_metadata(p, 0, t, &md, WAIT_MS),
                     RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(t);
    ck_assert_int_eq(
        rd_kafka_producev(p, RD_KAFKA_V_TOPIC(topic),
                          RD_KAFKA_V_PARTITION(partition),
                          RD_KAFKA_V_KEY(key, strlen(key)),
                          RD_KAFKA_V_VALUE((void *)value, strlen(value)),
                          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                          RD_KAFKA_V_HEADER("trace", "abc", 3), RD_KAFKA_V_END),
        RD_KAFKA_RESP_ERR_NO_ERROR);
    ck_assert_int_eq(rd_kafka_flush(p, WAIT_MS), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_destroy(p);
}

/* The record at topic [partition] offset, read with the reader (destroy
 * it before the reader goes). */
static rd_kafka_message_t *read_at(const char *topic, int32_t partition,
                                   int64_t offset)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, topic, partition)->offset = offset;
    ck_assert_int_eq(rd_kafka_assign(reader, l), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_destroy(l);
    rd_kafka_message_t *m = NULL;
    for (int waited = 0; !m && waited < WAIT_MS; waited += 100) {
        m = rd_kafka_consumer_poll(reader, 100);
        if (m && (m->err || m->offset != offset)) {
            rd_kafka_message_destroy(m);
            m = NULL;
        }
    }
    rd_kafka_assign(reader, NULL);
    ck_assert_msg(m != NULL, "nothing at %s [%d] %lld", topic, (int)partition,
                  (long long)offset);
    return m;
}

/* The number of records in topic's partition 0 (its high watermark). */
static int64_t records_in(const char *topic)
{
    int64_t lo = 0, hi = 0;
    ck_assert_int_eq(
        rd_kafka_query_watermark_offsets(reader, topic, 0, &lo, &hi, WAIT_MS),
        RD_KAFKA_RESP_ERR_NO_ERROR);
    return hi;
}

static void assert_header(const rd_kafka_message_t *m, const char *name,
                          const char *want)
{
    const char *v;
    size_t len;
    ck_assert_msg(lgx_kafka_header(m, name, &v, &len), "no header %s", name);
    ck_assert_msg(len == strlen(want) && memcmp(v, want, len) == 0,
                  "header %s is '%.*s', want '%s'", name, (int)len, v, want);
}

static const lgx_dlq_reason_t reason = {
    .code = "missing_field",
    .message = "field shipment_id is missing",
    .correlation_id = "cid-1",
    .attempts = 3,
    .first_failure_ms = 1000,
    .last_failure_ms = 2000,
};

/* The headers a dead letter of SRC [2] offset 1 sent with reason by
 * lgx-check has: the original's, then lgx_dlq.h's. */
static const char *const dead_letter_headers[][2] = {
    {"trace", "abc"},
    {"lgx.dlq.topic", SRC},
    {"lgx.dlq.partition", "2"},
    {"lgx.dlq.offset", "1"},
    {"lgx.dlq.reason", "missing_field"},
    {"lgx.dlq.message", "field shipment_id is missing"},
    {"lgx.dlq.program", "lgx-check"},
    {"lgx.dlq.attempts", "3"},
    {"lgx.dlq.first_failure", "1000"},
    {"lgx.dlq.last_failure", "2000"},
    {"lgx.dlq.correlation_id", "cid-1"},
};

/* Writes n records to topic [partition] (keys k0.., values v0..) and
 * reads them back as the next originals; returns the first of them. */
static rd_kafka_message_t **origs_of(const char *topic, int32_t partition,
                                     int n)
{
    ck_assert_int_le(n_origs + n, MAX_ORIGS);
    for (int i = 0; i < n; i++) {
        char key[16], value[16];
        snprintf(key, sizeof(key), "k%d", i);
        snprintf(value, sizeof(value), "v%d", i);
        produce(topic, partition, key, value);
    }
    rd_kafka_message_t **first = &origs[n_origs];
    for (int i = 0; i < n; i++) {
        origs[n_origs++] = read_at(topic, partition, i);
    }
    return first;
}

/* Dead-letters orig to DLQ with reason, which must succeed; what it says
 * of an earlier dead letter must be want ("" none; NULL: not asked). */
static void send_expect(const rd_kafka_message_t *orig, const char *want)
{
    char already[32] = "x";
    lgx_err_t rc =
        lgx_dlq_send(writer, DLQ, orig, &reason, WAIT_MS, want ? already : NULL,
                     want ? sizeof(already) : 0);
    ck_assert_msg(rc == LGX_OK, "send: %s; log: %s", lgx_err_name(rc),
                  log_text());
    if (want) {
        ck_assert_str_eq(already, want);
    }
}

/* ---- send ---- */

START_TEST(test_dlq_send_copies_record_and_adds_headers)
{
    rd_kafka_message_t **o = origs_of(SRC, 2, 2);
    writer_new(100);
    send_expect(o[1], "");
    ck_assert_int_eq(lgx_dlq_check(writer, errstr, sizeof(errstr)), LGX_OK);

    ck_assert_int_eq(records_in(DLQ), 1);
    rd_kafka_message_t *m = read_at(DLQ, 0, 0);
    ck_assert_uint_eq(m->key_len, 2);
    ck_assert_int_eq(memcmp(m->key, "k1", 2), 0);
    ck_assert_uint_eq(m->len, 2);
    ck_assert_int_eq(memcmp(m->payload, "v1", 2), 0);
    size_t n = sizeof(dead_letter_headers) / sizeof(dead_letter_headers[0]);
    for (size_t i = 0; i < n; i++) {
        assert_header(m, dead_letter_headers[i][0], dead_letter_headers[i][1]);
    }
    rd_kafka_message_destroy(m);
}
END_TEST

START_TEST(test_dlq_send_twice_writes_once)
{
    rd_kafka_message_t **o = origs_of(SRC, 0, 1);
    writer_new(100);
    send_expect(o[0], NULL);
    send_expect(o[0], "0:0");
    ck_assert_int_eq(records_in(DLQ), 1);
}
END_TEST

START_TEST(test_dlq_new_writer_finds_earlier_letters)
{
    /* A restart between the acknowledgement and the commit: the new
     * writer reads the topic and does not write the letter again, but
     * writes one for another position. */
    rd_kafka_message_t **o = origs_of(SRC, 1, 2);
    writer_new(100);
    send_expect(o[0], "");
    writer_new(100);
    send_expect(o[0], "0:0");
    send_expect(o[1], "");
    ck_assert_int_eq(records_in(DLQ), 2);
}
END_TEST

START_TEST(test_dlq_index_is_per_source_topic)
{
    /* The same position of another topic, dead-lettered to the same
     * topic, is another message. */
    ck_assert_int_eq(rd_kafka_mock_topic_create(mc, "lgx.other", 1, 1), 0);
    rd_kafka_message_t *other = origs_of("lgx.other", 0, 1)[0];
    rd_kafka_message_t *src = origs_of(SRC, 0, 1)[0];
    writer_new(100);
    send_expect(other, "");
    send_expect(src, "");
    ck_assert_int_eq(records_in(DLQ), 2);
}
END_TEST

START_TEST(test_dlq_index_full_writes_again_and_warns)
{
    rd_kafka_message_t **o = origs_of(SRC, 0, 2);
    writer_new(1);
    send_expect(o[0], "");
    send_expect(o[1], "");
    /* Beyond the bound: not recognised, written again. */
    send_expect(o[1], "");
    ck_assert_int_eq(records_in(DLQ), 3);
    /* What the index holds is still recognised. */
    send_expect(o[0], "0:0");
    ck_assert_int_eq(records_in(DLQ), 3);
    ck_assert_ptr_nonnull(strstr(log_text(), "the index of " DLQ " is full"));
}
END_TEST

START_TEST(test_dlq_send_brokers_down_writes_nothing)
{
    rd_kafka_message_t **o = origs_of(SRC, 0, 1);
    writer_new(100);
    ck_assert_int_eq(rd_kafka_mock_broker_set_down(mc, 1), 0);
    lgx_err_t rc = lgx_dlq_send(writer, DLQ, o[0], &reason, 500, NULL, 0);
    ck_assert_int_eq(rc, LGX_ERR_KAFKA);
    ck_assert_int_eq(rd_kafka_mock_broker_set_up(mc, 1), 0);
    /* Gone: nothing of it can be delivered later. */
    lgx_dlq_destroy(writer);
    writer = NULL;
    ck_assert_int_eq(records_in(DLQ), 0);
}
END_TEST

/* ---- probe ---- */

/* A new writer's probe of topic as the dead-letter topic of SRC. */
static lgx_err_t probe(const char *topic, int timeout_ms,
                       const volatile bool *stop, lgx_kafka_acl_t *acl)
{
    writer_new(100);
    memset(acl, 0, sizeof(*acl));
    return lgx_dlq_probe(writer, topic, SRC, timeout_ms, stop, acl, errstr,
                         sizeof(errstr));
}

START_TEST(test_dlq_probe_existing_and_missing_topic)
{
    lgx_kafka_acl_t acl;
    ck_assert_int_eq(probe(DLQ, WAIT_MS, NULL, &acl), LGX_OK);
    /* Not there yet: no dead letter was ever written. */
    ck_assert_int_eq(probe("lgx.nothing.dlq", WAIT_MS, NULL, &acl), LGX_OK);
}
END_TEST

START_TEST(test_dlq_probe_denied_topic)
{
    rd_kafka_mock_topic_set_error(mc, DLQ,
                                  RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED);
    lgx_kafka_acl_t acl;
    ck_assert_int_eq(probe(DLQ, WAIT_MS, NULL, &acl), LGX_ERR_KAFKA_ACCESS);
    ck_assert_str_eq(acl.operation, "READ");
    ck_assert_str_eq(acl.resource_type, "topic");
    ck_assert_str_eq(acl.resource, DLQ);
    ck_assert_ptr_nonnull(strstr(errstr, DLQ));
}
END_TEST

START_TEST(test_dlq_probe_stopped)
{
    volatile bool stop = true;
    lgx_kafka_acl_t acl;
    ck_assert_int_eq(probe(DLQ, WAIT_MS, &stop, &acl), LGX_ERR_KAFKA);
    ck_assert_ptr_nonnull(strstr(errstr, "no answer about " DLQ));
}
END_TEST

START_TEST(test_dlq_probe_no_brokers)
{
    ck_assert_int_eq(rd_kafka_mock_broker_set_down(mc, 1), 0);
    lgx_kafka_acl_t acl;
    ck_assert_int_eq(probe(DLQ, 500, NULL, &acl), LGX_ERR_KAFKA);
    ck_assert_ptr_nonnull(strstr(errstr, "no answer about " DLQ));
}
END_TEST

/* ---- the writer itself ---- */

START_TEST(test_dlq_new_bad_property)
{
    char name[] = "no.such.property", value[] = "1";
    char *props[] = {name, value, NULL};
    lgx_dlq_t *d = lgx_dlq_new(brokers, props, "lgx-check", 100, lg, errstr,
                               sizeof(errstr));
    ck_assert_ptr_null(d);
    ck_assert_ptr_nonnull(strstr(errstr, "no.such.property"));
    lgx_dlq_destroy(NULL);
}
END_TEST

Suite *dlq_suite(void)
{
    Suite *s = suite_create("dlq");

    TCase *tc_send = tcase_create("send");
    tcase_add_checked_fixture(tc_send, setup, teardown);
    tcase_set_timeout(tc_send, 20);
    tcase_add_test(tc_send, test_dlq_send_copies_record_and_adds_headers);
    tcase_add_test(tc_send, test_dlq_send_twice_writes_once);
    tcase_add_test(tc_send, test_dlq_new_writer_finds_earlier_letters);
    tcase_add_test(tc_send, test_dlq_index_is_per_source_topic);
    tcase_add_test(tc_send, test_dlq_index_full_writes_again_and_warns);
    tcase_add_test(tc_send, test_dlq_send_brokers_down_writes_nothing);
    suite_add_tcase(s, tc_send);

    TCase *tc_probe = tcase_create("probe");
    tcase_add_checked_fixture(tc_probe, setup, teardown);
    tcase_set_timeout(tc_probe, 20);
    tcase_add_test(tc_probe, test_dlq_probe_existing_and_missing_topic);
    tcase_add_test(tc_probe, test_dlq_probe_denied_topic);
    tcase_add_test(tc_probe, test_dlq_probe_stopped);
    tcase_add_test(tc_probe, test_dlq_probe_no_brokers);
    tcase_add_test(tc_probe, test_dlq_new_bad_property);
    suite_add_tcase(s, tc_probe);

    return s;
}
