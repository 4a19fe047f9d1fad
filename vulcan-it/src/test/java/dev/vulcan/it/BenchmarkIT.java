package dev.vulcan.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import tools.jackson.databind.JsonNode;

/**
 * `vulcan benchmark --quick` against a real daemon: every available backend gets every metric with
 * min <= median <= p99 and, where the backend has a raw engine, the raw figure and the ratio; the SVG is
 * well-formed with one series per backend. Bad input gets a 4xx and a one-line CLI error.
 */
class BenchmarkIT extends SharedDaemon {

    private static final List<String> METRICS = List.of("cold_start_ms", "warm_start_ms", "memory_per_workload_mb",
            "max_concurrent", "hello_throughput_per_s", "cpu_1s_throughput_per_s");

    static List<String> available = new ArrayList<>();

    @BeforeAll
    static void backends() {
        available.addAll(daemon.availableBackends());
    }

    @Test
    void quickSuiteMeasuresEveryAvailableBackendBesideItsRawEngine() throws Exception {
        assertThat(available).contains("isolate", "container");
        Path out = temp.resolve("out");
        Cli.Result run = cli(List.of("benchmark", "--quick", "--out", out.toString()));
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.err()).as("progress, one line per step off a terminal").contains("[1/").contains("cold_start_ms");
        assertThat(run.out()).contains("BACKEND", "MEDIAN", "RATIO", "wrote ");

        JsonNode report;
        Path svg;
        try (Stream<Path> files = Files.list(out)) {
            List<Path> written = files.sorted().toList();
            assertThat(written).hasSize(2);
            report = Http.mapper().readTree(Files.readString(written.stream()
                    .filter(p -> p.toString().endsWith(".json")).findFirst().orElseThrow()));
            svg = written.stream().filter(p -> p.toString().endsWith(".svg")).findFirst().orElseThrow();
        }
        assertThat(report.get("quick").asBoolean()).isTrue();
        assertThat(report.get("seconds").asDouble()).isPositive();
        Set<String> measured = new HashSet<>();
        for (JsonNode backend : report.get("backends")) {
            String isolation = backend.get("isolation").asString();
            measured.add(isolation);
            boolean hasRaw = !isolation.equals("microvm");
            assertThat(backend.hasNonNull("raw_engine")).as(isolation).isEqualTo(hasRaw);
            List<String> metrics = new ArrayList<>();
            for (JsonNode figure : backend.get("figures")) {
                String metric = figure.get("metric").asString();
                metrics.add(metric);
                boolean applies = !metric.equals("warm_start_ms") || isolation.equals("isolate");
                String what = isolation + " " + metric + ": " + figure;
                assertThat(figure.hasNonNull("vulcan")).as(what).isEqualTo(applies);
                if (!applies) {
                    assertThat(figure.get("note").asString()).as(what).contains("no warm pool");
                    continue;
                }
                assertOrdered(figure.get("vulcan"), what);
                assertThat(figure.get("vulcan").get("median").asDouble()).as(what).isPositive();
                if (hasRaw) {
                    assertOrdered(figure.get("raw"), what);
                    assertThat(figure.get("ratio").asDouble()).as(what).isPositive();
                }
            }
            assertThat(metrics).as(isolation).containsExactlyElementsOf(METRICS);
        }
        assertThat(measured).containsExactlyInAnyOrderElementsOf(available);

        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        Document chart = factory.newDocumentBuilder().parse(svg.toFile());
        assertThat(chart.getDocumentElement().getLocalName()).isEqualTo("svg");
        NodeList groups = chart.getElementsByTagNameNS("http://www.w3.org/2000/svg", "g");
        List<String> series = new ArrayList<>();
        for (int i = 0; i < groups.getLength(); i++) {
            Element g = (Element) groups.item(i);
            if ("series".equals(g.getAttribute("class"))) {
                series.add(g.getAttribute("data-backend"));
                assertThat(g.getElementsByTagNameNS("http://www.w3.org/2000/svg", "rect").getLength())
                        .as("bars of " + g.getAttribute("data-backend")).isGreaterThanOrEqualTo(METRICS.size() - 1);
            }
        }
        assertThat(series).containsExactlyInAnyOrderElementsOf(available);
    }

    @Test
    void unknownOrAutoBackendIs400AndOneCliLine() {
        Http.Reply unknown = http.get("/v1/stats/benchmark?quick=true&backend=isolate,nope");
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.json().get("error").get("code").asString()).isEqualTo("invalid_backend");
        assertThat(unknown.json().get("error").get("message").asString()).contains("unknown backend 'nope'");
        assertThat(http.get("/v1/stats/benchmark?backend=auto").status()).isEqualTo(400);
        assertThat(http.get("/v1/stats/benchmark?quick=maybe").status()).isEqualTo(400);

        Cli.Result cli = cli(List.of("benchmark", "--quick", "--backend", "nope", "--out", temp.resolve("bad").toString()));
        assertThat(cli.exit()).isNotZero();
        assertThat(cli.err().strip()).contains("unknown backend 'nope'").doesNotContain("\n");
        assertThat(temp.resolve("bad")).doesNotExist();
    }

    @Test
    void unavailableBackendIs422WithItsReason() throws Exception {
        // a backend made unavailable on purpose: gvisor with a runsc that does not exist
        try (DaemonProcess broken = DaemonProcess.startWithProperties(temp.resolve("broken-state"),
                List.of("-Dvulcan.gvisor.runsc=" + temp.resolve("no-such-runsc")))) {
            Http.Reply reply = broken.http().get("/v1/stats/benchmark?quick=true&backend=gvisor");
            assertThat(reply.status()).as(reply.body()).isEqualTo(422);
            assertThat(reply.json().get("error").get("code").asString()).isEqualTo("backend_unavailable");
            assertThat(reply.json().get("error").get("message").asString()).contains("gvisor", "not available");

            Cli.Result cli = new Cli(broken.socket).run("benchmark", "--backend", "gvisor");
            assertThat(cli.exit()).isNotZero();
            assertThat(cli.err().strip()).contains("cannot benchmark isolation 'gvisor'").doesNotContain("\n");
        }
    }

    private static void assertOrdered(JsonNode summary, String what) {
        assertThat(summary).as(what).isNotNull();
        double min = summary.get("min").asDouble();
        double median = summary.get("median").asDouble();
        double p99 = summary.get("p99").asDouble();
        assertThat(min).as(what).isLessThanOrEqualTo(median);
        assertThat(median).as(what).isLessThanOrEqualTo(p99);
        assertThat(summary.get("n").asInt()).as(what).isPositive();
    }

    /** The real CLI, given up to 5 minutes: the quick suite takes one or two. */
    private static Cli.Result cli(List<String> args) {
        List<String> command = new ArrayList<>(List.of(Repo.java().toString(), "-cp",
                System.getProperty("java.class.path"), "dev.vulcan.cli.Main", "--socket", daemon.socket.toString()));
        command.addAll(args);
        try {
            Process process = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
            if (!process.waitFor(5, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new AssertionError("vulcan benchmark did not finish in 5 minutes");
            }
            return new Cli.Result(process.exitValue(), out.join(), err.join());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
