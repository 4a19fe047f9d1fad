package dev.vulcan.daemon.backend.oci;

import static dev.vulcan.daemon.Prerequisites.skipOrFail;
import dev.vulcan.daemon.image.ImageReference;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real detached container running {@code sleep 1000} from a busybox rootfs (no image store, no
 * overlay: the rootfs is a plain directory), for tests of what happens inside a running container.
 * {@link #close()} deletes it, its cgroups and its bundle.
 */
public final class RunningContainer implements AutoCloseable {

    private static final Path BUSYBOX = Path.of("/bin/busybox");
    private static final ProcessRunner PROCESSES = new ProcessRunner.Native();
    private static final List<String> APPLETS = List.of("sh", "echo", "cat", "sleep", "true", "tty", "stty", "env", "pwd");

    private final OciRuntime runtime;
    private final String id;
    private final Path bundle;

    private RunningContainer(OciRuntime runtime, String id, Path bundle) {
        this.runtime = runtime;
        this.id = id;
        this.bundle = bundle;
    }

    /** Probes the runtime (skips the test outside CI when there is none) and starts a container under dir. */
    public static RunningContainer start(Path dir) throws IOException {
        if (!Files.isExecutable(BUSYBOX)) {
            skipOrFail("no static busybox at " + BUSYBOX + " (Debian busybox-static)");
        }
        JsonMapper json = JsonMapper.builder().build();
        BundleBuilder bundles = new BundleBuilder(json, PROCESSES);
        OciRuntime runtime = switch (OciRuntime.probe(OciRuntime.Preference.parse(System.getProperty("vulcan.oci.runtime",
                "auto")), dir.resolve("probe"), BUSYBOX, PROCESSES, bundles)) {
            case OciRuntime.Probe.Available a -> a.runtime();
            case OciRuntime.Probe.Unavailable u -> {
                skipOrFail(u.reason());
                yield null;
            }
        };
        String id = "it-exec-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        Path bundle = dir.resolve(id);
        Path bin = Files.createDirectories(bundle.resolve("rootfs/bin"));
        for (String d : List.of("tmp", "proc", "sys", "dev")) {
            Files.createDirectories(bundle.resolve("rootfs").resolve(d));
        }
        Files.copy(BUSYBOX, bin.resolve("busybox"));
        for (String applet : APPLETS) {
            Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
        }
        ContainerSpec spec = new ContainerSpec(id, ImageReference.parse("test/busybox:1"), null,
                List.of("/bin/sleep", "1000"), ContainerSpec.Resources.NONE, Duration.ofMinutes(5), false);
        bundles.writeConfig(bundle, List.of("/bin/sleep", "1000"), List.of("PATH=/bin"), "/", spec);
        RunningContainer container = new RunningContainer(runtime, id, bundle);
        try {
            // detached: the container keeps the stdio it is given, so not a pipe anyone waits on
            Process run = new ProcessBuilder(runtime.argv("run", "-d", "--bundle", bundle.toString(), id))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.to(bundle.resolve("run.err").toFile()))
                    .start();
            if (run.waitFor() != 0) {
                throw new IOException("run -d failed: " + Files.readString(bundle.resolve("run.err")));
            }
        } catch (IOException | RuntimeException e) {
            container.close();
            throw e;
        } catch (InterruptedException e) {
            container.close();
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        return container;
    }

    public OciRuntime runtime() {
        return runtime;
    }

    public String id() {
        return id;
    }

    @Override
    public void close() throws IOException {
        PROCESSES.run(runtime.argv("delete", "-f", id), Duration.ofSeconds(10));
        ContainerRun.removeCgroups(id);
        ContainerRun.deleteTree(bundle);
        String list = PROCESSES.check(runtime.argv("list"));
        if (list.contains(id)) {
            throw new IOException("container " + id + " still listed after delete: " + list);
        }
    }
}
