/*
 * Unit tests for lgx_registry's answers (what fetch and register make of
 * a response) and its credentials (the file read at start and on
 * SIGHUP, a URL holding some refused), without a registry.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lgx_registry.h"

#define URL "http://registry.test"
#define OPT "option --schema-registry-credentials-file: "

static char errstr[512];
static char cred_path[128];

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

START_TEST(test_registry_answer_credentials_refused)
{
    yajl_val root = NULL;
    ck_assert_int_eq(
        answer(401, "{\"error_code\": 40101, \"message\": \"Unauthorized\"}",
               &root),
        LGX_ERR_INVALID);
    ck_assert_str_eq(errstr, "schema registry " URL ": the registry refused "
                             "the credentials (HTTP 401: Unauthorized)");
    ck_assert_int_eq(answer(403, "", &root), LGX_ERR_INVALID);
    ck_assert_str_eq(errstr, "schema registry " URL ": the registry refused "
                             "the credentials (HTTP 403)");
}
END_TEST

/* Writes text to cred_path, a fresh file under /tmp on first use (each
 * test unlinks it). */
static void write_credentials(const char *text)
{
    int fd = -1;
    if (!cred_path[0]) {
        snprintf(cred_path, sizeof(cred_path),
                 "/tmp/lgx-check-registry-XXXXXX");
        fd = mkstemp(cred_path);
        ck_assert_int_ge(fd, 0);
    }
    FILE *f = fd >= 0 ? fdopen(fd, "w") : fopen(cred_path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

/* lgx_registry_new with the file holding text must fail with the message
 * OPT "the file <path> " tail, which does not hold secret (may be NULL). */
static void refused(const char *text, const char *secret, const char *tail)
{
    write_credentials(text);
    ck_assert_ptr_null(
        lgx_registry_new(URL, cred_path, errstr, sizeof(errstr)));
    char want[512];
    snprintf(want, sizeof(want), OPT "the file %s %s", cred_path, tail);
    ck_assert_str_eq(errstr, want);
    ck_assert(!secret || !strstr(errstr, secret));
}

START_TEST(test_registry_credentials_file)
{
    /* The password may hold ':' (split at the first); trailing white
     * space is dropped as in every secret file. */
    write_credentials("lgx:s3cret:with:colons\n");
    lgx_registry_t *r =
        lgx_registry_new(URL "/", cred_path, errstr, sizeof(errstr));
    ck_assert_ptr_nonnull(r);
    write_credentials("lgx:rotated\n");
    ck_assert_int_eq(lgx_registry_reload_credentials(r, errstr, sizeof(errstr)),
                     LGX_OK);
    /* A bad file at reload: refused, the old credentials stay. */
    write_credentials("\n");
    ck_assert_int_eq(lgx_registry_reload_credentials(r, errstr, sizeof(errstr)),
                     LGX_ERR_INVALID);
    char want[512];
    snprintf(want, sizeof(want), OPT "the file %s is empty", cred_path);
    ck_assert_str_eq(errstr, want);
    lgx_registry_destroy(r);
    /* Without a file there is nothing to read again. */
    r = lgx_registry_new(URL, NULL, errstr, sizeof(errstr));
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(lgx_registry_reload_credentials(r, errstr, sizeof(errstr)),
                     LGX_ERR_NOT_FOUND);
    lgx_registry_destroy(r);
    lgx_registry_destroy(NULL);
    unlink(cred_path);
    cred_path[0] = '\0';
}
END_TEST

START_TEST(test_registry_credentials_file_refused)
{
    const char *not_pair = "does not hold user:password (a user, ':', a "
                           "password)";
    refused("lgx-s3cret\n", "s3cret", not_pair);
    refused(":s3cret\n", "s3cret", not_pair);
    refused("nobody:\n", "nobody", not_pair);
    refused("lgx:s3cret\nother:line\n", "s3cret", "holds more than one line");
    refused("  \n", NULL, "is empty");
    unlink(cred_path);
    char want[512];
    ck_assert_ptr_null(
        lgx_registry_new(URL, cred_path, errstr, sizeof(errstr)));
    snprintf(want, sizeof(want),
             OPT "cannot read the file %s: No such file or directory",
             cred_path);
    ck_assert_str_eq(errstr, want);
    cred_path[0] = '\0';
    ck_assert_ptr_null(lgx_registry_new(URL, "/tmp", errstr, sizeof(errstr)));
    ck_assert_str_eq(errstr,
                     OPT "the file /tmp is not a regular file (a directory)");
}
END_TEST

START_TEST(test_registry_url_with_credentials_refused)
{
    const char *urls[] = {
        "http://lgx:s3cret@registry.test:8081", "https://lgx@registry.test/",
        "lgx:s3cret@registry.test", "http://:s3cret@registry.test"};
    for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
        errstr[0] = '\0';
        ck_assert_ptr_null(
            lgx_registry_new(urls[i], NULL, errstr, sizeof(errstr)));
        ck_assert_str_eq(errstr,
                         "option --schema-registry: the URL holds a user or "
                         "password (user:password@); give them in "
                         "--schema-registry-credentials-file");
    }
    /* An '@' past the host is no user. */
    lgx_registry_t *r = lgx_registry_new("http://registry.test/a@b", NULL,
                                         errstr, sizeof(errstr));
    ck_assert_ptr_nonnull(r);
    lgx_registry_destroy(r);
}
END_TEST

Suite *registry_suite(void)
{
    Suite *s = suite_create("registry");
    TCase *answers = tcase_create("answers");
    tcase_add_test(answers, test_registry_answer_schema_and_id);
    tcase_add_test(answers, test_registry_answer_refused);
    tcase_add_test(answers, test_registry_answer_too_large);
    tcase_add_test(answers, test_registry_answer_credentials_refused);
    suite_add_tcase(s, answers);
    TCase *credentials = tcase_create("credentials");
    tcase_add_test(credentials, test_registry_credentials_file);
    tcase_add_test(credentials, test_registry_credentials_file_refused);
    tcase_add_test(credentials, test_registry_url_with_credentials_refused);
    suite_add_tcase(s, credentials);
    return s;
}
