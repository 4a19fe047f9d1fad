package dev.vulcan.daemon.http;

import dev.vulcan.api.ApiError;
import dev.vulcan.api.Image;
import dev.vulcan.api.ImagePullProgress;
import dev.vulcan.daemon.image.Digest;
import dev.vulcan.daemon.image.PullProgress;

/**
 * A pull's progress as Server-Sent Events: {@code progress} per blob (at most about 50 per blob),
 * then {@code pulled} with the image, or {@code error}. The stream starts with the first
 * progress, so a pull that fails before any blob (unknown image, registry down, bad certificate)
 * still answers with its plain 4xx.
 */
final class PullEvents implements PullProgress {

    private static final int STEPS = 50;

    private final Exchange exchange;
    private boolean started;
    private Digest current;
    private long sent;

    PullEvents(Exchange exchange) {
        this.exchange = exchange;
    }

    boolean started() {
        return started;
    }

    @Override
    public void blob(Digest digest, long done, long total) {
        boolean first = !digest.equals(current);
        if (first) {
            current = digest;
            sent = -1;
        }
        boolean last = done >= total;
        if (first || last || done - sent >= Math.max(1, total / STEPS)) {
            sent = done;
            event("progress", new ImagePullProgress(digest.toString(), last ? "downloaded" : "downloading", done, total));
        }
    }

    @Override
    public void present(Digest digest, long size) {
        current = digest;
        event("progress", new ImagePullProgress(digest.toString(), "exists", size, size));
    }

    void pulled(Image image) {
        event("pulled", image);
        exchange.endEvents();
    }

    /** A failure after the stream started: its 200 is sent, so the error travels as an event. */
    void failed(String code, String message) {
        event("error", ApiError.of(code, message));
        exchange.endEvents();
    }

    private void event(String name, Object data) {
        if (!started) {
            exchange.startEvents();
            started = true;
        }
        exchange.event(name, data);
    }
}
