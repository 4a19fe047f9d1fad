package dev.vulcan.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Model.OptionSpec;
import tools.jackson.databind.JsonNode;

/**
 * vulcan benchmark: GET /v1/stats/benchmark as Server-Sent Events. The daemon runs the suite (it has the
 * backends); this command draws its progress (a bar redrawn in place on a terminal, one line per step
 * elsewhere, both on stderr), then prints the table and writes the report as JSON and as an SVG chart.
 */
final class BenchmarkCommand extends Subcommand {

    BenchmarkCommand(VulcanCommand root) {
        super(root, "benchmark",
                "Run the benchmark suite on every available backend (or those named) beside their raw engines.",
                "Measures cold start, warm start, memory per workload, max concurrent, hello-world and 1 s CPU"
                        + " throughput, each also as a ratio to the raw engine the backend wraps. Writes"
                        + " benchmark-TIME.json and benchmark-TIME.svg into --out.");
        spec.addOption(Specs.flag(new String[] {"--quick"}, "a short run (under 2 minutes on 2 cores)"));
        spec.addOption(OptionSpec.builder("--backend").type(List.class).auxiliaryTypes(String.class)
                .paramLabel("ISOLATION").description("only this backend (repeatable): isolate, container, gvisor, microvm")
                .build());
        spec.addOption(Specs.option("--out", String.class, "DIR", "where to write the JSON and SVG (default: .)"));
    }

    @Override
    public Integer call() throws IOException {
        List<String> backends = Specs.value(spec, "--backend");
        Map<String, Object> query = new LinkedHashMap<>();
        query.put("quick", Specs.given(spec, "--quick") ? "true" : null);
        query.put("backend", backends == null || backends.isEmpty() ? null : String.join(",", backends));
        String target = DaemonClient.target("/v1/stats/benchmark", query);
        String out = Specs.value(spec, "--out");
        Path dir = Path.of(out == null ? "." : out);
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("--out " + dir + " is not a directory");
        }
        DaemonClient client = root.client();
        Environment environment = root.environment();
        Progress progress = new Progress(root.err(), environment.terminal().getAsBoolean(), environment.columns());
        JsonNode[] result = {null};
        client.stream(target, event -> {
            switch (event.event()) {
                case "progress" -> {
                    JsonNode p = client.mapper().readTree(event.data());
                    progress.step(p.path("step").asInt(), p.path("steps").asInt(), Fields.text(p, "what"));
                }
                case "result" -> result[0] = client.mapper().readTree(event.data());
                case "error" -> throw client.error(event.data(), 422);
                default -> { } // an event this CLI does not know yet
            }
            return result[0] == null;
        });
        progress.done();
        if (result[0] == null) {
            throw new IOException("the benchmark's event stream ended before its result");
        }
        Files.createDirectories(dir);
        String stamp = Instant.now().toString().replace(":", "").replaceAll("\\.\\d+", "");
        Path json = dir.resolve("benchmark-" + stamp + ".json");
        Path svg = dir.resolve("benchmark-" + stamp + ".svg");
        Files.writeString(json, client.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(result[0]),
                StandardCharsets.UTF_8);
        Files.writeString(svg, BenchmarkChart.svg(result[0]), StandardCharsets.UTF_8);
        PrintWriter o = root.out();
        if (root.json()) {
            o.println(client.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(result[0]));
        } else {
            print(result[0], o);
            o.println("wrote " + json + " and " + svg);
        }
        o.flush();
        return 0;
    }

    static void print(JsonNode report, PrintWriter out) {
        Table table = new Table("BACKEND", "METRIC", "UNIT", "MIN", "MEDIAN", "P99", "RAW MEDIAN", "RATIO");
        for (JsonNode backend : Fields.elements(report.get("backends"))) {
            for (JsonNode figure : Fields.elements(backend.get("figures"))) {
                JsonNode v = figure.get("vulcan");
                JsonNode r = figure.get("raw");
                boolean present = v != null && !v.isNull();
                table.add(Fields.text(backend, "isolation"), Fields.text(figure, "metric"), Fields.text(figure, "unit"),
                        present ? number(v.get("min")) : "-", present ? number(v.get("median")) : "n/a",
                        present ? number(v.get("p99")) : "-",
                        r != null && !r.isNull() ? number(r.get("median")) : "-",
                        figure.hasNonNull("ratio") ? String.format(Locale.ROOT, "%.2fx", figure.get("ratio").asDouble())
                                : "-");
            }
        }
        table.print(out);
        for (JsonNode backend : Fields.elements(report.get("backends"))) {
            String raw = Fields.text(backend, "raw_engine");
            out.println(Fields.text(backend, "isolation") + ": raw engine " + (raw == null ? "none" : raw));
        }
        out.println(String.format(Locale.ROOT, "%s, %s run, %.1f s", Fields.text(report, "machine"),
                report.path("quick").asBoolean() ? "quick" : "full", report.path("seconds").asDouble()));
    }

    private static String number(JsonNode n) {
        double v = n.asDouble();
        return v >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.2f", v);
    }

    /** The suite's progress on stderr: one bar redrawn with CR on a terminal, else one line per step. */
    private static final class Progress {
        private final PrintWriter err;
        private final boolean terminal;
        private final int columns;
        private boolean drawn;

        Progress(PrintWriter err, boolean terminal, int columns) {
            this.err = err;
            this.terminal = terminal;
            this.columns = columns;
        }

        void step(int step, int steps, String what) {
            String line = "[" + step + "/" + steps + "] " + what;
            if (terminal) {
                int width = 20;
                int filled = steps == 0 ? 0 : (step - 1) * width / steps;
                line = "[" + "=".repeat(filled) + ">" + " ".repeat(width - filled) + "] " + step + "/" + steps + " " + what;
                line = line.length() >= columns ? line.substring(0, columns - 1) : line;
                err.print("\r" + line + " ".repeat(Math.max(0, columns - 1 - line.length())));
                drawn = true;
            } else {
                err.println(line);
            }
            err.flush();
        }

        void done() {
            if (drawn) {
                err.print("\r" + " ".repeat(columns - 1) + "\r");
                err.flush();
            }
        }
    }
}
