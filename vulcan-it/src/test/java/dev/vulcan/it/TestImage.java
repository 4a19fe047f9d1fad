package dev.vulcan.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * A one-layer image written as an OCI archive (a tar of an OCI image layout), for tests that
 * import or push images. A smaller cousin of vulcan-daemon's test TestImages: the modules share
 * no test code.
 */
final class TestImage {
    static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

    private TestImage() {}

    /**
     * Writes an OCI archive whose one layer holds the given files; refName annotates it (null:
     * none). Returns the manifest's digest.
     */
    static String ociArchive(Path file, String refName, Map<String, String> files) {
        Map<String, byte[]> layerFiles = new LinkedHashMap<>();
        files.forEach((name, content) -> layerFiles.put(name, content.getBytes(StandardCharsets.UTF_8)));
        return ociArchive(file, refName, tar(layerFiles));
    }

    /** Writes an OCI archive whose one layer is the given (uncompressed) tar. Returns the manifest's digest. */
    static String ociArchive(Path file, String refName, byte[] layer) {
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"/bin/sh\"]},"
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + digest(layer) + "\"]}}").getBytes(StandardCharsets.UTF_8);
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + OCI_MANIFEST + "\",\"config\":"
                + descriptor("application/vnd.oci.image.config.v1+json", config) + ",\"layers\":["
                + descriptor("application/vnd.oci.image.layer.v1.tar", layer) + "]}").getBytes(StandardCharsets.UTF_8);
        String annotation = refName == null ? ""
                : ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"" + refName + "\"}";
        String index = "{\"schemaVersion\":2,\"manifests\":["
                + descriptor(OCI_MANIFEST, manifest).replaceFirst("}$", annotation + "}") + "]}";
        Map<String, byte[]> archive = new LinkedHashMap<>();
        archive.put("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
        archive.put("index.json", index.getBytes(StandardCharsets.UTF_8));
        for (byte[] blob : new byte[][] {layer, config, manifest}) {
            archive.put("blobs/sha256/" + digest(blob).substring("sha256:".length()), blob);
        }
        try {
            Files.write(file, tar(archive));
            return digest(manifest);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] tar(Map<String, byte[]> files) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                TarArchiveEntry entry = new TarArchiveEntry(file.getKey());
                entry.setMode(0100644);
                entry.setSize(file.getValue().length);
                tar.putArchiveEntry(entry);
                tar.write(file.getValue());
                tar.closeArchiveEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static String digest(byte[] content) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String descriptor(String mediaType, byte[] content) {
        return "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"" + digest(content) + "\",\"size\":" + content.length + "}";
    }
}
