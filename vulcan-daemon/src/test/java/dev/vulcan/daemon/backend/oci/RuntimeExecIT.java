package dev.vulcan.daemon.backend.oci;

import dev.vulcan.daemon.backend.ExecSpec;
import dev.vulcan.daemon.backend.ExecProcess;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Execs processes into one real running container, with pipes and with a pseudo-terminal. */
class RuntimeExecIT {

    @TempDir
    static Path dir;

    static RunningContainer container;
    static RuntimeExec execs;
    private java.util.Map<String, String> fdsBefore;

    @BeforeAll
    static void startContainer() throws IOException {
        container = RunningContainer.start(dir);
        execs = new RuntimeExec(container.runtime(), new ProcessRunner.Native(), tools.jackson.databind.json.JsonMapper.builder().build(), dir.resolve("exec"));
        System.out.println("OCI runtime: " + container.runtime().reason());
    }

    @AfterAll
    static void deleteContainer() throws IOException {
        if (container != null) {
            container.close();
        }
    }

    @org.junit.jupiter.api.BeforeEach
    void countFds() throws IOException {
        fdsBefore = openFds();
    }

    @AfterEach
    void nothingLeaks() throws IOException {
        // the JDK reaps and closes asynchronously; wait for the count to come back
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            var now = openFds();
            assertThat(fdsBefore).as("open fds now: " + now).containsAllEntriesOf(now);
        });
        try (Stream<Path> files = Files.list(dir.resolve("exec"))) {
            assertThat(files.toList()).as("pid files").isEmpty();
        }
    }

    private static boolean hasPidFile() throws IOException {
        try (Stream<Path> files = Files.list(dir.resolve("exec"))) {
            return files.findAny().isPresent();
        }
    }

    /** fd number to what it refers to, for a readable diff when one leaks. */
    static java.util.Map<String, String> openFds() throws IOException {
        java.util.Map<String, String> open = new java.util.TreeMap<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    open.put(fd.getFileName().toString(), Files.readSymbolicLink(fd).toString());
                } catch (IOException gone) {
                    // the listing's own fd, or one closed meanwhile
                }
            }
        }
        return open;
    }

    private static ExecSpec spec(boolean tty, int rows, int cols, String... argv) {
        return new ExecSpec(List.of(argv), tty, List.of(), null, rows, cols);
    }

    /** Reads a stream to its end on a platform thread (a pty read blocks in native code). */
    private static Thread drain(InputStream in, ByteArrayOutputStream into) {
        return Thread.ofPlatform().daemon().start(() -> {
            byte[] buffer = new byte[4096];
            try {
                for (int n; (n = in.read(buffer)) != -1; ) {
                    synchronized (into) {
                        into.write(buffer, 0, n);
                    }
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    private static String text(ByteArrayOutputStream bytes) {
        synchronized (bytes) {
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }

    @Test
    void stdoutStderrAndExitCodeAreSeparate() throws Exception {
        try (ExecProcess p = execs.exec(container.id(), spec(false, 0, 0, "sh", "-c", "echo out; echo err >&2; exit 3"))) {
            p.stdin().close();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Thread o = drain(p.stdout(), out);
            Thread e = drain(p.stderr(), err);
            assertThat(p.exitCode().get(10, TimeUnit.SECONDS)).isEqualTo(3);
            o.join();
            e.join();
            assertThat(text(out)).isEqualTo("out\n");
            assertThat(text(err)).isEqualTo("err\n");
        }
    }

    @Test
    void environmentAndWorkdirReachTheProcess() throws Exception {
        try (ExecProcess p = execs.exec(container.id(), new ExecSpec(List.of("sh", "-c", "echo $GREETING; pwd"), false,
                List.of("GREETING=hi there"), "/tmp", 0, 0))) {
            p.stdin().close();
            assertThat(new String(p.stdout().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("hi there\n/tmp\n");
            assertThat(p.exitCode().get(10, TimeUnit.SECONDS)).isZero();
        }
    }

    @Test
    void stdinIsPipedToCat() throws Exception {
        try (ExecProcess p = execs.exec(container.id(), spec(false, 0, 0, "cat"))) {
            p.stdin().write("line one\nline two\n".getBytes(StandardCharsets.UTF_8));
            p.stdin().close();
            assertThat(new String(p.stdout().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("line one\nline two\n");
            assertThat(p.exitCode().get(10, TimeUnit.SECONDS)).isZero();
        }
    }

    @Test
    void terminalHasItsSizeAndFollowsResizes() throws Exception {
        try (ExecProcess p = execs.exec(container.id(), spec(true, 33, 101, "sh"))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Thread reader = drain(p.stdout(), out);
            p.stdin().write("tty; stty size\n".getBytes(StandardCharsets.UTF_8));
            await().atMost(Duration.ofSeconds(10)).until(() -> text(out).matches("(?s).*/dev/pts/\\d+\r\n33 101\r\n.*"));
            p.resize(40, 120);
            // SIGWINCH travels from our master through the runtime to the container's console
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).until(() -> {
                p.stdin().write("stty size\n".getBytes(StandardCharsets.UTF_8));
                return text(out).contains("40 120\r\n");
            });
            p.stdin().write("exit 5\n".getBytes(StandardCharsets.UTF_8));
            assertThat(p.exitCode().get(10, TimeUnit.SECONDS)).isEqualTo(5);
            reader.join(Duration.ofSeconds(10));
            assertThat(reader.isAlive()).as("the terminal reader saw the end").isFalse();
            assertThat(p.stderr().read()).isEqualTo(-1);
        }
    }

    @Test
    void closingATerminalsStdinIsEndOfInput() throws Exception {
        try (ExecProcess p = execs.exec(container.id(), spec(true, 0, 0, "cat"))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Thread reader = drain(p.stdout(), out);
            // at once: input must not be lost while the runtime sets the console up
            p.stdin().write("typed\n".getBytes(StandardCharsets.UTF_8));
            await().atMost(Duration.ofSeconds(10)).until(() -> text(out).equals("typed\r\ntyped\r\n"));
            p.stdin().close();
            assertThat(p.exitCode().get(10, TimeUnit.SECONDS)).isZero();
            reader.join(Duration.ofSeconds(10));
            assertThat(reader.isAlive()).isFalse();
        }
    }

    @Test
    void killEndsTheProcess() throws Exception {
        try (ExecProcess p = execs.exec(container.id(), spec(false, 0, 0, "sleep", "600"))) {
            await().atMost(Duration.ofSeconds(5)).until(RuntimeExecIT::hasPidFile);
            p.kill();
            assertThat(p.exitCode().get(10, TimeUnit.SECONDS)).isEqualTo(137);
        }
    }

    @Test
    void killEndsATerminalProcess() throws Exception {
        try (ExecProcess p = execs.exec(container.id(), spec(true, 0, 0, "sleep", "600"))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Thread reader = drain(p.stdout(), out);
            await().atMost(Duration.ofSeconds(5)).until(RuntimeExecIT::hasPidFile);
            p.kill();
            assertThat(p.exitCode().get(10, TimeUnit.SECONDS)).isEqualTo(137);
            reader.join(Duration.ofSeconds(10));
            assertThat(reader.isAlive()).isFalse();
        }
    }

    @Test
    void closingARunningProcessKillsIt() throws Exception {
        ExecProcess p = execs.exec(container.id(), spec(true, 0, 0, "sleep", "600"));
        p.close();
        assertThat(p.exitCode().get(5, TimeUnit.SECONDS)).isEqualTo(137);
    }

    @Test
    void unknownContainerFails() throws Exception {
        try (ExecProcess p = execs.exec("no-such-container-" + System.nanoTime(), spec(false, 0, 0, "true"))) {
            p.stdin().close();
            String err = new String(p.stderr().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.exitCode().get(10, TimeUnit.SECONDS)).isNotZero();
            assertThat(err).isNotEmpty();
        }
    }
}
