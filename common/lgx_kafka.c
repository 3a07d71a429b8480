#include "lgx_kafka.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "lgx_secret.h"

#define SOFF(f) offsetof(lgx_kafka_secrets_t, f)

const lgx_opt_t lgx_kafka_secret_opts[] = {
    {"kafka-password-file", LGX_OPT_STR, NULL, SOFF(password_file),
     "File holding the SASL password (librdkafka's sasl.password), instead "
     "of --kafka.sasl.password; read again on SIGHUP by the consumers",
     NULL, 0},
    {"kafka-ssl-key-password-file", LGX_OPT_STR, NULL,
     SOFF(ssl_key_password_file),
     "File holding the password of the client's TLS key (librdkafka's "
     "ssl.key.password); a new one needs a restart",
     NULL, 0},
    LGX_OPT_END};

const char *lgx_kafka_props_get(char *const *props, const char *name)
{
    for (char *const *p = props; p && p[0] && p[1]; p += 2) {
        if (strcmp(p[0], name) == 0) {
            return p[1];
        }
    }
    return NULL;
}

/* One secret file into setting name of *props. */
static lgx_err_t secret_add(const char *option, const char *path,
                            const char *name, char ***props, char *errstr,
                            size_t size)
{
    if (!path) {
        return LGX_OK;
    }
    if (lgx_kafka_props_get(*props, name)) {
        char env[128]; /* LGX_SASL_PASSWORD */
        lgx_config_env_name(name, env, sizeof(env));
        snprintf(errstr, size,
                 "option --%s: %s is also set (--kafka.%s or LGX_KAFKA_%s); "
                 "give it one way",
                 option, name, name, env + strlen("LGX_"));
        return LGX_ERR_INVALID;
    }
    char inner[400];
    char *secret = lgx_secret_read(path, "file", inner, sizeof(inner));
    if (!secret) {
        snprintf(errstr, size, "option --%s: %s", option, inner);
        return LGX_ERR_INVALID;
    }
    lgx_err_t err = lgx_config_props_add(props, name, strlen(name), secret);
    lgx_secret_free(secret);
    if (err != LGX_OK) {
        snprintf(errstr, size, "out of memory");
    }
    return err;
}

lgx_err_t lgx_kafka_secrets_add(const lgx_kafka_secrets_t *s, char ***props,
                                char *errstr, size_t size)
{
    lgx_err_t err = secret_add("kafka-password-file", s->password_file,
                               "sasl.password", props, errstr, size);
    if (err == LGX_OK) {
        err =
            secret_add("kafka-ssl-key-password-file", s->ssl_key_password_file,
                       "ssl.key.password", props, errstr, size);
    }
    return err;
}

lgx_err_t lgx_kafka_sasl_password_set(rd_kafka_t *rk, const char *password,
                                      char *errstr, size_t size)
{
    char user[256];
    size_t len = sizeof(user);
    if (rd_kafka_conf_get(rd_kafka_conf(rk), "sasl.username", user, &len) !=
            RD_KAFKA_CONF_OK ||
        !user[0]) {
        snprintf(errstr, size, "%s has no sasl.username", rd_kafka_name(rk));
        return LGX_ERR_KAFKA;
    }
    rd_kafka_error_t *e = rd_kafka_sasl_set_credentials(rk, user, password);
    if (e) {
        snprintf(errstr, size, "%s: %s", rd_kafka_name(rk),
                 rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
        return LGX_ERR_KAFKA;
    }
    return LGX_OK;
}

static void on_log(const rd_kafka_t *rk, int level, const char *fac,
                   const char *buf)
{
    lgx_kafka_owner_t *owner = rd_kafka_opaque(rk);
    if (!owner || !owner->log) {
        return;
    }
    /* syslog levels: 0-3 error, 4 warning, 5-6 info, 7 debug */
    lgx_log_level_t l = level <= 3   ? LGX_LOG_ERROR
                        : level == 4 ? LGX_LOG_WARN
                        : level <= 6 ? LGX_LOG_INFO
                                     : LGX_LOG_DEBUG;
    lgx_log_write(owner->log, l, NULL, "kafka %s %s: %s", rd_kafka_name(rk),
                  fac, buf);
}

lgx_err_t lgx_kafka_conf_set(rd_kafka_conf_t *conf, const char *name,
                             const char *value, char *errstr, size_t size)
{
    char rderr[256];
    if (rd_kafka_conf_set(conf, name, value, rderr, sizeof(rderr)) !=
        RD_KAFKA_CONF_OK) {
        snprintf(errstr, size, "Kafka setting %s: %s", name, rderr);
        return LGX_ERR_INVALID;
    }
    return LGX_OK;
}

rd_kafka_conf_t *lgx_kafka_conf_new(const char *brokers, char **props,
                                    lgx_kafka_owner_t *owner, char *errstr,
                                    size_t size)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (!conf) {
        snprintf(errstr, size, "out of memory");
        return NULL;
    }
    lgx_err_t err =
        lgx_kafka_conf_set(conf, "bootstrap.servers", brokers, errstr, size);
    for (char **p = props; err == LGX_OK && p && p[0] && p[1]; p += 2) {
        err = lgx_kafka_conf_set(conf, p[0], p[1], errstr, size);
    }
    if (err != LGX_OK) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_conf_set_log_cb(conf, on_log);
    rd_kafka_conf_set_opaque(conf, owner);
    return conf;
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    lgx_kafka_owner_t *owner = opaque;
    if (!owner) {
        return;
    }
    /* "1/1 brokers are down" follows the report that says why. */
    if (err != RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || !owner->last_error[0]) {
        snprintf(owner->last_error, sizeof(owner->last_error), "%s", reason);
    }
    if (owner->log) {
        lgx_log_write(owner->log, LGX_LOG_ERROR, NULL, "kafka %s %s: %s",
                      rd_kafka_name(rk), rd_kafka_err2name(err), reason);
    }
}

void lgx_kafka_conf_keep_errors(rd_kafka_conf_t *conf)
{
    rd_kafka_conf_set_error_cb(conf, on_error);
}

rd_kafka_resp_err_t lgx_kafka_topic_md(rd_kafka_t *rk, const char *topic,
                                       int timeout_ms,
                                       const rd_kafka_metadata_t **md,
                                       rd_kafka_resp_err_t *topic_err)
{
    rd_kafka_topic_t *t = rd_kafka_topic_new(rk, topic, NULL);
    *md = NULL;
    rd_kafka_resp_err_t err =
        t ? rd_kafka_metadata(rk, 0, t, md, timeout_ms) : rd_kafka_last_error();
    if (t) {
        rd_kafka_topic_destroy(t);
    }
    if (!err) {
        *topic_err = (*md)->topic_cnt == 1 ? (*md)->topics[0].err
                                           : RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC;
    }
    return err;
}

lgx_err_t lgx_kafka_topic_metadata(rd_kafka_t *rk, const char *brokers,
                                   const char *topic, int timeout_ms,
                                   const rd_kafka_metadata_t **md, char *errstr,
                                   size_t size)
{
    rd_kafka_resp_err_t terr = RD_KAFKA_RESP_ERR_NO_ERROR;
    rd_kafka_resp_err_t err =
        lgx_kafka_topic_md(rk, topic, timeout_ms, md, &terr);
    if (err) {
        /* The reports of why (refused, unresolvable, authentication)
         * wait in the client's queue. */
        rd_kafka_poll(rk, 0);
        const lgx_kafka_owner_t *owner = rd_kafka_opaque(rk);
        bool why = owner && owner->last_error[0];
        snprintf(errstr, size,
                 "could not reach the Kafka brokers at %s (--brokers): "
                 "%s%s%s%s",
                 brokers, rd_kafka_err2str(err), why ? " (last error: " : "",
                 why ? owner->last_error : "", why ? ")" : "");
        return LGX_ERR_KAFKA;
    }
    if (!terr) {
        return LGX_OK;
    }
    bool missing = terr == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
                   terr == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC;
    if (missing) {
        snprintf(errstr, size, "topic %s not found on the Kafka brokers at %s",
                 topic, brokers);
    } else {
        snprintf(errstr, size, "topic %s on the Kafka brokers at %s: %s", topic,
                 brokers, rd_kafka_err2str(terr));
    }
    rd_kafka_metadata_destroy(*md);
    *md = NULL;
    return missing ? LGX_ERR_NOT_FOUND : LGX_ERR_KAFKA;
}

bool lgx_kafka_header(const rd_kafka_message_t *msg, const char *name,
                      const char **value, size_t *len)
{
    rd_kafka_headers_t *hdrs = NULL;
    if (rd_kafka_message_headers(msg, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return false;
    }
    const void *v = NULL;
    size_t l = 0;
    if (rd_kafka_header_get_last(hdrs, name, &v, &l) !=
            RD_KAFKA_RESP_ERR_NO_ERROR ||
        !v) {
        return false;
    }
    *value = v;
    *len = l;
    return true;
}
