package dev.vulcan.daemon.image;

import dev.vulcan.daemon.error.UnavailableException;
import java.io.FilterInputStream;
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
            progress.present(blob.digest(), blob.size());
            return false;
        }
        HttpResponse<InputStream> response = registry.get("blobs/" + blob.digest(), "*/*");
        try (InputStream in = new Download(response.body(), blob.digest())) {
            blobs.write(in, blob.digest(), blob.size(), done -> progress.blob(blob.digest(), done, blob.size()));
        }
        return true;
    }

    /** Tells a broken download (the registry's side) from a failed write (ours, e.g. a full disk). */
    private static final class Download extends FilterInputStream {
        private final Digest digest;
        private long read;

        Download(InputStream in, Digest digest) {
            super(in);
            this.digest = digest;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) {
            try {
                int n = super.read(buffer, offset, length);
                read += Math.max(n, 0);
                return n;
            } catch (IOException e) {
                throw new UnavailableException("registry_download_failed", "the download of blob " + digest + " broke off after "
                        + read + " bytes: " + RegistryTransport.describe(e) + "; nothing was stored");
            }
        }
    }
}
