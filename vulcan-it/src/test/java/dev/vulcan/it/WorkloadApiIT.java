package dev.vulcan.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The seed's API examples and the workload endpoints, against a real daemon and real Deno isolates. */
class WorkloadApiIT extends SharedDaemon {


    @Test
    void seedSyncExampleReturnsTheSum() {
        Http.Reply reply = http.post("/v1/workloads", """
                {
                  "runtime": "node",
                  "isolation": "auto",
                  "code": "export default (input) => ({ sum: input.a + input.b });",
                  "input": { "a": 1, "b": 2 },
                  "resources": { "cpus": 1, "mem_mb": 128, "timeout_s": 30 }
                }""");
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        JsonNode w = reply.json();
        assertThat(w.get("status").asString()).isEqualTo("completed");
        assertThat(w.get("isolation_used").asString()).isEqualTo("isolate");
        assertThat(w.get("output").get("sum").asInt()).isEqualTo(3);
        assertThat(w.get("id").asString()).matches("[0-9A-HJKMNP-TV-Z]{26}");
        assertThat(w.get("node").asString()).isNotBlank();
        assertThat(w.get("duration_ms").asLong()).isGreaterThanOrEqualTo(0);
        assertThat(w.get("input_hash").asString()).startsWith("sha256:");
        assertThat(w.get("resources").get("mem_mb").asInt()).isEqualTo(128);

        JsonNode again = http.get("/v1/workloads/" + w.get("id").asString()).json();
        assertThat(again.get("output").get("sum").asInt()).isEqualTo(3);
        assertThat(again.get("finished_at").asString()).isNotBlank();
    }

    @Test
    void asyncReturns202ThenTheResultCanBeRead() {
        Http.Reply accepted = http.post("/v1/workloads/async", """
                {"runtime":"typescript","code":"export default async (i: {n: number}) => { await new Promise(r => setTimeout(r, 300)); return i.n * 2; }","input":{"n":21}}""");
        assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);
        String id = accepted.json().get("id").asString();
        assertThat(accepted.json().get("status").asString()).isIn("pending", "running");

        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20))
                .until(() -> http.get("/v1/workloads/" + id).json().get("status").asString().equals("completed"));
        assertThat(http.get("/v1/workloads/" + id).json().get("output").asInt()).isEqualTo(42);
    }

    @Test
    void consoleOutputBecomesTheLogsServedAsServerSentEvents() {
        JsonNode w = http.post("/v1/workloads", """
                {"runtime":"node","code":"export default () => { console.log('hello', {a: 1}); console.error('oops'); return 1; }"}""")
                .json();
        Http.Reply logs = http.get("/v1/workloads/" + w.get("id").asString() + "/logs");
        assertThat(logs.status()).isEqualTo(200);
        assertThat(logs.contentType()).startsWith("text/event-stream");
        assertThat(logs.body()).contains("event: stdout\ndata: ").contains("\"line\":\"hello { a: 1 }\"")
                .contains("event: stderr\ndata: ").contains("\"line\":\"oops\"")
                .contains("event: end\ndata: ");
        assertThat(logs.body().indexOf("hello")).isLessThan(logs.body().indexOf("event: end"));
    }

    @Test
    void followStreamsLogsUntilTheWorkloadEnds() {
        String id = http.post("/v1/workloads/async", """
                {"runtime":"node","code":"export default async () => { for (let i = 0; i < 5; i++) { console.log('tick ' + i); await new Promise(r => setTimeout(r, 100)); } return 'done'; }"}""")
                .json().get("id").asString();
        Http.Reply followed = http.get("/v1/workloads/" + id + "/logs?follow=true");
        assertThat(followed.body()).contains("tick 0", "tick 4");
        String end = followed.body().substring(followed.body().indexOf("event: end"));
        assertThat(end).contains("\"status\":\"completed\"").contains("\"output\":\"done\"");
    }

    @Test
    void deleteKillsARunningWorkload() {
        String id = http.post("/v1/workloads/async", """
                {"runtime":"node","code":"export default () => { while (true) {} }","resources":{"timeout_s":60}}""")
                .json().get("id").asString();
        Http.Reply killed = http.delete("/v1/workloads/" + id);
        assertThat(killed.status()).as(killed.body()).isEqualTo(200);
        assertThat(killed.json().get("status").asString()).isEqualTo("killed");
        assertThat(killed.json().get("reason").asString()).isEqualTo("killed");

        Http.Reply again = http.delete("/v1/workloads/" + id);
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.json().get("error").get("code").asString()).isEqualTo("not_running");
    }

    @Test
    void timeoutEndsAsKilledWithReasonTimeout() {
        JsonNode w = http.post("/v1/workloads", """
                {"runtime":"node","code":"export default () => { while (true) {} }","resources":{"timeout_s":1}}""")
                .json();
        assertThat(w.get("status").asString()).isEqualTo("killed");
        assertThat(w.get("reason").asString()).isEqualTo("timeout");
        assertThat(w.get("duration_ms").asLong()).isBetween(900L, 10_000L);
    }

    @Test
    void listPagesNewestFirstAndFilters() {
        for (int i = 0; i < 3; i++) {
            http.post("/v1/workloads", "{\"runtime\":\"node\",\"code\":\"export default () => " + i + "\"}");
        }
        http.post("/v1/workloads", "{\"runtime\":\"node\",\"code\":\"export default () => { throw new Error('x') }\"}");

        JsonNode first = http.get("/v1/workloads?limit=2").json();
        assertThat(first.get("items")).hasSize(2);
        String cursor = first.get("next_cursor").asString();
        JsonNode second = http.get("/v1/workloads?limit=2&cursor=" + cursor).json();
        assertThat(second.get("items").get(0).get("id").asString()).isLessThan(cursor);
        assertThat(first.get("items").get(0).get("id").asString())
                .isGreaterThan(first.get("items").get(1).get("id").asString());

        JsonNode failed = http.get("/v1/workloads?status=failed&limit=500").json();
        assertThat(failed.get("items")).isNotEmpty()
                .allSatisfy(item -> assertThat(item.get("status").asString()).isEqualTo("failed"));
        JsonNode isolates = http.get("/v1/workloads?isolation=isolate&limit=500").json();
        assertThat(isolates.get("items")).isNotEmpty()
                .allSatisfy(item -> assertThat(item.get("isolation_used").asString()).isEqualTo("isolate"));
        assertThat(http.get("/v1/workloads?isolation=microvm").json().get("items")).isEmpty();
        assertThat(http.get("/v1/workloads?status=bogus").status()).isEqualTo(400);
        assertThat(http.get("/v1/workloads?limit=0").status()).isEqualTo(400);
    }

    @Test
    void unknownWorkloadIs404() {
        Http.Reply reply = http.get("/v1/workloads/01JKQX7V8MZRN3B4HTGFWDCS9E");
        assertThat(reply.status()).isEqualTo(404);
        assertThat(reply.json().get("error").get("code").asString()).isEqualTo("workload_not_found");
        assertThat(http.get("/v1/workloads/01JKQX7V8MZRN3B4HTGFWDCS9E/logs").status()).isEqualTo(404);
    }

    @Test
    void oneKeptAliveConnectionServesManyRequests() throws Exception {
        try (var connection = new dev.vulcan.cli.http.UnixHttpClient(daemon.socket).keepAlive()) {
            for (int i = 0; i < 5; i++) {
                var reply = connection.send(dev.vulcan.cli.http.HttpRequest.post("/v1/workloads", "application/json",
                        ("{\"runtime\":\"node\",\"code\":\"export default (i) => i + 1\",\"input\":" + i + "}")
                                .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
                assertThat(reply.status()).isEqualTo(200);
                assertThat(Http.mapper().readTree(reply.body()).get("output").asInt()).isEqualTo(i + 1);
            }
        }
    }

    @Test
    void concurrentWorkloadsAllComplete() throws Exception {
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            var futures = java.util.stream.IntStream.range(0, 12).mapToObj(i -> pool.submit(() -> http.postJson(
                    "/v1/workloads", Map.of("runtime", "node", "code", "export default (i) => i * i", "input", i))))
                    .toList();
            for (int i = 0; i < futures.size(); i++) {
                JsonNode w = futures.get(i).get().json();
                assertThat(w.get("status").asString()).as(w.toString()).isEqualTo("completed");
                assertThat(w.get("output").asInt()).isEqualTo(i * i);
            }
        }
    }
}
