package dev.vulcan.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vulcan.api.Json;
import dev.vulcan.api.Subtree;
import dev.vulcan.api.SubtreeDelegation;
import dev.vulcan.cli.http.RawServer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class SubtreeCommandTest {

    private static final SubtreeDelegation C1 = new SubtreeDelegation("c1", "fd00:1100::/24", "fd00:1000::1:1",
            Instant.parse("2025-06-01T11:00:00Z"), "installed");
    private static final SubtreeDelegation C2 = new SubtreeDelegation("c2", "fd00:1200::/24", "fd00:1000::1:2",
            Instant.parse("2025-06-01T11:59:00Z"), "pending: device vulcan0 does not exist: Cannot find device \"vulcan0\"");

    @RegisterExtension
    final FakeDaemon daemon = new FakeDaemon();

    @Test
    void aloneItShowsTheSubtreeAndItsDelegations() {
        daemon.on("GET", "/v1/subtree", RawServer.json(200, Samples.json(new Subtree("fd00:1000::/20", "fd00:1000::/24",
                "fd00:1000::/64", List.of(C1, C2)))));

        Cli.Result result = cli("subtree");

        assertThat(result.exit()).as(result.err()).isZero();
        assertThat(result.out()).isEqualTo("""
                subtree:         fd00:1000::/20
                own space:       fd00:1000::/24
                bridge subnet:   fd00:1000::/64

                CHILD   PREFIX           UPLINK           ROUTE                                                                  CREATED
                c1      fd00:1100::/24   fd00:1000::1:1   installed                                                              1h ago
                c2      fd00:1200::/24   fd00:1000::1:2   pending: device vulcan0 does not exist: Cannot find device "vulcan0"   1m ago
                """);
    }

    @Test
    void delegatePostsTheChildAndPrintsWhatItMustUse() {
        daemon.on("POST", "/v1/subtree/delegations", RawServer.json(201, Samples.json(C1)));

        Cli.Result result = cli("subtree", "delegate", "c1");

        assertThat(result.exit()).as(result.err()).isZero();
        assertThat(result.out()).isEqualTo("""
                child:    c1
                prefix:   fd00:1100::/24
                uplink:   fd00:1000::1:1
                route:    installed
                """);
        assertThat(Json.mapper().readTree(new String(daemon.requests().getFirst().body(), StandardCharsets.UTF_8)))
                .isEqualTo(Json.mapper().readTree("{\"child\":\"c1\"}"));
        assertThat(Json.mapper().readTree(cli("-o", "json", "subtree", "delegate", "c1").out()))
                .isEqualTo(Json.mapper().readTree(Samples.json(C1)));
    }

    @Test
    void releaseDeletesAndAnErrorIsOneLine() {
        daemon.on("DELETE", "/v1/subtree/delegations/c1", RawServer.json(204, ""))
                .on("POST", "/v1/subtree/delegations", RawServer.json(409,
                        Samples.error("subtree_exhausted", "all 15 child prefixes of fd00:1000::/20 are delegated")));

        Cli.Result released = cli("subtree", "release", "c1");
        assertThat(released.exit()).as(released.err()).isZero();
        assertThat(released.out()).isEqualTo("released c1\n");
        assertThat(daemon.requests().getFirst().method()).isEqualTo("DELETE");

        Cli.Result exhausted = cli("subtree", "delegate", "c16");
        assertThat(exhausted.exit()).isEqualTo(ErrorHandler.FAILED);
        assertThat(exhausted.out()).isEmpty();
        assertThat(exhausted.err()).hasLineCount(1).contains("all 15 child prefixes").contains("subtree_exhausted");

        Cli.Result unknown = cli("subtree", "release", "ghost");
        assertThat(unknown.exit()).isEqualTo(ErrorHandler.FAILED);
        assertThat(unknown.err()).hasLineCount(1);
    }

    private Cli.Result cli(String... args) {
        List<String> all = new ArrayList<>(List.of("--socket", daemon.socket().toString()));
        all.addAll(List.of(args));
        return Cli.run(all.toArray(String[]::new));
    }
}
