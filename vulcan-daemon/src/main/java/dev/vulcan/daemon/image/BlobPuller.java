package dev.vulcan.daemon.image;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;

/** Fetches one blob into the store unless it is there already, verifying its digest and size. */
final class BlobPuller {

    private final RegistryClient registry;
    private final BlobStore blobs;

    BlobPuller(RegistryClient registry, BlobStore blobs) {
        this.registry = registry;
        this.blobs = blobs;
    }

    /** Returns true when it downloaded, false when the store already held the blob. */
    boolean pull(Descriptor blob, PullProgress progress) throws IOException {
        if (blobs.has(blob.digest())) {
            progress.blob(blob.digest(), blob.size(), blob.size());
            return false;
        }
        HttpResponse<InputStream> response = registry.get("blobs/" + blob.digest(), "*/*");
        try (InputStream in = response.body()) {
            blobs.write(in, blob.digest(), blob.size(), done -> progress.blob(blob.digest(), done, blob.size()));
        }
        return true;
    }
}
