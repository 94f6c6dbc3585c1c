/* audit_continue.c: a host that keeps its own audit log through callback
 * auditors, and continues the chain from one auditor to the next and from
 * one run to the next (tessera_auditor_head, then
 * tessera_auditor_new_callback_continuing). Usage: audit_continue DIR; run
 * it twice on the same DIR: the second run continues the first one's log.
 *
 * - DIR/host.jsonl is the host's log: a callback appends each record as a
 *   line. DIR/host.head is the head the host stores: "NEXT_SEQ PREV". A run
 *   reads the stored head (none: a new chain), then three auditors, one
 *   after the other, each continuing from the head the one before left
 *   (the third best-effort, with a background writer), record 4, 3 and 3
 *   decisions, and the run stores the head again. Each record's resource
 *   ends in the seq the record should have: prod/payment/seq/N.
 * - DIR/keyed.jsonl: two auditors with an HMAC key, one run's worth.
 * - DIR/genesis.jsonl: continuing from seq 0 and the genesis value is a new
 *   chain.
 * - Heads that are not the log's end, which the library cannot know, for
 *   the Rust test to check that verify reports each: stale.jsonl (an older
 *   head of the same log), foreign.jsonl (another log's mac), gap.jsonl (a
 *   seq too high), other-key.jsonl (another key), restart.jsonl (no
 *   continuing: each auditor starts a chain of its own).
 * - Heads the library refuses, with the error each gets: bad macs, a seq
 *   that disagrees with its mac or is out of range, a key scheme other than
 *   the options', NULL pointers; the callback is never called for them.
 *
 * Prints "head NAME NEXT_SEQ PREV" for the logs the Rust test verifies,
 * then "ok", and exits 0 when every check holds. */
#define _POSIX_C_SOURCE 200809L
#include "tessera.h"
#include "policy.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The HMAC keys: must never reach an error. */
#define KEY "c-continue-key-hunter2"
#define OTHER_KEY "c-continue-key-other"
#define GENESIS "sha256:0000000000000000000000000000000000000000000000000000000000000000"
/* 2^63: the first next_seq refused. */
#define SEQ_LIMIT ((uint64_t)1 << 63)

/* A chain's head, as the host stores it. */
typedef struct head {
    uint64_t next_seq;
    char prev[96];
} head_t;

/* The host's log: the records, one a line, appended to a file. */
typedef struct host_log {
    FILE *file;
    int calls;
} host_log_t;

static int append_record(void *user_data, const char *record, size_t len) {
    host_log_t *log = user_data;
    log->calls++;
    if (fwrite(record, 1, len, log->file) != len || fputc('\n', log->file) == EOF || fflush(log->file) != 0)
        return 1;
    return 0;
}

/* Keeps the last record, for the checks made in memory. */
typedef struct last_record {
    char text[2048];
    int calls;
} last_record_t;

static int keep_last(void *user_data, const char *record, size_t len) {
    last_record_t *last = user_data;
    last->calls++;
    if (len >= sizeof last->text) return 1;
    memcpy(last->text, record, len + 1);
    return 0;
}

/* Counts its calls, which must not happen. */
static int count_call(void *user_data, const char *record, size_t len) {
    (void)record;
    (void)len;
    ++*(int *)user_data;
    return 0;
}

static char *path_in(const char *dir, const char *name) {
    size_t len = strlen(dir) + strlen(name) + 2;
    char *path = malloc(len);
    if (path) snprintf(path, len, "%s/%s", dir, name);
    return path;
}

/* The auditor's head, copied. */
static head_t head_of(const tessera_auditor_t *auditor) {
    head_t head;
    memset(&head, 0, sizeof head);
    char *prev = NULL;
    tessera_error_t *err = NULL;
    CHECK(tessera_auditor_head(auditor, &head.next_seq, &prev, &err) == TESSERA_OK && err == NULL);
    CHECK(prev != NULL && strlen(prev) < sizeof head.prev);
    if (prev && strlen(prev) < sizeof head.prev) memcpy(head.prev, prev, strlen(prev) + 1);
    tessera_string_free(prev);
    tessera_error_free(err);
    return head;
}

static void print_head(const char *name, const head_t *head) {
    printf("head %s %llu %s\n", name, (unsigned long long)head->next_seq, head->prev);
}

/* An auditor appending to `path` through the callback: a new chain when
 * `from` is NULL, else continuing from `from`. */
static tessera_auditor_t *open_host(host_log_t *log, const char *path, const tessera_audit_options_t *opts,
                                    const head_t *from) {
    log->file = path ? fopen(path, "a") : NULL;
    log->calls = 0;
    CHECK(log->file != NULL);
    if (!log->file) return NULL;
    tessera_auditor_t *auditor = (tessera_auditor_t *)log; /* garbage: must be overwritten */
    tessera_error_t *err = (tessera_error_t *)log;
    tessera_error_code_t code =
        from ? tessera_auditor_new_callback_continuing(append_record, log, opts, from->next_seq, from->prev,
                                                       &auditor, &err)
             : tessera_auditor_new_callback(append_record, log, opts, &auditor, &err);
    if (code != TESSERA_OK) fprintf(stderr, "%s: %s\n", path, tessera_error_message(err));
    CHECK(code == TESSERA_OK && auditor != NULL && err == NULL);
    if (code != TESSERA_OK) {
        tessera_error_free(err);
        auditor = NULL;
    }
    return auditor;
}

/* Frees the auditor, then closes the log: the next auditor opens it anew,
 * as a restarted host would. */
static void close_host(host_log_t *log, tessera_auditor_t *auditor) {
    tessera_auditor_free(auditor);
    if (log->file) CHECK(fclose(log->file) == 0);
    log->file = NULL;
}

static void truncate_file(const char *path) {
    FILE *f = path ? fopen(path, "w") : NULL;
    CHECK(f != NULL);
    if (f) fclose(f);
}

/* Makes `count` decisions through `auditor`, whose next record is seq
 * `first`: allows of prod/payment/seq/N, N the record's seq, alternately
 * through the JSON path and the fast path. */
static void decide(const tessera_engine_t *engine, tessera_auditor_t *auditor, uint64_t first, int count) {
    for (int i = 0; i < count; i++) {
        char resource[64];
        snprintf(resource, sizeof resource, "prod/payment/seq/%llu", (unsigned long long)(first + (uint64_t)i));
        if (i % 2 == 0) {
            char json[512];
            int n = snprintf(json, sizeof json,
                             "{\"principal\":\"service:payments-api\",\"action\":\"secrets:GetSecretValue\","
                             "\"resource\":\"%s\",\"context\":{\"source_ip\":\"10.1.2.3\","
                             "\"version_stage\":\"AWSCURRENT\",\"time\":\"2026-11-25T10:00:00Z\"}}",
                             resource);
            char *answer = NULL;
            CHECK(tessera_engine_evaluate_json_audited(engine, auditor, json, (size_t)n, 0, &answer, NULL, NULL)
                  == TESSERA_OK);
            CHECK(contains(answer, "{\"decision\":\"allow\",\"reason\":\"allowed\""));
            tessera_string_free(answer);
        } else {
            tessera_request_t req = TESSERA_REQUEST_INIT;
            req.principal = "service:payments-api";
            req.action = "secrets:GetSecretValue";
            req.resource = resource;
            req.source_ip = "10.1.2.3";
            req.version_stage = "AWSCURRENT";
            req.time = 1795600800; /* 2026-11-25T10:00:00Z */
            req.has_time = 1;
            tessera_decision_t d;
            CHECK(tessera_engine_decide_audited(engine, auditor, &req, &d, NULL) == TESSERA_OK);
            CHECK(d.outcome == TESSERA_ALLOW && d.reason == TESSERA_REASON_ALLOWED);
        }
    }
}

/* Reads the head a run stored, as fgets() leaves it (newline and all);
 * 0 when none was stored. */
static int load_head(const char *path, head_t *out) {
    FILE *f = path ? fopen(path, "r") : NULL;
    if (!f) return 0;
    char line[128];
    int got = fgets(line, sizeof line, f) != NULL;
    fclose(f);
    char *space = got ? strchr(line, ' ') : NULL;
    CHECK(space != NULL && strlen(space + 1) < sizeof out->prev);
    if (!space || strlen(space + 1) >= sizeof out->prev) return 0;
    *space = '\0';
    out->next_seq = strtoull(line, NULL, 10);
    memcpy(out->prev, space + 1, strlen(space + 1) + 1);
    return 1;
}

static void store_head(const char *path, const head_t *head) {
    FILE *f = path ? fopen(path, "w") : NULL;
    CHECK(f != NULL);
    if (!f) return;
    fprintf(f, "%llu %s\n", (unsigned long long)head->next_seq, head->prev);
    CHECK(fclose(f) == 0);
}

/* Calls tessera_auditor_new_callback_continuing() with a head it must
 * refuse: checks the code, that *out is NULL, the message, that no key
 * shows, and that the callback was never called; then the same with no
 * error wanted. */
static void expect_refused(const tessera_audit_options_t *opts, uint64_t next_seq, const char *prev,
                           tessera_error_code_t want, const char *message_part, int line) {
    int calls = 0;
    tessera_auditor_t *auditor = (tessera_auditor_t *)&calls; /* garbage: must be overwritten */
    tessera_error_t *err = NULL;
    tessera_error_code_t code =
        tessera_auditor_new_callback_continuing(count_call, &calls, opts, next_seq, prev, &auditor, &err);
    if (code != want || !contains(tessera_error_message(err), message_part))
        fprintf(stderr, "line %d: code %d, want %d (\"%s\"): %s\n", line, (int)code, (int)want, message_part,
                tessera_error_message(err));
    CHECK(code == want);
    CHECK(auditor == NULL);
    CHECK(tessera_error_code(err) == want);
    CHECK(contains(tessera_error_message(err), message_part));
    CHECK(!contains(tessera_error_message(err), KEY) && !contains(tessera_error_json(err), KEY));
    CHECK(contains(tessera_error_json(err), "{\"error\":{\"kind\":"));
    tessera_error_free(err);
    auditor = (tessera_auditor_t *)&calls;
    CHECK(tessera_auditor_new_callback_continuing(count_call, &calls, opts, next_seq, prev, &auditor, NULL) == want);
    CHECK(auditor == NULL);
    CHECK(calls == 0);
}

/* The host's log across auditors and runs. */
static head_t host(const tessera_engine_t *engine, const char *dir) {
    char *log_path = path_in(dir, "host.jsonl");
    char *head_path = path_in(dir, "host.head");
    head_t head;
    memset(&head, 0, sizeof head);
    int stored = load_head(head_path, &head);
    if (stored) {
        /* As read: the newline makes it no mac, and the message says its
         * length (71 bytes of mac and the newline), not its text. */
        expect_refused(NULL, head.next_seq, head.prev, TESSERA_ERROR_INVALID_ARGUMENT,
                       "prev is not a mac (72 bytes)", __LINE__);
        head.prev[strcspn(head.prev, "\n")] = '\0';
    }
    uint64_t first = stored ? head.next_seq : 0;

    host_log_t log;
    tessera_auditor_t *auditor = open_host(&log, log_path, NULL, stored ? &head : NULL);
    decide(engine, auditor, first, 4);
    head = head_of(auditor);
    CHECK(head.next_seq == first + 4);
    close_host(&log, auditor);
    CHECK(log.calls == 4);

    auditor = open_host(&log, log_path, NULL, &head);
    decide(engine, auditor, first + 4, 3);
    head = head_of(auditor);
    CHECK(head.next_seq == first + 7);
    close_host(&log, auditor);
    CHECK(log.calls == 3);

    tessera_audit_options_t opts = TESSERA_AUDIT_OPTIONS_INIT;
    opts.mode = TESSERA_AUDIT_BEST_EFFORT;
    opts.background = 8;
    auditor = open_host(&log, log_path, &opts, &head);
    decide(engine, auditor, first + 7, 3);
    CHECK(tessera_auditor_flush(auditor, NULL) == TESSERA_OK);
    head = head_of(auditor);
    CHECK(head.next_seq == first + 10);
    CHECK(tessera_auditor_failures(auditor) == 0);
    close_host(&log, auditor);
    CHECK(log.calls == 3);

    store_head(head_path, &head);
    print_head("host", &head);
    free(log_path);
    free(head_path);
    return head;
}

/* A keyed log: 3 records, then 2 more from the head. */
static head_t keyed(const tessera_engine_t *engine, const char *dir) {
    char *path = path_in(dir, "keyed.jsonl");
    truncate_file(path);
    tessera_audit_options_t opts = TESSERA_AUDIT_OPTIONS_INIT;
    opts.key = KEY;
    opts.key_len = strlen(KEY);
    host_log_t log;
    tessera_auditor_t *auditor = open_host(&log, path, &opts, NULL);
    decide(engine, auditor, 0, 3);
    head_t head = head_of(auditor);
    close_host(&log, auditor);
    CHECK(head.next_seq == 3 && strncmp(head.prev, "hmac-sha256:", 12) == 0);
    auditor = open_host(&log, path, &opts, &head);
    decide(engine, auditor, 3, 2);
    head = head_of(auditor);
    CHECK(head.next_seq == 5);
    close_host(&log, auditor);
    print_head("keyed", &head);
    free(path);
    return head;
}

/* Heads the library takes but verify flags, each in a log of its own:
 * `first` auditor's records, then a second auditor's from the head given. */
static void wrong_heads(const tessera_engine_t *engine, const char *dir) {
    tessera_audit_options_t keyed_opts = TESSERA_AUDIT_OPTIONS_INIT;
    keyed_opts.key = KEY;
    keyed_opts.key_len = strlen(KEY);
    tessera_audit_options_t other_opts = keyed_opts;
    other_opts.key = OTHER_KEY;
    other_opts.key_len = strlen(OTHER_KEY);
    host_log_t log;

    /* stale: a head taken after 2 records, continued after 3. */
    char *path = path_in(dir, "stale.jsonl");
    truncate_file(path);
    tessera_auditor_t *auditor = open_host(&log, path, NULL, NULL);
    decide(engine, auditor, 0, 2);
    head_t stale = head_of(auditor);
    decide(engine, auditor, 2, 1);
    close_host(&log, auditor);
    auditor = open_host(&log, path, NULL, &stale);
    decide(engine, auditor, 2, 2);
    close_host(&log, auditor);
    free(path);

    /* foreign: the right seq, the stale log's mac. */
    path = path_in(dir, "foreign.jsonl");
    truncate_file(path);
    auditor = open_host(&log, path, NULL, NULL);
    decide(engine, auditor, 0, 3);
    head_t foreign = head_of(auditor);
    close_host(&log, auditor);
    memcpy(foreign.prev, stale.prev, sizeof foreign.prev);
    auditor = open_host(&log, path, NULL, &foreign);
    decide(engine, auditor, 3, 2);
    close_host(&log, auditor);
    free(path);

    /* gap: the right mac, a seq 2 too high. */
    path = path_in(dir, "gap.jsonl");
    truncate_file(path);
    auditor = open_host(&log, path, NULL, NULL);
    decide(engine, auditor, 0, 3);
    head_t gap = head_of(auditor);
    close_host(&log, auditor);
    gap.next_seq += 2;
    auditor = open_host(&log, path, NULL, &gap);
    decide(engine, auditor, 5, 2);
    close_host(&log, auditor);
    free(path);

    /* other-key: the right head, continued under another key. */
    path = path_in(dir, "other-key.jsonl");
    truncate_file(path);
    auditor = open_host(&log, path, &keyed_opts, NULL);
    decide(engine, auditor, 0, 3);
    head_t head = head_of(auditor);
    close_host(&log, auditor);
    auditor = open_host(&log, path, &other_opts, &head);
    decide(engine, auditor, 3, 2);
    close_host(&log, auditor);
    free(path);

    /* restart: no continuing, as before this function existed. */
    path = path_in(dir, "restart.jsonl");
    truncate_file(path);
    auditor = open_host(&log, path, NULL, NULL);
    decide(engine, auditor, 0, 3);
    close_host(&log, auditor);
    auditor = open_host(&log, path, NULL, NULL);
    decide(engine, auditor, 0, 2);
    close_host(&log, auditor);
    free(path);
}

/* Heads at the edges that the library takes. */
static void edges(const tessera_engine_t *engine, const char *dir, const head_t *plain) {
    /* seq 0 and the genesis value: a new chain. */
    char *path = path_in(dir, "genesis.jsonl");
    truncate_file(path);
    head_t genesis = { 0, GENESIS };
    host_log_t log;
    tessera_auditor_t *auditor = open_host(&log, path, NULL, &genesis);
    decide(engine, auditor, 0, 2);
    close_host(&log, auditor);
    free(path);

    /* The largest next_seq, 2^63 - 1: its record is written, and the
     * head after it, 2^63, is refused. */
    last_record_t last;
    memset(&last, 0, sizeof last);
    auditor = NULL;
    CHECK(tessera_auditor_new_callback_continuing(keep_last, &last, NULL, SEQ_LIMIT - 1, plain->prev, &auditor,
                                                  NULL) == TESSERA_OK);
    decide(engine, auditor, SEQ_LIMIT - 1, 1);
    CHECK(last.calls == 1);
    CHECK(strncmp(last.text, "{\"seq\":9223372036854775807,", 27) == 0);
    char linked[128];
    snprintf(linked, sizeof linked, ",\"prev\":\"%s\",\"mac\":\"sha256:", plain->prev);
    CHECK(contains(last.text, linked));
    head_t after = head_of(auditor);
    CHECK(after.next_seq == SEQ_LIMIT);
    CHECK(contains(last.text, after.prev));
    tessera_auditor_free(auditor);
    expect_refused(NULL, after.next_seq, after.prev, TESSERA_ERROR_INVALID_ARGUMENT,
                   "next_seq is 9223372036854775808; a chain's seqs stay below 2^63", __LINE__);
}

/* Heads and arguments the library refuses. */
static void refused(const head_t *plain, const head_t *keyed_head) {
    tessera_audit_options_t keyed_opts = TESSERA_AUDIT_OPTIONS_INIT;
    keyed_opts.key = KEY;
    keyed_opts.key_len = strlen(KEY);
    char mac[128];
    const tessera_error_code_t invalid = TESSERA_ERROR_INVALID_ARGUMENT;

    expect_refused(NULL, plain->next_seq, NULL, invalid, "prev is NULL", __LINE__);
    expect_refused(NULL, plain->next_seq, "", invalid, "prev is not a mac (0 bytes): it must be `sha256:` or "
                   "`hmac-sha256:` and 64 lowercase hex digits, as tessera_auditor_head() gives it", __LINE__);
    expect_refused(NULL, plain->next_seq, "sha256:abc", invalid, "prev is not a mac (10 bytes)", __LINE__);
    snprintf(mac, sizeof mac, "%.70s", plain->prev); /* cut short */
    expect_refused(NULL, plain->next_seq, mac, invalid, "prev is not a mac (70 bytes)", __LINE__);
    snprintf(mac, sizeof mac, "%sa", plain->prev); /* one digit too many */
    expect_refused(NULL, plain->next_seq, mac, invalid, "prev is not a mac (72 bytes)", __LINE__);
    snprintf(mac, sizeof mac, "SHA256:%s", plain->prev + 7);
    expect_refused(NULL, plain->next_seq, mac, invalid, "prev is not a mac (71 bytes)", __LINE__);
    snprintf(mac, sizeof mac, "sha256:%sABCDEF", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789");
    expect_refused(NULL, plain->next_seq, mac, invalid, "prev is not a mac (71 bytes)", __LINE__);
    /* A quote would end the record's prev string early: never written. */
    snprintf(mac, sizeof mac, "%.70s\"", plain->prev);
    expect_refused(NULL, plain->next_seq, mac, invalid, "prev is not a mac (71 bytes)", __LINE__);
    snprintf(mac, sizeof mac, "md5:%s", plain->prev + 7);
    expect_refused(NULL, plain->next_seq, mac, invalid, "prev is not a mac (68 bytes)", __LINE__);
    snprintf(mac, sizeof mac, "%.70s\xff", plain->prev);
    expect_refused(NULL, plain->next_seq, mac, invalid, "prev is not valid UTF-8 (bad byte at offset 70)", __LINE__);

    /* A seq that disagrees with its mac, or is out of range. */
    expect_refused(NULL, 0, plain->prev, invalid, "next_seq is 0 but prev is not the genesis value", __LINE__);
    expect_refused(NULL, 7, GENESIS, invalid, "next_seq is 7 but prev is the genesis value", __LINE__);
    expect_refused(NULL, UINT64_MAX, plain->prev, invalid,
                   "next_seq is 18446744073709551615; a chain's seqs stay below 2^63", __LINE__);
    expect_refused(NULL, (uint64_t)-3, plain->prev, invalid, "a negative number passed as uint64_t?", __LINE__);

    /* Keyed head, no key; plain head, a key: as a file would be refused. */
    expect_refused(NULL, keyed_head->next_seq, keyed_head->prev, TESSERA_ERROR_AUDIT,
                   "the audit log's chain was written with a key (hmac-sha256) but no key is configured", __LINE__);
    expect_refused(&keyed_opts, plain->next_seq, plain->prev, TESSERA_ERROR_AUDIT,
                   "the audit log's chain was written without a key (sha256) but a key is configured", __LINE__);
    tessera_error_t *err = NULL;
    tessera_auditor_t *auditor = NULL;
    int calls = 0;
    CHECK(tessera_auditor_new_callback_continuing(count_call, &calls, NULL, keyed_head->next_seq, keyed_head->prev,
                                                  &auditor, &err) == TESSERA_ERROR_AUDIT);
    CHECK(contains(tessera_error_json(err), "\"kind\":\"audit\",\"code\":\"chain_mismatch\""));
    tessera_error_free(err);
    /* The keyed genesis value, with the key: a new keyed chain. */
    snprintf(mac, sizeof mac, "hmac-sha256:%s", GENESIS + 7);
    CHECK(tessera_auditor_new_callback_continuing(count_call, &calls, &keyed_opts, 0, mac, &auditor, NULL)
          == TESSERA_OK);
    tessera_auditor_free(auditor);
    CHECK(calls == 0);

    /* What tessera_auditor_new_callback() refuses, refused here too. */
    tessera_audit_options_t opts = TESSERA_AUDIT_OPTIONS_INIT;
    opts.fsync = 1;
    expect_refused(&opts, plain->next_seq, plain->prev, invalid, "options->fsync is for file auditors", __LINE__);
    static const char *const typo[] = { "contxt.ticket" };
    opts = keyed_opts;
    opts.mask_fields = typo;
    opts.mask_field_count = 1;
    expect_refused(&opts, keyed_head->next_seq, keyed_head->prev, invalid,
                   "options->mask_fields[0]: unknown field selector `contxt.ticket`; did you mean `context.ticket`?",
                   __LINE__);
    auditor = (tessera_auditor_t *)&calls;
    CHECK(tessera_auditor_new_callback_continuing(NULL, NULL, NULL, plain->next_seq, plain->prev, &auditor, &err)
          == TESSERA_ERROR_INVALID_ARGUMENT);
    CHECK(auditor == NULL && streq(tessera_error_message(err), "callback is NULL"));
    tessera_error_free(err);
    CHECK(tessera_auditor_new_callback_continuing(count_call, &calls, NULL, plain->next_seq, plain->prev, NULL, &err)
          == TESSERA_ERROR_INVALID_ARGUMENT);
    CHECK(streq(tessera_error_message(err), "out is NULL"));
    tessera_error_free(err);
    CHECK(tessera_auditor_new_callback_continuing(count_call, &calls, NULL, plain->next_seq, plain->prev, NULL, NULL)
          == TESSERA_ERROR_INVALID_ARGUMENT);
    CHECK(calls == 0);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    tessera_source_t src = { "payments.policy", POLICY, sizeof POLICY - 1 };
    tessera_engine_t *engine = NULL;
    if (tessera_engine_compile(&src, 1, &engine, NULL) != TESSERA_OK) { fprintf(stderr, "compile\n"); return 1; }
    head_t plain = host(engine, argv[1]);
    head_t keyed_head = keyed(engine, argv[1]);
    wrong_heads(engine, argv[1]);
    edges(engine, argv[1], &plain);
    refused(&plain, &keyed_head);
    tessera_engine_free(engine);
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("ok\n");
    return 0;
}
