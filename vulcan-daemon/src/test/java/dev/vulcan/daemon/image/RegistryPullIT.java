package dev.vulcan.daemon.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.vulcan.daemon.error.InvalidException;
import dev.vulcan.daemon.error.NotFoundException;
import dev.vulcan.daemon.error.UnavailableException;
import dev.vulcan.daemon.error.VulcanException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * Pulls from Debian's real docker-registry on loopback, into which skopeo pushed a tiny image.
 * Requests pass through a small proxy that counts them, can corrupt blob bodies and can demand
 * a Bearer token (with its own token endpoint), so those paths run against the real registry.
 */
class RegistryPullIT {

    private static final Path BUSYBOX = Path.of("/bin/busybox");
    private static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @TempDir
    static Path shared;

    private static TestRegistry registry;
    private static int registryPort;
    private static HttpServer proxy;
    private static final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();
    private static volatile boolean tamper;
    private static volatile boolean requireToken;

    @TempDir
    Path tmp;

    private ImageStore store;
    private final JsonMapper json = JsonMapper.builder().build();

    @BeforeAll
    static void startRegistry() throws Exception {
        TestRegistry.requireTools();
        registry = TestRegistry.start(shared, shared.resolve("registry-data"), null);
        registryPort = registry.port();

        Path layout = shared.resolve("layout");
        TestImages.ociLayout(layout, "1", List.of(rootfs()));
        Path archive = shared.resolve("busybox.oci.tar");
        Files.write(archive, TestImages.tarOf(layout));
        Process push = new ProcessBuilder(TestRegistry.SKOPEO.toString(), "--insecure-policy", "copy", "--dest-tls-verify=false",
                "oci-archive:" + archive, "docker://127.0.0.1:" + registryPort + "/test/busybox:1")
                .redirectErrorStream(true).start();
        String output = new String(push.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(push.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(push.exitValue()).as("skopeo copy: " + output).isZero();

        proxy = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        proxy.createContext("/", RegistryPullIT::forward);
        proxy.start();
    }

    @AfterAll
    static void stopRegistry() throws InterruptedException {
        if (proxy != null) {
            proxy.stop(0);
        }
        if (registry != null) {
            registry.close();
        }
    }

    @BeforeEach
    void setUp() throws IOException {
        tamper = false;
        requireToken = false;
        requests.clear();
        store = ImageStore.open(tmp.resolve("store"), json, RegistryTrust.defaults(tmp.resolve("certs.d")));
    }

    /** A tiny root file system: a static busybox when the host has one, plus a few files. */
    private static byte[] rootfs() throws IOException {
        TarBuilder tar = new TarBuilder().dir("bin").dir("etc").file("etc/motd", "hello from vulcan\n");
        if (Files.isRegularFile(BUSYBOX)) {
            tar.file("bin/busybox", Files.readAllBytes(BUSYBOX), 0100755).symlink("bin/sh", "busybox");
        }
        return tar.dir("tmp").file("tmp/.wh..wh..opq", "").build();
    }

    private ImageReference ref(String repositoryAndTag) {
        return ImageReference.parse("127.0.0.1:" + proxy.getAddress().getPort() + "/" + repositoryAndTag);
    }

    @Test
    void pullsVerifiesUnpacksAndSecondPullDownloadsNothing() throws IOException {
        ImageReference ref = ref("test/busybox:1");
        Map<Digest, long[]> progress = new ConcurrentHashMap<>();

        ImageSummary summary = store.pull(ref, (digest, done, total) -> progress.put(digest, new long[] {done, total}));

        assertThat(store.list()).containsExactly(summary);
        assertThat(summary.reference()).isEqualTo(ref);
        List<Path> blobs = blobFiles();
        assertThat(blobs).hasSize(3); // manifest, config, one layer
        for (Path blob : blobs) {
            assertThat(Digest.of(Files.readAllBytes(blob)).hex()).isEqualTo(blob.getFileName().toString());
        }
        assertThat(progress).hasSize(2).allSatisfy((digest, doneTotal) -> assertThat(doneTotal[0]).isEqualTo(doneTotal[1]));
        assertThat(requests.get("blob").get()).isEqualTo(2);

        List<Path> layers = store.unpack(ref);
        assertThat(layers).singleElement().satisfies(layer -> {
            assertThat(layer.resolve("etc/motd")).hasContent("hello from vulcan");
            assertThat(layer.getParent()).isEqualTo(store.root().resolve("layers"));
        });
        if (Files.isRegularFile(BUSYBOX)) {
            Process echo = new ProcessBuilder(layers.getFirst().resolve("bin/busybox").toString(), "echo", "ok").start();
            assertThat(new String(echo.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("ok\n");
        }

        requests.clear();
        store.pull(ref, PullProgress.NONE);
        assertThat(requests.getOrDefault("blob", new AtomicInteger()).get()).as("blob downloads on the second pull").isZero();
        assertThat(store.unpack(ref)).isEqualTo(layers);
    }

    @Test
    void bearerTokenFlow() throws IOException {
        requireToken = true;
        ImageSummary summary = store.pull(ref("test/busybox:1"), PullProgress.NONE);
        assertThat(summary.reference().repository()).isEqualTo("test/busybox");
        assertThat(requests.get("token").get()).isEqualTo(1);
        assertThat(requests.get("unauthorized").get()).isEqualTo(1);
    }

    @Test
    void tamperedBlobFailsWithADigestErrorAndLeavesNothing() throws IOException {
        tamper = true;
        assertThatThrownBy(() -> store.pull(ref("test/busybox:1"), PullProgress.NONE))
                .isInstanceOf(InvalidException.class)
                .hasMessageContaining("arrived with digest")
                .satisfies(e -> assertThat(((VulcanException) e).code()).isEqualTo("digest_mismatch"));
        assertThat(blobFiles()).isEmpty();
        assertThat(store.root().resolve("tmp")).isEmptyDirectory();
        assertThat(store.list()).isEmpty();
    }

    @Test
    void unknownTagIsNotFound() {
        assertThatThrownBy(() -> store.pull(ref("test/busybox:nope"), PullProgress.NONE))
                .isInstanceOf(NotFoundException.class).hasMessageContaining("manifests/nope");
        assertThatThrownBy(() -> store.pull(ref("test/missing:1"), PullProgress.NONE)).isInstanceOf(NotFoundException.class);
    }

    @Test
    void registryDownIsUnavailable() throws IOException {
        ImageReference down = ImageReference.parse("127.0.0.1:" + TestRegistry.freePort() + "/test/busybox:1");
        assertThatThrownBy(() -> store.pull(down, PullProgress.NONE))
                .isInstanceOf(UnavailableException.class)
                .hasMessageContaining("unreachable")
                .hasMessageContaining(down.registry())
                .satisfies(e -> assertThat(((VulcanException) e).code()).isEqualTo("registry_unreachable"));
    }

    @Test
    void gcRemovesUnreferencedBlobsAndLayersAfterRemove() throws IOException {
        ImageReference ref = ref("test/busybox:1");
        store.pull(ref, PullProgress.NONE);
        store.unpack(ref);
        assertThat(store.gc()).isEqualTo(new GcResult(0, 0, 0));

        store.remove(ref);
        GcResult result = store.gc();

        assertThat(result.blobs()).isEqualTo(3);
        assertThat(result.layers()).isEqualTo(1);
        assertThat(blobFiles()).isEmpty();
        assertThat(store.root().resolve("layers")).isEmptyDirectory();
        assertThat(store.list()).isEmpty();
    }

    private List<Path> blobFiles() throws IOException {
        try (Stream<Path> files = Files.list(store.root().resolve("blobs/sha256"))) {
            return files.toList();
        }
    }

    /** Forwards to the registry; counts, tampers with blob bodies and guards with a token on request. */
    private static void forward(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().toString();
            String self = "http://127.0.0.1:" + proxy.getAddress().getPort();
            if (path.startsWith("/token")) {
                count("token");
                reply(exchange, 200, "{\"token\":\"let-me-in\"}");
                return;
            }
            if (requireToken && !"Bearer let-me-in".equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                // the ping that tells plain HTTP from TLS (loopback is insecure) is not a pull request
                count(path.equals("/v2/") ? "unauthorized-ping" : "unauthorized");
                exchange.getResponseHeaders().add("WWW-Authenticate",
                        "Bearer realm=\"" + self + "/token\",service=\"test-registry\",scope=\"repository:test/busybox:pull\"");
                reply(exchange, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}");
                return;
            }
            boolean blob = path.contains("/blobs/");
            count(blob ? "blob" : "other");
            HttpRequest.Builder upstream = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + registryPort + path))
                    .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.noBody());
            String accept = exchange.getRequestHeaders().getFirst("Accept");
            if (accept != null) {
                upstream.header("Accept", accept);
            }
            HttpResponse<byte[]> response = HTTP.send(upstream.build(), HttpResponse.BodyHandlers.ofByteArray());
            byte[] body = response.body();
            if (tamper && blob && body.length > 0) {
                body = body.clone();
                body[body.length / 2] ^= 0x5a;
            }
            for (String header : List.of("Content-Type", "Docker-Content-Digest", "Location")) {
                response.headers().firstValue(header).ifPresent(v -> exchange.getResponseHeaders().add(header, v));
            }
            exchange.sendResponseHeaders(response.statusCode(), body.length == 0 ? -1 : body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void count(String kind) {
        requests.computeIfAbsent(kind, k -> new AtomicInteger()).incrementAndGet();
    }

    private static void reply(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
