package dev.vulcan.daemon.net.cni;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vulcan.daemon.error.NotFoundException;
import dev.vulcan.daemon.error.UnavailableException;
import dev.vulcan.daemon.net.IpPrefix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class CniTest {

    private static final String BRIDGE_RESULT = """
            {"cniVersion":"1.0.0",
             "interfaces":[{"name":"vt0","mac":"02:00:00:00:00:01"},{"name":"veth1","mac":"02:00:00:00:00:02"},
                           {"name":"eth0","mac":"02:00:00:00:00:03","sandbox":"/run/netns/x"}],
             "ips":[{"address":"10.250.1.2/24","gateway":"10.250.1.1","interface":2},
                    {"address":"fd00:9999:1::1000/64","gateway":"fd00:9999:1::1","interface":2}],
             "routes":[{"dst":"0.0.0.0/0"},{"dst":"::/0"}],
             "dns":{"nameservers":["10.250.1.1"]}}""";

    @TempDir
    Path dir;

    private final JsonMapper json = JsonMapper.builder().build();
    private final FakePlugins plugins = new FakePlugins();
    private final Attachment attachment = new Attachment("c1", Path.of("/run/netns/x"), "eth0");
    private final RuntimeConfig ports = new RuntimeConfig(List.of(PortMapping.tcp(8080, 80),
            new PortMapping(5353, 53, "udp", "127.0.0.1")));
    private Cni cni;
    private CniConfigList conf;

    @BeforeEach
    void setUp() throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        for (String type : List.of("bridge", "portmap", "firewall", "host-local")) {
            Files.createFile(bin.resolve(type), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        }
        cni = new Cni(bin, dir.resolve("cache"), plugins);
        conf = CniConfigList.bridgeNetwork(BridgeConfig.of("net1", "vt0", IpPrefix.parse("10.250.1.0/24"),
                IpPrefix.parse("fd00:9999:1::/64"), dir.resolve("ipam")));
        plugins.answer("bridge/ADD", 0, BRIDGE_RESULT);
    }

    @Test
    void addRunsThePluginsInOrderChainingPrevResult() {
        CniResult result = cni.add(conf, attachment, ports);

        assertThat(plugins.sequence()).containsExactly("bridge/ADD", "portmap/ADD", "firewall/ADD");
        FakePlugins.Call bridge = plugins.calls.get(0);
        assertThat(bridge.config().has("prevResult")).isFalse();
        assertThat(bridge.config().path("name").asString()).isEqualTo("net1");
        assertThat(bridge.config().path("cniVersion").asString()).isEqualTo("1.0.0");
        JsonNode expected = json.readTree(BRIDGE_RESULT);
        assertThat(plugins.calls.get(1).config().path("prevResult")).isEqualTo(expected);
        assertThat(plugins.calls.get(2).config().path("prevResult")).isEqualTo(expected);
        assertThat(bridge.env()).containsEntry("CNI_COMMAND", "ADD").containsEntry("CNI_CONTAINERID", "c1")
                .containsEntry("CNI_NETNS", "/run/netns/x").containsEntry("CNI_IFNAME", "eth0")
                .containsEntry("CNI_ARGS", "").containsEntry("CNI_PATH", dir.resolve("bin").toString());

        assertThat(result.ipv4()).map(IpPrefix::text).contains("10.250.1.2");
        assertThat(result.ipv6()).map(IpPrefix::text).contains("fd00:9999:1::1000");
        assertThat(result.ips().getFirst().gateway()).isEqualTo("10.250.1.1");
        assertThat(result.ips().getFirst().prefixLength()).isEqualTo(24);
        assertThat(result.interfaces().get(2).sandbox()).isEqualTo("/run/netns/x");
        assertThat(result.dns().nameservers()).containsExactly("10.250.1.1");
    }

    @Test
    void runtimeConfigGoesOnlyToPluginsDeclaringTheCapability() {
        cni.add(conf, attachment, ports);

        assertThat(plugins.calls.get(0).config().has("runtimeConfig")).isFalse();
        JsonNode portmap = plugins.calls.get(1).config().path("runtimeConfig").path("portMappings");
        assertThat(json.writeValueAsString(portmap)).isEqualTo(
                "[{\"hostPort\":8080,\"containerPort\":80,\"protocol\":\"tcp\"},"
                        + "{\"hostPort\":5353,\"containerPort\":53,\"protocol\":\"udp\",\"hostIP\":\"127.0.0.1\"}]");
        assertThat(plugins.calls.get(2).config().has("runtimeConfig")).isFalse();
    }

    @Test
    void noPortsMeansNoRuntimeConfigAtAll() {
        cni.add(conf, attachment, RuntimeConfig.NONE);
        assertThat(plugins.calls).noneMatch(c -> c.config().has("runtimeConfig"));
    }

    @Test
    void addCachesTheFinalResultAndDelRemovesIt() throws IOException {
        cni.add(conf, attachment, ports);
        Path cache = dir.resolve("cache/net1-c1-eth0.json");
        assertThat(cni.cacheFile("net1", attachment)).isEqualTo(cache);
        assertThat(json.readTree(cache.toFile()).path("result")).isEqualTo(json.readTree(BRIDGE_RESULT));
        assertThat(cni.cachedResult(conf, attachment)).map(CniResult::ipv4).isPresent();
        try (var files = Files.list(dir.resolve("cache"))) {
            assertThat(files).containsExactly(cache); // no temp file left by the atomic write
        }

        cni.del(conf, attachment, ports);

        assertThat(cache).doesNotExist();
        assertThat(cni.cachedResult(conf, attachment)).isEmpty();
    }

    @Test
    void delRunsInReverseWithTheCachedResult() {
        cni.add(conf, attachment, ports);
        plugins.calls.clear();

        cni.del(conf, attachment, ports);

        assertThat(plugins.sequence()).containsExactly("firewall/DEL", "portmap/DEL", "bridge/DEL");
        JsonNode expected = json.readTree(BRIDGE_RESULT);
        assertThat(plugins.calls).allMatch(c -> c.config().path("prevResult").equals(expected));
        assertThat(plugins.calls.get(1).config().path("runtimeConfig").path("portMappings")).hasSize(2);
    }

    @Test
    void delWithoutPortsUsesThePortsCachedAtAdd() {
        cni.add(conf, attachment, ports);
        plugins.calls.clear();

        cni.del(conf, attachment, RuntimeConfig.NONE);

        assertThat(plugins.calls.get(1).config().path("runtimeConfig").path("portMappings")).hasSize(2);
    }

    @Test
    void delWithoutACacheRunsWithoutPrevResultAndIsIdempotent() {
        cni.del(conf, attachment, RuntimeConfig.NONE);
        cni.del(conf, attachment, RuntimeConfig.NONE);

        assertThat(plugins.sequence()).containsExactly("firewall/DEL", "portmap/DEL", "bridge/DEL",
                "firewall/DEL", "portmap/DEL", "bridge/DEL");
        assertThat(plugins.calls).noneMatch(c -> c.config().has("prevResult"));
    }

    @Test
    void aFailingDelKeepsTheCacheForARetry() {
        cni.add(conf, attachment, ports);
        plugins.answer("portmap/DEL", 1, "{\"cniVersion\":\"1.0.0\",\"code\":11,\"msg\":\"xtables lock busy\"}");

        assertThatThrownBy(() -> cni.del(conf, attachment, ports)).isInstanceOf(CniException.class)
                .hasMessageContaining("xtables lock busy");

        assertThat(cni.cacheFile("net1", attachment)).exists();
        assertThat(plugins.sequence()).endsWith("firewall/DEL", "portmap/DEL"); // the spec: stop at the first error
    }

    @Test
    void aFailedAddDeletesTheWholeChainAndCachesNothing() {
        plugins.answer("firewall/ADD", 1, """
                {"cniVersion":"1.0.0","code":7,"msg":"invalid backend","details":"backend 'x' is unknown"}""");

        assertThatThrownBy(() -> cni.add(conf, attachment, ports))
                .isInstanceOfSatisfying(CniException.class, e -> {
                    assertThat(e.plugin()).isEqualTo("firewall");
                    assertThat(e.command()).isEqualTo("ADD");
                    assertThat(e.code()).isEqualTo(7);
                    assertThat(e.msg()).isEqualTo("invalid backend");
                    assertThat(e.details()).isEqualTo("backend 'x' is unknown");
                    assertThat(e.getMessage()).isEqualTo(
                            "CNI plugin 'firewall' ADD failed (code 7): invalid backend (backend 'x' is unknown)");
                });

        assertThat(plugins.sequence()).containsExactly("bridge/ADD", "portmap/ADD", "firewall/ADD",
                "firewall/DEL", "portmap/DEL", "bridge/DEL");
        // The cleanup passes what was built so far, so IP-aware plugins can find their rules.
        assertThat(plugins.calls.get(4).config().path("prevResult")).isEqualTo(json.readTree(BRIDGE_RESULT));
        assertThat(cni.cacheFile("net1", attachment)).doesNotExist();
    }

    @Test
    void cleanupErrorsAfterAFailedAddAreSuppressedNotThrown() {
        plugins.answer("bridge/ADD", 1, "{\"code\":100,\"msg\":\"no IP addresses available in range set\"}")
                .answer("bridge/DEL", 1, "{\"code\":100,\"msg\":\"cannot delete\"}");

        assertThatThrownBy(() -> cni.add(conf, attachment, ports))
                .hasMessage("CNI plugin 'bridge' ADD failed (code 100): no IP addresses available in range set")
                .satisfies(e -> assertThat(e.getSuppressed()).singleElement().extracting(Throwable::getMessage)
                        .asString().contains("cannot delete"));
        assertThat(plugins.sequence()).containsExactly("bridge/ADD", "firewall/DEL", "portmap/DEL", "bridge/DEL");
    }

    @Test
    void aPluginWithoutErrorJsonReportsItsExitAndStderr() {
        plugins.answer("portmap/ADD", c -> new PluginExec.Output(2, new byte[0], "panic: boom\ngoroutine 1\n", false));

        assertThatThrownBy(() -> cni.add(conf, attachment, ports)).isInstanceOfSatisfying(CniException.class, e -> {
            assertThat(e.code()).isEqualTo(CniException.NO_CODE);
            assertThat(e.getMessage()).isEqualTo("CNI plugin 'portmap' ADD failed: exited with 2: panic: boom goroutine 1");
        });
    }

    @Test
    void aPluginKilledAtTheDeadlineIsAnError() {
        plugins.answer("bridge/ADD", c -> new PluginExec.Output(-1, new byte[0], "", true));

        assertThatThrownBy(() -> cni.add(conf, attachment, ports)).isInstanceOf(CniException.class)
                .hasMessageContaining("killed after the deadline");
    }

    @Test
    void anAddThatPrintsGarbageIsAnError() {
        plugins.answer("bridge/ADD", 0, "not json");
        assertThatThrownBy(() -> cni.add(conf, attachment, ports)).isInstanceOf(CniException.class)
                .hasMessageContaining("not a JSON object");
    }

    @Test
    void checkRunsInOrderWithTheCachedResultAndNeedsOne() {
        assertThatThrownBy(() -> cni.check(conf, attachment, ports)).isInstanceOf(NotFoundException.class);

        cni.add(conf, attachment, ports);
        plugins.calls.clear();
        cni.check(conf, attachment, ports);

        assertThat(plugins.sequence()).containsExactly("bridge/CHECK", "portmap/CHECK", "firewall/CHECK");
        assertThat(plugins.calls).allMatch(c -> c.config().path("prevResult").equals(json.readTree(BRIDGE_RESULT)));
    }

    @Test
    void aMissingPluginFailsBeforeAnythingRuns() throws IOException {
        Files.delete(dir.resolve("bin/firewall"));

        for (Runnable call : List.<Runnable>of(() -> cni.add(conf, attachment, ports),
                () -> cni.del(conf, attachment, ports), () -> cni.check(conf, attachment, ports))) {
            assertThatThrownBy(call::run).isInstanceOfSatisfying(UnavailableException.class, e -> {
                assertThat(e.code()).isEqualTo("cni_plugin_missing");
                assertThat(e.getMessage()).startsWith("CNI plugin 'firewall' not found in " + dir.resolve("bin"));
            });
        }
        assertThat(plugins.calls).isEmpty();
        assertThat(cni.missingPlugins(conf)).containsExactly("firewall");
    }
}
