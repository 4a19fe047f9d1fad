package dev.vulcan.daemon.backend.oci;

import static dev.vulcan.daemon.Prerequisites.skipOrFail;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vulcan.daemon.backend.LogSink;
import dev.vulcan.daemon.image.ImageReference;
import dev.vulcan.daemon.image.ImageStore;
import dev.vulcan.daemon.image.RegistryTrust;
import dev.vulcan.daemon.image.TestImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/** Runs real containers with the probed OCI runtime (crun or runc) from a tiny busybox image. */
class ContainerRunIT {

    private static final Path BUSYBOX = BusyboxLayer.BUSYBOX;
    private static final ImageReference IMAGE = ImageReference.parse("test/busybox:1");
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final ProcessRunner PROCESSES = new ProcessRunner.Native();

    @TempDir
    static Path shared;

    static OciRuntime runtime;
    static ImageStore store;

    private final List<String> ids = new ArrayList<>();
    private final List<String> stdout = Collections.synchronizedList(new ArrayList<>());
    private final List<String> stderr = Collections.synchronizedList(new ArrayList<>());
    private final LogSink sink = (stream, line) -> (stream == LogSink.Stream.STDOUT ? stdout : stderr).add(line);

    @BeforeAll
    static void setUp() throws IOException {
        if (!Files.isExecutable(BUSYBOX)) {
            skipOrFail("no static busybox at " + BUSYBOX + " (Debian busybox-static)");
        }
        String preference = System.getProperty("vulcan.oci.runtime", "auto");
        OciRuntime.Probe probe = OciRuntime.probe(OciRuntime.Preference.parse(preference), shared.resolve("probe"), BUSYBOX,
                PROCESSES, new BundleBuilder(JSON, PROCESSES));
        switch (probe) {
            case OciRuntime.Probe.Available a -> runtime = a.runtime();
            case OciRuntime.Probe.Unavailable u -> skipOrFail(u.reason());
        }
        System.out.println("OCI runtime: " + runtime.reason());
        Path layout = shared.resolve("layout");
        TestImages.ociLayout(layout, null, List.of(BusyboxLayer.tar(List.of("sh", "echo", "cat", "sleep", "true", "head", "tail", "dd"))));
        store = ImageStore.open(shared.resolve("images"), JSON, RegistryTrust.defaults(shared.resolve("certs.d")));
        store.importImage(layout, IMAGE);
    }

    private ContainerRun containers() {
        return new ContainerRun(runtime, store, new BundleBuilder(JSON, new Mounts.Native()), PROCESSES, JSON,
                shared.resolve("state"), shared.resolve("bundles"));
    }

    private ContainerSpec spec(String cmd, ContainerSpec.Resources resources, Duration timeout) {
        String id = "it-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        ids.add(id);
        return new ContainerSpec(id, IMAGE, cmd, null, resources, timeout, false);
    }

    @AfterEach
    void nothingLeaks() throws IOException {
        String mountinfo = Files.readString(Path.of("/proc/self/mountinfo"));
        String list = PROCESSES.check(runtime.argv("list"));
        for (String id : ids) {
            Path bundle = shared.resolve("bundles").resolve(id);
            assertThat(mountinfo).doesNotContain(bundle.toString());
            assertThat(list).doesNotContain(id);
            assertThat(bundle).doesNotExist();
            assertThat(shared.resolve("state").resolve(id + ".json")).doesNotExist();
            assertThat(Path.of("/sys/fs/cgroup/memory/vulcan/oci").resolve(id)).doesNotExist();
        }
    }

    @Test
    void echoWritesStdoutAndExitsZero() throws IOException {
        ContainerRun.Result r = containers().run(spec("echo hello", ContainerSpec.Resources.NONE, Duration.ofSeconds(30)), sink);
        assertThat(r.status()).isEqualTo(ContainerRun.Status.EXITED);
        assertThat(r.exitCode()).isZero();
        assertThat(stdout).containsExactly("hello");
    }

    @Test
    void execFormRunsWithoutShell() throws IOException {
        String id = "it-exec-" + System.nanoTime();
        ids.add(id);
        ContainerRun.Result r = containers().run(new ContainerSpec(id, IMAGE, null, List.of("/bin/echo", "a b"),
                ContainerSpec.Resources.NONE, Duration.ofSeconds(30), true), sink);
        assertThat(r.exitCode()).isZero();
        assertThat(stdout).containsExactly("a b");
    }

    @Test
    void bindMountsAndEnvironmentReachTheContainer() throws IOException {
        Path shared = Files.createDirectories(this.shared.resolve("bind-" + System.nanoTime()));
        Files.writeString(shared.resolve("in.txt"), "from the host");
        Path readOnly = Files.createDirectories(this.shared.resolve("ro-" + System.nanoTime()));
        String id = "it-bind-" + System.nanoTime();
        ids.add(id);
        ContainerRun.Result r = containers().run(new ContainerSpec(id, IMAGE,
                "cat /data/in.txt; echo; echo \"$GREETING\" > /data/out.txt; touch /ro/x || echo read-only", null,
                ContainerSpec.Resources.NONE, Duration.ofSeconds(30), false,
                List.of(new ContainerSpec.Mount(shared, "/data", false), new ContainerSpec.Mount(readOnly, "/ro", true)),
                List.of("GREETING=hi there")), sink);
        assertThat(r.exitCode()).isZero();
        assertThat(stdout).containsExactly("from the host", "read-only");
        assertThat(Files.readString(shared.resolve("out.txt"))).isEqualTo("hi there\n");
        assertThat(readOnly.resolve("x")).doesNotExist();
    }

    @Test
    void stderrAndExitCodeAreReported() throws IOException {
        ContainerRun.Result r = containers().run(spec("echo err >&2; exit 3", ContainerSpec.Resources.NONE,
                Duration.ofSeconds(30)), sink);
        assertThat(r.status()).isEqualTo(ContainerRun.Status.EXITED);
        assertThat(r.exitCode()).isEqualTo(3);
        assertThat(stderr).containsExactly("err");
        assertThat(stdout).isEmpty();
    }

    @Test
    void timeoutKills() throws IOException {
        ContainerRun.Result r = containers().run(spec("sleep 60", ContainerSpec.Resources.NONE, Duration.ofSeconds(1)), sink);
        assertThat(r.status()).isEqualTo(ContainerRun.Status.TIMEOUT);
        assertThat(r.elapsed()).isLessThan(Duration.ofSeconds(6));
    }

    @Test
    void memoryLimitOomIsReported() throws IOException {
        ContainerRun.Result r = containers().run(spec("head -c 64m /dev/zero | tail",
                new ContainerSpec.Resources(16L * 1024 * 1024, 1, 64), Duration.ofSeconds(30)), sink);
        assertThat(r.status()).isEqualTo(ContainerRun.Status.OOM);
        assertThat(r.exitCode()).isEqualTo(137);
    }

    @Test
    void defaultCapabilitiesLackSysAdmin() throws IOException {
        ContainerRun.Result r = containers().run(spec("cat /proc/self/status", ContainerSpec.Resources.NONE,
                Duration.ofSeconds(30)), sink);
        assertThat(r.exitCode()).isZero();
        String capEff = stdout.stream().filter(l -> l.startsWith("CapEff:")).findFirst().orElseThrow();
        long caps = Long.parseUnsignedLong(capEff.substring("CapEff:".length()).strip(), 16);
        assertThat(caps & (1L << 21)).as("CAP_SYS_ADMIN in " + capEff).isZero();
        assertThat(caps & (1L << 0)).as("CAP_CHOWN in " + capEff).isNotZero();
        assertThat(stdout).anyMatch(l -> l.startsWith("NoNewPrivs:") && l.endsWith("1"));
    }

    @Test
    void sweepCleansRecordedLeftovers() throws IOException {
        String id = "it-left-" + System.nanoTime();
        ids.add(id);
        Path bundle = Files.createDirectories(shared.resolve("bundles").resolve(id).resolve("rootfs"));
        Files.createDirectories(shared.resolve("state"));
        Files.writeString(shared.resolve("state").resolve(id + ".json"),
                "{\"id\":\"" + id + "\",\"bundle\":\"" + bundle.getParent() + "\"}");
        assertThat(containers().sweep()).isEqualTo(1);
    }

    @Test
    void theResultArrivesBeforeCleanupWhichRunStillWaitsFor() throws IOException {
        ContainerSpec spec = spec("echo early", ContainerSpec.Resources.NONE, Duration.ofSeconds(30));
        Path rootfs = shared.resolve("bundles").resolve(spec.id()).resolve("rootfs");
        List<String> seenAtExit = new ArrayList<>();
        ContainerRun.Result r = containers().run(spec, sink, result -> {
            seenAtExit.add(result.status() + " " + result.exitCode());
            try {
                seenAtExit.add(ContainerRun.isMounted(rootfs) ? "mounted" : "unmounted");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertThat(seenAtExit).containsExactly("EXITED 0", "mounted");
        assertThat(r.exitCode()).isZero();
        assertThat(stdout).containsExactly("early");
        assertThat(rootfs).doesNotExist(); // and nothingLeaks checks the rest
    }

    @Test
    void sweepUnmountsARecordedOverlay() throws IOException {
        String id = "it-mounted-" + System.nanoTime();
        ids.add(id);
        Path bundle = shared.resolve("bundles").resolve(id);
        Path lower = Files.createDirectories(bundle.resolve("lower"));
        Files.writeString(lower.resolve("file"), "x");
        for (String dir : List.of("rootfs", "upper", "work")) {
            Files.createDirectories(bundle.resolve(dir));
        }
        Files.createDirectories(shared.resolve("state"));
        Files.writeString(shared.resolve("state").resolve(id + ".json"),
                "{\"id\":\"" + id + "\",\"bundle\":\"" + bundle + "\"}");
        new Mounts.Native().overlay(bundle.resolve("rootfs"), "lowerdir=" + lower + ",upperdir=" + bundle.resolve("upper")
                + ",workdir=" + bundle.resolve("work"));
        assertThat(bundle.resolve("rootfs/file")).hasContent("x");

        assertThat(containers().sweep()).isEqualTo(1);
        assertThat(new Mounts.Native().unmount(bundle.resolve("rootfs"))).as("nothing left to unmount").isFalse();
    }

    @Test
    void startToExitTimesOfTrue() throws IOException {
        List<Long> millis = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ContainerRun.Result r = containers().run(spec("true", ContainerSpec.Resources.NONE, Duration.ofSeconds(30)), sink);
            assertThat(r.exitCode()).isZero();
            millis.add(r.elapsed().toMillis());
        }
        System.out.println("start-to-exit of true with " + runtime.version() + " (ms): " + millis);
    }
}
