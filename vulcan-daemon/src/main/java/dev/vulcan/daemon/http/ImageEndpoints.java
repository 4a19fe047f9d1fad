package dev.vulcan.daemon.http;

import dev.vulcan.api.Image;
import dev.vulcan.api.ImageGc;
import dev.vulcan.api.ImagesImport;
import dev.vulcan.api.ImagesPull;
import dev.vulcan.daemon.error.InvalidException;
import dev.vulcan.daemon.error.VulcanException;
import dev.vulcan.daemon.image.GcResult;
import dev.vulcan.daemon.image.ImageReference;
import dev.vulcan.daemon.image.ImageStore;
import dev.vulcan.daemon.image.ImageSummary;
import dev.vulcan.daemon.image.PullProgress;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import org.eclipse.jetty.http.HttpHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** /v1/images: the node's image store. A reference in the path is one percent-encoded segment. */
final class ImageEndpoints {

    private static final Logger log = LoggerFactory.getLogger(ImageEndpoints.class);

    private final ImageStore images;

    ImageEndpoints(ImageStore images) {
        this.images = images;
    }

    void register(Router router) {
        router.add("GET", "/v1/images", this::list)
                .add("POST", "/v1/images/pull", this::pull)
                .add("POST", "/v1/images/import", this::importImage)
                .add("POST", "/v1/images/gc", this::gc)
                .add("GET", "/v1/images/{ref}", this::get)
                .add("DELETE", "/v1/images/{ref}", this::remove);
    }

    private void list(Exchange ex) throws IOException {
        ex.json(200, images.list().stream().map(ImageEndpoints::image).toList());
    }

    /** Answers the image; with Accept: text/event-stream, progress events first (see {@link PullEvents}). */
    private void pull(Exchange ex) throws IOException {
        ImagesPull body = ex.body(ImagesPull.class);
        ImageReference ref = ImageReference.parse(body.ref());
        String accept = ex.header(HttpHeader.ACCEPT);
        if (accept == null || !accept.contains("text/event-stream")) {
            ex.json(200, image(images.pull(ref, PullProgress.NONE)));
            return;
        }
        PullEvents events = new PullEvents(ex);
        ImageSummary pulled;
        try {
            pulled = images.pull(ref, events);
        } catch (VulcanException e) {
            if (!events.started()) {
                throw e;
            }
            events.failed(e.code(), e.getMessage());
            return;
        } catch (IOException | RuntimeException e) {
            if (!events.started()) {
                throw e;
            }
            log.atError().setCause(e).addKeyValue("image", ref).log("pull failed");
            events.failed("internal", "internal error: " + e);
            return;
        }
        events.pulled(image(pulled));
    }

    /** Answers the list of images imported: an archive may hold several. */
    private void importImage(Exchange ex) throws IOException {
        ImagesImport body = ex.body(ImagesImport.class);
        Path source = source(body.path());
        ImageReference name = body.name() == null || body.name().isBlank() ? null : ImageReference.parse(body.name());
        ex.json(200, images.importImage(source, name).stream().map(ImageEndpoints::image).toList());
    }

    private void get(Exchange ex) throws IOException {
        ex.json(200, image(images.get(reference(ex))));
    }

    private void remove(Exchange ex) throws IOException {
        ImageReference ref = reference(ex);
        ImageSummary removed = images.get(ref);
        images.remove(ref);
        ex.json(200, image(removed));
    }

    private void gc(Exchange ex) throws IOException {
        GcResult result = images.gc();
        ex.json(200, new ImageGc(result.blobs(), result.bytes(), result.layers()));
    }

    private static ImageReference reference(Exchange ex) {
        String raw = ex.path("ref");
        // '+' is a literal in a path segment, not a space
        return ImageReference.parse(URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8));
    }

    private static Path source(String path) {
        if (path == null || path.isBlank()) {
            throw new InvalidException("missing_path", "path is required: an OCI archive, OCI layout directory or"
                    + " docker save tarball on the daemon's machine");
        }
        Path source;
        try {
            source = Path.of(path);
        } catch (InvalidPathException e) {
            throw new InvalidException("invalid_path", "bad path '" + path + "': " + e.getReason());
        }
        if (!source.isAbsolute()) {
            throw new InvalidException("invalid_path", "path must be absolute (it is read on the daemon's machine): " + path);
        }
        return source;
    }

    static Image image(ImageSummary summary) {
        return new Image(summary.reference().toString(), summary.manifest().toString(), summary.size(), summary.layers());
    }
}
