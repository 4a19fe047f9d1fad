package dev.vulcan.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Python, Node.js and shell code through the CLI into containers of the base images scripts/base-images
 * builds (cached; the daemon imports them on first use from its default base-images dir).
 */
class CodeContainerCliIT extends SharedDaemon {

    static Cli cli;

    @BeforeAll
    static void baseImagesAndCli() {
        List<String> build = new java.util.ArrayList<>(List.of(Repo.root().resolve("scripts/base-images").toString()));
        String dir = System.getenv("VULCAN_BASE_IMAGES");
        if (dir != null) {
            build.addAll(List.of("--out", dir));
        }
        Cli.Result built = Cli.exec(build, temp);
        assertThat(built.exit()).as(built.err()).isZero();
        cli = new Cli(daemon.socket);
    }

    @Test
    void pythonFileRunsInAContainerWithItsInputAndPrintsTheOutput() throws Exception {
        Path main = temp.resolve("main.py");
        Files.writeString(main, """
                def handler(input):
                    print("got", input)
                    return {"sum": input["a"] + input["b"]}
                """);
        Cli.Result r = cli.run("run", "--runtime", "python", "--file", main.toString(), "--input", "{\"a\":1,\"b\":2}",
                "--isolation", "container", "-o", "json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode w = Http.mapper().readTree(r.out());
        assertThat(w.path("status").asString()).isEqualTo("completed");
        assertThat(w.path("output").toString()).isEqualTo("{\"sum\":3}");
        assertThat(w.path("isolation_used").asString()).isEqualTo("container");
        assertThat(w.path("runtime").asString()).isEqualTo("python");

        Cli.Result logs = cli.run("logs", w.path("id").asString());
        assertThat(logs.out()).contains("got {'a': 1, 'b': 2}");
    }

    @Test
    void autoRunsAPythonFileInAContainerAndAnExceptionFailsWithOneLine() throws Exception {
        Path main = temp.resolve("fails.py");
        Files.writeString(main, "def handler(input):\n    raise RuntimeError('no luck')\n");
        Cli.Result r = cli.run("run", "--file", main.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err().strip()).isEqualTo("failed: exception: RuntimeError: no luck");
    }

    @Test
    void nodeRunsInAContainerWhenAskedAndInAnIsolateOtherwise() throws Exception {
        String code = "export default (input) => ({ twice: input * 2, where: typeof process });";
        Cli.Result container = cli.run("run", "--runtime", "node", "--code", code, "--input", "21",
                "--isolation", "container", "-o", "json");
        assertThat(container.exit()).as(container.err()).isZero();
        JsonNode w = Http.mapper().readTree(container.out());
        assertThat(w.path("isolation_used").asString()).isEqualTo("container");
        assertThat(w.path("output").toString()).isEqualTo("{\"twice\":42,\"where\":\"object\"}");

        Cli.Result isolate = cli.run("run", "--runtime", "node", "--code", code, "--input", "21", "-o", "json");
        assertThat(Http.mapper().readTree(isolate.out()).path("isolation_used").asString()).isEqualTo("isolate");
    }

    @Test
    void aShellScriptsStdoutIsPrintedAsWritten() throws Exception {
        Path script = temp.resolve("hello.sh");
        Files.writeString(script, "read line\necho \"hello $line\"\n");
        Cli.Result r = cli.run("run", "--file", script.toString(), "--input", "\"world\"");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("hello \"world\"\n");
    }
}
