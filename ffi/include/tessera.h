/*
 * tessera.h: the C API of Tessera, an authorization engine for secrets
 * managers. Link with -ltessera (shared), or with libtessera.a plus
 * -lpthread -ldl -lm (static); `pkg-config --libs tessera` knows both.
 *
 * Compile a policy set once into an engine, then decide many requests
 * against it, from as many threads as you like:
 *
 *     tessera_source_t src = { "app.policy", text, strlen(text) };
 *     tessera_engine_t *engine = NULL;
 *     tessera_error_t *err = NULL;
 *     if (tessera_engine_compile(&src, 1, &engine, &err) != TESSERA_OK) {
 *         fprintf(stderr, "%s\n", tessera_error_message(err));
 *         tessera_error_free(err);
 *         return 1;
 *     }
 *     char *answer = NULL;
 *     size_t answer_len = 0;
 *     tessera_engine_evaluate_json(engine, json, strlen(json), 0,
 *                                  &answer, &answer_len, &err);
 *     ...
 *     tessera_string_free(answer);
 *     tessera_error_free(err);
 *     tessera_engine_free(engine);
 *
 * To keep an audit record of every decision, open an auditor (a file, or a
 * function of yours) and decide through it: see "Audit" below.
 *
 * Conventions, for every function below:
 *
 * - Text is UTF-8. Text passed with an explicit length needs no NUL; every
 *   other `const char *` argument is NUL-terminated. Invalid UTF-8, a NULL
 *   where a pointer is required, and text longer than TESSERA_MAX_INPUT_LEN
 *   (64 MiB) give TESSERA_ERROR_INVALID_ARGUMENT, never a crash. (A pointer
 *   that is neither NULL nor valid cannot be detected, in C or here.)
 * - Functions that can fail return a tessera_error_code_t and take a last
 *   argument `tessera_error_t **err`. It may be NULL (no details wanted).
 *   Otherwise *err is set to NULL on success and to a new error object on
 *   failure, which the caller owns and frees with tessera_error_free().
 * - Output pointers are reset (to NULL, 0, or a deny) before any check, so a
 *   failed call never leaves stale values behind.
 * - No function unwinds or aborts on an internal bug: every entry point is
 *   fenced, and a bug comes back as TESSERA_ERROR_INTERNAL.
 * - Every `tessera_*_free` function ignores NULL.
 */
#ifndef TESSERA_H
#define TESSERA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The ABI version this header describes. Raised on every incompatible change
 * to a struct, an enum or a function signature. Check at start-up that
 * tessera_abi_version() == TESSERA_ABI_VERSION. */
#define TESSERA_ABI_VERSION 1

/* The library version this header ships with. */
#define TESSERA_VERSION "0.1.0"

/* The longest text accepted in one argument, in bytes (64 MiB). */
#define TESSERA_MAX_INPUT_LEN ((size_t)64 * 1024 * 1024)

/* The most sources one tessera_engine_compile() takes (2^20), and the
 * longest source name, in bytes. */
#define TESSERA_MAX_SOURCES ((size_t)1048576)
#define TESSERA_MAX_NAME_LEN ((size_t)4096)

/* Request limits: the defaults of the Rust tessera::RequestLimits, enforced
 * alike on a request given as a struct (tessera_engine_decide()) and as
 * JSON (tessera_engine_evaluate_json()), and by every other Tessera host
 * (an engine compiled with other limits applies those instead). A request
 * over one is refused with TESSERA_ERROR_REQUEST, JSON code
 * "limit_exceeded", and tessera_error_field() naming the field; it is never
 * decided.
 *
 * The most groups: tessera_request_t.group_count, or the JSON
 * "principal.groups" array. */
#define TESSERA_MAX_GROUPS ((size_t)65536)
/* The longest request JSON text, in bytes (16 MiB). */
#define TESSERA_MAX_REQUEST_JSON_LEN ((size_t)16777216)
/* The longest resource path, in bytes (64 KiB), and the most segments
 * ("/"-separated parts) in it. */
#define TESSERA_MAX_PATH_LEN ((size_t)65536)
#define TESSERA_MAX_PATH_SEGMENTS ((size_t)1024)
/* The longest other string, in bytes (64 KiB): the principal id, the
 * action, each group, the version stage, and in JSON each tag name and
 * value and each custom context attribute name and string value. */
#define TESSERA_MAX_VALUE_LEN ((size_t)65536)
/* JSON only: the most tags of the principal, and of the resource; the most
 * custom context attributes. */
#define TESSERA_MAX_TAGS ((size_t)1024)
#define TESSERA_MAX_ATTRIBUTES ((size_t)1024)

/* ---------------------------------------------------------------------------
 * Types
 * ------------------------------------------------------------------------- */

/* What a call returned. */
typedef enum tessera_error_code {
    TESSERA_OK = 0,
    /* A NULL pointer, invalid UTF-8, an over-long input, a bad count. */
    TESSERA_ERROR_INVALID_ARGUMENT = 1,
    /* The policies do not compile; the error holds every diagnostic. */
    TESSERA_ERROR_COMPILE = 2,
    /* The request is malformed; tessera_error_field() names the field. */
    TESSERA_ERROR_REQUEST = 3,
    /* A bug in Tessera, caught before it reached the caller. */
    TESSERA_ERROR_INTERNAL = 4,
    /* An auditor could not be made or could not write: its file cannot be
     * opened or is not an audit log, its chain was written under another
     * key scheme, a flush failed. tessera_error_json() carries the audit
     * error's kind as "code" ("io", "not_an_audit_log", "chain_mismatch",
     * "sink", ...). */
    TESSERA_ERROR_AUDIT = 5
} tessera_error_code_t;

/* Allow or deny. Zero is deny. */
typedef enum tessera_outcome {
    TESSERA_DENY = 0,
    TESSERA_ALLOW = 1
} tessera_outcome_t;

/* Why the engine decided as it did. Zero is the default deny. */
typedef enum tessera_reason {
    /* No statement applied: denied by default. */
    TESSERA_REASON_NO_STATEMENT_APPLIED = 0,
    /* At least one deny statement applied. */
    TESSERA_REASON_EXPLICIT_DENY = 1,
    /* At least one allow statement applied, and no deny did. */
    TESSERA_REASON_ALLOWED = 2,
    /* Denied because the decision's audit record could not be written
       (an auditor in blocking mode). The engine alone never answers it. */
    TESSERA_REASON_AUDIT_FAILED = 3
} tessera_reason_t;

/* A compiled policy set: immutable once compiled. Opaque. */
typedef struct tessera_engine tessera_engine_t;

/* An error: code, message, request field, compile diagnostics. Immutable.
 * Opaque. */
typedef struct tessera_error tessera_error_t;

/* One policy source. The library copies what it needs during the call. */
typedef struct tessera_source {
    /* Name used in diagnostics, usually a file path. NUL-terminated,
     * at most 4096 bytes. Required. */
    const char *name;
    /* The policy text: text_len bytes of UTF-8, no NUL needed. Required
     * (non-NULL even when text_len is 0). */
    const char *text;
    size_t text_len;
} tessera_source_t;

/* A request for the fast path, tessera_engine_decide(). Every string is
 * NUL-terminated UTF-8 and only read during the call. Start from
 * TESSERA_REQUEST_INIT so that every optional field reads "unknown".
 * Principal and resource tags and custom context attributes are only
 * available through tessera_engine_evaluate_json(). */
typedef struct tessera_request {
    /* Principal id, such as "service:payments-api". Required, non-empty. */
    const char *principal;
    /* group_count group names, such as "group:payments-oncall"; may be
     * NULL when group_count is 0. At most TESSERA_MAX_GROUPS. */
    const char *const *groups;
    size_t group_count;
    /* Action, such as "secrets:GetSecretValue". Required, non-empty. */
    const char *action;
    /* Secret path, such as "prod/payment/stripe-key". Required, non-empty,
     * normalized: no empty, "." or ".." segment, no leading or trailing
     * "/", no ASCII control character (such a path is refused, never
     * resolved). Matched byte for byte: percent-escapes and Unicode are
     * not decoded or normalized. At most TESSERA_MAX_PATH_LEN bytes and
     * TESSERA_MAX_PATH_SEGMENTS segments. */
    const char *resource;
    /* Caller's IPv4 or IPv6 address as text, or NULL when unknown. An
     * IPv4-mapped IPv6 address ("::ffff:10.0.0.1") is read as the IPv4
     * address; an IPv6 zone id ("fe80::1%eth0") is refused. */
    const char *source_ip;
    /* -1 unknown, 0 authenticated without MFA, 1 with MFA. */
    int mfa;
    /* Seconds since the MFA, or -1 when unknown. */
    int64_t mfa_age_seconds;
    /* Version stage asked for, such as "AWSCURRENT", or NULL when unknown. */
    const char *version_stage;
    /* Request time in Unix seconds (UTC), read only when has_time != 0;
     * otherwise the decision is made at the current time. */
    int64_t time;
    int has_time;
} tessera_request_t;

/* An initializer with every optional field unknown:
 *     tessera_request_t req = TESSERA_REQUEST_INIT;                        */
#define TESSERA_REQUEST_INIT \
    { NULL, NULL, 0, NULL, NULL, NULL, -1, -1, NULL, 0, 0 }

/* A decision from the fast path. */
typedef struct tessera_decision {
    tessera_outcome_t outcome;
    tessera_reason_t reason;
    /* How many statements determined the decision: every applicable deny
     * when a deny applied, else every applicable allow; 0 when nothing
     * applied. */
    size_t determining_count;
    /* The first determining statement (in policy-set order): its policy's
     * name and its own name, NUL-terminated. BORROWED from the engine:
     * valid while the engine lives, never freed by the caller. NULL when
     * determining_count is 0. */
    const char *policy;
    const char *statement;
} tessera_decision_t;

/* ---------------------------------------------------------------------------
 * Versions
 * ------------------------------------------------------------------------- */

/* The ABI version of the loaded library; compare with TESSERA_ABI_VERSION.
 * Thread-safe. */
uint32_t tessera_abi_version(void);

/* The version of the loaded library, such as "0.1.0". A static string:
 * never freed. Thread-safe. */
const char *tessera_version(void);

/* ---------------------------------------------------------------------------
 * Engines
 * ------------------------------------------------------------------------- */

/* Parses, checks and compiles `count` policy sources into one engine.
 *
 * Takes: `sources`, an array of `count` sources (may be NULL when count is
 * 0; an empty set compiles to an engine that denies everything); `out`,
 * where the engine goes (required); `err` (optional, see conventions).
 * Every problem in every source is reported at once: on
 * TESSERA_ERROR_COMPILE the error holds one diagnostic per problem.
 *
 * Returns TESSERA_OK, TESSERA_ERROR_INVALID_ARGUMENT (NULL pointer, invalid
 * UTF-8, a text over 64 MiB, a name over 4096 bytes, count over 2^20),
 * TESSERA_ERROR_COMPILE or TESSERA_ERROR_INTERNAL.
 *
 * Owns afterwards: on success the caller owns *out and frees it with
 * tessera_engine_free(); on failure *out is NULL. The sources are not
 * retained: free them whenever you like after the call.
 *
 * Thread safety: may be called from any thread, concurrently. */
tessera_error_code_t tessera_engine_compile(const tessera_source_t *sources,
                                            size_t count,
                                            tessera_engine_t **out,
                                            tessera_error_t **err);

/* tessera_engine_compile() under other limits than the defaults.
 *
 * Takes, besides tessera_engine_compile()'s arguments: `limits_json`, a
 * JSON object of `limits_len` bytes such as
 *   {"policy": {"max_pattern_bytes": 2048}, "request": {"max_groups": 100000}}
 * where every field is optional and defaults as the TESSERA_MAX_* macros
 * and SECURITY.md say (NULL: all defaults). Policy limits: max_source_bytes,
 * max_statements, max_patterns_per_line, max_pattern_bytes,
 * max_pattern_wildcards, max_alternatives; a source past one is a
 * TESSERA_ERROR_COMPILE diagnostic with code "limit-exceeded". Request
 * limits: max_bytes, max_path_bytes, max_path_segments, max_groups,
 * max_tags, max_attributes, max_value_bytes, max_attribute_depth,
 * max_attribute_values; the engine reads every request (JSON or struct)
 * under them.
 *
 * Returns as tessera_engine_compile(), and TESSERA_ERROR_INVALID_ARGUMENT
 * when `limits_json` is not such an object (an unknown name included).
 *
 * Owns afterwards and thread safety: as tessera_engine_compile(). */
tessera_error_code_t tessera_engine_compile_with_limits(const tessera_source_t *sources,
                                                        size_t count,
                                                        const char *limits_json,
                                                        size_t limits_len,
                                                        tessera_engine_t **out,
                                                        tessera_error_t **err);

/* Compiles a load document, the JSON every host reads
 * (tessera::json::LoadDocument), of `len` bytes:
 *   {"sources": [{"name": "app.policy", "text": "policy ..."}],
 *    "schema": [{"name": "app.schema", "text": "schema { ... }"}],
 *    "limits": {"policy": {...}, "request": {...}}}
 * where `schema` and `limits` are optional and unknown fields are refused.
 * With schema files (policy-lang/LANGUAGE.md, "Schemas"), the policies are
 * checked against the schema (an undeclared key or a literal of another
 * type is a TESSERA_ERROR_COMPILE diagnostic, with code "undeclared-key"
 * or "schema-mismatch"), and every request the engine reads is too: a JSON
 * request with an undeclared, mistyped or missing required attribute or
 * tag is a TESSERA_ERROR_REQUEST naming the field, and so is a struct
 * request (tessera_engine_decide) when the schema requires an attribute
 * the struct cannot carry.
 *
 * Returns TESSERA_OK, TESSERA_ERROR_INVALID_ARGUMENT (NULL `out`, a
 * document that is not such an object), TESSERA_ERROR_COMPILE or
 * TESSERA_ERROR_INTERNAL.
 *
 * Owns afterwards and thread safety: as tessera_engine_compile(). */
tessera_error_code_t tessera_engine_compile_document(const char *document,
                                                     size_t len,
                                                     tessera_engine_t **out,
                                                     tessera_error_t **err);

/* Frees an engine and the names it lent out (tessera_decision_t.policy and
 * .statement). NULL is ignored.
 *
 * Thread safety: the caller must make sure no other thread is using the
 * engine, and that it is freed once. */
void tessera_engine_free(tessera_engine_t *engine);

/* Decides a request given as JSON (evaluator/schema/request.schema.json) and
 * answers JSON (evaluator/schema/decision.schema.json): exactly the bytes the
 * Rust function tessera::json::evaluate() returns, such as
 *     {"decision":"allow","reason":"allowed","determining":[{"policy":"p","statement":"s"}]}
 * with an "explanation" array when `explain` is non-zero.
 *
 * Takes: `engine` (required); `request`, `len` bytes of UTF-8 JSON, no NUL
 * needed (required, even when len is 0); `explain`, 0 or not; `out_json`
 * (required) and `out_len` (optional) for the answer; `err` (optional).
 *
 * The request is refused when it is not JSON, starts with a byte-order
 * mark, repeats a key in any object, holds a number too large for a
 * 64-bit float, has a resource path that is not normalized (see
 * tessera_request_t.resource) or is over a limit ("Request limits" above,
 * TESSERA_MAX_REQUEST_JSON_LEN for the text).
 *
 * Returns TESSERA_OK with the decision in *out_json; or
 * TESSERA_ERROR_REQUEST when the request is malformed: then *out_json holds
 * the JSON error answer, {"error":{"kind":"request","code":...,"field":...,
 * "message":...}}, and *err (when asked for) names the field; or
 * TESSERA_ERROR_INVALID_ARGUMENT / TESSERA_ERROR_INTERNAL with *out_json
 * NULL.
 *
 * Owns afterwards: the caller owns *out_json whenever it is non-NULL (on
 * TESSERA_OK and on TESSERA_ERROR_REQUEST) and frees it with
 * tessera_string_free(). *out_len is its length in bytes, without the
 * terminating NUL. The request is not retained.
 *
 * Thread safety: any number of threads may decide on one engine at once. */
tessera_error_code_t tessera_engine_evaluate_json(const tessera_engine_t *engine,
                                                  const char *request,
                                                  size_t len,
                                                  int explain,
                                                  char **out_json,
                                                  size_t *out_len,
                                                  tessera_error_t **err);

/* Frees a string returned by tessera_engine_evaluate_json(),
 * tessera_engine_evaluate_json_audited() or tessera_auditor_head(). NULL is
 * ignored. Do not pass it to free(). Thread-safe for distinct strings. */
void tessera_string_free(char *text);

/* The fast path: decides a request given as a C struct, with no JSON and no
 * allocation beyond building the request, and fills *out.
 *
 * Takes: `engine` (required); `request` (required; see tessera_request_t);
 * `out` (required); `err` (optional).
 *
 * Returns TESSERA_OK; TESSERA_ERROR_REQUEST for a malformed request (an
 * empty principal, action or resource, a resource path that is not
 * normalized, an unparsable source_ip, mfa not -1/0/1, mfa_age_seconds
 * below -1, a time out of range, group_count over TESSERA_MAX_GROUPS or a
 * string over its limit: see "Request limits" above), with
 * tessera_error_field() naming the field as the JSON path would
 * ("context.source_ip", "principal.groups"); TESSERA_ERROR_INVALID_ARGUMENT
 * for a NULL required pointer, a NULL group name or invalid UTF-8;
 * TESSERA_ERROR_INTERNAL. On any failure *out reads deny, no statement.
 *
 * Owns afterwards: nothing new. out->policy and out->statement are borrowed
 * from the engine: valid while the engine lives, never freed.
 *
 * Thread safety: any number of threads may decide on one engine at once. */
tessera_error_code_t tessera_engine_decide(const tessera_engine_t *engine,
                                           const tessera_request_t *request,
                                           tessera_decision_t *out,
                                           tessera_error_t **err);

/* ---------------------------------------------------------------------------
 * Audit
 *
 * An auditor records every decision made through it: one JSON line per
 * decision (evaluator/AUDIT.md documents it field by field; its JSON Schema
 * is evaluator/schema/audit-record.schema.json), masked, and hash-chained
 * so that `policy audit verify` (or tessera::audit::verify) finds any
 * record edited, deleted, inserted or moved. Records go to an append-only
 * file or to a function of the host's:
 *
 *     tessera_audit_options_t opts = TESSERA_AUDIT_OPTIONS_INIT;
 *     static const char *const masked[] = { "context.ticket" };
 *     opts.mask_fields = masked;
 *     opts.mask_field_count = 1;
 *     tessera_auditor_t *auditor = NULL;
 *     if (tessera_auditor_open_file("audit.jsonl", &opts, &auditor, &err) != TESSERA_OK) ...
 *     tessera_engine_decide_audited(engine, auditor, &req, &decision, &err);
 *     ...
 *     tessera_auditor_free(auditor);
 *
 * An auditor is independent of engines: one auditor may record the
 * decisions of several engines (each record names its engine's policy
 * revision), and an engine may be used with and without auditors.
 *
 * Masking. Whatever the options say, custom context keys and tags whose
 * names look secret (containing "token", "secret", "password", "session",
 * "api_key", ... ; AUDIT.md has the list) are written as "[masked]". The
 * principal id, the action and the resource path are never masked. Error
 * messages never quote record contents or the key.
 * ------------------------------------------------------------------------- */

/* A recorder of decisions: a sink (file or callback), a chain, options.
 * Thread-safe: any number of threads may decide through one auditor at
 * once; records never interleave and their seq numbers follow the order of
 * the lines. Opaque. */
typedef struct tessera_auditor tessera_auditor_t;

/* What happens to a decision whose record cannot be written. */
typedef enum tessera_audit_mode {
    /* No record, no decision (the default): the decision becomes deny with
     * TESSERA_REASON_AUDIT_FAILED and no determining statement. Every
     * record reaches its sink (a file: the operating system) before the
     * decision is returned. */
    TESSERA_AUDIT_BLOCKING = 0,
    /* The decision stands; the failure is counted
     * (tessera_auditor_failures()) and the record is lost, which leaves a
     * gap in the seq numbers that verify reports. */
    TESSERA_AUDIT_BEST_EFFORT = 1
} tessera_audit_mode_t;

/* How an auditor records. Start from TESSERA_AUDIT_OPTIONS_INIT; passing
 * NULL options means the same. Everything is copied during the call that
 * takes the options: free or reuse them afterwards as you like. */
typedef struct tessera_audit_options {
    /* TESSERA_AUDIT_BLOCKING (default) or TESSERA_AUDIT_BEST_EFFORT. */
    tessera_audit_mode_t mode;
    /* File auditors only: non-zero writes and fdatasync()s every record
     * before its decision returns (it survives a machine crash; slow).
     * 0 (default) buffers records in 64 KiB, written when full, on
     * tessera_auditor_flush() and tessera_auditor_free(); in blocking mode
     * each record is still handed to the operating system before its
     * decision returns. Must be 0 for callback auditors. */
    int fsync;
    /* Best-effort only: non-zero moves sealing and writing to a background
     * thread, with a queue of this many records (deciding threads wait when
     * it is full; records are never dropped). 0 (default): the deciding
     * thread writes. */
    size_t background;
    /* The HMAC-SHA256 key that chains the records, key_len bytes (any
     * bytes, no NUL needed), or NULL with key_len 0 (default) for plain
     * SHA-256. Without the key no one can rewrite the log and recompute
     * its macs. A file written with a key must be reopened with one (and
     * without one, without). An empty key (non-NULL, key_len 0) is an
     * error. */
    const void *key;
    size_t key_len;
    /* mask_field_count selectors of fields written as "[masked]", and
     * drop_field_count selectors of fields left out (drop wins when both
     * name a field). Each is NUL-terminated: "context.NAME",
     * "principal.tags.NAME", "resource.tags.NAME" (NAME may be "*"),
     * "groups", "source_ip", "mfa", "mfa_age_seconds", "version_stage".
     * The arrays may be NULL when their count is 0; at most 65536 each. */
    const char *const *mask_fields;
    size_t mask_field_count;
    const char *const *drop_fields;
    size_t drop_field_count;
} tessera_audit_options_t;

/* The defaults: blocking, buffered, written by the deciding thread, no
 * key, default masking only:
 *     tessera_audit_options_t opts = TESSERA_AUDIT_OPTIONS_INIT;           */
#define TESSERA_AUDIT_OPTIONS_INIT \
    { TESSERA_AUDIT_BLOCKING, 0, 0, NULL, 0, NULL, 0, NULL, 0 }

/* A host's record function, for tessera_auditor_new_callback().
 *
 * Called once per record with the user_data given at creation and the
 * record: `len` bytes of UTF-8 JSON, one line without the newline, followed
 * by a NUL (so record[len] == '\0', and the text holds no other NUL).
 * BORROWED: valid only during the call; copy what you keep.
 *
 * Returns 0 when it took the record; anything else is a failed write: in
 * blocking mode the decision becomes deny with TESSERA_REASON_AUDIT_FAILED,
 * in best-effort mode the failure is counted. Either way the record's seq
 * is used (it is not retried).
 *
 * Called from whichever thread decides through the auditor (with a
 * background writer: from the auditor's own writer thread), never twice at
 * once for one auditor, in seq order. It must return normally (no longjmp,
 * no C++ exception out of it), and must not call into the same auditor:
 * it runs under the auditor's lock, so that would deadlock. It may decide
 * through other auditors and engines. */
typedef int (*tessera_audit_callback_t)(void *user_data, const char *record, size_t len);

/* Makes an auditor that appends records to the file at `path`, created if
 * missing. When the file already holds records, the chain continues from
 * its last record.
 *
 * Takes: `path`, NUL-terminated UTF-8 (required, non-empty); `options`
 * (optional, see tessera_audit_options_t); `out` (required); `err`
 * (optional). One auditor per file: two would interleave two chains.
 *
 * Returns TESSERA_OK; TESSERA_ERROR_INVALID_ARGUMENT for a NULL or empty
 * path, bad options (a mode that is neither value, background in blocking
 * mode, a NULL key with a length or an empty one, a NULL array or selector,
 * a selector that names no field: the message suggests the nearest one);
 * TESSERA_ERROR_AUDIT when the file cannot be opened (the message names
 * the path and the system's reason), when its last complete line is not an
 * audit record (code "not_an_audit_log": it is not an audit log, or its end
 * is damaged; the auditor will not start a second chain inside it), or
 * when its chain was written with a key and none is given, or the other
 * way round (code "chain_mismatch"); TESSERA_ERROR_INTERNAL. Options are
 * checked before the file is touched: bad options create no file.
 *
 * Owns afterwards: on success the caller owns *out and frees it with
 * tessera_auditor_free(); on failure *out is NULL. Nothing in `path` or
 * `options` is retained.
 *
 * Thread safety: may be called from any thread, concurrently (for
 * different files). */
tessera_error_code_t tessera_auditor_open_file(const char *path,
                                               const tessera_audit_options_t *options,
                                               tessera_auditor_t **out,
                                               tessera_error_t **err);

/* Makes an auditor that hands every record to `callback` (see
 * tessera_audit_callback_t), with `user_data` as its first argument. The
 * chain starts at seq 0; to continue a chain the host already keeps (its
 * records from an earlier run), use tessera_auditor_new_callback_continuing().
 *
 * Takes: `callback` (required); `user_data` (anything, NULL included:
 * passed through, never read or freed by the library); `options`
 * (optional; fsync must be 0); `out` (required); `err` (optional).
 *
 * Returns TESSERA_OK; TESSERA_ERROR_INVALID_ARGUMENT for a NULL callback,
 * a non-zero fsync, or bad options as for tessera_auditor_open_file();
 * TESSERA_ERROR_INTERNAL.
 *
 * Owns afterwards: on success the caller owns *out and frees it with
 * tessera_auditor_free(); on failure *out is NULL and the callback was
 * never called. The caller keeps owning user_data, which must stay valid
 * until tessera_auditor_free() returns: after that, the callback is never
 * called again.
 *
 * Thread safety: may be called from any thread, concurrently. */
tessera_error_code_t tessera_auditor_new_callback(tessera_audit_callback_t callback,
                                                  void *user_data,
                                                  const tessera_audit_options_t *options,
                                                  tessera_auditor_t **out,
                                                  tessera_error_t **err);

/* tessera_auditor_new_callback(), continuing the host's own chain instead
 * of starting one: the first record takes seq `next_seq` and its prev is
 * `prev`, the head tessera_auditor_head() gave for the host's previous
 * auditor. A host that keeps the records itself (a file of its own, a
 * database) stores the head when it stops and continues from it when it
 * starts again, so that its records, end to end, are one chain that
 * `policy audit verify` checks clean. (Without it each start begins again
 * at seq 0, which verify reports as records out of order.)
 *
 *     uint64_t next_seq = 0;
 *     char *prev = NULL;
 *     tessera_auditor_flush(auditor, &err);     // with a background writer
 *     tessera_auditor_head(auditor, &next_seq, &prev, &err);
 *     save_head(next_seq, prev);                // next to the records
 *     tessera_string_free(prev);
 *     tessera_auditor_free(auditor);
 *     ... the process starts again ...
 *     char stored[80];                          // the mac, no newline
 *     uint64_t stored_seq = load_head(stored, sizeof stored);
 *     if (tessera_auditor_new_callback_continuing(write_record, host, &opts,
 *             stored_seq, stored, &auditor, &err) != TESSERA_OK) ...
 *
 * A host that stopped without storing the head (a crash) finds it in the
 * last record it kept: its "seq" plus one, and its "mac". (The callback
 * cannot ask for the head: it must not call into its own auditor.)
 *
 * Takes: `callback`, `user_data`, `options` (with the key the chain was
 * written with, or none when it had none), `out` and `err` as
 * tessera_auditor_new_callback(); `next_seq`, the seq of the next record;
 * `prev` (required), the mac of the chain's last record, NUL-terminated:
 * "sha256:" or "hmac-sha256:" and 64 lowercase hex digits. next_seq 0 with
 * the genesis prev (64 zeros) is a new chain, as
 * tessera_auditor_new_callback() makes. `prev` is copied during the call.
 *
 * Returns TESSERA_OK; TESSERA_ERROR_INVALID_ARGUMENT for everything
 * tessera_auditor_new_callback() refuses, a NULL `prev`, a `prev` that is
 * not a mac (a stray newline, uppercase hex, a cut; the message gives its
 * length, never its text), next_seq 0 with a prev that is not the genesis
 * value or a non-zero next_seq with the genesis prev (verify would report
 * either as a broken link), and a next_seq of 2^63 or more (no chain gets
 * there: a negative number passed as uint64_t?); TESSERA_ERROR_AUDIT with
 * code "chain_mismatch" when `prev` is keyed ("hmac-sha256:") and the
 * options have no key, or the other way round, as
 * tessera_auditor_open_file() refuses such a file; TESSERA_ERROR_INTERNAL.
 *
 * What it cannot check: the library does not see the host's records, so it
 * takes a well-formed head that is not the end of the host's log, and a key
 * other than the one the chain was written with, and the chain goes on from
 * there. verify on the host's log then reports it where the new records
 * start: an older head as records out of order and a broken link, another
 * chain's mac as a broken link, a seq too high as missing records, another
 * key as mac mismatches from there on.
 *
 * Owns afterwards: as tessera_auditor_new_callback().
 *
 * Thread safety: may be called from any thread, concurrently. One auditor
 * per chain: two continuing from one head would fork it. */
tessera_error_code_t tessera_auditor_new_callback_continuing(tessera_audit_callback_t callback,
                                                             void *user_data,
                                                             const tessera_audit_options_t *options,
                                                             uint64_t next_seq,
                                                             const char *prev,
                                                             tessera_auditor_t **out,
                                                             tessera_error_t **err);

/* tessera_engine_evaluate_json(), with the decision recorded by `auditor`:
 * exactly the bytes the Rust function tessera::json::evaluate_audited()
 * returns. That is the same answer as tessera_engine_evaluate_json(),
 * except that in blocking mode a decision whose record cannot be written
 * is answered
 *     {"decision":"deny","reason":"audit_failed","determining":[]}
 * (with no "explanation", even when `explain` is non-zero) and the call
 * still returns TESSERA_OK: it is a decision, not an error.
 *
 * Takes: `engine` and `auditor` (required); the rest as
 * tessera_engine_evaluate_json(). A malformed request is answered as there
 * (TESSERA_ERROR_REQUEST with the JSON error answer) and not recorded: no
 * decision was made.
 *
 * Owns afterwards: as tessera_engine_evaluate_json(): the caller frees a
 * non-NULL *out_json with tessera_string_free().
 *
 * Thread safety: any number of threads may decide through one engine and
 * one auditor at once. */
tessera_error_code_t tessera_engine_evaluate_json_audited(const tessera_engine_t *engine,
                                                          tessera_auditor_t *auditor,
                                                          const char *request,
                                                          size_t len,
                                                          int explain,
                                                          char **out_json,
                                                          size_t *out_len,
                                                          tessera_error_t **err);

/* tessera_engine_decide(), with the decision recorded by `auditor`. In
 * blocking mode a decision whose record cannot be written comes back as
 * TESSERA_OK with out->outcome TESSERA_DENY, out->reason
 * TESSERA_REASON_AUDIT_FAILED and no determining statement.
 *
 * Takes: `engine` and `auditor` (required); the rest as
 * tessera_engine_decide(). A malformed request gives the same errors as
 * there and is not recorded.
 *
 * Owns afterwards: nothing new; out->policy and out->statement are
 * borrowed from the engine, as for tessera_engine_decide().
 *
 * Thread safety: any number of threads may decide through one engine and
 * one auditor at once. */
tessera_error_code_t tessera_engine_decide_audited(const tessera_engine_t *engine,
                                                   tessera_auditor_t *auditor,
                                                   const tessera_request_t *request,
                                                   tessera_decision_t *out,
                                                   tessera_error_t **err);

/* Writes out every record taken so far: a buffered file's records reach the
 * operating system (not necessarily the disk: see options.fsync); with a
 * background writer, waits until the queue before the call is written.
 *
 * Returns TESSERA_OK; TESSERA_ERROR_INVALID_ARGUMENT for a NULL auditor;
 * TESSERA_ERROR_AUDIT when writing failed (the failure is also counted);
 * TESSERA_ERROR_INTERNAL.
 *
 * Thread safety: may be called from any thread, while others decide. */
tessera_error_code_t tessera_auditor_flush(tessera_auditor_t *auditor, tessera_error_t **err);

/* How many records (and flushes) failed since the auditor was made: in
 * best-effort mode the records lost, in blocking mode the decisions denied
 * for it. 0 for NULL. Thread-safe. */
uint64_t tessera_auditor_failures(const tessera_auditor_t *auditor);

/* The latest failure, as a new TESSERA_ERROR_AUDIT error such as "the
 * audit callback refused the record: the callback returned 1" or "cannot
 * write audit file `audit.jsonl`: No space left on device"; NULL when
 * nothing failed, and for NULL.
 *
 * Owns afterwards: the caller owns a non-NULL result and frees it with
 * tessera_error_free(). Thread-safe. */
tessera_error_t *tessera_auditor_last_failure(const tessera_auditor_t *auditor);

/* Where the auditor's chain stands: *out_next_seq is the seq of the next
 * record (the number of records in the chain so far, failed ones
 * included), and *out_prev (when asked for) the mac of the last record,
 * such as "sha256:9c1d..." (64 hex digits; for an empty chain the genesis
 * value, 64 zeros). Kept outside the log (a database, another host), the
 * head shows whether records were later cut from the log's end, which the
 * log alone cannot show; for a callback auditor, it is also what
 * tessera_auditor_new_callback_continuing() continues the chain from. With
 * a background writer, records still queued are not counted: call
 * tessera_auditor_flush() first.
 *
 * Takes: `auditor` (required); `out_next_seq` (required); `out_prev`
 * (optional); `err` (optional).
 *
 * Returns TESSERA_OK, TESSERA_ERROR_INVALID_ARGUMENT or
 * TESSERA_ERROR_INTERNAL.
 *
 * Owns afterwards: the caller owns a non-NULL *out_prev and frees it with
 * tessera_string_free().
 *
 * Thread safety: may be called from any thread, while others decide. */
tessera_error_code_t tessera_auditor_head(const tessera_auditor_t *auditor,
                                          uint64_t *out_next_seq,
                                          char **out_prev,
                                          tessera_error_t **err);

/* Frees an auditor: writes out the records it buffered (with a background
 * writer: waits for the queue to drain and the thread to end), then closes
 * its file. A failure at this point is lost: call tessera_auditor_flush()
 * first to see it. After it returns, the callback is never called again.
 * NULL is ignored.
 *
 * Thread safety: the caller must make sure no other thread is using the
 * auditor, and that it is freed once. */
void tessera_auditor_free(tessera_auditor_t *auditor);

/* ---------------------------------------------------------------------------
 * Errors
 *
 * Every accessor takes an error (NULL is allowed and answers the stated
 * default), returns strings BORROWED from the error (valid until
 * tessera_error_free(), never freed by the caller), and is thread-safe: an
 * error is immutable, so any number of threads may read one at once.
 * ------------------------------------------------------------------------- */

/* The error's code; TESSERA_OK for NULL. */
tessera_error_code_t tessera_error_code(const tessera_error_t *err);

/* A one-line message, such as
 * "app.policy:3:5: error[syntax]: expected `{`" or
 * "context.source_ip: is not an IPv4 or IPv6 address". NULL for NULL. */
const char *tessera_error_message(const tessera_error_t *err);

/* For TESSERA_ERROR_REQUEST, the field at fault, dotted
 * ("context.source_ip"; "" for the request as a whole); NULL otherwise. */
const char *tessera_error_field(const tessera_error_t *err);

/* The error as a JSON object, {"error":{"kind":...,"message":...}}; for a
 * compile error the same as tessera::json::compile_error() (with every
 * diagnostic), for a request error as tessera::json::request_error().
 * NULL for NULL. */
const char *tessera_error_json(const tessera_error_t *err);

/* How many compile diagnostics the error holds (0 unless
 * TESSERA_ERROR_COMPILE, and 0 for NULL). */
size_t tessera_error_diagnostic_count(const tessera_error_t *err);

/* Diagnostic `index` (from 0): the source name it is in; its line and
 * column (from 1; the column counts characters); its message; its code
 * ("syntax", "unknown-key", ...). Out of range or NULL: NULL or 0. */
const char *tessera_error_diagnostic_file(const tessera_error_t *err, size_t index);
size_t tessera_error_diagnostic_line(const tessera_error_t *err, size_t index);
size_t tessera_error_diagnostic_column(const tessera_error_t *err, size_t index);
const char *tessera_error_diagnostic_message(const tessera_error_t *err, size_t index);
const char *tessera_error_diagnostic_code(const tessera_error_t *err, size_t index);

/* Frees an error and every string borrowed from it. NULL is ignored. The
 * caller must make sure no other thread is still reading it. */
void tessera_error_free(tessera_error_t *err);

#ifdef __cplusplus
}
#endif

#endif /* TESSERA_H */
