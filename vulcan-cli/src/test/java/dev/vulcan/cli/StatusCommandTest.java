package dev.vulcan.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vulcan.api.Json;
import dev.vulcan.cli.http.RawServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class StatusCommandTest {

    @RegisterExtension
    final FakeDaemon daemon = new FakeDaemon();

    @Test
    void printsTheFieldsOfAWorkload() {
        daemon.on("GET", "/v1/workloads/01JX0000000000000000000001", RawServer.json(200, Samples.COMPLETED));

        Cli.Result result = Cli.run("--socket", daemon.socket().toString(), "status", "01JX0000000000000000000001");

        assertThat(result.exit()).isZero();
        assertThat(result.out()).isEqualTo("""
                id:           01JX0000000000000000000001
                status:       completed
                reason:       -
                error:        -
                exit code:    0
                runtime:      node
                isolation:    container (asked: auto)
                node:         node-a
                resources:    1 cpu, 128 MB, 30 s timeout
                duration:     1.23s
                created:      2025-06-01T11:55:00Z (5m ago)
                started:      2025-06-01T11:55:00.100Z (4m ago)
                finished:     2025-06-01T11:55:01.334Z (4m ago)
                input hash:   sha256:ab12
                output:       {"sum":3}
                """);
    }

    @Test
    void printsTheStackOfAFailedWorkloadBelow() {
        daemon.on("GET", "/v1/workloads/w2", RawServer.json(200, Samples.FAILED));

        Cli.Result result = Cli.run("--socket", daemon.socket().toString(), "status", "w2");

        assertThat(result.out())
                .contains("status:       failed\n")
                .contains("reason:       exception\n")
                .endsWith("stack:\n  TypeError: x is not a function\n      at main (code.js:1:1)\n");
    }

    @Test
    void jsonIsTheApiAnswerWithFieldsThisCliDoesNotKnow() {
        daemon.on("GET", "/v1/workloads/w1", RawServer.json(200, Samples.COMPLETED_FROM_THE_FUTURE));

        Cli.Result result = Cli.run("--socket", daemon.socket().toString(), "status", "w1", "-o", "json");

        assertThat(Json.mapper().readTree(result.out()))
                .isEqualTo(Json.mapper().readTree(Samples.COMPLETED_FROM_THE_FUTURE));
        assertThat(result.out()).contains("future_field");
    }

    @Test
    void anIdIsEncodedIntoThePath() {
        Cli.Result result = Cli.run("--socket", daemon.socket().toString(), "status", "../v1/nodes");

        assertThat(daemon.requests().getFirst().target()).isEqualTo("/v1/workloads/..%2Fv1%2Fnodes");
        assertThat(result.exit()).isEqualTo(1);
    }

    @Test
    void killPrintsTheIdAndTheNewStatus() {
        daemon.on("DELETE", "/v1/workloads/01JX0000000000000000000003", RawServer.json(200, Samples.KILLED));

        Cli.Result result = Cli.run("--socket", daemon.socket().toString(), "kill", "01JX0000000000000000000003");

        assertThat(result.exit()).isZero();
        assertThat(result.out()).isEqualTo("01JX0000000000000000000003 killed\n");
    }

    @Test
    void killingAFinishedWorkloadIsAnApiError() {
        daemon.on("DELETE", "/v1/workloads/w1", RawServer.json(409,
                Samples.error("conflict", "workload w1 is already completed")));

        Cli.Result result = Cli.run("--socket", daemon.socket().toString(), "kill", "w1");

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.err()).isEqualTo("vulcan: workload w1 is already completed (conflict)\n");
    }
}
