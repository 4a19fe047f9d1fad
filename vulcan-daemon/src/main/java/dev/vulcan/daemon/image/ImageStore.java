package dev.vulcan.daemon.image;

import dev.vulcan.daemon.error.InvalidException;
import dev.vulcan.daemon.error.NotFoundException;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * overlayfs. Pull and import write blobs only after they verify, unpack the layers, and record the
 * reference last; a failure takes back the blobs and layers it added, so the store is as before.
 */
public final class ImageStore {

    private static final Logger log = LoggerFactory.getLogger(ImageStore.class);

    private final Path root;
    private final BlobStore blobs;
    private final ImageIndex index;
    private final LayerUnpacker unpacker;
    /** Verified HTTPS to registries without a CA of their own; the others get a client per pull. */
    private final HttpClient http;
    private final JsonMapper json;
    private final RegistryTrust trust;
    /** Pulls, imports and unpacks share; gc and the rollback of a failed pull or import exclude them all. */
    private final ReadWriteLock gcLock = new ReentrantReadWriteLock();

    private final java.util.List<Runnable> removalListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    public ImageStore(Path root, JsonMapper json, RegistryTrust trust) throws IOException {
        this(root, json, trust, new SpecialFiles.Native());
    }

    ImageStore(Path root, JsonMapper json, RegistryTrust trust, SpecialFiles special) throws IOException {
        Files.createDirectories(root);
        this.root = root;
        this.blobs = new BlobStore(root);
        this.index = new ImageIndex(root, json);
        this.unpacker = new LayerUnpacker(root.resolve("layers"), special);
        this.http = RegistryTransport.client(null);
        this.json = json;
        this.trust = trust;
    }

    public static ImageStore open(Path root, JsonMapper json, RegistryTrust trust) throws IOException {
        return new ImageStore(root, json, trust);
    }

    public Path root() {
        return root;
    }

    /**
     * Pulls the linux/amd64 image, downloading only blobs the store lacks, and unpacks its layers.
     * On any failure the blobs and layers this pull added are taken back and the reference is not
     * recorded: the store is as before.
     */
    public ImageSummary pull(ImageReference ref, PullProgress progress) throws IOException {
        Changes changes = new Changes();
        try {
            gcLock.readLock().lock();
            try (RegistryTransport transport = RegistryTransport.open(trust, ref.registry(),
                    RegistryClient.host(ref.registry()), http)) {
                RegistryClient registry = new RegistryClient(transport, json, ref);
                ManifestPuller.Pulled pulled = new ManifestPuller(registry, json).pull(ref);
                ImageManifest manifest = ImageManifest.parse(json, pulled.content());
                BlobPuller blobPuller = new BlobPuller(registry, blobs);
                List<Descriptor> wanted = new ArrayList<>();
                wanted.add(manifest.config());
                wanted.addAll(manifest.layers());
                for (Descriptor blob : wanted) {
                    if (blobPuller.pull(blob, progress)) {
                        changes.blobs.add(blob.digest());
                    }
                }
                if (!blobs.has(pulled.descriptor().digest())) {
                    blobs.put(pulled.content());
                    changes.blobs.add(pulled.descriptor().digest());
                }
                unpackLayers(ref, pulled.descriptor(), changes);
                index.put(ref.toString(), pulled.descriptor());
                log.atInfo().addKeyValue("image", ref).addKeyValue("manifest", pulled.descriptor().digest())
                        .addKeyValue("new_blobs", changes.blobs.size()).log("image pulled");
                return summary(ref, pulled.descriptor());
            } finally {
                gcLock.readLock().unlock();
            }
        } catch (IOException | RuntimeException e) {
            rollback(changes, ref, e);
            if (DiskFull.isCause(e)) {
                throw DiskFull.error(root, "pulling " + ref);
            }
            throw e;
        }
    }

    /**
     * Imports an OCI layout directory, an OCI archive or a docker save tarball; name may be null.
     * Unpacks the layers too; on failure nothing it added stays.
     */
    public List<ImageSummary> importImage(Path source, ImageReference name) throws IOException {
        Changes changes = new Changes();
        try {
            gcLock.readLock().lock();
            try {
                List<ImageImporter.Imported> images = new ImageImporter(blobs, json, changes.blobs).importFrom(source, name);
                for (ImageImporter.Imported image : images) {
                    unpackLayers(image.reference(), image.manifest(), changes);
                }
                List<ImageSummary> done = new ArrayList<>();
                for (ImageImporter.Imported image : images) {
                    index.put(image.reference().toString(), image.manifest());
                    done.add(summary(image.reference(), image.manifest()));
                    log.atInfo().addKeyValue("image", image.reference()).addKeyValue("source", source).log("image imported");
                }
                return done;
            } finally {
                gcLock.readLock().unlock();
            }
        } catch (IOException | RuntimeException e) {
            rollback(changes, source, e);
            if (DiskFull.isCause(e)) {
                throw DiskFull.error(root, "importing " + source);
            }
            throw e;
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

    /** Forgets a reference; its blobs and layers stay until gc(). Then tells the removal listeners. */
    public void remove(ImageReference ref) throws IOException {
        if (!index.remove(ref.toString())) {
            throw new NotFoundException("image_not_found", "no image " + ref + " in the store");
        }
        log.atInfo().addKeyValue("image", ref).log("image removed");
        for (Runnable listener : removalListeners) {
            listener.run();
        }
    }

    /**
     * Runs the listener after every removal (on the removing thread): caches derived from images
     * (the microVM backend's rootfs images and snapshots) drop what no reference reaches any more.
     */
    public void onRemoved(Runnable listener) {
        removalListeners.add(listener);
    }

    /** The manifest digests the store's references name now. */
    public java.util.Set<Digest> manifestDigests() throws IOException {
        java.util.Set<Digest> digests = new java.util.HashSet<>();
        for (Descriptor d : index.load().values()) {
            digests.add(d.digest());
        }
        return digests;
    }

    /** Unpacks the image's layers (once each; pull and import did already) and returns their directories, lowest first. */
    public List<Path> unpack(ImageReference ref) throws IOException {
        gcLock.readLock().lock();
        try {
            Descriptor descriptor = index.load().get(ref.toString());
            if (descriptor == null) {
                throw new NotFoundException("image_not_found", "no image " + ref + " in the store");
            }
            return unpackLayers(ref, descriptor, new Changes());
        } catch (IOException | RuntimeException e) {
            if (DiskFull.isCause(e)) {
                throw DiskFull.error(root, "unpacking " + ref);
            }
            throw e;
        } finally {
            gcLock.readLock().unlock();
        }
    }

    private List<Path> unpackLayers(ImageReference ref, Descriptor descriptor, Changes changes) throws IOException {
        ImageManifest manifest = ImageManifest.parse(json, blobs.read(descriptor.digest()));
        List<Digest> diffIds = ImageManifest.diffIds(json, blobs.read(manifest.config().digest()));
        if (diffIds.size() != manifest.layers().size()) {
            throw new InvalidException("invalid_image", ref + " has " + manifest.layers().size() + " layers but its config lists "
                    + diffIds.size() + " diff_ids");
        }
        List<Path> dirs = new ArrayList<>();
        for (int i = 0; i < diffIds.size(); i++) {
            boolean existed = Files.isDirectory(unpacker.dir(diffIds.get(i)));
            Path dir = unpacker.unpack(blobs.path(manifest.layers().get(i).digest()), diffIds.get(i));
            if (!existed) {
                changes.layers.add(dir);
            }
            dirs.add(dir);
        }
        return dirs;
    }

    /** Deletes blobs and unpacked layers no reference reaches, and leftovers of interrupted work. */
    public GcResult gc() throws IOException {
        gcLock.writeLock().lock();
        try {
            Live live = live();
            int blobCount = 0;
            long bytes = 0;
            for (Digest digest : blobs.list()) {
                if (!live.blobs().contains(digest)) {
                    bytes += blobs.delete(digest);
                    blobCount++;
                }
            }
            int layerCount = 0;
            try (Stream<Path> dirs = Files.list(root.resolve("layers"))) {
                for (Path dir : dirs.toList()) {
                    if (!live.layers().contains(dir.getFileName().toString())) {
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

    /** What a pull or import added, to take back if it fails. */
    private static final class Changes {
        final Set<Digest> blobs = new HashSet<>();
        final List<Path> layers = new ArrayList<>();
    }

    /**
     * Deletes what a failed pull or import added, unless a stored image uses it by now: another
     * pull that found the blob there may have recorded its image meanwhile (the write lock waits
     * for it to finish).
     */
    private void rollback(Changes changes, Object what, Exception cause) {
        if (changes.blobs.isEmpty() && changes.layers.isEmpty()) {
            return;
        }
        gcLock.writeLock().lock();
        try {
            Live live = live();
            for (Digest digest : changes.blobs) {
                if (!live.blobs().contains(digest)) {
                    blobs.delete(digest);
                }
            }
            for (Path layer : changes.layers) {
                if (!live.layers().contains(layer.getFileName().toString())) {
                    LayerUnpacker.deleteTree(layer);
                }
            }
            log.atInfo().addKeyValue("image", what).addKeyValue("blobs", changes.blobs.size())
                    .addKeyValue("layers", changes.layers.size()).addKeyValue("error", cause.getMessage())
                    .log("failed image work taken back");
        } catch (IOException | RuntimeException e) {
            cause.addSuppressed(e);
            log.atWarn().setCause(e).addKeyValue("image", what).log("could not take back failed image work; gc will");
        } finally {
            gcLock.writeLock().unlock();
        }
    }

    private record Live(Set<Digest> blobs, Set<String> layers) {}

    /** The blobs and layer dirs (diff_id hex) the stored images use. */
    private Live live() throws IOException {
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
        return new Live(liveBlobs, liveLayers);
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
