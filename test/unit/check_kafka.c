/*
 * Unit tests for the secrets read from files (lgx_secret) and the Kafka
 * secret options (lgx_kafka_secrets_add): what each message says for a
 * directory, an unreadable and an empty file, and that the contents reach
 * the librdkafka settings once, never both from a file and an option.
 */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lgx_config.h"
#include "lgx_kafka.h"
#include "lgx_secret.h"

Suite *kafka_suite(void);

static char dir[64];
static char path[128];
static char errstr[512];

static void setup(void)
{
    snprintf(dir, sizeof(dir), "/tmp/lgx-check-kafka-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/secret", dir);
    errstr[0] = '\0';
}

static void teardown(void)
{
    unlink(path);
    rmdir(dir);
}

static void write_file(const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

/* A props array with one setting, as lgx_config_load makes it. */
static char **props_of(const char *name, const char *value)
{
    char **props = NULL;
    ck_assert_int_eq(lgx_config_props_add(&props, name, strlen(name), value),
                     LGX_OK);
    return props;
}

/* Writes text to the file, then adds the secrets s to props holding
 * name = value, which must return want; returns the props. */
static char **add_to(const char *text, lgx_kafka_secrets_t s, const char *name,
                     const char *value, lgx_err_t want)
{
    write_file(text);
    char **props = props_of(name, value);
    ck_assert_int_eq(lgx_kafka_secrets_add(&s, &props, errstr, sizeof(errstr)),
                     want);
    return props;
}

static void props_free(char **props)
{
    for (char **p = props; p && *p; p++) {
        free(*p);
    }
    free(props);
}

START_TEST(test_secret_read_trims)
{
    write_file("s3cret \n\n");
    char *s = lgx_secret_read(path, "file", errstr, sizeof(errstr));
    ck_assert_str_eq(s, "s3cret");
    lgx_secret_free(s);
    lgx_secret_free(NULL);
}
END_TEST

START_TEST(test_secret_read_errors)
{
    char want[256];
    ck_assert_ptr_null(
        lgx_secret_read(dir, "API key file", errstr, sizeof(errstr)));
    snprintf(want, sizeof(want),
             "the API key file %s is not a regular file (a directory)", dir);
    ck_assert_str_eq(errstr, want);
    ck_assert_ptr_null(lgx_secret_read(path, "file", errstr, sizeof(errstr)));
    snprintf(want, sizeof(want),
             "cannot read the file %s: No such file or directory", path);
    ck_assert_str_eq(errstr, want);
    write_file(" \n");
    ck_assert_ptr_null(lgx_secret_read(path, "file", errstr, sizeof(errstr)));
    snprintf(want, sizeof(want), "the file %s is empty", path);
    ck_assert_str_eq(errstr, want);
}
END_TEST

START_TEST(test_kafka_secrets_added)
{
    char **props = add_to("pw-from-file\n", (lgx_kafka_secrets_t){path, path},
                          "sasl.username", "lgx", LGX_OK);
    ck_assert_str_eq(lgx_kafka_props_get(props, "sasl.password"),
                     "pw-from-file");
    ck_assert_str_eq(lgx_kafka_props_get(props, "ssl.key.password"),
                     "pw-from-file");
    ck_assert_str_eq(lgx_kafka_props_get(props, "sasl.username"), "lgx");
    ck_assert_ptr_null(lgx_kafka_props_get(props, "sasl.mechanisms"));
    props_free(props);
    /* Nothing configured: nothing added. */
    lgx_kafka_secrets_t none = {NULL, NULL};
    props = NULL;
    ck_assert_int_eq(
        lgx_kafka_secrets_add(&none, &props, errstr, sizeof(errstr)), LGX_OK);
    ck_assert_ptr_null(props);
}
END_TEST

START_TEST(test_kafka_secrets_errors_name_the_option)
{
    /* A directory, a file that cannot be read (missing), an empty one. */
    const struct {
        bool key; /* --kafka-ssl-key-password-file, else the password */
        char *file;
        const char *text; /* written first, unless NULL */
        const char *want; /* the message, %s the file */
    } cases[] = {
        {false, dir, NULL,
         "option --kafka-password-file: the file %s is not a regular file "
         "(a directory)"},
        {true, path, NULL,
         "option --kafka-ssl-key-password-file: cannot read the file %s: No "
         "such file or directory"},
        {true, path, "",
         "option --kafka-ssl-key-password-file: the file %s is empty"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (cases[i].text) {
            write_file(cases[i].text);
        }
        lgx_kafka_secrets_t s = {cases[i].key ? NULL : cases[i].file,
                                 cases[i].key ? cases[i].file : NULL};
        char **props = NULL;
        ck_assert_int_eq(
            lgx_kafka_secrets_add(&s, &props, errstr, sizeof(errstr)),
            LGX_ERR_INVALID);
        char want[256];
        snprintf(want, sizeof(want), cases[i].want, cases[i].file);
        ck_assert_str_eq(errstr, want);
        ck_assert_ptr_null(props);
    }
}
END_TEST

START_TEST(test_kafka_secrets_given_twice_refused)
{
    char **props = add_to("pw-from-file\n", (lgx_kafka_secrets_t){path, NULL},
                          "sasl.password", "pw-from-env", LGX_ERR_INVALID);
    ck_assert_str_eq(errstr,
                     "option --kafka-password-file: sasl.password is also set "
                     "(--kafka.sasl.password or LGX_KAFKA_SASL_PASSWORD); "
                     "give it one way");
    ck_assert_ptr_null(strstr(errstr, "pw-from"));
    props_free(props);
}
END_TEST

Suite *kafka_suite(void)
{
    Suite *s = suite_create("kafka");

    TCase *tc_secrets = tcase_create("secrets");
    tcase_add_checked_fixture(tc_secrets, setup, teardown);
    tcase_add_test(tc_secrets, test_secret_read_trims);
    tcase_add_test(tc_secrets, test_kafka_secrets_added);
    suite_add_tcase(s, tc_secrets);

    TCase *tc_errors = tcase_create("errors");
    tcase_add_checked_fixture(tc_errors, setup, teardown);
    tcase_add_test(tc_errors, test_secret_read_errors);
    tcase_add_test(tc_errors, test_kafka_secrets_errors_name_the_option);
    tcase_add_test(tc_errors, test_kafka_secrets_given_twice_refused);
    suite_add_tcase(s, tc_errors);

    return s;
}
