package dev.vulcan.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The IPv6 subtree through the real daemon and CLI: delegations survive a restart, released prefixes
 * come back lowest first, and a subtree that cannot be split stops the daemon at start-up. The
 * routes themselves are exercised with real namespaces in the daemon's SubtreeIT; here they go via the
 * test daemon's own default bridge, removed with the daemon.
 */
class SubtreeCliIT {

    @TempDir
    Path temp;

    @Test
    void delegateRestartReleaseAndReuse() throws Exception {
        // the daemon's default subtree, spelled out: test daemons otherwise get one of their own
        try (DaemonProcess daemon = DaemonProcess.start(temp.resolve("state"), List.of("--ipv6-subtree", "fd00:1000::/20"))) {
            Cli cli = new Cli(daemon.socket);

            Cli.Result empty = cli.run("subtree");
            assertThat(empty.exit()).as(empty.err()).isZero();
            assertThat(empty.out()).contains("subtree:         fd00:1000::/20", "own space:       fd00:1000::/24",
                    "bridge subnet:   fd00:1000::/64").doesNotContain("c1");

            Cli.Result c1 = cli.run("subtree", "delegate", "c1");
            assertThat(c1.exit()).as(c1.err()).isZero();
            assertThat(c1.out()).contains("prefix:   fd00:1100::/24", "uplink:   fd00:1000::1:1")
                    .containsPattern("route:    (installed|pending: device \\S+ does not exist)");
            assertThat(cli.run("subtree", "delegate", "c2").out()).contains("fd00:1200::/24");
            assertThat(cli.run("subtree", "delegate", "c1").out()).as("idempotent").contains("fd00:1100::/24");

            daemon.stop();
            daemon.restart();

            JsonNode after = Http.mapper().readTree(cli.run("-o", "json", "subtree").out());
            assertThat(after.get("delegations")).extracting(d -> d.get("child").asString() + "=" + d.get("prefix").asString())
                    .containsExactly("c1=fd00:1100::/24", "c2=fd00:1200::/24");

            Cli.Result released = cli.run("subtree", "release", "c1");
            assertThat(released.exit()).as(released.err()).isZero();
            assertThat(released.out()).isEqualTo("released c1\n");
            assertThat(cli.run("subtree", "delegate", "c3").out()).as("reused lowest first").contains("fd00:1100::/24");

            Cli.Result ghost = cli.run("subtree", "release", "ghost");
            assertThat(ghost.exit()).isEqualTo(1);
            assertThat(ghost.err().strip()).doesNotContain("\n").contains("delegation_not_found");
            Cli.Result badName = cli.run("subtree", "delegate", "-bad");
            assertThat(badName.exit()).isNotZero();

            for (String child : List.of("c2", "c3")) {
                assertThat(cli.run("subtree", "release", child).exit()).isZero();
            }
            assertThat(Http.mapper().readTree(cli.run("-o", "json", "subtree").out()).get("delegations")).isEmpty();
        }
    }

    @Test
    void aSubtreeThatCannotBeSplitStopsTheDaemonWithTheReason() {
        Cli.Result result = Cli.exec(List.of(Repo.java().toString(), "-cp", System.getProperty("java.class.path"),
                "dev.vulcan.daemon.Main", "--state-dir", temp.resolve("state").toString(),
                "--socket", temp.resolve("vulcan.sock").toString(), "--ipv6-subtree", "fd00:1000::/64"), null);

        assertThat(result.exit()).isNotZero();
        assertThat(result.err()).contains("--ipv6-subtree").contains("cannot be split").contains("/60");
    }
}
