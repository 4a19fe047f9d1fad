package dev.vulcan.daemon.backend.oci;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which cgroup.procs the warm-up writes to: the process's own, in a v1 hierarchy, never a v2 or named one. */
class CgroupWarmupTest {

    @TempDir
    Path root;

    @Test
    void picksTheFirstV1HierarchyWithAControllerWhoseGroupExists() throws IOException {
        Files.createDirectories(root.resolve("systemd"));
        Files.writeString(root.resolve("systemd/cgroup.procs"), "");
        Files.createDirectories(root.resolve("memory/user/a"));
        Files.writeString(root.resolve("memory/user/a/cgroup.procs"), "");
        Files.createDirectories(root.resolve("pids"));
        Files.writeString(root.resolve("pids/cgroup.procs"), "");

        List<String> self = List.of("9:name=systemd:/", "8:cpu:/gone", "4:memory:/user/a", "3:pids:/", "0::/");

        assertThat(CgroupWarmup.procsFile(self, root)).contains(root.resolve("memory/user/a/cgroup.procs"));
        assertThat(CgroupWarmup.procsFile(List.of("3:pids:/"), root)).contains(root.resolve("pids/cgroup.procs"));
    }

    @Test
    void aPureV2OrUnknownLayoutHasNone() {
        assertThat(CgroupWarmup.procsFile(List.of("0::/user.slice"), root)).isEmpty();
        assertThat(CgroupWarmup.procsFile(List.of("9:name=systemd:/"), root)).isEmpty();
    }

    @Test
    void theDaemonStaysInItsOwnCgroups() throws Exception {
        String before = Files.readString(Path.of("/proc/self/cgroup"));
        CgroupWarmup warmup = new CgroupWarmup();
        // a start overlapping another does not nudge again
        try (CgroupWarmup.Start first = warmup.starting(); CgroupWarmup.Start second = warmup.starting()) {
            assertThat(first).isNotNull();
            assertThat(second).isNotNull();
        }
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().equals("cgroup-warmup")));
        assertThat(Files.readString(Path.of("/proc/self/cgroup"))).isEqualTo(before);
    }
}
