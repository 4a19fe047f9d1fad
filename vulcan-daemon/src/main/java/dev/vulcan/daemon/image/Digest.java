package dev.vulcan.daemon.image;

import dev.vulcan.daemon.error.InvalidException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** A content digest, {@code sha256:<64 lowercase hex>}; the only algorithm the store accepts. */
public record Digest(String hex) {

    private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");

    public Digest {
        if (hex == null || !HEX.matcher(hex).matches()) {
            throw new InvalidException("invalid_digest", "a sha256 digest needs 64 lowercase hex digits, got: " + hex);
        }
    }

    /** Parses {@code sha256:<hex>}. */
    public static Digest parse(String text) {
        if (text == null || !text.startsWith("sha256:")) {
            throw new InvalidException("invalid_digest", "expected a digest of the form sha256:<64 hex>, got: " + text);
        }
        return new Digest(text.substring("sha256:".length()));
    }

    /** The digest of these bytes. */
    public static Digest of(byte[] content) {
        return fromSha(sha256().digest(content));
    }

    static Digest of(MessageDigest finished) {
        return fromSha(finished.digest());
    }

    private static Digest fromSha(byte[] sha) {
        return new Digest(HexFormat.of().formatHex(sha));
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always has SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return "sha256:" + hex;
    }
}
