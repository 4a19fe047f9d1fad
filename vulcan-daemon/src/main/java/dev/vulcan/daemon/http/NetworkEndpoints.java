package dev.vulcan.daemon.http;

import dev.vulcan.api.NetworkList;
import dev.vulcan.api.NetworksPost;
import dev.vulcan.daemon.net.IpPrefix;
import dev.vulcan.daemon.net.Network;
import dev.vulcan.daemon.net.NetworkService;

/** /v1/networks: the node's bridge networks. */
final class NetworkEndpoints {

    private final NetworkService networks;

    NetworkEndpoints(NetworkService networks) {
        this.networks = networks;
    }

    void register(Router router) {
        router.add("GET", "/v1/networks", ex -> ex.json(200, new NetworkList(networks.list().stream().map(this::network).toList())))
                .add("POST", "/v1/networks", ex -> {
                    NetworksPost body = ex.body(NetworksPost.class);
                    ex.json(201, network(networks.create(body.name(), body.subnet(), body.ipv6Subnet())));
                })
                .add("GET", "/v1/networks/{name}", ex -> ex.json(200, network(networks.get(ex.path("name")))))
                .add("DELETE", "/v1/networks/{name}", ex -> ex.json(200, network(networks.remove(ex.path("name")))));
    }

    private dev.vulcan.api.Network network(Network n) {
        return new dev.vulcan.api.Network(n.name(), n.bridge(), n.subnet().toString(), IpPrefix.text(n.gateway()),
                n.ipv6Subnet() == null ? null : n.ipv6Subnet().toString(),
                n.ipv6Gateway() == null ? null : IpPrefix.text(n.ipv6Gateway()), n.isDefault(),
                networks.members(n.name()), n.createdAt());
    }
}
