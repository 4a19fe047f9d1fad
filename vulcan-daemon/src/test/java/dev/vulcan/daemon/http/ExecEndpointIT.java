package dev.vulcan.daemon.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.vulcan.api.ExecStart;
import dev.vulcan.api.Json;
import dev.vulcan.cli.http.ExecClient;
import dev.vulcan.cli.http.HttpRequest;
import dev.vulcan.cli.http.HttpResponse;
import dev.vulcan.cli.http.UnixHttpClient;
import dev.vulcan.daemon.backend.oci.ProcessRunner;
import dev.vulcan.daemon.backend.oci.RunningContainer;
import dev.vulcan.daemon.backend.oci.RuntimeExec;
import dev.vulcan.daemon.error.ConflictException;
import dev.vulcan.daemon.error.NotFoundException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * Exec sessions over the real HTTP stack (Jetty on a unix socket, the API's handler and error
 * mapping) into a real running container, driven by the CLI's duplex client.
 */
class ExecEndpointIT {

    private static final JsonMapper JSON = Json.mapper();

    @TempDir
    static Path dir;

    static RunningContainer container;
    static Server server;
    static UnixHttpClient client;

    @BeforeAll
    static void start() throws Exception {
        container = RunningContainer.start(dir);
        RuntimeExec execs = new RuntimeExec(container.runtime(), new ProcessRunner.Native(), JSON, dir.resolve("exec"));
        ExecTarget target = (name, spec) -> switch (name) {
            case "web" -> execs.exec(container.id(), spec);
            case "stopped" -> throw new ConflictException("not_running", "instance stopped is not running");
            default -> throw new NotFoundException("instance_not_found", "no instance named " + name);
        };
        Router router = new Router();
        new ExecEndpoint(target, JSON).register(router);
        Path socket = dir.resolve("api.sock");
        server = RouterServer.start(router, socket, JSON);
        client = new UnixHttpClient(socket);
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.stop();
        }
        if (container != null) {
            container.close();
        }
    }

    @org.junit.jupiter.api.AfterEach
    void everyProcessEnded() {
        // the runtime removes nothing itself: RuntimeExec deletes each pid file once its process ended
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            if (!Files.exists(dir.resolve("exec"))) {
                return true;
            }
            try (var files = Files.list(dir.resolve("exec"))) {
                return files.findAny().isEmpty();
            }
        });
    }

    private static ExecStart start(List<String> cmd, boolean tty, boolean interactive) {
        return new ExecStart(cmd, tty, interactive, null, null, tty ? 24 : null, tty ? 80 : null);
    }

    @Test
    void outputAndExitCodeRoundTrip() throws IOException {
        try (ExecClient session = ExecClient.start(client, "/v1/instances/web/exec",
                start(List.of("sh", "-c", "echo out; echo err >&2; exit 3"), false, false), JSON)) {
            session.closeStdin();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            assertThat(session.copyOutput(out, err)).isEqualTo(3);
            assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("out\n");
            assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("err\n");
        }
    }

    @Test
    void stdinStreamsWhileOutputComesBack() throws Exception {
        PipedOutputStream typing = new PipedOutputStream();
        InputStream stdin = new PipedInputStream(typing);
        try (ExecClient session = ExecClient.start(client, "/v1/instances/web/exec", start(List.of("cat"), false, true),
                JSON)) {
            session.forwardStdin(stdin);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Thread reader = Thread.ofPlatform().start(() -> {
                try {
                    assertThat(session.copyOutput(out, new ByteArrayOutputStream())).isZero();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            // full duplex: the first line comes back while the request body is still open
            typing.write("first\n".getBytes(StandardCharsets.UTF_8));
            typing.flush();
            await().atMost(Duration.ofSeconds(10)).until(() -> text(out).equals("first\n"));
            typing.write("second\n".getBytes(StandardCharsets.UTF_8));
            typing.close();
            reader.join(Duration.ofSeconds(10));
            assertThat(reader.isAlive()).isFalse();
            assertThat(text(out)).isEqualTo("first\nsecond\n");
        }
    }

    @Test
    void terminalSessionResizes() throws Exception {
        PipedOutputStream typing = new PipedOutputStream();
        try (ExecClient session = ExecClient.start(client, "/v1/instances/web/exec", start(List.of("sh"), true, true),
                JSON)) {
            session.forwardStdin(new PipedInputStream(typing));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int[] exit = {-1};
            Thread reader = Thread.ofPlatform().start(() -> {
                try {
                    exit[0] = session.copyOutput(out, new ByteArrayOutputStream());
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            typing.write("tty; stty size\n".getBytes(StandardCharsets.UTF_8));
            typing.flush();
            await().atMost(Duration.ofSeconds(10)).until(() -> text(out).matches("(?s).*/dev/pts/\\d+\r\n24 80\r\n.*"));
            session.resize(50, 132);
            // the size reaches the container's console a moment after the RESIZE frame: ask until it shows
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).until(() -> {
                typing.write("stty size\n".getBytes(StandardCharsets.UTF_8));
                typing.flush();
                return text(out).contains("50 132");
            });
            typing.write("exit 7\n".getBytes(StandardCharsets.UTF_8));
            typing.flush();
            reader.join(Duration.ofSeconds(10));
            assertThat(exit[0]).isEqualTo(7);
        }
    }

    @Test
    void clientHangingUpKillsTheProcess() throws Exception {
        ExecClient session = ExecClient.start(client, "/v1/instances/web/exec",
                start(List.of("sh", "-c", "echo started; exec sleep 600"), false, true), JSON);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Thread reader = Thread.ofPlatform().start(() -> {
            try {
                session.copyOutput(out, new ByteArrayOutputStream());
            } catch (IOException expected) {
                // we hang up below
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> text(out).equals("started\n"));
        session.close();
        reader.join(Duration.ofSeconds(10));
        // the exec'd sleep is gone: its pid file (removed when the runtime exits) is the witness
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            try (var files = Files.list(dir.resolve("exec"))) {
                return files.findAny().isEmpty();
            }
        });
    }

    @Test
    void unknownInstanceIs404AndStoppedIs409() {
        assertThatThrownBy(() -> ExecClient.start(client, "/v1/instances/nope/exec", start(List.of("true"), false, false),
                JSON)).isInstanceOfSatisfying(ExecClient.RefusedException.class, e -> {
                    assertThat(e.response().status()).isEqualTo(404);
                    assertThat(e.response().bodyText()).contains("instance_not_found");
                });
        assertThatThrownBy(() -> ExecClient.start(client, "/v1/instances/stopped/exec",
                start(List.of("true"), false, false), JSON)).isInstanceOfSatisfying(ExecClient.RefusedException.class,
                        e -> assertThat(e.response().status()).isEqualTo(409));
    }

    @Test
    void badStartIs400() throws IOException {
        assertThatThrownBy(() -> ExecClient.start(client, "/v1/instances/web/exec", start(List.of(), false, false), JSON))
                .isInstanceOfSatisfying(ExecClient.RefusedException.class,
                        e -> assertThat(e.response().status()).isEqualTo(400));
        HttpResponse notFrames = client.send(HttpRequest.post("/v1/instances/web/exec", "application/json",
                "{\"cmd\":[\"true\"]}".getBytes(StandardCharsets.UTF_8)));
        assertThat(notFrames.status()).isEqualTo(400);
        assertThat(notFrames.bodyText()).contains("invalid_content_type");
        HttpResponse garbage = client.send(HttpRequest.post("/v1/instances/web/exec", "application/vnd.vulcan.stream",
                new byte[] {1, 0, 0, 0, 0, 0, 0, 0}));
        assertThat(garbage.status()).isEqualTo(400);
        assertThat(garbage.bodyText()).contains("START");
    }

    /**
     * The real `vulcan exec -it` in a child JVM whose stdin is a terminal (util-linux script gives it
     * one): raw mode, the session and the exit code end to end.
     */
    @Test
    void cliInteractiveTerminalSession() throws Exception {
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        List<String> cli = List.of(javaBin, "-cp", System.getProperty("java.class.path"), "dev.vulcan.cli.Main",
                "--socket", dir.resolve("api.sock").toString(), "exec", "-it", "web", "--", "sh");
        String command = String.join(" ", cli.stream().map(a -> "'" + a.replace("'", "'\\''") + "'").toList());
        // the terminal's settings before and after: the CLI must restore what it made raw
        String around = "echo tty=$(tty) before=$(stty -g); " + command + "; rc=$?; echo after=$(stty -g); exit $rc";
        Process script = new ProcessBuilder("script", "-qefc", around, "/dev/null").redirectErrorStream(true).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Thread reader = Thread.ofPlatform().start(() -> {
            try {
                script.getInputStream().transferTo(out);
            } catch (IOException e) {
                // the process ended
            }
        });
        try {
            // the remote shell's prompt says the session is up
            await().atMost(Duration.ofSeconds(20)).until(() -> text(out).contains("# "));
            // resizing our terminal raises SIGWINCH in the CLI, which sends RESIZE
            String tty = java.util.regex.Pattern.compile("tty=(\\S+)").matcher(text(out)).results().findFirst()
                    .orElseThrow().group(1);
            new ProcessRunner.Native().check(List.of("stty", "-F", tty, "rows", "50", "cols", "132"));
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(300)).until(() -> {
                script.getOutputStream().write("stty size\r".getBytes(StandardCharsets.UTF_8));
                script.getOutputStream().flush();
                return text(out).contains("50 132");
            });
            // Ctrl-C first: in raw mode it is a byte for the remote shell, not SIGINT for the CLI
            script.getOutputStream().write("\u0003tty; exit 4\r".getBytes(StandardCharsets.UTF_8));
            script.getOutputStream().flush();
            assertThat(script.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            reader.join(Duration.ofSeconds(5));
            assertThat(text(out)).containsPattern("/dev/pts/\\d+");
            var settings = java.util.regex.Pattern.compile("(before|after)=(\\S+)").matcher(text(out)).results()
                    .map(m -> m.group(2)).toList();
            assertThat(settings).hasSize(2);
            assertThat(settings.get(1)).as("terminal settings restored").isEqualTo(settings.get(0));
            assertThat(script.exitValue()).as(text(out)).isEqualTo(4);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("the terminal showed: " + text(out).replace("\r", "<CR>").replace("\n", "<LF>\n"), e);
        } finally {
            script.destroyForcibly();
        }
    }

    private static String text(ByteArrayOutputStream bytes) {
        return bytes.toString(StandardCharsets.UTF_8);
    }

}
