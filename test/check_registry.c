/*
 * Unit tests for lgx_registry's answers: what fetch and register make of
 * a response, without a registry.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lgx_registry.h"

#define URL "http://registry.test"

static char errstr[256];

/* lgx_registry_answer of text under status: its code. */
static lgx_err_t answer(long status, const char *text, yajl_val *root)
{
    errstr[0] = '\0';
    return lgx_registry_answer(status, text, strlen(text), URL, root, errstr,
                               sizeof(errstr));
}

START_TEST(test_registry_answer_schema_and_id)
{
    yajl_val root = NULL;
    ck_assert_int_eq(
        answer(200, "{\"schema\": \"\\\"string\\\"\", \"id\": 7}", &root),
        LGX_OK);
    char *schema = lgx_registry_answer_schema(root, 7, errstr, sizeof(errstr));
    ck_assert_str_eq(schema, "\"string\"");
    free(schema);
    int32_t id = 0;
    ck_assert_int_eq(lgx_registry_answer_id(root, &id, errstr, sizeof(errstr)),
                     LGX_OK);
    ck_assert_int_eq(id, 7);
    yajl_tree_free(root);

    ck_assert_int_eq(answer(200, "{\"id\": 4294967296}", &root), LGX_OK);
    ck_assert_int_eq(lgx_registry_answer_id(root, &id, errstr, sizeof(errstr)),
                     LGX_ERR_IO);
    ck_assert_ptr_null(
        lgx_registry_answer_schema(root, 7, errstr, sizeof(errstr)));
    ck_assert_ptr_nonnull(strstr(errstr, "id 7 has no schema"));
    yajl_tree_free(root);
}
END_TEST

START_TEST(test_registry_answer_refused)
{
    yajl_val root = NULL;
    ck_assert_int_eq(
        answer(404,
               "{\"error_code\": 40403, \"message\": \"Schema not found\"}",
               &root),
        LGX_ERR_NOT_FOUND);
    ck_assert_ptr_null(root);
    ck_assert_ptr_nonnull(strstr(errstr, "HTTP 404: Schema not found"));
    ck_assert_int_eq(answer(502, "<html>Bad Gateway</html>", &root),
                     LGX_ERR_IO);
    ck_assert_int_eq(answer(200, "[]", &root), LGX_ERR_IO);
    ck_assert_ptr_nonnull(strstr(errstr, "not a JSON object"));
    ck_assert_int_eq(answer(200, "", &root), LGX_ERR_IO);
    ck_assert_ptr_nonnull(strstr(errstr, "empty answer"));
    ck_assert_int_eq(answer(200, "{\"a\": [[[[", &root), LGX_ERR_IO);
    ck_assert_ptr_nonnull(strstr(errstr, "invalid JSON"));
}
END_TEST

START_TEST(test_registry_answer_too_large)
{
    size_t n = LGX_REGISTRY_ANSWER_MAX + 1;
    char *big = malloc(n);
    ck_assert_ptr_nonnull(big);
    memset(big, ' ', n);
    big[0] = '{';
    big[n - 1] = '}';
    yajl_val root = NULL;
    ck_assert_int_eq(
        lgx_registry_answer(200, big, n, URL, &root, errstr, sizeof(errstr)),
        LGX_ERR_DECODE);
    ck_assert_ptr_null(root);
    ck_assert_ptr_nonnull(strstr(errstr, "answer larger than 1048576 bytes"));
    free(big);
}
END_TEST

Suite *registry_suite(void)
{
    Suite *s = suite_create("registry");
    TCase *answers = tcase_create("answers");
    tcase_add_test(answers, test_registry_answer_schema_and_id);
    tcase_add_test(answers, test_registry_answer_refused);
    tcase_add_test(answers, test_registry_answer_too_large);
    suite_add_tcase(s, answers);
    return s;
}
