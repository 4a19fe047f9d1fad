package dev.vulcan.daemon.net.cni;

import dev.vulcan.daemon.error.InvalidException;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * One container interface on one network: the CNI_CONTAINERID, CNI_NETNS and CNI_IFNAME of every call.
 * The netns path need not exist for DEL (the spec lets the runtime clean up after the namespace is gone).
 */
public record Attachment(String containerId, Path netns, String ifName) {

    // The spec: "alphanumeric with optional _.- ; must start with an alphanumeric".
    private static final Pattern CONTAINER_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.\\-]*");

    public Attachment {
        if (containerId == null || !CONTAINER_ID.matcher(containerId).matches()) {
            throw new InvalidException("invalid_cni_attachment", "container id '" + containerId
                    + "' must start with a letter or digit and contain only letters, digits, '_', '.' and '-'");
        }
        if (netns == null || !netns.isAbsolute()) {
            throw new InvalidException("invalid_cni_attachment", "network namespace path '" + netns + "' must be absolute");
        }
        // Linux interface names: at most 15 bytes, no '/', ':' or whitespace, not "." or "..".
        if (ifName == null || ifName.isEmpty() || ifName.length() > 15 || ifName.equals(".") || ifName.equals("..")
                || !ifName.matches("[^/:\\s]+")) {
            throw new InvalidException("invalid_cni_attachment", "interface name '" + ifName
                    + "' must be 1-15 characters without '/', ':' or spaces");
        }
    }
}
