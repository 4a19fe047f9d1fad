package dev.vulcan.daemon.backend.microvm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vulcan.daemon.backend.LogSink;
import dev.vulcan.daemon.backend.oci.CodeIo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultTrailerTest {

    private final List<String> passed = new ArrayList<>();
    private final StringBuilder stderr = new StringBuilder();

    private AgentClient.OutputListener sink() {
        return (stream, chunk) -> {
            String text = new String(chunk, StandardCharsets.UTF_8);
            if (stream == LogSink.Stream.STDERR) {
                stderr.append(text);
            } else {
                passed.add(stream + " " + text);
            }
        };
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theWorkloadsStderrPassesOnAndTheTrailerIsTheResultEvenWhenTheMarkerIsSplitAcrossChunks() {
        ResultTrailer t = new ResultTrailer("abc");
        AgentClient.OutputListener in = t.wrap(sink());
        String all = "warning: x\nno newline" + ResultTrailer.marker("abc") + "12\n{\"output\":1}";
        // byte by byte: every split of the marker
        for (byte b : bytes(all)) {
            in.output(LogSink.Stream.STDERR, new byte[] {b});
        }
        in.output(LogSink.Stream.STDOUT, bytes("out"));
        t.flush();
        assertThat(stderr.toString()).isEqualTo("warning: x\nno newline");
        assertThat(passed).containsExactly("STDOUT out");
        assertThat(t.result()).isInstanceOfSatisfying(ResultTrailer.Result.Content.class,
                c -> assertThat(new String(c.bytes(), StandardCharsets.UTF_8)).isEqualTo("{\"output\":1}"));
    }

    @Test
    void withoutATrailerEverythingIsOutputAndTheFileMustBeRead() {
        ResultTrailer t = new ResultTrailer("abc");
        AgentClient.OutputListener in = t.wrap(sink());
        // another run's marker (another nonce), or a prefix of this one at the very end, is plain output
        String text = ResultTrailer.marker("zzz") + "5\nhello" + ResultTrailer.marker("abc").substring(0, 6);
        in.output(LogSink.Stream.STDERR, bytes(text));
        t.flush();
        assertThat(stderr.toString()).isEqualTo(text);
        assertThat(t.result()).isInstanceOf(ResultTrailer.Result.Unknown.class);
    }

    @Test
    void noRegularFileACutShortTrailerAndAnOversizedResult() {
        ResultTrailer absent = new ResultTrailer("n");
        absent.wrap(sink()).output(LogSink.Stream.STDERR, bytes(ResultTrailer.marker("n") + "-\n"));
        assertThat(absent.result()).isInstanceOf(ResultTrailer.Result.Absent.class);

        ResultTrailer cut = new ResultTrailer("n");
        cut.wrap(sink()).output(LogSink.Stream.STDERR, bytes(ResultTrailer.marker("n") + "10\nabc"));
        assertThat(cut.result()).isInstanceOf(ResultTrailer.Result.Unknown.class);

        ResultTrailer big = new ResultTrailer("n");
        AgentClient.OutputListener in = big.wrap(sink());
        in.output(LogSink.Stream.STDERR, bytes(ResultTrailer.marker("n") + (CodeIo.MAX_RESULT_BYTES + 1) + "\n"));
        byte[] chunk = new byte[32 * 1024];
        for (long sent = 0; sent <= CodeIo.MAX_RESULT_BYTES; sent += chunk.length) {
            in.output(LogSink.Stream.STDERR, chunk);
        }
        assertThat(big.result()).isInstanceOfSatisfying(ResultTrailer.Result.Content.class,
                c -> assertThat((long) c.bytes().length).isEqualTo(CodeIo.MAX_RESULT_BYTES + 1));
    }

    @Test
    void theZygoteScriptIsValidPython(@TempDir Path dir) throws Exception {
        Path python = Path.of("/usr/bin/python3");
        if (!Files.isExecutable(python)) {
            if ("true".equals(System.getenv("CI"))) {
                throw new AssertionError("no python3 to check the zygote script with");
            }
            org.junit.jupiter.api.Assumptions.abort("no python3");
        }
        Path script = dir.resolve("zygote.py");
        Files.writeString(script, Zygote.PYTHON);
        Process p = new ProcessBuilder(python.toString(), "-c", "import ast, sys; ast.parse(open(sys.argv[1]).read())",
                script.toString()).redirectErrorStream(true).start();
        assertThat(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isZero();
    }
}
