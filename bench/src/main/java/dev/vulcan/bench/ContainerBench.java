package dev.vulcan.bench;

import dev.vulcan.daemon.benchmark.raw.RawBundles;
import dev.vulcan.daemon.benchmark.raw.RawRuns;

import dev.vulcan.api.Json;
import dev.vulcan.cli.http.HttpRequest;
import dev.vulcan.cli.http.HttpResponse;
import dev.vulcan.cli.http.KeepAliveConnection;
import dev.vulcan.cli.http.UnixHttpClient;
import dev.vulcan.daemon.backend.oci.BundleBuilder;
import dev.vulcan.daemon.backend.oci.OciRuntime;
import dev.vulcan.daemon.backend.oci.ProcessRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The container benchmark: in one run on the same busybox image, raw {@code runc run} and raw
 * {@code crun run} of a prepared bundle, {@code true} through POST /v1/workloads on a warm daemon over a
 * kept-alive connection, and {@code podman run --rm}; then 50 containers started at once, through the API
 * and with raw crun. Prints a table and writes JSON.
 */
public final class ContainerBench {

    static final String IMAGE = "vulcan-bench/busybox:latest";
    private static final String CRUN = "raw crun run (as Vulcan invokes it)";
    private static final Path BUSYBOX = Path.of("/bin/busybox");

    public static void main(String[] args) throws Exception {
        List<String> options = List.of(args);
        boolean quick = options.contains("--quick");
        int at = options.indexOf("--baseline");
        Path baseline = at < 0 || at + 1 >= args.length ? null : Path.of(args[at + 1]).toAbsolutePath().normalize();
        int runs = quick ? 30 : 200;
        int podmanRuns = quick ? 10 : 50;
        int warmUp = quick ? 20 : 100;
        int concurrent = 50;
        int rounds = quick ? 1 : 3;
        Path home = Path.of(System.getProperty("vulcan.home", ".")).toAbsolutePath().normalize();
        JsonMapper json = Json.mapper();
        Map<String, Object> report = Machine.startReport();

        Path work = Files.createTempDirectory("vulcan-bench-oci");
        Map<String, Samples> rows = new LinkedHashMap<>();
        List<String> notes = new ArrayList<>();
        try (RawBundles raw = RawBundles.prepare(work.resolve("raw"), busyboxArchive(home, work), json)) {
            ProcessRunner processes = new ProcessRunner.Native();
            BundleBuilder builder = new BundleBuilder(json, processes);
            OciRuntime runc = runtime(OciRuntime.Preference.RUNC, work, processes, builder);
            OciRuntime crun = runtime(OciRuntime.Preference.CRUN, work, processes, builder);
            report.put("crun_as_vulcan_invokes_it", String.join(" ", crun.command()));
            // what the daemon runs for workloads: the same wrapper, crun started from a sealed copy (not a raw row)
            OciRuntime sealedCrun = crun.sealed(work.resolve("probe"), BUSYBOX, processes, builder);
            Path bundle = raw.bundle("seq", List.of("true"));
            Path overlay = raw.overlayBundle("seq-overlay", List.of("true"));
            String bare = RawRuns.tryOnce(List.of("crun"), bundle, "crun-bare");
            if (bare != null) {
                notes.add("bare crun fails here: " + bare);
            }

            // --baseline DIR: a second daemon from another checkout (built with its scripts/setup), measured
            // beside this one in the same rounds: a before/after of a change under the same load.
            try (DaemonUnderTest daemon = DaemonUnderTest.start(home);
                    DaemonUnderTest before = baseline == null ? null : DaemonUnderTest.start(baseline)) {
                ApiRuns api = ApiRuns.connect(daemon.socket(), json, work.resolve("busybox.oci.tar"));
                ApiRuns old = before == null ? null : ApiRuns.connect(before.socket(), json, work.resolve("busybox.oci.tar"));
                report.put("vulcan_backend", api.containerBackend());
                for (int i = 0; i < warmUp; i++) {
                    api.runTrue();
                    if (old != null) old.runTrue();
                }
                long logStart = Files.readAllLines(daemon.log()).size();
                long oldLogStart = before == null ? 0 : Files.readAllLines(before.log()).size();
                api.forgetLatencies();
                // Interleaved, one of each per round in a shuffled order: load from elsewhere hits every row alike,
                // and no row always follows the same one (a container's teardown, e.g. its network namespace,
                // finishes in the kernel after its run returned and slows whatever starts next: in a fixed order
                // two identical daemons differed by 6 ms at the median).
                Map<String, java.util.concurrent.Callable<Double>> variants = new LinkedHashMap<>();
                variants.put("raw runc run", () -> RawRuns.once(runc.command(), bundle, "runc"));
                variants.put(CRUN, () -> RawRuns.once(crun.command(), bundle, "crun"));
                if (bare == null) {
                    variants.put("raw crun run (bare)", () -> RawRuns.once(List.of("crun"), bundle, "crun-bare"));
                }
                variants.put("raw crun run, overlay rootfs", () -> RawRuns.once(crun.command(), overlay, "crun-ov"));
                if (!sealedCrun.equals(crun)) {
                    variants.put("  crun as above, started from a sealed copy", () -> RawRuns.once(sealedCrun.command(),
                            bundle, "crun-sealed"));
                }
                variants.put("Vulcan API sync (args [true])", api::runTrue);
                if (old != null) {
                    variants.put("Vulcan API sync, baseline " + baseline.getFileName(), old::runTrue);
                }
                variants.put("  wrapper alone: unshare + sh + umount, exec true", () -> RawRuns.wrapperOnce(crun.command()));
                variants.put("  plain exec of true (process spawn from Java)", () -> RawRuns.wrapperOnce(List.of()));
                rows.putAll(Rounds.shuffled(variants, runs, "container bench"));
                Map<String, Double> backendMs = PhaseLog.backendMsById(daemon.log(), json);
                List<Double> outside = new ArrayList<>();
                api.latencyById().forEach((id, ms) -> {
                    Double inside = backendMs.get(id.toLowerCase(java.util.Locale.ROOT));
                    if (inside != null) {
                        outside.add(ms - inside);
                    }
                });
                if (!outside.isEmpty()) {
                    rows.put("  API minus the daemon's container phases", new Samples(outside));
                }
                // the daemon's phases of the sequential runs only (cleanup lines need VULCAN_LOG_LEVEL=DEBUG)
                report.put("daemon_phases_sequential_median_ms", PhaseLog.summarise(daemon.log(), json, logStart));
                if (before != null) {
                    report.put("baseline_phases_sequential_median_ms", PhaseLog.summarise(before.log(), json, oldLogStart));
                }
                bursts(api, daemon, "Vulcan API", "api", concurrent, rounds, rows, report, notes, json);
                if (old != null) {
                    bursts(old, before, "Vulcan API baseline", "baseline", concurrent, rounds, rows, report, notes, json);
                    old.close();
                }
                api.close();
            }

            List<Path> bundles = new ArrayList<>();
            for (int i = 0; i < concurrent; i++) {
                bundles.add(raw.bundle("c" + i, List.of("true")));
            }
            List<Double> crunConcurrent = new ArrayList<>();
            List<Double> crunWalls = new ArrayList<>();
            int crunFailures = 0;
            for (int r = 0; r < rounds; r++) {
                RawRuns.Burst burst = RawRuns.burst(crun.command(), bundles, "crun-" + r);
                crunConcurrent.addAll(burst.latenciesMs());
                crunWalls.add(burst.wallMs());
                crunFailures += burst.failures();
            }
            rows.put("raw crun, " + concurrent + " at once (each)", new Samples(crunConcurrent));
            rows.put("raw crun, " + concurrent + " at once (wall)", new Samples(crunWalls));
            report.put("raw_crun_concurrent_failures", crunFailures);

            Podman.Result podman = Podman.run(work.resolve("busybox.oci.tar"), IMAGE, podmanRuns);
            if (podman.samples() != null) {
                rows.put("podman run --rm (runc, --network none)", podman.samples());
            }
            if (podman.note() != null) {
                notes.add(podman.note());
            }
        } finally {
            DaemonUnderTest.deleteTree(work);
        }

        Samples runcRow = rows.get("raw runc run");
        Samples crunRow = rows.get(CRUN);
        Map<String, Object> figures = new LinkedHashMap<>();
        System.out.println();
        System.out.printf("%-52s %8s %8s %8s %9s %9s%n", "container benchmark (ms)", "min", "median", "p99", "/runc p50",
                "/crun p50");
        rows.forEach((name, s) -> {
            System.out.printf("%-52s %8.2f %8.2f %8.2f %9.2f %9.2f%n", name, s.min(), s.median(), s.p99(),
                    s.median() / runcRow.median(), s.median() / crunRow.median());
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("summary", s.summary());
            f.put("ratio_median_to_raw_runc", s.median() / runcRow.median());
            f.put("ratio_median_to_raw_crun", s.median() / crunRow.median());
            figures.put(name.strip(), f);
        });
        System.out.printf("failures at %d concurrent: API %s, raw crun %s%s%n", concurrent,
                report.get("api_concurrent_failures"), report.get("raw_crun_concurrent_failures"),
                baseline == null ? "" : ", baseline " + report.get("baseline_concurrent_failures"));
        notes.forEach(n -> System.out.println("note: " + n));
        System.out.println("daemon phases (ms, median), sequential: " + report.get("daemon_phases_sequential_median_ms"));
        System.out.println("daemon phases (ms, median), " + concurrent + " at once: "
                + report.get("api_phases_concurrent_median_ms"));
        if (baseline != null) {
            System.out.println("baseline phases (ms, median), sequential: " + report.get("baseline_phases_sequential_median_ms")
                    + "; " + concurrent + " at once: " + report.get("baseline_phases_concurrent_median_ms"));
        }
        report.put("figures", figures);
        report.put("notes", notes);
        Machine.writeReport(home, "container", report, json);
    }

    /** rounds of n requests at once through one daemon's API. */
    private static void bursts(ApiRuns api, DaemonUnderTest daemon, String row, String key, int n, int rounds,
            Map<String, Samples> rows, Map<String, Object> report, List<String> notes, JsonMapper json) throws Exception {
        long logStart = Files.readAllLines(daemon.log()).size();
        List<Double> each = new ArrayList<>();
        List<Double> walls = new ArrayList<>();
        int failures = 0;
        for (int r = 0; r < rounds; r++) {
            ApiRuns.Burst burst = api.burst(n);
            each.addAll(burst.latenciesMs());
            walls.add(burst.wallMs());
            failures += burst.failures().size();
            burst.failures().stream().limit(3).forEach(f -> notes.add(row + " concurrent failure: " + f));
        }
        if (!each.isEmpty()) {
            rows.put(row + ", " + n + " at once (each)", new Samples(each));
        }
        rows.put(row + ", " + n + " at once (wall)", new Samples(walls));
        report.put(key + "_concurrent_failures", failures);
        report.put(key + "_concurrent_rounds", rounds);
        report.put(key + "_phases_concurrent_median_ms", PhaseLog.summarise(daemon.log(), json, logStart));
    }

    static Path busyboxArchive(Path home, Path work) throws Exception {
        Path archive = work.resolve("busybox.oci.tar");
        new ProcessRunner.Native().check(List.of(home.resolve("scripts/busybox-image").toString(), archive.toString(), IMAGE));
        return archive;
    }

    private static OciRuntime runtime(OciRuntime.Preference preference, Path work, ProcessRunner processes,
            BundleBuilder builder) {
        return switch (OciRuntime.probe(preference, work.resolve("probe"), BUSYBOX, processes, builder)) {
            case OciRuntime.Probe.Available a -> a.runtime();
            case OciRuntime.Probe.Unavailable u -> throw new IllegalStateException(u.reason());
        };
    }

    /** The API's container path through one kept-alive connection, as an SDK would hold it. */
    static final class ApiRuns implements AutoCloseable {
        record Burst(List<Double> latenciesMs, double wallMs, List<String> failures) {}

        private final UnixHttpClient unix;
        private final KeepAliveConnection client;
        private final JsonMapper json;
        private final byte[] body;
        private final Map<String, Double> latencies = new java.util.concurrent.ConcurrentHashMap<>();

        private ApiRuns(UnixHttpClient unix, JsonMapper json, Map<String, Object> extra) throws Exception {
            this.unix = unix;
            this.client = unix.keepAlive();
            this.json = json;
            Map<String, Object> workload = new LinkedHashMap<>(Map.of("image", IMAGE, "args", List.of("true"),
                    "isolation", "container"));
            workload.putAll(extra);
            this.body = json.writeValueAsBytes(workload);
        }

        static ApiRuns connect(Path socket, JsonMapper json, Path archive) throws Exception {
            return connect(socket, json, archive, Map.of());
        }

        /** Runs of {@code true} whose workload spec also has the {@code extra} fields (e.g. a network). */
        static ApiRuns connect(Path socket, JsonMapper json, Path archive, Map<String, Object> extra) throws Exception {
            ApiRuns api = new ApiRuns(new UnixHttpClient(socket), json, extra);
            HttpResponse imported = api.client.send(HttpRequest.post("/v1/images/import", "application/json",
                    json.writeValueAsBytes(Map.of("path", archive.toString(), "name", IMAGE))));
            if (imported.status() != 200) {
                throw new IllegalStateException("image import failed: " + imported.bodyText());
            }
            return api;
        }

        String containerBackend() throws Exception {
            HttpResponse r = client.send(HttpRequest.get("/v1/backends"));
            for (JsonNode b : json.readTree(r.body())) {
                if ("container".equals(b.path("isolation").asString())) {
                    return b.toString();
                }
            }
            return "none";
        }

        double runTrue() throws Exception {
            return call(client);
        }

        /** Latency of each sequential call (not the warm-up's) by workload id. */
        Map<String, Double> latencyById() {
            return latencies;
        }

        void forgetLatencies() {
            latencies.clear();
        }

        Samples sequential(int runs) throws Exception {
            List<Double> ms = new ArrayList<>();
            for (int i = 0; i < runs; i++) {
                ms.add(call(client));
            }
            return new Samples(ms);
        }

        /** n requests sent at once, each on its own (already open) connection. */
        Burst burst(int n) throws Exception {
            List<KeepAliveConnection> connections = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                connections.add(unix.keepAlive());
            }
            List<Double> latencies = java.util.Collections.synchronizedList(new ArrayList<>());
            List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            long t0;
            try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                for (KeepAliveConnection c : connections) {
                    pool.submit(() -> {
                        go.await();
                        try {
                            latencies.add(call(c));
                        } catch (Exception e) {
                            failures.add(String.valueOf(e.getMessage()));
                        }
                        return null;
                    });
                }
                t0 = System.nanoTime();
                go.countDown();
            }
            double wall = (System.nanoTime() - t0) / 1e6;
            for (KeepAliveConnection c : connections) {
                c.close();
            }
            return new Burst(latencies, wall, failures);
        }

        private double call(KeepAliveConnection c) throws Exception {
            long t0 = System.nanoTime();
            HttpResponse response = c.send(HttpRequest.post("/v1/workloads", "application/json", body));
            double ms = (System.nanoTime() - t0) / 1e6;
            JsonNode w = json.readTree(response.body());
            if (response.status() != 200 || !"completed".equals(w.path("status").asString())
                    || w.path("exit_code").asInt(-1) != 0) {
                throw new IllegalStateException("container workload did not complete: " + response.bodyText());
            }
            latencies.put(w.path("id").asString(), ms);
            return ms;
        }

        @Override
        public void close() throws Exception {
            client.close();
        }
    }
}
