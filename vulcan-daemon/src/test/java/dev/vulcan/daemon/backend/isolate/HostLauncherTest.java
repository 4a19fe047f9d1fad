package dev.vulcan.daemon.backend.isolate;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class HostLauncherTest {

    private static final IsolateConfig CONFIG =
            IsolateConfig.of(Path.of("/opt/deno"), Path.of("/opt/isolate-host"), Path.of("/var/lib/vulcan/run"));

    @Test
    void hostRunsUnderTheParentDeathSignalWhenSetprivIsThere() {
        try (HostLauncher launcher = new HostLauncher(CONFIG, new CgroupMemory.Unavailable("test"))) {
            var command = launcher.command(64, Path.of("/var/lib/vulcan/run/isolate-1.sock"));

            if (java.nio.file.Files.isExecutable(HostLauncher.SETPRIV)) {
                assertThat(command.subList(0, 5)).containsExactly("/usr/bin/setpriv", "--pdeathsig", "KILL", "--",
                        "/opt/deno");
            }
            assertThat(command).contains("--v8-flags=--max-old-space-size=64", "/opt/isolate-host/host.ts")
                    .endsWith("/var/lib/vulcan/run/isolate-1.sock");
        }
    }

    @Test
    void limitIsTheHostBaselinePlusTheWorkloadsMemory() {
        assertThat(HostLauncher.limitBytes(128)).isEqualTo((HostLauncher.HOST_BASELINE_MB + 128L) * 1024 * 1024);
        assertThat(HostLauncher.limitBytes(16)).isEqualTo(80L * 1024 * 1024);
    }

    @Test
    void groupPrefixIsStablePerRunDirAndDiffersBetweenThem() {
        String prefix = HostLauncher.groupPrefix(Path.of("/var/lib/vulcan/run"));

        assertThat(prefix).matches("[0-9a-f]{12}-");
        assertThat(HostLauncher.groupPrefix(Path.of("/var/lib/vulcan/./run"))).isEqualTo(prefix);
        assertThat(HostLauncher.groupPrefix(Path.of("/var/lib/other/run"))).isNotEqualTo(prefix);
    }

    @Test
    void detailsSayHowMemoryIsEnforced() {
        try (HostLauncher launcher = new HostLauncher(CONFIG, new CgroupMemory.V1(Path.of("/sys/fs/cgroup/memory/vulcan/isolate")))) {
            assertThat(launcher.details()).containsEntry("memory_enforcement",
                    "V8 heap cap + cgroup v1 memory.limit_in_bytes").containsKey("memory_cgroups");
        }
        try (HostLauncher launcher = new HostLauncher(CONFIG, new CgroupMemory.Unavailable("read-only"))) {
            assertThat(launcher.details()).containsEntry("memory_enforcement",
                    "V8 heap cap only (no writable memory cgroup: read-only)").doesNotContainKey("memory_cgroups");
        }
    }
}
