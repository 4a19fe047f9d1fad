package dev.vulcan.daemon.image;

/** Told how a pull advances, per blob, so a terminal can draw a bar. Called on the pulling thread. */
@FunctionalInterface
public interface PullProgress {

    /** Progress of one blob being downloaded: bytes so far and its size (from the manifest); done == total at its end. */
    void blob(Digest digest, long done, long total);

    /** The store already had this blob: nothing to download. */
    default void present(Digest digest, long size) {
        blob(digest, size, size);
    }

    PullProgress NONE = (digest, done, total) -> {};
}
