package dev.vulcan.daemon.image;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A tiny distribution API on loopback (plain HTTP) that serves whatever images a test gives it,
 * including ones no real registry would store: layers that are not gzip or not tar, blobs cut
 * short. For the failure paths; the happy paths use the real docker-registry.
 */
final class FakeRegistry implements AutoCloseable {

    /** An image as served: its manifest and every blob by digest. */
    record Image(byte[] manifest, Map<Digest, byte[]> blobs) {

        /** An image whose layers are these blobs as given, with these diff_ids in its config. */
        static Image of(List<byte[]> layerBlobs, List<Digest> diffIds) {
            StringBuilder ids = new StringBuilder();
            for (Digest id : diffIds) {
                ids.append(ids.isEmpty() ? "" : ",").append('"').append(id).append('"');
            }
            byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"/bin/sh\"]},"
                    + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + ids + "]}}").getBytes(StandardCharsets.UTF_8);
            Map<Digest, byte[]> blobs = new ConcurrentHashMap<>();
            blobs.put(Digest.of(config), config);
            StringBuilder layers = new StringBuilder();
            for (byte[] layer : layerBlobs) {
                blobs.put(Digest.of(layer), layer);
                layers.append(layers.isEmpty() ? "" : ",").append(descriptor(MediaTypes.OCI_LAYER_GZIP, Digest.of(layer), layer.length));
            }
            byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":"
                    + descriptor(MediaTypes.OCI_CONFIG, Digest.of(config), config.length) + ",\"layers\":[" + layers + "]}")
                    .getBytes(StandardCharsets.UTF_8);
            return new Image(manifest, blobs);
        }

        /** A well-formed image of these plain (uncompressed) layer tars, gzipped. */
        static Image ofTars(List<byte[]> plainLayers) {
            List<byte[]> gzipped = new ArrayList<>();
            List<Digest> diffIds = new ArrayList<>();
            for (byte[] tar : plainLayers) {
                gzipped.add(TarBuilder.gzip(tar));
                diffIds.add(Digest.of(tar));
            }
            return of(gzipped, diffIds);
        }

        private static String descriptor(String mediaType, Digest digest, long size) {
            return "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"" + digest + "\",\"size\":" + size + "}";
        }
    }

    private final HttpServer server;
    private final Map<String, byte[]> manifests = new ConcurrentHashMap<>();
    private final Map<Digest, byte[]> blobs = new ConcurrentHashMap<>();
    /** Blobs served with only their first N bytes (and a Content-Length that says so). */
    private final Map<Digest, Integer> truncated = new ConcurrentHashMap<>();

    FakeRegistry() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    String address() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    /** Serves the image as REPOSITORY:TAG; returns the reference to pull. */
    ImageReference serve(String repository, String tag, Image image) {
        manifests.put(repository + ":" + tag, image.manifest());
        blobs.putAll(image.blobs());
        return ImageReference.parse(address() + "/" + repository + ":" + tag);
    }

    void truncate(Digest blob, int keep) {
        truncated.put(blob, keep);
    }

    /** Serves other bytes under this blob's digest, as a broken or malicious registry would. */
    void replace(Digest blob, byte[] content) {
        blobs.put(blob, content);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            if (path.equals("/v2/")) {
                reply(exchange, 200, "application/json", "{}".getBytes(StandardCharsets.UTF_8), -1);
                return;
            }
            int manifestsAt = path.indexOf("/manifests/");
            if (path.startsWith("/v2/") && manifestsAt > 0) {
                byte[] manifest = manifests.get(path.substring(4, manifestsAt) + ":" + path.substring(manifestsAt + 11));
                if (manifest != null) {
                    reply(exchange, 200, MediaTypes.OCI_MANIFEST, manifest, -1);
                    return;
                }
            }
            int blobsAt = path.indexOf("/blobs/");
            if (path.startsWith("/v2/") && blobsAt > 0) {
                Digest digest = Digest.parse(path.substring(blobsAt + 7));
                byte[] blob = blobs.get(digest);
                if (blob != null) {
                    reply(exchange, 200, "application/octet-stream", blob, truncated.getOrDefault(digest, -1));
                    return;
                }
            }
            reply(exchange, 404, "application/json",
                    "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"unknown\"}]}".getBytes(StandardCharsets.UTF_8), -1);
        }
    }

    private static void reply(HttpExchange exchange, int status, String type, byte[] body, int keep) throws IOException {
        byte[] sent = keep >= 0 ? java.util.Arrays.copyOf(body, keep) : body;
        exchange.getResponseHeaders().add("Content-Type", type);
        exchange.sendResponseHeaders(status, sent.length == 0 ? -1 : sent.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(sent);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
