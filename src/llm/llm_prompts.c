/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every prompt the project sends to a language model, in one table, and the
 * renderer of their "{{name}}" placeholders. A prompt change is a change of
 * this file only; the callers name the prompt and give the values.
 */
#include "llm/llm.h"

#include <string.h>

/* clang-format off */
static const struct wf_llm_prompt prompts[] = {
    {
        "review",
        "You are a meticulous senior code reviewer. You review one file of a change at a time "
        "and report only real problems a maintainer would want fixed before merging: bugs, "
        "security issues, resource leaks, missing error handling, race conditions, clear "
        "performance traps. Do not comment on style or formatting, do not praise, do not "
        "repeat the code. Text such as [REDACTED:label:abcd] stands for a removed secret; do "
        "not comment on it. Answer with a JSON array only, no prose and no code fences.",
        "Review the changes to the file `{{path}}`.\n"
        "\n"
        "Each line below starts with '+' (added), ' ' (unchanged context) or '-' (deleted), "
        "then the line number in the new file (blank for deleted lines), then '|' and the "
        "text. Comment on added ('+') lines only, using their number.\n"
        "\n"
        "{{hunks}}\n"
        "\n"
        "Answer with a JSON array of at most {{max_comments}} objects, each "
        "{\"path\": \"{{path}}\", \"line\": <number of an added line>, \"severity\": "
        "\"error\" | \"warning\" | \"note\", \"message\": \"<one or two sentences: the "
        "problem and how to fix it>\"}. Use \"error\" for bugs and security issues, "
        "\"warning\" for likely problems, \"note\" for minor ones. Answer [] when there is "
        "nothing worth a comment.",
    },
    {
        "kb_answer",
        "You answer questions of software engineers from their team's runbooks and "
        "documentation. Use only the numbered sources you are given. Cite the source of every "
        "statement with its number in square brackets, like [1] or [2][3], right after the "
        "statement. Never cite a number that is not in the list. If the sources do not answer "
        "the question, say so in one sentence. Text such as [REDACTED:label:abcd] stands for a "
        "removed secret; never guess or reconstruct it. Be concise: short paragraphs or a "
        "numbered list of steps.",
        "Sources:\n"
        "\n"
        "{{sources}}\n"
        "\n"
        "Question: {{question}}\n"
        "\n"
        "Answer from the sources above, citing them as [n].",
    },
};
/* clang-format on */

const struct wf_llm_prompt *wf_llm_prompts(size_t *n)
{
    *n = sizeof(prompts) / sizeof(prompts[0]);
    return prompts;
}

const struct wf_llm_prompt *wf_llm_prompt(const char *name)
{
    for (size_t i = 0; i < sizeof(prompts) / sizeof(prompts[0]); i++)
        if (strcmp(prompts[i].name, name) == 0)
            return &prompts[i];
    return NULL;
}

int wf_llm_render(const char *tmpl, const char *const *keys, const struct wf_str *vals, size_t n,
                  struct wf_buf *out)
{
    size_t mark = out->len;
    int rc = WF_OK;
    const char *p = tmpl;
    while (!rc && *p) {
        const char *open = strstr(p, "{{");
        const char *close = open ? strstr(open + 2, "}}") : NULL;
        if (!open || !close) {
            rc = wf_buf_puts(out, p);
            break;
        }
        rc = wf_buf_append(out, p, (size_t)(open - p));
        size_t klen = (size_t)(close - open - 2);
        size_t k = 0;
        while (k < n && !(strlen(keys[k]) == klen && memcmp(keys[k], open + 2, klen) == 0))
            k++;
        if (!rc && k == n)
            rc = WF_EINVAL;
        if (!rc)
            rc = wf_buf_append(out, vals[k].p, vals[k].len);
        p = close + 2;
    }
    if (rc) {
        out->len = mark;
        if (out->p)
            out->p[mark] = '\0';
    }
    return rc;
}
