/*
 * The kinds of shipment event (consumers/shipments/shipments_plan.c)
 * against the contract and the rules they belong to: each payload record
 * of the newest ShipmentEvent schema has a kind, each kind's event type a
 * rule, each time field a requirement lgx-odoo-setup creates.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "lgx_rules.h"
#include "lgx_setup_reqs.h"
#include "shipments/shipments_plan.h"

#ifndef LGX_SCHEMA_DIR
#error "the Makefile defines LGX_SCHEMA_DIR"
#endif
#ifndef LGX_RULES_FILE
#error "the Makefile defines LGX_RULES_FILE"
#endif

START_TEST(test_kinds_by_payload_record)
{
    const shipments_kind_t *k = shipments_kind("LabelCreated");
    ck_assert_ptr_nonnull(k);
    ck_assert_str_eq(k->type, "label_created");
    ck_assert_str_eq(k->status, "labelled");
    ck_assert_str_eq(k->refused, "the label");
    ck_assert_ptr_null(k->time_field);
    k = shipments_kind("ShipmentCancelled");
    ck_assert_ptr_nonnull(k);
    ck_assert_str_eq(k->status, "cancelled");
    /* A cancellation of the shipment applies to a cancelled picking. */
    ck_assert_ptr_null(k->refused);
    ck_assert_ptr_null(shipments_kind("ShipmentLost"));
    ck_assert_ptr_null(shipments_kind(NULL));
}
END_TEST

START_TEST(test_every_payload_of_the_contract_has_a_kind)
{
    char path[1024], text[16384];
    snprintf(path, sizeof(path), "%s/shipments/ShipmentEvent.v2.avsc",
             LGX_SCHEMA_DIR);
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "%s", path);
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    fclose(f);
    text[n] = '\0';
    size_t nk = 0;
    const shipments_kind_t *kinds = shipments_kinds(&nk);
    ck_assert_uint_eq(nk, 4);
    for (size_t i = 0; i < nk; i++) {
        char quoted[128];
        snprintf(quoted, sizeof(quoted), "\"%s\"", kinds[i].branch);
        ck_assert_msg(strstr(text, quoted), "%s is not in %s", kinds[i].branch,
                      path);
    }
}
END_TEST

START_TEST(test_every_kind_has_a_rule_and_its_time_field_is_made)
{
    char errstr[256];
    lgx_rules_t *r = lgx_rules_load(LGX_RULES_FILE, errstr, sizeof(errstr));
    ck_assert_msg(r != NULL, "%s", errstr);
    size_t nk = 0;
    const shipments_kind_t *kinds = shipments_kinds(&nk);
    for (size_t i = 0; i < nk; i++) {
        ck_assert_msg(lgx_rules_get(r, kinds[i].type), "no rule for %s",
                      kinds[i].type);
        bool made = kinds[i].time_field == NULL;
        for (size_t j = 0; !made && j < LGX_SETUP_N_REQS; j++) {
            const lgx_setup_req_t *q = &lgx_setup_reqs[j];
            made = q->field && strcmp(q->model, "stock.picking") == 0 &&
                   strcmp(q->field, kinds[i].time_field) == 0;
        }
        ck_assert_msg(made, "%s is not a field lgx-odoo-setup makes",
                      kinds[i].time_field);
        ck_assert_msg((kinds[i].refused == NULL) ==
                          (strcmp(kinds[i].type, "shipment_cancelled") == 0),
                      "only a cancellation is not refused: %s", kinds[i].type);
    }
    lgx_rules_destroy(r);
}
END_TEST

Suite *shipments_plan_suite(void)
{
    Suite *s = suite_create("shipments_plan");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_kinds_by_payload_record);
    tcase_add_test(tc, test_every_payload_of_the_contract_has_a_kind);
    tcase_add_test(tc, test_every_kind_has_a_rule_and_its_time_field_is_made);
    suite_add_tcase(s, tc);
    return s;
}
