package dev.vulcan.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The CLI against a real daemon over its unix socket. */
class CliIT extends SharedDaemon {

    static Cli cli;

    @BeforeAll
    static void startCli() {
        cli = new Cli(daemon.socket);
    }

    @Test
    void runPrintsTheOutput() {
        Cli.Result r = cli.run("run", "--runtime", "node", "--code",
                "export default (input) => ({ sum: input.a + input.b });", "--input", "{\"a\": 1, \"b\": 2}");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out().replaceAll("\\s", "")).contains("{\"sum\":3}");
    }

    @Test
    void runWithJsonOutputPrintsTheApiRecord() {
        Cli.Result r = cli.run("run", "--runtime", "ts", "--code", "export default (i: number) => i + 1", "--input", "41",
                "-o", "json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode w = Http.mapper().readTree(r.out());
        assertThat(w.get("status").asString()).isEqualTo("completed");
        assertThat(w.get("output").asInt()).isEqualTo(42);
        assertThat(w.get("isolation_used").asString()).isEqualTo("isolate");
    }

    @Test
    void runFileWithInputFromFileInfersTheRuntime() throws Exception {
        Path code = temp.resolve("double.ts");
        Files.writeString(code, "export default (i: {n: number}) => ({ twice: i.n * 2 });\n");
        Path input = temp.resolve("input.json");
        Files.writeString(input, "{\"n\": 21}");
        Cli.Result r = cli.run("run", "--file", code.toString(), "--input", "@" + input);
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out().replaceAll("\\s", "")).contains("{\"twice\":42}");
    }

    @Test
    void failedWorkloadExitsNonZeroWithOneLine() {
        Cli.Result r = cli.run("run", "--runtime", "node", "--code", "export default () => { throw new Error('nope') }");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("nope");
    }

    @Test
    void asyncThenStatusLogsAndList() {
        Cli.Result started = cli.run("run", "--async", "--runtime", "node", "--code",
                "export default async () => { console.log('from the isolate'); await new Promise(r => setTimeout(r, 200)); return 5; }");
        assertThat(started.exit()).as(started.err()).isZero();
        String id = started.out().strip();
        assertThat(id).matches("[0-9A-Z]{26}");

        Cli.Result follow = cli.run("logs", "-f", id);
        assertThat(follow.exit()).as(follow.err()).isZero();
        assertThat(follow.out()).contains("from the isolate");

        Cli.Result status = cli.run("status", id);
        assertThat(status.exit()).isZero();
        assertThat(status.out()).contains(id).contains("completed");

        Cli.Result statusJson = cli.run("status", id, "-o", "json");
        assertThat(Http.mapper().readTree(statusJson.out()).get("output").asInt()).isEqualTo(5);

        Cli.Result list = cli.run("ls");
        assertThat(list.exit()).isZero();
        assertThat(list.out()).contains("ID").contains("STATUS").contains(id);
    }

    @Test
    void killStopsARunningWorkload() {
        String id = cli.run("run", "--async", "--runtime", "node", "--timeout", "60", "--code",
                "export default () => { while (true) {} }").out().strip();
        Cli.Result kill = cli.run("kill", id);
        assertThat(kill.exit()).as(kill.err()).isZero();
        assertThat(cli.run("status", id, "-o", "json").out()).contains("\"killed\"");
        Cli.Result again = cli.run("kill", id);
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.err().strip().lines()).hasSize(1);
    }

    @Test
    void backendsAndNodes() {
        Cli.Result backends = cli.run("backends");
        assertThat(backends.exit()).isZero();
        assertThat(backends.out()).contains("isolate").contains("microvm");
        Cli.Result nodes = cli.run("nodes", "-o", "json");
        assertThat(nodes.exit()).isZero();
        assertThat(Http.mapper().readTree(nodes.out()).get(0).get("cpus_total").asInt()).isPositive();
    }

    @Test
    void apiErrorsArePrintedOnOneLine() {
        Cli.Result r = cli.run("run", "--runtime", "cobol", "--code", "x");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err().strip().lines()).hasSize(1);
        assertThat(r.err()).contains("unknown runtime");
        Cli.Result missing = cli.run("status", "01JKQX7V8MZRN3B4HTGFWDCS9E");
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).contains("no workload");
    }

    @Test
    void noDaemonIsOneLineAndExitCode2() {
        Cli.Result r = new Cli(temp.resolve("nobody-here.sock")).run("ls");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().strip().lines()).hasSize(1);
        assertThat(r.err()).contains("no daemon").contains("vulcan daemon");
    }

    @Test
    void launcherWorksFromAnyDirectory() {
        Path launcher = Repo.root().resolve("bin/vulcan");
        Path classpath = Repo.root().resolve("vulcan-cli/target/classpath.txt");
        Tools.requireFile(classpath, "scripts/setup (it builds the CLI)");
        Cli.Result r = Cli.exec(List.of(launcher.toString(), "--socket", daemon.socket.toString(), "backends", "-o", "json"),
                temp);
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out().replaceAll("\\s", "")).contains("\"isolation\":\"isolate\"");
    }

    @Test
    void completionScriptIsGenerated() {
        Cli.Result r = cli.run("completion");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("complete -F").contains("vulcan");
    }
}
