/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SQLite backend of the store. One writer thread owns the write
 * connection: callers submit each write as a closure and block until the
 * transaction holding it has committed; the writer runs every pending write
 * in one BEGIN IMMEDIATE ... COMMIT (one savepoint each, so a failing write
 * fails alone) and the commit's fsync is shared by the whole batch. Reads go
 * through a pool of query_only connections that WAL never blocks. The
 * schema is a numbered list of migrations; everything dialect-specific
 * stays in this file.
 */
#include "store/store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- Schema ------------------------------------------------------------------ */

/* Numbered migrations: append only, never edit one that shipped. Each runs in
 * its own transaction together with the row recording its version. */
static const char *const migrations[] = {
    /* 1: the initial schema */
    "CREATE TABLE tenants("
    " id TEXT PRIMARY KEY, name TEXT NOT NULL DEFAULT '',"
    " github_secret TEXT NOT NULL DEFAULT '', gitlab_token TEXT NOT NULL DEFAULT '',"
    " generic_secret TEXT NOT NULL DEFAULT '', created_ms INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE api_keys("
    " id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, key_id TEXT NOT NULL,"
    " hash TEXT NOT NULL UNIQUE, name TEXT NOT NULL DEFAULT '', created_ms INTEGER NOT NULL,"
    " revoked_ms INTEGER NOT NULL DEFAULT 0, UNIQUE(tenant, key_id));"
    "CREATE TABLE deliveries("
    " id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, provider TEXT NOT NULL,"
    " delivery TEXT NOT NULL, received_ms INTEGER NOT NULL, n_events INTEGER NOT NULL,"
    " UNIQUE(tenant, provider, delivery));"
    "CREATE TABLE events("
    " id INTEGER PRIMARY KEY, tenant TEXT NOT NULL,"
    " delivery_id INTEGER NOT NULL REFERENCES deliveries(id),"
    " kind TEXT NOT NULL, action TEXT NOT NULL, repo TEXT NOT NULL, branch TEXT NOT NULL,"
    " sha TEXT NOT NULL, external_id TEXT NOT NULL, parent_id TEXT NOT NULL,"
    " name TEXT NOT NULL, status TEXT NOT NULL, conclusion TEXT NOT NULL, url TEXT NOT NULL,"
    " occurred_ms INTEGER NOT NULL, received_ms INTEGER NOT NULL, data TEXT);"
    "CREATE INDEX events_kind ON events(tenant, kind, occurred_ms);"
    "CREATE INDEX events_delivery ON events(delivery_id);"
    "CREATE TABLE builds("
    " id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, provider TEXT NOT NULL,"
    " external_id TEXT NOT NULL, parent_id TEXT NOT NULL DEFAULT '',"
    " repo TEXT NOT NULL DEFAULT '', branch TEXT NOT NULL DEFAULT '',"
    " sha TEXT NOT NULL DEFAULT '', name TEXT NOT NULL DEFAULT '',"
    " status TEXT NOT NULL DEFAULT '', conclusion TEXT NOT NULL DEFAULT '',"
    " url TEXT NOT NULL DEFAULT '', status_rank INTEGER NOT NULL DEFAULT 0,"
    " occurred_ms INTEGER NOT NULL DEFAULT 0, failure_enqueued INTEGER NOT NULL DEFAULT 0,"
    " created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL,"
    " UNIQUE(tenant, provider, external_id));"
    "CREATE INDEX builds_repo ON builds(tenant, repo, updated_ms);"
    "CREATE TABLE logs("
    " build_id INTEGER PRIMARY KEY REFERENCES builds(id), tenant TEXT NOT NULL,"
    " raw_len INTEGER NOT NULL, data BLOB NOT NULL, created_ms INTEGER NOT NULL);"
    "CREATE INDEX logs_tenant ON logs(tenant, build_id);"
    "CREATE TABLE failures("
    " id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, build_id INTEGER NOT NULL DEFAULT 0,"
    " repo TEXT NOT NULL, branch TEXT NOT NULL, category TEXT NOT NULL,"
    " confidence REAL NOT NULL, signature TEXT NOT NULL, step TEXT NOT NULL,"
    " title TEXT NOT NULL, report TEXT NOT NULL, model_version TEXT NOT NULL,"
    " created_ms INTEGER NOT NULL);"
    "CREATE UNIQUE INDEX failures_build ON failures(tenant, build_id) WHERE build_id > 0;"
    "CREATE INDEX failures_tenant ON failures(tenant, id);"
    "CREATE INDEX failures_signature ON failures(tenant, signature, id);"
    "CREATE TABLE signatures("
    " id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, signature TEXT NOT NULL,"
    " category TEXT NOT NULL, title TEXT NOT NULL, count INTEGER NOT NULL,"
    " first_seen_ms INTEGER NOT NULL, last_seen_ms INTEGER NOT NULL,"
    " UNIQUE(tenant, signature));"
    "CREATE INDEX signatures_seen ON signatures(tenant, last_seen_ms);"
    "CREATE TABLE jobs("
    " id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, kind TEXT NOT NULL,"
    " payload TEXT NOT NULL,"
    " state TEXT NOT NULL CHECK(state IN ('ready', 'leased', 'done', 'dead')),"
    " attempts INTEGER NOT NULL DEFAULT 0, max_attempts INTEGER NOT NULL,"
    " available_ms INTEGER NOT NULL, lease_until_ms INTEGER NOT NULL DEFAULT 0,"
    " lease_token INTEGER NOT NULL DEFAULT 0, last_error TEXT NOT NULL DEFAULT '',"
    " created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL);"
    "CREATE INDEX jobs_state ON jobs(state, available_ms);"
    "CREATE INDEX jobs_tenant ON jobs(tenant, state, id);",
    /* 2: pull request reviews */
    "CREATE TABLE reviews("
    " id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, provider TEXT NOT NULL,"
    " repo TEXT NOT NULL, number TEXT NOT NULL, sha TEXT NOT NULL, score REAL NOT NULL,"
    " findings INTEGER NOT NULL, report TEXT NOT NULL, posted INTEGER NOT NULL,"
    " created_ms INTEGER NOT NULL, UNIQUE(tenant, provider, repo, number, sha));"
    "CREATE INDEX reviews_pr ON reviews(tenant, repo, number, id);",
    /* 3: knowledge base documents and their chunks (text already redacted) */
    "CREATE TABLE kb_documents("
    " id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, name TEXT NOT NULL, format TEXT NOT NULL,"
    " sha256 TEXT NOT NULL, bytes INTEGER NOT NULL, n_chunks INTEGER NOT NULL,"
    " raw_len INTEGER NOT NULL, data BLOB NOT NULL,"
    " added_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL, UNIQUE(tenant, name));"
    "CREATE TABLE kb_chunks("
    " doc_id INTEGER NOT NULL REFERENCES kb_documents(id) ON DELETE CASCADE,"
    " seq INTEGER NOT NULL, tenant TEXT NOT NULL, heading TEXT NOT NULL,"
    " line_start INTEGER NOT NULL, line_end INTEGER NOT NULL, text TEXT NOT NULL,"
    " embedding BLOB, embed_model TEXT NOT NULL DEFAULT '', PRIMARY KEY(doc_id, seq));"
    "CREATE INDEX kb_chunks_tenant ON kb_chunks(tenant, doc_id, seq);",
    /* 4: feedback labels, model versions, notices; drift features of failures */
    "ALTER TABLE failures ADD COLUMN margin REAL NOT NULL DEFAULT 1;"
    "ALTER TABLE failures ADD COLUMN log_bytes INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE failures ADD COLUMN key_lines INTEGER NOT NULL DEFAULT 0;"
    "CREATE TABLE labels("
    " id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, kind TEXT NOT NULL,"
    " failure_id INTEGER NOT NULL DEFAULT 0, value TEXT NOT NULL DEFAULT '',"
    " target TEXT NOT NULL DEFAULT '', target_id TEXT NOT NULL DEFAULT '',"
    " signature TEXT NOT NULL DEFAULT '', note TEXT NOT NULL DEFAULT '',"
    " fix_commit TEXT NOT NULL DEFAULT '', repo TEXT NOT NULL DEFAULT '',"
    " number INTEGER NOT NULL DEFAULT 0, labeler TEXT NOT NULL, created_ms INTEGER NOT NULL);"
    "CREATE INDEX labels_kind ON labels(tenant, kind, id);"
    "CREATE INDEX labels_failure ON labels(tenant, failure_id, kind);"
    "CREATE INDEX labels_signature ON labels(tenant, signature, kind, id);"
    "CREATE TABLE models("
    " id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, kind TEXT NOT NULL,"
    " version INTEGER NOT NULL, status TEXT NOT NULL"
    " CHECK(status IN ('candidate', 'active', 'retired', 'rejected')),"
    " created_ms INTEGER NOT NULL, training_hash TEXT NOT NULL, metrics TEXT NOT NULL,"
    " reference TEXT NOT NULL, reason TEXT NOT NULL, n_labels INTEGER NOT NULL,"
    " model TEXT NOT NULL, UNIQUE(tenant, kind, version));"
    "CREATE TABLE notices("
    " id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL,"
    " data TEXT NOT NULL, created_ms INTEGER NOT NULL, UNIQUE(tenant, kind, key));",
};
#define N_MIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

/* ---- Statements (prepared once per connection) --------------------------------- */

enum sq_stmt {
    SQ_PING,
    SQ_TENANT_PUT,
    SQ_TENANT_GET,
    SQ_TENANT_LIST,
    SQ_KEY_PUT,
    SQ_KEY_FIND,
    SQ_KEY_REVOKE,
    SQ_KEY_LIST,
    SQ_DELIVERY_INSERT,
    SQ_DELIVERY_FIND,
    SQ_EVENT_INSERT,
    SQ_BUILD_STATE,
    SQ_BUILD_INSERT,
    SQ_BUILD_UPDATE,
    SQ_BUILD_MARK_ENQUEUED,
    SQ_BUILD_GET,
    SQ_BUILD_FIND,
    SQ_BUILD_OWNED,
    SQ_LOG_PUT,
    SQ_LOG_GET,
    SQ_FAILURE_OF_BUILD,
    SQ_FAILURE_INSERT,
    SQ_FAILURE_UPDATE,
    SQ_FAILURE_LIST,
    SQ_FAILURE_GET,
    SQ_SIG_ADD,
    SQ_SIG_SUB,
    SQ_SIG_PRUNE,
    SQ_SIG_COUNT,
    SQ_SIG_LIST,
    SQ_JOB_INSERT,
    SQ_REVIEW_PUT,
    SQ_REVIEW_LIST,
    SQ_JOB_NEXT,
    SQ_JOB_LEASE,
    SQ_JOB_EXPIRE,
    SQ_JOB_ACK,
    SQ_JOB_RETRY,
    SQ_JOB_DEAD,
    SQ_JOB_COUNTS,
    SQ_JOB_DEAD_LIST,
    SQ_EVENTS_READ,
    SQ_KB_DOC_FIND,
    SQ_KB_DOC_INSERT,
    SQ_KB_DOC_UPDATE,
    SQ_KB_DOC_DELETE,
    SQ_KB_DOC_LIST,
    SQ_KB_DOC_GET,
    SQ_KB_DOC_GET_NAME,
    SQ_KB_CHUNKS_DELETE,
    SQ_KB_CHUNK_INSERT,
    SQ_KB_CHUNKS_READ,
    SQ_KB_CHUNK_SEQS,
    SQ_KB_VEC_UPDATE,
    SQ_LABEL_INSERT,
    SQ_LABEL_LIST,
    SQ_LABEL_QUEUE,
    SQ_FAILURE_EXISTS,
    SQ_SIG_EXISTS,
    SQ_MODEL_NEXT,
    SQ_MODEL_RETIRE,
    SQ_MODEL_INSERT,
    SQ_MODEL_LIST,
    SQ_MODEL_GET,
    SQ_MODEL_STATUS,
    SQ_MODEL_SET,
    SQ_NOTICE_PUT,
    SQ_NOTICE_LIST,
    SQ__COUNT
};

#define BUILD_COLS                                                                                 \
    "b.id, b.tenant, b.provider, b.external_id, b.parent_id, b.repo, b.branch, b.sha, b.name,"     \
    " b.status, b.conclusion, b.url, b.updated_ms,"                                                \
    " EXISTS(SELECT 1 FROM logs l WHERE l.build_id = b.id)"

#define FAILURE_COLS                                                                               \
    "f.id, f.build_id, f.repo, f.branch, f.category, f.confidence, f.signature, f.step,"           \
    " f.title, f.created_ms, COALESCE(s.count, 0), f.margin, f.log_bytes, f.key_lines,"            \
    " f.model_version"

/* The latest resolution recorded for signature column `sig` as a JSON object (or NULL). */
#define RESOLUTION_OF(sig)                                                                         \
    "(SELECT json_object('note', r.note, 'fix_commit', r.fix_commit, 'by', r.labeler, 'at',"       \
    " strftime('%Y-%m-%dT%H:%M:%SZ', r.created_ms / 1000, 'unixepoch')) FROM labels r"             \
    " WHERE r.tenant = ?1 AND r.kind = 'resolution' AND r.signature = " sig                        \
    " ORDER BY r.id DESC LIMIT 1)"

#define MODEL_COLS                                                                                 \
    "kind, version, status, created_ms, training_hash, metrics, reference, reason, n_labels"

static const char *const sq_sql[SQ__COUNT] = {
    [SQ_PING] = "SELECT 1",
    [SQ_TENANT_PUT] =
        "INSERT INTO tenants(id, name, github_secret, gitlab_token, generic_secret, created_ms)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(id) DO UPDATE SET name = excluded.name,"
        " github_secret = COALESCE(NULLIF(excluded.github_secret, ''), github_secret),"
        " gitlab_token = COALESCE(NULLIF(excluded.gitlab_token, ''), gitlab_token),"
        " generic_secret = COALESCE(NULLIF(excluded.generic_secret, ''), generic_secret)",
    [SQ_TENANT_GET] = "SELECT id, name, github_secret, gitlab_token, generic_secret, created_ms"
                      " FROM tenants WHERE id = ?1",
    [SQ_TENANT_LIST] = "SELECT id, name, created_ms FROM tenants ORDER BY id LIMIT ?1",
    [SQ_KEY_PUT] = "INSERT INTO api_keys(tenant, key_id, hash, name, created_ms)"
                   " VALUES(?1, ?2, ?3, ?4, ?5)",
    [SQ_KEY_FIND] = "SELECT tenant, key_id FROM api_keys WHERE hash = ?1 AND revoked_ms = 0",
    [SQ_KEY_REVOKE] = "UPDATE api_keys SET revoked_ms = CASE WHEN revoked_ms = 0 THEN ?3"
                      " ELSE revoked_ms END WHERE tenant = ?1 AND key_id = ?2",
    [SQ_KEY_LIST] = "SELECT key_id, name, created_ms, revoked_ms FROM api_keys WHERE tenant = ?1"
                    " ORDER BY id DESC LIMIT ?2",
    [SQ_DELIVERY_INSERT] = "INSERT INTO deliveries(tenant, provider, delivery, received_ms,"
                           " n_events) VALUES(?1, ?2, ?3, ?4, ?5)"
                           " ON CONFLICT(tenant, provider, delivery) DO NOTHING",
    [SQ_DELIVERY_FIND] =
        "SELECT id FROM deliveries WHERE tenant = ?1 AND provider = ?2 AND delivery = ?3",
    [SQ_EVENT_INSERT] =
        "INSERT INTO events(tenant, delivery_id, kind, action, repo, branch, sha, external_id,"
        " parent_id, name, status, conclusion, url, occurred_ms, received_ms, data)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
    [SQ_BUILD_STATE] = "SELECT id, status_rank, occurred_ms, failure_enqueued FROM builds"
                       " WHERE tenant = ?1 AND provider = ?2 AND external_id = ?3",
    [SQ_BUILD_INSERT] =
        "INSERT INTO builds(tenant, provider, external_id, parent_id, repo, branch, sha, name,"
        " status, conclusion, url, status_rank, occurred_ms, created_ms, updated_ms)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14)"
        " ON CONFLICT(tenant, provider, external_id) DO NOTHING",
    [SQ_BUILD_UPDATE] =
        "UPDATE builds SET parent_id = COALESCE(NULLIF(?2, ''), parent_id),"
        " repo = COALESCE(NULLIF(?3, ''), repo), branch = COALESCE(NULLIF(?4, ''), branch),"
        " sha = COALESCE(NULLIF(?5, ''), sha), name = COALESCE(NULLIF(?6, ''), name),"
        " status = ?7, conclusion = ?8, url = COALESCE(NULLIF(?9, ''), url),"
        " status_rank = ?10, occurred_ms = max(occurred_ms, ?11), updated_ms = ?12"
        " WHERE id = ?1",
    [SQ_BUILD_MARK_ENQUEUED] = "UPDATE builds SET failure_enqueued = 1 WHERE id = ?1",
    [SQ_BUILD_GET] = "SELECT " BUILD_COLS " FROM builds b WHERE b.tenant = ?1 AND b.id = ?2",
    [SQ_BUILD_FIND] = "SELECT " BUILD_COLS " FROM builds b WHERE b.tenant = ?1"
                      " AND b.provider = ?2 AND b.external_id = ?3",
    [SQ_BUILD_OWNED] = "SELECT 1 FROM builds WHERE id = ?1 AND tenant = ?2",
    [SQ_LOG_PUT] = "INSERT INTO logs(build_id, tenant, raw_len, data, created_ms)"
                   " VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(build_id) DO UPDATE SET"
                   " raw_len = excluded.raw_len, data = excluded.data,"
                   " created_ms = excluded.created_ms",
    [SQ_LOG_GET] = "SELECT raw_len, data FROM logs WHERE tenant = ?1 AND build_id = ?2",
    [SQ_FAILURE_OF_BUILD] =
        "SELECT id, signature FROM failures WHERE tenant = ?1 AND build_id = ?2",
    [SQ_FAILURE_INSERT] =
        "INSERT INTO failures(tenant, build_id, repo, branch, category, confidence, signature,"
        " step, title, report, model_version, created_ms, margin, log_bytes, key_lines)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    [SQ_FAILURE_UPDATE] =
        "UPDATE failures SET repo = ?2, branch = ?3, category = ?4, confidence = ?5,"
        " signature = ?6, step = ?7, title = ?8, report = ?9, model_version = ?10,"
        " created_ms = ?11, margin = ?12, log_bytes = ?13, key_lines = ?14 WHERE id = ?1",
    [SQ_FAILURE_LIST] = "SELECT " FAILURE_COLS " FROM failures f LEFT JOIN signatures s"
                        " ON s.tenant = f.tenant AND s.signature = f.signature WHERE f.tenant = ?1"
                        " AND (?2 IS NULL OR f.repo = ?2) AND (?3 IS NULL OR f.branch = ?3)"
                        " AND (?4 IS NULL OR f.category = ?4) AND (?5 IS NULL OR f.signature = ?5)"
                        " AND (?6 = 0 OR f.created_ms >= ?6) AND (?7 = 0 OR f.created_ms < ?7)"
                        " AND (?8 = 0 OR f.id < ?8) ORDER BY f.id DESC LIMIT ?9",
    [SQ_FAILURE_GET] = "SELECT " FAILURE_COLS ", f.report, " RESOLUTION_OF(
        "f.signature") " FROM failures f"
                       " LEFT JOIN signatures s ON s.tenant = f.tenant"
                       " AND s.signature = f.signature WHERE f.tenant = ?1 AND f.id = ?2",
    [SQ_SIG_ADD] =
        "INSERT INTO signatures(tenant, signature, category, title, count, first_seen_ms,"
        " last_seen_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?6)"
        " ON CONFLICT(tenant, signature) DO UPDATE SET count = count + excluded.count,"
        " category = excluded.category, title = excluded.title,"
        " first_seen_ms = min(first_seen_ms, excluded.first_seen_ms),"
        " last_seen_ms = max(last_seen_ms, excluded.last_seen_ms)",
    [SQ_SIG_SUB] = "UPDATE signatures SET count = count - 1 WHERE tenant = ?1 AND signature = ?2",
    [SQ_SIG_PRUNE] = "DELETE FROM signatures WHERE tenant = ?1 AND signature = ?2 AND count <= 0",
    [SQ_SIG_COUNT] =
        "SELECT count, first_seen_ms FROM signatures WHERE tenant = ?1 AND signature = ?2",
    [SQ_SIG_LIST] =
        "SELECT s.signature, s.category, s.title, s.count, s.first_seen_ms, s.last_seen_ms,"
        " (SELECT json_group_array(repo) FROM (SELECT DISTINCT f.repo AS repo FROM failures f"
        "  WHERE f.tenant = s.tenant AND f.signature = s.signature AND f.repo <> ''"
        "  ORDER BY f.repo LIMIT ?9)),"
        " (SELECT json_group_array(branch) FROM (SELECT DISTINCT f.branch AS branch"
        "  FROM failures f WHERE f.tenant = s.tenant AND f.signature = s.signature"
        "  AND f.branch <> '' ORDER BY f.branch LIMIT ?9)), " RESOLUTION_OF(
            "s.signature") " FROM signatures s WHERE s.tenant = ?1 AND s.count > 0"
                           " AND (?2 IS NULL OR s.category = ?2) AND (?3 IS NULL OR s.signature = "
                           "?3)"
                           " AND (?4 = 0 OR s.last_seen_ms >= ?4) AND (?5 = 0 OR s.first_seen_ms < "
                           "?5)"
                           " AND (?6 IS NULL OR EXISTS(SELECT 1 FROM failures f WHERE f.tenant = "
                           "s.tenant"
                           "  AND f.signature = s.signature AND f.repo = ?6))"
                           " AND (?7 IS NULL OR EXISTS(SELECT 1 FROM failures f WHERE f.tenant = "
                           "s.tenant"
                           "  AND f.signature = s.signature AND f.branch = ?7))"
                           " ORDER BY s.last_seen_ms DESC, s.id DESC LIMIT ?8 OFFSET ?10",
    [SQ_REVIEW_PUT] =
        "INSERT INTO reviews(tenant, provider, repo, number, sha, score, findings, report, posted,"
        " created_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
        " ON CONFLICT(tenant, provider, repo, number, sha) DO UPDATE SET score = excluded.score,"
        " findings = excluded.findings, report = excluded.report, posted = excluded.posted,"
        " created_ms = excluded.created_ms",
    [SQ_REVIEW_LIST] =
        "SELECT id, provider, repo, number, sha, score, findings, posted, created_ms,"
        " report FROM reviews WHERE tenant = ?1 AND (?2 IS NULL OR repo = ?2)"
        " AND (?3 IS NULL OR number = ?3) ORDER BY id DESC LIMIT 50",
    [SQ_JOB_INSERT] =
        "INSERT INTO jobs(tenant, kind, payload, state, attempts, max_attempts, available_ms,"
        " created_ms, updated_ms) VALUES(?1, ?2, ?3, 'ready', 0, ?4, ?5, ?6, ?6)",
    [SQ_JOB_NEXT] = "SELECT id, tenant, kind, payload, state, attempts, max_attempts, last_error"
                    " FROM jobs WHERE state IN ('ready', 'leased') AND available_ms <= ?1"
                    " ORDER BY available_ms, id LIMIT 1",
    /* a lease moves available_ms to its end: an expired lease is simply available again */
    [SQ_JOB_LEASE] = "UPDATE jobs SET state = 'leased', attempts = attempts + 1,"
                     " lease_token = ?2, lease_until_ms = ?3, available_ms = ?3,"
                     " updated_ms = ?4 WHERE id = ?1",
    [SQ_JOB_EXPIRE] = "UPDATE jobs SET state = 'dead', lease_token = 0, last_error = ?2,"
                      " updated_ms = ?3 WHERE id = ?1",
    [SQ_JOB_ACK] = "UPDATE jobs SET state = 'done', lease_token = 0, updated_ms = ?3"
                   " WHERE id = ?1 AND lease_token = ?2 AND state = 'leased'",
    [SQ_JOB_RETRY] = "UPDATE jobs SET state = 'ready', lease_token = 0, lease_until_ms = 0,"
                     " available_ms = ?3, last_error = ?4, updated_ms = ?5"
                     " WHERE id = ?1 AND lease_token = ?2 AND state = 'leased'",
    [SQ_JOB_DEAD] = "UPDATE jobs SET state = 'dead', lease_token = 0, last_error = ?3,"
                    " updated_ms = ?4 WHERE id = ?1 AND lease_token = ?2 AND state = 'leased'",
    [SQ_JOB_COUNTS] = "SELECT state, count(*) FROM jobs GROUP BY state",
    [SQ_JOB_DEAD_LIST] =
        "SELECT id, kind, attempts, max_attempts, last_error, payload, created_ms, updated_ms"
        " FROM jobs WHERE tenant = ?1 AND state = 'dead' ORDER BY id DESC LIMIT ?2",
    [SQ_EVENTS_READ] =
        "SELECT kind, action, repo, branch, sha, external_id, parent_id, name, status,"
        " conclusion, url, occurred_ms, data FROM events WHERE tenant = ?1"
        " AND kind = ?2 AND occurred_ms >= ?3 AND occurred_ms < ?4"
        " ORDER BY occurred_ms, id",
    [SQ_KB_DOC_FIND] = "SELECT id FROM kb_documents WHERE tenant = ?1 AND name = ?2",
    [SQ_KB_DOC_INSERT] =
        "INSERT INTO kb_documents(tenant, name, format, sha256, bytes, n_chunks, raw_len, data,"
        " added_ms, updated_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
    [SQ_KB_DOC_UPDATE] = "UPDATE kb_documents SET format = ?3, sha256 = ?4, bytes = ?5,"
                         " n_chunks = ?6, raw_len = ?7, data = ?8, updated_ms = ?9"
                         " WHERE tenant = ?1 AND id = ?2",
    [SQ_KB_DOC_DELETE] = "DELETE FROM kb_documents WHERE tenant = ?1 AND id = ?2",
    [SQ_KB_DOC_LIST] = "SELECT id, name, format, sha256, bytes, n_chunks, added_ms, updated_ms"
                       " FROM kb_documents WHERE tenant = ?1 ORDER BY name LIMIT ?2",
    [SQ_KB_DOC_GET] = "SELECT id, name, format, sha256, bytes, n_chunks, added_ms, updated_ms,"
                      " raw_len, data FROM kb_documents WHERE tenant = ?1 AND id = ?2",
    [SQ_KB_DOC_GET_NAME] = "SELECT id, name, format, sha256, bytes, n_chunks, added_ms,"
                           " updated_ms, raw_len, data FROM kb_documents"
                           " WHERE tenant = ?1 AND name = ?2",
    [SQ_KB_CHUNKS_DELETE] = "DELETE FROM kb_chunks WHERE tenant = ?1 AND doc_id = ?2",
    [SQ_KB_CHUNK_INSERT] =
        "INSERT INTO kb_chunks(doc_id, seq, tenant, heading, line_start, line_end, text,"
        " embedding, embed_model) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [SQ_KB_CHUNKS_READ] =
        "SELECT c.doc_id, d.name, c.seq, c.heading, c.line_start, c.line_end, c.text,"
        " c.embedding, c.embed_model FROM kb_chunks c JOIN kb_documents d ON d.id = c.doc_id"
        " WHERE c.tenant = ?1 AND (?2 = 0 OR c.doc_id = ?2) ORDER BY c.doc_id, c.seq",
    [SQ_KB_CHUNK_SEQS] = "SELECT seq FROM kb_chunks WHERE tenant = ?1 AND doc_id = ?2 ORDER BY seq",
    [SQ_KB_VEC_UPDATE] = "UPDATE kb_chunks SET embedding = ?4, embed_model = ?5"
                         " WHERE tenant = ?1 AND doc_id = ?2 AND seq = ?3",
    [SQ_LABEL_INSERT] =
        "INSERT INTO labels(tenant, kind, failure_id, value, target, target_id, signature, note,"
        " fix_commit, repo, number, labeler, created_ms)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    [SQ_LABEL_LIST] =
        "SELECT id, kind, failure_id, value, target, target_id, signature, note, fix_commit, repo,"
        " number, labeler, created_ms FROM labels WHERE tenant = ?1 AND (?2 IS NULL OR kind = ?2)"
        " AND (?3 = 0 OR failure_id = ?3) AND (?4 IS NULL OR signature = ?4)"
        " AND (?5 = 0 OR created_ms >= ?5) AND (?6 = 0 OR id < ?6) ORDER BY id DESC LIMIT ?7",
    [SQ_LABEL_QUEUE] =
        "SELECT f.id, f.title, f.category, f.confidence, f.margin, f.signature, f.created_ms"
        " FROM failures f WHERE f.tenant = ?1 AND NOT EXISTS(SELECT 1 FROM labels l"
        " WHERE l.tenant = f.tenant AND l.failure_id = f.id AND l.kind = 'category')"
        " ORDER BY f.margin, f.id DESC LIMIT ?2",
    [SQ_FAILURE_EXISTS] = "SELECT 1 FROM failures WHERE tenant = ?1 AND id = ?2",
    [SQ_SIG_EXISTS] = "SELECT 1 FROM signatures WHERE tenant = ?1 AND signature = ?2",
    [SQ_MODEL_NEXT] =
        "SELECT COALESCE(max(version), 0) + 1 FROM models WHERE tenant = ?1 AND kind = ?2",
    [SQ_MODEL_RETIRE] = "UPDATE models SET status = 'retired' WHERE tenant = ?1 AND kind = ?2"
                        " AND status = 'active'",
    [SQ_MODEL_INSERT] =
        "INSERT INTO models(tenant, kind, version, status, created_ms, training_hash, metrics,"
        " reference, reason, n_labels, model) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    [SQ_MODEL_LIST] = "SELECT " MODEL_COLS " FROM models WHERE tenant = ?1"
                      " AND (?2 IS NULL OR kind = ?2) ORDER BY kind, version DESC LIMIT 200",
    [SQ_MODEL_GET] = "SELECT " MODEL_COLS ", model FROM models WHERE tenant = ?1 AND kind = ?2"
                     " AND ((?3 = 0 AND status = 'active') OR version = ?3)"
                     " ORDER BY version DESC LIMIT 1",
    [SQ_MODEL_STATUS] =
        "SELECT status FROM models WHERE tenant = ?1 AND kind = ?2 AND version = ?3",
    [SQ_MODEL_SET] = "UPDATE models SET status = 'active' WHERE tenant = ?1 AND kind = ?2"
                     " AND version = ?3",
    [SQ_NOTICE_PUT] = "INSERT INTO notices(tenant, kind, key, data, created_ms)"
                      " VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(tenant, kind, key) DO NOTHING",
    [SQ_NOTICE_LIST] = "SELECT id, kind, key, data, created_ms FROM notices WHERE tenant = ?1"
                       " AND (?2 IS NULL OR kind = ?2) AND created_ms >= ?3"
                       " ORDER BY id DESC LIMIT 100",
};

/* ---- Connections, the writer and the reader pool ---------------------------------- */

/* Read connections kept open at most, whatever n_readers asks. */
#define SQ_MAX_READERS 64

struct sq_conn {
    sqlite3 *db;
    sqlite3_stmt *stmt[SQ__COUNT]; /* prepared on first use, kept until close */
};

struct sq_op;
typedef int (*sq_op_fn)(struct sq_conn *c, struct sq_op *op);

/* One write submitted to the writer; lives on the caller's stack. */
struct sq_op {
    sq_op_fn fn;
    void *arg;
    void (*undo)(struct sq_op *op); /* frees what fn handed out when the commit fails */
    int rc;
    int ran;        /* fn was called */
    sem_t finished; /* posted when the writer is finished with it: the caller sleeps on
                       its own op only */
    /* asynchronous ops: called (outside sq.mu) instead of posting `finished`;
     * it owns and frees the op */
    void (*complete)(struct sq_op *op);
    int new_delivery; /* for the stats, counted only once committed */
    int duplicate;
    struct sq_op *next;
};

struct sq {
    char *path; /* NULL for :memory: */
    int batch_max;
    int busy_ms;

    struct sq_conn w;       /* the write connection, owned by the writer thread */
    pthread_mutex_t w_mu;   /* held by the writer during a batch; by readers of :memory: */
    pthread_mutex_t mu;     /* queue, stop flag, stats */
    pthread_cond_t cv_work; /* writer waits for ops */
    struct sq_op *head, *tail;
    int stop;
    int writer_started;
    pthread_t writer;
    struct wf_store_stats stats;

    pthread_mutex_t rmu; /* reader pool */
    pthread_cond_t rcv;
    struct sq_conn *readers; /* n_rmax slots; the first n_ropen are open */
    struct sq_conn **rfree;  /* stack of idle open readers */
    int n_rfree, n_ropen, n_rmax;
};

static struct sq *be(struct wf_store *st)
{
    return st->be;
}

/* Maps an SQLite result code to ours, logging the unexpected ones. */
static int sq_err(struct sq_conn *c, int src)
{
    switch (src & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
        return WF_OK;
    case SQLITE_CONSTRAINT:
        return WF_ECONFLICT;
    case SQLITE_NOMEM:
        return WF_ENOMEM;
    case SQLITE_TOOBIG:
        return WF_ETOOBIG;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        wf_log(WF_LOG_WARN, "store: sqlite busy: %s", c ? sqlite3_errmsg(c->db) : "");
        return WF_EUNAVAIL;
    default:
        wf_log(WF_LOG_ERROR, "store: sqlite error %d: %s", src, c ? sqlite3_errmsg(c->db) : "");
        return WF_EIO;
    }
}

/* The cached statement `id` of c, reset and unbound; NULL with *rc set. */
static sqlite3_stmt *sq_stmt(struct sq_conn *c, enum sq_stmt id, int *rc)
{
    if (!c->stmt[id]) {
        int src = sqlite3_prepare_v3(c->db, sq_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &c->stmt[id],
                                     NULL);
        if (src != SQLITE_OK) {
            *rc = sq_err(c, src);
            c->stmt[id] = NULL;
            return NULL;
        }
        return c->stmt[id];
    }
    sqlite3_reset(c->stmt[id]);
    sqlite3_clear_bindings(c->stmt[id]);
    return c->stmt[id];
}

/* Ends the use of a statement so it holds no snapshot or lock. */
static void sq_end(sqlite3_stmt *s)
{
    if (s) {
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
    }
}

static void bind_s(sqlite3_stmt *s, int i, const char *v)
{
    sqlite3_bind_text(s, i, v ? v : "", -1, SQLITE_STATIC);
}

/* NULL (no filter) for NULL or "". */
static void bind_opt(sqlite3_stmt *s, int i, const char *v)
{
    if (v && v[0])
        sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, i);
}

static const char *col_s(sqlite3_stmt *s, int i)
{
    const unsigned char *p = sqlite3_column_text(s, i);
    return p ? (const char *)p : "";
}

/* Steps a statement that returns no rows and ends it. */
static int sq_exec_stmt(struct sq_conn *c, sqlite3_stmt *s)
{
    int src = sqlite3_step(s);
    int rc = src == SQLITE_DONE ? WF_OK : sq_err(c, src);
    sq_end(s);
    return rc;
}

static int sq_exec(struct sq_conn *c, const char *sql)
{
    int src = sqlite3_exec(c->db, sql, NULL, NULL, NULL);
    return src == SQLITE_OK ? WF_OK : sq_err(c, src);
}

static void conn_close(struct sq_conn *c)
{
    for (int i = 0; i < SQ__COUNT; i++) {
        sqlite3_finalize(c->stmt[i]);
        c->stmt[i] = NULL;
    }
    if (c->db)
        sqlite3_close(c->db);
    c->db = NULL;
}

/* Opens a connection: the writer (creates, WAL, synchronous=FULL) or a
 * reader (query_only). */
static int conn_open(struct sq *s, struct sq_conn *c, int writer, struct wf_buf *err)
{
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (writer ? SQLITE_OPEN_CREATE : 0);
    sqlite3_stmt *jm = NULL;
    int rc = WF_OK;
    memset(c, 0, sizeof(*c));
    int src = sqlite3_open_v2(s->path ? s->path : ":memory:", &c->db, flags, NULL);
    if (src != SQLITE_OK) {
        if (err)
            wf_buf_appendf(err, "store: cannot open %s: %s", s->path ? s->path : ":memory:",
                           c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(src));
        rc = src == SQLITE_NOMEM ? WF_ENOMEM : WF_EIO;
        goto out;
    }
    sqlite3_extended_result_codes(c->db, 1);
    sqlite3_busy_timeout(c->db, s->busy_ms);
    rc = sq_exec(c, writer ? "PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL;"
                           : "PRAGMA foreign_keys=ON; PRAGMA query_only=1;");
    if (rc || !writer || !s->path)
        goto out;
    /* WAL: readers never wait for the writer; the setting is kept in the file */
    src = sqlite3_prepare_v2(c->db, "PRAGMA journal_mode=WAL", -1, &jm, NULL);
    if (src == SQLITE_OK)
        src = sqlite3_step(jm);
    if (src != SQLITE_ROW || strcmp(col_s(jm, 0), "wal") != 0) {
        if (err)
            wf_buf_appendf(err, "store: cannot switch %s to WAL: %s", s->path,
                           sqlite3_errmsg(c->db));
        rc = WF_EIO;
    }
out:
    sqlite3_finalize(jm);
    if (rc && err && !err->len && c->db)
        wf_buf_appendf(err, "store: %s", sqlite3_errmsg(c->db));
    if (rc)
        conn_close(c);
    return rc;
}

/* Every op of the batch that has no error of its own gets rc; what fn
 * handed out is taken back (nothing is acknowledged that is not durable). */
static void fail_batch(struct sq_op *batch, int rc)
{
    for (struct sq_op *op = batch; op; op = op->next) {
        if (op->rc)
            continue;
        if (op->ran && op->undo)
            op->undo(op);
        op->rc = rc;
    }
}

/* Runs one batch in one transaction. Returns 1 when it committed. */
static int run_batch(struct sq *s, struct sq_op *batch, uint64_t *commit_ns)
{
    struct sq_conn *c = &s->w;
    int rc = sq_exec(c, "BEGIN IMMEDIATE");
    if (rc) {
        fail_batch(batch, rc);
        return 0;
    }
    for (struct sq_op *op = batch; op; op = op->next) {
        rc = sq_exec(c, "SAVEPOINT op");
        if (rc)
            goto abort;
        op->ran = 1;
        op->rc = op->fn(c, op);
        if (op->rc) {
            if (sqlite3_get_autocommit(c->db)) {
                /* SQLite rolled the whole transaction back (I/O error, full disk) */
                rc = op->rc == WF_ECONFLICT ? WF_EIO : op->rc;
                fail_batch(batch, rc);
                return 0;
            }
            rc = sq_exec(c, "ROLLBACK TO op");
            if (rc)
                goto abort;
        }
        rc = sq_exec(c, "RELEASE op");
        if (rc)
            goto abort;
    }
    uint64_t t0 = wf_now_ns();
    rc = sq_exec(c, "COMMIT");
    *commit_ns = wf_now_ns() - t0;
    if (rc)
        goto abort;
    return 1;
abort:
    if (!sqlite3_get_autocommit(c->db))
        sq_exec(c, "ROLLBACK");
    fail_batch(batch, rc ? rc : WF_EIO);
    return 0;
}

static void *writer_main(void *ud)
{
    struct sq *s = ud;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (!s->head && !s->stop)
            pthread_cond_wait(&s->cv_work, &s->mu);
        if (!s->head)
            break; /* stopping and drained */
        struct sq_op *batch = s->head, *last = s->head;
        int n = 1;
        while (last->next && n < s->batch_max) {
            last = last->next;
            n++;
        }
        s->head = last->next;
        if (!s->head)
            s->tail = NULL;
        last->next = NULL;
        pthread_mutex_unlock(&s->mu);

        uint64_t commit_ns = 0;
        pthread_mutex_lock(&s->w_mu);
        int committed = run_batch(s, batch, &commit_ns);
        pthread_mutex_unlock(&s->w_mu);

        pthread_mutex_lock(&s->mu);
        if (committed) {
            s->stats.commits++;
            s->stats.commit_ns_sum += commit_ns;
        }
        struct sq_op *async = NULL, **async_tail = &async;
        for (struct sq_op *op = batch, *next; op; op = next) {
            next = op->next; /* op belongs to its caller again once posted */
            if (committed && op->rc == WF_OK) {
                s->stats.writes++;
                s->stats.deliveries += (uint64_t)op->new_delivery;
                s->stats.duplicates += (uint64_t)op->duplicate;
            }
            if (op->complete) {
                op->next = NULL;
                *async_tail = op;
                async_tail = &op->next;
                continue;
            }
            /* one wake-up per finished op: a broadcast would wake every
             * waiting caller, also those queued for the next batch */
            sem_post(&op->finished);
        }
        if (async) {
            /* callbacks run without sq.mu so they can never deadlock with
             * a submitter */
            pthread_mutex_unlock(&s->mu);
            for (struct sq_op *op = async, *next; op; op = next) {
                next = op->next;
                op->complete(op);
            }
            pthread_mutex_lock(&s->mu);
        }
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* Submits a write and blocks until the transaction holding it committed
 * (WF_OK) or failed (its error). */
static int sq_submit(struct sq *s, sq_op_fn fn, void *arg, void (*undo)(struct sq_op *))
{
    struct sq_op op;
    memset(&op, 0, sizeof(op));
    op.fn = fn;
    op.arg = arg;
    op.undo = undo;
    if (sem_init(&op.finished, 0, 0) != 0)
        return WF_EINTERNAL;
    pthread_mutex_lock(&s->mu);
    if (s->stop) {
        pthread_mutex_unlock(&s->mu);
        sem_destroy(&op.finished);
        return WF_EUNAVAIL;
    }
    if (s->tail)
        s->tail->next = &op;
    else
        s->head = &op;
    s->tail = &op;
    pthread_cond_signal(&s->cv_work);
    pthread_mutex_unlock(&s->mu);
    while (sem_wait(&op.finished) != 0) /* EINTR */
        ;
    sem_destroy(&op.finished);
    return op.rc;
}

/* Queues an op the writer completes through op->complete; returns at once.
 * WF_EUNAVAIL when the store is closing (op->complete is then not called). */
static int sq_submit_async(struct sq *s, struct sq_op *op)
{
    pthread_mutex_lock(&s->mu);
    if (s->stop) {
        pthread_mutex_unlock(&s->mu);
        return WF_EUNAVAIL;
    }
    op->next = NULL;
    if (s->tail)
        s->tail->next = op;
    else
        s->head = op;
    s->tail = op;
    pthread_cond_signal(&s->cv_work);
    pthread_mutex_unlock(&s->mu);
    return WF_OK;
}

/* A read connection for this thread's exclusive use until rd_release. An
 * in-memory database has a single connection, shared under w_mu. */
static int rd_acquire(struct sq *s, struct sq_conn **out)
{
    int rc = WF_OK;
    if (!s->path) {
        pthread_mutex_lock(&s->w_mu);
        *out = &s->w;
        return WF_OK;
    }
    pthread_mutex_lock(&s->rmu);
    while (!s->n_rfree && s->n_ropen >= s->n_rmax)
        pthread_cond_wait(&s->rcv, &s->rmu);
    if (s->n_rfree) {
        *out = s->rfree[--s->n_rfree];
    } else {
        struct sq_conn *c = &s->readers[s->n_ropen];
        rc = conn_open(s, c, 0, NULL);
        if (rc == WF_OK) {
            s->n_ropen++;
            *out = c;
        }
    }
    pthread_mutex_unlock(&s->rmu);
    return rc;
}

static void rd_release(struct sq *s, struct sq_conn *c)
{
    if (!s->path) {
        pthread_mutex_unlock(&s->w_mu);
        return;
    }
    pthread_mutex_lock(&s->rmu);
    s->rfree[s->n_rfree++] = c;
    pthread_cond_signal(&s->rcv);
    pthread_mutex_unlock(&s->rmu);
}

/* ---- Open, migrate, close ------------------------------------------------------------ */

/* mkdir -p of the directory part of path. */
static int make_parent(const char *path)
{
    char dir[WF_LIMIT_PATH_BYTES];
    wf_store__copy(dir, sizeof(dir), path);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return WF_OK;
    *slash = '\0';
    for (char *p = dir + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char saved = *p;
            *p = '\0';
            if (mkdir(dir, 0700) != 0 && errno != EEXIST)
                return WF_EIO;
            *p = saved;
            if (!saved)
                break;
        }
    }
    return WF_OK;
}

static int migrate(struct sq *s, struct wf_buf *err)
{
    struct sq_conn *c = &s->w;
    sqlite3_stmt *q = NULL;
    int rc = sq_exec(c, "CREATE TABLE IF NOT EXISTS schema_version("
                        "version INTEGER PRIMARY KEY, applied_ms INTEGER NOT NULL)");
    if (rc)
        goto out;
    int src = sqlite3_prepare_v2(c->db, "SELECT COALESCE(max(version), 0) FROM schema_version", -1,
                                 &q, NULL);
    if (src == SQLITE_OK)
        src = sqlite3_step(q);
    if (src != SQLITE_ROW) {
        rc = sq_err(c, src);
        goto out;
    }
    int version = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    q = NULL;
    if (version > N_MIGRATIONS) {
        if (err)
            wf_buf_appendf(err, "store: database schema version %d is newer than this binary (%d)",
                           version, N_MIGRATIONS);
        rc = WF_EVERSION;
        goto out;
    }
    for (int v = version + 1; v <= N_MIGRATIONS; v++) {
        char record[128];
        snprintf(record, sizeof(record),
                 "INSERT INTO schema_version(version, applied_ms) VALUES(%d, %lld)", v,
                 (long long)wf_store_now_ms());
        rc = sq_exec(c, "BEGIN IMMEDIATE");
        if (rc)
            goto out;
        rc = sq_exec(c, migrations[v - 1]);
        if (!rc)
            rc = sq_exec(c, record);
        if (!rc)
            rc = sq_exec(c, "COMMIT");
        if (rc) {
            if (!sqlite3_get_autocommit(c->db))
                sq_exec(c, "ROLLBACK");
            if (err)
                wf_buf_appendf(err, "store: migration %d failed: %s", v, sqlite3_errmsg(c->db));
            goto out;
        }
    }
out:
    sqlite3_finalize(q);
    return rc;
}

static void sq_free(struct sq *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->n_ropen; i++)
        conn_close(&s->readers[i]);
    conn_close(&s->w);
    pthread_mutex_destroy(&s->w_mu);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv_work);
    pthread_mutex_destroy(&s->rmu);
    pthread_cond_destroy(&s->rcv);
    wf_free(s->readers);
    wf_free(s->rfree);
    wf_free(s->path);
    wf_free(s);
}

static int sq_open(struct wf_store *st, const char *target, const struct wf_store_opts *o,
                   struct wf_buf *err)
{
    int rc = WF_OK;
    struct sq *s = wf_calloc(1, sizeof(*s));
    if (!s)
        return WF_ENOMEM;
    pthread_mutex_init(&s->w_mu, NULL);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv_work, NULL);
    pthread_mutex_init(&s->rmu, NULL);
    pthread_cond_init(&s->rcv, NULL);
    s->batch_max = o->batch_max > 0 ? o->batch_max : 256;
    s->busy_ms = o->busy_timeout_ms > 0 ? o->busy_timeout_ms : 5000;
    s->n_rmax = o->n_readers > 0 ? o->n_readers : 8;
    if (s->n_rmax > SQ_MAX_READERS)
        s->n_rmax = SQ_MAX_READERS;
    if (strcmp(target, ":memory:") != 0) {
        s->path = wf_strndup(target, strlen(target));
        s->readers = wf_calloc((size_t)s->n_rmax, sizeof(*s->readers));
        s->rfree = wf_calloc((size_t)s->n_rmax, sizeof(*s->rfree));
        if (!s->path || !s->readers || !s->rfree) {
            rc = WF_ENOMEM;
            goto out;
        }
        if (make_parent(s->path)) {
            if (err)
                wf_buf_appendf(err, "store: cannot create the directory of %s: %s", s->path,
                               strerror(errno));
            rc = WF_EIO;
            goto out;
        }
        /* the database holds webhook secrets: owner-only, and SQLite gives its
         * -wal and -shm files the mode of the database */
        int fd = open(s->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0 || fchmod(fd, 0600) != 0) {
            if (err)
                wf_buf_appendf(err, "store: cannot open %s: %s", s->path, strerror(errno));
            if (fd >= 0)
                close(fd);
            rc = WF_EIO;
            goto out;
        }
        close(fd);
    }
    rc = conn_open(s, &s->w, 1, err);
    if (rc)
        goto out;
    rc = migrate(s, err);
    if (rc)
        goto out;
    if (pthread_create(&s->writer, NULL, writer_main, s) != 0) {
        if (err)
            wf_buf_puts(err, "store: cannot start the writer thread");
        rc = WF_ENOMEM;
        goto out;
    }
    s->writer_started = 1;
    st->be = s;
    s = NULL;
out:
    sq_free(s);
    return rc;
}

static void sq_close(struct wf_store *st)
{
    struct sq *s = be(st);
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    s->stop = 1;
    pthread_cond_signal(&s->cv_work);
    pthread_mutex_unlock(&s->mu);
    if (s->writer_started)
        pthread_join(s->writer, NULL); /* it drains the queue first */
    sq_free(s);
    st->be = NULL;
}

static int sq_ping(struct wf_store *st)
{
    struct sq *s = be(st);
    struct sq_conn *c;
    int rc = rd_acquire(s, &c);
    if (rc)
        return rc;
    sqlite3_stmt *q = sq_stmt(c, SQ_PING, &rc);
    if (q) {
        int src = sqlite3_step(q);
        rc = src == SQLITE_ROW ? WF_OK : sq_err(c, src);
    }
    sq_end(q);
    rd_release(s, c);
    return rc;
}

static void sq_stats(struct wf_store *st, struct wf_store_stats *out)
{
    struct sq *s = be(st);
    pthread_mutex_lock(&s->mu);
    *out = s->stats;
    pthread_mutex_unlock(&s->mu);
}

/* ---- JSON helpers ------------------------------------------------------------------- */

/* Column spec of a list query: 's' text, 'i' integer, 'r' real, 'b'
 * boolean, 'j' JSON text (null when it does not parse). */
struct jcol {
    const char *name;
    char type;
};

/* Steps a bound read statement, appending one object per row to arr. */
static int rows_json(struct sq_conn *c, sqlite3_stmt *q, const struct jcol *cols, size_t n,
                     json_t *arr)
{
    int rc = WF_OK, src = SQLITE_DONE;
    while (!rc && (src = sqlite3_step(q)) == SQLITE_ROW) {
        json_t *o = json_object();
        rc = wf_store__jpush(arr, o);
        for (size_t i = 0; !rc && i < n; i++) {
            int k = (int)i;
            json_t *v;
            switch (cols[i].type) {
            case 'i':
                v = json_integer(sqlite3_column_int64(q, k));
                break;
            case 'r':
                v = json_real(sqlite3_column_double(q, k));
                break;
            case 'b':
                v = json_boolean(sqlite3_column_int64(q, k) != 0);
                break;
            case 'j':
                v = json_loads(col_s(q, k), JSON_DECODE_ANY, NULL);
                if (!v)
                    v = json_null();
                break;
            default:
                v = wf_store__jstr(col_s(q, k));
            }
            rc = wf_store__jset(o, cols[i].name, v);
        }
    }
    if (!rc && src != SQLITE_DONE)
        rc = sq_err(c, src);
    return rc;
}

/* A whole list read: a read connection, statement `stmt` bound by bind(q,
 * args), its rows as an owned array in *out. */
static int sq_list(struct wf_store *st, int stmt, void (*bind)(sqlite3_stmt *q, const void *args),
                   const void *args, const struct jcol *cols, size_t n, json_t **out)
{
    struct sq *s = be(st);
    struct sq_conn *c;
    json_t *arr = json_array();
    int rc = arr ? rd_acquire(s, &c) : WF_ENOMEM;
    if (rc) {
        json_decref(arr);
        return rc;
    }
    sqlite3_stmt *q = sq_stmt(c, stmt, &rc);
    if (q) {
        bind(q, args);
        rc = rows_json(c, q, cols, n, arr);
    }
    sq_end(q);
    rd_release(s, c);
    if (rc)
        json_decref(arr);
    else
        *out = arr;
    return rc;
}

/* ---- Tenants and keys ----------------------------------------------------------------- */

static int op_tenant_put(struct sq_conn *c, struct sq_op *op)
{
    const struct wf_store_tenant *t = op->arg;
    int rc = WF_OK;
    sqlite3_stmt *q = sq_stmt(c, SQ_TENANT_PUT, &rc);
    if (!q)
        return rc;
    bind_s(q, 1, t->id);
    bind_s(q, 2, t->name);
    bind_s(q, 3, t->github_secret);
    bind_s(q, 4, t->gitlab_token);
    bind_s(q, 5, t->generic_secret);
    sqlite3_bind_int64(q, 6, t->created_ms ? t->created_ms : wf_store_now_ms());
    return sq_exec_stmt(c, q);
}

static int sq_tenant_put(struct wf_store *st, const struct wf_store_tenant *t)
{
    struct wf_store_tenant copy = *t; /* fixed arrays: terminate them for the binds */
    copy.id[sizeof(copy.id) - 1] = '\0';
    copy.name[sizeof(copy.name) - 1] = '\0';
    copy.github_secret[sizeof(copy.github_secret) - 1] = '\0';
    copy.gitlab_token[sizeof(copy.gitlab_token) - 1] = '\0';
    copy.generic_secret[sizeof(copy.generic_secret) - 1] = '\0';
    return sq_submit(be(st), op_tenant_put, &copy, NULL);
}

static int sq_tenant_get(struct wf_store *st, const char *id, struct wf_store_tenant *out)
{
    struct sq *s = be(st);
    struct sq_conn *c;
    int rc = rd_acquire(s, &c);
    if (rc)
        return rc;
    sqlite3_stmt *q = sq_stmt(c, SQ_TENANT_GET, &rc);
    if (!q)
        goto out;
    bind_s(q, 1, id);
    int src = sqlite3_step(q);
    if (src == SQLITE_DONE) {
        rc = WF_ENOENT;
    } else if (src != SQLITE_ROW) {
        rc = sq_err(c, src);
    } else {
        memset(out, 0, sizeof(*out));
        wf_store__copy(out->id, sizeof(out->id), col_s(q, 0));
        wf_store__copy(out->name, sizeof(out->name), col_s(q, 1));
        wf_store__copy(out->github_secret, sizeof(out->github_secret), col_s(q, 2));
        wf_store__copy(out->gitlab_token, sizeof(out->gitlab_token), col_s(q, 3));
        wf_store__copy(out->generic_secret, sizeof(out->generic_secret), col_s(q, 4));
        out->created_ms = sqlite3_column_int64(q, 5);
    }
out:
    sq_end(q);
    rd_release(s, c);
    return rc;
}

static void bind_tenant_list(sqlite3_stmt *q, const void *args)
{
    (void)args;
    sqlite3_bind_int64(q, 1, WF_STORE__MAX_TENANTS);
}

static int sq_tenant_list(struct wf_store *st, json_t **out)
{
    static const struct jcol cols[] = {{"id", 's'}, {"name", 's'}, {"created_ms", 'i'}};
    return sq_list(st, SQ_TENANT_LIST, bind_tenant_list, NULL, cols, 3, out);
}

struct key_put_arg {
    const char *tenant, *key_id, *hash_hex, *name;
    int64_t created_ms;
};

static int op_key_put(struct sq_conn *c, struct sq_op *op)
{
    const struct key_put_arg *a = op->arg;
    int rc = WF_OK;
    sqlite3_stmt *q = sq_stmt(c, SQ_KEY_PUT, &rc);
    if (!q)
        return rc;
    bind_s(q, 1, a->tenant);
    bind_s(q, 2, a->key_id);
    bind_s(q, 3, a->hash_hex);
    bind_s(q, 4, a->name);
    sqlite3_bind_int64(q, 5, a->created_ms ? a->created_ms : wf_store_now_ms());
    return sq_exec_stmt(c, q);
}

static int sq_key_put(struct wf_store *st, const char *tenant, const char *key_id,
                      const char *hash_hex, const char *name, int64_t created_ms)
{
    struct key_put_arg a = {tenant, key_id, hash_hex, name, created_ms};
    return sq_submit(be(st), op_key_put, &a, NULL);
}

static int sq_key_find(struct wf_store *st, const char *hash_hex, char *tenant, char *key_id)
{
    struct sq *s = be(st);
    struct sq_conn *c;
    int rc = rd_acquire(s, &c);
    if (rc)
        return rc;
    sqlite3_stmt *q = sq_stmt(c, SQ_KEY_FIND, &rc);
    if (!q)
        goto out;
    bind_s(q, 1, hash_hex);
    int src = sqlite3_step(q);
    if (src == SQLITE_DONE) {
        rc = WF_ENOENT;
    } else if (src != SQLITE_ROW) {
        rc = sq_err(c, src);
    } else {
        wf_store__copy(tenant, WF_LIMIT_ID_BYTES, col_s(q, 0));
        wf_store__copy(key_id, WF_LIMIT_ID_BYTES, col_s(q, 1));
    }
out:
    sq_end(q);
    rd_release(s, c);
    return rc;
}

struct key_revoke_arg {
    const char *tenant, *key_id;
};

static int op_key_revoke(struct sq_conn *c, struct sq_op *op)
{
    const struct key_revoke_arg *a = op->arg;
    int rc = WF_OK;
    sqlite3_stmt *q = sq_stmt(c, SQ_KEY_REVOKE, &rc);
    if (!q)
        return rc;
    bind_s(q, 1, a->tenant);
    bind_s(q, 2, a->key_id);
    sqlite3_bind_int64(q, 3, wf_store_now_ms());
    rc = sq_exec_stmt(c, q);
    if (!rc && sqlite3_changes(c->db) == 0)
        rc = WF_ENOENT;
    return rc;
}

static int sq_key_revoke(struct wf_store *st, const char *tenant, const char *key_id)
{
    struct key_revoke_arg a = {tenant, key_id};
    return sq_submit(be(st), op_key_revoke, &a, NULL);
}

/* Binds ?1 = the tenant, ?2 = a page cap. */
static void bind_tenant_page(sqlite3_stmt *q, const void *args)
{
    bind_s(q, 1, args);
    sqlite3_bind_int64(q, 2, WF_LIMIT_PAGE_ITEMS);
}

static int sq_key_list(struct wf_store *st, const char *tenant, json_t **out)
{
    static const struct jcol cols[] = {
        {"id", 's'}, {"name", 's'}, {"created_ms", 'i'}, {"revoked", 'b'}};
    return sq_list(st, SQ_KEY_LIST, bind_tenant_page, tenant, cols, 4, out);
}

/* ---- Ingestion ----------------------------------------------------------------------- */

struct ingest_arg {
    const struct wf_store_ingest_req *req;
    struct wf_store_ingest_result res;
    int64_t received_ms; /* the request's, or now when it gave none */
};

static int insert_job(struct sq_conn *c, const char *tenant, const char *kind, const char *payload,
                      int max_attempts, int64_t available_ms, int64_t *id)
{
    int rc = WF_OK;
    sqlite3_stmt *q = sq_stmt(c, SQ_JOB_INSERT, &rc);
    if (!q)
        return rc;
    int64_t now = wf_store_now_ms();
    bind_s(q, 1, tenant);
    bind_s(q, 2, kind);
    bind_s(q, 3, payload);
    sqlite3_bind_int(q, 4, max_attempts);
    sqlite3_bind_int64(q, 5, available_ms);
    sqlite3_bind_int64(q, 6, now);
    rc = sq_exec_stmt(c, q);
    if (!rc && id)
        *id = sqlite3_last_insert_rowid(c->db);
    return rc;
}

/* Inserts a build row (no-op when it exists); *id its row id, *created 1
 * when this call made it. */
static int build_insert(struct sq_conn *c, const char *tenant, const char *provider,
                        const struct wf_store_event *ev, int rank, int64_t now, int64_t *id,
                        int *created)
{
    int rc = WF_OK;
    sqlite3_stmt *q = sq_stmt(c, SQ_BUILD_INSERT, &rc);
    if (!q)
        return rc;
    bind_s(q, 1, tenant);
    bind_s(q, 2, provider);
    bind_s(q, 3, ev->external_id);
    bind_s(q, 4, ev->parent_id);
    bind_s(q, 5, ev->repo);
    bind_s(q, 6, ev->branch);
    bind_s(q, 7, ev->sha);
    bind_s(q, 8, ev->name);
    bind_s(q, 9, ev->status);
    bind_s(q, 10, ev->conclusion);
    bind_s(q, 11, ev->url);
    sqlite3_bind_int(q, 12, rank);
    sqlite3_bind_int64(q, 13, ev->occurred_ms);
    sqlite3_bind_int64(q, 14, now);
    rc = sq_exec_stmt(c, q);
    if (rc)
        return rc;
    *created = sqlite3_changes(c->db) > 0;
    if (*created) {
        *id = sqlite3_last_insert_rowid(c->db);
        return WF_OK;
    }
    q = sq_stmt(c, SQ_BUILD_STATE, &rc);
    if (!q)
        return rc;
    bind_s(q, 1, tenant);
    bind_s(q, 2, provider);
    bind_s(q, 3, ev->external_id);
    int src = sqlite3_step(q);
    if (src == SQLITE_ROW)
        *id = sqlite3_column_int64(q, 0);
    else
        rc = src == SQLITE_DONE ? WF_EINTERNAL : sq_err(c, src);
    sq_end(q);
    return rc;
}

/* Applies a build/job event to its build row under the ordering rule: a
 * lower status rank never overwrites a higher one; an equal rank applies
 * only when it did not happen earlier than what is stored. */
static int apply_build(struct sq_conn *c, const struct wf_store_ingest_req *req,
                       const struct wf_store_event *ev, struct wf_store_ingest_result *res)
{
    int rc = WF_OK;
    int rank = wf_store__status_rank(ev->status);
    int64_t now = wf_store_now_ms();
    int64_t id = 0;
    int enqueued = 0;
    sqlite3_stmt *q = sq_stmt(c, SQ_BUILD_STATE, &rc);
    if (!q)
        return rc;
    bind_s(q, 1, req->tenant);
    bind_s(q, 2, req->provider);
    bind_s(q, 3, ev->external_id);
    int src = sqlite3_step(q);
    if (src == SQLITE_ROW) {
        id = sqlite3_column_int64(q, 0);
        int old_rank = sqlite3_column_int(q, 1);
        int64_t old_ms = sqlite3_column_int64(q, 2);
        enqueued = sqlite3_column_int(q, 3);
        sq_end(q);
        if (rank < old_rank || (rank == old_rank && ev->occurred_ms < old_ms)) {
            res->n_stale++;
            return WF_OK;
        }
        q = sq_stmt(c, SQ_BUILD_UPDATE, &rc);
        if (!q)
            return rc;
        sqlite3_bind_int64(q, 1, id);
        bind_s(q, 2, ev->parent_id);
        bind_s(q, 3, ev->repo);
        bind_s(q, 4, ev->branch);
        bind_s(q, 5, ev->sha);
        bind_s(q, 6, ev->name);
        bind_s(q, 7, ev->status);
        bind_s(q, 8, ev->conclusion);
        bind_s(q, 9, ev->url);
        sqlite3_bind_int(q, 10, rank);
        sqlite3_bind_int64(q, 11, ev->occurred_ms);
        sqlite3_bind_int64(q, 12, now);
        rc = sq_exec_stmt(c, q);
    } else if (src == SQLITE_DONE) {
        sq_end(q);
        int created;
        rc = build_insert(c, req->tenant, req->provider, ev, rank, now, &id, &created);
    } else {
        rc = sq_err(c, src);
        sq_end(q);
    }
    if (rc)
        return rc;
    res->n_applied++;
    if (!req->enqueue_failed_jobs || enqueued || strcmp(ev->kind, "job") != 0 ||
        !wf_store__is_failed(ev->status, ev->conclusion))
        return WF_OK;
    char payload[64];
    snprintf(payload, sizeof(payload), "{\"build_id\":%lld}", (long long)id);
    rc = insert_job(c, req->tenant, "triage", payload, WF_STORE__TRIAGE_MAX_ATTEMPTS, now, NULL);
    if (rc)
        return rc;
    q = sq_stmt(c, SQ_BUILD_MARK_ENQUEUED, &rc);
    if (!q)
        return rc;
    sqlite3_bind_int64(q, 1, id);
    rc = sq_exec_stmt(c, q);
    if (!rc)
        res->n_enqueued++;
    return rc;
}

static int insert_event(struct sq_conn *c, const struct wf_store_ingest_req *req,
                        int64_t delivery_id, int64_t received_ms, const struct wf_store_event *ev)
{
    int rc = WF_OK;
    sqlite3_stmt *q = sq_stmt(c, SQ_EVENT_INSERT, &rc);
    if (!q)
        return rc;
    bind_s(q, 1, req->tenant);
    sqlite3_bind_int64(q, 2, delivery_id);
    bind_s(q, 3, ev->kind);
    bind_s(q, 4, ev->action);
    bind_s(q, 5, ev->repo);
    bind_s(q, 6, ev->branch);
    bind_s(q, 7, ev->sha);
    bind_s(q, 8, ev->external_id);
    bind_s(q, 9, ev->parent_id);
    bind_s(q, 10, ev->name);
    bind_s(q, 11, ev->status);
    bind_s(q, 12, ev->conclusion);
    bind_s(q, 13, ev->url);
    sqlite3_bind_int64(q, 14, ev->occurred_ms);
    sqlite3_bind_int64(q, 15, received_ms);
    if (ev->data_json)
        sqlite3_bind_text(q, 16, ev->data_json, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(q, 16);
    return sq_exec_stmt(c, q);
}

static int enqueue_review(struct sq_conn *c, const struct wf_store_ingest_req *req,
                          const struct wf_store_event *ev, struct wf_store_ingest_result *res)
{
    json_t *p = json_pack("{s:s,s:s,s:s,s:s}", "provider", req->provider, "repo", ev->repo,
                          "number", ev->parent_id, "sha", ev->sha);
    char *payload = p ? json_dumps(p, JSON_COMPACT) : NULL;
    json_decref(p);
    if (!payload)
        return WF_ENOMEM;
    int rc = insert_job(c, req->tenant, "review", payload, WF_STORE__TRIAGE_MAX_ATTEMPTS,
                        wf_store_now_ms(), NULL);
    free(payload);
    if (!rc)
        res->n_enqueued++;
    return rc;
}

static int op_ingest(struct sq_conn *c, struct sq_op *op)
{
    struct ingest_arg *a = op->arg;
    const struct wf_store_ingest_req *req = a->req;
    int rc = WF_OK;
    memset(&a->res, 0, sizeof(a->res));
    a->received_ms = req->received_ms ? req->received_ms : wf_store_now_ms();
    /* the unique (tenant, provider, delivery) decides, inside the transaction:
     * concurrent duplicates are serialised by the writer and the constraint */
    sqlite3_stmt *q = sq_stmt(c, SQ_DELIVERY_INSERT, &rc);
    if (!q)
        return rc;
    bind_s(q, 1, req->tenant);
    bind_s(q, 2, req->provider);
    bind_s(q, 3, req->delivery);
    sqlite3_bind_int64(q, 4, a->received_ms);
    sqlite3_bind_int64(q, 5, (sqlite3_int64)req->n_events);
    rc = sq_exec_stmt(c, q);
    if (rc)
        return rc;
    if (sqlite3_changes(c->db) == 0) {
        q = sq_stmt(c, SQ_DELIVERY_FIND, &rc);
        if (!q)
            return rc;
        bind_s(q, 1, req->tenant);
        bind_s(q, 2, req->provider);
        bind_s(q, 3, req->delivery);
        int src = sqlite3_step(q);
        if (src == SQLITE_ROW)
            a->res.delivery_id = sqlite3_column_int64(q, 0);
        else
            rc = src == SQLITE_DONE ? WF_EINTERNAL : sq_err(c, src);
        sq_end(q);
        a->res.duplicate = 1;
        op->duplicate = 1;
        return rc;
    }
    a->res.delivery_id = sqlite3_last_insert_rowid(c->db);
    op->new_delivery = 1;
    for (size_t i = 0; i < req->n_events && !rc; i++) {
        const struct wf_store_event *ev = &req->events[i];
        rc = insert_event(c, req, a->res.delivery_id, a->received_ms, ev);
        if (!rc && wf_store__is_build_kind(ev->kind) && ev->external_id && ev->external_id[0])
            rc = apply_build(c, req, ev, &a->res);
        if (!rc && req->enqueue_pr_reviews && wf_store__wants_review(ev))
            rc = enqueue_review(c, req, ev, &a->res);
    }
    return rc;
}

static int sq_ingest(struct wf_store *st, const struct wf_store_ingest_req *req,
                     struct wf_store_ingest_result *out)
{
    struct ingest_arg a;
    memset(&a, 0, sizeof(a));
    a.req = req;
    int rc = sq_submit(be(st), op_ingest, &a, NULL);
    if (rc == WF_OK)
        *out = a.res;
    return rc;
}

struct ingest_async {
    struct sq_op op; /* first: the writer hands back &op */
    struct ingest_arg a;
    wf_store_ingest_done_fn done;
    void *ud;
};

static void ingest_async_complete(struct sq_op *op)
{
    struct ingest_async *x = (struct ingest_async *)(void *)op;
    x->done(x->ud, op->rc, op->rc == WF_OK ? &x->a.res : NULL);
    wf_free(x);
}

static int sq_ingest_async(struct wf_store *st, const struct wf_store_ingest_req *req,
                           wf_store_ingest_done_fn done, void *ud)
{
    struct ingest_async *x = wf_calloc(1, sizeof(*x));
    if (!x)
        return WF_ENOMEM;
    x->a.req = req;
    x->done = done;
    x->ud = ud;
    x->op.fn = op_ingest;
    x->op.arg = &x->a;
    x->op.complete = ingest_async_complete;
    int rc = sq_submit_async(be(st), &x->op);
    if (rc)
        wf_free(x);
    return rc;
}

/* ---- Builds and logs --------------------------------------------------------------------- */

struct build_ensure_arg {
    const char *tenant, *provider;
    const struct wf_store_event *ev;
    int64_t id;
};

static int op_build_ensure(struct sq_conn *c, struct sq_op *op)
{
    struct build_ensure_arg *a = op->arg;
    int created;
    return build_insert(c, a->tenant, a->provider, a->ev, wf_store__status_rank(a->ev->status),
                        wf_store_now_ms(), &a->id, &created);
}

static int sq_build_ensure(struct wf_store *st, const char *tenant, const char *provider,
                           const struct wf_store_event *ev, int64_t *id)
{
    struct build_ensure_arg a = {tenant, provider, ev, 0};
    int rc = sq_submit(be(st), op_build_ensure, &a, NULL);
    if (rc == WF_OK)
        *id = a.id;
    return rc;
}

static void build_row(sqlite3_stmt *q, struct wf_store_build *b)
{
    memset(b, 0, sizeof(*b));
    b->id = sqlite3_column_int64(q, 0);
    wf_store__copy(b->tenant, sizeof(b->tenant), col_s(q, 1));
    wf_store__copy(b->provider, sizeof(b->provider), col_s(q, 2));
    wf_store__copy(b->external_id, sizeof(b->external_id), col_s(q, 3));
    wf_store__copy(b->parent_id, sizeof(b->parent_id), col_s(q, 4));
    wf_store__copy(b->repo, sizeof(b->repo), col_s(q, 5));
    wf_store__copy(b->branch, sizeof(b->branch), col_s(q, 6));
    wf_store__copy(b->sha, sizeof(b->sha), col_s(q, 7));
    wf_store__copy(b->name, sizeof(b->name), col_s(q, 8));
    wf_store__copy(b->status, sizeof(b->status), col_s(q, 9));
    wf_store__copy(b->conclusion, sizeof(b->conclusion), col_s(q, 10));
    wf_store__copy(b->url, sizeof(b->url), col_s(q, 11));
    b->updated_ms = sqlite3_column_int64(q, 12);
    b->has_log = sqlite3_column_int(q, 13) != 0;
}

/* Runs a one-row build query on c. */
static int build_query(struct sq_conn *c, const char *tenant, int64_t id, const char *provider,
                       const char *external_id, struct wf_store_build *out)
{
    int rc = WF_OK;
    sqlite3_stmt *q = sq_stmt(c, provider ? SQ_BUILD_FIND : SQ_BUILD_GET, &rc);
    if (!q)
        return rc;
    bind_s(q, 1, tenant);
    if (provider) {
        bind_s(q, 2, provider);
        bind_s(q, 3, external_id);
    } else {
        sqlite3_bind_int64(q, 2, id);
    }
    int src = sqlite3_step(q);
    if (src == SQLITE_ROW)
        build_row(q, out);
    else
        rc = src == SQLITE_DONE ? WF_ENOENT : sq_err(c, src);
    sq_end(q);
    return rc;
}

static int sq_build_get(struct wf_store *st, const char *tenant, int64_t id,
                        struct wf_store_build *out)
{
    struct sq *s = be(st);
    struct sq_conn *c;
    int rc = rd_acquire(s, &c);
    if (rc)
        return rc;
    rc = build_query(c, tenant, id, NULL, NULL, out);
    rd_release(s, c);
    return rc;
}

static int sq_build_find(struct wf_store *st, const char *tenant, const char *provider,
                         const char *external_id, struct wf_store_build *out)
{
    struct sq *s = be(st);
    struct sq_conn *c;
    int rc = rd_acquire(s, &c);
    if (rc)
        return rc;
    rc = build_query(c, tenant, 0, provider, external_id, out);
    rd_release(s, c);
    return rc;
}

/* WF_OK when build `id` belongs to the tenant, else WF_ENOENT. */
static int build_owned(struct sq_conn *c, int64_t id, const char *tenant)
{
    int rc = WF_OK;
    sqlite3_stmt *q = sq_stmt(c, SQ_BUILD_OWNED, &rc);
    if (!q)
        return rc;
    sqlite3_bind_int64(q, 1, id);
    bind_s(q, 2, tenant);
    int src = sqlite3_step(q);
    rc = src == SQLITE_ROW ? WF_OK : src == SQLITE_DONE ? WF_ENOENT : sq_err(c, src);
    sq_end(q);
    return rc;
}

struct log_put_arg {
    const char *tenant;
    int64_t build_id;
    const unsigned char *blob;
    size_t blob_len, raw_len;
};

static int op_log_put(struct sq_conn *c, struct sq_op *op)
{
    const struct log_put_arg *a = op->arg;
    int rc = build_owned(c, a->build_id, a->tenant);
    if (rc)
        return rc;
    sqlite3_stmt *q = sq_stmt(c, SQ_LOG_PUT, &rc);
    if (!q)
        return rc;
    sqlite3_bind_int64(q, 1, a->build_id);
    bind_s(q, 2, a->tenant);
    sqlite3_bind_int64(q, 3, (sqlite3_int64)a->raw_len);
    sqlite3_bind_blob64(q, 4, a->blob, a->blob_len, SQLITE_STATIC);
    sqlite3_bind_int64(q, 5, wf_store_now_ms());
    return sq_exec_stmt(c, q);
}

static int sq_log_put(struct wf_store *st, const char *tenant, int64_t build_id, const char *text,
                      size_t len)
{
    struct log_put_arg a = {tenant, build_id, NULL, 0, len};
    unsigned char *blob = NULL;
    /* compress in the caller's thread: the writer only copies bytes */
    int rc = wf_store__compress(text, len, &blob, &a.blob_len);
    if (rc)
        return rc;
    a.blob = blob;
    rc = sq_submit(be(st), op_log_put, &a, NULL);
    wf_free(blob);
    return rc;
}

static int sq_log_get(struct wf_store *st, const char *tenant, int64_t build_id, char **out,
                      size_t *out_len)
{
    struct sq *s = be(st);
    struct sq_conn *c;
    int rc = rd_acquire(s, &c);
    if (rc)
        return rc;
    sqlite3_stmt *q = sq_stmt(c, SQ_LOG_GET, &rc);
    if (!q)
        goto out;
    bind_s(q, 1, tenant);
    sqlite3_bind_int64(q, 2, build_id);
    int src = sqlite3_step(q);
    if (src != SQLITE_ROW) {
        rc = src == SQLITE_DONE ? WF_ENOENT : sq_err(c, src);
        goto out;
    }
    sqlite3_int64 raw_len = sqlite3_column_int64(q, 0);
    const unsigned char *blob = sqlite3_column_blob(q, 1);
    size_t blob_len = (size_t)sqlite3_column_bytes(q, 1);
    if (raw_len < 0 || (uint64_t)raw_len > WF_LIMIT_LOG_UPLOAD_BYTES) {
        rc = WF_ETOOBIG;
        goto out;
    }
    rc = wf_store__uncompress(blob ? blob : (const unsigned char *)"", blob_len, (size_t)raw_len,
                              out);
    if (!rc)
        *out_len = (size_t)raw_len;
out:
    sq_end(q);
    rd_release(s, c);
    return rc;
}

/* ---- Failures and signatures ------------------------------------------------------------- */

struct failure_put_arg {
    const struct wf_store_failure *f;
    int64_t id;
};

static int sig_add(struct sq_conn *c, const struct wf_store_failure *f, int n, int64_t seen_ms)
{
    int rc = WF_OK;
    sqlite3_stmt *q = sq_stmt(c, SQ_SIG_ADD, &rc);
    if (!q)
        return rc;
    bind_s(q, 1, f->tenant);
    bind_s(q, 2, f->signature);
    bind_s(q, 3, f->category);
    bind_s(q, 4, f->title);
    sqlite3_bind_int(q, 5, n);
    sqlite3_bind_int64(q, 6, seen_ms);
    return sq_exec_stmt(c, q);
}

static int sig_sub(struct sq_conn *c, const char *tenant, const char *signature)
{
    int rc = WF_OK;
    sqlite3_stmt *q = sq_stmt(c, SQ_SIG_SUB, &rc);
    if (!q)
        return rc;
    bind_s(q, 1, tenant);
    bind_s(q, 2, signature);
    rc = sq_exec_stmt(c, q);
    if (rc)
        return rc;
    q = sq_stmt(c, SQ_SIG_PRUNE, &rc);
    if (!q)
        return rc;
    bind_s(q, 1, tenant);
    bind_s(q, 2, signature);
    return sq_exec_stmt(c, q);
}

static void bind_failure(sqlite3_stmt *q, int first, const struct wf_store_failure *f,
                         int64_t created_ms)
{
    /* repo, branch, category, confidence, signature, step, title, report, model, created */
    bind_s(q, first, f->repo);
    bind_s(q, first + 1, f->branch);
    bind_s(q, first + 2, f->category);
    sqlite3_bind_double(q, first + 3, f->confidence);
    bind_s(q, first + 4, f->signature);
    bind_s(q, first + 5, f->step);
    bind_s(q, first + 6, f->title);
    bind_s(q, first + 7, f->report_json && f->report_json[0] ? f->report_json : "{}");
    bind_s(q, first + 8, f->model_version);
    sqlite3_bind_int64(q, first + 9, created_ms);
    sqlite3_bind_double(q, first + 10, f->margin);
    sqlite3_bind_int64(q, first + 11, f->log_bytes);
    sqlite3_bind_int64(q, first + 12, f->key_lines);
}

static int op_failure_put(struct sq_conn *c, struct sq_op *op)
{
    struct failure_put_arg *a = op->arg;
    const struct wf_store_failure *f = a->f;
    int64_t created = f->created_ms ? f->created_ms : wf_store_now_ms();
    int64_t old_id = 0;
    char old_sig[80] = "";
    int rc = WF_OK;
    sqlite3_stmt *q = NULL;
    if (f->build_id > 0) {
        rc = build_owned(c, f->build_id, f->tenant);
        if (rc)
            return rc;
        q = sq_stmt(c, SQ_FAILURE_OF_BUILD, &rc);
        if (!q)
            return rc;
        bind_s(q, 1, f->tenant);
        sqlite3_bind_int64(q, 2, f->build_id);
        int src = sqlite3_step(q);
        if (src == SQLITE_ROW) {
            old_id = sqlite3_column_int64(q, 0);
            wf_store__copy(old_sig, sizeof(old_sig), col_s(q, 1));
        } else if (src != SQLITE_DONE) {
            rc = sq_err(c, src);
        }
        sq_end(q);
        if (rc)
            return rc;
    }
    if (old_id) {
        /* re-triage: the row is replaced in place, the build counted once */
        q = sq_stmt(c, SQ_FAILURE_UPDATE, &rc);
        if (!q)
            return rc;
        sqlite3_bind_int64(q, 1, old_id);
        bind_failure(q, 2, f, created);
        rc = sq_exec_stmt(c, q);
        if (rc)
            return rc;
        int same = strcmp(old_sig, f->signature) == 0;
        if (!same)
            rc = sig_sub(c, f->tenant, old_sig);
        if (!rc)
            rc = sig_add(c, f, same ? 0 : 1, created);
        a->id = old_id;
        return rc;
    }
    q = sq_stmt(c, SQ_FAILURE_INSERT, &rc);
    if (!q)
        return rc;
    bind_s(q, 1, f->tenant);
    sqlite3_bind_int64(q, 2, f->build_id);
    bind_failure(q, 3, f, created);
    rc = sq_exec_stmt(c, q);
    if (rc)
        return rc;
    a->id = sqlite3_last_insert_rowid(c->db);
    return sig_add(c, f, 1, created);
}

static int sq_failure_put(struct wf_store *st, const struct wf_store_failure *f, int64_t *id)
{
    struct failure_put_arg a = {f, 0};
    if (f->report_json && f->report_json[0]) {
        json_t *j = json_loads(f->report_json, JSON_DECODE_ANY, NULL);
        if (!j)
            return WF_EFORMAT;
        json_decref(j);
    }
    int rc = sq_submit(be(st), op_failure_put, &a, NULL);
    if (rc == WF_OK && id)
        *id = a.id;
    return rc;
}

/* Appends one failure row (FAILURE_COLS) to arr; returns the object. */
static int failure_obj(sqlite3_stmt *q, json_t **out)
{
    json_t *o = json_object();
    int rc = o ? WF_OK : WF_ENOMEM;
    if (!rc)
        rc = wf_store__jset(o, "id", json_integer(sqlite3_column_int64(q, 0)));
    if (!rc)
        rc = wf_store__jset(o, "build_id", json_integer(sqlite3_column_int64(q, 1)));
    if (!rc)
        rc = wf_store__jset(o, "repo", wf_store__jstr(col_s(q, 2)));
    if (!rc)
        rc = wf_store__jset(o, "branch", wf_store__jstr(col_s(q, 3)));
    if (!rc)
        rc = wf_store__jset(o, "category", wf_store__jstr(col_s(q, 4)));
    if (!rc)
        rc = wf_store__jset(o, "confidence", json_real(sqlite3_column_double(q, 5)));
    if (!rc)
        rc = wf_store__jset(o, "signature", wf_store__jstr(col_s(q, 6)));
    if (!rc)
        rc = wf_store__jset(o, "step", wf_store__jstr(col_s(q, 7)));
    if (!rc)
        rc = wf_store__jset(o, "title", wf_store__jstr(col_s(q, 8)));
    if (!rc)
        rc = wf_store__jset(o, "created_ms", json_integer(sqlite3_column_int64(q, 9)));
    if (!rc)
        rc = wf_store__jset(o, "signature_count", json_integer(sqlite3_column_int64(q, 10)));
    if (!rc)
        rc = wf_store__jset(o, "margin", json_real(sqlite3_column_double(q, 11)));
    if (!rc)
        rc = wf_store__jset(o, "log_bytes", json_integer(sqlite3_column_int64(q, 12)));
    if (!rc)
        rc = wf_store__jset(o, "key_lines", json_integer(sqlite3_column_int64(q, 13)));
    if (!rc)
        rc = wf_store__jset(o, "model_version", wf_store__jstr(col_s(q, 14)));
    if (rc)
        json_decref(o);
    else
        *out = o;
    return rc;
}

static int sq_failure_list(struct wf_store *st, const char *tenant, const struct wf_store_filter *f,
                           json_t **out)
{
    static const struct wf_store_filter none;
    struct sq *s = be(st);
    struct sq_conn *c;
    int limit = wf_store__page_limit(f);
    int64_t next = 0;
    if (!f)
        f = &none;
    json_t *items = json_array();
    int rc = items ? rd_acquire(s, &c) : WF_ENOMEM;
    if (rc) {
        json_decref(items);
        return rc;
    }
    sqlite3_stmt *q = sq_stmt(c, SQ_FAILURE_LIST, &rc);
    if (!q)
        goto out;
    bind_s(q, 1, tenant);
    bind_opt(q, 2, f->repo);
    bind_opt(q, 3, f->branch);
    bind_opt(q, 4, f->category);
    bind_opt(q, 5, f->signature);
    sqlite3_bind_int64(q, 6, f->since_ms);
    sqlite3_bind_int64(q, 7, f->until_ms);
    sqlite3_bind_int64(q, 8, f->before_id);
    sqlite3_bind_int64(q, 9, limit + 1); /* one more tells whether a next page exists */
    int src = SQLITE_DONE, n = 0;
    while (!rc && (src = sqlite3_step(q)) == SQLITE_ROW) {
        if (n == limit) {
            next = json_integer_value(json_object_get(json_array_get(items, n - 1), "id"));
            break;
        }
        json_t *o;
        rc = failure_obj(q, &o);
        if (!rc)
            rc = wf_store__jpush(items, o);
        n++;
    }
    if (!rc && src != SQLITE_DONE && src != SQLITE_ROW)
        rc = sq_err(c, src);
out:
    sq_end(q);
    rd_release(s, c);
    if (rc) {
        json_decref(items);
        return rc;
    }
    return wf_store__page(items, next, out);
}

static int sq_failure_get(struct wf_store *st, const char *tenant, int64_t id, json_t **out)
{
    struct sq *s = be(st);
    struct sq_conn *c;
    json_t *o = NULL;
    int64_t build_id = 0;
    int rc = rd_acquire(s, &c);
    if (rc)
        return rc;
    /* one snapshot for the failure and its build */
    rc = sq_exec(c, "BEGIN");
    if (rc)
        goto out;
    sqlite3_stmt *q = sq_stmt(c, SQ_FAILURE_GET, &rc);
    if (!q)
        goto out;
    bind_s(q, 1, tenant);
    sqlite3_bind_int64(q, 2, id);
    int src = sqlite3_step(q);
    if (src != SQLITE_ROW) {
        rc = src == SQLITE_DONE ? WF_ENOENT : sq_err(c, src);
    } else {
        rc = failure_obj(q, &o);
        if (!rc) {
            build_id = sqlite3_column_int64(q, 1);
            json_t *report = json_loads(col_s(q, 15), JSON_DECODE_ANY, NULL);
            rc = wf_store__jset(o, "report", report ? report : json_null());
        }
        if (!rc) {
            json_t *res = sqlite3_column_type(q, 16) == SQLITE_NULL
                              ? NULL
                              : json_loads(col_s(q, 16), 0, NULL);
            rc = wf_store__jset(o, "resolution", res ? res : json_null());
        }
    }
    sq_end(q);
    if (!rc && build_id > 0) {
        struct wf_store_build b;
        json_t *bj = NULL;
        int brc = build_query(c, tenant, build_id, NULL, NULL, &b);
        if (brc == WF_OK)
            rc = wf_store__build_json(&b, &bj);
        else if (brc != WF_ENOENT)
            rc = brc;
        if (!rc)
            rc = wf_store__jset(o, "build", bj ? bj : json_null());
    } else if (!rc) {
        rc = wf_store__jset(o, "build", json_null());
    }
out:
    if (!sqlite3_get_autocommit(c->db))
        sq_exec(c, "COMMIT");
    rd_release(s, c);
    if (rc)
        json_decref(o);
    else
        *out = o;
    return rc;
}

static int sq_signature_list(struct wf_store *st, const char *tenant,
                             const struct wf_store_filter *f, json_t **out)
{
    static const struct wf_store_filter none;
    struct sq *s = be(st);
    struct sq_conn *c;
    int limit = wf_store__page_limit(f);
    int64_t next = 0;
    if (!f)
        f = &none;
    /* ordered by last sighting, which moves: the cursor is an offset */
    int64_t offset = f->before_id;
    json_t *items = json_array();
    int rc = items ? rd_acquire(s, &c) : WF_ENOMEM;
    if (rc) {
        json_decref(items);
        return rc;
    }
    sqlite3_stmt *q = sq_stmt(c, SQ_SIG_LIST, &rc);
    if (!q)
        goto out;
    bind_s(q, 1, tenant);
    bind_opt(q, 2, f->category);
    bind_opt(q, 3, f->signature);
    sqlite3_bind_int64(q, 4, f->since_ms);
    sqlite3_bind_int64(q, 5, f->until_ms);
    bind_opt(q, 6, f->repo);
    bind_opt(q, 7, f->branch);
    sqlite3_bind_int64(q, 8, limit + 1);
    sqlite3_bind_int(q, 9, WF_STORE__SIG_VALUES);
    sqlite3_bind_int64(q, 10, offset);
    int src = SQLITE_DONE, n = 0;
    while (!rc && (src = sqlite3_step(q)) == SQLITE_ROW) {
        if (n == limit) {
            next = offset + limit;
            break;
        }
        json_t *o = json_object();
        rc = wf_store__jpush(items, o);
        if (!rc)
            rc = wf_store__jset(o, "signature", wf_store__jstr(col_s(q, 0)));
        if (!rc)
            rc = wf_store__jset(o, "category", wf_store__jstr(col_s(q, 1)));
        if (!rc)
            rc = wf_store__jset(o, "title", wf_store__jstr(col_s(q, 2)));
        if (!rc)
            rc = wf_store__jset(o, "count", json_integer(sqlite3_column_int64(q, 3)));
        if (!rc)
            rc = wf_store__jset(o, "first_seen_ms", json_integer(sqlite3_column_int64(q, 4)));
        if (!rc)
            rc = wf_store__jset(o, "last_seen_ms", json_integer(sqlite3_column_int64(q, 5)));
        for (int k = 0; k < 2 && !rc; k++) {
            json_t *arr = json_loads(col_s(q, 6 + k), 0, NULL);
            if (!json_is_array(arr)) {
                json_decref(arr);
                arr = json_array();
            }
            rc = wf_store__jset(o, k ? "branches" : "repos", arr);
        }
        if (!rc) {
            json_t *res =
                sqlite3_column_type(q, 8) == SQLITE_NULL ? NULL : json_loads(col_s(q, 8), 0, NULL);
            rc = wf_store__jset(o, "resolution", res ? res : json_null());
        }
        n++;
    }
    if (!rc && src != SQLITE_DONE && src != SQLITE_ROW)
        rc = sq_err(c, src);
out:
    sq_end(q);
    rd_release(s, c);
    if (rc) {
        json_decref(items);
        return rc;
    }
    return wf_store__page(items, next, out);
}

static int sq_signature_count(struct wf_store *st, const char *tenant, const char *signature,
                              int64_t *count, int64_t *first_seen_ms)
{
    struct sq *s = be(st);
    struct sq_conn *c;
    int rc = rd_acquire(s, &c);
    if (rc)
        return rc;
    sqlite3_stmt *q = sq_stmt(c, SQ_SIG_COUNT, &rc);
    if (!q)
        goto out;
    bind_s(q, 1, tenant);
    bind_s(q, 2, signature);
    int src = sqlite3_step(q);
    if (src == SQLITE_ROW) {
        *count = sqlite3_column_int64(q, 0);
        if (first_seen_ms)
            *first_seen_ms = sqlite3_column_int64(q, 1);
    } else if (src == SQLITE_DONE) {
        *count = 0;
        if (first_seen_ms)
            *first_seen_ms = 0;
    } else {
        rc = sq_err(c, src);
    }
out:
    sq_end(q);
    rd_release(s, c);
    return rc;
}

/* ---- Jobs --------------------------------------------------------------------------------- */

struct job_push_arg {
    const char *tenant, *kind, *payload;
    int max_attempts;
    int64_t available_ms, id;
};

static int op_job_push(struct sq_conn *c, struct sq_op *op)
{
    struct job_push_arg *a = op->arg;
    return insert_job(c, a->tenant, a->kind, a->payload, a->max_attempts, a->available_ms, &a->id);
}

static int sq_job_push(struct wf_store *st, const char *tenant, const char *kind,
                       const char *payload_json, int max_attempts, int64_t available_ms,
                       int64_t *id)
{
    struct job_push_arg a = {tenant, kind, payload_json, max_attempts, available_ms, 0};
    int rc = sq_submit(be(st), op_job_push, &a, NULL);
    if (rc == WF_OK && id)
        *id = a.id;
    return rc;
}

struct job_claim_arg {
    int64_t now_ms, lease_ms;
    struct wf_store_job *out;
    int found; /* "none" is not an error of the op: that would roll back dead-lettering */
};

static void undo_claim(struct sq_op *op)
{
    struct job_claim_arg *a = op->arg;
    wf_store_job_cleanup(a->out);
    a->found = 0;
}

static int op_job_claim(struct sq_conn *c, struct sq_op *op)
{
    struct job_claim_arg *a = op->arg;
    int rc = WF_OK;
    /* a job whose last lease expired after its final attempt is dead-lettered
     * here (its worker died each time); bounded so one claim stays short */
    for (int tries = 0; tries < 64; tries++) {
        sqlite3_stmt *q = sq_stmt(c, SQ_JOB_NEXT, &rc);
        if (!q)
            return rc;
        sqlite3_bind_int64(q, 1, a->now_ms);
        int src = sqlite3_step(q);
        if (src != SQLITE_ROW) {
            rc = src == SQLITE_DONE ? WF_OK : sq_err(c, src);
            sq_end(q);
            return rc;
        }
        struct wf_store_job *j = a->out;
        memset(j, 0, sizeof(*j));
        j->id = sqlite3_column_int64(q, 0);
        wf_store__copy(j->tenant, sizeof(j->tenant), col_s(q, 1));
        wf_store__copy(j->kind, sizeof(j->kind), col_s(q, 2));
        int leased = strcmp(col_s(q, 4), "leased") == 0;
        j->attempts = sqlite3_column_int(q, 5);
        j->max_attempts = sqlite3_column_int(q, 6);
        wf_store__copy(j->last_error, sizeof(j->last_error), col_s(q, 7));
        if (leased && j->attempts >= j->max_attempts) {
            sq_end(q);
            q = sq_stmt(c, SQ_JOB_EXPIRE, &rc);
            if (!q)
                return rc;
            sqlite3_bind_int64(q, 1, j->id);
            bind_s(q, 2, "lease expired on the last attempt (worker lost)");
            sqlite3_bind_int64(q, 3, a->now_ms);
            rc = sq_exec_stmt(c, q);
            if (rc)
                return rc;
            continue;
        }
        const char *payload = col_s(q, 3);
        j->payload = wf_strndup(payload, strlen(payload));
        sq_end(q);
        if (!j->payload)
            return WF_ENOMEM;
        j->attempts++;
        j->lease_token = wf_store__lease_token();
        q = sq_stmt(c, SQ_JOB_LEASE, &rc);
        if (q) {
            sqlite3_bind_int64(q, 1, j->id);
            sqlite3_bind_int64(q, 2, j->lease_token);
            sqlite3_bind_int64(q, 3, a->now_ms + a->lease_ms);
            sqlite3_bind_int64(q, 4, wf_store_now_ms());
            rc = sq_exec_stmt(c, q);
        }
        if (rc)
            wf_store_job_cleanup(j);
        else
            a->found = 1;
        return rc;
    }
    return WF_OK;
}

static int sq_job_claim(struct wf_store *st, int64_t now_ms, int64_t lease_ms,
                        struct wf_store_job *out)
{
    struct wf_store_job j;
    memset(&j, 0, sizeof(j));
    struct job_claim_arg a = {now_ms, lease_ms, &j, 0};
    int rc = sq_submit(be(st), op_job_claim, &a, undo_claim);
    if (rc == WF_OK && !a.found)
        rc = WF_ENOENT;
    if (rc == WF_OK)
        *out = j;
    else
        wf_store_job_cleanup(&j);
    return rc;
}

struct job_end_arg {
    enum sq_stmt which; /* SQ_JOB_ACK, SQ_JOB_RETRY, SQ_JOB_DEAD */
    int64_t id, token, available_ms;
    const char *error;
};

static int op_job_end(struct sq_conn *c, struct sq_op *op)
{
    const struct job_end_arg *a = op->arg;
    int rc = WF_OK;
    int64_t now = wf_store_now_ms();
    sqlite3_stmt *q = sq_stmt(c, a->which, &rc);
    if (!q)
        return rc;
    sqlite3_bind_int64(q, 1, a->id);
    sqlite3_bind_int64(q, 2, a->token);
    if (a->which == SQ_JOB_ACK) {
        sqlite3_bind_int64(q, 3, now);
    } else if (a->which == SQ_JOB_RETRY) {
        sqlite3_bind_int64(q, 3, a->available_ms);
        sqlite3_bind_text(q, 4, a->error, (int)strnlen(a->error, 255), SQLITE_STATIC);
        sqlite3_bind_int64(q, 5, now);
    } else {
        sqlite3_bind_text(q, 3, a->error, (int)strnlen(a->error, 255), SQLITE_STATIC);
        sqlite3_bind_int64(q, 4, now);
    }
    rc = sq_exec_stmt(c, q);
    if (!rc && sqlite3_changes(c->db) == 0)
        rc = WF_ECONFLICT; /* the lease was lost: expired and claimed again, or finished */
    return rc;
}

static int sq_job_ack(struct wf_store *st, int64_t id, int64_t lease_token_v)
{
    struct job_end_arg a = {SQ_JOB_ACK, id, lease_token_v, 0, ""};
    return sq_submit(be(st), op_job_end, &a, NULL);
}

static int sq_job_retry(struct wf_store *st, int64_t id, int64_t lease_token_v,
                        int64_t available_ms, const char *error)
{
    struct job_end_arg a = {SQ_JOB_RETRY, id, lease_token_v, available_ms, error};
    return sq_submit(be(st), op_job_end, &a, NULL);
}

static int sq_job_dead(struct wf_store *st, int64_t id, int64_t lease_token_v, const char *error)
{
    struct job_end_arg a = {SQ_JOB_DEAD, id, lease_token_v, 0, error};
    return sq_submit(be(st), op_job_end, &a, NULL);
}

static int sq_job_counts(struct wf_store *st, struct wf_store_job_counts *out)
{
    struct sq *s = be(st);
    struct sq_conn *c;
    struct wf_store_job_counts n = {0, 0, 0, 0};
    int rc = rd_acquire(s, &c);
    if (rc)
        return rc;
    sqlite3_stmt *q = sq_stmt(c, SQ_JOB_COUNTS, &rc);
    if (!q)
        goto out;
    int src;
    while ((src = sqlite3_step(q)) == SQLITE_ROW) {
        const char *state = col_s(q, 0);
        int64_t v = sqlite3_column_int64(q, 1);
        if (strcmp(state, "ready") == 0)
            n.ready = v;
        else if (strcmp(state, "leased") == 0)
            n.leased = v;
        else if (strcmp(state, "done") == 0)
            n.done = v;
        else if (strcmp(state, "dead") == 0)
            n.dead = v;
    }
    if (src != SQLITE_DONE)
        rc = sq_err(c, src);
    else
        *out = n;
out:
    sq_end(q);
    rd_release(s, c);
    return rc;
}

struct review_arg {
    const struct wf_store_review *r;
    int64_t id;
};

static int op_review_put(struct sq_conn *c, struct sq_op *op)
{
    struct review_arg *a = op->arg;
    const struct wf_store_review *r = a->r;
    int rc = WF_OK;
    sqlite3_stmt *q = sq_stmt(c, SQ_REVIEW_PUT, &rc);
    if (!q)
        return rc;
    bind_s(q, 1, r->tenant);
    bind_s(q, 2, r->provider);
    bind_s(q, 3, r->repo);
    bind_s(q, 4, r->number);
    bind_s(q, 5, r->sha);
    sqlite3_bind_double(q, 6, r->score);
    sqlite3_bind_int(q, 7, r->n_findings);
    bind_s(q, 8, r->report_json);
    sqlite3_bind_int(q, 9, r->posted);
    sqlite3_bind_int64(q, 10, r->created_ms ? r->created_ms : wf_store_now_ms());
    rc = sq_exec_stmt(c, q);
    if (!rc)
        a->id = sqlite3_last_insert_rowid(c->db);
    return rc;
}

static int sq_review_put(struct wf_store *st, const struct wf_store_review *r, int64_t *id)
{
    struct review_arg a = {r, 0};
    int rc = sq_submit(be(st), op_review_put, &a, NULL);
    if (!rc && id)
        *id = a.id;
    return rc;
}

struct review_list_args {
    const char *tenant, *repo, *number;
};

static void bind_review_list(sqlite3_stmt *q, const void *args)
{
    const struct review_list_args *a = args;
    bind_s(q, 1, a->tenant);
    if (a->repo)
        bind_s(q, 2, a->repo);
    else
        sqlite3_bind_null(q, 2);
    if (a->number)
        bind_s(q, 3, a->number);
    else
        sqlite3_bind_null(q, 3);
}

static int sq_review_list(struct wf_store *st, const char *tenant, const char *repo,
                          const char *number, json_t **out)
{
    static const struct jcol cols[] = {
        {"id", 'i'},    {"provider", 's'}, {"repo", 's'},   {"number", 's'},     {"sha", 's'},
        {"score", 'r'}, {"findings", 'i'}, {"posted", 'b'}, {"created_ms", 'i'}, {"report", 'j'}};
    struct review_list_args a = {tenant, repo, number};
    json_t *items = NULL;
    int rc = sq_list(st, SQ_REVIEW_LIST, bind_review_list, &a, cols, 10, &items);
    if (rc)
        return rc;
    *out = json_pack("{s:o}", "items", items);
    return *out ? WF_OK : WF_ENOMEM;
}

static int sq_job_dead_list(struct wf_store *st, const char *tenant, json_t **out)
{
    static const struct jcol cols[] = {
        {"id", 'i'},         {"kind", 's'},    {"attempts", 'i'},   {"max_attempts", 'i'},
        {"last_error", 's'}, {"payload", 'j'}, {"created_ms", 'i'}, {"updated_ms", 'i'}};
    return sq_list(st, SQ_JOB_DEAD_LIST, bind_tenant_page, tenant, cols, 8, out);
}

/* ---- Event log -------------------------------------------------------------------------- */

static int sq_events_read(struct wf_store *st, const char *tenant, const char *kind,
                          int64_t since_ms, int64_t until_ms, wf_store_event_fn fn, void *ud)
{
    struct sq *s = be(st);
    struct sq_conn *c;
    int rc = rd_acquire(s, &c);
    if (rc)
        return rc;
    sqlite3_stmt *q = sq_stmt(c, SQ_EVENTS_READ, &rc);
    if (!q)
        goto out;
    bind_s(q, 1, tenant);
    bind_s(q, 2, kind);
    sqlite3_bind_int64(q, 3, since_ms);
    sqlite3_bind_int64(q, 4, until_ms);
    int src;
    /* rows are handed over one at a time: memory stays bounded whatever the range */
    while ((src = sqlite3_step(q)) == SQLITE_ROW) {
        struct wf_store_event ev = {
            .kind = col_s(q, 0),
            .action = col_s(q, 1),
            .repo = col_s(q, 2),
            .branch = col_s(q, 3),
            .sha = col_s(q, 4),
            .external_id = col_s(q, 5),
            .parent_id = col_s(q, 6),
            .name = col_s(q, 7),
            .status = col_s(q, 8),
            .conclusion = col_s(q, 9),
            .url = col_s(q, 10),
            .occurred_ms = sqlite3_column_int64(q, 11),
            .data_json = col_s(q, 12),
        };
        if ((rc = fn(ud, &ev)) != WF_OK)
            break;
    }
    if (!rc && src != SQLITE_DONE)
        rc = sq_err(c, src);
out:
    sq_end(q);
    rd_release(s, c);
    return rc;
}

/* ---- Knowledge base ------------------------------------------------------------------- */

struct kb_put_arg {
    const struct wf_store_kb_doc *d;
    const unsigned char *blob; /* the compressed text */
    size_t blob_len;
    int64_t id;
    int replaced;
};

static int kb_insert_chunks(struct sq_conn *c, const char *tenant, int64_t doc_id,
                            const struct wf_store_kb_chunk *chunks, size_t n)
{
    int rc = WF_OK;
    for (size_t i = 0; !rc && i < n; i++) {
        const struct wf_store_kb_chunk *k = &chunks[i];
        sqlite3_stmt *q = sq_stmt(c, SQ_KB_CHUNK_INSERT, &rc);
        if (!q)
            return rc;
        sqlite3_bind_int64(q, 1, doc_id);
        sqlite3_bind_int64(q, 2, k->seq);
        bind_s(q, 3, tenant);
        bind_s(q, 4, k->heading);
        sqlite3_bind_int64(q, 5, k->line_start);
        sqlite3_bind_int64(q, 6, k->line_end);
        sqlite3_bind_text64(q, 7, k->text ? k->text : "", k->len, SQLITE_STATIC, SQLITE_UTF8);
        if (k->vec)
            sqlite3_bind_blob64(q, 8, k->vec, k->dim * sizeof(float), SQLITE_STATIC);
        else
            sqlite3_bind_null(q, 8);
        bind_s(q, 9, k->vec ? k->embed_model : "");
        rc = sq_exec_stmt(c, q);
    }
    return rc;
}

static int op_kb_put(struct sq_conn *c, struct sq_op *op)
{
    struct kb_put_arg *a = op->arg;
    const struct wf_store_kb_doc *d = a->d;
    int64_t now = d->now_ms ? d->now_ms : wf_store_now_ms();
    int rc = WF_OK;
    sqlite3_stmt *q = sq_stmt(c, SQ_KB_DOC_FIND, &rc);
    if (!q)
        return rc;
    bind_s(q, 1, d->tenant);
    bind_s(q, 2, d->name);
    int src = sqlite3_step(q);
    int64_t id = src == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
    sq_end(q);
    if (src != SQLITE_ROW && src != SQLITE_DONE)
        return sq_err(c, src);
    int existed = id != 0;
    if (existed) {
        /* replacing keeps the id (citations and links stay valid) */
        q = sq_stmt(c, SQ_KB_CHUNKS_DELETE, &rc);
        if (!q)
            return rc;
        bind_s(q, 1, d->tenant);
        sqlite3_bind_int64(q, 2, id);
        if ((rc = sq_exec_stmt(c, q)) != WF_OK)
            return rc;
        q = sq_stmt(c, SQ_KB_DOC_UPDATE, &rc);
        if (!q)
            return rc;
        bind_s(q, 1, d->tenant);
        sqlite3_bind_int64(q, 2, id);
    } else {
        q = sq_stmt(c, SQ_KB_DOC_INSERT, &rc);
        if (!q)
            return rc;
        bind_s(q, 1, d->tenant);
        bind_s(q, 2, d->name);
    }
    bind_s(q, 3, d->format);
    bind_s(q, 4, d->sha256);
    sqlite3_bind_int64(q, 5, d->bytes);
    sqlite3_bind_int64(q, 6, (sqlite3_int64)d->n_chunks);
    sqlite3_bind_int64(q, 7, (sqlite3_int64)d->text_len);
    sqlite3_bind_blob64(q, 8, a->blob, a->blob_len, SQLITE_STATIC);
    sqlite3_bind_int64(q, 9, now);
    if ((rc = sq_exec_stmt(c, q)) != WF_OK)
        return rc;
    if (!id)
        id = sqlite3_last_insert_rowid(c->db);
    rc = kb_insert_chunks(c, d->tenant, id, d->chunks, d->n_chunks);
    if (!rc) {
        a->replaced = existed;
        a->id = id;
    }
    return rc;
}

static int sq_kb_doc_put(struct wf_store *st, const struct wf_store_kb_doc *d, int64_t *id,
                         int *replaced)
{
    struct kb_put_arg a = {d, NULL, 0, 0, 0};
    unsigned char *blob = NULL;
    /* compress in the caller's thread: the writer only copies bytes */
    int rc = wf_store__compress(d->text ? d->text : "", d->text_len, &blob, &a.blob_len);
    if (rc)
        return rc;
    a.blob = blob;
    rc = sq_submit(be(st), op_kb_put, &a, NULL);
    wf_free(blob);
    if (!rc && id)
        *id = a.id;
    if (!rc && replaced)
        *replaced = a.replaced;
    return rc;
}

struct kb_del_arg {
    const char *tenant;
    int64_t id;
};

static int op_kb_delete(struct sq_conn *c, struct sq_op *op)
{
    const struct kb_del_arg *a = op->arg;
    int rc = WF_OK;
    sqlite3_stmt *q = sq_stmt(c, SQ_KB_CHUNKS_DELETE, &rc);
    if (!q)
        return rc;
    bind_s(q, 1, a->tenant);
    sqlite3_bind_int64(q, 2, a->id);
    if ((rc = sq_exec_stmt(c, q)) != WF_OK)
        return rc;
    q = sq_stmt(c, SQ_KB_DOC_DELETE, &rc);
    if (!q)
        return rc;
    bind_s(q, 1, a->tenant);
    sqlite3_bind_int64(q, 2, a->id);
    if ((rc = sq_exec_stmt(c, q)) != WF_OK)
        return rc;
    return sqlite3_changes(c->db) == 1 ? WF_OK : WF_ENOENT;
}

static int sq_kb_doc_delete(struct wf_store *st, const char *tenant, int64_t id)
{
    struct kb_del_arg a = {tenant, id};
    return sq_submit(be(st), op_kb_delete, &a, NULL);
}

static void bind_kb_list(sqlite3_stmt *q, const void *args)
{
    bind_s(q, 1, args);
    sqlite3_bind_int64(q, 2, WF_STORE_KB_LIST_MAX);
}

static int sq_kb_doc_list(struct wf_store *st, const char *tenant, json_t **out)
{
    static const struct jcol cols[] = {{"id", 'i'},       {"name", 's'},      {"format", 's'},
                                       {"sha256", 's'},   {"bytes", 'i'},     {"chunks", 'i'},
                                       {"added_ms", 'i'}, {"updated_ms", 'i'}};
    json_t *items = NULL;
    int rc = sq_list(st, SQ_KB_DOC_LIST, bind_kb_list, tenant, cols, 8, &items);
    if (rc)
        return rc;
    *out = json_pack("{s:o}", "documents", items);
    return *out ? WF_OK : WF_ENOMEM;
}

static int sq_kb_doc_get(struct wf_store *st, const char *tenant, int64_t id, const char *name,
                         struct wf_store_kb_info *out, char **text, size_t *text_len)
{
    struct sq *s = be(st);
    struct sq_conn *c;
    int rc = rd_acquire(s, &c);
    if (rc)
        return rc;
    sqlite3_stmt *q = sq_stmt(c, name ? SQ_KB_DOC_GET_NAME : SQ_KB_DOC_GET, &rc);
    if (!q)
        goto out;
    bind_s(q, 1, tenant);
    if (name)
        bind_s(q, 2, name);
    else
        sqlite3_bind_int64(q, 2, id);
    int src = sqlite3_step(q);
    if (src != SQLITE_ROW) {
        rc = src == SQLITE_DONE ? WF_ENOENT : sq_err(c, src);
        goto out;
    }
    struct wf_store_kb_info info;
    memset(&info, 0, sizeof(info));
    info.id = sqlite3_column_int64(q, 0);
    wf_store__copy(info.name, sizeof(info.name), col_s(q, 1));
    wf_store__copy(info.format, sizeof(info.format), col_s(q, 2));
    wf_store__copy(info.sha256, sizeof(info.sha256), col_s(q, 3));
    info.bytes = sqlite3_column_int64(q, 4);
    info.n_chunks = sqlite3_column_int64(q, 5);
    info.added_ms = sqlite3_column_int64(q, 6);
    info.updated_ms = sqlite3_column_int64(q, 7);
    if (text) {
        sqlite3_int64 raw_len = sqlite3_column_int64(q, 8);
        const unsigned char *blob = sqlite3_column_blob(q, 9);
        size_t blob_len = (size_t)sqlite3_column_bytes(q, 9);
        if (raw_len < 0 || (uint64_t)raw_len > WF_STORE_KB_TEXT_BYTES) {
            rc = WF_ETOOBIG;
            goto out;
        }
        rc = wf_store__uncompress(blob ? blob : (const unsigned char *)"", blob_len,
                                  (size_t)raw_len, text);
        if (rc)
            goto out;
        *text_len = (size_t)raw_len;
    }
    *out = info;
out:
    sq_end(q);
    rd_release(s, c);
    return rc;
}

static int sq_kb_chunks_read(struct wf_store *st, const char *tenant, int64_t doc_id,
                             wf_store_kb_chunk_fn fn, void *ud)
{
    struct sq *s = be(st);
    struct sq_conn *c;
    float *vec = NULL;
    size_t vec_cap = 0;
    int rc = rd_acquire(s, &c);
    if (rc)
        return rc;
    sqlite3_stmt *q = sq_stmt(c, SQ_KB_CHUNKS_READ, &rc);
    if (!q)
        goto out;
    bind_s(q, 1, tenant);
    sqlite3_bind_int64(q, 2, doc_id);
    int src;
    while ((src = sqlite3_step(q)) == SQLITE_ROW) {
        struct wf_store_kb_row row;
        memset(&row, 0, sizeof(row));
        row.doc_id = sqlite3_column_int64(q, 0);
        row.doc_name = col_s(q, 1);
        row.chunk.seq = (uint32_t)sqlite3_column_int64(q, 2);
        row.chunk.heading = col_s(q, 3);
        row.chunk.line_start = (uint32_t)sqlite3_column_int64(q, 4);
        row.chunk.line_end = (uint32_t)sqlite3_column_int64(q, 5);
        row.chunk.text = col_s(q, 6);
        row.chunk.len = (size_t)sqlite3_column_bytes(q, 6);
        const void *blob = sqlite3_column_blob(q, 7);
        size_t blob_len = (size_t)sqlite3_column_bytes(q, 7);
        row.chunk.embed_model = col_s(q, 8);
        if (blob && blob_len && blob_len % sizeof(float) == 0 &&
            blob_len / sizeof(float) <= WF_STORE_KB_DIM) {
            /* SQLite's blob pointer has no float alignment guarantee: copy */
            size_t dim = blob_len / sizeof(float);
            if ((rc = wf_grow((void **)&vec, &vec_cap, dim, sizeof(float), WF_STORE_KB_DIM)) !=
                WF_OK)
                break;
            memcpy(vec, blob, blob_len);
            row.chunk.vec = vec;
            row.chunk.dim = dim;
        } else if (blob_len) {
            rc = WF_EFORMAT; /* a vector blob this backend never writes */
            break;
        }
        if ((rc = fn(ud, &row)) != WF_OK)
            break;
    }
    if (!rc && src != SQLITE_DONE)
        rc = sq_err(c, src);
out:
    sq_end(q);
    rd_release(s, c);
    wf_free(vec);
    return rc;
}

struct kb_vec_arg {
    const char *tenant;
    int64_t doc_id;
    const float *vecs;
    size_t n, dim;
    const char *model;
};

static int op_kb_vectors(struct sq_conn *c, struct sq_op *op)
{
    const struct kb_vec_arg *a = op->arg;
    int rc = WF_OK;
    uint32_t *seqs = NULL;
    size_t n = 0, cap = 0;
    sqlite3_stmt *q = sq_stmt(c, SQ_KB_CHUNK_SEQS, &rc);
    if (!q)
        return rc;
    bind_s(q, 1, a->tenant);
    sqlite3_bind_int64(q, 2, a->doc_id);
    int src;
    while ((src = sqlite3_step(q)) == SQLITE_ROW) {
        if ((rc = wf_grow((void **)&seqs, &cap, n + 1, sizeof(*seqs), WF_STORE_KB_CHUNKS)) != 0)
            break;
        seqs[n++] = (uint32_t)sqlite3_column_int64(q, 0);
    }
    if (!rc && src != SQLITE_DONE)
        rc = sq_err(c, src);
    sq_end(q);
    if (!rc) {
        q = sq_stmt(c, SQ_KB_DOC_GET, &rc);
        if (q) {
            bind_s(q, 1, a->tenant);
            sqlite3_bind_int64(q, 2, a->doc_id);
            src = sqlite3_step(q);
            rc = src == SQLITE_ROW ? WF_OK : src == SQLITE_DONE ? WF_ENOENT : sq_err(c, src);
            sq_end(q);
        }
    }
    if (!rc && n != a->n)
        rc = WF_ECONFLICT;
    for (size_t i = 0; !rc && i < n; i++) {
        q = sq_stmt(c, SQ_KB_VEC_UPDATE, &rc);
        if (!q)
            break;
        bind_s(q, 1, a->tenant);
        sqlite3_bind_int64(q, 2, a->doc_id);
        sqlite3_bind_int64(q, 3, seqs[i]);
        sqlite3_bind_blob64(q, 4, a->vecs + i * a->dim, a->dim * sizeof(float), SQLITE_STATIC);
        bind_s(q, 5, a->model);
        rc = sq_exec_stmt(c, q);
    }
    wf_free(seqs);
    return rc;
}

static int sq_kb_vectors_put(struct wf_store *st, const char *tenant, int64_t doc_id,
                             const float *vecs, size_t n, size_t dim, const char *embed_model)
{
    struct kb_vec_arg a = {tenant, doc_id, vecs, n, dim, embed_model};
    return sq_submit(be(st), op_kb_vectors, &a, NULL);
}

/* ---- Feedback labels -------------------------------------------------------------------- */

struct label_arg {
    const struct wf_store_label *l;
    int64_t id;
};

/* WF_OK when statement `stmt` bound with (tenant, key) returns a row, else WF_ENOENT. */
static int row_exists(struct sq_conn *c, enum sq_stmt stmt, const char *tenant, int64_t id,
                      const char *key)
{
    int rc = WF_OK;
    sqlite3_stmt *q = sq_stmt(c, stmt, &rc);
    if (!q)
        return rc;
    bind_s(q, 1, tenant);
    if (key)
        bind_s(q, 2, key);
    else
        sqlite3_bind_int64(q, 2, id);
    int src = sqlite3_step(q);
    rc = src == SQLITE_ROW ? WF_OK : src == SQLITE_DONE ? WF_ENOENT : sq_err(c, src);
    sq_end(q);
    return rc;
}

static int op_label_put(struct sq_conn *c, struct sq_op *op)
{
    struct label_arg *a = op->arg;
    const struct wf_store_label *l = a->l;
    int rc = WF_OK;
    if (l->failure_id > 0)
        rc = row_exists(c, SQ_FAILURE_EXISTS, l->tenant, l->failure_id, NULL);
    else if (strcmp(l->kind, "resolution") == 0)
        rc = row_exists(c, SQ_SIG_EXISTS, l->tenant, 0, l->signature);
    if (rc)
        return rc;
    sqlite3_stmt *q = sq_stmt(c, SQ_LABEL_INSERT, &rc);
    if (!q)
        return rc;
    bind_s(q, 1, l->tenant);
    bind_s(q, 2, l->kind);
    sqlite3_bind_int64(q, 3, l->failure_id);
    bind_s(q, 4, l->value);
    bind_s(q, 5, l->target);
    bind_s(q, 6, l->target_id);
    bind_s(q, 7, l->signature);
    bind_s(q, 8, l->note);
    bind_s(q, 9, l->fix_commit);
    bind_s(q, 10, l->repo);
    sqlite3_bind_int64(q, 11, l->number);
    bind_s(q, 12, l->by);
    sqlite3_bind_int64(q, 13, l->created_ms ? l->created_ms : wf_store_now_ms());
    rc = sq_exec_stmt(c, q);
    if (!rc)
        a->id = sqlite3_last_insert_rowid(c->db);
    return rc;
}

static int sq_label_put(struct wf_store *st, const struct wf_store_label *l, int64_t *id)
{
    struct label_arg a = {l, 0};
    int rc = sq_submit(be(st), op_label_put, &a, NULL);
    if (!rc && id)
        *id = a.id;
    return rc;
}

struct label_list_args {
    const char *tenant;
    const struct wf_store_label_filter *f;
    int limit;
};

static void bind_label_list(sqlite3_stmt *q, const void *args)
{
    const struct label_list_args *a = args;
    bind_s(q, 1, a->tenant);
    bind_opt(q, 2, a->f->kind);
    sqlite3_bind_int64(q, 3, a->f->failure_id);
    bind_opt(q, 4, a->f->signature);
    sqlite3_bind_int64(q, 5, a->f->since_ms);
    sqlite3_bind_int64(q, 6, a->f->before_id);
    sqlite3_bind_int(q, 7, a->limit + 1);
}

static int sq_label_list(struct wf_store *st, const char *tenant,
                         const struct wf_store_label_filter *f, json_t **out)
{
    static const struct jcol cols[] = {{"id", 'i'},        {"kind", 's'},   {"failure_id", 'i'},
                                       {"value", 's'},     {"target", 's'}, {"target_id", 's'},
                                       {"signature", 's'}, {"note", 's'},   {"fix_commit", 's'},
                                       {"repo", 's'},      {"number", 'i'}, {"by", 's'},
                                       {"created_ms", 'i'}};
    static const struct wf_store_label_filter none;
    struct label_list_args a = {tenant, f ? f : &none, 0};
    a.limit = a.f->limit <= 0                         ? 50
              : a.f->limit > (int)WF_LIMIT_PAGE_ITEMS ? (int)WF_LIMIT_PAGE_ITEMS
                                                      : a.f->limit;
    json_t *items = NULL;
    int rc = sq_list(st, SQ_LABEL_LIST, bind_label_list, &a, cols, 13, &items);
    if (rc)
        return rc;
    int64_t next = 0;
    if (json_array_size(items) > (size_t)a.limit) {
        json_array_remove(items, (size_t)a.limit);
        next =
            json_integer_value(json_object_get(json_array_get(items, (size_t)a.limit - 1), "id"));
    }
    return wf_store__page(items, next, out);
}

struct queue_args {
    const char *tenant;
    int limit;
};

static void bind_queue(sqlite3_stmt *q, const void *args)
{
    const struct queue_args *a = args;
    bind_s(q, 1, a->tenant);
    sqlite3_bind_int(q, 2, a->limit);
}

static int sq_label_queue(struct wf_store *st, const char *tenant, int limit, json_t **out)
{
    static const struct jcol cols[] = {{"id", 'i'},         {"title", 's'},  {"category", 's'},
                                       {"confidence", 'r'}, {"margin", 'r'}, {"signature", 's'},
                                       {"created_ms", 'i'}};
    struct queue_args a = {tenant, limit};
    json_t *items = NULL;
    int rc = sq_list(st, SQ_LABEL_QUEUE, bind_queue, &a, cols, 7, &items);
    if (rc)
        return rc;
    *out = json_pack("{s:o}", "items", items);
    return *out ? WF_OK : WF_ENOMEM;
}

/* ---- Model versions ----------------------------------------------------------------------- */

struct model_arg {
    const struct wf_store_model *m;
    int64_t version;
};

static int op_model_put(struct sq_conn *c, struct sq_op *op)
{
    struct model_arg *a = op->arg;
    const struct wf_store_model *m = a->m;
    int rc = WF_OK;
    sqlite3_stmt *q = sq_stmt(c, SQ_MODEL_NEXT, &rc);
    if (!q)
        return rc;
    bind_s(q, 1, m->tenant);
    bind_s(q, 2, m->kind);
    int src = sqlite3_step(q);
    int64_t v = src == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
    if (src != SQLITE_ROW)
        rc = sq_err(c, src);
    sq_end(q);
    if (rc)
        return rc;
    if (strcmp(m->status, "active") == 0) {
        q = sq_stmt(c, SQ_MODEL_RETIRE, &rc);
        if (!q)
            return rc;
        bind_s(q, 1, m->tenant);
        bind_s(q, 2, m->kind);
        rc = sq_exec_stmt(c, q);
        if (rc)
            return rc;
    }
    q = sq_stmt(c, SQ_MODEL_INSERT, &rc);
    if (!q)
        return rc;
    bind_s(q, 1, m->tenant);
    bind_s(q, 2, m->kind);
    sqlite3_bind_int64(q, 3, v);
    bind_s(q, 4, m->status);
    sqlite3_bind_int64(q, 5, m->created_ms ? m->created_ms : wf_store_now_ms());
    bind_s(q, 6, m->training_hash);
    bind_s(q, 7, m->metrics_json && m->metrics_json[0] ? m->metrics_json : "{}");
    bind_s(q, 8, m->reference_json && m->reference_json[0] ? m->reference_json : "{}");
    bind_s(q, 9, m->reason);
    sqlite3_bind_int64(q, 10, m->n_labels);
    bind_s(q, 11, m->model_text);
    rc = sq_exec_stmt(c, q);
    if (!rc)
        a->version = v;
    return rc;
}

static int sq_model_put(struct wf_store *st, const struct wf_store_model *m, int64_t *version)
{
    struct model_arg a = {m, 0};
    int rc = sq_submit(be(st), op_model_put, &a, NULL);
    if (!rc)
        *version = a.version;
    return rc;
}

static const struct jcol model_cols[] = {
    {"kind", 's'},          {"version", 'i'}, {"status", 's'},    {"created_ms", 'i'},
    {"training_hash", 's'}, {"metrics", 'j'}, {"reference", 'j'}, {"reason", 's'},
    {"n_labels", 'i'},      {"model", 's'}};

struct model_q_args {
    const char *tenant, *kind;
    int64_t version;
};

static void bind_model_list(sqlite3_stmt *q, const void *args)
{
    const struct model_q_args *a = args;
    bind_s(q, 1, a->tenant);
    bind_opt(q, 2, a->kind);
}

static int sq_model_list(struct wf_store *st, const char *tenant, const char *kind, json_t **out)
{
    struct model_q_args a = {tenant, kind, 0};
    json_t *items = NULL;
    int rc = sq_list(st, SQ_MODEL_LIST, bind_model_list, &a, model_cols, 9, &items);
    if (rc)
        return rc;
    *out = json_pack("{s:o}", "items", items);
    return *out ? WF_OK : WF_ENOMEM;
}

static void bind_model_get(sqlite3_stmt *q, const void *args)
{
    const struct model_q_args *a = args;
    bind_s(q, 1, a->tenant);
    bind_s(q, 2, a->kind);
    sqlite3_bind_int64(q, 3, a->version);
}

static int sq_model_get(struct wf_store *st, const char *tenant, const char *kind, int64_t version,
                        json_t **out)
{
    struct model_q_args a = {tenant, kind, version};
    json_t *items = NULL;
    int rc = sq_list(st, SQ_MODEL_GET, bind_model_get, &a, model_cols, 10, &items);
    if (rc)
        return rc;
    if (json_array_size(items) == 0) {
        json_decref(items);
        return WF_ENOENT;
    }
    *out = json_incref(json_array_get(items, 0));
    json_decref(items);
    return WF_OK;
}

struct activate_arg {
    const char *tenant, *kind;
    int64_t version;
};

static int op_model_activate(struct sq_conn *c, struct sq_op *op)
{
    struct activate_arg *a = op->arg;
    int rc = WF_OK;
    sqlite3_stmt *q = sq_stmt(c, SQ_MODEL_STATUS, &rc);
    if (!q)
        return rc;
    bind_s(q, 1, a->tenant);
    bind_s(q, 2, a->kind);
    sqlite3_bind_int64(q, 3, a->version);
    int src = sqlite3_step(q);
    if (src == SQLITE_ROW)
        rc = strcmp(col_s(q, 0), "rejected") == 0 ? WF_ECONFLICT : WF_OK;
    else
        rc = src == SQLITE_DONE ? WF_ENOENT : sq_err(c, src);
    sq_end(q);
    if (rc)
        return rc;
    q = sq_stmt(c, SQ_MODEL_RETIRE, &rc);
    if (!q)
        return rc;
    bind_s(q, 1, a->tenant);
    bind_s(q, 2, a->kind);
    rc = sq_exec_stmt(c, q);
    if (rc)
        return rc;
    q = sq_stmt(c, SQ_MODEL_SET, &rc);
    if (!q)
        return rc;
    bind_s(q, 1, a->tenant);
    bind_s(q, 2, a->kind);
    sqlite3_bind_int64(q, 3, a->version);
    return sq_exec_stmt(c, q);
}

static int sq_model_activate(struct wf_store *st, const char *tenant, const char *kind,
                             int64_t version)
{
    struct activate_arg a = {tenant, kind, version};
    return sq_submit(be(st), op_model_activate, &a, NULL);
}

/* ---- Notices ------------------------------------------------------------------------------ */

struct notice_arg {
    const char *tenant, *kind, *key, *data;
    int64_t created_ms;
    int created;
};

static int op_notice_put(struct sq_conn *c, struct sq_op *op)
{
    struct notice_arg *a = op->arg;
    int rc = WF_OK;
    sqlite3_stmt *q = sq_stmt(c, SQ_NOTICE_PUT, &rc);
    if (!q)
        return rc;
    bind_s(q, 1, a->tenant);
    bind_s(q, 2, a->kind);
    bind_s(q, 3, a->key);
    bind_s(q, 4, a->data);
    sqlite3_bind_int64(q, 5, a->created_ms);
    rc = sq_exec_stmt(c, q);
    if (!rc)
        a->created = sqlite3_changes(c->db) > 0;
    return rc;
}

static int sq_notice_put(struct wf_store *st, const char *tenant, const char *kind, const char *key,
                         const char *data_json, int64_t created_ms, int *created)
{
    struct notice_arg a = {tenant, kind, key, data_json, created_ms, 0};
    int rc = sq_submit(be(st), op_notice_put, &a, NULL);
    if (!rc)
        *created = a.created;
    return rc;
}

struct notice_list_args {
    const char *tenant, *kind;
    int64_t since_ms;
};

static void bind_notice_list(sqlite3_stmt *q, const void *args)
{
    const struct notice_list_args *a = args;
    bind_s(q, 1, a->tenant);
    bind_opt(q, 2, a->kind);
    sqlite3_bind_int64(q, 3, a->since_ms);
}

static int sq_notice_list(struct wf_store *st, const char *tenant, const char *kind,
                          int64_t since_ms, json_t **out)
{
    static const struct jcol cols[] = {
        {"id", 'i'}, {"kind", 's'}, {"key", 's'}, {"data", 'j'}, {"created_ms", 'i'}};
    struct notice_list_args a = {tenant, kind, since_ms};
    json_t *items = NULL;
    int rc = sq_list(st, SQ_NOTICE_LIST, bind_notice_list, &a, cols, 5, &items);
    if (rc)
        return rc;
    *out = json_pack("{s:o}", "items", items);
    return *out ? WF_OK : WF_ENOMEM;
}

const struct wf_store_ops wf_store__sqlite_ops = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .ping = sq_ping,
    .tenant_put = sq_tenant_put,
    .tenant_get = sq_tenant_get,
    .tenant_list = sq_tenant_list,
    .key_put = sq_key_put,
    .key_find = sq_key_find,
    .key_revoke = sq_key_revoke,
    .key_list = sq_key_list,
    .ingest = sq_ingest,
    .ingest_async = sq_ingest_async,
    .review_put = sq_review_put,
    .review_list = sq_review_list,
    .stats = sq_stats,
    .build_ensure = sq_build_ensure,
    .build_get = sq_build_get,
    .build_find = sq_build_find,
    .log_put = sq_log_put,
    .log_get = sq_log_get,
    .failure_put = sq_failure_put,
    .failure_list = sq_failure_list,
    .failure_get = sq_failure_get,
    .signature_list = sq_signature_list,
    .signature_count = sq_signature_count,
    .job_push = sq_job_push,
    .job_claim = sq_job_claim,
    .job_ack = sq_job_ack,
    .job_retry = sq_job_retry,
    .job_dead = sq_job_dead,
    .job_counts = sq_job_counts,
    .job_dead_list = sq_job_dead_list,
    .events_read = sq_events_read,
    .kb_doc_put = sq_kb_doc_put,
    .kb_doc_delete = sq_kb_doc_delete,
    .kb_doc_list = sq_kb_doc_list,
    .kb_doc_get = sq_kb_doc_get,
    .kb_chunks_read = sq_kb_chunks_read,
    .kb_vectors_put = sq_kb_vectors_put,
    .label_put = sq_label_put,
    .label_list = sq_label_list,
    .label_queue = sq_label_queue,
    .model_put = sq_model_put,
    .model_list = sq_model_list,
    .model_get = sq_model_get,
    .model_activate = sq_model_activate,
    .notice_put = sq_notice_put,
    .notice_list = sq_notice_list,
};
