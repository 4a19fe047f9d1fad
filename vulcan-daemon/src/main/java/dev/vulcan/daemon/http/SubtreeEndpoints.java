package dev.vulcan.daemon.http;

import dev.vulcan.api.Subtree;
import dev.vulcan.api.SubtreeDelegation;
import dev.vulcan.api.SubtreeDelegationsPost;
import dev.vulcan.daemon.net.IpPrefix;
import dev.vulcan.daemon.net.subtree.Delegation;
import dev.vulcan.daemon.net.subtree.NodeSubtree;
import dev.vulcan.daemon.net.subtree.SubtreeAllocator;

/** /v1/subtree: the node's IPv6 subtree and its delegations to child nodes. */
final class SubtreeEndpoints {

    private final SubtreeAllocator allocator;

    SubtreeEndpoints(SubtreeAllocator allocator) {
        this.allocator = allocator;
    }

    void register(Router router) {
        router.add("GET", "/v1/subtree", ex -> {
                    NodeSubtree subtree = allocator.subtree();
                    ex.json(200, new Subtree(subtree.subtree().toString(), subtree.ownSpace().toString(),
                            subtree.bridgeSubnet().toString(),
                            allocator.list().stream().map(SubtreeEndpoints::delegation).toList()));
                })
                .add("POST", "/v1/subtree/delegations", ex -> {
                    SubtreeDelegationsPost body = ex.body(SubtreeDelegationsPost.class);
                    ex.json(201, delegation(allocator.delegate(body.child())));
                })
                .add("DELETE", "/v1/subtree/delegations/{child}", ex -> {
                    allocator.release(ex.path("child"));
                    ex.empty(204);
                });
    }

    static SubtreeDelegation delegation(Delegation d) {
        return new SubtreeDelegation(d.child(), d.prefix().toString(), IpPrefix.text(d.uplink()), d.createdAt(),
                d.route().wire());
    }
}
