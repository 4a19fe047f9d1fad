package dev.vulcan.api;

import java.util.List;

/**
 * Body of POST /v1/instances: a long-lived container. cmd is Docker's shell form, args the exec form
 * (at most one; neither: the image's own). volumes are "HOST:GUEST[:ro]" bind mounts (HOST absolute)
 * or "NAME:GUEST[:ro]" named volumes; restart is no (default), on-failure or always. network is the
 * network's name or "none" (null: the node's default network); ports are published ports
 * "[HOSTIP:]HOSTPORT:PORT[/tcp|udp]" (an IPv6 HOSTIP in brackets). isolation is container (default),
 * gvisor or auto (an image: gvisor).
 */
public record InstancesPost(String name, String image, String cmd, List<String> args, List<String> env,
        List<String> volumes, String restart, Resources resources, String network, List<String> ports,
        String isolation) {

    /** An instance on the default network with no published ports, in the default isolation (container). */
    public InstancesPost(String name, String image, String cmd, List<String> args, List<String> env,
            List<String> volumes, String restart, Resources resources) {
        this(name, image, cmd, args, env, volumes, restart, resources, null, null, null);
    }

    /** An instance in the default isolation (container). */
    public InstancesPost(String name, String image, String cmd, List<String> args, List<String> env,
            List<String> volumes, String restart, Resources resources, String network, List<String> ports) {
        this(name, image, cmd, args, env, volumes, restart, resources, network, ports, null);
    }
}
