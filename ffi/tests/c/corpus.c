/* corpus.c: reads a script and answers it through the C API.
 *
 * Script lines:
 *   set NAME            start a new policy set (compiles the previous one lazily)
 *   policy PATH         add a policy file to the current set
 *   request E JSON      decide JSON (explain when E is 1); prints "CODE ANSWER"
 *   compile PATH        compile one file alone; prints "CODE ERROR-JSON" or "0 ok"
 *
 * Output: one line per request or compile line. Exit 1 on any failure of
 * the API contract (out_len mismatch, missing answer, ...). */
#define _POSIX_C_SOURCE 200809L
#include "tessera.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_POLICIES 64

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); exit(2); }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) { cap *= 2; buf = realloc(buf, cap); }
    }
    fclose(f);
    *len = n;
    return buf;
}

static char *paths[MAX_POLICIES];
static char *texts[MAX_POLICIES];
static tessera_source_t sources[MAX_POLICIES];
static size_t npolicies = 0;
static tessera_engine_t *engine = NULL;

static void reset(void) {
    tessera_engine_free(engine);
    engine = NULL;
    for (size_t i = 0; i < npolicies; i++) { free(paths[i]); free(texts[i]); }
    npolicies = 0;
}

static int ensure_engine(void) {
    if (engine) return 0;
    tessera_error_t *err = NULL;
    tessera_error_code_t code = tessera_engine_compile(sources, npolicies, &engine, &err);
    if (code != TESSERA_OK) {
        fprintf(stderr, "compile failed (%d): %s\n", (int)code, tessera_error_message(err));
        tessera_error_free(err);
        return 1;
    }
    if (err != NULL) { fprintf(stderr, "err set on success\n"); return 1; }
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: corpus SCRIPT\n"); return 2; }
    if (tessera_abi_version() != TESSERA_ABI_VERSION) { fprintf(stderr, "abi mismatch\n"); return 1; }
    FILE *script = fopen(argv[1], "rb");
    if (!script) { perror(argv[1]); return 2; }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int failures = 0;
    while ((n = getline(&line, &cap, script)) > 0) {
        if (line[n - 1] == '\n') line[--n] = '\0';
        if (strncmp(line, "set ", 4) == 0) {
            reset();
        } else if (strncmp(line, "policy ", 7) == 0) {
            if (npolicies == MAX_POLICIES) { fprintf(stderr, "too many policies\n"); return 2; }
            size_t len;
            paths[npolicies] = strdup(line + 7);
            texts[npolicies] = read_file(line + 7, &len);
            sources[npolicies] = (tessera_source_t){ paths[npolicies], texts[npolicies], len };
            npolicies++;
        } else if (strncmp(line, "request ", 8) == 0) {
            if (ensure_engine()) return 1;
            int explain = line[8] == '1';
            const char *json = line + 10;
            char *answer = NULL;
            size_t answer_len = 12345;
            tessera_error_t *err = NULL;
            tessera_error_code_t code = tessera_engine_evaluate_json(
                engine, json, strlen(json), explain, &answer, &answer_len, &err);
            if (!answer) { fprintf(stderr, "no answer (code %d)\n", (int)code); failures++; continue; }
            if (answer_len != strlen(answer)) { fprintf(stderr, "out_len mismatch\n"); failures++; }
            if ((code == TESSERA_OK) != (err == NULL)) { fprintf(stderr, "err/code mismatch\n"); failures++; }
            if (code == TESSERA_ERROR_REQUEST &&
                (tessera_error_code(err) != TESSERA_ERROR_REQUEST || !tessera_error_field(err))) {
                fprintf(stderr, "request error without field\n");
                failures++;
            }
            printf("%d %s\n", (int)code, answer);
            tessera_string_free(answer);
            tessera_error_free(err);
        } else if (strncmp(line, "compile ", 8) == 0) {
            size_t len;
            char *text = read_file(line + 8, &len);
            tessera_source_t one = { line + 8, text, len };
            tessera_engine_t *alone = NULL;
            tessera_error_t *err = NULL;
            tessera_error_code_t code = tessera_engine_compile(&one, 1, &alone, &err);
            if (code == TESSERA_OK) {
                printf("0 ok\n");
            } else {
                size_t count = tessera_error_diagnostic_count(err);
                for (size_t i = 0; i < count; i++) {
                    if (!tessera_error_diagnostic_file(err, i) || !tessera_error_diagnostic_message(err, i) ||
                        !tessera_error_diagnostic_code(err, i) || tessera_error_diagnostic_line(err, i) == 0 ||
                        tessera_error_diagnostic_column(err, i) == 0) {
                        fprintf(stderr, "diagnostic %zu incomplete\n", i);
                        failures++;
                    }
                }
                if (tessera_error_diagnostic_file(err, count) != NULL) { fprintf(stderr, "out of range\n"); failures++; }
                printf("%d %s\n", (int)code, tessera_error_json(err));
            }
            tessera_engine_free(alone);
            tessera_error_free(err);
            free(text);
        } else if (n > 0) {
            fprintf(stderr, "bad script line: %s\n", line);
            return 2;
        }
    }
    free(line);
    fclose(script);
    reset();
    return failures ? 1 : 0;
}
