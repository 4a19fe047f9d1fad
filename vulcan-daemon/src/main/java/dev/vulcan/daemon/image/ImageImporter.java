package dev.vulcan.daemon.image;

import dev.vulcan.daemon.error.InvalidException;
import dev.vulcan.daemon.error.NotFoundException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Imports images from an OCI layout directory, an OCI archive (a tar of a layout, optionally
 * gzipped) or a {@code docker save} tarball (manifest.json + layer tars, converted to an OCI
 * manifest). Every blob is copied in through the verifying blob store.
 */
final class ImageImporter {

    /** An imported image: the reference to record and its manifest, already stored. */
    record Imported(ImageReference reference, Descriptor manifest) {}

    private final BlobStore blobs;
    private final JsonMapper json;
    /** Blobs this import added to the store, so a failed import can take them back. */
    private final Set<Digest> written;

    ImageImporter(BlobStore blobs, JsonMapper json, Set<Digest> written) {
        this.blobs = blobs;
        this.json = json;
        this.written = written;
    }

    private Digest put(byte[] content) throws IOException {
        Digest digest = Digest.of(content);
        if (!blobs.has(digest)) {
            blobs.put(content);
            written.add(digest);
        }
        return digest;
    }

    /** name may be null: then the archive's own names (ref.name annotation, RepoTags) are used. */
    List<Imported> importFrom(Path source, ImageReference name) throws IOException {
        if (Files.isDirectory(source)) {
            return fromDirectory(source, name);
        }
        if (!Files.isRegularFile(source)) {
            throw new NotFoundException("import_not_found", "nothing to import at " + source);
        }
        Path unpacked = Files.createTempDirectory(blobs.tmp(), "import-");
        try {
            extractArchive(source, unpacked);
            return fromDirectory(unpacked, name);
        } finally {
            LayerUnpacker.deleteTree(unpacked);
        }
    }

    private List<Imported> fromDirectory(Path dir, ImageReference name) throws IOException {
        if (Files.isRegularFile(dir.resolve("index.json")) && Files.isRegularFile(dir.resolve("oci-layout"))) {
            return fromLayout(dir, name);
        }
        if (Files.isRegularFile(dir.resolve("manifest.json"))) {
            return fromDockerSave(dir, name);
        }
        throw new InvalidException("invalid_image_archive",
                "neither an OCI layout (oci-layout + index.json) nor a docker save archive (manifest.json)");
    }

    private List<Imported> fromLayout(Path dir, ImageReference name) throws IOException {
        JsonNode index = json.readTree(Files.readAllBytes(dir.resolve("index.json")));
        List<Imported> imported = new ArrayList<>();
        for (JsonNode entry : index.path("manifests")) {
            Descriptor descriptor = Descriptor.from(entry);
            byte[] content = copyBlob(dir, descriptor);
            String mediaType = descriptor.mediaType().isEmpty() ? ImageManifest.mediaTypeOf(json, content) : descriptor.mediaType();
            if (MediaTypes.isIndex(mediaType)) {
                descriptor = ImageManifest.selectPlatform(json, content, "the archive's index " + descriptor.digest());
                content = copyBlob(dir, descriptor);
                mediaType = descriptor.mediaType().isEmpty() ? ImageManifest.mediaTypeOf(json, content) : descriptor.mediaType();
            }
            ImageManifest manifest = ImageManifest.parse(json, content);
            copyBlob(dir, manifest.config());
            for (Descriptor layer : manifest.layers()) {
                copyBlob(dir, layer);
            }
            JsonNode annotations = entry.path("annotations");
            String own = annotations.path("io.containerd.image.name").asString(annotations.path(ImageIndex.REF_NAME).asString(""));
            imported.add(new Imported(name(name, own, imported.size()),
                    new Descriptor(mediaType, descriptor.digest(), descriptor.size())));
        }
        if (imported.isEmpty()) {
            throw new InvalidException("invalid_image_archive", "the OCI layout's index.json lists no images");
        }
        return imported;
    }

    private List<Imported> fromDockerSave(Path dir, ImageReference name) throws IOException {
        List<Imported> imported = new ArrayList<>();
        for (JsonNode image : json.readTree(Files.readAllBytes(dir.resolve("manifest.json")))) {
            byte[] config = Files.readAllBytes(inside(dir, image.path("Config").asString("")));
            Digest configDigest = put(config);
            ObjectNode manifest = json.createObjectNode();
            manifest.put("schemaVersion", 2);
            manifest.put("mediaType", MediaTypes.OCI_MANIFEST);
            new Descriptor(MediaTypes.OCI_CONFIG, configDigest, config.length).writeTo(manifest.putObject("config"));
            var layers = manifest.putArray("layers");
            for (JsonNode layerName : image.path("Layers")) {
                Path layer = inside(dir, layerName.asString(""));
                Digest digest = digestOf(layer);
                try (InputStream in = Files.newInputStream(layer)) {
                    if (!blobs.has(digest)) {
                        blobs.write(in, digest, Files.size(layer), n -> {});
                        written.add(digest);
                    }
                }
                new Descriptor(isGzip(layer) ? MediaTypes.OCI_LAYER_GZIP : MediaTypes.OCI_LAYER, digest, Files.size(layer))
                        .writeTo(layers.addObject());
            }
            byte[] content = json.writeValueAsBytes(manifest);
            Digest manifestDigest = put(content);
            String own = image.path("RepoTags").path(0).asString("");
            imported.add(new Imported(name(name, own, imported.size()),
                    new Descriptor(MediaTypes.OCI_MANIFEST, manifestDigest, content.length)));
        }
        if (imported.isEmpty()) {
            throw new InvalidException("invalid_image_archive", "the docker save archive's manifest.json lists no images");
        }
        return imported;
    }

    private static ImageReference name(ImageReference given, String own, int position) {
        if (given != null) {
            if (position > 0) {
                throw new InvalidException("ambiguous_import", "the archive holds several images; import them without --name");
            }
            return given;
        }
        if (own.contains("/") || own.contains(":")) {
            return ImageReference.parse(own);
        }
        throw new InvalidException("name_required",
                "the archive does not name its image" + (own.isEmpty() ? "" : " fully (only '" + own + "')") + "; give one with --name");
    }

    /** Copies a blob of the layout into the store, verifying it; returns its bytes if small (manifests). */
    private byte[] copyBlob(Path dir, Descriptor descriptor) throws IOException {
        Path file = dir.resolve("blobs").resolve("sha256").resolve(descriptor.digest().hex());
        if (!Files.isRegularFile(file)) {
            throw new InvalidException("invalid_image_archive", "the archive lacks blob " + descriptor.digest());
        }
        if (!blobs.has(descriptor.digest())) {
            try (InputStream in = Files.newInputStream(file)) {
                blobs.write(in, descriptor.digest(), descriptor.size() > 0 ? descriptor.size() : -1, n -> {});
                written.add(descriptor.digest());
            }
        }
        return Files.size(file) <= 4 * 1024 * 1024 ? blobs.read(descriptor.digest()) : new byte[0];
    }

    private static Path inside(Path dir, String name) {
        String safe = LayerUnpacker.safeName(name);
        Path file = dir.resolve(safe);
        if (safe.isEmpty() || !Files.isRegularFile(file)) {
            throw new InvalidException("invalid_image_archive", "the archive lacks '" + name + "'");
        }
        return file;
    }

    private static Digest digestOf(Path file) throws IOException {
        MessageDigest sha = Digest.sha256();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return Digest.of(sha);
    }

    private static boolean isGzip(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] magic = in.readNBytes(2);
            return magic.length == 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b;
        }
    }

    /** Unpacks the archive's regular files and directories (names checked; links are not expected here). */
    private static void extractArchive(Path archive, Path into) throws IOException {
        try (BufferedInputStream raw = new BufferedInputStream(Files.newInputStream(archive))) {
            raw.mark(2);
            int b0 = raw.read();
            int b1 = raw.read();
            raw.reset();
            InputStream in;
            try {
                in = b0 == 0x1f && b1 == 0x8b ? GzipCompressorInputStream.builder().setInputStream(raw).get() : raw;
            } catch (IOException e) {
                throw unreadable(archive, e);
            }
            TarArchiveInputStream tar = new TarArchiveInputStream(in);
            List<Path[]> links = new ArrayList<>();
            for (TarArchiveEntry entry; (entry = nextEntry(tar, archive)) != null; ) {
                String name = LayerUnpacker.safeName(entry.getName());
                if (name.isEmpty()) {
                    continue;
                }
                Path path = into.resolve(name);
                if (entry.isDirectory()) {
                    Files.createDirectories(path);
                } else if (entry.isFile()) {
                    Files.createDirectories(path.getParent());
                    try (OutputStream out = Files.newOutputStream(path)) {
                        tar.transferTo(out);
                    } catch (java.io.EOFException e) {
                        throw unreadable(archive, e);
                    }
                } else if (entry.isSymbolicLink() || entry.isLink()) {
                    // docker save links a repeated layer to its first copy: copy it, if it stays inside
                    Path target = entry.isLink() ? into.resolve(LayerUnpacker.safeName(entry.getLinkName()))
                            : path.getParent().resolve(entry.getLinkName()).normalize();
                    links.add(new Path[] {path, target});
                }
            }
            for (Path[] link : links) {
                if (link[1].startsWith(into) && Files.isRegularFile(link[1], java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectories(link[0].getParent());
                    Files.copy(link[1], link[0]);
                }
            }
        }
    }

    /** The next entry; a read error here is the archive's fault (corrupt or truncated), not the disk's. */
    private static TarArchiveEntry nextEntry(TarArchiveInputStream tar, Path archive) {
        try {
            return tar.getNextEntry();
        } catch (IOException e) {
            throw unreadable(archive, e);
        }
    }

    private static InvalidException unreadable(Path archive, IOException e) {
        return new InvalidException("invalid_image_archive", archive + " is not a readable tar archive: " + e.getMessage());
    }
}
