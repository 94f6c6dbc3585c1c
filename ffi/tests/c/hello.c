#include <stdio.h>
#include "tessera.h"

int main(void) {
    static const char text[] = "policy \"app\" { allow \"read\" { principal service:api-*"
                       " action secrets:GetSecretValue resource prod/app/** } }";
    tessera_source_t source = { "app.policy", text, sizeof text - 1 };
    tessera_engine_t *engine = NULL;
    tessera_error_t *err = NULL;
    if (tessera_engine_compile(&source, 1, &engine, &err) != TESSERA_OK) {
        fprintf(stderr, "%s\n", tessera_error_message(err));
        tessera_error_free(err);
        return 2;
    }
    tessera_request_t req = TESSERA_REQUEST_INIT;
    req.principal = "service:api-web";
    req.action = "secrets:GetSecretValue";
    req.resource = "prod/app/db-password";
    tessera_decision_t decision;
    tessera_engine_decide(engine, &req, &decision, NULL);
    printf("%s by %s\n", decision.outcome == TESSERA_ALLOW ? "allow" : "deny", decision.statement);
    tessera_engine_free(engine);
    return decision.outcome == TESSERA_ALLOW ? 0 : 1;
}
