package dev.vulcan.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Pulls through the API of a real daemon that verifies loopback registries
 * (--no-insecure-loopback-registries): from Debian's docker-registry over TLS (CA in
 * STATE_DIR/certs.d) and over plain HTTP (--insecure-registry), with progress events; and every
 * bad input as its HTTP status and code, with the image store on disk exactly as before.
 */
class ImagePullIT {

    private static final Path REGISTRY = Path.of("/usr/bin/docker-registry");
    private static final Path SKOPEO = Path.of("/usr/bin/skopeo");
    private static final Path OPENSSL = Path.of("/usr/bin/openssl");

    @TempDir
    static Path temp;

    private static final List<Process> registries = new ArrayList<>();
    private static HttpServer fake;
    private static DaemonProcess daemon;
    private static Http http;
    private static int plainPort;
    private static int tlsPort;
    private static String digest;

    @BeforeAll
    static void start() throws Exception {
        Tools.require(REGISTRY, "scripts/setup (Debian package docker-registry)");
        Tools.require(SKOPEO, "scripts/setup (Debian package skopeo)");
        Tools.require(OPENSSL, "scripts/setup (Debian package openssl)");
        Path storage = temp.resolve("registry-data");
        plainPort = registry(storage, null);
        Path archive = temp.resolve("image.oci.tar");
        byte[] noise = new byte[300_000]; // several progress events
        new Random(3).nextBytes(noise);
        digest = TestImage.ociArchive(archive, null, TestImage.tar(Map.of("etc/motd", "pulled\n".getBytes(StandardCharsets.UTF_8),
                "noise", noise)));
        Cli.Result push = Cli.exec(List.of(SKOPEO.toString(), "--insecure-policy", "copy", "--dest-tls-verify=false",
                "--preserve-digests", "oci-archive:" + archive, "docker://127.0.0.1:" + plainPort + "/it/pulled:1"), temp);
        assertThat(push.exit()).as("skopeo copy: " + push.err()).isZero();
        Path certs = certs(temp.resolve("certs"));
        tlsPort = registry(storage, certs);
        fake = fakeRegistry();
        daemon = DaemonProcess.start(temp.resolve("state"), List.of("--no-insecure-loopback-registries",
                "--insecure-registry", "127.0.0.1:" + plainPort + ",127.0.0.1:" + fake.getAddress().getPort()));
        http = daemon.http();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (daemon != null) {
            try {
                assertThat(daemon.stop()).isZero();
            } finally {
                daemon.close();
            }
        }
        if (fake != null) {
            fake.stop(0);
        }
        for (Process registry : registries) {
            registry.destroy();
            assertThat(registry.waitFor(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void overTlsTheCaInCertsDirDecides() throws IOException {
        String ref = "127.0.0.1:" + tlsPort + "/it/pulled:1";
        Store before = Store.of(daemon.stateDir);

        Http.Reply untrusted = http.postJson("/v1/images/pull", Map.of("ref", ref));

        assertThat(untrusted.status()).as(untrusted.body()).isEqualTo(422);
        assertThat(untrusted.json().at("/error/code").asString()).isEqualTo("registry_certificate_untrusted");
        assertThat(untrusted.json().at("/error/message").asString()).contains("certificate")
                .contains(daemon.stateDir.resolve("certs.d/127.0.0.1:" + tlsPort + "/ca.crt").toString());
        assertThat(Store.of(daemon.stateDir)).isEqualTo(before);

        Path caDir = Files.createDirectories(daemon.stateDir.resolve("certs.d/127.0.0.1:" + tlsPort));
        Files.copy(temp.resolve("certs/ca.crt"), caDir.resolve("ca.crt"));
        Http.Reply pulled = http.postJson("/v1/images/pull", Map.of("ref", ref));

        assertThat(pulled.status()).as(pulled.body()).isEqualTo(200);
        assertThat(pulled.json().get("digest").asString()).isEqualTo(digest);
        assertThat(http.delete("/v1/images/" + URLEncoder.encode(ref, StandardCharsets.UTF_8)).status()).isEqualTo(200);
    }

    @Test
    void progressEventsForEachBlobThenTheImage() {
        String ref = "127.0.0.1:" + plainPort + "/it/pulled:1";
        http.post("/v1/images/gc", "{}");

        List<String[]> first = events(ref);

        JsonNode image = Http.mapper().readTree(first.getLast()[1]);
        assertThat(first.getLast()[0]).isEqualTo("pulled");
        assertThat(image.get("ref").asString()).isEqualTo(ref);
        assertThat(image.get("digest").asString()).isEqualTo(digest);
        List<JsonNode> progress = first.stream().filter(e -> e[0].equals("progress")).map(e -> Http.mapper().readTree(e[1])).toList();
        List<JsonNode> finished = progress.stream().filter(p -> p.get("state").asString().equals("downloaded")).toList();
        assertThat(finished).hasSize(2) // config and the layer
                .allSatisfy(p -> assertThat(p.get("done_bytes").asLong()).isEqualTo(p.get("total_bytes").asLong()));
        assertThat(progress.stream().filter(p -> p.get("state").asString().equals("downloading")).count())
                .as("events while the 300 kB layer downloads").isGreaterThan(2);

        List<String[]> again = events(ref);
        assertThat(again.stream().filter(e -> e[0].equals("progress")).map(e -> Http.mapper().readTree(e[1]).get("state").asString()))
                .containsExactly("exists", "exists");

        Cli.Result cli = new Cli(daemon.socket).run("image", "pull", ref);
        assertThat(cli.exit()).as(cli.err()).isZero();
        assertThat(cli.out()).as("not a terminal: a plain line per blob, then the image")
                .containsPattern("^[0-9a-f]{12}: already exists\n[0-9a-f]{12}: already exists\npulled "
                        + java.util.regex.Pattern.quote(ref + " " + digest) + " \\(.+ kB\\)\n$");
    }

    @Test
    void badInputIsAClearErrorAndLeavesTheStoreAsItWas() throws IOException {
        int down;
        try (ServerSocket socket = new ServerSocket(0)) {
            down = socket.getLocalPort();
        }
        String fakeRegistry = "127.0.0.1:" + fake.getAddress().getPort();
        expect("127.0.0.1:" + plainPort + "/it/absent:1", 404, "image_not_found", "it/absent");
        expect("UPPER/Case::", 400, "invalid_reference", "UPPER");
        expect("127.0.0.1:" + down + "/it/any:1", 422, "registry_unreachable", "127.0.0.1:" + down);
        expect(fakeRegistry + "/it/corrupt:1", 400, "corrupt_layer", "not a valid");
        expect(fakeRegistry + "/it/truncated:1", 400, "truncated_blob", "ended after 10 of");

        // streamed: the 200 and the progress went out before the layer turned out corrupt
        Store before = Store.of(daemon.stateDir);
        List<String[]> events = events(fakeRegistry + "/it/corrupt:1");
        assertThat(events.getLast()[0]).isEqualTo("error");
        assertThat(Http.mapper().readTree(events.getLast()[1]).at("/error/code").asString()).isEqualTo("corrupt_layer");
        assertThat(Store.of(daemon.stateDir)).isEqualTo(before);
    }

    private static void expect(String ref, int status, String code, String message) throws IOException {
        Store before = Store.of(daemon.stateDir);

        Http.Reply reply = http.postJson("/v1/images/pull", Map.of("ref", ref));

        assertThat(reply.status()).as(ref + ": " + reply.body()).isEqualTo(status);
        assertThat(reply.json().at("/error/code").asString()).as(ref).isEqualTo(code);
        assertThat(reply.json().at("/error/message").asString()).as(ref).contains(message);
        assertThat(Store.of(daemon.stateDir)).as(ref).isEqualTo(before);
    }

    /** POST /v1/images/pull as an event stream: [event, data] pairs. */
    private static List<String[]> events(String ref) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.port + "/v1/images/pull"))
                .timeout(Duration.ofSeconds(120)).header("Authorization", "Bearer " + daemon.token())
                .header("Accept", "text/event-stream").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"ref\":\"" + ref + "\"}")).build();
        try (HttpClient client = HttpClient.newHttpClient()) {
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            assertThat(response.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
            List<String[]> events = new ArrayList<>();
            for (String block : response.body().split("\n\n")) {
                String event = block.replaceAll("(?s)^event: ([^\n]*)\n.*", "$1");
                String data = block.replaceAll("(?s).*\ndata: ([^\n]*).*", "$1");
                events.add(new String[] {event, data});
            }
            return events;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The image store on disk: blob names, layer dirs, tmp leftovers, files in its root, index.json. */
    private record Store(TreeSet<String> blobs, TreeSet<String> layers, TreeSet<String> tmp, TreeSet<String> root, String index) {
        static Store of(Path state) throws IOException {
            Path images = state.resolve("images");
            return new Store(names(images.resolve("blobs/sha256")), names(images.resolve("layers")), names(images.resolve("tmp")),
                    names(images), Files.readString(images.resolve("index.json")));
        }

        private static TreeSet<String> names(Path dir) throws IOException {
            try (Stream<Path> list = Files.list(dir)) {
                return list.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toCollection(TreeSet::new));
            }
        }
    }

    /** docker-registry on a free loopback port serving storage; TLS with dir/server.{crt,key} unless null. */
    private static int registry(Path storage, Path certs) throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        String tls = certs == null ? "" : "  tls:\n    certificate: " + certs.resolve("server.crt") + "\n    key: "
                + certs.resolve("server.key") + "\n";
        Path config = temp.resolve("registry-" + port + ".yml");
        Files.writeString(config, "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: " + storage
                + "\nhttp:\n  addr: 127.0.0.1:" + port + "\n" + tls);
        Process process = new ProcessBuilder(REGISTRY.toString(), "serve", config.toString()).redirectErrorStream(true)
                .redirectOutput(temp.resolve("registry-" + port + ".log").toFile()).start();
        registries.add(process);
        int bound = port;
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> {
            try (Socket socket = new Socket("127.0.0.1", bound)) {
                return true;
            }
        });
        return port;
    }

    /** A throwaway CA and a server certificate it signed for 127.0.0.1 and localhost. */
    private static Path certs(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
                + "keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n");
        String ssl = OPENSSL.toString();
        for (List<String> command : List.of(
                List.of(ssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "ca.key",
                        "-out", "ca.crt", "-days", "2", "-subj", "/CN=vulcan it CA", "-addext", "basicConstraints=critical,CA:TRUE",
                        "-addext", "keyUsage=critical,keyCertSign,cRLSign"),
                List.of(ssl, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "server.key",
                        "-out", "server.csr", "-subj", "/CN=127.0.0.1"),
                List.of(ssl, "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                        "-out", "server.crt", "-days", "2", "-extfile", "server.ext"))) {
            Cli.Result result = Cli.exec(command, dir);
            assertThat(result.exit()).as(String.join(" ", command) + ": " + result.err()).isZero();
        }
        return dir;
    }

    /**
     * A distribution API serving two broken images no real registry keeps: it/corrupt (a layer
     * that is not gzip, though its digest is right) and it/truncated (a layer cut short).
     */
    private static HttpServer fakeRegistry() throws IOException {
        byte[] corrupt = new byte[2048];
        new Random(5).nextBytes(corrupt);
        corrupt[0] = 0x1f;
        corrupt[1] = (byte) 0x8b;
        byte[] whole = TestImage.tar(Map.of("f", new byte[5000]));
        Map<String, byte[]> served = new java.util.HashMap<>();
        image(served, "it/corrupt", corrupt, TestImage.digest(new byte[] {1}));
        image(served, "it/truncated", whole, TestImage.digest(whole));
        String truncated = "/v2/it/truncated/blobs/" + TestImage.digest(whole);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            try (exchange) {
                String path = exchange.getRequestURI().getPath();
                byte[] body = path.equals("/v2/") ? "{}".getBytes(StandardCharsets.UTF_8) : served.get(path);
                if (body == null) {
                    exchange.sendResponseHeaders(404, -1);
                    return;
                }
                if (path.equals(truncated)) {
                    body = java.util.Arrays.copyOf(body, 10);
                }
                exchange.getResponseHeaders().add("Content-Type", path.contains("/manifests/") ? TestImage.OCI_MANIFEST : "application/json");
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        });
        server.start();
        return server;
    }

    /** Adds REPOSITORY:1 with one layer blob and the diff_id its config claims. */
    private static void image(Map<String, byte[]> served, String repository, byte[] layer, String diffId) {
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + diffId
                + "\"]}}").getBytes(StandardCharsets.UTF_8);
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + TestImage.OCI_MANIFEST + "\",\"config\":{\"mediaType\":"
                + "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + TestImage.digest(config) + "\",\"size\":" + config.length
                + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"" + TestImage.digest(layer)
                + "\",\"size\":" + layer.length + "}]}").getBytes(StandardCharsets.UTF_8);
        served.put("/v2/" + repository + "/manifests/1", manifest);
        served.put("/v2/" + repository + "/blobs/" + TestImage.digest(config), config);
        served.put("/v2/" + repository + "/blobs/" + TestImage.digest(layer), layer);
    }
}
