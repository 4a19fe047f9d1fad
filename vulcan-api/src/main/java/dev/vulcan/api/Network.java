package dev.vulcan.api;

import java.time.Instant;
import java.util.List;

/**
 * A network as the API shows it.
 *
 * @param bridge    the host bridge device its sandboxes attach to
 * @param isDefault whether it is the node's default network (instances join it unless told otherwise)
 * @param instances names of the instances attached to it now
 */
public record Network(String name, String bridge, String subnet, String gateway, String ipv6Subnet,
        String ipv6Gateway, boolean isDefault, List<String> instances, Instant createdAt) {}
