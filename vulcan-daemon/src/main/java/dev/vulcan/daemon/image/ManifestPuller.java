package dev.vulcan.daemon.image;

import dev.vulcan.daemon.error.InvalidException;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import tools.jackson.databind.json.JsonMapper;

/**
 * Fetches the image manifest a reference names, resolving an index or manifest list to
 * linux/amd64, verifying each manifest's digest. It stores nothing: the caller stores the manifest
 * after its config and layers arrived, so a failed pull leaves no manifest behind.
 */
final class ManifestPuller {

    private static final int MAX_MANIFEST = 4 * 1024 * 1024;

    private final RegistryClient registry;
    private final JsonMapper json;

    ManifestPuller(RegistryClient registry, JsonMapper json) {
        this.registry = registry;
        this.json = json;
    }

    /** The linux/amd64 image manifest the reference names, verified. */
    Pulled pull(ImageReference ref) throws IOException {
        Fetched fetched = fetch(ref.manifestReference(), ref.digest());
        if (MediaTypes.isIndex(fetched.mediaType)) {
            Descriptor chosen = ImageManifest.selectPlatform(json, fetched.content, ref.toString());
            fetched = fetch(chosen.digest().toString(), chosen.digest());
        }
        if (!MediaTypes.isManifest(fetched.mediaType)) {
            throw new InvalidException("invalid_manifest", "unsupported manifest type '" + fetched.mediaType + "' for " + ref);
        }
        Descriptor descriptor = new Descriptor(fetched.mediaType, Digest.of(fetched.content), fetched.content.length);
        return new Pulled(descriptor, fetched.content);
    }

    /** A verified image manifest, not yet stored. */
    record Pulled(Descriptor descriptor, byte[] content) {}

    private Fetched fetch(String reference, Digest expected) throws IOException {
        HttpResponse<InputStream> response = registry.get("manifests/" + reference, MediaTypes.MANIFEST_ACCEPT);
        byte[] content;
        try (InputStream in = response.body()) {
            content = in.readNBytes(MAX_MANIFEST + 1);
        }
        if (content.length > MAX_MANIFEST) {
            throw new InvalidException("invalid_manifest", "manifest " + reference + " is larger than " + MAX_MANIFEST + " bytes");
        }
        Digest actual = Digest.of(content);
        if (expected != null && !expected.equals(actual)) {
            throw new InvalidException("digest_mismatch", "manifest " + expected + " arrived with digest " + actual);
        }
        String header = response.headers().firstValue("Docker-Content-Digest").orElse(null);
        if (header != null && header.startsWith("sha256:") && !Digest.parse(header).equals(actual)) {
            throw new InvalidException("digest_mismatch",
                    "manifest " + reference + " arrived with digest " + actual + " but the registry says " + header);
        }
        String type = response.headers().firstValue("Content-Type").map(t -> t.split(";")[0].strip()).orElse("");
        String declared = ImageManifest.mediaTypeOf(json, content);
        String mediaType = MediaTypes.isIndex(type) || MediaTypes.isManifest(type) ? type : declared;
        return new Fetched(mediaType, content);
    }

    private record Fetched(String mediaType, byte[] content) {}
}
