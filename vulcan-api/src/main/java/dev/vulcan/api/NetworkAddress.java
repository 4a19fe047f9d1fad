package dev.vulcan.api;

/** Where a sandbox sits on a network: its addresses there (ipv6 null on an IPv4-only network). */
public record NetworkAddress(String network, String ipv4, String ipv6) {}
