package dev.vulcan.daemon.image;

import dev.vulcan.daemon.error.InvalidException;
import java.util.regex.Pattern;

/**
 * A parsed image reference: {@code [registry[:port]/]repository[:tag][@sha256:...]}. Docker Hub
 * defaults apply: no registry means {@code docker.io}, a one-part repository there means
 * {@code library/NAME}, no tag and no digest means {@code latest}.
 *
 * @param registry host[:port], e.g. docker.io, localhost:5000, 127.0.0.1:5000
 * @param repository path, e.g. library/busybox
 * @param tag the tag, or null when only a digest was given
 * @param digest the pinned digest, or null
 */
public record ImageReference(String registry, String repository, String tag, Digest digest) {

    public static final String DOCKER_HUB = "docker.io";

    private static final Pattern REGISTRY = Pattern.compile(
            "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\\[[0-9a-fA-F:]+\\])(?::[0-9]{1,5})?");
    private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");

    public ImageReference {
        if (registry == null || !REGISTRY.matcher(registry).matches()) {
            throw invalid("bad registry host '" + registry + "'");
        }
        if (repository == null || repository.isEmpty() || repository.length() > 255) {
            throw invalid("bad repository '" + repository + "'");
        }
        for (String part : repository.split("/", -1)) {
            if (!COMPONENT.matcher(part).matches()) {
                throw invalid("bad repository '" + repository + "' (lowercase letters, digits and separators . _ - /)");
            }
        }
        if (tag != null && !TAG.matcher(tag).matches()) {
            throw invalid("bad tag '" + tag + "'");
        }
        if (tag == null && digest == null) {
            throw invalid("a reference needs a tag or a digest");
        }
    }

    /** Parses a reference as users write it (busybox, library/busybox:1.36, localhost:5000/x@sha256:...). */
    public static ImageReference parse(String text) {
        if (text == null || text.isBlank()) {
            throw invalid("empty image reference");
        }
        String rest = text.strip();
        Digest digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            try {
                digest = Digest.parse(rest.substring(at + 1));
            } catch (InvalidException e) {
                throw invalid("bad digest in '" + text + "': " + e.getMessage());
            }
            rest = rest.substring(0, at);
        }
        String tag = null;
        int slash = rest.lastIndexOf('/');
        int colon = rest.lastIndexOf(':');
        if (colon > slash) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
        }
        String registry = DOCKER_HUB;
        int first = rest.indexOf('/');
        if (first > 0) {
            String head = rest.substring(0, first);
            if (head.contains(".") || head.contains(":") || head.equals("localhost") || head.startsWith("[")) {
                registry = head;
                rest = rest.substring(first + 1);
            }
        }
        if (registry.equals("index.docker.io") || registry.equals("registry-1.docker.io")) {
            registry = DOCKER_HUB;
        }
        if (registry.equals(DOCKER_HUB) && !rest.contains("/")) {
            rest = "library/" + rest;
        }
        if (tag == null && digest == null) {
            tag = "latest";
        }
        try {
            return new ImageReference(registry, rest, tag, digest);
        } catch (InvalidException e) {
            throw invalid("'" + text + "': " + e.getMessage().replaceFirst("^invalid image reference: ", ""));
        }
    }

    /** What to ask the registry's manifest endpoint for: the digest if pinned, else the tag. */
    String manifestReference() {
        return digest != null ? digest.toString() : tag;
    }

    /** The same image pinned to a digest (keeps the tag for display). */
    ImageReference withDigest(Digest pinned) {
        return new ImageReference(registry, repository, tag, pinned);
    }

    @Override
    public String toString() {
        return registry + "/" + repository + (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
    }

    private static InvalidException invalid(String message) {
        return new InvalidException("invalid_reference", "invalid image reference: " + message);
    }
}
