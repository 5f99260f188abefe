package warden.dns;

/** One MX record: its preference and exchange host name (without trailing dot). RFC 5321 section 5.1. */
public record MxHost(int preference, String exchange) {}
