package dev.vulcan.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vulcan.api.Json;
import dev.vulcan.cli.http.RawServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class BackendsAndNodesTest {

    private static final String BACKENDS = Samples.BACKENDS;
    private static final String NODES = Samples.NODES;
    private static final String STATS = Samples.STATS;

    @RegisterExtension
    final FakeDaemon daemon = new FakeDaemon()
            .on("GET", "/v1/backends", RawServer.json(200, BACKENDS))
            .on("GET", "/v1/nodes", RawServer.json(200, NODES))
            .on("GET", "/v1/stats", RawServer.json(200, STATS));

    @Test
    void backendsShowWhyAnUnavailableOneIsSo() {
        Cli.Result result = Cli.run("--socket", daemon.socket().toString(), "backends");

        assertThat(result.exit()).isZero();
        assertThat(result.out()).isEqualTo("""
                ISOLATION   AVAILABLE   VERSION      PLATFORM   REASON/DETAILS
                isolate     yes         deno 2.1.4   v8         runtimes=node,typescript pool=4
                container   yes         runc 1.2.5   native     engine=/usr/bin/runc
                microvm     no          -            -          /dev/kvm is missing
                """);
    }

    @Test
    void backendsAsJson() {
        Cli.Result result = Cli.run("--socket", daemon.socket().toString(), "backends", "-o", "json");

        assertThat(Json.mapper().readTree(result.out())).isEqualTo(Json.mapper().readTree(BACKENDS));
    }

    @Test
    void nodesShowTheirCapacity() {
        Cli.Result result = Cli.run("--socket", daemon.socket().toString(), "nodes");

        assertThat(result.exit()).isZero();
        assertThat(result.out()).isEqualTo("""
                ID       HOSTNAME    ADDRESS         STATUS   CPUS   MEMORY         RUNNING   BACKENDS            LAST SEEN
                node-a   a.example   10.0.0.1:7070   ready    3/8    512/16000 MB   2         isolate,container   30s ago
                """);
    }

    @Test
    void statsCountAndTime() {
        Cli.Result result = Cli.run("--socket", daemon.socket().toString(), "stats");

        assertThat(result.exit()).isZero();
        assertThat(result.out()).isEqualTo("""
                total:       12
                pending:     0
                running:     0
                completed:   9
                failed:      2
                killed:      1

                ISOLATION   COUNT   COMPLETED   AVG    P50    P99
                isolate     10      8           12ms   10ms   31ms
                """);
    }
}
