package dev.vulcan.bench;

import dev.vulcan.api.Json;
import dev.vulcan.daemon.backend.BackendStatus;
import dev.vulcan.daemon.backend.ExecutionRequest;
import dev.vulcan.daemon.backend.Limits;
import dev.vulcan.daemon.backend.LogSink;
import dev.vulcan.daemon.backend.Outcome;
import dev.vulcan.daemon.backend.Runtime;
import dev.vulcan.daemon.backend.microvm.MicroVmBackend;
import dev.vulcan.daemon.backend.oci.BaseImages;
import dev.vulcan.daemon.image.ImageStore;
import dev.vulcan.daemon.image.RegistryTrust;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import tools.jackson.databind.json.JsonMapper;

/**
 * The microVM benchmark, in-process on the backend (no HTTP in the figures): a python hello world
 * booted cold (warm starts off) and restored from a saved VM (its parked interpreter), the same for
 * an image command (busybox echo), the memory a VM costs the host beyond what its guest touched,
 * and 5 VMs at once. Prints a table and writes bench/results/microvm-*.json.
 */
public final class MicroVmBench {

    private static final String HELLO = "def handler(input):\n    return 'hello ' + str(input)\n";
    private static final LogSink QUIET = (stream, line) -> { };

    public static void main(String[] args) throws Exception {
        boolean quick = List.of(args).contains("--quick");
        int runs = quick ? 3 : 10;
        Path home = Path.of(System.getProperty("vulcan.home", ".")).toAbsolutePath().normalize();
        Path vmImages = Path.of(System.getenv().getOrDefault("VULCAN_VM_IMAGES", "/var/cache/vulcan/vm"));
        JsonMapper json = Json.mapper();
        Map<String, Object> report = Machine.startReport();
        Path work = Files.createTempDirectory("vulcan-bench-vm");
        AtomicInteger ids = new AtomicInteger();
        try {
            ImageStore images = ImageStore.open(work.resolve("images"), json, RegistryTrust.defaults(work.resolve("certs.d")));
            BaseImages base = new BaseImages(images, BaseImages.DEFAULT_DIR);
            try (MicroVmBackend cold = new MicroVmBackend(MicroVmBackend.Config.defaults(work.resolve("cold"))
                            .withImageDir(vmImages).withWarmStarts(false), json, images, base);
                    MicroVmBackend warm = new MicroVmBackend(MicroVmBackend.Config.defaults(work.resolve("warm"))
                            .withImageDir(vmImages), json, images, base)) {
                BackendStatus status = warm.probe();
                if (!(status instanceof BackendStatus.Available available)) {
                    throw new IllegalStateException("microvm unavailable: " + status);
                }
                cold.probe();
                report.put("accelerator", available.details().get("accelerator"));
                report.put("accelerator_reason", available.details().get("accelerator_reason"));
                report.put("qemu", available.version());
                // first runs build the rootfs (both) and the snapshot (warm): not in the figures
                long t0 = System.nanoTime();
                python(cold, ids);
                report.put("first_cold_run_with_rootfs_build_ms", (System.nanoTime() - t0) / 1e6);
                t0 = System.nanoTime();
                python(warm, ids);
                report.put("first_warm_run_with_rootfs_build_and_snapshot_ms", (System.nanoTime() - t0) / 1e6);

                List<Double> coldMs = new ArrayList<>();
                List<Double> warmMs = new ArrayList<>();
                for (int i = 0; i < runs; i++) {
                    coldMs.add(python(cold, ids));
                    warmMs.add(python(warm, ids));
                }
                Samples c = new Samples(coldMs);
                Samples w = new Samples(warmMs);
                report.put("python_hello_cold_boot_to_result", c.summary());
                report.put("python_hello_restore_to_result", w.summary());
                report.put("speedup_median", c.median() / w.median());

                // image commands (busybox echo): booted and mounted every time, against restored with the rootfs mounted
                String busybox = base.ensure(dev.vulcan.daemon.backend.oci.CodeImage.SHELL).toString();
                image(cold, ids, busybox);
                image(warm, ids, busybox);
                List<Double> imageCold = new ArrayList<>();
                List<Double> imageWarm = new ArrayList<>();
                for (int i = 0; i < Math.max(3, runs / 2); i++) {
                    imageCold.add(image(cold, ids, busybox));
                    imageWarm.add(image(warm, ids, busybox));
                }
                report.put("image_command_cold_boot_to_result", new Samples(imageCold).summary());
                report.put("image_command_restore_to_result", new Samples(imageWarm).summary());

                report.put("memory_shell_initramfs", memory(cold, ids, Runtime.SHELL));
                report.put("memory_python_restored", memory(warm, ids, Runtime.PYTHON));

                List<Double> concurrentMs = new ArrayList<>();
                long start = System.nanoTime();
                List<CompletableFuture<Double>> five = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    five.add(CompletableFuture.supplyAsync(() -> {
                        try {
                            return python(warm, ids);
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }));
                }
                for (CompletableFuture<Double> f : five) {
                    concurrentMs.add(f.get(600, TimeUnit.SECONDS));
                }
                report.put("five_concurrent_restored_python", new Samples(concurrentMs).summary());
                report.put("five_concurrent_wall_ms", (System.nanoTime() - start) / 1e6);
            }
        } finally {
            DaemonUnderTest.deleteTree(work);
        }
        report.put("load_average_at_end", Machine.loadAverage());
        String text = json.writerWithDefaultPrettyPrinter().writeValueAsString(report);
        System.out.println(text);
        Path results = home.resolve("bench/results");
        Files.createDirectories(results);
        Files.writeString(results.resolve("microvm-" + Instant.now().toString().replace(':', '-') + ".json"), text);
    }

    /** One python hello world to its result, in ms. */
    private static double python(MicroVmBackend backend, AtomicInteger ids) throws Exception {
        long t = System.nanoTime();
        Outcome o = backend.start(new ExecutionRequest("bench-" + ids.incrementAndGet(), Runtime.PYTHON, HELLO, "\"vm\"",
                new Limits(1, 256, Duration.ofSeconds(120))), QUIET).outcome().get(600, TimeUnit.SECONDS);
        double ms = (System.nanoTime() - t) / 1e6;
        if (!(o instanceof Outcome.Completed done) || !done.outputJson().equals("\"hello vm\"")) {
            throw new IllegalStateException("unexpected outcome " + o);
        }
        return ms;
    }

    /** One image command (busybox's echo, chrooted into the image's rootfs) to its result, in ms. */
    private static double image(MicroVmBackend backend, AtomicInteger ids, String ref) throws Exception {
        long t = System.nanoTime();
        Outcome o = backend.start(new ExecutionRequest("bench-img-" + ids.incrementAndGet(), Runtime.OCI, null, "null",
                new Limits(1, 256, Duration.ofSeconds(120)), new ExecutionRequest.ImageCommand(ref, List.of("echo hi"), true)),
                QUIET).outcome().get(600, TimeUnit.SECONDS);
        double ms = (System.nanoTime() - t) / 1e6;
        if (!(o instanceof Outcome.Exited done) || !done.outputJson().equals("\"hi\\n\"")) {
            throw new IllegalStateException("unexpected outcome " + o);
        }
        return ms;
    }

    /**
     * Host RSS of the VM's QEMU against what the guest touched (MemTotal - MemFree inside), sampled
     * while the workload sleeps: the difference is what the VMM itself costs.
     */
    private static Map<String, Object> memory(MicroVmBackend backend, AtomicInteger ids, Runtime runtime) throws Exception {
        String id = "bench-mem-" + ids.incrementAndGet();
        String code = runtime == Runtime.SHELL
                ? "grep -E 'MemTotal|MemFree' /proc/meminfo; sleep 4"
                : "import time\ndef handler(input):\n    time.sleep(4)\n    return open('/proc/meminfo').read()\n";
        var execution = backend.start(new ExecutionRequest(id, runtime, code, "null", new Limits(1, 256, Duration.ofSeconds(60))),
                QUIET);
        long rss = -1;
        long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        String name = "vulcan-wl-" + id;
        while (!execution.outcome().isDone() && System.nanoTime() < until) {
            for (ProcessHandle p : ProcessHandle.allProcesses().toList()) {
                if (p.info().commandLine().orElse("").contains("-name " + name + " ")) {
                    rss = Math.max(rss, rssBytes(p.pid()));
                }
            }
            Thread.sleep(200);
        }
        Outcome o = execution.outcome().get(120, TimeUnit.SECONDS);
        String meminfo = switch (o) {
            case Outcome.Exited x -> x.outputJson();
            case Outcome.Completed c -> c.outputJson();
            default -> throw new IllegalStateException("unexpected outcome " + o);
        };
        long total = kib(meminfo, "MemTotal"), free = kib(meminfo, "MemFree");
        long touched = (total - free) * 1024;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("guest_ram_mb", 256);
        m.put("qemu_rss_mb", rss / 1048576.0);
        m.put("guest_touched_mb", touched / 1048576.0);
        m.put("overhead_mb", (rss - touched) / 1048576.0);
        return m;
    }

    private static long kib(String meminfo, String field) {
        var m = java.util.regex.Pattern.compile(field + ":\\s+(\\d+) kB").matcher(meminfo.replace("\\n", "\n"));
        if (!m.find()) {
            throw new IllegalStateException("no " + field + " in " + meminfo);
        }
        return Long.parseLong(m.group(1));
    }

    private static long rssBytes(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (Exception e) {
            return -1;
        }
        return -1;
    }
}
