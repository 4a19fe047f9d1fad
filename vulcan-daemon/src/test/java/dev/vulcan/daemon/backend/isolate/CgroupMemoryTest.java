package dev.vulcan.daemon.backend.isolate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Probing and the group files, against a fake /sys/fs/cgroup in a temporary directory. */
class CgroupMemoryTest {

    @TempDir
    Path root;

    @Test
    void hybridLayoutUsesTheV1MemoryController() throws IOException {
        write(root.resolve("memory/memory.limit_in_bytes"), "9223372036854771712");
        write(root.resolve("unified/cgroup.controllers"), "hugetlb");

        CgroupMemory memory = CgroupMemory.detect(root);

        assertThat(memory).isEqualTo(new CgroupMemory.V1(root.resolve("memory/vulcan/isolate")));
        assertThat(root.resolve("memory/vulcan/isolate")).isDirectory();
        assertThat(memory.enforcement()).isEqualTo("V8 heap cap + cgroup v1 memory.limit_in_bytes");
    }

    @Test
    void unifiedLayoutWithMemoryUsesV2AndEnablesTheControllerDownToTheParent() throws IOException {
        write(root.resolve("cgroup.controllers"), "cpuset cpu io memory pids");
        write(root.resolve("cgroup.subtree_control"), "cpu");
        write(root.resolve("vulcan/cgroup.subtree_control"), "");
        write(root.resolve("vulcan/isolate/cgroup.subtree_control"), "memory");

        CgroupMemory memory = CgroupMemory.detect(root);

        assertThat(memory).isEqualTo(new CgroupMemory.V2(root.resolve("vulcan/isolate")));
        assertThat(root.resolve("cgroup.subtree_control")).hasContent("+memory");
        assertThat(root.resolve("vulcan/cgroup.subtree_control")).hasContent("+memory");
        assertThat(root.resolve("vulcan/isolate/cgroup.subtree_control")).hasContent("memory");
        assertThat(memory.enforcement()).isEqualTo("V8 heap cap + cgroup v2 memory.max");
    }

    @Test
    void unifiedLayoutWithoutMemoryIsUnavailable() throws IOException {
        write(root.resolve("cgroup.controllers"), "cpu io pids");

        assertThat(CgroupMemory.detect(root)).isInstanceOfSatisfying(CgroupMemory.Unavailable.class,
                u -> assertThat(u.enforcement())
                        .isEqualTo("V8 heap cap only (no writable memory cgroup: the cgroup2 mount at " + root
                                + " has no memory controller)"));
    }

    @Test
    void nothingMountedIsUnavailable() {
        assertThat(CgroupMemory.detect(root)).isInstanceOfSatisfying(CgroupMemory.Unavailable.class,
                u -> assertThat(u.reason()).contains("no cgroup v1 memory controller"));
    }

    @Test
    void unwritableHierarchyIsUnavailable() throws IOException {
        write(root.resolve("memory/memory.limit_in_bytes"), "1");
        write(root.resolve("memory/vulcan"), "a file where the parent group should be");

        assertThat(CgroupMemory.detect(root)).isInstanceOfSatisfying(CgroupMemory.Unavailable.class,
                u -> assertThat(u.reason()).startsWith("cgroup v1: "));
    }

    @Test
    void v1GroupGetsItsLimitAndReportsOomKills() throws IOException {
        CgroupMemory.V1 v1 = new CgroupMemory.V1(Files.createDirectories(root.resolve("vulcan/isolate")));

        CgroupMemory.Group group = v1.create("abc-1", 192L << 20);
        group.join(4242);

        assertThat(group.dir().resolve("memory.limit_in_bytes")).hasContent(Long.toString(192L << 20));
        assertThat(group.dir().resolve("cgroup.procs")).hasContent("4242");
        assertThat(group.pids()).containsExactly(4242L);
        write(group.dir().resolve("memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n");
        assertThat(group.oomKilled()).isFalse();
        write(group.dir().resolve("memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n");
        assertThat(group.oomKilled()).isTrue();
        assertThat(v1.groups("abc-")).containsExactly(group);
        assertThat(v1.groups("other-")).isEmpty();
    }

    @Test
    void v1WithoutAnOomKillCountFallsBackToTheFailureCount() throws IOException {
        CgroupMemory.V1 v1 = new CgroupMemory.V1(Files.createDirectories(root.resolve("vulcan/isolate")));
        CgroupMemory.Group group = v1.create("abc-1", 1L << 20);
        write(group.dir().resolve("memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\n");
        write(group.dir().resolve("memory.failcnt"), "3\n");

        assertThat(group.oomKilled()).isTrue();
    }

    @Test
    void v2GroupGetsItsLimitAndReportsOomKills() throws IOException {
        CgroupMemory.V2 v2 = new CgroupMemory.V2(Files.createDirectories(root.resolve("vulcan/isolate")));

        CgroupMemory.Group group = v2.create("abc-2", 80L << 20);

        assertThat(group.dir().resolve("memory.max")).hasContent(Long.toString(80L << 20));
        // Only set where the kernel offers it (swap accounting on); never created.
        assertThat(group.dir().resolve("memory.swap.max")).doesNotExist();
        write(group.dir().resolve("memory.events"), "low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\noom_group_kill 0\n");
        assertThat(group.oomKilled()).isTrue();
        write(group.dir().resolve("memory.events"), "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n");
        assertThat(group.oomKilled()).isFalse();
    }

    @Test
    void unreadableCountersMeanNoOomKill() throws IOException {
        CgroupMemory.V2 v2 = new CgroupMemory.V2(Files.createDirectories(root.resolve("vulcan/isolate")));

        assertThat(v2.create("abc-3", 1L << 20).oomKilled()).isFalse();
    }

    private static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }
}
