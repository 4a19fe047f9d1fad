package dev.vulcan.daemon.benchmark;

import dev.vulcan.api.Isolation;
import dev.vulcan.daemon.backend.Backend;
import dev.vulcan.daemon.backend.ExecutionRequest.ImageCommand;
import dev.vulcan.daemon.backend.Runtime;
import dev.vulcan.daemon.backend.oci.CodeImage;
import dev.vulcan.daemon.backend.oci.ContainerBackend;
import dev.vulcan.daemon.benchmark.raw.RawBundles;
import dev.vulcan.daemon.image.ImageStore;
import dev.vulcan.daemon.workload.WorkloadSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import tools.jackson.databind.json.JsonMapper;

/**
 * The one place that knows, per isolation, what the suite runs there and which raw engine it is compared with:
 *
 * <pre>
 * isolation  workload                         pool            raw engine
 * isolate    JavaScript code                  Deno hosts      raw Deno Worker (isolate-host/raw-bench.ts)
 * container  busybox image, exec-form argv    none            the backend's OCI runtime as it invokes it (crun/runc)
 * gvisor     busybox image, exec-form argv    none            the backend's OCI runtime (runsc)
 * microvm    shell code in the VM             none            none yet (a bare QEMU boot is not comparable)
 * </pre>
 *
 * A new isolation breaks the build here until it is given its row.
 */
final class Subjects {

    /** Isolate cold starts use memory classes from here up: no pool exists for them, so each starts a host. */
    static final int COLD_MEMORY_CLASS = 200;
    static final int TIMEOUT_S = 120;
    /** The shell runtime's base image: busybox, on every OCI backend and in the raw bundles alike. */
    static final String BUSYBOX = CodeImage.SHELL.image().toString();

    private Subjects() {}

    /** Where the raw engines find their tools and scratch space. */
    record Context(Path deno, Path isolateHostDir, ImageStore images, Path scratch, JsonMapper json) {}

    /** What runs on one isolation. */
    record Subject(Isolation isolation, boolean pooled, int holdMs, SpecMaker specs) {
        WorkloadSpec spec(Job job, Integer memMb) {
            return specs.make(job, memMb, holdMs);
        }
    }

    interface SpecMaker {
        WorkloadSpec make(Job job, Integer memMb, int holdMs);
    }

    static Subject subject(Isolation isolation, int holdMs) {
        return switch (isolation) {
            case ISOLATE -> new Subject(isolation, true, holdMs, (job, memMb, hold) -> new WorkloadSpec(
                    Runtime.JAVASCRIPT, isolation, javascript(job, hold), "null", null, memMb, TIMEOUT_S));
            case CONTAINER, GVISOR -> new Subject(isolation, false, holdMs, (job, memMb, hold) -> new WorkloadSpec(
                    Runtime.OCI, isolation, null, "null", null, memMb, TIMEOUT_S,
                    new ImageCommand(BUSYBOX, busybox(job, hold), false)));
            case MICROVM -> new Subject(isolation, false, holdMs, (job, memMb, hold) -> new WorkloadSpec(
                    Runtime.SHELL, isolation, shell(job, hold), "null", null, memMb, TIMEOUT_S));
            case AUTO -> throw new IllegalArgumentException("auto is not a backend");
        };
    }

    /** Readies what this isolation's workloads need before the first one (the OCI backends' busybox image). */
    static void prepare(Isolation isolation, Backend backend) {
        switch (isolation) {
            case CONTAINER, GVISOR -> backend.prepare(Runtime.SHELL); // imports the busybox base image once
            case ISOLATE, MICROVM -> backend.prepare(runtimeOf(isolation));
            case AUTO -> throw new IllegalArgumentException("auto is not a backend");
        }
    }

    private static Runtime runtimeOf(Isolation isolation) {
        return isolation == Isolation.ISOLATE ? Runtime.JAVASCRIPT : Runtime.SHELL;
    }

    /** The raw engine of this isolation's backend, or empty with no baseline; the reason goes in the report. */
    static Optional<Engine> raw(Isolation isolation, Backend backend, Context context, int holdMs) throws IOException {
        return switch (isolation) {
            case ISOLATE -> Optional.of(new RawDeno(context.deno(), context.isolateHostDir().resolve("raw-bench.ts"),
                    context.json()));
            case CONTAINER, GVISOR -> {
                if (!(backend instanceof ContainerBackend containers)) {
                    yield Optional.empty();
                }
                var runtime = containers.runtime();
                backend.prepare(Runtime.SHELL); // imports the busybox base image if the store lacks it
                List<Path> layers = new ArrayList<>(context.images().unpack(CodeImage.SHELL.image()));
                Collections.reverse(layers); // overlayfs wants the top layer first
                Path dir = Files.createDirectories(context.scratch()).resolve(isolation.wire() + "-" + System.nanoTime());
                RawBundles bundles = RawBundles.overLayers(dir, layers, List.of("PATH=/bin:/usr/bin:/sbin:/usr/sbin"),
                        context.json());
                yield Optional.of(new RawOci("raw " + runtime.kind().name().toLowerCase(Locale.ROOT) + " run",
                        runtime.command(), bundles, job -> busybox(job, holdMs)));
            }
            case MICROVM -> Optional.empty();
            case AUTO -> throw new IllegalArgumentException("auto is not a backend");
        };
    }

    /** Why an isolation has no raw engine, for the report. */
    static String noRawEngine(Isolation isolation) {
        return switch (isolation) {
            case MICROVM -> "no raw baseline yet: a bare QEMU boot of the same initramfs is issue 6's bench";
            case ISOLATE, CONTAINER, GVISOR, AUTO -> "this backend did not offer its OCI runtime";
        };
    }

    private static String javascript(Job job, int holdMs) {
        return switch (job) {
            case HELLO -> "export default () => 'hello world';";
            case CPU -> "export default () => { const end = Date.now() + 1000; let x = 0;"
                    + " while (Date.now() < end) { x++; } return x > 0; };";
            case HOLD -> "export default async () => { await new Promise((r) => setTimeout(r, " + holdMs + "));"
                    + " return 'held'; };";
        };
    }

    private static List<String> busybox(Job job, int holdMs) {
        return switch (job) {
            case HELLO -> List.of("/bin/busybox", "echo", "hello world");
            case CPU -> List.of("/bin/busybox", "sh", "-c", cpuShell());
            case HOLD -> List.of("/bin/busybox", "sleep", seconds(holdMs));
        };
    }

    private static String shell(Job job, int holdMs) {
        return switch (job) {
            case HELLO -> "echo hello world";
            case CPU -> cpuShell();
            case HOLD -> "sleep " + seconds(holdMs);
        };
    }

    /** One core busy for 1 s: busybox timeout ends the loop (exit 143), the job itself succeeds. */
    private static String cpuShell() {
        return "/bin/busybox timeout 1 /bin/busybox sh -c 'while :; do :; done'; exit 0";
    }

    private static String seconds(int ms) {
        return Integer.toString(Math.max(1, ms / 1000)); // busybox sleep takes whole seconds
    }
}
