/* api.c: the C API's contract: versions, errors and their accessors, the
 * fast path, and hostile input (NULL pointers, invalid UTF-8, malformed
 * JSON, over-long lengths), each of which must give an error code and
 * never a crash. Prints "ok" and exits 0 when every check holds. */
#define _POSIX_C_SOURCE 200809L
#include "tessera.h"
#include "policy.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static tessera_engine_t *compile_policy(void) {
    tessera_source_t src = { "payments.policy", POLICY, sizeof POLICY - 1 };
    tessera_engine_t *engine = NULL;
    tessera_error_t *err = (tessera_error_t *)&src; /* garbage: must be overwritten */
    CHECK(tessera_engine_compile(&src, 1, &engine, &err) == TESSERA_OK);
    CHECK(engine != NULL);
    CHECK(err == NULL);
    return engine;
}

/* Calls compile and checks the code, that *out stays NULL and that the
 * error carries a message. */
static void expect_compile_error(const tessera_source_t *sources, size_t count,
                                 tessera_error_code_t want, int line) {
    tessera_engine_t *engine = (tessera_engine_t *)&failures; /* garbage */
    tessera_error_t *err = NULL;
    tessera_error_code_t code = tessera_engine_compile(sources, count, &engine, &err);
    if (code != want) fprintf(stderr, "line %d: code %d, want %d\n", line, (int)code, (int)want);
    CHECK(code == want);
    CHECK(engine == NULL);
    CHECK(tessera_error_code(err) == want);
    CHECK(tessera_error_message(err) != NULL && strlen(tessera_error_message(err)) > 0);
    CHECK(tessera_error_json(err) != NULL && strncmp(tessera_error_json(err), "{\"error\":", 9) == 0);
    tessera_error_free(err);
    /* The same with no error wanted: no leak, same code. */
    CHECK(tessera_engine_compile(sources, count, &engine, NULL) == want);
}

static void versions(void) {
    CHECK(tessera_abi_version() == TESSERA_ABI_VERSION);
    CHECK(streq(tessera_version(), TESSERA_VERSION));
}

static void hostile_compile(void) {
    tessera_engine_t *engine = NULL;
    tessera_source_t good = { "payments.policy", POLICY, sizeof POLICY - 1 };
    /* NULL out. */
    tessera_error_t *err = NULL;
    CHECK(tessera_engine_compile(&good, 1, NULL, &err) == TESSERA_ERROR_INVALID_ARGUMENT);
    CHECK(streq(tessera_error_message(err), "out is NULL"));
    tessera_error_free(err);
    /* NULL sources with a count. */
    expect_compile_error(NULL, 1, TESSERA_ERROR_INVALID_ARGUMENT, __LINE__);
    /* NULL name, NULL text. */
    tessera_source_t no_name = { NULL, POLICY, sizeof POLICY - 1 };
    expect_compile_error(&no_name, 1, TESSERA_ERROR_INVALID_ARGUMENT, __LINE__);
    tessera_source_t no_text = { "x.policy", NULL, 0 };
    expect_compile_error(&no_text, 1, TESSERA_ERROR_INVALID_ARGUMENT, __LINE__);
    /* Invalid UTF-8 in the text and in the name. */
    static const char bad_utf8[] = "policy \"p\" { allow \"\xff\xfe\" { principal * action * resource * } }";
    tessera_source_t bad_text = { "bad.policy", bad_utf8, sizeof bad_utf8 - 1 };
    expect_compile_error(&bad_text, 1, TESSERA_ERROR_INVALID_ARGUMENT, __LINE__);
    tessera_source_t bad_name = { "bad\xc3(.policy", POLICY, sizeof POLICY - 1 };
    expect_compile_error(&bad_name, 1, TESSERA_ERROR_INVALID_ARGUMENT, __LINE__);
    /* An over-long length (never read: the length is checked first). */
    tessera_source_t huge = { "huge.policy", POLICY, TESSERA_MAX_INPUT_LEN + 1 };
    expect_compile_error(&huge, 1, TESSERA_ERROR_INVALID_ARGUMENT, __LINE__);
    tessera_source_t huger = { "huge.policy", POLICY, (size_t)-1 };
    expect_compile_error(&huger, 1, TESSERA_ERROR_INVALID_ARGUMENT, __LINE__);
    /* An absurd count. */
    expect_compile_error(&good, (size_t)-1, TESSERA_ERROR_INVALID_ARGUMENT, __LINE__);
    /* The good source after a bad one: still rejected as a whole. */
    tessera_source_t mixed[2] = { good, bad_text };
    expect_compile_error(mixed, 2, TESSERA_ERROR_INVALID_ARGUMENT, __LINE__);
    /* No sources at all: an engine that denies everything. */
    CHECK(tessera_engine_compile(NULL, 0, &engine, NULL) == TESSERA_OK);
    tessera_request_t req = TESSERA_REQUEST_INIT;
    req.principal = "user:a"; req.action = "secrets:GetSecretValue"; req.resource = "prod/x";
    tessera_decision_t d;
    CHECK(tessera_engine_decide(engine, &req, &d, NULL) == TESSERA_OK);
    CHECK(d.outcome == TESSERA_DENY && d.reason == TESSERA_REASON_NO_STATEMENT_APPLIED);
    tessera_engine_free(engine);
}

static void compile_diagnostics(void) {
    static const char one[] = "policy \"a\" {\n  allow \"x\" {\n    principal *\n    action *\n  }\n}\n";
    static const char two[] = "policy \"b\" {\n  allow \"y\" { principal * action * resource * when { nonsense == 1 } }\n}\n";
    tessera_source_t sources[2] = { { "one.policy", one, sizeof one - 1 }, { "two.policy", two, sizeof two - 1 } };
    tessera_engine_t *engine = NULL;
    tessera_error_t *err = NULL;
    CHECK(tessera_engine_compile(sources, 2, &engine, &err) == TESSERA_ERROR_COMPILE);
    CHECK(engine == NULL);
    CHECK(tessera_error_code(err) == TESSERA_ERROR_COMPILE);
    size_t count = tessera_error_diagnostic_count(err);
    CHECK(count == 2);
    CHECK(streq(tessera_error_diagnostic_file(err, 0), "one.policy"));
    CHECK(streq(tessera_error_diagnostic_file(err, 1), "two.policy"));
    CHECK(streq(tessera_error_diagnostic_code(err, 0), "missing-matcher"));
    CHECK(tessera_error_diagnostic_line(err, 0) == 2);
    CHECK(tessera_error_diagnostic_line(err, 1) == 2);
    CHECK(tessera_error_diagnostic_column(err, 1) > 1);
    CHECK(tessera_error_diagnostic_message(err, 1) != NULL);
    CHECK(strstr(tessera_error_message(err), "one.policy:2:") == tessera_error_message(err));
    CHECK(tessera_error_field(err) == NULL);
    /* Out of range. */
    CHECK(tessera_error_diagnostic_file(err, count) == NULL);
    CHECK(tessera_error_diagnostic_message(err, (size_t)-1) == NULL);
    CHECK(tessera_error_diagnostic_code(err, count) == NULL);
    CHECK(tessera_error_diagnostic_line(err, count) == 0);
    CHECK(tessera_error_diagnostic_column(err, count) == 0);
    tessera_error_free(err);
}

/* Limits given as JSON: a pattern past max_pattern_bytes is a located
 * diagnostic, a request past max_groups a request error, an unknown limit
 * an invalid argument. */
static void compile_with_limits(void) {
    static const char text[] = "policy \"p\" {\n  allow \"a\" { principal * action * resource app/** }\n}\n";
    tessera_source_t src = { "p.policy", text, sizeof text - 1 };
    tessera_engine_t *engine = NULL;
    tessera_error_t *err = NULL;
    static const char tight[] = "{\"policy\": {\"max_pattern_bytes\": 4}}";
    CHECK(tessera_engine_compile_with_limits(&src, 1, tight, sizeof tight - 1, &engine, &err) == TESSERA_ERROR_COMPILE);
    CHECK(engine == NULL);
    CHECK(streq(tessera_error_diagnostic_code(err, 0), "limit-exceeded"));
    CHECK(tessera_error_diagnostic_line(err, 0) == 2);
    CHECK(strstr(tessera_error_diagnostic_message(err, 0), "max_pattern_bytes") != NULL);
    tessera_error_free(err);
    err = NULL;
    static const char unknown[] = "{\"policy\": {\"max_pattern_byte\": 4}}";
    CHECK(tessera_engine_compile_with_limits(&src, 1, unknown, sizeof unknown - 1, &engine, &err) == TESSERA_ERROR_INVALID_ARGUMENT);
    CHECK(strstr(tessera_error_message(err), "max_pattern_byte") != NULL);
    tessera_error_free(err);
    err = NULL;
    static const char groups[] = "{\"request\": {\"max_groups\": 1}}";
    CHECK(tessera_engine_compile_with_limits(&src, 1, groups, sizeof groups - 1, &engine, &err) == TESSERA_OK);
    static const char request[] = "{\"principal\": {\"id\": \"u\", \"groups\": [\"a\", \"b\"]}, \"action\": \"x\", \"resource\": \"app/db\"}";
    char *answer = NULL;
    size_t answer_len = 0;
    CHECK(tessera_engine_evaluate_json(engine, request, sizeof request - 1, 0, &answer, &answer_len, &err) == TESSERA_ERROR_REQUEST);
    CHECK(streq(tessera_error_field(err), "principal.groups"));
    tessera_error_free(err);
    tessera_string_free(answer);
    tessera_engine_free(engine);
    /* NULL limits: the defaults. */
    engine = NULL;
    CHECK(tessera_engine_compile_with_limits(&src, 1, NULL, 0, &engine, NULL) == TESSERA_OK);
    tessera_engine_free(engine);
}

/* A load document with a schema: a policy reading an undeclared key does
 * not compile; a request with a misspelt built-in field is an error naming
 * it, as is a struct request lacking a required attribute. */
static void compile_document(void) {
    tessera_engine_t *engine = NULL;
    tessera_error_t *err = NULL;
    static const char typo[] = "{\"sources\": [{\"name\": \"p.policy\", \"text\": \"policy \\\"p\\\" { allow \\\"a\\\" { principal * action * resource app/** when { context.tikcet like \\\"CHG-*\\\" } } }\"}],"
        " \"schema\": [{\"name\": \"app.schema\", \"text\": \"schema {\\n  context.ticket: string optional\\n}\"}]}";
    CHECK(tessera_engine_compile_document(typo, sizeof typo - 1, &engine, &err) == TESSERA_ERROR_COMPILE);
    CHECK(engine == NULL);
    CHECK(streq(tessera_error_diagnostic_code(err, 0), "undeclared-key"));
    CHECK(streq(tessera_error_diagnostic_file(err, 0), "p.policy"));
    tessera_error_free(err);
    err = NULL;
    static const char good[] = "{\"sources\": [{\"name\": \"p.policy\", \"text\": \"policy \\\"p\\\" { allow \\\"a\\\" { principal * action * resource app/** } }\"}],"
        " \"schema\": [{\"name\": \"app.schema\", \"text\": \"schema { context.ticket: string optional }\"}]}";
    CHECK(tessera_engine_compile_document(good, sizeof good - 1, &engine, &err) == TESSERA_OK);
    static const char misspelt[] = "{\"principal\": \"u\", \"action\": \"x\", \"resource\": \"app/db\", \"context\": {\"sourceip\": \"10.0.0.1\"}}";
    char *answer = NULL;
    size_t answer_len = 0;
    CHECK(tessera_engine_evaluate_json(engine, misspelt, sizeof misspelt - 1, 0, &answer, &answer_len, &err) == TESSERA_ERROR_REQUEST);
    CHECK(streq(tessera_error_field(err), "context.sourceip"));
    CHECK(contains(tessera_error_message(err), "did you mean `source_ip`?"));
    tessera_error_free(err);
    err = NULL;
    tessera_string_free(answer);
    tessera_request_t req = TESSERA_REQUEST_INIT;
    req.principal = "u";
    req.action = "x";
    req.resource = "app/db";
    tessera_decision_t decision;
    CHECK(tessera_engine_decide(engine, &req, &decision, NULL) == TESSERA_OK);
    CHECK(decision.outcome == TESSERA_ALLOW);
    tessera_engine_free(engine);
    engine = NULL;
    static const char required[] = "{\"sources\": [{\"name\": \"p.policy\", \"text\": \"policy \\\"p\\\" {}\"}],"
        " \"schema\": [{\"name\": \"app.schema\", \"text\": \"schema { context.ticket: string }\"}]}";
    CHECK(tessera_engine_compile_document(required, sizeof required - 1, &engine, NULL) == TESSERA_OK);
    CHECK(tessera_engine_decide(engine, &req, &decision, &err) == TESSERA_ERROR_REQUEST);
    CHECK(streq(tessera_error_field(err), "context.ticket"));
    CHECK(decision.outcome == TESSERA_DENY);
    tessera_error_free(err);
    err = NULL;
    tessera_engine_free(engine);
    static const char unknown[] = "{\"sources\": [], \"schemas\": []}";
    CHECK(tessera_engine_compile_document(unknown, sizeof unknown - 1, &engine, &err) == TESSERA_ERROR_INVALID_ARGUMENT);
    tessera_error_free(err);
    CHECK(tessera_engine_compile_document(NULL, 0, &engine, NULL) == TESSERA_ERROR_INVALID_ARGUMENT);
}

static void null_error_accessors(void) {
    CHECK(tessera_error_code(NULL) == TESSERA_OK);
    CHECK(tessera_error_message(NULL) == NULL);
    CHECK(tessera_error_field(NULL) == NULL);
    CHECK(tessera_error_json(NULL) == NULL);
    CHECK(tessera_error_diagnostic_count(NULL) == 0);
    CHECK(tessera_error_diagnostic_file(NULL, 0) == NULL);
    CHECK(tessera_error_diagnostic_message(NULL, 0) == NULL);
    CHECK(tessera_error_diagnostic_code(NULL, 0) == NULL);
    CHECK(tessera_error_diagnostic_line(NULL, 0) == 0);
    CHECK(tessera_error_diagnostic_column(NULL, 0) == 0);
    tessera_error_free(NULL);
    tessera_engine_free(NULL);
    tessera_string_free(NULL);
}

static void expect_json_error(const tessera_engine_t *engine, const char *request, size_t len,
                              tessera_error_code_t want, const char *field, int line) {
    char *answer = (char *)"garbage";
    size_t answer_len = 99;
    tessera_error_t *err = NULL;
    tessera_error_code_t code = tessera_engine_evaluate_json(engine, request, len, 0, &answer, &answer_len, &err);
    if (code != want) fprintf(stderr, "line %d: code %d, want %d\n", line, (int)code, (int)want);
    CHECK(code == want);
    CHECK(tessera_error_code(err) == want);
    if (want == TESSERA_ERROR_REQUEST) {
        CHECK(answer != NULL && answer_len == strlen(answer));
        CHECK(answer && strncmp(answer, "{\"error\":{\"kind\":\"request\"", 26) == 0);
        CHECK(streq(tessera_error_field(err), field));
        CHECK(answer && strcmp(answer, tessera_error_json(err)) == 0);
    } else {
        CHECK(answer == NULL && answer_len == 0);
        CHECK(tessera_error_field(err) == NULL);
    }
    tessera_string_free(answer);
    tessera_error_free(err);
}

static void hostile_json(const tessera_engine_t *engine) {
    static const char ok[] = "{\"principal\":\"user:a\",\"action\":\"secrets:GetSecretValue\",\"resource\":\"prod/x\"}";
    char *answer = NULL;
    size_t len = 0;
    /* NULLs. */
    expect_json_error(NULL, ok, sizeof ok - 1, TESSERA_ERROR_INVALID_ARGUMENT, NULL, __LINE__);
    expect_json_error(engine, NULL, 10, TESSERA_ERROR_INVALID_ARGUMENT, NULL, __LINE__);
    expect_json_error(engine, NULL, 0, TESSERA_ERROR_INVALID_ARGUMENT, NULL, __LINE__);
    CHECK(tessera_engine_evaluate_json(engine, ok, sizeof ok - 1, 0, NULL, &len, NULL) == TESSERA_ERROR_INVALID_ARGUMENT);
    /* out_len is optional. */
    CHECK(tessera_engine_evaluate_json(engine, ok, sizeof ok - 1, 1, &answer, NULL, NULL) == TESSERA_OK);
    CHECK(answer && strstr(answer, "\"explanation\":") != NULL);
    tessera_string_free(answer);
    /* Over-long and invalid UTF-8. */
    expect_json_error(engine, ok, TESSERA_MAX_INPUT_LEN + 1, TESSERA_ERROR_INVALID_ARGUMENT, NULL, __LINE__);
    expect_json_error(engine, ok, (size_t)-1, TESSERA_ERROR_INVALID_ARGUMENT, NULL, __LINE__);
    static const char bad_utf8[] = "{\"principal\":\"user:\xff\",\"action\":\"a\",\"resource\":\"r\"}";
    expect_json_error(engine, bad_utf8, sizeof bad_utf8 - 1, TESSERA_ERROR_INVALID_ARGUMENT, NULL, __LINE__);
    /* Malformed requests: errors with the field, and the answer as JSON. */
    expect_json_error(engine, "", 0, TESSERA_ERROR_REQUEST, "", __LINE__);
    expect_json_error(engine, "{\"principal\":", 13, TESSERA_ERROR_REQUEST, "", __LINE__);
    expect_json_error(engine, "[1,2]", 5, TESSERA_ERROR_REQUEST, "", __LINE__);
    expect_json_error(engine, ok, 20, TESSERA_ERROR_REQUEST, "", __LINE__); /* truncated by its length */
    static const char no_action[] = "{\"principal\":\"user:a\",\"resource\":\"prod/x\"}";
    expect_json_error(engine, no_action, sizeof no_action - 1, TESSERA_ERROR_REQUEST, "action", __LINE__);
    static const char bad_ip[] = "{\"principal\":\"user:a\",\"action\":\"a\",\"resource\":\"r\",\"context\":{\"source_ip\":\"10.0.0\"}}";
    expect_json_error(engine, bad_ip, sizeof bad_ip - 1, TESSERA_ERROR_REQUEST, "context.source_ip", __LINE__);
    /* A NUL inside the given length is just a bad byte of JSON. */
    static const char with_nul[] = "{\"principal\":\"user:a\"\0}";
    expect_json_error(engine, with_nul, sizeof with_nul - 1, TESSERA_ERROR_REQUEST, "", __LINE__);
}

static void expect_decide_error(const tessera_engine_t *engine, const tessera_request_t *req,
                                tessera_error_code_t want, const char *field, int line) {
    tessera_decision_t d = { TESSERA_ALLOW, TESSERA_REASON_ALLOWED, 7, "x", "y" }; /* stale */
    tessera_error_t *err = NULL;
    tessera_error_code_t code = tessera_engine_decide(engine, req, &d, &err);
    if (code != want) fprintf(stderr, "line %d: code %d, want %d\n", line, (int)code, (int)want);
    CHECK(code == want);
    CHECK(tessera_error_code(err) == want);
    CHECK(d.outcome == TESSERA_DENY && d.reason == TESSERA_REASON_NO_STATEMENT_APPLIED);
    CHECK(d.determining_count == 0 && d.policy == NULL && d.statement == NULL);
    if (field) CHECK(streq(tessera_error_field(err), field));
    tessera_error_free(err);
    CHECK(tessera_engine_decide(engine, req, &d, NULL) == want);
}

static void fast_path(const tessera_engine_t *engine) {
    tessera_request_t base = TESSERA_REQUEST_INIT;
    base.principal = "service:payments-api";
    base.action = "secrets:GetSecretValue";
    base.resource = "prod/payment/stripe";
    base.source_ip = "10.1.2.3";
    base.version_stage = "AWSCURRENT";
    base.time = 1795600800;
    base.has_time = 1;
    tessera_decision_t d;
    tessera_error_t *err = (tessera_error_t *)&d; /* garbage: must be overwritten */
    CHECK(tessera_engine_decide(engine, &base, &d, &err) == TESSERA_OK);
    CHECK(err == NULL);
    CHECK(d.outcome == TESSERA_ALLOW && d.reason == TESSERA_REASON_ALLOWED && d.determining_count == 1);
    CHECK(streq(d.policy, "payments") && streq(d.statement, "read-current"));
    const char *policy_name = d.policy;
    /* Borrowed names are the engine's: the same pointer every time. */
    CHECK(tessera_engine_decide(engine, &base, &d, NULL) == TESSERA_OK && d.policy == policy_name);

    tessera_request_t r = base;
    r.source_ip = "fd00::1"; /* outside 10.0.0.0/8: the deny wins */
    CHECK(tessera_engine_decide(engine, &r, &d, NULL) == TESSERA_OK);
    CHECK(d.outcome == TESSERA_DENY && d.reason == TESSERA_REASON_EXPLICIT_DENY);
    CHECK(streq(d.statement, "office-network-only"));
    r = base;
    r.source_ip = NULL; /* unknown: the deny fails closed */
    CHECK(tessera_engine_decide(engine, &r, &d, NULL) == TESSERA_OK && d.reason == TESSERA_REASON_EXPLICIT_DENY);
    r = base;
    r.version_stage = NULL; /* unknown: the allow does not apply */
    CHECK(tessera_engine_decide(engine, &r, &d, NULL) == TESSERA_OK && d.reason == TESSERA_REASON_NO_STATEMENT_APPLIED);
    CHECK(d.policy == NULL && d.statement == NULL);
    /* Groups. */
    static const char *const groups[] = { "group:other", "group:payments-oncall" };
    r = base;
    r.principal = "user:ann";
    CHECK(tessera_engine_decide(engine, &r, &d, NULL) == TESSERA_OK && d.outcome == TESSERA_DENY);
    r.groups = groups;
    r.group_count = 2;
    CHECK(tessera_engine_decide(engine, &r, &d, NULL) == TESSERA_OK && d.outcome == TESSERA_ALLOW);
    /* MFA: fresh, stale, unknown. */
    r = base;
    r.principal = "user:bo";
    r.action = "secrets:PutSecretValue";
    r.version_stage = NULL;
    r.mfa = 1;
    r.mfa_age_seconds = 60;
    CHECK(tessera_engine_decide(engine, &r, &d, NULL) == TESSERA_OK && d.outcome == TESSERA_ALLOW);
    CHECK(streq(d.statement, "rotate-with-fresh-mfa"));
    r.mfa_age_seconds = 3600;
    CHECK(tessera_engine_decide(engine, &r, &d, NULL) == TESSERA_OK && d.outcome == TESSERA_DENY);
    r.mfa_age_seconds = -1;
    CHECK(tessera_engine_decide(engine, &r, &d, NULL) == TESSERA_OK && d.outcome == TESSERA_DENY);
    r.mfa_age_seconds = 60;
    r.mfa = 0;
    CHECK(tessera_engine_decide(engine, &r, &d, NULL) == TESSERA_OK && d.outcome == TESSERA_DENY);
    /* No time: decided at the current time, still fine. */
    r = base;
    r.has_time = 0;
    CHECK(tessera_engine_decide(engine, &r, &d, NULL) == TESSERA_OK && d.outcome == TESSERA_ALLOW);

    /* Hostile input. */
    expect_decide_error(NULL, &base, TESSERA_ERROR_INVALID_ARGUMENT, NULL, __LINE__);
    expect_decide_error(engine, NULL, TESSERA_ERROR_INVALID_ARGUMENT, NULL, __LINE__);
    CHECK(tessera_engine_decide(engine, &base, NULL, NULL) == TESSERA_ERROR_INVALID_ARGUMENT);
    r = base; r.principal = NULL;
    expect_decide_error(engine, &r, TESSERA_ERROR_INVALID_ARGUMENT, NULL, __LINE__);
    r = base; r.action = NULL;
    expect_decide_error(engine, &r, TESSERA_ERROR_INVALID_ARGUMENT, NULL, __LINE__);
    r = base; r.resource = NULL;
    expect_decide_error(engine, &r, TESSERA_ERROR_INVALID_ARGUMENT, NULL, __LINE__);
    r = base; r.principal = "user:\xff";
    expect_decide_error(engine, &r, TESSERA_ERROR_INVALID_ARGUMENT, NULL, __LINE__);
    r = base; r.group_count = 1; /* groups still NULL */
    expect_decide_error(engine, &r, TESSERA_ERROR_INVALID_ARGUMENT, NULL, __LINE__);
    static const char *const null_group[] = { "group:a", NULL };
    r = base; r.groups = null_group; r.group_count = 2;
    expect_decide_error(engine, &r, TESSERA_ERROR_INVALID_ARGUMENT, NULL, __LINE__);
    /* Too many groups: a request error, as in JSON, found before the array is read. */
    r = base; r.group_count = (size_t)-1; r.groups = groups;
    expect_decide_error(engine, &r, TESSERA_ERROR_REQUEST, "principal.groups", __LINE__);
    r = base; r.group_count = TESSERA_MAX_GROUPS + 1; r.groups = groups;
    expect_decide_error(engine, &r, TESSERA_ERROR_REQUEST, "principal.groups", __LINE__);
    r = base; r.resource = "prod//secret";
    expect_decide_error(engine, &r, TESSERA_ERROR_REQUEST, "resource", __LINE__);
    r = base; r.resource = "prod/secret/";
    expect_decide_error(engine, &r, TESSERA_ERROR_REQUEST, "resource", __LINE__);
    r = base; r.action = "";
    expect_decide_error(engine, &r, TESSERA_ERROR_REQUEST, "action", __LINE__);
    r = base; r.principal = "";
    expect_decide_error(engine, &r, TESSERA_ERROR_REQUEST, "principal", __LINE__);
    r = base; r.resource = "prod/../secret";
    expect_decide_error(engine, &r, TESSERA_ERROR_REQUEST, "resource", __LINE__);
    r = base; r.source_ip = "10.0.0";
    expect_decide_error(engine, &r, TESSERA_ERROR_REQUEST, "context.source_ip", __LINE__);
    r = base; r.mfa = 2;
    expect_decide_error(engine, &r, TESSERA_ERROR_REQUEST, "context.mfa", __LINE__);
    r = base; r.mfa_age_seconds = -2;
    expect_decide_error(engine, &r, TESSERA_ERROR_REQUEST, "context.mfa_age_seconds", __LINE__);
    r = base; r.time = INT64_MAX;
    expect_decide_error(engine, &r, TESSERA_ERROR_REQUEST, "context.time", __LINE__);
    r = base; r.version_stage = "\xc3";
    expect_decide_error(engine, &r, TESSERA_ERROR_INVALID_ARGUMENT, NULL, __LINE__);

    /* A request error's JSON has the JSON path's shape. */
    r = base; r.source_ip = "nope";
    CHECK(tessera_engine_decide(engine, &r, &d, &err) == TESSERA_ERROR_REQUEST);
    CHECK(streq(tessera_error_json(err),
                "{\"error\":{\"kind\":\"request\",\"code\":\"invalid_value\",\"field\":\"context.source_ip\","
                "\"message\":\"context.source_ip: is not an IPv4 or IPv6 address\"}}"));
    tessera_error_free(err);
}

int main(void) {
    versions();
    null_error_accessors();
    hostile_compile();
    compile_diagnostics();
    compile_with_limits();
    compile_document();
    tessera_engine_t *engine = compile_policy();
    hostile_json(engine);
    fast_path(engine);
    tessera_engine_free(engine);
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("ok\n");
    return 0;
}
