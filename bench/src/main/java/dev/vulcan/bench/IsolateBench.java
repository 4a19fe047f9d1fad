package dev.vulcan.bench;

import dev.vulcan.api.Json;
import dev.vulcan.cli.http.HttpRequest;
import dev.vulcan.cli.http.HttpResponse;
import dev.vulcan.cli.http.KeepAliveConnection;
import dev.vulcan.cli.http.UnixHttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The isolate benchmark: in one run, raw Deno workers and the same work through
 * POST /v1/workloads on the unix socket, sequential latency and throughput at concurrency 16,
 * RSS per idle isolate, and the CLI's wall time. Prints a table and writes JSON.
 */
public final class IsolateBench {

    private static final String SUM = "export default (input) => ({ sum: input.a + input.b });";
    private static final int WARM_UP = 1000;

    public static void main(String[] args) throws Exception {
        boolean quick = List.of(args).contains("--quick");
        int iterations = quick ? 100 : 300;
        int concurrentTotal = quick ? 200 : 600;
        int concurrency = 16;
        Path home = Path.of(System.getProperty("vulcan.home", ".")).toAbsolutePath().normalize();
        JsonMapper json = Json.mapper();
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("date", Instant.now().toString());
        report.put("machine", Machine.describe());

        Raw raw = Raw.run(home, iterations, concurrentTotal, concurrency, json);
        try (DaemonUnderTest daemon = DaemonUnderTest.start(home)) {
            UnixHttpClient unix = new UnixHttpClient(daemon.socket());
            // One kept-alive connection per caller, as an SDK would hold: the figures are the API's,
            // not the cost of a new socket per request (the CLI's one-shot path is timed below).
            KeepAliveConnection client = unix.keepAlive();
            byte[] body = json.writeValueAsBytes(Map.of("runtime", "node", "code", SUM, "input", Map.of("a", 1, "b", 2)));
            // Steady state: the daemon's JIT needs several hundred requests before the path is compiled
            // (measured: handler median 7.6 ms after 300 requests, 5.5 ms after 600).
            for (int i = 0; i < WARM_UP; i++) {
                call(client, body, json);
            }
            List<Double> back2back = new ArrayList<>();
            for (int i = 0; i < iterations; i++) {
                back2back.add(call(client, body, json));
            }
            List<Double> lowLoad = new ArrayList<>();
            for (int i = 0; i < iterations; i++) {
                Thread.sleep(20);
                lowLoad.add(call(client, body, json));
            }
            double apiThroughput = throughput(unix, body, json, concurrentTotal, concurrency);
            client.close();
            long hostRss = daemon.isolateHostsRssBytes();
            int hosts = daemon.isolateHostCount();
            Samples cli = daemon.cliWallTimes(home, 20);

            Samples rawSeq = new Samples(raw.sequentialMs());
            Samples apiSeq = new Samples(back2back);
            Samples apiLow = new Samples(lowLoad);
            report.put("raw_deno_worker", rawSeq.summary());
            report.put("api_sync_back_to_back", apiSeq.summary());
            report.put("api_sync_low_load_20ms_gap", apiLow.summary());
            report.put("ratio_api_to_raw_median", apiSeq.median() / rawSeq.median());
            report.put("ratio_api_low_load_to_raw_median", apiLow.median() / rawSeq.median());
            report.put("raw_throughput_per_s_c16", raw.throughputPerS());
            report.put("api_throughput_per_s_c16", apiThroughput);
            report.put("ratio_throughput_api_to_raw", apiThroughput / raw.throughputPerS());
            report.put("raw_rss_per_idle_isolate_mb", raw.rssPerIdleIsolateBytes() / 1e6);
            report.put("api_isolate_hosts", hosts);
            report.put("api_rss_per_idle_host_mb", hosts == 0 ? null : hostRss / 1e6 / hosts);
            report.put("cli_ls_wall", cli.summary());

            System.out.println();
            System.out.printf("%-34s %8s %8s %8s%n", "isolate benchmark (ms)", "min", "median", "p99");
            row("raw Deno worker (create+run+end)", rawSeq);
            row("API sync, back to back", apiSeq);
            row("API sync, 20 ms between calls", apiLow);
            row("CLI `vulcan ls` wall", cli);
            System.out.printf("ratio API/raw median: %.2f (back to back), %.2f (low load)%n",
                    apiSeq.median() / rawSeq.median(), apiLow.median() / rawSeq.median());
            System.out.printf("throughput at concurrency %d: raw %.1f/s, API %.1f/s (%.0f%% of raw)%n", concurrency,
                    raw.throughputPerS(), apiThroughput, 100 * apiThroughput / raw.throughputPerS());
            System.out.printf("RSS: raw %.1f MB per idle isolate; API %.1f MB per idle host process (%d hosts,"
                    + " each with one blank isolate)%n", raw.rssPerIdleIsolateBytes() / 1e6,
                    hosts == 0 ? 0 : hostRss / 1e6 / hosts, hosts);
        }
        Path out = home.resolve("bench/results");
        Files.createDirectories(out);
        Path file = out.resolve("isolate-" + Instant.now().toString().replace(":", "") + ".json");
        Files.writeString(file, json.writerWithDefaultPrettyPrinter().writeValueAsString(report));
        System.out.println("wrote " + file);
    }

    private static void row(String name, Samples s) {
        System.out.printf("%-34s %8.2f %8.2f %8.2f%n", name, s.min(), s.median(), s.p99());
    }

    private static double call(KeepAliveConnection client, byte[] body, JsonMapper json) throws Exception {
        long t0 = System.nanoTime();
        HttpResponse response = client.send(HttpRequest.post("/v1/workloads", "application/json", body));
        double ms = (System.nanoTime() - t0) / 1e6;
        JsonNode w = json.readTree(response.body());
        if (response.status() != 200 || !"completed".equals(w.get("status").asString())
                || w.get("output").get("sum").asInt() != 3) {
            throw new IllegalStateException("workload did not complete: " + response.bodyText());
        }
        return ms;
    }

    private static double throughput(UnixHttpClient unix, byte[] body, JsonMapper json, int total, int concurrency)
            throws Exception {
        AtomicInteger next = new AtomicInteger();
        long t0 = System.nanoTime();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<java.util.concurrent.Future<?>> workers = new ArrayList<>();
            for (int i = 0; i < concurrency; i++) {
                workers.add(pool.submit(() -> {
                    try (KeepAliveConnection client = unix.keepAlive()) {
                        while (next.getAndIncrement() < total) {
                            call(client, body, json);
                        }
                    }
                    return null;
                }));
            }
            for (var w : workers) {
                w.get(10, TimeUnit.MINUTES);
            }
        }
        return total / ((System.nanoTime() - t0) / 1e9);
    }

    /** The raw engine, measured by a Deno script beside this class's output. */
    record Raw(List<Double> sequentialMs, double throughputPerS, double rssPerIdleIsolateBytes) {
        static Raw run(Path home, int iterations, int total, int concurrency, JsonMapper json) throws Exception {
            Path dir = home.resolve("bench/raw");
            Process p = new ProcessBuilder(home.resolve("isolate-host/node_modules/@deno/linux-x64-glibc/deno").toString(),
                    "run", "--no-prompt", "--unstable-worker-options", "--allow-read=" + dir,
                    dir.resolve("deno-workers.ts").toString(), Integer.toString(iterations), Integer.toString(total),
                    Integer.toString(concurrency), "20")
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new IllegalStateException("raw Deno benchmark failed: " + out);
            }
            JsonNode n = json.readTree(out);
            List<Double> seq = new ArrayList<>();
            n.get("sequential_ms").forEach(v -> seq.add(v.asDouble()));
            return new Raw(seq, n.get("throughput_per_s").asDouble(), n.get("rss_per_idle_isolate_bytes").asDouble());
        }
    }
}
