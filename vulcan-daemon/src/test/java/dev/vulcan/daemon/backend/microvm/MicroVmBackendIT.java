package dev.vulcan.daemon.backend.microvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.vulcan.daemon.backend.BackendStatus;
import dev.vulcan.daemon.backend.Execution;
import dev.vulcan.daemon.backend.ExecutionRequest;
import dev.vulcan.daemon.backend.Limits;
import dev.vulcan.daemon.backend.LogSink;
import dev.vulcan.daemon.backend.Outcome;
import dev.vulcan.daemon.backend.Runtime;
import dev.vulcan.daemon.backend.oci.BaseImages;
import dev.vulcan.daemon.backend.oci.CodeImage;
import dev.vulcan.daemon.error.InvalidException;
import dev.vulcan.daemon.image.Digest;
import dev.vulcan.daemon.image.ImageReference;
import dev.vulcan.daemon.image.ImageStore;
import dev.vulcan.daemon.image.RegistryTrust;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/** Shell workloads through the backend: each boots a real VM, runs its script, and the VM is gone after. */
class MicroVmBackendIT {

    @TempDir
    static Path state;

    static MicroVmBackend backend;
    static ImageStore images;
    static final JsonMapper JSON = JsonMapper.builder().build();

    private final List<String> lines = Collections.synchronizedList(new ArrayList<>());
    private final LogSink sink = (stream, line) -> lines.add(stream + " " + line);

    @BeforeAll
    static void setUp() {
        Path imageDir = VmTestImage.dir();
        try {
            images = ImageStore.open(state.resolve("images"), JSON, RegistryTrust.defaults(state.resolve("certs.d")));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        backend = new MicroVmBackend(MicroVmBackend.Config.defaults(state.resolve("microvm")).withImageDir(imageDir), JSON, images,
                new BaseImages(images, BaseImages.DEFAULT_DIR));
    }

    @AfterAll
    static void tearDown() {
        if (backend != null) {
            backend.close();
        }
    }

    private Outcome run(String id, String script, String input, Duration timeout) throws Exception {
        Execution e = backend.start(new ExecutionRequest(id, Runtime.SHELL, script, input, new Limits(1, 128, timeout)), sink);
        return e.outcome().get(120, TimeUnit.SECONDS);
    }

    private Outcome run(ExecutionRequest request) throws Exception {
        return backend.start(request, sink).outcome().get(600, TimeUnit.SECONDS);
    }

    /** The outcome goes out first; the supervising thread kills the VM and deletes its run dir right after. */
    private static void assertNoVmLeft() {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(state.resolve("microvm/run")).isEmptyDirectory());
        assertThat(ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(state.toString())))
                .isEmpty();
    }

    @Test
    void probeSaysWhichAcceleratorAndWhy() {
        assertThat(backend.probe()).isInstanceOfSatisfying(BackendStatus.Available.class, a -> {
            assertThat(a.version()).startsWith("qemu ");
            assertThat(a.details()).containsKeys("accelerator", "accelerator_reason", "kernel");
            System.out.println("microvm backend: " + a.details());
        });
    }

    @Test
    void aShellScriptGetsItsInputAndItsStdoutIsTheOutput() throws Exception {
        Outcome o = run("01TESTSHELL", "read line; echo \"got $line\"; echo \"env $VULCAN_INPUT\"; echo note >&2", "{\"n\":1}",
                Duration.ofSeconds(60));
        assertThat(o).isInstanceOfSatisfying(Outcome.Exited.class, x -> {
            assertThat(x.exitCode()).isZero();
            assertThat(x.outputJson()).isEqualTo("\"got {\\\"n\\\":1}\\nenv {\\\"n\\\":1}\\n\"");
        });
        assertThat(lines).contains("STDOUT got {\"n\":1}", "STDERR note");
        assertNoVmLeft();
    }

    @Test
    void theTimeoutKillsTheScriptAndTheVm() throws Exception {
        Outcome o = run("01TESTSLOW", "sleep 600", "null", Duration.ofSeconds(2));
        assertThat(o).isInstanceOfSatisfying(Outcome.Killed.class, k -> assertThat(k.reason()).isEqualTo("timeout"));
        assertNoVmLeft();
    }

    @Test
    void pythonCodeRunsInItsRuntimeImageWithTheSameContractAsContainers() throws Exception {
        Outcome o = run(new ExecutionRequest("01TESTPY", Runtime.PYTHON,
                "import sys\ndef handler(input):\n    print('log line')\n    return {'n': input['n'] + 1, 'v': sys.version_info[0]}\n",
                "{\"n\":41}", new Limits(1, 256, Duration.ofSeconds(120))));
        assertThat(o).isInstanceOfSatisfying(Outcome.Completed.class,
                c -> assertThat(c.outputJson()).isEqualTo("{\"n\":42,\"v\":3}"));
        assertThat(lines).contains("STDOUT log line");
        assertNoVmLeft();
    }

    @Test
    void anImageCommandRunsChrootedIntoTheImagesRootfs() throws Exception {
        ImageReference busybox = new BaseImages(images, BaseImages.DEFAULT_DIR).ensure(CodeImage.SHELL);
        // /vulcan/entry.sh is in the image, not in the initramfs; writes go to the VM's overlay only
        Outcome o = run(new ExecutionRequest("01TESTIMG", Runtime.OCI, null, "null", new Limits(1, 128, Duration.ofSeconds(120)),
                new ExecutionRequest.ImageCommand(busybox.toString(),
                        List.of("test -f /vulcan/entry.sh && echo in-image; echo x > /written; cat /written; pwd"), true)));
        assertThat(o).isInstanceOfSatisfying(Outcome.Exited.class, x -> {
            assertThat(x.exitCode()).isZero();
            assertThat(x.outputJson()).isEqualTo("\"in-image\\nx\\n/\\n\"");
        });
        assertNoVmLeft();
        try (var files = Files.list(state.resolve("microvm/rootfs"))) {
            assertThat(files.map(p -> p.getFileName().toString())).singleElement().asString().endsWith(".ext4");
        }
    }

    @Test
    void codeWorkloadsContinueFromAParkedInterpreterWithFreshStateTheClockSetAndAWarmStart() throws Exception {
        String code = "import os, random, time\n"
                + "def handler(input):\n"
                + "    seen = [p for p in ('/mark', '/tmp/mark', '/vulcan/io/mark') if os.path.exists(p)]\n"
                + "    for p in ('/mark', '/tmp/mark', '/vulcan/io/mark'):\n"
                + "        open(p, 'w').write('x')\n"
                + "    print('to the log')\n"
                + "    print('partial line on stderr', end='', file=__import__('sys').stderr)\n"
                + "    return {'seen': seen, 'clock_skew_ok': abs(time.time() - input) < 120,\n"
                + "            'random': [random.random(), os.urandom(8).hex()]}\n";
        List<String> randoms = new ArrayList<>();
        for (String id : List.of("01TESTWARM1", "01TESTWARM2")) {
            double now = System.currentTimeMillis() / 1000.0;
            Execution e = backend.start(new ExecutionRequest(id, Runtime.PYTHON, code, Double.toString(now),
                    new Limits(1, 256, Duration.ofSeconds(120))), sink);
            Outcome o = e.outcome().get(600, TimeUnit.SECONDS);
            // the second VM is restored from the same snapshot as the first: nothing of the first is there
            assertThat(o).isInstanceOfSatisfying(Outcome.Completed.class, c -> {
                var node = JSON.readTree(c.outputJson());
                assertThat(node.path("seen").toString()).isEqualTo("[]");
                assertThat(node.path("clock_skew_ok").asBoolean()).isTrue();
                randoms.add(node.path("random").toString());
            });
            // a restored VM is a warm start, timed to the moment its state was loaded
            assertThat(e.sandboxStart().kind()).isEqualTo(dev.vulcan.daemon.backend.SandboxStart.Kind.WARM);
            assertThat(e.sandboxStart().latency()).isNotNull();
        }
        // stderr carries the result after the workload's output (ResultTrailer): the workload's part still reaches the log
        assertThat(lines).contains("STDOUT to the log", "STDERR partial line on stderr");
        // both restored from one snapshot: without the CRNG reseed after the host's bytes, both are the same
        assertThat(randoms.get(0)).as("python's random and the guest's CRNG are reseeded in every restore")
                .isNotEqualTo(randoms.get(1));
        assertThat(snapshotsOf(null)).anySatisfy(p -> {
            assertThat(p.resolve("key.properties")).content().contains("flavour=zygote-python-");
            assertThat(p.resolve("memory")).isNotEmptyFile();
            assertThat(p.resolve("ram")).isNotEmptyFile();
        });
        assertNoVmLeft();
    }

    @Test
    void nodeCodeRestoresFromAVmWhoseInterpreterRanOnce() throws Exception {
        Execution e = backend.start(new ExecutionRequest("01TESTNODEW", Runtime.JAVASCRIPT,
                "export default (input) => { console.error('node log'); return { sum: input.a + input.b }; }",
                "{\"a\":1,\"b\":2}", new Limits(1, 256, Duration.ofSeconds(120))), sink);
        assertThat(e.outcome().get(600, TimeUnit.SECONDS)).isInstanceOfSatisfying(Outcome.Completed.class,
                c -> assertThat(c.outputJson()).isEqualTo("{\"sum\":3}"));
        assertThat(e.sandboxStart().kind()).isEqualTo(dev.vulcan.daemon.backend.SandboxStart.Kind.WARM);
        assertThat(lines).contains("STDERR node log");
        assertThat(snapshotsOf(null)).anySatisfy(p -> assertThat(p.resolve("key.properties")).content().contains("flavour=code"));
        assertNoVmLeft();
    }

    @Test
    void aRestoredInterpreterKeepsTheErrorContractAndTheTimeoutKillsIt() throws Exception {
        Outcome failed = run(new ExecutionRequest("01TESTZYGERR", Runtime.PYTHON,
                "def handler(input):\n    raise ValueError('no ' + input)\n", "\"way\"", new Limits(1, 256, Duration.ofSeconds(120))));
        assertThat(failed).isInstanceOfSatisfying(Outcome.Failed.class, f -> {
            assertThat(f.reason()).isEqualTo("exception");
            assertThat(f.message()).isEqualTo("ValueError: no way");
            assertThat(f.stack()).contains("main.py").doesNotContain("entry.py");
        });
        Outcome slow = run(new ExecutionRequest("01TESTZYGSLOW", Runtime.PYTHON,
                "import time\ndef handler(input):\n    time.sleep(600)\n", "null", new Limits(1, 256, Duration.ofSeconds(3))));
        assertThat(slow).isInstanceOfSatisfying(Outcome.Killed.class, k -> assertThat(k.reason()).isEqualTo("timeout"));
        assertNoVmLeft();
    }

    @Test
    void aSnapshotQemuCannotLoadFailsOneWorkloadAndIsBuiltAnewForTheNext() throws Exception {
        String code = "def handler(input):\n    return input\n";
        Limits limits = new Limits(1, 256, Duration.ofSeconds(120));
        assertThat(run(new ExecutionRequest("01TESTDAMAGE1", Runtime.PYTHON, code, "1", limits))).isInstanceOf(Outcome.Completed.class);
        Path snapshot = snapshotsOf(null).stream().filter(p -> {
            try {
                // the python zygote's (other tests of this class leave snapshots of other flavours)
                String key = Files.readString(p.resolve("key.properties"));
                return key.contains("memory_mb=256") && key.contains("flavour=zygote-python");
            } catch (java.io.IOException e) {
                return false;
            }
        }).findFirst().orElseThrow();
        Files.write(snapshot.resolve("memory"), new byte[] {1, 2, 3}); // a damaged device state
        assertThat(run(new ExecutionRequest("01TESTDAMAGE2", Runtime.PYTHON, code, "2", limits)))
                .isInstanceOfSatisfying(Outcome.Failed.class, f -> assertThat(f.reason()).isEqualTo("backend_error"));
        assertThat(snapshot).doesNotExist();
        assertThat(run(new ExecutionRequest("01TESTDAMAGE3", Runtime.PYTHON, code, "3", limits)))
                .isInstanceOfSatisfying(Outcome.Completed.class, c -> assertThat(c.outputJson()).isEqualTo("3"));
        assertNoVmLeft();
    }

    @Test
    void imageCommandsRestoreAndAChangedImageGetsAFreshSnapshotWhileTheOldOnesAreCollected() throws Exception {
        ImageReference ref = ImageReference.parse("localhost/vulcan-test/warm-image:1");
        Digest v1 = importShellImage(ref, "1");
        java.util.function.Function<String, ExecutionRequest> request = id -> new ExecutionRequest(id, Runtime.OCI, null, "null",
                new Limits(1, 128, Duration.ofSeconds(120)),
                new ExecutionRequest.ImageCommand(ref.toString(),
                        List.of("read v < /version; echo \"v$v $(date +%Y) $(od -An -N8 -tx1 /dev/urandom)\""), true));
        List<String> outputs = new ArrayList<>();
        for (String id : List.of("01TESTIMGW1", "01TESTIMGW2")) {
            Execution e = backend.start(request.apply(id), sink);
            assertThat(e.outcome().get(600, TimeUnit.SECONDS)).isInstanceOfSatisfying(Outcome.Exited.class, x -> {
                assertThat(x.outputJson()).startsWith("\"v1 " + java.time.Year.now() + " ");
                outputs.add(x.outputJson());
            });
            assertThat(e.sandboxStart().kind()).isEqualTo(dev.vulcan.daemon.backend.SandboxStart.Kind.WARM);
        }
        // both restored from one snapshot: the host's fresh bytes and the agent's CRNG reseed make them differ
        assertThat(outputs.get(0)).isNotEqualTo(outputs.get(1));
        assertThat(snapshotsOf(v1)).singleElement().satisfies(p -> assertThat(p.resolve("key.properties")).content()
                .contains("flavour=image"));
        assertThat(state.resolve("microvm/rootfs/" + v1.hex() + ".ext4")).exists();

        // the same name now names another image: a new snapshot of it, and v1's snapshot and rootfs go
        Digest v2 = importShellImage(ref, "2");
        Execution e = backend.start(request.apply("01TESTIMGW3"), sink);
        assertThat(e.outcome().get(600, TimeUnit.SECONDS)).isInstanceOfSatisfying(Outcome.Exited.class,
                x -> assertThat(x.outputJson()).startsWith("\"v2 "));
        assertThat(snapshotsOf(v2)).hasSize(1);
        assertThat(snapshotsOf(v1)).isEmpty();
        assertThat(state.resolve("microvm/rootfs/" + v1.hex() + ".ext4")).doesNotExist();

        // vulcan image rm: its snapshot and rootfs go with it (once no VM reads the rootfs: the last one ends
        // just after its outcome; one still running keeps it until a later collection)
        assertNoVmLeft();
        images.remove(ref);
        assertThat(snapshotsOf(v2)).isEmpty();
        assertThat(state.resolve("microvm/rootfs/" + v2.hex() + ".ext4")).doesNotExist();
        assertNoVmLeft();
    }

    /** The finished snapshots (of the image, or all when null). */
    private static List<Path> snapshotsOf(Digest image) throws java.io.IOException {
        Path dir = state.resolve("microvm/snapshots");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (var all = Files.list(dir)) {
            return all.filter(p -> !p.getFileName().toString().startsWith("."))
                    .filter(p -> {
                        try {
                            return image == null || Files.readString(p.resolve("key.properties")).contains(image.hex());
                        } catch (java.io.IOException ex) {
                            return false;
                        }
                    }).toList();
        }
    }

    /** An image of the host's static busybox as /bin/sh and a /version file, imported under the name. */
    private static Digest importShellImage(ImageReference ref, String version) throws java.io.IOException {
        var bytes = new java.io.ByteArrayOutputStream();
        try (var tar = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(bytes)) {
            byte[] busybox = Files.readAllBytes(Path.of("/bin/busybox"));
            for (var f : List.of(Map.entry("bin/sh", busybox), Map.entry("bin/date", busybox), Map.entry("bin/od", busybox),
                    Map.entry("version", (version + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8)))) {
                var entry = new org.apache.commons.compress.archivers.tar.TarArchiveEntry(f.getKey());
                entry.setSize(f.getValue().length);
                entry.setMode(0100755);
                tar.putArchiveEntry(entry);
                tar.write(f.getValue());
                tar.closeArchiveEntry();
            }
        }
        Path layout = state.resolve("layout-" + version);
        Digest digest = dev.vulcan.daemon.image.TestImages.ociLayout(layout, null, List.of(bytes.toByteArray()));
        images.importImage(layout, ref);
        return digest;
    }

    @Test
    void memoryAboveWhatTheMachineHasIsRefused() {
        assertThatThrownBy(() -> backend.admit(Runtime.SHELL, new Limits(1, 64 * 1024 * 1024, Duration.ofSeconds(5)), null))
                .isInstanceOf(InvalidException.class).hasMessageContaining("more than this machine has");
    }
}
