package dev.vulcan.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;

/**
 * Request faults get a 4xx with {"error":{"code","message"}} and record nothing; code faults give
 * a failed workload with the message and stack.
 */
class BadInputIT extends SharedDaemon {


    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            malformed JSON             | {"runtime":                                                        | 400 | invalid_json
            not an object              | [1,2,3]                                                            | 400 | invalid_json
            wrong type for a limit     | {"runtime":"node","code":"export default 1","resources":{"cpus":"many"}} | 400 | invalid_json
            empty body                 |                                                                    | 400 | invalid_json
            unknown runtime            | {"runtime":"cobol","code":"x"}                                     | 400 | invalid_runtime
            missing runtime            | {"code":"export default () => 1"}                                  | 400 | invalid_runtime
            unknown isolation          | {"runtime":"node","isolation":"hyperv","code":"export default () => 1"} | 400 | invalid_isolation
            missing code               | {"runtime":"node"}                                                 | 400 | missing_code
            blank code                 | {"runtime":"node","code":"   "}                                    | 400 | missing_code
            negative cpus              | {"runtime":"node","code":"export default 1","resources":{"cpus":-1}} | 400 | invalid_limits
            absurd memory              | {"runtime":"node","code":"export default 1","resources":{"mem_mb":99999999}} | 400 | invalid_limits
            zero timeout               | {"runtime":"node","code":"export default 1","resources":{"timeout_s":0}} | 400 | invalid_limits
            absurd timeout             | {"runtime":"node","code":"export default 1","resources":{"timeout_s":86400000}} | 400 | invalid_limits
            runtime gvisor lacks       | {"runtime":"typescript","isolation":"gvisor","code":"export default 1"} | 400 | runtime_not_supported
            runtime microvm lacks      | {"runtime":"typescript","isolation":"microvm","code":"export default () => 1"} | 400 | runtime_not_supported
            runtime the backend lacks  | {"runtime":"python","isolation":"isolate","code":"print(1)"}       | 400 | runtime_not_supported
            image and code             | {"image":"busybox","code":"export default 1"}                      | 400 | invalid_request
            image, cmd and args        | {"image":"busybox","cmd":"true","args":["true"]}                   | 400 | invalid_request
            image with a code runtime  | {"image":"busybox","runtime":"node","cmd":"true"}                  | 400 | invalid_runtime
            cmd without an image       | {"runtime":"node","code":"export default 1","cmd":"true"}          | 400 | invalid_request
            bad image reference        | {"image":"Not A Ref!!","cmd":"true"}                               | 400 | invalid_reference
            unknown image              | {"image":"it/never-imported:1","cmd":"true"}                       | 404 | image_not_found
            unknown image in a microVM | {"image":"it/never-imported:1","cmd":"true","isolation":"microvm"}  | 404 | image_not_found
            """)
    void requestFaultsAreRejectedAndRecordNothing(String name, String body, int status, String code) {
        long before = total();
        Http.Reply reply = http.post("/v1/workloads", body == null ? "" : body);
        assertThat(reply.status()).as(reply.body()).isEqualTo(status);
        assertThat(reply.contentType()).startsWith("application/json");
        JsonNode error = reply.json().get("error");
        assertThat(error.get("code").asString()).isEqualTo(code);
        assertThat(error.get("message").asString()).isNotBlank();
        assertThat(total()).as("workloads recorded").isEqualTo(before);
    }

    @Test
    void codeOverTheSizeLimitIs413() {
        String code = "export default () => '" + "x".repeat(1_100_000) + "'";
        Http.Reply reply = http.postJson("/v1/workloads", java.util.Map.of("runtime", "node", "code", code));
        assertThat(reply.status()).isEqualTo(413);
        assertThat(reply.json().get("error").get("code").asString()).isEqualTo("code_too_large");
    }

    @Test
    void unknownEndpointAndWrongMethod() {
        assertThat(http.get("/v1/nothing").status()).isEqualTo(404);
        Http.Reply wrongMethod = http.delete("/v1/workloads");
        assertThat(wrongMethod.status()).isEqualTo(405);
        assertThat(wrongMethod.json().get("error").get("code").asString()).isEqualTo("method_not_allowed");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            thrown exception     | export default () => { throw new Error('boom in user code'); }   | exception         | boom in user code
            syntax error         | export default (                                                  | syntax_error      | SyntaxError
            BigInt result        | export default () => 10n                                          | invalid_output    | BigInt
            circular result      | export default () => { const a = {}; a.self = a; return a; }      | invalid_output    | circular
            no default export    | export const x = 1;                                               | no_default_export | default export
            rejected promise     | export default async () => { throw new TypeError('async boom'); } | exception         | async boom
            """)
    void codeFaultsEndAsFailedWorkloadsWithMessage(String name, String code, String reason, String messagePart) {
        JsonNode w = http.postJson("/v1/workloads", java.util.Map.of("runtime", "node", "code", code)).json();
        assertThat(w.get("status").asString()).as(w.toString()).isEqualTo("failed");
        assertThat(w.get("reason").asString()).isEqualTo(reason);
        assertThat(w.get("error").asString()).containsIgnoringCase(messagePart);
        JsonNode stored = http.get("/v1/workloads/" + w.get("id").asString()).json();
        assertThat(stored.get("status").asString()).isEqualTo("failed");
    }

    @Test
    void exceptionCarriesItsStack() {
        JsonNode w = http.postJson("/v1/workloads", java.util.Map.of("runtime", "node", "code",
                "function inner() { throw new Error('deep'); }\nexport default () => inner();")).json();
        assertThat(w.get("stack").asString()).contains("inner").contains("deep");
    }

    @Test
    void sandboxDeniesFilesNetworkEnvAndSubprocesses() {
        String[] attempts = {
            "export default () => Deno.readTextFileSync('/etc/passwd')",
            "export default () => Deno.env.get('HOME')",
            "export default () => new Deno.Command('/usr/bin/id').outputSync()",
            "export default async () => (await fetch('http://127.0.0.1:" + daemon.port + "/healthz')).status",
            "export default () => Deno.dlopen('/lib/x86_64-linux-gnu/libc.so.6', {})",
        };
        for (String code : attempts) {
            JsonNode w = http.postJson("/v1/workloads", java.util.Map.of("runtime", "node", "code", code)).json();
            assertThat(w.get("status").asString()).as(code + " -> " + w).isEqualTo("failed");
            assertThat(w.get("error").asString()).as(code).containsAnyOf("NotCapable", "Requires", "permission");
        }
    }

    private long total() {
        return http.get("/v1/stats").json().get("total").asLong();
    }
}
