/* SPDX-License-Identifier: Apache-2.0 */
/*
 * llm: a small client for OpenAI-compatible chat-completions endpoints
 * (Ollama, vLLM, llama.cpp server, OpenAI), non-streaming and streaming
 * (server-sent events), with retries, a deadline and a prompt-token budget;
 * the table of prompt templates; and helpers that pull JSON out of model
 * output. The module never redacts: everything handed to it must already be
 * redacted by the caller (see docs/internals/llm.md). Depends on util,
 * libcurl and jansson.
 */
#ifndef WF_LLM_H
#define WF_LLM_H

#include "util/util.h"

#include <stddef.h>

#define WF_LLM_DEFAULT_TIMEOUT_MS 60000L     /* whole call, retries and waits included */
#define WF_LLM_DEFAULT_MAX_RETRIES 2         /* extra attempts after the first */
#define WF_LLM_DEFAULT_BACKOFF_MS 500L       /* first wait; doubles per retry */
#define WF_LLM_MAX_BACKOFF_MS 30000L         /* cap on one wait (Retry-After included) */
#define WF_LLM_DEFAULT_MAX_TOKENS 1024L      /* completion tokens asked for */
#define WF_LLM_DEFAULT_PROMPT_TOKENS 8192u   /* estimated prompt tokens allowed per call */
#define WF_LLM_MAX_RESPONSE_BYTES (8u << 20) /* body of one response */
#define WF_LLM_MAX_TEXT_BYTES (1u << 20)     /* generated text kept from one call */
#define WF_LLM_MAX_SSE_LINE_BYTES (1u << 20) /* one line of an event stream */
#define WF_LLM_MAX_REQUEST_BYTES (4u << 20)  /* JSON body sent */
#define WF_LLM_MAX_URL_BYTES 2048u           /* base_url */
#define WF_LLM_MAX_KEY_BYTES 1024u           /* api_key */
#define WF_LLM_MAX_MESSAGES 64u              /* messages in one call */
#define WF_LLM_TRUNCATED_MARK "\n[... truncated to fit the token budget]"

/* Connection and generation settings. Strings are borrowed. */
struct wf_llm_config {
    const char *base_url;     /* e.g. "http://localhost:11434/v1" (POST {base}/chat/completions) */
    const char *api_key;      /* sent as "Authorization: Bearer <key>"; NULL/"" = none */
    const char *model;        /* model name, required */
    long timeout_ms;          /* deadline of one wf_llm_chat, all attempts and waits */
    int max_retries;          /* retries after 429, 5xx or a transport error */
    long backoff_ms;          /* first retry wait, doubled each time (Retry-After wins) */
    long max_tokens;          /* "max_tokens" of the request; 0 = not sent */
    double temperature;       /* "temperature"; < 0 = not sent */
    size_t max_prompt_tokens; /* budget: estimated prompt tokens per call; 0 = no budget */
    int truncate;             /* over budget: 1 truncates the last user message, 0 refuses */
};

/* Fills the defaults above; base_url and model are NULL, temperature 0. */
void wf_llm_config_init(struct wf_llm_config *c);

enum wf_llm_role { WF_LLM_SYSTEM, WF_LLM_USER, WF_LLM_ASSISTANT };

/* One chat message; content borrowed, must already be redacted. */
struct wf_llm_msg {
    enum wf_llm_role role;
    struct wf_str content;
};

/* Token counts the server reported (-1 when it did not). */
struct wf_llm_usage {
    long prompt_tokens;
    long completion_tokens;
    long total_tokens;
};

/* Per-call options (all optional: NULL opts = non-streaming). */
struct wf_llm_chat_opts {
    int stream; /* 1: "stream": true, deltas through on_delta */
    /* Called for every non-empty content delta, in order (p borrowed for the
     * call). A non-zero return stops the call with that code. */
    int (*on_delta)(void *ud, const char *p, size_t len);
    void *ud;
    struct wf_llm_usage *usage; /* receives the usage (optional) */
    int *truncated;             /* receives 1 when the budget truncated the prompt */
    int *attempts;              /* receives the number of HTTP attempts made */
};

/* Estimated prompt tokens of messages: ceil(bytes / 4) + 4 per message,
 * an upper-leaning guess for BPE tokenizers on code and English. */
size_t wf_llm_estimate_tokens(const struct wf_llm_msg *msgs, size_t n);

/* Sends one chat completion and appends the generated text (the whole of
 * choices[0].message.content, or every delta concatenated when streaming)
 * to out_text. msgs (borrowed, n >= 1) must already be redacted.
 * Retries 429, 5xx and transport errors with exponential backoff (waits
 * honour Retry-After) while the deadline allows and, when streaming, no
 * delta has been delivered yet. Redirects are not followed.
 * Errors: WF_EINVAL (bad config or messages), WF_ETOOBIG (prompt over the
 * budget with truncate 0, response past a cap), WF_EAUTH (401/403),
 * WF_ERATE (429 after retries), WF_ETIMEOUT, WF_EUPSTREAM (transport, other
 * statuses, 5xx after retries), WF_EFORMAT (unparseable response or no
 * content), WF_ENOMEM, or the code on_delta returned. On error out_text is
 * unchanged and a message goes to err (optional, reset first; it never
 * holds the key or a URL's user info or query). Thread-safe when
 * wf_llm_global_init() was called first. */
int wf_llm_chat(const struct wf_llm_config *cfg, const struct wf_llm_msg *msgs, size_t n,
                const struct wf_llm_chat_opts *opts, struct wf_buf *out_text, struct wf_buf *err);

/* curl_global_init for the client; call once before threads start. */
int wf_llm_global_init(void);
void wf_llm_global_cleanup(void);

/* ---- Parsers: pure functions over bytes (no I/O, fuzzed) -------------- */

/* Parses a non-streaming response body: appends choices[0].message.content
 * to text and fills *usage (optional). WF_EFORMAT when the body is not such
 * a response (an {"error": ...} body included), WF_ETOOBIG/WF_ENOMEM from
 * text (then unchanged). */
int wf_llm_parse_response(const char *p, size_t len, struct wf_buf *text,
                          struct wf_llm_usage *usage);

/* Chunk-safe parser of a text/event-stream of chat-completion chunks: lines
 * end in LF, CRLF or CR (a pair split between chunks included); "data:"
 * lines of one event are joined with LF and the event is dispatched at a
 * blank line; comments (":") and other fields are ignored. Each event's
 * choices[0].delta.content goes to on_delta, a "usage" object to usage;
 * "data: [DONE]" ends the stream (later bytes are ignored). Caller-owned. */
struct wf_llm_sse {
    struct wf_buf line;        /* the line being read */
    struct wf_buf data;        /* data of the event being read */
    int has_data;              /* a data field was seen in this event */
    int cr;                    /* the last byte fed was CR (an LF right after belongs to it) */
    int done;                  /* [DONE] seen */
    size_t n_events;           /* events dispatched */
    struct wf_llm_usage usage; /* last usage seen; -1 fields when none */
    int (*on_delta)(void *ud, const char *p, size_t len);
    void *ud;
};

void wf_llm_sse_init(struct wf_llm_sse *s, int (*on_delta)(void *ud, const char *p, size_t len),
                     void *ud);
void wf_llm_sse_cleanup(struct wf_llm_sse *s);
/* Feeds any slice of the stream. WF_EFORMAT on an event that is not a chunk
 * (or carries "error"), WF_ETOOBIG past WF_LLM_MAX_SSE_LINE_BYTES in a line
 * or an event, WF_ENOMEM, or on_delta's code; the parser is then unusable. */
int wf_llm_sse_feed(struct wf_llm_sse *s, const char *p, size_t len);
/* End of input: dispatches a pending event. WF_EFORMAT when [DONE] never
 * came (a cut stream). */
int wf_llm_sse_finish(struct wf_llm_sse *s);

/* ---- Output validation ------------------------------------------------- */

/* Finds the JSON value of the wanted kind ('[' array or '{' object) in
 * model output that may wrap it in ```json fences or prose: first the
 * contents of each fenced block (the first that parses wins), then each
 * '[' / '{' of the text (at most 256 tries in all), where the longest value
 * that parses as that kind wins; text after a value is ignored.
 * *span (borrowed from p) covers exactly the value. WF_EFORMAT when there
 * is none, WF_EINVAL for another kind. Validating the shape is up to the
 * caller. Thread-safe. */
int wf_llm_extract_json(const char *p, size_t len, int kind, struct wf_str *span);

/* ---- Citations ------------------------------------------------------------ */

#define WF_LLM_MAX_CITE_NUMBER 9999 /* larger numbers in brackets are not citations */

/* Validates the citation markers of a model answer written over n_sources
 * numbered sources ([1]..[n_sources]). A marker is "[" digits ("," or ";"
 * and blanks between numbers allowed) "]": "[2]", "[1, 3]"; adjacent
 * markers ("[1][2]") are separate markers. Numbers in 1..n_sources are
 * kept and flagged in used[number - 1] (used: n_sources bytes, zeroed by
 * the caller, optional); other numbers are dropped from their marker, and
 * a marker left empty is removed. Brackets that are not markers
 * ("[REDACTED:x:ab12]", "[x]") are kept as they are. Appends the cleaned
 * text to out; *n_valid (optional) gets the count of kept numbers.
 * Errors: WF_ETOOBIG/WF_ENOMEM from out (then unchanged). Pure, thread-safe. */
int wf_llm_citations(const char *p, size_t len, size_t n_sources, struct wf_buf *out,
                     unsigned char *used, size_t *n_valid);

/* ---- Prompts ------------------------------------------------------------ */

/* A named prompt template. Placeholders are "{{name}}". All static. */
struct wf_llm_prompt {
    const char *name;   /* "review" */
    const char *system; /* system message (no placeholders) */
    const char *user;   /* user message template */
};

/* The prompt table (static). *n receives its length. */
const struct wf_llm_prompt *wf_llm_prompts(size_t *n);
/* The prompt called name, NULL when none. */
const struct wf_llm_prompt *wf_llm_prompt(const char *name);
/* Appends tmpl with every "{{keys[i]}}" replaced by vals[i] (borrowed).
 * WF_EINVAL for a placeholder without a value, WF_ETOOBIG/WF_ENOMEM from
 * out (then unchanged). */
int wf_llm_render(const char *tmpl, const char *const *keys, const struct wf_str *vals, size_t n,
                  struct wf_buf *out);

#endif
