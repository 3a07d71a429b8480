/*
 * check_lgx: the one unit-test runner. Every test/check_<mod>.c exports a
 * suite; they all run in one SRunner. Exits non-zero when any test fails.
 */
#include <check.h>
#include <stdlib.h>

Suite *err_suite(void);
Suite *buf_suite(void);
Suite *log_suite(void);
Suite *config_suite(void);
Suite *cid_suite(void);
Suite *json_suite(void);
Suite *dedup_suite(void);
Suite *avro_suite(void);
Suite *odoo_suite(void);
Suite *picks_plan_suite(void);
Suite *cache_suite(void);
Suite *partq_suite(void);
Suite *schemas_suite(void);
Suite *clock_suite(void);
Suite *metrics_suite(void);
Suite *limits_suite(void);
Suite *milestones_suite(void);
Suite *pod_suite(void);
Suite *rules_suite(void);
Suite *sla_suite(void);
Suite *activity_suite(void);
Suite *kafka_suite(void);
Suite *kafka_acl_suite(void);
Suite *sim_suite(void);
Suite *holds_suite(void);
Suite *registry_suite(void);
Suite *time_suite(void);
Suite *domain_suite(void);
Suite *shipments_plan_suite(void);
Suite *setup_suite(void);
Suite *dlq_suite(void);
Suite *consumer_suite(void);

int main(void)
{
    SRunner *sr = srunner_create(err_suite());
    srunner_add_suite(sr, buf_suite());
    srunner_add_suite(sr, log_suite());
    srunner_add_suite(sr, config_suite());
    srunner_add_suite(sr, cid_suite());
    srunner_add_suite(sr, json_suite());
    srunner_add_suite(sr, dedup_suite());
    srunner_add_suite(sr, avro_suite());
    srunner_add_suite(sr, odoo_suite());
    srunner_add_suite(sr, picks_plan_suite());
    srunner_add_suite(sr, cache_suite());
    srunner_add_suite(sr, partq_suite());
    srunner_add_suite(sr, schemas_suite());
    srunner_add_suite(sr, clock_suite());
    srunner_add_suite(sr, metrics_suite());
    srunner_add_suite(sr, limits_suite());
    srunner_add_suite(sr, milestones_suite());
    srunner_add_suite(sr, pod_suite());
    srunner_add_suite(sr, rules_suite());
    srunner_add_suite(sr, sla_suite());
    srunner_add_suite(sr, activity_suite());
    srunner_add_suite(sr, kafka_suite());
    srunner_add_suite(sr, kafka_acl_suite());
    srunner_add_suite(sr, sim_suite());
    srunner_add_suite(sr, holds_suite());
    srunner_add_suite(sr, registry_suite());
    srunner_add_suite(sr, time_suite());
    srunner_add_suite(sr, domain_suite());
    srunner_add_suite(sr, shipments_plan_suite());
    srunner_add_suite(sr, setup_suite());
    srunner_add_suite(sr, dlq_suite());
    srunner_add_suite(sr, consumer_suite());

    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
