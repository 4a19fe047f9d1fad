package dev.vulcan.api;

/** Body of POST /v1/subtree/delegations: the child node to delegate a prefix to. */
public record SubtreeDelegationsPost(String child) {}
