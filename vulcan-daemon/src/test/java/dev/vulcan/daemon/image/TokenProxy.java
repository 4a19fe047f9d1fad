package dev.vulcan.daemon.image;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * An HTTPS front for a plain docker-registry that demands a Bearer token, with its own token
 * endpoint on the same TLS port: the Docker token flow over HTTPS, as registries on the internet
 * run it.
 */
final class TokenProxy implements AutoCloseable {

    private static final String TOKEN = "over-tls";

    private final HttpsServer server;
    private final int upstream;
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    private final AtomicInteger tokens = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();

    private TokenProxy(HttpsServer server, int upstream) {
        this.server = server;
        this.upstream = upstream;
    }

    /** Serves HTTPS with the server certificate in certs (made into a PKCS#12 in dir). */
    static TokenProxy start(Path dir, TestRegistry.Certs certs, int upstreamPort) throws Exception {
        Path p12 = dir.resolve("server.p12");
        Process export = new ProcessBuilder(TestRegistry.OPENSSL.toString(), "pkcs12", "-export", "-in", certs.serverCert().toString(),
                "-inkey", certs.serverKey().toString(), "-out", p12.toString(), "-passout", "pass:test")
                .redirectErrorStream(true).start();
        String output = new String(export.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (export.waitFor() != 0) {
            throw new IllegalStateException("openssl pkcs12: " + output);
        }
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = java.nio.file.Files.newInputStream(p12)) {
            keys.load(in, "test".toCharArray());
        }
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(keys, "test".toCharArray());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(factory.getKeyManagers(), null, null);
        HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        TokenProxy proxy = new TokenProxy(server, upstreamPort);
        server.createContext("/", proxy::handle);
        server.start();
        return proxy;
    }

    String address() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    int tokensIssued() {
        return tokens.get();
    }

    int refused() {
        return refused.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().toString();
            if (path.startsWith("/token")) {
                tokens.incrementAndGet();
                reply(exchange, 200, "{\"token\":\"" + TOKEN + "\"}");
                return;
            }
            if (!("Bearer " + TOKEN).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                refused.incrementAndGet();
                exchange.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"https://" + address()
                        + "/token\",service=\"test\",scope=\"repository:test/tls:pull\"");
                reply(exchange, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}");
                return;
            }
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + upstream + path)).GET();
            String accept = exchange.getRequestHeaders().getFirst("Accept");
            if (accept != null) {
                request.header("Accept", accept);
            }
            HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            for (String header : List.of("Content-Type", "Docker-Content-Digest")) {
                response.headers().firstValue(header).ifPresent(v -> exchange.getResponseHeaders().add(header, v));
            }
            byte[] body = response.body();
            exchange.sendResponseHeaders(response.statusCode(), body.length == 0 ? -1 : body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void reply(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        http.close();
    }
}
