package dev.vulcan.daemon.image;

import dev.vulcan.daemon.error.InvalidException;
import dev.vulcan.daemon.error.NotFoundException;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * The node's image store: an OCI image layout in one directory (oci-layout, index.json with a
 * ref.name per image, blobs/sha256/...) plus unpacked layers in {@code layers/<diff_id hex>/} for
 * overlayfs. Pull and import write blobs only after they verify and record the reference last, so
 * a failure leaves at most unreferenced blobs, which gc() removes.
 */
public final class ImageStore {

    private static final Logger log = LoggerFactory.getLogger(ImageStore.class);

    private final Path root;
    private final BlobStore blobs;
    private final ImageIndex index;
    private final LayerUnpacker unpacker;
    private final HttpClient http;
    private final JsonMapper json;
    private final Set<String> insecureRegistries;
    /** Pulls, imports and unpacks share; gc excludes them all. */
    private final ReadWriteLock gcLock = new ReentrantReadWriteLock();

    public ImageStore(Path root, HttpClient http, JsonMapper json, Set<String> insecureRegistries) throws IOException {
        this(root, http, json, insecureRegistries, new SpecialFiles.Native());
    }

    ImageStore(Path root, HttpClient http, JsonMapper json, Set<String> insecureRegistries, SpecialFiles special)
            throws IOException {
        Files.createDirectories(root);
        this.root = root;
        this.blobs = new BlobStore(root);
        this.index = new ImageIndex(root, json);
        this.unpacker = new LayerUnpacker(root.resolve("layers"), special);
        this.http = http;
        this.json = json;
        this.insecureRegistries = Set.copyOf(insecureRegistries);
    }

    /** A store with its own HTTP client (no automatic redirects: the registry client follows them). */
    public static ImageStore open(Path root, JsonMapper json, Set<String> insecureRegistries) throws IOException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NEVER).build();
        return new ImageStore(root, http, json, insecureRegistries);
    }

    public Path root() {
        return root;
    }

    /** Pulls the linux/amd64 image, downloading only blobs the store lacks. */
    public ImageSummary pull(ImageReference ref, PullProgress progress) throws IOException {
        gcLock.readLock().lock();
        try {
            RegistryClient registry = new RegistryClient(http, json, ref, insecureRegistries);
            ManifestPuller.Pulled pulled = new ManifestPuller(registry, json).pull(ref);
            ImageManifest manifest = ImageManifest.parse(json, pulled.content());
            BlobPuller blobPuller = new BlobPuller(registry, blobs);
            int downloaded = blobPuller.pull(manifest.config(), progress) ? 1 : 0;
            for (Descriptor layer : manifest.layers()) {
                downloaded += blobPuller.pull(layer, progress) ? 1 : 0;
            }
            blobs.put(pulled.content());
            index.put(ref.toString(), pulled.descriptor());
            log.atInfo().addKeyValue("image", ref).addKeyValue("manifest", pulled.descriptor().digest())
                    .addKeyValue("downloaded_blobs", downloaded).log("image pulled");
            return summary(ref, pulled.descriptor());
        } finally {
            gcLock.readLock().unlock();
        }
    }

    /** Imports an OCI layout directory, an OCI archive or a docker save tarball; name may be null. */
    public List<ImageSummary> importImage(Path source, ImageReference name) throws IOException {
        gcLock.readLock().lock();
        try {
            List<ImageSummary> done = new ArrayList<>();
            for (ImageImporter.Imported image : new ImageImporter(blobs, json).importFrom(source, name)) {
                index.put(image.reference().toString(), image.manifest());
                done.add(summary(image.reference(), image.manifest()));
                log.atInfo().addKeyValue("image", image.reference()).addKeyValue("source", source).log("image imported");
            }
            return done;
        } finally {
            gcLock.readLock().unlock();
        }
    }

    public List<ImageSummary> list() throws IOException {
        List<ImageSummary> all = new ArrayList<>();
        for (Map.Entry<String, Descriptor> entry : index.load().entrySet()) {
            all.add(summary(ImageReference.parse(entry.getKey()), entry.getValue()));
        }
        return all;
    }

    /** The stored image of this reference. */
    public ImageSummary get(ImageReference ref) throws IOException {
        Descriptor descriptor = index.load().get(ref.toString());
        if (descriptor == null) {
            throw new NotFoundException("image_not_found", "no image " + ref + " in the store");
        }
        return summary(ref, descriptor);
    }

    /** The manifest digest a reference names now (one index read: no blob is opened). */
    public Digest manifestDigest(ImageReference ref) throws IOException {
        Descriptor descriptor = index.load().get(ref.toString());
        if (descriptor == null) {
            throw new NotFoundException("image_not_found", "no image " + ref + " in the store");
        }
        return descriptor.digest();
    }

    /** Forgets a reference; its blobs and layers stay until gc(). */
    public void remove(ImageReference ref) throws IOException {
        if (!index.remove(ref.toString())) {
            throw new NotFoundException("image_not_found", "no image " + ref + " in the store");
        }
        log.atInfo().addKeyValue("image", ref).log("image removed");
    }

    /** Unpacks the image's layers (once each) and returns their directories, lowest first. */
    public List<Path> unpack(ImageReference ref) throws IOException {
        gcLock.readLock().lock();
        try {
            Descriptor descriptor = index.load().get(ref.toString());
            if (descriptor == null) {
                throw new NotFoundException("image_not_found", "no image " + ref + " in the store");
            }
            ImageManifest manifest = ImageManifest.parse(json, blobs.read(descriptor.digest()));
            List<Digest> diffIds = ImageManifest.diffIds(json, blobs.read(manifest.config().digest()));
            if (diffIds.size() != manifest.layers().size()) {
                throw new InvalidException("invalid_image", ref + " has " + manifest.layers().size() + " layers but its config lists "
                        + diffIds.size() + " diff_ids");
            }
            List<Path> dirs = new ArrayList<>();
            for (int i = 0; i < diffIds.size(); i++) {
                dirs.add(unpacker.unpack(blobs.path(manifest.layers().get(i).digest()), diffIds.get(i)));
            }
            return dirs;
        } finally {
            gcLock.readLock().unlock();
        }
    }

    /** Deletes blobs and unpacked layers no reference reaches, and leftovers of interrupted work. */
    public GcResult gc() throws IOException {
        gcLock.writeLock().lock();
        try {
            Set<Digest> liveBlobs = new HashSet<>();
            Set<String> liveLayers = new HashSet<>();
            for (Descriptor descriptor : index.load().values()) {
                liveBlobs.add(descriptor.digest());
                if (!blobs.has(descriptor.digest())) {
                    continue;
                }
                ImageManifest manifest = ImageManifest.parse(json, blobs.read(descriptor.digest()));
                liveBlobs.add(manifest.config().digest());
                manifest.layers().forEach(l -> liveBlobs.add(l.digest()));
                if (blobs.has(manifest.config().digest())) {
                    ImageManifest.diffIds(json, blobs.read(manifest.config().digest())).forEach(d -> liveLayers.add(d.hex()));
                }
            }
            int blobCount = 0;
            long bytes = 0;
            for (Digest digest : blobs.list()) {
                if (!liveBlobs.contains(digest)) {
                    bytes += blobs.delete(digest);
                    blobCount++;
                }
            }
            int layerCount = 0;
            try (Stream<Path> dirs = Files.list(root.resolve("layers"))) {
                for (Path dir : dirs.toList()) {
                    if (!liveLayers.contains(dir.getFileName().toString())) {
                        LayerUnpacker.deleteTree(dir);
                        layerCount++;
                    }
                }
            }
            try (Stream<Path> leftovers = Files.list(blobs.tmp())) {
                for (Path p : leftovers.toList()) {
                    LayerUnpacker.deleteTree(p);
                }
            }
            log.atInfo().addKeyValue("blobs", blobCount).addKeyValue("layers", layerCount).addKeyValue("bytes", bytes)
                    .log("image store collected");
            return new GcResult(blobCount, layerCount, bytes);
        } finally {
            gcLock.writeLock().unlock();
        }
    }

    private ImageSummary summary(ImageReference ref, Descriptor descriptor) throws IOException {
        long size = descriptor.size();
        int layers = 0;
        if (blobs.has(descriptor.digest())) {
            ImageManifest manifest = ImageManifest.parse(json, blobs.read(descriptor.digest()));
            size += manifest.config().size();
            for (Descriptor layer : manifest.layers()) {
                size += layer.size();
            }
            layers = manifest.layers().size();
        }
        return new ImageSummary(ref, descriptor.digest(), size, layers);
    }
}
