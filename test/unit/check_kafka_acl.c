/*
 * Unit tests for lgx_kafka_acl: which ACL an authorization error names,
 * the principal told from the client's settings, the message with its
 * kafka-acls.sh command, and the denials in force that readiness reads.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "lgx_kafka_acl.h"
#include "lgx_metrics.h"

Suite *kafka_acl_suite(void);

/* librdkafka settings as lgx_kafka_conf_new takes them (not const). */
#define S(x) ((char *)(x))

static const lgx_kafka_acl_need_t consumer = {"READ", "lgx.picks", "READ",
                                              "lgx-picks", false};

/* ---- core ---- */

START_TEST(test_acl_from_error)
{
    lgx_kafka_acl_t acl;
    ck_assert(lgx_kafka_acl_from_error(
        RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, &consumer, &acl));
    ck_assert_str_eq(acl.operation, "READ");
    ck_assert_str_eq(acl.resource_type, "topic");
    ck_assert_str_eq(acl.resource, "lgx.picks");
    ck_assert(lgx_kafka_acl_from_error(
        RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED, &consumer, &acl));
    ck_assert_str_eq(acl.resource_type, "group");
    ck_assert_str_eq(acl.resource, "lgx-picks");
    /* The idempotent producer's id refused: WRITE on the topic it writes. */
    const lgx_kafka_acl_need_t producer = {"WRITE", "lgx.picks.dlq", NULL, NULL,
                                           false};
    ck_assert(lgx_kafka_acl_from_error(
        RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED, &producer, &acl));
    ck_assert_str_eq(acl.operation, "WRITE");
    ck_assert_str_eq(acl.resource, "lgx.picks.dlq");
    ck_assert(!lgx_kafka_acl_from_error(RD_KAFKA_RESP_ERR__TRANSPORT, &consumer,
                                        &acl));
    ck_assert(
        !lgx_kafka_acl_from_error(RD_KAFKA_RESP_ERR_NO_ERROR, &consumer, &acl));
}
END_TEST

START_TEST(test_acl_principal)
{
    char out[128];
    char *sasl[] = {S("security.protocol"),
                    S("SASL_SSL"),
                    S("sasl.mechanisms"),
                    S("SCRAM-SHA-512"),
                    S("sasl.username"),
                    S("lgx-picks"),
                    NULL};
    lgx_kafka_acl_principal(sasl, out, sizeof(out));
    ck_assert_str_eq(out, "User:lgx-picks");
    char *oauth[] = {S("security.protocol"), S("SASL_SSL"), S("sasl.mechanism"),
                     S("OAUTHBEARER"), NULL};
    lgx_kafka_acl_principal(oauth, out, sizeof(out));
    ck_assert_str_eq(out, "the principal of the OAUTHBEARER token");
    char *ssl[] = {S("security.protocol"), S("ssl"), NULL};
    lgx_kafka_acl_principal(ssl, out, sizeof(out));
    ck_assert_str_eq(out, "the principal of the TLS client certificate");
    lgx_kafka_acl_principal(NULL, out, sizeof(out));
    ck_assert_str_eq(out, "User:ANONYMOUS");
}
END_TEST

START_TEST(test_acl_format)
{
    lgx_kafka_acl_t acl = {"DESCRIBE", "group", "lgx-picks.dlq-index"};
    char out[512];
    lgx_kafka_acl_format(&acl, "User:lgx-picks", out, sizeof(out));
    ck_assert_str_eq(out, "Kafka denies DESCRIBE on group lgx-picks.dlq-index "
                          "to User:lgx-picks (grant: kafka-acls.sh --add "
                          "--allow-principal User:lgx-picks --operation "
                          "Describe --group lgx-picks.dlq-index)");
    lgx_kafka_acl_format(&acl, "the principal of the OAUTHBEARER token", out,
                         sizeof(out));
    ck_assert_ptr_nonnull(strstr(out, "--allow-principal User:<principal>"));
}
END_TEST

/* ---- the watch ---- */

START_TEST(test_acl_watch_readiness)
{
    lgx_metrics_t *m = lgx_metrics_new();
    FILE *devnull = fopen("/dev/null", "w");
    lgx_log_t *log = lgx_log_new("check", LGX_LOG_ERROR, devnull);
    lgx_kafka_acl_watch_t *w = lgx_kafka_acl_watch_new(m, log, "User:u");
    char why[1024];
    ck_assert(!lgx_kafka_acl_watch_reason(w, why, sizeof(why)));
    lgx_kafka_acl_t minor = {"DESCRIBE", "group", "p.dlq-index"};
    lgx_kafka_acl_watch_denied(w, &minor, LGX_KAFKA_ACL_MINOR, "reader");
    ck_assert(!lgx_kafka_acl_watch_reason(w, why, sizeof(why)));
    lgx_kafka_acl_t write = {"WRITE", "topic", "t.dlq"};
    lgx_kafka_acl_watch_denied(w, &write, LGX_KAFKA_ACL_BLOCKING, "write");
    lgx_kafka_acl_watch_denied(w, &write, LGX_KAFKA_ACL_BLOCKING, "write");
    ck_assert(lgx_kafka_acl_watch_reason(w, why, sizeof(why)));
    ck_assert_ptr_nonnull(
        strstr(why, "degraded: Kafka denies WRITE on topic t.dlq to User:u"));
    ck_assert(lgx_metrics_value(m, "lgx_kafka_authorization_failures_total",
                                "operation=\"WRITE\",resource_type=\"topic\","
                                "resource=\"t.dlq\"") == 2.0);
    /* Another operation on the resource does not clear it. */
    lgx_kafka_acl_watch_clear(w, "READ", "topic", "t.dlq");
    ck_assert(lgx_kafka_acl_watch_reason(w, why, sizeof(why)));
    lgx_kafka_acl_watch_clear(w, "WRITE", "topic", "t.dlq");
    ck_assert(!lgx_kafka_acl_watch_reason(w, why, sizeof(why)));
    ck_assert(!lgx_kafka_acl_watch_reason(NULL, why, sizeof(why)));
    lgx_kafka_acl_watch_destroy(w);
    lgx_kafka_acl_watch_destroy(NULL);
    lgx_log_destroy(log);
    fclose(devnull);
    lgx_metrics_destroy(m);
}
END_TEST

Suite *kafka_acl_suite(void)
{
    Suite *s = suite_create("kafka_acl");
    TCase *core = tcase_create("core");
    tcase_add_test(core, test_acl_from_error);
    tcase_add_test(core, test_acl_principal);
    tcase_add_test(core, test_acl_format);
    suite_add_tcase(s, core);
    TCase *watch = tcase_create("watch");
    tcase_add_test(watch, test_acl_watch_readiness);
    suite_add_tcase(s, watch);
    return s;
}
