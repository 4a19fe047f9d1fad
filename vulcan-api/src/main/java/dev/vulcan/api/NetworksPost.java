package dev.vulcan.api;

/**
 * Body of POST /v1/networks: a bridge network. subnet is its IPv4 CIDR (null: the next free /24 of the
 * node's pool); ipv6Subnet its IPv6 prefix (null: the next free /64 of the node's own IPv6 space).
 */
public record NetworksPost(String name, String subnet, String ipv6Subnet) {}
