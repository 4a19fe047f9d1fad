package dev.vulcan.daemon.backend.oci;

import dev.vulcan.daemon.error.NotFoundException;
import dev.vulcan.daemon.error.UnavailableException;
import dev.vulcan.daemon.image.ImageReference;
import dev.vulcan.daemon.image.ImageStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the image a code runtime runs in: in the store, or else imported on first use from the archive
 * scripts/base-images left in the base-images dir. When neither exists the runtime cannot run here.
 */
public final class BaseImages {

    private static final Logger log = LoggerFactory.getLogger(BaseImages.class);
    public static final Path DEFAULT_DIR = Path.of("/var/cache/vulcan/base-images");

    private final ImageStore images;
    private final Path dir;

    public BaseImages(ImageStore images, Path dir) {
        this.images = images;
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    /** The image of this code runtime, in the store once this returns; UnavailableException when there is none. */
    public ImageReference ensure(CodeImage code) {
        try {
            if (!inStore(code.image())) {
                importOnce(code);
            }
            return code.image();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot import the base image " + code.image() + ": " + e.getMessage(), e);
        }
    }

    // one import at a time: two first workloads must not import the same archive twice
    private synchronized void importOnce(CodeImage code) throws IOException {
        if (inStore(code.image())) return;
        Path archive = dir.resolve(code.archive());
        if (!Files.isRegularFile(archive)) {
            throw new UnavailableException("base_image_missing", "runtime '" + code.runtime().wire() + "' needs the image "
                    + code.image() + ", which is neither in the image store nor at " + archive
                    + ": build it with scripts/base-images (or import it with vulcan image import)");
        }
        long start = System.nanoTime();
        images.importImage(archive, code.image());
        log.atInfo().addKeyValue("image", code.image()).addKeyValue("archive", archive)
                .addKeyValue("ms", (System.nanoTime() - start) / 1_000_000).log("base image imported on first use");
    }

    private boolean inStore(ImageReference ref) throws IOException {
        try {
            images.get(ref);
            return true;
        } catch (NotFoundException e) {
            return false;
        }
    }
}
