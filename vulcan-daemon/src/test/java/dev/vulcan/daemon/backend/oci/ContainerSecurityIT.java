package dev.vulcan.daemon.backend.oci;

import static dev.vulcan.daemon.Prerequisites.skipOrFail;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vulcan.daemon.backend.LogSink;
import dev.vulcan.daemon.image.ImageReference;
import dev.vulcan.daemon.image.ImageStore;
import dev.vulcan.daemon.image.TestImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * The security defaults and limits with both OCI runtimes (crun as the probe finds it here, runc forced):
 * seccomp, read-only rootfs, pids and cpu limits, as seen from inside the container and in its cgroups.
 */
class ContainerSecurityIT {

    private static final Path BUSYBOX = BusyboxLayer.BUSYBOX;
    private static final ImageReference IMAGE = ImageReference.parse("test/busybox-sec:1");
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final ProcessRunner PROCESSES = new ProcessRunner.Native();
    private static final Path CGROUPS = Path.of("/sys/fs/cgroup");

    @TempDir
    static Path shared;

    static final Map<OciRuntime.Kind, OciRuntime> runtimes = new EnumMap<>(OciRuntime.Kind.class);
    static ImageStore store;

    private final List<String> ids = new ArrayList<>();
    private final List<String> stdout = Collections.synchronizedList(new ArrayList<>());
    private final List<String> stderr = Collections.synchronizedList(new ArrayList<>());
    private final LogSink sink = (stream, line) -> (stream == LogSink.Stream.STDOUT ? stdout : stderr).add(line);
    private OciRuntime.Kind used;

    @BeforeAll
    static void setUp() throws IOException {
        if (!Files.isExecutable(BUSYBOX)) {
            skipOrFail("no static busybox at " + BUSYBOX + " (Debian busybox-static)");
        }
        for (OciRuntime.Kind kind : List.of(OciRuntime.Kind.CRUN, OciRuntime.Kind.RUNC)) {
            OciRuntime.Preference preference = OciRuntime.Preference.valueOf(kind.name());
            switch (OciRuntime.probe(preference, shared.resolve("probe-" + kind), BUSYBOX, PROCESSES,
                    new BundleBuilder(JSON, PROCESSES))) {
                case OciRuntime.Probe.Available a -> runtimes.put(kind, a.runtime());
                case OciRuntime.Probe.Unavailable u -> skipOrFail(kind + ": " + u.reason());
            }
        }
        Path layout = shared.resolve("layout");
        TestImages.ociLayout(layout, null, List.of(BusyboxLayer.tar(List.of("sh", "echo", "cat", "sleep", "true", "ls", "touch", "unshare", "id",
                "head", "tail", "stat", "grep"))));
        store = ImageStore.open(shared.resolve("images"), JSON, dev.vulcan.daemon.image.RegistryTrust.defaults(shared.resolve("certs.d")));
        store.importImage(layout, IMAGE);
    }

    private ContainerRun containers(OciRuntime.Kind kind) {
        used = kind;
        return new ContainerRun(runtimes.get(kind), store, new BundleBuilder(JSON, PROCESSES), PROCESSES, JSON,
                shared.resolve("state"), shared.resolve("bundles"));
    }

    private ContainerSpec spec(String cmd, ContainerSpec.Resources resources, boolean readOnly,
            ContainerSpec.Security security) {
        String id = "sec-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        ids.add(id);
        return new ContainerSpec(id, IMAGE, cmd, null, resources, Duration.ofSeconds(30), readOnly, List.of(),
                List.of(), security);
    }

    private ContainerSpec spec(String cmd) {
        return spec(cmd, ContainerSpec.Resources.NONE, false, ContainerSpec.Security.DEFAULT);
    }

    @AfterEach
    void nothingLeaks() throws IOException {
        if (used == null) return;
        String mountinfo = Files.readString(Path.of("/proc/self/mountinfo"));
        String list = PROCESSES.check(runtimes.get(used).argv("list"));
        for (String id : ids) {
            assertThat(mountinfo).doesNotContain(shared.resolve("bundles").resolve(id).toString());
            assertThat(list).doesNotContain(id);
            for (String hierarchy : List.of("memory", "pids", "cpu")) {
                assertThat(CGROUPS.resolve(hierarchy).resolve("vulcan/oci").resolve(id)).doesNotExist();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = OciRuntime.Kind.class, names = {"CRUN", "RUNC"})
    void seccompDeniesNamespacesWithEpermAndBusyboxStillWorks(OciRuntime.Kind kind) throws IOException {
        String script = "echo start; ls / >/dev/null && echo forked; unshare -U true 2>&1; echo unshare=$?; "
                + "unshare -n true 2>&1; echo unshare-net=$?";
        ContainerRun.Result r = containers(kind).run(spec(script), sink);
        assertThat(r.exitCode()).as("stderr %s", stderr).isZero();
        assertThat(stdout).contains("start", "forked", "unshare=1", "unshare-net=1");
        assertThat(stdout).anyMatch(l -> l.contains("Operation not permitted"));
    }

    /** Without the profile the same script succeeds: the test above fails only because of seccomp. */
    @ParameterizedTest
    @EnumSource(value = OciRuntime.Kind.class, names = {"CRUN", "RUNC"})
    void withoutSeccompAUserNamespaceIsAllowed(OciRuntime.Kind kind) throws IOException {
        ContainerRun.Result r = containers(kind).run(spec("unshare -U true 2>&1; echo unshare=$?",
                ContainerSpec.Resources.NONE, false, new ContainerSpec.Security(false, false)), sink);
        assertThat(r.exitCode()).isZero();
        assertThat(stdout).containsExactly("unshare=0");
    }

    @ParameterizedTest
    @EnumSource(value = OciRuntime.Kind.class, names = {"CRUN", "RUNC"})
    void readOnlyRootfsRefusesWritesButDevShmIsWritable(OciRuntime.Kind kind) throws IOException {
        String script = "touch /x 2>/dev/null && echo root-writable || echo root-read-only; "
                + "echo data > /dev/shm/y && cat /dev/shm/y";
        ContainerRun.Result r = containers(kind).run(spec(script, ContainerSpec.Resources.NONE, true,
                ContainerSpec.Security.DEFAULT), sink);
        assertThat(r.exitCode()).isZero();
        assertThat(stdout).containsExactly("root-read-only", "data");
    }

    @ParameterizedTest
    @EnumSource(value = OciRuntime.Kind.class, names = {"CRUN", "RUNC"})
    void writableRootfsByDefault(OciRuntime.Kind kind) throws IOException {
        ContainerRun.Result r = containers(kind).run(spec("touch /x && echo root-writable"), sink);
        assertThat(r.exitCode()).isZero();
        assertThat(stdout).containsExactly("root-writable");
    }

    @ParameterizedTest
    @EnumSource(value = OciRuntime.Kind.class, names = {"CRUN", "RUNC"})
    void pidsLimitStopsForksBeyondIt(OciRuntime.Kind kind) throws IOException {
        int limit = 8;
        // the shell is one task, each background sleep another: the fork after limit - 1 sleeps fails, and
        // busybox ash ends a script whose fork failed with status 2
        String script = "i=0; while [ $i -lt " + (limit + 5) + " ]; do sleep 5 & i=$((i+1)); echo started; done";
        ContainerSpec spec = spec(script, new ContainerSpec.Resources(0, 0, limit), false, ContainerSpec.Security.DEFAULT);
        ContainerRun.Result r = containers(kind).run(spec, sink);
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(stderr).anyMatch(l -> l.contains("can't fork"));
        assertThat(stdout).hasSize(limit - 1);
    }

    @ParameterizedTest
    @EnumSource(value = OciRuntime.Kind.class, names = {"CRUN", "RUNC"})
    void pidsAndCpuLimitsAreTheContainersCgroupValues(OciRuntime.Kind kind) throws IOException {
        ContainerSpec spec = spec("echo up; sleep 20", new ContainerSpec.Resources(0, 1.5, 77), false,
                ContainerSpec.Security.DEFAULT);
        ContainerRun containers = containers(kind);
        CompletableFuture<ContainerRun.Result> run = CompletableFuture.supplyAsync(() -> {
            try {
                return containers.run(spec, sink);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        Path ctr = Path.of(BundleBuilder.cgroupParent(spec.id()).substring(1), "ctr");
        Path quota = CGROUPS.resolve("cpu").resolve(ctr).resolve("cpu.cfs_quota_us");
        Path pids = CGROUPS.resolve("pids").resolve(ctr).resolve("pids.max");
        try {
            await().atMost(Duration.ofSeconds(20)).until(() -> stdout.contains("up"));
            assertThat(readTrimmed(quota)).isEqualTo("150000");
            assertThat(readTrimmed(CGROUPS.resolve("cpu").resolve(ctr).resolve("cpu.cfs_period_us"))).isEqualTo("100000");
            assertThat(readTrimmed(pids)).isEqualTo("77");
        } finally {
            try {
                containers.kill(spec.id());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            run.join();
        }
    }

    @ParameterizedTest
    @EnumSource(value = OciRuntime.Kind.class, names = {"CRUN", "RUNC"})
    void userNamespaceMapsContainerRootToAnUnprivilegedHostRange(OciRuntime.Kind kind) throws IOException {
        // runc resolves the rootfs path as the remapped root: every directory above the bundle needs o+x
        Files.setPosixFilePermissions(shared, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
        Path data = Files.createDirectories(shared.resolve("userns-" + kind + "-" + System.nanoTime()));
        Files.setPosixFilePermissions(data, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        String id = "sec-userns-" + System.nanoTime();
        ids.add(id);
        // image files are root's inside and usable: readable, executable, and root may replace them
        ContainerSpec spec = new ContainerSpec(id, IMAGE, "id -u; stat -c '%u:%g' /bin/busybox /; echo x > /bin/new && "
                + "echo image-writable; touch /data/made; echo up; sleep 20", null, ContainerSpec.Resources.NONE,
                Duration.ofSeconds(30), false, List.of(new ContainerSpec.Mount(data, "/data", false)), List.of(),
                new ContainerSpec.Security(true, true));
        ContainerRun containers = containers(kind);
        CompletableFuture<ContainerRun.Result> run = CompletableFuture.supplyAsync(() -> {
            try {
                return containers.run(spec, sink);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        try {
            await().atMost(Duration.ofSeconds(20)).until(() -> stdout.contains("up") || run.isDone());
            assertThat(stdout).as("stderr %s", stderr).containsExactly("0", "0:0", "0:0", "image-writable", "up");
            String state = PROCESSES.check(runtimes.get(kind).argv("state", id));
            long pid = JSON.readTree(state).path("pid").asLong();
            String status = Files.readString(Path.of("/proc/" + pid + "/status"));
            String uidLine = status.lines().filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow();
            assertThat(uidLine.split("\\s+")[1]).as(uidLine).isEqualTo(String.valueOf(UserNamespace.HOST_BASE));
            assertThat(Files.getAttribute(data.resolve("made"), "unix:uid")).isEqualTo(UserNamespace.HOST_BASE);
        } finally {
            containers.kill(id);
            run.join();
        }
    }

    private static String readTrimmed(Path file) throws IOException {
        return Files.readString(file).strip();
    }
}
