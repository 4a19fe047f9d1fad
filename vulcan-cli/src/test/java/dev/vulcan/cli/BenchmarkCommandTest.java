package dev.vulcan.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vulcan.cli.http.RawServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

class BenchmarkCommandTest {

    private static final String REPORT = """
            {"date":"2026-11-23T15:30:01Z","machine":"AMD EPYC <test> & co, 2 cores","quick":true,"seconds":12.5,
             "backends":[
              {"isolation":"isolate","version":"deno 2.9.6","raw_engine":"raw Deno Worker","figures":[
                {"metric":"cold_start_ms","unit":"ms","vulcan":{"n":3,"min":77.1,"median":81.2,"p99":223.0},
                 "raw":{"n":3,"min":10.0,"median":15.4,"p99":18.0},"ratio":5.27,"note":"x"},
                {"metric":"warm_start_ms","unit":"ms","vulcan":{"n":30,"min":3.8,"median":12.6,"p99":82.4},
                 "raw":{"n":30,"min":0.2,"median":0.4,"p99":1.4},"ratio":31.25,"note":"x"}]},
              {"isolation":"microvm","version":"qemu","raw_engine":null,"figures":[
                {"metric":"cold_start_ms","unit":"ms","vulcan":{"n":3,"min":2191,"median":2221,"p99":2320},
                 "raw":null,"ratio":null,"note":"x"},
                {"metric":"warm_start_ms","unit":"ms","vulcan":null,"raw":null,"ratio":null,"note":"no warm pool"}]}]}
            """.replace("\n", "");

    @RegisterExtension
    final FakeDaemon daemon = new FakeDaemon();

    @TempDir
    Path out;

    @Test
    void streamsProgressThenPrintsTheTableAndWritesJsonAndSvg() throws Exception {
        daemon.on("GET", "/v1/stats/benchmark", RawServer.events(
                "event: progress\ndata: {\"step\":1,\"steps\":2,\"isolation\":\"isolate\",\"what\":\"isolate: cold_start_ms\"}\n\n",
                ": still measuring\n\n",
                "event: progress\ndata: {\"step\":2,\"steps\":2,\"isolation\":\"microvm\",\"what\":\"microvm: cold_start_ms\"}\n\n",
                "event: result\ndata: " + REPORT + "\n\n"));

        Cli.Result result = cli("benchmark", "--quick", "--backend", "isolate", "--backend", "microvm", "--out",
                out.toString());

        assertThat(result.exit()).as(result.err()).isZero();
        assertThat(daemon.requests().getFirst().target())
                .isEqualTo("/v1/stats/benchmark?quick=true&backend=isolate%2Cmicrovm");
        assertThat(result.err()).isEqualTo("[1/2] isolate: cold_start_ms\n[2/2] microvm: cold_start_ms\n");
        assertThat(result.out()).contains("""
                BACKEND   METRIC          UNIT   MIN     MEDIAN   P99     RAW MEDIAN   RATIO
                isolate   cold_start_ms   ms     77.10   81.20    223     15.40        5.27x
                isolate   warm_start_ms   ms     3.80    12.60    82.40   0.40         31.25x
                microvm   cold_start_ms   ms     2191    2221     2320    -            -
                microvm   warm_start_ms   ms     -       n/a      -       -            -
                isolate: raw engine raw Deno Worker
                microvm: raw engine none
                """);
        List<Path> files;
        try (Stream<Path> listed = Files.list(out)) {
            files = listed.sorted().toList();
        }
        assertThat(files).hasSize(2);
        assertThat(files.get(0).toString()).endsWith(".json");
        assertThat(Files.readString(files.get(0))).contains("\"raw_engine\" : \"raw Deno Worker\"");
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        Document svg = factory.newDocumentBuilder().parse(files.get(1).toFile());
        var groups = svg.getElementsByTagNameNS("http://www.w3.org/2000/svg", "g");
        assertThat(groups.getLength()).isEqualTo(2);
        assertThat(((org.w3c.dom.Element) groups.item(0)).getAttribute("data-backend")).isEqualTo("isolate");
        assertThat(((org.w3c.dom.Element) groups.item(1)).getAttribute("data-backend")).isEqualTo("microvm");
    }

    @Test
    void aRefusedBackendIsOneLineOnStderrAndNothingIsWritten() throws Exception {
        daemon.on("GET", "/v1/stats/benchmark", RawServer.json(422, Samples.error("backend_unavailable",
                "cannot benchmark isolation 'gvisor': it is not available on this node: runsc is not installed")));

        Cli.Result result = cli("benchmark", "--backend", "gvisor", "--out", out.resolve("x").toString());

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.err()).isEqualTo("vulcan: cannot benchmark isolation 'gvisor': it is not available on this"
                + " node: runsc is not installed (backend_unavailable)\n");
        assertThat(out.resolve("x")).doesNotExist();
    }

    private Cli.Result cli(String... args) {
        List<String> all = new java.util.ArrayList<>(List.of("--socket", daemon.socket().toString()));
        all.addAll(List.of(args));
        return Cli.run(all.toArray(String[]::new));
    }
}
