package dev.vulcan.daemon.benchmark;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The isolate backend's raw engine: plain Deno Workers (permissions none) in one Deno process, the same Deno
 * binary the hosts run, driven by isolate-host/raw-bench.ts (one process per measurement).
 */
record RawDeno(Path deno, Path script, JsonMapper json) implements Engine {

    @Override
    public String name() {
        return "raw Deno Worker";
    }

    @Override
    public List<Double> coldStartMs(int n) throws Exception {
        return doubles(run(Map.of("mode", "cold", "n", n)).get("latencies_ms"));
    }

    @Override
    public Optional<List<Double>> warmStartMs(int n) throws Exception {
        return Optional.of(doubles(run(Map.of("mode", "warm", "n", n)).get("latencies_ms")));
    }

    @Override
    public List<Double> memoryPerWorkloadMb(int k, int holdMs) throws Exception {
        return doubles(run(Map.of("mode", "memory", "k", k, "hold_ms", holdMs)).get("bytes_per_worker")).stream()
                .map(b -> b / 1e6).toList();
    }

    @Override
    public Concurrency concurrent(List<Integer> steps, int holdMs) throws Exception {
        int max = 0;
        List<String> detail = new ArrayList<>();
        for (JsonNode step : run(Map.of("mode", "concurrent", "steps", steps, "hold_ms", holdMs)).get("steps")) {
            if (step.get("ok").asBoolean()) {
                max = step.get("n").asInt();
                detail.add(step.get("n").asInt() + ": " + Math.round(step.get("wall_ms").asDouble()) + " ms");
            } else {
                detail.add(step.get("n").asInt() + ": failed");
            }
        }
        return new Concurrency(max, String.join(", ", detail));
    }

    @Override
    public double throughputPerS(Job job, int total, int concurrency) throws Exception {
        String mode = switch (job) {
            case HELLO -> "hello";
            case CPU -> "cpu";
            case HOLD -> throw new IllegalArgumentException("throughput of HOLD is not measured");
        };
        JsonNode result = run(Map.of("mode", mode, "n", total, "concurrency", concurrency));
        return total / (result.get("wall_ms").asDouble() / 1000);
    }

    private JsonNode run(Map<String, Object> args) throws Exception {
        Process p = new ProcessBuilder(deno.toString(), "run", "--no-prompt", "--unstable-worker-options",
                script.toString(), json.writeValueAsString(args))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        // stderr is small (a Deno error at most); read both after the exit would risk a full pipe on stdout
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("raw Deno benchmark " + args.get("mode") + " failed: " + err.strip());
        }
        return json.readTree(out);
    }

    private static List<Double> doubles(JsonNode array) {
        List<Double> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asDouble()));
        return values;
    }
}
