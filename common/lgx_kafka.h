/*
 * lgx_kafka: what every lgx Kafka client shares: configuration from
 * --brokers and the --kafka.<prop> passthrough, librdkafka's log lines
 * routed into lgx_log, and header helpers.
 */
#ifndef LGX_KAFKA_H
#define LGX_KAFKA_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>

#include "lgx_config.h"
#include "lgx_err.h"
#include "lgx_log.h"

/* The opaque of every lgx Kafka client starts with this, so that the log
 * callback finds the logger. */
typedef struct lgx_kafka_owner {
    lgx_log_t *log;
    /* With lgx_kafka_conf_keep_errors: librdkafka's last error report
     * ("" when none), written on the thread that polls the client. */
    char last_error[256];
} lgx_kafka_owner_t;

/* Returns a librdkafka configuration with bootstrap.servers = brokers, the
 * name/value pairs of props (NULL-terminated, may be NULL) and lgx's log
 * callback, opaque = owner. NULL with errstr naming the bad property. */
rd_kafka_conf_t *lgx_kafka_conf_new(const char *brokers, char **props,
                                    lgx_kafka_owner_t *owner, char *errstr,
                                    size_t errstr_size);

/* The Kafka secrets kept in files, out of the command line and the
 * environment: filled from lgx_kafka_secret_opts. */
typedef struct lgx_kafka_secrets {
    char *password_file;         /* --kafka-password-file: sasl.password */
    char *ssl_key_password_file; /* --kafka-ssl-key-password-file */
} lgx_kafka_secrets_t;

/* Those options: a configuration section of every program that takes
 * --kafka.<prop>. */
extern const lgx_opt_t lgx_kafka_secret_opts[];

/* At start: reads the files of s and adds what they hold to *props (a
 * props array as lgx_config_load fills it; may be NULL) as sasl.password
 * and ssl.key.password, for lgx_kafka_conf_new. LGX_ERR_INVALID with
 * errstr naming the option: a file that is a directory, unreadable (the
 * system's reason) or empty, or a setting also given as --kafka.<prop>
 * or LGX_KAFKA_<PROP>. */
lgx_err_t lgx_kafka_secrets_add(const lgx_kafka_secrets_t *s, char ***props,
                                char *errstr,
                                size_t errstr_size) LGX_MUST_CHECK;

/* The value of setting name in props, or NULL. */
const char *lgx_kafka_props_get(char *const *props, const char *name);

/* Gives rk password as its SASL password (PLAIN, SCRAM) with the
 * sasl.username it was made with: its next authentication uses it, the
 * connections it has stay. librdkafka offers no such change for
 * ssl.key.password. LGX_ERR_KAFKA with errstr when librdkafka refuses it
 * or rk has no sasl.username. */
lgx_err_t lgx_kafka_sasl_password_set(rd_kafka_t *rk, const char *password,
                                      char *errstr,
                                      size_t errstr_size) LGX_MUST_CHECK;

/* Sets one property; errstr names it on failure. */
lgx_err_t lgx_kafka_conf_set(rd_kafka_conf_t *conf, const char *name,
                             const char *value, char *errstr,
                             size_t errstr_size) LGX_MUST_CHECK;

/* Keeps librdkafka's error reports (a broker that refused the
 * connection, a failed authentication) in the owner's last_error as well
 * as logging them, for lgx_kafka_topic_metadata to name. They arrive when
 * the client is polled (rd_kafka_poll). */
void lgx_kafka_conf_keep_errors(rd_kafka_conf_t *conf);

/* The metadata of topic alone, one request: librdkafka's error for the
 * request, else 0 with *md set (free it with rd_kafka_metadata_destroy)
 * and *topic_err the topic's own error (__UNKNOWN_TOPIC when the answer
 * lacks it; an authorization error when its ACL is missing). */
rd_kafka_resp_err_t lgx_kafka_topic_md(rd_kafka_t *rk, const char *topic,
                                       int timeout_ms,
                                       const rd_kafka_metadata_t **md,
                                       rd_kafka_resp_err_t *topic_err);

/* The metadata of topic, for a tool that reads a whole topic: LGX_OK with
 * *md (free it with rd_kafka_metadata_destroy). LGX_ERR_KAFKA when the
 * brokers could not be reached (errstr names brokers, librdkafka's error
 * and, for a client made with lgx_kafka_conf_keep_errors, its last error
 * report); LGX_ERR_NOT_FOUND when the topic does not exist (errstr says
 * so). rk's opaque is the owner given to lgx_kafka_conf_new. */
lgx_err_t lgx_kafka_topic_metadata(rd_kafka_t *rk, const char *brokers,
                                   const char *topic, int timeout_ms,
                                   const rd_kafka_metadata_t **md, char *errstr,
                                   size_t errstr_size) LGX_MUST_CHECK;

/* Finds the last header named name; *value is not NUL-terminated. Returns
 * false when absent. */
bool lgx_kafka_header(const rd_kafka_message_t *msg, const char *name,
                      const char **value, size_t *len);

#endif
