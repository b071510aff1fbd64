/* SPDX-License-Identifier: Apache-2.0 */
/*
 * server: the service behind `workflowai serve`. Wires the store, the job
 * queue, ingestion, triage and the provider client behind the HTTP server:
 * one route table, authentication (API keys, HS256 JWTs), per-key rate
 * limits, request ids, structured JSON logs, Prometheus metrics, and the
 * worker threads that triage failed jobs. Configuration comes from one
 * table of keys read from flags, WORKFLOWAI_* environment variables and an
 * optional config file (flags win).
 */
#ifndef WF_SERVER_H
#define WF_SERVER_H

#include <stddef.h>
#include <stdio.h>

#include "util/util.h"

struct wf_server_config {
    char listen[256];         /* "HOST:PORT", default "127.0.0.1:8080" (port 0 = ephemeral) */
    char store[1024];         /* store URL, default "sqlite:./data/workflowai.db" */
    char port_file[1024];     /* write the bound port here once listening ("" = no) */
    char jwt_secret[256];     /* HS256 secret; "" = JWTs refused */
    char redact_config[1024]; /* redaction config file ("" = defaults) */
    char github_api[512];     /* GitHub API base URL */
    char github_token[256];   /* token for log downloads / reviews ("" = off) */
    char gitlab_api[512];     /* GitLab API base URL */
    char gitlab_token[256];
    char llm_url[512]; /* OpenAI-compatible base URL ("" = no LLM) */
    char llm_model[128];
    char llm_api_key[256];
    char embed_url[512];   /* OpenAI-compatible embeddings base URL ("" = built-in) */
    char embed_model[128]; /* model name for embed_url */
    char embed_api_key[256];
    char log_level[16];     /* debug|info|warn|error */
    char log_format[16];    /* json|text */
    long io_threads;        /* HTTP I/O threads, 0 = CPUs */
    long handler_threads;   /* HTTP handler threads, 0 = 2 x CPUs */
    long workers;           /* triage worker threads, default 2 */
    double rate_limit;      /* requests per second per API key, 0 = unlimited */
    double rate_burst;      /* bucket size */
    long max_attempts;      /* job attempts before dead-letter */
    long lease_ms;          /* job visibility timeout */
    long backoff_ms;        /* first retry delay */
    long header_timeout_ms; /* slow-client limits */
    long body_timeout_ms;
    long idle_timeout_ms;
    long shutdown_timeout_ms;  /* drain on SIGTERM */
    long max_log_bytes;        /* log upload cap (after gunzip) */
    long llm_timeout_ms;       /* one LLM call, retries included */
    char retrain_interval[32]; /* "off" or e.g. "24h": scheduled retraining from new labels */
    double drift_threshold;    /* PSI above which a model_drift warning is raised */
    long drift_window_days;    /* incoming failures compared with the training set */
    long drift_min_samples;    /* fewer failures never count as drift */
};

/* Fills the defaults. */
void wf_server_config_init(struct wf_server_config *c);
/* Applies WORKFLOWAI_<KEY> environment variables (KEY = the config key
 * upper-cased, '-' -> '_'). WF_EINVAL with a message in err for a bad value. */
int wf_server_config_env(struct wf_server_config *c, struct wf_buf *err);
/* Applies a config file of `key = value` lines ('#' comments; keys as in
 * --help without the dashes). WF_EINVAL/WF_ENOENT with "FILE:LINE: ..." in err. */
int wf_server_config_file(struct wf_server_config *c, const char *path, struct wf_buf *err);
/* Applies one `--key value` / `--key=value` flag. Returns 1 when the flag
 * was a config key (and consumed *value), 0 when unknown, -1 on a bad value
 * (message in err). */
int wf_server_config_flag(struct wf_server_config *c, const char *key, const char *value,
                          struct wf_buf *err);
/* Prints "  --key VALUE   help (default ...)" for every config key. */
void wf_server_config_help(FILE *out);

/* Runs the service until SIGTERM/SIGINT, then drains in-flight requests and
 * jobs and closes the store. Returns a process exit status (0 on a clean
 * stop); start-up failures are printed to stderr. */
int wf_server_run(const struct wf_server_config *c);

/* ---- Administration (used by the CLI on a store URL) -------------------------------- */

/* Creates or updates a tenant; NULL/"" secrets keep what is stored. */
int wf_server_tenant_add(const char *store_url, const char *id, const char *name,
                         const char *github_secret, const char *gitlab_token,
                         const char *generic_secret, struct wf_buf *err);
/* Creates an API key for a tenant (which must exist). key gets the secret
 * key (shown once; 64 bytes), key_id its public id (16 bytes). */
int wf_server_key_create(const char *store_url, const char *tenant, const char *name, char *key,
                         char *key_id, struct wf_buf *err);
int wf_server_key_revoke(const char *store_url, const char *tenant, const char *key_id,
                         struct wf_buf *err);
/* Appends the tenant's keys (JSON array, one line) or tenants to out. */
int wf_server_key_list(const char *store_url, const char *tenant, struct wf_buf *out,
                       struct wf_buf *err);
/* Signs an HS256 JWT for tenant valid ttl_s seconds (0 = no exp). */
int wf_server_token(const char *secret, const char *tenant, const char *sub, long ttl_s,
                    struct wf_buf *out);

#endif
