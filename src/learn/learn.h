/* SPDX-License-Identifier: Apache-2.0 */
/*
 * learn: the loop from people's feedback back into the models. Parses and
 * validates feedback (labels), measures agreement between labelers and
 * resolves conflicting labels, retrains the triage classifier from the
 * built-in corpus plus a tenant's resolved labels, evaluates candidates on
 * a fixed held-out split and promotes only those not worse than the active
 * model, and measures drift of incoming failures against the training set.
 * It keeps no state of its own: rows come from and go to the store; the
 * statistics are src/ml's. Depends on store, triage, ml, redact.
 */
#ifndef WF_LEARN_H
#define WF_LEARN_H

#include <stdint.h>

#include <jansson.h>

#include "ml/ml.h"
#include "redact/redact.h"
#include "store/store.h"
#include "util/util.h"

/* Bytes of a feedback request body. */
#define WF_LEARN_FEEDBACK_BYTES (64u * 1024u)

/* ---- Feedback ------------------------------------------------------------------ */

/* A parsed POST /v1/feedback body; owned copies, "" when absent. */
struct wf_learn_feedback {
    char kind[16];                      /* category | helpful | resolution | pr_outcome */
    int64_t failure_id;                 /* category; helpful with target "failure" */
    char value[64];                     /* category name, "yes"/"no", "defect"/"clean" */
    char target[16];                    /* helpful: failure | answer */
    char target_id[128];                /* helpful */
    char signature[65];                 /* resolution: hex signature */
    char note[WF_STORE_NOTE_BYTES + 1]; /* resolution note or helpful comment (not redacted) */
    char fix_commit[65];                /* resolution: hex commit sha */
    char repo[256];                     /* pr_outcome */
    int64_t number;                     /* pr_outcome */
};

/* Parses and validates a feedback body (borrowed). WF_EFORMAT when it is
 * not a JSON object, WF_EINVAL when a field is missing, of the wrong type
 * or out of range, WF_ETOOBIG past WF_LEARN_FEEDBACK_BYTES; the message in
 * err (optional) starts with the field's name ("category: unknown
 * category 'x'"). Category names are the triage taxonomy's. Never crashes
 * on any input; out is written only on WF_OK. */
int wf_learn_feedback_parse(const char *body, size_t len, struct wf_learn_feedback *out,
                            struct wf_buf *err);

/* A category by its name, a name wf_triage_category_parse knows, or the
 * first word of exactly one category ("test" -> test_failure, "ci" ->
 * ci_config); -1 when unknown or ambiguous. */
int wf_learn_category_parse(const char *name);

/* The store label of parsed feedback for tenant and principal `by`; note
 * is the redacted note. Every pointer borrowed (from fb, tenant, by, note)
 * for as long as *out is used. */
void wf_learn_feedback_label(const struct wf_learn_feedback *fb, const char *tenant, const char *by,
                             const char *note, struct wf_store_label *out);

/* Redacts free text (several lines allowed) with opts (NULL = defaults)
 * into out (appended, always terminated). WF_ENOMEM, WF_ETOOBIG. */
int wf_learn_redact(const struct wf_redact_opts *opts, const char *text, struct wf_buf *out);

/* ---- Agreement and resolved labels ------------------------------------------------ */

/* One failure's resolved category label. */
struct wf_learn_resolved {
    int64_t failure_id;
    int category;   /* enum wf_triage_category */
    size_t n_votes; /* labelers who labelled it */
    int conflict;   /* 1 when they did not all agree */
    int64_t at_ms;  /* the latest label's time */
};

/* Reads every category label of the tenant (at most
 * WF_LEARN_MAX_LABELS), keeps each labeler's latest label per failure and
 * resolves each failure with wf_ml_resolve_votes (majority; a tie goes to
 * the most recently labelled class). Returns an owned array (free with
 * wf_free), oldest failure first. Labels naming an unknown category are
 * skipped. Store errors. */
int wf_learn_resolved_labels(struct wf_store *st, const char *tenant,
                             struct wf_learn_resolved **out, size_t *n);

#define WF_LEARN_MAX_LABELS 200000u

/* Agreement between the tenant's labelers on category labels:
 * {"min_shared":N,"labelers":[{"by","labels"}],"pairs":[{"a","b","shared",
 * "observed","kappa"}] (pairs with >= min_shared failures in common),
 * "overall":{"kappa","observed","items","pairs"} (Cohen's kappa over the
 * pooled items of those pairs; null kappa when none), "failures":n,
 * "conflicts":n, "rule":"..."}. Returns owned json. */
int wf_learn_agreement(struct wf_store *st, const char *tenant, size_t min_shared, json_t **out);

/* ---- Features recorded with each failure ---------------------------------------- */

struct wf_triage_result;

/* Top probability minus the runner-up's (0..1): how sure the classifier
 * was. 1 when n < 2. */
double wf_learn_margin(const double *probs, size_t n);
/* Lines in the result's excerpt blocks (the "key lines"). */
size_t wf_learn_key_lines(const struct wf_triage_result *r);

#endif
