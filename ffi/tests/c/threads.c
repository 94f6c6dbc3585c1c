/* threads.c: four threads decide on one engine at once, through both entry
 * points, and every answer must equal the one computed on the main thread
 * first. Prints the main thread's JSON answers, one per line, so that the
 * Rust test can check them against tessera::json::evaluate. */
#define _POSIX_C_SOURCE 200809L
#include "tessera.h"
#include "policy.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define THREADS 4
#define ROUNDS 50
#define NREQ 6

static const char *JSON[NREQ] = {
    "{\"principal\":\"service:payments-api\",\"action\":\"secrets:GetSecretValue\",\"resource\":\"prod/payment/stripe\",\"context\":{\"source_ip\":\"10.1.2.3\",\"version_stage\":\"AWSCURRENT\",\"time\":\"2026-11-25T10:00:00Z\"}}",
    "{\"principal\":\"service:payments-api\",\"action\":\"secrets:GetSecretValue\",\"resource\":\"prod/payment/stripe\",\"context\":{\"source_ip\":\"203.0.113.9\",\"version_stage\":\"AWSCURRENT\",\"time\":\"2026-11-25T10:00:00Z\"}}",
    "{\"principal\":{\"id\":\"user:ann\",\"groups\":[\"group:payments-oncall\"]},\"action\":\"secrets:GetSecretValue\",\"resource\":\"prod/payment/db\",\"context\":{\"source_ip\":\"10.9.9.9\",\"version_stage\":\"AWSCURRENT\",\"time\":\"2026-11-25T10:00:00Z\"}}",
    "{\"principal\":\"user:bo\",\"action\":\"secrets:PutSecretValue\",\"resource\":\"prod/payment/db\",\"context\":{\"source_ip\":\"10.0.0.1\",\"mfa\":true,\"mfa_age_seconds\":60,\"time\":\"2026-11-25T10:00:00Z\"}}",
    "{\"principal\":\"user:bo\",\"action\":\"secrets:DeleteSecret\",\"resource\":\"dev/app\",\"context\":{\"time\":\"2026-11-25T10:00:00Z\"}}",
    "{\"principal\":\"user:bo\",\"action\":\"secrets:DeleteSecret\"}",
};

static tessera_engine_t *engine;
static char *expected[NREQ];
static tessera_decision_t expected_decision[NREQ];
static tessera_request_t requests[NREQ];
static const char *const ONCALL[] = { "group:payments-oncall" };

static void build_requests(void) {
    const int64_t t = 1795600800; /* 2026-11-25T10:00:00Z */
    for (int i = 0; i < NREQ; i++) requests[i] = (tessera_request_t)TESSERA_REQUEST_INIT;
    requests[0].principal = "service:payments-api"; requests[0].action = "secrets:GetSecretValue";
    requests[0].resource = "prod/payment/stripe"; requests[0].source_ip = "10.1.2.3";
    requests[0].version_stage = "AWSCURRENT"; requests[0].time = t; requests[0].has_time = 1;
    requests[1] = requests[0]; requests[1].source_ip = "203.0.113.9";
    requests[2] = requests[0]; requests[2].principal = "user:ann"; requests[2].groups = ONCALL;
    requests[2].group_count = 1; requests[2].resource = "prod/payment/db"; requests[2].source_ip = "10.9.9.9";
    requests[3].principal = "user:bo"; requests[3].action = "secrets:PutSecretValue";
    requests[3].resource = "prod/payment/db"; requests[3].source_ip = "10.0.0.1"; requests[3].mfa = 1;
    requests[3].mfa_age_seconds = 60; requests[3].time = t; requests[3].has_time = 1;
    requests[4].principal = "user:bo"; requests[4].action = "secrets:DeleteSecret";
    requests[4].resource = "dev/app"; requests[4].time = t; requests[4].has_time = 1;
    requests[5] = requests[4]; requests[5].resource = ""; /* a request error */
}

static int same_decision(const tessera_decision_t *a, const tessera_decision_t *b) {
    return a->outcome == b->outcome && a->reason == b->reason &&
           a->determining_count == b->determining_count && a->policy == b->policy &&
           a->statement == b->statement;
}

static void *worker(void *arg) {
    long id = (long)arg;
    long failures = 0;
    for (int round = 0; round < ROUNDS; round++) {
        for (int k = 0; k < NREQ; k++) {
            int i = (int)((k + id + round) % NREQ);
            char *answer = NULL;
            size_t len = 0;
            tessera_engine_evaluate_json(engine, JSON[i], strlen(JSON[i]), 0, &answer, &len, NULL);
            if (!answer || strcmp(answer, expected[i]) != 0) failures++;
            tessera_string_free(answer);
            tessera_decision_t d;
            tessera_error_t *err = NULL;
            tessera_error_code_t code = tessera_engine_decide(engine, &requests[i], &d, &err);
            if (i == 5) {
                if (code != TESSERA_ERROR_REQUEST || strcmp(tessera_error_field(err), "resource") != 0) failures++;
            } else if (code != TESSERA_OK || !same_decision(&d, &expected_decision[i])) {
                failures++;
            }
            tessera_error_free(err);
        }
    }
    return (void *)failures;
}

int main(void) {
    tessera_source_t src = { "payments.policy", POLICY, sizeof POLICY - 1 };
    if (tessera_engine_compile(&src, 1, &engine, NULL) != TESSERA_OK) { fprintf(stderr, "compile\n"); return 1; }
    build_requests();
    int failures = 0;
    for (int i = 0; i < NREQ; i++) {
        size_t len = 0;
        tessera_engine_evaluate_json(engine, JSON[i], strlen(JSON[i]), 0, &expected[i], &len, NULL);
        if (!expected[i]) { fprintf(stderr, "no answer %d\n", i); return 1; }
        printf("%s\n", expected[i]);
        if (i < 5 && tessera_engine_decide(engine, &requests[i], &expected_decision[i], NULL) != TESSERA_OK) {
            fprintf(stderr, "decide %d failed\n", i);
            failures++;
        }
    }
    /* The fast path agrees with the JSON path on the main thread. */
    static const struct { tessera_outcome_t outcome; tessera_reason_t reason; const char *statement; } want[5] = {
        { TESSERA_ALLOW, TESSERA_REASON_ALLOWED, "read-current" },
        { TESSERA_DENY, TESSERA_REASON_EXPLICIT_DENY, "office-network-only" },
        { TESSERA_ALLOW, TESSERA_REASON_ALLOWED, "read-current" },
        { TESSERA_ALLOW, TESSERA_REASON_ALLOWED, "rotate-with-fresh-mfa" },
        { TESSERA_DENY, TESSERA_REASON_NO_STATEMENT_APPLIED, NULL },
    };
    for (int i = 0; i < 5; i++) {
        const tessera_decision_t *d = &expected_decision[i];
        int names_ok = want[i].statement
            ? d->statement && strcmp(d->statement, want[i].statement) == 0 && strcmp(d->policy, "payments") == 0
            : d->statement == NULL && d->policy == NULL && d->determining_count == 0;
        if (d->outcome != want[i].outcome || d->reason != want[i].reason || !names_ok) {
            fprintf(stderr, "fast path request %d decided wrongly\n", i);
            failures++;
        }
    }
    pthread_t threads[THREADS];
    for (long t = 0; t < THREADS; t++) {
        if (pthread_create(&threads[t], NULL, worker, (void *)t) != 0) { fprintf(stderr, "pthread_create\n"); return 1; }
    }
    for (int t = 0; t < THREADS; t++) {
        void *result = NULL;
        pthread_join(threads[t], &result);
        if (result != NULL) { fprintf(stderr, "thread %d: %ld wrong answers\n", t, (long)result); failures++; }
    }
    for (int i = 0; i < NREQ; i++) tessera_string_free(expected[i]);
    tessera_engine_free(engine);
    return failures ? 1 : 0;
}
