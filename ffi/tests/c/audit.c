/* audit.c: auditors through the C API. Usage: audit DIR (an empty
 * directory the program writes its audit files to).
 *
 * - a file auditor (keyed, with a masked and a dropped field) records
 *   decisions made through the JSON path and the fast path, then is opened
 *   again and continues its chain; an fsync auditor and a best-effort
 *   auditor with a background writer write files of their own;
 * - a callback auditor collects its records in C memory, then writes them
 *   to DIR/callback.jsonl;
 * - a failing callback denies with audit_failed in blocking mode, and is
 *   only counted in best-effort mode;
 * - a callback may decide through another auditor and the engine alone;
 * - bad arguments give errors, never crashes.
 *
 * Every audited answer is checked against the unaudited one. Prints
 * "head NAME NEXT_SEQ PREV" for the files the Rust test verifies, then "ok",
 * and exits 0 when every check holds. */
#define _POSIX_C_SOURCE 200809L
#include "tessera.h"
#include "policy.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A secret-looking context value: must never reach a record or an error. */
#define SECRET "ghp_c_secret_value_0123456789"
/* The HMAC key of the keyed file: must never reach an error either. */
#define KEY "c-test-key-hunter2"

#define TIME "\"time\":\"2026-11-25T10:00:00Z\""
#define NREQ 3
static const char *const JSON[NREQ] = {
    /* allow, with a secret-looking attribute and a ticket */
    "{\"principal\":\"service:payments-api\",\"action\":\"secrets:GetSecretValue\","
    "\"resource\":\"prod/payment/stripe\",\"context\":{\"source_ip\":\"10.1.2.3\","
    "\"version_stage\":\"AWSCURRENT\"," TIME ",\"session_token\":\"" SECRET "\",\"ticket\":\"OPS-7\"}}",
    /* explicit deny */
    "{\"principal\":\"service:payments-api\",\"action\":\"secrets:GetSecretValue\","
    "\"resource\":\"prod/payment/stripe\",\"context\":{\"source_ip\":\"203.0.113.9\","
    "\"version_stage\":\"AWSCURRENT\"," TIME "}}",
    /* no statement applied */
    "{\"principal\":\"user:bo\",\"action\":\"secrets:DeleteSecret\",\"resource\":\"dev/app\","
    "\"context\":{" TIME "}}",
};
static const char MALFORMED[] = "{\"principal\":\"user:bo\",\"action\":\"secrets:DeleteSecret\"}";
static const char AUDIT_FAILED[] = "{\"decision\":\"deny\",\"reason\":\"audit_failed\",\"determining\":[]}";

static tessera_request_t requests[NREQ];

static void build_requests(void) {
    for (int i = 0; i < NREQ; i++) requests[i] = (tessera_request_t)TESSERA_REQUEST_INIT;
    requests[0].principal = "service:payments-api"; requests[0].action = "secrets:GetSecretValue";
    requests[0].resource = "prod/payment/stripe"; requests[0].source_ip = "10.1.2.3";
    requests[0].version_stage = "AWSCURRENT"; requests[0].time = 1795600800; requests[0].has_time = 1;
    requests[1] = requests[0]; requests[1].source_ip = "fd00::1";
    requests[2].principal = "user:bo"; requests[2].action = "secrets:PutSecretValue";
    requests[2].resource = "prod/payment/db"; requests[2].source_ip = "10.0.0.1"; requests[2].mfa = 1;
    requests[2].mfa_age_seconds = 60; requests[2].time = 1795600800; requests[2].has_time = 1;
}

static int same_decision(const tessera_decision_t *a, const tessera_decision_t *b) {
    return a->outcome == b->outcome && a->reason == b->reason &&
           a->determining_count == b->determining_count && a->policy == b->policy &&
           a->statement == b->statement;
}

/* The answer to JSON request `i` (explained or not), audited or not. */
static char *answer(const tessera_engine_t *engine, tessera_auditor_t *auditor, int i, int explain) {
    char *out = NULL;
    size_t len = 0;
    tessera_error_t *err = NULL;
    tessera_error_code_t code = auditor
        ? tessera_engine_evaluate_json_audited(engine, auditor, JSON[i], strlen(JSON[i]), explain, &out, &len, &err)
        : tessera_engine_evaluate_json(engine, JSON[i], strlen(JSON[i]), explain, &out, &len, &err);
    CHECK(code == TESSERA_OK && err == NULL);
    CHECK(out != NULL && len == strlen(out));
    tessera_error_free(err);
    return out;
}

/* Decides every request through `auditor` (7 decisions, so 7 records: the
 * three JSON requests, the first again explained, the three structs) and
 * two malformed ones (no record). `failing` says whether the auditor is a
 * blocking one that cannot write. */
static void decide_all(const tessera_engine_t *engine, tessera_auditor_t *auditor, int failing) {
    for (int i = 0; i < NREQ + 1; i++) {
        int k = i < NREQ ? i : 0;
        int explain = i == NREQ;
        char *audited = answer(engine, auditor, k, explain);
        char *plain = answer(engine, NULL, k, explain);
        if (failing) {
            CHECK(streq(audited, AUDIT_FAILED));
        } else {
            if (!streq(audited, plain)) fprintf(stderr, "audited: %s\nplain:   %s\n", audited, plain);
            CHECK(streq(audited, plain));
        }
        CHECK(explain == 0 || failing || contains(audited, "\"explanation\":"));
        tessera_string_free(audited);
        tessera_string_free(plain);
    }
    for (int i = 0; i < NREQ; i++) {
        tessera_decision_t audited = { TESSERA_ALLOW, TESSERA_REASON_ALLOWED, 9, "x", "y" };
        tessera_decision_t plain;
        tessera_error_t *err = (tessera_error_t *)&plain; /* garbage: must be overwritten */
        CHECK(tessera_engine_decide_audited(engine, auditor, &requests[i], &audited, &err) == TESSERA_OK);
        CHECK(err == NULL);
        CHECK(tessera_engine_decide(engine, &requests[i], &plain, NULL) == TESSERA_OK);
        if (failing) {
            CHECK(audited.outcome == TESSERA_DENY && audited.reason == TESSERA_REASON_AUDIT_FAILED);
            CHECK(audited.determining_count == 0 && audited.policy == NULL && audited.statement == NULL);
        } else {
            CHECK(same_decision(&audited, &plain));
        }
    }
    /* Malformed requests: the same errors as unaudited, and no record. */
    char *out = (char *)"garbage";
    tessera_error_t *err = NULL;
    CHECK(tessera_engine_evaluate_json_audited(engine, auditor, MALFORMED, sizeof MALFORMED - 1, 0, &out, NULL, &err)
          == TESSERA_ERROR_REQUEST);
    CHECK(streq(tessera_error_field(err), "resource"));
    CHECK(out && strcmp(out, tessera_error_json(err)) == 0);
    tessera_string_free(out);
    tessera_error_free(err);
    tessera_request_t bad = requests[0];
    bad.resource = "";
    tessera_decision_t d;
    CHECK(tessera_engine_decide_audited(engine, auditor, &bad, &d, &err) == TESSERA_ERROR_REQUEST);
    CHECK(streq(tessera_error_field(err), "resource"));
    CHECK(d.outcome == TESSERA_DENY && d.reason == TESSERA_REASON_NO_STATEMENT_APPLIED);
    tessera_error_free(err);
}

/* Prints the auditor's head for the Rust side and checks its count. */
static void print_head(const tessera_auditor_t *auditor, const char *name, uint64_t want) {
    uint64_t next = 99;
    char *prev = NULL;
    tessera_error_t *err = NULL;
    CHECK(tessera_auditor_head(auditor, &next, &prev, &err) == TESSERA_OK && err == NULL);
    if (next != want) fprintf(stderr, "%s: next seq %lu, want %lu\n", name, (unsigned long)next, (unsigned long)want);
    CHECK(next == want);
    CHECK(prev != NULL && strlen(prev) > 64);
    printf("head %s %lu %s\n", name, (unsigned long)next, prev ? prev : "-");
    tessera_string_free(prev);
    /* out_prev is optional. */
    CHECK(tessera_auditor_head(auditor, &next, NULL, NULL) == TESSERA_OK && next == want);
}

static char *path_in(const char *dir, const char *name) {
    size_t len = strlen(dir) + strlen(name) + 2;
    char *path = malloc(len);
    if (path) snprintf(path, len, "%s/%s", dir, name);
    return path;
}

static void file_auditors(const tessera_engine_t *engine, const char *dir) {
    char *path = path_in(dir, "decisions.jsonl");
    static const char *const masked[] = { "context.ticket" };
    static const char *const dropped[] = { "mfa_age_seconds" };
    tessera_audit_options_t opts = TESSERA_AUDIT_OPTIONS_INIT;
    opts.key = KEY;
    opts.key_len = strlen(KEY);
    opts.mask_fields = masked;
    opts.mask_field_count = 1;
    opts.drop_fields = dropped;
    opts.drop_field_count = 1;
    tessera_auditor_t *auditor = (tessera_auditor_t *)&opts; /* garbage: must be overwritten */
    tessera_error_t *err = (tessera_error_t *)&opts;
    CHECK(tessera_auditor_open_file(path, &opts, &auditor, &err) == TESSERA_OK);
    CHECK(auditor != NULL && err == NULL);
    decide_all(engine, auditor, 0);
    CHECK(tessera_auditor_failures(auditor) == 0);
    CHECK(tessera_auditor_last_failure(auditor) == NULL);
    CHECK(tessera_auditor_flush(auditor, &err) == TESSERA_OK && err == NULL);
    print_head(auditor, "decisions", 7);
    tessera_auditor_free(auditor);

    /* Opened again with the same key: the chain goes on. */
    auditor = NULL;
    CHECK(tessera_auditor_open_file(path, &opts, &auditor, NULL) == TESSERA_OK);
    tessera_decision_t d;
    CHECK(tessera_engine_decide_audited(engine, auditor, &requests[0], &d, NULL) == TESSERA_OK);
    CHECK(d.outcome == TESSERA_ALLOW);
    print_head(auditor, "decisions", 8);
    tessera_auditor_free(auditor);

    /* Opened without the key: refused, the file untouched. */
    auditor = (tessera_auditor_t *)&opts;
    CHECK(tessera_auditor_open_file(path, NULL, &auditor, &err) == TESSERA_ERROR_AUDIT);
    CHECK(auditor == NULL);
    CHECK(tessera_error_code(err) == TESSERA_ERROR_AUDIT);
    CHECK(contains(tessera_error_json(err), "\"kind\":\"audit\",\"code\":\"chain_mismatch\""));
    CHECK(!contains(tessera_error_message(err), KEY));
    tessera_error_free(err);
    free(path);

    /* fsync per record. */
    path = path_in(dir, "fsync.jsonl");
    opts = (tessera_audit_options_t)TESSERA_AUDIT_OPTIONS_INIT;
    opts.fsync = 1;
    CHECK(tessera_auditor_open_file(path, &opts, &auditor, NULL) == TESSERA_OK);
    for (int i = 0; i < 2; i++)
        CHECK(tessera_engine_decide_audited(engine, auditor, &requests[i], &d, NULL) == TESSERA_OK);
    print_head(auditor, "fsync", 2);
    tessera_auditor_free(auditor);
    free(path);

    /* Best effort, written by a background thread. */
    path = path_in(dir, "background.jsonl");
    opts = (tessera_audit_options_t)TESSERA_AUDIT_OPTIONS_INIT;
    opts.mode = TESSERA_AUDIT_BEST_EFFORT;
    opts.background = 16;
    CHECK(tessera_auditor_open_file(path, &opts, &auditor, NULL) == TESSERA_OK);
    for (int i = 0; i < 100; i++) {
        char *out = answer(engine, auditor, i % NREQ, 0);
        tessera_string_free(out);
        CHECK(tessera_engine_decide_audited(engine, auditor, &requests[i % NREQ], &d, NULL) == TESSERA_OK);
    }
    CHECK(tessera_auditor_flush(auditor, NULL) == TESSERA_OK);
    print_head(auditor, "background", 200);
    CHECK(tessera_auditor_failures(auditor) == 0);
    tessera_auditor_free(auditor);
    free(path);
}

/* A callback that keeps copies of its records in C memory. */
#define MAX_RECORDS 64
typedef struct collector {
    char *records[MAX_RECORDS];
    size_t count;
    int calls;
    int malformed; /* records not NUL-terminated at len */
    int fail_with; /* non-zero: refuse records with this status */
} collector_t;

static int collect(void *user_data, const char *record, size_t len) {
    collector_t *c = user_data;
    c->calls++;
    if (record == NULL || record[len] != '\0' || strlen(record) != len) c->malformed++;
    if (c->fail_with) return c->fail_with;
    if (c->count == MAX_RECORDS) return 1;
    char *copy = malloc(len + 1);
    if (!copy) return 1;
    memcpy(copy, record, len + 1);
    c->records[c->count++] = copy;
    return 0;
}

static void collector_free(collector_t *c) {
    for (size_t i = 0; i < c->count; i++) free(c->records[i]);
    c->count = 0;
}

/* Each collected record starts with its seq. */
static void check_seqs(const collector_t *c, unsigned first) {
    for (size_t i = 0; i < c->count; i++) {
        char prefix[32];
        snprintf(prefix, sizeof prefix, "{\"seq\":%u,", first + (unsigned)i);
        CHECK(strncmp(c->records[i], prefix, strlen(prefix)) == 0);
    }
}

static void callback_auditor(const tessera_engine_t *engine, const char *dir) {
    collector_t c;
    memset(&c, 0, sizeof c);
    static const char *const dropped[] = { "source_ip" };
    tessera_audit_options_t opts = TESSERA_AUDIT_OPTIONS_INIT;
    opts.drop_fields = dropped;
    opts.drop_field_count = 1;
    tessera_auditor_t *auditor = NULL;
    tessera_error_t *err = NULL;
    CHECK(tessera_auditor_new_callback(collect, &c, &opts, &auditor, &err) == TESSERA_OK);
    CHECK(auditor != NULL && err == NULL);
    CHECK(c.calls == 0);
    decide_all(engine, auditor, 0);
    CHECK(c.count == 7 && c.calls == 7 && c.malformed == 0);
    check_seqs(&c, 0);
    for (size_t i = 0; i < c.count; i++) {
        CHECK(!contains(c.records[i], SECRET));
        CHECK(!contains(c.records[i], "\"source_ip\""));
        CHECK(contains(c.records[i], "\"mac\":\"sha256:"));
    }
    CHECK(contains(c.records[0], "\"context\":{\"session_token\":\"[masked]\",\"ticket\":\"OPS-7\"}"));
    CHECK(contains(c.records[0], "\"decision\":\"allow\""));
    CHECK(tessera_auditor_flush(auditor, NULL) == TESSERA_OK);
    print_head(auditor, "callback", 7);
    tessera_auditor_free(auditor);
    CHECK(c.calls == 7); /* freeing calls nothing */

    char *path = path_in(dir, "callback.jsonl");
    FILE *f = path ? fopen(path, "w") : NULL;
    CHECK(f != NULL);
    for (size_t i = 0; f && i < c.count; i++) fprintf(f, "%s\n", c.records[i]);
    if (f) fclose(f);
    free(path);
    collector_free(&c);
}

static void failing_callbacks(const tessera_engine_t *engine) {
    /* Blocking: no record, no decision. */
    collector_t c;
    memset(&c, 0, sizeof c);
    c.fail_with = 3;
    tessera_auditor_t *auditor = NULL;
    CHECK(tessera_auditor_new_callback(collect, &c, NULL, &auditor, NULL) == TESSERA_OK);
    decide_all(engine, auditor, 1);
    CHECK(c.calls == 7 && c.count == 0);
    CHECK(tessera_auditor_failures(auditor) == 7);
    tessera_error_t *failure = tessera_auditor_last_failure(auditor);
    CHECK(tessera_error_code(failure) == TESSERA_ERROR_AUDIT);
    CHECK(contains(tessera_error_message(failure), "the audit callback refused the record"));
    CHECK(contains(tessera_error_message(failure), "returned 3"));
    CHECK(!contains(tessera_error_message(failure), SECRET));
    CHECK(contains(tessera_error_json(failure), "\"code\":\"sink\""));
    tessera_error_free(failure);
    /* The failed records used their seqs; the next one shows the gap. */
    uint64_t next = 0;
    CHECK(tessera_auditor_head(auditor, &next, NULL, NULL) == TESSERA_OK && next == 7);
    c.fail_with = 0;
    tessera_decision_t d;
    CHECK(tessera_engine_decide_audited(engine, auditor, &requests[0], &d, NULL) == TESSERA_OK);
    CHECK(d.outcome == TESSERA_ALLOW && d.reason == TESSERA_REASON_ALLOWED);
    CHECK(c.count == 1);
    check_seqs(&c, 7);
    tessera_auditor_free(auditor);
    collector_free(&c);

    /* Best effort: the decision stands, the failure is counted. */
    memset(&c, 0, sizeof c);
    c.fail_with = -1;
    tessera_audit_options_t opts = TESSERA_AUDIT_OPTIONS_INIT;
    opts.mode = TESSERA_AUDIT_BEST_EFFORT;
    CHECK(tessera_auditor_new_callback(collect, &c, &opts, &auditor, NULL) == TESSERA_OK);
    decide_all(engine, auditor, 0);
    CHECK(c.calls == 7 && c.count == 0);
    CHECK(tessera_auditor_failures(auditor) == 7);
    failure = tessera_auditor_last_failure(auditor);
    CHECK(contains(tessera_error_message(failure), "returned -1"));
    tessera_error_free(failure);
    tessera_auditor_free(auditor);
}

/* A callback that, before taking its record, decides through another
 * auditor and through the engine alone, on the deciding thread. */
typedef struct nested {
    const tessera_engine_t *engine;
    tessera_auditor_t *inner;
    collector_t outer;
    int wrong;
} nested_t;

static int decide_inside(void *user_data, const char *record, size_t len) {
    nested_t *n = user_data;
    tessera_decision_t d;
    if (tessera_engine_decide_audited(n->engine, n->inner, &requests[2], &d, NULL) != TESSERA_OK ||
        d.outcome != TESSERA_ALLOW)
        n->wrong++;
    if (tessera_engine_decide(n->engine, &requests[1], &d, NULL) != TESSERA_OK ||
        d.reason != TESSERA_REASON_EXPLICIT_DENY)
        n->wrong++;
    char *out = NULL;
    if (tessera_engine_evaluate_json_audited(n->engine, n->inner, JSON[2], strlen(JSON[2]), 0, &out, NULL, NULL)
            != TESSERA_OK ||
        !contains(out, "no_statement_applied"))
        n->wrong++;
    tessera_string_free(out);
    return collect(&n->outer, record, len);
}

static void nested_callbacks(const tessera_engine_t *engine) {
    nested_t n;
    memset(&n, 0, sizeof n);
    n.engine = engine;
    collector_t inner;
    memset(&inner, 0, sizeof inner);
    CHECK(tessera_auditor_new_callback(collect, &inner, NULL, &n.inner, NULL) == TESSERA_OK);
    tessera_auditor_t *outer = NULL;
    CHECK(tessera_auditor_new_callback(decide_inside, &n, NULL, &outer, NULL) == TESSERA_OK);
    decide_all(engine, outer, 0);
    CHECK(n.wrong == 0);
    CHECK(n.outer.count == 7 && inner.count == 14);
    check_seqs(&n.outer, 0);
    check_seqs(&inner, 0);
    CHECK(tessera_auditor_failures(outer) == 0 && tessera_auditor_failures(n.inner) == 0);
    tessera_auditor_free(outer);
    tessera_auditor_free(n.inner);
    collector_free(&n.outer);
    collector_free(&inner);
}

/* Calls open_file (or new_callback when path is NULL and callback is not)
 * and checks the code, that *out stays NULL, and the message. */
static void expect_open_error(const char *path, tessera_audit_callback_t callback,
                              const tessera_audit_options_t *opts, tessera_error_code_t want,
                              const char *message_part, int line) {
    tessera_auditor_t *auditor = (tessera_auditor_t *)&failures; /* garbage */
    tessera_error_t *err = NULL;
    collector_t c;
    memset(&c, 0, sizeof c);
    tessera_error_code_t code = callback
        ? tessera_auditor_new_callback(callback, &c, opts, &auditor, &err)
        : tessera_auditor_open_file(path, opts, &auditor, &err);
    if (code != want) fprintf(stderr, "line %d: code %d, want %d (%s)\n", line, (int)code, (int)want,
                              tessera_error_message(err));
    CHECK(code == want);
    CHECK(auditor == NULL);
    CHECK(tessera_error_code(err) == want);
    if (message_part && !contains(tessera_error_message(err), message_part))
        fprintf(stderr, "line %d: message \"%s\" lacks \"%s\"\n", line, tessera_error_message(err), message_part);
    CHECK(message_part == NULL || contains(tessera_error_message(err), message_part));
    CHECK(!contains(tessera_error_message(err), KEY) && !contains(tessera_error_json(err), KEY));
    CHECK(contains(tessera_error_json(err), "{\"error\":{\"kind\":"));
    tessera_error_free(err);
    /* The same with no error wanted: no leak, same code. */
    code = callback ? tessera_auditor_new_callback(callback, &c, opts, &auditor, NULL)
                    : tessera_auditor_open_file(path, opts, &auditor, NULL);
    CHECK(code == want && auditor == NULL);
    CHECK(c.calls == 0);
}

static int file_exists(const char *path) {
    FILE *f = fopen(path, "r");
    if (f) fclose(f);
    return f != NULL;
}

static void bad_arguments(const tessera_engine_t *engine, const char *dir) {
    char *good = path_in(dir, "never.jsonl");
    tessera_audit_options_t opts = TESSERA_AUDIT_OPTIONS_INIT;
    tessera_error_t *err = NULL;

    /* Paths. */
    expect_open_error(NULL, NULL, NULL, TESSERA_ERROR_INVALID_ARGUMENT, "path is NULL", __LINE__);
    expect_open_error("", NULL, NULL, TESSERA_ERROR_INVALID_ARGUMENT, "path is empty", __LINE__);
    expect_open_error("bad\xff.jsonl", NULL, NULL, TESSERA_ERROR_INVALID_ARGUMENT, "UTF-8", __LINE__);
    expect_open_error("/nonexistent/dir/x.log", NULL, NULL, TESSERA_ERROR_AUDIT, "/nonexistent/dir/x.log", __LINE__);
    char *not_a_log = path_in(dir, "not-a-log.txt");
    FILE *f = fopen(not_a_log, "w");
    CHECK(f != NULL);
    if (f) { fputs("hello, world\n", f); fclose(f); }
    expect_open_error(not_a_log, NULL, NULL, TESSERA_ERROR_AUDIT, "does not end in an audit record", __LINE__);
    CHECK(tessera_auditor_open_file(not_a_log, NULL, &(tessera_auditor_t *){ NULL }, &err) == TESSERA_ERROR_AUDIT);
    CHECK(contains(tessera_error_json(err), "\"code\":\"not_an_audit_log\""));
    tessera_error_free(err);
    free(not_a_log);
    CHECK(tessera_auditor_open_file(good, NULL, NULL, &err) == TESSERA_ERROR_INVALID_ARGUMENT);
    CHECK(streq(tessera_error_message(err), "out is NULL"));
    tessera_error_free(err);

    /* Options; with a key set, which no message may show. */
    opts.key = KEY;
    opts.key_len = strlen(KEY);
    static const char *const typo[] = { "context.ticket", "contxt.ticket" };
    opts.mask_fields = typo;
    opts.mask_field_count = 2;
    expect_open_error(good, NULL, &opts, TESSERA_ERROR_INVALID_ARGUMENT,
                      "options->mask_fields[1]: unknown field selector `contxt.ticket`; did you mean `context.ticket`?", __LINE__);
    expect_open_error(NULL, collect, &opts, TESSERA_ERROR_INVALID_ARGUMENT, "did you mean `context.ticket`?", __LINE__);
    CHECK(tessera_auditor_open_file(good, &opts, &(tessera_auditor_t *){ NULL }, &err) == TESSERA_ERROR_INVALID_ARGUMENT);
    CHECK(contains(tessera_error_json(err), "\"code\":\"unknown_selector\""));
    tessera_error_free(err);
    static const char *const unmaskable[] = { "principal" };
    opts.mask_fields = NULL;
    opts.mask_field_count = 0;
    opts.drop_fields = unmaskable;
    opts.drop_field_count = 1;
    expect_open_error(good, NULL, &opts, TESSERA_ERROR_INVALID_ARGUMENT, "options->drop_fields[0]: `principal` cannot be masked", __LINE__);
    static const char *const with_null[] = { "groups", NULL };
    opts.drop_fields = with_null;
    opts.drop_field_count = 2;
    expect_open_error(good, NULL, &opts, TESSERA_ERROR_INVALID_ARGUMENT, "options->drop_fields[1] is NULL", __LINE__);
    opts.drop_fields = NULL;
    expect_open_error(good, NULL, &opts, TESSERA_ERROR_INVALID_ARGUMENT, "options->drop_fields is NULL", __LINE__);
    opts.drop_fields = with_null;
    opts.drop_field_count = (size_t)-1;
    expect_open_error(good, NULL, &opts, TESSERA_ERROR_INVALID_ARGUMENT, "the limit is 65536", __LINE__);
    static const char *const bad_utf8[] = { "context.\xc3" };
    opts.drop_fields = bad_utf8;
    opts.drop_field_count = 1;
    expect_open_error(good, NULL, &opts, TESSERA_ERROR_INVALID_ARGUMENT, "not valid UTF-8", __LINE__);
    opts = (tessera_audit_options_t)TESSERA_AUDIT_OPTIONS_INIT;
    opts.key = KEY;
    opts.key_len = 0;
    expect_open_error(good, NULL, &opts, TESSERA_ERROR_INVALID_ARGUMENT, "an empty HMAC key", __LINE__);
    opts.key = NULL;
    opts.key_len = 4;
    expect_open_error(good, NULL, &opts, TESSERA_ERROR_INVALID_ARGUMENT, "options->key is NULL", __LINE__);
    opts.key = KEY;
    opts.key_len = TESSERA_MAX_INPUT_LEN + 1;
    expect_open_error(good, NULL, &opts, TESSERA_ERROR_INVALID_ARGUMENT, "the limit is", __LINE__);
    opts = (tessera_audit_options_t)TESSERA_AUDIT_OPTIONS_INIT;
    opts.mode = (tessera_audit_mode_t)7;
    expect_open_error(good, NULL, &opts, TESSERA_ERROR_INVALID_ARGUMENT, "options->mode is 7", __LINE__);
    opts.mode = TESSERA_AUDIT_BLOCKING;
    opts.background = 8;
    expect_open_error(good, NULL, &opts, TESSERA_ERROR_INVALID_ARGUMENT, "TESSERA_AUDIT_BEST_EFFORT", __LINE__);
    opts = (tessera_audit_options_t)TESSERA_AUDIT_OPTIONS_INIT;
    opts.fsync = 1;
    expect_open_error(NULL, collect, &opts, TESSERA_ERROR_INVALID_ARGUMENT, "options->fsync is for file auditors", __LINE__);
    CHECK(tessera_auditor_new_callback(NULL, NULL, NULL, &(tessera_auditor_t *){ NULL }, &err) == TESSERA_ERROR_INVALID_ARGUMENT);
    CHECK(streq(tessera_error_message(err), "callback is NULL"));
    tessera_error_free(err);
    CHECK(tessera_auditor_new_callback(collect, NULL, NULL, NULL, NULL) == TESSERA_ERROR_INVALID_ARGUMENT);
    /* No bad call created the file. */
    CHECK(!file_exists(good));
    free(good);

    /* Deciding with NULLs. */
    collector_t c;
    memset(&c, 0, sizeof c);
    tessera_auditor_t *auditor = NULL;
    CHECK(tessera_auditor_new_callback(collect, &c, NULL, &auditor, NULL) == TESSERA_OK);
    char *out = (char *)"garbage";
    size_t len = 7;
    CHECK(tessera_engine_evaluate_json_audited(engine, NULL, JSON[0], strlen(JSON[0]), 0, &out, &len, &err)
          == TESSERA_ERROR_INVALID_ARGUMENT);
    CHECK(out == NULL && len == 0 && streq(tessera_error_message(err), "auditor is NULL"));
    tessera_error_free(err);
    CHECK(tessera_engine_evaluate_json_audited(NULL, auditor, JSON[0], strlen(JSON[0]), 0, &out, &len, NULL)
          == TESSERA_ERROR_INVALID_ARGUMENT);
    CHECK(tessera_engine_evaluate_json_audited(engine, auditor, NULL, 3, 0, &out, &len, NULL)
          == TESSERA_ERROR_INVALID_ARGUMENT);
    CHECK(tessera_engine_evaluate_json_audited(engine, auditor, JSON[0], strlen(JSON[0]), 0, NULL, &len, NULL)
          == TESSERA_ERROR_INVALID_ARGUMENT);
    CHECK(tessera_engine_evaluate_json_audited(engine, auditor, JSON[0], TESSERA_MAX_INPUT_LEN + 1, 0, &out, &len, NULL)
          == TESSERA_ERROR_INVALID_ARGUMENT);
    static const char bad_json_utf8[] = "{\"principal\":\"user:\xff\",\"action\":\"a\",\"resource\":\"r\"}";
    CHECK(tessera_engine_evaluate_json_audited(engine, auditor, bad_json_utf8, sizeof bad_json_utf8 - 1, 0, &out, &len, NULL)
          == TESSERA_ERROR_INVALID_ARGUMENT);
    tessera_decision_t d = { TESSERA_ALLOW, TESSERA_REASON_ALLOWED, 9, "x", "y" };
    CHECK(tessera_engine_decide_audited(engine, NULL, &requests[0], &d, &err) == TESSERA_ERROR_INVALID_ARGUMENT);
    CHECK(streq(tessera_error_message(err), "auditor is NULL"));
    CHECK(d.outcome == TESSERA_DENY && d.reason == TESSERA_REASON_NO_STATEMENT_APPLIED && d.policy == NULL);
    tessera_error_free(err);
    CHECK(tessera_engine_decide_audited(NULL, auditor, &requests[0], &d, NULL) == TESSERA_ERROR_INVALID_ARGUMENT);
    CHECK(tessera_engine_decide_audited(engine, auditor, NULL, &d, NULL) == TESSERA_ERROR_INVALID_ARGUMENT);
    CHECK(tessera_engine_decide_audited(engine, auditor, &requests[0], NULL, NULL) == TESSERA_ERROR_INVALID_ARGUMENT);
    CHECK(c.calls == 0); /* nothing was decided, so nothing recorded */
    uint64_t next = 5;
    char *prev = (char *)"garbage";
    CHECK(tessera_auditor_head(NULL, &next, &prev, &err) == TESSERA_ERROR_INVALID_ARGUMENT);
    CHECK(next == 0 && prev == NULL && streq(tessera_error_message(err), "auditor is NULL"));
    tessera_error_free(err);
    CHECK(tessera_auditor_head(auditor, NULL, &prev, NULL) == TESSERA_ERROR_INVALID_ARGUMENT);
    CHECK(tessera_auditor_flush(NULL, &err) == TESSERA_ERROR_INVALID_ARGUMENT);
    tessera_error_free(err);
    CHECK(tessera_auditor_flush(NULL, NULL) == TESSERA_ERROR_INVALID_ARGUMENT);
    CHECK(tessera_auditor_failures(NULL) == 0);
    CHECK(tessera_auditor_last_failure(NULL) == NULL);
    tessera_auditor_free(NULL);
    tessera_auditor_free(auditor);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    tessera_source_t src = { "payments.policy", POLICY, sizeof POLICY - 1 };
    tessera_engine_t *engine = NULL;
    if (tessera_engine_compile(&src, 1, &engine, NULL) != TESSERA_OK) { fprintf(stderr, "compile\n"); return 1; }
    build_requests();
    file_auditors(engine, argv[1]);
    callback_auditor(engine, argv[1]);
    failing_callbacks(engine);
    nested_callbacks(engine);
    bad_arguments(engine, argv[1]);
    tessera_engine_free(engine);
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("ok\n");
    return 0;
}
