package dev.vulcan.daemon.image;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Builds OCI layouts, OCI archives and docker save tarballs from layer tars, for tests. */
public final class TestImages {

    private TestImages() {}

    static String config(List<byte[]> plainLayers) {
        StringBuilder ids = new StringBuilder();
        for (byte[] layer : plainLayers) {
            ids.append(ids.isEmpty() ? "" : ",").append('"').append(Digest.of(layer)).append('"');
        }
        return "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":[\"PATH=/bin\"],\"Cmd\":[\"/bin/sh\"]},"
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + ids + "]}}";
    }

    /** Writes an OCI layout with one image whose layers are gzipped; returns the manifest digest. */
    public static Digest ociLayout(Path dir, String refName, List<byte[]> plainLayers) throws IOException {
        Path blobs = dir.resolve("blobs/sha256");
        Files.createDirectories(blobs);
        byte[] config = config(plainLayers).getBytes(StandardCharsets.UTF_8);
        Digest configDigest = write(blobs, config);
        StringBuilder layers = new StringBuilder();
        for (byte[] plain : plainLayers) {
            byte[] gz = TarBuilder.gzip(plain);
            Digest d = write(blobs, gz);
            layers.append(layers.isEmpty() ? "" : ",").append(descriptor(MediaTypes.OCI_LAYER_GZIP, d, gz.length));
        }
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":"
                + descriptor(MediaTypes.OCI_CONFIG, configDigest, config.length) + ",\"layers\":[" + layers + "]}")
                .getBytes(StandardCharsets.UTF_8);
        Digest manifestDigest = write(blobs, manifest);
        String annotation = refName == null ? "" : ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"" + refName + "\"}";
        Files.writeString(dir.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[" + descriptor(MediaTypes.OCI_MANIFEST,
                manifestDigest, manifest.length).replaceFirst("}$", annotation + "}") + "]}");
        Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        return manifestDigest;
    }

    /** A tar of a directory's files (an OCI archive when the directory is a layout). */
    static byte[] tarOf(Path dir) throws IOException {
        TarBuilder tar = new TarBuilder();
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted().toList()) {
                String name = dir.relativize(p).toString();
                if (name.isEmpty()) {
                    continue;
                }
                if (Files.isDirectory(p)) {
                    tar.dir(name);
                } else {
                    tar.file(name, Files.readAllBytes(p), 0100644);
                }
            }
        }
        return tar.build();
    }

    /** A docker save tarball (legacy layout: <id>/layer.tar, <id>.json config, manifest.json). */
    static byte[] dockerSave(String repoTag, List<byte[]> plainLayers) {
        byte[] config = config(plainLayers).getBytes(StandardCharsets.UTF_8);
        String configName = Digest.of(config).hex() + ".json";
        TarBuilder tar = new TarBuilder();
        StringBuilder names = new StringBuilder();
        int i = 0;
        for (byte[] layer : plainLayers) {
            String id = "layer" + i++;
            tar.dir(id).file(id + "/VERSION", "1.0").file(id + "/layer.tar", layer, 0100644);
            names.append(names.isEmpty() ? "" : ",").append('"').append(id).append("/layer.tar\"");
        }
        tar.file(configName, config, 0100644);
        tar.file("manifest.json", "[{\"Config\":\"" + configName + "\",\"RepoTags\":[\"" + repoTag + "\"],\"Layers\":[" + names + "]}]");
        return tar.build();
    }

    private static String descriptor(String mediaType, Digest digest, long size) {
        return "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"" + digest + "\",\"size\":" + size + "}";
    }

    private static Digest write(Path blobs, byte[] content) throws IOException {
        Digest d = Digest.of(content);
        Files.write(blobs.resolve(d.hex()), content);
        return d;
    }
}
