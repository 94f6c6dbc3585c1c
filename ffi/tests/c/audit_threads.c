/* audit_threads.c: four threads decide through one auditor writing one
 * file. Usage: audit_threads FILE MODE [PER_THREAD]
 *
 * MODE is "blocking" (the deciding threads write; the default options) or
 * "background" (best effort, a background writer). Each thread makes
 * PER_THREAD decisions (default 10000), alternating the JSON path and the
 * fast path, every one an allow for the resource prod/payment/tT/I (T the
 * thread, I the decision), so that the Rust test can count each thread's
 * records. Prints "records N" (the chain's next seq) and exits 0 when every
 * decision was right and no record failed. */
#define _POSIX_C_SOURCE 200809L
#include "tessera.h"
#include "policy.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define THREADS 4

static tessera_engine_t *engine;
static tessera_auditor_t *auditor;
static long per_thread = 10000;

static void *worker(void *arg) {
    long id = (long)arg;
    long wrong = 0;
    char resource[64];
    char json[512];
    tessera_request_t req = TESSERA_REQUEST_INIT;
    req.principal = "service:payments-api";
    req.action = "secrets:GetSecretValue";
    req.source_ip = "10.1.2.3";
    req.version_stage = "AWSCURRENT";
    req.time = 1795600800; /* 2026-11-25T10:00:00Z */
    req.has_time = 1;
    for (long i = 0; i < per_thread; i++) {
        snprintf(resource, sizeof resource, "prod/payment/t%ld/%ld", id, i);
        if (i % 2 == 0) {
            int n = snprintf(json, sizeof json,
                             "{\"principal\":\"service:payments-api\",\"action\":\"secrets:GetSecretValue\","
                             "\"resource\":\"%s\",\"context\":{\"source_ip\":\"10.1.2.3\","
                             "\"version_stage\":\"AWSCURRENT\",\"time\":\"2026-11-25T10:00:00Z\"}}",
                             resource);
            char *answer = NULL;
            if (tessera_engine_evaluate_json_audited(engine, auditor, json, (size_t)n, 0, &answer, NULL, NULL)
                    != TESSERA_OK ||
                strncmp(answer, "{\"decision\":\"allow\"", 19) != 0)
                wrong++;
            tessera_string_free(answer);
        } else {
            req.resource = resource;
            tessera_decision_t d;
            if (tessera_engine_decide_audited(engine, auditor, &req, &d, NULL) != TESSERA_OK ||
                d.outcome != TESSERA_ALLOW || d.reason != TESSERA_REASON_ALLOWED)
                wrong++;
        }
    }
    return (void *)wrong;
}

int main(int argc, char **argv) {
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: %s FILE blocking|background [PER_THREAD]\n", argv[0]);
        return 2;
    }
    if (argc == 4) per_thread = atol(argv[3]);
    tessera_audit_options_t opts = TESSERA_AUDIT_OPTIONS_INIT;
    if (strcmp(argv[2], "background") == 0) {
        opts.mode = TESSERA_AUDIT_BEST_EFFORT;
        opts.background = 1024;
    } else if (strcmp(argv[2], "blocking") != 0) {
        fprintf(stderr, "unknown mode %s\n", argv[2]);
        return 2;
    }
    tessera_source_t src = { "payments.policy", POLICY, sizeof POLICY - 1 };
    if (tessera_engine_compile(&src, 1, &engine, NULL) != TESSERA_OK) { fprintf(stderr, "compile\n"); return 1; }
    tessera_error_t *err = NULL;
    if (tessera_auditor_open_file(argv[1], &opts, &auditor, &err) != TESSERA_OK) {
        fprintf(stderr, "open: %s\n", tessera_error_message(err));
        tessera_error_free(err);
        tessera_engine_free(engine);
        return 1;
    }
    int failures = 0;
    pthread_t threads[THREADS];
    for (long t = 0; t < THREADS; t++) {
        if (pthread_create(&threads[t], NULL, worker, (void *)t) != 0) { fprintf(stderr, "pthread_create\n"); return 1; }
    }
    for (int t = 0; t < THREADS; t++) {
        void *result = NULL;
        pthread_join(threads[t], &result);
        if (result != NULL) { fprintf(stderr, "thread %d: %ld wrong decisions\n", t, (long)result); failures++; }
    }
    if (tessera_auditor_flush(auditor, &err) != TESSERA_OK) {
        fprintf(stderr, "flush: %s\n", tessera_error_message(err));
        tessera_error_free(err);
        failures++;
    }
    if (tessera_auditor_failures(auditor) != 0) {
        tessera_error_t *failure = tessera_auditor_last_failure(auditor);
        fprintf(stderr, "%lu records failed: %s\n", (unsigned long)tessera_auditor_failures(auditor),
                tessera_error_message(failure));
        tessera_error_free(failure);
        failures++;
    }
    uint64_t next = 0;
    if (tessera_auditor_head(auditor, &next, NULL, NULL) != TESSERA_OK) failures++;
    printf("records %lu\n", (unsigned long)next);
    tessera_auditor_free(auditor);
    tessera_engine_free(engine);
    return failures ? 1 : 0;
}
