package dev.vulcan.bench;

import dev.vulcan.api.Json;
import dev.vulcan.cli.http.HttpRequest;
import dev.vulcan.cli.http.HttpResponse;
import dev.vulcan.cli.http.KeepAliveConnection;
import dev.vulcan.cli.http.UnixHttpClient;
import dev.vulcan.daemon.backend.oci.ProcessRunner;
import dev.vulcan.daemon.benchmark.raw.RawBundles;
import dev.vulcan.daemon.benchmark.raw.RawRuns;
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
 * The gVisor benchmark: in one run on the same busybox image, raw {@code runsc run} of a prepared bundle (with
 * the flags Vulcan gives runsc: its own --root, the platform the daemon's probe chose, --network=none), the same
 * over an overlayfs root, and {@code true} through POST /v1/workloads with isolation gvisor on a warm daemon over
 * a kept-alive connection; interleaved in a shuffled order. Prints min / median / p99 and each row's median as a
 * ratio to raw runsc's (target of issue 5: the workload at most 1.3x raw runsc at p50) and writes JSON.
 */
public final class GvisorBench {

    private static final String RAW = "raw runsc run (Vulcan's flags)";
    private static final String API = "Vulcan API sync, isolation gvisor (args [true])";

    public static void main(String[] args) throws Exception {
        boolean quick = List.of(args).contains("--quick");
        int runs = quick ? 20 : 60;
        int warmUp = quick ? 3 : 10;
        Path home = Path.of(System.getProperty("vulcan.home", ".")).toAbsolutePath().normalize();
        JsonMapper json = Json.mapper();
        Map<String, Object> report = Machine.startReport();
        Map<String, Samples> rows = new LinkedHashMap<>();
        Path work = Files.createTempDirectory("vulcan-bench-gvisor");
        Path runscRoot = Files.createDirectories(work.resolve("runsc-root"));
        try (RawBundles raw = RawBundles.prepare(work.resolve("raw"), ContainerBench.busyboxArchive(home, work), json);
                DaemonUnderTest daemon = DaemonUnderTest.start(home);
                KeepAliveConnection client = new UnixHttpClient(daemon.socket()).keepAlive()) {
            HttpResponse imported = client.send(HttpRequest.post("/v1/images/import", "application/json",
                    json.writeValueAsBytes(Map.of("path", work.resolve("busybox.oci.tar").toString(),
                            "name", ContainerBench.IMAGE))));
            if (imported.status() != 200) {
                throw new IllegalStateException("image import failed: " + imported.bodyText());
            }
            JsonNode backend = gvisorBackend(client, json);
            if (!backend.path("available").asBoolean()) {
                throw new IllegalStateException("the gvisor backend is unavailable: " + backend.path("reason").asString());
            }
            String platform = backend.path("platform").asString();
            report.put("vulcan_backend", backend);
            List<String> runsc = List.of("runsc", "--root=" + runscRoot, "--platform=" + platform, "--network=none");
            report.put("raw_runsc", String.join(" ", runsc));
            Path bundle = raw.bundle("gv", List.of("true"));
            Path overlay = raw.overlayBundle("gv-overlay", List.of("true"));
            byte[] body = json.writeValueAsBytes(Map.of("image", ContainerBench.IMAGE, "args", List.of("true"),
                    "isolation", "gvisor"));
            Map<String, java.util.concurrent.Callable<Double>> variants = new LinkedHashMap<>();
            variants.put(RAW, () -> RawRuns.once(runsc, bundle, "runsc"));
            variants.put("raw runsc run, overlay rootfs", () -> RawRuns.once(runsc, overlay, "runsc-ov"));
            variants.put(API, () -> call(client, body, json));
            for (int i = 0; i < warmUp; i++) {
                for (var v : variants.values()) v.call();
            }
            rows.putAll(Rounds.shuffled(variants, runs, "gvisor bench"));
        } finally {
            new ProcessRunner.Native().run(List.of("runsc", "--root=" + runscRoot, "list"), java.time.Duration.ofSeconds(10));
            DaemonUnderTest.deleteTree(work);
        }

        Samples rawRow = rows.get(RAW);
        Map<String, Object> figures = new LinkedHashMap<>();
        System.out.println();
        System.out.printf("%-52s %8s %8s %8s %10s%n", "gvisor benchmark (ms)", "min", "median", "p99", "/runsc p50");
        rows.forEach((name, s) -> {
            System.out.printf("%-52s %8.2f %8.2f %8.2f %10.2f%n", name, s.min(), s.median(), s.p99(),
                    s.median() / rawRow.median());
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("summary", s.summary());
            f.put("ratio_median_to_raw_runsc", s.median() / rawRow.median());
            figures.put(name, f);
        });
        double ratio = rows.get(API).median() / rawRow.median();
        System.out.printf("gvisor workload p50 / raw runsc p50 = %.2f (target <= 1.30: %s)%n", ratio,
                ratio <= 1.3 ? "met" : "missed");
        report.put("figures", figures);
        report.put("ratio_api_to_raw_runsc_p50", ratio);
        Machine.writeReport(home, "gvisor", report, json);
    }

    private static JsonNode gvisorBackend(KeepAliveConnection client, JsonMapper json) throws Exception {
        HttpResponse r = client.send(HttpRequest.get("/v1/backends"));
        for (JsonNode b : json.readTree(r.body())) {
            if ("gvisor".equals(b.path("isolation").asString())) {
                return b;
            }
        }
        throw new IllegalStateException("no gvisor backend in /v1/backends: " + r.bodyText());
    }

    private static double call(KeepAliveConnection client, byte[] body, JsonMapper json) throws Exception {
        long t0 = System.nanoTime();
        HttpResponse response = client.send(HttpRequest.post("/v1/workloads", "application/json", body));
        double ms = (System.nanoTime() - t0) / 1e6;
        JsonNode w = json.readTree(response.body());
        if (response.status() != 200 || !"completed".equals(w.path("status").asString())
                || w.path("exit_code").asInt(-1) != 0) {
            throw new IllegalStateException("gvisor workload did not complete: " + response.bodyText());
        }
        return ms;
    }

}
