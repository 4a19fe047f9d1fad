package dev.vulcan.daemon.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Debian's docker-registry on loopback, over plain HTTP or TLS, serving a storage directory that
 * skopeo pushes into; and the throwaway CA and server certificate (for 127.0.0.1 and localhost)
 * that openssl makes for the TLS one.
 */
final class TestRegistry implements AutoCloseable {

    static final Path REGISTRY = Path.of("/usr/bin/docker-registry");
    static final Path SKOPEO = Path.of("/usr/bin/skopeo");
    static final Path OPENSSL = Path.of("/usr/bin/openssl");

    /** A CA and the server certificate it signed, PEM files. */
    record Certs(Path caCert, Path serverCert, Path serverKey) {}

    private final Process process;
    private final int port;

    private TestRegistry(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Fails in CI, skips elsewhere, when a tool the tests need is not installed. */
    static void requireTools() {
        for (Path tool : List.of(REGISTRY, SKOPEO, OPENSSL)) {
            if (!Files.isExecutable(tool)) {
                String why = tool + " is missing (Debian packages docker-registry, skopeo, openssl; scripts/setup installs them)";
                if ("true".equals(System.getenv("CI"))) {
                    throw new AssertionError(why);
                }
                Assumptions.abort(why);
            }
        }
    }

    /** Starts a registry on a free loopback port serving {@code storage}; TLS with these certs unless null. */
    static TestRegistry start(Path dir, Path storage, Certs tls) throws IOException {
        int port = freePort();
        String tlsConfig = tls == null ? "" : """
                  tls:
                    certificate: %s
                    key: %s
                """.formatted(tls.serverCert(), tls.serverKey());
        Path config = dir.resolve("registry-" + port + ".yml");
        Files.writeString(config, """
                version: 0.1
                log:
                  level: warn
                storage:
                  filesystem:
                    rootdirectory: %s
                  delete:
                    enabled: true
                http:
                  addr: 127.0.0.1:%d
                %s""".formatted(storage, port, tlsConfig));
        Process process = new ProcessBuilder(REGISTRY.toString(), "serve", config.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("registry-" + port + ".log").toFile()).start();
        TestRegistry registry = new TestRegistry(process, port);
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().failFast(() -> !process.isAlive()).until(() -> {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                return true;
            }
        });
        return registry;
    }

    int port() {
        return port;
    }

    /** host:port as a reference names it. */
    String address() {
        return "127.0.0.1:" + port;
    }

    /** Pushes an OCI archive to this registry (plain HTTP) as REPOSITORY:TAG. */
    void push(Path archive, String repositoryAndTag) throws IOException, InterruptedException {
        run(List.of(SKOPEO.toString(), "--insecure-policy", "copy", "--dest-tls-verify=false", "--preserve-digests",
                "oci-archive:" + archive, "docker://" + address() + "/" + repositoryAndTag), archive.getParent());
    }

    /** A CA, and a server certificate it signed for IP 127.0.0.1 and DNS localhost, in dir. */
    static Certs certs(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path ca = dir.resolve("ca.crt");
        Path caKey = dir.resolve("ca.key");
        Path cert = dir.resolve("server.crt");
        Path key = dir.resolve("server.key");
        Path csr = dir.resolve("server.csr");
        Path ext = dir.resolve("server.ext");
        String openssl = OPENSSL.toString();
        List<String> ec = List.of("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes");
        List<String> caCommand = new ArrayList<>(List.of(openssl, "req", "-x509"));
        caCommand.addAll(ec);
        caCommand.addAll(List.of("-keyout", caKey.toString(), "-out", ca.toString(), "-days", "2", "-subj", "/CN=vulcan test CA",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"));
        run(caCommand, dir);
        List<String> csrCommand = new ArrayList<>(List.of(openssl, "req"));
        csrCommand.addAll(ec);
        csrCommand.addAll(List.of("-keyout", key.toString(), "-out", csr.toString(), "-subj", "/CN=127.0.0.1"));
        run(csrCommand, dir);
        Files.writeString(ext, "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
                + "keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n");
        run(List.of(openssl, "x509", "-req", "-in", csr.toString(), "-CA", ca.toString(), "-CAkey", caKey.toString(),
                "-CAcreateserial", "-out", cert.toString(), "-days", "2", "-extfile", ext.toString()), dir);
        return new Certs(ca, cert, key);
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void run(List<String> command, Path dir) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as(String.join(" ", command)).isTrue();
        assertThat(process.exitValue()).as(command.getFirst() + " " + command.get(1) + ": " + output).isZero();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
