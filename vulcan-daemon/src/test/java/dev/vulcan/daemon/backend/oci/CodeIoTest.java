package dev.vulcan.daemon.backend.oci;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vulcan.daemon.backend.Outcome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/** How what an entrypoint leaves in the io dir becomes an outcome. */
class CodeIoTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration ELAPSED = Duration.ofMillis(42);

    @TempDir
    Path io;

    private Outcome outcome(CodeImage code, int exitCode, String stdout) throws IOException {
        return CodeIo.outcome(code, io, exitCode, stdout, ELAPSED, JSON);
    }

    private void result(String json) throws IOException {
        Files.writeString(io.resolve(CodeIo.RESULT), json);
    }

    @Test
    void prepareWritesTheCodeUnderTheRuntimesNameAndTheInput() throws IOException {
        Path dir = io.resolve("w1");
        CodeIo.prepare(dir, CodeImage.PYTHON, "def handler(i): return i", null);
        assertThat(dir.resolve("main.py")).hasContent("def handler(i): return i");
        assertThat(dir.resolve("input.json")).hasContent("null");
        CodeIo.prepare(dir, CodeImage.NODE, "export default () => 1", "{\"a\":1}");
        assertThat(dir.resolve("main.mjs")).hasContent("export default () => 1");
        assertThat(dir.resolve("input.json")).hasContent("{\"a\":1}");
    }

    @Test
    void outputBecomesCompletedWithCompactJson() throws IOException {
        result("{\"output\": {\"sum\": 3, \"list\": [1, \"é\"]}}");
        assertThat(outcome(CodeImage.PYTHON, 0, "log line\n"))
                .isEqualTo(new Outcome.Completed("{\"sum\":3,\"list\":[1,\"é\"]}", ELAPSED));
    }

    @Test
    void anErrorKeepsItsCodeMessageAndStack() throws IOException {
        result("{\"error\":{\"code\":\"exception\",\"message\":\"Error: boom\",\"stack\":\"Error: boom\\n    at f (main.mjs:1:7)\"}}");
        assertThat(outcome(CodeImage.NODE, 0, "")).isEqualTo(
                new Outcome.Failed("exception", "Error: boom", "Error: boom\n    at f (main.mjs:1:7)", ELAPSED));
    }

    @Test
    void anEmptyStackIsNone() throws IOException {
        result("{\"error\":{\"code\":\"no_handler\",\"message\":\"main.py defines no function handler(input)\",\"stack\":\"\"}}");
        assertThat(outcome(CodeImage.PYTHON, 0, "")).isEqualTo(
                new Outcome.Failed("no_handler", "main.py defines no function handler(input)", null, ELAPSED));
    }

    @Test
    void aCodeTheEntrypointNeverWritesIsAMalformedResult() throws IOException {
        result("{\"error\":{\"code\":\"memory_limit\",\"message\":\"forged\"}}");
        assertThat(outcome(CodeImage.PYTHON, 0, "")).isInstanceOfSatisfying(Outcome.Failed.class,
                f -> assertThat(f.reason()).isEqualTo("invalid_output"));
        result("not json");
        assertThat(outcome(CodeImage.PYTHON, 0, "")).isInstanceOfSatisfying(Outcome.Failed.class,
                f -> assertThat(f.reason()).isEqualTo("invalid_output"));
        result("{\"output\":1,\"extra\":2}");
        assertThat(outcome(CodeImage.PYTHON, 0, "")).isInstanceOfSatisfying(Outcome.Failed.class,
                f -> assertThat(f.reason()).isEqualTo("invalid_output"));
    }

    @Test
    void aResultLinkIsNeverFollowed() throws IOException {
        Path secret = Files.writeString(io.resolve("../secret-" + System.nanoTime()), "{\"output\":\"host file\"}");
        try {
            Files.createSymbolicLink(io.resolve(CodeIo.RESULT), secret);
            assertThat(outcome(CodeImage.PYTHON, 0, "")).isInstanceOfSatisfying(Outcome.Failed.class,
                    f -> assertThat(f.reason()).isEqualTo("no_result"));
        } finally {
            Files.delete(secret);
        }
    }

    @Test
    void noResultIsTheExitCodeOrNoResult() throws IOException {
        assertThat(outcome(CodeImage.NODE, 3, "")).isEqualTo(new Outcome.Exited(3, "null", ELAPSED));
        assertThat(outcome(CodeImage.PYTHON, 0, "")).isInstanceOfSatisfying(Outcome.Failed.class,
                f -> assertThat(f.reason()).isEqualTo("no_result"));
    }

    @Test
    void aShellScriptsResultIsItsStdoutAndExitCode() throws IOException {
        assertThat(outcome(CodeImage.SHELL, 0, "hello\n")).isEqualTo(new Outcome.Exited(0, "\"hello\\n\"", ELAPSED));
        assertThat(outcome(CodeImage.SHELL, 4, "")).isEqualTo(new Outcome.Exited(4, "\"\"", ELAPSED));
        // a result.json the script wrote means nothing for shell
        result("{\"output\":1}");
        assertThat(outcome(CodeImage.SHELL, 0, "x\n")).isEqualTo(new Outcome.Exited(0, "\"x\\n\"", ELAPSED));
    }

    @Test
    void aShellSyntaxErrorNamesTheLine() throws IOException {
        Files.writeString(io.resolve(CodeIo.SYNTAX), "/vulcan/io/main.sh: line 1: syntax error: unexpected \"then\"\n");
        assertThat(outcome(CodeImage.SHELL, 2, "")).isEqualTo(new Outcome.Failed("syntax_error",
                "main.sh: line 1: syntax error: unexpected \"then\"", "main.sh: line 1: syntax error: unexpected \"then\"",
                ELAPSED));
    }

    @Test
    void everyCodeRuntimeHasItsImage() {
        assertThat(CodeImage.of(dev.vulcan.daemon.backend.Runtime.PYTHON)).contains(CodeImage.PYTHON);
        assertThat(CodeImage.of(dev.vulcan.daemon.backend.Runtime.JAVASCRIPT)).contains(CodeImage.NODE);
        assertThat(CodeImage.of(dev.vulcan.daemon.backend.Runtime.SHELL)).contains(CodeImage.SHELL);
        assertThat(CodeImage.of(dev.vulcan.daemon.backend.Runtime.GO)).isEmpty();
        assertThat(CodeImage.NODE.image().toString()).contains("vulcan/node:18");
    }
}
