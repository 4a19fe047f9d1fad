package dev.vulcan.it;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real daemon in its own JVM process (the code under test, from the test class path), with a
 * temporary state dir, a unix socket and a TCP port.
 */
final class DaemonProcess implements AutoCloseable {

    final Path stateDir;
    final Path socket;
    final int port;
    private final Path log;
    private final List<String> options;
    final TestNetwork network = TestNetwork.next();
    private Process process;
    private Http http;

    private DaemonProcess(Path stateDir, List<String> options) {
        this.stateDir = stateDir;
        this.options = List.copyOf(options);
        this.socket = stateDir.resolve("vulcan.sock");
        this.port = freePort();
        this.log = stateDir.resolveSibling(stateDir.getFileName() + "-daemon.log");
        // tests that only stop their daemon still leave no bridge or chain behind once the test JVM ends
        Runtime.getRuntime().addShutdownHook(new Thread(network::removeFromHost));
    }

    static DaemonProcess start(Path stateDir) {
        return start(stateDir, List.of());
    }

    /** A daemon with more options of `vulcan daemon`. */
    static DaemonProcess start(Path stateDir, List<String> options) {
        DaemonProcess daemon = new DaemonProcess(stateDir, options);
        daemon.launch();
        return daemon;
    }

    /** A daemon with system properties (-Dname=value) for its JVM. */
    static DaemonProcess startWithProperties(Path stateDir, List<String> properties) {
        DaemonProcess daemon = new DaemonProcess(stateDir, List.of());
        daemon.properties = List.copyOf(properties);
        daemon.launch();
        return daemon;
    }

    private List<String> properties = List.of();

    /** Starts the daemon again on the same state dir, socket and port. */
    void restart() {
        launch();
    }

    private void launch() {
        Tools.require(Repo.deno(), "scripts/setup");
        List<String> command = new ArrayList<>(List.of(Repo.java().toString(), "--enable-native-access=ALL-UNNAMED",
                "-Dvulcan.home=" + Repo.root()));
        command.addAll(properties);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.vulcan.daemon.Main", "--state-dir", stateDir.toString(), "--socket", socket.toString(),
                "--listen", "127.0.0.1:" + port, "--isolate-hosts", "2"));
        command.addAll(options);
        command.addAll(network.options(options));
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                .failFast(() -> {
                    if (!process.isAlive()) {
                        throw new AssertionError("daemon exited: " + logText());
                    }
                })
                .until(() -> Files.exists(socket) && Files.exists(stateDir.resolve("api-token")));
        http = new Http(port, token());
        try {
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> http.get("/healthz").status() == 200);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("daemon did not answer /healthz: " + logText(), e);
        }
    }

    /** The isolations this daemon's /v1/backends reports available. */
    List<String> availableBackends() {
        List<String> available = new ArrayList<>();
        for (var backend : http().get("/v1/backends").json()) {
            if (backend.get("available").asBoolean()) available.add(backend.get("isolation").asString());
        }
        return available;
    }

    Http http() {
        return http;
    }

    String token() {
        try {
            return Files.readString(stateDir.resolve("api-token")).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    long pid() {
        return process.pid();
    }

    /** The daemon's own descendants (Deno hosts and the like). */
    List<ProcessHandle> children() {
        return process.toHandle().descendants().toList();
    }

    void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** Removes every instance (instances outlive a daemon by design), then stops the daemon; its exit code. */
    int removeInstancesAndStop() throws InterruptedException {
        for (var i : http().get("/v1/instances").json().path("instances")) {
            http().delete("/v1/instances/" + i.path("name").asString() + "?force=true");
        }
        return stop();
    }

    /** SIGTERM and wait; returns the exit code. */
    int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("daemon did not stop within 20 s of SIGTERM");
        }
        return process.exitValue();
    }

    String logText() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        try {
            if (process != null && process.isAlive()) {
                stop();
            }
        } finally {
            network.removeFromHost();
        }
    }

    /** A TCP port no one listens on right now (for the daemon, or for a port to publish). */
    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
