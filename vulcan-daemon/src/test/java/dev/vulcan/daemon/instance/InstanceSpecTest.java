package dev.vulcan.daemon.instance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vulcan.api.InstancesPost;
import dev.vulcan.api.Resources;
import dev.vulcan.daemon.error.InvalidException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InstanceSpecTest {

    @TempDir
    Path host;

    private static InstancesPost post(String name, String cmd, List<String> args, List<String> volumes, String restart,
            Resources resources) {
        return new InstancesPost(name, "busybox:1", cmd, args, List.of("A=1"), volumes, restart, resources);
    }

    private static InstanceSpec parse(InstancesPost post) {
        return InstanceSpec.from(post, 2, 4096);
    }

    @Test
    void parsesShellAndExecFormsVolumesAndPolicies() {
        InstanceSpec shell = parse(post("web-1", "echo hi", null, List.of(host + ":/data:ro", "cache:/cache"),
                "on-failure", new Resources(1, 64, null)));
        assertThat(shell.command().shellForm()).isTrue();
        assertThat(shell.command().asRequested()).containsExactly("/bin/sh", "-c", "echo hi");
        assertThat(shell.volumes()).containsExactly(new VolumeSpec.Bind(host, "/data", true),
                new VolumeSpec.Named("cache", "/cache", false));
        assertThat(shell.restart()).isEqualTo(RestartPolicy.ON_FAILURE);
        assertThat(shell.memMb()).isEqualTo(64);

        InstanceSpec exec = parse(post("w", null, List.of("/bin/sleep", "9"), null, null, null));
        assertThat(exec.command().asRequested()).containsExactly("/bin/sleep", "9");
        assertThat(exec.restart()).isEqualTo(RestartPolicy.NO);
        assertThat(exec.memMb()).isZero();
        assertThat(exec.pids()).isEqualTo(InstanceSpec.DEFAULT_PIDS);
        assertThat(parse(post("p", "x", null, null, null, new Resources(null, null, null, 50))).pids()).isEqualTo(50);
    }

    @Test
    void rejectsBadInputWithItsCode() {
        assertCode(post(null, "x", null, null, null, null), "invalid_name");
        assertCode(post("bad name", "x", null, null, null, null), "invalid_name");
        assertCode(post("a", "x", List.of("y"), null, null, null), "invalid_command");
        assertCode(post("a", "x", null, List.of("/does/not/exist:/d"), null, null), "invalid_volume");
        assertCode(post("a", "x", null, List.of(host + ":relative"), null, null), "invalid_volume");
        assertCode(post("a", "x", null, List.of(host + ":/d:rx"), null, null), "invalid_volume");
        assertCode(post("a", "x", null, List.of("v:/d", "w:/d"), null, null), "invalid_volume");
        assertCode(post("a", "x", null, List.of("v:/a/../etc"), null, null), "invalid_volume");
        assertCode(post("a", "x", null, null, "sometimes", null), "invalid_restart");
        assertCode(post("a", "x", null, null, null, new Resources(3, null, null)), "invalid_limits");
        assertCode(post("a", "x", null, null, null, new Resources(null, 2, null)), "invalid_limits");
        assertCode(post("a", "x", null, null, null, new Resources(null, null, 5)), "invalid_limits");
        assertCode(post("a", "x", null, null, null, new Resources(null, null, null, 0)), "invalid_limits");
        assertCode(new InstancesPost("a", "UPPER//bad", null, null, null, null, null, null), "invalid_reference");
        assertCode(new InstancesPost("a", "busybox", null, null, List.of("NOVALUE"), null, null, null), "invalid_env");
    }

    @Test
    void instancesRunInAContainerUnlessGvisorAutoOrMicrovmIsAsked() {
        InstancesPost base = post("a", null, null, null, null, null);
        assertThat(parse(base).isolation()).isEqualTo(dev.vulcan.api.Isolation.CONTAINER);
        for (String wire : List.of("gvisor", "auto", "GVISOR")) {
            assertThat(parse(withIsolation(base, wire)).isolation()).isEqualTo(dev.vulcan.api.Isolation.GVISOR);
        }
        assertThat(parse(withIsolation(base, "container")).isolation()).isEqualTo(dev.vulcan.api.Isolation.CONTAINER);
        assertCode(withIsolation(base, "isolate"), "invalid_isolation");
        assertThat(parse(withIsolation(base, "microvm")).isolation()).isEqualTo(dev.vulcan.api.Isolation.MICROVM);
        // a microVM's disk is its own: no volumes (yet)
        assertCode(new InstancesPost("a", "busybox:1", null, null, null, List.of("data:/data"), null, null, "none", null,
                "microvm"), "invalid_volume");
        assertCode(withIsolation(base, "hyperv"), "invalid_isolation");
        // both isolations join the default network unless told otherwise
        assertThat(parse(withIsolation(base, "gvisor")).network()).isEqualTo("default");
        assertThat(parse(base).network()).isEqualTo("default");
        assertThat(parse(new InstancesPost("a", "busybox:1", null, null, null, null, null, null, "none", null,
                "gvisor")).network()).isNull();
    }

    private static InstancesPost withIsolation(InstancesPost p, String isolation) {
        return new InstancesPost(p.name(), p.image(), p.cmd(), p.args(), p.env(), p.volumes(), p.restart(),
                p.resources(), p.network(), p.ports(), isolation);
    }

    @Test
    void restartPoliciesDecideOnWhetherTheRunFailed() {
        assertThat(RestartPolicy.NO.restartsAfter(true)).isFalse();
        assertThat(RestartPolicy.ON_FAILURE.restartsAfter(false)).isFalse();
        assertThat(RestartPolicy.ON_FAILURE.restartsAfter(true)).isTrue();
        assertThat(RestartPolicy.ALWAYS.restartsAfter(false)).isTrue();
    }

    private static void assertCode(InstancesPost post, String code) {
        assertThatThrownBy(() -> parse(post)).isInstanceOf(InvalidException.class)
                .satisfies(e -> assertThat(((InvalidException) e).code()).isEqualTo(code));
    }
}
