package dev.vulcan.api;

import java.util.List;

/**
 * GET /v1/subtree: the node's IPv6 subtree, what it keeps for itself (own space, bridge /64) and
 * what it has delegated to child nodes.
 */
public record Subtree(String subtree, String ownSpace, String bridgeSubnet, List<SubtreeDelegation> delegations) {}
